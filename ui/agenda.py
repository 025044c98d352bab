"""The agenda (domain/agenda.py) as Block Kit, shared by App Home and the weekly digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.agenda import Agenda, age
from domain.attention import Standing, Waiting
from domain.inputs import escape
from domain.insights import Insight
from domain.models import ClientType, Money
from domain.money import format_totals
from ui import blocks as bk
from ui.mrkdwn import literal
from ui.replies import TYPE_LABEL, day

OPEN_THREAD = "agenda_open_thread"  # a link button: Slack still sends the click, acked
ACCEPT_TYPE = "agenda_accept_type"
# App Home: post a client's due reminder now (one held back from a backlog, or not yet due in
# a pass); the value is the client id.
POST_REMINDER = "agenda_post_reminder"
ACTION_IDS = (OPEN_THREAD, ACCEPT_TYPE, POST_REMINDER)
SITUATION = {"quiet": "gone quiet", "overdue": "overdue invoice", "controlling": "revision demands"}


@dataclass(frozen=True)
class Links:
    """The permalinks of suggestion threads, for the thread buttons: built from the workspace's
    URL (auth.test's `url`, e.g. `https://acme.slack.com/`) as Slack builds them, so showing
    an item costs no Web API call. Without a URL, items show without their button."""

    workspace_url: str = ""

    def get(self, where: tuple[str, str]) -> str | None:
        """The permalink of the message `ts` in `channel` (a top-level message: the
        suggestion that starts its thread)."""
        channel, ts = where
        if not self.workspace_url or not channel or not ts:
            return None
        return f"{self.workspace_url.rstrip('/')}/archives/{channel}/p{ts.replace('.', '')}"


def money(amounts: tuple[Money, ...]) -> str:
    """Totals per currency, never added across currencies: `£900.00 + €300.00`."""
    return format_totals(amounts)


def overdue_line(a: Agenda) -> str:
    """Overdue money across the clients, per currency (domain.agenda.overdue_in_all: the same
    total as `/client list`), saying how much of it archived clients owe."""
    t = a.overdue_total
    if not t.invoices:
        return "*Overdue:* nothing. :white_check_mark:"
    archived = (
        f" ({format_totals(t.archived)} of it owed by archived clients)" if t.archived else ""
    )
    return (
        f"*Overdue:* {format_totals(t.owed)}, on {_days(t.invoices, 'invoice')} of "
        f"{_days(t.clients, 'client')}{archived}."
    )


def promise_blocks(a: Agenda, *, budget: int) -> list[bk.Block]:
    """The clients' promises to pay that fall due this week (the record keeps no promises of
    ours: what we asked of them is under Needs attention)."""
    lines = promise_lines(a)
    if not lines:
        return [bk.context("No promises to pay fall due this week.")]
    return bk.sections(lines, budget=budget)


def promise_lines(a: Agenda) -> list[str]:
    """One line (mrkdwn, names escaped) per promise to pay falling due this week."""
    return [
        f":handshake: *{literal(s.name)}* promised to pay {money(s.promised_owed)} by "
        f"{day(s.promised_by)}"
        for s in a.promises
        if s.promised_by
    ]


def _days(n: int, what: str = "day") -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def _thread(s: Standing, situation: str) -> Waiting | None:
    return next((w for w in s.waiting if w.situation == situation and w.ts), None)


def items(a: Agenda, today: date) -> list[tuple[str, Waiting | None]]:
    """Each item's line (mrkdwn, names escaped) and the suggestion thread it links to."""
    return [(text, thread) for text, thread, _client in entries(a, today)]


def startable(a: Agenda, today: date) -> list[str]:
    """For each item of `items`, in order: the client id whose reminder App Home can post now
    (an overdue or quiet client with no thread yet), or ""."""
    return [client if thread is None else "" for _text, thread, client in entries(a, today)]


