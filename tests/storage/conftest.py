"""The storage contract runs against every store: `backend` is TinyDB, then PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

import psycopg
import pytest

from service.nudges import NudgeSchedule
from storage.base import Store
from tests.postgres import fresh_schema
from tests.storage.support import open_store, snapshot


@dataclass
class Backend:
    """One store's data, wherever it lives: `spec` opens it (in this or a child process)."""

    name: str
    spec: str
    clock: Any

    def open(self, *, schedule: bool = True) -> Store:
        """Another store object on the same data, as another process would open it."""
        return open_store(self.spec, NudgeSchedule(UTC, clock=self.clock) if schedule else None)

    def snapshot(self) -> object:
        """Everything stored, to prove a refused change wrote nothing."""
        if self.name == "tinydb":
            return snapshot(Path(self.spec).with_suffix("").parent)
        with psycopg.connect(self.spec) as conn:
            return {
                table: conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3").fetchall()
                for table in ("clients", "interactions", "overviews")
            }


@pytest.fixture(params=["tinydb", "postgres"])
def backend(request: pytest.FixtureRequest, db_path: Path, clock) -> Iterator[Backend]:
    if request.param == "tinydb":
        yield Backend("tinydb", str(db_path), clock)
        return
    with fresh_schema() as (_schema, url):
        yield Backend("postgres", url, clock)


@pytest.fixture
def any_store(backend: Backend) -> Iterator[Store]:
    """The store as bot.py opens it (keeping the checks index on the test's clock), on each
    backend in turn."""
    store = backend.open()
    yield store
    close = getattr(store, "close", None)
    if close is not None:
        close()
