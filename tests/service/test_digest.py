"""The weekly digest: one message per week in NUDGE_CHANNEL, exactly once across restarts and
several schedulers, nothing when nothing is pending."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient

import bot
from local_slack import Failure, LocalSlack
from scheduler import jobs
from service.commands import ClientCommands
from service.digest import WeeklyDigest
from storage.tinydb_store import TinyDBStore
from tests.checks import live_markup
from tests.slack_limits import problems
from ui import digest as ui

TEAM = "T0TEAM1"
CHANNEL = "C0NUDGES"
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
MONDAY = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)  # the week 2026-W49


@pytest.fixture
def config(config):
    return replace(config, nudge_channel=CHANNEL)


def digest_for(config, slack: LocalSlack, db_path, clock, timeout=10, **changes) -> WeeklyDigest:
    """A digest as one process builds it: its own store and client, as after a restart."""
    store = TinyDBStore(db_path)
    client = WebClient(token="xoxb-test", base_url=slack.url, retry_handlers=[], timeout=timeout)
    return bot.weekly_digest(replace(config, **changes), store, lambda _team: client)


def digests(slack: LocalSlack) -> list[dict]:
    return [
        m
        for m in slack.messages.get(CHANNEL, [])
        if (m.get("metadata") or {}).get("event_type") == ui.METADATA_EVENT
    ]


def pending_work(store: TinyDBStore) -> None:
    commands = ClientCommands(store, UTC)
    for text in (
        "add acme as late-payer",
        'add "Tom &amp; Jerry"',
        "invoice acme 900 due 2026-11-20",
        'asked "Tom &amp; Jerry" the &lt;logo&gt; on 2026-11-16',
    ):
        assert not commands.run(TEAM, "U0A", text, FRIDAY).error


def test_posted_once_a_week_with_every_item(config, slack, store, db_path, clock) -> None:
    pending_work(store)
    first = digest_for(config, slack, db_path, clock)
    assert first.run(MONDAY - timedelta(hours=1)) == {}  # 08:30: not yet
    assert first.run(MONDAY) == {TEAM: "posted"}
    (message,) = digests(slack)
    body = {"text": message["text"], "blocks": message["blocks"]}
    blocks = json.loads(body["blocks"]) if isinstance(body["blocks"], str) else body["blocks"]
    body["blocks"] = blocks
    assert problems(body, "message") == [] and live_markup(body) == []
    text = json.dumps(body, ensure_ascii=False)
    assert "Weekly digest, Mon 30 Nov 2026" in text
    assert ":red_circle: *acme*: 1 invoice overdue, the oldest by 10 days" in text
    assert ":mute: *Tom &amp; Jerry*: quiet for" in text
    assert message["metadata"]["event_payload"] == {"team": TEAM, "period": "2026-W49"}

    # The same process, a restarted one, and later in the week: nothing more.
    assert first.run(MONDAY + timedelta(minutes=15)) == {TEAM: "already"}
    again = digest_for(config, slack, db_path, clock)
    assert again.run(MONDAY + timedelta(days=2)) == {TEAM: "already"}
    assert len(digests(slack)) == 1
    # Next week's is its own.
    assert again.run(MONDAY + timedelta(days=7)) == {TEAM: "posted"}
    assert len(digests(slack)) == 2


def test_two_schedulers_at_once_post_one_digest(config, slack, store, db_path, clock) -> None:
    pending_work(store)
    # Slack is slow to answer the post: the second scheduler runs while the first waits.
    slack.fail("chat.postMessage", Failure(then_succeed=True, delay=0.5))
    passes = [digest_for(config, slack, db_path, clock) for _ in range(2)]
    start = threading.Barrier(2)
    results: list[dict] = []

    def run(digest: WeeklyDigest) -> None:
        start.wait()
        results.append(digest.run(MONDAY))

    threads = [threading.Thread(target=run, args=(d,)) for d in passes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert sorted(r[TEAM] for r in results) == ["busy", "posted"]
    assert len(digests(slack)) == 1


def test_two_apscheduler_jobs_post_one_digest(config, slack, store, db_path) -> None:
    """The digest runs in the existing periodic job, in every process: two schedulers (each
    with its own store, client and engine, as two processes have) start together."""
    pending_work(store)
    slack.fail("chat.postMessage", Failure(then_succeed=True, delay=0.3))
    now = datetime.now(UTC)  # APScheduler plans the first run by the wall clock
    done = threading.Semaphore(0)
    together = threading.Barrier(2, timeout=20)  # both jobs reach the digest at once
    schedulers = []
    for _ in range(2):
        own = TinyDBStore(db_path)
        client = WebClient(token="xoxb-test", base_url=slack.url, retry_handlers=[])
        engine = bot.build_engine(config, own, client=client, pace=lambda channel: None)
        digest = bot.weekly_digest(config, own, lambda _team, client=client: client)

        def run(_now: datetime, digest: WeeklyDigest = digest) -> None:
            try:
                together.wait()
                digest.run(MONDAY)  # the digest's "now": a Monday morning, whatever today is
            finally:
                done.release()

        schedulers.append(
            jobs.start(
                engine,
                bot.scheduler_lock(config),
                tz=UTC,
                minutes=15,
                clock=lambda: now,
                digest=run,
            )
        )
    try:
        assert done.acquire(timeout=20) and done.acquire(timeout=20), "a job never ran"
    finally:
        for s in schedulers:
            s.shutdown(wait=True)
    assert len(digests(slack)) == 1


def test_a_post_that_landed_unconfirmed_is_found_not_repeated(
    config, slack, store, db_path, clock
) -> None:
    pending_work(store)
    clock.now = MONDAY  # Slack stamps the post with the time it lands
    digest = digest_for(config, slack, db_path, clock, timeout=1)
    # Slack posts it, but the answer never arrives (the client times out).
    slack.fail("chat.postMessage", Failure(then_succeed=True, delay=3))
    assert digest.run(MONDAY) == {TEAM: "failed"}
    assert len(digests(slack)) == 1
    assert store.note(TEAM, "digest-2026-W49")["status"] == "posting"
    # Within the lease another pass stands by; after it, it looks in the channel first.
    assert digest.run(MONDAY + timedelta(minutes=5)) == {TEAM: "busy"}
    assert digest.run(MONDAY + timedelta(minutes=15)) == {TEAM: "posted"}
    assert len(digests(slack)) == 1
    assert store.note(TEAM, "digest-2026-W49")["ts"] == digests(slack)[0]["ts"]
    assert slack.calls_to("conversations.history")


def test_the_look_up_reads_15_a_page_around_the_sending_and_waits_when_rate_limited(
    config, slack, store, db_path, clock
) -> None:
    """Within the limits of apps outside the Marketplace: a page of at most 15 around the
    moment the digest was sent (a channel's later chatter isn't read), and a 429 on the
    look-up posts nothing: it is tried again, never posted blindly."""
    pending_work(store)
    clock.now = MONDAY
    digest = digest_for(config, slack, db_path, clock, timeout=1)
    slack.fail("chat.postMessage", Failure(then_succeed=True, delay=3))
    assert digest.run(MONDAY) == {TEAM: "failed"}
    (ours,) = digests(slack)
    later = float(ours["ts"]) + 3600
    slack.messages[config.nudge_channel] += [
        {"ts": f"{later + i:.6f}", "text": f"chatter {i}"} for i in range(100)
    ]
    slack.fail("conversations.history", Failure(status=429, retry_after=60))
    assert digest.run(MONDAY + timedelta(minutes=15)) == {TEAM: "failed"}
    assert len(digests(slack)) == 1, "not posted blindly"
    assert digest.run(MONDAY + timedelta(minutes=20)) == {TEAM: "busy"}  # within the lease
    assert digest.run(MONDAY + timedelta(minutes=30)) == {TEAM: "posted"}
    assert len(digests(slack)) == 1
    looks = slack.calls_to("conversations.history")
    assert len(looks) == 2 and all(int(c.args["limit"]) <= 15 for c in looks)
    assert float(looks[-1].args["oldest"]) <= float(ours["ts"]) <= float(looks[-1].args["latest"])
    assert float(looks[-1].args["latest"]) < later
    assert store.note(TEAM, "digest-2026-W49")["ts"] == ours["ts"]


def test_nothing_pending_posts_nothing(config, slack, store, db_path, clock) -> None:
    ClientCommands(store, UTC).run(TEAM, "U0A", "add acme", FRIDAY)
    digest = digest_for(config, slack, db_path, clock)
    assert digest.run(MONDAY) == {TEAM: "empty"}
    assert digests(slack) == [] and not slack.calls_to("chat.postMessage")
    # Recorded: the week is settled, even if something turns up on Wednesday.
    ClientCommands(store, UTC).run(TEAM, "U0A", "invoice acme 5 due 2026-11-02", MONDAY)
    assert digest.run(MONDAY + timedelta(days=2)) == {TEAM: "already"}


def test_off_or_without_a_channel_it_never_posts(config, slack, store, db_path, clock) -> None:
    pending_work(store)
    assert digest_for(config, slack, db_path, clock, digest=None).run(MONDAY) == {}
    assert digest_for(config, slack, db_path, clock, nudge_channel="").run(MONDAY) == {}
    assert digests(slack) == []


def test_a_closed_monday_moves_it_to_the_next_working_day(
    config, slack, store, db_path, clock
) -> None:
    pending_work(store)
    tuesday_only = replace(config, work_days=(1, 2, 3, 4))  # the agency doesn't work Mondays
    digest = digest_for(tuesday_only, slack, db_path, clock)
    assert digest.run(MONDAY) == {}
    assert digest.run(MONDAY + timedelta(days=1)) == {TEAM: "posted"}


def test_a_closure_or_holiday_monday_moves_it_too(config, slack, store, db_path, clock) -> None:
    """CLOSED and HOLIDAYS, the working calendar the nudges use, move the digest as well."""
    from datetime import date

    from domain.calendar import WorkCalendar

    pending_work(store)
    closed = WorkCalendar("", frozenset({date(2026, 11, 30)}))
    calendar_config = replace(config, ladders=replace(config.ladders, calendar=closed))
    digest = digest_for(calendar_config, slack, db_path, clock)
    assert digest.run(MONDAY) == {}
    assert digest.run(MONDAY + timedelta(days=1)) == {TEAM: "posted"}


def test_each_item_links_to_its_suggestion_thread(config, slack, store, db_path, clock) -> None:
    """As serve() builds it: the digest asks App Home's permalinks for the thread buttons."""
    from service.home import HomeViews

    pending_work(store)
    client = WebClient(token="xoxb-test", base_url=slack.url, retry_handlers=[])
    clock.now = MONDAY
    bot.build_engine(config, store, client=client, pace=lambda _c: None).scan(MONDAY)
    home = HomeViews(bot.client_commands(config, store), lambda _team: client, clock)
    digest = bot.weekly_digest(config, store, lambda _team: client, home)
    assert digest.run(MONDAY) == {TEAM: "posted"}
    (message,) = digests(slack)
    urls = [b["accessory"]["url"] for b in message["blocks"] if "url" in b.get("accessory", {})]
    assert urls and all(u.startswith("https://local.invalid/archives/") for u in urls)
    assert "waiting for approval" in json.dumps(message["blocks"])


