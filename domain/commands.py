"""The `/client` command language: text in, a typed command out. Pure.

A client name is one word, several words in quotes (`"Acme Corp"`), or several words that
match a client the team already has (`/client asked Acme Corp the logo files`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from domain.email_in import is_public_domain, mail_address, mail_domain
from domain.inputs import (
    DateOutOfRange,
    InputError,
    clean_text,
    escape,
    example_date,
    parse_date,
    parse_until,
    parse_when,
    shorten,
    unescape,
)
from domain.models import ClientType, Money, name_key
from domain.money import DEFAULT_CURRENCY, AmbiguousAmount, parse_amount

MAX_NAME = 80
# An invoice reference typed without its `#`: letters, a dash, digits (`INV-2`, `K-102`).
_BARE_REF = re.compile(r"[A-Za-z]{1,10}-\d{1,10}")
LANGUAGES = ("en", "cy")
SITUATIONS = ("quiet", "overdue", "controlling")


@dataclass(frozen=True)
class Options:
    """Settings given to `add` or `set`; None means "not mentioned"."""

    client_type: ClientType | None = None
    quiet_days: int | None = None
    channel: str | None = None
    owner: str | None = None
    lang: str | None = None
    shared_channel: str | None = None
    contact: str | None = None
    # The name messages greet them by (`greet as Jo`), when not the contact's first word.
    greet: str | None = None
    # Where the client pays online (`pay <url>`): the payment line of overdue messages.
    pay: str | None = None
    # Log their replies in the shared channel as `heard` by themselves.
    auto_heard: bool | None = None
    # Their Slack organisation in the shared channel (`org T0123`): only its people are them.
    org: str | None = None
    # Their email addresses (`email jo@acme.com sam@acme.com`) and mail domains (`domain
    # acme.com`); `none` clears them.
    emails: tuple[str, ...] | None = None
    domains: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Add:
    name: str
    options: Options


@dataclass(frozen=True)
class Set:
    name: str
    options: Options


@dataclass(frozen=True)
class Log:
    """asked / heard / note / revision / agreed: something that happened, with optional text."""

    verb: str
    name: str
    text: str
    on: date
    # The words read as the date (`20/12` of `on 20/12`), "" when it was today by default.
    date_words: str = field(default="", compare=False)
    # `heard` of some requests only (`/client heard acme e12 e14 ...`): their ids.
    answers: tuple[int, ...] = ()


@dataclass(frozen=True)
class InvoiceSent:
    name: str
    amount: Money
    due: date
    ref: str
    on: date  # the day it was sent (the day it was logged, if that isn't known)
    date_words: str = field(default="", compare=False)  # what was read as the due date
    sent_words: str = field(default="", compare=False)  # and as the sent date, if given
    # Logged after it fell due, without `on`: it wasn't sent today, and the day isn't known.
    undated: bool = False


@dataclass(frozen=True)
class Paid:
    """A payment: of `amount` (None: whatever is still owed), towards invoice `ref` ("": the
    oldest due first)."""

    name: str
    ref: str
    on: date
    amount: Money | None = None
    date_words: str = field(default="", compare=False)
    amount_words: str = field(default="", compare=False)  # the amount as typed


@dataclass(frozen=True)
class Entry:
    """Which line a correction is about: an invoice by its ref, or any entry by its id (`e12`)."""

    ref: str = ""
    seq: int = 0

    def __str__(self) -> str:
        return f"#{self.ref}" if self.ref else f"e{self.seq}"


@dataclass(frozen=True)
class Void:
    name: str
    entry: Entry
    reason: str


@dataclass(frozen=True)
class Undo:
    """Void the last thing this person logged (optionally: about this client)."""

    name: str | None


@dataclass(frozen=True)
class Fix:
    """A new line that supersedes values of an earlier one; None means "unchanged"."""

    name: str
    entry: Entry
    due: date | None = None
    amount: Money | None = None
    on: date | None = None


@dataclass(frozen=True)
class Done:
    """Close one open request, by its id or words from it."""

    name: str
    ask: str


@dataclass(frozen=True)
class SetType:
    name: str
    client_type: ClientType


@dataclass(frozen=True)
class Snooze:
    name: str
    until: date
    situation: str = ""  # "" means every situation
    date_words: str = field(default="", compare=False)


@dataclass(frozen=True)
class Promised:
    name: str
    by: date
    ref: str
    date_words: str = field(default="", compare=False)


@dataclass(frozen=True)
class Away:
    """The client is on leave from `start` until `until` (the day they are back); `until ==
    start` means they are back now."""

    name: str
    start: date
    until: date
    date_words: str = field(default="", compare=False)


@dataclass(frozen=True)
class Archive:
    name: str
    archived: bool


@dataclass(frozen=True)
class Status:
    name: str | None


@dataclass(frozen=True)
class ListClients:
    """One page of the overview, optionally only the clients whose names start with `prefix`."""

    page: int = 1
    prefix: str = ""


@dataclass(frozen=True)
class History:
    name: str
    page: int = 1


@dataclass(frozen=True)
class Report:
    """The walk-away pack: a final report and handover checklist. `share` posts it in the
    channel for the team instead of answering only the person."""

    name: str
    share: bool = False


@dataclass(frozen=True)
class Export:
    """The full record as CSV and Markdown files, to the person's DM with the app."""

    name: str


@dataclass(frozen=True)
class Offboard:
    """Start leaving a client well: a checklist saved with the client."""

    name: str
    reason: str


@dataclass(frozen=True)
class Help:
    """Usage and examples. Anything after `help` is ignored: the whole help fits one reply."""


Command = (
    Add
    | Set
    | Log
    | InvoiceSent
    | Paid
    | SetType
    | Snooze
    | Promised
    | Away
    | Archive
    | Status
    | ListClients
    | History
    | Report
    | Export
    | Offboard
    | Help
    | Void
    | Undo
    | Fix
    | Done
)

