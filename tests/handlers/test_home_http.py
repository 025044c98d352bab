"""App Home over signed HTTP: the dashboard on open, paged within Slack's limits, refreshed
for the people who have it open when the data changes, and type suggestions one click away."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

import bot
from config import Config
from domain.models import Client, ClientRecord, ClientType, Kind, Nudge, NudgeStatus
from handlers.home import EVENTS
from local_slack import Call, Failure, LocalSlack
from service.commands import Draft, log
from service.home import HomeViews
from storage.tinydb_store import TinyDBStore
from tests.checks import live_markup
from tests.slack_http import AppServer, fresh_id, serve
from tests.slack_limits import problems
from ui import agenda as ag
from ui import home as ui

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TEAM = "T0TEAM1"


def home_opened(**changes: Any) -> dict[str, Any]:
    event = json.loads((FIXTURES / "app_home_opened.json").read_text())
    return {**event, **changes}


def view_of(call: Call) -> dict[str, Any]:
    view = call.args["view"]
    return json.loads(view) if isinstance(view, str) else view


def wait_for_publish(slack: LocalSlack) -> threading.Event:
    """Set once the fake Slack receives views.publish: a synchronisation point for tests
    whose server doesn't wait for the work after the ack."""
    done = threading.Event()

    def on_call(call: Call) -> None:
        if call.method == "views.publish":
            done.set()

    slack.on_call = on_call
    return done


def published(slack: LocalSlack, user: str = "U0ALICE") -> list[dict[str, Any]]:
    return [view_of(c) for c in slack.calls_to("views.publish") if c.args["user_id"] == user]


def opened(server: AppServer, slack: LocalSlack, user: str = "U0ALICE") -> dict[str, Any]:
    """Open Home as `user` and return the view published for them (the event's work runs after
    the ack; the server waits for it)."""
    before = len(published(slack, user))
    assert server.event(home_opened(user=user)).status == 200
    views = published(slack, user)
    assert len(views) == before + 1
    view = views[-1]
    assert problems(view, "home") == [], problems(view, "home")
    assert live_markup(view) == []
    return view


def texts(view: dict[str, Any]) -> str:
    return json.dumps(view, ensure_ascii=False)


def click(server: AppServer, action_id: str, value: str, user: str = "U0ALICE", **extra: Any):
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "agency"},
        "user": {"id": user, "team_id": TEAM},
        "api_app_id": "A0TACTFUL",
        "trigger_id": fresh_id(),
        "view": {"id": "V0HOME0001", "type": "home"},
        "actions": [{"action_id": action_id, "value": value, "type": "button"}],
        **extra,
    }
    res = server.interact(payload)
    assert res.status == 200
    return res


def seed(db_path: Path, count: int, owner_every: int = 0) -> None:
    at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def items():
        for i in range(count):
            owner = "U0ALICE" if owner_every and i % owner_every == 0 else "U0BOB"
            client = Client(TEAM, f"c{i:05d}", f"client-{i:03d}", "U0SEED", at, owner=owner)
            yield log(ClientRecord(client=client), "U0SEED", at, Draft(Kind.ADDED, at.date()))

    TinyDBStore(db_path, durable=False).import_clients(items())


def test_app_home_opened_publishes_the_dashboard(server: AppServer, slack: LocalSlack) -> None:
    assert server.slash("add acme as late-payer owner <@U0ALICE|alice>").status == 200
    assert server.slash('add "Tom &amp; Jerry &lt;v2&gt;"').status == 200
    view = opened(server, slack)
    (call,) = slack.calls_to("views.publish")
    assert call.token == "xoxb-test-token" and call.args["user_id"] == "U0ALICE"
    found = texts(view)
    assert "Active clients (2)" in found
    assert "*acme* · late payer · owner <@U0ALICE> · last contact" not in found  # never contacted
    assert "*acme* · late payer · owner <@U0ALICE> · no contact yet" in found
    assert "*Tom &amp; Jerry &lt;v2&gt;* · not classified · no owner" in found
    assert "Nothing needs attention right now." in found
    assert "*Overdue:* nothing." in found
    assert ui.LOG_OPEN in found
    assert "`/client help` lists every command" in found
    # Alice's own client comes first, under "Yours".
    assert found.index("*Yours* (1)") < found.index("*acme*") < found.index("Tom &amp; Jerry")
    assert home_opened()["type"] in EVENTS


