"""Only one scheduler acts at a time, even with several processes on the same data."""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)


class SchedulerLock:
    """An exclusive flock on a file in the data folder. The kernel drops it if the holder
    dies, so a crashed scheduler never blocks the next one."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def held(self, *, wait: bool) -> Iterator[bool]:
        """Yields True if this process holds the lock. With wait=False, yields False at once
        when another process has it (the periodic job just tries again next time)."""
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
                    yield False
                    return
                logger.info(
                    "Another Tactful scheduler (pid %s) is running a pass; waiting for it to finish.",
                    holder,
                )
                fcntl.flock(fd, fcntl.LOCK_EX)
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
