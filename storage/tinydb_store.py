"""TinyDB-backed store, partitioned so a write costs the same on day one and after years.

Layout under the data folder (DATABASE_PATH without its suffix, e.g. data/tactful/):

    teams/<team_id>/index.json            name -> client id, changed only when a client is added
    teams/<team_id>/clients/<id>.json     the client's record, its open-state summary and the
                                          newest interactions (the "tail")
    teams/<team_id>/log/<id>/<seq>.json   older interactions, in immutable segments
    teams/<team_id>/checks/<nn>.json      when the nudge pass next needs each client (16 shards)
    teams/<team_id>/checks/journal        entries made earlier since the shards were written
    teams/<team_id>/overview.json         a summary of each client for `/client list` (derived)

Logging an interaction rewrites one small client file: the summary and the new interaction
land in one atomic write, so they can never disagree. When the tail is full it is first
copied, whole, into a new segment file (idempotent: the same name and content if a crash
makes it happen twice) and then dropped from the client file.

The checks index lets a nudge pass read only the clients with something due, so a pass costs
what the workspace's attention costs, not what its size costs. It is derived data, kept safe
by order: before a client file is replaced, its entry is made the earlier of the old and the
new record's next check. A crash between the two writes leaves an entry that is early, never
late; an early entry only makes the pass read the client, and the pass then corrects it.
A command doesn't rewrite a shard for that: it appends one line to the team's checks journal
(`checks/journal`, one fsync, no new file and no rename), and readers take the journal and
the shards together. The pass folds the journal into the shards and empties it; so does a
write that finds it past JOURNAL_MAX_BYTES. A store with no schedule deletes the entries it
would make stale ("look at this client").

Readers take no lock: every file is replaced by an atomic rename, so a reader sees a whole old
file or a whole new one. The parsed team index is cached and reused while the file's bytes are
unchanged, so a command does not re-parse a big workspace's index.

A file that can't be read (bad JSON, cut short, the wrong shape) raises DamagedRecord for that
client only, and is logged once per process with its path; the others carry on.

The overview file is derived and never on the write path: each summary is stored with the
identity of the client file it was made from (inode, modification time, size), and a reader
reuses it only while a stat of that file still matches, so a command costs nothing extra and
an overview of thousands of clients reads only the records changed since the last one.
"""

from __future__ import annotations

import bisect
import errno
import json
import logging
import os
import re
import shutil
import threading
import time
import uuid
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from tinydb import Query, TinyDB
from tinydb.middlewares import CachingMiddleware

from domain.models import ClientRecord, Interaction, name_key
from domain.money import DEFAULT_CURRENCY
from storage.atomic import (
    AtomicJSONStorage,
    WriteLock,
    append_line,
    file_clock_ns,
    fsync_dir,
    make_dirs,
    probe_write,
    read_json,
    sweep_temp_files,
    truncate,
    write_json_atomic,
)
from storage.base import (
    Change,
    CheckSchedule,
    DamagedRecord,
    DuplicateClient,
    Overview,
    StoreUnavailable,
    UnknownClient,
)
from storage.codec import from_doc, to_doc
from storage.upgrade import upgrade_interaction, upgrade_record

logger = logging.getLogger(__name__)
S = TypeVar("S")

TAIL_MAX = 16
# A batch's redo file, in the data folder, while the batch is being applied (`write_batch`).
BATCH_FILE = "batch.json"
CHECK_SHARDS = 16
# Client files kept parsed in memory, with their bytes (records are immutable values).
RECORDS_KEPT = 64
# Segments kept parsed in memory (each TAIL_MAX interactions): a few clients' INSIGHT_HISTORY.
SEGMENTS_KEPT = 256
# Past this size the checks journal is folded into the shards by the write that finds it so
# (a pass folds it anyway): readers parse it whole, so it must stay small.
JOURNAL_MAX_BYTES = 256 * 1024
# The dates of a journal line that vouches for nothing (it is read by its tag).
_NO_DATE = "0001-01-01"
# client id, next check, made on, the schedule's tag (see `_tag`)
_JOURNAL_LINE = re.compile(
    r"([A-Za-z0-9_-]{1,64}) (\d{4}-\d\d-\d\d) (\d{4}-\d\d-\d\d) ([0-9a-f]{8})"
)
# 2: the checks journal (1 had only the shards, which version-1 code alone reads).
SCHEMA_VERSION = 2
UPGRADABLE_SCHEMAS = (1,)
_TEAM_ID = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,31}")
_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SEGMENT = re.compile(r"([0-9]+)\.json")
# What reading a damaged file can raise: bad JSON or bytes (ValueError), missing keys, wrong
# types, a date that isn't one (ValueError again).
_NOTE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_DAMAGE = (ValueError, KeyError, TypeError, AttributeError, IndexError)
# A temporary file older than this is a killed writer's leftover (see `_sweep`).
TEMP_MAX_AGE_SECONDS = 60.0
# How long a health probe's answer is reused: probes can come every second from several
# load balancers, and each costs an fsync.
PROBE_CACHE_SECONDS = 2.0
# A write failing with one of these means the disk, not the data, is in trouble (full, over
# quota, read-only, failing): the store is reported unwritable at once, and stays so until a
# probe at least PROBE_CACHE_SECONDS later succeeds (see `writable`).
DISK_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO})
# A client file modified this recently may yet be replaced within the same tick of the file
# system's clock (same mtime); its summary is not kept until it is older (see `overview`).
_SETTLED_NS = 2_000_000_000
# A purged team's folder is moved here in one rename, then deleted; what a crash leaves
# here is deleted when the store next opens.
_PURGED = ".purged"


def _check_team(team_id: str) -> str:
    # team_id becomes a folder name: refuse anything that could escape the data folder.
    # fullmatch, not match + "$": "$" also matches before a trailing newline.
    if not isinstance(team_id, str) or not _TEAM_ID.fullmatch(team_id):
        raise ValueError(f"not a Slack team id: {team_id!r}")
    return team_id


