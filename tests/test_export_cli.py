"""`python bot.py export`: the same files as `/client export`, written to a folder, for one
client or the whole store, as an operator runs it (a subprocess on the data folder)."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from domain.export import from_csv
from service.commands import ClientCommands
from storage.tinydb_store import TinyDBStore
from tests.running import operator_env, run_bot

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def seed(db: Path) -> TinyDBStore:
    store = TinyDBStore(db)
    for team, lines in {
        "T0TEAM1": ["add acme", "asked acme logo", "invoice acme 100 due 2026-12-01", "add globex"],
        "T0TEAM2": ["add acme", "note acme another workspace's acme"],
    }.items():
        for line in lines:
            reply = ClientCommands(store, UTC).run(team, "U0A", line, NOW)
            assert ":warning:" not in reply.text, reply.text
    return store


def export(tmp_path: Path, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_bot(tmp_path, operator_env(DATABASE_PATH=str(db)), "export", *args)


def test_one_client_to_a_folder(tmp_path: Path) -> None:
    db = tmp_path / "data" / "tactful.json"
    store = seed(db)
    done = export(tmp_path, db, "globex", "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "out" / "T0TEAM1"
    written = sorted(p.name for p in folder.iterdir())
    assert len(written) == 2 and written[0].startswith("globex-record-")
    assert [p for p in written if p.endswith(".csv")] and [p for p in written if p.endswith(".md")]
    assert done.stdout.count(str(folder)) == 2  # each file's path is printed

    # acme is in two workspaces: the name alone is ambiguous; --team picks one.
    done = export(tmp_path, db, "acme", "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "several workspaces" in done.stderr
    done = export(tmp_path, db, "acme", "--team", "T0TEAM2", "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    csv_file = next((tmp_path / "out" / "T0TEAM2").glob("acme-*.csv"))
    rows = from_csv(csv_file.read_text(encoding="utf-8"))
    record = store.find("T0TEAM2", "acme")
    seqs = [int(r["id"]) for r in rows if r["record"] == "entry"]
    assert sorted(seqs) == sorted(e.seq for e in store.history("T0TEAM2", record.client.client_id))
    assert "another workspace's acme" in csv_file.read_text(encoding="utf-8")

    done = export(tmp_path, db, "nobody")
    assert done.returncode == 2 and "no client called 'nobody'" in done.stderr


def test_all_writes_every_client_of_every_workspace(tmp_path: Path) -> None:
    db = tmp_path / "data" / "tactful.json"
    seed(db)
    done = export(tmp_path, db, "--all", "--out", "archive")
    assert done.returncode == 0, done.stderr
    files = sorted(
        str(p.relative_to(tmp_path / "archive")) for p in (tmp_path / "archive").rglob("*")
    )
    names = [re.sub(r"-record-\d{4}-\d{2}-\d{2}", "", f) for f in files if "." in f]
    assert names == [
        "T0TEAM1/acme.csv",
        "T0TEAM1/acme.md",
        "T0TEAM1/globex.csv",
        "T0TEAM1/globex.md",
        "T0TEAM2/acme.csv",
        "T0TEAM2/acme.md",
    ]
    done = export(tmp_path, db, "--all", "--team", "T0TEAM2", "--out", "only2")
    assert done.returncode == 0
    assert [p.name for p in (tmp_path / "only2").iterdir()] == ["T0TEAM2"]
    assert export(tmp_path, db).returncode == 2, "a name or --all is needed"
