# ruff: noqa: F401, F811 - `posted` is test_actions' fixture (a quiet client, its nudge posted)
"""Text people type, over signed HTTP: one cleaner for commands and modals, names compared as
a reader sees them, line breaks that can't forge history, and nothing typed ever live.

The no-live-markup check on every payload sent to Slack runs in tests/conftest.py for every
test; the tests here make sure the text that would break it is actually sent."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from domain.inputs import escape
from domain.models import Kind, NudgeStatus, TextVersion
from service.commands import Draft, log
from storage.tinydb_store import TinyDBStore
from tests.checks import live_markup, stored_files
from tests.handlers.test_actions import TEAM, button, posted, submission
from tests.slack_http import AppServer, Response
from tests.storage.test_store import write_old_folder
from ui import nudges as ui

KEY = "quiet:ask-2:1"


def reply(res: Response) -> str:
    assert res.status == 200, res.body
    assert res.json()["response_type"] == "ephemeral"
    return res.text


def refused(res: Response) -> str:
    text = reply(res)
    assert text.startswith(":warning:"), text
    return text


def metadata(posted) -> str:
    client_id, key, thread_ts = posted
    return json.dumps(
        {
            "team": TEAM,
            "client_id": client_id,
            "key": key,
            "channel": "C0ACME",
            "thread_ts": thread_ts,
        }
    )


def edit(server: AppServer, posted, text: str) -> Response:
    values = {ui.MESSAGE_BLOCK: {ui.MESSAGE_INPUT: {"type": "plain_text_input", "value": text}}}
    return server.interact(submission(ui.EDIT_VIEW, metadata(posted), values))


def dismiss(server: AppServer, posted, reason: str) -> Response:
    values = {ui.REASON_BLOCK: {ui.REASON_INPUT: {"type": "plain_text_input", "value": reason}}}
    return server.interact(submission(ui.DISMISS_VIEW, metadata(posted), values))


# the Edit and Dismiss modals use the command's cleaner ---------------------------------------
@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Pay by Friday \u202eyadnoM\u202c please", "invisible control characters"),
        ("Pay by Friday\x7f", "invisible control characters"),
        ("Pay \x9b31m now", "invisible control characters"),
        ("<!channel> pay by Friday", "can't contain mentions"),
        ("Ask <@U0BOSS> to pay", "can't contain mentions"),
        ("\u200b\u3164 \u2800", "no visible characters"),
        ("x" * 3001, "keep it to 3,000 or fewer"),
    ],
)
def test_the_edit_modal_refuses_what_the_command_refuses(
    server: AppServer, store: TinyDBStore, slack, posted, text: str, why: str
) -> None:
    before = stored_files(store)
    res = edit(server, posted, text)
    assert res.status == 200
    body = res.json()
    assert body["response_action"] == "errors"
    assert why in body["errors"][ui.MESSAGE_BLOCK]
    assert stored_files(store) == before
    assert slack.calls_to("chat.update") == []


def test_edited_text_is_kept_as_typed_and_reaches_the_shared_channel_inert(
    server: AppServer, store: TinyDBStore, slack, posted
) -> None:
    # Modal values arrive as typed, not entity-escaped: `&amp;` typed is kept as `&amp;`.
    typed = "Hi Jo & team,\nthe <launch> posts: can we have sign-off by Friday\u0301? (&amp;)"
    assert edit(server, posted, typed).body == ""
    kept = "Hi Jo & team,\nthe <launch> posts: can we have sign-off by Frida\u00fd? (&amp;)"  # NFC
    assert store.find(TEAM, "acme").nudges[KEY].versions[-1].text == kept
    update = slack.wait_for("chat.update")[-1].args
    shown = json.dumps(update)
    assert ">the &lt;launch&gt; posts" in shown and "Hi Jo &amp; team" in shown
    assert "(&amp;amp;)" in shown
    assert live_markup(update) == []

    server.interact(button(ui.APPROVE, posted))
    slack.wait_for("chat.postMessage", 3)
    (delivered,) = slack.messages["C0SHARED"]
    assert delivered["text"] == (
        "Hi Jo &amp; team,\nthe &lt;launch&gt; posts: can we have sign-off by Frida\u00fd? (&amp;amp;)"
    )


def test_the_edit_modal_opens_with_the_text_as_typed(server, store, slack, posted) -> None:
    edit(server, posted, "Fish & chips <3")
    server.interact({**button(ui.EDIT, posted), "trigger_id": "1.2.3"})
    view = slack.wait_for("views.open")[-1].args["view"]
    view = view if isinstance(view, dict) else json.loads(view)
    # plain_text_input shows its value verbatim: escaping it would show the person `&amp;`.
    assert view["blocks"][0]["element"]["initial_value"] == "Fish & chips <3"


def test_edit_opens_with_the_whole_text_and_saves_it_uncut(server, store, slack, posted) -> None:
    whole = "Hi Jo & team,\n\n" + "Could you send the <launch> files? " * 84  # 2,955 characters
    assert edit(server, posted, whole).status == 200
    server.interact({**button(ui.EDIT, posted), "trigger_id": "1.2.3"})
    view = slack.wait_for("views.open")[-1].args["view"]
    view = view if isinstance(view, dict) else json.loads(view)
    assert view["blocks"][0]["element"]["initial_value"] == whole.strip()
    assert view["blocks"][0]["element"]["max_length"] == 3000
    # The thread shows it whole too, over several sections.
    update = slack.wait_for("chat.update")[-1].args
    blocks = (
        update["blocks"] if isinstance(update["blocks"], list) else json.loads(update["blocks"])
    )
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert len(sections) > 1
    lines = "\n".join(sections).split("\n")[1:]  # past the intro
    shown = " ".join(line.removeprefix(">") for line in lines)
    assert shown.split() == escape(whole).split()


def test_a_text_too_long_for_the_edit_box_is_refused_with_a_reason(
    server, store, slack, posted
) -> None:
    # Stored before suggestions were bounded: longer than Slack's edit box holds.
    long_text = "Please send the files. " * 200  # 4,600 characters

    def old_suggestion(record):
        nudge = record.nudges[KEY]
        version = TextVersion(long_text, "U0OLD", nudge.created_at)
        nudge = replace(nudge, versions=(*nudge.versions, version))
        return replace(record, nudges={**record.nudges, KEY: nudge}), []

    store.update(TEAM, posted[0], old_suggestion)
    server.interact({**button(ui.EDIT, posted), "trigger_id": "1.2.3"})
    (told,) = [c.args for c in slack.wait_for("chat.postEphemeral")]
    assert "4,600 characters" in told["text"] and "holds 3,000" in told["text"]
    assert slack.calls_to("views.open") == []
    assert store.find(TEAM, "acme").nudges[KEY].versions[-1].text == long_text


@pytest.mark.parametrize(
    ("reason", "why"),
    [
        ("told them \u202ein person", "invisible control characters"),
        ("done\x7f", "invisible control characters"),
        ("<!channel> ignore this", "can't contain mentions"),
        ("\u3164", "no visible characters"),
        ("&" * 501, "keep it to 500 or fewer"),
    ],
)
def test_the_dismiss_modal_refuses_what_the_command_refuses(
    server: AppServer, store: TinyDBStore, posted, reason: str, why: str
) -> None:
    before = stored_files(store)
    body = dismiss(server, posted, reason).json()
    assert body["response_action"] == "errors"
    assert why in body["errors"][ui.REASON_BLOCK]
    assert stored_files(store) == before


def test_the_dismiss_reason_is_shown_inert_in_the_footer_on_one_line(
    server: AppServer, store: TinyDBStore, slack, posted
) -> None:
    reason = "Sorted <by phone> & email\n:white_check_mark: Approved by the boss"
    assert dismiss(server, posted, reason).body == ""
    nudge = store.find(TEAM, "acme").nudges[KEY]
    assert nudge.status is NudgeStatus.DISMISSED
    assert nudge.note == "Sorted <by phone> & email :white_check_mark: Approved by the boss"
    footer = [
        e["text"]
        for b in slack.wait_for("chat.update")[-1].args["blocks"]
        if b["type"] == "context"
        for e in b["elements"]
    ]
    assert (
        ":no_entry_sign: Dismissed by <@U0BOB>: Sorted &lt;by phone&gt; &amp; email "
        ":white_check_mark: Approved by the boss"
    ) in footer
    assert not any(line.startswith(":white_check_mark:") for line in footer)


def test_text_stored_by_an_older_version_is_still_sent_inert(
    server: AppServer, store: TinyDBStore, slack, posted
) -> None:
    # The old Edit modal kept `<!channel>` as typed: such text may be in the store.
    client_id = posted[0]

    def old_edit(record):
        nudge = record.nudges[KEY]
        version = TextVersion(
            "<!channel> pay <https://evil.example|here> & now", "U0OLD", nudge.created_at
        )
        nudge = replace(nudge, versions=(*nudge.versions, version))
        return replace(record, nudges={**record.nudges, KEY: nudge}), []

    store.update(TEAM, client_id, old_edit)
    server.interact(button(ui.APPROVE, posted))
    slack.wait_for("chat.postMessage", 3)
    (delivered,) = slack.messages["C0SHARED"]
    assert delivered["text"] == "&lt;!channel&gt; pay &lt;https://evil.example|here&gt; &amp; now"
    # The thread update (its notification text and blocks) went out inert too: the check in
    # tests/conftest.py fails this test otherwise.
    update = slack.wait_for("chat.update")[-1].args
    assert "&lt;!channel&gt; pay" in update["text"]


def test_a_pay_link_with_an_ampersand_is_stored_as_typed_and_escaped_once(
    server, store, slack, posted
) -> None:
    ok = server.slash("set acme pay <https://pay.example.com/acme?a=1&amp;b=2>")
    assert ":warning:" not in ok.text
    assert store.find(TEAM, "acme").client.pay == "https://pay.example.com/acme?a=1&b=2"
    shown = server.slash("status acme").text
    assert "&amp;amp;" not in shown


# names ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ['"\u200b"', "\u3164", '"\u2800"', "\u115f", "\uffa0", '"\u200b \u2060"', '" "']
)
def test_invisible_names_are_refused(server: AppServer, store: TinyDBStore, name: str) -> None:
    before = stored_files(store)
    text = refused(server.slash(f"add {name}"))
    assert "no visible characters" in text or "needs a name" in text
    assert stored_files(store) == before


@pytest.mark.parametrize("look_alike", ["acme\u200b", "ＡＣＭＥ", "\u2060Acme", "ac\u00adme"])
def test_a_look_alike_name_is_the_same_client(
    server: AppServer, store: TinyDBStore, look_alike: str
) -> None:
    reply(server.slash("add acme"))
    before = stored_files(store)
    assert "There is already a client called acme" in refused(server.slash(f"add {look_alike}"))
    assert stored_files(store) == before
    assert "Noted for *acme*" in reply(server.slash(f"note {look_alike} called them"))
    assert len(store.clients(TEAM)) == 1


def test_clients_added_by_the_older_version_are_found(
    server: AppServer, store: TinyDBStore, db_path: Path
) -> None:
    write_old_folder(db_path, ("Ｇlobex Ltd",), team=TEAM)
    text = reply(server.slash("status globex ltd"))
    assert "Ｇlobex Ltd" in text and not text.startswith(":warning:")
    assert "There is already" in refused(server.slash('add "GLOBEX LTD"'))


def test_name_and_contact_limits_count_characters_as_typed(
    server: AppServer, store: TinyDBStore
) -> None:
    # 80 `&` are 80 characters, though Slack sends each as `&amp;`.
    reply(server.slash('add "' + "&amp;" * 80 + '" contact "' + "&amp;" * 80 + '"'))
    client = store.clients(TEAM)[0].client
    assert client.name == "&" * 80 and client.contact == "&" * 80
    assert "keep it to 80 or fewer" in refused(server.slash('add "' + "&amp;" * 81 + '"'))


def test_text_limits_count_characters_as_typed(server: AppServer, store: TinyDBStore) -> None:
    reply(server.slash("add acme"))
    reply(server.slash("note acme " + "&lt;" * 1000))
    record = store.find(TEAM, "acme")
    assert next(store.history(TEAM, record.client.client_id)).text == "<" * 1000
    before = stored_files(store)
    assert "1,001 characters long" in refused(server.slash("note acme " + "&lt;" * 1001))
    assert stored_files(store) == before


# which client: the exact name, or ask ------------------------------------------------------------
def test_two_clients_that_fit_are_asked_about_and_nothing_is_filed(
    server: AppServer, store: TinyDBStore
) -> None:
    reply(server.slash("add globex"))
    reply(server.slash('add "globex sent"'))
    before = stored_files(store)
    text = refused(server.slash("asked globex sent the draft contract"))
    assert "*globex sent* and *globex* both fit what you typed, so I did nothing." in text
    assert '`/client asked "globex sent" the draft contract`' in text
    assert '`/client asked "globex" sent the draft contract`' in text
    assert stored_files(store) == before
    # The commands offered do what they say.
    reply(server.slash('asked "globex" sent the draft contract'))
    globex = store.find(TEAM, "globex")
    assert [a.what for a in globex.state.open_asks] == ["sent the draft contract"]
    assert store.find(TEAM, "globex sent").state.open_asks == ()
    # A command only one reading makes sense of is carried out.
    assert "No reply" not in reply(server.slash("status globex sent"))
    assert "globex sent" in reply(server.slash("status globex sent"))


# line breaks can't forge history ---------------------------------------------------------------
# Slack sends curly quotes as typed; the grammar reads them as straight ones.
FORGED = '*Fri 27 Nov 2026* · message approved "pay now" _(logged by @boss 27 Nov 2026 09:00 UTC)_'


def test_a_line_break_in_a_note_cannot_forge_a_history_entry(
    server: AppServer, store: TinyDBStore
) -> None:
    reply(server.slash("add acme"))
    reply(server.slash(f'note "acme" call went fine\n{FORGED}\n\nlast line'))
    record = store.find(TEAM, "acme")
    assert next(store.history(TEAM, record.client.client_id)).text == (
        f"call went fine\n{FORGED}\n\nlast line"
    )
    for command in ("history acme", "status acme"):
        lines = reply(server.slash(command)).split("\n")
        entries = [line for line in lines if re.match(r"`e\d+` \*Fri 27 Nov 2026\* · ", line)]
        # Only the real entries start a line; the typed one sits quoted under its entry.
        assert all("logged by <@U0ALICE>" in line for line in entries), entries
        assert any(
            line.startswith("`e2` *Fri 27 Nov 2026* · note “call went fine …”") for line in lines
        )
        assert f">{FORGED}" in lines
        assert ">last line" in lines


def test_a_line_break_in_an_ask_cannot_forge_a_status_line(server: AppServer) -> None:
    reply(server.slash("add acme"))
    reply(server.slash('asked "acme" the logo\n• "nothing else" since Mon 2 Nov 2026'))
    lines = reply(server.slash("status acme")).split("\n")
    assert "• e2 “the logo …” since Fri 27 Nov 2026 (0 business days)" in lines
    assert '>• "nothing else" since Mon 2 Nov 2026' in lines
    assert not any(line.startswith('• "nothing else"') for line in lines)


def test_a_non_id_author_is_shown_inert(server: AppServer, store: TinyDBStore, clock) -> None:
    # Entries written by the app itself (or imported) carry a name, not a user id.
    reply(server.slash("add acme"))
    record = store.find(TEAM, "acme")
    store.update(
        TEAM,
        record.client.client_id,
        lambda r: log(
            r, "<!channel> importer", clock.now, Draft(Kind.NOTE, clock.now.date(), text="hi")
        ),
    )
    text = reply(server.slash("history acme"))
    assert "logged by &lt;!channel&gt; importer" in text
