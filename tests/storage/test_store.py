"""The Store contract on every backend (`any_store`: TinyDB, then PostgreSQL), TinyDB's
partitioned layout, and what the stores refuse."""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from pathlib import Path

import pytest

import domain.models as models
import storage.tinydb_store as tinydb_store
from domain.models import ClientRecord, Kind
from service.commands import Draft, log
from storage.atomic import write_json_atomic
from storage.base import DuplicateClient, Store, StoreUnavailable, UnknownClient
from storage.tinydb_store import TAIL_MAX, TinyDBStore
from tests.storage.conftest import Backend
from tests.storage.support import AT, TEAM, new_client, notes, snapshot, temp_files

# Each of these would put a file outside the team's folder, or is no Slack team id at all.
BAD_TEAMS = ["../x", "..", ".", "t1", "", "T1/../T2", "T1\n", "/T1", "T 1", "T1\x00", "A" * 33]


@pytest.fixture
def root(store: TinyDBStore) -> Path:
    return store.root


def add(store: Store, name: str, team: str = TEAM) -> ClientRecord:
    return store.add_client(*new_client(name, team))


def seqs(store: Store, client_id: str, team: str = TEAM) -> list[int]:
    return [e.seq for e in store.history(team, client_id)]


# add / find / names / clients / teams ---------------------------------------------------------
def test_add_then_find_by_any_spelling_of_the_name(any_store: Store, backend: Backend) -> None:
    acme = add(any_store, "Acme Corp")
    for spelling in ("Acme Corp", "acme corp", "ACME   CORP", "  acme corp "):
        assert any_store.find(TEAM, spelling) == acme
    assert any_store.find(TEAM, "Acme") is None
    assert any_store.get(TEAM, acme.client.client_id) == acme
    assert any_store.get(TEAM, "0123456789ab") is None
    # Another store on the same files (another process) sees it too.
    assert backend.open().find(TEAM, "acme corp") == acme


def test_a_second_client_by_the_same_name_is_refused(any_store: Store, backend: Backend) -> None:
    acme = add(any_store, "Acme Corp")
    before = backend.snapshot()
    with pytest.raises(DuplicateClient) as refused:
        add(any_store, "ACME corp")
    assert refused.value.existing == acme
    assert backend.snapshot() == before
    assert any_store.clients(TEAM) == [acme]


def test_names_clients_and_teams(any_store: Store) -> None:
    assert any_store.teams() == [] and any_store.names(TEAM) == {} and any_store.clients(TEAM) == []
    a, b = add(any_store, "Acme Corp"), add(any_store, "Bolt Ltd")
    c = add(any_store, "Acme Corp", team="T0OTHER")
    assert any_store.names(TEAM) == {
        "acme corp": a.client.client_id,
        "bolt ltd": b.client.client_id,
    }
    assert sorted(any_store.clients(TEAM), key=lambda r: r.client.name) == [a, b]
    assert any_store.clients("T0OTHER") == [c]
    assert any_store.teams() == ["T0OTHER", TEAM]
    # names() is the caller's to change: it must not reach the store's cached index.
    any_store.names(TEAM).clear()
    assert len(any_store.names(TEAM)) == 2


def test_the_index_cache_sees_writes_by_another_store(any_store: Store, backend: Backend) -> None:
    add(any_store, "Acme Corp")
    assert set(any_store.names(TEAM)) == {"acme corp"}  # parsed and cached
    other = backend.open()  # as if another process
    bolt = add(other, "Bolt Ltd")
    assert set(any_store.names(TEAM)) == {"acme corp", "bolt ltd"}
    assert any_store.find(TEAM, "bolt ltd") == bolt


def old_name_key(name: str) -> str:
    """name_key as Tactful computed it before names were compared as a reader sees them."""
    return " ".join(name.casefold().split())


