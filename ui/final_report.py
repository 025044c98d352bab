"""The client-facing final report, drafted in the client's language from the record alone.

Each line comes from the wording files (`final_report:`) and is used only when the record shows
its facts: what was done, what is still open, what is owed, and how the handover works.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from domain.invoices import balance
from domain.models import ClientRecord
from domain.money import format_money, format_totals
from domain.report import EngagementReport
from ui.client_text import first_name
from ui.dates import client_date
from ui.wording import Wording

# Open asks and unpaid invoices listed by name; more than this are counted, not listed.
MAX_LISTED = 10


def _listed(items: list[str]) -> str:
    shown = items[:MAX_LISTED]
    more = len(items) - len(shown)
    return "; ".join(shown) + (f" (+{more})" if more > 0 else "")


def draft(
    wording: Wording, record: ClientRecord, report: EngagementReport, today: date | None = None
) -> str:
    """The draft as plain text (escape it before showing it in Slack)."""
    lang, client = record.client.lang, record.client
    line = lambda key, **values: wording.final_report_line(lang, key, values)  # noqa: E731
    contact = first_name(client.contact, client.greet) or wording.default_contact(lang)
    done = []
    if report.since:
        done.append(
            line("done_since", since=client_date(report.since, lang, today or report.since))
        )
    if report.revisions:
        done.append(line("done_revisions", revisions=str(report.revisions)))
    if report.invoiced:
        done.append(
            line(
                "done_invoiced",
                invoiced=format_totals(report.invoiced, lang),
                paid=format_totals(report.paid, lang, none="") or format_money_zero(report, lang),
            )
        )
    asks = [a.what for a in record.state.open_asks]
    # What is still owed on each, never the original total once something was paid.
    unpaid = [f"#{i.ref} {format_money(balance(i), lang)}" for i in record.state.unpaid]
    paragraphs = [
        line("greeting", contact=contact),
        line("intro"),
        " ".join(done),
        line("open_some", asks=_listed(asks)) if asks else line("open_none"),
        line("owed_some", owed=_listed(unpaid)) if unpaid else line("owed_none"),
        line("handover_owed") if unpaid else line("handover_paid"),
        line("closing"),
    ]
    return "\n\n".join(p for p in paragraphs if p)


def format_money_zero(report: EngagementReport, lang: str = "en") -> str:
    """Nothing paid yet, in the invoices' currency."""
    return format_money(replace(report.invoiced[0], amount=Decimal(0)), lang)
