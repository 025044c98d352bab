"""What the team decides about a suggested message: approve, edit, snooze or dismiss.

Each decision is one store change that checks the nudge's state on the freshest copy under
the write lock, so two people clicking at once, a double click or a Slack retry make exactly
one decision; the others learn who was first. The decision is stored before anything is said
to Slack, so a failed message update never loses it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo

from domain.inputs import clean_text
from domain.models import (
    ClientRecord,
    DeliveryState,
    Interaction,
    Kind,
    Nudge,
    NudgeStatus,
    TextVersion,
)
from domain.money import format_money
from domain.nudges import (
    CHANGED,
    DEFAULT_LADDERS,
    HALF_APPROVAL,
    OTHER_SUBJECT,
    OVER,
    OVERDUE,
    OVERTAKEN,
    QUIET,
    TOP_STAGE,
    Ladders,
    is_reminder,
    label,
    outdated,
    why_outdated,
)
from service.commands import Draft, log
from storage.base import NoChange, Store, UnknownClient
from ui.nudges import MAX_EDIT
from ui.replies import day

# Modal inputs arrive as typed (not entity-escaped like command text): cleaned with
# escaped=False, so a typed `<` is a character, escaped wherever the text is shown.
# As much as the Edit modal holds (Slack's plain_text_input max_length).
MAX_MESSAGE = MAX_EDIT
MAX_REASON = 500


@dataclass(frozen=True)
class Outcome:
    """What happened, for the handler to show. `changed` is False when nothing was stored."""

    # approved | half_approved | edited | snoozed | dismissed | stale | sent (stored), or
    # already | already_sent | refused | unchanged | missing (nothing stored)
    result: str
    record: ClientRecord | None = None
    nudge: Nudge | None = None
    detail: str = ""

    @property
    def changed(self) -> bool:
        return self.result in (
            "approved",
            "half_approved",
            "edited",
            "snoozed",
            "dismissed",
            "stale",
            "sent",
        )


def needs_two(nudge: Nudge) -> bool:
    """Stop-work notices and every walk-away stage are the ones a second person can be
    required to approve (TWO_PERSON_STOP_WORK)."""
    return nudge.stage == TOP_STAGE or (nudge.situation == OVERDUE and nudge.stage >= 2)


class Decisions:
    def __init__(
        self,
        store: Store,
        tz: tzinfo,
        *,
        two_person_stop_work: bool = False,
        ladders: Ladders = DEFAULT_LADDERS,
    ) -> None:
        self.store, self.tz = store, tz
        self.two_person = two_person_stop_work
        self.ladders = ladders

    def _decide(
        self,
        team: str,
        client_id: str,
        key: str,
        user: str,
        now: datetime,
        decide,
        *,
        status: NudgeStatus = NudgeStatus.POSTED,
    ) -> Outcome:
        """Run `decide(record, nudge, today)` as one store change, on a nudge at `status`
        (otherwise it was already decided). `decide` returns (record, drafts, result), or
        raises NoChange with an outcome that stores nothing."""
        today = now.astimezone(self.tz).date()
        result: list[str] = []

        def change(record: ClientRecord) -> tuple[ClientRecord, list[Interaction]]:
            nudge = record.nudges.get(key)
            if nudge is None:
                raise NoChange(Outcome("missing", record))
            if nudge.status is not status:
                raise NoChange(Outcome("already", record, nudge))
            record, drafts, outcome = decide(record, nudge, today)
            result.append(outcome)
            return log(record, user, now, *drafts)

        try:
            record = self.store.update(team, client_id, change)
        except NoChange as stop:
            return stop.outcome
        except UnknownClient:
            return Outcome("missing")
        nudge = record.nudges[key]
        detail = resolution(record, nudge, today, self.ladders) if result[0] == "stale" else ""
        return Outcome(result[0], record, nudge, detail)

    # The public decisions --------------------------------------------------------------
    def approve(
        self, team: str, client_id: str, key: str, user: str, now: datetime, *, allowed: bool = True
    ) -> Outcome:
        if not allowed:
            return Outcome("refused", detail="approve")

        def decide(record: ClientRecord, nudge: Nudge, today: date):
            if is_reminder(nudge):
                # A reminder for the team has no client message: there is nothing to approve.
                raise NoChange(Outcome("refused", record, nudge, detail="reminder"))
            if outdated(record, nudge, today, self.ladders):
                # The client replied or paid since this was posted, or it was overtaken:
                # nothing may be sent.
                return _with(record, replace(nudge, status=NudgeStatus.STALE)), [], "stale"
            if (
                self.two_person
                and needs_two(nudge)
                and user not in nudge.approvals
                and not nudge.approvals
            ):
                half = replace(nudge, approvals=(user,))
                return (
                    _with(record, half),
                    [Draft(Kind.APPROVED, today, text=HALF_APPROVAL, ref=key)],
                    "half_approved",
                )
            if self.two_person and needs_two(nudge) and nudge.approvals == (user,):
                raise NoChange(Outcome("refused", record, nudge, detail="second"))
            final = nudge.versions[-1].text
            done = replace(
                nudge,
                status=NudgeStatus.APPROVED,
                decided_by=user,
                decided_at=now,
                approvals=(*nudge.approvals, user),
            )
            if record.client.shared_channel:
                # Stored with the approval: the post then happens exactly once, even if we
                # crash right after (the next pass finishes it).
                done = replace(done, delivery=DeliveryState.PENDING)
            # Approving is not sending: the message is logged as sent once it is posted in the
            # shared channel (service/delivery.py) or someone clicks "Sent it" (`sent` below).
            drafts = [Draft(Kind.APPROVED, today, text=final, ref=key)]
            return _with(record, done), drafts, "approved"

        return self._decide(team, client_id, key, user, now, decide)

    def edit(
        self, team: str, client_id: str, key: str, user: str, text: str, now: datetime
    ) -> Outcome:
        text = clean_edit(text)

        def decide(record: ClientRecord, nudge: Nudge, today: date):
            if text == nudge.versions[-1].text:
                raise NoChange(Outcome("unchanged", record, nudge))
            # A first approval was of the old text: the new one needs its approvals afresh.
            edited = replace(
                nudge, versions=(*nudge.versions, TextVersion(text, user, now)), approvals=()
            )
            return _with(record, edited), [Draft(Kind.EDITED, today, text=text, ref=key)], "edited"

        return self._decide(team, client_id, key, user, now, decide)

    def snooze(
        self, team: str, client_id: str, key: str, user: str, until: date, now: datetime
    ) -> Outcome:
        def decide(record: ClientRecord, nudge: Nudge, today: date):
            if until <= today:
                raise NoChange(Outcome("refused", record, nudge, detail="past"))
            snoozed = replace(
                nudge,
                status=NudgeStatus.SNOOZED,
                decided_by=user,
                decided_at=now,
                note=until.isoformat(),
            )
            return (
                _with(record, snoozed),
                [Draft(Kind.SNOOZED, today, ref=nudge.situation, due_on=until)],
                "snoozed",
            )

        return self._decide(team, client_id, key, user, now, decide)

    def dismiss(
        self,
        team: str,
        client_id: str,
        key: str,
        user: str,
        reason: str,
        now: datetime,
        *,
        allowed: bool = True,
    ) -> Outcome:
        if not allowed:
            return Outcome("refused", detail="dismiss")
        reason = clean_reason(reason)

        def decide(record: ClientRecord, nudge: Nudge, today: date):
            dismissed = replace(
                nudge, status=NudgeStatus.DISMISSED, decided_by=user, decided_at=now, note=reason
            )
            text = f"{nudge.situation} step {nudge.stage}" + (f": {reason}" if reason else "")
            return (
                _with(record, dismissed),
                [Draft(Kind.DISMISSED, today, text=text, ref=key)],
                "dismissed",
            )

        return self._decide(team, client_id, key, user, now, decide)

    def sent(self, team: str, client_id: str, key: str, user: str, now: datetime) -> Outcome:
        """Someone sent the approved message by email or another channel ("Sent it"): logged
        as sent exactly once, however often it is clicked (one store change that checks)."""

        def decide(record: ClientRecord, nudge: Nudge, today: date):
            if nudge.sent_at is not None:
                raise NoChange(Outcome("already_sent", record, nudge))
            record, drafts = mark_sent(record, nudge, user, now, today, how="sent by hand")
            return record, drafts, "sent"

        return self._decide(team, client_id, key, user, now, decide, status=NudgeStatus.APPROVED)


def mark_sent(
    record: ClientRecord, nudge: Nudge, by: str, now: datetime, today: date, *, how: str
) -> tuple[ClientRecord, list[Draft]]:
    """The approved message reached the client: the nudge says when and by whom, and one SENT
    line with the neutral label and the words sent goes into the history."""
    done = replace(nudge, sent_at=now, sent_by=by)
    text = f"{label(nudge)} ({how}): {nudge.versions[-1].text}"
    return _with(record, done), [Draft(Kind.SENT, today, text=text, ref=nudge.key)]


def resolution(record: ClientRecord, nudge: Nudge, today: date, ladders: Ladders) -> str:
    """What happened since the suggestion was posted, for "… since this was posted, so nothing
    was sent": the true reason, never a guess (a request closed with `done` is not a reply)."""
    s, name = record.state, record.client.name
    posted = nudge.created_at.date()
    why = why_outdated(record, nudge, today, ladders)
    if why == OVERTAKEN:
        return f"a later step for {name} was suggested"
    if why == CHANGED:
        return f"what it says about {name} changed (a payment, or a request answered or added)"
    if nudge.situation == QUIET:
        if s.last_heard_on and s.last_heard_on >= posted:
            return f"{name} replied on {day(s.last_heard_on)}"
        if why == OTHER_SUBJECT:
            return f"the request it was about was answered or closed ({name} has others open)"
        return "the request it was about was answered or closed"
    if nudge.situation == OVERDUE:
        paid = [(i.paid_on, i) for i in s.invoices if i.paid_on is not None and i.paid_on >= posted]
        if paid and why == OVER:
            paid_on, last = max(paid, key=lambda p: p[0])
            return f"{name} paid #{last.ref} ({format_money(last.amount)}) on {day(paid_on)}"
        if why == OTHER_SUBJECT:
            return f"the invoices overdue for {name} changed"
        return f"{name} has no overdue invoice any more"
    return f"the situation with {name} changed"


def _with(record: ClientRecord, nudge: Nudge) -> ClientRecord:
    return replace(record, nudges={**record.nudges, nudge.key: nudge})


def clean_edit(text: str) -> str:
    """An edited suggestion, through the one cleaner for typed text (the Edit modal checks it
    before its ack with this too)."""
    return clean_text(text, what="message", escaped=False, limit=MAX_MESSAGE)


def clean_reason(text: str) -> str:
    """A dismissal's optional reason. One line: it is shown in the suggestion's footer, where a
    line break could pass for another footer line (the modal's input is single-line; only a
    forged payload has one)."""
    return clean_text(
        text, what="reason", escaped=False, limit=MAX_REASON, required=False, one_line=True
    )
