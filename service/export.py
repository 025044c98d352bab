"""Exporting a client's full record: a CSV to read or hand on, a CSV of every stored field
(`-internal.csv`, see domain/export.py for why two) and a Markdown document, uploaded to a person's DM with
the app (`/client export`) or written to a folder (`python bot.py export`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

from slack_sdk import WebClient

from domain import export
from domain.models import ClientRecord
from storage.base import Store
from ui.export_markdown import markdown
from ui.export_timeline import READER_COLUMNS, timeline


@dataclass(frozen=True)
class ExportFile:
    filename: str
    title: str
    content: str


def slug(name: str, fallback: str) -> str:
    """A file name part from a client's name: letters, digits and dashes only."""
    cleaned = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")
    return cleaned[:60] or fallback.lower()


class Exports:
    def __init__(self, store: Store, tz: tzinfo) -> None:
        self.store, self.tz = store, tz

    def files(self, record: ClientRecord, now: datetime) -> list[ExportFile]:
        """The reader's CSV, the internal CSV and the Markdown of one client, from a fresh read
        of its whole history; dates and times in the workspace's time zone."""
        c = record.client
        history = list(self.store.history(c.team_id, c.client_id))
        reader, stored = timeline(history, self.tz), export.rows(record, history)
        base = f"{slug(c.name, c.client_id)}-record-{now.astimezone(self.tz).date().isoformat()}"
        return [
            ExportFile(
                f"{base}.csv",
                f"{c.name}: full record (CSV)",
                export.to_csv(reader, READER_COLUMNS),
            ),
            ExportFile(
                f"{base}-internal.csv",
                f"{c.name}: full record, internal fields (CSV)",
                export.to_csv(stored),
            ),
            ExportFile(
                f"{base}.md",
                f"{c.name}: full record (Markdown)",
                markdown(reader, stored, now.astimezone(self.tz), c.team_id),
            ),
        ]

    def upload(self, client: WebClient, user: str, files: list[ExportFile], comment: str) -> str:
        """Upload the files into the person's DM with the app; returns the DM's channel id."""
        dm = client.conversations_open(users=user)["channel"]["id"]
        client.files_upload_v2(
            file_uploads=[
                {"content": f.content.encode("utf-8"), "filename": f.filename, "title": f.title}
                for f in files
            ],
            channel=dm,
            initial_comment=comment,
        )
        return dm

    def write(self, files: list[ExportFile], folder: Path) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for f in files:
            path = folder / f.filename
            # Written aside and renamed: an archive never holds half a file.
            partial = path.with_name(f".{f.filename}.partial")
            partial.write_text(f.content, encoding="utf-8", newline="")
            partial.replace(path)
            written.append(path)
        return written
