"""Logging without the syntax: the "Log interaction" form (from App Home's button or a bare
`/client`) and the "Log as client reply" message shortcut.

Both write what the form says as the `/client` command it stands for (domain/log_form.py) and
run it through the same service, so every rule and error applies; errors are shown in the
form, under the field they are about, before the ack. The write happens before the ack too, as
for a typed command, so a closed form is already on disk.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.inputs import escape, excerpt
from domain.log_form import FieldError, LogForm, as_command
from handlers.deps import Deps, deps, request_team
from handlers.lazy import acknowledge, after_ack
from service.commands import PICKED, Source
from ui import blocks as bk
from ui import home as home_ui
from ui import log_form as ui
from ui.replies import Reply

logger = logging.getLogger(__name__)
SHORTCUT = "log_client_reply"  # manifest.yml: features.shortcuts[].callback_id
VIEWS = ui.VIEWS
ACTIONS = (home_ui.LOG_OPEN,)


def _standings(d: Deps, team: str):
    today = d.clock().astimezone(d.commands.tz).date()
    return d.commands.overview(team, today).summaries


def open_form(d: Deps, client: WebClient, team: str, trigger_id: str) -> None:
    """Open the form at the click (views.open, within the trigger's 3 seconds whatever the
    number of clients), then put the client menu in (views.update): making it reads every
    client's standing, which can take seconds on a big workspace the first time in a day."""
    metadata = json.dumps({"team": team})
    opened = client.views_open(
        trigger_id=trigger_id, view=ui.loading_modal(ui.LOG_VIEW, ui.LOG_TITLE, metadata)
    )

    def form() -> dict[str, Any]:
        return ui.log_modal(_standings(d, team), metadata)

    _fill(client, opened.get("view") or {}, ui.LOG_TITLE, team, form)


def _fill(
    client: WebClient,
    opened: dict[str, Any],
    title: str,
    team: str,
    form: Callable[[], dict[str, Any]],
) -> None:
    """Replace the view Slack opened (`opened`: its id and hash) with `form`; if the form can't
    be made, with a line saying so. A view closed meanwhile is left alone."""
    try:
        view = form()
    except Exception:
        logger.exception("The log form could not be made (team %s)", team)
        view = ui.failed_modal(title)
    try:
        client.views_update(view_id=opened["id"], hash=opened.get("hash"), view=view)
    except (SlackApiError, OSError, KeyError) as err:
        # Most often the person closed the form before it was filled: nothing to do.
        logger.warning("Could not fill in the log form (team %s): %s", team, err)


