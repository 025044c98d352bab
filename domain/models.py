"""The domain: clients, what happened with them, and what is still open.

These are plain dataclasses. Storage returns them and handlers render them; no Slack or
TinyDB types leak in here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from domain.characters import fold


class ClientType(StrEnum):
    """How a client tends to be difficult; picks the tone of suggested wording."""

    NONE = "none"
    UNRESPONSIVE = "unresponsive"
    CONTROLLING = "controlling"
    LATE_PAYER = "late-payer"


class Kind(StrEnum):
    """What an interaction in the record was."""

    ADDED = "added"
    ASKED = "asked"
    HEARD = "heard"
    NOTE = "note"
    REVISION = "revision"
    INVOICE = "invoice"
    PAID = "paid"
    TYPE = "type"
    SETTINGS = "settings"
    SNOOZED = "snoozed"
    PROMISED = "promised"
    ARCHIVED = "archived"
    # The client agreed an approval rhythm (text: the rhythm, e.g. "weekly batch reviews").
    AGREED = "agreed"
    # Written by the nudge workflow: a nudge posted, and what the team did about it.
    NUDGED = "nudged"
    APPROVED = "approved"
    EDITED = "edited"
    DISMISSED = "dismissed"
    SENT = "sent"
    # Corrections: new lines that change how earlier ones count, never rewrites.
    VOIDED = "voided"  # `target` stops counting everywhere (text: why)
    FIXED = "fixed"  # `target` now has these due_on / amount / redated values
    DONE = "done"  # the open ask `target` is closed
    # Offboarding: the checklist started (text: the reason), and each item ticked (ref: item).
    OFFBOARDING = "offboarding"
    CHECKED = "checked"
    # The client is on leave: their clocks are paused until they are back.
    AWAY = "away"


@dataclass(frozen=True)
class Money:
    """An exact amount; `currency` is an ISO code, or "" when the person gave none."""

    amount: Decimal
    currency: str = ""


@dataclass(frozen=True)
class Interaction:
    """One line of a client's record. Never changed once written."""

    seq: int
    kind: Kind
    occurred_on: date
    logged_by: str
    logged_at: datetime
    text: str = ""
    amount: Money | None = None
    ref: str = ""
    due_on: date | None = None
    # Where it can be read in Slack: the client's own message, for a reply logged from their
    # shared channel (its `ref` is then the message's "channel/ts", which is what makes a
    # redelivered message recognisable).
    link: str = ""
    # For a correction (VOIDED, FIXED, DONE): the seq of the entry it is about.
    target: int = 0
    # For a FIXED line that redates its target: the target's new date.
    redated: date | None = None
    # The day it happened isn't known: an invoice logged after its due date without the day it
    # was sent. `occurred_on` is then the day it was logged, and nothing claims it as sent then.
    undated: bool = False
    # Where it falls in the order things were logged, across clients (clock.logging_order):
    # "your last entry" is the one logged last, whatever `logged_at` a pinned clock gave it.
    # 0 on lines logged before this was kept, which came before every numbered one.
    order: int = 0

    @property
    def short_id(self) -> str:
        """How people name this entry in `/client void` and `/client fix`: `e12`."""
        return f"e{self.seq}"


@dataclass(frozen=True)
class Ask:
    """Something we asked the client for and are still waiting on."""

    seq: int
    what: str
    asked_on: date
    asked_by: str


@dataclass(frozen=True)
class Answer:
    """A request the client answered on its own, while others stay open (a partial reply)."""

    seq: int
    what: str
    answered_on: date


@dataclass(frozen=True)
class Away:
    """A client on leave from `start` up to, not including, `until` (the day they are back)."""

    start: date
    until: date

    def covers(self, day: date) -> bool:
        return self.start <= day < self.until


@dataclass(frozen=True)
class Invoice:
    """An invoice as it stands. What is still owed, and whether it is overdue, are answered by
    domain/invoices.py, never worked out again elsewhere."""

    ref: str
    amount: Money
    due_on: date
    # None: logged after it fell due, without the day it was sent (domain.ledger).
    sent_on: date | None
    # The day it was paid in full; None while anything is still owed.
    paid_on: date | None = None
    # A promise to pay by this date pauses the overdue ladder until then.
    promised_by: date | None = None
    # Paid so far, in the invoice's currency (part payments). Records written before part
    # payments existed have 0 here and a paid_on: paid in full.
    paid: Decimal = Decimal(0)
    # The seq of the INVOICE line, for `/client void` and `/client fix`.
    seq: int = 0
    # Numbered by Tactful (`INV-3`), not by the team: the client has never seen the reference,
    # so client wording names the invoice by the day it was sent instead.
    auto_ref: bool = False
    # The day the latest payment towards it arrived (a part payment too); None if none has.
    last_paid_on: date | None = None


