"""What `/client` answers, as text plus Block Kit. Everything a person typed is escaped here.

Replies are the app's own English chrome; the wording suggested for clients lives in the
`wording/` data files, per language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, timedelta
from typing import Any

from domain import commands as cmd
from domain.agenda import overdue_in_all
from domain.attention import Attention, Standing, attention
from domain.corrections import superseded_by, voided_by
from domain.inputs import escape, shorten
from domain.invoices import balance, days_past_due, is_overdue, paid_so_far
from domain.models import Client, ClientRecord, ClientType, Interaction, Kind
from domain.money import format_money, format_totals
from domain.nudges import DEFAULT_LADDERS, HALF_APPROVAL, Ladders, days_waited
from domain.report import EngagementReport
from domain.routing import NO_ROUTE, Route, Via, undeliverable
from ui import blocks as bk
from ui.client_text import tidy_request
from ui.dates import dated
from ui.mrkdwn import fit, literal


@dataclass(frozen=True)
class Reply:
    """An ephemeral answer to the person who typed the command."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    error: bool = False  # nothing was done: the text says what to type instead
    # What the error is about, where a form can show it by its field: "date" or "".
    about: str = ""

    def body(self) -> dict[str, Any]:
        """The reply as a slash command's answer (ephemeral)."""
        return {"response_type": "ephemeral", **self.message()}

    def message(self) -> dict[str, Any]:
        """The reply as chat.postEphemeral's arguments: no `response_type`, which only slash
        command answers and response URLs take."""
        return bk.message(self.text, self.blocks)


_SLACK_ID = re.compile(r"^[UWBCG][A-Z0-9]{2,}$")


def who(user_id: str) -> str:
    """A user mention; in an ephemeral reply it shows the name without notifying anyone."""
    return f"<@{user_id}>" if _SLACK_ID.match(user_id) else escape(user_id or "someone")


def channel(channel_id: str) -> str:
    return f"<#{channel_id}>" if _SLACK_ID.match(channel_id) else escape(channel_id)


def quoted(text: str) -> tuple[str, str]:
    """Typed text inside a one-line entry, as (“first line”, further lines).

    The further lines go under the entry as a block quote, each marked, so a line break in a
    note can't start a line that passes for an entry of its own."""
    first, *more = text.split("\n")
    shown = f"“{literal(first)}{' …' if more else ''}”"
    return shown, "".join(f"\n>{escape(line)}" for line in more)


def days(n: int) -> str:
    """`1 day`, `3 days`."""
    return f"{n} day" if n == 1 else f"{n} days"


def day(d: date) -> str:
    return d.strftime("%a %-d %b %Y")


def error(message: str, about: str = "") -> Reply:
    text = f":warning: {escape(message)}"
    return Reply(text, [bk.section(text)], error=True, about=about)


def _simple(text: str) -> Reply:
    return Reply(text, [bk.section(text)])


TYPE_LABEL = {
    ClientType.NONE: "not classified",
    ClientType.UNRESPONSIVE: "unresponsive",
    ClientType.CONTROLLING: "controlling",
    ClientType.LATE_PAYER: "late payer",
}


def nudges_go(route: Route, viewer: str = "") -> str:
    """Where nudges go, as a phrase: "nudges go to ..." in every view that says so."""
    if route.via is Via.CLIENT_CHANNEL:
        return f"nudges go to {channel(route.target)}"
    if route.via is Via.NUDGE_CHANNEL:
        return f"nudges go to {channel(route.target)} (NUDGE_CHANNEL: it has no channel of its own)"
    if route.via is Via.OWNER_DM:
        return f"nudges go by DM to its owner {who(route.target)}"
    if route.via is Via.CREATOR_DM:
        person = "you" if route.target == viewer else who(route.target)
        return f"nudges go by DM to {person}, who added it (it has no channel or owner)"
    return ":no_entry: nudges have nowhere to go (no channel, owner or person to DM)"


def _route_fix(client: Client) -> str:
    arg = _arg(client.name)
    return (
        f"`/client set {arg} in #channel` or `/client set {arg} owner @person` "
        "sends its nudges there."
    )


# Why Slack would not take a nudge, by the error it gave (Nudge.undeliverable).
_REFUSAL = {
    NO_ROUTE: "it had nowhere to go",
    "not_in_channel": "Tactful isn't in the channel (`/invite @Tactful` there)",
    "channel_not_found": "Slack can't find the channel (deleted, or private without Tactful in it)",
    "is_archived": "the channel is archived",
    "user_not_found": "Slack can't find the person to DM",
    "user_not_visible": "Tactful can't see the person to DM",
    "user_disabled": "the person to DM has been deactivated",
    "cannot_dm_bot": "the person to DM is a bot",
    "restricted_action": "the workspace doesn't let Tactful post there",
}


def undeliverable_lines(record: ClientRecord) -> list[str]:
    """One line per nudge Slack refused for good, with how to fix it."""
    return [
        f":no_entry: A {n.situation} nudge (step {n.stage}) could not be delivered: "
        f"{_REFUSAL.get(n.undeliverable, escape(n.undeliverable))}. {_route_fix(record.client)}"
        for n in undeliverable(record)
    ]


