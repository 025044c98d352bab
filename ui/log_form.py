"""The "Log interaction" modal and the "Log as client reply" modal (Block Kit)."""

from __future__ import annotations

from typing import Any

from domain.attention import Standing
from domain.log_form import KINDS
from ui import blocks as bk
from ui.mrkdwn import escape_clipped

LOG_VIEW = "log_interaction"
REPLY_VIEW = "log_client_reply"
VIEWS = (LOG_VIEW, REPLY_VIEW)
LOG_TITLE = "Log interaction"
REPLY_TITLE = "Log as client reply"
# The client menu's action id: with more than 100 clients it is searched, and Slack asks for
# its options (block_suggestion) under this id.
CLIENT_SEARCH = "log_client_pick"
# (block_id, action_id) of each field; a field's error is shown under its block.
FIELDS = {
    "client": ("log_client", CLIENT_SEARCH),
    "kind": ("log_kind", "kind"),
    "text": ("log_text", "text"),
    "date": ("log_date", "date"),
    "amount": ("log_amount", "amount"),
}
MAX_OPTIONS = 100  # Slack's limit for a static_select and for an options answer
MAX_OPTION_TEXT = 75
MAX_METADATA = 3000
MAX_TEXT = 1000  # /client's limit for logged text


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def option(client_id: str, name: str) -> dict[str, Any]:
    return {"text": _plain(bk.clip(name, MAX_OPTION_TEXT)), "value": client_id}


def client_options(standings: list[Standing], typed: str = "") -> list[dict[str, Any]]:
    """Active clients whose name contains what was typed, by name, at most 100."""
    typed = " ".join(typed.casefold().split())
    found = sorted(
        (s for s in standings if not s.archived and typed in s.name_key), key=lambda s: s.name_key
    )
    return [option(s.client_id, s.name) for s in found[:MAX_OPTIONS]]


def _input(field: str, label: str, element: dict[str, Any], optional: bool = False) -> bk.Block:
    block_id, action_id = FIELDS[field]
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": _plain(label),
        "element": {**element, "action_id": action_id},
    }


def client_picker(standings: list[Standing]) -> bk.Block:
    """A static menu of the clients, or a searched one when there are more than Slack lists."""
    options = client_options(standings)
    active = sum(1 for s in standings if not s.archived)
    element: dict[str, Any]
    if active <= MAX_OPTIONS and options:
        element = {"type": "static_select", "options": options}
    else:
        element = {"type": "external_select", "min_query_length": 1}
    return _input("client", "Client", {**element, "placeholder": _plain("Pick a client")})


def _modal(callback_id: str, title: str, metadata: str, blocks: list[bk.Block]) -> dict[str, Any]:
    assert len(metadata) <= MAX_METADATA and len(blocks) <= bk.MAX_VIEW_BLOCKS
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": metadata,
        "title": _plain(title),
        "submit": _plain("Log it"),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }


def loading_modal(callback_id: str, title: str, metadata: str) -> dict[str, Any]:
    """What opens at the click, whatever the number of clients (Slack's trigger lasts 3
    seconds): the form's title and a line, with nothing to submit yet. The form replaces it
    (views.update) once its client menu is made."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": metadata,
        "title": _plain(title),
        "close": _plain("Cancel"),
        "blocks": [bk.context(":hourglass_flowing_sand: Getting your clients…")],
    }


def failed_modal(title: str) -> dict[str, Any]:
    """In place of the form when it could not be made."""
    return {
        "type": "modal",
        "title": _plain(title),
        "close": _plain("Close"),
        "blocks": [
            bk.section(
                ":warning: Something went wrong on my side and the form could not open. "
                "Log with `/client ...` instead (`/client help` lists every command)."
            )
        ],
    }


def log_modal(standings: list[Standing], metadata: str) -> dict[str, Any]:
    kinds = [{"text": _plain(label), "value": kind} for kind, label in KINDS.items()]
    blocks = [
        client_picker(standings),
        _input("kind", "What happened", {"type": "static_select", "options": kinds}),
        _input(
            "text",
            "What about (for an invoice, paid or promised: its #reference)",
            {"type": "plain_text_input", "multiline": True, "max_length": MAX_TEXT},
            optional=True,
        ),
        _input(
            "date",
            "When (for an invoice: due; for a promise: pay by); empty is today",
            {"type": "datepicker"},
            optional=True,
        ),
        _input(
            "amount",
            "Amount (invoices only), e.g. 1,200 or £900",
            {"type": "plain_text_input", "max_length": 40},
            optional=True,
        ),
        bk.context("Logged exactly as `/client ...` would: the same rules, the same record."),
    ]
    return _modal(LOG_VIEW, LOG_TITLE, metadata, blocks)


def reply_modal(standings: list[Standing], excerpt: str, metadata: str) -> dict[str, Any]:
    quoted = f"> {escape_clipped(excerpt, 500)}" if excerpt else "_(a message with no text)_"
    blocks = [
        bk.section(f"Log this message as a reply from the client:\n{quoted}"),
        client_picker(standings),
    ]
    return _modal(REPLY_VIEW, REPLY_TITLE, metadata, blocks)


def values(view: dict[str, Any]) -> dict[str, str]:
    """What was filled in, by field name ("" for what wasn't)."""
    state = (view.get("state") or {}).get("values") or {}
    found: dict[str, str] = {}
    for field, (block_id, action_id) in FIELDS.items():
        element = (state.get(block_id) or {}).get(action_id) or {}
        selected = element.get("selected_option") or {}
        found[field] = (
            selected.get("value") or element.get("selected_date") or element.get("value") or ""
        )
    return found
