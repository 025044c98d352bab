"""Atomic files and the write lock: all-or-nothing writes, no leftovers, no wedged writers."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from tinydb import TinyDB
from tinydb.middlewares import CachingMiddleware

import storage.atomic as atomic
from storage.atomic import AtomicJSONStorage, WriteLock, read_json, write_json_atomic
from tests.storage.support import temp_files

ROOT = Path(__file__).resolve().parents[2]


def test_write_replaces_the_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "file.json"
    write_json_atomic(path, {"v": 1})
    write_json_atomic(path, {"v": "two", "text": "é"})
    assert read_json(path) == {"v": "two", "text": "é"}
    assert read_json(tmp_path / "missing.json") is None
    assert temp_files(tmp_path) == []


def _fail_json(*args, **kwargs):
    raise TypeError("Object of type set is not JSON serializable")


def _fail_fsync(fd: int) -> None:
    raise OSError(5, "Input/output error")


def _fail_replace(src, dst) -> None:
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize(
    "where, fail",
    [("json", "dumps"), ("os", "fsync"), ("os", "replace")],
    ids=["serialising", "fsync", "rename"],
)
def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, fail: str
) -> None:
    path = tmp_path / "data.json"
    storage = AtomicJSONStorage(path)
    storage.write({"names": {"1": {"key": "acme"}}})
    before = path.read_bytes()
    module = atomic.json if where == "json" else atomic.os
    replacement = {"dumps": _fail_json, "fsync": _fail_fsync, "replace": _fail_replace}[fail]
    monkeypatch.setattr(module, fail, replacement)
    with pytest.raises((TypeError, OSError)):
        storage.write({"names": {"1": {"key": "acme"}, "2": {"key": "bolt"}}})
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert temp_files(tmp_path) == []
    assert storage.read() == {"names": {"1": {"key": "acme"}}}


def test_unserialisable_data_through_tinydb_leaves_nothing(tmp_path: Path) -> None:
    """The real path: TinyDB -> CachingMiddleware -> AtomicJSONStorage, and json itself fails."""
    path = tmp_path / "data.json"
    write_json_atomic(path, {"t": {"1": {"a": 1}}})
    before = path.read_bytes()
    db = TinyDB(path, storage=CachingMiddleware(AtomicJSONStorage))
    db.table("t").insert({"a": {1, 2}})  # a set: json cannot write it
    with pytest.raises(TypeError):
        db.close()
    assert path.read_bytes() == before
    assert temp_files(tmp_path) == []


def test_new_folders_are_made_durable_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first file in a new folder: each new folder's entry in its parent is fsynced, then
    the file's entry in its folder, so a power cut cannot drop an acknowledged file."""
    synced: list[Path] = []
    monkeypatch.setattr(atomic, "fsync_dir", lambda folder: synced.append(Path(folder)))
    (tmp_path / "teams").mkdir()
    write_json_atomic(tmp_path / "teams" / "T1" / "clients" / "c.json", {"x": 1})
    assert synced == [
        tmp_path / "teams",
        tmp_path / "teams" / "T1",
        tmp_path / "teams" / "T1" / "clients",
    ]
    synced.clear()
    write_json_atomic(tmp_path / "teams" / "T1" / "clients" / "d.json", {"x": 1}, durable=False)
    assert synced == []


def test_the_lock_is_reentrant_and_held_until_the_outermost_exit(tmp_path: Path) -> None:
    path = tmp_path / ".write.lock"
    lock = WriteLock(path)

    def seen_from_another_thread() -> bool:
        out: list[bool] = []
        thread = threading.Thread(target=lambda: out.append(_locked_by_someone(path)))
        thread.start()
        thread.join()
        return out[0]

    with lock.held():
        with lock.held():  # re-entered by the same thread: no deadlock
            assert seen_from_another_thread()
        assert seen_from_another_thread()  # the inner exit did not release it
    assert not seen_from_another_thread()


CHILD = """
import sys
from pathlib import Path
from storage.atomic import WriteLock
with WriteLock(Path(sys.argv[1])).held():
    print("locked", flush=True)
    sys.stdin.readline()
print("released", flush=True)
"""


def _locked_by_someone(path: Path) -> bool:
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_the_lock_excludes_another_process_and_dies_with_it(tmp_path: Path) -> None:
    path = tmp_path / ".write.lock"
    for ending in ("release", "SIGKILL"):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        try:
            assert child.stdout.readline() == "locked\n"
            assert _locked_by_someone(path)
            if ending == "release":
                child.stdin.write("\n")
                child.stdin.flush()
                assert child.stdout.readline() == "released\n"
            else:
                # A writer killed while holding the lock must not wedge everyone else.
                child.send_signal(signal.SIGKILL)
            child.wait(timeout=10)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        assert not _locked_by_someone(path)
        with WriteLock(path).held():
            pass


def test_lone_surrogates_are_escaped_not_refused(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    write_json_atomic(path, {"text": "\udc80 then é"})
    assert read_json(path) == {"text": "\udc80 then é"}
    json.loads(path.read_bytes().decode("utf-8"))  # still valid UTF-8 on disk
