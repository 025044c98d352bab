"""App Home: opening the Home tab publishes the team's overview through the Web API."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from handlers.home import EVENTS
from local_slack import Call, LocalSlack
from tests.checks import live_markup
from tests.slack_http import AppServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def home_opened(**changes: Any) -> dict[str, Any]:
    event = json.loads((FIXTURES / "app_home_opened.json").read_text())
    return {**event, **changes}


def wait_for_publish(slack: LocalSlack) -> threading.Event:
    """Set once the fake Slack receives views.publish (Bolt runs event listeners after the
    ack, on its own thread): a synchronisation point, not a timed sleep."""
    published = threading.Event()

    def on_call(call: Call) -> None:
        if call.method == "views.publish":
            published.set()

    slack.on_call = on_call
    return published


def view_of(call: Call) -> dict[str, Any]:
    view = call.args["view"]
    return json.loads(view) if isinstance(view, str) else view


def test_app_home_opened_publishes_the_overview(server: AppServer, slack: LocalSlack) -> None:
    assert server.slash("add acme as late-payer").status == 200
    assert server.slash('add "Tom &amp; Jerry &lt;v2&gt;"').status == 200
    published = wait_for_publish(slack)

    res = server.event(home_opened())
    assert res.status == 200
    assert published.wait(timeout=10), "views.publish was never called"

    (call,) = slack.calls_to("views.publish")
    assert call.token == "xoxb-test-token"
    assert call.args["user_id"] == "U0ALICE"
    view = view_of(call)
    assert view["type"] == "home"
    texts = json.dumps(view)
    assert "2 clients, 0 needing attention" in texts
    assert "*acme* (late payer)" in texts
    assert "Tom &amp; Jerry &lt;v2&gt;" in texts
    assert live_markup(view) == []
    assert "`/client help` lists every command" in texts
    assert home_opened()["type"] in EVENTS
