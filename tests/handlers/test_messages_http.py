"""A client's replies in their shared Slack Connect channel, logged as `heard` by themselves:
signed `message` events over HTTP, acknowledged at once and processed after the ack."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import bot
from config import Config
from domain.client_messages import client_message
from domain.ledger import MAX_REPLIES_KEPT
from domain.models import Interaction, Kind, NudgeStatus
from local_slack import Failure
from service.heard import SharedChannelReplies
from storage.tinydb_store import TinyDBStore
from tests.checks import live_markup, ok, refused
from tests.conftest import Clock
from tests.handlers.test_actions import button
from tests.nudge_pass import nudge_pass
from tests.slack_http import AppServer, LazyListeners, serve
from ui import nudges as ui

TEAM = "T0TEAM1"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NOW_TS = "1795773600.000100"  # the clock fixture's moment, Fri 27 Nov 2026 10:00 UTC


class Watched(SharedChannelReplies):
    """The app's reply log, telling the test when an event has been handled (after the ack,
    on Bolt's thread): a synchronisation point, not a timed sleep."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.handled: list[str] = []
        self.changed = threading.Condition()

    def _note(self, event_id: str) -> None:
        with self.changed:
            self.handled.append(event_id)
            self.changed.notify_all()

    def seen(self, event_id: str) -> bool:
        already = super().seen(event_id)
        if already:
            self._note(event_id)
        return already

    def done(self, event_id: str) -> None:
        super().done(event_id)
        self._note(event_id)

    def wait(self, event_id: str, times: int = 1) -> None:
        with self.changed:
            ok = self.changed.wait_for(lambda: self.handled.count(event_id) >= times, 10)
        assert ok, f"event {event_id} was not handled {times} time(s)"


