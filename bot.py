"""Tactful: the one composition root.

    python bot.py              serve Slack (Socket Mode if SLACK_APP_TOKEN is set, else HTTP)
    python bot.py console      try it with no Slack: type /client commands, see the replies
    python bot.py scan [--now 2026-12-01T10:00] [--dry-run]   one nudge pass, then exit
    python bot.py digest [--now ...]   post the weekly digest if it is due, then exit
    python bot.py purge --team T0123 [--yes]   delete one workspace's whole record (audited)
    python bot.py export <name> | --all [--team T...] [--out DIR] [--now ...]
                               records as CSV + Markdown
    python bot.py import FILE.csv [--dry-run] [--team T...] [--dates dmy|mdy] [--owner U...]
                               [--now ...]   clients and invoices from Tactful's CSV or a
                               Xero / QuickBooks export
    python bot.py migrate      create or upgrade the PostgreSQL tables at DATABASE_URL
    python bot.py copy --from data/tactful.json [--to postgresql://...] [--now ...]
                               copy every workspace into PostgreSQL, verified entry by entry
    python bot.py bcc T0123 [--domain mail.agency.com]
                               a workspace's BCC address for client mail (EMAIL_SECRET)

`--now` (ISO, in TIMEZONE) makes a mode act as if it were that moment, for trying Tactful out
on pretend days; without it, the real time.

Reads config, opens storage, builds the Bolt app, registers handlers and jobs, and starts the
chosen mode. Nothing happens at import time, so `create_wsgi()` can be handed to gunicorn or
waitress-serve (`waitress-serve --call bot:create_wsgi`).
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime
from typing import TypeVar

from dotenv import find_dotenv, load_dotenv
from slack_bolt import App
from slack_bolt.error import BoltError
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from sqlalchemy.exc import SQLAlchemyError
from waitress.server import BaseWSGIServer, MultiSocketServer

import cli
import handlers
from cli.common import EXIT_CONFIG, load_config
from clock import utc_now
from config import Config
from domain.inputs import parse_date
from handlers import serving
from handlers.actions import Approvers, show_unknown_sends
from handlers.deps import Deps
from handlers.email import BccInbox, EmailListener
from handlers.http import wsgi_app
from scheduler import jobs
from scheduler.lock import DatabasePassLock, PassLock, SchedulerLock
from service.commands import ClientCommands
from service.decisions import Decisions
from service.digest import WeeklyDigest
from service.email_in import MailLog
from service.email_out import EmailOut, SmtpTransport, Transport
from service.export import Exports
from service.heard import SharedChannelReplies
from service.home import HomeViews
from service.nudges import NudgeEngine, NudgeSchedule, WorkingHours, retry_after
from service.offboarding import Offboardings
from service.workspaces import (
    INSTALL_PATH,
    UNAUTHORISED_REPLY,
    AuditLog,
    Clients,
    Installations,
    Uninstalls,
    single_workspace,
    sqlalchemy_url,
)
from storage.base import Store, StoreUnavailable
from storage.tinydb_store import TinyDBStore
from ui.agenda import Links
from ui.client_message import Letterhead
from ui.wording import Wording, WordingError

logger = logging.getLogger("tactful")
T = TypeVar("T")
EXIT_SLACK_DOWN = 3  # Slack stayed unreachable for SLACK_STARTUP_WAIT: try again later
# auth.test answers that mean Slack is having trouble, not that the token is wrong.
SLACK_TROUBLE = frozenset(
    {"fatal_error", "internal_error", "service_unavailable", "request_timeout", "ratelimited"}
)


def web_client(config: Config) -> WebClient:
    """Every Web API call goes to SLACK_API_URL; 429s are retried after Retry-After. Installable
    by many workspaces it has no token: Bolt gives each request its workspace's."""
    client = WebClient(
        token=None if config.oauth else config.bot_token,
        base_url=config.slack_api_url,
        timeout=10,
    )
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    return client


def posting_client(config: Config, token: str | None) -> WebClient:
    """For the nudge pass: no automatic retries, since a retried chat.postMessage could post
    twice; the engine retries itself, on the next pass."""
    return WebClient(token=token, base_url=config.slack_api_url, timeout=10, retry_handlers=[])


def open_installations(config: Config) -> Installations:
    """The installations database (DATABASE_URL, else a SQLite file in the data folder)."""
    return _open_workspaces_db(
        config,
        lambda url: Installations(
            config.client_id,
            config.client_secret,
            url,
            lambda token: posting_client(config, token),
            redirect_uri=config.redirect_uri,
            timeout=config.database_timeout,
        ),
    )