def _settings(c: Client, auto_heard: bool, route: Route | None = None, viewer: str = "") -> str:
    bits = [f"type: {TYPE_LABEL[c.client_type]}", f"quiet after {c.quiet_days} business days"]
    if route is not None:
        bits.append(nudges_go(route, viewer))
    if c.owner:
        bits.append(f"owner {who(c.owner)}")
    if c.contact:
        bits.append(f"contact {escape(c.contact)}")
    if c.greet:
        bits.append(f"greeted as {escape(c.greet)}")
    if c.pay:
        bits.append(f"pays at {escape(c.pay)}")
    if c.lang != "en":
        bits.append(f"language: {c.lang}")
    if c.emails or c.domains:
        # Escaped: an address is text someone typed, and `<`/`&` could be in it.
        mail = [escape(a) for a in c.emails] + [f"anyone at {escape(d)}" for d in c.domains]
        bits.append(f"email {', '.join(mail)}")
    if c.shared_channel:
        bits.append(f"shared channel {channel(c.shared_channel)} ({auto_logging(c, auto_heard)})")
    elif not c.auto_heard:
        bits.append("auto-logging of replies off")
    if c.shared_channel or c.org:
        bits.append(
            f"their Slack org {escape(c.org)} (only its people count as them)"
            if c.org
            else "their Slack org: learnt from their first reply"
        )
    return ", ".join(bits)


def auto_logging(c, auto_heard: bool) -> str:
    """Whether the client's replies in their shared channel are logged by themselves."""
    if not auto_heard:
        return "auto-logging of their replies is off for this workspace (AUTO_HEARD=off)"
    if not c.auto_heard:
        return f"auto-logging of their replies is off; `/client set {_arg(c.name)} auto on` turns it on"
    return "auto-logging of their replies is on: what they write there is logged as heard"


def added(record: ClientRecord, route: Route, viewer: str, auto_heard: bool = True) -> Reply:
    c = record.client
    name = literal(c.name)
    phrase = nudges_go(route, viewer)
    where = f"{phrase[0].upper()}{phrase[1:]}."
    if route.via in (Via.CREATOR_DM, Via.NOWHERE):
        where += f" {_route_fix(c)}"
    return _simple(
        f":white_check_mark: Added *{name}* ({_settings(c, auto_heard)}).\n{where}\n"
        f"Next: `/client asked {_arg(c.name)} &lt;what you need from them&gt;` when you wait on "
        "them."
    )


def _arg(name: str) -> str:
    return escape(f'"{name}"' if " " in name else name)


