"""Who is the agency. Pure: a signed Slack payload and the installation in, a verdict out.

Tactful is the agency's tool. In a Slack Connect channel the client's people see its messages
and can press its buttons; Slack signs their clicks like anyone's. What tells them apart is the
organisation the person belongs to, which Slack puts in every payload:

- clicks, forms, shortcuts and menus (`block_actions`, `view_submission`, `view_closed`,
  `shortcut`, `message_action`, `block_suggestion`): `user.team_id`, the person's own
  workspace, or their Enterprise org (`E...`) when they are in one;
- a slash command runs in the workspace of the person who typed it (a command is only offered
  where its app is installed): its `team_id` and, in an Enterprise org, `enterprise_id`.

The agency is the installation the request is authorised as: its workspace and, where there
is one, its Enterprise org (anyone of the same org, in whichever of its workspaces, is the
agency).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The payload types a person sends by acting; events (messages, Home opened) are not acts.
ACTS = frozenset(
    {
        "block_actions",
        "block_suggestion",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
    }
)


@dataclass(frozen=True)
class Org:
    """A workspace (`T...`) and the Enterprise org (`E...`) it belongs to, either may be ""."""

    team: str = ""
    enterprise: str = ""


def installation(team: str | None, enterprise: str | None) -> Org:
    """The agency: the installation a request is authorised as."""
    return Org(team or "", enterprise or "")


def actor(body: Mapping[str, Any]) -> Org | None:
    """The organisation of the person who acted, or None if the payload is not an act.

    Args:
        body: the whole payload, as Bolt parses it (a slash command's form fields, or an
            interaction's `payload`).
    """
    if body.get("command") and "user_id" in body:
        return Org(_text(body.get("team_id")), _text(body.get("enterprise_id")))
    if body.get("type") not in ACTS:
        return None
    user = body.get("user")
    team = _text(user.get("team_id")) if isinstance(user, Mapping) else ""
    if not team:
        # Payloads outside shared channels may leave it out: the person's workspace is then the
        # one the interaction came from.
        from_team = body.get("team")
        team = _text(from_team.get("id")) if isinstance(from_team, Mapping) else ""
    # Slack reports an Enterprise org member's `user.team_id` as the org's id.
    if team.startswith("E"):
        return Org("", team)
    return Org(team, "")


def is_agency(person: Org, agency: Org) -> bool:
    """Whether `person` belongs to the agency: its own workspace, or its Enterprise org."""
    if agency.team and person.team == agency.team:
        return True
    return bool(agency.enterprise) and agency.enterprise in (person.enterprise, person.team)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def shared_outside(conversation: Mapping[str, Any]) -> bool:
    """Whether a channel (Slack's conversation object, from `conversations.info`) is shared
    with an outside organisation, or about to be: the client may read what is posted there.

    `is_ext_shared` is a Slack Connect channel, `is_pending_ext_shared` one whose invitation
    is not accepted yet. `is_org_shared` (the workspaces of the agency's own Enterprise org)
    and `is_shared` alone (which includes that) are not outside."""
    return bool(conversation.get("is_ext_shared") or conversation.get("is_pending_ext_shared"))
