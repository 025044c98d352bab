"""README, `.env.example` and `/client help` say what the code does: each fails if one drifts."""

from __future__ import annotations

import re
from pathlib import Path

import bot
import cli
import config
from domain.commands import VERBS
from ui.replies import HELP

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
ENV_EXAMPLE = (ROOT / ".env.example").read_text(encoding="utf-8")
# The least config.load accepts; every other setting is left to its default.
MINIMUM = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}


def settings_table() -> dict[str, str]:
    """Each variable of README's settings table, with its default cell's backticked value ("" if
    the default is a description, like "empty" or "anyone")."""
    section = README.split("### Settings", 1)[1].split("\n#", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        names_cell, default_cell = line.split("|")[1:3]
        # A family of variables is written as such: `PAYMENT_DETAILS_<CURRENCY>`.
        names = re.findall(r"`([A-Z_]+(?:<[A-Z]+>)?)`", names_cell)
        # "the shipped `wording/`" describes a default rather than giving its value.
        defaults = re.findall(r"`([^`]*)`", default_cell) if default_cell.strip()[:1] == "`" else []
        for i, name in enumerate(names):
            rows[name] = defaults[i] if len(defaults) == len(names) else ""
    return rows


def env_example() -> dict[str, str]:
    """Each variable `.env.example` mentions (`NAME=value` or commented `# NAME=value`)."""
    found = re.findall(r"^#? ?([A-Z][A-Z_]+)=(.*)$", ENV_EXAMPLE, flags=re.MULTILINE)
    return dict(found)


def env_example_settings() -> list[str]:
    """The SETTINGS entry of each variable there: `PAYMENT_DETAILS_EUR` is an example of
    `PAYMENT_DETAILS_<CURRENCY>`; a name config doesn't read stays as it is, to be caught."""
    return sorted({config.setting_of(name) or name for name in env_example()})


def test_the_settings_table_lists_every_setting_and_nothing_else() -> None:
    assert sorted(settings_table()) == sorted(config.SETTINGS)


def test_env_example_mentions_every_setting_and_nothing_else() -> None:
    assert env_example_settings() == sorted(config.SETTINGS)


def test_each_default_in_the_readme_is_the_default_config_load_uses() -> None:
    default = config.load(MINIMUM)
    checked = 0
    for name, value in settings_table().items():
        if not value or name in MINIMUM or name == "LOG_LEVEL":
            continue
        assert config.load({**MINIMUM, name: value}) == default, name
        checked += 1
    # Guard against the parser silently finding no defaults at all.
    assert checked >= 25


def test_readme_gives_the_log_level_default_bot_uses() -> None:
    assert settings_table()["LOG_LEVEL"] == "INFO"
    assert 'default = "WARNING" if mode == "console" else "INFO"' in Path(bot.__file__).read_text()


def test_commented_out_lines_of_env_example_are_the_readme_defaults() -> None:
    # A `# NAME=value` line says "this is what you get if you leave it out".
    table = settings_table()
    commented = re.findall(r"^# ([A-Z][A-Z_]+)=(.*)$", ENV_EXAMPLE, flags=re.MULTILINE)
    for name, value in commented:
        name = config.setting_of(name) or name
        if table[name] and name not in ("HOLIDAYS", "CLOSED"):
            assert value == table[name], name
    # An uncommented value is used as set: it must still load.
    set_lines = dict(re.findall(r"^([A-Z][A-Z_]+)=(.*)$", ENV_EXAMPLE, flags=re.MULTILINE))
    config.load({**MINIMUM, **{k: v for k, v in set_lines.items() if not k.startswith("SLACK_")}})


def _readme_commands() -> str:
    return README.split("## The `/client` command", 1)[1].split("```", 2)[1]


def test_every_verb_is_in_the_readme_reference_and_nothing_else() -> None:
    listed = set(re.findall(r"^/client (\w+)", _readme_commands(), flags=re.MULTILINE))
    listed |= set(re.findall(r"/\s+/client (\w+)", _readme_commands()))
    assert listed == set(VERBS)


def test_every_verb_is_in_client_help_and_nothing_else() -> None:
    assert set(re.findall(r"`/client (\w+)", HELP)) == set(VERBS)


def test_every_mode_of_bot_py_is_in_the_readme_and_its_help() -> None:
    modes = set(cli.MODES)
    documented = set(
        re.findall(r"^    python bot\.py (\w+)", bot.__doc__ or "", flags=re.MULTILINE)
    )
    in_readme = set(re.findall(r"python bot\.py (\w+)", README))
    assert modes == documented
    assert modes <= in_readme
    assert in_readme <= modes


def test_how_it_is_built_names_every_top_level_module_and_package() -> None:
    listing = README.split("## How it is built", 1)[1].split("```", 2)[1]
    named = set(re.findall(r"^(\S+?)/?\s", listing, flags=re.MULTILINE))
    code = {p.name for p in ROOT.glob("*.py")} | {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert "cli" in code and "bot.py" in code  # the scan finds what it should
    assert code <= named, f"add {sorted(code - named)} to README's How it is built"
