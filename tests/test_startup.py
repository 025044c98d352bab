"""Start-up when something is wrong: one clear line and the right exit code, never a traceback.

Exit 2: a setting, the token or the data folder needs fixing (restarting won't help).
Exit 3: Slack stayed unreachable or failing for SLACK_STARTUP_WAIT seconds (try again later).
Each runs `python bot.py` as an operator would, against the fake Slack.
"""

from __future__ import annotations

import errno
import socket
import subprocess
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import bot
import storage.atomic as atomic
from config import Config
from local_slack import Failure, LocalSlack
from service.commands import ClientCommands
from storage.tinydb_store import TinyDBStore
from tests.running import bot_env, free_port, run_bot, start_bot, stop_bot
from tests.slack_http import SECRET, TEAM1


def healthz(url: str) -> int:
    """GET /healthz once the server accepts connections (it logs just before listening)."""
    for _ in range(200):
        try:
            with urllib.request.urlopen(url, timeout=5) as res:
                return res.status
        except ConnectionRefusedError:
            time.sleep(0.025)
        except urllib.error.URLError as err:
            if not isinstance(err.reason, ConnectionRefusedError):
                raise
            time.sleep(0.025)
    raise AssertionError(f"{url} never answered")


def last_line(done: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in done.stderr, done.stderr
    assert SECRET not in done.stdout + done.stderr
    return done.stderr.strip().splitlines()[-1]


# data ---------------------------------------------------------------------------------------------
def test_a_damaged_catalogue_stops_start_up_in_one_line(tmp_path: Path, slack: LocalSlack) -> None:
    catalogue = tmp_path / "data" / "tactful.json"
    catalogue.parent.mkdir()
    catalogue.write_bytes(b'{"meta": {"1": {"sche')
    done = run_bot(tmp_path, bot_env(tmp_path, slack.url))
    assert done.returncode == 2
    assert last_line(done) == (
        f"data: DATABASE_PATH: the catalogue {catalogue} is damaged (not valid JSON at line 1 "
        "column 17): restore it from a backup (the client data in its folder is untouched)"
    )
    assert done.stderr.count("\n") == 1
    assert slack.calls_to("auth.test") == [], "the data is checked before Slack"


def test_a_data_folder_that_cant_be_made_stops_start_up_in_one_line(
    tmp_path: Path, slack: LocalSlack
) -> None:
    """Tests run as root, so a chmod'ed folder wouldn't stop them: a file where a folder must
    be makes every write fail the same way."""
    (tmp_path / "not-a-folder").write_text("")
    env = bot_env(tmp_path, slack.url, DATABASE_PATH=str(tmp_path / "not-a-folder" / "t.json"))
    done = run_bot(tmp_path, env)
    assert done.returncode == 2
    line = last_line(done)
    assert line.startswith("data: DATABASE_PATH: the data folder ")
    assert "can't be written (Not a directory, ENOTDIR): check DATABASE_PATH" in line


def test_a_read_only_data_folder_stops_start_up_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """In-process, with the file system's EROFS simulated where every write starts (root
    ignores chmod, and a read-only mount needs privileges tests don't have)."""
    env = bot_env(tmp_path, "http://127.0.0.1:9/api/")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(atomic.tempfile, "mkstemp", read_only)
    with pytest.raises(SystemExit) as done:
        bot.main(["serve"])
    assert done.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("data: DATABASE_PATH: the data folder")
    assert "can't be written (Read-only file system, EROFS)" in err[0]


# Slack -----------------------------------------------------------------------------------------
def test_slack_500s_at_start_up_are_waited_out_not_blamed_on_the_token(
    tmp_path: Path, slack: LocalSlack
) -> None:
    slack.fail("auth.test", Failure(status=500), Failure(status=503))
    env = bot_env(tmp_path, slack.url, SLACK_STARTUP_WAIT="30")
    proc = start_bot(tmp_path, env)
    seen: list[str] = []
    try:
        # Two failures, then auth.test succeeds (ours, then Bolt's), and it serves.
        assert proc.stderr is not None
        for line in proc.stderr:
            seen.append(line)
            if "Tactful is serving Slack requests" in line:
                break
        assert len(slack.calls_to("auth.test")) == 4
        assert healthz(f"http://127.0.0.1:{env['PORT']}/healthz") == 200
    finally:
        out, rest = stop_bot(proc)
    err = "".join(seen) + rest
    assert proc.returncode == 0, err
    assert "refused" not in err and "invalid" not in err
    assert "Slack is not answering at start-up (HTTP 500 fatal_error); trying again in 1 s" in err
    assert "(HTTP 503 fatal_error); trying again in 2 s" in err
    assert SECRET not in out + err


def test_slack_failing_for_the_whole_wait_ends_in_one_line_and_exit_3(
    tmp_path: Path, slack: LocalSlack
) -> None:
    slack.fail("auth.test", *[Failure(status=500)] * 5)
    done = run_bot(tmp_path, bot_env(tmp_path, slack.url, SLACK_STARTUP_WAIT="1"))
    assert done.returncode == 3
    line = last_line(done)
    assert line.startswith("slack: could not check SLACK_BOT_TOKEN with Slack for 1 s (HTTP 500")
    assert "refused" not in done.stderr and "invalid" not in done.stderr
    assert len(slack.calls_to("auth.test")) == 2, "one try, one retry after 1 s, then stop"


def test_slack_unreachable_ends_in_one_line_and_exit_3(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}/api/"
    done = run_bot(tmp_path, bot_env(tmp_path, closed, SLACK_STARTUP_WAIT="0"))
    assert done.returncode == 3
    assert last_line(done).startswith(
        "slack: could not check SLACK_BOT_TOKEN with Slack for 0 s (unreachable: "
    )
    assert "refused SLACK_BOT_TOKEN" not in done.stderr


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (
            Failure(status=200, body={"ok": False, "error": "token_revoked"}),
            "config: Slack refused SLACK_BOT_TOKEN at start-up (token_revoked)",
        ),
        (Failure(status=404), "config: SLACK_API_URL answered HTTP 404: is it Slack's Web API?"),
    ],
)
def test_a_refusal_is_not_retried(
    tmp_path: Path, slack: LocalSlack, failure: Failure, expected: str
) -> None:
    slack.fail("auth.test", failure)
    done = run_bot(tmp_path, bot_env(tmp_path, slack.url))
    assert done.returncode == 2
    assert last_line(done) == expected
    assert len(slack.calls_to("auth.test")) == 1


