"""The log form (App Home's button, a bare `/client`) and the "Log as client reply" message
shortcut, over signed HTTP: the same grammar and rules as `/client`, errors in the form."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import bot
from config import Config
from domain.inputs import EXCERPT_CHARS
from domain.models import Client, ClientRecord, Kind
from handlers.log import SHORTCUT
from local_slack import Call, Failure, LocalSlack
from service.commands import Draft, log
from service.nudges import NudgeSchedule
from storage.tinydb_store import TinyDBStore
from tests.checks import live_markup, stored_files
from tests.slack_http import AppServer, LazyListeners, fresh_id, serve
from tests.slack_limits import problems
from ui import home as home_ui
from ui import log_form as ui

TEAM = "T0TEAM1"


def view_of(call: Call) -> dict[str, Any]:
    view = call.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert problems(view, "modal") == [], problems(view, "modal")
    assert live_markup(view) == []
    return view


def last_modal(slack: LocalSlack) -> dict[str, Any]:
    """The form as filled in: opened at the click with nothing in it that depends on the
    number of clients, then replaced (views.update) by the form, by the id and hash Slack gave."""
    opening = view_of(slack.calls_to("views.open")[-1])
    assert opening["blocks"] == ui.loading_modal("", "", "")["blocks"]
    assert "submit" not in opening
    update = slack.calls_to("views.update")[-1]
    assert update.args["view_id"] in slack.views
    assert slack.calls.index(update) > slack.calls.index(slack.calls_to("views.open")[-1])
    view = view_of(update)
    assert json.loads(view["private_metadata"])["team"] == TEAM
    return view


def open_from_home(server: AppServer, slack: LocalSlack) -> dict[str, Any]:
    trigger = fresh_id()
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": "U0ALICE", "team_id": TEAM},
        "trigger_id": trigger,
        "view": {"id": "V0HOME0001", "type": "home"},
        "actions": [{"action_id": home_ui.LOG_OPEN, "value": "log", "type": "button"}],
    }
    assert server.interact(payload).status == 200
    call = slack.calls_to("views.open")[-1]
    assert call.args["trigger_id"] == trigger
    return last_modal(slack)


def submit(
    server: AppServer, view: dict[str, Any], team: str = TEAM, **fields: str
) -> dict[str, Any]:
    """Submit `view` filled in with `fields` (client id, kind, text, date, amount)."""
    values: dict[str, Any] = {}
    for field, value in fields.items():
        block_id, action_id = ui.FIELDS[field]
        if field in ("client", "kind"):
            element = {"type": "static_select", "selected_option": {"value": value}}
        elif field == "date":
            element = {"type": "datepicker", "selected_date": value}
        else:
            element = {"type": "plain_text_input", "value": value}
        values[block_id] = {action_id: element}
    payload = {
        "type": "view_submission",
        "team": {"id": team},
        "user": {"id": "U0ALICE", "team_id": team},
        "trigger_id": fresh_id(),
        "view": {**view, "id": "V0MODAL", "state": {"values": values}},
    }
    res = server.interact(payload)
    assert res.status == 200
    return res.json() if res.body else {}


def client_id(store: TinyDBStore, name: str) -> str:
    record = store.find(TEAM, name)
    assert record is not None
    return record.client.client_id


def test_the_home_button_opens_the_form_and_logs_through_the_same_grammar(
    server: AppServer, slack: LocalSlack, store: TinyDBStore
) -> None:
    server.slash('add "Tom &amp; Jerry"')
    server.slash("add acme")
    view = open_from_home(server, slack)
    assert view["callback_id"] == ui.LOG_VIEW
    menu = view["blocks"][0]["element"]
    assert menu["type"] == "static_select"
    assert [o["text"]["text"] for o in menu["options"]] == ["acme", "Tom & Jerry"]

    answer = submit(
        server,
        view,
        client=client_id(store, "tom & jerry"),
        kind="asked",
        text="the <logo> & fonts",
        date="2026-11-25",
    )
    assert answer["response_action"] == "update"
    assert problems(answer["view"], "modal") == [] and live_markup(answer["view"]) == []
    (entry, *_) = store.history(TEAM, client_id(store, "tom & jerry"))
    assert (entry.kind, entry.text, entry.occurred_on.isoformat(), entry.logged_by) == (
        Kind.ASKED,
        "the <logo> & fonts",  # kept as typed
        "2026-11-25",
        "U0ALICE",
    )

    answer = submit(
        server,
        view,
        client=client_id(store, "acme"),
        kind="invoice",
        text="INV-9",
        date="2026-12-20",
        amount="£900",
    )
    assert answer["response_action"] == "update"
    invoice = store.find(TEAM, "acme").state.invoices[0]
    assert (invoice.ref, str(invoice.amount.amount), invoice.due_on.isoformat()) == (
        "INV-9",
        "900",
        "2026-12-20",
    )


def test_mistakes_show_in_the_form_and_store_nothing(
    server: AppServer, slack: LocalSlack, store: TinyDBStore
) -> None:
    server.slash("add acme")
    view = open_from_home(server, slack)
    acme = client_id(store, "acme")
    before = stored_files(store)
    cases = [
        ({"kind": "invoice", "date": "2026-12-20"}, "log_amount", "needs its amount"),
        ({"kind": "invoice", "amount": "100"}, "log_date", "due date"),
        ({"kind": "note", "amount": "100", "text": "hi"}, "log_amount", "Only an invoice"),
        # The grammar's own rules and messages: a mention is refused.
        ({"kind": "note", "text": "ping <!here> please"}, "log_text", "mention"),
        ({"kind": "asked", "date": "2030-01-01"}, "log_date", "can't be dated ahead"),
        ({"kind": "paid"}, "log_text", "no unpaid invoices"),
    ]
    for fields, block, words in cases:
        answer = submit(server, view, client=acme, **fields)
        assert answer["response_action"] == "errors", fields
        assert list(answer["errors"]) == [block], (fields, answer)
        assert words in answer["errors"][block], (fields, answer)
    answer = submit(server, view, client="c-nobody", kind="note", text="x")
    assert answer["errors"] == {"log_client": "Pick a client from the list."}
    # A form whose metadata names another workspace logs nothing.
    forged = {**view, "private_metadata": json.dumps({"team": "T0OTHER"})}
    assert submit(server, forged, client=acme, kind="note", text="x")["response_action"] == "errors"
    assert stored_files(store) == before


def test_a_bare_slash_command_opens_the_form(server: AppServer, slack: LocalSlack) -> None:
    server.slash("add acme")
    res = server.slash("")
    assert res.status == 200 and "Opening the form" in res.text
    assert last_modal(slack)["callback_id"] == ui.LOG_VIEW


def seed(db_path: Path, count: int) -> None:
    at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def items():
        for i in range(count):
            client = Client(TEAM, f"c{i:05d}", f"client-{i:03d}", "U0SEED", at)
            yield log(ClientRecord(client=client), "U0SEED", at, Draft(Kind.ADDED, at.date()))

    TinyDBStore(db_path, durable=False).import_clients(items())


def test_over_a_hundred_clients_the_menu_is_searched(
    server: AppServer, slack: LocalSlack, db_path: Path
) -> None:
    seed(db_path, 150)
    view = open_from_home(server, slack)
    assert view["blocks"][0]["element"]["type"] == "external_select"
    payload = {
        "type": "block_suggestion",
        "team": {"id": TEAM},
        "user": {"id": "U0ALICE", "team_id": TEAM},
        "action_id": ui.CLIENT_SEARCH,
        "block_id": ui.FIELDS["client"][0],
        "value": "CLIENT",
        "view": view,
    }
    options = server.interact(payload).json()["options"]
    assert len(options) == 100  # all 150 match: Slack takes 100 at most
    payload["value"] = "nt-14"
    names = [o["text"]["text"] for o in server.interact(payload).json()["options"]]
    assert names == [f"client-{n}" for n in range(140, 150)]


def shortcut(server: AppServer, text: str, ts: str = "1795707000.000200") -> None:
    payload = {
        "type": "message_action",
        "callback_id": SHORTCUT,
        "team": {"id": TEAM},
        "user": {"id": "U0ALICE", "team_id": TEAM},
        "channel": {"id": "C0WORK"},
        "trigger_id": fresh_id(),
        "message_ts": ts,
        "message": {"type": "message", "user": "U0CLIENT", "ts": ts, "text": text},
        "response_url": "https://hooks.slack.invalid/app/1",
    }
    assert server.interact(payload).status == 200


def test_the_shortcut_logs_a_message_as_the_clients_reply_with_its_link(
    server: AppServer, slack: LocalSlack, store: TinyDBStore
) -> None:
    server.slash("add acme")
    server.slash("asked acme the logo on 2026-11-20")
    shortcut(server, "Here you go <@U0ALICE> &amp; sorry <!here>")  # written Thu 26 Nov
    view = last_modal(slack)
    assert view["callback_id"] == ui.REPLY_VIEW
    assert "Here you go @someone &amp; sorry @here" in json.dumps(view)
    (link_call,) = slack.calls_to("chat.getPermalink")
    assert (link_call.args["channel"], link_call.args["message_ts"]) == (
        "C0WORK",
        "1795707000.000200",
    )

    acme = client_id(store, "acme")
    answer = submit(server, view, client=acme)
    assert answer["response_action"] == "update"
    record = store.find(TEAM, "acme")
    assert record.state.open_asks == ()  # the quiet clock stopped
    (entry, *_) = store.history(TEAM, acme)
    assert entry.kind is Kind.HEARD and entry.logged_by == "U0ALICE"
    assert entry.text == "Here you go @someone & sorry @here"
    assert entry.link == "https://local.invalid/archives/C0WORK/p1795707000000200"
    assert entry.occurred_on.isoformat() == "2026-11-26"  # the day the message was written
    history = server.slash("history acme").text
    assert "they replied in a message “Here you go @someone &amp; sorry @here”" in history

    # The same message twice is one reply.
    again = submit(server, view, client=acme)
    assert again["response_action"] == "errors"
    assert "already logged" in again["errors"]["log_client"]
    assert sum(1 for e in store.history(TEAM, acme) if e.kind is Kind.HEARD) == 1


def test_the_shortcut_form_keeps_the_message_words_only_as_clean_as_the_message(
    server: AppServer, slack: LocalSlack, store: TinyDBStore
) -> None:
    # The words travel in the form's metadata, which a client can rewrite before submitting.
    server.slash("add acme")
    shortcut(server, "thanks")
    view = last_modal(slack)
    meta = json.loads(view["private_metadata"])
    forged = {**view, "private_metadata": json.dumps({**meta, "text": "<!channel> " + "x" * 5000})}
    answer = submit(server, forged, client=client_id(store, "acme"))
    assert answer["response_action"] == "update"
    (entry, *_) = store.history(TEAM, client_id(store, "acme"))
    assert entry.kind is Kind.HEARD
    assert entry.text.startswith("@channel x")
    assert "<" not in entry.text and len(entry.text) <= EXCERPT_CHARS


class HeldOverview(TinyDBStore):
    """A store whose overview (every client's standing: seconds on a big workspace, the first
    time in a day) waits until the test releases it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.asked, self.release = threading.Event(), threading.Event()

    def overview(self, *args: Any, **kwargs: Any) -> Any:
        self.asked.set()
        assert self.release.wait(10), "the test never released the overview"
        return super().overview(*args, **kwargs)


