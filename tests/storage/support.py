"""Small builders shared by the storage tests (and the writer child process)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from domain.models import Client, ClientRecord, Interaction, Kind
from service.commands import Draft, log
from storage.base import Change, CheckSchedule, Store
from storage.postgres_store import PostgresStore, is_database_url
from storage.tinydb_store import TinyDBStore, new_client_id

TEAM = "T0STORE"
AT = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
# The temporary files write_json_atomic makes beside its target: ".<name>.<random>.tmp".
TEMP = re.compile(r"^\..+\.tmp$")


# The concurrency tests hammer one row from many writers at once: each waits its turn for the
# row lock, which on a loaded machine can take longer than DATABASE_TIMEOUT's default. They test
# that nothing is lost or doubled, not how long a turn takes (tests of the timeouts open their
# stores themselves).
PATIENT = 60.0


def open_store(spec: str, schedule: CheckSchedule | None = None) -> Store:
    """The store `spec` names: a postgresql:// URL (its schema in the URL's options), or the
    path of a TinyDB catalogue."""
    if is_database_url(spec):
        return PostgresStore(spec, schedule=schedule, timeout=PATIENT)
    return TinyDBStore(spec, schedule=schedule)


def new_client(
    name: str, team: str = TEAM, client_id: str | None = None
) -> tuple[ClientRecord, list[Interaction]]:
    """A client record and its ADDED interaction, as `/client add` makes them."""
    client = Client(
        team_id=team,
        client_id=new_client_id() if client_id is None else client_id,
        name=name,
        created_by="U0ALICE",
        created_at=AT,
    )
    return log(ClientRecord(client=client), "U0ALICE", AT, Draft(Kind.ADDED, AT.date()))


def notes(*texts: str) -> Change:
    """A change that logs one NOTE per text, in one write."""

    def change(record: ClientRecord) -> tuple[ClientRecord, list[Interaction]]:
        return log(record, "U0ALICE", AT, *(Draft(Kind.NOTE, AT.date(), text=t) for t in texts))

    return change


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (lock files aside), by relative path: to prove nothing changed."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(".lock")
    }


def temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and TEMP.match(p.name)]


def parse_every_file(folder: Path) -> int:
    """json-parse every data file under `folder`; the number parsed. Leftover temporary files
    (a writer killed before its rename) are skipped: nothing ever reads them."""
    parsed = 0
    for p in folder.rglob("*"):
        if p.is_file() and not TEMP.match(p.name) and not p.name.endswith(".lock"):
            json.loads(p.read_bytes())
            parsed += 1
    return parsed
