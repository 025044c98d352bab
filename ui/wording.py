"""Suggested wording from the data files in `wording/` (one YAML file per language).

Templates use `string.Template` (`${client}`): substitution only, so a workspace's own copy
(WORDING_PATH) can't run code or reach Python attributes the way `str.format` could.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template
from typing import Any

import yaml

from domain.models import ClientType
from domain.nudges import CONTROLLING, OVERDUE, QUIET, SITUATIONS, TOP_STAGE

# libyaml's safe loader when PyYAML has it: the same documents, read ~10x faster (start-up).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SHIPPED = Path(__file__).resolve().parent.parent / "wording"
DEFAULT_LANGUAGE = "en"
MAX_SUGGESTION = 2500  # leaves room in a 3,000-character section for the framing
# A mail subject line (RFC 5322 recommends lines under 78 characters).
MAX_EMAIL_SUBJECT = 78

COMMON = {"client", "contact"}
PLACEHOLDERS = {
    QUIET: COMMON | {"asks", "asked_on", "asked_in", "waited", "deadline", "previous", "since"},
    OVERDUE: COMMON
    | {
        "invoices",
        "amount",
        "due_on",
        "late_by",
        "deadline",
        "previous",
        "since",
        "promise",
        "history",
        "handover",
    },
    CONTROLLING: COMMON
    | {"rounds", "window", "rhythm", "deadline", "previous", "since", "handover"},
}
# The controlling steps after the client agreed a rhythm (`/client agreed`): steps 2 and 3 only,
# since proposing a rhythm (step 1) is done once one is agreed.
AGREED = "controlling_agreed"
AGREED_STEPS = (2, 3)
PLACEHOLDERS[AGREED] = PLACEHOLDERS[CONTROLLING] | {"agreed_on"}
# The sentences client messages are built from (`lines:` in each language's file).
LINE_PLACEHOLDERS = {
    "pay_link": {"pay"},
    "pay_details": {"pay"},
    "pay_details_for": {"amount", "pay"},
    "pay_ask": set(),
    "already_paid": set(),
    "history": set(),
    "also_asked": {"asks", "asked_on"},
    # The requests past the first few a message names, and the days past its first few.
    "more_requests": {"count"},
    "other_days": {"count"},
    "thanks": {"asks", "on"},
    "promise_part": {"on"},
    "part_paid": {"amount", "on"},
    "remaining": {"amount"},
    "promise": {"on"},
    "promise_firm": {"on"},
    "handover_paused": {"last_day"},
    "handover_owed": {"amount", "since"},
    "handover_clear": {"since"},
    "previous_on": {"on"},
    "previous_unknown": set(),
    "note_on": {"on"},
    "notes_on": {"on"},
    "rhythm_default": set(),
    "closing": set(),
}
TEAM_PLACEHOLDERS = {
    "nudge_quiet": {"owner", "client", "days", "asked_what", "asked_on"},
    "nudge_overdue": {"owner", "client", "amount", "refs", "days_overdue", "due_on"},
    "nudge_controlling": {"owner", "client", "revisions", "window_days"},
    "late": set(),
    "suggestion_intro": {"client"},
    "reminder_intro": {"client"},
    "final_repeat": {"client", "repeat", "options"},
    "final_options_quiet": set(),
    "final_options_overdue": set(),
    "final_options_controlling": set(),
    "default_contact": set(),
    "backlog_one": {"count", "clients", "step", "situation"},
    "backlog_many": {"count", "groups"},
    "backlog_group": {"count", "step", "situation"},
    "backlog_how": {"cap"},
    "backlog_step_1": set(),
    "backlog_step_2": set(),
    "backlog_step_3": set(),
    "backlog_quiet": set(),
    "backlog_overdue": set(),
    "backlog_controlling": set(),
}
# The client-facing final report (`/client report`): each line and what it may use.
FINAL_REPORT_PLACEHOLDERS = {
    "greeting": {"contact"},
    "intro": set(),
    "done_since": {"since"},
    "done_revisions": {"revisions"},
    "done_invoiced": {"invoiced", "paid"},
    "open_none": set(),
    "open_some": {"asks"},
    "owed_none": set(),
    "owed_some": {"owed"},
    "handover_paid": set(),
    "handover_owed": set(),
    "closing": set(),
}
TYPES = [t.value for t in ClientType]
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


class WordingError(ValueError):
    pass


def sample_values(situation: str) -> dict[str, str]:
    """Realistic values for every placeholder, for checking templates (ui/client_text.py
    fills the real ones)."""
    values = {
        "client": "Acme Corp",
        "contact": "Jo",
        "days": "5",
        "asks": "sign-off on the March posts",
        "asked_what": "sign-off on the March posts",
        "asked_on": "Mon 2 November",
        "asked_in": "our note from Mon 2 November",
        "waited": "5 working days",
        "deadline": "Friday 4 December",
        "invoices": "invoices #A-12 and #A-13",
        "refs": "invoices #A-12 and #A-13",
        "amount": "£1,200.50",
        "due_on": "Sun 1 November",
        "late_by": "21 days",
        "days_overdue": "21 days",
        "previous": "our message of Mon 23 November",
        "history": "This isn't the first invoice of yours to be paid late. ",
        "promise": "You'd let us know to expect it by Fri 20 November, so we wanted to check. ",
        "since": "Fri 4 December",
        "handover": "We'll hand over full access, with a final report.",
        "rounds": "6 rounds of changes",
        "window": "14 days",
        "rhythm": "one review a week, in a single batch",
        "agreed_on": "Mon 2 November",
        "revisions": "6",
        "window_days": "14",
        "owner": "<@U123> ",
        "repeat": "2",
        "options": "collections, small claims, or write off",
        "count": "23",
        "clients": "clients",
        "step": "a first reminder",
        "situation": "about an overdue invoice",
        "groups": "15 a first reminder about an overdue invoice; 8 a last message after going quiet",
        "cap": "10",
    }
    return {k: values[k] for k in PLACEHOLDERS.get(situation, set(values))}


@dataclass(frozen=True)
class Wording:
    languages: dict[str, dict[str, Any]]

    @classmethod
    def load(cls, folder: Path | None = None) -> Wording:
        """Read every `<lang>.yml` in `folder` (default: the shipped wording) and check it.

        Raises:
            WordingError: naming the file and the template that is wrong.
        """
        folder = folder or SHIPPED
        languages: dict[str, dict[str, Any]] = {}
        for path in sorted(folder.glob("*.yml")):
            try:
                data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
            except (OSError, yaml.YAMLError) as err:
                raise WordingError(
                    f"{path.name}: not readable YAML ({err.__class__.__name__})"
                ) from None
            if not isinstance(data, dict) or not isinstance(data.get("language"), str):
                raise WordingError(f"{path.name}: missing `language:`")
            languages[data["language"]] = data
        if DEFAULT_LANGUAGE not in languages:
            raise WordingError(f"no {DEFAULT_LANGUAGE}.yml in {folder}")
        wording = cls(languages)
        wording.check()
        return wording

    # rendering ---------------------------------------------------------------------------
    def _lang(self, lang: str) -> dict[str, Any]:
        return self.languages.get(lang) or self.languages[DEFAULT_LANGUAGE]

    def suggestion(
        self, lang: str, situation: str, stage: int, client_type: str, values: dict[str, str]
    ) -> str:
        """The message to suggest for the client, as plain text (not escaped). An optional
        sentence left empty leaves no double space behind."""
        template = self._lang(lang)["suggestions"][situation][stage][client_type]
        return _tidy(Template(template).substitute(values))

    def line(self, lang: str, key: str, values: dict[str, str] | None = None) -> str:
        """One of the sentences client messages are built from, in the client's language."""
        return Template(self._lang(lang)["lines"][key]).substitute(values or {})

    def why(self, lang: str, situation: str, stage: int, client_type: str, client: str) -> str:
        """Why this wording: for the team, so always in the team's language whatever the
        client's (`lang` is the client's and is not used for it)."""
        data = self.languages[DEFAULT_LANGUAGE]
        type_line = Template(data["types"][client_type]).substitute(client=client)
        return f"{type_line} {data['stages'][situation][stage]}"

    def stage_line(self, situation: str, stage: int) -> str:
        return self.languages[DEFAULT_LANGUAGE]["stages"][situation][stage]

    def team(self, key: str, values: dict[str, str]) -> str:
        return Template(self.languages[DEFAULT_LANGUAGE]["team"][key]).substitute(values)

    def final_report_line(self, lang: str, key: str, values: dict[str, str]) -> str:
        """One line of the client-facing final report, in the client's language (plain text,
        not escaped)."""
        data = self._lang(lang)
        if key not in (data.get("final_report") or {}):
            data = self.languages[DEFAULT_LANGUAGE]
        return Template(data["final_report"][key]).substitute(values)

    def email_subject(self, lang: str) -> str:
        """The neutral subject of a message sent by email, in the client's language: the
        language's own, else English's (a WORDING_PATH folder written before it existed has
        none: then the shipped one)."""
        for data in (self._lang(lang), self.languages[DEFAULT_LANGUAGE]):
            subject = (data.get("email") or {}).get("subject")
            if isinstance(subject, str) and subject.strip():
                return " ".join(subject.split())
        return _shipped_email_subject()

    def default_contact(self, lang: str) -> str:
        team = self._lang(lang).get("team") or {}
        return (
            team.get("default_contact")
            or self.languages[DEFAULT_LANGUAGE]["team"]["default_contact"]
        )

    # checking ----------------------------------------------------------------------------
    def check(self) -> None:
        """Every template of every language is present, uses only known placeholders,
        renders, and fits Slack's limits."""
        for lang, data in self.languages.items():
            where = f"{lang}.yml"
            # The team's lines (why this wording) are read from English only.
            team_lines = lang == DEFAULT_LANGUAGE
            for situation in SITUATIONS:
                for stage in range(1, TOP_STAGE + 1):
                    if team_lines:
                        stage_line = _get(data, where, "stages", situation, stage)
                        _no_placeholders(where, f"stages.{situation}.{stage}", stage_line)
                    for client_type in TYPES:
                        path = f"suggestions.{situation}.{stage}.{client_type}"
                        text = _get(data, where, "suggestions", situation, stage, client_type)
                        _render_check(where, path, text, PLACEHOLDERS[situation], MAX_SUGGESTION)
            for stage in AGREED_STEPS:
                for client_type in TYPES:
                    path = f"suggestions.{AGREED}.{stage}.{client_type}"
                    text = _get(data, where, "suggestions", AGREED, stage, client_type)
                    _render_check(where, path, text, PLACEHOLDERS[AGREED], MAX_SUGGESTION)
            for client_type in TYPES if team_lines else ():
                _render_check(
                    where,
                    f"types.{client_type}",
                    _get(data, where, "types", client_type),
                    {"client"},
                    500,
                )
            for key, allowed in LINE_PLACEHOLDERS.items():
                _render_check(where, f"lines.{key}", _get(data, where, "lines", key), allowed, 500)
            # A language without its own final report drafts it in English.
            has_report = lang == DEFAULT_LANGUAGE or "final_report" in data
            for key, allowed in FINAL_REPORT_PLACEHOLDERS.items() if has_report else ():
                text = _get(data, where, "final_report", key)
                _render_check(where, f"final_report.{key}", text, allowed, 1000)
            if "email" in data:
                subject = _get(data, where, "email", "subject")
                _no_placeholders(where, "email.subject", subject)
                _render_check(where, "email.subject", subject, set(), MAX_EMAIL_SUBJECT)
        team = self.languages[DEFAULT_LANGUAGE].get("team") or {}
        for key, allowed in TEAM_PLACEHOLDERS.items():
            _render_check(
                f"{DEFAULT_LANGUAGE}.yml", f"team.{key}", _get(team, "en.yml", key), allowed, 1000
            )


