"""A suggested client message, filled from a situation's typed facts (domain/facts.py) and
nothing else: each placeholder states only what its fact shows, in the client's language.

The message is the wording file's template, then (overdue only) the payment line, then the
closing and the sign-off. Pure: `today` and the settings are passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from domain.calendar import WEEKDAYS_ONLY, WorkCalendar
from domain.facts import ControllingFacts, OverdueFacts, QuietFacts, SituationFacts
from domain.invoices import owed, paid_so_far
from domain.models import ClientRecord, Invoice, Money, NudgeStatus, TextVersion
from domain.money import format_money, totals
from domain.nudges import CONTROLLING, DEFAULT_LADDERS, OVERDUE, QUIET, TOP_STAGE
from ui.client_text import (
    MAX_NAMED_REQUESTS,
    and_list,
    count,
    deadline,
    first_name,
    invoices_phrase,
    money_total,
    requests_phrase,
    tidy_request,
)
from ui.dates import client_date
from ui.wording import AGREED, AGREED_STEPS, Wording


@dataclass(frozen=True)
class Letterhead:
    """What the agency puts on every message: where to pay, how it signs off, and the working
    calendar deadlines are counted on (None: Monday to Friday)."""

    payment_details: str = ""
    sign_off: str = ""
    # PAYMENT_DETAILS_<CURRENCY>, as (code, details) pairs.
    payment_details_by_currency: tuple[tuple[str, str], ...] = ()
    payment_details_cy: str = ""
    sign_off_cy: str = ""
    calendar: WorkCalendar = WEEKDAYS_ONLY
    # Working days a client is given to answer where no consequence date is named: the
    # ladder's gap (MIN_GAP_DAYS), so the next step never comes before the day named.
    reply_days: int = DEFAULT_LADDERS.min_gap_days

    def payment_details_for(self, currency: str, lang: str) -> str:
        """Where to pay money in `currency`, for a client writing `lang` ("" if nowhere).

        Bank details follow the money: the currency's own details beat the Welsh ones, since
        an account in the wrong currency is a wrong fact, and English words under Welsh text
        only a lapse of style. The Welsh ones are PAYMENT_DETAILS reworded, so they stand in
        for it wherever it would be used."""
        by_currency = dict(self.payment_details_by_currency)
        if currency in by_currency:
            return by_currency[currency]
        if lang == "cy" and self.payment_details_cy:
            return self.payment_details_cy
        return self.payment_details

    def sign_off_for(self, lang: str) -> str:
        """The name under the closing: SIGN_OFF_CY for Welsh clients where set, else SIGN_OFF
        (a name alone reads in any language)."""
        return self.sign_off_cy if lang == "cy" and self.sign_off_cy else self.sign_off


def named_days(wording: Wording, days: Iterable[date], lang: str, today: date) -> str:
    """Each distinct day, oldest first; past MAX_NAMED_REQUESTS, the first few and the rest
    counted (always two or more, so plural), so a message stays short however many there are."""
    distinct = sorted(set(days))
    if len(distinct) <= MAX_NAMED_REQUESTS:
        return and_list([client_date(d, lang, today) for d in distinct], lang)
    shown = distinct[: MAX_NAMED_REQUESTS - 1]
    left = wording.line(lang, "other_days", {"count": str(len(distinct) - len(shown))})
    return and_list([*(client_date(d, lang, today) for d in shown), left], lang)


def named_requests(wording: Wording, asks: Sequence[str], lang: str) -> str:
    """The first MAX_NAMED_REQUESTS of `asks` (oldest first, as facts list them) by name, and
    the rest counted: "the logo, the copy, … and 7 more"."""
    left = len(asks) - MAX_NAMED_REQUESTS
    more = wording.line(lang, "more_requests", {"count": str(left)}) if left > 0 else ""
    return requests_phrase(asks[:MAX_NAMED_REQUESTS], lang, more)


def situation_of(facts: SituationFacts) -> str:
    if isinstance(facts, QuietFacts):
        return QUIET
    if isinstance(facts, OverdueFacts):
        return OVERDUE
    return CONTROLLING


def greeting_name(wording: Wording, record: ClientRecord) -> str:
    c = record.client
    return first_name(c.contact, getattr(c, "greet", "")) or wording.default_contact(c.lang)


def client_values(
    wording: Wording,
    record: ClientRecord,
    facts: SituationFacts,
    today: date,
    letterhead: Letterhead = Letterhead(),
) -> dict[str, str]:
    """Every placeholder of the message for `facts`, as plain text in the client's language."""
    c = record.client
    lang = c.lang

    def on(d: date) -> str:
        return client_date(d, lang, today)

    def dates_phrase(days: list[date]) -> str:
        return named_days(wording, days, lang, today)

    def asked_in(days: list[date]) -> str:
        # A request is asked in a message of its day: several days are several messages.
        key = "note_on" if len(set(days)) == 1 else "notes_on"
        return wording.line(lang, key, {"on": dates_phrase(days)})

    values = {"client": c.name, "contact": greeting_name(wording, record)}
    values["previous"] = (
        wording.line(lang, "previous_on", {"on": on(facts.previous_on)})
        if facts.previous_on
        else wording.line(lang, "previous_unknown")
    )
    # Step 3 states the consequence took effect on the date step 2 named.
    values["since"] = on(facts.consequence_on or facts.warned_on or today)
    if facts.step == 2 and facts.consequence_on:
        values["deadline"] = client_date(facts.consequence_on, lang, today, deadline=True)
    else:
        values["deadline"] = deadline(today, letterhead.reply_days, lang, letterhead.calendar)
    if isinstance(facts, QuietFacts):
        values |= {
            "asks": named_requests(wording, [a.what for a in facts.asks], lang),
            # Each request's own day: "asked on Mon 16 and Tue 17" must not date both on the first.
            "asked_on": dates_phrase([a.asked_on for a in facts.asks] or [facts.asked_on]),
            "asked_in": asked_in([a.asked_on for a in facts.asks] or [facts.asked_on]),
            "waited": count(facts.days, "working_day", lang),
        }
    elif isinstance(facts, OverdueFacts):
        invoices = facts.invoices
        values |= {
            "invoices": invoices_phrase(invoices, lang, today),
            # What is still owed, never the original total once something was paid.
            "amount": _still_owed(wording, lang, invoices),
            # Each invoice's own due day: a total "was due on" the earliest would be untrue.
            "due_on": dates_phrase([i.due_on for i in invoices]),
            "late_by": count(facts.days_overdue, "day", lang),
            "promise": _promise(wording, lang, facts, today) if facts.promise_broken_on else "",
            "history": wording.line(lang, "history") if facts.paid_late_before else "",
            # The pause's last day before the end: the reply time every step gives.
            "handover": wording.line(lang, "handover_paused", {"last_day": values["deadline"]}),
        }
    else:
        rhythm = tidy_request(facts.agreed, lang) if facts.agreed else ""
        if rhythm and lang == "cy":
            rhythm = f"“{rhythm}”"
        still_owed = owed(record.state.invoices)
        if facts.agreed_on is not None:
            values["agreed_on"] = on(facts.agreed_on)
        values |= {
            "rounds": count(facts.rounds, "round", lang),
            "window": count(facts.window_days, "day", lang),
            "rhythm": rhythm or wording.line(lang, "rhythm_default"),
            "handover": (
                wording.line(
                    lang,
                    "handover_owed",
                    {"amount": money_total(still_owed, lang), "since": values["since"]},
                )
                if still_owed
                else wording.line(lang, "handover_clear", {"since": values["since"]})
            ),
        }
    return values


