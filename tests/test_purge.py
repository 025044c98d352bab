"""`python bot.py purge` with one bot token: the workspace's record goes, the audit log (SQLite
in the data folder) keeps a line of it, and every other workspace stays."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import bot
from config import Config
from service.commands import ClientCommands
from service.workspaces import AuditLog
from storage.tinydb_store import TinyDBStore
from tests.conftest import Clock
from tests.running import ROOT, run_bot


def test_purge_with_one_bot_token(tmp_path: Path, clock: Clock) -> None:
    db = tmp_path / "data" / "tactful.json"
    store = TinyDBStore(db)
    commands = ClientCommands(store, UTC)
    for team in ("T0GONE", "T0STAYS"):
        assert ":warning:" not in commands.run(team, "U0A", "add acme", clock.now).text
    env = {"DATABASE_PATH": str(db), "PATH": "", "PYTHONPATH": str(ROOT), "LOG_LEVEL": "INFO"}
    done = run_bot(tmp_path, env, "purge", "--team", "T0GONE", "--yes")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "Purged workspace T0GONE: 1 clients, 1 interactions deleted (recorded in the audit log)."
    )
    assert "Purged workspace T0GONE for " in done.stderr  # the log line
    assert store.teams() == ["T0STAYS"]
    (entry,) = bot._open_workspaces_db(Config("", "", database_path=db), AuditLog).entries()
    assert (entry["team_id"], entry["details"]) == ("T0GONE", {"clients": 1, "interactions": 1})
    assert (tmp_path / "data" / "tactful" / "workspaces.sqlite3").is_file()