def logged(
    c: cmd.Command,
    record: ClientRecord,
    today: date,
    ladders: Ladders = DEFAULT_LADDERS,
    route: Route | None = None,
    *,
    auto_heard: bool = True,
    lines: list[Interaction] | None = None,
) -> Reply:
    """The answer to a command that logged `lines` and left the client as `record`."""
    client = record.client
    lines = lines or []
    name = f"*{literal(client.name)}*"
    if isinstance(c, cmd.Log) and c.answers:
        answered = [a for a in record.state.answers if a.seq in c.answers]
        open_asks = record.state.open_asks
        # A handful by name, the rest counted: the reply stays short however many are open.
        still = "; ".join(f"e{a.seq} “{escape(shorten(a.what))}”" for a in open_asks[:5]) + (
            f" and {len(open_asks) - 5} more (`/client status`)" if len(open_asks) > 5 else ""
        )
        return _simple(
            f":speech_balloon: Logged: {name} answered "
            + ", ".join(f"e{a.seq} “{escape(shorten(a.what))}”" for a in answered)
            + (f": “{escape(c.text)}”" if c.text else "")
            + f". Still waiting on {still}: their quiet clock runs again from "
            f"{day(c.on)}, and the next message thanks them for what came.\n"
            f"{dated(c.on, today, c.date_words)}"
        )
    if isinstance(c, cmd.Log):
        what = escape(c.text)
        text = {
            "asked": f":hourglass_flowing_sand: Logged: you asked {name} for “{what}”. "
            f"If they stay quiet for {client.quiet_days} business days I'll nudge the team.",
            "heard": f":speech_balloon: Logged: {name} replied"
            + (f": “{what}”" if what else "")
            + ". Their quiet clock is stopped.",
            "note": f":memo: Noted for {name}: “{what}”.",
            "revision": f":pencil2: Logged a revision demand from {name}: “{what}”. "
            f"{_revision_count(record, today, ladders)}",
            "agreed": f":handshake: Logged: {name} agreed to “{what}”. Suggestions won't "
            "propose a rhythm again; rounds of changes count from the day it was agreed.",
        }[c.verb]
        if c.verb == "asked" and lines:
            # How the client will read it, when that differs from the team's note.
            reads = tidy_request(c.text, client.lang)
            if reads != c.text.strip():
                text += (
                    f"\nIn messages to them it reads “{escape(reads)}”. Not right? "
                    f"`/client void {_arg(client.name)} e{lines[0].seq} wrong words` and log it "
                    "again as you'd say it to them."
                )
        return _simple(f"{text}\n{dated(c.on, today, c.date_words)}")
    if isinstance(c, cmd.InvoiceSent):
        invoice = record.state.invoices[-1]
        sent = "sent date not given" if invoice.sent_on is None else f"sent {day(invoice.sent_on)}"
        unknown = (
            "\nIt fell due before today, so I haven't recorded it as sent today. If you know the "
            f"day it went out, add it: `/client fix {_arg(record.client.name)} e{invoice.seq} "
            f"on {invoice.due_on - timedelta(days=30):%Y-%m-%d}` (with that day)."
            if invoice.sent_on is None
            else ""
        )
        return _simple(
            f":receipt: Logged invoice *#{literal(invoice.ref)}* to {name}: "
            f"{format_money(invoice.amount)}, {sent}, "
            f"due {day(invoice.due_on)}.\n"
            f"{dated(invoice.due_on, today, c.date_words, what='Due')}"
            + (f"\n{dated(c.on, today, c.sent_words, what='Sent')}" if c.sent_words else "")
            + unknown
        )
    if isinstance(c, cmd.Paid):
        return _simple(
            f":moneybag: {_payments(name, lines, record)} {_open_money(record)}\n"
            f"{dated(c.on, today, c.date_words)}"
        )
    if isinstance(c, cmd.Void | cmd.Undo):
        voided = ", ".join(f"e{e.target}" for e in lines)
        why = f": “{escape(lines[0].text)}”" if isinstance(c, cmd.Void) else ""
        return _simple(
            f":wastebasket: Voided {voided} of {name}{why}. It no longer counts in any nudge, "
            "status, list or report; the history keeps it, marked, with this void beside it "
            f"({', '.join(e.short_id for e in lines)}). {_open_money(record)}"
        )
    if isinstance(c, cmd.Fix):
        fix = lines[0]
        return _simple(
            f":wrench: Fixed e{fix.target} of {name}: {escape(fix.text)}. The old line stays in "
            f"the history, superseded by {fix.short_id}. {_open_money(record)}"
        )
    if isinstance(c, cmd.Done):
        left = len(record.state.open_asks)
        return _simple(
            f":white_check_mark: Closed e{lines[0].target} of {name}: “{escape(lines[0].text)}”. "
            + (
                f"{left} other request{'s' if left != 1 else ''} still open."
                if left
                else "Nothing else is open."
            )
        )
    if isinstance(c, cmd.Promised):
        broken = (
            " That date has passed: the next overdue nudge is a step firmer."
            if c.by < today
            else " Overdue nudges wait until then; if the date passes unpaid, the next nudge "
            "is a step firmer."
        )
        return _simple(
            f":handshake: Logged {name}'s promise to pay by {day(c.by)}.{broken}\n"
            f"{dated(c.by, today, c.date_words, what='Promised by')}"
        )
    if isinstance(c, cmd.Snooze):
        what = f"{c.situation} nudges" if c.situation else "all nudges"
        return _simple(
            f":zzz: Snoozed {what} for {name} until {day(c.until)}.\n"
            f"{dated(c.until, today, c.date_words, what='Until')}"
        )
    if isinstance(c, cmd.Away):
        if c.until == c.start:
            return _simple(f":wave: {name} is back: their clocks run again from today.")
        # Leave that starts later is said in the future, with its first day plainly dated.
        leave = (
            f"is on leave until {day(c.until)}: their quiet and overdue clocks are paused"
            if c.start <= today
            else f"will be on leave from {day(c.start)} until {day(c.until)}: their quiet and "
            "overdue clocks pause then"
        )
        return _simple(
            f":palm_tree: {name} {leave}, and the days away don't count. "
            f"`/client away {_arg(client.name)} off` if they are back early.\n"
            f"{dated(c.until, today, c.date_words, what='Back')}"
        )
    if isinstance(c, cmd.SetType):
        return _simple(
            f":label: {name} is now marked *{TYPE_LABEL[client.client_type]}*; "
            "suggested wording will match."
        )
    if isinstance(c, cmd.Set):
        return _simple(f":gear: Updated {name}: {_settings(client, auto_heard, route)}.")
    if isinstance(c, cmd.Archive):
        if client.archived:
            return _simple(f":file_cabinet: Archived {name}: no more nudges. The record stays.")
        return _simple(f":arrows_counterclockwise: {name} is active again.")
    raise AssertionError(c)  # pragma: no cover


def _revision_count(record: ClientRecord, today: date, ladders: Ladders) -> str:
    a = attention(record, today, ladders)
    n = a.recent_revisions
    if a.controlling:
        return f"That's {n} in {a.window_days} days: a pattern worth raising with them."
    return f"{n} in the last {a.window_days} days."


def _payments(name: str, lines: list[Interaction], record: ClientRecord) -> str:
    """Which invoices a payment went to and what each still owes."""
    if not lines:
        return f"{name} paid."
    total = format_totals(e.amount for e in lines if e.amount)
    parts = []
    for e in lines:
        invoice = next((i for i in record.state.invoices if i.ref == e.ref), None)
        left = balance(invoice) if invoice else None
        state = (
            "paid in full" if not left or not left.amount else f"{format_money(left)} still owed"
        )
        parts.append(
            f"{format_money(e.amount) if e.amount else 'the rest'} to #{escape(e.ref)} ({state})"
        )
    where = "; ".join(parts)
    oldest = " (oldest due first)" if len(lines) > 1 else ""
    return f"Logged {total} from {name}{oldest}, {day(lines[0].occurred_on)}: {where}."


def _open_money(record: ClientRecord) -> str:
    unpaid = record.state.unpaid
    if not unpaid:
        return "Nothing is outstanding."
    return "Still unpaid: " + ", ".join(
        f"#{escape(i.ref)} ({format_money(balance(i))}, due {day(i.due_on)})" for i in unpaid[:10]
    )


def _flags(a: Attention | Standing) -> list[str]:
    flags = []
    if a.overdue_count:
        flags.append(
            f":red_circle: {a.overdue_count} overdue ({format_totals(a.overdue_owed)}), "
            f"oldest {days(a.days_overdue)}"
        )
    if a.promised_owed and a.promised_by:
        flags.append(
            f":handshake: {format_totals(a.promised_owed)} overdue, "
            f"promised by {day(a.promised_by)}"
        )
    if a.quiet_days:
        flags.append(f":mute: quiet {a.quiet_days} business days")
    if a.controlling:
        flags.append(f":pencil2: {a.recent_revisions} revisions in {a.window_days} days")
    return flags


