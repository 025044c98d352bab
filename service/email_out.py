"""*Send by email*: an approved message sent to the client's first address over SMTP, once.

Sending is an outbox of its own on the nudge (`Nudge.email`), like posting in a shared
channel:

1. The send is claimed in the store (one atomic change that checks the freshest copy):
   "sending", with the Message-ID it will carry, who pressed and when. Two clicks at once
   make one claim; the other is told it is under way.
2. The message goes to the mail server, outside the store's lock.
3. The answer is stored: sent (the history logs it once, with its Message-ID), or refused with
   the server's reason (nothing logged as sent; pressing again sends it).

A crash between 1 and 3 leaves "sending": whether the server took it is unknown, so nothing is
ever sent again by itself. The next click (or a look after a restart) says so, and a person
checks their sent mail and presses *Sent it*, or *Send again*. The copy of the message at the
BCC address, when it comes, settles it too (service/email_in.py).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta, tzinfo
from email.message import EmailMessage
from ipaddress import ip_address
from typing import Protocol
from urllib.parse import unquote, urlsplit

from domain.email_out import OutgoingMail, build, new_message_id, reply_subject
from domain.models import ClientRecord, Interaction, Nudge, NudgeStatus
from domain.nudges import DEFAULT_LADDERS, Ladders, outdated
from service.commands import log
from service.decisions import Outcome, mark_sent, resolution
from storage.base import NoChange, Store, UnknownClient
from ui.wording import Wording

logger = logging.getLogger(__name__)
# Seconds each step of the SMTP conversation may take before it is given up.
SMTP_TIMEOUT = 20.0
# A claim younger than this may still be talking to the mail server: a second click is told
# it is under way. Older, its outcome is unknown (the process died, or the server never
# answered) and a person decides.
IN_FLIGHT = timedelta(minutes=3)
MAX_REASON = 300


class NotSent(Exception):
    """The mail server did not take the message (it said no, or could not be reached or
    logged in to): sending it again is safe."""


class Transport(Protocol):
    def send(self, message: EmailMessage, sender: str, to: str) -> None:
        """Hand `message` to the mail server for `to`.

        Raises:
            NotSent: the server certainly did not take it (with the reason to show).
            Exception: anything else leaves it unknown whether the server took it.
        """
        ...


def _reason(err: BaseException) -> str:
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        answers = [f"{code} {_text(text)}" for code, text in err.recipients.values()]
        return "; ".join(answers) or "recipient refused"
    if isinstance(err, smtplib.SMTPResponseException):
        return f"{err.smtp_code} {_text(err.smtp_error)}"
    return f"{err.__class__.__name__}: {err}" if str(err) else err.__class__.__name__


def _text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


class SmtpTransport:
    """SMTP_URL: `smtp://user:password@host:587` (STARTTLS) or `smtps://...:465` (TLS from the
    start). The password never reaches the log or a reason shown to people.

    STARTTLS is required unless the server is on this machine (a local relay or sink).
    """

    def __init__(
        self,
        url: str,
        timeout: float = SMTP_TIMEOUT,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        parts = urlsplit(url)
        self.tls_from_start = parts.scheme == "smtps"
        self.host = parts.hostname or ""
        self.port = parts.port or (465 if self.tls_from_start else 587)
        self.user = unquote(parts.username or "")
        self._password = unquote(parts.password or "")
        self.timeout = timeout
        self.tls = tls or ssl.create_default_context()

    def __repr__(self) -> str:
        return f"SmtpTransport({self.host}:{self.port})"

    def _connect(self) -> smtplib.SMTP:
        if self.tls_from_start:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.tls)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls(context=self.tls)
            smtp.ehlo()
        elif not _is_loopback(self.host):
            smtp.close()
            raise NotSent(f"the mail server {self.host} doesn't offer STARTTLS")
        return smtp

    def send(self, message: EmailMessage, sender: str, to: str) -> None:
        try:
            smtp = self._connect()
            if self.user:
                smtp.login(self.user, self._password)
        except NotSent:
            raise
        except (smtplib.SMTPException, OSError) as err:
            raise NotSent(f"couldn't reach or log in to the mail server: {_reason(err)}") from None
        try:
            smtp.send_message(message, from_addr=sender, to_addrs=[to])
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as err:
            # The server answered no (MAIL, RCPT or DATA): it did not take the message.
            raise NotSent(f"the mail server refused it: {_reason(err)}") from None
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


class EmailOut:
    """Sends approved messages by email, each at most once without a person's say.

    Args:
        store: the store.
        tz: the workspace time zone (the day the history logs it on).
        transport: the mail server (SmtpTransport, or a test's).
        sender: EMAIL_FROM.
        wording: the neutral subject, per language.
        changed: called with the team when something was stored (App Home refreshes).
        ladders: the nudge ladders (a message that no longer fits is not sent).
    """

    def __init__(
        self,
        store: Store,
        tz: tzinfo,
        transport: Transport,
        sender: str,
        wording: Wording,
        changed: Callable[[str], None] = lambda team: None,
        ladders: Ladders = DEFAULT_LADDERS,
    ) -> None:
        self.store, self.tz, self.transport = store, tz, transport
        self.sender, self.wording, self.changed = sender, wording, changed
        self.ladders = ladders

    @staticmethod
    def address(record: ClientRecord) -> str:
        """Where it goes: the client's first address ("" if none)."""
        return record.client.emails[0] if record.client.emails else ""

    def send(
        self, team: str, client_id: str, key: str, user: str, now: datetime, *, again: str = ""
    ) -> Outcome:
        """Send the approved message of nudge `key`, once. `again` is the Message-ID of a send
        whose outcome was unknown, when a person pressed *Send again* for it.

        Results: emailed, email_refused, email_unknown (a claim from earlier, or the server's
        answer was lost), email_busy (another click is sending it), email_moved (an old
        *Send again*), email_stale (the client replied or paid since), already_sent, already
        (not an approved message), no_address, missing.
        """
        claimed: list[Nudge] = []
        today = now.astimezone(self.tz).date()

        def claim(record: ClientRecord) -> tuple[ClientRecord, list[Interaction]]:
            nudge = record.nudges.get(key)
            if nudge is None:
                raise NoChange(Outcome("missing", record))
            if nudge.status is not NudgeStatus.APPROVED:
                raise NoChange(Outcome("already", record, nudge))
            if nudge.sent_at is not None:
                raise NoChange(Outcome("already_sent", record, nudge))
            if outdated(record, nudge, today, self.ladders):
                # The client replied or paid since it was approved: it must not go now.
                why = resolution(record, nudge, today, self.ladders)
                raise NoChange(Outcome("email_stale", record, nudge, detail=why))
            to = self.address(record)
            if not to:
                raise NoChange(Outcome("no_address", record, nudge))
            if nudge.email == "sending":
                young = nudge.email_at is not None and now - nudge.email_at < IN_FLIGHT
                if young:
                    raise NoChange(Outcome("email_busy", record, nudge))
                if not again:
                    raise NoChange(Outcome("email_unknown", record, nudge))
            if again and (nudge.email != "sending" or nudge.email_id != again):
                raise NoChange(Outcome("email_moved", record, nudge))
            mine = replace(
                nudge,
                email="sending",
                email_id=new_message_id(self.sender),
                email_error="",
                email_by=user,
                email_at=now,
                email_to=to,
            )
            claimed.append(mine)
            return _with(record, mine), []

        try:
            record = self.store.update(team, client_id, claim)
        except NoChange as stop:
            return stop.outcome
        except UnknownClient:
            return Outcome("missing")
        nudge = claimed[0]
        try:
            message = self.message(record, nudge, now)
        except (ValueError, TypeError) as err:  # the email package's refusals
            return self._settle(team, client_id, nudge, now, refused=f"couldn't write it: {err}")
        try:
            self.transport.send(message, self.sender, nudge.email_to)
        except NotSent as err:
            reason = str(err)[:MAX_REASON]
            logger.warning("Suggestion %s of client %s not sent by email: %s", key, client_id, err)
            return self._settle(team, client_id, nudge, now, refused=reason)
        except Exception:
            # Whether the server took it is unknown: never sent again by itself.
            logger.exception(
                "Sending suggestion %s of client %s by email: outcome unknown", key, client_id
            )
            return self._unknown(team, client_id, key)
        logger.info("Sent suggestion %s of client %s by email (%s)", key, client_id, nudge.email_id)
        return self._settle(team, client_id, nudge, now)

    def message(self, record: ClientRecord, nudge: Nudge, now: datetime) -> EmailMessage:
        """The email for an approved nudge, as claimed (its address and Message-ID)."""
        neutral = self.wording.email_subject(record.client.lang)
        return build(
            OutgoingMail(
                sender=self.sender,
                to=nudge.email_to,
                subject=reply_subject(record.last_mail_subject, neutral),
                text=nudge.versions[-1].text,
                nudge=f"{record.client.client_id}/{nudge.key}",
                message_id=nudge.email_id,
                written_at=now,
                in_reply_to=record.last_mail_id,
            )
        )

    def _settle(
        self, team: str, client_id: str, mine: Nudge, now: datetime, *, refused: str = ""
    ) -> Outcome:
        """Store the server's answer for the claim `mine` (if it is still the claim: the BCC
        copy may have settled it first)."""
        today: date = now.astimezone(self.tz).date()

        def answer(record: ClientRecord) -> tuple[ClientRecord, list[Interaction]]:
            nudge = record.nudges.get(mine.key)
            if nudge is None or nudge.email_id != mine.email_id or nudge.sent_at is not None:
                return record, []  # settled meanwhile (the BCC copy came first)
            if refused:
                return _with(record, replace(nudge, email="refused", email_error=refused)), []
            record, drafts = mark_sent(
                record, nudge, mine.email_by, now, today, how=f"sent by email to {mine.email_to}"
            )
            record = _with(record, replace(record.nudges[mine.key], email="sent"))
            return log(record, mine.email_by, now, *drafts)

        try:
            record = self.store.update(team, client_id, answer)
        except UnknownClient:
            return Outcome("missing")
        self.changed(team)
        nudge = record.nudges[mine.key]
        if nudge.sent_at is not None:
            return Outcome("emailed", record, nudge)
        if nudge.email == "refused" and nudge.email_id == mine.email_id:
            return Outcome("email_refused", record, nudge, detail=nudge.email_error)
        return Outcome("email_unknown", record, nudge)

    def _unknown(self, team: str, client_id: str, key: str) -> Outcome:
        record = self.store.get(team, client_id)
        nudge = record.nudges.get(key) if record else None
        if record is None or nudge is None:
            return Outcome("missing")
        return Outcome("emailed" if nudge.sent_at else "email_unknown", record, nudge)

    def unknown(self, team: str, now: datetime) -> list[tuple[ClientRecord, Nudge]]:
        """Sends of `team` still at "sending" past the time one can take: after a crash, each
        needs a person to check (the thread says so)."""
        found = []
        for record in self.store.clients(team):
            for nudge in record.nudges.values():
                stuck = nudge.email == "sending" and nudge.sent_at is None
                if stuck and (nudge.email_at is None or now - nudge.email_at >= IN_FLIGHT):
                    found.append((record, nudge))
        return found


def _with(record: ClientRecord, nudge: Nudge) -> ClientRecord:
    return replace(record, nudges={**record.nudges, nudge.key: nudge})
