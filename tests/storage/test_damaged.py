"""Damaged files: each costs only its own client, is logged once with its path, and the store
opens (or refuses to, in one clear line) whatever state its folder is in."""

from __future__ import annotations

import errno
import logging
import os
import time
from pathlib import Path

import pytest

import storage.atomic as atomic
from storage.atomic import file_clock_ns
from storage.base import DamagedRecord, StoreUnavailable
from storage.tinydb_store import TinyDBStore
from tests.storage.support import TEAM, new_client, notes, snapshot

# Every way a file has been found damaged: cut short, not JSON, not UTF-8, empty, the wrong
# shape at each level Tactful reads.
DAMAGE = {
    "truncated": lambda good: good[: len(good) // 2],
    "not json": lambda good: b"{ this is not json",
    "not utf-8": lambda good: b'{"record": {"1": "\xff\xfe"}}',
    "empty": lambda good: b"",
    "a list": lambda good: b"[]",
    "no record": lambda good: b'{"tail": {}}',
    "record not an object": lambda good: b'{"record": {"1": 5}}',
    "client not an object": lambda good: b'{"record": {"1": {"client": 5}}}',
    "bad date": lambda good: good.replace(b'"created_at":"2026', b'"created_at":"xx26'),
    "tail entry without seq": lambda good: good.replace(b'"seq":1', b'"sek":1'),
}


# History reads the interactions, not the record's settings: these leave it readable.
HISTORY_STILL_READABLE = {"bad date", "client not an object"}


def damage(path: Path, how: str) -> None:
    path.write_bytes(DAMAGE[how](path.read_bytes()))


@pytest.fixture
def acme_and_globex(store: TinyDBStore) -> tuple[str, str]:
    acme = store.add_client(*new_client("acme"))
    globex = store.add_client(*new_client("globex"))
    return acme.client.client_id, globex.client.client_id


@pytest.mark.parametrize("how", sorted(DAMAGE))
def test_a_damaged_client_file_costs_only_that_client(
    store: TinyDBStore, acme_and_globex: tuple[str, str], how: str, caplog
) -> None:
    acme, globex = acme_and_globex
    path = store._client_path(TEAM, acme)
    damage(path, how)
    before = snapshot(store.root)
    caplog.set_level(logging.ERROR, logger="storage.tinydb_store")

    with pytest.raises(DamagedRecord) as err:
        store.get(TEAM, acme)
    assert err.value.path == path
    with pytest.raises(DamagedRecord):
        store.update(TEAM, acme, notes("lost?"))
    if how not in HISTORY_STILL_READABLE:
        with pytest.raises(DamagedRecord):
            list(store.history(TEAM, acme))
    assert [r.client.name for r in store.clients(TEAM)] == ["globex"]
    overview = store.overview(TEAM, lambda r: r.client.name, str, "v1")
    assert (overview.summaries, overview.unreadable) == (["globex"], 1)
    store.update(TEAM, globex, notes("still fine"))
    assert [e.text for e in store.history(TEAM, globex)][0] == "still fine"

    # Nothing of the damaged client was written over: it can still be restored by hand.
    assert (
        snapshot(store.root)[str(path.relative_to(store.root))]
        == before[str(path.relative_to(store.root))]
    )
    logged = [r for r in caplog.records if str(path) in r.getMessage()]
    assert len(logged) == 1, "once per process, however often it is read"
    assert "restored from a backup" in logged[0].getMessage()


def test_a_damaged_segment_costs_only_the_older_history(store: TinyDBStore, caplog) -> None:
    acme = store.add_client(*new_client("acme")).client.client_id
    for i in range(20):
        store.update(TEAM, acme, notes(f"n{i}"))
    (segment,) = (store.root / "teams" / TEAM / "log" / acme).iterdir()
    segment.write_bytes(b"{")
    history = store.history(TEAM, acme)
    assert [next(history).text for _ in range(5)] == ["n19", "n18", "n17", "n16", "n15"]
    with pytest.raises(DamagedRecord) as err:
        list(history)
    assert err.value.path == segment
    assert store.get(TEAM, acme) is not None  # status, the pass and new entries still work


def test_a_damaged_checks_shard_vouches_for_nothing_and_is_rewritten(
    store: TinyDBStore, acme_and_globex: tuple[str, str]
) -> None:
    acme, globex = acme_and_globex
    today = store.schedule.today()
    store.refresh_checks(TEAM, [acme, globex])
    assert store.due_for_check(TEAM, today) == []
    shard = store._check_shard(TEAM, acme)
    shard.write_bytes(b'{"fingerprint": 1, "clients": {"x": 5')
    assert acme in store.due_for_check(TEAM, today)  # looked at, not lost
    store.refresh_checks(TEAM, [acme])
    assert acme not in store.due_for_check(TEAM, today)


def test_a_damaged_team_index_names_its_path(store: TinyDBStore, acme_and_globex) -> None:
    index = store.root / "teams" / TEAM / "index.json"
    index.write_bytes(b"\x00\x00")
    with pytest.raises(DamagedRecord) as err:
        store.names(TEAM)
    assert err.value.path == index


# opening ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("catalogue", [b"", b"{", b"[]", b'{"meta": {"1": 7}}'])
def test_a_damaged_catalogue_is_refused_in_one_line(db_path: Path, catalogue: bytes) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(catalogue)
    with pytest.raises(StoreUnavailable) as err:
        TinyDBStore(db_path)
    message = str(err.value)
    assert "\n" not in message
    assert f"the catalogue {db_path} is damaged" in message and "restore it" in message


def test_a_data_folder_under_a_file_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "plain-file").write_text("not a folder")
    db = tmp_path / "plain-file" / "data" / "tactful.json"
    with pytest.raises(StoreUnavailable, match=r"can't be written \(Not a directory, ENOTDIR\)"):
        TinyDBStore(db)


