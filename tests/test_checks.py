"""The shared no-live-markup check: it must see markup wherever a payload can carry it."""

from __future__ import annotations

import json

from local_slack import Call
from tests.checks import outbound_live_markup


def test_markup_is_found_in_text_blocks_and_views_however_they_were_encoded() -> None:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "hi <!channel>"}}
    calls = [
        Call("chat.postMessage", {"channel": "C1", "text": "a <https://x.example|b>"}, "t"),
        Call("chat.update", {"channel": "C1", "ts": "1", "blocks": json.dumps([section])}, "t"),
        Call("chat.postEphemeral", {"user": "U1", "text": "<@U0BOB> <!here>"}, "t"),
        Call("views.open", {"trigger_id": "1", "view": json.dumps({"blocks": [section]})}, "t"),
        Call(
            "views.publish", {"user_id": "U1", "view": {"type": "home", "blocks": [section]}}, "t"
        ),
    ]
    assert outbound_live_markup(calls) == [
        "chat.postMessage: ['<https://x.example|b>']",
        "chat.update: ['<!channel>']",
        "chat.postEphemeral: ['<!here>']",
        "views.open: ['<!channel>']",
        "views.publish: ['<!channel>']",
    ]


def test_the_apps_own_mentions_and_escaped_text_pass() -> None:
    calls = [
        Call("chat.postMessage", {"text": "<@U0BOB> in <#C0ACME>: a &lt;b&gt; &amp; c"}, "t"),
        Call("conversations.history", {"channel": "C1"}, "t"),
        # plain_text is never parsed by Slack: only mrkdwn counts.
        Call(
            "views.open",
            {
                "view": {
                    "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "<x>"}}]
                }
            },
            "t",
        ),
    ]
    assert outbound_live_markup(calls) == []
