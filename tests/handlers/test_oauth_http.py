"""Installable by many workspaces, over real HTTP: Bolt's OAuth flow against LocalSlack's
oauth.v2.access, three workspaces each spoken to with its own token (requests, the nudge
pass), uninstalling stops one workspace's nudges only, and `python bot.py purge` deletes one
workspace's record, audited."""

from __future__ import annotations

import http.client
import json
import logging
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

import bot
from cli import purge
from config import Config
from handlers.http import InstallLimit
from local_slack import LocalSlack
from service.nudges import NudgeEngine
from service.workspaces import BOT_SCOPES, AuditLog, Installations
from storage.tinydb_store import TinyDBStore
from tests.checks import ok
from tests.conftest import Clock
from tests.handlers.test_actions import button
from tests.handlers.test_home_http import home_opened
from tests.installs import Page, browse, install, start_install
from tests.postgres import fresh_schema
from tests.slack_http import SECRET, AppServer, LazyListeners, serve
from ui import nudges as ui

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "client-secret-do-not-print"
TEAMS = ("T0AAA", "T0BBB", "T0CCC")
# Each workspace's client has its own channel: a post's channel says whose nudge it is.
CHANNEL = {"T0AAA": "C0AAA", "T0BBB": "C0BBB", "T0CCC": "C0CCC"}


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """Where the installations live: "" (SQLite in the data folder), or a PostgreSQL schema of
    this test's own, dropped afterwards."""
    if request.param == "sqlite":
        yield ""
        return
    with fresh_schema(migrated=False) as (_schema, url):
        yield url


@pytest.fixture
def oauth_config(slack: LocalSlack, db_path: Path, database_url: str) -> Config:
    return Config(
        bot_token="",
        signing_secret=SECRET,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        slack_api_url=slack.url,
        database_path=db_path,
        database_url=database_url,
    )


@pytest.fixture
def installations(oauth_config: Config) -> Installations:
    return bot.open_installations(oauth_config)


@pytest.fixture
def oauth_server(
    oauth_config: Config,
    store: TinyDBStore,
    clock: Clock,
    installations: Installations,
    lazy: LazyListeners,
) -> Iterator[AppServer]:
    app = bot.build_app(
        oauth_config, store, clock=clock, installations=installations, listener_executor=lazy
    )
    running = serve(app, lazy, healthy=store.writable)
    yield running
    running.close()


def engine(oauth_config: Config, store: TinyDBStore, installations: Installations) -> NudgeEngine:
    return bot.build_engine(
        oauth_config, store, installations=installations, pace=lambda _channel: None
    )


def token_of(installations: Installations, team: str) -> str:
    found = installations.store.find_installation(enterprise_id=None, team_id=team)
    assert found is not None and found.bot_token
    return found.bot_token


@pytest.fixture
def three_quiet_clients(
    oauth_server: AppServer, slack: LocalSlack, clock: Clock, installations: Installations
) -> None:
    """Three workspaces installed; each adds `acme` in its own channel and asks it something
    on Monday: by Friday each is quiet, with a nudge due."""
    for team in TEAMS:
        assert install(oauth_server, slack, team).status == 200
    clock.set("2026-11-23T10:00")
    for team in TEAMS:
        channel = CHANNEL[team]
        ok(oauth_server.slash(f"add acme in <#{channel}|work>", team=team))
        ok(oauth_server.slash("asked acme the signed contract", team=team))
    clock.set("2026-11-27T10:00")


def uninstall(
    server: AppServer,
    installations: Installations,
    monkeypatch: pytest.MonkeyPatch,
    event: dict,
    team: str,
) -> None:
    """Slack's signed event, and a wait until the listener (run after Bolt's ack, as for every
    event) has deleted the installation: a synchronisation point, not a sleep."""
    done = threading.Event()
    deleted = installations.store.delete_all

    def delete_all(**where: str | None) -> None:
        deleted(**where)
        done.set()

    monkeypatch.setattr(installations.store, "delete_all", delete_all)
    assert server.event(event, team=team, event_id=f"EvGone{team}").status == 200
    assert done.wait(timeout=10), "the installation was never deleted"


def posts_by_team(slack: LocalSlack) -> dict[str, set[str]]:
    """For each chat.postMessage: the team its token belongs to -> the teams its nudges
    (metadata) and channels are of."""
    seen: dict[str, set[str]] = {}
    for call in slack.calls_to("chat.postMessage"):
        metadata = call.args["metadata"]
        metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
        about = metadata["event_payload"]["team_id"]
        channel_team = next(t for t, c in CHANNEL.items() if c == call.args["channel"])
        seen.setdefault(slack.team_of(call.token) or "unknown token", set()).update(
            {about, channel_team}
        )
    return seen