@pytest.mark.parametrize("sharing", ["ext_shared", "pending_ext_shared"])
def test_a_channel_shared_outside_gets_no_digest(
    config, slack, store, db_path, clock, caplog, sharing
) -> None:
    """NUDGE_CHANNEL became a Slack Connect channel (or its invitation is open): the client
    would read who owes what, so the digest is withheld and the log says once where and why."""
    pending_work(store)
    getattr(slack, sharing).add(CHANNEL)
    digest = digest_for(config, slack, db_path, clock)
    with caplog.at_level("WARNING", logger="service.digest"):
        assert digest.run(MONDAY) == {TEAM: "withheld"}
        # Later passes that week, in this process or a restarted one: no post, no new warning.
        assert digest.run(MONDAY + timedelta(minutes=15)) == {TEAM: "withheld"}
        again = digest_for(config, slack, db_path, clock)
        assert again.run(MONDAY + timedelta(days=1)) == {TEAM: "withheld"}
    assert digests(slack) == [] and not slack.calls_to("chat.postMessage")
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert CHANNEL in warnings[0] and "shared with an outside organisation" in warnings[0]
    assert "Set NUDGE_CHANNEL" in warnings[0]
    assert store.note(TEAM, "digest-2026-W49") == {"status": "withheld", "channel": CHANNEL}


