"""manifest.yml is valid for Slack and agrees with what the code registers.

The registrations are recorded from the real composition root (`bot.build_app`), so a new
handler module, command, event, action or view is picked up here without editing this file.
To check more (shortcut callback ids, scopes a new feature needs...), add a test that compares
`registered` with `manifest`.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from slack_bolt import App

import bot
import handlers
from config import REDIRECT_PATH
from handlers import messages
from handlers.commands import COMMAND
from handlers.home import EVENTS
from service.workspaces import BOT_SCOPES

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT.parent / "shared" / "slack" / "manifest.schema.1.0.0.json"

# Bolt's listener decorators, by what their first argument names.
_RECORDED = {
    "command": "commands",
    "event": "events",
    "action": "actions",
    "block_action": "actions",
    "view": "views",
    "view_submission": "views",
    "view_closed": "views",
    "shortcut": "shortcuts",
    "global_shortcut": "shortcuts",
    "message_shortcut": "shortcuts",
    "options": "options",
    "block_suggestion": "options",
    "message": "messages",
}
_INTERACTIVE = ("actions", "views", "shortcuts", "options")


def load_manifest() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))


# CI sets this, so there a missing schema fails instead of skipping.
REQUIRE_SCHEMA = "TACTFUL_REQUIRE_SLACK_SCHEMA"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    # Slack's schema lives in ../shared beside the project's checkouts, never in the repo, so a
    # fresh clone with nothing beside it can't check against it; everything else still runs.
    if not SCHEMA.is_file():
        if os.environ.get(REQUIRE_SCHEMA):
            pytest.fail(f"Slack's manifest schema is missing: {SCHEMA} ({REQUIRE_SCHEMA} is set)")
        pytest.skip(
            f"Slack's manifest schema is not beside this checkout ({SCHEMA}); set "
            f"{REQUIRE_SCHEMA}=1 to make its absence a failure, as CI does"
        )
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


@pytest.fixture
def manifest() -> dict[str, Any]:
    return load_manifest()


def _key(constraint: Any) -> Any:
    """`"approve"`, `{"action_id": "approve", ...}` or `re.compile("approve")`: the id."""
    if isinstance(constraint, dict):
        return (
            constraint.get("action_id") or constraint.get("callback_id") or constraint.get("type")
        )
    return getattr(constraint, "pattern", constraint)


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch, config, store, clock) -> dict[str, set[Any]]:
    """What the app's listeners are registered for, by kind, as the real app is built."""
    seen: dict[str, set[Any]] = defaultdict(set)

    def recording(method: str, kind: str) -> Callable[..., Any]:
        original = getattr(App, method)

        def wrapper(self: App, *args: Any, **kwargs: Any) -> Any:
            if args:
                seen[kind].add(_key(args[0]))
            return original(self, *args, **kwargs)

        return wrapper

    for method, kind in _RECORDED.items():
        monkeypatch.setattr(App, method, recording(method, kind))
    bot.build_app(config, store, clock=clock, verify_requests=False)
    return seen


def handler_modules() -> Iterator[Any]:
    for info in pkgutil.iter_modules(handlers.__path__):
        yield importlib.import_module(f"handlers.{info.name}")


# Slack's schema ------------------------------------------------------------------------------
def test_manifest_is_valid_for_slack(schema: dict[str, Any], manifest: dict[str, Any]) -> None:
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.validate(manifest, schema, cls=jsonschema.Draft7Validator)


def test_the_schema_check_catches_mistakes(schema: dict[str, Any]) -> None:
    broken = load_manifest()
    broken["features"]["slash_commands"][0]["should_escape"] = "yes"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema, cls=jsonschema.Draft7Validator)
    broken = load_manifest()
    broken["features"]["slash_command"] = broken["features"].pop("slash_commands")  # a typo
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema, cls=jsonschema.Draft7Validator)


# agreement with the code ---------------------------------------------------------------------
def test_slash_command_matches_the_handler(
    manifest: dict[str, Any], registered: dict[str, set[Any]]
) -> None:
    commands = manifest["features"]["slash_commands"]
    assert [c["command"] for c in commands] == [COMMAND]
    assert registered["commands"] == {COMMAND}
    # `in #channel`, `shared #channel` and `owner @person` need Slack to send IDs.
    assert all(c["should_escape"] is True for c in commands)
    assert all(c.get("description") for c in commands)


def test_bot_events_are_exactly_what_the_handlers_listen_to(
    manifest: dict[str, Any], registered: dict[str, set[Any]]
) -> None:
    bot_events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert len(bot_events) == len(set(bot_events)), "no duplicates"
    assert set(bot_events) == subscriptions(registered["events"])
    assert set(EVENTS) <= registered["events"]
    # `message` comes from the message.* subscriptions the listener declares; app.message()
    # listeners would need the same, so none is registered behind the test's back.
    assert "message" in registered["events"]
    assert not registered["messages"], "message listeners need message.* bot events and scopes"


def subscriptions(events: set[str]) -> set[str]:
    """The manifest's bot events for the events listened to: `message` is delivered by the
    message.* subscriptions (one per kind of channel), every other event by its own name."""
    found = set(events) - {"message"}
    if "message" in events:
        found |= set(messages.SUBSCRIPTIONS)
    return found