# the install ---------------------------------------------------------------------------------
def test_install_redirects_to_slacks_consent_page_with_a_state(oauth_server: AppServer) -> None:
    page, state, cookie = start_install(oauth_server)
    assert page.status == 302
    url = urlsplit(page.location)
    assert (url.scheme, url.netloc, url.path) == ("https", "slack.com", "/oauth/v2/authorize")
    query = parse_qs(url.query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"] == [",".join(BOT_SCOPES)]
    assert state and cookie == f"slack-app-oauth-state={state}"
    assert CLIENT_SECRET not in page.location + json.dumps(page.headers) + page.body


def test_the_redirect_exchanges_the_code_and_stores_the_installation(
    oauth_server: AppServer, slack: LocalSlack, installations: Installations, oauth_config: Config
) -> None:
    page = install(oauth_server, slack, "T0AAA")
    assert page.status == 200, page.body
    (exchange,) = slack.calls_to("oauth.v2.access")
    assert exchange.args["code"].startswith("code-T0AAA-")
    token = token_of(installations, "T0AAA")
    assert slack.team_of(token) == "T0AAA"
    # ...and stored in the database: another process (a replica) opening it finds it.
    fresh = bot.open_installations(oauth_config)
    assert fresh is not installations
    assert fresh.token("T0AAA") == token
    assert fresh.token("T0BBB") is None


def test_a_forged_or_reused_state_installs_nothing(
    oauth_server: AppServer, slack: LocalSlack, installations: Installations
) -> None:
    _page, state, cookie = start_install(oauth_server)
    code = slack.code_for("T0AAA")
    forged = browse(
        oauth_server,
        "/slack/oauth_redirect?" + urlencode({"code": code, "state": "made-up"}),
        cookie,
    )
    assert forged.status >= 400
    assert slack.calls_to("oauth.v2.access") == []
    good = "/slack/oauth_redirect?" + urlencode({"code": code, "state": state})
    assert browse(oauth_server, good, cookie).status == 200
    # The same state a second time (a replayed link): refused, the state was used up.
    replay = "/slack/oauth_redirect?" + urlencode({"code": slack.code_for("T0BBB"), "state": state})
    assert browse(oauth_server, replay, cookie).status >= 400
    assert installations.token("T0BBB") is None


# three workspaces ----------------------------------------------------------------------------
def test_three_workspaces_each_answered_and_stored_under_their_own_team(
    oauth_server: AppServer, slack: LocalSlack, store: TinyDBStore, installations: Installations
) -> None:
    for team in TEAMS:
        assert install(oauth_server, slack, team).status == 200
    tokens = {team: token_of(installations, team) for team in TEAMS}
    assert len(set(tokens.values())) == 3

    for team in TEAMS:
        text = ok(oauth_server.slash(f"add client-of-{team.lower()}", team=team))
        assert f"client-of-{team.lower()}" in text
    for team in TEAMS:
        assert list(store.names(team)) == [f"client-of-{team.lower()}"]

    # A request that calls Slack back does so with its own workspace's token.
    for team in TEAMS:
        assert oauth_server.event(home_opened(), team=team, event_id=f"Ev{team}").status == 200
    publishes = slack.wait_for("views.publish", 3)
    assert sorted(slack.team_of(c.token) for c in publishes) == sorted(TEAMS)


def test_a_request_from_a_workspace_that_never_installed_gets_no_answer_from_its_data(
    oauth_server: AppServer, store: TinyDBStore
) -> None:
    res = oauth_server.slash("add acme", team="T0NEVER")
    assert "acme" not in res.body
    assert store.teams() == []


def test_a_pass_posts_each_workspaces_nudge_with_that_workspaces_token(
    oauth_config: Config,
    store: TinyDBStore,
    slack: LocalSlack,
    installations: Installations,
    clock: Clock,
    three_quiet_clients: None,
) -> None:
    report = engine(oauth_config, store, installations).scan(clock.now)
    assert len(report.posted) == 3 and report.failed == []
    # Alert and suggestion for each: six posts, each with the token of the nudge's workspace.
    assert len(slack.calls_to("chat.postMessage")) == 6
    assert posts_by_team(slack) == {team: {team} for team in TEAMS}


def test_an_approved_message_goes_out_with_its_workspaces_token(
    oauth_server: AppServer,
    oauth_config: Config,
    store: TinyDBStore,
    slack: LocalSlack,
    installations: Installations,
    clock: Clock,
    three_quiet_clients: None,
) -> None:
    ok(oauth_server.slash("set acme shared <#C0SHAREDB|client>", team="T0BBB"))
    engine(oauth_config, store, installations).scan(clock.now)
    record = store.find("T0BBB", "acme")
    (nudge,) = record.nudges.values()
    payload = button(ui.APPROVE, (record.client.client_id, nudge.key, nudge.thread_ts))
    payload["team"] = {"id": "T0BBB", "domain": "agency-b"}
    payload["user"]["team_id"] = "T0BBB"
    payload["container"]["channel_id"] = nudge.channel
    payload["channel"] = {"id": nudge.channel, "name": "work"}
    assert oauth_server.interact(payload).status == 200
    (delivered,) = [
        c for c in slack.wait_for("chat.postMessage", 7) if c.args["channel"] == "C0SHAREDB"
    ]
    assert slack.team_of(delivered.token) == "T0BBB"
    # The thread then shows the approval (after the delivery is stored), with the same token.
    (shown,) = slack.wait_for("chat.update")
    assert slack.team_of(shown.token) == "T0BBB"
    assert store.find("T0BBB", "acme").nudges[nudge.key].delivery == delivered_ts(slack)


def delivered_ts(slack: LocalSlack) -> str:
    (message,) = slack.messages["C0SHAREDB"]
    return message["ts"]


# uninstalling --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "event",
    [
        {"type": "app_uninstalled"},
        {"type": "tokens_revoked", "tokens": {"bot": ["UBOTT0BBB"]}},
    ],
)
def test_uninstalling_stops_that_workspaces_nudges_and_keeps_its_record(
    oauth_server: AppServer,
    oauth_config: Config,
    store: TinyDBStore,
    slack: LocalSlack,
    installations: Installations,
    clock: Clock,
    three_quiet_clients: None,
    caplog: pytest.LogCaptureFixture,
    event: dict,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slack.revoke("T0BBB")
    uninstall(oauth_server, installations, monkeypatch, event, "T0BBB")
    assert installations.token("T0BBB") is None

    nudger = engine(oauth_config, store, installations)
    with caplog.at_level(logging.WARNING, logger="service.workspaces"):
        report = nudger.scan(clock.now)
        nudger.scan(clock.now)
    assert report.not_installed == ["T0BBB"]
    assert posts_by_team(slack) == {"T0AAA": {"T0AAA"}, "T0CCC": {"T0CCC"}}
    # Told when it happened, and by the pass once, not every pass.
    (removed,) = [r.getMessage() for r in caplog.records if "was removed" in r.getMessage()]
    assert "T0BBB" in removed and "purge --team T0BBB" in removed
    told = [r.getMessage() for r in caplog.records if "no installation" in r.getMessage()]
    assert len(told) == 1 and "T0BBB" in told[0]
    # The record stays until the agency asks for it to go.
    assert store.find("T0BBB", "acme") is not None
    assert "1 workspace(s) not installed skipped" in report.summary()


def test_a_workspace_that_installs_again_is_nudged_again(
    oauth_server: AppServer,
    oauth_config: Config,
    store: TinyDBStore,
    slack: LocalSlack,
    installations: Installations,
    clock: Clock,
    three_quiet_clients: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    uninstall(oauth_server, installations, monkeypatch, {"type": "app_uninstalled"}, "T0BBB")
    nudger = engine(oauth_config, store, installations)
    assert nudger.scan(clock.now).not_installed == ["T0BBB"]
    assert install(oauth_server, slack, "T0BBB").status == 200
    report = nudger.scan(clock.now)
    assert report.not_installed == [] and len(report.posted) == 1
    assert posts_by_team(slack) == {team: {team} for team in TEAMS}


# token rotation ------------------------------------------------------------------------------
def test_rotating_tokens_are_refreshed_before_they_expire(
    oauth_server: AppServer,
    oauth_config: Config,
    store: TinyDBStore,
    slack: LocalSlack,
    installations: Installations,
    clock: Clock,
) -> None:
    # Slack's tokens last 12 hours; these expire within the two hours before which Bolt (and
    # the pass) refresh them, so every use refreshes first.
    slack.rotating, slack.expires_in = True, 60
    assert install(oauth_server, slack, "T0AAA").status == 200
    first = token_of(installations, "T0AAA")
    clock.set("2026-11-23T10:00")
    # A request: Bolt's authorize refreshes through LocalSlack, not slack.com.
    ok(oauth_server.slash("add acme in <#C0AAA|work>", team="T0AAA"))
    ok(oauth_server.slash("asked acme the logo", team="T0AAA"))
    refreshes = [
        c for c in slack.calls_to("oauth.v2.access") if c.args.get("grant_type") == "refresh_token"
    ]
    assert refreshes, "the request did not refresh the expiring token"
    clock.set("2026-11-27T10:00")
    before = token_of(installations, "T0AAA")
    assert before != first
    engine(oauth_config, store, installations).scan(clock.now)
    posts = slack.calls_to("chat.postMessage")
    assert len(posts) == 2
    now_token = token_of(installations, "T0AAA")
    assert now_token != before  # refreshed again by the pass...
    assert {c.token for c in posts} == {now_token}  # ...and posted with the fresh one
    assert first not in {c.token for c in posts}


# purge ---------------------------------------------------------------------------------------
@pytest.fixture
def purge_env(monkeypatch: pytest.MonkeyPatch, oauth_config: Config, slack: LocalSlack) -> None:
    """`python bot.py purge` reads its settings from the environment, like every mode."""
    monkeypatch.setenv("SLACK_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SLACK_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_API_URL", slack.url)
    monkeypatch.setenv("DATABASE_PATH", str(oauth_config.database_path))


# With DATABASE_URL, `python bot.py purge` opens the PostgreSQL store too; these tests hold
# their records in the TinyDB fixture, so their installations are in the data folder's SQLite.
ON_TINYDB = pytest.mark.parametrize("database_url", [""])


@ON_TINYDB
def test_purge_deletes_only_that_workspace_and_audits_it(
    oauth_server: AppServer,
    store: TinyDBStore,
    installations: Installations,
    three_quiet_clients: None,
    purge_env: None,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    oauth_config: Config,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    uninstall(oauth_server, installations, monkeypatch, {"type": "app_uninstalled"}, "T0BBB")
    with caplog.at_level(logging.WARNING, logger="tactful"):
        assert purge.run(["--team", "T0BBB", "--yes"], bot.ROOT) == 0
    assert store.teams() == ["T0AAA", "T0CCC"]
    assert store.find("T0BBB", "acme") is None
    assert store.find("T0AAA", "acme") is not None and store.find("T0CCC", "acme") is not None
    assert installations.token("T0AAA") and installations.token("T0CCC")

    audit = bot._open_workspaces_db(oauth_config, AuditLog).entries()
    (entry,) = audit
    assert entry["action"] == "purge" and entry["team_id"] == "T0BBB"
    # added and asked: two interactions; the installation went when it was uninstalled.
    assert entry["details"] == {"clients": 1, "interactions": 2, "installations": 0}
    assert "@" in entry["who"] and entry["at"]
    (line,) = [r.getMessage() for r in caplog.records if "Purged" in r.getMessage()]
    assert "T0BBB" in line and entry["who"] in line and "1 clients" in line
    out = capsys.readouterr()
    assert "Purged workspace T0BBB" in out.out
    assert CLIENT_SECRET not in out.out + out.err + line


@ON_TINYDB
def test_purge_asks_first_and_deletes_nothing_unless_the_team_id_is_typed(
    oauth_server: AppServer,
    store: TinyDBStore,
    installations: Installations,
    three_quiet_clients: None,
    purge_env: None,
    oauth_config: Config,
) -> None:
    questions: list[str] = []

    def answer(with_: str):
        def ask(question: str) -> str:
            questions.append(question)
            return with_

        return ask

    assert purge.run(["--team", "T0BBB"], bot.ROOT, ask=answer("yes")) == 1
    assert "T0BBB" in store.teams() and installations.token("T0BBB")
    assert "1 client(s)" in questions[0] and "still installed" in questions[0]
    assert bot._open_workspaces_db(oauth_config, AuditLog).entries() == []

    assert purge.run(["--team", "T0BBB"], bot.ROOT, ask=answer("T0BBB")) == 0
    assert "T0BBB" not in store.teams()
    # Still installed when purged: its installation went too, so nothing is posted there.
    assert installations.token("T0BBB") is None
    (entry,) = bot._open_workspaces_db(oauth_config, AuditLog).entries()
    assert entry["details"]["installations"] == 2  # the installation and its bot


@ON_TINYDB
def test_purge_refuses_a_team_id_that_is_not_one(purge_env: None) -> None:
    assert purge.run(["--team", "../T0AAA", "--yes"], bot.ROOT) == bot.EXIT_CONFIG


def test_with_one_bot_token_an_uninstall_is_only_logged(
    server: AppServer, caplog: pytest.LogCaptureFixture
) -> None:
    """One workspace (SLACK_BOT_TOKEN): there is no installation to delete; the operator is
    told a new token is needed."""
    with caplog.at_level(logging.WARNING, logger="service.workspaces"):
        assert server.event({"type": "app_uninstalled"}, event_id="EvGone").status == 200
    (told,) = [r.getMessage() for r in caplog.records if "app_uninstalled" in r.getMessage()]
    assert "T0TEAM1" in told and "new token" in told


# OAuth state: purged, and bounded per address ---------------------------------------------------
def get_install(server: AppServer, address: str) -> Page:
    """GET /slack/install from `address` (any 127.x.y.z is this machine's loopback)."""
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(
        parts.hostname, parts.port, timeout=10, source_address=(address, 0)
    )
    try:
        conn.request("GET", "/slack/install")
        res = conn.getresponse()
        return Page(res.status, {k.lower(): v for k, v in res.getheaders()}, res.read().decode())
    finally:
        conn.close()


def test_expired_states_are_deleted_when_a_link_is_issued_or_used_and_after_each_pass(
    oauth_server: AppServer, slack: LocalSlack, installations: Installations, clock: Clock
) -> None:
    states = installations.state_store
    states.now = clock
    start_install(oauth_server)
    _page, old_state, old_cookie = start_install(oauth_server)
    assert states.count() == 2
    clock.now += timedelta(minutes=11)  # install links last 10 minutes
    _page, state, cookie = start_install(oauth_server)
    assert states.count() == 1, "issuing a link deletes the expired ones"
    start_install(oauth_server)  # another, never used
    late = browse(
        oauth_server,
        "/slack/oauth_redirect?" + urlencode({"code": slack.code_for("T0AAA"), "state": old_state}),
        old_cookie,
    )
    assert late.status >= 400 and slack.calls_to("oauth.v2.access") == []
    clock.now += timedelta(minutes=11)
    late = browse(
        oauth_server,
        "/slack/oauth_redirect?" + urlencode({"code": slack.code_for("T0AAA"), "state": state}),
        cookie,
    )
    assert late.status >= 400 and slack.calls_to("oauth.v2.access") == []
    assert states.count() == 0, "using a link deletes the expired ones"
    start_install(oauth_server)
    clock.now += timedelta(minutes=10)
    assert states.purge_expired() == 1 and states.count() == 0


def test_a_link_still_in_time_installs_once(
    oauth_server: AppServer, slack: LocalSlack, installations: Installations, clock: Clock
) -> None:
    installations.state_store.now = clock
    _page, state, cookie = start_install(oauth_server)
    clock.now += timedelta(minutes=9)
    good = "/slack/oauth_redirect?" + urlencode({"code": slack.code_for("T0AAA"), "state": state})
    assert browse(oauth_server, good, cookie).status == 200
    assert installations.state_store.count() == 0


def test_install_links_are_bounded_per_address(
    oauth_config: Config,
    store: TinyDBStore,
    clock: Clock,
    installations: Installations,
    lazy: LazyListeners,
) -> None:
    ticks = [0.0]
    limit = InstallLimit(per_window=10, window=60, monotonic=lambda: ticks[0])
    app = bot.build_app(
        oauth_config, store, clock=clock, installations=installations, listener_executor=lazy
    )
    server = serve(app, lazy, healthy=store.writable, install_limit=limit)
    try:
        assert [get_install(server, "127.0.0.1").status for _ in range(10)] == [302] * 10
        refused = get_install(server, "127.0.0.1")
        assert refused.status == 429
        assert refused.headers["retry-after"] == "60"
        assert "wait 60 seconds, then open /slack/install again" in refused.body
        assert installations.state_store.count() == 10, "a refused request adds no state"
        # Another address is not held up by the first.
        assert get_install(server, "127.0.0.2").status == 302
        ticks[0] += 30
        assert get_install(server, "127.0.0.1").headers["retry-after"] == "30"
        ticks[0] += 30
        assert get_install(server, "127.0.0.1").status == 302
    finally:
        server.close()


def test_the_install_limit_remembers_a_bounded_number_of_addresses() -> None:
    limit = InstallLimit(per_window=1, window=60, capacity=3, monotonic=lambda: 0.0)
    assert all(limit.allow(f"10.0.0.{i}") for i in range(5))
    assert len(limit._issued) == 3
    assert not limit.allow("10.0.0.4")
