"""PostgreSQL for the tests: each test gets a schema of its own, migrated, dropped afterwards.

The project's machines (and CI) run PostgreSQL at 127.0.0.1:5432 with trust authentication and
a database `test`; TACTFUL_TEST_DATABASE_URL points elsewhere. Where none answers the tests
that need it are skipped, saying how to run them, unless TACTFUL_REQUIRE_POSTGRES=1 (CI sets
it in .ci/run), which makes a missing PostgreSQL a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from urllib.parse import quote

import psycopg
import pytest

from storage.postgres_store import migrate

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def test_url() -> str:
    return os.environ.get("TACTFUL_TEST_DATABASE_URL") or DEFAULT_URL


@cache
def _unreachable() -> str:
    """Why PostgreSQL can't be used ("" if it can)."""
    try:
        with psycopg.connect(test_url(), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as err:
        return (
            str(err).strip().splitlines()[-1].strip()
            if str(err).strip()
            else err.__class__.__name__
        )
    return ""


def require_postgres() -> str:
    """The test database's URL; skips (or, with TACTFUL_REQUIRE_POSTGRES=1, fails) the test
    when no PostgreSQL answers there."""
    reason = _unreachable()
    if reason:
        message = (
            f"PostgreSQL is not reachable at {test_url()} ({reason}). To run these tests start "
            "PostgreSQL on 127.0.0.1:5432 with trust authentication and a database `test` "
            "(or set TACTFUL_TEST_DATABASE_URL)"
        )
        if os.environ.get("TACTFUL_REQUIRE_POSTGRES") == "1":
            pytest.fail(message + "; TACTFUL_REQUIRE_POSTGRES=1 makes this a failure")
        pytest.skip(message)
    return test_url()


def with_schema(url: str, schema: str) -> str:
    """The URL of `schema` in `url`'s database: connections through it see only that schema,
    so a child process handed it needs nothing else."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def fresh_schema(*, migrated: bool | str = True) -> Iterator[tuple[str, str]]:
    """(schema, url of that schema): a new, empty schema, migrated to the head (or to the
    revision `migrated` names; False: not at all), dropped with everything in it on the way
    out."""
    base = require_postgres()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    if migrated:
        migrate(base, schema=schema, target="head" if migrated is True else migrated)
    else:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema, with_schema(base, schema)
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
