"""TinyDB-backed store, partitioned so a write costs the same on day one and after years.

Layout under the data folder (DATABASE_PATH without its suffix, e.g. data/tactful/):

    teams/<team_id>/index.json            name -> client id, changed only when a client is added
    teams/<team_id>/clients/<id>.json     the client's record, its open-state summary and the
                                          newest interactions (the "tail")
    teams/<team_id>/log/<id>/<seq>.json   older interactions, in immutable segments

Logging an interaction rewrites one small client file: the summary and the new interaction
land in one atomic write, so they can never disagree. When the tail is full it is first
copied, whole, into a new segment file (idempotent: the same name and content if a crash
makes it happen twice) and then dropped from the client file.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB
from tinydb.middlewares import CachingMiddleware
from tinydb.table import Document

from domain.models import ClientRecord, Interaction, name_key
from storage.atomic import AtomicJSONStorage, WriteLock, read_json, write_json_atomic
from storage.base import Change, DuplicateClient, UnknownClient
from storage.codec import from_doc, to_doc

TAIL_MAX = 16
SCHEMA_VERSION = 1
_TEAM_ID = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")


def _check_team(team_id: str) -> str:
    # team_id becomes a folder name: refuse anything that could escape the data folder.
    if not _TEAM_ID.match(team_id or ""):
        raise ValueError(f"not a Slack team id: {team_id!r}")
    return team_id


class _Transaction:
    """A TinyDB database whose changes reach disk in one atomic write, when it closes."""

    def __init__(self, path: Path, durable: bool) -> None:
        self.db = TinyDB(path, storage=CachingMiddleware(AtomicJSONStorage), durable=durable)

    def __enter__(self) -> TinyDB:
        return self.db

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        if exc_type is None:
            self.db.close()  # flushes the cache: the one write


class TinyDBStore:
    """See the module docstring. Safe to share between threads and processes."""

    def __init__(self, database_path: str | Path, *, durable: bool = True) -> None:
        self.catalogue = Path(database_path)
        self.root = self.catalogue.with_suffix("")
        self.durable = durable
        self.lock = WriteLock(self.root / ".write.lock")
        with self.lock.held():
            meta = read_json(self.catalogue)
            if meta is None:
                write_json_atomic(
                    self.catalogue,
                    {
                        "meta": {
                            "1": {
                                "schema": SCHEMA_VERSION,
                                "layout": "partitioned",
                                "data": self.root.name,
                            }
                        }
                    },
                    durable=durable,
                )
            elif meta.get("meta", {}).get("1", {}).get("schema") != SCHEMA_VERSION:
                raise RuntimeError(f"{self.catalogue} was written by another version of Tactful")

    # paths -----------------------------------------------------------------------------
    def _team(self, team_id: str) -> Path:
        return self.root / "teams" / _check_team(team_id)

    def _client_path(self, team_id: str, client_id: str) -> Path:
        return self._team(team_id) / "clients" / f"{client_id}.json"

    def _log_dir(self, team_id: str, client_id: str) -> Path:
        return self._team(team_id) / "log" / client_id

    # reads -----------------------------------------------------------------------------
    def _read_client_file(self, path: Path) -> tuple[ClientRecord, list[dict]] | None:
        data = read_json(path)
        if data is None:
            return None
        record = from_doc(ClientRecord, data["record"]["1"])
        tail = [data["tail"][k] for k in sorted(data.get("tail", {}), key=int)]
        return record, tail

    def get(self, team_id: str, client_id: str) -> ClientRecord | None:
        found = self._read_client_file(self._client_path(team_id, client_id))
        return found[0] if found else None

    def names(self, team_id: str) -> dict[str, str]:
        data = read_json(self._team(team_id) / "index.json") or {}
        return {d["key"]: d["client_id"] for d in data.get("names", {}).values()}

    def find(self, team_id: str, name: str) -> ClientRecord | None:
        client_id = self.names(team_id).get(name_key(name))
        return self.get(team_id, client_id) if client_id else None

    def clients(self, team_id: str) -> list[ClientRecord]:
        records = (self.get(team_id, cid) for cid in self.names(team_id).values())
        return [r for r in records if r is not None]

    def teams(self) -> list[str]:
        folder = self.root / "teams"
        return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.exists() else []

    def history(self, team_id: str, client_id: str) -> Iterator[Interaction]:
        found = self._read_client_file(self._client_path(team_id, client_id))
        if found is None:
            return
        seen = set()
        docs = list(reversed(found[1]))
        log_dir = self._log_dir(team_id, client_id)
        segments = sorted(log_dir.glob("*.json"), reverse=True) if log_dir.exists() else []
        for segment in [None, *segments]:
            if segment is not None:
                data = read_json(segment) or {}
                docs = [data["log"][k] for k in sorted(data.get("log", {}), key=int, reverse=True)]
            for doc in docs:
                # A reader can catch a segment being rolled over: the same interaction may be
                # in the tail and in the new segment for a moment.
                if doc["seq"] not in seen:
                    seen.add(doc["seq"])
                    yield from_doc(Interaction, doc)

    # writes ----------------------------------------------------------------------------
    def add_client(self, record: ClientRecord, events: list[Interaction]) -> ClientRecord:
        team_id = record.client.team_id
        with self.lock.held():
            existing = self.find(team_id, record.client.name)
            if existing is not None:
                raise DuplicateClient(existing)
            # The client file goes first: if we crash before the index names it, the file is
            # an unreachable leftover and the add was never acknowledged.
            self._write_client(record, [], events)
            index = self._team(team_id) / "index.json"
            with _Transaction(index, self.durable) as db:
                names = db.table("names")
                names.remove(Query().key == record.client.name_key)
                names.insert(
                    {
                        "key": record.client.name_key,
                        "client_id": record.client.client_id,
                        "name": record.client.name,
                    }
                )
        return record

    def update(self, team_id: str, client_id: str, change: Change) -> ClientRecord:
        path = self._client_path(team_id, client_id)
        with self.lock.held():
            found = self._read_client_file(path)
            if found is None:
                raise UnknownClient(client_id)
            record, tail = found
            new_record, events = change(record)
            if new_record.client.client_id != client_id or new_record.client.team_id != team_id:
                raise ValueError("a change may not move a client to another id or workspace")
            self._write_client(new_record, tail, events)
        return new_record

    def _write_client(
        self, record: ClientRecord, tail: list[dict], events: list[Interaction]
    ) -> None:
        team_id, client_id = record.client.team_id, record.client.client_id
        new_docs = [to_doc(e) for e in events]
        if len(tail) + len(new_docs) > TAIL_MAX and tail:
            segment = self._log_dir(team_id, client_id) / f"{tail[0]['seq']:09d}.json"
            with _Transaction(segment, self.durable) as db:
                db.drop_table("log")
                db.table("log").insert_multiple(tail)
            tail = []
        with _Transaction(self._client_path(team_id, client_id), self.durable) as db:
            db.table("record").upsert(Document(to_doc(record), doc_id=1))
            db.drop_table("tail")
            db.table("tail").insert_multiple([*tail, *new_docs])


def new_client_id() -> str:
    return uuid.uuid4().hex[:12]