def _open_workspaces_db(config: Config, open_: Callable[[str], T]) -> T:
    folder = config.database_path.with_suffix("")
    try:
        if not config.database_url:
            folder.mkdir(parents=True, exist_ok=True)
        return open_(sqlalchemy_url(config.database_url, folder))
    except (SQLAlchemyError, OSError) as err:
        # The class of error only: the database's own message may quote its URL.
        where = "DATABASE_URL" if config.database_url else f"the data folder {folder}"
        print(
            f"data: can't open the installations database in {where} "
            f"({err.__class__.__name__}): check it is reachable and writable",
            file=sys.stderr,
        )
        raise SystemExit(EXIT_CONFIG) from None


def workspace_clients(config: Config, installations: Installations | None) -> Clients:
    """Each workspace's Web API client for the nudge pass and approved messages."""
    if installations is not None:
        return installations
    return single_workspace(posting_client(config, config.bot_token))


class _TokenFromConfig(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment by itself and, since Tactful hands it a
    client, warns at every start that the token is unused. The client is built from that same
    setting (config.bot_token), so the warning is noise: it alone is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


# Tactful's own loggers: their DEBUG lines never carry what people typed.
OWN_LOGGERS = (
    "tactful",
    "config",
    "console",
    "domain",
    "handlers",
    "scheduler",
    "service",
    "storage",
    "ui",
)
# Bolt logs through these (see build_app and service/workspaces.py), so they are Bolt's.
BOLT_LOGGERS = ("tactful.bolt", "tactful.oauth")


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    # Bolt names its per-request loggers "<app or base logger>:<class>".
    return any(name == p or name.startswith((f"{p}.", f"{p}:")) for p in prefixes)


class _NoLibraryDebug(logging.Filter):
    """LOG_LEVEL=DEBUG is for Tactful's own DEBUG lines. Every library's are dropped: Bolt's
    and slack_sdk's carry request and response bodies (people's notes about their clients,
    names, amounts), and others (urllib3, waitress, psycopg) nothing an operator needs. An
    allowlist, so a library added later can't bring its bodies in."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.INFO:
            return True
        return _under(record.name, OWN_LOGGERS) and not _under(record.name, BOLT_LOGGERS)


def keep_bodies_out_of_logs() -> None:
    """Give every handler of the root logger the `_NoLibraryDebug` filter (a filter on a logger
    would miss its children's records, and Bolt sets its loggers' levels itself)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, _NoLibraryDebug) for f in handler.filters):
            handler.addFilter(_NoLibraryDebug())