VERBS = (
    "add",
    "set",
    "asked",
    "heard",
    "note",
    "revision",
    "agreed",
    "invoice",
    "paid",
    "promised",
    "void",
    "undo",
    "fix",
    "done",
    "snooze",
    "away",
    "type",
    "archive",
    "unarchive",
    "status",
    "list",
    "history",
    "report",
    "export",
    "offboard",
    "help",
)
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})
_TYPES = {t.value: t for t in ClientType} | {
    "late": ClientType.LATE_PAYER,
    "latepayer": ClientType.LATE_PAYER,
}
_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_OPTION_WORDS = {
    "as",
    "quiet",
    "in",
    "owner",
    "lang",
    "shared",
    "contact",
    "greet",
    "pay",
    "org",
    "email",
    "domain",
}
# How Slack sends a typed address or domain: `<mailto:jo@acme.com|jo@acme.com>`,
# `<http://acme.com|acme.com>`.
_SLACK_MAILTO = re.compile(r"^<mailto:([^|>]+)(?:\|[^>]*)?>$", re.IGNORECASE)
_SLACK_DOMAIN = re.compile(r"^<https?://([^/|>]+)/?(?:\|[^>]*)?>$", re.IGNORECASE)
_NONE = "none"
# A Slack team id, as `org` takes it (and as a message event's `user_team` gives it).
_TEAM_ID = re.compile(r"^[TE][A-Z0-9]{2,31}$")
# A link as Slack sends it (`<https://pay.example/acme>` or `<https://…|label>`) or as typed.
_LINK = re.compile(r"^<?(https?://[^\s|<>]+)(?:\|[^>]*)?>?$")
_SWITCH = {"on": True, "off": False}


# The most pages `/client list` counts to; far more than any workspace needs.
MAX_PAGE = 10_000


def _list(rest: str) -> ListClients:
    """`list`, `list 2`, `list a`, `list acme 2`: a page number last, a name prefix before."""
    words = rest.split()
    page = 1
    if words and re.fullmatch(r"[0-9]{1,6}", words[-1]):
        page = int(words.pop())
        if not 1 <= page <= MAX_PAGE:
            raise InputError("Pages start at 1: `/client list 2` is the second page.")
    # Compared and counted as typed: Slack sends `&` as `&amp;`.
    prefix = unescape(" ".join(words))
    if len(prefix) > MAX_NAME:
        raise InputError(
            f"That's longer than any client name ({MAX_NAME} characters). Try "
            "`/client list a` for the clients whose names start with a."
        )
    return ListClients(page, name_key(prefix) if prefix else "")


def parse(
    text: str,
    today: date,
    known_names: Collection[str] = (),
    currency: str = DEFAULT_CURRENCY,
) -> Command:
    """Read one `/client` command.

    Args:
        text: what followed `/client`, as Slack sent it.
        today: today in the workspace time zone, for relative dates.
        known_names: name keys of the team's clients, to read unquoted multi-word names.
        currency: the workspace currency, for amounts typed without one.

    Raises:
        InputError: with a message saying what to type instead.
    """
    text = text.translate(_QUOTES).strip()
    if not text:
        return Help()
    try:
        return _parse(text, today, known_names, currency)
    except AmbiguousAmount as err:
        ways = [
            (number, retyped(text, InputError("", typed=err.typed, instead=instead)))
            for number, instead in err.readings
        ]
        if not ways or not all(command for _, command in ways):
            raise
        raise InputError(
            f"{err.reason} " + " ".join(f"For {way}, type `{command}`." for way, command in ways)
        ) from None
    except InputError as err:
        if not err.instead:
            raise
        # Words of the command to put right (`31/02`): repeat the whole command, fixed.
        fixed = retyped(text, err)
        if not fixed:
            raise
        raise type(err)(f"{err} Type: `{fixed}`") from None


def retyped(text: str, err: InputError) -> str:
    """The whole `/client` command with the error's `typed` words swapped for its `instead`
    (the last place they occur), ready to paste; "" when the error names no such words.

    Args:
        text: what followed `/client`, as Slack sent it.
        err: the refusal, whose `typed` and `instead` say what to put right.
    """
    said = " ".join(text.translate(_QUOTES).split())
    typed = " ".join(err.typed.split())
    at = said.lower().rfind(typed.lower()) if typed and err.instead else -1
    if at < 0:
        return ""
    fixed = said[:at] + err.instead + said[at + len(typed) :]
    return f"/client {shorten(fixed, 300)}"