def test_needs_attention_shows_each_item_with_its_age_and_thread(
    server: AppServer, slack: LocalSlack, config, store: TinyDBStore, clock
) -> None:
    server.slash("add acme as late-payer")
    server.slash("invoice acme £900 due 2026-11-20")  # a week overdue on Fri 27 Nov
    server.slash("add globex")
    server.slash("asked globex the logo files on 2026-11-16")  # 9 business days quiet
    report = bot.build_engine(config, store, pace=lambda _c: None).scan(clock.now)
    assert len(report.posted) == 2
    server.slash("add initech")
    server.slash("invoice initech €300 due 2026-11-25")
    server.slash("add hooli")
    server.slash("invoice hooli $50 due 2026-11-02")
    server.slash("promised hooli sun")  # Sunday 29th: this week
    checks = len(slack.calls_to("auth.test"))  # (Bolt checks its token once at start)
    view = opened(server, slack)
    found = texts(view)
    # Per currency, never added across currencies; hooli's invoice, held by a promise, is still
    # overdue (as `/client list` counts it).
    assert "*Overdue:* €300.00 + £900.00 + $50.00, on 3 invoices of 3 clients." in found
    assert "*hooli* promised to pay $50.00 by Sun 29 Nov 2026" in found
    assert "balance £900.00" in found
    assert ":red_circle: *acme*: 1 invoice overdue, the oldest by 7 days" in found
    assert ":mute: *globex*: quiet for 9 business days (waiting since Mon 16 Nov 2026)" in found
    # A week overdue would be stage 2, but escalation never skips a step: the first is stage 1.
    assert "*acme*: suggestion (overdue invoice, step 1) waiting for approval for 0 days" in found
    # Each item with a suggestion thread links to it, by its permalink: built from the
    # workspace's URL as Slack's chat.getPermalink would give it, never asked per item.
    buttons = [b["accessory"] for b in view["blocks"] if b.get("accessory", {}).get("url")]
    assert len(buttons) == 4  # two items, and their two waiting suggestions
    posted = {(c, m["ts"]) for c, ms in slack.messages.items() for m in ms if "thread_ts" not in m}
    assert len(posted) == 2
    expected = {f"https://local.invalid/archives/{c}/p{ts.replace('.', '')}" for c, ts in posted}
    assert {b["url"] for b in buttons} == expected
    assert {b["action_id"] for b in buttons} == {ag.OPEN_THREAD}
    assert slack.calls_to("chat.getPermalink") == []
    assert len(slack.calls_to("auth.test")) == checks + 1
    # Slack opens the link itself and still sends the click: it is acknowledged, nothing more.
    assert click(server, ag.OPEN_THREAD, "").body == ""

    # Days later the suggestion's age has grown; the workspace's URL is remembered.
    clock.now += timedelta(days=3)
    assert "waiting for approval for 3 days" in texts(opened(server, slack))
    assert len(slack.calls_to("auth.test")) == checks + 1
    assert slack.calls_to("chat.getPermalink") == []

    # The client replies: its suggestion waits for nobody now (Approve would refuse it), so
    # Home no longer lists it as waiting; the other one still is.
    server.slash("heard globex sent the files")
    found = texts(opened(server, slack))
    assert "*globex*: suggestion" not in found
    assert "*acme*: suggestion (overdue invoice, step 1) waiting for approval for 3 days" in found