def write_old_folder(
    db_path: Path, names: tuple[str, ...], team: str = TEAM
) -> dict[str, ClientRecord]:
    """Clients added by the older version, its name keys written into the index."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(models, "name_key", old_name_key)
        m.setattr(tinydb_store, "name_key", old_name_key)
        old = TinyDBStore(db_path)
        return {n: old.add_client(*new_client(n, team)) for n in names}


def test_clients_stored_under_old_name_keys_are_found_by_any_look_alike(db_path: Path) -> None:
    old = write_old_folder(db_path, ("Ｇlobex Ltd", "Acme​ Corp"))
    index = json.loads((db_path.with_suffix("") / "teams" / TEAM / "index.json").read_text())
    assert {d["key"] for d in index["names"].values()} == {"ｇlobex ltd", "acme​ corp"}
    store = TinyDBStore(db_path)
    for spelling in ("globex ltd", "GLOBEX LTD", "Ｇlobex Ltd", "globex​ ltd"):
        assert store.find(TEAM, spelling) == old["Ｇlobex Ltd"]
    assert store.find(TEAM, "acme corp") == old["Acme​ Corp"]
    assert set(store.names(TEAM)) == {"globex ltd", "acme corp"}
    # A look-alike added now is the same client.
    with pytest.raises(DuplicateClient) as refused:
        add(store, "ACME CORP")
    assert refused.value.existing == old["Acme​ Corp"]


def test_old_clients_whose_names_now_read_as_one_stay_listed(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    old = write_old_folder(db_path, ("acme", "acme​", "bolt"))
    store = TinyDBStore(db_path)
    # The first keeps the name; the look-alike is still listed (and nudged), never lost.
    assert store.find(TEAM, "acme") == old["acme"]
    assert store.find(TEAM, "acme​") == old["acme"]
    assert sorted(r.client.client_id for r in store.clients(TEAM)) == sorted(
        r.client.client_id for r in old.values()
    )
    assert "now share the name 'acme'" in caplog.text
    assert len(store.due_for_check(TEAM, AT.date())) == 3


# update ----------------------------------------------------------------------------------------
def test_update_applies_the_change_and_returns_the_new_record(
    any_store: Store, backend: Backend
) -> None:
    acme = add(any_store, "Acme Corp")
    updated = any_store.update(TEAM, acme.client.client_id, notes("one", "two"))
    assert updated.next_seq == 4 and updated.state.interactions == 3
    assert any_store.get(TEAM, acme.client.client_id) == updated
    assert backend.open().get(TEAM, acme.client.client_id) == updated
    assert [(e.seq, e.text) for e in any_store.history(TEAM, acme.client.client_id)] == [
        (3, "two"),
        (2, "one"),
        (1, ""),
    ]


def test_update_hands_the_change_the_freshest_record(any_store: Store, backend: Backend) -> None:
    acme = add(any_store, "Acme Corp")
    backend.open().update(TEAM, acme.client.client_id, notes("by another process"))
    seen: list[ClientRecord] = []

    def change(record: ClientRecord):
        seen.append(record)
        return notes("mine")(record)

    any_store.update(TEAM, acme.client.client_id, change)
    assert seen[0].next_seq == 3  # not the stale copy `acme` (next_seq 2)
    assert seqs(any_store, acme.client.client_id) == [3, 2, 1]


def test_a_change_that_raises_writes_nothing(any_store: Store, backend: Backend) -> None:
    acme = add(any_store, "Acme Corp")
    for i in range(TAIL_MAX):  # a full tail: the next write would roll it over
        any_store.update(TEAM, acme.client.client_id, notes(f"n{i}"))
    before = backend.snapshot()

    def change(record: ClientRecord):
        log(record, "U1", AT, Draft(Kind.NOTE, AT.date(), text="half done"))
        raise RuntimeError("the change refused")

    with pytest.raises(RuntimeError, match="refused"):
        any_store.update(TEAM, acme.client.client_id, change)
    assert backend.snapshot() == before
    if backend.name == "tinydb":
        assert temp_files(Path(backend.spec).with_suffix("")) == []


def test_a_change_may_not_move_the_client(any_store: Store, backend: Backend) -> None:
    acme = add(any_store, "Acme Corp")
    before = backend.snapshot()
    for moved in (
        replace(acme.client, client_id="c0ffee000000"),
        replace(acme.client, team_id="T0OTHER"),
    ):
        with pytest.raises(ValueError):
            any_store.update(
                TEAM, acme.client.client_id, lambda r, m=moved: (replace(r, client=m), [])
            )
    assert backend.snapshot() == before


def test_update_of_an_unknown_client(any_store: Store) -> None:
    with pytest.raises(UnknownClient):
        any_store.update(TEAM, "0123456789ab", notes("x"))


# history ---------------------------------------------------------------------------------------
def test_history_across_many_roll_overs(store: TinyDBStore, root: Path) -> None:
    acme = add(store, "Acme Corp")
    cid = acme.client.client_id
    for i in range(2, 101):
        store.update(TEAM, cid, notes(f"n{i}"))
    history = list(store.history(TEAM, cid))
    assert [e.seq for e in history] == list(range(100, 0, -1))
    assert [e.text for e in history[:-1]] == [f"n{i}" for i in range(100, 1, -1)]
    assert history[-1].kind is Kind.ADDED
    segments = sorted((root / "teams" / TEAM / "log" / cid).iterdir())
    assert len(segments) == (100 - 1) // TAIL_MAX  # 6 full segments; the rest is the tail
    client_file = json.loads((root / "teams" / TEAM / "clients" / f"{cid}.json").read_bytes())
    assert 1 <= len(client_file["tail"]) <= TAIL_MAX
    assert store.get(TEAM, cid).state.interactions == 100


def test_the_files_written_whole_are_tinydb_databases(store: TinyDBStore, root: Path) -> None:
    """Client files and segments are written without TinyDB reading them back first; TinyDB
    still reads them as its own (tables of documents numbered from 1)."""
    from tinydb import TinyDB

    acme = add(store, "Acme Corp")
    cid = acme.client.client_id
    for i in range(2, TAIL_MAX + 4):
        store.update(TEAM, cid, notes(f"n{i}"))
    with TinyDB(root / "teams" / TEAM / "clients" / f"{cid}.json") as db:
        assert db.tables() == {"record", "tail"}
        assert db.table("record").get(doc_id=1)["client"]["name"] == "Acme Corp"
        tail = db.table("tail").all()
        assert [d.doc_id for d in tail] == list(range(1, len(tail) + 1))
    with TinyDB(root / "teams" / TEAM / "log" / cid / "000000001.json") as db:
        assert [d["seq"] for d in db.table("log").all()] == list(range(1, TAIL_MAX + 1))
    assert [e.seq for e in store.history(TEAM, cid)] == list(range(TAIL_MAX + 3, 0, -1))


def test_history_when_writes_log_several_interactions_at_once(any_store: Store) -> None:
    acme = add(any_store, "Acme Corp")
    cid = acme.client.client_id
    n = 1
    for batch in [3, 1, 20, 5, 16, 1, 1, 17, 2, 9] * 3:
        any_store.update(TEAM, cid, notes(*(f"b{n + k}" for k in range(1, batch + 1))))
        n += batch
    assert seqs(any_store, cid) == list(range(n, 0, -1))
    assert any_store.get(TEAM, cid).state.interactions == n


def test_history_of_segments_of_every_size_in_a_fresh_process(
    store: TinyDBStore, db_path: Path
) -> None:
    """Segments of uneven sizes: the one a whole tail below may start where a short one does
    and end before the next one begins. Every entry, once, newest first, from a store that
    has kept nothing in memory."""
    import random

    rng = random.Random(11)
    for c in range(6):
        cid = add(store, f"client {c}").client.client_id
        n = 1
        while n < 150:
            batch = rng.choice([1, 1, 1, 2, 3, 4, 5, 12, 15, 16, 17])
            store.update(TEAM, cid, notes(*(f"b{n + k}" for k in range(1, batch + 1))))
            n += batch
        assert seqs(TinyDBStore(db_path), cid) == list(range(n, 0, -1))
        assert seqs(store, cid) == list(range(n, 0, -1))


def test_history_of_segments_written_with_another_tail_size(
    store: TinyDBStore, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Segments of 8 (a build with another TAIL_MAX): one starts a whole tail of today's size
    below the tail, but it isn't the newest; reading must not jump over the ones between."""
    cid = add(store, "acme").client.client_id
    monkeypatch.setattr(tinydb_store, "TAIL_MAX", 8)
    for i in range(2, 38):
        store.update(TEAM, cid, notes(f"n{i}"))
    monkeypatch.undo()
    assert seqs(TinyDBStore(db_path), cid) == list(range(37, 0, -1))


