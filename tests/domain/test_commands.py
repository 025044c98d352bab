"""The `/client` grammar: text in, a typed command out, or an InputError that says what to
type instead. Pure: `today` and the team's known names are passed in."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.commands import (
    VERBS,
    Add,
    Archive,
    Help,
    History,
    InvoiceSent,
    ListClients,
    Log,
    Options,
    Paid,
    Promised,
    Set,
    SetType,
    Snooze,
    Status,
    parse,
)
from domain.inputs import InputError
from domain.models import ClientType, Money, name_key

TODAY = date(2026, 11, 25)  # a Wednesday
KNOWN = {"acme corp", "acme", "blue sky studio"}


def p(text: str, known: set[str] | frozenset[str] = frozenset()) -> object:
    return parse(text, TODAY, known)


def error(text: str, known: set[str] | frozenset[str] = frozenset()) -> str:
    with pytest.raises(InputError) as err:
        parse(text, TODAY, known)
    return str(err.value)


# add / set -----------------------------------------------------------------------------------
def test_add_with_every_option() -> None:
    command = p(
        "add acme as late-payer quiet 5 days in <#C0123ABC|acme-work> owner <@U0SAM|sam> "
        "lang cy shared <#C0EXT99|acme-shared>"
    )
    assert command == Add(
        "acme",
        Options(
            client_type=ClientType.LATE_PAYER,
            quiet_days=5,
            channel="C0123ABC",
            owner="U0SAM",
            lang="cy",
            shared_channel="C0EXT99",
        ),
    )


def test_add_with_no_options_leaves_every_setting_unmentioned() -> None:
    assert p("add acme") == Add("acme", Options())


@pytest.mark.parametrize(
    ("text", "options"),
    [
        ("add acme as unresponsive", Options(client_type=ClientType.UNRESPONSIVE)),
        ("add acme as controlling", Options(client_type=ClientType.CONTROLLING)),
        ("add acme as late", Options(client_type=ClientType.LATE_PAYER)),
        ("add acme as LatePayer", Options(client_type=ClientType.LATE_PAYER)),
        ("add acme quiet 2", Options(quiet_days=2)),
        ("add acme quiet 1 day", Options(quiet_days=1)),
        ("add acme QUIET 60 DAYS", Options(quiet_days=60)),
        ("add acme in <#C0123>", Options(channel="C0123")),
        ("add acme in <#G0PRIV|secret>", Options(channel="G0PRIV")),
        ("add acme owner <@W0ENT|ent>", Options(owner="W0ENT")),
        ("add acme lang EN", Options(lang="en")),
        ("add acme shared <#C0EXT>", Options(shared_channel="C0EXT")),
        ("add acme auto off", Options(auto_heard=False)),
        ("add acme shared <#C0EXT> AUTO On", Options(shared_channel="C0EXT", auto_heard=True)),
        # Options in any order.
        (
            "add acme lang cy quiet 4 days as controlling",
            Options(client_type=ClientType.CONTROLLING, quiet_days=4, lang="cy"),
        ),
    ],
)
def test_add_options(text: str, options: Options) -> None:
    assert p(text) == Add("acme", options)


def test_auto_is_an_option_only_when_it_says_on_or_off() -> None:
    assert p("add Auto Trader as controlling") == Add(
        "Auto Trader", Options(client_type=ClientType.CONTROLLING)
    )
    assert p("add Auto Trader auto off") == Add("Auto Trader", Options(auto_heard=False))
    assert p("set acme auto off") == Set("acme", Options(auto_heard=False))


def test_set_takes_the_same_options() -> None:
    assert p("set acme quiet 5 days owner <@U0SAM>") == Set(
        "acme", Options(quiet_days=5, owner="U0SAM")
    )
    assert p("set Acme Corp as controlling") == Set(
        "Acme Corp", Options(client_type=ClientType.CONTROLLING)
    )


def test_set_without_a_change_says_what_to_type() -> None:
    assert "`/client set acme quiet 5 days`" in error("set acme")


def test_names_with_spaces() -> None:
    assert p('add "Acme Corp" as late-payer') == Add(
        "Acme Corp", Options(client_type=ClientType.LATE_PAYER)
    )
    # Smart quotes, as phones and macOS type them.
    assert p("add “Acme   Corp” quiet 3 days") == Add("Acme Corp", Options(quiet_days=3))
    assert p("add „Blue Sky«") == Add("Blue Sky", Options())
    # Unquoted, an added name runs until the first option word.
    assert p("add Acme Corp as controlling") == Add(
        "Acme Corp", Options(client_type=ClientType.CONTROLLING)
    )
    # Entities are decoded: the name is kept as the person typed it.
    assert p('add "Tom &amp; Jerry"') == Add("Tom & Jerry", Options())


def test_a_known_name_with_quotes_of_its_own_reads_whole_in_quotes() -> None:
    # Home's "Mark as" button and the message shortcut write the name in quotes, as is.
    sons = 'O\'Brien & "Sons"'
    known = [name_key(sons), name_key("O'Brien &")]
    assert parse(f'type "{sons}" late-payer', TODAY, known) == SetType(sons, ClientType.LATE_PAYER)
    heard = parse('heard "O\'Brien &amp; "Sons"" on 2026-11-24', TODAY, known)
    assert isinstance(heard, Log) and (heard.name, heard.text) == (sons, "")
    # Not a known name: the first closing quote ends it, as before.
    assert parse('note "acme" said "ok"', TODAY, [name_key("acme")]) == parse(
        'note acme said "ok"', TODAY, [name_key("acme")]
    )


def test_verbs_are_case_insensitive_and_any_whitespace_separates() -> None:
    assert p("ADD Acme") == Add("Acme", Options())
    assert p("Status\u00a0acme") == Status("acme")  # Option+Space on a Mac
    assert p("  list  ") == ListClients()


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("add", "Which client? e.g. `/client add"),
        ("add as late-payer", "Which client?"),
        ('add ""', "The client needs a name, e.g. `/client add acme`"),
        ('add "Acme Corp', 'A quote is not closed: write names with spaces as `"Acme Corp"`'),
        ("add " + "x" * 81, "81 characters long; keep it to 80 or fewer"),
        ("add " + "x" * 10_240, "keep it to 80 or fewer"),
        ('add "list"', "one of my command words; pick another name"),
        ('add "quiet"', "one of my command words"),
        ("add acme as grumpy", "`late-payer`"),
        ("add acme as", "e.g. `/client add acme as late-payer`"),
        ("add acme quiet 0 days", "from 1 to 60, e.g. `/client add acme quiet 5 days`"),
        ("add acme quiet 61", "from 1 to 60"),
        ("add acme quiet five", "from 1 to 60"),
        ("add acme in general", "pick a channel from Slack's list"),
        ("add acme in #general", "pick a channel from Slack's list"),
        ("add acme shared <@U123>", "e.g. `/client add acme shared #acme-work`"),
        ("add acme owner sam", "mention a person, e.g. `/client add acme owner @sam`"),
        ("add acme owner <#C0123>", "mention a person"),
        ("add acme lang fr", "`lang` is one of en, cy, e.g. `/client add acme lang cy`"),
        ("add acme quiet 3 quiet 4", "`quiet` is given twice"),
        ("add acme in <#C01> in <#C02>", "`in` is given twice"),
        ("add acme shared <#C01> shared <#C02>", "`shared` is given twice"),
        ("add acme shared <#C01> auto maybe", "`auto` is `on` or `off`"),
        ("set acme quiet 3 auto", "e.g. `/client set acme auto off`"),
        ("add acme auto on auto off", "`auto` is given twice"),
        ("add acme as controlling as late", "`as` is given twice"),
        ("set acme owner <@U01> owner <@U02>", "`owner` is given twice"),
        ("set acme lang cy lang en", "`lang` is given twice"),
        ("add acme quiet 3 days soon", 'Names with spaces go in quotes: `"Acme Corp"`'),
        ("add <!channel>", "can't contain mentions"),
        ("add <@U0123|sam>", "can't contain mentions"),
        ('add "Acme <!here>"', "can't contain mentions"),
        ('add "ac\x00me"', "invisible control characters"),
        ('add "ac\u202eme"', "invisible control characters"),
    ],
)
def test_bad_add_says_what_to_type(text: str, hint: str) -> None:
    assert hint in error(text)


# logging what happened -----------------------------------------------------------------------
@pytest.mark.parametrize("verb", ["asked", "heard", "note", "revision"])
def test_log_verbs_default_to_today(verb: str) -> None:
    assert p(f"{verb} acme the logo files") == Log(verb, "acme", "the logo files", TODAY)


@pytest.mark.parametrize(
    ("when", "on"),
    [
        ("today", date(2026, 11, 25)),
        ("yesterday", date(2026, 11, 24)),
        ("fri", date(2026, 11, 20)),
        ("3 days ago", date(2026, 11, 22)),
        ("2026-11-02", date(2026, 11, 2)),
        ("last monday", date(2026, 11, 23)),
    ],
)
@pytest.mark.parametrize("verb", ["asked", "heard", "note", "revision"])
def test_log_verbs_take_a_trailing_on_date(verb: str, when: str, on: date) -> None:
    assert p(f"{verb} acme sign-off on the March posts on {when}") == Log(
        verb, "acme", "sign-off on the March posts", on
    )


def test_heard_needs_no_text() -> None:
    assert p("heard acme") == Log("heard", "acme", "", TODAY)
    assert p("heard acme on yesterday") == Log("heard", "acme", "", date(2026, 11, 24))


def test_on_that_is_not_a_date_stays_in_the_text() -> None:
    assert p("note acme they're on it") == Log("note", "acme", "they're on it", TODAY)
    assert p("note acme agreed on the colours we chose last week") == Log(
        "note", "acme", "agreed on the colours we chose last week", TODAY
    )
    assert p("note acme call on 5") == Log("note", "acme", "call on 5", TODAY)


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("asked acme", "Say what it was about, e.g. `/client asked acme sign-off"),
        ("asked acme on yesterday", "Say what it was about"),
        ("note acme", "e.g. `/client note acme call:"),
        ("revision acme", "e.g. `/client revision acme wants the logo bigger"),
        ("asked", "Which client? e.g. `/client asked acme`. `/client list` shows them all"),
        # Things that happened can't be dated in the future, nor absurdly far back.
        (
            "asked acme logo on next monday",
            "30 Nov is in 5 days; things that happened can't be dated ahead",
        ),
        ("heard acme on 2026-11-26", "26 Nov is tomorrow; things that happened"),
        ("note acme call on 2099-01-01", "1 Jan is in 72 years"),
        ("note acme call on 1999-01-01", "too far in the past"),
        ("asked acme logo on 2026-02-30", "Type: `/client asked acme logo on 2026-02-28`"),
        ("asked acme hi <!channel>", "can't contain mentions"),
        ("note acme ping <@U0BOSS>", "can't contain mentions"),
        ("note acme see <#C0123|general>", "can't contain mentions"),
        ("note acme a\x00b", "invisible control characters. Retype it as plain text"),
        ("note acme a\x1bb", "invisible control characters"),
        ("note acme " + "x" * 10_240, "keep it to 1,000 or fewer"),
    ],
)
def test_bad_log_says_what_to_type(text: str, hint: str) -> None:
    assert hint in error(text)


def test_logged_text_keeps_typed_characters_decoded() -> None:
    assert p("note acme a &amp; b &lt;x&gt;") == Log("note", "acme", "a & b <x>", TODAY)
    assert p("note acme see <https://x.example/brief|brief>") == Log(
        "note", "acme", "see https://x.example/brief", TODAY
    )


# names against the team's clients ------------------------------------------------------------
def test_unquoted_multi_word_names_resolve_against_known_names() -> None:
    assert p("asked Blue Sky Studio the logo files", KNOWN) == Log(
        "asked", "Blue Sky Studio", "the logo files", TODAY
    )
    assert p("asked acme the logo files", KNOWN) == Log("asked", "acme", "the logo files", TODAY)
    # Whatever the case or spacing.
    assert p("status BLUE  sky Studio", KNOWN) == Status("BLUE sky Studio")
    # `acme` + "corp" is not a whole `history` command, so only one reading is left.
    assert p("history acme corp", KNOWN) == History("acme corp")


def test_two_known_names_before_free_text_are_asked_about_not_guessed() -> None:
    # `acme` and `acme corp` are both clients: "Corp the logo files" could be the request.
    message = error("asked Acme Corp the logo files", KNOWN)
    assert "*Acme Corp* and *Acme* both fit what you typed, so I did nothing." in message
    assert '`/client asked "Acme Corp" the logo files`' in message
    assert '`/client asked "Acme" Corp the logo files`' in message
    # The commands it offers are exact: each parses to one client.
    assert p('asked "Acme Corp" the logo files', KNOWN) == Log(
        "asked", "Acme Corp", "the logo files", TODAY
    )
    assert p('asked "Acme" Corp the logo files', KNOWN) == Log(
        "asked", "Acme", "Corp the logo files", TODAY
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Only one reading makes a whole command: that one is taken.
        ("status acme corp", Status("acme corp")),
        ("paid acme corp #INV-2", Paid("acme corp", "INV-2", TODAY)),
        ("type acme corp late-payer", SetType("acme corp", ClientType.LATE_PAYER)),
        ("snooze acme corp 3 days", Snooze("acme corp", date(2026, 11, 28))),
        ("archive acme", Archive("acme", True)),
    ],
)
def test_a_reading_that_is_not_a_whole_command_does_not_count(text: str, expected) -> None:
    assert p(text, KNOWN) == expected


def test_two_readings_of_a_fixed_shape_command_are_asked_about() -> None:
    # Snooze `acme`'s quiet nudges, or all nudges of a client called "acme quiet"?
    known = {"acme", "acme quiet"}
    message = error("snooze acme quiet 3 days", known)
    assert '`/client snooze "acme quiet" 3 days`' in message
    assert '`/client snooze "acme" quiet 3 days`' in message
    # A `paid` with no reference fits only the longer name.
    assert p("paid acme quiet", known) == Paid("acme quiet", "", TODAY)


def test_three_names_that_fit_are_all_listed() -> None:
    known = {"a", "a b", "a b c"}
    message = error("note a b c d", known)
    assert "*a b c*, *a b* and *a* all fit" in message


def test_known_names_with_ampersands_resolve_as_slack_sends_them() -> None:
    # Typed `Smith & Jones`, sent by Slack as `Smith &amp; Jones`.
    known = {"smith & jones", "r&d <labs>"}
    assert p("asked Smith &amp; Jones the logo", known) == Log(
        "asked", "Smith & Jones", "the logo", TODAY
    )
    assert p("status R&amp;D &lt;Labs&gt;", known) == Status("R&D <Labs>")


def test_typed_text_quoted_in_errors_is_shown_as_typed() -> None:
    # Replies escape the whole message once; the parser must not hand them entities.
    assert "I don't know `r&d`." in error("r&amp;d acme")
    assert "I didn't expect `& co` there" in error("status acme &amp; co")
    assert "couldn't read `<soon>` as a date" in error("invoice acme 10 due &lt;soon&gt;")


def test_without_known_names_an_unquoted_name_is_one_word() -> None:
    assert p("asked Acme Corp the logo files") == Log("asked", "Acme", "Corp the logo files", TODAY)
    assert 'Names with spaces go in quotes: `/client status "Acme Corp"`' in error(
        "status Acme Corp"
    )


def test_quoted_names_work_everywhere() -> None:
    assert p('asked "Acme Corp" logo') == Log("asked", "Acme Corp", "logo", TODAY)
    assert p("asked “Acme Corp” logo") == Log("asked", "Acme Corp", "logo", TODAY)
    assert p('status "Acme Corp"') == Status("Acme Corp")


# money ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "amount", "due", "ref"),
    [
        ("invoice acme 1200 due 2026-12-31", Money(Decimal("1200"), "GBP"), date(2026, 12, 31), ""),
        (
            "invoice acme 1,200.50 due fri #INV-7",
            Money(Decimal("1200.50"), "GBP"),
            date(2026, 11, 27),
            "INV-7",
        ),
        ("invoice acme £300 due next monday", Money(Decimal("300"), "GBP"), date(2026, 11, 30), ""),
        (
            "invoice acme €99 DUE 5/12 #2026/04",
            Money(Decimal("99"), "EUR"),
            date(2026, 12, 5),
            "2026/04",
        ),
        (
            "invoice acme 300 USD due 2027-01-15 #a.b_c",
            Money(Decimal("300"), "USD"),
            date(2027, 1, 15),
            "a.b_c",
        ),
        ("invoice Acme Corp 0.10 due today", Money(Decimal("0.10"), "GBP"), TODAY, ""),
    ],
)
def test_invoice(text: str, amount: Money, due: date, ref: str) -> None:
    name = "Acme Corp" if "Corp" in text else "acme"
    command = p(text, KNOWN)
    assert command == InvoiceSent(name, amount, due, ref, TODAY)
    assert isinstance(command, InvoiceSent) and type(command.amount.amount) is Decimal


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("invoice acme 1200", "The due date is missing: put it after the amount"),
        ("invoice acme", "Give the amount and the due date, e.g. `/client invoice acme £1,200"),
        ("invoice acme due fri", "The amount is missing: put it before `due`"),
        ("invoice acme 1200 due", "The due date is missing"),
        ("invoice acme 1200 due #INV-1", "The due date is missing"),
        ("invoice acme 12.345 due fri", "could be read two ways"),
        ("invoice acme 1,2345 due fri", "Write it like `1200`, `1,200.50`, `1.200,50`"),
        ("invoice acme lots due fri", "Write it like `1200`"),
        ("invoice acme 0 due fri", "more than zero"),
        ("invoice acme 1200 due someday", "Try `today`, `yesterday`, `fri`"),
        ("invoice acme 1200 due 2026-02-30", "not a real date"),
        ("invoice acme 1200 due 2030-01-01", "too far ahead: pick a date within two years"),
        ("invoice acme 1200 due fri INV-7", "Try `today`"),
        ("invoice acme 1200 due fri #", "letters, digits"),
        ("invoice acme 1200 due fri #INV<7>", "letters, digits"),
        ("invoice acme 1200 due fri #" + "x" * 40, "one word starting with `#`"),
        ("invoice acme 1200 due fri <#C0123|inv-7>", "matched a channel name"),
    ],
)
def test_bad_invoice_says_what_to_type(text: str, hint: str) -> None:
    assert hint in error(text)


def test_paid() -> None:
    assert p("paid acme") == Paid("acme", "", TODAY)
    assert p("paid acme #INV-7") == Paid("acme", "INV-7", TODAY)
    assert p("paid acme #INV-7 on yesterday") == Paid("acme", "INV-7", date(2026, 11, 24))
    assert p("paid Acme Corp on 2026-11-20", KNOWN) == Paid("Acme Corp", "", date(2026, 11, 20))
    assert "Type: `/client paid acme #INV-7`" in error("paid acme INV-7")
    assert "can't be dated ahead" in error("paid acme #INV-7 on next monday")
    assert p("paid acme £1,000 #INV-7") == Paid("acme", "INV-7", TODAY, Money(Decimal(1000), "GBP"))
    assert p("paid acme 1 200,50 on yesterday #INV-7") == Paid(
        "acme", "INV-7", date(2026, 11, 24), Money(Decimal("1200.50"), "GBP")
    )
    assert p("paid acme €50") == Paid("acme", "", TODAY, Money(Decimal(50), "EUR"))
    assert "One invoice per payment" in error("paid acme £5 #A #B")


def test_promised() -> None:
    assert p("promised acme fri") == Promised("acme", date(2026, 11, 27), "")
    assert p("promised acme 2026-12-01 #INV-3") == Promised("acme", date(2026, 12, 1), "INV-3")
    assert p("promised acme next monday") == Promised("acme", date(2026, 11, 30), "")
    assert "e.g. `/client promised acme fri`" in error("promised acme")
    assert "e.g. `/client promised acme fri`" in error("promised acme #INV-3")
    # Logged late, a promise can be in the past: it is a promise already broken.
    assert p("promised acme yesterday") == Promised("acme", date(2026, 11, 24), "")


def test_snooze() -> None:
    assert p("snooze acme 3 days") == Snooze("acme", date(2026, 11, 28), "")
    assert p("snooze acme quiet 1 week") == Snooze("acme", date(2026, 12, 2), "quiet")
    assert p("snooze acme OVERDUE fri") == Snooze("acme", date(2026, 11, 27), "overdue")
    assert p("snooze acme controlling 2w") == Snooze("acme", date(2026, 12, 9), "controlling")
    assert "e.g. `/client snooze acme 3 days`" in error("snooze acme")
    assert "e.g. `/client snooze acme 3 days`" in error("snooze acme quiet")
    assert "between 1 day and two years" in error("snooze acme 999 days")
    assert "Try `today`" in error("snooze acme for a bit")


# the rest ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("word", "client_type"),
    [
        ("unresponsive", ClientType.UNRESPONSIVE),
        ("controlling", ClientType.CONTROLLING),
        ("late-payer", ClientType.LATE_PAYER),
        ("late", ClientType.LATE_PAYER),
        ("none", ClientType.NONE),
        ("Controlling", ClientType.CONTROLLING),
    ],
)
def test_type(word: str, client_type: ClientType) -> None:
    assert p(f"type acme {word}") == SetType("acme", client_type)


def test_type_errors() -> None:
    assert "e.g. `/client type acme late-payer`" in error("type acme")
    assert "`unresponsive`, `controlling`, `late-payer` or `none`" in error("type acme grumpy")


def test_archive_status_list_history_help() -> None:
    assert p("archive acme") == Archive("acme", True)
    assert p("unarchive acme") == Archive("acme", False)
    assert p("status") == Status(None)
    assert p("status acme") == Status("acme")
    assert p("list") == ListClients()
    assert p("list everything") == ListClients(prefix="everything")
    assert p("list 2") == ListClients(page=2)
    assert p("list Acme  Corp 3") == ListClients(page=3, prefix="acme corp")
    # A prefix is compared and counted as typed, folded like every name.
    assert p("list R&amp;D") == ListClients(prefix="r&d")
    assert p("list ＡＣＭＥ\u200b") == ListClients(prefix="acme")
    assert p("list " + "&amp;" * 80) == ListClients(prefix="&" * 80)


@pytest.mark.parametrize("text", ["list 0", "list 0000", "list 10001", "list " + "x" * 81])
def test_list_pages_start_at_one_and_prefixes_are_names(text: str) -> None:
    with pytest.raises(InputError, match=r"/client list"):
        p(text)
    assert p("history acme") == History("acme")
    assert p("help") == Help()
    assert p("help Invoice") == Help()
    assert p("") == Help()
    assert p("   ") == Help()


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("archive acme now", 'Names with spaces go in quotes: `/client archive "acme now"`'),
        ("unarchive acme please", '`/client unarchive "acme please"`'),
        ("history acme all", '`/client history "acme all"`'),
        ("history", "Which client? e.g. `/client history acme`. `/client list` shows them all"),
        ("frobnicate acme", "I don't know `frobnicate`. Try `/client help`"),
        ("<!channel>", "Try `/client help`"),
        ("x" * 10_240, "Try `/client help`"),
    ],
)
def test_other_errors_say_what_to_type(text: str, hint: str) -> None:
    assert hint in error(text)


def test_unknown_verb_is_clipped_in_the_message() -> None:
    assert len(error("y" * 10_240)) < 200


def test_every_verb_is_understood() -> None:
    samples = {
        "add": "add acme",
        "set": "set acme lang cy",
        "asked": "asked acme logo",
        "heard": "heard acme",
        "note": "note acme call",
        "revision": "revision acme bigger logo",
        "agreed": "agreed acme weekly batch reviews",
        "invoice": "invoice acme 10 due fri",
        "paid": "paid acme",
        "promised": "promised acme fri",
        "snooze": "snooze acme 3 days",
        "away": "away acme until 2027-01-05",
        "type": "type acme none",
        "archive": "archive acme",
        "unarchive": "unarchive acme",
        "status": "status acme",
        "list": "list",
        "history": "history acme",
        "report": "report acme",
        "export": "export acme",
        "offboard": "offboard acme they never paid",
        "help": "help",
        "void": "void acme e3 typo",
        "undo": "undo",
        "fix": "fix acme #INV-1 due fri",
        "done": "done acme logo",
    }
    assert set(samples) == set(VERBS)
    for text in samples.values():
        p(text)


def test_report_share_export_and_offboard() -> None:
    from domain.commands import Export, Offboard, Report

    assert p("report acme") == Report("acme", share=False)
    assert p("report acme share") == Report("acme", share=True)
    assert p("export acme") == Export("acme")
    assert p("offboard acme they didn't pay &amp; left") == Offboard(
        "acme", "they didn't pay & left"
    )
    for bad, says in [
        ("report acme shout", "report acme share"),
        ("export acme now", 'export "acme now"'),
        ("offboard acme", "Say why you are leaving them"),
        ("offboard acme ask <@U123>", "mentions"),
    ]:
        with pytest.raises(InputError, match=re.escape(says)):
            p(bad)


# properties ----------------------------------------------------------------------------------
_WORDS = st.sampled_from(
    [
        *VERBS,
        "acme",
        "Acme Corp",
        '"Acme Corp"',
        "“Acme",
        "Corp”",
        '"',
        "on",
        "due",
        "as",
        "quiet",
        "in",
        "owner",
        "lang",
        "shared",
        "days",
        "late-payer",
        "#INV-1",
        "#",
        "£300",
        "1,200.50",
        "USD",
        "fri",
        "yesterday",
        "3 days ago",
        "next monday",
        "2026-02-30",
        "9999-99-99",
        "<@U0123>",
        "<#C0123|x>",
        "<!channel>",
        "<https://x.example|x>",
        "&amp;",
        "&lt;",
        "<",
        ">",
        "&",
        "\x00",
        "\u202e",
        "\n",
        "\t",
        "\u00a0",
        "0",
        "99999999999",
    ]
)
_TEXT = st.one_of(
    st.text(max_size=120),
    st.lists(st.one_of(_WORDS, st.text(max_size=6)), max_size=10).map(" ".join),
)


@settings(max_examples=150, deadline=None)
@given(text=_TEXT, known=st.sets(st.sampled_from(sorted(KNOWN))))
def test_parse_raises_nothing_but_input_error(text: str, known: set[str]) -> None:
    try:
        parse(text, TODAY, known)
    except InputError as err:
        assert str(err).strip(), "every refusal has a message"


def test_contact_option_takes_one_word_or_a_quoted_name() -> None:
    today = date(2026, 11, 27)
    assert parse('add acme contact "Jo Bloggs" lang cy', today).options.contact == "Jo Bloggs"
    assert parse("set acme contact Sam", today, {"acme"}).options.contact == "Sam"
    with pytest.raises(InputError, match="not closed"):
        parse('add acme contact "Jo Bloggs', today)


# names as people see them ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ['"\u200b"', "\u3164", '"\u2800"', "\u115f", "\uffa0", '"\u200b \u2060"']
)
def test_invisible_names_are_refused(name: str) -> None:
    assert "no visible characters" in error(f"add {name}")


def test_names_are_nfkc_normalised_and_command_words_are_caught_in_any_form() -> None:
    assert p('add "Ａｃｍｅ　Ｃｏｒｐ"') == Add("Acme Corp", Options())
    assert "one of my command words" in error('add "ＬＩＳＴ"')
    assert "one of my command words" in error('add "list\u200b"')


def test_contact_names_are_cleaned_like_every_other_name() -> None:
    assert p('add acme contact "Ｊｏ  Bloggs"').options.contact == "Jo Bloggs"
    assert "no visible characters" in error('add acme contact "\u3164"')
    assert "invisible control characters" in error('add acme contact "Jo\u202eBloggs"')
    assert "keep it to 80 or fewer" in error('add acme contact "' + "&amp;" * 81 + '"')
    assert p('add acme contact "' + "&amp;" * 80 + '"').options.contact == "&" * 80


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("acme", "acme\u200b"),
        ("acme", "\u200dACME\ufeff"),
        ("Acme Corp", "ａｃｍｅ\u3000corp"),
        ("firm", "ﬁrm"),
        ("acme corp", "acme\u2800corp"),
        ("straße", "STRASSE"),
        ("acme", "ac\u00adme"),
    ],
)
def test_look_alike_names_share_a_key(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


def test_different_names_keep_different_keys() -> None:
    assert len({name_key(n) for n in ("acme", "acme corp", "acne", "acme2", "ácme")}) == 5


def test_a_look_alike_of_a_known_name_reads_as_that_client() -> None:
    assert p("asked acme\u200b the logo", {"acme"}) == Log("asked", "acme\u200b", "the logo", TODAY)
    assert p("status ＡＣＭＥ corp", KNOWN) == Status("ＡＣＭＥ corp")


def test_line_breaks_in_logged_text_are_kept() -> None:
    assert p("note acme call notes:\nline two", KNOWN) == Log(
        "note", "acme", "call notes:\nline two", TODAY
    )
