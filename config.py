"""Settings, read once from the environment (and `.env`) by bot.py.

`load` returns every problem at once, one line each, and never puts a secret's value in a
message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.calendar import UnknownHolidays, WorkCalendar, check_holidays
from domain.digest import DigestTime, parse_digest
from domain.email_in import mail_address, mail_domain
from domain.insights import DEFAULT_THRESHOLDS, Thresholds
from domain.money import DEFAULT_CURRENCY, is_currency, not_money
from domain.nudges import DEFAULT_HOURS, DEFAULT_LADDERS, Ladders

DEFAULT_API_URL = "https://slack.com/api/"
# Slack's requests are a few KB; a larger body is refused unread.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
# HTTP mode: seconds a request may take to arrive whole (and a connection may stay idle), and
# connections held at once. Slack sends a request whole within milliseconds.
DEFAULT_HTTP_READ_TIMEOUT = 10
DEFAULT_HTTP_MAX_CONNECTIONS = 1000
# A family of variables, one per ISO 4217 code: PAYMENT_DETAILS_EUR, PAYMENT_DETAILS_USD...
PAYMENT_DETAILS_CURRENCY = "PAYMENT_DETAILS_<CURRENCY>"
# Free text put in every client message: long enough for bank details, short enough that a
# message with a line per currency stays inside Slack's limits.
MAX_PAYMENT_DETAILS = 300
MAX_SIGN_OFF = 100
# Every variable Tactful reads (tests scrub them all, so no real value can leak in); a family
# like PAYMENT_DETAILS_<CURRENCY> stands for each of its members (`setting_of`).
SETTINGS = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_REDIRECT_URI",
    "SLACK_API_URL",
    "DATABASE_PATH",
    "DATABASE_URL",
    "DATABASE_TIMEOUT",
    "TIMEZONE",
    "CURRENCY",
    "NUDGE_CHANNEL",
    "WORDING_PATH",
    "HOST",
    "PORT",
    "GRACE_DAYS",
    "WORKING_HOURS",
    "WORKING_DAYS",
    "SCAN_MINUTES",
    "SLACK_STARTUP_WAIT",
    "APPROVERS",
    "TWO_PERSON_STOP_WORK",
    "AUTO_HEARD",
    "LOG_LEVEL",
    "QUIET_STAGES",
    "OVERDUE_DAYS",
    "CONTROLLING_REVISIONS",
    "CONTROLLING_WINDOW_DAYS",
    "MIN_GAP_DAYS",
    "FINAL_REPEAT_DAYS",
    "HOLIDAYS",
    "CLOSED",
    "MAX_BODY_BYTES",
    "HTTP_READ_TIMEOUT",
    "HTTP_MAX_CONNECTIONS",
    "PAYMENT_DETAILS",
    PAYMENT_DETAILS_CURRENCY,
    "PAYMENT_DETAILS_CY",
    "SIGN_OFF",
    "SIGN_OFF_CY",
    "DIGEST",
    "INSIGHT_REPLY_DAYS",
    "INSIGHT_LATE_DAYS",
    "INSIGHT_DRIFT_DAYS",
    "INSIGHT_REVISIONS_PER_MONTH",
    "INSIGHT_MIN_EVIDENCE",
    "EMAIL_LISTEN",
    "EMAIL_SECRET",
    "EMAIL_MAX_BYTES",
    "EMAIL_ALLOWED_DOMAINS",
    "SMTP_URL",
    "EMAIL_FROM",
)
# A message to the BCC address larger than this is refused (552) before it is stored.
DEFAULT_EMAIL_MAX_BYTES = 5 * 1024 * 1024
_CLIENT_ID = re.compile(r"^[0-9]+\.[0-9]+$")
# Where workspaces start an install, and where Slack sends them back (Bolt's defaults).
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,}$")
_APPROVER = re.compile(r"^[UWS][A-Z0-9]{2,}$")
_SWITCH = {"on": True, "off": False, "true": True, "false": False, "yes": True, "no": False}


def setting_of(name: str) -> str | None:
    """The entry of SETTINGS a variable is: itself, or its family (`PAYMENT_DETAILS_EUR` is
    `PAYMENT_DETAILS_<CURRENCY>`); None for a variable Tactful doesn't read."""
    if name in SETTINGS:
        return name
    prefix = PAYMENT_DETAILS_CURRENCY.split("<", 1)[0]
    suffix = name.removeprefix(prefix)
    if name.startswith(prefix) and len(suffix) == 3 and suffix.isupper() and is_currency(suffix):
        return PAYMENT_DETAILS_CURRENCY
    return None


