"""`python bot.py copy --from data/tactful.json [--to postgresql://...] [--now ISO]`: copy every
workspace from a TinyDB store into PostgreSQL, verified entry by entry."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.common import EXIT_CONFIG, Root, load_config, now_from, now_option
from service.nudges import NudgeSchedule
from storage.base import StoreUnavailable
from storage.tinydb_store import TinyDBStore


def run(argv: list[str], root: Root) -> int:
    parser = argparse.ArgumentParser(
        prog="python bot.py copy",
        description="Copy every workspace from a TinyDB store into PostgreSQL, then verify every "
        "client, interaction and nudge. Workspaces already in the target are verified, not "
        "copied again.",
    )
    parser.add_argument("--from", dest="source", required=True, help="e.g. data/tactful.json")
    parser.add_argument("--to", dest="target", help="postgresql://... (default: DATABASE_URL)")
    now_option(parser, "make the nudge pass's checks index as of this moment")
    args = parser.parse_args(argv)
    config = load_config(need_slack=False)
    now = now_from(args.now, config, "copy")
    if now is None:
        return EXIT_CONFIG
    target_url = args.target or config.database_url
    from storage.copy import copy_store
    from storage.postgres_store import PostgresStore, is_database_url

    if not target_url or not is_database_url(target_url):
        print("copy: --to should be a postgresql:// URL (or set DATABASE_URL)", file=sys.stderr)
        return EXIT_CONFIG
    source_path = Path(args.source)
    if not source_path.is_file():
        print(f"copy: --from {args.source}: no TinyDB catalogue there", file=sys.stderr)
        return EXIT_CONFIG
    schedule = NudgeSchedule(config.timezone, config.ladders, clock=lambda: now)
    try:
        source = TinyDBStore(source_path, currency=config.currency)
        target = PostgresStore(target_url, schedule=schedule, currency=config.currency)
    except StoreUnavailable as err:
        print(f"copy: {err}", file=sys.stderr)
        return EXIT_CONFIG
    report = copy_store(source, target)
    for problem in report.problems:
        print(f"copy: {problem}", file=sys.stderr)
    print(report.summary())
    return 1 if report.problems else 0
