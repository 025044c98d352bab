"""The SMTP transport of *Send by email* against an aiosmtpd server on loopback: logging in
with SMTP_URL's credentials, and telling "not sent" from "unknown"."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from service.email_out import NotSent, SmtpTransport
from tests.handlers.test_email_out_smtp import Sink, free_port

PASSWORD = "s3cret pass/word"


class Logins:
    def __init__(self) -> None:
        self.seen: list[tuple[bytes, bytes]] = []

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        self.seen.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == PASSWORD.encode())


@pytest.fixture
def server() -> Iterator[tuple[Sink, Logins, int]]:
    sink, logins, port = Sink(), Logins(), free_port()
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=port,
        authenticator=logins,
        auth_require_tls=False,  # loopback only, in a test
    )
    controller.start()
    yield sink, logins, port
    controller.stop()


def message() -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "sam@bright.test", "jo@acme.com", "Following up"
    msg.set_content("Hi Jo")
    return msg


def test_it_logs_in_with_the_urls_credentials_and_never_logs_the_password(
    server, caplog: pytest.LogCaptureFixture
) -> None:
    sink, logins, port = server
    caplog.set_level(logging.DEBUG)
    transport = SmtpTransport(f"smtp://sam%40bright.test:s3cret%20pass%2Fword@127.0.0.1:{port}")
    transport.send(message(), "sam@bright.test", "jo@acme.com")
    assert logins.seen == [(b"sam@bright.test", PASSWORD.encode())]
    assert len(sink.received) == 1
    assert PASSWORD not in repr(transport) and "s3cret" not in caplog.text


def test_a_wrong_password_is_not_sent_and_says_why_without_the_password(server) -> None:
    sink, _logins, port = server
    transport = SmtpTransport(f"smtp://sam:wrong-one@127.0.0.1:{port}", timeout=3)
    with pytest.raises(NotSent) as refused:
        transport.send(message(), "sam@bright.test", "jo@acme.com")
    assert "log in" in str(refused.value) and "wrong-one" not in str(refused.value)
    assert sink.received == []


def test_a_refused_recipient_is_not_sent(server) -> None:
    sink, _logins, port = server
    sink.refuse["jo@acme.com"] = "550 5.1.1 mailbox unavailable"
    transport = SmtpTransport(
        f"smtp://sam:{PASSWORD.replace(' ', '%20').replace('/', '%2F')}@127.0.0.1:{port}"
    )
    with pytest.raises(NotSent, match="550 5.1.1 mailbox unavailable"):
        transport.send(message(), "sam@bright.test", "jo@acme.com")


def test_a_server_that_drops_the_line_during_data_leaves_it_unknown(server) -> None:
    """Not NotSent: the server may have taken it, so the caller must not send it again."""
    sink, _logins, port = server

    def hang_up() -> None:
        raise ConnectionResetError("gone")

    sink.before_data = hang_up
    transport = SmtpTransport(f"smtp://127.0.0.1:{port}", timeout=5)
    with pytest.raises(Exception) as failed:
        transport.send(message(), "sam@bright.test", "jo@acme.com")
    assert not isinstance(failed.value, NotSent)