def test_a_team_channel_set_instead_gets_that_weeks_digest(
    config, slack, store, db_path, clock
) -> None:
    pending_work(store)
    slack.ext_shared.add(CHANNEL)
    assert digest_for(config, slack, db_path, clock).run(MONDAY) == {TEAM: "withheld"}
    # The team sets NUDGE_CHANNEL to a channel of its own and restarts, the same week.
    moved = digest_for(config, slack, db_path, clock, nudge_channel="C0TEAMONLY")
    assert moved.run(MONDAY + timedelta(hours=2)) == {TEAM: "posted"}
    (message,) = slack.messages["C0TEAMONLY"]
    assert message["metadata"]["event_payload"] == {"team": TEAM, "period": "2026-W49"}
    assert digests(slack) == []
    assert moved.run(MONDAY + timedelta(hours=3)) == {TEAM: "already"}


def test_a_channel_shared_only_later_still_got_its_earlier_digests(
    config, slack, store, db_path, clock
) -> None:
    pending_work(store)
    digest = digest_for(config, slack, db_path, clock)
    assert digest.run(MONDAY) == {TEAM: "posted"}
    slack.ext_shared.add(CHANNEL)
    assert digest.run(MONDAY + timedelta(hours=1)) == {TEAM: "already"}
    assert digest.run(MONDAY + timedelta(days=7)) == {TEAM: "withheld"}
    assert len(digests(slack)) == 1