@dataclass(frozen=True)
class EmailSettings:
    """Email in (the BCC address) and out (sending approved messages)."""

    # EMAIL_LISTEN: where the SMTP listener binds; None keeps it off.
    listen: tuple[str, int] | None = None
    # Part of every workspace's BCC address (domain/email_in.py): never logged.
    secret: str = field(default="", repr=False)
    max_bytes: int = DEFAULT_EMAIL_MAX_BYTES
    # Envelope senders (MAIL FROM) accepted, by domain; empty: any.
    allowed_domains: tuple[str, ...] = ()
    # smtp://user:pass@host:587 (STARTTLS) or smtps://... (TLS from the start); "" for none.
    smtp_url: str = field(default="", repr=False)
    sender: str = ""  # EMAIL_FROM

    @property
    def sends(self) -> bool:
        return bool(self.smtp_url and self.sender)


class ConfigError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Config:
    bot_token: str = field(repr=False)
    signing_secret: str = field(repr=False)
    app_token: str = field(default="", repr=False)
    # Installable by many workspaces (Bolt's OAuth flow) when both are set.
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    redirect_uri: str = ""
    database_path: Path = Path("data/tactful.json")
    # postgresql://... selects the PostgreSQL store (many workspaces, several replicas); empty
    # keeps the TinyDB store in DATABASE_PATH's folder.
    database_url: str = field(default="", repr=False)
    # PostgreSQL: seconds a connection, a statement or a wait for a row lock may take, so a
    # slow or frozen database can't hold a request past Slack's 3 s.
    database_timeout: int = 2
    timezone: ZoneInfo = ZoneInfo("UTC")
    # ISO code of the workspace currency: amounts typed without one are in it.
    currency: str = DEFAULT_CURRENCY
    nudge_channel: str = ""
    slack_api_url: str = DEFAULT_API_URL
    host: str = "127.0.0.1"
    port: int = 3000
    wording_path: Path | None = None
    ladders: Ladders = DEFAULT_LADDERS
    work_days: tuple[int, ...] = DEFAULT_HOURS.days
    work_start: time = DEFAULT_HOURS.start
    work_end: time = DEFAULT_HOURS.end
    scan_minutes: int = 15
    # Seconds start-up keeps retrying a Slack that is unreachable or failing (5xx, 429).
    slack_startup_wait: int = 120
    approvers: tuple[str, ...] = ()
    two_person_stop_work: bool = False
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    # HTTP mode: a request must arrive whole within this many seconds of its first byte, and a
    # connection idle this long is closed; at most this many connections are held at once.
    http_read_timeout: int = DEFAULT_HTTP_READ_TIMEOUT
    http_max_connections: int = DEFAULT_HTTP_MAX_CONNECTIONS
    # Clients' messages in their shared channels are logged as `heard` by themselves.
    auto_heard: bool = True
    # The payment line of overdue messages (a client's own `pay` link comes first).
    payment_details: str = ""
    # Per currency (PAYMENT_DETAILS_EUR...), sorted by code: they beat every other variant.
    payment_details_by_currency: tuple[tuple[str, str], ...] = ()
    # For Welsh clients, where the invoice's currency has no details of its own.
    payment_details_cy: str = ""
    # The name client messages are signed with, under the closing ("" for none).
    sign_off: str = ""
    # The sign-off of Welsh clients' messages ("": SIGN_OFF).
    sign_off_cy: str = ""
    # The weekly digest in NUDGE_CHANNEL: the day and time, or None when DIGEST=off.
    digest: DigestTime | None = DigestTime()
    insights: Thresholds = DEFAULT_THRESHOLDS
    email: EmailSettings = field(default_factory=lambda: EmailSettings())

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    @property
    def oauth(self) -> bool:
        """Installable by many workspaces, each post with the installing workspace's token."""
        return bool(self.client_id and self.client_secret)

    def is_working_day(self, day: date) -> bool:
        """WORKING_DAYS less HOLIDAYS and CLOSED days: the days anything is posted."""
        return day.weekday() in self.work_days and not self.ladders.calendar.is_off(day)


