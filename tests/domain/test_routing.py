"""Where a client's nudges go: one function, in order of preference."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from domain.models import Client
from domain.routing import Route, Via, nudge_route

BARE = Client(
    "T1", "c1", "acme", created_by="U0ADDER", created_at=datetime(2026, 11, 2, tzinfo=UTC)
)


@pytest.mark.parametrize(
    ("changes", "nudge_channel", "expected"),
    [
        (
            {"channel": "C0ACME", "owner": "U0OWNER"},
            "C0NUDGES",
            Route(Via.CLIENT_CHANNEL, "C0ACME"),
        ),
        ({"owner": "U0OWNER"}, "C0NUDGES", Route(Via.NUDGE_CHANNEL, "C0NUDGES")),
        ({"owner": "U0OWNER"}, "", Route(Via.OWNER_DM, "U0OWNER")),
        ({"owner": "W0GRID"}, "", Route(Via.OWNER_DM, "W0GRID")),
        ({}, "", Route(Via.CREATOR_DM, "U0ADDER")),
        # Only a person can be sent a DM: no Slack user ID anywhere means nowhere to go.
        ({"created_by": "someone"}, "", Route(Via.NOWHERE)),
        ({"created_by": ""}, "", Route(Via.NOWHERE)),
    ],
)
def test_channel_then_nudge_channel_then_owner_then_whoever_added_it(
    changes: dict, nudge_channel: str, expected: Route
) -> None:
    route = nudge_route(replace(BARE, **changes), nudge_channel)
    assert route == expected
    assert route.is_dm == (expected.via in (Via.OWNER_DM, Via.CREATOR_DM))
