"""*Send by email* over real SMTP on loopback: signed clicks against the fake Slack, and an
aiosmtpd sink receiving what the app sends (headers, body, threading), once, whatever the
clicks, refusals and crashes."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from slack_sdk import WebClient

import bot
from config import Config, EmailSettings
from domain.email_in import read_mail
from domain.models import Kind, NudgeStatus
from local_slack import LocalSlack
from service.commands import ClientCommands
from service.email_in import MailLog
from service.email_out import IN_FLIGHT, EmailOut, SmtpTransport
from service.heard import SharedChannelReplies
from storage.tinydb_store import TinyDBStore
from tests.conftest import Clock
from tests.handlers.test_actions import button, ephemerals
from tests.slack_http import AppServer, LazyListeners, serve
from ui import nudges as ui

TEAM = "T0TEAM1"
SENDER = "Sam at Bright <sam@bright.test>"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    """The mail server: keeps what it is given; refuses the recipients in `refuse`."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        self.refuse: dict[str, str] = {}
        self.before_data: Any = None  # called (off the loop) before a message is taken

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.before_data is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.before_data)
        content = envelope.original_content or envelope.content
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), content))
        return "250 2.0.0 Accepted"

    def messages(self) -> list[EmailMessage]:
        parse = BytesParser(policy=policy.default).parsebytes
        return [parse(raw) for _, _, raw in self.received]  # type: ignore[misc]


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    handler, port = Sink(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def mail_config(config: Config, sink: tuple[Sink, int]) -> Config:
    settings = EmailSettings(smtp_url=f"smtp://127.0.0.1:{sink[1]}", sender=SENDER)
    return replace(config, email=settings)


@pytest.fixture
def mailing(
    mail_config: Config, store: TinyDBStore, clock: Clock, lazy: LazyListeners
) -> Iterator[AppServer]:
    app = bot.build_app(mail_config, store, clock=clock, listener_executor=lazy)
    running = serve(app, lazy, healthy=store.writable)
    yield running
    running.close()


def run(store: TinyDBStore, text: str, when: datetime) -> None:
    reply = ClientCommands(store, UTC).run(TEAM, "U0ALICE", text, when)
    assert ":warning:" not in reply.text, reply.text


def client_mail(subject: str, written: str, message_id: str, body: str = "Noted.") -> bytes:
    msg = EmailMessage()
    msg["From"] = "Jo Bloggs <jo@acme.com>"
    msg["To"] = "sam@bright.test"
    msg["Subject"] = subject
    msg["Date"] = written
    msg["Message-ID"] = message_id
    msg.set_content(body)
    return msg.as_bytes()


def log_mail(store: TinyDBStore, raw: bytes, now: datetime) -> None:
    MailLog(store, UTC, SharedChannelReplies(store, UTC)).receive(TEAM, read_mail(raw), now)


def approve(
    store: TinyDBStore,
    config: Config,
    slack: LocalSlack,
    clock: Clock,
    server: AppServer,
    *,
    email: str = "jo@acme.com",
    earlier_mail: bytes = b"",
) -> tuple[str, str, str]:
    """A quiet client with an email address, its suggestion posted and approved."""
    run(store, "add acme as unresponsive in <#C0ACME|acme> contact Jo Bloggs", clock.now)
    if email:
        run(store, f"set acme email {email}", clock.now)
    if earlier_mail:
        log_mail(store, earlier_mail, datetime(2026, 11, 19, 9, 0, tzinfo=UTC))
    run(store, "asked acme for the logo files on 2026-11-20", clock.now)
    client = WebClient(token="xoxb-test", base_url=slack.url, retry_handlers=[])
    report = bot.build_engine(config, store, client=client, pace=lambda _c: None).scan(clock.now)
    (key,) = report.posted
    record = store.find(TEAM, "acme")
    assert record is not None
    ref = (record.client.client_id, key, record.nudges[key].thread_ts)
    server.interact(button(ui.APPROVE, ref))
    assert nudge(store).status is NudgeStatus.APPROVED
    return ref


def buttons(update: dict[str, Any]) -> list[str]:
    return [
        e["action_id"] for b in update["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]


def sent_entries(store: TinyDBStore) -> list:
    record = store.find(TEAM, "acme")
    assert record is not None
    return [e for e in store.history(TEAM, record.client.client_id) if e.kind is Kind.SENT]


def nudge(store: TinyDBStore):
    record = store.find(TEAM, "acme")
    assert record is not None
    (only,) = record.nudges.values()
    return only


def test_send_by_email_sends_the_approved_text_once_and_logs_it(
    mailing, mail_config, store, slack, clock, sink
) -> None:
    box = sink[0]
    ref = approve(store, mail_config, slack, clock, mailing)
    approved = slack.calls_to("chat.update")[-1].args
    assert buttons(approved) == [ui.SENT_IT, ui.SEND_EMAIL]
    assert "Press *Send by email* to send it to jo@acme.com" in json.dumps(approved["blocks"])
    clock.now += timedelta(minutes=2)

    mailing.interact(button(ui.SEND_EMAIL, ref, user="U0SAM"))

    (msg,) = box.messages()
    stored = nudge(store)
    text = stored.versions[-1].text
    assert box.received[0][:2] == ("sam@bright.test", ["jo@acme.com"])
    assert msg["From"] == SENDER and msg["To"] == "jo@acme.com"
    assert msg["Subject"] == "Following up"  # no email from the client to answer
    assert msg["X-Tactful-Nudge"] == f"{ref[0]}/{ref[1]}"
    assert msg["Message-ID"] == stored.email_id and stored.email_id.endswith("@bright.test>")
    assert msg["In-Reply-To"] is None
    assert msg.get_content_type() == "text/plain"
    # Exactly the approved text, closing included (lines end in CRLF on the wire).
    assert msg.get_content().replace("\r\n", "\n") == text + "\n"
    assert text.rstrip().endswith("Best wishes,")
    assert stored.email == "sent" and stored.sent_at == clock.now and stored.sent_by == "U0SAM"
    (entry,) = sent_entries(store)
    assert entry.text == f"message to client, quiet step 1 (sent by email to jo@acme.com): {text}"
    assert entry.logged_by == "U0SAM"
    update = slack.calls_to("chat.update")[-1].args
    assert buttons(update) == []
    assert "Sent by email to jo@acme.com by <@U0SAM> at 27 Nov 2026 10:02" in json.dumps(
        update["blocks"]
    )

    # A second click, a replay: nothing more is sent or logged.
    mailing.interact(button(ui.SEND_EMAIL, ref, user="U0BOB"))
    assert len(box.received) == 1 and len(sent_entries(store)) == 1
    assert any("already logged as sent" in t for t in ephemerals(slack, "U0BOB"))
    # And "Sent it" after it changes nothing either.
    mailing.interact(button(ui.SENT_IT, ref, user="U0BOB"))
    assert len(sent_entries(store)) == 1


def test_it_answers_the_clients_last_email_in_their_language(
    mailing, mail_config, store, slack, clock, sink
) -> None:
    earlier = client_mail(
        "RE: Re: Brand refresh", "Thu, 19 Nov 2026 09:00:00 +0000", "<abc.1@acme.com>"
    )
    ref = approve(store, mail_config, slack, clock, mailing, earlier_mail=earlier)
    record = store.find(TEAM, "acme")
    assert record is not None and record.last_mail_id == "<abc.1@acme.com>"
    mailing.interact(button(ui.SEND_EMAIL, ref))
    (msg,) = sink[0].messages()
    assert msg["Subject"] == "Re: Brand refresh"
    assert msg["In-Reply-To"] == "<abc.1@acme.com>" and msg["References"] == "<abc.1@acme.com>"


def test_a_welsh_client_gets_the_welsh_subject(
    mailing, mail_config, store, slack, clock, sink
) -> None:
    ref = approve(store, mail_config, slack, clock, mailing)
    run(store, "set acme lang cy", clock.now)
    mailing.interact(button(ui.SEND_EMAIL, ref))
    (msg,) = sink[0].messages()
    assert msg["Subject"] == "Dilyn i fyny"


def test_two_clicks_at_once_send_one_message(
    mailing, mail_config, store, slack, clock, sink
) -> None:
    box = sink[0]
    ref = approve(store, mail_config, slack, clock, mailing)

    def second_click_answered() -> None:
        # The first send holds at DATA until the other click has been told it is under way.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not slack.calls_to("chat.postEphemeral"):
            time.sleep(0.02)

    box.before_data = second_click_answered
    barrier = threading.Barrier(2)

    def click(user: str) -> None:
        barrier.wait()
        mailing.interact(button(ui.SEND_EMAIL, ref, user=user))

    threads = [threading.Thread(target=click, args=(u,)) for u in ("U0BOB", "U0CARA")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(box.received) == 1
    assert len(sent_entries(store)) == 1
    sender = nudge(store).email_by
    other = "U0CARA" if sender == "U0BOB" else "U0BOB"
    assert any("being sent by email right now" in t for t in ephemerals(slack, other))


def test_a_refusal_is_shown_with_its_reason_and_nothing_is_logged_as_sent(
    mailing, mail_config, store, slack, clock, sink
) -> None:
    box = sink[0]
    box.refuse["jo@acme.com"] = "550 5.1.1 <jo@acme.com>: no such user here"
    ref = approve(store, mail_config, slack, clock, mailing)

    mailing.interact(button(ui.SEND_EMAIL, ref))

    assert box.received == []
    stored = nudge(store)
    assert stored.email == "refused" and stored.sent_at is None
    assert "550 5.1.1 <jo@acme.com>: no such user here" in stored.email_error
    assert sent_entries(store) == []
    update = slack.calls_to("chat.update")[-1].args
    shown = json.dumps(update["blocks"])
    assert "Not sent by email to jo@acme.com" in shown
    assert "550 5.1.1 &lt;jo@acme.com&gt;: no such user here" in shown  # escaped, not a link
    assert "Nothing was logged as sent" in shown
    assert buttons(update) == [ui.SENT_IT, ui.SEND_EMAIL]

    # Put right (here: the server takes it now), pressing again sends it, once.
    box.refuse.clear()
    mailing.interact(button(ui.SEND_EMAIL, ref))
    assert len(box.received) == 1 and len(sent_entries(store)) == 1
    assert nudge(store).email == "sent"


def test_an_unreachable_server_sends_nothing_and_says_so(config, store, slack, clock, lazy) -> None:
    settings = EmailSettings(smtp_url=f"smtp://127.0.0.1:{free_port()}", sender=SENDER)
    cfg = replace(config, email=settings)
    app = bot.build_app(cfg, store, clock=clock, listener_executor=lazy)
    server = serve(app, lazy, healthy=store.writable)
    try:
        ref = approve(store, cfg, slack, clock, server)
        server.interact(button(ui.SEND_EMAIL, ref))
    finally:
        server.close()
    stored = nudge(store)
    assert stored.email == "refused" and "couldn't reach" in stored.email_error
    assert sent_entries(store) == []


class CrashAfterSending:
    """The mail server takes the message, then the process dies before hearing back."""

    def __init__(self, port: int) -> None:
        self.real = SmtpTransport(f"smtp://127.0.0.1:{port}")

    def send(self, message: EmailMessage, sender: str, to: str) -> None:
        self.real.send(message, sender, to)
        raise KeyboardInterrupt("killed")


def crash_mid_send(
    config: Config, store: TinyDBStore, clock: Clock, port: int, key: str
) -> EmailOut:
    mailer = bot.email_out(config, store, lambda team: None, CrashAfterSending(port))
    assert mailer is not None
    record = store.find(TEAM, "acme")
    assert record is not None
    with pytest.raises(KeyboardInterrupt):
        mailer.send(TEAM, record.client.client_id, key, "U0SAM", clock.now)
    return mailer


def test_a_crash_between_claim_and_answer_never_sends_again_by_itself(
    mailing, mail_config, store, slack, clock, sink
) -> None:
    box = sink[0]
    ref = approve(store, mail_config, slack, clock, mailing)
    crash_mid_send(mail_config, store, clock, sink[1], ref[1])
    assert len(box.received) == 1
    assert nudge(store).email == "sending" and sent_entries(store) == []

    # Soon after, a click is told it is under way (it may still be).
    mailing.interact(button(ui.SEND_EMAIL, ref, user="U0BOB"))
    assert len(box.received) == 1
    assert any("being sent by email right now" in t for t in ephemerals(slack, "U0BOB"))

    # After the restart (the same store, a new app), a click: the outcome is unknown, and
    # the thread asks a person; nothing is sent.
    clock.now += IN_FLIGHT
    mailing.interact(button(ui.SEND_EMAIL, ref, user="U0BOB"))
    assert len(box.received) == 1 and sent_entries(store) == []
    update = slack.calls_to("chat.update")[-1].args
    shown = json.dumps(update["blocks"])
    assert "sending, outcome unknown" in shown and "check your sent mail" in shown
    assert buttons(update) == [ui.SENT_IT, ui.SEND_AGAIN]

    # The person checked: it went. "Sent it" logs it once; Send again then sends nothing.
    mailing.interact(button(ui.SENT_IT, ref, user="U0BOB"))
    assert len(sent_entries(store)) == 1
    value = [e for e in update["blocks"][-1]["elements"] if e["action_id"] == ui.SEND_AGAIN]
    payload = button(ui.SEND_AGAIN, ref, user="U0BOB")
    payload["actions"][0]["value"] = value[0]["value"]
    mailing.interact(payload)
    assert len(box.received) == 1 and len(sent_entries(store)) == 1


def test_send_again_after_an_unknown_outcome_sends_once_more_only_when_asked(
    mailing, mail_config, store, slack, clock, sink
) -> None:
    box = sink[0]
    ref = approve(store, mail_config, slack, clock, mailing)
    crash_mid_send(mail_config, store, clock, sink[1], ref[1])
    first_id = nudge(store).email_id
    clock.now += IN_FLIGHT
    mailing.interact(button(ui.SEND_EMAIL, ref))
    assert len(box.received) == 1

    payload = button(ui.SEND_AGAIN, ref, user="U0CARA")
    payload["actions"][0]["value"] = first_id
    mailing.interact(payload)
    late = button(ui.SEND_AGAIN, ref, user="U0DAN")  # someone else on the same Send again
    late["actions"][0]["value"] = first_id
    mailing.interact(late)
    assert len(box.received) == 2  # the person decided: once more, and only once
    second = box.messages()[1]
    assert second["Message-ID"] != first_id
    assert nudge(store).email == "sent" and len(sent_entries(store)) == 1
    assert any("already logged as sent" in t for t in ephemerals(slack, "U0DAN"))


def test_the_bcc_copy_of_a_send_with_an_unknown_outcome_settles_it(
    mailing, mail_config, store, slack, clock, sink
) -> None:
    ref = approve(store, mail_config, slack, clock, mailing)
    crash_mid_send(mail_config, store, clock, sink[1], ref[1])
    (_sender, _to, raw) = sink[0].received[0]
    log_mail(store, raw, clock.now)  # the agency's relay BCCs it to Tactful
    stored = nudge(store)
    assert stored.email == "sent" and stored.sent_at is not None
    assert len(sent_entries(store)) == 1
    log_mail(store, raw, clock.now)
    assert len(sent_entries(store)) == 1


def test_no_email_button_without_an_address_or_without_smtp(
    config, mail_config, store, slack, clock, lazy, mailing
) -> None:
    approve(store, mail_config, slack, clock, mailing, email="")
    assert buttons(slack.calls_to("chat.update")[-1].args) == [ui.SENT_IT]


def test_no_email_button_when_smtp_is_not_set_up(server, config, store, slack, clock) -> None:
    approve(store, config, slack, clock, server)
    update = slack.calls_to("chat.update")[-1].args
    assert buttons(update) == [ui.SENT_IT]
    assert "Send by email" not in json.dumps(update["blocks"])


def test_a_client_who_replied_since_is_not_emailed(
    mailing, mail_config, store, slack, clock, sink
) -> None:
    ref = approve(store, mail_config, slack, clock, mailing)
    reply = client_mail("Logo files", "Fri, 27 Nov 2026 10:30:00 +0000", "<r.2@acme.com>")
    clock.now += timedelta(hours=1)
    log_mail(store, reply, clock.now)
    mailing.interact(button(ui.SEND_EMAIL, ref))
    assert sink[0].received == [] and sent_entries(store) == []
    assert any("replied" in t and "nothing was sent" in t for t in ephemerals(slack, "U0BOB"))


def test_after_a_restart_the_pass_shows_each_unknown_send_once(
    mailing, mail_config, store, slack, clock, sink
) -> None:
    from handlers.actions import show_unknown_sends

    ref = approve(store, mail_config, slack, clock, mailing)
    crash_mid_send(mail_config, store, clock, sink[1], ref[1])
    client = WebClient(token="xoxb-test", base_url=slack.url, retry_handlers=[])
    engine = bot.build_engine(mail_config, store, client=client, pace=lambda _c: None)
    mailer = bot.email_out(mail_config, store, lambda team: None)
    assert mailer is not None
    shown: set[tuple[str, str, str]] = set()
    updates = len(slack.calls_to("chat.update"))
    # Still within the time a send can take: it may be under way elsewhere.
    assert show_unknown_sends(engine, mailer, UTC, clock.now, shown) == 0
    clock.now += IN_FLIGHT
    assert show_unknown_sends(engine, mailer, UTC, clock.now, shown) == 1
    assert show_unknown_sends(engine, mailer, UTC, clock.now, shown) == 0  # once per process
    calls = slack.calls_to("chat.update")
    assert len(calls) == updates + 1
    update = calls[-1].args
    assert update["ts"] == ref[2]
    assert "sending, outcome unknown" in json.dumps(update["blocks"])
    assert buttons(update) == [ui.SENT_IT, ui.SEND_AGAIN]
    assert len(sink[0].received) == 1  # nothing sent