@pytest.fixture
def held(db_path: Path, config: Config, clock, lazy: LazyListeners) -> Iterator[tuple]:
    store = HeldOverview(db_path, schedule=NudgeSchedule(UTC, clock=clock))
    app = bot.build_app(config, store, clock=clock, listener_executor=lazy)
    running = serve(app, lazy, healthy=store.writable)
    yield running, store
    store.release.set()
    running.close()


def home_button(trigger: str) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": "U0ALICE", "team_id": TEAM},
        "trigger_id": trigger,
        "view": {"id": "V0HOME0001", "type": "home"},
        "actions": [{"action_id": home_ui.LOG_OPEN, "value": "log", "type": "button"}],
    }


def test_the_form_opens_before_the_clients_are_read_then_is_filled_in(
    held: tuple[AppServer, HeldOverview], slack: LocalSlack, db_path: Path, lazy: LazyListeners
) -> None:
    """Opened at the click whatever the number of clients; the menu follows by views.update."""
    server, store = held
    seed(db_path, 3)
    trigger = fresh_id()
    assert server.interact(home_button(trigger), settle=False).status == 200
    (opening,) = slack.wait_for("views.open", timeout=5)
    assert opening.args["trigger_id"] == trigger
    assert store.asked.wait(5)  # reading the clients now, with the form already open
    assert slack.calls_to("views.update") == []
    store.release.set()
    lazy.settle()
    (update,) = slack.calls_to("views.update")
    assert update.args["view_id"] in slack.views and update.args["hash"]
    filled = last_modal(slack)
    assert filled["callback_id"] == ui.LOG_VIEW and filled["submit"]
    options = filled["blocks"][0]["element"]["options"]
    assert [o["text"]["text"] for o in options] == ["client-000", "client-001", "client-002"]