def test_a_big_workspace_is_paged_within_100_blocks_the_viewers_clients_first(
    server: AppServer, slack: LocalSlack, db_path: Path
) -> None:
    seed(db_path, 250, owner_every=10)  # 25 of them are Alice's
    first = opened(server, slack)
    found = texts(first)
    assert "Active clients (250), page 1 of 7" in found
    assert "*Yours* (25)" in found and "*Everyone else's*" in found
    lines_1 = client_lines(first)
    assert len(lines_1) == ui.CLIENTS_PER_PAGE
    assert all("owner <@U0ALICE>" in line for line in lines_1[:25])

    click(server, ui.PAGE_NEXT, "2")
    second = published(slack)[-1]
    assert problems(second, "home") == []
    assert "page 2 of 7" in texts(second)
    lines_2 = client_lines(second)
    assert len(lines_2) == ui.CLIENTS_PER_PAGE and not set(lines_1) & set(lines_2)
    # Opening Home again keeps the page the person was on.
    assert "page 2 of 7" in texts(opened(server, slack))


def client_lines(view: dict[str, Any]) -> list[str]:
    return [
        line
        for b in view["blocks"]
        if b["type"] == "section" and "accessory" not in b
        for line in b["text"]["text"].splitlines()
        if line.startswith("*client-")
    ]


def test_five_thousand_clients_still_fit(store: TinyDBStore, db_path: Path, clock) -> None:
    seed(db_path, 5000, owner_every=3)
    commands = bot.client_commands(Config("x", "y"), store)
    today = clock.now.date()
    standings = commands.overview(TEAM, today).summaries
    for page in (1, 60, 125):
        view = ui.home(standings, viewer="U0ALICE", today=today, page=page)
        assert problems(view, "home") == []
    assert "page 125 of 125" in texts(ui.home(standings, viewer="U0ALICE", today=today, page=999))


def seed_waiting(db_path: Path, count: int) -> None:
    """`count` quiet clients, each with a suggestion posted in C0NUDGES waiting for approval."""
    at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def items():
        for i in range(count):
            client = Client(TEAM, f"c{i:05d}", f"client-{i:04d}", "U0SEED", at)
            nudge = Nudge(
                "quiet:ask-2:1", "quiet", "ask-2", 1, at, NudgeStatus.POSTED, False, "C0NUDGES",
                f"{1793000000 + i}.000100",
            )  # fmt: skip
            record, events = log(
                ClientRecord(client=client),
                "U0SEED",
                at,
                Draft(Kind.ADDED, at.date()),
                Draft(Kind.ASKED, at.date(), text="the logo"),
            )
            yield ClientRecord(client=record.client, state=record.state, nudges={"quiet-1": nudge},
                               next_seq=record.next_seq), events  # fmt: skip

    TinyDBStore(db_path, durable=False).import_clients(items())


def thread_links(view: dict[str, Any]) -> list[str]:
    return [b["accessory"]["url"] for b in view["blocks"] if "url" in b.get("accessory", {})]


def test_home_at_many_clients_builds_its_thread_links_without_asking_slack_per_item(
    server: AppServer, slack: LocalSlack, db_path: Path
) -> None:
    """1,500 suggestions waiting: Home shows a page of them, each with its thread's link, for
    at most one Web API call besides views.publish (the workspace's URL, once)."""
    seed_waiting(db_path, 1500)
    checks = len(slack.calls_to("auth.test"))
    view = opened(server, slack)
    links = thread_links(view)
    assert 0 < len(links) <= ui.ATTENTION_SHOWN
    assert all(
        re.fullmatch(r"https://local\.invalid/archives/C0NUDGES/p1793\d{6}000100", u) for u in links
    ), links
    assert slack.calls_to("chat.getPermalink") == []
    assert len(slack.calls_to("auth.test")) == checks + 1
    opened(server, slack)
    assert len(slack.calls_to("auth.test")) == checks + 1  # remembered
    other = {c.method for c in slack.calls} - {"auth.test", "views.publish"}
    assert other == set()


def test_without_the_workspace_url_items_show_without_their_button_and_it_is_asked_again(
    server: AppServer, slack: LocalSlack, db_path: Path, caplog
) -> None:
    seed_waiting(db_path, 3)
    checks = len(slack.calls_to("auth.test"))
    slack.fail("auth.test", Failure(status=200, body={"ok": False, "error": "fatal_error"}))
    with caplog.at_level("WARNING", logger="service.home"):
        view = opened(server, slack)
    assert thread_links(view) == []
    assert "*client-0000*: quiet for" in texts(view)
    assert "No workspace URL for the thread links" in caplog.text
    assert len(set(thread_links(opened(server, slack)))) == 3  # (each thread, two items)
    assert len(slack.calls_to("auth.test")) == checks + 2


