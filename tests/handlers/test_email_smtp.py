"""The BCC address over real SMTP on loopback: the app's listener (aiosmtpd) receiving mail
sent with smtplib, and what it logs, refuses and leaves out."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

import bot
from config import Config, EmailSettings
from domain.email_in import local_part
from domain.models import ClientRecord, Kind, Nudge, NudgeStatus, TextVersion
from handlers.email import EmailListener
from storage.tinydb_store import TinyDBStore
from tests.conftest import Clock
from ui.plaintext import render

TEAM, TEAM2 = "T0TEAM1", "T0TEAM2"
SECRET = "email-secret-7c1e9d0b44aa"
APPROVED = "Hi Jo,\n\nCould you send the logo files by Friday?\n\nBest wishes,\nSam"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def address(team: str = TEAM) -> str:
    return f"{local_part(SECRET, team)}@in.tactful.test"


class Inbox:
    """The listener as bot.py starts it, on a free loopback port, over the test's store."""

    def __init__(self, config: Config, store: TinyDBStore, clock: Clock) -> None:
        self.store, self.clock = store, clock
        self.changed: list[str] = []
        self.listener = bot.email_listener(config, store, self.changed.append, clock)
        assert isinstance(self.listener, EmailListener)
        self.inbox = self.listener.controller.handler
        self.port = config.email.listen[1] if config.email.listen else 0
        self.commands = bot.client_commands(config, store)

    def run(self, text: str, team: str = TEAM) -> str:
        reply = self.commands.run(team, "U0SAM", text, self.clock())
        return render(reply.message())

    def send(self, msg: EmailMessage | bytes, to: str | None = None, sender: str = "") -> None:
        with smtplib.SMTP("127.0.0.1", self.port, timeout=10) as smtp:
            if isinstance(msg, bytes):
                smtp.sendmail(sender or "jo@acme.com", [to or address()], msg)
            else:
                smtp.send_message(msg, to_addrs=[to or address()])

    def record(self, name: str = "acme", team: str = TEAM) -> ClientRecord:
        found = self.store.find(team, name)
        assert found is not None
        return found

    def history(self, name: str = "acme", team: str = TEAM):
        return list(self.store.history(team, self.record(name, team).client.client_id))


@pytest.fixture
def inbox(config: Config, store: TinyDBStore, clock: Clock) -> Iterator[Inbox]:
    settings = EmailSettings(listen=("127.0.0.1", free_port()), secret=SECRET, max_bytes=5 << 20)
    box = Inbox(replace(config, email=settings), store, clock)
    box.run("add acme contact Jo Bloggs email jo@acme.com")
    box.run("asked acme for the logo files on 2026-11-20")
    yield box
    box.listener.stop()


