"""`/client` end to end: signed slash-command requests over real HTTP to the served app,
answered ephemerally, with the injected clock and the data folder on disk."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.commands import VERBS
from domain.models import ClientType, Kind, Money
from storage.atomic import file_clock_ns
from storage.tinydb_store import TinyDBStore
from tests.checks import live_markup, ok, refused, stored_files
from tests.conftest import Clock
from tests.slack_http import TEAM1, AppServer, LazyListeners

TEAM2 = "T0TEAM2"


# the whole flow ------------------------------------------------------------------------------
def test_add_ask_hear_invoice_pay_flow_shows_the_right_facts(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    clock.set("2026-11-23T10:00")  # Monday
    text = ok(
        server.slash(
            'add "Acme Corp" as late-payer quiet 2 days in <#C0ACME|acme-work> '
            "owner <@U0SAM|sam> lang cy"
        )
    )
    assert "Added *Acme Corp*" in text
    assert "type: late payer" in text
    assert "quiet after 2 business days" in text
    assert "Nudges go to <#C0ACME>." in text
    assert "owner <@U0SAM>" in text
    assert "language: cy" in text

    # The name is known now, so it needs no quotes.
    text = ok(server.slash("asked acme corp the logo files"))
    assert "you asked *Acme Corp* for “the logo files”" in text
    assert "quiet for 2 business days" in text

    text = ok(server.slash("status Acme Corp"))
    assert "“the logo files” since Mon 23 Nov 2026" in text
    assert "*Last heard from:* never logged" in text
    assert "*owner* <@U0SAM>" in text

    clock.set("2026-11-26T09:00")  # Thursday: three business days of silence
    text = ok(server.slash("status acme corp"))
    assert ":mute: quiet 3 business days" in text
    text = ok(server.slash("list"))
    assert "1 client, 1 needing attention" in text
    assert "*Acme Corp* (late payer): :mute: quiet 3 business days" in text

    text = ok(server.slash("heard acme corp sent them over", user="U0BOB"))
    assert "*Acme Corp* replied: “sent them over”" in text
    text = ok(server.slash("status acme corp"))
    assert "*Last heard from:* Thu 26 Nov 2026" in text
    assert "*Waiting on them:*\nnothing" in text
    assert ":mute:" not in text

    text = ok(server.slash('invoice "Acme Corp" £1,200.50 due 2026-12-01 #INV-7'))
    assert (
        "Logged invoice *#INV-7* to *Acme Corp*: £1,200.50, sent Thu 26 Nov 2026, "
        "due Tue 1 Dec 2026" in text
    )

    clock.set("2026-12-04T09:00")
    text = ok(server.slash("status acme corp"))
    assert "#INV-7: £1,200.50 owed, due Tue 1 Dec 2026 — *3 days overdue*" in text
    assert ":red_circle: 1 overdue (£1,200.50), oldest 3 days" in text
    assert ":red_circle: 1 overdue" in ok(server.slash("list"))

    text = ok(server.slash("paid acme corp #INV-7 on yesterday", user="U0BOB"))
    assert (
        ":moneybag: Logged £1,200.50 from *Acme Corp*, Thu 3 Dec 2026: £1,200.50 to #INV-7 "
        "(paid in full). Nothing is outstanding." in text
    )
    text = ok(server.slash("status acme corp"))
    assert "*Unpaid invoices:*\nnone" in text
    assert "1 client, 0 needing attention" in ok(server.slash("list"))

    text = ok(server.slash('history "Acme Corp"'))
    assert "History of Acme Corp: 5 entries, newest first" in text
    lines = [line for line in text.splitlines() if "logged by" in line]
    assert len(lines) == 5
    paid, invoice, heard, asked, added = lines
    assert paid.startswith("`e5` *Thu 3 Dec 2026* · paid #INV-7 £1,200.50") and "<@U0BOB>" in paid
    assert "4 Dec 2026 09:00 UTC" in paid  # logged now, for a payment made yesterday
    assert "invoice sent #INV-7 £1,200.50 due Tue 1 Dec 2026" in invoice
    assert "<@U0ALICE>" in invoice
    assert "they replied “sent them over”" in heard and "<@U0BOB>" in heard
    assert "we asked for “the logo files”" in asked and "<@U0ALICE>" in asked
    assert "added to Tactful" in added and "logged by <@U0ALICE> 23 Nov 2026 10:00 UTC" in added

    # What is stored is exact and attributed.
    record = store.find(TEAM1, "ACME corp")
    assert record is not None
    assert record.client.client_type is ClientType.LATE_PAYER
    assert record.client.owner == "U0SAM" and record.client.channel == "C0ACME"
    (invoice_state,) = record.state.invoices
    assert invoice_state.amount == Money(Decimal("1200.50"), "GBP")
    assert invoice_state.paid_on == date(2026, 12, 3)
    kinds = [(e.kind, e.logged_by) for e in store.history(TEAM1, record.client.client_id)]
    assert kinds == [
        (Kind.PAID, "U0BOB"),
        (Kind.INVOICE, "U0ALICE"),
        (Kind.HEARD, "U0BOB"),
        (Kind.ASKED, "U0ALICE"),
        (Kind.ADDED, "U0ALICE"),
    ]


def test_other_commands_over_http(server: AppServer, store: TinyDBStore, clock: Clock) -> None:
    ok(server.slash("add acme"))
    text = ok(server.slash("set acme quiet 5 days owner <@U0SAM>"))
    assert "Updated *acme*:" in text
    assert "quiet after 5 business days" in text and "owner <@U0SAM>" in text
    text = ok(server.slash("type acme controlling"))
    assert "*acme* is now marked *controlling*" in text
    for _ in range(4):
        text = ok(server.slash("revision acme make the logo bigger"))
    assert "That's 4 in 14 days: a pattern worth raising with them." in text
    ok(server.slash("invoice acme 300 USD due 2026-12-10"))
    text = ok(server.slash("promised acme 2026-12-20"))
    assert "promise to pay by Sun 20 Dec 2026" in text
    text = ok(server.slash("snooze acme quiet 1 week"))
    assert "Snoozed quiet nudges for *acme* until Fri 4 Dec 2026" in text
    text = ok(server.slash("status acme"))
    assert "#INV-1: $300.00 owed, due Thu 10 Dec 2026 (promised by Sun 20 Dec 2026)" in text
    assert "Snoozed: quiet until Fri 4 Dec 2026" in text
    text = ok(server.slash("archive acme"))
    assert "Archived *acme*" in text
    listed = ok(server.slash("list"))
    # Archiving stops the nudges, not the debt: the money owed is still shown.
    assert "0 clients, 0 needing attention (1 archived)" in listed
    assert "*acme* (archived): $300.00 still owed" in listed
    assert "*acme* is active again" in ok(server.slash("unarchive acme"))
    text = ok(server.slash("history acme"))
    assert "settings changed “quiet days: 3 → 5; owner: none → U0SAM”" in text
    assert "type changed “type: none → controlling”" in text
    record = store.find(TEAM1, "acme")
    assert record is not None and record.client.quiet_days == 5
    assert record.client.client_type is ClientType.CONTROLLING


def test_help_answers_with_usage_and_empty_text_opens_the_form(server: AppServer, slack) -> None:
    reply = ok(server.slash("help"))
    assert (
        "`/client invoice &lt;name&gt; &lt;amount&gt; due &lt;date&gt; [#ref] [on &lt;date sent&gt;]`"
        in reply
    )
    # A bare /client opens the log form (tests/handlers/test_log_form_http.py), and says so.
    assert "`/client help` lists the typed commands" in ok(server.slash(""))
    assert slack.calls_to("views.open")


def test_only_commands_that_leave_work_in_slack_start_work_after_the_ack(
    server: AppServer, lazy: LazyListeners, slack
) -> None:
    """Bolt copies the whole request for each lazy listener and runs it on another thread: the
    everyday commands, answered whole by their ack, start none; the form, an export and a
    shared report do, and their work happens."""
    for command in ("add acme", "asked acme the logo", "heard acme", "status acme", "help"):
        ok(server.slash(command))
    assert len(lazy._started) == 0
    ok(server.slash(""))
    ok(server.slash("export acme"))
    ok(server.slash("report acme share"))
    assert len(lazy._started) == 3
    assert slack.calls_to("views.open")
    assert slack.calls_to("files.completeUploadExternal")
    assert slack.calls_to("chat.postMessage")


def test_invoices_are_numbered_when_no_reference_is_given(
    server: AppServer, store: TinyDBStore
) -> None:
    ok(server.slash("add acme"))
    assert "*#INV-1*" in ok(server.slash("invoice acme 100 due fri"))
    assert "*#INV-2*" in ok(server.slash("invoice acme €99 due fri"))
    refused_text = refused(server.slash("paid acme"))
    assert "2 unpaid invoices; say which one was paid, e.g. `/client paid acme #INV-1`" in (
        refused_text
    )
    assert "Still unpaid: #INV-1 (£100.00, due Fri 4 Dec 2026)" in ok(
        server.slash("paid acme #inv-2")
    )
    record = store.find(TEAM1, "acme")
    assert record is not None
    assert [i.amount for i in record.state.invoices] == [
        Money(Decimal("100"), "GBP"),
        Money(Decimal("99"), "EUR"),
    ]


# refusals ------------------------------------------------------------------------------------
def test_duplicate_names_are_refused_case_insensitively(
    server: AppServer, store: TinyDBStore
) -> None:
    ok(server.slash('add "Acme Corp"'))
    before = stored_files(store)
    for text in ('add "ACME  corp"', "add acme CORP as controlling", "add “acme corp”"):
        message = refused(server.slash(text))
        assert "There is already a client called Acme Corp" in message
        assert '`/client status "Acme Corp"` shows it' in message
    assert stored_files(store) == before
    assert len(store.clients(TEAM1)) == 1


def test_unknown_client_points_to_client_list(server: AppServer) -> None:
    ok(server.slash("add acme"))
    message = refused(server.slash("asked globex the brief"))
    assert "I don't know a client called globex." in message
    assert "`/client list` shows your clients" in message
    assert "`/client add globex` adds this one" in message
    assert "Did you mean acme?" in refused(server.slash("status acmee"))


def test_teams_never_see_each_other(
    server: AppServer, team2_server: AppServer, store: TinyDBStore
) -> None:
    ok(server.slash("add acme as late-payer", team=TEAM1))
    ok(server.slash("asked acme the secret brief", team=TEAM1))

    assert "No clients yet" in ok(team2_server.slash("list", team=TEAM2))
    message = refused(team2_server.slash("status acme", team=TEAM2))
    assert "I don't know a client called acme" in message and "`/client list`" in message
    refused(team2_server.slash("heard acme", team=TEAM2))

    # Under one bot token, the other workspace's people are not the agency: refused whole.
    assert "only the team that set up Tactful" in server.slash("list", team=TEAM2).text

    # The same name is free in the other workspace, and starts with an empty record.
    ok(team2_server.slash("add acme", team=TEAM2))
    text = ok(team2_server.slash("status acme", team=TEAM2))
    assert "not classified" in text and "secret brief" not in text
    assert "1 entry," in ok(team2_server.slash("history acme", team=TEAM2))
    text = ok(server.slash("status acme", team=TEAM1))
    assert "late payer" in text and "secret brief" in text
    assert store.find(TEAM1, "acme") != store.find(TEAM2, "acme")


# escaping ------------------------------------------------------------------------------------
def test_typed_text_comes_back_escaped_never_as_markup(
    server: AppServer, store: TinyDBStore
) -> None:
    ok(server.slash("add acme"))
    # Slack sends typed <, > and & as entities.
    res = server.slash("note acme a &amp; b &lt;x&gt; &lt;/b&gt;")
    ok(res)
    body = res.json()
    assert "“a &amp; b &lt;x&gt; &lt;/b&gt;”" in body["text"]
    assert "<x>" not in res.body and "</b>" not in res.body

    # Stored as typed, so the record reads right everywhere else.
    record = store.find(TEAM1, "acme")
    assert record is not None
    newest = next(store.history(TEAM1, record.client.client_id))
    assert newest.text == "a & b <x> </b>"

    for command in ("status acme", "history acme"):
        res = server.slash(command)
        assert "a &amp; b &lt;x&gt; &lt;/b&gt;" in ok(res)
        assert "</b>" not in res.body


def test_typed_text_in_error_messages_is_escaped_once(server: AppServer) -> None:
    ok(server.slash("add acme"))
    res = server.slash("status acme &amp; co &lt;/b&gt;")
    message = refused(res)
    assert "I didn't expect `&amp; co &lt;/b&gt;` there" in message
    assert "&amp;amp;" not in res.body and "</b>" not in res.body


def test_names_are_escaped_in_every_reply(server: AppServer) -> None:
    res = server.slash('add "Tom &amp; Jerry &lt;v2&gt;"')
    assert "Added *Tom &amp; Jerry &lt;v2&gt;*" in ok(res)
    for command in (
        'asked "Tom &amp; Jerry &lt;v2&gt;" cheese',
        "status tom &amp; jerry &lt;v2&gt;",
        "history Tom &amp; Jerry &lt;v2&gt;",
        "list",
    ):
        res = server.slash(command)
        text = ok(res)
        assert "Tom &amp; Jerry &lt;v2&gt;" in text
        assert "<v2>" not in res.json()["text"]
        # Headers are plain_text: Slack shows them as written, so the name is kept as typed.
        headers = [b["text"]["text"] for b in res.json().get("blocks", []) if b["type"] == "header"]
        assert all("&amp;" not in h for h in headers)


def test_names_with_markup_are_refused(server: AppServer, store: TinyDBStore) -> None:
    before = stored_files(store)
    for text in (
        "add <!channel>",
        'add "acme <@U0123|sam>"',
        "add <#C0123|general>",
        "add <!here|here>",
        "add acme <!subteam^S0123|@design>",
    ):
        assert "can't contain mentions" in refused(server.slash(text)), text
    assert stored_files(store) == before
    assert store.clients(TEAM1) == []


# bad input changes nothing -------------------------------------------------------------------
REJECTED = [
    "frobnicate acme",
    "add ACME",
    "add acme as late-payer",
    "add <!channel>",
    'add "x <@U0123>"',
    'add "Acme',
    "add acme quiet 3 quiet 4",
    "set acme",
    "set acme as late-payer",
    "set acme lang fr",
    "asked nobody the logo",
    "asked acme",
    "asked acme hi <!here>",
    "asked acme logo on next monday",
    "asked acme logo on 2026-02-30",
    "note acme a\x00b",
    "note acme " + "x" * 10_240,
    "heard acme on 2099-01-01",
    "revision acme <@U0BOSS> wants it bigger",
    "invoice acme 1.234 due fri",
    "invoice acme 100 due 2030-01-01",
    "invoice acme 100 due fri #INV-1",
    "invoice acme 100",
    "paid acme",
    "paid acme #INV-9",
    "paid initech #P-1",
    "paid globex",
    "promised globex fri",
    "promised acme 2099-01-01",
    "type acme late-payer",
    "type acme grumpy",
    "archive globex",
    "unarchive acme",
    "snooze acme 0 days",
    "snooze acme",
    "status nobody",
    "history acme everything",
    "x" * 10_240,
]


@pytest.fixture
def populated(server: AppServer, clock: Clock) -> AppServer:
    for text in (
        "add acme as late-payer",
        "invoice acme 100 due 2026-12-01 #INV-1",
        "invoice acme 200 due 2026-12-02 #INV-2",
        "add globex",
        "archive globex",
        "add initech",
        "invoice initech 50 due fri #P-1",
        "paid initech #P-1",
    ):
        ok(server.slash(text))
    return server


def test_rejected_commands_store_nothing(populated: AppServer, store: TinyDBStore) -> None:
    # One server for the whole list (each fixture set-up costs more than the requests).
    before = stored_files(store)
    assert len(before) > 5
    for text in REJECTED:
        res = populated.slash(text)
        assert res.status == 200, text
        assert res.json()["text"].startswith(":warning:"), (text, res.json()["text"])
        refused(res)
        assert stored_files(store) == before, f"{text[:60]!r} changed the stored files"


# properties ----------------------------------------------------------------------------------
def add_near_namesakes(server: AppServer) -> None:
    """acme (with an invoice), Acme Corp and globex: names a mistyped name can land near."""
    for setup in ("add acme", 'add "Acme Corp"', "add globex", "invoice acme 10 due fri"):
        ok(server.slash(setup))


_WORDS = st.sampled_from(
    [
        *VERBS,
        "acme",
        "Acme Corp",
        '"Acme Corp"',
        "globex",
        "as",
        "quiet",
        "in",
        "owner",
        "lang",
        "cy",
        "late-payer",
        "3",
        "days",
        "on",
        "due",
        "fri",
        "yesterday",
        "2026-02-30",
        "#INV-1",
        "£300",
        "1,200.50",
        "<@U0123>",
        "<#C0123|x>",
        "<!channel>",
        "&amp;",
        "&lt;b&gt;",
        "“",
        "\x00",
        "\u202e",
    ]
)
_TEXT = st.one_of(
    st.text(max_size=80),
    st.lists(st.one_of(_WORDS, st.text(max_size=5)), min_size=1, max_size=8).map(" ".join),
)


@settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    max_examples=100,
    deadline=None,
)
@given(text=_TEXT)
def test_any_text_gets_a_private_reply_and_errors_store_nothing(
    server: AppServer, store: TinyDBStore, text: str
) -> None:
    if not store.clients(TEAM1):
        add_near_namesakes(server)
    before = stored_files(store)
    res = server.slash(text)
    assert res.status == 200, res.body
    body = res.json()
    assert body["response_type"] == "ephemeral"
    assert live_markup(body) == []
    assert "Something went wrong" not in body["text"]
    if body["text"].startswith(":warning:"):
        assert stored_files(store) == before


def test_a_near_miss_name_is_refused_without_writing_the_list_overview(
    server: AppServer, store: TinyDBStore
) -> None:
    # The overview keeps only summaries of client files older than the file system's clock
    # tick; age the files instead of waiting, so the cache would be written if it were read.
    add_near_namesakes(server)
    hour_ago = file_clock_ns(store.root) / 1e9 - 3600  # on the clock that stamps the files
    for path in store.root.rglob("clients/*.json"):
        os.utime(path, (hour_ago, hour_ago))
    before = stored_files(store)
    text = refused(server.slash("status acmx"))
    assert "Did you mean acme?" in text or "could be acme" in text
    assert "Did you mean Acme Corp?" in refused(server.slash('status "acme corpp"'))
    assert stored_files(store) == before  # overview.json included: an error writes nothing
    assert "acme" in ok(server.slash("list"))  # while the list still builds and keeps it
    assert stored_files(store) != before


def test_report_gives_the_walk_away_pack(server) -> None:
    server.slash("add acme as late-payer")
    server.slash("invoice acme £500 due 2026-11-01 #C7")
    text = server.slash("report acme").text
    assert "Walking away from acme" in text
    assert "£500.00" in text and "#C7" in text
    assert "Hold the handover" in text and "didn't pay on time" in text


def test_invoice_refs_differing_only_in_case_are_the_same_invoice(server) -> None:
    server.slash("add acme")
    server.slash("invoice acme 100 due 2026-12-20 #a")
    assert server.slash("invoice acme 200 due 2026-12-21 #A").text.startswith(":warning:")


def test_history_reads_a_promise_as_by_a_day_and_a_snooze_as_until_one(server) -> None:
    ok(server.slash("add acme"))
    ok(server.slash("invoice acme 900 due 2026-11-20 #A-1"))
    ok(server.slash("promised acme 2026-12-04 #A-1"))
    ok(server.slash("snooze acme 1 week"))
    text = ok(server.slash("history acme"))
    assert "promised to pay #A-1 by Fri 4 Dec 2026" in text
    assert "promised to pay #A-1 until" not in text
    assert "snoozed overdue until Fri 4 Dec 2026" in text


def test_every_option_given_to_add_is_kept_as_set_would_keep_it(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    """`add` once dropped the client's Slack org (and would drop any option it didn't list
    one by one): every option is the Client field of the same name, for `add` as for `set`."""
    text = ok(
        server.slash(
            "add acme as late-payer contact Jo Bloggs org t0acme pay https://pay.example/acme "
            "email jo@acme-studio.example lang cy"
        )
    )
    assert "Added *acme*" in text
    record = store.find("T0TEAM1", "acme")
    assert record is not None
    c = record.client
    assert (c.org, c.pay, c.emails, c.lang, c.contact) == (
        "T0ACME",
        "https://pay.example/acme",
        ("jo@acme-studio.example",),
        "cy",
        "Jo Bloggs",
    )