def _parse(text: str, today: date, known_names: Collection[str], currency: str) -> Command:
    # Any whitespace separates the verb: macOS types a no-break space with Option+Space.
    verb, rest = (text.split(None, 1) + [""])[:2]
    verb = verb.lower()
    rest = rest.strip()
    if verb not in VERBS:
        raise InputError(_unknown_verb(verb, rest, text.split(None, 1)[0]))
    if verb == "help":
        return Help()
    if verb == "list":
        return _list(rest)
    if verb == "status" and not rest:
        return Status(None)
    if verb == "undo" and not rest:
        return Undo(None)
    if verb in ("add", "set"):
        name, tail = _name_for_add(rest, verb)
        options = _options(tail, verb, name)
        if verb == "set" and options == Options():
            raise InputError(
                f"Say what to change, e.g. `/client set {_arg(name)} quiet 5 days` or "
                f"`/client set {_arg(name)} owner @sam`."
            )
        return Add(name, options) if verb == "add" else Set(name, options)

    readings = _readings(rest, verb, known_names)
    if verb == "history":
        return _history(readings, known_names)
    if len(readings) > 1:
        readings = _plausible(readings, verb, today)
    if len(readings) > 1:
        raise InputError(_which(verb, readings))
    name, tail = readings[0]
    if verb == "status":
        return Status(_only_name(name, tail, verb, rest, known_names))
    if verb == "report":
        after = tail.split()
        share = bool(after) and after[-1].lower() == "share"
        extra = after[:-1] if share else after
        if extra and _more_of_name(name, rest, known_names):
            return Report(check_name(unescape(" ".join([name, *extra]))), share)
        if extra:
            raise InputError(
                f"I didn't expect `{shorten(tail)}` there. To post the report for the team: "
                f"`/client report {_arg(name)} share`; to see it yourself: "
                f"`/client report {_arg(name)}`."
            )
        return Report(name, share)
    if verb == "export":
        return Export(_only_name(name, tail, verb, rest, known_names))
    if verb == "offboard":
        if not tail.strip():
            raise InputError(
                f"Say why you are leaving them, e.g. `/client offboard {_arg(name)} they "
                "didn't pay for three months`: the reason is kept with the checklist."
            )
        return Offboard(name, clean_text(tail, what="reason"))
    if verb in ("archive", "unarchive"):
        return Archive(_only_name(name, tail, verb, rest, known_names), verb == "archive")
    if verb == "undo":
        return Undo(_only_name(name, tail, verb, rest, known_names))
    if verb == "type":
        return SetType(
            name, _client_type(tail.split(), f"/client type {_arg(name)} {{}}", "late-payer")
        )
    if verb == "void":
        return _void(name, tail)
    if verb == "fix":
        return _fix(name, tail, today, currency)
    if verb == "done":
        ask = tail.strip()
        if not ask:
            raise InputError(
                "Which request is done? Give words from it or its id from "
                f"`/client status {_arg(name)}`, e.g. `/client done {_arg(name)} <words from "
                f"it>` or `/client done {_arg(name)} <id>`."
            )
        return Done(name, unescape(ask))
    if verb in ("asked", "heard", "note", "revision", "agreed"):
        body, on, words_read = _split_on(tail, today)
        answers: tuple[int, ...] = ()
        if verb == "heard":
            # `heard acme e12 e14 [what they said]`: a reply to those requests only.
            ids = body.split()
            while ids and _ASK_ID.fullmatch(ids[0]):
                answers += (int(ids.pop(0)[1:]),)
            body = " ".join(ids) if answers else body
            words = clean_text(body, what="note", required=False)
        else:
            words = clean_text(body, what=_WHAT[verb]) if body.strip() else _missing(verb, name)
        return Log(verb, name, words, on, words_read, answers)
    if verb == "invoice":
        return _invoice(name, tail, today, currency)
    if verb == "paid":
        # The `#ref` may come anywhere, even after `on <date>`.
        refs = [w for w in tail.split() if w.startswith("#")]
        body, on, words_read = _split_on(" ".join(w for w in tail.split() if w not in refs), today)
        paid_words = body.split()
        if len(refs) > 1:
            raise InputError(
                "One invoice per payment: "
                + " and ".join(
                    f"`/client paid {_arg(name)} <amount> {r}`" for r in dict.fromkeys(refs)
                )
                + "; without a `#ref` it goes to the oldest due first."
            )
        ref = _ref(refs[0], f"/client paid {_arg(name)} £1,000 #INV-12") if refs else ""
        amount_words = [w for w in paid_words if not w.startswith("#")]
        try:
            amount = parse_amount(amount_words, currency) if amount_words else None
        except AmbiguousAmount:
            raise
        except InputError as err:
            # A ref typed without its `#` (`£50 INV-2`): the whole command with it.
            bare = next((w for w in amount_words if _BARE_REF.fullmatch(w)), None)
            if bare is not None and not refs:
                raise InputError(
                    f"`{shorten(bare)}` looks like an invoice reference: they start with `#`.",
                    typed=bare,
                    instead=f"#{bare}",
                ) from None
            raise InputError(
                f"{err} Invoice references start with `#`: e.g. "
                f"`/client paid {_arg(name)} £1,000 #INV-12`."
            ) from None
        return Paid(name, ref, on, amount, words_read, " ".join(amount_words))
    if verb == "promised":
        tokens = tail.split()
        # The invoice's ref, before the date or after it (`#INV-2 next fri`, `fri #INV-2`).
        refs = [t for t in tokens if t.startswith("#")]
        ref = refs[0] if len(refs) == 1 else ""
        if ref:
            tokens.remove(ref)
        if not tokens:
            raise InputError(
                f"When did they promise to pay? e.g. `/client promised {_arg(name)} fri`."
            )
        # A promise may be in the past: logged late, it is a promise already broken.
        words = " ".join(tokens)
        return Promised(name, parse_when(words, today), _ref(ref, ""), words)
    if verb == "away":
        return _away(name, tail, today)
    if verb == "snooze":
        tokens = tail.split()
        situation = ""
        if tokens and tokens[0].lower() in SITUATIONS:
            situation = tokens.pop(0).lower()
        elif tokens and (hint := did_you_mean(tokens[0], SITUATIONS)):
            raise InputError(
                f"I didn't understand `{shorten(tokens[0])}`.{hint} e.g. "
                f"`/client snooze {_arg(name)} quiet {' '.join(tokens[1:]) or '3 days'}`."
            )
        if not tokens:
            raise InputError(f"Snooze for how long? e.g. `/client snooze {_arg(name)} 3 days`.")
        words = " ".join(tokens)
        return Snooze(name, parse_until(words, today), situation, words)
    raise AssertionError(verb)  # pragma: no cover - every verb is handled above


_WHAT = {"asked": "request", "note": "note", "revision": "revision", "agreed": "rhythm"}


def _missing(verb: str, name: str) -> str:
    example = {
        "asked": "sign-off on the March posts",
        "note": "call: agreed to batch approvals on Mondays",
        "revision": "wants the logo bigger, again",
        "agreed": "weekly batch reviews",
    }[verb]
    raise InputError(f"Say what it was about, e.g. `/client {verb} {_arg(name)} {example}`.")


def check_name(name: str, *, escaped: bool = True) -> str:
    """A client's name as it will be kept (see clean_text for `escaped`), or InputError."""
    if not name.strip():
        raise InputError(
            'The client needs a name, e.g. `/client add acme` or `/client add "Acme Corp"`.'
        )
    name = clean_text(name, what="client name", escaped=escaped, limit=MAX_NAME, name=True)
    if name_key(name) in VERBS or name_key(name) in _OPTION_WORDS:
        raise InputError(f"`{name}` is one of my command words; pick another name.")
    return name


def _quoted(rest: str) -> tuple[str, str] | None:
    if not rest.startswith('"'):
        return None
    end = rest.find('"', 1)
    if end < 0:
        raise InputError('A quote is not closed: write names with spaces as `"Acme Corp"`.')
    return rest[1:end], rest[end + 1 :].strip()


def _name_for_add(rest: str, verb: str) -> tuple[str, str]:
    quoted = _quoted(rest)
    if quoted:
        return check_name(quoted[0]), quoted[1]
    words = rest.split()
    # Unquoted names run until the first option word: `add Acme Corp as late-payer`.
    cut = next((i for i in range(len(words)) if _is_option(words, i)), len(words))
    if cut == 0:
        raise InputError(f'Which client? e.g. `/client {verb} "Acme Corp" as late-payer`.')
    _misspelt_option(words, cut, verb)
    return check_name(" ".join(words[:cut])), " ".join(words[cut:])


