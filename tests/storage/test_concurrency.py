"""Threads and a second process writing to the same store at once lose and double nothing."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from storage.base import DuplicateClient
from storage.tinydb_store import TinyDBStore
from tests.storage.conftest import Backend
from tests.storage.support import TEAM, new_client, notes, parse_every_file, temp_files

ROOT = Path(__file__).resolve().parents[2]
THREADS = 8
WRITES = 25  # per thread
CHILD_WRITES = 60


def _child(*args: str) -> subprocess.Popen:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.storage.writer", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert child.stdout.readline() == "ready\n"
    return child


def _go(children: list[subprocess.Popen], barrier: threading.Barrier) -> None:
    """Release every child process and every thread together."""
    for child in children:
        child.stdin.write("go\n")
        child.stdin.flush()
    barrier.wait()


def _finish(child: subprocess.Popen) -> str:
    out, _ = child.communicate(timeout=60)
    assert child.returncode == 0
    return out


def test_threads_and_a_process_writing_at_once(backend: Backend) -> None:
    store = backend.open(schedule=False)
    # A second store object in this process too, as the scheduler might open: it shares no
    # thread lock with the first, only the file lock (or the row lock).
    other_store = backend.open(schedule=False)
    ids = {}
    for name in ("Shared", "Threads only", "Process only"):
        ids[name] = store.add_client(*new_client(name)).client.client_id

    child = _child(
        "hammer", backend.spec, TEAM, "proc", str(CHILD_WRITES), "Shared", "Process only"
    )
    barrier = threading.Barrier(THREADS + 1)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        mine = store if n % 2 else other_store
        try:
            barrier.wait()
            for i in range(WRITES):
                name = "Shared" if i % 2 == 0 else "Threads only"
                mine.update(TEAM, ids[name], notes(f"t{n}-{i}"))
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    _go([child], barrier)
    for thread in threads:
        thread.join()
    assert _finish(child) == "done\n"
    assert errors == []

    expected = {
        "Shared": {f"t{n}-{i}" for n in range(THREADS) for i in range(0, WRITES, 2)}
        | {f"proc-{i}" for i in range(0, CHILD_WRITES, 2)},
        "Threads only": {f"t{n}-{i}" for n in range(THREADS) for i in range(1, WRITES, 2)},
        "Process only": {f"proc-{i}" for i in range(1, CHILD_WRITES, 2)},
    }
    assert sum(len(v) for v in expected.values()) == THREADS * WRITES + CHILD_WRITES
    fresh = backend.open(schedule=False)
    for name, texts in expected.items():
        history = list(fresh.history(TEAM, ids[name]))
        logged = Counter(e.text for e in history if e.seq > 1)
        assert set(logged) == texts, name  # every write is there...
        assert max(logged.values()) == 1, name  # ...exactly once
        seqs = [e.seq for e in history]
        assert seqs == list(range(len(texts) + 1, 0, -1)), name  # unique and contiguous
        record = fresh.get(TEAM, ids[name])
        assert record.state.interactions == len(texts) + 1  # the writes and the ADDED
        assert record.next_seq == len(texts) + 2
    if isinstance(fresh, TinyDBStore):
        parse_every_file(fresh.root)
        assert temp_files(fresh.root) == []


def test_adding_the_same_client_everywhere_at_once_adds_it_once(backend: Backend) -> None:
    store = backend.open(schedule=False)
    spellings = ["Acme Corp", "acme corp", "ACME CORP", "Acme  Corp"]
    children = [_child("add", backend.spec, TEAM, spellings[n % 4]) for n in range(3)]
    barrier = threading.Barrier(THREADS + 1)
    outcomes: list[str] = []

    def adder(n: int) -> None:
        mine = store if n % 2 else backend.open(schedule=False)
        record = new_client(spellings[n % 4])
        barrier.wait()
        try:
            mine.add_client(*record)
            outcomes.append("added")
        except DuplicateClient as dup:
            assert dup.existing.client.name_key == "acme corp"
            outcomes.append("duplicate")

    threads = [threading.Thread(target=adder, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    _go(children, barrier)
    for thread in threads:
        thread.join()
    outcomes.extend(_finish(child).strip() for child in children)

    assert sorted(outcomes) == ["added"] + ["duplicate"] * (THREADS + len(children) - 1)
    assert list(store.names(TEAM)) == ["acme corp"]
    assert len(store.clients(TEAM)) == 1
