"""Which message events are the client replying: the rules, one case each."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.client_messages import ClientMessage, client_message

OURS, THEIRS = "T0AGENCY", "T0CLIENT"


def event(**changes: Any) -> dict[str, Any]:
    base = {
        "type": "message",
        "channel": "C0SHARED",
        "user": "U0JO",
        "user_team": THEIRS,
        "team": THEIRS,
        "source_team": THEIRS,
        "text": "sign-off attached",
        "ts": "1795773600.000100",
    }
    return {k: v for k, v in {**base, **changes}.items() if v is not None}


def test_a_person_from_outside_the_workspace_is_the_client() -> None:
    found = client_message(event(), OURS)
    assert found == ClientMessage(
        "C0SHARED", "1795773600.000100", "U0JO", "sign-off attached", author_team="T0CLIENT"
    )
    assert found.key == "C0SHARED/1795773600.000100"


@pytest.mark.parametrize(
    "changes",
    [
        {"user_team": OURS, "team": OURS},  # one of the agency's people
        {"user_team": None, "team": None},  # can't tell whose: not a reply
        {"user_team": None, "team": OURS},
        {"bot_id": "B0X"},  # an app posting with a user id
        {"bot_profile": {"id": "B0X"}},
        {"subtype": "bot_message", "user": None, "bot_id": "B0X"},
        {"subtype": "message_changed"},
        {"subtype": "message_deleted"},
        {"subtype": "channel_join"},
        {"subtype": "message_replied"},
        {"user": None},
        {"ts": "not-a-ts"},
        {"ts": "nan"},
        {"channel": ""},
        {"channel": "D0DM"},  # a DM is never a shared channel
        {"type": "app_mention"},
    ],
)
def test_everything_else_is_not(changes: dict[str, Any]) -> None:
    assert client_message(event(**changes), OURS) is None


def test_user_team_decides_when_team_says_otherwise() -> None:
    assert client_message(event(user_team=OURS, team=THEIRS), OURS) is None
    assert client_message(event(user_team=THEIRS, team=OURS), OURS) is not None


@pytest.mark.parametrize(
    "changes",
    [
        {"thread_ts": "1795770000.000100", "parent_user_id": "U0ALICE"},
        {"subtype": "thread_broadcast", "thread_ts": "1795770000.000100"},
        {"subtype": "file_share", "text": ""},
    ],
    ids=["thread reply", "thread reply also sent to the channel", "a file"],
)
def test_replies_in_threads_and_with_files_count(changes: dict[str, Any]) -> None:
    assert client_message(event(**changes), OURS) is not None


def test_without_knowing_our_own_workspace_nothing_counts() -> None:
    assert client_message(event(), None) is None


def test_the_day_it_was_written_is_in_the_workspace_time_zone() -> None:
    late = client_message(event(ts="1795820400.000100"), OURS)  # 27 Nov 23:00 UTC
    assert late is not None
    assert late.sent_on(ZoneInfo("UTC")) == date(2026, 11, 27)
    assert late.sent_on(ZoneInfo("Europe/Berlin")) == date(2026, 11, 28)


@given(st.dictionaries(st.sampled_from(list(event())), st.none() | st.text(max_size=12)))
def test_any_payload_shape_is_answered_without_crashing(changes: dict[str, Any]) -> None:
    found = client_message(event(**changes), OURS)
    assert found is None or found.author and found.channel