# Over 80 lines: a third is the Args docstring and the App's commented settings; one wiring step.
def build_app(
    config: Config,
    store: Store,
    *,
    clock: Callable[[], datetime] = utc_now,
    client: WebClient | None = None,
    verify_requests: bool = True,
    listener_executor: Executor | None = None,
    engine: NudgeEngine | None = None,
    process_before_response: bool = True,
    installations: Installations | None = None,
    home: HomeViews | None = None,
    answer_within: float = 2.0,
    mail_transport: Transport | None = None,
) -> App:
    """The Bolt app with every listener registered.

    Each listener's ack function runs before the answer goes back to Slack, with no polling
    for ack() (process_before_response); what talks to Slack's Web API runs after it, in
    lazy listeners on `listener_executor`.

    Args:
        config: settings.
        store: open storage.
        clock: the time source; tests pass a fixed one.
        client: Web API client; defaults to one on SLACK_API_URL.
        verify_requests: prove the bot token with auth.test at start-up. Only the console,
            which has no Slack, turns it off. (Request signatures are checked in front of
            Bolt, by handlers.http, which never logs a body; Bolt's own check would.)
        listener_executor: where lazy listeners run; by default a thread pool (the console
            runs them inline, so its output comes in order).
        engine: the nudge engine, if one is built already (it draws suggestion threads and
            delivers approved messages); by default one from `config`.
        process_before_response: off only in tests that prove a listener also works in
            Bolt's default mode (answer first, listener on a thread).
        answer_within: seconds a read-only command may take before the ack says its answer
            follows (by response_url); tests make it short.
        installations: installable by many workspaces, their database (opened if not given).
        home: App Home's publisher, if one is built already (serve() shares it with the
            scheduler, which refreshes Home after each pass); by default one on `client`.
        mail_transport: where *Send by email* hands messages (by default SMTP_URL's server);
            with SMTP_URL and EMAIL_FROM unset there is no such button.
    """
    if config.oauth and installations is None:
        installations = open_installations(config)
    bolt_logger = logging.getLogger("tactful.bolt")
    if not any(isinstance(f, _TokenFromConfig) for f in bolt_logger.filters):
        bolt_logger.addFilter(_TokenFromConfig())
    app = App(
        signing_secret=config.signing_secret or None,
        client=client or web_client(config),
        request_verification_enabled=False,
        # auth.test at start-up proves the token early; it goes to SLACK_API_URL like every call.
        # Installable by many workspaces there is no token until one installs.
        token_verification_enabled=verify_requests and installations is None,
        # Bolt's OAuth flow at /slack/install and /slack/oauth_redirect, and each request
        # authorised with the token of its workspace's installation.
        oauth_settings=installations.settings if installations else None,
        # A request whose installation can't be read in time is answered this, at once.
        user_facing_authorize_error_message=UNAUTHORISED_REPLY,
        logger=bolt_logger,
        process_before_response=process_before_response,
        listener_executor=listener_executor,
    )

    @app.error
    def on_error(error: Exception, body: dict) -> None:
        body = body or {}
        team = body.get("team_id") or (body.get("team") or {}).get("id")
        logger.error("Unhandled error in a Slack listener (team %s)", team, exc_info=error)

    commands = client_commands(config, store)
    decisions = Decisions(
        store,
        config.timezone,
        two_person_stop_work=config.two_person_stop_work,
        ladders=config.ladders,
    )
    # The listeners use the engine to draw suggestion threads and deliver approved messages,
    # each with its workspace's own token.
    engine = engine or build_engine(config, store, installations=installations)
    replies = SharedChannelReplies(store, config.timezone, auto_heard=config.auto_heard)
    home = home or HomeViews(commands, engine.clients, clock)
    handlers.register_all(
        app,
        Deps(
            commands,
            decisions,
            engine,
            Approvers(config.approvers),
            clock,
            replies,
            Exports(store, config.timezone),
            Offboardings(store, config.timezone),
            Uninstalls(installations),
            home,
            answer_within,
            email_out(config, store, home.changed, mail_transport),
        ),
    )
    # dateparser loads its language data on first use (~0.3 s): pay that now, not on a request.
    parse_date("yesterday", clock().date())
    return app


def email_out(
    config: Config,
    store: Store,
    changed: Callable[[str], None],
    transport: Transport | None = None,
) -> EmailOut | None:
    """*Send by email*, when SMTP_URL and EMAIL_FROM are set (None otherwise)."""
    settings = config.email
    if not settings.sends:
        return None
    return EmailOut(
        store,
        config.timezone,
        transport or SmtpTransport(settings.smtp_url),
        settings.sender,
        load_wording(config),
        changed,
        config.ladders,
    )


def client_commands(config: Config, store: Store) -> ClientCommands:
    return ClientCommands(
        store,
        config.timezone,
        ladders=config.ladders,
        nudge_channel=config.nudge_channel,
        auto_heard=config.auto_heard,
        currency=config.currency,
        wording=load_wording(config),
        insights=config.insights,
    )


