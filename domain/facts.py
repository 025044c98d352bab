"""What the record shows about one situation, typed: the only facts suggested wording may state.

`domain/nudges.py` fills these; the wording (ui/wording.py and wording/*.yml) reads them and may
claim something only when its fact says so: "following earlier late payments" only when
`paid_late_before`, "work has been paused since …" only when `paused_since` is set (a pause
message was approved), "as we wrote on …" only when `previous_on` is set. `cited()` lists the
facts a message rests on, for its "why" line. Pure.

The ladder, the same length for every situation (README, "Escalation"):
  step 1  gentle, face-saving;
  step 2  firm, and names the consequence and its date (`consequence_on`);
  step 3  the consequence has happened since that date (`consequence_on` = the warned date);
          only ever after an approved step 2;
  then    no more client messages: the team is reminded every FINAL_REPEAT_DAYS while it
          lasts (`repeat` > 0), with its options.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.invoices import balance
from domain.models import Answer, Ask, Invoice


@dataclass(frozen=True, kw_only=True)
class Facts:
    """What every situation's facts share: where the episode is on its ladder."""

    # The step of the message suggested now (1 to 3), or the last step for a team reminder.
    step: int = 1
    # The day the team approved the last client message of this episode; None if none was.
    previous_on: date | None = None
    # That message's step (0 if none).
    previous_step: int = 0
    # The consequence date named in an approved step-2 warning; None if no warning was approved.
    warned_on: date | None = None
    # The date a step-3 message said the consequence took effect; set only once it was approved.
    paused_since: date | None = None
    # The date this message names: at step 2 the date the consequence will take effect, at
    # step 3 the date it took effect (the warned date). None at step 1.
    consequence_on: date | None = None
    # The nth team reminder after the last step (0: a client message).
    repeat: int = 0

    @property
    def is_reminder(self) -> bool:
        """A team-only reminder: there is no client message to approve."""
        return self.repeat > 0

    def cited(self) -> tuple[tuple[str, date | int | str | bool], ...]:
        """The facts this message may state, as (name, value), for the "why" line."""
        out: list[tuple[str, date | int | str | bool]] = [("step", self.step)]
        for name in ("previous_on", "warned_on", "paused_since", "consequence_on"):
            value = getattr(self, name)
            if value is not None:
                out.append((name, value))
        if self.repeat:
            out.append(("repeat", self.repeat))
        return tuple(out) + self._own()

    def _own(self) -> tuple[tuple[str, date | int | str | bool], ...]:
        return ()

    @property
    def key(self) -> str:
        """What a suggestion is specific to beyond its episode ("" for most situations)."""
        return ""


@dataclass(frozen=True, kw_only=True)
class QuietFacts(Facts):
    """We asked for something and heard nothing back."""

    # The open requests this step is about, oldest first (the first is the one whose clock
    # runs longest): at step 1 every open one; after, those an approved message already named.
    asks: tuple[Ask, ...]
    asked_on: date
    # Business days since the oldest open request.
    days: int
    # Open requests no approved message has named yet: each starts at step 1, so they are
    # mentioned gently, never folded into a warning about the older ones.
    fresh: tuple[Ask, ...] = ()
    # What they answered on the day this episode began (a partial reply): thanked for.
    thanks: tuple[Answer, ...] = ()

    def _own(self):
        return (
            ("open_requests", len(self.asks) + len(self.fresh)),
            ("asked_on", self.asked_on),
            ("days", self.days),
        )


@dataclass(frozen=True, kw_only=True)
class OverdueFacts(Facts):
    """Money is owed past its due date."""

    # The overdue invoices chased today, oldest due first; what each still owes is
    # `domain.invoices.balance(invoice)`.
    invoices: tuple[Invoice, ...]
    # The oldest one's true age, in days.
    days_overdue: int
    # They promised to pay by this date and the date has passed; None otherwise.
    promise_broken_on: date | None = None
    # True only when an earlier invoice of theirs was paid after its due date.
    paid_late_before: bool = False

    def _own(self):
        out: tuple[tuple[str, date | int | str | bool], ...] = (
            ("invoices", len(self.invoices)),
            ("days_overdue", self.days_overdue),
        )
        if self.promise_broken_on is not None:
            out += (("promise_broken_on", self.promise_broken_on),)
        if self.paid_late_before:
            out += (("paid_late_before", True),)
        return out

    @property
    def key(self) -> str:
        # A part payment changes the amount asked for: the suggestion is then out of date.
        return ",".join(sorted(f"{i.ref}={balance(i).amount}" for i in self.invoices))


@dataclass(frozen=True, kw_only=True)
class ControllingFacts(Facts):
    """Rounds of revision or approval demands pile up."""

    # Rounds of changes within the window (one `/client revision` line is one round, however
    # many items it lists).
    rounds: int
    window_days: int
    # The approval rhythm the client agreed (`/client agreed`), "" if none, and when.
    agreed: str = ""
    agreed_on: date | None = None

    def _own(self):
        out: tuple[tuple[str, date | int | str | bool], ...] = (
            ("rounds", self.rounds),
            ("window_days", self.window_days),
        )
        if self.agreed:
            out += (("agreed", self.agreed),)
        return out


SituationFacts = QuietFacts | OverdueFacts | ControllingFacts
