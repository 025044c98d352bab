"""The team's one-line alert above each suggestion."""

from __future__ import annotations

from datetime import date

from domain.nudges import due_nudges
from tests.domain.test_nudges import client_record, invoice, logged
from ui.suggestions import Suggestions
from ui.wording import Wording


def headline(*invoices) -> str:
    record = logged(client_record(), *invoices)
    (due,) = due_nudges(record, date(2026, 12, 8))
    suggestions = Suggestions(Wording.load(None), route=lambda _r: None)  # type: ignore[arg-type,return-value]
    return suggestions.headline(record, due.situation, due)


def test_the_overdue_alert_names_one_invoice_or_several_in_step_with_its_grammar() -> None:
    one = headline(invoice(date(2026, 11, 2), due=date(2026, 11, 30)))
    assert ": invoice #" in one and ", 8 days overdue since Mon 30 Nov 2026." in one
    two = headline(
        invoice(date(2026, 11, 2), due=date(2026, 11, 30)),
        invoice(date(2026, 11, 20), due=date(2026, 12, 4)),
    )
    # Several read as several, and the count of days is the oldest's, since its due day.
    assert ": invoices #" in two and " and #" in two and " is " not in two
    assert ", 8 days overdue since Mon 30 Nov 2026." in two


def test_history_names_a_nudge_by_its_situation_and_step_never_its_key() -> None:
    from datetime import UTC, datetime

    from domain.models import Interaction, Kind
    from ui.replies import _event_line

    at = datetime(2026, 12, 16, 10, tzinfo=UTC)
    line = _event_line(
        Interaction(
            7,
            Kind.NUDGED,
            date(2026, 12, 16),
            "tactful",
            at,
            "overdue, step 2",
            ref="overdue:inv-K-101:2",
        )  # fmt: skip
    )
    assert "nudge posted “overdue, step 2”" in line and "inv-K-101" not in line
