"""Settings: every problem reported at once, one line each, never a secret's value; and
`python bot.py` refusing to start on bad settings with exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import config
from config import SETTINGS, Config, ConfigError
from local_slack import Failure, LocalSlack
from tests.running import free_port

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot.py"
SECRET = "sekrit-9f3a7c-never-print-me"


def valid_env(**changes: str) -> dict[str, str]:
    env = {
        "SLACK_BOT_TOKEN": f"xoxb-{SECRET}",
        "SLACK_SIGNING_SECRET": SECRET,
    }
    env.update(changes)
    return env


# config.load ---------------------------------------------------------------------------------
def test_defaults() -> None:
    c = config.load(valid_env())
    assert c.bot_token == f"xoxb-{SECRET}"
    assert c.timezone == ZoneInfo("UTC")
    assert c.port == 3000 and c.host == "127.0.0.1"
    assert c.slack_api_url == "https://slack.com/api/"
    assert c.database_path == Path("data/tactful.json")
    assert c.work_days == (0, 1, 2, 3, 4)
    assert (c.work_start, c.work_end) == (time(9, 0), time(17, 30))
    assert not c.socket_mode
    assert c.auto_heard is True


@pytest.mark.parametrize(("value", "on"), [("on", True), ("OFF", False), ("false", False)])
def test_auto_heard_switches_the_logging_of_replies(value: str, on: bool) -> None:
    assert config.load(valid_env(AUTO_HEARD=value)).auto_heard is on


def test_auto_heard_must_be_on_or_off() -> None:
    with pytest.raises(ConfigError) as err:
        config.load(valid_env(AUTO_HEARD="sometimes"))
    assert err.value.problems == [
        "AUTO_HEARD='sometimes' should be on or off (log clients' replies in their shared "
        "channels by themselves)."
    ]


def test_values_are_read_and_normalised() -> None:
    c = config.load(
        valid_env(
            SLACK_APP_TOKEN="xapp-1-abc",
            TIMEZONE=" Europe/London ",
            PORT="8080",
            SLACK_API_URL="http://127.0.0.1:9/api",
            NUDGE_CHANNEL="C0123ABCD",
            GRACE_DAYS="3",
            WORKING_HOURS="08:30-18:00",
            WORKING_DAYS="mon,wed,fri",
            SCAN_MINUTES="5",
            SLACK_STARTUP_WAIT="30",
            APPROVERS="U0ALICE, S0DESIGN",
            TWO_PERSON_STOP_WORK="yes",
            DATABASE_PATH="/srv/tactful/db.json",
        )
    )
    assert c.socket_mode
    assert c.timezone == ZoneInfo("Europe/London")
    assert c.port == 8080
    assert c.slack_api_url == "http://127.0.0.1:9/api/"
    assert c.nudge_channel == "C0123ABCD"
    assert c.ladders.grace_days == 3
    assert (c.work_start, c.work_end) == (time(8, 30), time(18, 0))
    assert c.work_days == (0, 2, 4)
    assert c.scan_minutes == 5
    assert c.slack_startup_wait == 30
    assert c.approvers == ("U0ALICE", "S0DESIGN")
    assert c.two_person_stop_work is True
    assert c.database_path == Path("/srv/tactful/db.json")


def test_secrets_stay_out_of_repr() -> None:
    c = config.load(valid_env(SLACK_APP_TOKEN=f"xapp-{SECRET}"))
    assert SECRET not in repr(c)


def test_console_mode_needs_no_slack_settings() -> None:
    assert isinstance(config.load({}, need_slack=False), Config)
    with pytest.raises(ConfigError):
        config.load({})


def test_every_problem_is_reported_at_once() -> None:
    env = {
        "SLACK_BOT_TOKEN": "",
        "SLACK_SIGNING_SECRET": "",
        "TIMEZONE": "Mars/Olympus_Mons",
        "PORT": "99999",
        "SLACK_API_URL": "slack.com/api",
        "NUDGE_CHANNEL": "#general",
        "WORDING_PATH": "/no/such/folder",
        "GRACE_DAYS": "lots",
        "WORKING_HOURS": "9-5",
        "WORKING_DAYS": "fri-mon",
        "SCAN_MINUTES": "0",
        "APPROVERS": "alice",
        "TWO_PERSON_STOP_WORK": "maybe",
    }
    with pytest.raises(ConfigError) as err:
        config.load(env)
    problems = err.value.problems
    expected = [
        "SLACK_BOT_TOKEN is missing",
        "SLACK_SIGNING_SECRET is missing",
        "TIMEZONE='Mars/Olympus_Mons' is not an IANA time zone name",
        "PORT='99999' is not a port number (1-65535)",
        "SLACK_API_URL='slack.com/api' is not an http(s) URL",
        "NUDGE_CHANNEL='#general' should be a channel ID like C0123ABCD",
        "WORDING_PATH='/no/such/folder' is not a folder",
        "GRACE_DAYS='lots' should be a number of days from 0 to 60",
        "WORKING_HOURS='9-5' should look like 09:00-17:30",
        "WORKING_DAYS='fri-mon' should look like mon-fri",
        "SCAN_MINUTES='0' should be a number of minutes from 1 to 240",
        "APPROVERS should list user IDs",
        "TWO_PERSON_STOP_WORK='maybe' should be true or false",
    ]
    assert len(problems) == len(expected)
    for fragment, problem in zip(expected, problems, strict=True):
        assert fragment in problem
    assert all("\n" not in p for p in problems), "one line per problem"
    assert str(err.value).splitlines() == problems


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"SLACK_BOT_TOKEN": SECRET}, "should start with xoxb-"),
        ({"SLACK_BOT_TOKEN": f"xoxp-{SECRET}"}, "should start with xoxb-"),
        ({"SLACK_APP_TOKEN": f"xoxb-{SECRET}"}, "should start with xapp-"),
        ({"PORT": "0"}, "PORT='0'"),
        ({"PORT": "http"}, "PORT='http'"),
        ({"WORKING_HOURS": "17:00-09:00"}, "the end must come after the start"),
        ({"WORKING_HOURS": "25:00-26:00"}, "should look like 09:00-17:30"),
        ({"GRACE_DAYS": "61"}, "from 0 to 60"),
        ({"SCAN_MINUTES": "241"}, "from 1 to 240"),
        ({"MAX_BODY_BYTES": "1MB"}, "MAX_BODY_BYTES='1MB' should be a number of bytes"),
        ({"MAX_BODY_BYTES": "100"}, "from 1024 to 104857600"),
        (
            {"APPROVERS": "U0BOSS", "TWO_PERSON_STOP_WORK": "true"},
            "TWO_PERSON_STOP_WORK=true needs two different approvers, but APPROVERS names only U0BOSS",
        ),
        ({"SLACK_STARTUP_WAIT": "3601"}, "from 0 to 3600"),
        (
            {"DATABASE_TIMEOUT": "0"},
            "DATABASE_TIMEOUT='0' should be a number of seconds from 1 to 60",
        ),
        ({"DATABASE_TIMEOUT": "2.5"}, "DATABASE_TIMEOUT='2.5'"),
        ({"HTTP_READ_TIMEOUT": "0"}, "HTTP_READ_TIMEOUT='0' should be a number of seconds from 1"),
        ({"HTTP_READ_TIMEOUT": "10s"}, "HTTP_READ_TIMEOUT='10s'"),
        ({"HTTP_MAX_CONNECTIONS": "5"}, "from 10 to 10000"),
        ({"HTTP_MAX_CONNECTIONS": "lots"}, "HTTP_MAX_CONNECTIONS='lots'"),
        ({"SLACK_STARTUP_WAIT": "-1"}, "SLACK_STARTUP_WAIT='-1'"),
    ],
)
def test_single_problems_never_show_secrets(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        config.load({**valid_env(), **env})
    assert len(err.value.problems) == 1
    assert fragment in err.value.problems[0]
    assert SECRET not in str(err.value)


def test_the_body_cap_is_a_setting() -> None:
    assert config.load(valid_env()).max_body_bytes == 1024 * 1024
    assert config.load(valid_env(MAX_BODY_BYTES="65536")).max_body_bytes == 65536


def test_the_database_timeout_is_a_setting() -> None:
    assert config.load(valid_env()).database_timeout == 2
    assert config.load(valid_env(DATABASE_TIMEOUT="10")).database_timeout == 10


def test_slow_client_limits_are_settings() -> None:
    default = config.load(valid_env())
    assert (default.http_read_timeout, default.http_max_connections) == (10, 1000)
    tuned = config.load(valid_env(HTTP_READ_TIMEOUT="30", HTTP_MAX_CONNECTIONS="5000"))
    assert (tuned.http_read_timeout, tuned.http_max_connections) == (30, 5000)


@pytest.mark.parametrize("approvers", ["U0BOSS,U0DEPUTY", "S0LEADS", "U0BOSS S0LEADS", ""])
def test_two_person_stop_work_with_two_possible_approvers_is_fine(approvers: str) -> None:
    c = config.load(valid_env(APPROVERS=approvers, TWO_PERSON_STOP_WORK="true"))
    assert c.two_person_stop_work


def test_socket_mode_needs_no_signing_secret() -> None:
    c = config.load({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    assert c.socket_mode and c.signing_secret == ""


# python bot.py -------------------------------------------------------------------------------
def run_bot(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """bot.py in a child process with exactly `env` (every setting given, so nothing comes
    from a `.env` file), in a scratch folder."""
    full = {name: "" for name in SETTINGS}
    full.update(
        {
            "DATABASE_PATH": str(tmp_path / "data" / "tactful.json"),
            "PORT": str(free_port()),
            "TIMEZONE": "UTC",
            "SLACK_API_URL": "http://127.0.0.1:9/api/",  # never reached unless a test says so
            "WORKING_HOURS": "09:00-17:30",
            "WORKING_DAYS": "mon-fri",
            "GRACE_DAYS": "0",
            "SCAN_MINUTES": "15",
            "TWO_PERSON_STOP_WORK": "false",
            "HOST": "127.0.0.1",
        }
    )
    full.update(env)
    full.update(
        {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT),
            "PYTHONDONTWRITEBYTECODE": "1",
            "LOG_LEVEL": "WARNING",
        }
    )
    return subprocess.run(
        [sys.executable, str(BOT), *args],
        cwd=tmp_path,
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_bot_refuses_to_start_with_bad_settings(tmp_path: Path) -> None:
    done = run_bot(
        tmp_path,
        {
            "SLACK_BOT_TOKEN": f"xoxp-{SECRET}",  # a user token, not a bot token
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_APP_TOKEN": f"bad-{SECRET}",
            "TIMEZONE": "Not/AZone",
            "PORT": "70000",
        },
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 4, done.stderr
    assert all(line.startswith("config: ") for line in lines)
    assert "SLACK_BOT_TOKEN does not look like a bot token" in lines[0]
    assert "SLACK_APP_TOKEN does not look like an app-level token" in lines[1]
    assert "TIMEZONE='Not/AZone'" in lines[2]
    assert "PORT='70000'" in lines[3]
    assert SECRET not in done.stdout + done.stderr
    assert not (tmp_path / "data").exists(), "nothing is created before the settings are good"


def test_bot_refuses_one_approver_for_two_person_approval(tmp_path: Path) -> None:
    done = run_bot(
        tmp_path,
        {
            **valid_env(),
            "APPROVERS": "U0BOSS",
            "TWO_PERSON_STOP_WORK": "true",
        },
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "config: TWO_PERSON_STOP_WORK=true needs two different approvers, but APPROVERS names "
        "only U0BOSS: add a second person or a user group, or set it to false."
    ]


def test_bot_reports_missing_tokens(tmp_path: Path) -> None:
    done = run_bot(tmp_path, {})
    assert done.returncode == 2
    assert done.stderr.count("config: ") == 2
    assert "SLACK_BOT_TOKEN is missing" in done.stderr
    assert "SLACK_SIGNING_SECRET is missing" in done.stderr


def test_a_token_slack_refuses_stops_start_up_and_the_check_goes_to_slack_api_url(
    tmp_path: Path, slack: LocalSlack
) -> None:
    slack.fail("auth.test", Failure(status=200, body={"ok": False, "error": "invalid_auth"}))
    done = run_bot(
        tmp_path,
        {
            "SLACK_BOT_TOKEN": f"xoxb-{SECRET}",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.url,
        },
    )
    assert done.returncode == 2, done.stderr
    assert "config: Slack refused SLACK_BOT_TOKEN at start-up" in done.stderr
    assert "invalid_auth" in done.stderr
    assert SECRET not in done.stdout + done.stderr
    (call,) = slack.calls_to("auth.test")
    assert call.token == f"xoxb-{SECRET}"


def test_empty_settings_mean_their_defaults() -> None:
    # As `.env.example` leaves them: `SLACK_APP_TOKEN=`, or a line blanked out.
    blank = {name: "  " for name in SETTINGS if name not in ("SLACK_BOT_TOKEN",)}
    c = config.load({**blank, "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"})
    assert c == config.load({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"})
    assert c.slack_api_url == "https://slack.com/api/" and c.port == 3000


def test_the_ladders_are_configurable_and_checked() -> None:
    c = config.load(
        valid_env(
            QUIET_STAGES="1,3,5",
            OVERDUE_DAYS="3,14,30",
            CONTROLLING_REVISIONS="3,5,9",
            CONTROLLING_WINDOW_DAYS="21",
        )
    )
    assert c.ladders.quiet_multipliers == (1, 3, 5)
    assert c.ladders.overdue_days == (3, 14, 30)
    assert (c.ladders.controlling_counts, c.ladders.controlling_window_days) == ((3, 5, 9), 21)
    with pytest.raises(ConfigError) as err:
        config.load(
            valid_env(
                QUIET_STAGES="3,2,1",
                OVERDUE_DAYS="1,7",
                CONTROLLING_REVISIONS="a,b,c",
                CONTROLLING_WINDOW_DAYS="0",
            )
        )
    assert len(err.value.problems) == 4


def test_database_url_selects_postgresql_and_is_never_echoed() -> None:
    url = "postgresql://tactful:s3cret@db:5432/tactful"
    assert config.load(valid_env(DATABASE_URL=url)).database_url == url
    assert config.load(valid_env()).database_url == ""
    assert "s3cret" not in repr(config.load(valid_env(DATABASE_URL=url)))
    with pytest.raises(ConfigError) as err:
        config.load(valid_env(DATABASE_URL="mysql://root:s3cret@db/tactful"))
    assert err.value.problems == [
        "DATABASE_URL should be a PostgreSQL URL like postgresql://user@host:5432/tactful "
        "(or left empty for the TinyDB store in DATABASE_PATH)."
    ]


def test_the_gap_and_the_final_repeat_are_settings() -> None:
    default = config.load(valid_env())
    assert (default.ladders.min_gap_days, default.ladders.final_repeat_days) == (5, 10)
    c = config.load(valid_env(MIN_GAP_DAYS="3", FINAL_REPEAT_DAYS="7"))
    assert (c.ladders.min_gap_days, c.ladders.final_repeat_days) == (3, 7)
    with pytest.raises(ConfigError) as err:
        config.load(valid_env(MIN_GAP_DAYS="five", FINAL_REPEAT_DAYS="0"))
    assert [p.split("=")[0] for p in err.value.problems] == ["MIN_GAP_DAYS", "FINAL_REPEAT_DAYS"]


# installable by many workspaces --------------------------------------------------------------
CLIENT_ID = "1111.2222"


def oauth_env(**changes: str) -> dict[str, str]:
    env = {
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": SECRET,
        "SLACK_SIGNING_SECRET": SECRET,
    }
    env.update(changes)
    return {k: v for k, v in env.items() if v}


def test_oauth_needs_no_bot_token() -> None:
    c = config.load(oauth_env())
    assert c.oauth and c.bot_token == "" and c.client_id == CLIENT_ID
    assert SECRET not in repr(c)
    assert not config.load(valid_env()).oauth


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            oauth_env(SLACK_CLIENT_SECRET=""),
            "SLACK_CLIENT_SECRET is missing: SLACK_CLIENT_ID is set, so Tactful is installable by "
            "many workspaces and needs both (your Slack app's Basic Information > App Credentials).",
        ),
        (
            oauth_env(SLACK_CLIENT_ID=""),
            "SLACK_CLIENT_ID is missing: SLACK_CLIENT_SECRET is set, so Tactful is installable by "
            "many workspaces and needs both (your Slack app's Basic Information > App Credentials).",
        ),
        (
            oauth_env(SLACK_CLIENT_ID="my-app"),
            "SLACK_CLIENT_ID='my-app' does not look like a Client ID (digits, a dot, digits): "
            "copy it from Basic Information > App Credentials.",
        ),
        (
            oauth_env(SLACK_BOT_TOKEN=f"xoxb-{SECRET}"),
            "SLACK_BOT_TOKEN is set beside SLACK_CLIENT_ID/SLACK_CLIENT_SECRET: installable by "
            "many workspaces, each uses the token of its own installation. Remove "
            "SLACK_BOT_TOKEN, or the client id and secret for one workspace.",
        ),
        (
            oauth_env(SLACK_APP_TOKEN=f"xapp-{SECRET}"),
            "SLACK_APP_TOKEN is set beside SLACK_CLIENT_ID/SLACK_CLIENT_SECRET: the install pages "
            "(/slack/install) need HTTP mode. Remove SLACK_APP_TOKEN.",
        ),
        (
            oauth_env(SLACK_SIGNING_SECRET=""),
            "SLACK_SIGNING_SECRET is missing: copy it from your Slack app's Basic Information "
            "page (needed to verify Slack's requests).",
        ),
        (
            valid_env(SLACK_REDIRECT_URI="https://tactful.example.com/slack/oauth_redirect"),
            "SLACK_REDIRECT_URI is set but SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are not: it "
            "is only for installing into many workspaces.",
        ),
        (
            oauth_env(SLACK_REDIRECT_URI="https://tactful.example.com/callback"),
            "SLACK_REDIRECT_URI='https://tactful.example.com/callback' should be this app's "
            "public URL ending in /slack/oauth_redirect, e.g. "
            "https://tactful.example.com/slack/oauth_redirect.",
        ),
        (
            oauth_env(NUDGE_CHANNEL="C0123ABCD"),
            "NUDGE_CHANNEL names IDs of one workspace, but SLACK_CLIENT_ID/SLACK_CLIENT_SECRET "
            "make Tactful installable by many: leave NUDGE_CHANNEL empty.",
        ),
        (
            oauth_env(APPROVERS="U0ALICE,S0LEADS"),
            "APPROVERS names IDs of one workspace, but SLACK_CLIENT_ID/SLACK_CLIENT_SECRET "
            "make Tactful installable by many: leave APPROVERS empty.",
        ),
        (
            oauth_env(DATABASE_URL=f"mysql://tactful:{SECRET}@db/tactful"),
            "DATABASE_URL should be a PostgreSQL URL like postgresql://user@host:5432/tactful "
            "(or left empty for the TinyDB store in DATABASE_PATH).",
        ),
    ],
)
def test_partial_or_conflicting_oauth_settings_are_named(
    env: dict[str, str], expected: str
) -> None:
    with pytest.raises(ConfigError) as err:
        config.load(env)
    assert err.value.problems == [expected]
    assert SECRET not in str(err.value)


def test_oauth_settings_that_are_good() -> None:
    c = config.load(
        oauth_env(
            SLACK_REDIRECT_URI="https://tactful.example.com/slack/oauth_redirect",
            DATABASE_URL=f"postgresql://tactful:{SECRET}@127.0.0.1:5432/tactful",
        )
    )
    assert c.redirect_uri == "https://tactful.example.com/slack/oauth_redirect"
    assert c.database_url.startswith("postgresql://") and SECRET not in repr(c)


def test_bot_refuses_partial_oauth_settings(tmp_path: Path) -> None:
    done = run_bot(tmp_path, {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_SIGNING_SECRET": SECRET})
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "config: SLACK_CLIENT_SECRET is missing: SLACK_CLIENT_ID is set, so Tactful is "
        "installable by many workspaces and needs both (your Slack app's Basic Information > "
        "App Credentials)."
    ]


@pytest.mark.parametrize("code", ["XXX", "xau"])
def test_currency_must_be_money(code: str) -> None:
    with pytest.raises(ConfigError) as err:
        config.load({"CURRENCY": code}, need_slack=False)
    (problem,) = err.value.problems
    assert problem.startswith(f"CURRENCY='{code.upper()}' should be an ISO 4217 currency code")
    assert "not a currency anyone pays in" in problem


# Payment details and sign-off per currency and language --------------------------------------
def test_payment_details_per_currency_and_welsh_variants_are_read() -> None:
    c = config.load(
        valid_env(
            PAYMENT_DETAILS="Sort code 12-34-56, account 12345678",
            PAYMENT_DETAILS_EUR="  IBAN GB33 BUKB 2020\n1555 5555 55 ",
            PAYMENT_DETAILS_USD="ACH routing 021000021, account 9876543210",
            PAYMENT_DETAILS_CY="Cod didoli 12-34-56, cyfrif 12345678",
            SIGN_OFF="Sam at Bright Agency",
            SIGN_OFF_CY="Sam yn Bright Agency",
        )
    )
    # One line each, whitespace folded; sorted by code, so equal settings load equal.
    assert c.payment_details_by_currency == (
        ("EUR", "IBAN GB33 BUKB 2020 1555 5555 55"),
        ("USD", "ACH routing 021000021, account 9876543210"),
    )
    assert c.payment_details_cy == "Cod didoli 12-34-56, cyfrif 12345678"
    assert (c.sign_off, c.sign_off_cy) == ("Sam at Bright Agency", "Sam yn Bright Agency")
    # Left empty, a variant means nothing was set.
    blank = config.load(valid_env(PAYMENT_DETAILS_EUR=" ", SIGN_OFF_CY=""))
    assert blank == config.load(valid_env())
    assert blank.payment_details_by_currency == () and blank.sign_off_cy == ""


@pytest.mark.parametrize(
    ("name", "named"),
    [
        ("PAYMENT_DETAILS_EURO", "PAYMENT_DETAILS_EURO is not a setting"),
        ("PAYMENT_DETAILS_XYZ", "PAYMENT_DETAILS_XYZ is not a setting"),
        ("PAYMENT_DETAILS_eur", "PAYMENT_DETAILS_eur is not a setting"),
        ("PAYMENT_DETAILS_EN", "PAYMENT_DETAILS_EN is not a setting"),
        ("SIGN_OFF_EN", "SIGN_OFF_EN is not a setting"),
    ],
)
def test_a_misspelt_variant_is_refused_by_name(name: str, named: str) -> None:
    with pytest.raises(ConfigError) as err:
        config.load(valid_env(**{name: "IBAN GB33"}))
    (problem,) = err.value.problems
    assert problem.startswith(named)
    assert "ISO 4217" in problem or "SIGN_OFF_CY" in problem


@pytest.mark.parametrize(
    ("name", "most"),
    [
        ("PAYMENT_DETAILS", 300),
        ("PAYMENT_DETAILS_EUR", 300),
        ("PAYMENT_DETAILS_CY", 300),
        ("SIGN_OFF", 100),
        ("SIGN_OFF_CY", 100),
    ],
)
def test_payment_details_and_sign_offs_too_long_for_a_message_are_refused(
    name: str, most: int
) -> None:
    config.load(valid_env(**{name: "x" * most}))
    with pytest.raises(ConfigError) as err:
        config.load(valid_env(**{name: "x" * (most + 1)}))
    assert err.value.problems == [
        f"{name} is {most + 1} characters long: at most {most} fit in a client message."
    ]


def test_setting_of_names_a_family_member_by_its_family() -> None:
    assert config.setting_of("PAYMENT_DETAILS_EUR") == "PAYMENT_DETAILS_<CURRENCY>"
    assert config.setting_of("PAYMENT_DETAILS_CY") == "PAYMENT_DETAILS_CY"
    assert config.setting_of("PAYMENT_DETAILS") == "PAYMENT_DETAILS"
    assert config.setting_of("PAYMENT_DETAILS_EURO") is None
    assert config.setting_of("HOME") is None