def test_a_read_only_data_folder_is_refused_at_open(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests run as root, whom chmod doesn't stop: the file system's answer is simulated where
    every write starts (the temporary file beside its target)."""
    TinyDBStore(db_path)  # an existing store, so only the probe and the sweep would write

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(atomic.tempfile, "mkstemp", read_only)
    with pytest.raises(StoreUnavailable, match="Read-only file system, EROFS"):
        TinyDBStore(db_path)


# the health probe ---------------------------------------------------------------------------------
def test_writable_probes_the_folder_and_keeps_its_answer_a_moment(
    store: TinyDBStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert store.writable() is True
    full = OSError(errno.ENOSPC, "No space left on device")
    calls = []
    fsync = os.fsync

    def no_space(*args, **kwargs):
        calls.append(args)
        raise full

    monkeypatch.setattr(atomic.os, "fsync", no_space)
    assert store.writable() is True, "answered from the last probe"
    assert calls == []
    clock = [time.monotonic() + 60]
    monkeypatch.setattr("storage.tinydb_store.time.monotonic", lambda: clock[0])
    assert store.writable() is False
    assert len(calls) == 1
    assert not [p for p in store.root.iterdir() if p.name.startswith(".write-probe")]
    monkeypatch.setattr(atomic.os, "fsync", fsync)
    clock[0] += 60
    assert store.writable() is True


# leftovers of killed writers -----------------------------------------------------------------------
def test_opening_sweeps_old_temporary_files_only(store: TinyDBStore, db_path: Path) -> None:
    acme = store.add_client(*new_client("acme")).client.client_id
    clients = store._client_path(TEAM, acme).parent
    old = [
        clients / f".{acme}.json.k2_a9zq1.tmp",
        store.root / ".tactful.json.abcdefgh.tmp",
        store.root / "teams" / TEAM / "checks" / ".03.json.x1y2z3w4.tmp",
    ]
    young = clients / f".{acme}.json.y0ung123.tmp"
    # Not ours, whatever their age: other names, a folder, the lock.
    kept = [
        clients / "notes.tmp",
        clients / f".{acme}.json.toolongname.tmp",
        store.root / ".write.lock",
    ]
    folder = clients / ".x.json.abcdefgh.tmp"
    folder.mkdir()
    for p in [*old, young, *kept[:2]]:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b'{"half": ')
    # An hour ago on the clock that stamps the files (which CI's moved clock leaves alone).
    hour_ago = file_clock_ns(clients) / 1e9 - 3600
    for p in [*old, *kept, folder]:
        os.utime(p, (hour_ago, hour_ago))

    TinyDBStore(db_path)

    assert [p.exists() for p in old] == [False, False, False]
    assert young.exists(), "may be a write in progress in another process"
    assert all(p.exists() for p in kept) and folder.is_dir()
    assert store.get(TEAM, acme) is not None


def test_the_probe_fails_on_a_disk_with_room_for_a_few_bytes_but_not_a_record(
    store: TinyDBStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A disk nearly full: a small write fits, a client file's doesn't. The probe writes more
    than a record, so it fails as the record's write would."""
    room = [4096]
    write = os.write

    def nearly_full(fd: int, data) -> int:
        if len(data) > room[0]:
            raise OSError(errno.ENOSPC, "No space left on device")
        room[0] -= len(data)
        return write(fd, data)

    monkeypatch.setattr(atomic.os, "write", nearly_full)
    clock = [time.monotonic() + 60]
    monkeypatch.setattr("storage.tinydb_store.time.monotonic", lambda: clock[0])
    assert store.writable() is False
    assert not [p for p in store.root.iterdir() if p.name.startswith(".write-probe")]
