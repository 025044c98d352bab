"""Mail to a workspace's BCC address, logged in its clients' records, once per message.

A message from a client is their reply: the same `heard` as a reply in their shared channel
(service/heard.py logs both), so it stops the quiet clock and makes open suggestions stale in
exactly the same way. A message from the team to a client (the BCC of a mail they sent) is
logged as sent; when it carries an approved suggestion (Tactful's header, or its words), that
suggestion is marked sent.

Each message is known by its Message-ID ("mail:<id>"): the record keeps the newest ones, and
its history has them all, so a mail server delivering it again changes nothing. Everything is
written before `receive` returns, which is before the SMTP server says 250.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo

from domain.email_in import InboundMail, Match, matches, new_words, words
from domain.inputs import escape, excerpt
from domain.models import ClientRecord, Kind, Nudge, NudgeStatus
from service.commands import Draft, log
from service.decisions import mark_sent
from service.heard import Heard, SharedChannelReplies
from storage.base import NoChange, Store, UnknownClient

logger = logging.getLogger(__name__)
# The Message-IDs kept in each record (ClientRecord.mail_seen); older ones are in the history.
MAX_MAIL_KEPT = 500
# Who logs what arrives by email.
BY_EMAIL = "tactful"


@dataclass(frozen=True)
class Logged:
    """What became of a message for one client: `heard` (their reply), `sent` (the team's
    mail to them), `sent nudge` (it carried an approved suggestion, now marked sent), or
    `already` (logged before)."""

    client_id: str
    result: str
    nudge: str = ""


def quote(mail: InboundMail) -> str:
    """What is kept of a message: its subject and the first of its new words, no links, with
    typed `<`, `>` and `&` kept as characters (escaped wherever they are shown)."""
    body = new_words(mail.text)
    text = f"{mail.subject}: {body}" if mail.subject and body else mail.subject or body
    return excerpt(escape(text))


class MailLog:
    """Logs mail to a workspace's BCC address.

    Args:
        store: the store.
        tz: the workspace time zone (the day a message counts for).
        replies: the shared-channel replies, whose `heard` logging is reused.
        changed: called with the team when something was logged (App Home refreshes).
    """

    def __init__(
        self,
        store: Store,
        tz: tzinfo,
        replies: SharedChannelReplies,
        changed: Callable[[str], None] = lambda team: None,
    ) -> None:
        self.store, self.tz, self.replies, self.changed = store, tz, replies, changed

    def receive(self, team: str, mail: InboundMail, now: datetime) -> list[Logged]:
        """Log `mail` for every client of `team` it is from or to; [] when none (it is then
        left out, never stored)."""
        found = matches(self.store.clients(team), mail)
        done = [d for d in (self._one(team, m, mail, now) for m in found) if d is not None]
        if any(d.result != "already" for d in done):
            self.changed(team)
        return done

    def _one(self, team: str, match: Match, mail: InboundMail, now: datetime) -> Logged | None:
        try:
            if match.from_client:
                heard = self._heard(team, match.client_id, mail, now)
                return Logged(match.client_id, "heard" if heard.result == "logged" else "already")
            return self._sent(team, match.client_id, mail, now)
        except UnknownClient:
            return None  # removed meanwhile

    def _heard(self, team: str, client_id: str, mail: InboundMail, now: datetime) -> Heard:
        today = now.astimezone(self.tz).date()
        written = mail.written_at.astimezone(self.tz).date() if mail.written_at else today
        draft = Draft(Kind.HEARD, min(written, today), text=quote(mail), ref=mail.key)

        def admit(record: ClientRecord) -> ClientRecord:
            if mail.key in record.mail_seen:
                raise NoChange("already")
            if mail.message_id:
                # What an approved message sent by email answers (service/email_out.py).
                record = replace(
                    record, last_mail_id=mail.message_id, last_mail_subject=mail.subject[:300]
                )
            return seen(record, mail.key)

        return self.replies.log_once(team, client_id, draft, BY_EMAIL, now, admit)

    def _sent(self, team: str, client_id: str, mail: InboundMail, now: datetime) -> Logged:
        if self._logged_before(team, client_id, mail.key):
            return Logged(client_id, "already")
        today = now.astimezone(self.tz).date()
        result: list[Logged] = []

        def change(record: ClientRecord):
            if mail.key in record.mail_seen or _carried_by(record, mail.key):
                raise NoChange("already")
            record = seen(record, mail.key)
            nudge = carried(record, mail)
            if nudge is not None:
                record, drafts = mark_sent(record, nudge, BY_EMAIL, now, today, how="sent by email")
                nudge = record.nudges[nudge.key]
                email_id = mail.key.removeprefix("mail:")
                # Tactful's own send whose outcome was unknown (a crash after the claim): its
                # copy at the BCC address proves it went.
                email = "sent" if nudge.email == "sending" else nudge.email
                record = _with(record, replace(nudge, email_id=email_id, email=email))
                result.append(Logged(client_id, "sent nudge", nudge.key))
                return log(record, BY_EMAIL, now, *drafts)
            result.append(Logged(client_id, "sent"))
            draft = Draft(
                Kind.SENT, today, text=f"email to the client: {quote(mail)}", ref=mail.key
            )
            return log(record, BY_EMAIL, now, draft)

        try:
            self.store.update(team, client_id, change)
        except NoChange:
            return Logged(client_id, "already")
        return result[0]

    def _logged_before(self, team: str, client_id: str, key: str) -> bool:
        """Whether the message `key` is in the record, however long ago: the record keeps the
        newest MAX_MAIL_KEPT; past that, the history is read for it (rare, and exact)."""
        record = self.store.get(team, client_id)
        if record is None:
            return False
        if key in record.mail_seen or _carried_by(record, key):
            return True
        if len(record.mail_seen) < MAX_MAIL_KEPT:
            return False
        return any(e.ref == key for e in self.store.history(team, client_id))


def seen(record: ClientRecord, key: str) -> ClientRecord:
    return replace(record, mail_seen=(*record.mail_seen, key)[-MAX_MAIL_KEPT:])


def _carried_by(record: ClientRecord, key: str) -> bool:
    """Whether a suggestion went out in the message `key` (sent by Tactful, or seen before).
    A send still at "sending" isn't known to have gone: its copy here is what tells."""
    email_id = key.removeprefix("mail:")
    return any(n.email_id == email_id and n.sent_at is not None for n in record.nudges.values())


def carried(record: ClientRecord, mail: InboundMail) -> Nudge | None:
    """The approved, not yet sent suggestion this mail carries: named by Tactful's header, or
    its words all in the mail's (any case, line breaks and punctuation)."""
    waiting = [
        n
        for n in record.nudges.values()
        if n.status is NudgeStatus.APPROVED and n.sent_at is None and n.versions
    ]
    for n in waiting:
        if mail.nudge == f"{record.client.client_id}/{n.key}":
            return n
    text = words(mail.text)
    for n in sorted(waiting, key=lambda n: n.created_at, reverse=True):
        approved = words(n.versions[-1].text)
        if approved and approved in text:
            return n
    return None


def _with(record: ClientRecord, nudge: Nudge) -> ClientRecord:
    return replace(record, nudges={**record.nudges, nudge.key: nudge})
