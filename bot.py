"""Tactful: the one composition root.

    python bot.py              serve Slack (Socket Mode if SLACK_APP_TOKEN is set, else HTTP)
    python bot.py console      try it with no Slack: type /client commands, see the replies
    python bot.py scan [--now 2026-12-01T10:00] [--dry-run]   one nudge pass, then exit
    python bot.py purge --team T0123 [--yes]   delete one workspace's whole record (audited)
    python bot.py export <name> | --all [--team T...] [--out DIR]   records as CSV + Markdown

Reads config, opens storage, builds the Bolt app, registers handlers and jobs, and starts the
chosen mode. Nothing happens at import time, so `create_wsgi()` can be handed to gunicorn or
waitress-serve (`waitress-serve --call bot:create_wsgi`).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import re
import signal
import socket
import sys
import time
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from dotenv import find_dotenv, load_dotenv
from slack_bolt import App
from slack_bolt.error import BoltError
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from sqlalchemy.exc import SQLAlchemyError

import config as config_module
import handlers
from config import Config, ConfigError
from domain.inputs import parse_date
from handlers.actions import Approvers
from handlers.deps import Deps
from handlers.http import wsgi_app
from scheduler import jobs
from scheduler.lock import SchedulerLock
from service.commands import ClientCommands
from service.decisions import Decisions
from service.export import Exports
from service.heard import SharedChannelReplies
from service.nudges import NudgeEngine, NudgeSchedule, WorkingHours, retry_after
from service.offboarding import Offboardings
from service.workspaces import (
    INSTALL_PATH,
    AuditLog,
    Clients,
    Installations,
    Uninstalls,
    single_workspace,
    sqlalchemy_url,
)
from storage.base import StoreUnavailable
from storage.tinydb_store import TinyDBStore
from ui.client_message import Letterhead
from ui.wording import Wording, WordingError

logger = logging.getLogger("tactful")
T = TypeVar("T")
EXIT_CONFIG = 2  # a setting, the token or the data folder needs fixing: restarting won't help
EXIT_SLACK_DOWN = 3  # Slack stayed unreachable for SLACK_STARTUP_WAIT: try again later
# auth.test answers that mean Slack is having trouble, not that the token is wrong.
SLACK_TROUBLE = frozenset(
    {"fatal_error", "internal_error", "service_unavailable", "request_timeout", "ratelimited"}
)


def utc_now() -> datetime:
    return datetime.now(UTC)


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


def build_app(
    config: Config,
    store: TinyDBStore,
    *,
    clock: Callable[[], datetime] = utc_now,
    client: WebClient | None = None,
    verify_requests: bool = True,
    listener_executor: Executor | None = None,
    engine: NudgeEngine | None = None,
    process_before_response: bool = True,
    installations: Installations | None = None,
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
        installations: installable by many workspaces, their database (opened if not given).
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
        logger=bolt_logger,
        process_before_response=process_before_response,
        listener_executor=listener_executor,
    )

    @app.error
    def on_error(error: Exception, body: dict) -> None:
        body = body or {}
        team = body.get("team_id") or (body.get("team") or {}).get("id")
        logger.error("Unhandled error in a Slack listener (team %s)", team, exc_info=error)

    commands = ClientCommands(
        store,
        config.timezone,
        ladders=config.ladders,
        nudge_channel=config.nudge_channel,
        auto_heard=config.auto_heard,
        currency=config.currency,
        wording=load_wording(config),
    )
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
    handlers.register_all(
        app,
        Deps(
            commands,
            decisions,
            engine,
            Approvers(config.approvers),
            clock,
            replies,
            Exports(store),
            Offboardings(store, config.timezone),
            Uninstalls(installations),
        ),
    )
    # dateparser loads its language data on first use (~0.3 s): pay that now, not on a request.
    parse_date("yesterday", clock().date())
    return app


def open_store(config: Config, clock: Callable[[], datetime] = utc_now) -> TinyDBStore:
    """The store, keeping the nudge pass's checks index under this deployment's rules."""
    schedule = NudgeSchedule(config.timezone, config.ladders, clock)
    try:
        return TinyDBStore(config.database_path, schedule=schedule, currency=config.currency)
    except StoreUnavailable as err:
        print(f"data: DATABASE_PATH: {err}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None


def load_wording(config: Config) -> Wording:
    try:
        return Wording.load(config.wording_path)
    except WordingError as err:
        print(f"config: WORDING_PATH: {err}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None


def build_engine(
    config: Config,
    store: TinyDBStore,
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
            calendar=config.ladders.calendar,
        ),
    )


def scheduler_lock(config: Config) -> SchedulerLock:
    return SchedulerLock(config.database_path.with_suffix("") / ".scheduler.lock")


def _load(need_slack: bool = True) -> Config:
    load_dotenv(find_dotenv(usecwd=True))  # again for create_wsgi(), which skips main()
    try:
        return config_module.load(os.environ, need_slack=need_slack)
    except ConfigError as err:
        for problem in err.problems:
            print(f"config: {problem}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None


def create_wsgi() -> Callable:
    """The WSGI app for gunicorn/waitress-serve: reads config and opens storage when called."""
    config = _load()
    if not config.signing_secret:
        print("config: SLACK_SIGNING_SECRET is needed to serve Slack over HTTP.", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG)
    store = open_store(config)
    installations = open_installations(config) if config.oauth else None
    if installations is None:
        wait_for_slack(config)  # installable by many workspaces there is no one token to check
    return http_app(config, build_app(config, store, installations=installations), store)


def http_app(config: Config, app: App, store: TinyDBStore) -> Callable:
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


def serve(config: Config) -> None:
    store = open_store(config)
    installations = open_installations(config) if config.oauth else None
    engine = build_engine(config, store, installations=installations)
    if installations is None:
        wait_for_slack(config)  # installable by many workspaces there is no one token to check
    try:
        app = build_app(config, store, engine=engine, installations=installations)
    except BoltError as err:
        # Slack answered auth.test a moment ago; this is its second answer, so say only
        # what it said (the error code, never the token).
        print(f"slack: Slack's start-up check failed: {err}", file=sys.stderr)
        raise SystemExit(EXIT_SLACK_DOWN) from None
    scheduler = jobs.start(
        engine,
        scheduler_lock(config),
        tz=config.timezone,
        minutes=config.scan_minutes,
        clock=utc_now,
        after=ClientCommands(store, config.timezone, ladders=config.ladders).refresh_overviews,
    )

    def stop(signum: int, _frame: object) -> None:
        logger.info("Received %s: shutting down", signal.Signals(signum).name)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        if config.socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            logger.info("Tactful is connecting to Slack in Socket Mode")
            SocketModeHandler(app, config.app_token).start()
            return
        import waitress

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
        waitress.serve(
            http_app(config, app, store),
            host=config.host,
            port=config.port,
            threads=8,
            ident="tactful",
            # waitress refuses a body of this size or more with 413 before reading it; the
            # app checks again (for other WSGI servers, and bodies without a length).
            max_request_body_size=config.max_body_bytes + 1,
        )
    finally:
        # Let a pass in progress finish its current write; pending nudges wait for next time.
        scheduler.shutdown(wait=True)


def scan(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python bot.py scan", description="Run one nudge pass and exit."
    )
    parser.add_argument(
        "--now", help="evaluate the rules at this moment (ISO, in TIMEZONE), e.g. 2026-12-01T10:00"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would be posted; change nothing"
    )
    args = parser.parse_args(argv)
    config = _load(need_slack=not args.dry_run)
    now = utc_now()
    if args.now:
        try:
            now = datetime.fromisoformat(args.now)
        except ValueError:
            print(
                f"scan: --now {args.now!r} is not an ISO date-time like 2026-12-01T10:00",
                file=sys.stderr,
            )
            return EXIT_CONFIG
        if now.tzinfo is None:
            now = now.replace(tzinfo=config.timezone)
    store = open_store(config)
    engine = build_engine(config, store)
    report = jobs.run_pass(engine, scheduler_lock(config), now, wait=True, dry_run=args.dry_run)
    if args.dry_run:
        print("\n\n".join(report.preview) if report.preview else "Nothing would be posted.")
    else:
        print(report.summary())
        # Saved beside the data, for the serving processes (which run no scheduler here).
        ClientCommands(store, config.timezone, ladders=config.ladders).refresh_overviews(now)
    return 0


_TEAM_ID = re.compile(r"^[TE][A-Z0-9]{2,31}$")


def _operator() -> str:
    """Who runs this command, for the audit log (a container may have no user name)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def purge(argv: list[str], *, ask: Callable[[str], str] = input) -> int:
    """Delete one workspace's whole record, after a confirmation, and audit it."""
    parser = argparse.ArgumentParser(
        prog="python bot.py purge",
        description="Delete everything Tactful keeps for one workspace, for good (audited).",
    )
    parser.add_argument("--team", required=True, help="the workspace's team id, T...")
    parser.add_argument("--yes", action="store_true", help="don't ask for confirmation")
    args = parser.parse_args(argv)
    team = args.team.strip()
    if not _TEAM_ID.match(team):
        print(f"purge: --team {team!r} is not a Slack team id like T0123ABCD", file=sys.stderr)
        return EXIT_CONFIG
    config = _load(need_slack=False)
    store = open_store(config)
    installations = open_installations(config) if config.oauth else None
    clients = len(store.names(team)) if team in store.teams() else 0
    installed = installations is not None and installations.store.find_installation(
        enterprise_id=None, team_id=team
    )
    if not args.yes:
        what = f"{clients} client(s) and their whole history" + (
            "; it is still installed there, and its installation goes too" if installed else ""
        )
        answer = ask(
            f"Delete everything Tactful keeps for workspace {team} ({what}), for good? "
            f"Type {team} to confirm: "
        )
        if answer.strip() != team:
            print("purge: nothing deleted.", file=sys.stderr)
            return 1
    counts = store.purge_team(team)
    if installations is not None:
        counts["installations"] = installations.forget(team)
    who = f"{_operator()}@{socket.gethostname()}"
    audit = _open_workspaces_db(config, AuditLog)
    audit.append(at=utc_now(), who=who, action="purge", team_id=team, details=counts)
    summary = ", ".join(f"{n} {what}" for what, n in counts.items())
    logger.warning("Purged workspace %s for %s: %s deleted", team, who, summary)
    print(f"Purged workspace {team}: {summary} deleted (recorded in the audit log).")
    return 0