def _promise(wording: Wording, lang: str, facts: OverdueFacts, today: date) -> str:
    """The promise they broke, naming the invoices it was for when it wasn't all of them:
    "you'd let us know to expect it" about three invoices, one of them promised, is untrue."""
    assert facts.promise_broken_on is not None
    invoices = facts.invoices
    key = (
        "promise"
        if facts.step == 1
        # Some of it came since our last message: "it still hasn't arrived" would be untrue.
        else "promise_part"
        if any(
            i.last_paid_on is not None
            and (facts.previous_on is None or i.last_paid_on >= facts.previous_on)
            for i in invoices
        )
        else "promise_firm"
    )
    values = {"on": client_date(facts.promise_broken_on, lang, today)}
    promised = [i for i in invoices if i.promised_by == facts.promise_broken_on]
    if promised and len(promised) < len(invoices):
        key, values["invoices"] = f"{key}_for", invoices_phrase(promised, lang, today)
    return wording.line(lang, key, values)


def payment_line(
    wording: Wording, record: ClientRecord, facts: OverdueFacts, letterhead: Letterhead
) -> str:
    """Where to pay: the client's own `pay` link, else the letterhead's details for each
    currency owed (`Letterhead.payment_details_for`), else an offer to resend the invoice.

    Money in two currencies that are paid the same way gets one line; paid different ways,
    a line per currency naming what goes there, and the offer for any currency with none."""
    lang = record.client.lang
    link = getattr(record.client, "pay", "")
    if link:
        return wording.line(lang, "pay_link", {"pay": link})
    amounts = totals(owed(facts.invoices)) or (Money(Decimal(0), ""),)
    each = [(m, letterhead.payment_details_for(m.currency, lang)) for m in amounts]
    ways = {details for _, details in each}
    if ways == {""}:
        return wording.line(lang, "pay_ask")
    if len(ways) == 1:
        return wording.line(lang, "pay_details", {"pay": ways.pop()})
    lines = [
        wording.line(lang, "pay_details_for", {"amount": format_money(m, lang), "pay": details})
        for m, details in each
        if details
    ]
    if "" in ways:
        lines.append(wording.line(lang, "pay_ask"))
    return "\n".join(lines)


