"""The client-facing final report draft: in the client's language, and only what the record
shows (what was done, what is open, what is owed, how the handover works)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.report import engagement_report
from service.commands import ClientCommands
from storage.tinydb_store import TinyDBStore
from ui.final_report import draft
from ui.wording import Wording

TEAM = "T0TEAM1"
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path) -> TinyDBStore:
    return TinyDBStore(tmp_path / "t.json")


def make(store: TinyDBStore, *lines: str) -> str:
    commands = ClientCommands(store, UTC)
    for line in lines:
        reply = commands.run(TEAM, "U0A", line, NOW - timedelta(days=1))
        assert ":warning:" not in reply.text, reply.text
    record = store.find(TEAM, "acme")
    history = list(store.history(TEAM, record.client.client_id))
    return draft(Wording.load(), record, engagement_report(record, history, NOW.date()), NOW.date())


def test_owed_and_open_in_english(store) -> None:
    text = make(
        store,
        "add acme contact Jo",
        "asked acme the logo files on 2026-11-02",
        "revision acme bigger",
        "invoice acme £900 due 2026-11-20 #A1",
        "invoice acme £100 due 2026-11-21 #A2",
        "paid acme #A2",
    )
    assert text.startswith("Hi Jo,\n\n")
    assert "We have worked with you since Mon 2 November." in text  # a date as people write it
    assert "Rounds of changes worked through: 1." in text
    assert "Invoiced in total: £1,000.00. Paid: £100.00." in text
    # A revision demand is not an answer to the request: it is still open.
    assert "Nothing is waiting for an answer from you." not in text
    assert "the logo files" in text
    assert "Still to be paid: #A1 £900.00." in text
    # Handing over what is theirs never waits for payment; the balance is still due.
    assert "We will hand over your accounts and the access to them whatever the state" in text
    assert "the outstanding balance is still due" in text
    assert "We will now hand over" not in text


def test_paid_up_in_welsh_with_nothing_the_record_doesnt_show(store) -> None:
    text = make(store, "add acme lang cy", "asked acme y logo", "note acme call")
    assert text.startswith("Helo bawb,")  # no contact: the default greeting, soft-mutated
    assert "Rydyn ni'n dal i aros am eich ateb ynghylch: y logo." in text
    assert "Does dim byd yn ddyledus." in text
    assert "Byddwn ni nawr yn trosglwyddo mynediad llawn i chi at bob cyfrif" in text
    # No invoices and no revisions logged: no lines about them at all.
    assert "anfonebau" not in text and "Rowndiau" not in text
    assert "Once" not in text and "Hi " not in text  # nothing left in English
    assert "ers 26 Tachwedd." in text  # since the day it was added, in Welsh


def test_the_draft_asks_for_what_is_still_owed_after_a_part_payment(store) -> None:
    text = make(
        store,
        "add acme contact Jo",
        "invoice acme £900 due 2026-11-20 #A1",
        "paid acme £400 #A1",
    )
    assert "Invoiced in total: £900.00. Paid: £400.00." in text
    assert "Still to be paid: #A1 £500.00." in text
