"""Which Slack messages are the client talking. Pure: a message event in, a verdict out.

In a Slack Connect channel shared with a client, everyone writes: the client's people, the
agency's own, bots and apps. Only a person from outside the agency's workspace writing a new
message (in the channel or in a thread) is the client replying. Edits, deletions, joins and
other housekeeping arrive as message events too, with a `subtype`; none of them is a reply.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any

# A person writing: a plain message has no subtype; a thread reply also sent to the channel
# and a message with a file attached ("here are the files") are a person writing too.
PERSON_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})


@dataclass(frozen=True)
class ClientMessage:
    """A message written by someone outside the agency."""

    channel: str
    ts: str
    author: str
    text: str
    # The author's Slack organisation (`user_team`): the client's, or another org in the
    # channel (a subcontractor's, another workspace of the agency's own Enterprise org).
    author_team: str = ""

    @property
    def key(self) -> str:
        """What identifies the message however often Slack delivers it."""
        return f"{self.channel}/{self.ts}"

    def sent_on(self, tz: tzinfo) -> date:
        return datetime.fromtimestamp(float(self.ts), UTC).astimezone(tz).date()


def client_message(event: Mapping[str, Any], our_team: str | None) -> ClientMessage | None:
    """The event as a message from outside the agency's workspace, or None.

    Args:
        event: the `event` of a Slack `message` event callback.
        our_team: the agency's workspace (the team the app is installed in).
    """
    if event.get("type") != "message" or event.get("subtype") not in PERSON_SUBTYPES:
        return None
    if event.get("bot_id") or event.get("bot_profile"):
        return None  # an app or bot, ours or theirs, even one posting with a user id
    channel, ts, author = event.get("channel"), event.get("ts"), event.get("user")
    if not (_is(_CHANNEL, channel) and _is(_TS, ts) and _is(_USER, author)):
        return None
    # In a Slack Connect channel each message says which workspace its author belongs to:
    # `user_team` (and `team`). Without it, we can't tell it is the client: not a reply.
    author_team = event.get("user_team") or event.get("team")
    if not our_team or not author_team or author_team == our_team:
        return None
    text = event.get("text")
    assert channel and ts and author  # checked by _is above
    return ClientMessage(
        channel, ts, author, text if isinstance(text, str) else "", author_team=str(author_team)
    )


_CHANNEL = re.compile(r"[CG][A-Z0-9]{2,}")
_USER = re.compile(r"[UW][A-Z0-9]{2,}")
_TS = re.compile(r"[0-9]{1,12}\.[0-9]{1,9}")


def _is(pattern: re.Pattern[str], value: object) -> bool:
    return isinstance(value, str) and pattern.fullmatch(value) is not None
