"""A second process writing to a store, for the durability and concurrency tests.

python -m tests.storage.writer log STORE TEAM NAME
    Add NAME if missing, print "ready", then log interactions forever through
    store.update + service.commands.log, printing "ack <seq> ..." for each write the
    moment store.update returns (so every printed seq is acknowledged). Killed by the test.

python -m tests.storage.writer hammer STORE TEAM TAG COUNT NAME [NAME ...]
    Print "ready", wait for a line on stdin, then log COUNT notes "TAG-<i>" round-robin
    over the NAMEs; print "done".

python -m tests.storage.writer add STORE TEAM NAME
    Print "ready", wait for a line on stdin, then try to add NAME; print "added" or
    "duplicate".

STORE is a TinyDB catalogue path or a postgresql:// URL (see support.open_store).
"""

from __future__ import annotations

import sys
from itertools import count

from domain.models import Kind
from service.commands import Draft, log
from storage.base import DuplicateClient, Store
from tests.storage.support import AT, new_client, notes, open_store

# Mostly one interaction per write; now and then several at once (as `/client snooze` does),
# so roll-overs also happen with more than one new interaction.
BATCHES = [1, 1, 1, 3, 1, 1, 2, 1, 1, 1, 1, 5]


def _client_id(store: Store, team: str, name: str) -> str:
    record = store.find(team, name)
    if record is None:
        try:
            record = store.add_client(*new_client(name, team))
        except DuplicateClient as dup:
            record = dup.existing
    return record.client.client_id


def run_log(store: Store, team: str, name: str) -> None:
    client_id = _client_id(store, team, name)
    print("ready", flush=True)
    for i in count():
        logged: list[int] = []

        def change(record, i=i, logged=logged):
            drafts = [Draft(Kind.NOTE, AT.date(), text=f"w{i}.{k}") for k in range(BATCHES[i % 12])]
            record, events = log(record, "U0WRITER", AT, *drafts)
            logged[:] = [e.seq for e in events]
            return record, events

        store.update(team, client_id, change)
        print("ack", *logged, flush=True)


def run_hammer(store: Store, team: str, tag: str, n: int, names: list[str]) -> None:
    ids = [store.find(team, name).client.client_id for name in names]
    print("ready", flush=True)
    sys.stdin.readline()
    for i in range(n):
        store.update(team, ids[i % len(ids)], notes(f"{tag}-{i}"))
    print("done", flush=True)


def run_add(store: Store, team: str, name: str) -> None:
    record = new_client(name, team)
    print("ready", flush=True)
    sys.stdin.readline()
    try:
        store.add_client(*record)
    except DuplicateClient:
        print("duplicate", flush=True)
    else:
        print("added", flush=True)


def main(argv: list[str]) -> None:
    mode, db, team, *rest = argv
    store = open_store(db)
    if mode == "log":
        run_log(store, team, rest[0])
    elif mode == "hammer":
        run_hammer(store, team, rest[0], int(rest[1]), rest[2:])
    elif mode == "add":
        run_add(store, team, rest[0])
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
