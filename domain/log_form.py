"""The "Log interaction" form as a `/client` command. Pure.

The form is a way to type a command without remembering it: its fields are written out as the
command a person would type, and that text goes through the same grammar and service as
`/client ...`, so every rule and every error message applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.inputs import InputError, escape

# What the form can log, in the order it offers them, with the label it shows.
KINDS = {
    "asked": "We asked them for something",
    "heard": "They replied",
    "note": "A note (call, meeting...)",
    "revision": "They demanded a revision",
    "invoice": "We sent an invoice",
    "paid": "They paid",
    "promised": "They promised to pay",
}


@dataclass(frozen=True)
class LogForm:
    client: str  # the client's name
    kind: str
    text: str = ""  # typed as in a form: raw, not escaped like a slash command's text
    on: date | None = None
    amount: str = ""


class FieldError(InputError):
    """A field that is missing or can't be used; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def as_command(form: LogForm) -> str:
    """The `/client` command the form stands for (the text after `/client`)."""
    if form.kind not in KINDS:
        raise FieldError("kind", "Pick what happened.")
    if not form.client:
        raise FieldError("client", "Pick a client.")
    # Slack sends a slash command's text escaped; the form's text arrives as typed.
    name, text = (
        escape(form.client),
        escape(" ".join(form.text.split()) if form.kind != "note" else form.text.strip()),
    )
    head = f'{form.kind} "{name}"'
    on = form.on.isoformat() if form.on else ""
    if form.kind == "invoice":
        if not form.amount.strip():
            raise FieldError("amount", "An invoice needs its amount, e.g. 1,200 or £900.")
        if not on:
            raise FieldError("date", "Pick the invoice's due date.")
        return f"{head} {escape(form.amount.strip())} due {on} {_ref(text)}".strip()
    if form.kind == "promised":
        if not on:
            raise FieldError("date", "Pick the day they promised to pay by.")
        return f"{head} {on} {_ref(text)}".strip()
    if form.kind == "paid":
        return f"{head} {_ref(text)} {'on ' + on if on else ''}".strip()
    if form.amount.strip():
        raise FieldError("amount", "Only an invoice has an amount; leave it empty.")
    return f"{head} {text} {'on ' + on if on else ''}".strip()


def _ref(text: str) -> str:
    """An invoice reference typed in the text box: `#INV-7`, or `INV-7` without its #."""
    ref = text.strip()
    if not ref:
        return ""
    if " " in ref:
        raise FieldError(
            "text", "For an invoice, the text box takes its reference only, e.g. #INV-7."
        )
    return ref if ref.startswith("#") else f"#{ref}"
