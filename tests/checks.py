"""Assertions shared by several test files: what is stored, what Slack would render, and
what a `/client` command answered."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from storage.tinydb_store import TinyDBStore
from tests.slack_http import TEAM1

if TYPE_CHECKING:
    from domain.models import Interaction
    from tests.slack_http import Response

# The only markup a reply may carry: mentions of Slack IDs the app itself resolved.
_ALLOWED_MARKUP = re.compile(r"^<(?:@[UW][A-Z0-9]+|#[CG][A-Z0-9]+)>$")
_MARKUP = re.compile(r"<[^<>]*>")


def stored_files(store: TinyDBStore) -> dict[str, bytes]:
    """Every file the store keeps (the catalogue and everything under its data folder), with
    its bytes: compare two snapshots to prove nothing was written."""
    files: dict[str, bytes] = {}
    if store.catalogue.exists():
        files[store.catalogue.name] = store.catalogue.read_bytes()
    for path in sorted(store.root.rglob("*")):
        if path.is_file():
            files[str(path.relative_to(store.root.parent))] = path.read_bytes()
    return files


def history_of(store: TinyDBStore, name: str, team: str = TEAM1) -> list[Interaction]:
    """A client's stored lines, newest first (the client must exist)."""
    record = store.find(team, name)
    assert record is not None, name
    return list(store.history(team, record.client.client_id))


def mrkdwn_texts(body: Any) -> list[str]:
    """Every string in a message body that Slack parses as mrkdwn: the top-level fallback
    `text` and every `{"type": "mrkdwn"}` text object, however deeply nested."""
    found: list[str] = []
    if isinstance(body, dict) and isinstance(body.get("text"), str):
        found.append(body["text"])

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(body.get("blocks", []) if isinstance(body, dict) else body)
    return found


def live_markup(body: Any) -> list[str]:
    """Markup Slack would act on (links, @channel, mentions of typed names...) other than the
    mentions of user and channel IDs that the app puts there itself."""
    return [
        m.group(0)
        for text in mrkdwn_texts(body)
        for m in _MARKUP.finditer(text)
        if not _ALLOWED_MARKUP.match(m.group(0))
    ]


def _payload(value: Any) -> Any:
    """Slack SDK arguments may arrive JSON-encoded (form posts) or as JSON already."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def outbound_live_markup(calls: list[Any]) -> list[str]:
    """Live markup in any payload the app sent to Slack's Web API: message text and blocks
    (chat.postMessage, chat.update, chat.postEphemeral, response URLs) and views (views.open,
    views.publish, views.update, views.push). One line per offending call."""
    found = []
    for call in calls:
        args = call.args
        bodies = []
        if "text" in args or "blocks" in args:
            bodies.append({"text": args.get("text"), "blocks": _payload(args.get("blocks")) or []})
        if "view" in args:
            bodies.append(_payload(args["view"]))
        for body in bodies:
            markup = live_markup(body)
            if markup:
                found.append(f"{call.method}: {markup}")
    return found


def ok(res: Response) -> str:
    """The reply's readable text, after checking it is a well-formed, private, inert reply."""
    assert res.status == 200, res.body
    body = res.json()
    assert body["response_type"] == "ephemeral"
    assert live_markup(body) == [], "typed text must never come back as live Slack markup"
    assert not body["text"].startswith(":warning:"), body["text"]
    return res.text


def refused(res: Response) -> str:
    """The refusal's readable text, after checking it is a private, inert refusal, not a crash."""
    assert res.status == 200, res.body
    body = res.json()
    assert body["response_type"] == "ephemeral"
    assert body["text"].startswith(":warning:"), body["text"]
    assert live_markup(body) == []
    assert "Something went wrong" not in body["text"], "a refusal, not a crash"
    return res.text