@cache
def _shipped_email_subject() -> str:
    data = yaml.load((SHIPPED / "en.yml").read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    return " ".join(data["email"]["subject"].split())


_RUNS_OF_SPACES = re.compile(r"[ \t]{2,}")


def _tidy(text: str) -> str:
    return _RUNS_OF_SPACES.sub(" ", text).strip()


def _get(data: dict[str, Any], where: str, *path: Any) -> str:
    node: Any = data
    for part in path:
        if not isinstance(node, dict) or part not in node:
            raise WordingError(f"{where}: `{'.'.join(map(str, path))}` is missing")
        node = node[part]
    if not isinstance(node, str) or not node.strip():
        raise WordingError(f"{where}: `{'.'.join(map(str, path))}` should be text")
    return node


def _no_placeholders(where: str, path: str, text: str) -> None:
    if "$" in text.replace("$$", ""):
        raise WordingError(f"{where}: `{path}` can't use placeholders")


def _render_check(where: str, path: str, text: str, allowed: set[str], limit: int) -> None:
    used = set(_PLACEHOLDER.findall(text))
    unknown = used - allowed
    if unknown:
        raise WordingError(
            f"{where}: `{path}` uses unknown placeholder(s) {', '.join(sorted(unknown))}; "
            f"allowed here: {', '.join(sorted(allowed))}"
        )
    values = {k: "x" * 40 for k in allowed}
    try:
        rendered = Template(text).substitute(values)
    except (KeyError, ValueError) as err:
        raise WordingError(
            f"{where}: `{path}` has a malformed placeholder ({err}); write ${{name}}, or $$ for a dollar sign"
        ) from None
    if len(rendered) > limit:
        raise WordingError(
            f"{where}: `{path}` is too long ({len(rendered)} characters rendered; limit {limit})"
        )