def on_log_button(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    open_form(deps(context), client, request_team(body), body["trigger_id"])


def on_client_search(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The clients matching what was typed in the form's searched menu (over 100 clients)."""
    options = ui.client_options(
        _standings(deps(context), request_team(body)), body.get("value", "")
    )
    ack(options=options)


def _metadata(body: dict[str, Any], view: dict[str, Any]) -> dict[str, Any]:
    """The form's metadata, refused unless it names the workspace the request came from."""
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = None
    team = request_team(body)
    if not isinstance(meta, dict) or not team or meta.get("team") != team:
        logger.warning("Refused a form whose metadata does not match its workspace %s", team)
        raise FieldError(
            "client", "This form doesn't belong to this workspace; nothing was logged."
        )
    return meta


def _client_name(d: Deps, team: str, client_id: str) -> str:
    record = d.commands.store.get(team, client_id) if client_id else None
    if record is None:
        raise FieldError("client", "Pick a client from the list.")
    return record.client.name


def _done(reply: Reply) -> dict[str, Any]:
    """The form turned into what `/client` would have answered."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Logged"},
        "close": {"type": "plain_text", "text": "Done"},
        "blocks": reply.blocks[: bk.MAX_VIEW_BLOCKS] or [bk.section(reply.text)],
    }


def _errors(field: str, message: str) -> dict[str, str]:
    return {ui.FIELDS[field][0]: bk.clip(message, 2000)}


def on_log_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    d = deps(context)
    team, user = request_team(body), body["user"]["id"]
    filled = ui.values(view)
    try:
        _metadata(body, view)
        form = LogForm(
            client=_client_name(d, team, filled["client"]),
            kind=filled["kind"],
            text=filled["text"],
            on=date.fromisoformat(filled["date"]) if filled["date"] else None,
            amount=filled["amount"],
        )
        text = as_command(form)
    except FieldError as err:
        ack(response_action="errors", errors=_errors(err.field, str(err)))
        return
    except ValueError:
        ack(response_action="errors", errors=_errors("date", "Pick a day from the calendar."))
        return
    _run(ack, d, team, user, text, "text")


def _run(
    ack: Ack, d: Deps, team: str, user: str, text: str, field: str, source: Source | None = None
) -> None:
    try:
        reply = d.commands.run(team, user, text, d.clock(), source)
    except Exception:
        logger.exception("The log form failed (team %s)", team)
        reply = Reply("Something went wrong on my side and nothing was saved.", error=True)
    if reply.error:
        # The service's own message (escaped mrkdwn there); the form shows plain text.
        message = reply.text.removeprefix(":warning: ").replace("&lt;", "<").replace("&gt;", ">")
        # A date that can't be used is shown under the date picker, when the form has one.
        where = reply.about if reply.about in ui.FIELDS and field != "client" else field
        ack(response_action="errors", errors=_errors(where, message.replace("&amp;", "&")))
        return
    ack(response_action="update", view=_done(reply))
    d.home.changed(team)


# The message shortcut ---------------------------------------------------------------------------
def on_reply_shortcut(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    d = deps(context)
    team = request_team(body)
    channel = (body.get("channel") or {}).get("id", "")
    message = body.get("message") or {}
    ts = message.get("ts") or body.get("message_ts", "")
    words = excerpt(message.get("text") or "")
    loading = json.dumps({"team": team})
    opened = client.views_open(
        trigger_id=body["trigger_id"], view=ui.loading_modal(ui.REPLY_VIEW, ui.REPLY_TITLE, loading)
    )
    try:
        link = client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink", "")
    except (SlackApiError, OSError) as err:
        # The reply still counts; the entry just has no link.
        logger.warning("No permalink for a message logged as a reply in %s: %s", channel, err)
        link = ""
    metadata = json.dumps({"team": team, "channel": channel, "ts": ts, "link": link, "text": words})

    def form() -> dict[str, Any]:
        return ui.reply_modal(_standings(d, team), words, metadata)

    _fill(client, opened.get("view") or {}, ui.REPLY_TITLE, team, form)


def on_reply_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    d = deps(context)
    team, user = request_team(body), body["user"]["id"]
    try:
        meta = _metadata(body, view)
        name = _client_name(d, team, ui.values(view)["client"])
        channel, ts = str(meta.get("channel", "")), str(meta.get("ts", ""))
        sent = datetime.fromtimestamp(float(ts), UTC)
    except FieldError as err:
        ack(response_action="errors", errors=_errors(err.field, str(err)))
        return
    except ValueError:
        ack(response_action="errors", errors=_errors("client", "That message can't be logged."))
        return
    # The day it was written, never "in the future" (as for replies logged by themselves).
    today = d.clock().astimezone(d.commands.tz).date()
    on = min(sent.astimezone(d.commands.tz).date(), today)
    link = str(meta.get("link", ""))
    source = Source(
        # The metadata came back through the client: clean it again, as if it were the message.
        text=excerpt(str(meta.get("text", ""))),
        link=link if link.startswith("https://") else "",
        ref=f"{PICKED}{channel}/{ts}",
    )
    _run(ack, d, team, user, f'heard "{escape(name)}" on {on.isoformat()}', "client", source)


def register(app: App) -> None:
    app.action(home_ui.LOG_OPEN)(ack=acknowledge, lazy=[after_ack(on_log_button)])
    app.options(ui.CLIENT_SEARCH)(on_client_search)
    app.view(ui.LOG_VIEW)(on_log_submit)
    app.shortcut(SHORTCUT)(ack=acknowledge, lazy=[after_ack(on_reply_shortcut)])
    app.view(ui.REPLY_VIEW)(on_reply_submit)