# Business days of silence after an ask before a client counts as gone quiet, unless set.
DEFAULT_QUIET_DAYS = 3


@dataclass(frozen=True)
class Client:
    """Who the client is and how the team wants them handled."""

    team_id: str
    client_id: str
    name: str
    created_by: str
    created_at: datetime
    client_type: ClientType = ClientType.NONE
    # Business days of silence after an ask before the client counts as gone quiet.
    quiet_days: int = DEFAULT_QUIET_DAYS
    channel: str = ""
    owner: str = ""
    lang: str = "en"
    # A Slack Connect channel shared with the client: approved messages can go straight there.
    shared_channel: str = ""
    archived: bool = False
    # Who at the client we write to; suggested wording greets them by their first name.
    contact: str = ""
    # The name to greet them by instead of the contact's first word (`greet as`).
    greet: str = ""
    # Where they pay online (`pay <url>`), for the payment line of overdue messages.
    pay: str = ""
    # Their messages in the shared channel are logged as `heard` by themselves (AUTO_HEARD
    # must be on too).
    auto_heard: bool = True
    # The client's own Slack organisation (a team id, T...) in their shared channel: only its
    # people count as the client there. Learnt from the first reply logged, or set with
    # `/client set acme org T0123`; "" until then.
    org: str = ""
    # Their email addresses (`email jo@acme.com sam@acme.com`) and mail domains (`domain
    # acme.com`), lower case: mail from them to the BCC address is logged as their reply, and
    # approved messages can be sent to the first address.
    emails: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()

    @property
    def name_key(self) -> str:
        return name_key(self.name)


def name_key(name: str) -> str:
    """What two names must share to be the same client: compared as a reader sees them
    (NFKC, any case, zero-width and other invisible characters ignored, spaces collapsed), so
    `ACME`, `acme` and `acme` + U+200B are one client.

    Stores must not trust keys computed by an older version of this function: they
    recompute it from the stored name."""
    return fold(name)


@dataclass(frozen=True)
class ClientState:
    """What is open with a client now: a summary kept up to date as interactions are logged,
    so the scheduler never has to read the whole history."""

    open_asks: tuple[Ask, ...] = ()
    invoices: tuple[Invoice, ...] = ()
    last_contact_on: date | None = None
    last_heard_on: date | None = None
    # Dates of recent revision/approval demands (bounded: only the recent past matters).
    revisions: tuple[date, ...] = ()
    interactions: int = 0
    # situation -> date until which nudges about it are held back.
    snoozed_until: dict[str, date] = field(default_factory=dict)
    # The "channel/ts" of the newest replies logged from the shared channel (bounded): Slack
    # may deliver a message more than once, even after a restart, and it is logged once.
    replies_logged: tuple[str, ...] = ()
    # The approval rhythm a controlling client agreed (`/client agreed`), and when; "" if none.
    agreed: str = ""
    agreed_on: date | None = None
    # Leave, oldest first, never overlapping (bounded: only periods that can still pause an
    # open clock matter).
    away: tuple[Away, ...] = ()
    # Requests answered one at a time (`/client heard acme e12`), newest last (bounded): the
    # client was in touch, so the others' quiet clocks run again from that day, and the next
    # message thanks them for what came.
    answers: tuple[Answer, ...] = ()
    partly_heard_on: date | None = None

    def away_on(self, day: date) -> Away | None:
        """The leave the client is on (or has booked) covering `day`, if any."""
        return next((a for a in self.away if a.covers(day)), None)

    def away_from(self, day: date) -> Away | None:
        """The leave covering `day` or the next one booked after it."""
        return next((a for a in self.away if a.until > day), None)

    @property
    def unpaid(self) -> tuple[Invoice, ...]:
        """Invoices with something still owed, as domain/invoices.py decides it."""
        # Imported here: domain/invoices.py builds on these models, so it can't be imported
        # before they are defined.
        from domain.invoices import is_open

        return tuple(i for i in self.invoices if is_open(i))


class DeliveryState(StrEnum):
    """Where an approved message stands in the client's shared channel (`Nudge.delivery`), an
    outbox of its own. Once the message is there, `Nudge.delivery` holds the post's ts instead.
    Stored as these very strings, so records written before this type read the same."""

    NONE = ""  # no shared channel: nothing to deliver
    PENDING = "pending"  # approved, waiting to be posted
    POSTING = "posting"  # an attempt under way (or cut short): look for it before posting again


# The delivery states of an approved message still to be posted in the shared channel.
UNDELIVERED = (DeliveryState.PENDING, DeliveryState.POSTING)


