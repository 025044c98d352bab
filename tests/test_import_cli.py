"""`python bot.py import`, as an operator runs it (a subprocess on the data folder): the dry
run, the import, the import again, a bad file, and which workspace."""

from __future__ import annotations

import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from domain.invoices import balance
from local_slack import LocalSlack
from service.commands import ClientCommands
from storage.tinydb_store import TinyDBStore
from tests.running import ROOT, operator_env, run_bot

FIXTURES = ROOT / "tests" / "fixtures" / "import"
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def import_(tmp_path: Path, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_bot(tmp_path, operator_env(DATABASE_PATH=str(db)), "import", *args)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A store with one workspace (so --team can be left out) and one client in it."""
    path = tmp_path / "data" / "tactful.json"
    reply = ClientCommands(TinyDBStore(path), UTC).run("T0TEAM1", "U0A", "add initech", NOW)
    assert ":warning:" not in reply.text
    return path


@pytest.mark.parametrize("name", ["tactful.csv", "xero.csv", "quickbooks.csv"])
def test_dry_run_import_and_import_again(tmp_path: Path, db: Path, name: str) -> None:
    before = snapshot(db.parent)
    dry = import_(tmp_path, db, str(FIXTURES / name), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Dry run into workspace T0TEAM1: nothing is stored." in dry.stdout
    assert "Would add 3 invoices:" in dry.stdout and "  + Acme Corp #" in dry.stdout
    assert snapshot(db.parent) == before

    done = import_(tmp_path, db, str(FIXTURES / name))
    assert done.returncode == 0, done.stderr
    assert "Added 3 invoices:" in done.stdout
    store = TinyDBStore(db)
    acme = store.find("T0TEAM1", "Acme Corp")
    assert acme is not None and len(acme.state.invoices) >= 1
    after = snapshot(db.parent)

    again = import_(tmp_path, db, str(FIXTURES / name))
    assert again.returncode == 0, again.stderr
    assert "Added no new clients." in again.stdout and "Added no invoices." in again.stdout
    assert "Skipped 3 invoices already in Tactful:" in again.stdout
    assert snapshot(db.parent) == after  # byte for byte: nothing was written


def test_tactful_file_shows_balances_and_joins_the_existing_client(
    tmp_path: Path, db: Path
) -> None:
    dry = import_(tmp_path, db, str(FIXTURES / "tactful.csv"), "--dry-run")
    # Initech is there already: not added again.
    assert "  + Initech" not in dry.stdout and "Would add 2 new clients:" in dry.stdout
    assert "  + Acme Corp #INV-101: £1,200.00, sent 2026-09-01, due 2026-10-01, £1,000.00 owed" in (
        dry.stdout
    )
    assert "  + Globex #G-7: €2,400.00, sent 2026-08-01, due 2026-08-31, paid in full" in dry.stdout
    assert import_(tmp_path, db, str(FIXTURES / "tactful.csv")).returncode == 0
    store = TinyDBStore(db)
    assert sorted(r.client.name for r in store.clients("T0TEAM1")) == [
        "Acme Corp",
        "Globex",
        "initech",
    ]
    acme = store.find("T0TEAM1", "acme corp")
    assert acme is not None
    assert [str(balance(i).amount) for i in acme.state.invoices] == ["1000.00", "500"]


def test_a_bad_row_stores_nothing_and_exits_2(tmp_path: Path, db: Path) -> None:
    before = snapshot(db.parent)
    bad = import_(tmp_path, db, str(FIXTURES / "bad.csv"))
    assert bad.returncode == 2
    assert "bad.csv was not imported; nothing was stored." in bad.stderr
    for line in (3, 4, 5):
        assert f"  line {line}: " in bad.stderr
    assert "line 2" not in bad.stderr  # the good row is not blamed
    assert snapshot(db.parent) == before
    assert bad.stdout == ""


def test_a_currency_that_isnt_money_stores_nothing_and_exits_2(tmp_path: Path, db: Path) -> None:
    csv = tmp_path / "xxx.csv"
    csv.write_text(
        "client,contact,type,invoice,sent,due,total,paid,paid on,currency\n"
        "Acme Corp,,,1,2026-03-01,2026-04-01,100,0,,GBP\n"
        "Globex,,,2,2026-03-01,2026-04-01,100,0,,XXX\n"
    )
    before = snapshot(db.parent)
    bad = import_(tmp_path, db, str(csv))
    assert bad.returncode == 2
    assert "xxx.csv was not imported; nothing was stored." in bad.stderr
    assert "  line 3: `XXX` (Unknown Currency) is an ISO code, but not of a currency" in bad.stderr
    assert snapshot(db.parent) == before


def test_ambiguous_dates_ask_for_dates_option(tmp_path: Path, db: Path) -> None:
    asked = import_(tmp_path, db, str(FIXTURES / "ambiguous.csv"))
    assert asked.returncode == 2 and "--dates dmy" in asked.stderr
    done = import_(tmp_path, db, str(FIXTURES / "ambiguous.csv"), "--dates", "dmy", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "sent 2026-04-03, due 2026-06-05" in done.stdout


def test_which_workspace(tmp_path: Path, db: Path) -> None:
    ClientCommands(TinyDBStore(db), UTC).run("T0TEAM2", "U0B", "add hooli", NOW)
    which = import_(tmp_path, db, str(FIXTURES / "xero.csv"))
    assert which.returncode == 2 and "which workspace?" in which.stderr
    assert "T0TEAM1, T0TEAM2" in which.stderr
    done = import_(tmp_path, db, str(FIXTURES / "xero.csv"), "--team", "T0TEAM2")
    assert done.returncode == 0, done.stderr
    store = TinyDBStore(db)
    assert store.find("T0TEAM2", "Wayne Ltd") is not None
    assert store.find("T0TEAM1", "Wayne Ltd") is None
    missing = import_(tmp_path, db, "nowhere.csv")
    assert missing.returncode == 2 and "there is no file 'nowhere.csv'" in missing.stderr


def test_owner_gets_new_clients_and_an_owner_must_be_a_user_id(tmp_path: Path, db: Path) -> None:
    bad = import_(tmp_path, db, str(FIXTURES / "xero.csv"), "--owner", "@sam")
    assert bad.returncode == 2 and "not a Slack user id" in bad.stderr
    done = import_(tmp_path, db, str(FIXTURES / "xero.csv"), "--owner", "U0SAM")
    assert done.returncode == 0, done.stderr
    assert "nowhere to go" not in done.stdout
    wayne = TinyDBStore(db).find("T0TEAM1", "Wayne Ltd")
    assert wayne is not None and wayne.client.owner == "U0SAM"
    # Without an owner or NUDGE_CHANNEL, the import says the nudges have nowhere to go yet.
    other = import_(tmp_path, db, str(FIXTURES / "quickbooks.csv"))
    assert "nowhere to go yet" in other.stdout


def test_an_empty_store_names_the_consoles_workspace(tmp_path: Path) -> None:
    db = tmp_path / "empty" / "tactful.json"
    asked = import_(tmp_path, db, str(FIXTURES / "xero.csv"))
    assert asked.returncode == 2 and "it has none yet" in asked.stderr
    assert "`python bot.py console` it is --team TCONSOLE" in asked.stderr
    done = import_(tmp_path, db, str(FIXTURES / "xero.csv"), "--team", "TCONSOLE")
    assert done.returncode == 0, done.stderr


def test_now_lets_a_pretend_day_import_a_file_dated_after_the_machines_today(
    tmp_path: Path, db: Path
) -> None:
    # A scenario played on pretend days (the console's `scan --now`) imports its invoices on
    # those days too: far enough ahead that no real today reaches them.
    csv = tmp_path / "ahead.csv"
    csv.write_text(
        "client,contact,type,invoice,sent,due,total,paid,paid on,currency\n"
        "Far Future Ltd,Ana,late-payer,FF-1,2999-01-04,2999-02-03,400.00,0,,GBP\n",
        encoding="utf-8",
    )
    refused = import_(tmp_path, db, str(csv))
    assert refused.returncode == 2 and "2999-01-04 is in the future" in refused.stderr
    done = import_(tmp_path, db, str(csv), "--now", "2999-01-10T10:00")
    assert done.returncode == 0, done.stderr
    record = TinyDBStore(db).find("T0TEAM1", "Far Future Ltd")
    assert record is not None and record.state.invoices[0].sent_on == date(2999, 1, 4)
    bad = import_(tmp_path, db, str(csv), "--now", "next week")
    assert bad.returncode == 2 and "--now 'next week' is not an ISO date-time" in bad.stderr


def test_one_workspace_deployment_takes_the_workspace_from_its_bot_token(
    tmp_path: Path, db: Path, slack: LocalSlack
) -> None:
    # The store alone can't tell (two workspaces), but the bot token is T0TEAM1's.
    ClientCommands(TinyDBStore(db), UTC).run("T0TEAM2", "U0B", "add hooli", NOW)
    env = operator_env(
        DATABASE_PATH=str(db), SLACK_BOT_TOKEN="xoxb-one-workspace", SLACK_API_URL=slack.url
    )
    done = run_bot(tmp_path, env, "import", str(FIXTURES / "xero.csv"))
    assert done.returncode == 0, done.stderr
    assert "Imported into workspace T0TEAM1." in done.stdout
    assert [c.method for c in slack.calls] == ["auth.test"]
    store = TinyDBStore(db)
    assert store.find("T0TEAM1", "Wayne Ltd") is not None
    assert store.find("T0TEAM2", "Wayne Ltd") is None
