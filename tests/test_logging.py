"""LOG_LEVEL=DEBUG shows Tactful's own DEBUG lines, never a message's text: Bolt and slack_sdk
log request and response bodies at DEBUG (python bot.py, as an operator runs it)."""

from __future__ import annotations

from pathlib import Path

from local_slack import LocalSlack
from tests.running import bot_env, start_bot, stop_bot, wait_until_serving
from tests.slack_http import SECRET, AppServer

NOTE = "tactful-note-marker-7f3a the client cried on the call"


def test_debug_logging_never_carries_what_people_typed(tmp_path: Path, slack: LocalSlack) -> None:
    env = bot_env(tmp_path, slack.url, LOG_LEVEL="DEBUG")
    proc = start_bot(tmp_path, env)
    try:
        server = AppServer.at(f"http://127.0.0.1:{env['PORT']}")
        wait_until_serving(server.url, proc)
        assert server.slash("add acme").status == 200
        reply = server.slash(f"note acme {NOTE}")
        assert reply.status == 200
        assert "tactful-note-marker-7f3a" in reply.text, "the note went through Bolt's answer"
    finally:
        out, err = stop_bot(proc)
    assert proc.returncode == 0, err
    assert "tactful-note-marker-7f3a" not in out + err
    assert SECRET not in out + err


MAIL_SECRET = "mail-secret-5b2e77c0d1f9"
MAIL_WORDS = "tactful-mail-marker-91c4 we are leaving you"


def test_the_bcc_listener_logs_ids_never_the_address_secret_or_words(
    tmp_path: Path, slack: LocalSlack
) -> None:
    import smtplib
    from email.message import EmailMessage

    from domain.email_in import local_part
    from tests.handlers.test_email_smtp import free_port

    mail_port = free_port()
    env = bot_env(
        tmp_path,
        slack.url,
        LOG_LEVEL="DEBUG",
        EMAIL_LISTEN=f"127.0.0.1:{mail_port}",
        EMAIL_SECRET=MAIL_SECRET,
    )
    proc = start_bot(tmp_path, env)
    team = slack.team_id
    to = f"{local_part(MAIL_SECRET, team)}@in.tactful.test"
    try:
        server = AppServer.at(f"http://127.0.0.1:{env['PORT']}")
        wait_until_serving(server.url, proc)
        assert server.slash("add acme email jo@acme.com").status == 200
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "jo@acme.com", "sam@agency.test", "Bye"
        msg["Message-ID"] = "<m1@acme.com>"
        msg.set_content(MAIL_WORDS)
        with smtplib.SMTP("127.0.0.1", mail_port, timeout=10) as smtp:
            smtp.send_message(msg, to_addrs=[to])
        reply = server.slash("history acme")
        assert "tactful-mail-marker-91c4" in reply.text, "the mail was logged"
    finally:
        out, err = stop_bot(proc)
    assert proc.returncode == 0, err
    assert "heard for client" in err + out  # ids reach the log
    token = local_part(MAIL_SECRET, team).rpartition("-")[2]
    for secret in (MAIL_SECRET, token, "tactful-mail-marker-91c4", "jo@acme.com"):
        assert secret not in out + err
