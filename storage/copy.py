"""`python bot.py copy`: move every workspace's whole record from one store to another (the
TinyDB folder to PostgreSQL), then check it entry by entry.

Each workspace goes across in one transaction of the target (`import_clients`): all of its
clients with their full history and nudges, or none. A workspace the target already holds is
not copied again but checked like a copied one, so running the copy again after an interruption
finishes the job, and running it after it succeeded only verifies. A workspace that differs
in the target (the target was written to since) is reported, never overwritten.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from domain.models import ClientRecord, Interaction
from storage.base import DamagedRecord, Store


@dataclass
class CopyReport:
    workspaces: int = 0
    copied: int = 0  # workspaces copied now (the others were there already)
    clients: int = 0
    interactions: int = 0
    nudges: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        already = self.workspaces - self.copied
        return (
            f"{self.workspaces} workspace(s) ({self.copied} copied now, {already} already there), "
            f"{self.clients} client(s), {self.interactions} interaction(s), "
            f"{self.nudges} nudge(s): "
            + (f"{len(self.problems)} problem(s)" if self.problems else "every entry verified")
        )


def copy_store(source: Store, target: Store) -> CopyReport:
    """Copy every workspace of `source` that `target` lacks, then verify every workspace."""
    report = CopyReport()
    for team in source.teams():
        report.workspaces += 1
        try:
            records = source.clients(team)
            if len(records) != len(source.names(team)):
                report.problems.append(
                    f"{team}: some records in the source can't be read (see the log): "
                    "repair or restore them, then copy again"
                )
                continue
        except DamagedRecord as err:
            report.problems.append(f"{team}: the source can't be read ({err})")
            continue
        if not target.names(team):
            target.import_clients(_with_history(source, team, records))
            report.copied += 1
        _verify(source, target, team, records, report)
    return report


def _with_history(
    source: Store, team: str, records: list[ClientRecord]
) -> Iterator[tuple[ClientRecord, list[Interaction]]]:
    for record in records:
        events = list(source.history(team, record.client.client_id))
        events.reverse()  # oldest first, as they were logged
        yield record, events


def _verify(
    source: Store, target: Store, team: str, records: list[ClientRecord], report: CopyReport
) -> None:
    if set(target.names(team).items()) != set(source.names(team).items()):
        report.problems.append(f"{team}: the target's clients are not the source's")
    for record in records:
        cid = record.client.client_id
        report.clients += 1
        report.nudges += len(record.nudges)
        try:
            copied = target.get(team, cid)
            if copied != record:
                report.problems.append(f"{team}/{cid}: the record differs in the target")
                continue
            theirs = target.history(team, cid)
            for mine in source.history(team, cid):
                if next(theirs, None) != mine:
                    report.problems.append(f"{team}/{cid}: interaction {mine.seq} differs")
                    break
                report.interactions += 1
            else:
                if next(theirs, None) is not None:
                    report.problems.append(f"{team}/{cid}: the target has more interactions")
        except DamagedRecord as err:
            report.problems.append(f"{team}/{cid}: can't be read ({err})")
