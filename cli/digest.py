"""`python bot.py digest [--now ISO]`: post the weekly digest now if it is due, then exit."""

from __future__ import annotations

import argparse

from cli.common import EXIT_CONFIG, Root, load_config, now_from, now_option


def run(argv: list[str], root: Root) -> int:
    parser = argparse.ArgumentParser(
        prog="python bot.py digest",
        description="Post the weekly digest in NUDGE_CHANNEL if it is due (once a week, on a "
        "working day from DIGEST's time on), then exit. `python bot.py scan` does this too.",
    )
    now_option(parser, "post it as if it were this moment")
    args = parser.parse_args(argv)
    config = load_config()
    now = now_from(args.now, config, "digest")
    if now is None:
        return EXIT_CONFIG
    if config.digest is None or not config.nudge_channel:
        print("digest: off (DIGEST=off, or NUDGE_CHANNEL is not set).")
        return 0
    store = root.open_store(config, lambda: now)
    results = root.weekly_digest(config, store, root.build_engine(config, store).clients).run(now)
    for team, result in sorted(results.items()):
        print(f"{team}: {result}")
    if not results:
        print("digest: none is due now.")
    return 0