def _misspelt_option(words: list[str], cut: int, verb: str) -> None:
    """`set Kestrel ower <@U0SAM>`: an option word misspelt, so the name seemed to run on. Only
    a close miss followed by what that option takes (a mention, a channel, a number, a link...)
    is one: `Acme Owen` stays a name.

    Raises:
        InputError: did you mean the option, with the whole command put right.
    """
    for j in range(1, cut):
        close = difflib.get_close_matches(words[j].lower(), sorted(_OPTION_WORDS), n=1, cutoff=0.75)
        after = words[j + 1] if j + 1 < len(words) else ""
        if close and re.match(r"^(?:<[@#!]|@|#|\d|https?:)", after):
            fixed = " ".join([verb, *words[:j], close[0], *words[j + 1 :]])
            raise InputError(
                f"I didn't understand `{shorten(words[j])}`. Did you mean `{close[0]}`? "
                f"`/client {shorten(unescape(fixed), 300)}`"
            )


def _mail_values(word: str, args: list[str]) -> list[str] | None:
    """The addresses (`email`) or domains (`domain`) in `args` (spaces or commas between
    them, as Slack sends them or as typed), `["none"]` to clear; None if any isn't one."""
    pieces = [p for a in args for p in a.split(",") if p]
    if [p.lower() for p in pieces] == [_NONE]:
        return [_NONE]
    found: list[str] = []
    for piece in pieces:
        m = (_SLACK_MAILTO if word == "email" else _SLACK_DOMAIN).match(piece)
        value = (mail_address if word == "email" else mail_domain)(m.group(1) if m else piece)
        if value is None:
            return None
        if value not in found:
            found.append(value)
    return found or None


def _is_option(words: list[str], i: int) -> bool:
    word = words[i].lower()
    if word in ("email", "domain"):
        # Only before an address or a domain: "Email Co" and "Domain Media" are names.
        arg = words[i + 1] if i + 1 < len(words) else ""
        return _mail_values(word, [arg]) is not None
    if word == "auto":
        # Only `auto on` / `auto off`: "Auto Trader" is a name.
        return i + 1 < len(words) and words[i + 1].lower() in _SWITCH
    return word in _OPTION_WORDS


def _readings(rest: str, verb: str, known_names: Collection[str]) -> list[tuple[str, str]]:
    """The ways `rest` splits into (client name, what follows): one for a quoted name or an
    unknown one, one per known client whose name the leading words spell, longest first."""
    whole = _quoted_known(rest, known_names)
    if whole:
        return [whole]
    quoted = _quoted(rest)
    if quoted:
        return [(check_name(quoted[0]), quoted[1])]
    words = rest.split()
    if not words:
        raise InputError(
            f"Which client? e.g. `/client {verb} acme`. `/client list` shows them all."
        )
    # Names are kept as typed (`Smith & Jones`) and Slack sends `&`, `<`, `>` as entities:
    # compare decoded.
    found = [
        (candidate, _after_words(rest, n))
        for n in range(min(len(words), 8), 0, -1)
        if name_key(candidate := unescape(" ".join(words[:n]))) in known_names
    ]
    return found or [(check_name(words[0]), _after_words(rest, 1))]


def _quoted_known(rest: str, known_names: Collection[str]) -> tuple[str, str] | None:
    """A known client's whole name in quotes, though it has quotes of its own (`"Big "X" Co"`):
    the form Tactful's own buttons and forms write a name in. The longest such name wins."""
    if not rest.startswith('"'):
        return None
    for end in range(len(rest) - 1, 1, -1):
        if rest[end] != '"' or (end + 1 < len(rest) and not rest[end + 1].isspace()):
            continue
        name = unescape(rest[1:end])
        if name_key(name) in known_names:
            return name, rest[end + 1 :].strip()
    return None


def _after_words(text: str, n: int) -> str:
    """`text` without its first n words, its own line breaks kept."""
    return re.sub(rf"^\s*(?:\S+\s+){{{n - 1}}}\S+", "", text, count=1).strip()


# Verbs followed by free text: any words can follow any name, so two readings are always both
# possible and only the person can say which they meant.
_FREE_TEXT = ("asked", "heard", "note", "revision", "agreed")
# An entry's id as `/client status` and `history` show it: `e12`.
_ASK_ID = re.compile(r"[eE]\d{1,9}")


def _plausible(readings: list[tuple[str, str]], verb: str, today: date) -> list[tuple[str, str]]:
    """When the words spell more than one client (`globex` and `globex sent`), keep the
    readings that make a whole command.

    Not the longest match: `/client asked globex sent the draft` is as likely to be about
    `globex` as about `globex sent`, and filing a note under the wrong client is worse than
    asking. Where the rest has a fixed shape (`status`, `paid #ref`, `type late-payer`) only one
    reading usually fits, and that one is taken. If none fits, the longest stands, so its
    error is the one shown."""
    if verb in _FREE_TEXT:
        return readings
    fitting = []
    for name, tail in readings:
        try:
            parse(_exact(verb, name, tail), today)
        except InputError:
            continue
        fitting.append((name, tail))
    return fitting or readings[:1]


def _exact(verb: str, name: str, tail: str) -> str:
    """The command with its name quoted, as Slack would send it: a quoted name is exact."""
    return f'{verb} "{escape(name)}" {tail}'.strip()


def _which(verb: str, readings: list[tuple[str, str]]) -> str:
    names = ", ".join(f"*{name}*" for name, _ in readings[:-1]) + f" and *{readings[-1][0]}*"
    each = "both" if len(readings) == 2 else "all"
    options = "\n".join(
        f"`/client {shorten(_exact(verb, name, tail), 300)}`" for name, tail in readings
    )
    return (
        f"Which client did you mean? {names} {each} fit what you typed, so I did nothing. "
        f"Type the one you meant, with the name in quotes:\n{options}"
    )


