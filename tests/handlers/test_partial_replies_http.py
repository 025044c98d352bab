"""A reply to some requests only, over signed HTTP: `/client heard acme e3` closes that request,
keeps the others open, runs their quiet clock again from that day, and the next message
thanks the client for what came and speaks only of what is still open."""

from __future__ import annotations

from datetime import UTC, datetime

from config import Config
from domain.models import Kind
from storage.tinydb_store import TinyDBStore
from tests.checks import history_of, ok, refused
from tests.conftest import Clock
from tests.nudge_pass import nudge_pass
from tests.slack_http import TEAM1, AppServer


def test_a_reply_to_one_request_keeps_the_others_and_thanks_for_it(
    server: AppServer, store: TinyDBStore, slack, clock: Clock, config: Config
) -> None:
    ok(server.slash("add acme quiet 3 contact Jo in <#C0ACME|acme>"))
    ok(server.slash("asked acme the brand guidelines on 2026-11-16"))
    ok(server.slash("asked acme admin access to the site on 2026-11-16"))
    # Thu 19: they sent the guidelines, nothing about access.
    logged = ok(server.slash("heard acme e2 sent the PDF on 2026-11-19"))
    assert "answered e2 “the brand guidelines”: “sent the PDF”" in logged
    assert "Still waiting on e3 “admin access to the site”" in logged
    assert "runs again from Thu 19 Nov 2026" in logged
    state = store.find(TEAM1, "acme").state
    assert [a.what for a in state.open_asks] == ["admin access to the site"]
    assert [e.target for e in history_of(store, "acme") if e.kind is Kind.HEARD] == [2]
    # Five working days after asking, but two after their reply: not gone quiet yet.
    clock.now = datetime(2026, 11, 23, 10, tzinfo=UTC)
    assert nudge_pass(config, store, slack, clock).posted == []
    clock.now = datetime(2026, 11, 24, 10, tzinfo=UTC)
    (key,) = nudge_pass(config, store, slack, clock).posted
    assert key == "quiet:ask-3:1"
    text = store.find(TEAM1, "acme").nudges[key].versions[0].text
    # Thanks first, then only what is still open.
    assert text.startswith(
        "Hi Jo, thank you for getting back to us about the brand guidelines on Thu 19 November."
    )
    assert "admin access to the site" in text and text.count("brand guidelines") == 1
    assert "haven't heard" not in text and "no reply" not in text


def test_after_a_partial_reply_the_ladder_goes_on_at_its_next_step_never_early(
    server: AppServer, store: TinyDBStore, slack, clock: Clock, config: Config
) -> None:
    from service.decisions import Decisions

    ok(server.slash("add acme quiet 3 contact Jo in <#C0ACME|acme>"))
    ok(server.slash("asked acme the brand guidelines on 2026-11-02"))
    ok(server.slash("asked acme admin access to the site on 2026-11-02"))
    clock.now = datetime(2026, 11, 5, 10, tzinfo=UTC)  # step 1, approved: answer by Thu 12
    (one,) = nudge_pass(config, store, slack, clock).posted
    cid = store.find(TEAM1, "acme").client.client_id
    assert Decisions(store, UTC).approve(TEAM1, cid, one, "U0BOSS", clock.now).result == "approved"
    clock.now = datetime(2026, 11, 10, 10, tzinfo=UTC)
    ok(server.slash("heard acme e2 on 2026-11-10"))  # the guidelines came on Tue 10
    # Step 1 gave them until Thu 12 and the rest's clock runs again from Tue 10: nothing
    # before the first working day after both (Fri 13 for the answer day; 6 working days
    # after the reply for step 2's threshold: Wed 18).
    for day in (12, 13, 16, 17):
        clock.now = datetime(2026, 11, day, 10, tzinfo=UTC)
        assert nudge_pass(config, store, slack, clock).posted == [], day
    clock.now = datetime(2026, 11, 18, 10, tzinfo=UTC)
    (two,) = nudge_pass(config, store, slack, clock).posted
    assert two == "quiet:ask-2:2" or two.endswith(":2")  # the next step, not step 1 again
    text = store.find(TEAM1, "acme").nudges[two].versions[0].text
    assert text.startswith("Hi Jo, thank you for getting back to us about the brand guidelines")
    assert "admin access to the site" in text


def test_a_partial_reply_names_open_requests_only(server: AppServer, store: TinyDBStore) -> None:
    ok(server.slash("add acme"))
    ok(server.slash("asked acme the brand guidelines on 2026-11-16"))
    ok(server.slash("asked acme admin access on 2026-11-16"))
    before = history_of(store, "acme")
    assert "e9 isn't a request of acme still waiting" in refused(server.slash("heard acme e9"))
    assert "That is every open request" in refused(server.slash("heard acme e2 e3"))
    assert "can't answer what you asked" in refused(server.slash("heard acme e2 on 2026-11-10"))
    assert history_of(store, "acme") == before  # refused: nothing stored
    # A plain reply still answers everything.
    ok(server.slash("heard acme"))
    assert store.find(TEAM1, "acme").state.open_asks == ()


def test_a_request_is_told_to_the_client_in_their_terms_and_the_ack_shows_how(
    server: AppServer, store: TinyDBStore, slack, clock: Clock, config: Config
) -> None:
    ok(server.slash("add acme quiet 3 contact Jo in <#C0ACME|acme>"))
    ack = ok(server.slash("asked acme just checking in on admin access to their CMS on 2026-11-20"))
    assert "In messages to them it reads “admin access to your CMS”" in ack
    assert "`/client void acme e2 wrong words`" in ack
    # Words already fit to send get no such line.
    assert "In messages to them" not in ok(server.slash("asked acme the signed PO"))
    nudge_pass(config, store, slack, clock)
    (nudge,) = store.find(TEAM1, "acme").nudges.values()
    text = nudge.versions[0].text
    assert "admin access to your CMS" in text
    assert "their CMS" not in text and "checking in on just checking in" not in text


def test_the_partial_reply_ack_names_a_handful_of_what_is_still_open(
    server: AppServer, store: TinyDBStore
) -> None:
    ok(server.slash("add acme"))
    for i in range(9):
        ok(server.slash(f"asked acme item {i} on 2026-11-16"))
    ack = ok(server.slash("heard acme e2"))
    assert "item 5" in ack and "item 6" not in ack
    assert "and 3 more (`/client status`)" in ack