def load(env: Mapping[str, str], *, need_slack: bool = True) -> Config:
    """Build the config from `env`.

    Args:
        env: the environment (os.environ after python-dotenv has read `.env`).
        need_slack: False for modes that never talk to Slack (console, dry runs).

    Raises:
        ConfigError: listing every problem, one line each.
    """
    problems: list[str] = []

    def get(name: str, default: str = "") -> str:
        # A setting left empty (`PORT=` in .env) means its default, like one left out.
        return env.get(name, "").strip() or default

    bot_token, secret, app_token = (
        get("SLACK_BOT_TOKEN"),
        get("SLACK_SIGNING_SECRET"),
        get("SLACK_APP_TOKEN"),
    )
    client_id, client_secret = get("SLACK_CLIENT_ID"), get("SLACK_CLIENT_SECRET")
    redirect_uri = get("SLACK_REDIRECT_URI")
    oauth = bool(client_id or client_secret)
    if oauth:
        # Partial OAuth settings are a mistake, never a quiet fall-back to one workspace.
        if not client_id:
            problems.append(
                "SLACK_CLIENT_ID is missing: SLACK_CLIENT_SECRET is set, so Tactful is installable "
                "by many workspaces and needs both (your Slack app's Basic Information > App "
                "Credentials)."
            )
        elif not _CLIENT_ID.match(client_id):
            problems.append(
                f"SLACK_CLIENT_ID={client_id!r} does not look like a Client ID (digits, a dot, "
                "digits): copy it from Basic Information > App Credentials."
            )
        if not client_secret:
            problems.append(
                "SLACK_CLIENT_SECRET is missing: SLACK_CLIENT_ID is set, so Tactful is installable "
                "by many workspaces and needs both (your Slack app's Basic Information > App "
                "Credentials)."
            )
        if bot_token:
            problems.append(
                "SLACK_BOT_TOKEN is set beside SLACK_CLIENT_ID/SLACK_CLIENT_SECRET: installable "
                "by many workspaces, each uses the token of its own installation. Remove "
                "SLACK_BOT_TOKEN, or the client id and secret for one workspace."
            )
        if app_token:
            problems.append(
                "SLACK_APP_TOKEN is set beside SLACK_CLIENT_ID/SLACK_CLIENT_SECRET: the install "
                "pages (/slack/install) need HTTP mode. Remove SLACK_APP_TOKEN."
            )
        if need_slack and not secret:
            problems.append(
                "SLACK_SIGNING_SECRET is missing: copy it from your Slack app's Basic Information "
                "page (needed to verify Slack's requests)."
            )
    elif redirect_uri:
        problems.append(
            "SLACK_REDIRECT_URI is set but SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are not: it is "
            "only for installing into many workspaces."
        )
    if redirect_uri and not re.match(
        rf"^https?://[^\s/]+(/[^\s]*)?{re.escape(REDIRECT_PATH)}$", redirect_uri
    ):
        problems.append(
            f"SLACK_REDIRECT_URI={redirect_uri!r} should be this app's public URL ending in "
            f"{REDIRECT_PATH}, e.g. https://tactful.example.com{REDIRECT_PATH}."
        )

    if need_slack and not oauth:
        if not bot_token:
            problems.append(
                "SLACK_BOT_TOKEN is missing: copy the Bot User OAuth Token (xoxb-...) from your Slack app's OAuth & Permissions page."
            )
        elif not bot_token.startswith("xoxb-"):
            problems.append(
                "SLACK_BOT_TOKEN does not look like a bot token: it should start with xoxb-."
            )
        if app_token and not app_token.startswith("xapp-"):
            problems.append(
                "SLACK_APP_TOKEN does not look like an app-level token: it should start with xapp-."
            )
        if not secret and not app_token:
            problems.append(
                "SLACK_SIGNING_SECRET is missing: copy it from your Slack app's Basic Information page (needed to verify Slack's requests)."
            )

    tz = ZoneInfo("UTC")
    tz_name = get("TIMEZONE", "UTC")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"TIMEZONE={tz_name!r} is not an IANA time zone name (e.g. Europe/London).")

    currency = get("CURRENCY", DEFAULT_CURRENCY).upper()
    if not is_currency(currency):
        meaning = not_money(currency)
        problems.append(
            f"CURRENCY={currency!r} should be an ISO 4217 currency code, like GBP or EUR"
            + (f" ({currency} is {meaning}, not a currency anyone pays in)." if meaning else ".")
        )

    port = 3000
    port_text = get("PORT", "3000")
    if port_text.isdigit() and 0 < int(port_text) < 65536:
        port = int(port_text)
    else:
        problems.append(f"PORT={port_text!r} is not a port number (1-65535).")

    database_url = get("DATABASE_URL")
    if database_url and not re.match(r"^postgres(ql)?://", database_url):
        # Never echo it: it may hold a password.
        problems.append(
            "DATABASE_URL should be a PostgreSQL URL like postgresql://user@host:5432/tactful "
            "(or left empty for the TinyDB store in DATABASE_PATH)."
        )

    db_timeout = get("DATABASE_TIMEOUT", "2")
    if not db_timeout.isdigit() or not 1 <= int(db_timeout) <= 60:
        problems.append(
            f"DATABASE_TIMEOUT={db_timeout!r} should be a number of seconds from 1 to 60 (the "
            "default, 2, answers Slack within its 3 s even when the database doesn't answer)."
        )

    api_url = get("SLACK_API_URL", DEFAULT_API_URL)
    if not re.match(r"^https?://[^\s/]+", api_url):
        problems.append(f"SLACK_API_URL={api_url!r} is not an http(s) URL.")
    elif not api_url.endswith("/"):
        api_url += "/"

    nudge_channel = get("NUDGE_CHANNEL")
    if nudge_channel and not _CHANNEL.match(nudge_channel):
        problems.append(
            f"NUDGE_CHANNEL={nudge_channel!r} should be a channel ID like C0123ABCD (channel details > About)."
        )

    wording = get("WORDING_PATH")
    if wording and not Path(wording).is_dir():
        problems.append(f"WORDING_PATH={wording!r} is not a folder.")

    grace = get("GRACE_DAYS", str(DEFAULT_LADDERS.grace_days))
    if not grace.isdigit() or int(grace) > 60:
        problems.append(f"GRACE_DAYS={grace!r} should be a number of days from 0 to 60.")

    work_start, work_end = DEFAULT_HOURS.start, DEFAULT_HOURS.end
    hours = get("WORKING_HOURS", f"{work_start:%H:%M}-{work_end:%H:%M}")
    m = re.match(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$", hours)
    if m and int(m[1]) < 24 and int(m[3]) < 24 and int(m[2]) < 60 and int(m[4]) < 60:
        work_start, work_end = time(int(m[1]), int(m[2])), time(int(m[3]), int(m[4]))
        if work_end <= work_start:
            problems.append(f"WORKING_HOURS={hours!r}: the end must come after the start.")
    else:
        problems.append(f"WORKING_HOURS={hours!r} should look like 09:00-17:30.")

    days_text = get("WORKING_DAYS", ",".join(_DAY_NAMES[d] for d in DEFAULT_HOURS.days))
    work_days = _days(days_text)
    if work_days is None:
        problems.append(f"WORKING_DAYS={days_text!r} should look like mon-fri or mon,tue,thu.")

    # The ladders: when each of the three stages is reached.
    # Every default comes from DEFAULT_LADDERS: the one place the numbers are written.
    quiet_stages = _three(get("QUIET_STAGES", _csv(DEFAULT_LADDERS.quiet_multipliers)), 20)
    if quiet_stages is None:
        problems.append(
            "QUIET_STAGES should be three rising multiples of a client's quiet days, like 1,2,3."
        )
    overdue_days = _three(get("OVERDUE_DAYS", _csv(DEFAULT_LADDERS.overdue_days)), 365)
    if overdue_days is None:
        problems.append(
            "OVERDUE_DAYS should be three rising numbers of days past due, like 1,7,21."
        )
    revisions = _three(get("CONTROLLING_REVISIONS", _csv(DEFAULT_LADDERS.controlling_counts)), 100)
    if revisions is None:
        problems.append(
            "CONTROLLING_REVISIONS should be three rising counts of revision demands, like 4,6,8."
        )
    window = get("CONTROLLING_WINDOW_DAYS", str(DEFAULT_LADDERS.controlling_window_days))
    if not window.isdigit() or not 1 <= int(window) <= 90:
        problems.append(
            f"CONTROLLING_WINDOW_DAYS={window!r} should be a number of days from 1 to 90."
        )
    gap = get("MIN_GAP_DAYS", str(DEFAULT_LADDERS.min_gap_days))
    if not gap.isdigit() or int(gap) > 30:
        problems.append(f"MIN_GAP_DAYS={gap!r} should be a number of working days from 0 to 30.")
    repeat = get("FINAL_REPEAT_DAYS", str(DEFAULT_LADDERS.final_repeat_days))
    if not repeat.isdigit() or not 1 <= int(repeat) <= 60:
        problems.append(
            f"FINAL_REPEAT_DAYS={repeat!r} should be a number of working days from 1 to 60."
        )

    holidays = get("HOLIDAYS").upper()
    if holidays:
        try:
            check_holidays(holidays)
        except UnknownHolidays:
            problems.append(
                f"HOLIDAYS={holidays!r} is not a calendar the holidays library knows: use a "
                "country code like GB, or country-subdivision like GB-WLS (Wales), GB-SCT, US-NY."
            )
            holidays = ""
    closed_text = get("CLOSED")
    closed = _closed(closed_text)
    if closed is None:
        problems.append(
            f"CLOSED={closed_text!r} should list days or ranges the agency is closed, "
            "comma-separated, like 2026-12-24..2027-01-01,2027-04-02 (a range at most a year long)."
        )

    scan = get("SCAN_MINUTES", "15")
    if not scan.isdigit() or not 1 <= int(scan) <= 240:
        problems.append(f"SCAN_MINUTES={scan!r} should be a number of minutes from 1 to 240.")

    startup_wait = get("SLACK_STARTUP_WAIT", "120")
    if not startup_wait.isdigit() or int(startup_wait) > 3600:
        problems.append(
            f"SLACK_STARTUP_WAIT={startup_wait!r} should be a number of seconds from 0 to 3600."
        )

    approvers = tuple(a for a in re.split(r"[\s,]+", get("APPROVERS")) if a)
    bad = [a for a in approvers if not _APPROVER.match(a)]
    if bad:
        problems.append(
            "APPROVERS should list user IDs (U...) or a user group ID (S...), comma-separated."
        )

    # Channel, user and group IDs belong to one workspace: installable by many, a deployment-
    # wide one would send every workspace's nudges to one workspace's channel, or let only one
    # workspace's people approve.
    if oauth:
        for name, value in (("NUDGE_CHANNEL", nudge_channel), ("APPROVERS", approvers)):
            if value:
                problems.append(
                    f"{name} names IDs of one workspace, but SLACK_CLIENT_ID/SLACK_CLIENT_SECRET "
                    f"make Tactful installable by many: leave {name} empty."
                )

    two_person = get("TWO_PERSON_STOP_WORK", "false").lower()
    if two_person not in ("true", "false", "1", "0", "yes", "no"):
        problems.append(f"TWO_PERSON_STOP_WORK={two_person!r} should be true or false.")

    elif two_person in ("true", "1", "yes") and len(approvers) == 1 and not _is_group(approvers[0]):
        problems.append(
            f"TWO_PERSON_STOP_WORK=true needs two different approvers, but APPROVERS names only "
            f"{approvers[0]}: add a second person or a user group, or set it to false."
        )

    max_body = get("MAX_BODY_BYTES", str(DEFAULT_MAX_BODY_BYTES))
    if not max_body.isdigit() or not 1024 <= int(max_body) <= 100 * 1024 * 1024:
        problems.append(
            f"MAX_BODY_BYTES={max_body!r} should be a number of bytes from 1024 to 104857600 "
            "(Slack's requests are a few KB; the default is 1048576)."
        )

    read_timeout = get("HTTP_READ_TIMEOUT", str(DEFAULT_HTTP_READ_TIMEOUT))
    if not read_timeout.isdigit() or not 1 <= int(read_timeout) <= 300:
        problems.append(
            f"HTTP_READ_TIMEOUT={read_timeout!r} should be a number of seconds from 1 to 300 "
            f"(the default, {DEFAULT_HTTP_READ_TIMEOUT}, is plenty: Slack sends each request "
            "whole within milliseconds)."
        )
    max_connections = get("HTTP_MAX_CONNECTIONS", str(DEFAULT_HTTP_MAX_CONNECTIONS))
    if not max_connections.isdigit() or not 10 <= int(max_connections) <= 10_000:
        problems.append(
            f"HTTP_MAX_CONNECTIONS={max_connections!r} should be a number of connections from "
            f"10 to 10000 (the default is {DEFAULT_HTTP_MAX_CONNECTIONS})."
        )

    auto_heard = get("AUTO_HEARD", "on").lower()
    if auto_heard not in _SWITCH:
        problems.append(
            f"AUTO_HEARD={auto_heard!r} should be on or off (log clients' replies in their "
            "shared channels by themselves)."
        )

    def free_text(name: str, most: int) -> str:
        # One line: a line break typed into .env must not break the message's layout.
        text = " ".join(get(name).split())
        if len(text) > most:
            problems.append(
                f"{name} is {len(text)} characters long: at most {most} fit in a client message."
            )
        return text

    payment_details = free_text("PAYMENT_DETAILS", MAX_PAYMENT_DETAILS)
    payment_details_cy = free_text("PAYMENT_DETAILS_CY", MAX_PAYMENT_DETAILS)
    sign_off = free_text("SIGN_OFF", MAX_SIGN_OFF)
    sign_off_cy = free_text("SIGN_OFF_CY", MAX_SIGN_OFF)
    by_currency: dict[str, str] = {}
    prefix = PAYMENT_DETAILS_CURRENCY.split("<", 1)[0]
    for name in sorted(env):
        if not name.startswith(prefix) or name == "PAYMENT_DETAILS_CY" or not get(name):
            continue
        if setting_of(name) == PAYMENT_DETAILS_CURRENCY:
            by_currency[name.removeprefix(prefix)] = free_text(name, MAX_PAYMENT_DETAILS)
        else:
            problems.append(
                f"{name} is not a setting: PAYMENT_DETAILS_ is followed by an ISO 4217 currency "
                "code in capitals, like PAYMENT_DETAILS_EUR, or by CY (Welsh clients)."
            )
    sign_offs = [n for n in env if n.startswith("SIGN_OFF_") and n != "SIGN_OFF_CY" and get(n)]
    for name in sorted(sign_offs):
        problems.append(
            f"{name} is not a setting: SIGN_OFF signs every message, SIGN_OFF_CY Welsh clients' "
            "ones."
        )

    digest_text = get("DIGEST", "mon 09:00")
    try:
        digest = parse_digest(digest_text)
    except ValueError:
        digest = None
        problems.append(
            f"DIGEST={digest_text!r} should be a weekday and a time like `mon 09:00`, or off."
        )

    def whole(name: str, default: int, most: int) -> int:
        text = get(name, str(default))
        if not text.isdigit() or not 1 <= int(text) <= most:
            problems.append(f"{name}={text!r} should be a whole number from 1 to {most}.")
            return default
        return int(text)

    d = DEFAULT_THRESHOLDS
    insights = Thresholds(
        reply_days=whole("INSIGHT_REPLY_DAYS", d.reply_days, 60),
        late_days=whole("INSIGHT_LATE_DAYS", d.late_days, 365),
        drift_days=whole("INSIGHT_DRIFT_DAYS", d.drift_days, 365),
        revisions_per_month=whole("INSIGHT_REVISIONS_PER_MONTH", d.revisions_per_month, 100),
        min_evidence=whole("INSIGHT_MIN_EVIDENCE", d.min_evidence, 50),
    )

    email = _email(get, problems)

    if problems:
        raise ConfigError(problems)
    return Config(
        bot_token=bot_token,
        signing_secret=secret,
        app_token=app_token,
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        database_path=Path(get("DATABASE_PATH", "data/tactful.json")),
        database_url=database_url,
        database_timeout=int(db_timeout),
        timezone=tz,
        currency=currency,
        nudge_channel=nudge_channel,
        slack_api_url=api_url,
        host=get("HOST", "127.0.0.1"),
        port=port,
        wording_path=Path(wording) if wording else None,
        ladders=Ladders(
            quiet_multipliers=quiet_stages or DEFAULT_LADDERS.quiet_multipliers,
            overdue_days=overdue_days or DEFAULT_LADDERS.overdue_days,
            grace_days=int(grace),
            controlling_counts=revisions or DEFAULT_LADDERS.controlling_counts,
            controlling_window_days=int(window),
            min_gap_days=int(gap) if gap.isdigit() else DEFAULT_LADDERS.min_gap_days,
            final_repeat_days=int(repeat)
            if repeat.isdigit()
            else DEFAULT_LADDERS.final_repeat_days,
            calendar=WorkCalendar(holidays, closed or frozenset()),
        ),
        work_days=work_days or DEFAULT_HOURS.days,
        work_start=work_start,
        work_end=work_end,
        scan_minutes=int(scan),
        slack_startup_wait=int(startup_wait) if startup_wait.isdigit() else 120,
        approvers=approvers,
        two_person_stop_work=two_person in ("true", "1", "yes"),
        max_body_bytes=int(max_body),
        http_read_timeout=int(read_timeout),
        http_max_connections=int(max_connections),
        auto_heard=_SWITCH.get(auto_heard, True),
        payment_details=payment_details,
        payment_details_by_currency=tuple(sorted(by_currency.items())),
        payment_details_cy=payment_details_cy,
        sign_off=sign_off,
        sign_off_cy=sign_off_cy,
        digest=digest,
        insights=insights,
        email=email,
    )


def _email(get: Callable[..., str], problems: list[str]) -> EmailSettings:
    """EMAIL_* and SMTP_URL. Problems name the variable, never a secret's value."""
    listen: tuple[str, int] | None = None
    listen_text = get("EMAIL_LISTEN")
    if listen_text:
        host, _, port_text = listen_text.rpartition(":")
        if not host or not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            problems.append(
                f"EMAIL_LISTEN={listen_text!r} should be host:port, e.g. 127.0.0.1:2525."
            )
        else:
            listen = (host.strip("[]"), int(port_text))
    secret = get("EMAIL_SECRET")
    if listen and len(secret) < 16:
        problems.append(
            "EMAIL_SECRET must be set to at least 16 random characters when EMAIL_LISTEN is "
            "(it makes each workspace's BCC address unguessable)."
        )
    max_text = get("EMAIL_MAX_BYTES", str(DEFAULT_EMAIL_MAX_BYTES))
    if not max_text.isdigit() or not 1024 <= int(max_text) <= 100 * 1024 * 1024:
        problems.append(f"EMAIL_MAX_BYTES={max_text!r} should be bytes from 1024 to 104857600.")
        max_text = str(DEFAULT_EMAIL_MAX_BYTES)
    domains = []
    for d in get("EMAIL_ALLOWED_DOMAINS").replace(",", " ").split():
        domain = mail_domain(d)
        if domain is None:
            problems.append(f"EMAIL_ALLOWED_DOMAINS: {d!r} is not a mail domain like agency.com.")
        else:
            domains.append(domain)
    smtp_url, sender = get("SMTP_URL"), get("EMAIL_FROM")
    if smtp_url:
        parts = urlsplit(smtp_url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            # The scheme only: the URL itself holds a password.
            problems.append(
                "SMTP_URL should look like smtp://user:password@host:587 (STARTTLS) or "
                "smtps://user:password@host:465."
            )
        try:
            parts.port  # noqa: B018 (raises on a port that isn't one)
        except ValueError:
            problems.append("SMTP_URL has a port that is not a number from 1 to 65535.")
    if sender and mail_address(parseaddr(sender)[1]) is None:
        problems.append(f"EMAIL_FROM={sender!r} should be an address, e.g. Sam <sam@agency.com>.")
    if bool(smtp_url) != bool(sender):
        problems.append(
            "SMTP_URL and EMAIL_FROM go together: set both to send by email, or neither."
        )
    return EmailSettings(
        listen=listen,
        secret=secret,
        max_bytes=int(max_text),
        allowed_domains=tuple(domains),
        smtp_url=smtp_url,
        sender=sender,
    )


def _csv(numbers: tuple[int, ...]) -> str:
    return ",".join(map(str, numbers))


def _is_group(approver: str) -> bool:
    return approver.startswith("S")


def _three(text: str, most: int) -> tuple[int, int, int] | None:
    """Three rising whole numbers from 1 to `most`, comma-separated, or None."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    a, b, c = (int(p) for p in parts)
    return (a, b, c) if 1 <= a < b < c <= most else None


_DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _days(text: str) -> tuple[int, ...] | None:
    text = text.lower().replace(" ", "")
    m = re.match(r"^([a-z]{3})-([a-z]{3})$", text)
    if m and m[1] in _DAY_NAMES and m[2] in _DAY_NAMES:
        a, b = _DAY_NAMES.index(m[1]), _DAY_NAMES.index(m[2])
        return tuple(range(a, b + 1)) if a <= b else None
    parts = text.split(",")
    if parts and all(p in _DAY_NAMES for p in parts):
        return tuple(sorted({_DAY_NAMES.index(p) for p in parts}))
    return None


def _closed(text: str) -> frozenset[date] | None:
    """`2026-12-24..2027-01-01,2027-04-02` as the set of days, or None if it can't be read."""
    days: set[date] = set()
    for part in (p.strip() for p in text.split(",") if p.strip()):
        first, _, last = part.partition("..")
        try:
            start = date.fromisoformat(first.strip())
            end = date.fromisoformat(last.strip()) if last else start
        except ValueError:
            return None
        if not timedelta(0) <= end - start <= timedelta(days=366):
            return None
        days |= {start + timedelta(days=i) for i in range((end - start).days + 1)}
    return frozenset(days)
