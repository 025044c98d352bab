"""The one place Tactful reads the machine's clock.

Everything else is handed `now` (a `Callable[[], datetime]` from `bot.py`, or a pinned moment
in the console and the tests), so the rules, the wording and the record can be driven through
any day, and a time bomb shows when CI runs the suite with the process clock moved ahead.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

__all__ = ["logging_order", "utc_now"]


def utc_now() -> datetime:
    """The real moment, in UTC."""
    return datetime.now(UTC)


_order_lock = threading.Lock()
_last_order = 0


def logging_order() -> int:
    """A number for each line as it is logged, larger than any this process handed out before
    and than any logged earlier on this machine.

    "Your last entry" (undo) means the order things were typed in, which a pinned or corrected
    clock can reorder: `scan --now` in the console moves `now` back and forth, and NTP can step
    the machine's clock back. So this is not `now`: it is the machine's nanoseconds made
    strictly increasing within the process, like a UUIDv7's counter."""
    global _last_order
    with _order_lock:
        _last_order = max(time.time_ns(), _last_order + 1)
        return _last_order