def open_store(config: Config, clock: Callable[[], datetime] = utc_now) -> Store:
    """The store, keeping the nudge pass's checks index under this deployment's rules:
    PostgreSQL when DATABASE_URL is set, else TinyDB in DATABASE_PATH's folder. A database
    that isn't migrated to this version is refused, naming the command to run."""
    schedule = NudgeSchedule(config.timezone, config.ladders, clock)
    try:
        if config.database_url:
            from storage.postgres_store import PostgresStore

            return PostgresStore(
                config.database_url,
                schedule=schedule,
                currency=config.currency,
                timeout=config.database_timeout,
            )
        return TinyDBStore(config.database_path, schedule=schedule, currency=config.currency)
    except StoreUnavailable as err:
        setting = "DATABASE_URL" if config.database_url else "DATABASE_PATH"
        print(f"data: {setting}: {err}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None


def load_wording(config: Config) -> Wording:
    try:
        return Wording.load(config.wording_path)
    except WordingError as err:
        print(f"config: WORDING_PATH: {err}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None


def build_engine(
    config: Config,
    store: Store,
    *,
    client: WebClient | None = None,
    pace: Callable[[str], None] | None = None,
    installations: Installations | None = None,
    clients: Clients | None = None,
) -> NudgeEngine:
    """The nudge engine. Its Web API clients have no automatic retries (`posting_client`).

    Args:
        client: one client for every workspace (tests, the console).
        installations: installable by many workspaces, their database; else one bot token.
        clients: each workspace's client (tests); overrides the two above.
    """
    if clients is None:
        if client is not None:
            clients = single_workspace(client)
        else:
            if config.oauth and installations is None:
                installations = open_installations(config)
            clients = workspace_clients(config, installations)
    return NudgeEngine(
        store,
        load_wording(config),
        None,
        clients=clients,
        tz=config.timezone,
        hours=WorkingHours(
            config.timezone,
            config.work_days,
            config.work_start,
            config.work_end,
            config.ladders.calendar,
        ),
        ladders=config.ladders,
        nudge_channel=config.nudge_channel,
        pace=pace,
        letterhead=Letterhead(
            payment_details=config.payment_details,
            sign_off=config.sign_off,
            payment_details_by_currency=config.payment_details_by_currency,
            payment_details_cy=config.payment_details_cy,
            sign_off_cy=config.sign_off_cy,
            calendar=config.ladders.calendar,
            reply_days=config.ladders.min_gap_days,
        ),
    )


def weekly_digest(
    config: Config,
    store: Store,
    clients: Callable[[str], WebClient | None],
    home: HomeViews | None = None,
) -> WeeklyDigest:
    """The weekly digest (DIGEST), posted with the engine's per-workspace clients: no automatic
    retries, since a retried chat.postMessage could post twice (the digest looks before it
    posts again)."""
    return WeeklyDigest(
        client_commands(config, store),
        clients,
        when=config.digest,
        channel=config.nudge_channel,
        # The working calendar: WORKING_DAYS, less HOLIDAYS and CLOSED days.
        is_working_day=config.is_working_day,
        links=home.links if home is not None else (lambda team: Links()),
    )


def scheduler_lock(config: Config) -> PassLock:
    """On PostgreSQL the replicas share each pass by workspace, through the database; on
    TinyDB one process runs it, under a file lock in the data folder."""
    if config.database_url:
        import psycopg

        return DatabasePassLock(lambda: psycopg.connect(config.database_url, autocommit=True))
    return SchedulerLock(config.database_path.with_suffix("") / ".scheduler.lock")


def create_wsgi() -> Callable:
    """The WSGI app for gunicorn/waitress-serve: reads config and opens storage when called."""
    keep_bodies_out_of_logs()  # on the handlers the server set up, if any
    config = load_config()
    if not config.signing_secret:
        print("config: SLACK_SIGNING_SECRET is needed to serve Slack over HTTP.", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG)
    store = open_store(config)
    installations = open_installations(config) if config.oauth else None
    if installations is None:
        wait_for_slack(config)  # installable by many workspaces there is no one token to check
    return http_app(config, build_app(config, store, installations=installations), store)


def http_app(config: Config, app: App, store: Store) -> Callable:
    return wsgi_app(
        app,
        healthy=store.writable,
        signing_secret=config.signing_secret,
        max_body_bytes=config.max_body_bytes,
    )


def wait_for_slack(
    config: Config,
    *,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> None:
    """Check the token with auth.test before serving, telling Slack's trouble from ours.

    Slack unreachable, answering 5xx or 429, or saying it has an internal error: retried with
    doubling waits (honouring Retry-After) for up to SLACK_STARTUP_WAIT seconds, then one line
    and exit 3, so a supervisor can restart us once Slack is back. A refusal (invalid_auth,
    token_revoked...) or another 4xx (a wrong SLACK_API_URL): one line and exit 2.
    """
    client = WebClient(
        token=config.bot_token, base_url=config.slack_api_url, timeout=10, retry_handlers=[]
    )
    deadline = monotonic() + config.slack_startup_wait
    delay = 1.0
    while True:
        wait = delay
        try:
            client.auth_test()
            return
        except SlackApiError as err:
            status, error = err.response.status_code, err.response.get("error")
            if status == 429:
                wait = max(delay, float(retry_after(err.response.headers)))
            elif status < 500 and not (status == 200 and error in SLACK_TROUBLE):
                # The message names Slack's error code, never the token.
                what = (
                    f"Slack refused SLACK_BOT_TOKEN at start-up ({error})"
                    if status == 200
                    else f"SLACK_API_URL answered HTTP {status}: is it Slack's Web API?"
                )
                print(f"config: {what}", file=sys.stderr)
                raise SystemExit(EXIT_CONFIG) from None
            trouble = f"HTTP {status}" + (f" {error}" if error else "")
        except OSError as err:  # refused, reset, DNS, timeouts
            trouble = f"unreachable: {getattr(err, 'reason', None) or err.__class__.__name__}"
        left = deadline - monotonic()
        if left <= 0:
            print(
                f"slack: could not check SLACK_BOT_TOKEN with Slack for {config.slack_startup_wait} "
                f"s ({trouble}); giving up. Check the network and https://slack-status.com, "
                "then start Tactful again.",
                file=sys.stderr,
            )
            raise SystemExit(EXIT_SLACK_DOWN)
        wait = min(wait, left)
        logger.warning(
            "Slack is not answering at start-up (%s); trying again in %.0f s", trouble, wait
        )
        sleep(wait)
        delay = min(delay * 2, 30.0)


def listen(config: Config, wsgi: Callable) -> BaseWSGIServer | MultiSocketServer:
    """The HTTP server, listening on HOST:PORT (not yet serving: call `.run()`). An address
    that can't be listened on stops start-up with one line naming HOST and PORT (exit 2)."""
    try:
        return serving.create(
            wsgi,
            host=config.host,
            port=config.port,
            read_timeout=config.http_read_timeout,
            connection_limit=config.http_max_connections,
            threads=8,
            ident="tactful",
            # waitress refuses a body of this size or more with 413 before reading it; the
            # app checks again (for other WSGI servers, and bodies without a length).
            max_request_body_size=config.max_body_bytes + 1,
        )
    except (OSError, ValueError) as err:  # waitress: ValueError for a host it can't resolve
        print(
            f"config: HOST={config.host}, PORT={config.port}: can't listen there "
            f"({_listen_trouble(err)})",
            file=sys.stderr,
        )
        raise SystemExit(EXIT_CONFIG) from None


def _listen_trouble(err: OSError | ValueError) -> str:
    """Why HOST:PORT can't be listened on, and what to do about it."""
    if not isinstance(err, OSError) or isinstance(err, socket.gaierror):
        return "HOST is not an IP address or a host name this machine can look up; e.g. 127.0.0.1"
    if err.errno == errno.EADDRINUSE:
        return "another program is using the port: stop it, or choose another PORT"
    if err.errno == errno.EADDRNOTAVAIL:
        return "HOST is not an address of this machine: use one of its own, or 0.0.0.0 for all"
    if err.errno == errno.EACCES:
        return "ports below 1024 need privileges: choose a PORT above 1023"
    return err.strerror or err.__class__.__name__


def log_why_no_digest(config: Config) -> None:
    """At start-up, one line if DIGEST is on but the weekly digest has nowhere to go."""
    if config.digest is not None and config.oauth:
        logger.info(
            "No weekly digest: installable by many workspaces there is no one NUDGE_CHANNEL"
        )
    elif config.digest is not None and not config.nudge_channel:
        logger.warning(
            "The weekly digest (DIGEST=%s) is not posted: it goes to NUDGE_CHANNEL, which is "
            "not set. Set NUDGE_CHANNEL, or DIGEST=off to silence this.",
            config.digest,
        )


def serve(config: Config) -> None:
    store = open_store(config)
    installations = open_installations(config) if config.oauth else None
    engine = build_engine(config, store, installations=installations)
    if installations is None:
        wait_for_slack(config)  # installable by many workspaces there is no one token to check
    commands = client_commands(config, store)
    # Each workspace's own client, as the nudge pass uses (the token of the team it publishes for).
    home = HomeViews(commands, engine.clients, utc_now)
    try:
        app = build_app(config, store, engine=engine, installations=installations, home=home)
    except BoltError as err:
        # Slack answered auth.test a moment ago; this is its second answer, so say only
        # what it said (the error code, never the token).
        print(f"slack: Slack's start-up check failed: {err}", file=sys.stderr)
        raise SystemExit(EXIT_SLACK_DOWN) from None
    log_why_no_digest(config)

    # HOST:PORT is taken before the scheduler starts: one that can't be listened on stops
    # start-up here, before a nudge pass has posted anything.
    server = None if config.socket_mode else listen(config, http_app(config, app, store))
    # The BCC address (EMAIL_LISTEN), beside the app: taken now too, before any pass.
    mail = email_listener(config, store, home.changed, utc_now)

    # Sends by email a crash left at "sending": their threads ask a person, once per process.
    mailer, unknown_shown = email_out(config, store, home.changed), set[tuple[str, str, str]]()

    def after_pass(now: datetime) -> None:
        if mailer is not None:
            show_unknown_sends(engine, mailer, config.timezone, now, unknown_shown)
        commands.refresh_overviews(now)
        for team in store.teams():
            home.changed(team)
        if installations is not None:
            # Install links nobody followed (each issued link deletes them too).
            installations.state_store.purge_expired()

    scheduler = jobs.start(
        engine,
        scheduler_lock(config),
        tz=config.timezone,
        minutes=config.scan_minutes,
        clock=utc_now,
        after=after_pass,
        digest=weekly_digest(config, store, engine.clients, home).run,
    )

    def stop(signum: int, _frame: object) -> None:
        logger.info("Received %s: shutting down", signal.Signals(signum).name)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        if server is None:  # Socket Mode
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            logger.info("Tactful is connecting to Slack in Socket Mode")
            SocketModeHandler(app, config.app_token).start()
            return
        logger.info(
            "Tactful is serving Slack requests on http://%s:%s/slack/events",
            config.host,
            config.port,
        )
        if installations is not None:
            logger.info(
                "Workspaces install Tactful from http://%s:%s%s",
                config.host,
                config.port,
                INSTALL_PATH,
            )
        server.run()
    finally:
        # Let a pass in progress finish its current write; pending nudges wait for next time.
        scheduler.shutdown(wait=True)
        if mail is not None:
            mail.stop()


def email_listener(
    config: Config,
    store: Store,
    changed: Callable[[str], None],
    clock: Callable[[], datetime],
) -> EmailListener | None:
    """The SMTP listener for the BCC addresses, started; None when EMAIL_LISTEN is not set."""
    settings = config.email
    if settings.listen is None:
        return None
    replies = SharedChannelReplies(store, config.timezone, auto_heard=config.auto_heard)
    inbox = BccInbox(
        MailLog(store, config.timezone, replies, changed),
        settings.secret,
        clock,
        settings.allowed_domains,
    )
    host, port = settings.listen
    listener = EmailListener(inbox, host, port, settings.max_bytes)
    try:
        listener.start()
    except (OSError, RuntimeError) as err:
        print(
            f"config: can't listen for mail on EMAIL_LISTEN={host}:{port} ({err})", file=sys.stderr
        )
        raise SystemExit(EXIT_CONFIG) from None
    return listener


def open_audit_log(config: Config) -> AuditLog:
    """The audit log of operators' deletions (`python bot.py purge`), beside the installations."""
    return _open_workspaces_db(config, lambda url: AuditLog(url, config.database_timeout))


# What the command-line modes (cli/) build their stores, engines and apps with.
ROOT = cli.Root(
    open_store=open_store,
    build_engine=build_engine,
    build_app=build_app,
    client_commands=client_commands,
    weekly_digest=weekly_digest,
    scheduler_lock=scheduler_lock,
    open_installations=open_installations,
    open_audit_log=open_audit_log,
)


def main(argv: list[str]) -> int:
    # The .env of the folder Tactful is run from (not of wherever bot.py lives), read before
    # logging is set up so LOG_LEVEL can come from it too.
    load_dotenv(find_dotenv(usecwd=True))
    mode = argv[0] if argv else "serve"
    # The console is a conversation: routine INFO lines would interrupt it.
    default = "WARNING" if mode == "console" else "INFO"
    level = os.environ.get("LOG_LEVEL", default).strip().upper() or default
    if level not in logging.getLevelNamesMapping():
        print(
            f"config: LOG_LEVEL={level!r} should be DEBUG, INFO, WARNING or ERROR.", file=sys.stderr
        )
        return EXIT_CONFIG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    keep_bodies_out_of_logs()
    if mode in ("-h", "--help", "help"):
        print(__doc__)
        return 0
    if mode == "serve":
        serve(load_config())
        return 0
    run = cli.MODES.get(mode)
    if run is None:
        print(
            f"Unknown mode {mode!r}. Try: python bot.py [{'|'.join([*cli.MODES, '--help'])}]",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    return run(argv[1:], ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
