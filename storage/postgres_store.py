"""PostgreSQL-backed store: the same Store contract as TinyDBStore, for many workspaces and
several replicas on one database (DATABASE_URL=postgresql://...).

Tables (made and upgraded by the Alembic migrations in storage/migrations/, run by
`python bot.py migrate`; see SCHEMA_HEAD):

    clients       (team_id, client_id) -> the record as one JSON document, written by the same
                  codec as the TinyDB files (storage/codec.py), so a change to the record model
                  needs no migration; its name key (unique per team), a version that counts its
                  writes, and its entry in the checks index (check_on, checked_on, check_rules).
    interactions  (team_id, client_id, seq) -> one interaction as a JSON document, never changed.
    overviews     (team_id, client_id) -> a derived summary for `/client list`, kept with the
                  version of the record it was made from.
    team_passes   team_id -> when a replica last completed the nudge pass for it
                  (scheduler/lock.py, DatabasePassLock).

`name_key` is derived from the stored name by domain.models.name_key: a change to that
function comes with a migration that recomputes the column.

Documents are `json`, not `jsonb`: jsonb refuses "\\u0000" and half a surrogate pair, which a
Slack payload can carry and the TinyDB store keeps, and json keeps the text exactly as written.

Every change is one transaction. `update` reads the record `FOR UPDATE`, so concurrent writers
of one client (threads, processes, replicas) queue on its row and each change sees the one
before it; writers of different clients don't wait for each other. The record, its index entry
and its new interactions commit together, so the checks index is exact, never early or late.
PostgreSQL acknowledges a commit once it is in its write-ahead log: a killed process loses
only what was never acknowledged.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from psycopg.conninfo import conninfo_to_dict

from domain.models import ClientRecord, Interaction, name_key
from domain.money import DEFAULT_CURRENCY
from storage.atomic import dumps
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
from storage.tinydb_store import _NOTE_NAME, _check_team, _is_client_id
from storage.upgrade import upgrade_interaction, upgrade_record

logger = logging.getLogger(__name__)
S = TypeVar("S")

# The newest migration in storage/migrations/versions; a database at another one is refused.
SCHEMA_HEAD = "0003"
PROBE_CACHE_SECONDS = 2.0
# DATABASE_TIMEOUT's default: seconds each store operation may take (see PostgresStore).
DEFAULT_TIMEOUT = 2
# /healthz waits this long for the database's answer; past it the store is reported unwritable.
PROBE_WAIT_SECONDS = 1.0
# A frozen server is cut off this long after its statement_timeout should have answered.
_GRACE_SECONDS = 0.5
# Records read per query by `read_many` (the nudge pass): few round trips, bounded memory.
READ_BATCH = 200
# Interactions read per query by `history`: `status` wants the newest few, a copy wants all.
HISTORY_PAGE = 64
_DAMAGE = (ValueError, KeyError, TypeError, AttributeError, IndexError)
MIGRATE_HINT = "run `python bot.py migrate`"


def _json(doc: Any) -> str:
    return dumps(doc).decode()


def is_database_url(text: str) -> bool:
    return text.startswith(("postgresql://", "postgres://"))


def describe(url: str) -> str:
    """Where a DATABASE_URL points (host, port, database), never its password."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "DATABASE_URL (not a valid postgresql:// URL)"
    host = info.get("host") or "localhost"
    return f"{host}:{info.get('port') or 5432}/{info.get('dbname') or info.get('user') or ''}"


F = TypeVar("F", bound=Callable[..., Any])


def _bounded(method: F) -> F:
    """Run a store operation under the store's deadline (see PostgresStore)."""

    @functools.wraps(method)
    def bounded(self: PostgresStore, *args: Any, **kwargs: Any) -> Any:
        with self._deadline():
            return method(self, *args, **kwargs)

    return bounded  # type: ignore[return-value]


class PostgresStore:
    """See the module docstring. Safe to share between threads; each thread has its own
    connection (Bolt's listener threads, waitress's and the scheduler's are long-lived).

    A slow or frozen database must not hold a Slack request past Slack's 3 s, so every
    operation is bounded by `timeout` seconds (DATABASE_TIMEOUT): new connections give up
    after it (libpq's connect_timeout, at least 2 s), and each statement, and each wait for a
    row lock, is cancelled by the server past it (statement_timeout, lock_timeout). A server
    that doesn't answer at all (frozen, or the network to it) can't cancel anything, so an
    operation still running `timeout` + 0.5 s after it began has its connection cut from
    here: it fails with psycopg.OperationalError, its transaction never commits, and the
    thread's next operation opens a new connection.
    """

    def __init__(
        self,
        url: str,
        *,
        schema: str | None = None,
        schedule: CheckSchedule | None = None,
        currency: str = DEFAULT_CURRENCY,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.url, self.schema, self.schedule = url, schema, schedule
        self.timeout = timeout
        # Amounts stored without a currency (before CURRENCY existed) are read as in this one.
        self.currency = currency
        self._local = threading.local()
        self._connections: list[psycopg.Connection] = []
        self._guard = threading.Lock()
        self._reported: set[str] = set()
        self._probed: tuple[float, bool] | None = None
        self._probe: Future[bool] | None = None
        self._probe_conn: psycopg.Connection | None = None
        self._check_schema()

    # connections -------------------------------------------------------------------------
    def connect(self, **kwargs: Any) -> psycopg.Connection:
        """A new connection to this store's database and schema (autocommit), with the
        store's connect, statement and lock timeouts."""
        millis = int(self.timeout * 1000)
        options = [
            str(conninfo_to_dict(self.url).get("options") or ""),
            f"-c statement_timeout={millis} -c lock_timeout={millis}",
        ]
        if self.schema:
            options.append(f"-c search_path={self.schema}")
        kwargs.setdefault("connect_timeout", max(2, math.ceil(self.timeout)))
        kwargs["options"] = " ".join(o for o in options if o)
        return psycopg.connect(self.url, autocommit=True, **kwargs)

    @contextmanager
    def _deadline(self) -> Iterator[None]:
        """Cut this thread's connection if what runs inside takes past the deadline."""
        if getattr(self._local, "bounded", False):
            yield  # an operation inside another: the outer one's deadline holds
            return
        conn = self._conn()
        timer = threading.Timer(self.timeout + _GRACE_SECONDS, self._cut, (conn,))
        timer.daemon = True
        self._local.bounded = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()
            self._local.bounded = False

    def _cut(self, conn: psycopg.Connection) -> None:
        """Shut the connection's socket: the thread waiting on it gets an error at once. (A
        dup of the descriptor, so the original stays psycopg's to close.)"""
        logger.error(
            "The database at %s did not answer within %s s: its connection is dropped",
            describe(self.url),
            self.timeout + _GRACE_SECONDS,
        )
        try:
            with socket.socket(fileno=os.dup(conn.pgconn.socket)) as sock:
                sock.shutdown(socket.SHUT_RDWR)
        except (OSError, psycopg.Error):
            pass  # already closed: nothing is waiting on it

    def _conn(self) -> psycopg.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.broken:
            conn = self._local.conn = self.connect()
            with self._guard:
                # Only live ones are kept for close(): a broken one is replaced, not piled up.
                self._connections = [c for c in self._connections if not c.closed]
                self._connections.append(conn)
        return conn

    def close(self) -> None:
        with self._guard:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
            if self._probe_conn is not None:
                self._probe_conn.close()

    def _check_schema(self) -> None:
        where = describe(self.url)
        try:
            with self.connect(connect_timeout=10) as conn:
                row = conn.execute(
                    "SELECT to_regclass('alembic_version') IS NOT NULL"
                    " AND to_regclass('clients') IS NOT NULL"
                ).fetchone()
                version = None
                if row and row[0]:
                    found = conn.execute("SELECT version_num FROM alembic_version").fetchone()
                    version = found[0] if found else None
        except psycopg.OperationalError as err:
            reason = str(err).strip().splitlines()[-1].strip() if str(err).strip() else "no answer"
            raise StoreUnavailable(
                f"can't reach the database at {where} ({reason}): check DATABASE_URL and that "
                "PostgreSQL is running"
            ) from None
        if version is None:
            raise StoreUnavailable(
                f"the database at {where} has no Tactful tables yet: {MIGRATE_HINT}"
            )
        if version != SCHEMA_HEAD:
            raise StoreUnavailable(
                f"the database at {where} is at schema {version}, this Tactful needs "
                f"{SCHEMA_HEAD}: {MIGRATE_HINT} (with this version of Tactful)"
            )

    # health --------------------------------------------------------------------------------
    def writable(self) -> bool:
        """See Store.writable: the database answers and takes writes (not a standby). Waits at
        most PROBE_WAIT_SECONDS for the answer (the probe goes on, bounded, on a thread of its
        own; while it runs every check answers False at once)."""
        now = time.monotonic()
        if self._probed is not None and now - self._probed[0] < PROBE_CACHE_SECONDS:
            return self._probed[1]
        with self._guard:
            probe = self._probe
            if probe is None:
                probe = self._probe = Future()
                threading.Thread(target=self._run_probe, args=(probe,), daemon=True).start()
        try:
            return probe.result(timeout=PROBE_WAIT_SECONDS)
        except TimeoutError:
            self._note_health(False, f"no answer within {PROBE_WAIT_SECONDS:g} s")
            return False

    def _run_probe(self, probe: Future[bool]) -> None:
        try:
            # One connection for the probes (one runs at a time), not one per probe thread.
            conn = self._probe_conn
            if conn is None or conn.closed or conn.broken:
                conn = self._probe_conn = self.connect()
            timer = threading.Timer(self.timeout + _GRACE_SECONDS, self._cut, (conn,))
            timer.daemon = True
            timer.start()
            try:
                row = conn.execute("SELECT NOT pg_is_in_recovery()").fetchone()
            finally:
                timer.cancel()
            ok = bool(row and row[0])
            reason = "" if ok else "it is a read-only standby"
        except Exception as err:  # noqa: BLE001 - any failure is "not writable", logged below
            ok, reason = False, err.__class__.__name__
        self._note_health(ok, reason)
        with self._guard:
            self._probe = None
        probe.set_result(ok)

    def _note_health(self, ok: bool, reason: str) -> None:
        with self._guard:
            before = self._probed
            self._probed = (time.monotonic(), ok)
        if not ok and (before is None or before[1]):
            logger.error("The database at %s can't take writes: %s", describe(self.url), reason)
        if ok and before is not None and not before[1]:
            logger.info("The database at %s takes writes again", describe(self.url))

    def _damaged(self, team_id: str, what: str, err: BaseException) -> DamagedRecord:
        where = Path(f"postgresql/{team_id}/{what}")
        reason = f"not the shape Tactful writes ({err.__class__.__name__})"
        if str(where) not in self._reported:
            self._reported.add(str(where))
            logger.error(
                "Can't read %s (%s): it is skipped until it is repaired or restored", where, reason
            )
        return DamagedRecord(where, reason)

    def _record(self, team_id: str, client_id: str, text: str) -> ClientRecord:
        try:
            return upgrade_record(from_doc(ClientRecord, json.loads(text)), self.currency)
        except _DAMAGE as err:
            raise self._damaged(team_id, f"clients/{client_id}", err) from None

    # reads ---------------------------------------------------------------------------------
    @_bounded
    def get(self, team_id: str, client_id: str) -> ClientRecord | None:
        _check_team(team_id)
        if not _is_client_id(client_id):
            return None
        text = self._record_text(team_id, client_id)
        return None if text is None else self._record(team_id, client_id, text)

    def _record_text(self, team_id: str, client_id: str) -> str | None:
        """A client's record as stored (None: no such client)."""
        row = (
            self._conn()
            .execute(
                "SELECT record::text FROM clients WHERE team_id = %s AND client_id = %s",
                (team_id, client_id),
            )
            .fetchone()
        )
        return None if row is None else row[0]

    @_bounded
    def find(self, team_id: str, name: str) -> ClientRecord | None:
        _check_team(team_id)
        row = (
            self._conn()
            .execute(
                "SELECT client_id, record::text FROM clients WHERE team_id = %s AND name_key = %s",
                (team_id, name_key(name)),
            )
            .fetchone()
        )
        return None if row is None else self._record(team_id, row[0], row[1])

    @_bounded
    def names(self, team_id: str) -> dict[str, str]:
        _check_team(team_id)
        rows = self._conn().execute(
            "SELECT name_key, client_id FROM clients WHERE team_id = %s ORDER BY position",
            (team_id,),
        )
        return dict(rows.fetchall())

    @_bounded
    def clients(self, team_id: str) -> list[ClientRecord]:
        """The team's clients whose records can be read (the others are logged, once)."""
        _check_team(team_id)
        rows = self._conn().execute(
            "SELECT client_id, record::text FROM clients WHERE team_id = %s ORDER BY position",
            (team_id,),
        )
        records = []
        for client_id, text in rows.fetchall():
            try:
                records.append(self._record(team_id, client_id, text))
            except DamagedRecord:
                continue
        return records

    def read_many(
        self, team_id: str, client_ids: list[str]
    ) -> Iterator[tuple[str, ClientRecord | DamagedRecord | None]]:
        """See Store.read_many: READ_BATCH records per query."""
        _check_team(team_id)
        for start in range(0, len(client_ids), READ_BATCH):
            batch = client_ids[start : start + READ_BATCH]
            rows = self._conn().execute(
                "SELECT client_id, record::text FROM clients"
                " WHERE team_id = %s AND client_id = ANY(%s)",
                (team_id, [cid for cid in batch if _is_client_id(cid)]),
            )
            found: dict[str, str] = dict(rows.fetchall())
            for cid in batch:
                text = found.get(cid)
                try:
                    yield cid, None if text is None else self._record(team_id, cid, text)
                except DamagedRecord as err:
                    yield cid, err

    @_bounded
    def teams(self) -> list[str]:
        rows = self._conn().execute("SELECT DISTINCT team_id FROM clients ORDER BY team_id")
        return [team for (team,) in rows.fetchall()]

    def history(self, team_id: str, client_id: str) -> Iterator[Interaction]:
        _check_team(team_id)
        if not _is_client_id(client_id):
            return
        # Pages by seq, newest first: `status` reads one small page, and interactions logged
        # while a reader is part-way through (higher seqs) never join its pages.
        below: int | None = None
        while True:
            rows = (
                self._conn()
                .execute(
                    "SELECT seq, document::text FROM interactions"
                    " WHERE team_id = %s AND client_id = %s AND seq < %s"
                    " ORDER BY seq DESC LIMIT %s",
                    (team_id, client_id, below if below is not None else 2**31 - 1, HISTORY_PAGE),
                )
                .fetchall()
            )
            for seq, text in rows:
                try:
                    yield upgrade_interaction(
                        from_doc(Interaction, json.loads(text)), self.currency
                    )
                except _DAMAGE as err:
                    raise self._damaged(team_id, f"interactions/{client_id}/{seq}", err) from None
                below = seq
            if len(rows) < HISTORY_PAGE:
                return

    @_bounded
    def overview(
        self, team_id: str, summarise: Callable[[ClientRecord], S], kind: type[S], version: str
    ) -> Overview[S]:
        """See Store.overview. A summary is reused while it was made from the record's current
        version (`clients.version` counts its writes) under the same `version`; only the
        records without one are read."""
        _check_team(team_id)
        rows = (
            self._conn()
            .execute(
                "SELECT c.client_id, c.version, o.summary::text,"
                " CASE WHEN o.summary IS NULL THEN c.record::text END"
                " FROM clients c LEFT JOIN overviews o ON o.team_id = c.team_id"
                " AND o.client_id = c.client_id AND o.version = %s AND o.record_version = c.version"
                " WHERE c.team_id = %s ORDER BY c.position",
                (version, team_id),
            )
            .fetchall()
        )
        summaries: list[S] = []
        unreadable = 0
        made: list[tuple[str, str, str, int, str]] = []
        for client_id, record_version, summary, record in rows:
            if summary is not None:
                try:
                    summaries.append(from_doc(kind, json.loads(summary)))
                    continue
                except _DAMAGE:
                    # Derived data of another shape (an older Tactful): made again below.
                    text = self._record_text(team_id, client_id)
                    if text is None:  # deleted since the overview was read
                        continue
                    record = text
            try:
                made_summary = summarise(self._record(team_id, client_id, record))
            except DamagedRecord:
                unreadable += 1
                continue
            summaries.append(made_summary)
            made.append((team_id, client_id, version, record_version, _json(to_doc(made_summary))))
        if made:
            try:
                with self._conn().cursor() as cur:
                    cur.executemany(
                        "INSERT INTO overviews (team_id, client_id, version, record_version,"
                        " summary) VALUES (%s, %s, %s, %s, %s::json)"
                        " ON CONFLICT (team_id, client_id) DO UPDATE SET version ="
                        " excluded.version, record_version = excluded.record_version,"
                        " summary = excluded.summary",
                        made,
                    )
            except psycopg.Error as err:
                # Derived data, not on the write path: the next overview makes it again.
                logger.warning("Could not save the overview of team %s: %s", team_id, err)
        return Overview(summaries, unreadable)

    # notes ---------------------------------------------------------------------------------
    @_bounded
    def note(self, team_id: str, name: str) -> dict[str, Any] | None:
        _check_team(team_id)
        _check_note(name)
        row = (
            self._conn()
            .execute(
                "SELECT document::text FROM notes WHERE team_id = %s AND name = %s",
                (team_id, name),
            )
            .fetchone()
        )
        return None if row is None else json.loads(row[0])

    @_bounded
    def change_note(
        self,
        team_id: str,
        name: str,
        change: Callable[[dict[str, Any] | None], dict[str, Any]],
    ) -> dict[str, Any]:
        """See Store.change_note. A transaction-scoped advisory lock on (team, name) serialises
        writers even before the row exists, which a row lock alone could not."""
        _check_team(team_id)
        _check_note(name)
        with self._transaction() as cur:
            cur.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"{team_id}/{name}",)
            )
            row = cur.execute(
                "SELECT document::text FROM notes WHERE team_id = %s AND name = %s",
                (team_id, name),
            ).fetchone()
            new = change(None if row is None else json.loads(row[0]))
            cur.execute(
                "INSERT INTO notes (team_id, name, document) VALUES (%s, %s, %s::json)"
                " ON CONFLICT (team_id, name) DO UPDATE SET document = EXCLUDED.document",
                (team_id, name, json.dumps(new)),
            )
        return new

    # writes --------------------------------------------------------------------------------
    def purge_team(self, team_id: str) -> dict[str, int]:
        """Delete everything stored for the workspace in one transaction (its interactions and
        overview rows go with its clients); the counts of what was deleted."""
        _check_team(team_id)
        with self._transaction() as cur:
            counted = cur.execute(
                "SELECT count(*) FROM interactions WHERE team_id = %s", (team_id,)
            ).fetchone()
            interactions = counted[0] if counted else 0
            cur.execute("DELETE FROM notes WHERE team_id = %s", (team_id,))
            cur.execute("DELETE FROM clients WHERE team_id = %s", (team_id,))
            return {"clients": cur.rowcount, "interactions": interactions}

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Cursor]:
        conn = self._conn()
        with conn.transaction(), conn.cursor() as cur:
            yield cur

    @_bounded
    def add_client(self, record: ClientRecord, events: list[Interaction]) -> ClientRecord:
        self.import_clients([(record, events)])
        return record

    def import_clients(self, items: Iterable[tuple[ClientRecord, list[Interaction]]]) -> None:
        """Store new clients with their whole history so far, in one transaction: all of them
        or, if a name is taken or given twice (DuplicateClient), none. For `add_client`,
        `python bot.py copy` and seeding benchmarks: `items` is consumed as it comes, written
        in batches (interactions by COPY), so a big workspace needn't fit in memory."""
        seen: dict[tuple[str, str], ClientRecord] = {}
        with self._duplicates(seen), self._transaction() as cur:
            self._insert(cur, items, seen)

    def write_batch(
        self,
        team_id: str,
        new: Sequence[tuple[ClientRecord, list[Interaction]]] = (),
        changes: Mapping[str, Change] | None = None,
    ) -> dict[str, ClientRecord]:
        """See Store.write_batch: one transaction. The changed clients' rows are locked in
        the order of their ids, so two batches can't deadlock."""
        _check_team(team_id)
        seen: dict[tuple[str, str], ClientRecord] = {}
        done: dict[str, ClientRecord] = {}
        with self._duplicates(seen), self._transaction() as cur:
            for record, _events in new:
                if record.client.team_id != team_id:
                    raise ValueError(f"not a client of {team_id}: {record.client.client_id!r}")
                done[record.client.client_id] = record
            self._insert(cur, new, seen)
            for client_id in sorted(changes or {}):
                done[client_id] = self._change(cur, team_id, client_id, (changes or {})[client_id])
        return done

    @contextmanager
    def _duplicates(self, seen: dict[tuple[str, str], ClientRecord]) -> Iterator[None]:
        """A name taken meanwhile (the unique index) raised as DuplicateClient."""
        try:
            yield
        except psycopg.errors.UniqueViolation as err:
            if err.diag.constraint_name != "clients_name_unique":
                raise
            for team_id, key in seen:
                existing = self.find(team_id, key)
                if existing is not None:
                    raise DuplicateClient(existing) from None
            raise

    def _insert(
        self,
        cur: psycopg.Cursor,
        items: Iterable[tuple[ClientRecord, list[Interaction]]],
        seen: dict[tuple[str, str], ClientRecord],
    ) -> None:
        today = self.schedule.today() if self.schedule else None
        rows: list[tuple[Any, ...]] = []
        history: list[tuple[str, str, int, date, str]] = []

        def flush() -> None:
            if rows:
                cur.executemany(
                    "INSERT INTO clients (team_id, client_id, name_key, record,"
                    " check_on, checked_on, check_rules)"
                    " VALUES (%s, %s, %s, %s::json, %s, %s, %s)",
                    rows,
                )
            self._append(cur, history)
            rows.clear()
            history.clear()

        for record, events in items:
            client = record.client
            team_id = _check_team(client.team_id)
            if not _is_client_id(client.client_id):
                raise ValueError(f"not a client id: {client.client_id!r}")
            if (team_id, client.name_key) in seen:
                raise DuplicateClient(seen[team_id, client.name_key])
            seen[team_id, client.name_key] = record
            rows.append(
                (team_id, client.client_id, client.name_key, _json(to_doc(record)))
                + self._check_entry(record, today)
            )
            history += [
                (team_id, client.client_id, e.seq, e.occurred_on, _json(to_doc(e))) for e in events
            ]
            if len(rows) >= 500 or len(history) >= 20_000:
                flush()
        flush()

    @staticmethod
    def _append(cur: psycopg.Cursor, history: list[tuple[str, str, int, date, str]]) -> None:
        if not history:
            return
        if len(history) < 32:
            cur.executemany(
                "INSERT INTO interactions (team_id, client_id, seq, occurred_on, document)"
                " VALUES (%s, %s, %s, %s, %s::json)",
                history,
            )
            return
        with cur.copy(
            "COPY interactions (team_id, client_id, seq, occurred_on, document) FROM STDIN"
        ) as copy:
            for row in history:
                copy.write_row(row)

    @_bounded
    def update(self, team_id: str, client_id: str, change: Change) -> ClientRecord:
        _check_team(team_id)
        if not _is_client_id(client_id):
            raise UnknownClient(client_id)
        with self._transaction() as cur:
            return self._change(cur, team_id, client_id, change)

    def _change(
        self, cur: psycopg.Cursor, team_id: str, client_id: str, change: Change
    ) -> ClientRecord:
        if not _is_client_id(client_id):
            raise UnknownClient(client_id)
        # The row lock: every other writer of this client waits here until we commit.
        row = cur.execute(
            "SELECT record::text FROM clients WHERE team_id = %s AND client_id = %s FOR UPDATE",
            (team_id, client_id),
        ).fetchone()
        if row is None:
            raise UnknownClient(client_id)
        record = self._record(team_id, client_id, row[0])
        new_record, events = change(record)
        if new_record.client.client_id != client_id or new_record.client.team_id != team_id:
            raise ValueError("a change may not move a client to another id or workspace")
        today = self.schedule.today() if self.schedule else None
        cur.execute(
            "UPDATE clients SET record = %s::json, version = version + 1, check_on = %s,"
            " checked_on = %s, check_rules = %s WHERE team_id = %s AND client_id = %s",
            (
                _json(to_doc(new_record)),
                *self._check_entry(new_record, today),
                team_id,
                client_id,
            ),
        )
        self._append(
            cur,
            [(team_id, client_id, e.seq, e.occurred_on, _json(to_doc(e))) for e in events],
        )
        return new_record

    # the checks index ------------------------------------------------------------------------
    def _check_entry(
        self, record: ClientRecord, today: date | None
    ) -> tuple[date | None, date | None, str | None]:
        """(next check, computed on, rules) for the record; all None without a schedule, which
        makes the pass look at the client."""
        if self.schedule is None or today is None:
            return None, None, None
        return self.schedule.check_on(record, today), today, self.schedule.fingerprint

    @_bounded
    def due_for_check(self, team_id: str, today: date) -> list[str]:
        _check_team(team_id)
        if self.schedule is None:
            return list(self.names(team_id).values())
        # No entry, one made under other rules, or one computed after `today` (a pass run "as
        # of" an earlier date): the index can't vouch for the client, so look.
        rows = self._conn().execute(
            "SELECT client_id FROM clients WHERE team_id = %s AND (check_on IS NULL"
            " OR check_rules IS DISTINCT FROM %s OR checked_on > %s OR check_on <= %s)"
            " ORDER BY position",
            (team_id, self.schedule.fingerprint, today, today),
        )
        return [cid for (cid,) in rows.fetchall()]

    @_bounded
    def refresh_checks(self, team_id: str, client_ids: Iterable[str]) -> None:
        if self.schedule is None:
            return
        _check_team(team_id)
        ids = [cid for cid in client_ids if _is_client_id(cid)]
        if not ids:
            return
        today = self.schedule.today()
        rows = self._conn().execute(
            "SELECT client_id, version, record::text FROM clients"
            " WHERE team_id = %s AND client_id = ANY(%s)",
            (team_id, ids),
        )
        entries = []
        for client_id, version, text in rows.fetchall():
            try:
                record = self._record(team_id, client_id, text)
            except DamagedRecord:
                continue  # left as it is: the pass keeps looking at it, and skipping it
            entries.append((*self._check_entry(record, today), team_id, client_id, version))
        with self._conn().cursor() as cur:
            # Only where the record is still the one read: a command logged since then has
            # already set its entry, from the newer record.
            cur.executemany(
                "UPDATE clients SET check_on = %s, checked_on = %s, check_rules = %s"
                " WHERE team_id = %s AND client_id = %s AND version = %s",
                entries,
            )


def sqlalchemy_url(url: str) -> str:
    """DATABASE_URL as SQLAlchemy names it (Alembic connects through SQLAlchemy): psycopg 3."""
    return "postgresql+psycopg://" + url.split("://", 1)[1]


def migrate(url: str, *, schema: str | None = None, target: str = "head") -> tuple[str | None, str]:
    """Bring the database's tables to SCHEMA_HEAD (or `target`, for tests of upgrades) with
    Alembic; (version before, after). Several processes may run it at once (replicas starting
    together): they take turns."""
    from alembic import command
    from alembic.config import Config as AlembicConfig
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    config = AlembicConfig()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    config.attributes["schema"] = schema
    engine = create_engine(sqlalchemy_url(url), poolclass=NullPool)
    try:

        def version() -> str | None:
            with engine.connect() as conn:
                if schema:
                    conn.execute(text("SELECT set_config('search_path', :s, false)"), {"s": schema})
                return MigrationContext.configure(conn).get_current_revision()

        before = version()
        command.upgrade(config, target)
        return before, version() or ""
    finally:
        engine.dispose()


def _check_note(name: str) -> None:
    if not _NOTE_NAME.fullmatch(name):
        raise ValueError(f"not a note name: {name!r}")
