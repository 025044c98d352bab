"""The checks index: a pass reads only clients with something due, and never misses one (on
every backend where the test says `any_store`)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from slack_sdk import WebClient

import bot
from domain.models import Kind
from domain.nudges import due_nudges
from service.commands import ClientCommands, Draft, log
from service.nudges import NudgeSchedule
from storage.tinydb_store import TinyDBStore
from tests.storage.support import open_store

TEAM = "T0TEAM1"
START = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # a Monday


def run(store: TinyDBStore, text: str, when: datetime) -> None:
    reply = ClientCommands(store, UTC).run(TEAM, "U0ALICE", text, when)
    assert ":warning:" not in reply.text, reply.text


def test_a_client_is_looked_at_only_from_its_next_check(any_store, clock) -> None:
    store = any_store
    clock.now = START
    run(store, "add acme", START)
    run(store, "asked acme the logo", START)  # quiet after 3 business days: Thursday
    cid = store.find(TEAM, "acme").client.client_id
    thursday = START.date() + timedelta(days=3)
    assert store.due_for_check(TEAM, START.date()) == []
    assert store.due_for_check(TEAM, thursday - timedelta(days=1)) == []
    assert store.due_for_check(TEAM, thursday) == [cid]


def test_the_entry_is_set_before_the_record_so_a_crash_leaves_it_early(
    store, clock, monkeypatch
) -> None:
    clock.now = START
    run(store, "add acme", START)
    run(store, "asked acme the logo", START)
    cid = store.find(TEAM, "acme").client.client_id

    def crash(*_args, **_kwargs):
        raise OSError("power cut")

    monkeypatch.setattr(store, "_write_client_file", crash)
    with pytest.raises(OSError):
        # The reply would stop the quiet clock (next check: far away) but never lands.
        store.update(TEAM, cid, lambda r: log(r, "U0ALICE", START, Draft(Kind.HEARD, START.date())))
    # The record on disk still has the open ask, and the index still wakes on Thursday.
    assert store.due_for_check(TEAM, START.date() + timedelta(days=3)) == [cid]


def test_a_store_without_a_schedule_makes_its_clients_looked_at(any_store, backend, clock) -> None:
    store = any_store
    clock.now = START
    run(store, "add acme", START)
    cid = store.find(TEAM, "acme").client.client_id
    assert store.due_for_check(TEAM, START.date()) == []
    run(backend.open(schedule=False), "note acme kick-off call", START)  # e.g. an older process
    assert store.due_for_check(TEAM, START.date()) == [cid]


def test_other_rules_or_an_earlier_day_make_the_index_vouch_for_nothing(
    any_store, backend, clock
) -> None:
    store = any_store
    clock.now = START
    run(store, "add acme", START)
    cid = store.find(TEAM, "acme").client.client_id
    assert store.due_for_check(TEAM, START.date()) == []
    assert store.due_for_check(TEAM, START.date() - timedelta(days=1)) == [
        cid
    ]  # scan --now in the past
    other = open_store(backend.spec, NudgeSchedule(timezone(timedelta(hours=13)), clock=clock))
    assert other.due_for_check(TEAM, START.date()) == [
        cid
    ]  # another time zone: entries don't count


def test_refresh_moves_an_early_entry_to_the_real_next_check(any_store, clock) -> None:
    store = any_store
    clock.now = START
    run(store, "add acme", START)
    run(store, "asked acme the logo", START)
    cid = store.find(TEAM, "acme").client.client_id
    run(store, "heard acme on it", START)
    thursday = START.date() + timedelta(days=3)
    if isinstance(store, TinyDBStore):
        # The entry stays early (Thursday) until refreshed. (PostgreSQL writes the entry with
        # the record, in one transaction: it is never early.)
        assert store.due_for_check(TEAM, thursday) == [cid]
    store.refresh_checks(TEAM, [cid])
    assert store.due_for_check(TEAM, thursday) == []
    month = START.date() + timedelta(days=31)
    assert store.due_for_check(TEAM, month - timedelta(days=1)) == []
    assert store.due_for_check(TEAM, month) == [cid]
    if isinstance(store, TinyDBStore):
        shard = json.loads(store._check_shard(TEAM, cid).read_text())
        assert shard["clients"][cid][0] == month.isoformat()


def test_over_weeks_of_random_logging_the_index_hides_no_due_nudge(
    config, any_store, slack, clock
) -> None:
    """Walk 12 clients through 6 weeks of random logging, with a real pass every day. Before
    each pass, work out from every record what is due; after it, each of those must have been
    recorded: skipping clients by the index never hides a nudge."""
    store = any_store
    rng = random.Random(20261127)
    client = WebClient(base_url=slack.url, retry_handlers=[])
    engine = bot.build_engine(config, store, client=client, pace=lambda _c: None)
    names = [f"c{i}" for i in range(12)]
    clock.now = START
    for i, name in enumerate(names):
        kind = ["unresponsive", "controlling", "late-payer", "none"][i % 4]
        run(store, f"add {name} as {kind} quiet {1 + i % 3} days in <#C0WORK|work>", START)
    looked_at = 0
    for day in range(42):
        now = START + timedelta(days=day)
        clock.now = now
        for name in rng.sample(names, 3):
            verb = rng.choice(
                ["asked", "heard", "revision", "invoice", "paid", "note", "snooze", "promised"]
            )
            text = {
                "asked": f"asked {name} item {day}",
                "heard": f"heard {name}",
                "revision": f"revision {name} change {day}",
                "invoice": f"invoice {name} 100 due {(now + timedelta(days=rng.randint(-5, 5))).date().isoformat()} #I{day}",
                "paid": f"paid {name}",
                "note": f"note {name} call {day}",
                "snooze": f"snooze {name} {rng.randint(1, 4)} days",
                "promised": f"promised {name} {rng.randint(1, 6)} days",
            }[verb]
            ClientCommands(store, UTC).run(TEAM, "U0ALICE", text, now)  # some are refused: fine
        today = now.date()
        expected = {
            (r.client.client_id, d.key) for r in store.clients(TEAM) for d in due_nudges(r, today)
        }
        looked_at += len(store.due_for_check(TEAM, today))
        engine.scan(now)
        recorded = {(r.client.client_id, k) for r in store.clients(TEAM) for k in r.nudges}
        assert expected <= recorded, f"day {day}: missed {expected - recorded}"
    # ...and it did skip clients: fewer looks than clients x days.
    assert looked_at < len(names) * 42


def test_the_dry_run_bench_store_layout_is_what_the_store_writes(db_path: Path) -> None:
    """bench/scan.py seeds with import_clients: the index must come with it."""
    clock = lambda: START  # noqa: E731
    store = TinyDBStore(db_path, schedule=NudgeSchedule(UTC, clock=clock))
    from domain.models import Client, ClientRecord

    records = [(ClientRecord(Client(TEAM, f"id{i}", f"n{i}", "U0A", START)), []) for i in range(20)]
    store.import_clients(records)
    assert store.due_for_check(TEAM, START.date()) == []
    assert len(list(store._team(TEAM).glob("checks/*.json"))) > 1


# the checks journal (TinyDB) ---------------------------------------------------------------------
def _shards(store: TinyDBStore) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in store._team(TEAM).glob("checks/*.json")}


def _journal(store: TinyDBStore) -> bytes:
    path = store._journal_path(TEAM)
    return path.read_bytes() if path.exists() else b""


def _settled_acme(store: TinyDBStore) -> str:
    """acme, added and looked at by a pass: its shard entry vouches for a month, no journal."""
    run(store, "add acme", START)
    cid = store.find(TEAM, "acme").client.client_id
    store.refresh_checks(TEAM, [cid])
    assert _journal(store) == b""
    return cid


def test_a_command_appends_one_journal_line_and_rewrites_no_shard(store, clock) -> None:
    clock.now = START
    cid = _settled_acme(store)
    shards = _shards(store)
    run(store, "asked acme the logo", START)  # quiet from Thursday: earlier than the shard says
    assert _shards(store) == shards
    lines = _journal(store).decode().split()
    assert lines[:3] == [cid, "2026-11-05", "2026-11-02"]
    thursday = START.date() + timedelta(days=3)
    assert store.due_for_check(TEAM, thursday - timedelta(days=1)) == []
    assert store.due_for_check(TEAM, thursday) == [cid]
    store.refresh_checks(TEAM, [cid])  # the shard now says Thursday
    run(store, "note acme kick-off call", START)  # nothing earlier than the shard: no line
    assert _journal(store) == b""


def test_the_pass_folds_the_journal_into_the_shards(store, clock) -> None:
    clock.now = START
    cid = _settled_acme(store)
    run(store, "asked acme the logo", START)
    other = TinyDBStore(store.catalogue, schedule=store.schedule)  # another process
    other.refresh_checks(TEAM, [])  # a pass that read nobody still folds
    assert _journal(store) == b""
    shard = json.loads(store._check_shard(TEAM, cid).read_text())
    assert shard["clients"][cid] == ["2026-11-05", "2026-11-02"]
    assert store.due_for_check(TEAM, START.date() + timedelta(days=3)) == [cid]


def test_a_long_journal_is_folded_by_the_write_that_finds_it_so(store, clock, monkeypatch) -> None:
    import storage.tinydb_store as tinydb_store

    clock.now = START
    _settled_acme(store)
    monkeypatch.setattr(tinydb_store, "JOURNAL_MAX_BYTES", 100)
    run(store, "asked acme the logo", START)  # one line: under 100 bytes
    assert _journal(store)
    run(store, "heard acme", START)
    run(store, "asked acme the copy", START + timedelta(days=1))
    assert _journal(store) == b""
    cid = store.find(TEAM, "acme").client.client_id
    assert store.due_for_check(TEAM, START.date() + timedelta(days=3)) == [cid]


def test_a_journal_line_cut_short_by_a_crash_spoils_only_itself(store, clock) -> None:
    clock.now = START
    cid = _settled_acme(store)
    journal = store._journal_path(TEAM)
    journal.parent.mkdir(parents=True, exist_ok=True)
    journal.write_bytes(b"\n" + cid.encode() + b" 2026-11-0")  # the write a crash cut short
    run(store, "asked acme the logo", START)
    assert store.due_for_check(TEAM, START.date() + timedelta(days=3)) == [cid]
    assert store.due_for_check(TEAM, START.date()) == []


def test_a_journal_line_made_under_other_rules_vouches_for_nothing(store, clock) -> None:
    clock.now = START
    cid = _settled_acme(store)
    elsewhere = TinyDBStore(
        store.catalogue, schedule=NudgeSchedule(timezone(timedelta(hours=13)), clock=clock)
    )
    elsewhere._note_checks(TEAM, [(None, store.get(TEAM, cid))])  # e.g. a process on other rules
    assert store.due_for_check(TEAM, START.date()) == [cid]
    store.refresh_checks(TEAM, [])
    assert store.due_for_check(TEAM, START.date()) == [cid]  # folded: still no vouching
    store.refresh_checks(TEAM, [cid])
    assert store.due_for_check(TEAM, START.date()) == []


def test_next_check_stops_at_by_and_agrees_with_the_whole_search(clock) -> None:
    """`by` only shortens the search: the answer is the earlier of the full answer and `by`."""
    from domain.nudges import next_check

    rng = random.Random(7)
    store_clock = clock
    store_clock.now = START
    records = []
    from tests.storage.support import new_client

    for i in range(30):
        record, events = new_client(f"c{i}")
        drafts = []
        for day in range(rng.randint(0, 20)):
            on = START.date() + timedelta(days=day)
            kind = rng.choice([Kind.ASKED, Kind.HEARD, Kind.REVISION, Kind.NOTE])
            drafts.append(Draft(kind, on, text=f"item {day}"))
        records.append(log(record, "U0ALICE", START, *drafts)[0] if drafts else record)
    for record in records:
        for ahead in (0, 5, 12, 25):
            today = START.date() + timedelta(days=ahead)
            full = next_check(record, today)
            for by in (
                today - timedelta(days=2),
                today,
                today + timedelta(days=3),
                full,
                today + timedelta(days=60),
            ):
                assert next_check(record, today, by=by) == min(full, max(by, today))


def test_a_write_by_a_store_without_a_schedule_survives_a_fold(store, clock) -> None:
    """A store with no schedule (an older process) drops the client's entry so the pass looks;
    a journal line from before must not bring the entry back when the journal is folded."""
    clock.now = START
    cid = _settled_acme(store)
    run(store, "add globex", START)
    run(store, "asked acme the logo", START)  # journal: look on Thursday
    unscheduled = TinyDBStore(store.catalogue)
    overdue = (START - timedelta(days=20)).date().isoformat()
    reply = ClientCommands(unscheduled, UTC).run(
        TEAM, "U0ALICE", f"invoice acme 100 due {overdue} on {overdue}", START
    )
    assert ":warning:" not in reply.text, reply.text
    store.refresh_checks(TEAM, [store.find(TEAM, "globex").client.client_id])  # folds
    assert cid in store.due_for_check(TEAM, START.date())


def test_the_first_append_of_each_process_makes_the_journal_name_durable(
    store, clock, monkeypatch
) -> None:
    """A writer killed after making the journal but before fsyncing its folder leaves a file
    whose name may not survive a power cut: each process fsyncs the folder on its first
    append, whatever it finds."""
    import storage.atomic as atomic

    clock.now = START
    _settled_acme(store)
    journal = store._journal_path(TEAM)
    journal.parent.mkdir(parents=True, exist_ok=True)
    journal.write_bytes(b"\nleft by a killed writer")
    synced: list[Path] = []
    real = atomic.fsync_dir
    monkeypatch.setattr(atomic, "fsync_dir", lambda folder: synced.append(folder) or real(folder))
    run(store, "asked acme the logo", START)
    assert journal.parent in synced
    synced.clear()
    run(store, "heard acme", START)
    run(store, "asked acme the copy", START)
    assert journal.parent not in synced  # once per process is enough
