"""The derived per-workspace overview: each client's summary is made once and reused until its
record changes, across processes, and costs the write path nothing."""

from __future__ import annotations

import json
import os
from pathlib import Path

from domain.models import ClientRecord
from storage.atomic import file_clock_ns
from storage.base import Store
from storage.tinydb_store import TinyDBStore
from tests.storage.conftest import Backend
from tests.storage.support import TEAM, new_client, notes, snapshot


class Summarise:
    """Counts the records it is handed: each is one client file read and decoded."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, record: ClientRecord) -> str:
        self.seen.append(record.client.name)
        return f"{record.client.name}:{record.next_seq}"


HOUR_AGO: list[float] = []


def settle(store: Store) -> None:
    """Age every client file past the file system clock's last tick (see `overview`). (A
    PostgreSQL record's version counts its writes: nothing to wait for there.)"""
    if not isinstance(store, TinyDBStore):
        return
    folder = store.root / "teams" / TEAM / "clients"
    # An hour before the first settle, on the clock that stamps the files (which CI's moved
    # clock leaves alone); the same moment each time, so a settled file's stat stays put.
    if not HOUR_AGO:
        HOUR_AGO.append(file_clock_ns(folder) / 1e9 - 3600)
    for path in folder.iterdir():
        os.utime(path, (HOUR_AGO[0], HOUR_AGO[0]))


def overview(store: Store, version: str = "2026-11-27") -> tuple[list[str], list[str]]:
    summarise = Summarise()
    found = store.overview(TEAM, summarise, str, version)
    return sorted(found.summaries), sorted(summarise.seen)


def test_summaries_are_reused_until_the_record_changes(store: TinyDBStore, db_path: Path) -> None:
    ids = {n: store.add_client(*new_client(n)).client.client_id for n in ("a", "b", "c")}
    settle(store)
    assert overview(store) == (["a:2", "b:2", "c:2"], ["a", "b", "c"])
    assert overview(store) == (["a:2", "b:2", "c:2"], [])

    store.update(TEAM, ids["b"], notes("one more"))
    # Just written: read each time until it is older than the clock's tick, then kept.
    assert overview(store) == (["a:2", "b:3", "c:2"], ["b"])
    assert overview(store) == (["a:2", "b:3", "c:2"], ["b"])
    settle(store)  # (moving mtime changes the file's stat: read once more, then kept)
    assert overview(store) == (["a:2", "b:3", "c:2"], ["b"])
    assert overview(store) == (["a:2", "b:3", "c:2"], [])

    # Another process (a second store on the same folder) reuses the saved summaries.
    assert overview(TinyDBStore(db_path)) == (["a:2", "b:3", "c:2"], [])
    # A new day (or new rules) makes every summary again.
    assert overview(store, "2026-11-28") == (["a:2", "b:3", "c:2"], ["a", "b", "c"])


def test_on_every_store_summaries_are_kept_until_the_record_or_the_version_changes(
    any_store: Store, backend: Backend
) -> None:
    store = any_store
    ids = {n: store.add_client(*new_client(n)).client.client_id for n in ("a", "b", "c")}
    settle(store)
    assert overview(store) == (["a:2", "b:2", "c:2"], ["a", "b", "c"])
    assert overview(store) == (["a:2", "b:2", "c:2"], [])
    store.update(TEAM, ids["b"], notes("one more"))
    assert overview(store)[0] == ["a:2", "b:3", "c:2"]  # seen at once...
    settle(store)
    overview(store)
    assert overview(store) == (["a:2", "b:3", "c:2"], [])  # ...then kept again
    # Another process reuses the kept summaries, and its own writes are seen at once.
    other = backend.open()
    assert overview(other) == (["a:2", "b:3", "c:2"], [])
    other.update(TEAM, ids["c"], notes("from elsewhere"))
    assert overview(store) == (["a:2", "b:3", "c:3"], ["c"])
    # A new day (or new rules) makes every summary again.
    assert overview(store, "2026-11-28") == (["a:2", "b:3", "c:3"], ["a", "b", "c"])


def test_a_change_by_another_process_is_seen_at_once(store: TinyDBStore, db_path: Path) -> None:
    acme = store.add_client(*new_client("acme")).client.client_id
    settle(store)
    assert overview(store)[0] == ["acme:2"]
    TinyDBStore(db_path).update(TEAM, acme, notes("from elsewhere"))
    assert overview(store) == (["acme:3"], ["acme"])


def test_the_overview_is_not_on_the_write_path(store: TinyDBStore) -> None:
    acme = store.add_client(*new_client("acme")).client.client_id
    settle(store)
    overview(store)
    saved = store.root / "teams" / TEAM / "overview.json"
    before = saved.read_bytes()
    store.update(TEAM, acme, notes("a write"))
    assert saved.read_bytes() == before, "commands never rewrite it"


def test_a_damaged_or_foreign_overview_file_is_rebuilt(store: TinyDBStore, db_path: Path) -> None:
    store.add_client(*new_client("acme"))
    settle(store)
    overview(store)
    saved = store.root / "teams" / TEAM / "overview.json"
    for junk in (b"{", b"[]", b'{"version": "2026-11-27", "clients": {"x": 5}}'):
        saved.write_bytes(junk)
        assert overview(TinyDBStore(db_path)) == (["acme:2"], ["acme"])
        assert json.loads(saved.read_bytes())["version"] == "2026-11-27"


def test_a_record_written_within_the_clocks_last_tick_is_never_kept(
    store: TinyDBStore,
) -> None:
    """The identity is (inode, mtime, size): a record rewritten within one tick of a coarse
    file system clock, to the same size, could reuse a freed inode and look unchanged. So a
    summary is kept only once its file is older than any such tick."""
    store.add_client(*new_client("acme"))
    assert overview(store) == (["acme:2"], ["acme"])
    assert overview(store) == (["acme:2"], ["acme"]), "just written: read again"
    assert not (store.root / "teams" / TEAM / "overview.json").exists()


def test_the_layout_holds_the_overview_only_once_asked(store: TinyDBStore) -> None:
    store.add_client(*new_client("acme"))
    names = set(snapshot(store.root))
    assert f"teams/{TEAM}/overview.json" not in names
    settle(store)
    overview(store)
    assert f"teams/{TEAM}/overview.json" in set(snapshot(store.root))