def mail(body: str = "Here they are, sorry for the wait.", **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = headers.get("From", "Jo Bloggs <jo@acme.com>")
    msg["To"] = headers.get("To", "sam@agency.test")
    msg["Subject"] = headers.get("Subject", "Re: logo files")
    msg["Date"] = headers.get("Date", "Thu, 26 Nov 2026 16:00:00 +0000")
    msg["Message-ID"] = headers.get("Message_ID", make_msgid(domain="acme.com"))
    msg.set_content(body)
    return msg


def heard(entries) -> list:
    return [e for e in entries if e.kind is Kind.HEARD]


def test_a_client_reply_by_email_is_heard_once_and_stops_the_quiet_clock(inbox: Inbox) -> None:
    assert inbox.record().state.open_asks
    msg = mail("Here they are.\n\nOn Wed, Sam wrote:\n> Could you send the logo files?")
    inbox.send(msg)
    record = inbox.record()
    assert record.state.open_asks == ()  # the quiet clock stopped, as for a channel reply
    assert str(record.state.last_heard_on) == "2026-11-26"  # the day it was written
    (entry,) = heard(inbox.history())
    assert entry.ref == f"mail:{msg['Message-ID']}"
    assert entry.text == "Re: logo files: Here they are."  # subject and new words, no quote
    assert inbox.changed == [TEAM]  # App Home refreshed
    # The mail server delivers it again (a lost 250, a second MX): nothing changes.
    inbox.send(msg)
    inbox.send(msg.as_bytes())
    assert len(heard(inbox.history())) == 1
    assert inbox.record().next_seq == record.next_seq


def test_a_domain_counts_too_and_history_says_it_came_by_email(inbox: Inbox) -> None:
    inbox.run("set acme domain acme.com")
    inbox.send(mail(From="Lee <lee@acme.com>"))
    (entry,) = heard(inbox.history())
    reply = inbox.run("history acme")
    assert "by email" in reply and "Re: logo files" in reply
    assert entry.logged_by == "tactful"


def test_mail_for_any_other_recipient_is_refused_at_rcpt(inbox: Inbox) -> None:
    forged = address().replace(local_part(SECRET, TEAM)[-4:], "0000")
    for to in ("postmaster@in.tactful.test", forged, f"log+{TEAM}@in.tactful.test"):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as err:
            inbox.send(mail(), to=to)
        assert err.value.recipients[to][0] == 550
    assert heard(inbox.history()) == []


def test_a_20_mb_message_is_refused_and_nothing_is_stored(inbox: Inbox) -> None:
    head = mail("").as_bytes().replace(b"\n", b"\r\n")
    big = head + (b"x" * 76 + b"\r\n") * ((20 << 20) // 78)  # 20 MB in mail-sized lines
    with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as err:
        inbox.send(big)
    assert err.value.smtp_code == 552
    # Without announcing its size first (no SIZE): cut off at the cap while reading.
    with smtplib.SMTP("127.0.0.1", inbox.port, timeout=30) as smtp:
        smtp.ehlo()
        smtp.esmtp_features.pop("size", None)
        with pytest.raises(smtplib.SMTPDataError) as data_err:
            smtp.sendmail("jo@acme.com", [address()], big)
    assert data_err.value.smtp_code == 552
    assert heard(inbox.history()) == []
    assert inbox.record().state.open_asks


def test_a_forged_from_for_another_workspaces_client_logs_nothing_anywhere(
    inbox: Inbox,
) -> None:
    inbox.run("add beta email bob@beta.test", team=TEAM2)
    inbox.run("asked beta for the copy", team=TEAM2)
    before = inbox.record("beta", TEAM2)
    # Sent to workspace 1's address, pretending to be workspace 2's client.
    inbox.send(mail(From="bob@beta.test"))
    assert inbox.record("beta", TEAM2) == before
    assert heard(inbox.history("beta", TEAM2)) == []
    assert heard(inbox.history()) == []
    assert inbox.inbox.counts["no client"] == 1


def test_a_mail_from_no_known_address_is_accepted_and_left_out(inbox: Inbox) -> None:
    before = inbox.record()
    inbox.send(mail(From="news@letters.test", To="sam@agency.test"))  # no error: 250
    assert inbox.record() == before
    assert inbox.inbox.counts["no client"] == 1
    assert inbox.changed == []


def test_html_only_mail_is_read_as_its_words(inbox: Inbox) -> None:
    msg = mail()
    msg.set_content(
        "<html><head><style>p{color:red}</style><script>alert(1)</script></head>"
        "<body><p>Files are <b>attached</b> &amp; ready</p>"
        '<p>See <a href="https://evil.test/x">https://evil.test/x</a></p></body></html>',
        subtype="html",
    )
    inbox.send(msg)
    (entry,) = heard(inbox.history())
    assert entry.text == "Re: logo files: Files are attached & ready See [link]"
    assert "<" not in entry.text and "alert" not in entry.text and "color" not in entry.text


@pytest.mark.parametrize(
    "charset, words",
    [("iso-8859-1", "Voilà les fichiers, merci Zoë"), ("windows-1252", "Voilà – merci Zoë €5")],
)
def test_a_non_utf8_charset_is_decoded(inbox: Inbox, charset: str, words: str) -> None:
    body = words.encode(charset, errors="strict")
    raw = (
        b"From: jo@acme.com\r\nTo: sam@agency.test\r\nSubject: =?iso-8859-1?q?Caf=E9?=\r\n"
        b"Message-ID: <c1@acme.com>\r\nDate: Thu, 26 Nov 2026 16:00:00 +0000\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=" + charset.encode() + b"\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body + b"\r\n"
    )
    inbox.send(raw)
    (entry,) = heard(inbox.history())
    assert entry.text == f"Café: {words}"


def test_unreadable_mail_is_refused(inbox: Inbox) -> None:
    with pytest.raises(smtplib.SMTPDataError) as err:
        inbox.send(b"Subject: no sender at all\r\n\r\nhello\r\n")
    assert err.value.smtp_code == 550
    assert heard(inbox.history()) == []


def test_a_store_that_fails_gets_a_try_again_and_keeps_nothing(
    inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(inbox.store, "update", broken)
    with pytest.raises(smtplib.SMTPDataError) as err:
        inbox.send(mail())
    assert err.value.smtp_code == 451
    monkeypatch.undo()
    assert heard(inbox.history()) == []


def approve(inbox: Inbox) -> str:
    """An approved suggestion for acme, not yet sent."""
    key = "quiet:e2:1"
    now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    nudge = Nudge(
        key,
        "quiet",
        "e2",
        1,
        now,
        status=NudgeStatus.APPROVED,
        versions=(TextVersion(APPROVED, "tactful", now),),
        decided_by="U0SAM",
        decided_at=now,
        approvals=("U0SAM",),
    )
    record = inbox.record()
    inbox.store.update(
        TEAM,
        record.client.client_id,
        lambda r: (replace(r, nudges={**r.nudges, key: nudge}), []),
    )
    return key


def test_the_teams_bcc_of_an_approved_message_marks_it_sent(inbox: Inbox) -> None:
    key = approve(inbox)
    # Their mail program rewrapped it and quoted nothing: the words are what count.
    body = APPROVED.replace("\n\n", "\n").replace("by Friday?", "by\nFriday?")
    msg = mail(body, From="Sam <sam@agency.test>", To="Jo <jo@acme.com>", Subject="Logo files")
    inbox.send(msg)
    nudge = inbox.record().nudges[key]
    assert nudge.sent_at is not None and nudge.sent_by == "tactful"
    assert nudge.email_id == msg["Message-ID"]
    sent = [e for e in inbox.history() if e.kind is Kind.SENT]
    assert [e.ref for e in sent] == [key]
    assert "sent by email" in sent[0].text
    assert heard(inbox.history()) == []  # the team writing is not the client replying
    inbox.send(msg)
    assert len([e for e in inbox.history() if e.kind is Kind.SENT]) == 1


def test_the_teams_other_mail_to_the_client_is_logged_as_sent_once(inbox: Inbox) -> None:
    key = approve(inbox)
    msg = mail("Quick question about the fonts.", From="sam@agency.test", To="jo@acme.com")
    inbox.send(msg)
    inbox.send(msg)
    sent = [e for e in inbox.history() if e.kind is Kind.SENT]
    assert [e.ref for e in sent] == [f"mail:{msg['Message-ID']}"]
    assert sent[0].text == "email to the client: Re: logo files: Quick question about the fonts."
    assert inbox.record().nudges[key].sent_at is None
    assert inbox.record().state.open_asks  # our own mail doesn't stop the quiet clock


def test_email_allowed_domains_refuses_other_envelope_senders(
    config: Config, store: TinyDBStore, clock: Clock
) -> None:
    settings = EmailSettings(
        listen=("127.0.0.1", free_port()), secret=SECRET, allowed_domains=("agency.test",)
    )
    box = Inbox(replace(config, email=settings), store, clock)
    try:
        box.run("add acme email jo@acme.com")
        with pytest.raises(smtplib.SMTPSenderRefused) as err:
            box.send(mail().as_bytes(), sender="jo@acme.com")
        assert err.value.smtp_code == 550
        box.send(mail().as_bytes(), sender="relay@agency.test")
        assert len(heard(box.history())) == 1
    finally:
        box.listener.stop()
