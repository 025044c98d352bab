"""Carrying out `/client` commands: parse, check, change the store, describe the result.

No Slack here: the handler passes the team, the person and the text, and gets a Reply back.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, tzinfo
from itertools import islice
from typing import Any

from clock import logging_order
from domain import commands as cmd
from domain import corrections, offboarding
from domain.attention import Standing, standing
from domain.corrections import logged_later
from domain.inputs import DateOutOfRange, InputError, unescape
from domain.insights import DEFAULT_THRESHOLDS, Insight, Thresholds, insight
from domain.ledger import AUTO_REF_NOTE, CORRECTIONS, Draft, apply, replay
from domain.models import (
    Client,
    ClientRecord,
    ClientType,
    Interaction,
    Kind,
)
from domain.money import DEFAULT_CURRENCY, format_money
from domain.nudges import DEFAULT_LADDERS, Ladders
from domain.payments import payment_drafts, promised_invoice, quote
from domain.report import engagement_report
from domain.routing import Route, nudge_route
from storage.base import DamagedRecord, DuplicateClient, Overview, Store
from storage.tinydb_store import new_client_id
from ui import replies
from ui.agenda import insight_blocks
from ui.client_message import regreeted
from ui.final_report import draft as final_report_draft
from ui.replies import Reply
from ui.wording import Wording

__all__ = ["ClientCommands", "Draft", "log"]


def log(
    record: ClientRecord, by: str, at: datetime, *drafts: Draft
) -> tuple[ClientRecord, list[Interaction]]:
    """Number the drafts, fold them into the client's state, and return both.

    The seq numbers come from the record itself, so they are assigned under the store's
    write lock and never collide."""
    seq, state, events = record.next_seq, record.state, []
    for d in drafts:
        event = Interaction(
            seq=seq,
            kind=d.kind,
            occurred_on=d.occurred_on,
            logged_by=by,
            logged_at=at,
            text=d.text,
            amount=d.amount,
            ref=d.ref,
            due_on=d.due_on,
            target=d.target,
            redated=d.redated,
            link=d.link,
            undated=d.undated,
            order=logging_order(),
        )
        state = apply(state, event)
        events.append(event)
        seq += 1
    return replace(record, state=state, next_seq=seq), events


# The ref of a reply logged from a message by the shortcut: "picked:" + its "channel/ts" (one
# logged from the shared channel by itself is just "channel/ts").
PICKED = "picked:"


@dataclass(frozen=True)
class Source:
    """A message in Slack a `heard` was logged from (the "Log as client reply" shortcut): its
    first words (already made safe by domain.inputs.excerpt), its permalink, and its
    "channel/ts", which is what makes a second logging of it recognisable."""

    text: str
    link: str
    ref: str


@dataclass(frozen=True)
class FollowUp:
    """Slack work a command leaves for after its answer: `export` (files to the person's DM),
    `share` (the report in the channel) or `offboard` (the checklist in the channel)."""

    kind: str
    record: ClientRecord


# Who wrote a suggestion's version that only greets a new contact.
TACTFUL_REGREET = "tactful"

# The newest entries insights are read from: a year or two of a busy client, and a bound on
# what the overview reads per changed record.
INSIGHT_HISTORY = 500


class ClientCommands:
    """The `/client` command, over a store, in one workspace time zone.

    `auto_heard` is the workspace's AUTO_HEARD: whether replies in shared channels can be
    logged by themselves at all (each client can still turn it off)."""

    def __init__(
        self,
        store: Store,
        tz: tzinfo,
        ladders: Ladders = DEFAULT_LADDERS,
        nudge_channel: str = "",
        *,
        auto_heard: bool = True,
        insights: Thresholds = DEFAULT_THRESHOLDS,
        currency: str = DEFAULT_CURRENCY,
        wording: Wording | None = None,
    ) -> None:
        self.insights = insights
        self.store = store
        self.tz = tz
        self.ladders = ladders
        self.currency = currency
        self.nudge_channel = nudge_channel
        self.auto_heard = auto_heard
        self.wording = wording or Wording.load()

    def route(self, client: Client) -> Route:
        """Where this client's nudges go, as the nudge pass will decide it."""
        return nudge_route(client, self.nudge_channel)

    def run(
        self,
        team_id: str,
        user_id: str,
        text: str,
        now: datetime,
        source: Source | None = None,
        *,
        shared_outside: Callable[[str], bool] = lambda _channel: False,
        here: str = "",
    ) -> Reply:
        """Carry out one command; bad input returns an error reply and changes nothing.

        Args:
            source: the message a `heard` is logged from, if any.
            shared_outside: whether a channel is shared with an outside organisation (Slack
                is asked only for a command that would post the team's messages there).
            here: the channel the command was typed in.
        """
        today = now.astimezone(self.tz).date()
        try:
            command = cmd.parse(text, today, self.store.names(team_id).keys(), self.currency)
            if isinstance(command, (cmd.Add, cmd.Set)) and command.options.channel:
                self._refuse_shared_nudge_channel(command, team_id, shared_outside)
            if _posts_here(command) and here and shared_outside(here):
                return self._privately(command, team_id, user_id, now, today, text)
            return self._run(command, team_id, user_id, now, today, text, source)
        except InputError as err:
            message = str(err)
            # Refused against the record (a reference taken): the whole command, put right.
            if fixed := cmd.retyped(text, err):
                message = f"{message} Type: `{fixed}`"
            return replies.error(message, "date" if isinstance(err, DateOutOfRange) else "")
        except DamagedRecord:
            # The store has logged the file's path; the person gets what they can act on.
            return replies.error(
                "I couldn't read that record: its file is damaged, so nothing was changed. "
                "Tactful's log names the file: restore it from a backup, or ask whoever runs "
                "Tactful to repair it. Your other clients are not affected."
            )

    def _refuse_shared_nudge_channel(
        self, c: cmd.Add | cmd.Set, team: str, shared_outside: Callable[[str], bool]
    ) -> None:
        """`in #c` names where the team's nudges go: never a channel the client reads.

        Raises:
            InputError: #c is the client's shared channel, or shared with an outside org.
        """
        channel = c.options.channel or ""
        existing = self.store.find(team, c.name) if isinstance(c, cmd.Set) else None
        theirs = {c.options.shared_channel, existing.client.shared_channel if existing else None}
        if channel in theirs or shared_outside(channel):
            raise InputError(
                replies.shared_nudge_channel(c.name, channel, add=isinstance(c, cmd.Add))
            )

    def _privately(
        self, c: cmd.Command, team: str, user: str, now: datetime, today: date, text: str
    ) -> Reply:
        """`report ... share` or `offboard` typed in a channel the client reads: done as asked,
        but what would be posted goes to the person's DM (see follow_up)."""
        reply = self._run(c, team, user, now, today, text)
        if reply.error:
            return reply
        record = self._find(team, getattr(c, "name", ""))
        return replies.sent_privately(record, offboarding=isinstance(c, cmd.Offboard))

    def refresh_overviews(self, now: datetime) -> None:
        """Bring every team's overview up to date, off the request path: after midnight every
        summary is made again, and the first `/client list` of the day shouldn't pay for it."""
        today = now.astimezone(self.tz).date()
        for team in self.store.teams():
            try:
                self.overview(team, today)
            except DamagedRecord:
                continue  # the team's name index: logged by the store; other teams go on

    def overview(self, team_id: str, today: date) -> Overview[Standing]:
        """Every client's standing today (kept by the store between records' changes)."""
        return self.store.overview(
            team_id,
            lambda record: standing(
                record,
                today,
                self.ladders,
                self.route(record.client),
                self.insight(record, today),
            ),
            Standing,
            # Whatever a standing depends on besides the record itself.
            # "money3": standings carry what is owed and overdue per currency, how many
            # overdue invoices a promise holds, and only the suggestions still worth sending.
            f"{today.isoformat()}|{self.ladders!r}|{self.nudge_channel}|money3|{self.insights!r}",
        )

    def insight(self, record: ClientRecord, today: date) -> Insight | None:
        """What the client's newest INSIGHT_HISTORY entries say about its habits. Read only
        when its record changed (or the day did): the overview keeps the answer."""
        c = record.client
        try:
            history = list(islice(self.store.history(c.team_id, c.client_id), INSIGHT_HISTORY))
        except DamagedRecord:
            return None  # logged by the store; the rest of the standing still shows
        return insight(record, history, today, self.insights, self.ladders.calendar)

    def follow_up(self, team_id: str, text: str, now: datetime) -> FollowUp | None:
        """What a command leaves to do in Slack after its answer (an upload, a post), for the
        listener that runs after the ack; None when there is nothing (or the command was
        refused, which its answer already said)."""
        today = now.astimezone(self.tz).date()
        try:
            command = cmd.parse(text, today, self.store.names(team_id).keys(), self.currency)
        except InputError:
            return None
        kinds = {cmd.Export: "export", cmd.Offboard: "offboard"}
        if isinstance(command, cmd.Set) and (command.options.contact or command.options.greet):
            kinds[cmd.Set] = "regreet"  # the refreshed suggestions shown in Slack
        kind = kinds.get(type(command)) or (
            "share" if isinstance(command, cmd.Report) and command.share else ""
        )
        if not kind or not isinstance(command, (cmd.Export, cmd.Offboard, cmd.Report, cmd.Set)):
            return None
        record = self.store.find(team_id, command.name)
        return FollowUp(kind, record) if record is not None else None

    def report(self, record: ClientRecord, today: date, shared_by: str = "") -> Reply:
        """The walk-away pack for a client, with the final-report draft in their language."""
        history = list(self.store.history(record.client.team_id, record.client.client_id))
        r = engagement_report(record, history, today, self.ladders)
        draft = final_report_draft(self.wording, record, r, today)
        return replies.report(record, r, draft, shared_by)

    # one method per command ----------------------------------------------------------------
    def _run(
        self,
        c: cmd.Command,
        team: str,
        user: str,
        now: datetime,
        today: date,
        text: str = "",
        source: Source | None = None,
    ) -> Reply:
        if isinstance(c, cmd.Help):
            return replies.help_text()
        if isinstance(c, cmd.ListClients) or (isinstance(c, cmd.Status) and c.name is None):
            page = c if isinstance(c, cmd.ListClients) else cmd.ListClients()
            found = self.overview(team, today)
            return replies.client_list(
                found.summaries, unreadable=found.unreadable, page=page.page, prefix=page.prefix
            )
        if isinstance(c, cmd.Add):
            return self._add(c, team, user, now, today)
        if isinstance(c, cmd.Undo):
            return self._undo(c, team, user, now, today, text)
        name = getattr(c, "name", None)
        assert isinstance(name, str), c  # every other command names a client
        record = self._find(team, name, text)
        if isinstance(c, cmd.Status):
            recent = by_date(islice(self.store.history(team, record.client.client_id), 5))
            shown = replies.status(record, recent, today, self.ladders, self.route(record.client))
            habits = insight_blocks(
                record.client.name, record.client.client_id, self.insight(record, today)
            )
            # Before the last block (the pointer to the full record).
            return replace(shown, blocks=[*shown.blocks[:-1], *habits, *shown.blocks[-1:]])
        if isinstance(c, cmd.Report):
            if c.share:
                return replies.sharing_report(record)
            return self.report(record, today)
        if isinstance(c, cmd.Export):
            return replies.exporting(record)
        if isinstance(c, cmd.Offboard):
            updated = self.store.update(
                team, record.client.client_id, self._offboard(c.reason, user, now, today)
            )
            return replies.offboarding_started(updated)
        if isinstance(c, cmd.History):
            # Paged in the order things were logged, so a page reads only the entries up to
            # its own: page 1 of a long history answers as fast as a short one's. Each page
            # is listed in the order things happened.
            size = replies.HISTORY_PAGE
            start = (c.page - 1) * size
            events = islice(self.store.history(team, record.client.client_id), start, start + size)
            return replies.history(record, by_date(events), c.page)
        logged: list[Interaction] = []
        change = self._change_for(c, user, now, today, logged, source)
        updated = self.store.update(team, record.client.client_id, change)
        return replies.logged(
            c,
            updated,
            today,
            self.ladders,
            route=self.route(updated.client),
            auto_heard=self.auto_heard,
            lines=logged,
        )

    def _undo(
        self, c: cmd.Undo, team: str, user: str, now: datetime, today: date, text: str = ""
    ) -> Reply:
        """Void the last command this person logged (within a day), on whichever client."""
        records = [self._find(team, c.name, text)] if c.name else self.store.clients(team)
        last: tuple[Interaction, ClientRecord] | None = None
        for record in records:
            try:
                command = corrections.last_command(self._recent(team, record, now), user, now)
            except DamagedRecord:
                continue  # logged by the store; undo can still find your entry elsewhere
            if command and (last is None or logged_later(command[0], last[0])):
                last = (command[0], record)
        if last is None:
            where = f" for {c.name}" if c.name else ""
            raise InputError(
                f"Nothing you logged{where} in the last 24 hours to undo. To void an older "
                "entry, name it by its id: `/client void acme e12 <reason>` "
                "(`/client history acme` shows the ids)."
            )
        record = last[1]
        logged: list[Interaction] = []
        change = self._change_for(c, user, now, today, logged)
        updated = self.store.update(team, record.client.client_id, change)
        return replies.logged(
            c, updated, today, self.ladders, route=self.route(updated.client), lines=logged
        )

    def _recent(self, team: str, record: ClientRecord, now: datetime) -> list[Interaction]:
        """The client's lines logged within the undo window, oldest first."""
        out = []
        for e in self.store.history(team, record.client.client_id):
            if now - e.logged_at > corrections.UNDO_WINDOW:
                break
            out.append(e)
        return out[::-1]

    def _add(self, c: cmd.Add, team: str, user: str, now: datetime, today: date) -> Reply:
        # Each option is the Client field of the same name (as for `set`); what isn't
        # mentioned keeps the Client's default.
        given = {f.name: getattr(c.options, f.name) for f in fields(c.options)}
        client = Client(
            team_id=team,
            client_id=new_client_id(),
            name=c.name,
            created_by=user,
            created_at=now,
            **{k: v for k, v in given.items() if v is not None},
        )
        record, events = log(ClientRecord(client=client), user, now, Draft(Kind.ADDED, today))
        try:
            self.store.add_client(record, events)
        except DuplicateClient as dup:
            raise InputError(
                f"There is already a client called {dup.existing.client.name}. "
                f"`/client status {_quote(dup.existing.client.name)}` shows it; "
                "`/client set` changes its settings."
            ) from None
        return replies.added(record, self.route(client), user, auto_heard=self.auto_heard)

    def _find(self, team: str, name: str, text: str = "") -> ClientRecord:
        record = self.store.find(team, name)
        if record is not None:
            return record
        close = self._near_names(team, name)
        if len(close) > 1:
            listed = ", ".join(close[:-1]) + f" or {close[-1]}"
            raise InputError(
                f"`{name}` could be {listed}: say which, e.g. `{_retyped(text, name, close[0])}`."
            )
        if close:
            typed = unescape(_misspelt(text, name, close[0])[0]) or name
            raise InputError(
                f"I don't know a client called {typed}. Did you mean {close[0]}? "
                f"`{_retyped(text, name, close[0])}`"
            )
        raise InputError(
            f"I don't know a client called {name}. `/client list` shows your clients; "
            f"`/client add {_quote(name)}` adds this one."
        )

    def _near_names(self, team: str, name: str) -> list[str]:
        """The clients `name` may have meant, as they are written. Read from the name index and
        the few records that match, not the overview: an error reply writes nothing, and
        bringing the overview's cached file up to date is a write."""
        index = self.store.names(team)
        meant = []
        for key in near_names(name, list(index)):
            try:
                record = self.store.get(team, index[key])
            except DamagedRecord:
                continue  # logged by the store; a suggestion isn't worth failing the reply for
            if record is not None:
                meant.append(record.client.name)
        return meant

    @staticmethod
    def _offboard(reason: str, user: str, now: datetime, today: date):
        def change(record: ClientRecord) -> tuple[ClientRecord, list[Interaction]]:
            started = offboarding.start(record, reason, user, now)
            return log(started, user, now, Draft(Kind.OFFBOARDING, today, text=reason))

        return change

    def _change_for(
        self,
        c: cmd.Command,
        user: str,
        now: datetime,
        today: date,
        logged: list[Interaction],
        source: Source | None = None,
    ):
        """The store change for a command that records something. Checks that depend on the
        client's state run inside it, against the freshest copy, under the write lock. The
        lines it logs are put in `logged` for the reply."""

        def change(record: ClientRecord) -> tuple[ClientRecord, list[Interaction]]:
            team, cid = record.client.team_id, record.client.client_id
            history: list[Interaction] = []

            def lines() -> list[Interaction]:
                if not history:
                    history.extend(reversed(list(self.store.history(team, cid))))
                return history

            drafts, client = self._drafts(c, record, today, user, now, lines, source)
            if client is not None:
                # Open suggestions greet the new contact at once.
                record, _ = regreeted(
                    self.wording, record, replace(record, client=client), TACTFUL_REGREET, now
                )
            if isinstance(c, cmd.Archive) and not c.archived:
                # Unarchiving undoes the offboarding checklist's archive step as well.
                record = offboarding.untick_archive(record)
            elif isinstance(c, cmd.Archive) and offboarding.is_open(record, offboarding.ARCHIVED):
                record = offboarding.tick(record, offboarding.ARCHIVED, user, now)
            new, events = log(record, user, now, *drafts)
            if any(d.kind in CORRECTIONS for d in drafts):
                # A void or a fix changes how an earlier line counts: rebuild what is open from
                # the whole history (the summary alone can't be unwound).
                new = replace(new, state=replay([*lines(), *events]))
            logged[:] = events
            return new, events

        return change

    def _drafts(
        self,
        c: cmd.Command,
        record: ClientRecord,
        today: date,
        user: str,
        now: datetime,
        lines,
        source: Source | None = None,
    ) -> tuple[list[Draft], Client | None]:
        client = record.client
        if isinstance(c, cmd.Void):
            target = corrections.find_entry(record, lines(), c.entry)
            return corrections.void_drafts(record, lines(), target, c.reason, today), None
        if isinstance(c, cmd.Undo):
            command = corrections.last_command(lines(), user, now)
            if not command:
                raise InputError("Nothing of yours to undo any more: someone changed it meanwhile.")
            return corrections.undo_drafts(record, lines(), command, today), None
        if isinstance(c, cmd.Fix):
            target = corrections.find_entry(record, lines(), c.entry)
            return corrections.fix_drafts(record, lines(), target, c, today), None
        if isinstance(c, cmd.Done):
            return corrections.done_drafts(record, c.ask, today), None
        if isinstance(c, cmd.Log):
            asks = record.state.open_asks
            if c.verb == "heard" and asks and c.on < min(a.asked_on for a in asks):
                first = min(asks, key=lambda a: a.asked_on)
                raise InputError(
                    f"A reply dated {c.on:%a %-d %b %Y} can't answer what you asked "
                    f"{client.name} on {first.asked_on:%a %-d %b %Y} (“{first.what}”). Give the "
                    f"day they replied, or log an earlier exchange as a note: "
                    f"`/client note {_quote(client.name)} ... on {c.on.isoformat()}`."
                )
            if source is not None and c.verb == Kind.HEARD.value:
                logged = record.state.replies_logged
                if source.ref in logged or source.ref.removeprefix(PICKED) in logged:
                    raise InputError(
                        f"That message is already logged as a reply from {client.name}."
                    )
                text = c.text or source.text
                return [Draft(Kind.HEARD, c.on, text=text, ref=source.ref, link=source.link)], None
            if c.answers:
                return partial_reply(record, c), None
            return [Draft(Kind(c.verb), c.on, text=c.text)], None
        if isinstance(c, cmd.InvoiceSent):
            # Matched as `paid` matches them: #a and #A are the same invoice.
            refs = {i.ref.casefold() for i in record.state.invoices}
            ref = c.ref or _next_ref(refs)
            if ref.casefold() in refs:
                raise _ref_taken(record, ref, _next_ref(refs))
            note = "" if c.ref else AUTO_REF_NOTE
            return [
                Draft(
                    Kind.INVOICE,
                    c.on,
                    text=note,
                    amount=c.amount,
                    ref=ref,
                    due_on=c.due,
                    undated=c.undated,
                )
            ], None
        if isinstance(c, cmd.Paid):
            return payment_drafts(
                record, c.ref, c.amount, c.on, typed=c.amount_words, date_typed=c.date_words
            ), None
        if isinstance(c, cmd.Promised):
            invoice = promised_invoice(record, c.ref)
            return [
                Draft(Kind.PROMISED, today, ref=invoice.ref if invoice else "", due_on=c.by)
            ], None
        if isinstance(c, cmd.Snooze):
            situations = [c.situation] if c.situation else list(cmd.SITUATIONS)
            return [Draft(Kind.SNOOZED, today, ref=s, due_on=c.until) for s in situations], None
        if isinstance(c, cmd.Away):
            if c.until == c.start:
                if record.state.away_from(today) is None:
                    raise InputError(f"{client.name} isn't on leave.")
                return [Draft(Kind.AWAY, today, text="back from leave", due_on=today)], None
            text = f"on leave until {c.until:%a %-d %b %Y}"
            return [Draft(Kind.AWAY, c.start, text=text, due_on=c.until)], None
        if isinstance(c, cmd.SetType):
            if c.client_type is client.client_type:
                raise InputError(f"{client.name} is already marked `{c.client_type.value}`.")
            text = f"type: {client.client_type.value} → {c.client_type.value}"
            return [Draft(Kind.TYPE, today, text=text)], replace(client, client_type=c.client_type)
        if isinstance(c, cmd.Set):
            return self._settings(c.options, client, today)
        if isinstance(c, cmd.Archive):
            if client.archived == c.archived:
                state = "archived" if c.archived else "active"
                raise InputError(f"{client.name} is already {state}.")
            text = "archived" if c.archived else "unarchived"
            return [Draft(Kind.ARCHIVED, today, text=text)], replace(client, archived=c.archived)
        raise AssertionError(c)  # pragma: no cover

    @staticmethod
    def _settings(o: cmd.Options, client: Client, today: date) -> tuple[list[Draft], Client]:
        # Each option is the Client field of the same name; None means "not mentioned".
        wanted = {f.name: getattr(o, f.name) for f in fields(o)}
        changes: dict[str, Any] = {
            k: v for k, v in wanted.items() if v is not None and getattr(client, k) != v
        }
        if not changes:
            raise InputError(f"Nothing to change: {client.name} already has those settings.")
        text = "; ".join(
            f"{k.replace('_', ' ')}: {_show(getattr(client, k))} → {_show(v)}"
            for k, v in changes.items()
        )
        return [Draft(Kind.SETTINGS, today, text=text)], replace(client, **changes)


def near_names(name: str, known: list[str]) -> list[str]:
    """Clients `name` may have meant: those it is the start of a word of (`acme` for "Acme
    Ltd" and "Acme Inc"), then near misses in spelling (`acmee`, or `blom` for a word of
    "Bloom Florists"). Offered, never acted on: a wrong client is worse than a retry."""
    key = " ".join(name.casefold().split())
    starts = [k for k in known if any(w.startswith(key) for w in k.casefold().split())]
    starts += [k for k in known if k not in starts and k.casefold().startswith(key)]
    by_key = {k.casefold(): k for k in known}
    spelled = [by_key[m] for m in difflib.get_close_matches(key, list(by_key), n=3, cutoff=0.75)]
    # One word misspelt from a word of a longer name: `blom` for "Bloom Florists".
    if " " not in key:
        spelled += [
            k
            for k in known
            if len(k.split()) > 1
            and difflib.get_close_matches(key, k.casefold().split(), n=1, cutoff=0.75)
        ]
    return list(dict.fromkeys([*starts, *spelled]))[:5]


def _misspelt(text: str, name: str, meant: str) -> tuple[str, str]:
    """The words of `text` (a command) taken as the misspelt name of `meant`, and what follows
    them. The parser read only `name` as the name (`Acme` of `Acme Crop the logo`, for "Acme
    Corp"); the words after it that spell the rest of `meant` are the name too, so they must
    not stay in the request's text, and from there in the client's message."""
    verb, _, rest = text.strip().partition(" ")
    rest = rest.strip()
    if rest.startswith('"') and rest.find('"', 1) > 0:
        end = rest.find('"', 1)
        return rest[1:end], rest[end + 1 :].strip()
    if not rest.casefold().startswith(name.split()[0].casefold() if name.split() else name):
        return "", ""
    words = rest.split()
    # The first word is the name's (the parser read it so); each next word is too while it
    # spells a word of the name not yet spelt. A word that resembles none (`the`, `e5`) is
    # the text's, even where counting letters over the whole phrase would take it.
    left = [_name_word(w) for w in meant.split()]
    first = difflib.get_close_matches(_name_word(words[0]), left, n=1, cutoff=0.0)
    if first:
        left.remove(first[0])
    taken = 1
    for word in words[1:]:
        close = difflib.get_close_matches(_name_word(word), left, n=1, cutoff=0.6)
        if not close:
            break
        left.remove(close[0])
        taken += 1
    return " ".join(words[:taken]), re.sub(
        rf"^\s*(?:\S+\s+){{{taken - 1}}}\S+", "", rest, count=1
    ).strip()


def _name_word(word: str) -> str:
    """A word of a name as compared: `&`, `&amp;` and `and` are one word."""
    folded = unescape(word).casefold()
    return "&" if folded in ("and", "+") else folded


def _retyped(text: str, name: str, meant: str) -> str:
    """The command as typed, with `meant` in place of the name that wasn't found (all the
    words that spelt it: see _misspelt)."""
    verb = text.strip().partition(" ")[0]
    tail = _misspelt(text, name, meant)[1]
    command = f"/client {verb.lower() or 'status'} {_quote(meant)} {tail}"
    return unescape(" ".join(command.split()))  # the reply escapes it, once


def partial_reply(record: ClientRecord, c: cmd.Log) -> list[Draft]:
    """`heard acme e12 e14`: one line per request answered, each closing only that one."""
    open_asks = {a.seq: a for a in record.state.open_asks}
    for seq in c.answers:
        ask = open_asks.get(seq)
        if ask is None:
            raise InputError(
                f"e{seq} isn't a request of {record.client.name} still waiting for an answer. "
                f"`/client status {_quote(record.client.name)}` lists the open ones with their "
                "ids; `/client heard` without ids logs a reply to all of them."
            )
        if c.on < ask.asked_on:
            raise InputError(
                f"A reply dated {c.on:%a %-d %b %Y} can't answer e{seq}, asked on "
                f"{ask.asked_on:%a %-d %b %Y}: give the day they replied."
            )
    if len(set(c.answers)) == len(open_asks):
        raise InputError(
            "That is every open request: log it as a plain reply, "
            f"`/client heard {_quote(record.client.name)}`."
        )
    return [
        Draft(Kind.HEARD, c.on, text=c.text if i == 0 else "", target=seq)
        for i, seq in enumerate(dict.fromkeys(c.answers))
    ]


def by_date(events) -> list[Interaction]:
    """Newest first by the day it happened, then by when it was logged. An invoice whose sent
    day isn't known goes by its due date, the latest it can have been sent."""
    return sorted(
        events,
        key=lambda e: ((e.due_on or e.occurred_on) if e.undated else e.occurred_on, e.seq),
        reverse=True,
    )


def _show(value: object) -> str:
    if isinstance(value, ClientType):
        return value.value
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, tuple):
        return ", ".join(value) or "none"
    return str(value) if value not in ("", None) else "none"


def _ref_taken(record: ClientRecord, ref: str, free: str) -> InputError:
    """An invoice logged with a reference the client already has: most often the same invoice
    typed twice, so the one on record is shown before a free reference is offered."""
    (taken,) = (i for i in record.state.invoices if i.ref.casefold() == ref.casefold())
    return InputError(
        f"{record.client.name} already has invoice #{taken.ref}: "
        f"{format_money(taken.amount)}, due {taken.due_on:%a %-d %b %Y}. If it's the same "
        f"invoice, it's logged already and there's nothing to do. If this is a new one, give "
        f"it a reference of its own, such as the next free one, #{free}.",
        typed=f"#{ref}",
        instead=f"#{free}",
    )


def _next_ref(refs: set[str]) -> str:
    n = len(refs) + 1
    while f"inv-{n}" in refs:  # refs are casefolded
        n += 1
    return f"INV-{n}"


_quote = quote


def _posts_here(c: cmd.Command) -> bool:
    return isinstance(c, cmd.Offboard) or (isinstance(c, cmd.Report) and c.share)
