"""The nudge pass as a periodic APScheduler job, beside Slack handling."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, tzinfo

from apscheduler.schedulers.background import BackgroundScheduler

from scheduler.lock import PassLock
from service.nudges import NudgeEngine

logger = logging.getLogger(__name__)
JOB_ID = "nudge-scan"


def run_pass(
    engine: NudgeEngine, lock: PassLock, now: datetime, *, wait: bool, dry_run: bool = False
):
    """One pass under the scheduler lock, for the workspaces it claims; None if another
    process holds the lock and we don't wait."""
    with lock.held(wait=wait) as claim:
        if claim is None:
            return None
        # A dry run changes nothing, so it shares nothing: it looks at every workspace.
        report = engine.scan(now, dry_run=dry_run, claim=None if dry_run else claim)
        logger.info("Nudge pass at %s: %s", now.isoformat(timespec="minutes"), report.summary())
        return report


def start(
    engine: NudgeEngine,
    lock: PassLock,
    *,
    tz: tzinfo,
    minutes: int,
    clock: Callable[[], datetime],
    after: Callable[[datetime], None] | None = None,
    digest: Callable[[datetime], object] | None = None,
) -> BackgroundScheduler:
    """Start the periodic pass. The caller shuts it down (bot.py does, on SIGTERM/SIGINT).

    `digest(now)` posts the weekly digest when it is due; it runs after each pass whether or
    not this process held the lock, because it claims each week in the store itself
    (service/digest.py). `after(now)` runs last: work to keep ready in this process (bot.py
    refreshes the overview `/client list` reads, and App Home for those who have it open)."""
    scheduler = BackgroundScheduler(
        timezone=tz,
        job_defaults={
            # After a pause (laptop sleep, a slow pass) run once, not once per missed interval.
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": 15 * 60,
        },
    )

    def job() -> None:
        try:
            run_pass(engine, lock, clock(), wait=False)
        except Exception:
            logger.exception("The nudge pass failed; pending nudges stay pending for the next pass")
        if digest is not None:
            try:
                digest(clock())
            except Exception:
                logger.exception("The weekly digest failed; it is tried again on the next pass")
        if after is not None:
            try:
                after(clock())
            except Exception:
                logger.exception("The work after the nudge pass failed; it runs again next time")

    scheduler.add_job(job, "interval", minutes=minutes, id=JOB_ID, next_run_time=clock())
    scheduler.start()
    return scheduler
