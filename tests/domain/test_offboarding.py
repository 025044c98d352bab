"""The offboarding checklist, pure: ticks once, handover held while money is owed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain import offboarding as ob
from domain.models import Client, ClientRecord, ClientState, Invoice, Money

AT = datetime(2026, 11, 27, 10, tzinfo=UTC)


def record(owing: bool = False) -> ClientRecord:
    invoices = (Invoice("A1", Money(Decimal(5), "GBP"), date(2026, 11, 1), date(2026, 10, 1)),)
    state = ClientState(invoices=invoices if owing else ())
    return ClientRecord(Client("T1", "c1", "Acme", "U1", AT), state)


def test_each_item_ticks_once_with_who_and_when() -> None:
    started = ob.start(record(), "they never pay", "U1", AT)
    ticked = ob.tick(started, ob.REASON, "U2", AT)
    assert ticked.offboarding.ticks[ob.REASON].by == "U2"
    with pytest.raises(ob.AlreadyTicked) as err:
        ob.tick(ticked, ob.REASON, "U3", AT)
    assert err.value.tick.by == "U2"
    # Starting again keeps the ticks, with the new reason.
    again = ob.start(ticked, "they never answer", "U3", AT)
    assert again.offboarding.reason == "they never answer" and ob.REASON in again.offboarding.ticks


def test_handover_waits_for_payment_and_archive_archives() -> None:
    owing = ob.start(record(owing=True), "unpaid", "U1", AT)
    with pytest.raises(ob.Blocked, match="#A1"):
        ob.tick(owing, ob.HANDOVER, "U2", AT)
    paid_state = replace(
        owing.state, invoices=(replace(owing.state.invoices[0], paid_on=AT.date()),)
    )
    assert ob.tick(replace(owing, state=paid_state), ob.HANDOVER, "U2", AT).offboarding.ticks
    archived = ob.tick(owing, ob.ARCHIVED, "U2", AT)
    assert archived.client.archived
    assert ob.ARCHIVED not in ob.untick_archive(archived).offboarding.ticks


def test_no_checklist_no_tick() -> None:
    with pytest.raises(ob.NotOffboarding):
        ob.tick(record(), ob.REASON, "U2", AT)
