"""Every domain dataclass survives to_doc -> JSON on disk -> from_doc unchanged."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.models import (
    Answer,
    Ask,
    Away,
    Client,
    ClientRecord,
    ClientState,
    ClientType,
    DeliveryState,
    Interaction,
    Invoice,
    Kind,
    Money,
    Nudge,
    NudgeStatus,
    Offboarding,
    TextVersion,
    Tick,
)
from storage.atomic import read_json, write_json_atomic
from storage.codec import from_doc, to_doc

# Aware datetimes in UTC or a fixed offset, and naive ones. (Zones with DST are left out:
# Python compares a time in a DST gap or fold unequal to itself in another zone, by design.)
datetimes = st.datetimes(
    min_value=datetime(1990, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=-5, minutes=-30))]),
)
dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1))
text = st.text(max_size=40)
ids = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=12)
MONEY = {
    "amount": st.decimals(allow_nan=False, allow_infinity=False, places=2, max_value=10**9),
    "currency": st.sampled_from(["", "GBP", "EUR", "USD"]),
}
money = st.builds(Money, **MONEY)
INTERACTION = {
    "seq": st.integers(1, 10**9),
    "kind": st.sampled_from(Kind),
    "occurred_on": dates,
    "logged_by": ids,
    "logged_at": datetimes,
    "text": text,
    "amount": st.none() | money,
    "ref": text,
    "due_on": st.none() | dates,
    "link": text,
    "target": st.integers(0, 10**9),
    "redated": st.none() | dates,
    "undated": st.booleans(),
    "order": st.integers(0, 2**63),
}
ASK = {"seq": st.integers(1, 10**6), "what": text, "asked_on": dates, "asked_by": ids}
asks = st.builds(Ask, **ASK)
INVOICE = {
    "ref": text,
    "amount": money,
    "due_on": dates,
    "sent_on": st.none() | dates,
    "paid_on": st.none() | dates,
    "promised_by": st.none() | dates,
    "paid": st.decimals(allow_nan=False, allow_infinity=False, places=2, max_value=10**9),
    "seq": st.integers(0, 10**9),
    "auto_ref": st.booleans(),
    "last_paid_on": st.none() | dates,
}
CLIENT = {
    "team_id": ids,
    "client_id": ids,
    "name": text,
    "created_by": ids,
    "created_at": datetimes,
    "client_type": st.sampled_from(ClientType),
    "quiet_days": st.integers(0, 60),
    "channel": text,
    "owner": text,
    "lang": st.sampled_from(["en", "cy"]),
    "shared_channel": text,
    "archived": st.booleans(),
    "contact": text,
    "greet": text,
    "pay": text,
    "auto_heard": st.booleans(),
    "org": text,
    "emails": st.lists(text, max_size=3).map(tuple),
    "domains": st.lists(text, max_size=3).map(tuple),
}
AWAY = {"start": dates, "until": dates}
ANSWER = {"seq": st.integers(1, 10**6), "what": text, "answered_on": dates}
STATE = {
    "open_asks": st.lists(asks, max_size=4).map(tuple),
    "invoices": st.lists(st.builds(Invoice, **INVOICE), max_size=4).map(tuple),
    "last_contact_on": st.none() | dates,
    "last_heard_on": st.none() | dates,
    "revisions": st.lists(dates, max_size=4).map(tuple),
    "interactions": st.integers(0, 10**6),
    "snoozed_until": st.dictionaries(text, dates, max_size=3),
    "away": st.lists(st.builds(Away, **AWAY), max_size=3).map(tuple),
    "replies_logged": st.lists(text, max_size=3).map(tuple),
    "agreed": text,
    "agreed_on": st.none() | dates,
    "answers": st.lists(st.builds(Answer, **ANSWER), max_size=3).map(tuple),
    "partly_heard_on": st.none() | dates,
}
TEXT_VERSION = {"text": text, "by": ids, "at": datetimes}
NUDGE = {
    "key": text,
    "situation": st.sampled_from(["quiet", "overdue", "controlling"]),
    "subject": text,
    "stage": st.integers(0, 5),
    "created_at": datetimes,
    "status": st.sampled_from(NudgeStatus),
    "late": st.booleans(),
    "channel": text,
    "ts": text,
    "thread_ts": text,
    "versions": st.lists(st.builds(TextVersion, **TEXT_VERSION), max_size=3).map(tuple),
    "attempts": st.integers(0, 10),
    "next_attempt_at": st.none() | datetimes,
    "attempted_at": st.none() | datetimes,
    "decided_by": text,
    "decided_at": st.none() | datetimes,
    "approvals": st.lists(ids, max_size=3).map(tuple),
    "note": text,
    "facts_key": text,
    "delivery": text,
    "undeliverable": text,
    "variant": text,
    "consequence_on": st.none() | dates,
    "sent_at": st.none() | datetimes,
    "sent_by": text,
    "covers": st.lists(st.integers(1, 10**6), max_size=5).map(tuple),
    "email": st.sampled_from(["", "sending", "sent", "refused"]),
    "email_id": text,
    "email_error": text,
    "email_by": ids,
    "email_at": st.none() | datetimes,
    "email_to": text,
}
TICK = {"by": ids, "at": datetimes}
OFFBOARDING = {
    "reason": text,
    "started_by": ids,
    "started_at": datetimes,
    "ticks": st.dictionaries(text, st.builds(Tick, **TICK), max_size=5),
    "channel": text,
    "ts": text,
}
RECORD = {
    "client": st.builds(Client, **CLIENT),
    "state": st.builds(ClientState, **STATE),
    "nudges": st.dictionaries(text, st.builds(Nudge, **NUDGE), max_size=3),
    "next_seq": st.integers(1, 10**9),
    "offboarding": st.none() | st.builds(Offboarding, **OFFBOARDING),
    "mail_seen": st.lists(text, max_size=3).map(tuple),
    "last_mail_id": text,
    "last_mail_subject": text,
}
records = st.builds(ClientRecord, **RECORD)

# Every field of every stored dataclass is drawn (st.builds alone would leave the fields
# that have defaults at their defaults).
EVERY = {
    Money: MONEY,
    Interaction: INTERACTION,
    Ask: ASK,
    Away: AWAY,
    Answer: ANSWER,
    Invoice: INVOICE,
    Client: CLIENT,
    ClientState: STATE,
    TextVersion: TEXT_VERSION,
    Nudge: NUDGE,
    Tick: TICK,
    Offboarding: OFFBOARDING,
    ClientRecord: RECORD,
}


def test_every_stored_dataclass_and_field_is_covered() -> None:
    """A dataclass or field added to domain.models later must be added here too."""
    import domain.models as models

    stored = {
        obj
        for obj in vars(models).values()
        if isinstance(obj, type) and hasattr(obj, "__dataclass_fields__")
    }
    assert stored == set(EVERY)
    for cls, kwargs in EVERY.items():
        assert set(kwargs) == {f.name for f in fields(cls)}, cls.__name__


def _round_trip(cls: type, value: object) -> object:
    doc = to_doc(value)
    back = from_doc(cls, json.loads(json.dumps(doc, ensure_ascii=False)))
    assert back == value
    # Exactly the same document again (e.g. Decimal("1.20") keeps its trailing zero).
    assert to_doc(back) == doc
    return back


@settings(max_examples=300, deadline=None)
@given(st.one_of([st.builds(c, **kw).map(lambda v, c=c: (c, v)) for c, kw in EVERY.items()]))
def test_every_dataclass_round_trips(case: tuple[type, object]) -> None:
    _round_trip(*case)


@settings(max_examples=40, deadline=None)
@given(record=records)
def test_a_record_round_trips_through_a_file(record: ClientRecord, tmp_path_factory) -> None:
    path = Path(tmp_path_factory.mktemp("codec")) / "record.json"
    write_json_atomic(path, to_doc(record), durable=False)
    assert from_doc(ClientRecord, read_json(path)) == record


def test_types_are_kept() -> None:
    record = ClientRecord(
        client=Client("T1", "c1", "Acme", "U1", datetime(2026, 1, 2, 3, 4, tzinfo=UTC)),
        state=ClientState(
            invoices=(
                Invoice(
                    "INV-1", Money(Decimal("10.50"), "GBP"), date(2026, 2, 1), date(2026, 1, 1)
                ),
            ),
            snoozed_until={"quiet": date(2026, 3, 1)},
        ),
    )
    back = _round_trip(ClientRecord, record)
    invoice = back.state.invoices[0]
    assert isinstance(back.state.invoices, tuple)
    assert isinstance(invoice.amount.amount, Decimal) and str(invoice.amount.amount) == "10.50"
    assert type(invoice.due_on) is date
    assert back.client.created_at.tzinfo is not None
    assert back.client.client_type is ClientType.NONE
    assert isinstance(back.state.snoozed_until["quiet"], date)


def test_unknown_keys_are_ignored_and_missing_ones_default() -> None:
    """Older code reads files written by newer code, and the other way round."""
    doc = to_doc(Ask(1, "files", date(2026, 1, 1), "U1"))
    doc["added_in_a_later_version"] = {"x": 1}
    assert from_doc(Ask, doc) == Ask(1, "files", date(2026, 1, 1), "U1")
    client = to_doc(Client("T1", "c1", "Acme", "U1", datetime(2026, 1, 1, tzinfo=UTC)))
    del client["contact"], client["archived"], client["auto_heard"], client["greet"], client["pay"]
    back = from_doc(Client, client)
    assert back.contact == "" and back.archived is False
    # Written before `greet as` and `pay`: greeted by the contact's first word, no pay link.
    assert back.greet == "" and back.pay == ""
    # Written before replies were logged from shared channels: auto-logging is on, nothing
    # logged yet, no links.
    assert back.auto_heard is True
    state = to_doc(ClientState())
    del state["replies_logged"]
    assert from_doc(ClientState, state).replies_logged == ()
    # Written before agreed rhythms and the record of what was sent: none agreed, none sent.
    state = to_doc(ClientState())
    del state["agreed"], state["agreed_on"]
    assert (from_doc(ClientState, state).agreed, from_doc(ClientState, state).agreed_on) == (
        "",
        None,
    )
    nudge = to_doc(Nudge("quiet:ask-1:1", "quiet", "ask-1", 1, datetime(2026, 1, 1, tzinfo=UTC)))
    for key in ("variant", "consequence_on", "sent_at", "sent_by"):
        del nudge[key]
    old = from_doc(Nudge, nudge)
    assert (old.variant, old.consequence_on, old.sent_at, old.sent_by) == ("", None, None, "")
    event = to_doc(
        Interaction(1, Kind.HEARD, date(2026, 1, 1), "U1", datetime(2026, 1, 1, tzinfo=UTC))
    )
    del event["link"]
    assert from_doc(Interaction, event).link == ""


def test_a_record_written_before_offboarding_existed_reads_with_none() -> None:
    """Files written before the offboarding checklist have no `offboarding` key."""
    record = ClientRecord(client=Client("T1", "c1", "Acme", "U1", datetime(2026, 1, 2, tzinfo=UTC)))
    doc = to_doc(record)
    del doc["offboarding"]
    back = from_doc(ClientRecord, json.loads(json.dumps(doc)))
    assert back == record and back.offboarding is None
    started = Offboarding("didn't pay", "U1", datetime(2026, 2, 1, tzinfo=UTC))
    ticked = Offboarding(
        "didn't pay",
        "U1",
        datetime(2026, 2, 1, tzinfo=UTC),
        {"reason": Tick("U2", datetime(2026, 2, 2, tzinfo=UTC))},
    )
    for value in (started, ticked):
        assert _round_trip(ClientRecord, ClientRecord(record.client, offboarding=value))


def test_a_summary_written_before_leave_existed_reads_with_no_leave() -> None:
    """Records written before `/client away` have no `away` key: they read as never away."""
    state = to_doc(ClientState(revisions=(date(2026, 1, 1),)))
    del state["away"]
    back = from_doc(ClientState, state)
    assert back.away == () and back.revisions == (date(2026, 1, 1),)
    leave = ClientState(away=(Away(date(2026, 12, 21), date(2027, 1, 5)),))
    assert _round_trip(ClientState, leave) == leave


def test_delivery_states_are_stored_as_the_strings_older_versions_wrote() -> None:
    at = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    written = {
        state: to_doc(Nudge("k", "quiet", "ask-1", 1, at, delivery=state))["delivery"]
        for state in DeliveryState
    }
    assert written == {
        DeliveryState.NONE: "",
        DeliveryState.PENDING: "pending",
        DeliveryState.POSTING: "posting",
    }
    # A nudge written before the states had a type reads as one in that state.
    old = to_doc(Nudge("k", "quiet", "ask-1", 1, at))
    for stored, undelivered, ts in [
        ("", False, ""),
        ("pending", True, ""),
        ("posting", True, ""),
        ("1795773600.000100", False, "1795773600.000100"),
    ]:
        nudge = from_doc(Nudge, json.loads(json.dumps({**old, "delivery": stored})))
        assert (nudge.undelivered, nudge.delivered_ts) == (undelivered, ts)
    assert from_doc(Nudge, {**old, "delivery": "pending"}).delivery == DeliveryState.PENDING


def test_an_interactions_kind_is_the_enum_member_and_an_unknown_one_still_fails() -> None:
    from domain.models import Interaction, Kind

    docs = [to_doc(i) for i in _interactions_of_every_kind()]
    back = [from_doc(Interaction, d) for d in docs]
    assert [i.kind for i in back] == list(Kind) and all(type(i.kind) is Kind for i in back)
    assert [to_doc(i) for i in back] == docs
    with pytest.raises(ValueError):
        from_doc(Interaction, {**docs[0], "kind": "no-such-kind"})
    with pytest.raises((ValueError, TypeError)):
        from_doc(Interaction, {**docs[0], "kind": ["unhashable"]})


def _interactions_of_every_kind() -> list:
    from domain.models import Interaction, Kind

    return [
        Interaction(i, kind, date(2026, 11, 2), "U1", datetime(2026, 11, 2, 9, tzinfo=UTC), "note")
        for i, kind in enumerate(Kind, start=1)
    ]
