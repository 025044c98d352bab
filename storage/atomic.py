"""Crash-safe files for TinyDB, and the lock that serialises writers across threads and processes.

TinyDB's stock JSONStorage truncates and rewrites its file in place, so a crash mid-write
leaves a torn file. Here every write goes to a temporary file beside the target, is fsynced,
renamed over the target (atomic on POSIX) and the folder is fsynced, so after a crash a file
holds either the old content or the new, and an acknowledged write survives power loss.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from tinydb.storages import Storage


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_dirs(folder: Path, *, durable: bool = True) -> None:
    """Create `folder` and any missing parents. With `durable`, each new folder's entry in its
    parent is fsynced too: otherwise a power cut could drop a brand-new folder, and with it an
    acknowledged file inside (e.g. the first client of a new workspace)."""
    if folder.is_dir():
        return
    missing = []
    while not folder.is_dir():
        missing.append(folder)
        folder = folder.parent
    for new in reversed(missing):
        with suppress(FileExistsError):
            new.mkdir()
        if durable:
            fsync_dir(new.parent)


def dumps(data: Any) -> bytes:
    """Compact UTF-8 JSON. Text holding a lone surrogate (which UTF-8 cannot encode; it can
    arrive in a JSON payload as an escape) is written with ASCII escapes instead of failing."""
    try:
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return json.dumps(data, separators=(",", ":"), ensure_ascii=True).encode()


def write_json_atomic(path: Path, data: Any, *, durable: bool = True) -> None:
    """Replace `path` with `data` as JSON, all or nothing.

    Args:
        path: the file to replace; its folder is created if missing.
        data: anything `json.dumps` accepts.
        durable: fsync the file and its folder (off only for bulk seeding in benchmarks).
    """
    payload = dumps(data)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except FileNotFoundError:  # a new folder (see `_open`)
        make_dirs(path.parent, durable=durable)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if durable:
        fsync_dir(path.parent)


def _open(path: Path, flags: int, mode: int, *, durable: bool) -> int:
    """os.open, making the folder first if it is missing. (Not looked for before: each system
    call counts on a command, and the folder is almost always there.)"""
    try:
        return os.open(path, flags, mode)
    except FileNotFoundError:
        make_dirs(path.parent, durable=durable)
        return os.open(path, flags, mode)


def append_line(path: Path, text: bytes, *, durable: bool = True, sync_dir: bool = False) -> int:
    """Add `text` (one or more lines) at the end of `path`, which is created if missing; with
    `durable`, on disk when this returns. The file's size after it.

    The folder is fsynced too when the file was empty (just made, or emptied since) or with
    `sync_dir`: a writer killed between making the file and that fsync leaves a file whose
    name may not survive a power cut, and later appends can't tell; so a caller passes
    `sync_dir` on its first append to a file in each process.

    Cheaper than `write_json_atomic` for a small change to a file only ever added to: one
    fsync, with no new file to make and no rename to make durable. A crash can cut the last
    write short; every write starts a new line, so a cut-short line never runs into the next
    one, and readers skip it (its caller never went on to what the line made safe).
    """
    fd = _open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644, durable=durable)
    try:
        # (Writers take turns under a lock, so nobody appends between this and the write.)
        before = os.fstat(fd).st_size
        payload = b"\n" + text + b"\n"
        data = memoryview(payload)
        while data:
            data = data[os.write(fd, data) :]
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)
    if durable and (before == 0 or sync_dir):
        fsync_dir(path.parent)
    return before + len(payload)


def truncate(path: Path, *, durable: bool = True) -> None:
    """Empty `path` (see `append_line`), durably with `durable`."""
    fd = os.open(path, os.O_WRONLY)
    try:
        os.ftruncate(fd, 0)
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)


# The name `tempfile.mkstemp` gives a file written aside by `write_json_atomic`: the target's
# name between a dot and eight random characters from mkstemp's alphabet.
TEMP_NAME = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")


def file_clock_ns(folder: Path | str) -> int:
    """Now, on the clock that stamps the files in `folder`: what their modification times are
    compared with. That is the kernel's (or a file server's) clock, which need not be the
    process's: a file server's may be skewed, and the process's may be moved on purpose (CI
    runs the suite a year ahead). Touching the folder reads it; where that isn't allowed, the
    process's clock stands in."""
    try:
        os.utime(folder)
        return os.stat(folder).st_mtime_ns
    except OSError:
        return time.time_ns()


def sweep_temp_files(folder: Path, *, older_than: float, now: float | None = None) -> int:
    """Remove the temporary files that writers killed before their rename left under `folder`.

    Only names `write_json_atomic` makes, only regular files, and only those last modified
    more than `older_than` seconds ago (on the file system's clock, `file_clock_ns`): a file
    that is still being written is young. The number removed.
    """
    cutoff = (file_clock_ns(folder) / 1e9 if now is None else now) - older_than
    removed = 0
    stack = [str(folder)]
    while stack:
        try:
            entries = os.scandir(stack.pop())
        except FileNotFoundError:
            continue
        with entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif (
                    TEMP_NAME.fullmatch(entry.name)
                    and entry.is_file(follow_symlinks=False)
                    and entry.stat(follow_symlinks=False).st_mtime < cutoff
                ):
                    with suppress(FileNotFoundError):
                        os.unlink(entry.path)
                        removed += 1
    return removed


# What a health probe writes: more than a client file (a record and TAIL_MAX interactions of
# up to 1,000 characters each), so a disk with room for a few bytes but not for a record fails
# the probe as it fails the record's write.
PROBE_BYTES = 64 * 1024


def probe_write(folder: Path) -> None:
    """Prove `folder` takes a durable write now: PROBE_BYTES written aside, fsynced, removed.
    Raises OSError (read-only, full, gone) if not."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".write-probe.", suffix=".tmp")
    try:
        # Random, so a compressing file system (btrfs, ZFS) can't store it in less.
        data = memoryview(os.urandom(PROBE_BYTES))
        while data:
            data = data[os.write(fd, data) :]
        os.fsync(fd)
    finally:
        os.close(fd)
        with suppress(FileNotFoundError):
            os.unlink(tmp)


def read_json(path: Path) -> Any | None:
    """The file's JSON, or None if it does not exist yet."""
    try:
        with open(path, "rb") as f:
            return json.loads(f.read())
    except FileNotFoundError:
        return None


class AtomicJSONStorage(Storage):
    """A TinyDB storage that never leaves a torn file (see the module docstring)."""

    def __init__(self, path: str | Path, durable: bool = True) -> None:
        self.path = Path(path)
        self.durable = durable

    def read(self) -> dict[str, dict[str, Any]] | None:
        return read_json(self.path)

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        write_json_atomic(self.path, data, durable=self.durable)

    def close(self) -> None:
        pass


class WriteLock:
    """One writer at a time, across Bolt's listener threads, the scheduler and other processes.

    A thread lock orders the threads of this process; `flock` on a lock file orders processes.
    The kernel releases the flock when a process dies, so a crashed writer never wedges others.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.RLock()
        self._depth = threading.local()

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._local:
            depth = getattr(self._depth, "n", 0)
            if depth:
                # Re-entered by the same thread: it already holds the file lock.
                self._depth.n = depth + 1
                try:
                    yield
                finally:
                    self._depth.n = depth
                return
            fd = _open(self.path, os.O_RDWR | os.O_CREAT, 0o600, durable=True)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                self._depth.n = 1
                try:
                    yield
                finally:
                    self._depth.n = 0
                    fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
