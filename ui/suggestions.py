"""What the team sees of a nudge: the alert, the suggested message in its thread with the "why"
line, and the dry run's plain-text preview. Built from the typed facts (domain/facts.py) and the
wording files; nothing here posts or stores."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from babel.lists import format_list

from domain.facts import ControllingFacts, OverdueFacts, QuietFacts
from domain.invoices import owed
from domain.models import ClientRecord, Nudge
from domain.money import format_totals
from domain.nudges import Due, Ladders, as_recorded, is_reminder
from domain.routing import Route, Via
from ui import nudges as ui
from ui.client_message import Letterhead, client_message
from ui.mrkdwn import literal
from ui.plaintext import mrkdwn_to_text
from ui.replies import day, days
from ui.wording import Wording


class Suggestions:
    def __init__(
        self,
        wording: Wording,
        route: Callable[[ClientRecord], Route],
        letterhead: Letterhead | None = None,
    ) -> None:
        self.wording, self.route = wording, route
        self.letterhead = letterhead or Letterhead()

    def values(self, record: ClientRecord, due: Due) -> dict[str, str]:
        """Values for the team's alert (English, plain text; escaped where shown in mrkdwn).
        The client's message is filled by ui/client_message.py."""
        client = record.client
        values = {
            "client": client.name,
            "contact": client.contact or self.wording.default_contact(client.lang),
        }
        facts = due.facts
        if isinstance(facts, QuietFacts):
            values |= {
                # Every open request, oldest first, not only the one whose clock runs longest.
                # In the team's language, whatever the client's ("a(c)" is Welsh's "and").
                "asked_what": format_list([a.what for a in facts.asks], locale="en"),
                "asked_on": day(facts.asked_on),
                "days": str(facts.days),
            }
        elif isinstance(facts, OverdueFacts):
            invoices = facts.invoices
            values |= {
                # "invoice #A" or "invoices #A and #B": the header's grammar follows the count.
                "refs": ("invoice " if len(invoices) == 1 else "invoices ")
                + format_list([f"#{i.ref}" for i in invoices], locale="en"),
                # What is still owed, never the original total once something was paid.
                "amount": format_totals(owed(invoices), client.lang),
                "due_on": day(min(i.due_on for i in invoices)),
                "days_overdue": days(facts.days_overdue),
                "days": str(facts.days_overdue),
            }
        elif isinstance(facts, ControllingFacts):
            values |= {
                "revisions": str(facts.rounds),
                "window_days": str(facts.window_days),
                "days": str(facts.window_days),
            }
        return values

    def text(self, record: ClientRecord, due: Due, today: date) -> str:
        c = record.client
        if due.facts.is_reminder:
            # For the team, in the team's language: there is no client message after the last step.
            return self.wording.team(
                "final_repeat",
                {
                    "client": c.name,
                    "repeat": str(due.facts.repeat),
                    # What fits the situation: money can go to collections, a request can't.
                    "options": self.wording.team(f"final_options_{due.situation}", {}),
                },
            )
        facts = due.facts if due.facts.step == due.stage else replace(due.facts, step=due.stage)
        return client_message(self.wording, record, facts, today, self.letterhead)

    def thread_body(
        self,
        record: ClientRecord,
        nudge: Nudge,
        footer: list[str],
        *,
        open_: bool,
        sent_button: bool = False,
        email: str = ui.EMAIL_NONE,
    ) -> dict[str, Any]:
        """The thread reply for a nudge: its latest text, why this wording, and a footer."""
        c = record.client
        why = self.wording.why(c.lang, nudge.situation, nudge.stage, c.client_type.value, c.name)
        # A reminder after the last step is for the team alone: never headed as a message.
        intro_key = "reminder_intro" if is_reminder(nudge) else "suggestion_intro"
        intro = self.wording.team(intro_key, {"client": c.name})
        return ui.thread_message(
            intro,
            why,
            nudge.versions[-1].text,
            c.client_id,
            nudge.key,
            footer,
            open_=open_,
            sent_button=sent_button,
            reminder=is_reminder(nudge),
            email=email,
            email_id=nudge.email_id,
            client_name=c.name,
        )

    def headline(self, record: ClientRecord, situation: str, due: Due | None) -> str:
        """The team's one-line alert, as escaped mrkdwn."""
        owner = record.client.owner
        mention = f"<@{owner}> " if owner else ""
        if due is None:  # no facts left to fill in (only for a retried, already-attempted post)
            return f"{mention}*{literal(record.client.name)}* needs attention ({situation})."
        # One line: a line break in a logged ask must not start a line of its own in the alert.
        values = {k: literal(" ".join(v.split())) for k, v in self.values(record, due).items()}
        return self.wording.team(f"nudge_{situation}", {**values, "owner": mention})

    def alert(
        self, record: ClientRecord, situation: str, stage: int, late: bool, due: Due | None
    ) -> dict[str, Any]:
        stage_line = self.wording.stage_line(situation, stage)
        late_line = self.wording.team("late", {}) if late else ""
        why_you = ""
        if self.route(record).via is Via.CREATOR_DM:
            why_you = ui.creator_dm_line(record.client.name)
        return ui.alert(self.headline(record, situation, due), stage_line, late_line, why_you)

    def preview(
        self, record: ClientRecord, item: Due | Nudge, today: date, ladders: Ladders
    ) -> str:
        if isinstance(item, Nudge):
            due = as_recorded(record, item, today, ladders)
            if due is None:
                return f"[{record.client.name}] {item.key}: pending, no longer needed (would be dropped)"
            item = due
        # Plain text, not Block Kit: a dry run over a big store previews thousands of these.
        headline = mrkdwn_to_text(self.headline(record, item.situation, item)).replace("*", "")
        text = self.text(record, item, today)
        late = " (late: earlier steps were missed)" if item.late else ""
        return f"[{record.client.name}] {item.key}{late}\n{headline}\n  suggested: {text}"