def test_a_form_closed_before_it_is_filled_in_is_left_alone(
    server: AppServer, slack: LocalSlack, store: TinyDBStore, caplog
) -> None:
    server.slash("add acme")
    slack.fail("views.update", Failure(status=200, body={"ok": False, "error": "not_found"}))
    with caplog.at_level("WARNING", logger="handlers.log"):
        assert server.interact(home_button(fresh_id())).status == 200
    assert len(slack.calls_to("views.open")) == len(slack.calls_to("views.update")) == 1
    assert "Could not fill in the log form" in caplog.text and "not_found" in caplog.text
    # Nothing else was tried, and the next click opens the form as ever.
    assert {c.method for c in slack.calls} <= {"auth.test", "views.open", "views.update"}
    assert open_from_home(server, slack)["callback_id"] == ui.LOG_VIEW


def test_a_form_that_cannot_be_made_says_so_in_place_of_the_loading_line(
    server: AppServer, slack: LocalSlack, store: TinyDBStore, monkeypatch, caplog
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store, "overview", broken)
    with caplog.at_level("ERROR", logger="handlers.log"):
        assert server.interact(home_button(fresh_id())).status == 200
    view = view_of(slack.calls_to("views.update")[-1])
    assert "submit" not in view and "`/client help`" in json.dumps(view)
    assert "The log form could not be made" in caplog.text


def test_the_shortcut_opens_at_once_too(
    held: tuple[AppServer, HeldOverview], slack: LocalSlack, db_path: Path, lazy: LazyListeners
) -> None:
    server, store = held
    seed(db_path, 2)
    payload = {
        "type": "message_action",
        "callback_id": SHORTCUT,
        "team": {"id": TEAM},
        "user": {"id": "U0ALICE", "team_id": TEAM},
        "channel": {"id": "C0WORK"},
        "trigger_id": fresh_id(),
        "message_ts": "1795707000.000200",
        "message": {"type": "message", "user": "U0CLIENT", "ts": "1795707000.000200", "text": "ok"},
        "response_url": "https://hooks.slack.invalid/app/1",
    }
    assert server.interact(payload, settle=False).status == 200
    slack.wait_for("views.open", timeout=5)
    assert store.asked.wait(5) and slack.calls_to("views.update") == []
    store.release.set()
    lazy.settle()
    filled = last_modal(slack)
    assert filled["callback_id"] == ui.REPLY_VIEW
    assert json.loads(filled["private_metadata"])["link"].startswith("https://local.invalid/")
