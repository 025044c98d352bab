"""`python bot.py scan [--now ISO] [--dry-run]`: one nudge pass, then exit. After a real pass
it posts the weekly digest if it is due and remakes the overviews `/client list` reads."""

from __future__ import annotations

import argparse

from cli.common import EXIT_CONFIG, Root, load_config, now_from, now_option
from scheduler import jobs


def run(argv: list[str], root: Root) -> int:
    parser = argparse.ArgumentParser(
        prog="python bot.py scan", description="Run one nudge pass and exit."
    )
    now_option(parser, "evaluate the rules at this moment")
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would be posted; change nothing"
    )
    args = parser.parse_args(argv)
    config = load_config(need_slack=not args.dry_run)
    now = now_from(args.now, config, "scan")
    if now is None:
        return EXIT_CONFIG
    store = root.open_store(config, lambda: now)
    engine = root.build_engine(config, store)
    lock = root.scheduler_lock(config)
    report = jobs.run_pass(engine, lock, now, wait=True, dry_run=args.dry_run)
    if args.dry_run:
        print("\n\n".join(report.preview) if report.preview else "Nothing would be posted.")
    else:
        print(report.summary())
        root.weekly_digest(config, store, engine.clients).run(now)
        # Saved beside the data, for the serving processes (which run no scheduler here).
        root.client_commands(config, store).refresh_overviews(now)
    return 0