def _history(readings: list[tuple[str, str]], known_names: Collection[str]) -> History:
    """`history acme`, `history acme 2`. A trailing number is a page only when the name
    without it is the reading: a client called `Studio 54` is `history studio 54` (its first
    page), and its second page is `history studio 54 2` or `history "Studio 54" 2`."""
    whole = next((name for name, tail in readings if not tail.strip()), None)
    if whole is not None and (name_key(whole) in known_names or len(readings) == 1):
        return History(whole)
    for name, tail in readings:
        if re.fullmatch(r"[0-9]{1,6}", tail.strip()):
            page = int(tail)
            if not 1 <= page <= MAX_PAGE:
                raise InputError(
                    f"Pages start at 1: `/client history {_quote(name)} 2` is the second page."
                )
            return History(name, page)
    name, tail = readings[0]
    _nothing_more(tail, "history", name)
    return History(name)


def _quote(name: str) -> str:
    return escape(f'"{name}"' if " " in name else name)


def _more_of_name(name: str, rest: str, known_names: Collection[str]) -> bool:
    """Words after an unquoted name that is no client's are more of the name (`status Oak Ivy`
    for "Oak & Ivy"): the look-up then offers the client it may mean."""
    return bool(known_names) and not rest.startswith('"') and name_key(name) not in known_names


def _only_name(name: str, tail: str, verb: str, rest: str, known_names: Collection[str]) -> str:
    """The name of a command that takes nothing else. Words after a known client's name are
    refused, with the command without them."""
    if not tail.strip():
        return name
    if _more_of_name(name, rest, known_names):
        return check_name(unescape(" ".join(rest.split())))
    if name_key(name) in known_names:
        raise InputError(
            f"I didn't expect `{shorten(tail)}` there: `/client {verb} {_arg(name)}` is the "
            "whole command."
        )
    _nothing_more(tail, verb, name)
    return name


def _nothing_more(tail: str, verb: str, name: str) -> None:
    if tail.strip():
        # Most often a name of several words that isn't a client yet: quote all of it.
        example = f'/client {verb} "{name} {unescape(" ".join(tail.split()))}"'
        raise InputError(
            f"I didn't expect `{shorten(tail)}` there. Names with spaces go in quotes: `{example}`."
        )


def client_type(text: str) -> ClientType:
    """A client type written on its own (in an imported file), or InputError."""
    return _client_type(text.split(), "{}", "late-payer")


def _client_type(words: list[str], example: str, fallback: str) -> ClientType:
    """The type in `words` (one word). `example` has a `{}` where the type goes, so the hint
    repeats the command as typed with the type put right."""
    key = " ".join(words).lower()
    if key in _TYPES:
        return _TYPES[key]
    names = [t.value for t in ClientType]
    close = difflib.get_close_matches(key.replace(" ", "-"), names, n=1, cutoff=0.6)
    if close:
        raise InputError(f"Did you mean `{close[0]}`? e.g. `{example.format(close[0])}`.")
    raise InputError(
        "The type is one of `unresponsive`, `controlling`, `late-payer` or `none`, "
        f"e.g. `{example.format(fallback)}`."
    )


def did_you_mean(word: str, choices: Collection[str]) -> str:
    """` Did you mean `x`?` for a near miss among `choices`, else ""."""
    close = difflib.get_close_matches(word.lower(), list(choices), n=1, cutoff=0.6)
    return f" Did you mean `{close[0]}`?" if close else ""


# Verbs that void, hide or end something. A guess at what someone meant may lead to one of
# these only when the word is a plain misspelling of it (`undoo`), never a word that merely
# shares letters (`refund` is not `undo`: undo would void the payment just logged).
REMOVING = frozenset({"undo", "void", "archive", "unarchive", "offboard"})
_TYPO_ONLY = 0.8

# Words people reach for that name something Tactful records differently (or not at all).
_MONEY_BACK = ("refund", "refunded", "refunds", "reimburse", "reimbursed", "chargeback")
_CREDIT = ("credit", "credited", "credits", "creditnote", "credit-note", "discount")
# Asking what is owed, not logging anything: never a guess at `paid` (`unpaid` is one letter
# pair from it, and pasting that would record the whole balance as paid).
_OWED = ("unpaid", "owed", "owes", "owing", "outstanding", "balance", "debt", "overdue", "due")
# Removing: the record keeps every line, so these lead to what takes a line or a client back.
_DELETE = ("delete", "remove", "cancel", "erase", "del", "rm", "drop")


def _unknown_verb(verb: str, rest: str, typed: str = "") -> str:
    """What to say for a first word that isn't a verb: the command that records what it
    means, or a near miss, never a verb that removes data for a word that means something
    else."""
    # The client as typed, for commands ready to paste (the reply escapes it once).
    quoted = re.match(r'"[^"]+"', rest)
    name = shorten(quoted.group(0) if quoted else (rest.split() or ["acme"])[0], MAX_NAME + 2)
    if verb in _MONEY_BACK:
        return (
            f"There is no `{shorten(verb)}` command: Tactful records what clients owe and pay, "
            "not money going back to them. If a payment was logged by mistake, void it with its "
            f"id from `/client history {name}`: `/client void {name} <id> <reason>`. If you "
            f"credited part of an unpaid invoice, lower what it asks for: "
            f"`/client fix {name} #<ref> amount <what they now owe>`. Money returned after "
            f"payment isn't tracked: note it with `/client note {name} <what was refunded>`."
        )
    if verb in _CREDIT:
        return (
            f"There is no `{shorten(verb)}` command: a credit note or discount lowers what an "
            f"invoice asks for, so fix its amount: `/client fix {name} #<ref> amount <what they "
            f"now owe>` (`/client status {name}` shows the refs). The history keeps both lines."
        )
    if verb in _OWED:
        return (
            f"There is no `{shorten(verb)}` command: `/client status {name}` shows what {name} "
            "owes and what is overdue, and `/client list` every client's balance."
        )
    if verb in _DELETE and name.startswith("#"):
        # `cancel #H1`: an invoice, not a client. Voiding it is the credit note.
        return (
            f"There is no `{shorten(verb)}` command. To cancel invoice {shorten(name)}, void it "
            f"(the record keeps both lines): `/client void <client> {shorten(name)} <reason>`."
        )
    if verb in _DELETE:
        refs = [w for w in rest.split() if w.startswith("#")]
        if refs and not name.startswith("#"):
            return (
                f"There is no `{shorten(verb)}` command. To cancel invoice {shorten(refs[0])}, "
                f"void it (the record keeps both lines): `/client void {name} "
                f"{shorten(refs[0])} <reason>`."
            )
        return (
            f"There is no `{shorten(verb)}` command: the record keeps every line. To take back "
            "your last entry: `/client undo`. To take back an older one, find its id with "
            f"`/client history {name}`, then `/client void {name} <id> <reason>`. To stop "
            f"tracking a client: `/client archive {name}`."
        )
    words = rest.split()
    at = next((n for n, w in enumerate(words[:5]) if w.lower() in VERBS), None)
    if at is not None:
        # The name first, then the verb (`/client Kestrel paid 500`): the verb comes first.
        # Their own verb, moved, not a guess at another word: a removing one is offered too.
        name = unescape(" ".join([typed or verb, *words[:at]]))
        command = f"/client {words[at].lower()} {_arg(name)} {' '.join(words[at + 1 :])}"
        return (
            f"The verb comes first, then the client: `{shorten(command.strip(), 300)}`. "
            "`/client help` lists the verbs."
        )
    close = _meant_verb(verb)
    hint = (
        f" Did you mean `{close[0]}`? `{shorten(f'/client {close[0]} {rest}'.strip(), 300)}`."
        if close
        else ""
    )
    return f"I don't know `{shorten(verb)}`.{hint} Try `/client help` to see what I can do."


