"""`python bot.py console [--team T...]`: try Tactful with no Slack. Type /client commands and
see the replies; the app and the nudge pass are the ones bot.py builds, on a pretend clock.
The console itself is console.py at the top of the repository."""

from __future__ import annotations

from cli.common import Root, load_config
from scheduler import jobs


def run(argv: list[str], root: Root) -> int:
    import console  # the top-level console.py; loaded only for this mode (and its stand-in Slack)

    config = load_config(need_slack=False)
    clock = console.ConsoleClock()
    return console.run(
        config,
        root.open_store(config, clock),
        argv,
        clock=clock,
        build_app=root.build_app,
        build_engine=root.build_engine,
        run_pass=jobs.run_pass,
        lock=root.scheduler_lock(config),
        build_digest=root.weekly_digest,
    )
