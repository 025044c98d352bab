"""Asking Slack whether a channel is shared with an outside organisation (`conversations.info`,
scopes `channels:read` and `groups:read`), for everything that posts the team's own messages:
`/client add|set ... in #c`, `report ... share`, `offboard`, the nudge pass and the weekly
digest.

One short call with no retries: it sits in front of a command's answer (Slack's 3 seconds) or a
post. When Slack can't say (a channel Tactful isn't in, an installation from before the scopes
were added, Slack down), the answer is "not known to be shared": the post goes where the team
said, as before, and the log says why it couldn't check.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.agency import shared_outside

logger = logging.getLogger(__name__)
LOOKUP_TIMEOUT = 2


def is_shared_outside(client: WebClient, channel: str) -> bool:
    """Whether `channel` (C... or G...) is shared with an outside organisation; DMs never are.

    Args:
        client: the workspace's Web API client (its token).
        channel: a channel id.
    """
    if not channel or channel[0] not in "CG":
        return False
    quick_client = WebClient(
        token=client.token, base_url=client.base_url, timeout=LOOKUP_TIMEOUT, retry_handlers=[]
    )
    try:
        info = quick_client.conversations_info(channel=channel)
    except SlackApiError as err:
        logger.warning(
            "Could not tell whether %s is shared outside (%s)", channel, err.response.get("error")
        )
        return False
    except OSError as err:
        logger.warning("Could not tell whether %s is shared outside: %s", channel, err)
        return False
    return shared_outside(info.get("channel") or {})
