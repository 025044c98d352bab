"""What `/client status` says of a client's habits."""

from __future__ import annotations

from domain.insights import Insight
from ui.agenda import habits


def test_habits_count_one_invoice_or_request_in_the_singular() -> None:
    one = habits(Insight(reply_days=2, replies=1, late_days=13, paid=1))
    assert "(1 request)" in one and "(1 invoice)" in one
    two = habits(Insight(reply_days=2, replies=2, late_days=13, paid=2))
    assert "(2 requests)" in two and "(2 invoices)" in two