def _is_client_id(client_id: str) -> bool:
    # Client ids reach us from Slack payloads (button block ids) and become file names.
    return isinstance(client_id, str) and _CLIENT_ID.fullmatch(client_id) is not None


class _Transaction:
    """A TinyDB database whose changes reach disk in one atomic write, when it closes."""

    def __init__(self, path: Path, durable: bool) -> None:
        self.db = TinyDB(path, storage=CachingMiddleware(AtomicJSONStorage), durable=durable)

    def __enter__(self) -> TinyDB:
        return self.db

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        if exc_type is None:
            self.db.close()  # flushes the cache: the one write


def _changed(change: Change, record: ClientRecord) -> tuple[ClientRecord, list[Interaction]]:
    """`change` applied to `record`, which it may not move to another id or workspace."""
    new_record, events = change(record)
    if (new_record.client.client_id, new_record.client.team_id) != (
        record.client.client_id,
        record.client.team_id,
    ):
        raise ValueError("a change may not move a client to another id or workspace")
    return new_record, events


class TinyDBStore:
    """See the module docstring. Safe to share between threads and processes."""

    def __init__(
        self,
        database_path: str | Path,
        *,
        durable: bool = True,
        schedule: CheckSchedule | None = None,
        currency: str = DEFAULT_CURRENCY,
    ) -> None:
        self.schedule = schedule
        # Amounts stored without a currency (before CURRENCY existed) are read as in this one.
        self.currency = currency
        self.catalogue = Path(database_path)
        self.root = self.catalogue.with_suffix("")
        self.durable = durable
        self.lock = WriteLock(self.root / ".write.lock")
        self._team_dirs: dict[str, str] = {}
        # team id -> (index.json bytes, name key -> client id parsed from them)
        self._index_cache: dict[str, tuple[bytes, dict[str, str]]] = {}
        self._reported: set[str] = set()
        self._overviews: dict[str, tuple[str, dict[str, tuple[list[int], Any]]]] = {}
        self._overview_locks: dict[str, threading.Lock] = {}
        self._overview_guard = threading.Lock()
        self._probed: tuple[float, bool] | None = None
        # Writes the disk refused so far (see `_write_failed`), and the lock for the two.
        self._disk_failures = 0
        self._health_lock = threading.Lock()
        # segment file -> (its identity, its interactions newest first); see `_segment`
        self._segments: OrderedDict[str, tuple[tuple[int, int, int], tuple[Interaction, ...]]]
        self._segments = OrderedDict()
        self._segments_lock = threading.Lock()
        # client file -> (its bytes, the record and tail parsed from them); see `_read_client_file`
        self._parsed: OrderedDict[str, tuple[bytes, ClientRecord, list[dict]]] = OrderedDict()
        self._parsed_lock = threading.Lock()
        # checks journals this process has made sure the name of (see `append_line`)
        self._journals_synced: set[str] = set()
        try:
            self._open()
        except OSError as err:
            raise StoreUnavailable(
                f"the data folder {self.root} can't be written ({_os_reason(err)}): "
                "check DATABASE_PATH, the folder's permissions and free space"
            ) from None

    def _open(self) -> None:
        with self.lock.held():
            try:
                meta = read_json(self.catalogue)
                schema = None if meta is None else meta["meta"]["1"]["schema"]
            except _DAMAGE as err:
                raise StoreUnavailable(
                    f"the catalogue {self.catalogue} is damaged ({_damage_reason(err)}): "
                    "restore it from a backup (the client data in its folder is untouched)"
                ) from None
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
                    durable=self.durable,
                )
            elif schema in UPGRADABLE_SCHEMAS:
                # Same files; from now on the checks journal holds entries that an older
                # version, reading only the shards, would miss: so it may no longer open it.
                meta["meta"]["1"]["schema"] = SCHEMA_VERSION
                write_json_atomic(self.catalogue, meta, durable=self.durable)
                logger.info("Data folder %s upgraded to schema %s", self.root, SCHEMA_VERSION)
            elif schema != SCHEMA_VERSION:
                raise StoreUnavailable(
                    f"{self.catalogue} was written by another version of Tactful (schema "
                    f"{schema!r}, this one reads {SCHEMA_VERSION})"
                )
            probe_write(self.root)
            self._sweep()
            self._finish_batch()
            shutil.rmtree(self.root / _PURGED, ignore_errors=True)

    def _sweep(self) -> None:
        """Remove what writers killed mid-write left behind. Under the write lock, so no writer
        that holds it (every write of a record) is mid-write; the age test spares what the
        lock-free writers (the overview file, the health probe) may be writing right now."""
        removed = sweep_temp_files(self.root, older_than=TEMP_MAX_AGE_SECONDS)
        if removed:
            logger.info("Removed %d temporary file(s) left by interrupted writes", removed)

    def writable(self) -> bool:
        """See Store.writable. A write probe in the data folder, its answer kept a moment.

        A real write the disk refused (`_write_failed`) makes the answer False at once, until
        a probe at least PROBE_CACHE_SECONDS later succeeds. The probe writes PROBE_BYTES,
        more than a client file, so a disk with room for a few bytes but not for a record
        doesn't pass for healthy between two failed writes."""
        now = time.monotonic()
        with self._health_lock:
            probed, failures = self._probed, self._disk_failures
        if probed is not None and now - probed[0] < PROBE_CACHE_SECONDS:
            return probed[1]
        try:
            probe_write(self.root)
            ok = True
        except OSError as err:
            ok = False
            if probed is None or probed[1]:
                logger.error("The data folder %s can't be written: %s", self.root, err)
        with self._health_lock:
            if self._disk_failures != failures:
                return False  # a write failed while the probe ran: that answer stands
            if ok and probed is not None and not probed[1]:
                logger.info("The data folder %s can be written again", self.root)
            self._probed = (now, ok)
        return ok

    def _write_failed(self, err: OSError) -> None:
        """Note a write that failed: if the disk refused it, the store is unwritable from now
        until a later probe succeeds (see `writable`)."""
        if err.errno not in DISK_ERRORS:
            return
        with self._health_lock:
            was_ok = self._probed is None or self._probed[1]
            self._probed = (time.monotonic(), False)
            self._disk_failures += 1
        if was_ok:
            logger.error(
                "A write to the data folder %s failed (%s): /healthz answers 503 until one "
                "succeeds",
                self.root,
                _os_reason(err),
            )

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """The write lock (see WriteLock), noting a write the disk refused. A batch that a
        killed writer committed but didn't finish applying is finished first (`write_batch`),
        so no write can be made over a half-applied batch."""
        try:
            with self.lock.held():
                self._finish_batch()
                yield
        except OSError as err:
            self._write_failed(err)
            raise

    def _damaged(self, path: Path, err: BaseException) -> DamagedRecord:
        reason = _damage_reason(err)
        key = str(path)
        if key not in self._reported:
            self._reported.add(key)
            logger.error(
                "Can't read %s (%s): it is skipped until it is repaired or restored from a backup",
                path,
                reason,
            )
        return DamagedRecord(path, reason)

    # paths -----------------------------------------------------------------------------
    def _team(self, team_id: str) -> Path:
        return Path(self._team_dir(team_id))

    def _team_dir(self, team_id: str) -> str:
        # Checked once per team and kept as a string: a pass builds tens of thousands of paths,
        # and pathlib's joining was a fifth of its time.
        folder = self._team_dirs.get(team_id)
        if folder is None:
            folder = self._team_dirs[team_id] = f"{self.root}/teams/{_check_team(team_id)}"
        return folder

    def _client_path(self, team_id: str, client_id: str) -> Path:
        if not _is_client_id(client_id):
            raise UnknownClient(client_id)
        return Path(f"{self._team_dir(team_id)}/clients/{client_id}.json")

    def _log_dir(self, team_id: str, client_id: str) -> Path:
        return self._team(team_id) / "log" / client_id

    # reads -----------------------------------------------------------------------------
    def _read_client_doc(
        self, path: Path, raw: bytes | None = None
    ) -> tuple[dict, list[dict]] | None:
        """The client file's record (still a doc) and its tail, oldest first (from `raw`, the
        file's bytes, if they were read already)."""
        try:
            data = read_json(path) if raw is None else json.loads(raw)
            if data is None:
                return None
            tail = data.get("tail", {})
            record = data["record"]["1"]
            if not isinstance(record, dict):
                raise TypeError("the record is not an object")
            return record, _entries([tail[k] for k in sorted(tail, key=int)])
        except _DAMAGE as err:
            raise self._damaged(path, err) from None

    def _read_client_file(self, path: Path) -> tuple[ClientRecord, list[dict]] | None:
        """The client's record and its tail. A command reads its client twice (to find it by
        name, then under the write lock to change it): the second read, and any while the
        file's bytes are the same, reuses the first one's parsing."""
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except FileNotFoundError:
            return None
        key = str(path)
        with self._parsed_lock:
            kept = self._parsed.get(key)
            if kept is not None and kept[0] == raw:
                self._parsed.move_to_end(key)
                return kept[1], list(kept[2])
        found = self._read_client_doc(path, raw)
        if not found:
            return None
        try:
            record = upgrade_record(from_doc(ClientRecord, found[0]), self.currency)
        except _DAMAGE as err:
            raise self._damaged(path, err) from None
        with self._parsed_lock:
            self._parsed[key] = (raw, record, found[1])
            while len(self._parsed) > RECORDS_KEPT:
                self._parsed.popitem(last=False)
        return record, list(found[1])

    def get(self, team_id: str, client_id: str) -> ClientRecord | None:
        _check_team(team_id)
        if not _is_client_id(client_id):
            return None
        found = self._read_client_file(self._client_path(team_id, client_id))
        return found[0] if found else None

    def _names(self, team_id: str) -> dict[str, str]:
        """The team's name index, shared with the cache: callers must not change it."""
        path = self._team(team_id) / "index.json"
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return {}
        cached = self._index_cache.get(team_id)
        if cached is not None and cached[0] == raw:
            return cached[1]
        try:
            data = json.loads(raw)
            names = self._keys(team_id, data.get("names", {}).values())
        except _DAMAGE as err:
            raise self._damaged(path, err) from None
        self._index_cache[team_id] = (raw, names)
        return names

    @staticmethod
    def _keys(team_id: str, entries: Iterable[dict[str, Any]]) -> dict[str, str]:
        """Name key -> client id from the index's entries.

        The stored key is what name_key said when the client was added; name_key has since
        learned to fold look-alikes, so the key is recomputed from the stored name."""
        names: dict[str, str] = {}
        for d in entries:
            key = name_key(d["name"]) if "name" in d else d["key"]
            if names.get(key, d["client_id"]) != d["client_id"]:
                # Two clients an older version told apart (`acme`, `acme` + U+200B) now read
                # as one name: the first added keeps it; the other stays listed and nudged,
                # under a key no typed name can match (typed text never holds a NUL).
                logger.warning(
                    "Clients %s and %s of team %s now share the name %r; the second can only "
                    "be reached from the list",
                    names[key],
                    d["client_id"],
                    team_id,
                    key,
                )
                key = "\0" + d["key"]
            names[key] = d["client_id"]
        return names

    def names(self, team_id: str) -> dict[str, str]:
        return dict(self._names(team_id))

    def find(self, team_id: str, name: str) -> ClientRecord | None:
        client_id = self._names(team_id).get(name_key(name))
        return self.get(team_id, client_id) if client_id else None

    def clients(self, team_id: str) -> list[ClientRecord]:
        """The team's clients whose records can be read (the others are logged, once)."""
        records = []
        for cid in self._names(team_id).values():
            try:
                record = self.get(team_id, cid)
            except DamagedRecord:
                continue
            if record is not None:
                records.append(record)
        return records

    def overview(
        self, team_id: str, summarise: Callable[[ClientRecord], S], kind: type[S], version: str
    ) -> Overview[S]:
        """See Store.overview and the module docstring."""
        names = self._names(team_id)
        with self._overview_lock(team_id):
            # One overview of a team at a time in this process: three people opening the list
            # together wait for one rebuild rather than each doing it.
            kept = self._load_overview(team_id, kind, version)
            summaries: list[S] = []
            unreadable, changed = 0, False
            wanted = set(names.values())
            # Paths as plain strings: pathlib's joining cost more than the stat calls.
            folder = f"{self._team_dir(team_id)}/clients/"
            # Ages by the clock that stamped the files, which need not be the process's.
            settled = (file_clock_ns(folder) if names else 0) - _SETTLED_NS
            for cid in names.values():
                if not _is_client_id(cid):
                    continue
                path = folder + cid + ".json"
                try:
                    st = os.stat(path)
                except FileNotFoundError:
                    continue  # named before its file was written: not added yet
                sig = [st.st_ino, st.st_mtime_ns, st.st_size]
                entry = kept.get(cid)
                if entry is not None and entry[0] == sig:
                    summaries.append(entry[1])
                    continue
                try:
                    found = self._read_client_file(Path(path))
                except DamagedRecord:
                    unreadable += 1
                    continue
                if found is None:
                    continue
                summary = summarise(found[0])
                summaries.append(summary)
                # The stat came first, so a newer file than `sig` only makes the next reader
                # look again. A file changed within the clock's last tick might be replaced by
                # one with the same stat: kept only once that can no longer happen.
                if st.st_mtime_ns < settled:
                    kept[cid] = (sig, summary)
                    changed = True
            for cid in [c for c in kept if c not in wanted]:
                del kept[cid]
                changed = True
            if changed:
                self._save_overview(team_id, version, kept)
        return Overview(summaries, unreadable)

    def _overview_lock(self, team_id: str) -> threading.Lock:
        with self._overview_guard:
            return self._overview_locks.setdefault(team_id, threading.Lock())

    def _overview_path(self, team_id: str) -> Path:
        return Path(f"{self._team_dir(team_id)}/overview.json")

    def _load_overview(
        self, team_id: str, kind: type[S], version: str
    ) -> dict[str, tuple[list[int], Any]]:
        cached = self._overviews.get(team_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        kept: dict[str, tuple[list[int], Any]] = {}
        try:
            data = read_json(self._overview_path(team_id)) or {}
            if data.get("version") == version:
                for cid, (sig, doc) in data.get("clients", {}).items():
                    kept[cid] = (list(sig), from_doc(kind, doc))
        except (*_DAMAGE, OSError):
            kept = {}  # derived data: rebuilt from the records
        self._overviews[team_id] = (version, kept)
        return kept

    def _save_overview(
        self, team_id: str, version: str, kept: dict[str, tuple[list[int], Any]]
    ) -> None:
        doc = {
            "version": version,
            "clients": {cid: [sig, to_doc(summary)] for cid, (sig, summary) in kept.items()},
        }
        try:
            # Not fsynced: derived data, checked against the records on every read.
            write_json_atomic(self._overview_path(team_id), doc, durable=False)
        except OSError as err:
            self._write_failed(err)
            logger.warning("Could not save the overview of team %s: %s", team_id, err)

    # workspace notes ---------------------------------------------------------------------
    def _note_path(self, team_id: str, name: str) -> Path:
        if not _NOTE_NAME.fullmatch(name):
            raise ValueError(f"not a note name: {name!r}")
        return Path(f"{self._team_dir(team_id)}/notes/{name}.json")

    def note(self, team_id: str, name: str) -> dict[str, Any] | None:
        path = self._note_path(team_id, name)
        try:
            return read_json(path)
        except _DAMAGE as err:
            raise self._damaged(path, err) from None

    def change_note(
        self,
        team_id: str,
        name: str,
        change: Callable[[dict[str, Any] | None], dict[str, Any]],
    ) -> dict[str, Any]:
        """See Store.change_note."""
        path = self._note_path(team_id, name)
        with self._writing():
            new = change(self.note(team_id, name))
            write_json_atomic(path, new, durable=self.durable)
        return new

    def teams(self) -> list[str]:
        folder = self.root / "teams"
        return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.exists() else []

    def history(self, team_id: str, client_id: str) -> Iterator[Interaction]:
        _check_team(team_id)
        if not _is_client_id(client_id):
            return
        path = self._client_path(team_id, client_id)
        found = self._read_client_doc(path)
        if found is None:
            return
        record, tail = found
        # Everything below `below` has not been yielded yet. Starting from the snapshot's
        # next_seq and only ever going down skips (a) an interaction that is in the tail and in
        # a segment at once (a crash between writing a segment and the client file, or a
        # reader catching a roll-over) and (b) segments rolled over after the snapshot was
        # read, which hold interactions newer than it.
        below = record.get("next_seq", float("inf"))
        for doc in reversed(tail):
            if doc["seq"] < below:
                below = doc["seq"]
                yield self._interaction(doc, path)
        # Then the segments, newest first, found only as they are needed: `status` reads just
        # the newest few interactions, and its cost must not grow with the client's history.
        log_dir = str(self._log_dir(team_id, client_id))
        listed: list[int] | None = None
        probes = 0
        while True:
            start = None
            if listed is None and isinstance(below, int) and below > TAIL_MAX:
                # Most segments are one whole tail: the next one down starts TAIL_MAX below
                # and ends just under `below`, and then no other can start in between (they
                # never overlap). One look, where probing name by name would take TAIL_MAX.
                guess = below - TAIL_MAX
                segment = self._segment(_segment_name(log_dir, guess))
                if segment and segment[0].seq == below - 1:
                    start = guess
            if start is None and listed is None and probes < _PROBED_SEGMENTS:
                probes += 1
                start = _probe_segment(log_dir, below)
            if start is None:
                if listed is None:
                    listed = _list_segments(log_dir)
                i = bisect.bisect_left(listed, below)
                if i == 0:
                    return
                start = listed[i - 1]
            for interaction in self._segment(_segment_name(log_dir, start)):
                if interaction.seq < below:
                    below = interaction.seq
                    yield interaction
            below = min(below, start)

    def _segment(self, name: str) -> tuple[Interaction, ...]:
        """A segment's interactions, newest first. Kept once read: a segment is never changed
        (a roll-over repeated after a crash writes the same bytes), and `status` on a client
        with years of history reads INSIGHT_HISTORY interactions, dozens of segments. The
        file's identity is checked on each read all the same: a purged team's folder can come
        back with other files under the same names."""
        try:
            st = os.stat(name)
        except FileNotFoundError:
            return ()  # removed since it was listed: the team was purged meanwhile
        sig = (st.st_ino, st.st_mtime_ns, st.st_size)
        with self._segments_lock:
            kept = self._segments.get(name)
            if kept is not None and kept[0] == sig:
                self._segments.move_to_end(name)
                return kept[1]
        segment = Path(name)
        try:
            data = read_json(segment) or {}
            log = data.get("log", {})
            docs = _entries([log[key] for key in sorted(log, key=int, reverse=True)])
        except _DAMAGE as err:
            raise self._damaged(segment, err) from None
        interactions = tuple(self._interaction(doc, segment) for doc in docs)
        with self._segments_lock:
            self._segments[name] = (sig, interactions)
            while len(self._segments) > SEGMENTS_KEPT:
                self._segments.popitem(last=False)
        return interactions

    def _interaction(self, doc: Any, path: Path) -> Interaction:
        try:
            return upgrade_interaction(from_doc(Interaction, doc), self.currency)
        except _DAMAGE as err:
            raise self._damaged(path, err) from None

    # writes ----------------------------------------------------------------------------
    def add_client(self, record: ClientRecord, events: list[Interaction]) -> ClientRecord:
        self.import_clients([(record, events)])
        return record

    def import_clients(self, items: Iterable[tuple[ClientRecord, list[Interaction]]]) -> None:
        """Store new clients with their whole history so far (oldest first), laid out as if each
        interaction had been logged live: full segments of TAIL_MAX, then a tail of 1..TAIL_MAX.

        For seeding and migrations; `add_client` is the one-client case. Each team's index is
        written once, after its clients' files. Raises DuplicateClient if a name is taken or given
        twice; then no index is written, so none of the clients is added."""
        with self._writing():
            added: dict[str, dict[str, ClientRecord]] = {}
            tails: dict[str, list[dict]] = {}
            for record, events in items:
                client = record.client
                team_id = _check_team(client.team_id)
                if not _is_client_id(client.client_id):
                    raise ValueError(f"not a client id: {client.client_id!r}")
                new = added.setdefault(team_id, {})
                if client.name_key in new:
                    raise DuplicateClient(new[client.name_key])
                existing = self.find(team_id, client.name)
                if existing is not None:
                    raise DuplicateClient(existing)
                docs = [to_doc(e) for e in events]
                keep = (len(docs) - 1) % TAIL_MAX + 1 if docs else 0
                for i in range(0, len(docs) - keep, TAIL_MAX):
                    self._write_segment(team_id, client.client_id, docs[i : i + TAIL_MAX])
                tails[client.client_id] = docs[len(docs) - keep :]
                new[client.name_key] = record
            for team_id, records in added.items():
                self._note_checks(team_id, [(None, r) for r in records.values()], journal=False)
                # The client files go before the index: if we crash before the index names one,
                # the file is an unreachable leftover and the add was never acknowledged.
                for record in records.values():
                    self._write_client_file(record, tails[record.client.client_id])
            for team_id, records in added.items():
                index = self._team(team_id) / "index.json"
                with _Transaction(index, self.durable) as db:
                    names = db.table("names")
                    names.remove(Query().key.one_of(list(records)))
                    names.insert_multiple(
                        {
                            "key": key,
                            "client_id": r.client.client_id,
                            "name": r.client.name,
                        }
                        for key, r in records.items()
                    )

    def update(self, team_id: str, client_id: str, change: Change) -> ClientRecord:
        path = self._client_path(team_id, client_id)
        with self._writing():
            found = self._read_client_file(path)
            if found is None:
                raise UnknownClient(client_id)
            record, tail = found
            new_record, events = _changed(change, record)
            self._note_checks(team_id, [(record, new_record)])
            self._write_client(new_record, tail, events)
        return new_record

    def write_batch(
        self,
        team_id: str,
        new: Sequence[tuple[ClientRecord, list[Interaction]]] = (),
        changes: Mapping[str, Change] | None = None,
    ) -> dict[str, ClientRecord]:
        """See Store.write_batch. Every file the batch changes (client files, segments, the
        name index) is computed first, under the write lock, and written whole into one redo
        file (`batch.json`, one durable write: the commit). Then each file is replaced
        without an fsync of its own, one sync of the file system makes them all durable, and
        the redo file is removed. A writer killed after the commit leaves the redo file: the
        next writer (or the next store to open) applies it again before anything else, so the
        batch is all there; killed before, nothing of it is. Readers take no lock and may
        glimpse a batch half applied for the moment it is being applied."""
        _check_team(team_id)
        changes = changes or {}
        with self._writing():
            files: dict[Path, Any] = {}
            noted: list[tuple[ClientRecord | None, ClientRecord]] = []
            done: dict[str, ClientRecord] = {}
            names = self._names(team_id)
            added: dict[str, ClientRecord] = {}
            for record, events in new:
                client = record.client
                if client.team_id != team_id or not _is_client_id(client.client_id):
                    raise ValueError(f"not a client of {team_id}: {client.client_id!r}")
                if client.name_key in added:
                    raise DuplicateClient(added[client.name_key])
                if client.name_key in names:
                    existing = self.get(team_id, names[client.name_key])
                    if existing is not None:
                        raise DuplicateClient(existing)
                docs = [to_doc(e) for e in events]
                keep = (len(docs) - 1) % TAIL_MAX + 1 if docs else 0
                log_dir = self._log_dir(team_id, client.client_id)
                for i in range(0, len(docs) - keep, TAIL_MAX):
                    files[log_dir / f"{docs[i]['seq']:09d}.json"] = _table(
                        "log", docs[i : i + TAIL_MAX]
                    )
                files[self._client_path(team_id, client.client_id)] = {
                    "record": {"1": to_doc(record)},
                    **_table("tail", docs[len(docs) - keep :]),
                }
                added[client.name_key] = record
                noted.append((None, record))
                done[client.client_id] = record
            for client_id, change in changes.items():
                path = self._client_path(team_id, client_id)
                found = self._read_client_file(path)
                if found is None:
                    raise UnknownClient(client_id)
                record, tail = found
                new_record, events = _changed(change, record)
                new_docs = [to_doc(e) for e in events]
                if len(tail) + len(new_docs) > TAIL_MAX and tail:
                    files[self._log_dir(team_id, client_id) / f"{tail[0]['seq']:09d}.json"] = (
                        _table("log", tail)
                    )
                    tail = []
                files[path] = {
                    "record": {"1": to_doc(new_record)},
                    **_table("tail", tail + new_docs),
                }
                noted.append((record, new_record))
                done[client_id] = new_record
            if not files:
                return done
            if added:
                index = self._team(team_id) / "index.json"
                data = read_json(index) or {}
                table = data.setdefault("names", {})
                next_id = max((int(k) for k in table), default=0) + 1
                for n, (key, record) in enumerate(added.items()):
                    table[str(next_id + n)] = {
                        "key": key,
                        "client_id": record.client.client_id,
                        "name": record.client.name,
                    }
                files[index] = data  # last: the clients it names are written before it
            # The checks index first, as for any write: never later than the records.
            self._note_checks(team_id, noted)
            redo = self.root / BATCH_FILE
            write_json_atomic(
                redo,
                {"files": [[str(p.relative_to(self.root)), d] for p, d in files.items()]},
                durable=self.durable,
            )
            self._apply_batch(redo, list(files.items()))
        return done

    def _finish_batch(self) -> None:
        """Apply a batch whose redo file a killed writer left (see `write_batch`)."""
        redo = self.root / BATCH_FILE
        try:
            data = read_json(redo)
        except _DAMAGE as err:
            # It is written aside and renamed into place, so it is whole or absent.
            raise StoreUnavailable(f"{redo} can't be read ({_damage_reason(err)})") from None
        if data is None:
            return
        logger.info("Finishing a batch write that was interrupted (%s)", redo)
        self._apply_batch(redo, [(self.root / name, doc) for name, doc in data["files"]])

    def _apply_batch(self, redo: Path, files: list[tuple[Path, Any]]) -> None:
        for path, doc in files:
            write_json_atomic(path, doc, durable=False)
        if self.durable:
            os.sync()  # every file above, and the folders' entries, on disk at once
        redo.unlink()
        if self.durable:
            fsync_dir(redo.parent)

    def purge_team(self, team_id: str) -> dict[str, int]:
        """See Store.purge_team. The team's folder leaves `teams/` in one durable rename (from
        then on nothing of it can be read), and is then deleted."""
        folder = self._team(team_id)
        with self._writing():
            if not folder.is_dir():
                return {"clients": 0, "interactions": 0}
            counts = {"clients": 0, "interactions": 0}
            for client_id in sorted(self._names(team_id).values()):
                counts["clients"] += 1
                # A damaged file is deleted all the same; the count is what could be read.
                with suppress(DamagedRecord):
                    for _ in self.history(team_id, client_id):
                        counts["interactions"] += 1
            graveyard = self.root / _PURGED
            make_dirs(graveyard, durable=self.durable)
            gone = graveyard / f"{team_id}-{uuid.uuid4().hex[:8]}"
            folder.rename(gone)
            if self.durable:
                fsync_dir(folder.parent)
                fsync_dir(graveyard)
            self._index_cache.pop(team_id, None)
            self._overviews.pop(team_id, None)
            folder_key = f"{self._team_dir(team_id)}/"
            with self._parsed_lock:
                for key in [k for k in self._parsed if k.startswith(folder_key)]:
                    del self._parsed[key]
            with self._segments_lock:
                for key in [k for k in self._segments if k.startswith(folder_key)]:
                    del self._segments[key]
            self._journals_synced.discard(str(self._journal_path(team_id)))
            shutil.rmtree(gone, ignore_errors=True)
        return counts

    # the checks index ----------------------------------------------------------------------
    def _check_shard(self, team_id: str, client_id: str) -> Path:
        n = zlib.crc32(client_id.encode()) % CHECK_SHARDS
        return Path(f"{self._team_dir(team_id)}/checks/{n:02d}.json")

    def _read_checks(self, path: Path) -> dict[str, list[str]]:
        """A shard's entries (client id -> [next check, computed on]), or {} if it was made
        under another schedule (other time zone or ladders), or is damaged, and so vouches for
        nothing (the next write of the shard replaces it)."""
        try:
            data = read_json(path) or {}
            fingerprint = self.schedule.fingerprint if self.schedule else None
            entries = data.get("clients", {}) if data.get("fingerprint") == fingerprint else {}
            for cid, (when, on) in entries.items():
                if not (isinstance(cid, str) and isinstance(when, str) and isinstance(on, str)):
                    raise TypeError("an entry is not two dates")
            return entries
        except _DAMAGE as err:
            self._damaged(path, err)
            return {}

    def _write_checks(self, path: Path, entries: dict[str, list[str]]) -> None:
        fingerprint = self.schedule.fingerprint if self.schedule else None
        write_json_atomic(
            path, {"fingerprint": fingerprint, "clients": entries}, durable=self.durable
        )

    def _journal_path(self, team_id: str) -> Path:
        return Path(f"{self._team_dir(team_id)}/checks/journal")

    def _tag(self) -> str:
        """This store's schedule, short, for journal lines (the shards hold it whole)."""
        fingerprint = self.schedule.fingerprint if self.schedule else ""
        return f"{zlib.crc32(fingerprint.encode()):08x}"

    def _read_journal(self, team_id: str) -> dict[str, list[str] | None]:
        """The journal's entries, one per client: the earliest next check any line gives and
        the latest day any was made on, so the entry calls for a look whenever a line does;
        None (look, whatever the shard says) if a line was made under other rules.
        A line a crash cut short is skipped: its record was never written (see `append_line`)."""
        found: dict[str, list[str] | None] = {}
        try:
            with open(self._journal_path(team_id), "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return found
        tag = self._tag()
        for line in text.splitlines():
            if not (m := _JOURNAL_LINE.fullmatch(line)):
                continue
            cid, when, on, made_under = m.groups()
            if made_under != tag:
                found[cid] = None
            elif cid not in found or found[cid] is not None:
                found[cid] = _earlier(found.get(cid), [when, on])
        return found

    def _fold_journal(self, team_id: str) -> None:
        """Move the journal's entries into the shards (each made the earlier of the two), then
        empty it. A crash before it is emptied only folds the same lines again."""
        with self._writing():
            journal = self._read_journal(team_id)
            path = self._journal_path(team_id)
            if not journal:
                if _size(path):
                    truncate(path, durable=self.durable)  # nothing but lines cut short
                return
            by_shard: dict[Path, dict[str, list[str] | None]] = {}
            for cid, line in journal.items():
                by_shard.setdefault(self._check_shard(team_id, cid), {})[cid] = line
            for shard, lines in by_shard.items():
                entries = self._read_checks(shard)
                folded = _with_journal(entries, lines)
                if folded != entries:
                    self._write_checks(shard, folded)
            truncate(path, durable=self.durable)

    def _note_checks(
        self,
        team_id: str,
        changes: list[tuple[ClientRecord | None, ClientRecord]],
        *,
        journal: bool = True,
    ) -> None:
        """Before records are replaced: make each entry the earlier of the old record's next
        check and the new one's, so whichever is on disk after a crash is never checked late.

        With `journal`, entries that must change are appended to the journal, durably, in one
        write; without (bulk imports), the shards are rewritten."""
        by_shard: dict[Path, list[tuple[ClientRecord | None, ClientRecord]]] = {}
        lines: list[str] = []
        for old, new in changes:
            by_shard.setdefault(self._check_shard(team_id, new.client.client_id), []).append(
                (old, new)
            )
        for path, items in by_shard.items():
            if self.schedule is None:
                # This store can't say when these clients are next due: drop their entries,
                # whoever made them, so the pass looks at them.
                try:
                    data = read_json(path) or {}
                    entries = data.get("clients", {})
                    entries.keys()
                except _DAMAGE as err:
                    self._damaged(path, err)
                    data = entries = {}
                if any(new.client.client_id in entries for _, new in items):
                    for _, new in items:
                        entries.pop(new.client.client_id, None)
                    write_json_atomic(path, data, durable=self.durable)
                # The journal may hold an entry for them that a fold would put back: add
                # lines that vouch for nothing (no schedule's tag matches this one's).
                if not _size(self._journal_path(team_id)):
                    continue
                lines.extend(
                    f"{new.client.client_id} {_NO_DATE} {_NO_DATE} {self._tag()}"
                    for _, new in items
                )
                continue
            entries = self._read_checks(path)
            before = dict(entries)
            for old, new in items:
                cid = new.client.client_id
                today = self.schedule.today()
                when = self.schedule.check_on(new, today)
                if old is not None:
                    when = self.schedule.check_on(old, today, by=when)
                entry = entries.get(cid)
                if (
                    entry is None
                    or date.fromisoformat(entry[0]) > when
                    or date.fromisoformat(entry[1]) > today
                ):
                    entries[cid] = [when.isoformat(), today.isoformat()]
                    lines.append(f"{cid} {when.isoformat()} {today.isoformat()} {self._tag()}")
            if entries != before and not journal:
                self._write_checks(path, entries)
        if lines and journal:
            path = self._journal_path(team_id)
            first = str(path) not in self._journals_synced
            size = append_line(
                path, "\n".join(lines).encode(), durable=self.durable, sync_dir=first
            )
            self._journals_synced.add(str(path))
            if size > JOURNAL_MAX_BYTES and self.schedule is not None:
                self._fold_journal(team_id)

    def due_for_check(self, team_id: str, today: date) -> list[str]:
        ids = self._names(team_id).values()
        if self.schedule is None:
            return list(ids)
        # The journal first: a fold that runs meanwhile moves lines into the shards before it
        # empties the journal, so each line is in what is read after it, or in both.
        journal = self._read_journal(team_id)
        entries: dict[str, list[str]] = {}
        for n in range(CHECK_SHARDS):
            entries.update(
                self._read_checks(Path(f"{self._team_dir(team_id)}/checks/{n:02d}.json"))
            )
        entries = _with_journal(entries, journal)
        day = today.isoformat()  # ISO dates compare correctly as strings
        # No entry, or one computed after `today` (a pass run "as of" an earlier date): the
        # index can't vouch for the client, so look.
        return [
            cid
            for cid in ids
            if (entry := entries.get(cid)) is None or entry[1] > day or entry[0] <= day
        ]

    def read_many(
        self, team_id: str, client_ids: list[str]
    ) -> Iterator[tuple[str, ClientRecord | DamagedRecord | None]]:
        """See Store.read_many: one file at a time, read as it is asked for."""
        for cid in client_ids:
            try:
                yield cid, self.get(team_id, cid)
            except DamagedRecord as err:
                yield cid, err

    def refresh_checks(self, team_id: str, client_ids: Iterable[str]) -> None:
        if self.schedule is None:
            return
        self._fold_journal(team_id)
        by_shard: dict[Path, list[str]] = {}
        for cid in client_ids:
            by_shard.setdefault(self._check_shard(team_id, cid), []).append(cid)
        for path, cids in by_shard.items():
            # Under the lock and from the records as they are now, so a command logged since
            # the pass read them can't be overruled.
            with self._writing():
                entries = self._read_checks(path)
                before = dict(entries)
                today = self.schedule.today()
                for cid in cids:
                    try:
                        record = self.get(team_id, cid)
                    except DamagedRecord:
                        continue  # no entry: the pass keeps looking at it, and skipping it
                    if record is not None:
                        entries[cid] = [
                            self.schedule.check_on(record, today).isoformat(),
                            today.isoformat(),
                        ]
                if entries != before:
                    self._write_checks(path, entries)

    def _write_client(
        self, record: ClientRecord, tail: list[dict], events: list[Interaction]
    ) -> None:
        team_id, client_id = record.client.team_id, record.client.client_id
        new_docs = [to_doc(e) for e in events]
        if len(tail) + len(new_docs) > TAIL_MAX and tail:
            self._write_segment(team_id, client_id, tail)
            tail = []
        self._write_client_file(record, [*tail, *new_docs])

    def _write_segment(self, team_id: str, client_id: str, docs: list[dict]) -> None:
        segment = self._log_dir(team_id, client_id) / f"{docs[0]['seq']:09d}.json"
        write_json_atomic(segment, _table("log", docs), durable=self.durable)

    def _write_client_file(self, record: ClientRecord, tail: list[dict]) -> None:
        """The whole client file in one atomic write (see `_table`). The record's document is
        replaced whole, as the PostgreSQL store does: a top-level field this version doesn't
        know (written by a newer one) is dropped, where TinyDB's upsert would have kept it."""
        path = self._client_path(record.client.team_id, record.client.client_id)
        data = {"record": {"1": to_doc(record)}, **_table("tail", tail)}
        write_json_atomic(path, data, durable=self.durable)


# Reading history, look for the next older segment by name this many times before listing
# the client's log folder (which holds one file per TAIL_MAX interactions ever logged).
_PROBED_SEGMENTS = 4


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


def _table(name: str, docs: list[dict]) -> dict[str, dict[str, dict]]:
    """A TinyDB table as TinyDB lays it out in its file (documents by id, from 1), for a file
    written whole: what a TinyDB transaction would write, without TinyDB first reading back
    and parsing the file being replaced, on every command."""
    return {name: {str(n): doc for n, doc in enumerate(docs, start=1)}}


def _with_journal(
    entries: dict[str, list[str]], journal: dict[str, list[str] | None]
) -> dict[str, list[str]]:
    """Checks entries with the journal's taken in: each the earlier of the two (a line alone
    vouches as a shard entry would: with no entry, every write adds one); none for a client
    with a line made under other rules."""
    merged = dict(entries)
    for cid, line in journal.items():
        if line is None:
            merged.pop(cid, None)
        else:
            merged[cid] = _earlier(merged.get(cid), line)
    return merged


def _earlier(entry: list[str] | None, other: list[str]) -> list[str]:
    """One checks entry that calls for a look whenever either does: the earlier next check,
    made on the later day. (ISO dates compare correctly as strings.)"""
    if entry is None:
        return list(other)
    return [min(entry[0], other[0]), max(entry[1], other[1])]


def _segment_name(log_dir: str, start: int) -> str:
    return f"{log_dir}/{start:09d}.json"


def _probe_segment(log_dir: str, below: int) -> int | None:
    """The newest segment starting below `below`, if it starts at most TAIL_MAX before it.

    A segment is one rolled-over tail: TAIL_MAX interactions when each write logs one, fewer
    (or, after a write of many at once, more) otherwise. So the segment just before `below`
    almost always starts within TAIL_MAX of it, and a few stat calls find it without listing
    a folder that grows with the history. None means: not within reach, list the folder."""
    for start in range(below - 1, max(below - 1 - TAIL_MAX, 0), -1):
        if os.path.exists(_segment_name(log_dir, start)):
            return start
    return None


def _entries(docs: list[Any]) -> list[dict]:
    """Interactions as stored, checked enough that reading them in seq order can't crash."""
    for doc in docs:
        if not isinstance(doc, dict) or not isinstance(doc.get("seq"), int):
            raise TypeError("an interaction without a number")
    return docs


def _damage_reason(err: BaseException) -> str:
    """What is wrong with a file, short, with no contents of it."""
    if isinstance(err, json.JSONDecodeError):
        return f"not valid JSON at line {err.lineno} column {err.colno}"
    if isinstance(err, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(err, KeyError):
        return f"missing {err}"
    return f"not the shape Tactful writes ({err.__class__.__name__})"


def _os_reason(err: OSError) -> str:
    name = errno.errorcode.get(err.errno or 0, "")
    return f"{err.strerror or err.__class__.__name__}" + (f", {name}" if name else "")


def _list_segments(log_dir: str) -> list[int]:
    """The first seq of each segment in `log_dir`, ascending."""
    try:
        names = os.listdir(log_dir)
    except FileNotFoundError:
        return []
    return sorted(int(m[1]) for name in names if (m := _SEGMENT.fullmatch(name)))


def new_client_id() -> str:
    return uuid.uuid4().hex[:12]