@pytest.fixture
def home(config, store: TinyDBStore, slack: LocalSlack, clock) -> HomeViews:
    """Home with a long debounce, so the test decides when the republish runs."""
    client = WebClient(token=config.bot_token, base_url=slack.url)
    return HomeViews(bot.client_commands(config, store), lambda _team: client, clock, delay=3600)


@pytest.fixture
def home_server(config, store, clock, lazy, home) -> Iterator[AppServer]:
    app = bot.build_app(config, store, clock=clock, listener_executor=lazy, home=home)
    running = serve(app, lazy, healthy=store.writable)
    yield running
    running.close()


def test_home_is_published_again_for_recent_viewers_once_per_burst_of_changes(
    home_server: AppServer, slack: LocalSlack, home: HomeViews, clock
) -> None:
    server = home_server
    opened(server, slack, "U0BOB")  # Bob looked two hours ago: no longer a viewer
    clock.now += timedelta(hours=2)
    opened(server, slack, "U0ALICE")
    server.slash("list")  # reads only: nothing to refresh
    assert not home.pending(TEAM)

    for command in ("add acme", "add globex", "asked acme the logo"):
        assert server.slash(command).status == 200
    assert home.pending(TEAM)  # debounced: nothing published yet
    assert len(published(slack)) == 1

    home.flush(TEAM)
    views = published(slack)
    assert len(views) == 2, "one refresh for the three changes"
    assert "Active clients (2)" in texts(views[-1])
    assert len(published(slack, "U0BOB")) == 1, "Bob's Home is not refreshed"


def test_a_failure_to_schedule_the_home_refresh_does_not_fail_a_saved_command(
    home_server: AppServer, home: HomeViews, store, monkeypatch
) -> None:
    def broken(team: str) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(home, "changed", broken)
    reply = home_server.slash("add acme")
    assert reply.status == 200 and ":warning:" not in reply.json()["text"], reply.body
    assert store.find(TEAM, "acme") is not None


def test_the_log_form_and_a_nudge_pass_refresh_home_too(
    home_server: AppServer, slack: LocalSlack, home: HomeViews, config, store, clock
) -> None:
    server = home_server
    server.slash("add acme as late-payer")
    server.slash("invoice acme 900 due 2026-11-20")
    opened(server, slack)
    home.flush(TEAM)
    shown = len(published(slack))

    # The form, submitted over signed HTTP.
    client_id = store.find(TEAM, "acme").client.client_id
    form = {
        "type": "modal",
        "callback_id": "log_interaction",
        "private_metadata": json.dumps({"team": TEAM}),
        "state": {
            "values": {
                "log_client": {"log_client_pick": {"selected_option": {"value": client_id}}},
                "log_kind": {"kind": {"selected_option": {"value": "heard"}}},
            }
        },
    }
    res = server.interact(
        {
            "type": "view_submission",
            "team": {"id": TEAM},
            "user": {"id": "U0ALICE", "team_id": TEAM},
            "view": form,
        }
    )
    assert res.json()["response_action"] == "update"
    assert home.pending(TEAM)
    home.flush(TEAM)
    assert len(published(slack)) == shown + 1
    assert f"last contact {clock.now:%a %-d %b %Y}" in texts(published(slack)[-1])

    bot.build_engine(config, store, pace=lambda _c: None).scan(clock.now)
    home.changed(TEAM)  # what serve()'s job does after each pass
    home.flush(TEAM)
    assert "waiting for approval" in texts(published(slack)[-1])


def late_payer_history(server: AppServer) -> None:
    server.slash("add acme")
    for n, (due, paid) in enumerate(
        [
            ("2026-06-01", "2026-06-01"),
            ("2026-07-01", "2026-07-06"),
            ("2026-08-01", "2026-08-11"),
            ("2026-09-01", "2026-09-16"),
        ],
        start=1,
    ):
        sent = f"{due[:5]}{int(due[5:7]) - 1:02d}-01"  # a month before it is due
        assert "Logged" in server.slash(f"invoice acme 100 due {due} #I{n} on {sent}").text
        assert "(paid in full)" in server.slash(f"paid acme #I{n} on {paid}").text