def client_message(
    wording: Wording,
    record: ClientRecord,
    facts: SituationFacts,
    today: date,
    letterhead: Letterhead = Letterhead(),
) -> str:
    """The whole suggested message, plain text (escaped where it is shown in mrkdwn)."""
    c = record.client
    situation = situation_of(facts)
    # After the client agreed a rhythm, the later steps hold them to it.
    agreed = (
        isinstance(facts, ControllingFacts)
        and bool(facts.agreed)
        and facts.agreed_on is not None
        and facts.step in AGREED_STEPS
    )
    body = wording.suggestion(
        c.lang,
        AGREED if agreed else situation,
        facts.step,
        c.client_type.value,
        client_values(wording, record, facts, today, letterhead),
    )
    thanks = _thanks(wording, c.lang, facts, today)
    if thanks:
        # Thanks first, straight after the greeting: then what is still open.
        greeting, comma, rest = body.partition(", ")
        if comma and rest:
            body = f"{greeting}, {thanks[0].lower()}{thanks[1:]}\n\n{rest[0].upper()}{rest[1:]}"
    parts = [body]
    if isinstance(facts, QuietFacts) and facts.fresh:
        fresh = facts.fresh
        on = named_days(wording, (a.asked_on for a in fresh), c.lang, today)
        what = named_requests(wording, [a.what for a in fresh], c.lang)
        parts.append(wording.line(c.lang, "also_asked", {"asks": what, "asked_on": on}))
    if isinstance(facts, OverdueFacts):
        parts.append(payment_line(wording, record, facts, letterhead))
        if facts.step < TOP_STAGE and not thanks:
            # A payment may cross a reminder or a warning; after the pause it would be news,
            # and after thanks for one that came it would contradict them.
            parts.append(wording.line(c.lang, "already_paid"))
    closing = wording.line(c.lang, "closing")
    sign_off = letterhead.sign_off_for(c.lang)
    parts.append(f"{closing}\n{sign_off}" if sign_off else closing)
    return "\n\n".join(parts)


def _still_owed(wording: Wording, lang: str, invoices: Sequence[Invoice]) -> str:
    """What is still owed; "the remaining …" once part of it was paid, so the figure is never
    read as the whole."""
    amount = money_total(owed(invoices), lang)
    if any(i.paid > 0 for i in invoices):
        return wording.line(lang, "remaining", {"amount": amount})
    return amount


def _thanks(wording: Wording, lang: str, facts: SituationFacts, today: date) -> str:
    """What came since the last message, thanked for: requests answered (a partial reply), or
    money towards what is still owed (a part payment)."""
    if isinstance(facts, QuietFacts) and facts.thanks:
        what = named_requests(wording, [a.what for a in facts.thanks], lang)
        on = client_date(facts.thanks[0].answered_on, lang, today)
        return wording.line(lang, "thanks", {"asks": what, "on": on})
    if isinstance(facts, OverdueFacts):
        since = facts.previous_on
        came = [
            i
            for i in facts.invoices
            if i.last_paid_on is not None and (since is None or i.last_paid_on >= since)
        ]
        if came:
            last = max(i.last_paid_on for i in came if i.last_paid_on is not None)
            amount = money_total([paid_so_far(i) for i in came], lang)
            return wording.line(
                lang, "part_paid", {"amount": amount, "on": client_date(last, lang, today)}
            )
    return ""


def regreeted(
    wording: Wording, before: ClientRecord, after: ClientRecord, by: str, now: datetime
) -> tuple[ClientRecord, tuple[str, ...]]:
    """After the contact (or `greet as`) changed: every posted, undecided suggestion greets
    the new name, as a new version of its text; returns the record and the refreshed keys.

    Only the greeting changes, so an edit the team made to the rest is kept; a text whose
    greeting was rewritten by hand is left alone."""
    old, new = greeting_name(wording, before), greeting_name(wording, after)
    if old == new:
        return after, ()
    nudges, keys = dict(after.nudges), []
    for key, nudge in after.nudges.items():
        if nudge.status is not NudgeStatus.POSTED or not nudge.versions:
            continue
        text = nudge.versions[-1].text
        greeting, comma, rest = text.partition(",")
        if not comma or not greeting.endswith(f" {old}") or "\n" in greeting:
            continue
        text = f"{greeting[: -len(old)]}{new},{rest}"
        nudges[key] = replace(nudge, versions=(*nudge.versions, TextVersion(text, by, now)))
        keys.append(key)
    return replace(after, nudges=nudges), tuple(keys)
