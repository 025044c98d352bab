"""TinyDBStore.purge_team: one workspace's whole record goes, in one step a crash can't leave
half done; every other workspace's stays exactly as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.tinydb_store import TAIL_MAX, TinyDBStore
from tests.storage.support import AT, new_client, notes, snapshot


def test_purge_deletes_one_team_whole_and_counts_what_went(store: TinyDBStore) -> None:
    acme = store.add_client(*new_client("acme", "T0GONE"))
    store.add_client(*new_client("globex", "T0GONE"))
    # Enough notes to roll part of the history into segment files.
    store.update("T0GONE", acme.client.client_id, notes(*(f"n{i}" for i in range(TAIL_MAX + 3))))
    stays = store.add_client(*new_client("acme", "T0STAYS"))
    store.update("T0STAYS", stays.client.client_id, notes("kept"))
    before = snapshot(store.root / "teams" / "T0STAYS")

    counts = store.purge_team("T0GONE")

    assert counts == {"clients": 2, "interactions": 2 + TAIL_MAX + 3}
    assert store.teams() == ["T0STAYS"]
    assert store.find("T0GONE", "acme") is None and store.names("T0GONE") == {}
    assert store.due_for_check("T0GONE", AT.date()) == []
    assert not (store.root / "teams" / "T0GONE").exists()
    assert not any((store.root / ".purged").iterdir())
    assert snapshot(store.root / "teams" / "T0STAYS") == before
    # A second purge (or one of a team never seen) deletes nothing and says so.
    assert store.purge_team("T0GONE") == {"clients": 0, "interactions": 0}


def test_a_purge_killed_after_its_rename_is_finished_when_the_store_next_opens(
    store: TinyDBStore, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.add_client(*new_client("acme", "T0GONE"))

    def killed(*_a: object, **_k: object) -> None:
        raise KeyboardInterrupt  # the process dies between the rename and the deletion

    monkeypatch.setattr("storage.tinydb_store.shutil.rmtree", killed)
    with pytest.raises(KeyboardInterrupt):
        store.purge_team("T0GONE")
    # Already gone for every reader: the rename was the commit.
    assert store.teams() == [] and store.find("T0GONE", "acme") is None
    assert any((store.root / ".purged").iterdir())
    monkeypatch.undo()
    TinyDBStore(db_path)
    assert not (store.root / ".purged").exists()


def test_purge_refuses_what_is_not_a_team_id(store: TinyDBStore) -> None:
    with pytest.raises(ValueError):
        store.purge_team("../T0GONE")
