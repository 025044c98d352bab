"""An approved message as an email: pure, no network (service/email_out.py sends it).

The body is the approved text exactly as the team read it in Slack (payment line and sign-off
included), as plain text. It answers the client's last email when one was logged: "Re:" its
subject, and In-Reply-To/References its Message-ID, so it lands in that conversation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from domain.email_in import NUDGE_HEADER

# A subject longer than this (from a client's mail) is cut: it is only a reminder of the thread.
MAX_SUBJECT = 200
_REPLY_PREFIX = re.compile(r"^\s*(?:re|aw|sv|ateb)\s*:\s*", re.IGNORECASE)


@dataclass(frozen=True)
class OutgoingMail:
    """What goes in the email, before it is built."""

    sender: str  # EMAIL_FROM, `Name <address>` or an address
    to: str  # the client's address
    subject: str
    text: str  # the approved text
    nudge: str  # "<client id>/<nudge key>", for NUDGE_HEADER
    message_id: str  # `<...@...>`
    written_at: datetime
    in_reply_to: str = ""  # the client's last Message-ID, `<...>`, or ""


def new_message_id(sender: str) -> str:
    """A fresh Message-ID at the sender's domain (`<...@agency.com>`)."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "tactful.invalid"
    return make_msgid(domain=domain)


def reply_subject(last_subject: str, neutral: str) -> str:
    """ "Re: <their last subject>" when there is one, else the neutral subject. One line, and
    never "Re: Re: ..."."""
    subject = " ".join(last_subject.split())
    while _REPLY_PREFIX.match(subject):
        subject = _REPLY_PREFIX.sub("", subject, count=1)
    if not subject:
        return neutral
    if len(subject) > MAX_SUBJECT:
        subject = subject[: MAX_SUBJECT - 1].rstrip() + "…"
    return f"Re: {subject}"


def build(mail: OutgoingMail) -> EmailMessage:
    """The email, ready for smtplib's send_message."""
    msg = EmailMessage()
    msg["From"] = mail.sender
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(mail.written_at)
    msg["Message-ID"] = mail.message_id
    if mail.in_reply_to:
        msg["In-Reply-To"] = mail.in_reply_to
        msg["References"] = mail.in_reply_to
    msg[NUDGE_HEADER] = mail.nudge
    msg.set_content(mail.text)
    return msg