class Apps:
    """Serves the app built as bot.py builds it, with its reply log watched."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, store: TinyDBStore, clock: Clock) -> None:
        self.store, self.clock, self.logs, self.servers = store, clock, [], []
        self.executors: list[LazyListeners] = []
        logs = self.logs

        class Recorded(Watched):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                logs.append(self)

        monkeypatch.setattr(bot, "SharedChannelReplies", Recorded)

    def serve(
        self, config: Config, process_before_response: bool = False
    ) -> tuple[AppServer, Watched]:
        lazy = LazyListeners()
        self.executors.append(lazy)
        app = bot.build_app(
            config,
            self.store,
            clock=self.clock,
            process_before_response=process_before_response,
            listener_executor=lazy,
        )
        server = serve(app, lazy)
        self.servers.append(server)
        return server, self.logs[-1]

    def close(self) -> None:
        for server in self.servers:
            server.close()
        for executor in self.executors:
            executor.shutdown(wait=True)


@pytest.fixture
def apps(monkeypatch, store, clock) -> Iterator[Apps]:
    running = Apps(monkeypatch, store, clock)
    yield running
    running.close()


@pytest.fixture(params=[False, True], ids=["answer-first", "process-before-response"])
def served(apps: Apps, config: Config, request) -> tuple[AppServer, Watched]:
    """The app, answering Slack before its listeners finish or after (as on FaaS): the
    listener acks at once and logs after the ack either way."""
    return apps.serve(config, process_before_response=request.param)


@pytest.fixture
def acme(served, store) -> str:
    """A client with a shared channel, waiting on an answer since Monday; its id."""
    server, _ = served
    reply = server.slash(
        "add acme as unresponsive in <#C0ACME|acme> shared <#C0SHARED|acme-shared>"
    ).text
    assert "auto-logging of their replies is on" in reply
    assert ":warning:" not in server.slash("asked acme sign-off on the posts on 2026-11-23").text
    return store.find(TEAM, "acme").client.client_id


def message(**changes: Any) -> dict[str, Any]:
    event = json.loads((FIXTURES / "message_shared_channel.json").read_text())
    return {**event, **changes}


def send(served, event: dict[str, Any], event_id: str, **kw: Any) -> None:
    """Deliver the event as Slack does and wait until the app has handled it."""
    server, log = served
    before = log.handled.count(event_id)
    res = server.event(event, event_id=event_id, **kw)
    assert res.status == 200
    log.wait(event_id, before + 1)


def heard(store: TinyDBStore, name: str = "acme") -> list[Interaction]:
    record = store.find(TEAM, name)
    return [e for e in store.history(TEAM, record.client.client_id) if e.kind is Kind.HEARD]


# who is replying -----------------------------------------------------------------------------
def test_a_message_from_the_client_is_logged_as_heard_and_stops_the_quiet_clock(
    served, acme, store, slack, clock
) -> None:
    assert store.find(TEAM, "acme").state.open_asks  # waiting on them
    send(served, message(), "Ev1")

    (entry,) = heard(store)
    assert entry.ref == f"C0SHARED/{NOW_TS}"
    assert entry.text == "Hi @someone, sign-off attached & https://acme.example/brief is final"
    assert entry.link == "https://local.invalid/archives/C0SHARED/p1795773600000100"
    assert entry.logged_by == "U0JO" and entry.occurred_on.isoformat() == "2026-11-27"
    (call,) = slack.calls_to("chat.getPermalink")
    assert (call.args["channel"], call.args["message_ts"]) == ("C0SHARED", NOW_TS)
    state = store.find(TEAM, "acme").state
    assert state.open_asks == () and state.last_heard_on == entry.occurred_on

    # The history shows their words, inert, and the link to the message.
    res = served[0].slash("history acme")
    assert live_markup(res.json()) == []
    assert (
        "they replied in the shared channel “Hi @someone, sign-off attached &amp; "
        "https://acme.example/brief is final” "
        "https://local.invalid/archives/C0SHARED/p1795773600000100" in res.text
    )
    assert "from <@U0JO>, logged automatically" in res.text


def test_their_markup_is_kept_as_plain_words(served, acme, store) -> None:
    text = "&lt;!channel&gt; <!here> thanks <#C0GEN|general> <@U0SAM|sam>\u202e ok"
    send(served, message(text=text), "Ev1")
    assert heard(store)[0].text == "@channel @here thanks #general @sam ok"
    res = served[0].slash("history acme")
    assert live_markup(res.json()) == []
    assert "“@channel @here thanks #general @sam ok”" in res.text


def test_mentions_are_stored_inert_live_or_typed_as_characters(served, acme, store) -> None:
    """Stored inert, not only shown escaped: a client typing `<!channel>` as characters arrives
    as `&lt;!channel&gt;`, which read back as typed would be a live mention again."""
    text = "<!channel> <@U123> pay day &lt;!channel&gt; &lt;@U123&gt; &lt;&lt;!here&gt;&gt; a < b"
    send(served, message(text=text), "Ev1")
    (entry,) = heard(store)
    assert "<!" not in entry.text and "<@" not in entry.text and "<#" not in entry.text
    assert entry.text.startswith("@channel @someone pay day @channel @someone")


def test_only_the_clients_own_org_counts_as_the_client(served, acme, store, caplog) -> None:
    # The first reply logged says which org is theirs.
    send(served, message(), "Ev1")
    assert store.find(TEAM, "acme").client.org == "T0CLIENT"
    ok(served[0].slash("asked acme the final copy"))
    # A subcontractor's org in the same channel, then another workspace of the agency's own
    # Enterprise org: neither is the client, whatever they write.
    for i, org in enumerate(("T0SUBCO", "T0AGENCY2")):
        other = message(
            user=f"U0X{i}", user_team=org, team=org, source_team=org, ts=f"17957736{i}0.000200"
        )
        with caplog.at_level("INFO", logger="handlers.messages"):
            send(served, other, f"Ev{i + 2}")
        assert f"its author's org {org} isn't theirs (T0CLIENT)" in caplog.text
    assert len(heard(store)) == 1 and store.find(TEAM, "acme").state.open_asks
    assert "final copy" not in caplog.text  # ids only in the log, never their words
    # The team can say the client's org is another one: from then on, that org is them.
    assert "their Slack org T0SUBCO (only its people count as them)" in ok(
        served[0].slash("set acme org t0subco")
    )
    later = message(user="U0X9", user_team="T0SUBCO", team="T0SUBCO", ts="1795773900.000300")
    send(served, later, "Ev9")
    assert len(heard(store)) == 2 and store.find(TEAM, "acme").state.open_asks == ()
    assert "Slack team id" in refused(served[0].slash("set acme org acme-corp"))


def test_a_message_from_the_agencys_own_people_is_not_a_reply(served, acme, store, slack) -> None:
    send(served, message(user="U0ALICE", user_team=TEAM, team=TEAM, source_team=TEAM), "Ev1")
    # A message that says nothing of its author's workspace can't be told apart: not a reply.
    unknown = {k: v for k, v in message().items() if k not in ("user_team", "team")}
    send(served, unknown, "Ev2")
    assert heard(store) == [] and store.find(TEAM, "acme").state.open_asks
    assert slack.calls_to("chat.getPermalink") == []


@pytest.mark.parametrize(
    "event",
    [
        message(subtype="bot_message", bot_id="B0THEIRS", user=None),
        message(bot_id="B0THEIRS", bot_profile={"id": "B0THEIRS", "name": "their-bot"}),
        message(subtype="channel_join", text="<@U0JO> has joined the channel"),
    ],
    ids=["bot_message", "app-posting-as-a-user", "channel_join"],
)
def test_bots_and_housekeeping_are_not_replies(served, acme, store, event) -> None:
    send(served, event, "Ev1")
    assert heard(store) == []


def test_an_edit_or_a_deletion_is_not_a_reply(served, acme, store) -> None:
    original = message()
    edited = {
        "type": "message",
        "subtype": "message_changed",
        "channel": "C0SHARED",
        "hidden": True,
        "message": {**original, "text": "edited", "edited": {"user": "U0JO", "ts": "1"}},
        "previous_message": original,
        "ts": "1795773700.000200",
        "event_ts": "1795773700.000200",
    }
    deleted = {
        "type": "message",
        "subtype": "message_deleted",
        "channel": "C0SHARED",
        "hidden": True,
        "deleted_ts": NOW_TS,
        "previous_message": original,
        "ts": "1795773800.000300",
        "event_ts": "1795773800.000300",
    }
    send(served, edited, "Ev1")
    send(served, deleted, "Ev2")
    assert heard(store) == []


def test_a_thread_reply_counts(served, acme, store, slack) -> None:
    reply = message(ts="1795773900.000400", thread_ts=NOW_TS, parent_user_id="U0ALICE")
    send(served, reply, "Ev1")
    (entry,) = heard(store)
    assert entry.ref == "C0SHARED/1795773900.000400"
    assert slack.calls_to("chat.getPermalink")[0].args["message_ts"] == "1795773900.000400"


def test_messages_in_other_channels_are_not_replies(served, acme, store) -> None:
    send(served, message(channel="C0ACME"), "Ev1")  # their nudge channel, not the shared one
    send(served, message(channel="C0ELSEWHERE"), "Ev2")
    assert heard(store) == []


# once, however often Slack delivers it -------------------------------------------------------
def test_a_retried_delivery_is_logged_once(served, acme, store, slack) -> None:
    send(served, message(), "Ev1")
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    # A retry is a new request: signed again, a moment later.
    send(served, message(), "Ev1", extra=retry, timestamp=int(time.time()) + 1)
    # The same message under another event id (Slack doesn't promise one id per message).
    send(served, message(), "Ev2")
    assert len(heard(store)) == 1
    assert len(slack.calls_to("chat.getPermalink")) == 1


def test_a_retry_after_a_restart_is_still_logged_once(apps, config, acme, store, served) -> None:
    send(served, message(), "Ev1")
    restarted = apps.serve(config)  # a new process: it remembers no event ids
    retry = {"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_error"}
    send(restarted, message(), "Ev1", extra=retry, timestamp=int(time.time()) + 2)
    assert len(heard(store)) == 1


def test_two_deliveries_at_once_log_once(served, acme, store, slack) -> None:
    # Slow answers from Slack keep both deliveries in flight together.
    slack.fail("chat.getPermalink", *[Failure(delay=0.3, then_succeed=True)] * 2)
    server, log = served
    for event_id in ("Ev1", "Ev2"):
        assert server.event(message(), event_id=event_id, settle=False).status == 200
    log.wait("Ev1")
    log.wait("Ev2")
    assert len(heard(store)) == 1


def test_the_event_is_acknowledged_before_it_is_processed(served, acme, store, slack) -> None:
    slack.fail("chat.getPermalink", Failure(delay=2.0, then_succeed=True))
    server, log = served
    started = time.monotonic()
    res = server.event(message(), event_id="Ev1", settle=False)
    assert res.status == 200 and time.monotonic() - started < 1.5
    assert heard(store) == []  # not yet: it is logged after the ack
    log.wait("Ev1")
    assert len(heard(store)) == 1


def test_without_a_permalink_the_reply_is_still_logged(served, acme, store, slack) -> None:
    slack.fail("chat.getPermalink", Failure(status=200, body={"ok": False, "error": "fatal"}))
    send(served, message(), "Ev1")
    (entry,) = heard(store)
    assert entry.link == "" and store.find(TEAM, "acme").state.open_asks == ()


# turning it off ------------------------------------------------------------------------------
def test_auto_off_for_the_workspace(apps, config, store, slack) -> None:
    served = apps.serve(replace(config, auto_heard=False))
    reply = served[0].slash("add acme shared <#C0SHARED|acme-shared>").text
    assert "auto-logging of their replies is off for this workspace (AUTO_HEARD=off)" in reply
    served[0].slash("asked acme the logo")
    send(served, message(), "Ev1")
    assert heard(store) == [] and store.find(TEAM, "acme").state.open_asks
    assert slack.calls_to("chat.getPermalink") == []


def test_auto_off_for_one_client(served, acme, store) -> None:
    reply = served[0].slash("set acme auto off").text
    assert "auto-logging of their replies is off" in reply
    assert "`/client set acme auto on` turns it on" in reply
    send(served, message(), "Ev1")
    assert heard(store) == []
    settings = [
        e
        for e in store.history(TEAM, acme)
        if e.kind is Kind.SETTINGS and "auto heard: on → off" in e.text
    ]
    assert len(settings) == 1  # a recorded change, with who made it
    assert "auto-logging of their replies is on" in served[0].slash("set acme auto on").text
    send(served, message(ts="1795774000.000500"), "Ev2")
    assert len(heard(store)) == 1


def test_set_shared_says_whether_replies_are_logged(served, store) -> None:
    server, _ = served
    server.slash("add globex auto off")
    reply = server.slash("set globex shared <#C0GLOBEX|globex-shared>").text
    assert "shared channel <#C0GLOBEX> (auto-logging of their replies is off" in reply


# what it changes -----------------------------------------------------------------------------
def test_a_quiet_client_who_replied_in_the_shared_channel_is_not_nudged(
    served, acme, store, slack, config, clock
) -> None:
    # Globex is just as quiet and has not replied: the pass does nudge someone.
    served[0].slash("add globex as unresponsive in <#C0GLOBEX|globex>")
    served[0].slash("asked globex sign-off on the posts on 2026-11-23")
    send(served, message(), "Ev1")
    report = nudge_pass(config, store, slack, clock)
    assert report.recorded == ["globex: quiet:ask-2:1"]
    assert "C0ACME" not in slack.messages and "C0GLOBEX" in slack.messages


def test_an_open_suggestion_turns_stale_after_their_reply(
    served, acme, store, slack, config, clock
) -> None:
    report = nudge_pass(config, store, slack, clock)
    assert report.posted == ["quiet:ask-2:1"]
    nudge = store.find(TEAM, "acme").nudges["quiet:ask-2:1"]
    send(served, message(ts="1795774200.000700"), "Ev1")

    served[0].interact(button(ui.APPROVE, (acme, nudge.key, nudge.thread_ts)))
    after = store.find(TEAM, "acme")
    assert after.nudges["quiet:ask-2:1"].status is NudgeStatus.STALE
    kinds = {e.kind for e in store.history(TEAM, acme)}
    assert Kind.APPROVED not in kinds and Kind.SENT not in kinds
    assert "C0SHARED" not in slack.messages  # nothing was sent to the client
    update = slack.wait_for("chat.update")[-1].args
    assert "acme replied on Fri 27 Nov 2026" in json.dumps(update["blocks"])


def test_the_reply_counts_for_the_day_it_was_written(served, acme, store, clock) -> None:
    # Delivered late (Slack retried for a while): it still counts for Friday.
    clock.set("2026-11-28T09:00")
    send(served, message(), "Ev1")
    assert heard(store)[0].occurred_on.isoformat() == "2026-11-27"
    assert heard(store)[0].logged_at == datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def test_a_retry_after_a_restart_and_many_newer_replies_is_still_logged_once(
    apps, config, acme, store, served, clock
) -> None:
    send(served, message(), "Ev1")
    # Then more replies than the client's summary remembers (each its own message).
    replies = SharedChannelReplies(store, UTC)
    for n in range(MAX_REPLIES_KEPT + 5):
        newer = client_message(message(ts=f"1795773{601 + n}.000100"), TEAM)
        assert newer is not None
        assert replies.log(TEAM, acme, newer, "", clock.now).result == "logged"
    assert "C0SHARED/" + NOW_TS not in store.find(TEAM, "acme").state.replies_logged
    restarted = apps.serve(config)  # a new process: it remembers no event ids
    retry = {"X-Slack-Retry-Num": "3", "X-Slack-Retry-Reason": "http_timeout"}
    send(restarted, message(), "Ev1", extra=retry, timestamp=int(time.time()) + 2)
    # Slack doesn't promise one event id per message: a new id, the same message.
    send(restarted, message(), "Ev9")
    refs = [e.ref for e in heard(store)]
    assert refs.count("C0SHARED/" + NOW_TS) == 1
    assert len(refs) == MAX_REPLIES_KEPT + 6


def test_a_channel_shared_by_an_archived_and_an_active_client_logs_for_the_active_one(
    served, store
) -> None:
    # Before: the channel was acme's; acme left and was archived. Now it is zenith's.
    server, _ = served
    ok(server.slash("add acme in <#C0ACME|acme> shared <#C0SHARED|acme-shared>"))
    ok(server.slash("archive acme"))
    ok(server.slash("add zenith in <#C0ZEN|zen> shared <#C0SHARED|acme-shared>"))
    ok(server.slash("asked zenith the brief on 2026-11-23"))
    send(served, message(), "Ev1")
    assert heard(store, "acme") == []
    (entry,) = heard(store, "zenith")
    assert entry.ref == f"C0SHARED/{NOW_TS}"
    assert store.find(TEAM, "zenith").state.open_asks == ()


def test_a_voided_reply_is_not_logged_again_when_slack_delivers_it_again(
    served, acme, store
) -> None:
    server, _ = served
    send(served, message(), "Ev1")
    (entry,) = heard(store)
    ok(server.slash(f"void acme e{entry.seq} not a reply to us"))
    # Slack delivers the same message again (a retry under a new event id).
    send(served, message(), "Ev2")
    assert [e.seq for e in heard(store)] == [entry.seq]  # the voided line, and no new one
    assert store.find(TEAM, "acme").state.open_asks  # still waiting on them
