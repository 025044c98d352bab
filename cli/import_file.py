"""`python bot.py import FILE.csv [--dry-run] [--team T...] [--dates dmy|mdy] [--owner U...]
[--now ISO]`: the clients and invoices of a CSV file (Tactful's own layout, or a Xero or
QuickBooks Online export) added to one workspace. (`import` is a keyword, hence the name.)"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from cli.common import EXIT_CONFIG, TEAM_ID, Root, load_config, now_from, now_option
from config import Config
from domain.importing import DATE_ORDERS, BadFile, describe
from domain.routing import is_user_id
from service.commands import ClientCommands
from service.importing import Importer

logger = logging.getLogger("tactful")


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python bot.py import",
        description="Add the clients and invoices of a CSV file (Tactful's own layout, or a "
        "Xero or QuickBooks Online invoice export) to one workspace. Invoices already there "
        "(same client, same number) are skipped, so a file can be imported again safely.",
    )
    parser.add_argument("file", type=Path, help="the CSV file")
    parser.add_argument(
        "--dry-run", action="store_true", help="show what would be added; add nothing"
    )
    parser.add_argument(
        "--team", help="the workspace (team id T...); needed if the store has several"
    )
    parser.add_argument(
        "--owner",
        default="",
        help="Slack user id (U...) of who gets new clients' nudges by DM when they have no "
        "channel and NUDGE_CHANNEL is not set",
    )
    parser.add_argument(
        "--dates",
        choices=DATE_ORDERS,
        help="dates like 03/04/2026 are day first (dmy) or month first (mdy)",
    )
    now_option(parser, "import as of this moment (what counts as today and overdue)")
    return parser


def run(argv: list[str], root: Root) -> int:
    args = parser().parse_args(argv)
    if args.owner and not is_user_id(args.owner):
        print(
            f"import: --owner {args.owner!r} is not a Slack user id: copy it from the person's "
            "profile (More → Copy member ID), e.g. U0123ABCD.",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    config = load_config(need_slack=False)
    if not args.file.is_file():
        print(f"import: there is no file {str(args.file)!r}", file=sys.stderr)
        return EXIT_CONFIG
    now = now_from(args.now, config, "import")
    if now is None:
        return EXIT_CONFIG
    store = root.open_store(config, lambda: now)
    team = args.team or _token_team(config)
    if not team:
        teams = store.teams()
        if len(teams) != 1:
            which = f"it has {', '.join(teams)}" if teams else "it has none yet"
            from console import TEAM as CONSOLE_TEAM

            # A new user tries the console first, whose workspace id they can't see anywhere.
            print(
                f"import: which workspace? Add --team T... ({which}; the team id is in the "
                "workspace's Slack URLs and in /client export files; for "
                f"`python bot.py console` it is --team {CONSOLE_TEAM}).",
                file=sys.stderr,
            )
            return EXIT_CONFIG
        team = teams[0]
    importer = Importer(store, config.timezone, config.currency)
    try:
        parsed, plan = importer.read(args.file, team, now, args.dates)
    except BadFile as err:
        print(f"import: {args.file.name} was not imported; nothing was stored.", file=sys.stderr)
        for problem in err.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_CONFIG
    if args.dry_run:
        print(f"Dry run into workspace {team}: nothing is stored.")
        print(describe(plan, parsed, done=False))
        return 0
    if plan.empty:
        print(describe(plan, parsed, done=True))
        return 0
    done = importer.apply(plan, team, args.file.name, now, owner=args.owner)
    print(f"Imported into workspace {team}.")
    print(describe(done, parsed, done=True))
    if done.clients and not (config.nudge_channel or args.owner):
        print(
            "The new clients have no channel and NUDGE_CHANNEL is not set, so their nudges have "
            "nowhere to go yet: give each one with `/client set <name> in #channel` (or "
            "`owner @person`), or import with --owner U...."
        )
    ClientCommands(store, config.timezone, ladders=config.ladders).refresh_overviews(now)
    return 0


def _token_team(config: Config) -> str | None:
    """The workspace of a one-workspace deployment's bot token (auth.test), or None where
    there is no one token (OAuth, the console's) or Slack can't say."""
    if config.oauth or not config.bot_token.startswith("xoxb-"):
        return None
    client = WebClient(
        token=config.bot_token, base_url=config.slack_api_url, timeout=10, retry_handlers=[]
    )
    try:
        team = client.auth_test().get("team_id")
    except (SlackApiError, OSError) as err:
        logger.warning("Could not ask Slack which workspace the bot token is for: %s", err)
        return None
    return team if isinstance(team, str) and TEAM_ID.match(team) else None