# Verbs that only read: a guess at one of them costs nothing if wrong.
READING = frozenset({"status", "list", "history", "report", "export", "help"})
# Prefixes that turn a word into its opposite: `unsnooze` is not `snooze`, `undone` not `done`.
_NEGATING = ("un", "non", "dis", "de", "in")
# Words that look like a verb and mean its opposite.
_OPPOSITES = {"onboard": "offboard", "unpay": "paid", "unpaid": "paid"}


def _meant_verb(word: str) -> list[str]:
    """The verb a word not known may be a misspelling of ([] if none is safe to offer): any
    reading verb for a near miss, or a verb's own start (`hist`); a verb that writes only for a
    plain typo of it, never for a word that negates or opposes it (`unsnooze`, `onboard`) or
    merely shares letters (`avoid` is not `paid`); one that removes only for a typo of it too."""
    if len(word) >= 3:
        starts = [v for v in VERBS if v.startswith(word) and v not in REMOVING]
        if len(starts) == 1:
            return starts
    negated = any(
        word.startswith(p) and not any(v.startswith(p) and word.startswith(v) for v in VERBS)
        for p in _NEGATING
    )
    if word in _OPPOSITES:
        return []
    reading = difflib.get_close_matches(word, sorted(READING), n=1, cutoff=0.6)
    if reading:
        return reading
    writing = [v for v in VERBS if v not in READING]
    # A typo adds, drops or swaps a letter or two; `undone` (two more) is another word.
    close = [
        v
        for v in difflib.get_close_matches(word, writing, n=3, cutoff=_TYPO_ONLY)
        if abs(len(v) - len(word)) <= 1
    ]
    if not close or (negated and not close[0].startswith(word[:2])):
        return []
    return close[:1]


def _arg(name: str) -> str:
    return f'"{name}"' if " " in name else name


def _split_on(text: str, today: date) -> tuple[str, date, str]:
    """Split a trailing `on <date>` off free text: (text, date, the words read as the date).
    Without one, the event happened today.

    Only a trailing `on` whose rest reads as a date counts, so "they're on it" stays text, and
    text in quotes is always literal: `"will send notes on monday"` is what they said, not when.
    """
    stripped = text.strip()
    quoted = None
    if stripped.startswith('"') and stripped.find('"', 1) > 0:
        end = stripped.find('"', 1)
        quoted = stripped[1:end], stripped[end + 1 :].strip()
    words = (quoted[1] if quoted is not None else text).split(" ")
    for i in range(len(words) - 1, -1, -1):
        if words[i].lower() == "on" and i + 1 < len(words):
            candidate = " ".join(words[i + 1 :])
            if len(candidate.split()) > 3:
                break
            try:
                on = parse_date(candidate, today)
            except DateOutOfRange:
                raise  # clearly meant as a date ("on 2099-01-01"): say why it was refused
            except InputError:
                continue  # not a date: the words are part of the text
            rest = " ".join(words[:i]).strip()
            if quoted is not None:
                if rest:
                    break  # words between the quote and `on`: read it all as text
                return quoted[0].strip(), on, " ".join(candidate.split())
            return rest, on, " ".join(candidate.split())
    if quoted is not None and not quoted[1]:
        return quoted[0].strip(), today, ""
    return text.strip(), today, ""


def _away(name: str, tail: str, today: date) -> Away:
    example = f"/client away {_arg(name)} until {example_date(today)}"
    words = tail.split()
    lowered = [w.lower() for w in words]
    if lowered in (["off"], ["back"]):
        return Away(name, today, today)
    start = today
    if lowered[:1] == ["from"]:
        if "until" not in lowered:
            raise InputError(f"Until when? e.g. `/client away {_arg(name)} from mon until fri`.")
        cut = lowered.index("until")
        start = parse_when(" ".join(words[1:cut]), today)
        words, lowered = words[cut:], lowered[cut:]
    if lowered[:1] == ["until"]:
        words = words[1:]
    if not words:
        raise InputError(
            f"When are they back? e.g. `{example}`; `/client away {_arg(name)} off` when "
            "they are back early."
        )
    until = parse_when(" ".join(words), today)
    if until <= max(start, today):
        raise InputError(
            f"{until:%-d %b %Y} has already come: give the day they are back, e.g. `{example}`."
        )
    return Away(name, start, until, " ".join(words))


def _ref(text: str, example: str) -> str:
    text = text.strip()
    if not text:
        return ""
    if not text.startswith("#") or len(text.split()) != 1 or len(text) > 31:
        raise InputError(
            f"An invoice reference is one word starting with `#`, e.g. `{example or '#INV-12'}`."
        )
    return check_ref(text[1:])


