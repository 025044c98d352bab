"""What `/client status` says of a client's habits."""

from __future__ import annotations

from domain.insights import Insight
from ui.agenda import Links, habits


def test_habits_count_one_invoice_or_request_in_the_singular() -> None:
    one = habits(Insight(reply_days=2, replies=1, late_days=13, paid=1))
    assert "(1 request)" in one and "(1 invoice)" in one
    two = habits(Insight(reply_days=2, replies=2, late_days=13, paid=2))
    assert "(2 requests)" in two and "(2 invoices)" in two


def test_a_thread_link_is_built_as_slack_builds_a_permalink() -> None:
    links = Links("https://acme.slack.com/")
    assert links.get(("C0NUDGES", "1793000001.000100")) == (
        "https://acme.slack.com/archives/C0NUDGES/p1793000001000100"
    )
    assert Links("https://acme.slack.com").get(("D01", "1.000002")) == (
        "https://acme.slack.com/archives/D01/p1000002"
    )
    # No workspace address (Slack couldn't say), or no thread: no link, the item shows plain.
    assert Links().get(("C0NUDGES", "1793000001.000100")) is None
    assert links.get(("", "1793000001.000100")) is None and links.get(("C0", "")) is None