class NudgeStatus(StrEnum):
    """Where a nudge is in its life: recorded before posting, so a crash can't lose or double it."""

    PENDING = "pending"  # decided and recorded; not yet confirmed posted to Slack
    POSTED = "posted"  # in Slack, waiting for the team to act
    APPROVED = "approved"
    DISMISSED = "dismissed"
    SNOOZED = "snoozed"
    STALE = "stale"  # the client replied or paid before anyone acted


@dataclass(frozen=True)
class TextVersion:
    """One version of a suggested message: who wrote it and when."""

    text: str
    by: str
    at: datetime


@dataclass(frozen=True)
class Nudge:
    key: str
    situation: str
    subject: str
    stage: int
    created_at: datetime
    status: NudgeStatus = NudgeStatus.PENDING
    late: bool = False
    channel: str = ""
    ts: str = ""
    thread_ts: str = ""
    versions: tuple[TextVersion, ...] = ()
    attempts: int = 0
    next_attempt_at: datetime | None = None
    # When the last attempt to post (the alert, the thread or the delivery) was written down:
    # a post that landed unacknowledged is looked for around that moment only.
    attempted_at: datetime | None = None
    decided_by: str = ""
    decided_at: datetime | None = None
    approvals: tuple[str, ...] = ()
    note: str = ""
    # What the suggestion was written about (e.g. which invoices): if that changes, the
    # suggestion is out of date even though the episode goes on.
    facts_key: str = ""
    # Posting the approved text in the client's shared channel: a `DeliveryState`, or the
    # post's ts once it is there.
    delivery: str = DeliveryState.NONE

    @property
    def undelivered(self) -> bool:
        """Approved for the shared channel and not there yet."""
        return self.delivery in UNDELIVERED

    @property
    def delivered_ts(self) -> str:
        """The ts of the approved message's post in the shared channel; "" until it is there."""
        return "" if self.delivery in (DeliveryState.NONE, *UNDELIVERED) else self.delivery

    # Why the last attempt to post it could not succeed by waiting (Slack's error, e.g.
    # "not_in_channel", or "no_route"): the team is shown it until the nudge is posted.
    undeliverable: str = ""
    # "" for a step of the ladder; "promise-<date>" or "repeat-<n>" (domain/nudges.py).
    variant: str = ""
    # The consequence date its text names (a step-2 warning's date; a step-3 message's "since").
    consequence_on: date | None = None
    # When the approved text reached the client: posted in the shared channel, or someone
    # clicked "Sent it". None until then.
    sent_at: datetime | None = None
    sent_by: str = ""
    # The requests a message about a quiet client named (their asks' seqs): a request named in
    # no approved message yet starts at step 1, however far the older ones have gone.
    covers: tuple[int, ...] = ()
    # Sending the approved text by email (*Send by email*, service/email_out.py), an outbox of
    # its own: "" (not by email), "sending" (claimed: the attempt may or may not have reached
    # the mail server), "sent", or "refused" (not sent: the server said no or couldn't be
    # reached; `email_error` says why).
    email: str = ""
    # The Message-ID of the email that carried it: the one Tactful sends (chosen when the send
    # is claimed), or one seen at the BCC address (service/email_in.py).
    email_id: str = ""
    email_error: str = ""
    # Who pressed *Send by email* last, when, and the address it went to.
    email_by: str = ""
    email_at: datetime | None = None
    email_to: str = ""


@dataclass(frozen=True)
class Tick:
    """Who ticked an offboarding item, and when."""

    by: str
    at: datetime


@dataclass(frozen=True)
class Offboarding:
    """Leaving a client well: the checklist, saved with the client (domain/offboarding.py
    names the items). `channel`/`ts` is the message that shows it, updated as items tick."""

    reason: str
    started_by: str
    started_at: datetime
    ticks: dict[str, Tick] = field(default_factory=dict)
    channel: str = ""
    ts: str = ""


@dataclass(frozen=True)
class ClientRecord:
    """Everything the app keeps about one client except the older history: one unit of storage."""

    client: Client
    state: ClientState = field(default_factory=ClientState)
    nudges: dict[str, Nudge] = field(default_factory=dict)
    next_seq: int = 1
    # Older records have none: the codec leaves it at None.
    offboarding: Offboarding | None = None
    # The Message-IDs of the newest emails logged for this client (bounded, newest last): a
    # mail server retrying a delivery must change nothing (service/email_in.py).
    mail_seen: tuple[str, ...] = ()
    # The client's last email logged (its Message-ID, with its <>, and subject): an approved
    # message sent by email answers it (In-Reply-To, "Re: ..."). "" until one is logged.
    last_mail_id: str = ""
    last_mail_subject: str = ""