def check_ref(ref: str) -> str:
    """An invoice reference (without its `#`) as Tactful keeps it, or InputError."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._/-]*", ref) or len(ref) > 30:
        raise InputError("Invoice references use letters, digits, `-`, `_`, `.` or `/`.")
    return ref


_ENTRY_ID = re.compile(r"^[eE](\d{1,9})$")


def _entry(word: str, example: str) -> Entry:
    m = _ENTRY_ID.match(word)
    if m:
        return Entry(seq=int(m.group(1)))
    if word.startswith("#"):
        return Entry(ref=_ref(word, example))
    if any(ch.isdigit() for ch in word) and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,29}", word):
        # `K-102`: an invoice reference without its `#`.
        raise InputError(
            f"Invoice references start with `#`: did you mean `#{word}`?",
            typed=word,
            instead=f"#{word}",
        )
    raise InputError(
        f"Say which entry: an invoice like `#INV-7`, or an entry id like `e12` "
        f"(`/client history` shows them), e.g. `{example}`."
    )


def _void(name: str, tail: str) -> Void:
    words = tail.split(None, 1)
    which = words[0] if words else "<id or #ref>"
    example = f"/client void {_arg(name)} {which} <reason>"
    if not words:
        raise InputError(
            f"Say which entry to void and why: `{example}` (`/client history {_arg(name)}` "
            "shows each entry's id)."
        )
    entry = _entry(words[0], example)
    reason = words[1].strip() if len(words) > 1 else ""
    if not reason:
        raise InputError(f"Say why it is voided (the record keeps it): `{example}`.")
    return Void(name, entry, clean_text(reason, what="reason"))


def _fix(name: str, tail: str, today: date, currency: str) -> Fix:
    example = f"/client fix {_arg(name)} #INV-7 due {example_date(today)}"
    words = tail.split()
    if len(words) < 3:
        raise InputError(
            f"Say what to fix: `{example}`, `/client fix {_arg(name)} #INV-7 amount £800` or "
            f"`/client fix {_arg(name)} e12 on {example_date(today, future=False)}`."
        )
    entry = _entry(words[0], example)
    what, value = words[1].lower(), words[2:]
    if what == "due":
        return Fix(name, entry, due=parse_date(" ".join(value), today, future=True))
    if what == "amount":
        return Fix(name, entry, amount=parse_amount(value, currency))
    if what == "on":
        return Fix(name, entry, on=parse_date(" ".join(value), today))
    raise InputError(
        f"I can fix `due <date>`, `amount <amount>` or `on <date>`, not `{shorten(words[1])}`: "
        f"e.g. `{example}`."
    )


def _invoice(name: str, tail: str, today: date, currency: str = DEFAULT_CURRENCY) -> InvoiceSent:
    example = f"/client invoice {_arg(name)} £1,200 due {example_date(today)} #INV-12"
    words = tail.split()
    lowered = [w.lower() for w in words]
    if "due" not in lowered:
        given = [w for w in words if not w.startswith("#")]
        if not given:
            raise InputError(f"Give the amount and the due date, e.g. `{example}`.")
        parse_amount(given, currency)  # an amount that can't be read says so first
        refs = [w for w in words if w.startswith("#")]
        instead = " ".join(["due", example_date(today), *refs])
        raise InputError(
            f"The due date is missing: put it after the amount, e.g. `/client invoice "
            f"{_arg(name)} {' '.join([*given, instead])}`."
        )
    at = lowered.index("due")
    amount_words, rest = words[:at], words[at + 1 :]
    if not amount_words:
        raise InputError(
            f"The amount is missing: put it before `due`, e.g. `/client invoice {_arg(name)} "
            f"{' '.join(['1,200', *words])}`."
        )
    # `... due <date> [#ref] [on <date sent>] [#ref]`: the sent date is when it happened.
    sent_words: list[str] = []
    lowered_rest = [w.lower() for w in rest]
    if "on" in lowered_rest[1:]:
        at = len(rest) - 1 - lowered_rest[::-1].index("on")
        rest, sent_words = rest[:at], rest[at + 1 :]
    ref = ""
    # The `#ref` may come anywhere after `due`, even after the sent date.
    if any(_CHANNEL.match(w) for w in rest + sent_words):
        raise InputError(
            "That reference matched a channel name. Write it without `#` clashing, "
            f"e.g. `#INV-12`: `{example}`."
        )
    refs = [w for w in rest + sent_words if w.startswith("#")]
    if len(refs) > 1:
        raise InputError(f"One `#ref` per invoice, e.g. `{example}`.")
    if refs:
        ref = _ref(refs[0], example)
        rest = [w for w in rest if w != refs[0]]
        sent_words = [w for w in sent_words if w != refs[0]]
    if not rest:
        raise InputError(f"The due date is missing, e.g. `{example}`.")
    amount = parse_amount(amount_words, currency)
    due = parse_date(" ".join(rest), today, future=True)
    sent = today
    if sent_words:
        sent = parse_date(" ".join(sent_words), today)
        if due < sent:
            raise InputError(
                f"It can't fall due ({due:%a %-d %b %Y}) before the invoice was sent "
                f"({sent:%a %-d %b %Y}): e.g. `/client invoice {_arg(name)} "
                f"{' '.join(amount_words)} due {sent + timedelta(days=30):%Y-%m-%d} "
                f"on {' '.join(sent_words)}`."
            )
    return InvoiceSent(
        name,
        amount,
        due,
        ref,
        sent,
        " ".join(rest),
        " ".join(sent_words) if sent_words else "",
        # Logged after it fell due: not sent today, and when it was isn't known.
        undated=not sent_words and due < today,
    )


def _options(text: str, verb: str, name: str = "acme") -> Options:
    words = text.split()
    cmd = f"/client {verb} {_arg(name)}"  # hints repeat the command as typed
    options = Options()
    seen: set[str] = set()  # option words, not field names: `quiet` sets `quiet_days`

    def whole(start: int, end: int, instead: str) -> str:
        """The whole command as typed, with words[start:end] replaced by `instead` (which
        may hold a `{}` for a hint to fill): a correction drops nothing else."""
        kept = [w.replace("{", "{{").replace("}", "}}") for w in [cmd, *words]]
        return unescape(" ".join([*kept[: start + 1], instead, *kept[end + 1 :]]))

    i = 0
    while i < len(words):
        word = words[i].lower()
        arg = words[i + 1] if i + 1 < len(words) else ""
        if word in seen:
            raise InputError(f"`{word}` is given twice.")
        seen.add(word)
        if word == "as":
            # `as late payer`: two words where one hyphenated type was meant.
            if (
                arg.lower() not in {t.value for t in ClientType}
                and i + 2 < len(words)
                and not _is_option(words, i + 2)
            ):
                _client_type(words[i + 1 : i + 3], whole(i, i + 3, "as {}"), "late-payer")
            options = replace(
                options, client_type=_client_type([arg], whole(i, i + 2, "as {}"), "late-payer")
            )
            i += 2
        elif word == "quiet":
            n = arg
            if not n.isdigit() or not 1 <= int(n) <= 60:
                raise InputError(
                    f"`quiet` takes a number of business days from 1 to 60, e.g. "
                    f"`{cmd} quiet 5 days`."
                )
            options = replace(options, quiet_days=int(n))
            i += 2
            if i < len(words) and words[i].lower() in ("day", "days"):
                i += 1
        elif word in ("in", "shared"):
            m = _CHANNEL.match(arg)
            if not m:
                raise InputError(
                    f"After `{word}`, pick a channel from Slack's list as you type `#`, "
                    f"e.g. `{cmd} {word} #acme-work`. If it isn't offered, "
                    "invite me to it first."
                )
            if word == "in":
                options = replace(options, channel=m.group(1))
            else:
                options = replace(options, shared_channel=m.group(1))
            i += 2
        elif word == "owner":
            m = _USER.match(arg)
            if not m and arg.startswith("@"):
                # Typed out, `@sam` is plain text: Slack makes it a mention only when the
                # person is picked from its list.
                raise InputError(
                    f"`{shorten(arg)}` reached me as plain text, not a mention. Type `@`, pick "
                    f"the person from Slack's list (the name turns blue), then send: "
                    f"`{cmd} owner` followed by that mention."
                )
            if not m:
                raise InputError(f"After `owner`, mention a person, e.g. `{cmd} owner @sam`.")
            options = replace(options, owner=m.group(1))
            i += 2
        elif word == "contact":
            # The person at the client we write to: one word, or several in quotes.
            end = i + 1
            if arg.startswith('"'):
                while end < len(words) and not (
                    words[end].endswith('"') and (end > i + 1 or len(words[end]) > 1)
                ):
                    end += 1
                if end == len(words):
                    raise InputError('A quote is not closed: write `contact "Jo Bloggs"`.')
            else:
                # Unquoted, the contact runs until the next option word, as a name does:
                # `contact Fiona Reid owner @sam`. Quotes keep a contact whose name holds one
                # (`contact "Jo In"`).
                while end + 1 < len(words) and not _is_option(words, end + 1):
                    end += 1
            contact = " ".join(words[i + 1 : end + 1]).strip('"')
            if not contact:
                raise InputError(f'Who do we write to? e.g. `{cmd} contact "Jo Bloggs"`.')
            options = replace(
                options, contact=clean_text(contact, what="contact name", limit=MAX_NAME, name=True)
            )
            i = end + 1
        elif word == "greet":
            name = words[i + 2] if arg.lower() == "as" and i + 2 < len(words) else ""
            if not name:
                raise InputError(
                    f"Say the name to greet them by, e.g. `/client {verb} acme greet as Jo`."
                )
            options = replace(
                options, greet=clean_text(name, what="greeting name", limit=MAX_NAME, name=True)
            )
            i += 3
        elif word == "pay":
            m = _LINK.match(arg)
            if not m:
                raise InputError(
                    f"After `pay`, give the link where they pay, e.g. "
                    f"`/client {verb} acme pay https://pay.example.com/acme`."
                )
            # Slack sends a typed `&` in the link as `&amp;`: stored as typed, escaped once
            # where it is shown, so the client gets the link that works.
            options = replace(options, pay=unescape(m.group(1)))
            i += 2
        elif word == "org":
            if not _TEAM_ID.match(arg.upper()):
                raise InputError(
                    "After `org`, give the client's Slack team id (T followed by letters and "
                    "digits, from their workspace's URLs, or from the log line that names the "
                    f"org a message came from), e.g. `{cmd} org T0123ABCD`."
                )
            options = replace(options, org=arg.upper())
            i += 2
        elif word in ("email", "domain"):
            end = i + 1
            while end < len(words) and not _is_option(words, end):
                end += 1
            values = _mail_values(word, words[i + 1 : end])
            if not values:
                example = "jo@acme.com sam@acme.com" if word == "email" else "acme.com"
                raise InputError(
                    f"After `{word}`, give the client's "
                    + ("email addresses" if word == "email" else "mail domains")
                    + f" (or `none`), e.g. `{cmd} {word} {example}`."
                )
            public = [v for v in values if word == "domain" and is_public_domain(v)]
            if public:
                raise InputError(
                    f"`{public[0]}` is a public mail provider: every one of its users would "
                    f"count as this client. Give their own addresses instead, e.g. "
                    f"`{cmd} email jo@{public[0]}`."
                )
            if word == "email":
                options = replace(options, emails=tuple(v for v in values if v != _NONE))
            else:
                options = replace(options, domains=tuple(v for v in values if v != _NONE))
            i = end
        elif word == "auto":
            if arg.lower() not in _SWITCH:
                raise InputError(
                    f"`auto` is `on` or `off`: whether their replies in the shared channel are "
                    f"logged by themselves, e.g. `{cmd} auto off`."
                )
            options = replace(options, auto_heard=_SWITCH[arg.lower()])
            i += 2
        elif word == "lang":
            if arg.lower() not in LANGUAGES:
                raise InputError(f"`lang` is one of {', '.join(LANGUAGES)}, e.g. `{cmd} lang cy`.")
            options = replace(options, lang=arg.lower())
            i += 2
        else:
            close = difflib.get_close_matches(word, sorted(_OPTION_WORDS), n=1, cutoff=0.6)
            if close:
                raise InputError(
                    f"I didn't understand `{shorten(words[i])}`. Did you mean `{close[0]}`? "
                    f"`{whole(i, i + 1, close[0]).format()}`"
                )
            raise InputError(
                f"I didn't understand `{shorten(words[i])}`. "
                "After the name you can add "
                "`as <type>`, `quiet <N> days`, `in #channel`, `owner @person`, `contact <name>`, "
                "`greet as <name>`, `pay <link>`, `email <address>`, `domain <domain>`, `lang en|cy`, "
                '`shared #channel` or `auto on|off`. Names with spaces go in quotes: `"Acme Corp"`.'
            )
    return options