def test_the_event_check_catches_a_missing_subscription(
    manifest: dict[str, Any], registered: dict[str, set[Any]]
) -> None:
    bot_events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert set(bot_events) - {"message.groups"} != subscriptions(registered["events"])
    assert subscriptions(registered["events"] - {"message"}) != set(bot_events)


def test_declared_constants_are_registered(registered: dict[str, set[Any]]) -> None:
    """A handler module's COMMAND / EVENTS / ACTIONS / VIEWS constants name listeners that
    are really registered (so the manifest test above sees them)."""
    declared = {"COMMAND": "commands", "EVENTS": "events", "ACTIONS": "actions", "VIEWS": "views"}
    for module in handler_modules():
        for name, kind in declared.items():
            value = getattr(module, name, ())
            values = {value} if isinstance(value, str) else set(value)
            assert values <= registered[kind], f"{module.__name__}.{name}"


def test_interactivity_and_socket_mode(
    manifest: dict[str, Any], registered: dict[str, set[Any]]
) -> None:
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    # Buttons and modals need interactivity; with none registered it should be off.
    assert any(registered[kind] for kind in _INTERACTIVE)
    assert settings["interactivity"]["is_enabled"] is True
    # In Socket Mode Slack needs no request URLs; a stale one would be misleading.
    assert "request_url" not in settings["interactivity"]
    assert "request_url" not in settings["event_subscriptions"]
    assert all("url" not in c for c in manifest["features"]["slash_commands"])


def test_shortcuts_match_the_handlers(
    manifest: dict[str, Any], registered: dict[str, set[Any]]
) -> None:
    declared = {s["callback_id"] for s in manifest["features"].get("shortcuts", [])}
    assert declared == registered["shortcuts"]


# The bot scopes each Web API method the app calls needs (Slack's method reference).
SCOPES_NEEDED = {
    # Checking the token at start-up: any token may call it.
    "auth_test": set(),
    "chat_postMessage": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_update": {"chat:write"},
    # Looking for a post that landed unacknowledged: public, private and DM channels.
    "conversations_history": {"channels:history", "groups:history", "im:history"},
    "conversations_replies": {"channels:history", "groups:history", "im:history"},
    "conversations_open": {"im:write"},
    # Whether a channel is shared with an outside organisation: public and private channels.
    "conversations_info": {"channels:read", "groups:read"},
    "usergroups_users_list": {"usergroups:read"},
    "views_open": set(),
    "views_update": set(),  # filling in a form opened at the click
    "views_publish": set(),
    "chat_getPermalink": set(),  # the link to a client's reply that is logged
    # files.getUploadURLExternal + files.completeUploadExternal: the export, into a DM.
    "files_upload_v2": {"files:write"},
}
# The bot scopes each subscribed event needs (Slack's event reference).
EVENT_SCOPES = {
    "app_home_opened": set(),
    "message.channels": {"channels:history"},
    "message.groups": {"groups:history"},
    # A workspace removed Tactful or revoked its token (Slack sends these to every app).
    "app_uninstalled": set(),
    "tokens_revoked": set(),
}


def test_scopes_are_exactly_what_the_code_calls_for(manifest: dict[str, Any]) -> None:
    """Every Web API call in the product code has its scopes in the manifest, and the manifest
    asks for nothing more (least privilege)."""
    source = ROOT
    called = set()
    for path in [source / "bot.py", source / "console.py", *source.glob("[chsu]*/**/*.py")]:
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        # Web API methods by family, called or passed along (`call = client.chat_update`).
        families = "auth|apps|chat|conversations|files|reactions|usergroups|users|views"
        called |= set(re.findall(rf"client\.((?:{families})_[a-zA-Z0-9_]+)\b", path.read_text()))
    assert called, "found no Web API calls: the scan is broken"
    unknown = called - set(SCOPES_NEEDED)
    assert not unknown, f"add the scopes for {unknown} to SCOPES_NEEDED and manifest.yml"
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    unknown = set(events) - set(EVENT_SCOPES)
    assert not unknown, f"add the scopes for the events {unknown} to EVENT_SCOPES"
    needed = {"commands"}.union(
        *(SCOPES_NEEDED[m] for m in called), *(EVENT_SCOPES[e] for e in events)
    )
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True  # app_home_opened


def test_an_install_asks_for_the_manifests_scopes(manifest: dict[str, Any]) -> None:
    """Bolt's OAuth flow asks each installing workspace for BOT_SCOPES: the same as the
    manifest's, or installs would grant more (or less) than the app declares."""
    assert sorted(BOT_SCOPES) == sorted(manifest["oauth_config"]["scopes"]["bot"])


def test_the_redirect_url_is_the_oauth_redirect_path(manifest: dict[str, Any]) -> None:
    urls = manifest["oauth_config"]["redirect_urls"]
    assert urls and all(u.startswith("https://") and u.endswith(REDIRECT_PATH) for u in urls)


def test_uninstall_events_are_registered(registered: dict[str, set[Any]]) -> None:
    from handlers import installs

    assert set(installs.EVENTS) == {"app_uninstalled", "tokens_revoked"}
    assert set(installs.EVENTS) <= registered["events"]
