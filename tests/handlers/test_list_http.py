"""`/client list` over signed HTTP in a big workspace: paged, the ones needing attention
first, every page inside Slack's message limits."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from domain.models import Client, ClientRecord, Kind
from service.commands import ClientCommands, Draft, log
from storage.tinydb_store import TinyDBStore
from tests.checks import live_markup
from tests.slack_http import AppServer, Response
from ui import blocks as bk
from ui.replies import PAGE_SIZE

TEAM = "T0TEAM1"
AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def seed(db_path: Path, count: int, name_length: int = 10) -> None:
    """`count` clients with nothing pending, fast (no fsync: seeding is not under test)."""

    def items():
        for i in range(count):
            name = f"client-{i:03d}".ljust(name_length, "x")
            client = Client(TEAM, f"c{i:05d}", name, "U0SEED", AT)
            yield log(ClientRecord(client=client), "U0SEED", AT, Draft(Kind.ADDED, AT.date()))

    TinyDBStore(db_path, durable=False).import_clients(items())


def page(res: Response) -> tuple[str, list[str]]:
    assert res.status == 200, res.body
    body = res.json()
    assert body["response_type"] == "ephemeral" and live_markup(body) == []
    assert len(body["blocks"]) <= bk.MAX_BLOCKS
    for block in body["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= bk.MAX_SECTION_TEXT
    names = [
        line.split("*")[1]
        for block in body["blocks"]
        if block["type"] == "section"
        for line in block["text"]["text"].splitlines()
    ]
    return res.text, names


def test_a_big_workspace_is_listed_a_page_at_a_time_most_urgent_first(
    server: AppServer, store: TinyDBStore, db_path: Path, clock
) -> None:
    seed(db_path, 120)
    commands = ClientCommands(store, UTC)
    for name in ("client-117", "client-042"):
        assert "Logged" in commands.run(TEAM, "U0A", f"invoice {name} 100 due 2026-11-20", AT).text

    text, names = page(server.slash("list"))
    assert "120 clients, 2 needing attention" in text
    assert len(names) == PAGE_SIZE == 50
    assert names[:3] == ["client-042", "client-117", "client-000"]
    assert "Page 1 of 3, the ones needing attention first. `/client list 2` for the next" in text

    _, second = page(server.slash("list 2"))
    _, third = page(server.slash("list 3"))
    assert second[0] == "client-049" and len(third) == 20 and third[-1] == "client-119"
    assert "`/client list 4`" not in server.slash("list 3").text
    assert "there are 3 page(s); `/client list 3` is the last" in server.slash("list 9").text

    text, names = page(server.slash("list CLIENT-11"))
    assert "10 clients starting with “client-11”, 1 needing attention" in text
    assert names[0] == "client-117" and len(names) == 10
    assert "Page" not in text


def test_a_full_page_of_the_longest_names_fits_one_message(
    server: AppServer, db_path: Path
) -> None:
    seed(db_path, PAGE_SIZE + 5, name_length=80)
    text, names = page(server.slash("list"))
    assert len(names) == PAGE_SIZE and "Page 1 of 2" in text