def entries(a: Agenda, today: date) -> list[tuple[str, Waiting | None, str]]:
    """`items`, each with its client id when it is about money owed or a silence ("" for a
    suggestion waiting for approval)."""
    found: list[tuple[str, Waiting | None, str]] = []
    for s in a.overdue:
        found.append(
            (
                f":red_circle: *{literal(s.name)}*: {_days(s.overdue_count, 'invoice')} overdue, "
                f"the oldest by {_days(s.days_overdue)}",
                _thread(s, "overdue"),
                s.client_id,
            )
        )
    for s in a.quiet:
        since = f" (waiting since {day(s.quiet_since)})" if s.quiet_since else ""
        found.append(
            (
                f":mute: *{literal(s.name)}*: quiet for {_days(s.quiet_days, 'business day')}{since}",
                _thread(s, "quiet"),
                s.client_id,
            )
        )
    for s, w in a.waiting:
        what = SITUATION.get(w.situation, w.situation)
        # A reminder after the last step has nothing to approve: it waits for the team's call.
        line = (
            f"reminder ({what}, every step taken) waiting for your decision"
            if w.reminder
            else f"suggestion ({what}, step {w.stage}) waiting for approval"
        )
        found.append(
            (f":hourglass: *{literal(s.name)}*: {line} for {_days(age(w.since, today))}", w, "")
        )
    return found


def item_blocks(
    lines: list[tuple[str, Waiting | None]],
    links: Links,
    *,
    budget: int,
    starts: list[str] | None = None,
) -> list[bk.Block]:
    """One section per item, with a button to its thread when it has one (else, given
    `starts` from `startable`, a button to post its reminder now); past `budget` blocks the
    rest are counted in a last line."""
    blocks: list[bk.Block] = []
    for n, (text, thread) in enumerate(lines):
        if len(blocks) == budget - 1 and len(lines) - n > 1:
            blocks.append(bk.context(f"…and {len(lines) - n} more: `/client list` ranks them all."))
            break
        blocks.append(item_block(text, thread, links, starts[n] if starts else ""))
    return blocks


def item_block(text: str, thread: Waiting | None, links: Links, start: str = "") -> bk.Block:
    """An item's section, with a button to its thread when it has one, else with a button to
    post the client's (`start`) reminder now."""
    url = links.get((thread.channel, thread.ts)) if thread else None
    if url:
        return bk.section_with(text, bk.link_button("Open thread", OPEN_THREAD, url))
    if start:
        return bk.section_with(text, bk.button("Post reminder", POST_REMINDER, start))
    return bk.section(text)


def retype_blocks(a: Agenda, *, budget: int) -> list[bk.Block]:
    """The clients whose record points at another type, with the numbers and a button."""
    blocks: list[bk.Block] = []
    for n, s in enumerate(a.retype):
        assert s.insight is not None and s.insight.suggested is not None
        if len(blocks) == budget - 1 and len(a.retype) - n > 1:
            blocks.append(bk.context(f"…and {len(a.retype) - n} more: see `/client status`."))
            break
        blocks.append(retype_block(s.name, s.client_id, s.insight.suggested, s.insight.because))
    return blocks


def retype_block(name: str, client_id: str, suggested: ClientType, because: str) -> bk.Block:
    label = TYPE_LABEL[suggested]
    text = f":bulb: *{literal(name)}* looks like a {label}: {escape(because)}."
    return bk.section_with(
        text,
        bk.button(f"Mark as {label}", ACCEPT_TYPE, f"{client_id}|{suggested.value}"),
    )


def habits(found: Insight) -> str:
    """What the record says about the client's habits, in one line ("" without evidence)."""
    parts = []
    if found.reply_days is not None:
        parts.append(
            f"answers in a median {found.reply_days:g} business days "
            f"({found.replies} request{'' if found.replies == 1 else 's'})"
        )
    if found.late_days is not None:
        drift = f", {found.late_trend:+g} days per invoice" if found.late_trend is not None else ""
        invoices = f"{found.paid} invoice{'' if found.paid == 1 else 's'}"
        parts.append(f"pays a median {found.late_days:g} days late ({invoices}{drift})")
    if found.revisions_per_month is not None:
        parts.append(f"{found.revisions_per_month:g} revision demands a month")
    return ("*Habits:* " + " · ".join(parts)) if parts else ""


def insight_blocks(name: str, client_id: str, found: Insight | None) -> list[bk.Block]:
    """For `/client status`: the habits, and the type they suggest with its button."""
    if found is None:
        return []
    blocks = [bk.section(line) for line in [habits(found)] if line]
    if found.suggested is not None:
        blocks.append(retype_block(name, client_id, found.suggested, found.because))
    return blocks


def type_command(name: str, client_type: ClientType) -> str:
    """`/client type` for this client, its name quoted and escaped as Slack sends it."""
    return f'type "{escape(name)}" {client_type.value}'


def accepted(value: str) -> tuple[str, ClientType] | None:
    """The client id and type an accept button names, or None if it names nothing valid."""
    client_id, _, kind = value.partition("|")
    try:
        return client_id, ClientType(kind)
    except ValueError:
        return None
