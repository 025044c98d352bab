"""Issue 8's examples over signed HTTP: dates never move silently, replies show the date used,
leave pauses a client's clocks, history is in the order things happened, and errors say the
fix. Each refusal stores nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from config import Config
from domain.calendar import WorkCalendar
from domain.models import Away, Kind
from service.nudges import NudgeSchedule
from storage.tinydb_store import TinyDBStore
from tests.checks import ok, refused, stored_files
from tests.conftest import Clock
from tests.slack_http import TEAM1, AppServer


def _stored(store: TinyDBStore, name: str):
    record = store.find(TEAM1, name)
    assert record is not None
    return record


def test_a_due_date_without_a_year_is_the_nearest_one_and_the_reply_shows_it(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    clock.set("2026-11-30T10:00")  # Monday
    ok(server.slash("add halcyon as late-payer"))
    text = ok(server.slash("invoice halcyon €2400 due 20/11"))
    assert "due Fri 20 Nov 2026" in text
    assert "Due *Fri 20 Nov, 10 days ago* (read from “20/11”)." in text
    (invoice,) = _stored(store, "halcyon").state.invoices
    assert invoice.due_on == date(2026, 11, 20)  # not 20 Nov 2027: chased, not forgotten
    assert "10 days overdue" in ok(server.slash("status halcyon"))


def test_a_thing_that_happened_dated_ahead_is_refused_naming_the_date_read(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    clock.set("2026-12-17T10:00")  # Thursday
    ok(server.slash("add caffi"))
    before = stored_files(store)
    text = refused(server.slash("asked caffi the brand guide on 20/12"))
    assert "20 Dec is in 3 days; things that happened can't be dated ahead." in text
    assert "`20/12/2025`" in text
    assert stored_files(store) == before
    # Dated three days ago, the reply says so, with the words it read as the date.
    clock.set("2026-12-20T10:00")  # Sunday
    text = ok(server.slash("asked caffi the brand guide on 17/12"))
    assert "Dated *Thu 17 Dec, 3 days ago* (read from “17/12”)." in text
    (ask,) = _stored(store, "caffi").state.open_asks
    assert ask.asked_on == date(2026, 12, 17)
    # Logged without a date, it is today, and says so.
    assert "Dated *Sun 20 Dec, today*." in ok(server.slash("note caffi call"))


def test_a_date_far_from_today_is_called_out(server: AppServer, clock: Clock) -> None:
    clock.set("2026-12-17T10:00")
    ok(server.slash("add caffi"))
    text = ok(server.slash("note caffi kickoff meeting on 2026-06-01"))
    assert "Dated *Mon 1 Jun, 7 months ago* (read from “2026-06-01”)." in text
    assert "more than 90 days from today: check it's the date you meant" in text
    assert "more than 90 days" not in ok(server.slash("note caffi call on 10/12"))


def test_quoted_words_are_what_was_said_not_when(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    clock.set("2026-12-17T10:00")
    ok(server.slash("add bramble"))
    text = ok(server.slash('heard bramble "will send notes on monday"'))
    assert "replied: “will send notes on monday”" in text
    assert "Dated *Thu 17 Dec, today*." in text and "read from" not in text
    text = ok(server.slash("heard bramble will send notes on monday"))
    assert "Dated *Mon 14 Dec, 3 days ago* (read from “monday”)." in text
    latest = next(store.history(TEAM1, _stored(store, "bramble").client.client_id))
    assert latest.text == "will send notes" and latest.occurred_on == date(2026, 12, 14)


def test_a_reply_before_the_ask_or_a_payment_before_the_invoice_is_refused(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    clock.set("2026-12-17T10:00")
    ok(server.slash("add caffi"))
    ok(server.slash("asked caffi the brand guide on 15/12"))
    ok(server.slash("invoice caffi £500 due 2027-01-15 #C-1"))
    before = stored_files(store)
    text = refused(server.slash("heard caffi on 14/12"))
    assert (
        "A reply dated Mon 14 Dec 2026 can't answer what you asked caffi on Tue 15 Dec 2026" in text
    )
    text = refused(server.slash("paid caffi #C-1 on 16/12"))
    assert "Invoice #C-1 was sent on Thu 17 Dec 2026" in text
    assert "`/client paid caffi #C-1 on today`" in text
    assert stored_files(store) == before
    assert "replied" in ok(server.slash("heard caffi on 16/12"))
    assert "paid" in ok(server.slash("paid caffi #C-1"))


def test_snooze_and_promise_dates_read_next_wed_and_day_first(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    clock.set("2026-12-17T10:00")  # Thursday
    ok(server.slash("add acme"))
    ok(server.slash("invoice acme 100 due 10/12"))
    text = ok(server.slash("snooze acme quiet next wed"))
    assert (
        "until Wed 23 Dec 2026" in text
        and "Until *Wed 23 Dec, in 6 days* (read from “next wed”)." in text
    )
    text = ok(server.slash("promised acme 4/1"))
    assert "promise to pay by Mon 4 Jan 2027" in text
    assert "Promised by *Mon 4 Jan 2027, in 2 weeks* (read from “4/1”)." in text
    record = _stored(store, "acme")
    assert record.state.snoozed_until["quiet"] == date(2026, 12, 23)
    assert record.state.invoices[0].promised_by == date(2027, 1, 4)


def test_a_client_on_leave_pauses_their_clocks_and_it_survives_a_restart(
    server: AppServer, store: TinyDBStore, clock: Clock, db_path
) -> None:
    clock.set("2026-12-14T10:00")  # Monday
    ok(server.slash("add acme quiet 2 days"))
    ok(server.slash("asked acme sign-off"))
    text = ok(server.slash("away acme until 2027-01-05"))
    assert "*acme* is on leave until Tue 5 Jan 2027" in text
    assert "Back *Tue 5 Jan 2027, in 3 weeks* (read from “2027-01-05”)." in text
    assert "`/client away acme off`" in text
    later = ok(server.slash("away acme from 2026-12-16 until 2027-01-05"))
    assert (
        "*acme* will be on leave from Wed 16 Dec 2026 until Tue 5 Jan 2027: their quiet and "
        "overdue clocks pause then, and the days away don't count." in later
    )
    ok(server.slash("away acme until 2027-01-05"))
    clock.set("2026-12-21T10:00")
    status = ok(server.slash("status acme"))
    assert "*On leave* since Mon 14 Dec 2026 until Tue 5 Jan 2027" in status
    assert ":mute:" not in status  # a week of silence, but they are away
    assert ":palm_tree: on leave until Tue 5 Jan 2027" in ok(server.slash("list"))
    # Back early on Wed 23 Dec: the clock runs again from that day.
    clock.set("2026-12-23T10:00")
    assert "*acme* is back" in ok(server.slash("away acme off"))
    assert "On leave" not in ok(server.slash("status acme"))
    clock.set("2026-12-24T10:00")
    assert ":mute: quiet 2 business days" in ok(server.slash("status acme"))  # Wed 23, Thu 24
    refused_text = refused(server.slash("away acme off"))
    assert "acme isn't on leave." in refused_text
    # The history has both lines, and a store opened afresh reads the leave back.
    history = ok(server.slash("history acme"))
    assert "leave “on leave until Tue 5 Jan 2027”" in history
    assert "leave “back from leave”" in history
    reopened = TinyDBStore(db_path, schedule=NudgeSchedule(UTC, clock=clock))
    again = reopened.find(TEAM1, "acme")
    assert again is not None
    assert again.state.away == (Away(date(2026, 12, 14), date(2026, 12, 23)),)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("away acme", "When are they back? e.g. `/client away acme until 2026-12-04`"),
        ("away acme until yesterday", "has already come: give the day they are back"),
        ("away acme until someday", "I couldn't read `someday` as a date"),
        ("away acme from mon", "Until when?"),
    ],
)
def test_bad_leave_says_what_to_type(server: AppServer, store, clock, text, says) -> None:
    ok(server.slash("add acme"))
    before = stored_files(store)
    assert says in refused(server.slash(text))
    assert stored_files(store) == before


def test_history_is_in_the_order_things_happened_with_when_each_was_logged(
    server: AppServer, clock: Clock
) -> None:
    clock.set("2026-12-17T10:00")
    ok(server.slash("add acme"))
    ok(server.slash("note acme call today"))
    clock.set("2026-12-17T11:30")
    ok(server.slash("note acme forgot to log the kickoff on 2026-12-01"))
    lines = [line for line in ok(server.slash("history acme")).splitlines() if "logged by" in line]
    assert "newest first by the day it happened" in ok(server.slash("history acme"))
    assert ["call today" in lines[0], "kickoff" in lines[2]] == [True, True]
    assert lines[2].startswith("`e3` *Tue 1 Dec 2026* · note")
    assert "17 Dec 2026 11:30 UTC" in lines[2]  # logged late, shown beside it


def test_errors_say_the_fix(server: AppServer, store: TinyDBStore) -> None:
    before = stored_files(store)
    text = refused(server.slash("add acme as late payer"))
    assert "Did you mean `late-payer`? e.g. `/client add acme as late-payer`." in text
    text = refused(server.slash('add "Acme Corp" as controling'))
    assert 'Did you mean `controlling`? e.g. `/client add "Acme Corp" as controlling`' in text
    # A contact of several words needs no quotes now (tests/handlers/test_errors_http.py).
    assert "Did you mean `asked`?" in refused(server.slash("aksed acme logo"))
    assert stored_files(store) == before

    ok(server.slash('add "Acme Ltd"'))
    ok(server.slash('add "Acme Inc"'))
    text = refused(server.slash("status acme"))
    assert "`acme` could be Acme Ltd or Acme Inc: say which" in text
    assert 'e.g. `/client status "Acme Ltd"`' in text
    assert "adds this one" not in text
    text = refused(server.slash('type "Acme Incc" late-payer'))
    assert "Did you mean Acme Inc?" in text
    assert '`/client type "Acme Inc" late-payer`' in text
    ok(server.slash("add globex"))
    text = refused(server.slash("asked globx the logo on 25/11"))
    assert "I don't know a client called globx. Did you mean globex?" in text
    assert "`/client asked globex the logo on 25/11`" in text
    assert "adds this one" not in text
    text = refused(server.slash("status initech"))
    assert "`/client add initech` adds this one" in text


def test_no_nudge_is_posted_on_christmas_day_with_gb_holidays(
    config, slack, tmp_path, clock: Clock
) -> None:
    from service.commands import ClientCommands
    from tests.service.test_nudges import engine

    cfg = replace(
        config,
        ladders=replace(
            config.ladders, calendar=WorkCalendar("GB", frozenset({date(2026, 12, 24)}))
        ),
    )
    store = TinyDBStore(tmp_path / "t.json", schedule=NudgeSchedule(UTC, cfg.ladders, clock))
    commands = ClientCommands(store, UTC, cfg.ladders)
    at = datetime(2026, 12, 1, 10, tzinfo=UTC)
    for text in ("add acme as late-payer in <#C0ACME|acme>", "invoice acme 900 due 2026-12-17"):
        assert ":warning:" not in commands.run(TEAM1, "U0ALICE", text, at).text
    scans = engine(cfg, store, slack)
    # 7 days overdue on Thu 24 Dec (closed), then Christmas, then Boxing Day observed: the
    # first chase (step 1: never a skipped step) waits for Tue 29 Dec.
    for day in (24, 25, 28):
        report = scans.scan(datetime(2026, 12, day, 10, tzinfo=UTC))
        assert report.posted == [] and report.outside_hours, day
    assert scans.scan(datetime(2026, 12, 29, 10, tzinfo=UTC)).posted == ["overdue:inv-INV-1:1"]
    assert [k for k in _stored(store, "acme").nudges] == ["overdue:inv-INV-1:1"]
    assert Kind.NUDGED in {
        e.kind for e in store.history(TEAM1, _stored(store, "acme").client.client_id)
    }


def test_a_promise_with_a_ref_holds_back_only_that_invoice(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    from domain.nudges import OVERDUE, current, reached

    clock.set("2026-11-30T10:00")
    ok(server.slash("add acme as late-payer"))
    ok(server.slash("invoice acme £100 due 2026-11-10 #INV-1"))
    ok(server.slash("invoice acme £200 due 2026-11-20 #INV-2"))
    ok(server.slash("promised acme 2026-12-10 #INV-1"))
    listed = ok(server.slash("list"))
    assert "nothing pending" not in listed
    assert ":red_circle: 1 overdue (£200.00), oldest 10 days" in listed  # INV-2, not INV-1
    due = current(_stored(store, "acme"), date(2026, 11, 30))[OVERDUE]
    assert [i.ref for i in due.facts.invoices] == ["INV-2"]
    assert reached(_stored(store, "acme"), date(2026, 11, 30))[OVERDUE] == 2
    assert due.facts.promise_broken_on is None
    # The promise broken, both are chased; the broken promise is a fact to mention, never a
    # jump of a step (nothing was sent yet: step 1).
    day = date(2026, 12, 11)
    due = current(_stored(store, "acme"), day)[OVERDUE]
    assert [i.ref for i in due.facts.invoices] == ["INV-1", "INV-2"]
    assert due.facts.promise_broken_on == date(2026, 12, 10) and due.stage == 1
    assert reached(_stored(store, "acme"), day)[OVERDUE] == 3  # 31 days: its age alone
    # A promise with no ref still covers everything overdue when it is made.
    ok(server.slash("promised acme 2026-12-20"))
    listed = ok(server.slash("list"))
    # Nothing chased; what is owed still shows, held by the promise.
    assert "0 needing attention" in listed and ":red_circle:" not in listed
    assert ":handshake: £300.00 overdue, promised by Sun 20 Dec 2026" in listed
    assert OVERDUE not in current(_stored(store, "acme"), date(2026, 12, 11))


class TestLondonWithGBHolidaysAndAChristmasClosure:
    """TIMEZONE=Europe/London, HOLIDAYS=GB, CLOSED=2026-12-24..2027-01-01, as read from the
    environment."""

    @pytest.fixture
    def config(self, config: Config) -> Config:
        import config as settings

        loaded = settings.load(
            {
                "SLACK_BOT_TOKEN": "xoxb-test-token",
                "SLACK_SIGNING_SECRET": "s",
                "TIMEZONE": "Europe/London",
                "HOLIDAYS": "GB",
                "CLOSED": "2026-12-24..2027-01-01",
            }
        )
        return replace(config, timezone=loaded.timezone, ladders=loaded.ladders)

    def test_status_counts_business_days_with_the_configured_holidays_and_closure(
        self, server: AppServer, clock: Clock
    ) -> None:
        clock.set("2026-10-25T23:30")  # after the clocks went back: 23:30 GMT, still Sunday
        ok(server.slash("add acme quiet 2 days"))
        assert "Dated *Sun 25 Oct, today*." in ok(server.slash("note acme call"))
        clock.set("2026-12-23T10:00")
        ok(server.slash("asked acme sign-off"))
        clock.set("2027-01-04T10:00")  # nine weekdays later, but only Mon 4 Jan is working
        assert ":mute:" not in ok(server.slash("status acme"))
        clock.set("2027-01-05T10:00")
        assert ":mute: quiet 2 business days" in ok(server.slash("status acme"))
        # 23:30 UTC on Sat 27 Mar 2027 is still Saturday in London; an hour later (clocks
        # forward at 01:00 UTC) 00:30 UTC on Sun 28 Mar is 01:30 BST, Sunday.
        clock.set("2027-03-27T23:30")
        assert "Dated *Sat 27 Mar, today*." in ok(server.slash("note acme call"))
        clock.set("2027-03-28T23:30")  # 00:30 BST on Monday 29 Mar (Easter Monday)
        assert "Dated *Mon 29 Mar, today*." in ok(server.slash("note acme call"))


def test_an_invoice_logged_late_keeps_the_day_it_was_sent(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    clock.set("2026-12-17T10:00")
    ok(server.slash("add acme"))
    text = ok(server.slash("invoice acme £100 due 20/12 #A-1 on 1/12"))
    assert "Due *Sun 20 Dec, in 3 days* (read from “20/12”)." in text
    assert "Sent *Tue 1 Dec, 2 weeks ago* (read from “1/12”)." in text
    ok(server.slash("invoice acme £50 due 2027-01-10 on 2/12 #A-2"))
    invoices = {i.ref: i for i in _stored(store, "acme").state.invoices}
    assert invoices["A-1"].sent_on == date(2026, 12, 1) and invoices["A-1"].due_on == date(
        2026, 12, 20
    )
    assert invoices["A-2"].sent_on == date(2026, 12, 2)
    # Paid before today but after it was sent: fine. Before it was sent: refused.
    paid = ok(server.slash("paid acme #A-1 on 10/12"))
    assert "Dated *Thu 10 Dec, 7 days ago* (read from “10/12”)." in paid
    before = stored_files(store)
    assert "was sent on Wed 2 Dec 2026" in refused(server.slash("paid acme #A-2 on 1/12"))
    assert "can't be dated ahead" in refused(
        server.slash("invoice acme 10 due 2027-01-30 on 20/12")
    )
    text = refused(server.slash("invoice acme 10 due 1/12 on 10/12"))
    assert (
        "It can't fall due (Tue 1 Dec 2026) before the invoice was sent (Thu 10 Dec 2026)" in text
    )
    assert stored_files(store) == before


def test_a_payment_dated_before_an_invoice_was_sent_never_goes_to_it(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    clock.set("2026-12-17T10:00")
    ok(server.slash("add acme"))
    ok(server.slash("invoice acme £100 due 2026-12-20 #A-1 on 1/12"))
    ok(server.slash("invoice acme £50 due 2026-12-10 #A-2 on 5/12"))
    before = stored_files(store)
    # A part payment by #ref is refused against an invoice not yet sent that day.
    assert "Invoice #A-2 was sent on Sat 5 Dec 2026" in refused(
        server.slash("paid acme £20 #A-2 on 3/12")
    )
    assert stored_files(store) == before
    # Without a #ref it goes oldest due first, but only to invoices already sent: #A-2 is due
    # first, yet wasn't sent on 3 Dec, so all £30 goes to #A-1.
    ok(server.slash("paid acme £30 on 3/12"))
    invoices = {i.ref: i for i in _stored(store, "acme").state.invoices}
    assert invoices["A-1"].paid == Decimal(30) and invoices["A-2"].paid == Decimal(0)
    # £80 is more than what was owed on the invoices sent by then (£70): refused, not split
    # onto #A-2.
    before = stored_files(store)
    assert "is more than the £70.00" in refused(server.slash("paid acme £80 on 4/12"))
    # Nothing at all was sent by 30 Nov: refused, naming the first invoice sent.
    assert "Invoice #A-1 was sent on Tue 1 Dec 2026" in refused(server.slash("paid acme on 30/11"))
    assert stored_files(store) == before
    # Dated after both were sent, the payment goes to the oldest due first as usual.
    ok(server.slash("paid acme £60 on 6/12"))
    invoices = {i.ref: i for i in _stored(store, "acme").state.invoices}
    assert invoices["A-2"].paid_on == date(2026, 12, 6) and invoices["A-1"].paid == Decimal(40)


def test_status_counts_a_requests_wait_on_the_calendar_the_quiet_rule_uses(
    config, tmp_path, clock: Clock
) -> None:
    from domain.nudges import QUIET, current
    from service.commands import ClientCommands

    # HOLIDAYS=GB, the agency closed 29-31 December, and the client away the first week of
    # January: status says what the quiet rule counts, not weekdays.
    calendar = WorkCalendar(
        "GB", frozenset({date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31)})
    )
    ladders = replace(config.ladders, calendar=calendar)
    store = TinyDBStore(tmp_path / "t.json", schedule=NudgeSchedule(UTC, ladders, clock))
    commands = ClientCommands(store, UTC, ladders)
    at = datetime(2026, 12, 21, 10, tzinfo=UTC)
    for text in (
        "add acme",
        "asked acme the brand guidelines on 2026-12-21",
        "away acme from 2027-01-04 until 2027-01-11",
    ):
        assert ":warning:" not in commands.run(TEAM1, "U0ALICE", text, at).text, text
    today = datetime(2027, 1, 12, 10, tzinfo=UTC)
    status = str(commands.run(TEAM1, "U0ALICE", "status acme", today).blocks)
    counted = current(_stored(store, "acme"), today.date(), ladders)[QUIET].facts.days
    # Tue 22, Wed 23, Thu 24 Dec; Mon 11, Tue 12 Jan: 5 (not the 15 weekdays in between).
    assert counted == 5
    assert "(5 business days)" in status
