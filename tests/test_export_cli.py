"""`python bot.py export`: the same files as `/client export`, written to a folder, for one
client or the whole store, as an operator runs it (a subprocess on the data folder). The
workspace is in Auckland (UTC+13 in November), so its dates and times differ from UTC's."""

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
    env = operator_env(DATABASE_PATH=str(db), TIMEZONE="Pacific/Auckland")
    return run_bot(tmp_path, env, "export", *args)


def test_one_client_to_a_folder(tmp_path: Path) -> None:
    db = tmp_path / "data" / "tactful.json"
    store = seed(db)
    done = export(tmp_path, db, "globex", "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "out" / "T0TEAM1"
    written = sorted(p.name for p in folder.iterdir())
    assert len(written) == 3 and all(p.startswith("globex-record-") for p in written)
    assert [p for p in written if p.endswith("-internal.csv")] and [
        p for p in written if p.endswith(".md")
    ]
    assert done.stdout.count(str(folder)) == 3  # each file's path is printed

    # acme is in two workspaces: the name alone is ambiguous; --team picks one.
    done = export(tmp_path, db, "acme", "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "several workspaces" in done.stderr
    out = str(tmp_path / "out")
    # 09:00 on 28 November in Auckland is still the 27th in UTC: the file is named by the former.
    done = export(
        tmp_path, db, "acme", "--team", "T0TEAM2", "--out", out, "--now", "2026-11-28T09:00"
    )
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "out" / "T0TEAM2"
    assert sorted(p.name for p in folder.iterdir()) == [
        "acme-record-2026-11-28-internal.csv",
        "acme-record-2026-11-28.csv",
        "acme-record-2026-11-28.md",
    ]
    record = store.find("T0TEAM2", "acme")
    reader = (folder / "acme-record-2026-11-28.csv").read_text(encoding="utf-8")
    internal = (folder / "acme-record-2026-11-28-internal.csv").read_text(encoding="utf-8")
    # The reader's columns, then one row per entry, logged at 10:00 UTC: 23:00 in Auckland.
    assert reader.splitlines()[0] == "date,what,who,reference,amount,due,text,entry"
    assert from_csv(reader) == [
        {"date": "2026-11-27 23:00", "what": "added to Tactful", "who": "U0A", "entry": "e1"},
        {
            "date": "2026-11-27 23:00",
            "what": "note",
            "who": "U0A",
            "text": "another workspace's acme",
            "entry": "e2",
        },
    ]
    # Every stored field is in the internal file, the ids the reader's file leaves out included.
    rows = from_csv(internal)
    seqs = [int(r["id"]) for r in rows if r["record"] == "entry"]
    assert sorted(seqs) == sorted(e.seq for e in store.history("T0TEAM2", record.client.client_id))
    assert record.client.client_id in internal and record.client.client_id not in reader
    assert "another workspace's acme" in internal

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
        "T0TEAM1/acme-internal.csv",
        "T0TEAM1/acme.csv",
        "T0TEAM1/acme.md",
        "T0TEAM1/globex-internal.csv",
        "T0TEAM1/globex.csv",
        "T0TEAM1/globex.md",
        "T0TEAM2/acme-internal.csv",
        "T0TEAM2/acme.csv",
        "T0TEAM2/acme.md",
    ]
    done = export(tmp_path, db, "--all", "--team", "T0TEAM2", "--out", "only2")
    assert done.returncode == 0
    assert [p.name for p in (tmp_path / "only2").iterdir()] == ["T0TEAM2"]
    assert export(tmp_path, db).returncode == 2, "a name or --all is needed"