def test_a_segment_replaced_on_disk_is_read_again(store: TinyDBStore, root: Path) -> None:
    """Segments are kept parsed in memory, but a file put back from a backup while Tactful
    runs is what the next read shows."""
    cid = add(store, "acme").client.client_id
    for i in range(2, TAIL_MAX + 3):
        store.update(TEAM, cid, notes(f"n{i}"))
    assert [e.text for e in store.history(TEAM, cid)][-2] == "n2"
    segment = root / "teams" / TEAM / "log" / cid / "000000001.json"
    data = json.loads(segment.read_bytes())
    data["log"]["2"]["text"] = "restored"
    write_json_atomic(segment, data)
    assert [e.text for e in store.history(TEAM, cid)][-2] == "restored"


def test_a_crash_between_segment_and_client_file_leaves_no_duplicates(
    store: TinyDBStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    acme = add(store, "Acme Corp")
    cid = acme.client.client_id
    for i in range(TAIL_MAX - 1):
        store.update(TEAM, cid, notes(f"n{i}"))
    # The next write rolls the tail over: the segment is written, then we "crash".
    real = TinyDBStore._write_client_file

    def crash(self, record, tail):
        raise OSError("power cut")

    monkeypatch.setattr(TinyDBStore, "_write_client_file", crash)
    with pytest.raises(OSError):
        store.update(TEAM, cid, notes("lost"))
    monkeypatch.setattr(TinyDBStore, "_write_client_file", real)
    # The segment holds the tail that the client file still holds too.
    assert seqs(store, cid) == list(range(TAIL_MAX, 0, -1))
    for i in range(40):
        store.update(TEAM, cid, notes(f"m{i}"))
    assert seqs(store, cid) == list(range(TAIL_MAX + 40, 0, -1))
    assert store.get(TEAM, cid).state.interactions == TAIL_MAX + 40


def test_a_history_read_overtaken_by_writes_stays_in_order(any_store: Store) -> None:
    """A reader holds a snapshot while writers roll the tail over twice: it still gets exactly
    the snapshot's interactions, newest first, none of the later ones, none twice."""
    acme = add(any_store, "Acme Corp")
    cid = acme.client.client_id
    for i in range(2, 41):
        any_store.update(TEAM, cid, notes(f"n{i}"))
    reading = any_store.history(TEAM, cid)
    first = next(reading)  # the client file is read now
    for i in range(41, 81):
        any_store.update(TEAM, cid, notes(f"n{i}"))
    assert [first.seq, *(e.seq for e in reading)] == list(range(40, 0, -1))


def test_the_newest_interactions_are_read_without_listing_the_log(
    store: TinyDBStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`status` shows the newest five: finding them must not list a log folder that holds a
    file per TAIL_MAX interactions ever logged (so its cost does not grow with the history)."""
    acme = add(store, "Acme Corp")
    cid = acme.client.client_id
    for i in range(2, 5 * TAIL_MAX + 3):  # five segments, and a tail of 2
        store.update(TEAM, cid, notes(f"n{i}"))
    listed: list[str] = []
    real = os.listdir
    monkeypatch.setattr(tinydb_store.os, "listdir", lambda p: listed.append(p) or real(p))
    newest = [e.seq for _, e in zip(range(5), store.history(TEAM, cid), strict=False)]
    assert newest == [5 * TAIL_MAX + 2 - k for k in range(5)]
    assert listed == []
    # The whole history still comes back, listing once beyond the first few segments.
    assert seqs(store, cid) == list(range(5 * TAIL_MAX + 2, 0, -1))
    assert len(listed) == 1


def test_history_of_an_unknown_client_is_empty(any_store: Store) -> None:
    assert list(any_store.history(TEAM, "0123456789ab")) == []


# import_clients --------------------------------------------------------------------------------
def test_import_lays_files_out_as_live_writes_do(tmp_path: Path) -> None:
    live = TinyDBStore(tmp_path / "live" / "tactful.json")
    bulk = TinyDBStore(tmp_path / "bulk" / "tactful.json")
    record, events = new_client("Acme Corp", client_id="0000000000aa")
    live.add_client(record, events)
    for i in range(2, 71):
        live.update(TEAM, "0000000000aa", notes(f"n{i}"))
    everything, more = log(
        record, "U0ALICE", AT, *(Draft(Kind.NOTE, AT.date(), text=f"n{i}") for i in range(2, 71))
    )
    bulk.import_clients([(everything, events + more)])

    def files(store: TinyDBStore) -> dict[str, object]:
        # Each line's place in the order of logging is stamped when it is logged, so it differs
        # between the two ways in; the layout must not.
        text = {k: v.decode() for k, v in snapshot(store.root).items()}
        return {k: json.loads(re.sub(r'"order": ?\d+', '"order": 0', v)) for k, v in text.items()}

    assert files(bulk) == files(live)
    unordered = lambda store: [  # noqa: E731
        replace(e, order=0) for e in store.history(TEAM, "0000000000aa")
    ]
    assert unordered(bulk) == unordered(live)


def test_import_refuses_a_name_twice(any_store: Store, backend: Backend) -> None:
    add(any_store, "Acme Corp")
    before = backend.snapshot()
    with pytest.raises(DuplicateClient):
        any_store.import_clients([new_client("Bolt"), new_client("bolt")])
    with pytest.raises(DuplicateClient):
        any_store.import_clients([new_client("Bolt"), new_client("acme corp")])
    assert backend.snapshot() == before
    assert set(any_store.names(TEAM)) == {"acme corp"}


# write_batch -----------------------------------------------------------------------------------
def test_a_batch_adds_clients_and_changes_others_in_one_write(
    any_store: Store, backend: Backend
) -> None:
    acme, bolt = add(any_store, "Acme Corp"), add(any_store, "Bolt")
    core = new_client("Core")
    many = [f"n{i}" for i in range(TAIL_MAX + 3)]  # rolls the tail over
    done = any_store.write_batch(
        TEAM,
        [core],
        {acme.client.client_id: notes("one"), bolt.client.client_id: notes(*many)},
    )
    assert set(done) == {acme.client.client_id, bolt.client.client_id, core[0].client.client_id}
    other = backend.open()
    assert set(other.names(TEAM)) == {"acme corp", "bolt", "core"}
    assert seqs(other, acme.client.client_id) == [2, 1]
    assert seqs(other, bolt.client.client_id) == list(range(len(many) + 1, 0, -1))
    assert other.get(TEAM, acme.client.client_id) == done[acme.client.client_id]
    assert other.find(TEAM, "core") == core[0]
    if backend.name == "tinydb":
        assert not (Path(backend.spec).with_suffix("") / tinydb_store.BATCH_FILE).exists()


def test_a_batch_that_fails_anywhere_writes_nothing(any_store: Store, backend: Backend) -> None:
    acme, bolt = add(any_store, "Acme Corp"), add(any_store, "Bolt")
    before = backend.snapshot()

    def refuse(record: ClientRecord):
        raise RuntimeError("the change refused")

    with pytest.raises(RuntimeError, match="refused"):
        any_store.write_batch(
            TEAM,
            [new_client("Core")],
            {acme.client.client_id: notes("one"), bolt.client.client_id: refuse},
        )
    with pytest.raises(DuplicateClient):
        any_store.write_batch(
            TEAM, [new_client("Core"), new_client("bolt")], {acme.client.client_id: notes("x")}
        )
    with pytest.raises(UnknownClient):
        any_store.write_batch(
            TEAM, [], {acme.client.client_id: notes("x"), "0123456789ab": notes("y")}
        )
    assert backend.snapshot() == before


def test_a_batch_killed_after_its_commit_is_finished_by_the_next_writer_or_opener(
    store: TinyDBStore, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TinyDB's atomicity across files: the redo file is the commit; applying it again after a
    crash mid-way makes the batch whole, before any other write."""
    clients = [add(store, f"Client {i}") for i in range(6)]
    real = tinydb_store.write_json_atomic
    written: list[Path] = []

    def dies_after_two(path: Path, data: object, *, durable: bool = True) -> None:
        if path.name != tinydb_store.BATCH_FILE and len(written) == 2:
            raise KeyboardInterrupt  # the process is killed half way through the batch
        if path.name != tinydb_store.BATCH_FILE:
            written.append(path)
        real(path, data, durable=durable)

    monkeypatch.setattr(tinydb_store, "write_json_atomic", dies_after_two)
    changes = {c.client.client_id: notes("batched") for c in clients}
    with pytest.raises(KeyboardInterrupt):
        store.write_batch(TEAM, [new_client("Late")], changes)
    monkeypatch.setattr(tinydb_store, "write_json_atomic", real)
    assert (root / tinydb_store.BATCH_FILE).exists()
    torn = [seqs(store, c.client.client_id) for c in clients]
    assert [2, 1] in torn and [1] in torn, "the kill left it half applied on disk"

    # The next process to open the store finishes it: every change, and the new client.
    reopened = TinyDBStore(root.with_suffix(".json"))
    assert [seqs(reopened, c.client.client_id) for c in clients] == [[2, 1]] * 6
    assert reopened.find(TEAM, "late") is not None
    assert not (root / tinydb_store.BATCH_FILE).exists()


def test_a_half_applied_batch_is_finished_before_the_next_write(
    store: TinyDBStore, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = add(store, "Acme"), add(store, "Bolt")
    real = tinydb_store.write_json_atomic

    def dies_at_once(path: Path, data: object, *, durable: bool = True) -> None:
        if path.name != tinydb_store.BATCH_FILE:
            raise KeyboardInterrupt
        real(path, data, durable=durable)

    monkeypatch.setattr(tinydb_store, "write_json_atomic", dies_at_once)
    with pytest.raises(KeyboardInterrupt):
        store.write_batch(
            TEAM, [], {a.client.client_id: notes("x"), b.client.client_id: notes("y")}
        )
    monkeypatch.setattr(tinydb_store, "write_json_atomic", real)
    assert seqs(store, a.client.client_id) == [1]
    # A command on one client of the batch: the batch is applied first, then the command.
    store.update(TEAM, a.client.client_id, notes("after"))
    assert seqs(store, a.client.client_id) == [3, 2, 1]
    assert seqs(store, b.client.client_id) == [2, 1]


def test_a_batch_killed_before_its_commit_leaves_nothing(
    store: TinyDBStore, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = add(store, "Acme")
    real = tinydb_store.write_json_atomic

    def dies_committing(path: Path, data: object, *, durable: bool = True) -> None:
        if path.name == tinydb_store.BATCH_FILE:
            raise KeyboardInterrupt
        real(path, data, durable=durable)

    monkeypatch.setattr(tinydb_store, "write_json_atomic", dies_committing)
    with pytest.raises(KeyboardInterrupt):
        store.write_batch(TEAM, [new_client("Late")], {a.client.client_id: notes("x")})
    monkeypatch.setattr(tinydb_store, "write_json_atomic", real)
    reopened = TinyDBStore(root.with_suffix(".json"))
    assert seqs(reopened, a.client.client_id) == [1]
    assert reopened.find(TEAM, "late") is None


# what the store refuses --------------------------------------------------------------------------
@pytest.mark.parametrize("team", BAD_TEAMS)
def test_team_ids_that_could_escape_the_folder_are_refused(
    any_store: Store, backend: Backend, team: str
) -> None:
    acme = add(any_store, "Acme Corp")
    before = backend.snapshot()
    calls = [
        lambda: any_store.add_client(*new_client("Evil", team=team)),
        lambda: any_store.import_clients([new_client("Evil", team=team)]),
        lambda: any_store.get(team, acme.client.client_id),
        lambda: any_store.find(team, "Acme Corp"),
        lambda: any_store.names(team),
        lambda: any_store.clients(team),
        lambda: any_store.update(team, acme.client.client_id, notes("x")),
        lambda: list(any_store.history(team, acme.client.client_id)),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="not a Slack team id"):
            call()
    assert backend.snapshot() == before


@pytest.mark.parametrize("client_id", ["../../x", "..", "", "a/b", "a\n", "x" * 65])
def test_client_ids_that_could_escape_the_folder_name_no_client(
    any_store: Store, backend: Backend, client_id: str
) -> None:
    add(any_store, "Acme Corp")
    before = backend.snapshot()
    assert any_store.get(TEAM, client_id) is None
    assert list(any_store.history(TEAM, client_id)) == []
    with pytest.raises(UnknownClient):
        any_store.update(TEAM, client_id, notes("x"))
    with pytest.raises(ValueError, match="not a client id"):
        any_store.add_client(*new_client("Evil", client_id=client_id))
    assert backend.snapshot() == before


def test_a_team_never_sees_another_teams_clients(any_store: Store, backend: Backend) -> None:
    mine = add(any_store, "Acme Corp", team="T0MINE")
    theirs = add(any_store, "Acme Corp", team="T0THEIRS")  # the same name is fine in another team
    any_store.update("T0THEIRS", theirs.client.client_id, notes("their secret"))
    assert any_store.find("T0MINE", "acme corp") == mine
    assert any_store.clients("T0MINE") == [mine]
    assert any_store.names("T0MINE") == {"acme corp": mine.client.client_id}
    # Knowing another team's client id gets you nothing.
    assert any_store.get("T0MINE", theirs.client.client_id) is None
    assert list(any_store.history("T0MINE", theirs.client.client_id)) == []
    with pytest.raises(UnknownClient):
        any_store.update("T0MINE", theirs.client.client_id, notes("x"))
    assert [e.text for e in any_store.history("T0MINE", mine.client.client_id)] == [""]
    if backend.name != "tinydb":
        return
    root = Path(backend.spec).with_suffix("")
    assert (
        "their secret"
        not in (root / "teams" / "T0MINE")
        .joinpath("clients", f"{mine.client.client_id}.json")
        .read_text()
    )


def test_text_with_a_lone_surrogate_is_stored(any_store: Store, backend: Backend) -> None:
    """A JSON payload can carry "\\ud800"; UTF-8 cannot encode it, so it is escaped, not lost."""
    acme = add(any_store, "Acme Corp")
    any_store.update(TEAM, acme.client.client_id, notes("half an emoji \ud83d and é"))
    assert [e.text for e in backend.open().history(TEAM, acme.client.client_id)][0] == (
        "half an emoji \ud83d and é"
    )


def test_a_catalogue_from_another_schema_is_refused(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_text(json.dumps({"meta": {"1": {"schema": 99}}}))
    with pytest.raises(StoreUnavailable, match="another version"):
        TinyDBStore(db_path)


def test_a_folder_from_before_the_checks_journal_is_upgraded_and_older_code_kept_out(
    db_path: Path,
) -> None:
    """Schema 1 had no checks journal: opening it marks it 2, which version-1 code refuses (it
    reads only the shards, so it would miss the dates the journal holds)."""
    db_path.parent.mkdir(parents=True)
    db_path.write_text(json.dumps({"meta": {"1": {"schema": 1, "layout": "partitioned"}}}))
    store = TinyDBStore(db_path)
    assert json.loads(db_path.read_text())["meta"]["1"] == {"schema": 2, "layout": "partitioned"}
    add(store, "acme")
    assert TinyDBStore(db_path).find(TEAM, "acme") is not None


def test_the_data_folder_holds_only_what_the_layout_says(store: TinyDBStore, root: Path) -> None:
    acme = add(store, "Acme Corp")
    for i in range(40):
        store.update(TEAM, acme.client.client_id, notes(f"n{i}"))
    cid = acme.client.client_id
    found = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    segments = {f"teams/{TEAM}/log/{cid}/{s:09d}.json" for s in (1, 17)}
    shard = store._check_shard(TEAM, cid).relative_to(root)
    assert found == {
        ".write.lock",
        f"teams/{TEAM}/index.json",
        f"teams/{TEAM}/clients/{cid}.json",
        str(shard),
        *segments,
    }
    assert os.path.exists(root.with_suffix(".json"))
    assert (
        json.loads(root.with_suffix(".json").read_text())["meta"]["1"]["schema"]
        == tinydb_store.SCHEMA_VERSION
    )


def test_read_many_hands_back_each_asked_record_in_order(any_store: Store) -> None:
    """The nudge pass reads a team's due clients through read_many: more than one batch here."""
    ids = [add(any_store, f"Client {i}").client.client_id for i in range(450)]
    asked = [ids[5], "0123456789ab", *reversed(ids), "../x"]
    found = list(any_store.read_many(TEAM, asked))
    assert [cid for cid, _ in found] == asked
    assert found[1][1] is None and found[-1][1] is None
    assert [r.client.client_id for _, r in found[2:-1]] == list(reversed(ids))
    assert found[0][1] == any_store.get(TEAM, ids[5])
    assert list(any_store.read_many("T0OTHER", ids[:3])) == [(cid, None) for cid in ids[:3]]