def many_clients(db_path, count: int) -> list[str]:
    """`count` clients whose 80-character names are full of `&<>` (about 320 once escaped,
    so text, not the count of blocks, is what runs out first): a third each overdue,
    quiet, and promising to pay this week. Written at once (no fsync), as an import would."""
    from datetime import date
    from decimal import Decimal

    from domain.ledger import Draft
    from domain.models import Client, ClientRecord, Kind, Money
    from service.commands import log

    at = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    names = [f"{i:04d} <!channel> " + ("&<>" * 22)[:64] for i in range(count)]

    def items():
        for i, name in enumerate(names):
            record = ClientRecord(client=Client(TEAM, f"c{i:05d}", name, "U0SEED", at))
            drafts = [Draft(Kind.ADDED, at.date())]
            if i % 3 != 1:
                gbp = Money(Decimal(900), "GBP")
                drafts.append(
                    Draft(
                        Kind.INVOICE,
                        at.date(),
                        amount=gbp,
                        ref=f"INV-{i}",
                        due_on=date(2026, 11, 20),
                    )
                )
            if i % 3 == 1:
                drafts.append(Draft(Kind.ASKED, date(2026, 11, 2), text="the <logo>"))
            if i % 3 == 2:  # by the Thursday of the digest's week
                drafts.append(Draft(Kind.PROMISED, date(2026, 11, 25), due_on=date(2026, 12, 3)))
            yield log(record, "U0SEED", at, *drafts)

    TinyDBStore(db_path, durable=False).import_clients(items())
    return names


def test_at_5000_clients_with_long_escaped_names_it_fits_and_counts_the_rest(
    config, slack, db_path, clock
) -> None:
    """Within 50 blocks and well under Slack's ~12,000 characters of block text (past which
    chat.postMessage fails with msg_blocks_too_long and the digest would never post), with a
    last line counting every item left out and pointing to App Home."""
    from domain.agenda import agenda
    from tests.slack_limits import text_size

    assert {len(n) for n in many_clients(db_path, 5000)} == {80}
    assert digest_for(config, slack, db_path, clock).run(MONDAY) == {TEAM: "posted"}
    (message,) = digests(slack)
    blocks = message["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    body = {"text": message["text"], "blocks": blocks}
    assert problems(body, "message") == [] and live_markup(body) == []
    assert text_size(blocks) <= 10_000  # the budget, well under Slack's ~12,000
    text = json.dumps(blocks, ensure_ascii=False)
    assert "&amp;&lt;&gt;" in text and "<!channel>" not in text  # names escaped, once
    assert "&amp;amp;" not in text
    # The most urgent first; every item left out (here promises too) is counted at the end.
    marks = (":red_circle:", ":mute:", ":hourglass:", ":handshake:", ":bulb:")
    shown = sum(text.count(m) for m in marks)
    assert ":red_circle:" in text
    last = blocks[-1]["elements"][0]["text"]
    assert "more* not shown here" in last and "App Home" in last
    left = int(last.split("*…and ")[1].split(" more*")[0].replace(",", ""))
    overview = ClientCommands(TinyDBStore(db_path), UTC).overview(TEAM, MONDAY.date())
    a = agenda(overview.summaries, MONDAY.date())
    total = len(a.overdue) + len(a.quiet) + len(a.waiting) + len(a.promises) + len(a.retype)
    assert total == 5000 and left + shown == total  # a third overdue, quiet, promising