# Clients per page of `/client list`: with their flags, well inside one message's 50 blocks.
PAGE_SIZE = 50


def unreadable_notice(unreadable: int) -> str:
    """Said wherever the team looks at its clients when some records could not be read."""
    records = "1 client record" if unreadable == 1 else f"{unreadable} client records"
    return (
        f":warning: {records} could not be read and {'is' if unreadable == 1 else 'are'} left "
        "out. Tactful's log names each file: restore it from a backup, or ask whoever runs "
        "Tactful to repair it."
    )


def client_list(
    standings: list[Standing], *, unreadable: int = 0, page: int = 1, prefix: str = ""
) -> Reply:
    """One page of the overview, the clients needing attention first."""
    notice = [bk.context(unreadable_notice(unreadable))] if unreadable else []
    if not standings and not unreadable:
        return _simple("No clients yet. Add one with `/client add acme as late-payer`.")
    if prefix:
        standings = [s for s in standings if s.name_key.startswith(prefix)]
    active = [s for s in standings if not s.archived]
    archived = len(standings) - len(active)
    ranked = sorted(active, key=lambda s: (-s.score, s.name_key))
    needing = sum(1 for s in ranked if s.score)
    noun = "client" if len(active) == 1 else "clients"
    what = f"{noun} starting with “{prefix}”" if prefix else noun
    title = f"{len(active)} {what}, {needing} needing attention"
    # Archiving stops the nudges, not the debt: an archived client who still owes is listed.
    owing = sorted((s for s in standings if s.archived and s.owed), key=lambda s: s.name_key)
    if archived:
        title += f" ({archived} archived" + (")" if owing else ", not shown)")
    pages = max(1, -(-len(ranked) // PAGE_SIZE))
    if page > pages:
        last = f"`/client list {_arg(prefix) + ' ' if prefix else ''}{pages}`"
        text = f"{escape(title)}: there {'is' if pages == 1 else 'are'} {pages} page(s); {last} is the last."
        return Reply(text, [bk.section(text), *notice])
    lines = []
    for s in ranked[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]:
        flags = _flags(s)
        if s.undeliverable:
            flags.insert(0, ":no_entry: nudges can't be delivered: `/client status` says why")
        state = " · ".join(flags) if flags else ":large_green_circle: nothing pending"
        if s.away_until is not None:
            state += f" · :palm_tree: on leave until {day(s.away_until)}"
        lines.append(f"*{literal(s.name)}* ({TYPE_LABEL[s.client_type]}): {state}")
    if page == 1:
        lines += [
            f"*{literal(s.name)}* (archived): {format_totals(s.owed)} still owed"
            + (f", {format_totals(s.overdue_owed)} of it overdue" if s.overdue_owed else "")
            for s in owing
        ]
    overdue = format_totals(overdue_in_all(standings).owed, none="")
    summary = [bk.context(f"Overdue in all: {overdue}")] if overdue else []
    footer = []
    if pages > 1:
        more = f"`/client list {_arg(prefix) + ' ' if prefix else ''}{page + 1}` for the next"
        footer.append(
            f"Page {page} of {pages}, the ones needing attention first. "
            + (f"{more}; " if page < pages else "")
            + "`/client list a` for the names starting with a, `/client status &lt;name&gt;` for one."
        )
    tail = [bk.context(*footer)] if footer else []
    budget = bk.MAX_BLOCKS - 1 - len(tail) - len(notice) - len(summary)
    # The header is plain_text; the fallback text is mrkdwn (a prefix is typed text).
    return Reply(
        escape(title) + (f". Overdue: {overdue}" if overdue else ""),
        [
            bk.header(title),
            *notice,
            *summary,
            *bk.sections(lines, budget=budget),
            *tail,
        ],
    )


def status(
    record: ClientRecord,
    recent: list[Interaction],
    today: date,
    ladders: Ladders,
    route: Route | None = None,
) -> Reply:
    c, s = record.client, record.state
    title = f"{c.name}" + (" (archived)" if c.archived else "")
    facts = [
        f"*Type:* {TYPE_LABEL[c.client_type]} · *quiet after* {c.quiet_days} business days"
        + (f" · *owner* {who(c.owner)}" if c.owner else ""),
        f"*Last heard from:* {day(s.last_heard_on) if s.last_heard_on else 'never logged'}",
    ]
    if route is not None:
        facts.append(f"*Where:* {nudges_go(route)}")
        if route.via is Via.NOWHERE:
            facts.append(_route_fix(c))
    facts += undeliverable_lines(record)
    leave = s.away_from(today)
    if leave is not None:
        since = "since" if leave.start <= today else "from"
        facts.append(
            f"*On leave* {since} {day(leave.start)} until {day(leave.until)}: "
            "their quiet and overdue clocks are paused."
        )
    flags = _flags(attention(record, today, ladders))
    if flags:
        facts.append("*Needs attention:* " + " · ".join(flags))
    asks = [
        f"• e{a.seq} {what} since {day(a.asked_on)}"
        f" ({days_waited(record, a, today, ladders)} business days){more}"
        for a in s.open_asks[-10:]
        for what, more in [quoted(a.what)]
    ]
    invoices = [
        f"• #{escape(i.ref)}: {format_money(balance(i))} owed"
        + (
            f" (of {format_money(i.amount)}, {format_money(paid_so_far(i))} paid)"
            if paid_so_far(i).amount
            else ""
        )
        + f", due {day(i.due_on)}"
        + (
            f" — *{days(days_past_due(i, today))} overdue*"
            if is_overdue(i, today, ladders.grace_days)
            else ""
        )
        + (f" (promised by {day(i.promised_by)})" if i.promised_by else "")
        for i in s.unpaid[:10]
    ]
    snoozed = [f"{k} until {day(v)}" for k, v in sorted(s.snoozed_until.items()) if v > today]
    out = [bk.header(title), bk.section("\n".join(facts))]
    out.append(bk.section("*Waiting on them:*\n" + ("\n".join(asks) if asks else "nothing")))
    out.append(bk.section("*Unpaid invoices:*\n" + ("\n".join(invoices) if invoices else "none")))
    if snoozed:
        out.append(bk.context("Snoozed: " + ", ".join(snoozed)))
    if recent:
        out.append(bk.section("*Recent:*\n" + "\n".join(entry_lines(recent))))
    out.append(bk.context(f"Full record: `/client history {_arg(c.name)}`"))
    # The fallback text is mrkdwn too: the name must be escaped there (the header is plain_text).
    return Reply(f"{escape(c.name)}: {'; '.join(flags) or 'nothing pending'}", out)


# What each kind of entry is called wherever people read the record: `/client history`,
# `/client status` and the export's `what` column (ui/export_timeline.py).
ENTRY_VERBS = {
    Kind.ADDED: "added to Tactful",
    Kind.ASKED: "we asked for",
    Kind.HEARD: "they replied",
    Kind.NOTE: "note",
    Kind.REVISION: "revision demanded",
    Kind.AGREED: "agreed a rhythm",
    Kind.INVOICE: "invoice sent",
    Kind.PAID: "paid",
    Kind.TYPE: "type changed",
    Kind.SETTINGS: "settings changed",
    Kind.SNOOZED: "snoozed",
    Kind.PROMISED: "promised to pay",
    Kind.ARCHIVED: "archive",
    Kind.NUDGED: "nudge posted",
    Kind.APPROVED: "message approved",
    Kind.EDITED: "message edited",
    Kind.DISMISSED: "nudge dismissed",
    Kind.SENT: "message sent",
    Kind.VOIDED: "voided",
    Kind.FIXED: "fixed",
    Kind.DONE: "request closed",
    Kind.OFFBOARDING: "offboarding started",
    Kind.CHECKED: "offboarding step done",
    Kind.AWAY: "leave",
}


_KEYED = frozenset({Kind.NUDGED, Kind.APPROVED, Kind.EDITED, Kind.DISMISSED, Kind.SENT})
_PERMALINK = re.compile(r"^https://[^\s<>|]+$")


def _event_line(
    e: Interaction,
    voided: dict[int, Interaction] | None = None,
    fixed: dict[int, list[Interaction]] | None = None,
) -> str:
    if e.kind is Kind.HEARD and e.ref:
        return _reply_line(e, voided)
    detail = []
    # The nudge workflow's lines carry the nudge's key: an internal name, and their text says
    # which message it was ("overdue, step 2").
    if e.ref and e.kind not in _KEYED:
        detail.append(
            f"#{literal(e.ref)}"
            if e.kind in (Kind.INVOICE, Kind.PAID, Kind.PROMISED, Kind.VOIDED, Kind.FIXED)
            else literal(e.ref)
        )
    if e.amount:
        detail.append(format_money(e.amount))
    if e.due_on and e.kind is not Kind.AWAY:  # a leave line's text says it
        due = e.kind in (Kind.INVOICE, Kind.FIXED)
        # A promise is to pay by a day; a snooze lasts until one.
        word = "due " if due else "by " if e.kind is Kind.PROMISED else "until "
        detail.append(word + day(e.due_on))
    text, more = quoted(e.text) if e.text else ("", "")
    if text:
        detail.append(text)
    if e.target:
        detail.insert(0, f"e{e.target}")
    at = e.logged_at.astimezone(UTC)
    logged = f"logged by {who(e.logged_by)} {at.strftime('%-d %b %Y %H:%M')} UTC"
    # An undated line claims no day: the one it was logged on is in `logged` below.
    when = "date not given" if e.undated else day(e.occurred_on)
    line = f"`{e.short_id}` *{when}* · {ENTRY_VERBS[e.kind]} {' '.join(detail)}"
    void = (voided or {}).get(e.seq)
    if void is not None:
        # Struck through and said in words: a void must be seen even where ~ isn't rendered.
        return f"~{line}~ *VOIDED* by {void.short_id} _({logged})_{more}"
    fixes = (fixed or {}).get(e.seq)
    if fixes:
        what = "; ".join(f"{f.short_id}: {literal(f.text)}" for f in fixes)
        line += f" *(superseded by {what})*"
    return f"{line} _({logged})_{more}"


def _reply_line(e: Interaction, voided: dict[int, Interaction] | None = None) -> str:
    """A reply logged from the shared channel: its first words, and a link to the message."""
    words = f" “{literal(e.text)}”" if e.text else ""
    # A plain URL, which Slack shows as a link; only an https URL is shown at all.
    link = f" {escape(e.link)}" if _PERMALINK.match(e.link) else ""
    at = e.logged_at.astimezone(UTC).strftime("%-d %b %Y %H:%M")
    if e.ref.startswith("picked:"):  # service.commands.PICKED: the shortcut, by a person
        where, how = "in a message", f"logged by {who(e.logged_by)}"
    elif e.ref.startswith("mail:"):  # domain.email_in: mail to the BCC address
        where, how = "by email", "logged automatically from the BCC address"
    else:
        where, how = "in the shared channel", f"from {who(e.logged_by)}, logged automatically"
    line = f"`{e.short_id}` *{day(e.occurred_on)}* · {ENTRY_VERBS[e.kind]} {where}{words}{link}"
    void = (voided or {}).get(e.seq)
    if void is not None:
        line = f"~{line}~ *VOIDED* by {void.short_id}"
    return f"{line} _({how} {at} UTC)_"


_MESSAGE_KINDS = (Kind.EDITED, Kind.APPROVED, Kind.SENT)


def message_entries(
    events: list[Interaction],
) -> tuple[dict[int, list[Interaction]], set[int]]:
    """The edited / approved / sent lines of each client message, read as one entry: keyed by
    the seq of its newest line (where the entry is shown), oldest line first; and the seqs of
    the other lines, which are not shown on their own."""
    by_ref: dict[str, list[Interaction]] = {}
    for e in events:
        # An email the team sent, seen at the BCC address ("mail:<id>"), is a line of its own.
        if e.kind in _MESSAGE_KINDS and e.ref and not e.ref.startswith("mail:"):
            by_ref.setdefault(e.ref, []).append(e)
    entries: dict[int, list[Interaction]] = {}
    folded: set[int] = set()
    for lines in by_ref.values():
        lines.sort(key=lambda e: e.seq)
        entries[lines[-1].seq] = lines
        folded |= {e.seq for e in lines[:-1]}
    return entries, folded


def message_label(key: str) -> str:
    """The neutral name of a message, from its nudge key ("overdue:inv-A:2" → "message to
    client, overdue step 2"), the same for records written before labels were neutral."""
    situation, _, rest = key.partition(":")
    parts = rest.split(":")
    step = parts[1] if len(parts) > 1 else "?"
    return f"message to client, {situation} step {step}"


def _words(e: Interaction, label: str) -> str:
    """The message text of an approved or sent line, without its label."""
    text = e.text
    if e.kind is Kind.EDITED:
        return text
    if text.startswith(label):
        rest = text[len(label) :]
        if rest.startswith(" (") and "): " in rest:
            return rest[rest.index("): ") + 3 :]
        return rest.removeprefix(": ")
    if e.kind is Kind.SENT and ": " in text:  # written before: "<what> sent: <text>"
        return text.split(": ", 1)[1]
    return text


def _message_line(lines: list[Interaction]) -> str:
    """One client message: what happened to it (sent, approved, edited), the words sent, and
    the earlier versions, each quoted."""
    newest = lines[-1]
    label = message_label(newest.ref)
    at = newest.logged_at.astimezone(UTC).strftime("%-d %b %Y %H:%M")
    sent = [e for e in lines if e.kind is Kind.SENT]
    approvals = [e for e in lines if e.kind is Kind.APPROVED and e.text != HALF_APPROVAL]
    edits = [e for e in lines if e.kind is Kind.EDITED]
    done = []
    if sent:
        how = "posted in the shared channel" if "shared channel" in sent[0].text else "sent"
        by_email = " by email" if "(sent by email" in sent[0].text else ""
        done.append(f"{how} by {who(sent[0].logged_by)}{by_email}" if how == "sent" else how)
    if approvals:
        done.append(f"approved by {who(approvals[-1].logged_by)}")
        if not sent:
            done.append("not yet logged as sent")
    if edits:
        done.append(f"edited by {', '.join(dict.fromkeys(who(e.logged_by) for e in edits))}")
    final = next(
        (e for e in reversed(lines) if e.kind is not Kind.APPROVED or e.text != HALF_APPROVAL),
        newest,
    )
    text = _words(final, label)
    earlier = [e.text for e in edits if e.text != text]
    out = (
        f"`{newest.short_id}` *{day(newest.occurred_on)}* · {label}: {'; '.join(done)} "
        f"_({at} UTC)_" + "".join(f"\n>{escape(line)}" for line in text.split("\n"))
    )
    for n, version in enumerate(earlier, start=1):
        out += f"\n_earlier version {n}:_ " + escape(" ".join(version.split()))
    return out


def entry_lines(events: list[Interaction]) -> list[str]:
    """History lines, newest first: a client message's edits, approval and sending as one
    entry, in `history` and in `status`'s recent log alike."""
    # Voids and fixes are always newer than what they correct, so the ones shown are here.
    voided, fixed = voided_by(events), superseded_by(events)
    messages, folded = message_entries(events)
    return [
        _message_line(messages[e.seq]) if e.seq in messages else _event_line(e, voided, fixed)
        for e in events
        if e.seq not in folded
    ]


# Entries per page of `/client history`, each line at most HISTORY_LINE characters, so a page
# is at most about 20 x 450 = 9,000 characters of text (Slack refuses a message past ~12,000).
HISTORY_PAGE = 20
HISTORY_LINE = 450
HISTORY_TEXT = 300  # of an entry's typed text, once escaped


def history(record: ClientRecord, events: list[Interaction], page: int = 1) -> Reply:
    """One page of the record: `events` are the page's entries (pages go by the order things
    were logged, newest first; a page lists its entries by the day they happened)."""
    total = record.state.interactions
    pages = max(1, -(-total // HISTORY_PAGE))
    name = record.client.name
    command = f"`/client history {_arg(name)}"
    if page > pages:
        text = (
            f"{escape(name)} has {total} {'entry' if total == 1 else 'entries'} on "
            f"{pages} page{'' if pages == 1 else 's'}: {command} {pages}` is the last."
        )
        return Reply(text, [bk.section(text)])
    title = (
        f"History of {name}: {total} {'entry' if total == 1 else 'entries'}, newest first by the "
        "day it happened" + (f" (page {page} of {pages})" if pages > 1 else "")
    )
    # Typed text is clipped while it is plain, then escaped (never an escape cut in half); a
    # line still too long (a client message folded with its edits) is clipped as a last resort.
    shown = [replace(e, text=fit(e.text, HISTORY_TEXT, inside=True)) for e in events]
    full = entry_lines(shown)
    lines = [bk.clip(line, HISTORY_LINE) for line in full]
    notes = [f"{HISTORY_PAGE} entries a page."]
    if page < pages:
        notes.append(f"Next: {command} {page + 1}` (up to {command} {pages}`).")
    if shown != events or any(len(line) > HISTORY_LINE for line in full):
        notes.append(f"Long entries are cut here: `/client export {_arg(name)}` has every word.")
    # The header is plain_text (shown as typed); the fallback text is mrkdwn, so escape it.
    return Reply(
        escape(title),
        [
            bk.header(title),
            *bk.sections(lines, budget=bk.MAX_BLOCKS - 2),
            bk.context(" ".join(notes)),
        ],
    )


def report(
    record: ClientRecord, r: EngagementReport, draft: str = "", shared_by: str = ""
) -> Reply:
    """The walk-away pack: the record in numbers, a checklist for leaving well, and a draft
    final report for the client in their language. `shared_by`: posted for the team by them."""
    c = record.client
    name = escape(c.name)
    since = day(r.since) if r.since else "no interactions logged"
    drift = ""
    if len(r.days_late) >= 2 and r.days_late[-1] > r.days_late[0]:
        drift = f" Payments have drifted later: {', '.join(map(str, r.days_late))} days late."
    elif r.days_late:
        drift = f" Paid invoices were on average {sum(r.days_late) // len(r.days_late)} days late."
    facts = [
        f"*On record since* {since}: {r.interactions} entries.",
        f"*Requests to them:* {r.asks}; {r.asks_open} still unanswered.",
        f"*Revision demands:* {r.revisions}.",
        f"*Invoiced:* {format_totals(r.invoiced)} · *paid:* {format_totals(r.paid)} · "
        f"*outstanding:* {format_totals(r.outstanding)}"
        + (
            f" (overdue: {', '.join('#' + escape(ref) for ref in r.overdue_refs)})"
            if r.overdue_refs
            else ""
        )
        + "."
        + (f" *Overdue:* {format_totals(r.overdue)}." if r.overdue else "")
        + drift,
        f"*Nudges approved:* {r.nudges_approved} · *dismissed:* {r.nudges_dismissed}.",
    ]
    handover = (
        "Give them full access to every account you managed for them."
        if r.paid_up
        else "Hold the handover of accounts until the outstanding balance is paid."
    )
    checklist = [
        f":ballot_box_with_check: {handover}",
        ":ballot_box_with_check: Send a final report of what you achieved for them (a draft is below).",
        f":ballot_box_with_check: Give the reason plainly: you can't meet their needs because they didn't {escape(r.reason)}.",
        ":ballot_box_with_check: Stay professional, and keep this record: "
        f"`/client export {_arg(c.name)}` sends it to you as files; it is your evidence if they turn hostile or must be chased for payment.",
        f":ballot_box_with_check: `/client offboard {_arg(c.name)} &lt;reason&gt;` keeps this checklist with them; "
        f"then `/client archive {_arg(c.name)}` stops nudges. The record stays.",
    ]
    title = f"Walking away from {c.name}"  # a plain_text header; the fallback is escaped below
    blocks = [
        bk.header(title),
        bk.section("\n".join(facts)),
        bk.section("*Leaving well:*\n" + "\n".join(checklist)),
    ]
    if draft:
        language = LANGUAGE_NAMES.get(c.lang, c.lang)
        blocks.append(
            bk.section(
                f"*Draft final report for {name}* ({language}; only what the record shows: "
                f"read it, add what you delivered, and send it yourself):\n"
                + _quote_block(escape(fit(draft, bk.MAX_SECTION_TEXT - 201 - draft.count("\n"))))
            )
        )
    if shared_by:
        where = f"Shared with the team by {who(shared_by)}."
    else:
        where = (
            f"Only you can see this. `/client report {_arg(c.name)} share` posts it for the team."
        )
    blocks.append(bk.context(f"{where} {name}'s full record: `/client history {_arg(c.name)}`"))
    return Reply(escape(title), blocks)


LANGUAGE_NAMES = {"en": "English", "cy": "Welsh"}


def sharing_report(record: ClientRecord) -> Reply:
    return _simple(
        f":mega: Posting the report on *{literal(record.client.name)}* in this channel for the "
        "team. If it doesn't appear, invite me here (`/invite @Tactful`)."
    )


def exporting(record: ClientRecord) -> Reply:
    return _simple(
        f":package: Exporting the full record of *{literal(record.client.name)}*: a CSV to read "
        "or hand on, a CSV of every stored field and a Markdown file are on their way to your "
        "DM with Tactful (its Messages tab)."
    )


def offboarding_started(record: ClientRecord) -> Reply:
    arg = _arg(record.client.name)
    return _simple(
        f":door: Offboarding *{literal(record.client.name)}*: the checklist is saved with them "
        "and posted in this channel; tick each step there as it's done. "
        f"`/client report {arg}` has a draft final report, `/client export {arg}` the record."
    )


def shared_nudge_channel(name: str, channel_id: str, *, add: bool) -> str:
    """`in #c` naming a channel the client reads (the error's text; nothing was saved)."""
    verb = "add" if add else "set"
    arg = _arg(name)
    return (
        f"{channel(channel_id)} is shared with people outside your organisation, so the team's "
        f"nudges about *{literal(name)}* can't go there: the client would read them. Nothing was "
        f"saved. Keep it as their shared channel (`shared #channel`), where I hear their replies, "
        f"and send the nudges to a channel only your team is in: "
        f"`/client {verb} {arg} in #your-team-channel` "
        f"(or leave `in` out, and they come to you by DM)."
    )


def sent_privately(record: ClientRecord, *, offboarding: bool) -> Reply:
    """`report ... share` or `offboard` typed in a channel shared with the client."""
    name, arg = literal(record.client.name), _arg(record.client.name)
    what = (
        f"The offboarding checklist for *{name}* is saved"
        if offboarding
        else f"The report on *{name}* is ready"
    )
    return _simple(
        f":lock: {what}, but this channel is shared with people outside your organisation, so "
        "I'm sending it to your DM with Tactful (its Messages tab) instead of posting it here. "
        f"To share it with the team, type the command in one of your team's own channels: "
        f"`/client {'offboard ' + arg + ' &lt;reason&gt;' if offboarding else 'report ' + arg + ' share'}`."
    )


def _quote_block(text: str) -> str:
    return "\n".join(f">{line}" for line in text.split("\n"))


HELP = """*Tactful keeps the record of every client, and nudges you before things slip.*
My answers are visible only to you; `report <name> share` and `offboard` post in the channel for the team.

*Clients*
`/client add <name> [as unresponsive|controlling|late-payer] [quiet <N> days] [in #channel] [owner @person] [contact <name>] [greet as <name>] [pay <link>] [lang en|cy] [shared #channel] [auto on|off]`
`/client set <name> <any of the add options>`  ·  `/client type <name> unresponsive|controlling|late-payer|none`
`/client archive <name>`  ·  `/client unarchive <name>`

*Log what happened* (add `on <date>` if it wasn't today; `/client` alone opens a form, and *Log as client reply* on any message logs it as their reply)
`/client asked <name> <what you are waiting for>`: starts the quiet clock
`/client heard <name> [what they said]`: the client replied; stops it (their messages in a shared channel are logged by themselves). `/client heard <name> e12` when they answered request e12 only
`/client note <name> <text>`: a call, a meeting, anything worth keeping
`/client revision <name> <what they want changed>`: one round of changes (`logo; footer; colours` is one round)
`/client agreed <name> <rhythm>`: the approval rhythm they agreed, e.g. `weekly batch reviews`
`/client invoice <name> <amount> due <date> [#ref] [on <date sent>]`: sent today if no `on`
`/client paid <name> [<amount>] [#ref]`: no amount pays what is owed; no #ref, the oldest due first
`/client promised <name> <date> [#ref]`: promise to pay
`/client done <name> <words or id>`: one open request is dealt with
`/client snooze <name> [quiet|overdue|controlling] <3 days|1 week|date>`
`/client away <name> until <date>`: the client is on leave, their clocks pause  ·  `/client away <name> off`: back early

*Look things up*
`/client list`: your clients, the ones needing attention first (`/client list 2`: the next page; `/client list a`: names starting with a)
`/client status <name>`: open asks, unpaid invoices, recent log
`/client history <name> [page]`: the full record, newest first by the day it happened, with each entry's id (`e12`), 20 entries a page (`/client history acme 2`: the next page)
`/client report <name>`: walking away? the record in numbers, a checklist for leaving well and a draft final report for the client
`/client report <name> share`: the same, posted in the channel for the team
`/client export <name>`: the full record as CSV and Markdown files, to your DM with Tactful
`/client offboard <name> <reason>`: a checklist for leaving them well, saved with them and posted here
`/client help`: this help

*Fix mistakes* (the record keeps both lines)
`/client undo`: void the last entry you logged
`/client void <name> <#ref or id> <reason>`: it stops counting everywhere
`/client fix <name> <#ref or id> due <date>` · `amount <amount>` · `on <date>`

*Examples*
`/client add "Acme Corp" as late-payer quiet 2 days`
`/client asked acme sign-off on the March posts on fri`
`/client invoice acme £1,200.50 due 2026-12-31 #INV-7`
`/client paid acme £1,000 #INV-7 on yesterday`
`/client void acme #INV-7 sent twice`

Names with spaces go in quotes. Dates: `today`, `yesterday`, `fri`, `3 days ago`, `next wed`, `20/12` (day first; without a year, the nearest one), `2026-12-01`. Text in quotes is kept as typed. Amounts: `1200`, `1,200.50`, `1.200,50`, `£1.2k`, `€2 400`, `300 USD` (a bare amount is in the workspace currency; `1.200` is refused as ambiguous)."""


def help_text() -> Reply:
    # `<name>` placeholders would be read by Slack as links: send them as `&lt;name&gt;`.
    return Reply("How to use /client", [bk.section(escape(part)) for part in HELP.split("\n\n")])
