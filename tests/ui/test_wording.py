"""The suggested wording: every shipped template renders, in every language, and a
workspace's own copy (WORDING_PATH) can't reach Python attributes or leave a gap."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import bot
from config import Config
from domain.nudges import SITUATIONS, TOP_STAGE
from ui.wording import (
    MAX_SUGGESTION,
    SHIPPED,
    TEAM_PLACEHOLDERS,
    TYPES,
    Wording,
    WordingError,
    sample_values,
)

STAGES = range(1, TOP_STAGE + 1)
# English and Welsh must both ship; any other language file present is checked too.
LANGUAGES = sorted({"en", "cy"} | {p.stem for p in SHIPPED.glob("*.yml")})


@pytest.fixture(scope="module")
def wording() -> Wording:
    return Wording.load()


def test_english_and_welsh_are_loaded(wording: Wording) -> None:
    assert {"en", "cy"} <= set(wording.languages)
    assert set(wording.languages) == {p.stem for p in SHIPPED.glob("*.yml")}
    for lang, data in wording.languages.items():
        assert data["language"] == lang


def assert_rendered(text: str, limit: int) -> None:
    assert text.strip()
    assert "$" not in text, f"unrendered placeholder in {text!r}"
    assert len(text) < limit


# the shipped wording ------------------------------------------------------------------------------
@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("situation", SITUATIONS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_suggestion_renders_and_differs_by_client_type(
    wording: Wording, lang: str, situation: str, stage: int
) -> None:
    assert lang in wording.languages  # not the English fallback
    values = sample_values(situation)
    texts = {t: wording.suggestion(lang, situation, stage, t, values) for t in TYPES}
    for text in texts.values():
        assert_rendered(text, MAX_SUGGESTION)
        assert values["contact"] in text
    assert len(set(texts.values())) == len(TYPES), "each client type gets its own wording"
    if lang != "en":
        english = {t: wording.suggestion("en", situation, stage, t, values) for t in TYPES}
        assert all(texts[t] != english[t] for t in TYPES), "translated, not copied"


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("situation", SITUATIONS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_explanation_renders(wording: Wording, lang: str, situation: str, stage: int) -> None:
    assert lang in wording.languages
    for client_type in TYPES:
        why = wording.why(lang, situation, stage, client_type, "Acme Corp")
        assert_rendered(why, 1000)
        assert "Acme Corp" in why
    assert_rendered(wording.stage_line(situation, stage), 500)


@pytest.mark.parametrize("key", sorted(TEAM_PLACEHOLDERS))
def test_every_team_message_renders(wording: Wording, key: str) -> None:
    assert_rendered(wording.team(key, sample_values("team")), 1000)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_has_a_default_greeting(wording: Wording, lang: str) -> None:
    assert lang in wording.languages
    assert_rendered(wording.default_contact(lang), 100)


def test_values_are_inserted_once_never_read_as_templates(wording: Wording) -> None:
    values = sample_values("quiet") | {"asks": "${contact} {client.__class__} $$"}
    text = wording.suggestion("en", "quiet", 1, "none", values)
    assert "${contact} {client.__class__} $$" in text


# a workspace's own copy (WORDING_PATH) -------------------------------------------------------------
def shipped(lang: str = "en") -> dict[str, Any]:
    return yaml.safe_load((SHIPPED / "en.yml").read_text(encoding="utf-8")) | (
        {"language": lang} if lang != "en" else {}
    )


def write_copy(folder: Path, *datas: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for data in datas:
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        (folder / f"{data['language']}.yml").write_text(text, encoding="utf-8")
    return folder


def edited(edit: Callable[[dict[str, Any]], None], lang: str = "en") -> dict[str, Any]:
    data = copy.deepcopy(shipped(lang))
    edit(data)
    return data


def set_quiet_1_none(text: str) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        data["suggestions"]["quiet"][1]["none"] = text

    return edit


def test_a_valid_copy_is_used(tmp_path: Path) -> None:
    folder = write_copy(tmp_path, edited(set_quiet_1_none("Yo ${contact}: ${asks}?")))
    wording = Wording.load(folder)
    text = wording.suggestion("en", "quiet", 1, "none", sample_values("quiet"))
    assert text == "Yo Jo: sign-off on the March posts?"


@pytest.mark.parametrize(
    ("template", "named"),
    [
        ("Hi ${client.__class__}", "malformed placeholder"),
        ("Hi ${contact.__init__.__globals__}", "malformed placeholder"),
        ("Hi ${client[0]}", "malformed placeholder"),
        ("Hi ${secret}", "secret"),
        ("Hi ${bot_token}", "bot_token"),
        ("Hi $secret", "secret"),
        ("Hi ${invoices}", "invoices"),  # a real placeholder, but not one a quiet nudge has
        ("It costs $5", "malformed placeholder"),
    ],
)
def test_a_copy_with_an_unknown_or_attribute_placeholder_is_refused(
    tmp_path: Path, template: str, named: str
) -> None:
    folder = write_copy(tmp_path, edited(set_quiet_1_none(template)))
    with pytest.raises(WordingError) as err:
        Wording.load(folder)
    assert "en.yml" in str(err.value)
    assert "suggestions.quiet.1.none" in str(err.value)
    assert named in str(err.value)


class Spy(str):
    """A value that writes down every attribute looked up on it."""

    touched: list[str] = []

    def __getattribute__(self, name: str) -> Any:
        Spy.touched.append(name)
        return super().__getattribute__(name)


@pytest.mark.parametrize(
    "template",
    [
        "Hi {contact.__init__}",
        "Hi {client.__class__.__mro__}",
        "Hi {0.__class__}",
        "Hi {contact!r:>{asked_what}}",
        "Hi $contact.__class__",
        "Hi $${contact.__init__}",
    ],
)
def test_format_style_fields_render_literally_and_touch_no_attribute(
    tmp_path: Path, template: str
) -> None:
    folder = write_copy(tmp_path, edited(set_quiet_1_none(template)))
    wording = Wording.load(folder)  # accepted: nothing in it is a placeholder it can't fill
    values = {k: Spy(v) for k, v in sample_values("quiet").items()}

    Spy.touched.clear()
    text = wording.suggestion("en", "quiet", 1, "none", values)

    assert Spy.touched == []  # string.Template only looks values up by name and str()s them
    expected = (
        template.replace("$contact", "Jo").replace("$$", "$") if "$" in template else template
    )
    assert text == expected
    # The control: the same text as a format string would have reached into the objects.
    if "." in template and "$" not in template:
        Spy.touched.clear()
        with contextlib.suppress(AttributeError, KeyError, ValueError, IndexError):
            template.format(Spy("x"), **values)
        assert Spy.touched


@pytest.mark.parametrize(
    ("path", "named"),
    [
        (("suggestions", "quiet", 2, "controlling"), "suggestions.quiet.2.controlling"),
        (("suggestions", "overdue", 3, "late-payer"), "suggestions.overdue.3.late-payer"),
        (("suggestions", "controlling", 1), "suggestions.controlling.1.none"),
        (("stages", "overdue", 3), "stages.overdue.3"),
        (("types", "late-payer"), "types.late-payer"),
        (("team", "late"), "late"),
        (("team", "nudge_overdue"), "nudge_overdue"),
    ],
)
def test_a_missing_key_is_named(tmp_path: Path, path: tuple[Any, ...], named: str) -> None:
    def drop(data: dict[str, Any]) -> None:
        node = data
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]

    folder = write_copy(tmp_path, edited(drop))
    with pytest.raises(WordingError, match="missing") as err:
        Wording.load(folder)
    assert named in str(err.value)


def test_a_missing_key_in_another_language_is_named_with_its_file(tmp_path: Path) -> None:
    def drop(data: dict[str, Any]) -> None:
        del data["suggestions"]["overdue"][2]["unresponsive"]

    folder = write_copy(tmp_path, shipped("en"), edited(drop, lang="cy"))
    with pytest.raises(WordingError) as err:
        Wording.load(folder)
    assert "cy.yml" in str(err.value)
    assert "suggestions.overdue.2.unresponsive" in str(err.value)


def test_a_copy_without_english_is_refused(tmp_path: Path) -> None:
    folder = write_copy(tmp_path, shipped("cy"))
    with pytest.raises(WordingError, match="en.yml"):
        Wording.load(folder)


def test_a_too_long_suggestion_is_refused(tmp_path: Path) -> None:
    folder = write_copy(tmp_path, edited(set_quiet_1_none("Hi ${contact}. " + "x" * 2600)))
    with pytest.raises(WordingError, match="too long"):
        Wording.load(folder)


def test_wording_path_errors_stop_start_up_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_copy(tmp_path / "mine", edited(set_quiet_1_none("Hi ${secret}")))
    config = Config(bot_token="xoxb-x", signing_secret="x", wording_path=folder)
    with pytest.raises(SystemExit) as exit_:
        bot.load_wording(config)
    assert exit_.value.code == bot.EXIT_CONFIG
    err = capsys.readouterr().err
    assert "WORDING_PATH" in err and "secret" in err and "suggestions.quiet.1.none" in err