def export(argv: list[str]) -> int:
    """`python bot.py export <name> | --all [--team T...] [--out DIR]`: the record as files."""
    parser = argparse.ArgumentParser(
        prog="python bot.py export",
        description="Write clients' full records as CSV and Markdown files, for the agency's archive.",
    )
    parser.add_argument("name", nargs="*", help="the client's name (as in /client)")
    parser.add_argument("--all", action="store_true", help="every client (of every workspace)")
    parser.add_argument("--team", help="only this workspace (team id T...)")
    parser.add_argument("--out", default="exports", help="folder to write to (default: exports)")
    args = parser.parse_args(argv)
    name = " ".join(args.name)
    if bool(name) == args.all:
        print("export: give a client's name, or --all", file=sys.stderr)
        return EXIT_CONFIG
    config = _load(need_slack=False)
    store = open_store(config)
    teams = [args.team] if args.team else store.teams()
    if name:
        records = [r for r in (store.find(t, name) for t in teams) if r is not None]
        if not records:
            print(f"export: no client called {name!r}", file=sys.stderr)
            return EXIT_CONFIG
        if len(records) > 1:
            found = ", ".join(r.client.team_id for r in records)
            print(
                f"export: {name!r} is in several workspaces ({found}); add --team", file=sys.stderr
            )
            return EXIT_CONFIG
    else:
        records = [r for t in teams for r in store.clients(t)]
    exports, now, out = Exports(store), utc_now(), Path(args.out)
    for record in records:
        # One folder per workspace: two workspaces may each have an "acme".
        for path in exports.write(exports.files(record, now), out / record.client.team_id):
            print(path)
    if not records:
        print("Nothing to export: no clients.", file=sys.stderr)
    return 0


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
    if mode in ("-h", "--help", "help"):
        print(__doc__)
        return 0
    if mode == "console":
        import console

        config = _load(need_slack=False)
        return console.run(
            config,
            open_store(config),
            argv[1:],
            build_app=build_app,
            build_engine=build_engine,
            run_pass=jobs.run_pass,
            lock=scheduler_lock(config),
        )
    if mode == "serve":
        serve(_load())
        return 0
    if mode == "scan":
        return scan(argv[1:])
    if mode == "purge":
        return purge(argv[1:])
    if mode == "export":
        return export(argv[1:])
    print(
        f"Unknown mode {mode!r}. Try: python bot.py [console|scan|export|purge|--help]",
        file=sys.stderr,
    )
    return EXIT_CONFIG


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
