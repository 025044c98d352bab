"""`/client history` over signed HTTP: paged within Slack's limits, however long the record."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from domain.ledger import Draft
from domain.models import Client, ClientRecord, Kind
from service.commands import log
from storage.tinydb_store import TinyDBStore
from tests.checks import ok, refused
from tests.slack_http import AppServer
from tests.slack_limits import problems, text_size

TEAM = "T0TEAM1"
NOTES = 95  # with the "added" line, 96 entries: pages of 20, the fifth holds 16


def seed(db_path: Path, *names: str) -> None:
    """Each client with NOTES notes of 600 characters full of `&<>` (a line longer than a page
    gives it), written at once as an import would."""
    at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def items():
        for n, name in enumerate(names):
            record = ClientRecord(client=Client(TEAM, f"c{n}", name, "U0SEED", at))
            notes = [
                Draft(Kind.NOTE, date(2026, 1, 5 + i % 20), text=f"n{i:02d} " + "<b>&x " * 99)
                for i in range(NOTES)
            ]
            yield log(record, "U0SEED", at, Draft(Kind.ADDED, at.date()), *notes)

    TinyDBStore(db_path, durable=False).import_clients(items())


def page(server: AppServer, text: str) -> tuple[str, dict]:
    res = server.slash(text)
    body = res.json()
    return ok(res), {"text": body["text"], "blocks": body["blocks"]}


def test_history_is_paged_newest_first_within_slacks_limits(
    server: AppServer, db_path: Path
) -> None:
    seed(db_path, "acme")
    seen: list[str] = []
    for n in range(1, 6):
        text, body = page(server, "history acme" + (f" {n}" if n > 1 else ""))
        assert problems(body, "message") == [], problems(body, "message")
        assert text_size(body["blocks"]) < 10_000
        assert (
            f"History of acme: 96 entries, newest first by the day it happened (page {n} of 5)"
            in text
        )
        assert (f"Next: `/client history acme {n + 1}`" in text) == (n < 5)
        assert "`/client export acme` has every word" in text  # the notes are cut, and say so
        assert "&amp;&amp;" not in json.dumps(body) and "<b>" not in json.dumps(body)
        seen += [w[:3] for w in text.split("“")[1:]]
    # Every entry once over the pages, the newest logged on the first, the oldest on the last.
    assert "added" in text
    notes = sorted(s for s in seen if s.startswith("n"))
    assert notes == sorted(f"n{i:02d}" for i in range(NOTES))
    first, _ = page(server, "history acme")
    assert "n94" in first and "n74" not in first


def test_a_page_past_the_end_names_the_last(server: AppServer, db_path: Path) -> None:
    seed(db_path, "acme")
    text = ok(server.slash("history acme 6"))
    assert "acme has 96 entries on 5 pages: `/client history acme 5` is the last." in text
    assert "Pages start at 1" in refused(server.slash("history acme 0"))


def test_a_trailing_number_is_a_page_only_when_the_name_without_it_is_the_client(
    server: AppServer, db_path: Path
) -> None:
    seed(db_path, "Studio 54", "studio", "Unit 7")
    # `studio 54` is a whole client's name: its first page, not studio's 54th.
    assert "History of Studio 54: 96 entries" in ok(server.slash("history studio 54"))
    assert "(page 2 of 5)" in ok(server.slash("history studio 54 2"))
    assert "History of Studio 54: 96 entries" in ok(server.slash('history "Studio 54" 2'))
    assert "History of studio: 96 entries" in ok(server.slash("history studio 2"))
    assert "History of Unit 7" in ok(server.slash("history unit 7"))
    assert "(page 3 of 5)" in ok(server.slash("history unit 7 3"))
    assert "(page 2 of 5)" in ok(server.slash("history studio 2"))
