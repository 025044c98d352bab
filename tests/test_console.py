"""`python bot.py console`: typed /client commands in, readable replies out, no Slack."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path

from console import working_morning

ROOT = Path(__file__).resolve().parents[1]
FAKE_CLOCK = ("LD_PRELOAD", "LD_LIBRARY_PATH", "DONT_FAKE_MONOTONIC")


def run_console(
    tmp_path: Path, lines: list[str], *args: str, tz: str = "UTC", **extra: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **extra,
        # A clock moved for the whole run (CI's libfaketime pass) moves the console's too.
        **{k: v for k, v in os.environ.items() if k in FAKE_CLOCK or k.startswith("FAKETIME")},
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
        "DATABASE_PATH": str(tmp_path / "data" / "tactful.json"),
        "TIMEZONE": tz,
        "LOG_LEVEL": "WARNING",
        # Given (empty), so a `.env` file can't supply real ones: the console needs none.
        "SLACK_BOT_TOKEN": "",
        "SLACK_SIGNING_SECRET": "",
        "SLACK_APP_TOKEN": "",
        "SLACK_API_URL": "",
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "console", *args],
        cwd=tmp_path,
        env=env,
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_console_prints_readable_replies(tmp_path: Path) -> None:
    done = run_console(
        tmp_path,
        [
            "/client add acme",
            "/client asked acme logo files",
            "/client note acme a &amp; b",
            "/client status acme",
            "/client frobnicate acme",
            "hello?",
            "/client help",
        ],
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Added *acme* (type: not classified, quiet after 3 business days)." in out
    # Placeholders read as typed in a terminal, not as Slack entities.
    assert "`/client asked acme <what you need from them>`" in out
    assert "Logged: you asked *acme* for “logo files”" in out
    assert "Noted for *acme*: “a & b”." in out
    # status: the header, underlined, then the facts; mentions shown as @names.
    assert "acme\n====\n" in out
    assert "• e2 “logo files” since" in out
    assert "logged by @UCONSOLE" in out
    assert ":warning: I don't know `frobnicate`. Try `/client help`" in out
    assert "Type a /client command (try `/client help`)" in out
    assert "`/client invoice <name> <amount> due <date> [#ref] [on <date sent>]`" in out
    # Readable text only: no raw JSON, Block Kit or entities.
    for raw in ('"blocks"', '"type":', "{'", '{"', "&lt;", "&gt;", "&amp;", "mrkdwn"):
        assert raw not in out, raw
    # The data went to DATABASE_PATH.
    assert (tmp_path / "data" / "tactful" / "teams" / "TCONSOLE").is_dir()


def test_console_keeps_data_between_runs_and_stops_at_quit(tmp_path: Path) -> None:
    run_console(tmp_path, ["/client add acme as late-payer"])
    done = run_console(tmp_path, ["/client list", "quit", "/client add never-reached"])
    assert done.returncode == 0, done.stderr
    assert "*acme* (late payer)" in done.stdout
    assert "never-reached" not in done.stdout
    # `--team` acts in another workspace: it sees none of the first one's clients.
    done = run_console(tmp_path, ["/client list", "/client status acme"], "--team", "T0OTHER")
    assert "No clients yet" in done.stdout
    assert "I don't know a client called acme" in done.stdout


def test_console_scan_buttons_edit_and_approve_in_the_workspace_time_zone(tmp_path: Path) -> None:
    done = run_console(
        tmp_path,
        [
            "/client add acme as late-payer",
            "/client invoice acme 900 due 2026-11-20 #A1",
            # 10:00 in New York (15:00 UTC): inside working hours there.
            "scan --now 2026-11-30T10:00",
            "click 2",
            "Hi Jo, a gentle reminder about invoice A1. Thanks!",
            ".",
            "click 1",
            "buttons",
            "/client history acme",
        ],
        tz="America/New_York",
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "1 new, 1 posted" in out
    assert "[1] acme, overdue step 1: Approve" in out  # a first chase is step 1
    assert "Message for the client" in out  # Edit asked for the text on the next line
    assert "Approved by @UCONSOLE" in out
    # Approved is not sent: the one button left says when it was.
    assert "acme, overdue step 1: Sent it" in out
    assert "message to client, overdue step 1: approved by @UCONSOLE" in out
    assert "Hi Jo, a gentle reminder about invoice A1. Thanks!" in out


def test_an_unknown_log_level_is_a_config_error(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "LOG_LEVEL": "loud",
        "DATABASE_PATH": str(tmp_path / "t.json"),
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "console"],
        cwd=tmp_path,
        env=env,
        input="",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "LOG_LEVEL" in done.stderr


def test_button_numbers_stay_put_and_name_the_client_and_step(tmp_path: Path) -> None:
    done = run_console(
        tmp_path,
        [
            "/client add acme as late-payer",
            "/client invoice acme 900 due 2026-11-20 #A1",
            "/client add globex as unresponsive",
            "/client asked globex the brief on 2026-11-16",
            "scan --now 2026-11-30T10:00",
            "click 1",  # approves the first suggestion
            "buttons",
            "click 3",  # that button belonged to the approved suggestion: gone, not another one
            "/client offboard globex they never answer",
            "buttons",
        ],
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    listing = out.split("Buttons:")
    first, after_click, with_checklist = listing[1], listing[2], listing[3]
    assert "[1] acme, overdue step 1: Approve" in first
    assert "[8] globex, quiet step 1: Approve" in first
    # After approving acme's, globex's buttons keep their numbers; acme's are gone but for its
    # new "Sent it", numbered after them.
    assert "[1]" not in after_click and "Approve" not in after_click.split("globex")[0]
    assert "[15] acme, overdue step 1: Sent it" in after_click
    assert "[8] globex, quiet step 1: Approve" in after_click
    assert "There is no button 3 now" in out
    # The offboarding checklist's buttons are numbered after, naming the client and the step.
    assert "[8] globex, quiet step 1: Approve" in with_checklist
    assert "[16] globex, offboarding: Accounts handed over" in with_checklist
    assert "globex, offboarding: Archive" in with_checklist


def test_console_help_says_how_to_type_a_channel_and_a_person(tmp_path: Path) -> None:
    done = run_console(
        tmp_path,
        [
            "help",
            "/client add acme in <#C0ACME|acme> owner <@U0SAM>",
            "/client add globex in #globex",
        ],
    )
    out = done.stdout
    assert "a channel as <#C0ACME|acme> (or just <#C0ACME>), a person as <@U0SAM>" in out
    # What the help says works, and the plain form is refused as the help says.
    assert "Nudges go to #C0ACME." in out and "owner @U0SAM" in out
    assert "After `in`, pick a channel from Slack's list" in out


def test_console_starts_quietly_and_exports(tmp_path: Path) -> None:
    """A fresh data folder: nothing on stderr (no library warnings), and an export shows the
    upload the app makes."""
    done = run_console(
        tmp_path,
        ["/client add acme", "/client note acme a call", "/client export acme", "quit"],
    )
    assert done.returncode == 0
    assert done.stderr == ""
    assert "--- Slack files.completeUploadExternal DCONSOLE" in done.stdout
    assert "[file] acme: full record (CSV)" in done.stdout
    assert "[file] acme: full record, internal fields (CSV)" in done.stdout
    assert "[file] acme: full record (Markdown)" in done.stdout


def test_console_shows_home_and_the_digest_as_text(tmp_path: Path) -> None:
    done = run_console(
        tmp_path,
        [
            "/client add acme as late-payer",
            "/client invoice acme 900 due 2026-11-20",
            "/client add globex owner <@UCONSOLE>",
            "scan --now 2026-11-27T10:00",
            "home",
            "digest --now 2026-11-29T10:00",
            "digest --now 2026-11-30T09:30",
            "digest --now 2026-11-30T10:30",
        ],
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    home = out[out.index("--- Slack views.publish") :]
    assert "Your clients today, Fri 27 Nov 2026" in home
    assert "*acme*: suggestion (overdue invoice, step 1) waiting for approval for 0 days" in home
    assert "[Open thread]" in home and "[Log interaction]" in home
    # Your own clients first.
    assert home.index("*globex* · not classified · owner @UCONSOLE") < home.index("*acme* · late")
    # W48's digest, never posted, waits for a working day: not on Sunday. Monday is W49's,
    # posted once.
    assert "Weekly digest, Sun 29 Nov 2026" not in out
    assert "No digest is due yet" in out
    assert out.count("Weekly digest, Mon 30 Nov 2026") == 1
    assert "This week's digest is already posted." in out


def test_the_console_is_one_local_workspace_even_with_oauth_settings(tmp_path: Path) -> None:
    """A `.env` set up for many workspaces: the console still answers as one local workspace
    (Bolt, reading the client id and secret itself, would otherwise ask for an install)."""
    done = run_console(
        tmp_path,
        ["/client add acme"],
        SLACK_CLIENT_ID="1111.2222",
        SLACK_CLIENT_SECRET="client-secret-never-print",
    )
    assert done.returncode == 0, done.stderr
    assert "Added *acme*" in done.stdout
    assert "client-secret-never-print" not in done.stdout + done.stderr


def test_undo_after_a_pinned_scan_voids_the_entry_logged_last(tmp_path: Path) -> None:
    # `scan --now` pins the clock; lines logged after it must still follow one another in time,
    # or undo picks whichever client it reads first.
    done = run_console(
        tmp_path,
        [
            "/client add acme",
            "/client add zed",
            "scan --now 2026-12-01T10:00",
            "/client note zed first",
            "/client note acme second",
            "/client undo",
            "/client note acme third",
            "/client note zed fourth",
            "/client undo",
        ],
    )
    assert done.returncode == 0, done.stderr
    assert "Voided e2 of *acme*" in done.stdout
    assert "Voided e3 of *zed*" in done.stdout


def test_a_suggestion_posted_in_one_run_can_be_approved_in_the_next(tmp_path: Path) -> None:
    first = run_console(
        tmp_path,
        [
            "/client add acme as late-payer",
            "/client invoice acme 900 due 2026-11-20",
            "scan --now 2026-11-27T10:00",
        ],
    )
    assert "[1] acme, overdue step 1: Approve" in first.stdout
    # The next morning, a new run: the suggestion's buttons are still there, as in Slack.
    done = run_console(tmp_path, ["scan --now 2026-11-30T10:00", "buttons", "click 1"])
    assert done.returncode == 0, done.stderr
    assert "[1] acme, overdue step 1: Approve" in done.stdout
    assert "Approved by @UCONSOLE at 30 Nov 2026 10:00." in done.stdout
    history = run_console(tmp_path, ["/client history acme"])
    assert "message to client, overdue step 1: approved by @UCONSOLE" in history.stdout


def test_the_readme_try_out_reads_true_on_any_day(tmp_path: Path) -> None:
    # The try-out as the README gives it, whatever today is: its dates are relative.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("Then type, one line at a time:", 1)[1].split("```", 2)[1]
    lines = [line for line in block.splitlines() if line.strip()]
    assert "scan --days 1" in lines
    done = run_console(tmp_path, lines)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "sent date not given" in out
    # One suggestion, approved by the click, for an invoice the record doesn't claim was sent
    # on any day it doesn't know.
    assert "*Suggested message for acme:*" in out
    assert "Approved by @UCONSOLE" in out
    assert "sent on" not in out and "we sent" not in out
    assert "payment of £900.00 for our invoice was due on" in out
    assert "*date not given* · invoice sent #INV-1 £900.00" in out


def test_scan_days_pins_the_next_working_morning(tmp_path: Path) -> None:
    christmas = {date(2026, 12, 25), date(2026, 12, 28)}
    working = lambda d: d.weekday() < 5 and d not in christmas  # noqa: E731
    nine = time(9)
    # Thursday 24th is open; Friday 25th, the weekend and Monday 28th are not.
    assert working_morning(date(2026, 12, 24), working, nine, UTC) == datetime(
        2026, 12, 24, 10, tzinfo=UTC
    )
    assert working_morning(date(2026, 12, 25), working, nine, UTC) == datetime(
        2026, 12, 29, 10, tzinfo=UTC
    )
    # As typed: whatever today is, `--days 0` lands inside working hours.
    done = run_console(tmp_path, ["scan --days 0", "scan --days x", "scan --now soon"])
    assert done.returncode == 0, done.stderr
    assert "outside working hours" not in done.stdout
    assert "Use `scan --days 1`: a number of days from today" in done.stdout
    assert "Use `scan --now 20" in done.stdout and "or `scan --days 1`" in done.stdout


def test_edit_in_the_console_keeps_the_paragraphs_until_a_line_with_a_dot(tmp_path: Path) -> None:
    done = run_console(
        tmp_path,
        [
            "/client add acme as late-payer",
            "/client invoice acme 900 due 2026-11-20 #A1",
            "scan --now 2026-11-30T10:00",
            "click 2",  # Edit
            "Hi Jo,",
            "",
            "A gentle reminder about invoice A1.",
            "",
            "Thanks, Sam",
            ".",
            "buttons",
        ],
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Message for the client (lines until a line with a single `.`; empty to cancel)" in out
    # The edited suggestion keeps every paragraph, blank lines too...
    assert ">Hi Jo,\n>\n>A gentle reminder about invoice A1.\n>\n>Thanks, Sam\n" in out
    assert "(version 2; every version is kept)" in out
    # ... and the line after `.` is a console command again.
    assert out.count("[2] acme, overdue step 1: Edit") == 2


def test_an_edit_that_is_only_the_closing_line_or_never_closed_saves_nothing(
    tmp_path: Path,
) -> None:
    """Found in a console walk: a lone `.` was taken as the message, and the commands after
    it, up to the next `.`, were saved (and later approved) as the client's text."""
    done = run_console(
        tmp_path,
        [
            "/client add acme as late-payer",
            "/client invoice acme 900 due 2026-11-20 #A1",
            "scan --now 2026-11-30T10:00",
            "click 2",  # Edit, closed at once: nothing typed
            ".",
            "buttons",
            "click 2",  # Edit, and the input ends before its closing line
            "Hi Jo, a new text",
            "buttons",
        ],
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.count("Cancelled.") == 1
    assert "Cancelled: the text had no closing line with a single `.`." in out
    assert "version 2" not in out and ">." not in out and ">buttons" not in out
    # `buttons` after the lone `.` ran as a command.
    assert out.count("[2] acme, overdue step 1: Edit") >= 2


def test_console_mail_a_client_reply_withdraws_the_nudge_and_a_sent_one_is_logged_once(
    tmp_path: Path,
) -> None:
    for folder in ("quiet", "overdue"):
        (tmp_path / folder).mkdir()
    reply = tmp_path / "reply.eml"
    reply.write_bytes(
        b"From: Jo <jo@acme.com>\r\nTo: sam@agency.test\r\nSubject: Re: logo\r\n"
        b"Message-ID: <r1@acme.com>\r\nDate: Tue, 1 Dec 2026 09:00:00 +0000\r\n\r\n"
        b"Attached, sorry!\r\n"
    )
    quiet = run_console(
        tmp_path / "quiet",
        [
            "/client add acme email jo@acme.com",
            "/client asked acme for the logo files on 2026-11-16",
            "scan --now 2026-11-30T10:00",
            f"mail {reply}",
            f"mail {reply}",
            "click 1",
            "/client history acme",
        ],
    )
    assert quiet.returncode == 0, quiet.stderr
    out = quiet.stdout
    assert "1 new, 1 posted" in out
    assert "acme: logged as their reply" in out
    assert "acme: already logged: nothing changed" in out
    # Approving after the reply: stale, nothing to send.
    assert "nothing was sent or logged as sent" in out
    assert out.count("Re: logo: Attached, sorry!") == 1  # in the history once

    sent = tmp_path / "sent.eml"
    sent.write_bytes(
        b"From: Sam <sam@agency.test>\r\nTo: Jo <ap@beta.test>\r\nSubject: Invoice A1\r\n"
        b"Message-ID: <s1@agency.test>\r\nDate: Mon, 30 Nov 2026 16:00:00 +0000\r\n\r\n"
        b"Hi Jo, a gentle\r\nreminder about invoice A1.  Thanks!\r\n"
    )
    overdue = run_console(
        tmp_path / "overdue",
        [
            "/client add beta as late-payer email ap@beta.test",
            "/client invoice beta 900 due 2026-11-20 #A1",
            "scan --now 2026-11-30T10:00",
            "click 2",
            "Hi Jo, a gentle reminder about invoice A1. Thanks!",
            ".",
            "click 1",
            f"mail {sent}",
            f"mail {sent}",
            "/client history beta",
        ],
    )
    assert overdue.returncode == 0, overdue.stderr
    out = overdue.stdout
    assert "beta: the approved message it carries is marked sent" in out
    assert "beta: already logged: nothing changed" in out
    assert "message to client, overdue step 1: sent by" in out
    assert out.count("message to client, overdue step 1: sent by") == 1


def test_console_send_by_email_goes_to_a_local_smtp_sink_once(tmp_path: Path) -> None:
    from aiosmtpd.controller import Controller

    from tests.handlers.test_email_out_smtp import Sink, free_port

    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        run = run_console(
            tmp_path,
            [
                "/client add acme email jo@acme.com",
                "/client asked acme for the logo files on 2026-11-16",
                "scan --now 2026-11-30T10:00",
                "click 1",
                "buttons",
                "click 9",
                "click 9",
                "/client history acme",
            ],
            SMTP_URL=f"smtp://127.0.0.1:{port}",
            EMAIL_FROM="Sam <sam@agency.test>",
        )
    finally:
        controller.stop()
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "[9] acme, quiet step 1: Send by email" in out
    assert "Sent by email to jo@acme.com" in out
    assert "message to client, quiet step 1: sent by @UCONSOLE by email" in out  # the history
    assert "There is no button 9 now" in out  # a second click: nothing left to press
    assert len(sink.received) == 1
    (msg,) = sink.messages()
    assert msg["To"] == "jo@acme.com" and msg["Subject"] == "Following up"


def test_a_click_date_is_given_as_the_picker_sends_it_and_an_unwanted_one_presses_nothing(
    tmp_path: Path,
) -> None:
    done = run_console(
        tmp_path,
        [
            "/client add acme as late-payer",
            "/client invoice acme 900 due 2026-11-20 #A1",
            "scan --now 2026-11-30T10:00",
            "click 6 25/12",  # Snooze until: a date typed day first
            "buttons",
            "click 3 2026-12-25",  # Snooze 1 day: takes no date
            "buttons",
        ],
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "The date picker takes a full date, year first: `click 6 2026-12-25`." in out
    # Nothing was pressed: the button is still there.
    assert "[6] acme, overdue step 1: Snooze until a date" in out.split("Buttons:")[2]
    # A date for a button that takes none is refused, naming the one that does: nothing is
    # pressed (a third walk had Approve act on `click 1 2026-12-25`).
    assert (
        "Button 3 takes no date, so I didn't press it. Snooze until takes one: "
        "`click 6 2026-12-25`. To press 3: `click 3`."
    ) in out
    assert "[3] acme, overdue step 1: Snooze 1 day" in out.split("Buttons:")[3]


def test_a_pinned_clock_carries_on_in_the_next_run_never_back_to_today(tmp_path: Path) -> None:
    """Found in a third walk: a new run went back to the machine's clock, so an approval was
    stamped days before the nudge it approved."""
    first = run_console(
        tmp_path,
        ["/client add acme as late-payer", "/client invoice acme 900 due 10 days ago #A1"]
        + ["scan --days 30"],
    )
    assert first.returncode == 0, first.stderr
    assert "1 new, 1 posted" in first.stdout
    second = run_console(tmp_path, ["click 1"])
    assert second.returncode == 0, second.stderr
    out = second.stdout
    carried = re.search(r"Clock: carrying on from \w+ (\d+ \w+ \d{4}) \d\d:\d\d", out)
    assert carried is not None, out
    # Approved at the pinned moment (a minute or so on), not back on today's date.
    assert f"Approved by @UCONSOLE at {carried.group(1)}" in out