def test_the_record_suggests_a_type_and_one_click_accepts_it(
    server: AppServer, slack: LocalSlack, store: TinyDBStore
) -> None:
    late_payer_history(server)
    view = opened(server, slack)
    found = texts(view)
    assert "What the record suggests" in found
    assert (
        ":bulb: *acme* looks like a late payer: paid a median 7.5 days late over 4 invoices, "
        "+5 days per invoice." in found
    )
    status = server.slash("status acme").text
    assert "*Habits:* pays a median 7.5 days late (4 invoices, +5 days per invoice)" in status
    assert "looks like a late payer" in status
    button = next(
        b["accessory"]
        for b in view["blocks"]
        if b.get("accessory", {}).get("action_id") == ag.ACCEPT_TYPE
    )
    assert button["text"]["text"] == "Mark as late payer"

    click(server, ag.ACCEPT_TYPE, button["value"])
    record = store.find(TEAM, "acme")
    assert record is not None and record.client.client_type is ClientType.LATE_PAYER
    assert "type changed “type: none → late-payer”" in server.slash("history acme").text
    # Accepted: nothing more to suggest.
    assert "What the record suggests" not in texts(opened(server, slack))
    # A button naming another workspace's client, or nonsense, changes nothing.
    click(server, ag.ACCEPT_TYPE, "c-unknown|controlling")
    click(server, ag.ACCEPT_TYPE, button["value"].split("|")[0] + "|boss")
    assert store.find(TEAM, "acme").client.client_type is ClientType.LATE_PAYER


def test_a_type_accepted_from_the_digest_is_told_with_postephemerals_own_arguments(
    server: AppServer, slack: LocalSlack, store: TinyDBStore
) -> None:
    late_payer_history(server)
    record = store.find(TEAM, "acme")
    assert record is not None
    click(
        server, ag.ACCEPT_TYPE, f"{record.client.client_id}|late-payer", channel={"id": "C0DIGEST"}
    )
    (told,) = [c.args for c in slack.wait_for("chat.postEphemeral")]
    # `response_type` is for slash command answers: chat.postEphemeral takes no such argument.
    assert "response_type" not in told
    assert told["channel"] == "C0DIGEST" and told["user"] == "U0ALICE" and told["text"]


def test_a_decision_on_a_suggestion_refreshes_home(
    home_server: AppServer, slack: LocalSlack, home: HomeViews, config, store, clock
) -> None:
    from tests.handlers.test_actions import button, posted  # noqa: F401 - the fixture's helpers
    from ui import nudges as nudge_ui

    server = home_server
    server.slash("add acme as unresponsive in <#C0ACME|acme>")
    server.slash("asked acme sign-off on 2026-11-16")
    bot.build_engine(config, store, pace=lambda _c: None).scan(clock.now)
    opened(server, slack)
    home.flush(TEAM)
    assert "waiting for approval" in texts(published(slack)[-1])
    record = store.find(TEAM, "acme")
    (nudge,) = record.nudges.values()
    server.interact(
        button(nudge_ui.APPROVE, (record.client.client_id, nudge.key, nudge.thread_ts), "U0ALICE")
    )
    assert home.pending(TEAM)
    home.flush(TEAM)
    assert "waiting for approval" not in texts(published(slack)[-1])


def test_archived_clients_still_owing_are_listed_apart(
    server: AppServer, slack: LocalSlack
) -> None:
    server.slash("add acme")
    server.slash("invoice acme £900 due 2026-12-20")
    server.slash("paid acme £400 #INV-1")
    server.slash("archive acme")
    server.slash("add globex")
    server.slash("archive globex")  # owes nothing: not listed
    found = texts(opened(server, slack))
    archived = found[found.index("Archived, still owing") :]
    assert "*acme* · not classified · no owner" in archived and "balance £500.00" in archived
    assert "globex" not in found
    assert "Active clients (0)" in found
