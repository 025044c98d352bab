"""What every command-line mode shares: the exit code for a setting to fix, reading the
settings, `--now`, the team-id check, and `Root`, what bot.py builds and hands to each mode."""

from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from dotenv import find_dotenv, load_dotenv
from slack_bolt import App

import config as config_module
from clock import utc_now
from config import Config, ConfigError
from scheduler.lock import PassLock
from service.commands import ClientCommands
from service.digest import WeeklyDigest
from service.nudges import NudgeEngine
from service.workspaces import AuditLog, Installations
from storage.base import Store

EXIT_CONFIG = 2  # a setting, the token or the data folder needs fixing: restarting won't help
TEAM_ID = re.compile(r"^[TE][A-Z0-9]{2,31}$")


@dataclass(frozen=True)
class Root:
    """The builders of the composition root (bot.py), handed to each mode, so that nothing in
    cli/ imports bot.py (run as a script it is `__main__`: importing it would load it twice).
    Each one prints one line and exits with EXIT_CONFIG when a setting is wrong."""

    open_store: Callable[[Config, Callable[[], datetime]], Store]
    build_engine: Callable[..., NudgeEngine]  # (config, store, *, client=, pace=...)
    build_app: Callable[..., App]  # (config, store, *, clock=, client=...)
    client_commands: Callable[[Config, Store], ClientCommands]
    weekly_digest: Callable[..., WeeklyDigest]  # (config, store, clients, home=None)
    scheduler_lock: Callable[[Config], PassLock]
    open_installations: Callable[[Config], Installations]
    open_audit_log: Callable[[Config], AuditLog]


def load_config(need_slack: bool = True) -> Config:
    """The settings from the environment (and the .env of the folder Tactful is run from); any
    problem is one line each on stderr, then exit EXIT_CONFIG."""
    load_dotenv(find_dotenv(usecwd=True))  # again for create_wsgi(), which skips main()
    try:
        return config_module.load(os.environ, need_slack=need_slack)
    except ConfigError as err:
        for problem in err.problems:
            print(f"config: {problem}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None


def now_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--now",
        help=f"{what} (ISO, in TIMEZONE), e.g. 2026-12-01T10:00; default: the real time. "
        "For trying Tactful out on pretend days, as the console's `scan --now` does.",
    )


def now_from(given: str | None, config: Config, mode: str) -> datetime | None:
    """The moment a command-line mode acts at: `--now`, or the real time. None (and one line
    on stderr) for a `--now` that isn't a date-time."""
    if not given:
        return utc_now()
    try:
        moment = datetime.fromisoformat(given)
    except ValueError:
        print(
            f"{mode}: --now {given!r} is not an ISO date-time like 2026-12-01T10:00",
            file=sys.stderr,
        )
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=config.timezone)


def operator() -> str:
    """Who runs this command, for the audit log (a container may have no user name)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"
