"""Which process may run the nudge pass for which workspace, even with several on the same data.

A pass holds its lock (`held`), then claims each workspace before acting for it (`claim`). On
TinyDB one process runs the whole pass; on PostgreSQL the replicas share it, one per workspace.
Either way no two passes act for one workspace at once, which with the engine's outbox (each
post written down before it is sent, looked up before it is sent again) makes each nudge and
delivery happen once.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

logger = logging.getLogger(__name__)

# Whether this pass may act for a workspace (team id) now; held until the pass ends.
Claim = Callable[[str], bool]
# The first key of every advisory lock Tactful takes for a pass (the second is the team's hash).
PASS_LOCKS = 7_340_002


class PassLock(Protocol):
    def held(self, *, wait: bool) -> Any:
        """A context manager: yields a Claim, or None if this process stands by."""
        ...


def _every_team(_team: str) -> bool:
    return True


class SchedulerLock:
    """An exclusive flock on a file in the data folder. The kernel drops it if the holder
    dies, so a crashed scheduler never blocks the next one."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def held(self, *, wait: bool) -> Iterator[Claim | None]:
        """Yields a Claim of every team if this process holds the lock. With wait=False, yields
        None at once when another process has it (the periodic job just tries again next time)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
                if not wait:
                    logger.info(
                        "Another Tactful scheduler (pid %s) is running this pass; this one stands by.",
                        holder,
                    )
                    yield None
                    return
                logger.info(
                    "Another Tactful scheduler (pid %s) is running a pass; waiting for it to finish.",
                    holder,
                )
                fcntl.flock(fd, fcntl.LOCK_EX)
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            try:
                yield _every_team
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


class DatabasePassLock:
    """Replicas on one PostgreSQL database share the pass by workspace.

    Each pass opens a session of its own and claims a workspace with a session advisory lock
    (`pg_try_advisory_lock`) before acting for it, keeping every claim until the pass ends. A
    workspace another replica is passing over is skipped (or, with wait=True, waited for), and
    so is one whose pass another replica completed since this pass began (`team_passes`), so
    three replicas starting together split the workspaces between them. PostgreSQL ends the
    session of a replica that dies, and with it its claims; it never recorded those passes as
    completed, so the next pass of any replica takes those workspaces over, and the outbox
    finds what the dead one had posted."""

    def __init__(self, connect: Callable[[], Any]) -> None:
        self.connect = connect  # a new autocommit connection to the store's database

    @contextmanager
    def held(self, *, wait: bool) -> Iterator[Claim]:
        conn = self.connect()
        claimed: list[str] = []
        try:
            (started,) = conn.execute("SELECT clock_timestamp()").fetchone()

            def claim(team: str) -> bool:
                key = (PASS_LOCKS, team)
                if wait:
                    conn.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", key)
                elif not conn.execute(
                    "SELECT pg_try_advisory_lock(%s, hashtext(%s))", key
                ).fetchone()[0]:
                    logger.info("Another replica is passing over team %s; this one skips it", team)
                    return False
                done = conn.execute(
                    "SELECT passed_at > %s FROM team_passes WHERE team_id = %s", (started, team)
                ).fetchone()
                if done and done[0]:
                    conn.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", key)
                    return False
                claimed.append(team)
                return True

            yield claim
            # Only a pass that ran to its end counts as done.
            conn.execute(
                "INSERT INTO team_passes (team_id, passed_at)"
                " SELECT unnest(%s::text[]), clock_timestamp()"
                " ON CONFLICT (team_id) DO UPDATE SET passed_at = excluded.passed_at",
                (claimed,),
            )
        finally:
            conn.close()  # ends the session, and every claim with it
