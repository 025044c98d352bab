"""Where a client's nudges go. Pure.

The nudge pass, `/client add` and `set`, `status`, `list` and App Home all ask `nudge_route`,
so what the team is told and where nudges really land can't disagree. A nudge never has
nowhere to go while someone can be told: failing a channel and an owner, it goes by DM to the
person who added the client.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from domain.models import Client, ClientRecord, Nudge, NudgeStatus


class Via(StrEnum):
    CLIENT_CHANNEL = "client channel"  # `in #channel`
    NUDGE_CHANNEL = "NUDGE_CHANNEL"  # the deployment's channel for clients without one
    OWNER_DM = "owner DM"  # `owner @person`
    CREATOR_DM = "creator DM"  # whoever added the client
    NOWHERE = "nowhere"


@dataclass(frozen=True)
class Route:
    via: Via
    target: str = ""  # the channel ID, or the user ID to DM; "" for NOWHERE

    @property
    def is_dm(self) -> bool:
        return self.via in (Via.OWNER_DM, Via.CREATOR_DM)


# Slack user IDs (W... on Enterprise Grid): only a person can be sent a DM.
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def is_user_id(text: str) -> bool:
    return bool(_USER_ID.match(text))


def nudge_route(client: Client, nudge_channel: str) -> Route:
    """Where this client's nudges go: its channel, else NUDGE_CHANNEL, else a DM to its owner,
    else a DM to whoever added it; NOWHERE only if none of those is a channel or a person."""
    if client.channel:
        return Route(Via.CLIENT_CHANNEL, client.channel)
    if nudge_channel:
        return Route(Via.NUDGE_CHANNEL, nudge_channel)
    return private_route(client)


def private_route(client: Client) -> Route:
    """Where the team's messages about this client go when its channel (or NUDGE_CHANNEL) turns
    out to be shared with an outside organisation: the same DMs a client with no channel gets
    (its owner, else whoever added it), so the client never reads them."""
    if is_user_id(client.owner):
        return Route(Via.OWNER_DM, client.owner)
    if is_user_id(client.created_by):
        return Route(Via.CREATOR_DM, client.created_by)
    return Route(Via.NOWHERE)


# Nudge.undeliverable when the route is NOWHERE (else it holds Slack's error code).
NO_ROUTE = "no_route"


def undeliverable(record: ClientRecord) -> list[Nudge]:
    """Nudges waiting to be posted that Slack refused for good (or that had nowhere to go):
    they need the team to fix a setting, and are shown until they are posted."""
    return [
        n for n in record.nudges.values() if n.status is NudgeStatus.PENDING and n.undeliverable
    ]
