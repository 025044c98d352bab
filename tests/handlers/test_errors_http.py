"""Issue 22 over signed HTTP: every error leads to the right command, whole and ready to
paste, and never to one that removes data for a word that means something else."""

from __future__ import annotations

from storage.tinydb_store import TinyDBStore
from tests.checks import history_of, ok, refused, stored_files
from tests.conftest import Clock
from tests.slack_http import AppServer


# 1. refund / credit --------------------------------------------------------------------------
def test_refund_and_credit_lead_to_the_commands_that_record_them_never_to_undo(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    clock.set("2026-11-23T10:00")
    ok(server.slash("add acme as late-payer"))
    ok(server.slash("invoice acme £900 due 30/11"))
    ok(server.slash("paid acme £900"))
    before = stored_files(store)

    text = refused(server.slash("refund acme £50"))
    assert "undo" not in text
    assert "There is no `refund` command" in text
    # Placeholders look like placeholders, never like an id or a ref that could be pasted.
    assert "`/client void acme &lt;id&gt; &lt;reason&gt;`" in text  # the reply escapes once
    assert "`/client history acme`" in text
    assert "`/client fix acme #&lt;ref&gt; amount &lt;what they now owe&gt;`" in text
    assert "`/client note acme &lt;what was refunded&gt;`" in text

    text = refused(server.slash('credit "Acme" £50'))
    assert "void" not in text and "undo" not in text
    assert '`/client fix "Acme" #&lt;ref&gt; amount' in text

    # Asking what is owed never leads to `paid` (pasting it would log the balance as paid).
    for word in ("unpaid", "owed", "balance"):
        text = refused(server.slash(f"{word} acme"))
        assert "`paid`" not in text and "/client paid" not in text, (word, text)
        assert "`/client status acme` shows what acme owes" in text
    # Deleting leads to what takes a line or a client back, named, never guessed.
    text = refused(server.slash("delete acme"))
    assert "There is no `delete` command: the record keeps every line." in text
    assert "`/client undo`" in text and "`/client archive acme`" in text
    assert "`/client void acme &lt;id&gt; &lt;reason&gt;`" in text

    # Near misses of verbs that void or hide something are offered only as plain typos...
    for word in ("refunds", "reimburse", "unfo", "vote", "arch", "offer"):
        text = refused(server.slash(f"{word} acme"))
        for removing in ("undo", "void", "archive", "offboard"):
            assert f"`{removing}`" not in text, (word, text)
    # ... where the word can mean nothing else, and then as the whole command.
    assert "Did you mean `undo`? `/client undo acme`." in refused(server.slash("undoo acme"))
    assert "Did you mean `archive`?" in refused(server.slash("archve acme"))
    # Other verbs are still guessed, with the command whole.
    text = refused(server.slash("aksed acme the logo files"))
    assert "Did you mean `asked`? `/client asked acme the logo files`" in text
    assert stored_files(store) == before
    assert len(history_of(store, "acme")) == 3


# 2. an unquoted contact, and corrections that keep the whole command ----------------------------
def test_a_contact_of_several_words_needs_no_quotes_and_corrections_keep_the_whole_command(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    clock.set("2026-11-23T10:00")
    text = ok(
        server.slash('add "Brightwater Homes" as controlling contact Fiona Reid owner <@U0SAM|sam>')
    )
    assert "Added *Brightwater Homes*" in text
    record = store.find("T0TEAM1", "Brightwater Homes")
    assert record is not None
    client = record.client
    assert (client.contact, client.owner, client.client_type.value) == (
        "Fiona Reid",
        "U0SAM",
        "controlling",
    )
    ok(server.slash("add bramble contact Hannah Price greet as Hannah quiet 5 days"))
    bramble = store.find("T0TEAM1", "bramble")
    assert bramble is not None
    assert (bramble.client.contact, bramble.client.greet, bramble.client.quiet_days) == (
        "Hannah Price",
        "Hannah",
        5,
    )
    # A contact whose name holds an option word goes in quotes, as before.
    ok(server.slash('set bramble contact "Jo In Accounts"'))
    bramble = store.find("T0TEAM1", "bramble")
    assert bramble is not None and bramble.client.contact == "Jo In Accounts"

    before = stored_files(store)
    # A correction repeats every other part of the command, ready to paste.
    text = refused(server.slash("add initech as late payer contact Fiona Reid owner <@U0SAM>"))
    assert (
        "Did you mean `late-payer`? e.g. "
        "`/client add initech as late-payer contact Fiona Reid owner &lt;@U0SAM&gt;`"
    ) in text
    text = refused(server.slash("add initech as controling contact Fiona Reid quiet 4 days"))
    assert "`/client add initech as controlling contact Fiona Reid quiet 4 days`" in text
    text = refused(server.slash("add initech as controlling langg cy contact Fiona Reid"))
    assert (
        "Did you mean `lang`? `/client add initech as controlling lang cy contact Fiona Reid`"
    ) in text
    assert stored_files(store) == before


# 3. a misspelt name is not left in the text -----------------------------------------------------
def test_a_misspelt_name_is_corrected_whole_and_none_of_it_is_left_in_the_text(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    clock.set("2026-11-23T10:00")
    ok(server.slash('add "Acme Corp" as late-payer'))
    ok(server.slash("add globex"))
    before = stored_files(store)

    text = refused(server.slash("asked Acme Crop the logo files"))
    assert "I don't know a client called Acme Crop. Did you mean Acme Corp?" in text
    assert '`/client asked "Acme Corp" the logo files`' in text
    assert "Crop the logo" not in text
    text = refused(server.slash("asked acm corp the logo files on 20/11"))
    assert '`/client asked "Acme Corp" the logo files on 20/11`' in text
    # A word that spells no more of the name stays the text's.
    text = refused(server.slash("asked globx globally the brief"))
    assert "`/client asked globex globally the brief`" in text
    text = refused(server.slash("note Acme Crop R&amp;D call"))
    assert '`/client note "Acme Corp" R&amp;D call`' in text  # escaped once, by the reply
    assert stored_files(store) == before

    # The corrected command, pasted, logs the request without the typo.
    ok(server.slash('asked "Acme Corp" the logo files'))
    (asked, *_) = history_of(store, "Acme Corp")
    assert asked.text == "the logo files"


# 4. impossible dates, and example dates from the command's today -------------------------------
def test_an_impossible_date_gets_the_whole_command_with_a_real_one_and_examples_follow_today(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    clock.set("2027-03-01T10:00")  # a Monday, a year after the dates hard-coded once
    ok(server.slash("add globex"))
    before = stored_files(store)

    text = refused(server.slash("invoice globex £100 due 31/02 #INV-9"))
    assert "`31/02` is not a real date: February has 28 days. Did you mean `28/02`?" in text
    assert "Type: `/client invoice globex £100 due 28/02 #INV-9`" in text
    text = refused(server.slash("paid globex £50 on 2027-02-30"))
    assert "Type: `/client paid globex £50 on 2027-02-28`" in text
    text = refused(server.slash("asked globex the logo on 31/04"))
    # 30/04 alone would be next month, and a thing that happened can't be dated ahead: the
    # suggestion carries the year that makes it one that is taken.
    assert "Type: `/client asked globex the logo on 30/04/2026`" in text
    text = refused(server.slash("promised globex 12/20"))
    assert "the day comes first, then the month. Did you mean `20/12`?" in text
    assert "Type: `/client promised globex 20/12`" in text

    # Hints that need an example date build it from today, never from a year gone by.
    text = refused(server.slash("away globex until someday"))
    assert "Type: `/client away globex until 2027-03-08`" in text
    text = refused(server.slash("invoice globex £100"))
    assert "`/client invoice globex £100 due 2027-03-08`" in text
    text = refused(server.slash("fix globex #INV-1"))
    assert "`/client fix globex #INV-7 due 2027-03-08`" in text
    assert "`/client fix globex e12 on 2027-02-28`" in text
    for reply in (
        refused(server.slash(command))
        for command in (
            "invoice globex £100 due 31/02",
            "away globex until someday",
            "invoice globex £100",
            "fix globex #INV-1",
            "paid globex",
            "invoice globex £100 due soonish",
        )
    ):
        assert "2026-" not in reply, reply
    assert stored_files(store) == before


# From a second console walk -------------------------------------------------------------------
def test_suggested_commands_keep_what_was_typed_and_name_the_client_meant(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    clock.set("2026-12-07T10:00")
    ok(server.slash('add "Oak &amp; Ivy" as late-payer'))
    ok(server.slash('add "Bloom Florists" as unresponsive'))
    ok(server.slash("add Kestrel as late-payer"))
    ok(server.slash("invoice Kestrel £900 due 2026-12-04 on 2026-11-04 #K-102"))
    before = stored_files(store)

    # A name missing a word or a sign: the client meant, never a quoted new name.
    text = refused(server.slash("status Oak Ivy"))
    assert 'Did you mean Oak &amp; Ivy? `/client status "Oak &amp; Ivy"`' in text
    text = refused(server.slash("report oak and ivy share"))
    assert '`/client report "Oak &amp; Ivy" share`' in text
    # A known name with a word too many: the command without it, not a name with it.
    text = refused(server.slash('export "Oak &amp; Ivy" csv'))
    assert '`/client export "Oak &amp; Ivy"` is the whole command' in text

    # Words after a misspelt name that spell no more of it stay in the command.
    text = refused(server.slash("asked bloom the product photos"))
    assert '`/client asked "Bloom Florists" the product photos`' in text
    text = refused(server.slash("heard bloom e5 photos sent over wetransfer"))
    assert '`/client heard "Bloom Florists" e5 photos sent over wetransfer`' in text

    # A date that can't be read is put right, not swapped for an example date.
    text = refused(server.slash("fix Kestrel #K-102 due date 2027-01-15"))
    assert "Type: `/client fix Kestrel #K-102 due 2027-01-15`" in text
    text = refused(server.slash("promised Kestrel next fridy"))
    assert "Type: `/client promised Kestrel next friday`" in text

    # The client first, then the verb: the same words, the verb first.
    text = refused(server.slash("Kestrel paid 500"))
    assert "The verb comes first, then the client: `/client paid Kestrel 500`" in text
    text = refused(server.slash("Oak &amp; Ivy asked the logo"))
    assert '`/client asked "Oak &amp; Ivy" the logo`' in text
    assert stored_files(store) == before


# From a third console walk ---------------------------------------------------------------------
def test_a_reference_already_taken_shows_the_invoice_and_the_next_free_reference(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    clock.set("2026-12-07T10:00")
    ok(server.slash("add Kestrel as late-payer"))
    ok(server.slash("invoice Kestrel £900 due 2026-12-04 on 2026-11-04 #K-102"))
    ok(server.slash("invoice Kestrel £100 due 2026-12-20"))  # #INV-2, numbered by Tactful
    before = stored_files(store)

    text = refused(server.slash("invoice Kestrel 900 GBP due 3 days ago #k-102"))
    assert "Kestrel already has invoice #K-102: £900.00, due Fri 4 Dec 2026." in text
    assert "If it's the same invoice, it's logged already and there's nothing to do." in text
    # The next reference Tactful itself would give, in the whole command as typed.
    assert "Type: `/client invoice Kestrel 900 GBP due 3 days ago #INV-3`" in text
    assert "INV-13" not in text
    assert stored_files(store) == before
    # Pasted, it is logged under that reference.
    ok(server.slash("invoice Kestrel 900 GBP due 3 days ago #INV-3"))
    record = store.find("T0TEAM1", "Kestrel")
    assert record is not None
    assert [i.ref for i in record.state.invoices] == ["K-102", "INV-2", "INV-3"]


def test_amount_errors_repeat_the_whole_command_with_an_amount_that_works(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    clock.set("2026-12-07T10:00")
    ok(server.slash('add "Nova Dental" as late-payer'))
    ok(server.slash('invoice "Nova Dental" €1500 due 2026-12-04 on 2026-11-04 #ND-1'))
    before = stored_files(store)

    text = refused(server.slash('invoice "Nova Dental" €1.200 due 2026-12-20 #ND-2'))
    assert 'For 1,200, type `/client invoice "Nova Dental" €1,200 due 2026-12-20 #ND-2`.' in text
    assert 'For 1.20, type `/client invoice "Nova Dental" €1.20 due 2026-12-20 #ND-2`.' in text
    text = refused(server.slash('paid "Nova Dental" 1.000 #ND-1'))
    assert '`/client paid "Nova Dental" 1,000 #ND-1`' in text
    assert '`/client paid "Nova Dental" 1.00 #ND-1`' in text

    text = refused(server.slash('paid "Nova Dental" €2000 #ND-1'))
    assert "€2,000.00 is more than the €1,500.00 still owed on #ND-1." in text
    assert 'Type: `/client paid "Nova Dental" €1,500 #ND-1`' in text
    text = refused(server.slash('paid "Nova Dental" €2000'))
    assert 'Type: `/client paid "Nova Dental" €1,500`' in text

    # Dated before the invoice: the amount stays in the command.
    text = refused(server.slash('paid "Nova Dental" €500 #ND-1 on 2026-10-01'))
    assert "on or after Wed 4 Nov 2026" in text
    assert 'Type: `/client paid "Nova Dental" €500 #ND-1 on today`' in text

    text = refused(server.slash('invoice "Nova Dental" $-50 due 2026-12-20'))
    assert "Amounts are positive: `$-50` can't be logged." in text
    assert "a note" in text and "refunded $50" in text
    assert 'Type: `/client invoice "Nova Dental" $50 due 2026-12-20`' in text
    assert stored_files(store) == before

    # Each suggestion, pasted, is accepted.
    ok(server.slash('paid "Nova Dental" €500 #ND-1 on today'))
    ok(server.slash('paid "Nova Dental" €1,000 #ND-1'))
    ok(server.slash('invoice "Nova Dental" €1,200 due 2026-12-20 #ND-2'))


def test_a_missing_part_of_an_invoice_is_named_and_the_rest_is_kept(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    clock.set("2026-12-07T10:00")  # a Monday
    ok(server.slash("add Kestrel as late-payer"))
    ok(server.slash("invoice Kestrel £900 due 2026-12-04 on 2026-11-04 #K-102"))
    before = stored_files(store)

    text = refused(server.slash("invoice Kestrel 750"))
    assert "Give the amount" not in text
    assert "The due date is missing" in text
    assert "`/client invoice Kestrel 750 due 2026-12-14`" in text
    text = refused(server.slash("invoice Kestrel 750 #K-103"))
    assert "`/client invoice Kestrel 750 due 2026-12-14 #K-103`" in text
    text = refused(server.slash("invoice Kestrel due 2026-12-20"))
    assert "The amount is missing" in text
    assert "`/client invoice Kestrel 1,200 due 2026-12-20`" in text
    text = refused(server.slash("fix Kestrel K-102 due 2027-01-15"))
    assert "did you mean `#K-102`?" in text
    assert "Type: `/client fix Kestrel #K-102 due 2027-01-15`" in text
    assert stored_files(store) == before

    ok(server.slash("invoice Kestrel 750 due 2026-12-14"))
    ok(server.slash("fix Kestrel #K-102 due 2027-01-15"))


def test_a_misspelt_option_word_and_a_typed_out_mention_say_what_to_do(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    clock.set("2026-12-07T10:00")
    ok(server.slash("add Kestrel as late-payer"))
    before = stored_files(store)

    text = refused(server.slash("set Kestrel ower <@U0SAM>"))
    assert "can't contain mentions" not in text
    assert "Did you mean `owner`? `/client set Kestrel owner &lt;@U0SAM&gt;`" in text
    text = refused(server.slash("set Kestrel quite 5 days"))
    assert "Did you mean `quiet`? `/client set Kestrel quiet 5 days`" in text
    # `@sam` typed out reaches the app as plain text: the reply says how to make it a mention,
    # never offers the same words again.
    text = refused(server.slash("set Kestrel owner @sam"))
    assert "plain text, not a mention" in text and "Slack's list" in text
    assert "owner @sam`" not in text
    assert stored_files(store) == before

    ok(server.slash("set Kestrel owner <@U0SAM>"))
    record = store.find("T0TEAM1", "Kestrel")
    assert record is not None and record.client.owner == "U0SAM"
    # A name with a word that merely looks like an option is still a name.
    ok(server.slash("add Acme Owen as late-payer"))


def test_dates_suggested_for_impossible_ones_are_themselves_accepted(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    clock.set("2027-02-10T10:00")  # before 28 Feb: `28/02` alone would be ahead
    ok(server.slash("add Kestrel as late-payer"))
    before = stored_files(store)

    text = refused(server.slash("asked Kestrel the logo on 31/02"))
    assert "Type: `/client asked Kestrel the logo on 28/02/2026`" in text
    # A plan may be ahead: the day alone is right.
    text = refused(server.slash("invoice Kestrel £100 due 31/02"))
    assert "Type: `/client invoice Kestrel £100 due 28/02`" in text
    # Day and month swapped in an ISO date: the date meant, not an unrelated example.
    text = refused(server.slash("invoice Kestrel £100 due 2027-13-01"))
    assert "Did you mean `2027-01-13`?" in text
    assert "Type: `/client invoice Kestrel £100 due 2027-01-13`" in text
    assert stored_files(store) == before

    ok(server.slash("asked Kestrel the logo on 28/02/2026"))
    ok(server.slash("invoice Kestrel £100 due 28/02"))
    ok(server.slash("invoice Kestrel £100 due 2027-01-13"))


def test_a_misspelt_or_partial_name_is_offered_never_acted_on_and_kr_is_asked_about(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    clock.set("2026-12-07T10:00")
    ok(server.slash('add "Bloom Florists" as unresponsive'))
    ok(server.slash('add "Harbour Dental" as unresponsive'))
    ok(server.slash("add Kestrel as late-payer"))
    before = stored_files(store)

    text = refused(server.slash("asked Blom the product photos"))
    assert (
        'Did you mean Bloom Florists? `/client asked "Bloom Florists" the product photos`' in text
    )
    text = refused(server.slash("asked harbour the x-rays"))
    assert 'Did you mean Harbour Dental? `/client asked "Harbour Dental" the x-rays`' in text

    # `kr` in a GBP workspace: four crowns write it, so each is offered, whole.
    text = refused(server.slash("invoice Kestrel kr 500 due 2026-12-20"))
    for code in ("DKK", "ISK", "NOK", "SEK"):
        assert f"For {code}, type `/client invoice Kestrel {code} 500 due 2026-12-20`." in text
    assert stored_files(store) == before
    ok(server.slash("invoice Kestrel NOK 500 due 2026-12-20"))


def test_undoing_an_archive_names_the_command_that_takes_it_back(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    clock.set("2026-12-07T10:00")
    ok(server.slash('add "Oak &amp; Ivy" as late-payer'))
    ok(server.slash('archive "Oak &amp; Ivy"'))
    before = stored_files(store)
    text = refused(server.slash("undo"))
    assert "can't be voided" in text
    assert '`/client unarchive "Oak &amp; Ivy"` takes it back.' in text
    assert stored_files(store) == before
    ok(server.slash('unarchive "Oak &amp; Ivy"'))
    text = refused(server.slash("undo"))
    assert '`/client archive "Oak &amp; Ivy"` takes it back.' in text


# From a third console walk -------------------------------------------------------------------
def test_a_guess_at_a_verb_never_writes_what_the_word_opposes_and_a_promise_keeps_its_ref(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    clock.set("2026-12-14T10:00")
    ok(server.slash("add kestrel as late-payer"))
    ok(server.slash("invoice kestrel £900 due 2026-12-01 on 2026-11-01 #INV-1"))
    ok(server.slash("invoice kestrel £300 due 2026-12-04 on 2026-11-04 #INV-2"))
    before = stored_files(store)
    # Words that negate, oppose or merely share letters with a verb that writes: no guess.
    for word in ("onboard", "unsnooze", "undone", "unvoid", "clear", "board"):
        text = refused(server.slash(f"{word} kestrel"))
        assert "Did you mean" not in text, (word, text)
    # A verb's own start, or a plain typo, is still offered with the whole command.
    assert "`/client history kestrel`" in refused(server.slash("hist kestrel"))
    assert "`/client promised kestrel fri`" in refused(server.slash("promissed kestrel fri"))
    # A date spelt wrong for a thing that happened: its meaning kept, never another day.
    text = refused(server.slash("fix kestrel e3 on next fridy"))
    assert "Type: `/client fix kestrel e3 on next friday`" in text
    assert stored_files(store) == before

    # The ref before the date is read as the ref: the promise holds that invoice only.
    text = ok(server.slash("promised kestrel #INV-2 next fri"))
    state = store.find("T0TEAM1", "kestrel").state
    promised = {i.ref: i.promised_by for i in state.invoices}
    assert promised["INV-2"] is not None and promised["INV-1"] is None, text


def test_a_payment_is_never_redated_before_its_invoice_was_sent(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    """Found in a third walk: `paid` refused it, `fix … on` accepted it (and a suggested date
    for `31/02` led there)."""
    clock.set("2026-12-14T10:00")
    ok(server.slash('add "Harbour Cafe"'))
    ok(server.slash('invoice "Harbour Cafe" £900 due 2026-12-20 on 2026-12-08 #INV-2'))
    ok(server.slash('paid "Harbour Cafe" £800 #INV-2'))  # e3
    before = stored_files(store)
    text = refused(server.slash('fix "Harbour Cafe" e3 on 2026-02-28'))
    assert "Invoice #INV-2 was sent on Tue 8 Dec 2026" in text
    assert '`/client fix "Harbour Cafe" e3 on 2026-12-08`' in text
    assert stored_files(store) == before
    assert "Fixed" in ok(server.slash('fix "Harbour Cafe" e3 on 2026-12-08'))


def test_missing_or_extra_words_get_the_users_own_command_back(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    clock.set("2026-12-14T10:00")
    ok(server.slash('add "Harbour Cafe"'))
    ok(server.slash("add northwind"))
    before = stored_files(store)
    text = refused(server.slash('void "Harbour Cafe" #INV-2'))
    assert '`/client void "Harbour Cafe" #INV-2 &lt;reason&gt;`' in text and "acme" not in text
    text = refused(server.slash('void "Harbour Cafe"'))
    assert '`/client void "Harbour Cafe" &lt;id or #ref&gt; &lt;reason&gt;`' in text
    assert '`/client offboard "Harbour Cafe" they' in refused(
        server.slash('offboard "Harbour Cafe"')
    )
    assert '`/client done "Harbour Cafe" &lt;id&gt;`' in refused(
        server.slash('done "Harbour Cafe"')
    )
    text = refused(server.slash('paid "Harbour Cafe" 50 #INV-2 #INV-3'))
    assert '`/client paid "Harbour Cafe" &lt;amount&gt; #INV-3`' in text and "acme" not in text
    # A known client's name and a word too many: the command without it.
    text = refused(server.slash("archive northwind please"))
    assert "`/client archive northwind` is the whole command" in text
    # A snooze that ends in the past: the whole command with a day that is ahead.
    text = refused(server.slash("snooze northwind yesterday"))
    assert "has already come" in text and "Type: `/client snooze northwind 2026-12-21`" in text
    # Cancelling an invoice is voiding it, with the ref kept.
    text = refused(server.slash('cancel "Harbour Cafe" #H1'))
    assert '`/client void "Harbour Cafe" #H1 &lt;reason&gt;`' in text
    assert "`/client void &lt;client&gt; #H1 &lt;reason&gt;`" in refused(server.slash("cancel #H1"))
    # A misspelt name keeps the verb typed, whatever it is.
    assert "`/client undo northwind`" in refused(server.slash("undo nortwind"))
    assert stored_files(store) == before


def test_a_payments_ref_without_its_hash_gets_the_whole_command_with_it(
    server: AppServer, store: TinyDBStore, clock: Clock
) -> None:
    clock.set("2026-12-14T10:00")
    ok(server.slash('add "Harbour Cafe"'))
    ok(server.slash('invoice "Harbour Cafe" £900 due 2026-12-20 on 2026-12-08 #INV-2'))
    before = stored_files(store)
    text = refused(server.slash('paid "Harbour Cafe" £50 INV-2'))
    assert 'Type: `/client paid "Harbour Cafe" £50 #INV-2`' in text
    assert stored_files(store) == before
    assert "£50.00 to #INV-2" in ok(server.slash('paid "Harbour Cafe" £50 #INV-2'))
