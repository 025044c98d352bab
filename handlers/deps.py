"""What the listeners need, handed to them through Bolt's context.

bot.py builds one `Deps` and `handlers.register_all` puts it in every request's context, so
the listeners can be plain module-level functions that tests import and call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from handlers.actions import Approvers
    from service.commands import ClientCommands
    from service.decisions import Decisions
    from service.email_out import EmailOut
    from service.export import Exports
    from service.heard import SharedChannelReplies
    from service.home import HomeViews
    from service.nudges import NudgeEngine
    from service.offboarding import Offboardings

CONTEXT_KEY = "tactful"


@dataclass(frozen=True)
class Deps:
    commands: ClientCommands
    decisions: Decisions
    engine: NudgeEngine  # draws suggestion threads and delivers approved messages
    approvers: Approvers
    clock: Callable[[], datetime]
    replies: SharedChannelReplies  # the clients' replies in their shared channels
    exports: Exports  # the full record as files
    offboardings: Offboardings  # the offboarding checklist's ticks
    # Slack says a workspace removed Tactful (service.workspaces.Uninstalls).
    uninstalled: Callable[[str, dict[str, Any]], None]
    home: HomeViews  # App Home, published for the people who have it open
    # Seconds a read-only command may take before its answer goes by response_url instead
    # (handlers/commands.py).
    answer_within: float = 2.0
    # *Send by email* (SMTP_URL and EMAIL_FROM set); None: the button isn't offered.
    mailer: EmailOut | None = None

    def __deepcopy__(self, memo: dict[int, Any]) -> Deps:
        # Bolt deep-copies a request's context for its lazy listeners (the work done after
        # the ack). These are the app's shared services, not per-request data: hand them over.
        return self


def deps(context: Any) -> Deps:
    return context[CONTEXT_KEY]


def request_team(body: dict[str, Any]) -> str:
    """The workspace a request came from, as Slack's signed payload says ("" if it names none).

    Never a team id from metadata, a button value or a block id: those are echoed back by the
    client and only trusted once they match this.
    """
    return (
        (body.get("team") or {}).get("id")
        or body.get("team_id")
        or (body.get("user") or {}).get("team_id")
        or ""
    )