# HOST and PORT --------------------------------------------------------------------------------
def a_client_with_a_nudge_due(tmp_path: Path) -> dict[str, str]:
    """A data folder with a client quiet for 30 days, and settings under which a pass run now
    would post its nudge (the alert and its suggestion), whatever the wall clock says."""
    store = TinyDBStore(tmp_path / "data" / "tactful.json")
    now = datetime.now(UTC)
    commands = ClientCommands(store, UTC)
    assert ":warning:" not in commands.run(TEAM1, "U0A", "add acme in <#C0ACME|acme>", now).text
    asked_on = (now - timedelta(days=30)).date().isoformat()
    reply = commands.run(TEAM1, "U0A", f"asked acme the logo on {asked_on}", now)
    assert ":warning:" not in reply.text
    return {"WORKING_DAYS": "mon-sun", "WORKING_HOURS": "00:00-23:59"}


def test_a_port_in_use_stops_start_up_in_one_line_before_any_pass(
    tmp_path: Path, slack: LocalSlack
) -> None:
    due = a_client_with_a_nudge_due(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_bot(tmp_path, bot_env(tmp_path, slack.url, PORT=str(port), **due))
    assert done.returncode == 2
    assert slack.calls_to("chat.postMessage") == [], "the port is checked before any pass"
    assert last_line(done) == (
        f"config: HOST=127.0.0.1, PORT={port}: can't listen there (another program is using "
        "the port: stop it, or choose another PORT)"
    )
    assert "Nudge pass" not in done.stderr


@pytest.mark.parametrize(
    ("host", "why"),
    [
        ("256.1.1.1", "HOST is not an IP address or a host name this machine can look up"),
        ("192.0.2.1", "HOST is not an address of this machine"),  # TEST-NET-1: nobody's
    ],
)
def test_a_host_that_cant_be_listened_on_stops_start_up_in_one_line_before_any_pass(
    tmp_path: Path, slack: LocalSlack, host: str, why: str
) -> None:
    due = a_client_with_a_nudge_due(tmp_path)
    env = bot_env(tmp_path, slack.url, HOST=host, **due)
    done = run_bot(tmp_path, env)
    assert done.returncode == 2
    assert slack.calls_to("chat.postMessage") == [], "the host is checked before any pass"
    line = last_line(done)
    assert line.startswith(f"config: HOST={host}, PORT={env['PORT']}: can't listen there ({why}")


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ({}, "NUDGE_CHANNEL, which is not set"),
        ({"client_id": "1.2", "client_secret": "s"}, "no one NUDGE_CHANNEL"),
        ({"nudge_channel": "C0NUDGES"}, None),
        ({"digest": None}, None),  # DIGEST=off
    ],
)
def test_start_up_says_why_the_weekly_digest_has_nowhere_to_go(
    settings: dict, said: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="tactful"):
        bot.log_why_no_digest(Config("xoxb-1", "s", **settings))
    lines = [r.getMessage() for r in caplog.records]
    assert (lines == []) if said is None else (len(lines) == 1 and said in lines[0])
