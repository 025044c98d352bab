"""The storage contract. Handlers and the scheduler depend on this, never on TinyDB."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from domain.models import ClientRecord, Interaction

# A change is a pure function of the client's current record. It returns the new record and
# the interactions to append to the history, or raises to change nothing.
Change = Callable[[ClientRecord], tuple[ClientRecord, list[Interaction]]]


class NoChange(Exception):
    """Raised by a change to write nothing: what it found leaves nothing to do (another pass
    recorded it first, the client acted, it was logged already) or something to refuse.
    `outcome`, if given, is what the caller answers with."""

    def __init__(self, outcome: Any = None) -> None:
        super().__init__()
        self.outcome = outcome


class DuplicateClient(Exception):
    def __init__(self, existing: ClientRecord) -> None:
        super().__init__(existing.client.name)
        self.existing = existing


class UnknownClient(Exception):
    pass


class DamagedRecord(Exception):
    """A stored file that can't be read: bad JSON, cut short, or not the shape Tactful wrote.

    The store logs each such file once, with its path; callers skip that client and carry on
    with the others."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class StoreUnavailable(Exception):
    """The store can't be opened: its folder can't be written, or its catalogue is damaged.
    The message is one line for the operator and names what to fix."""


S = TypeVar("S")


@dataclass(frozen=True)
class Overview(Generic[S]):
    """A summary of each of a team's clients, and how many records could not be read."""

    summaries: list[S]
    unreadable: int = 0


class Store(Protocol):
    """Clients of every workspace, each record scoped by Slack `team_id`.

    Every method that changes something returns only once the change is durable on disk.
    """

    def add_client(self, record: ClientRecord, events: list[Interaction]) -> ClientRecord:
        """Store a new client. Raises DuplicateClient if the team has one by that name."""
        ...

    def import_clients(self, items: Iterable[tuple[ClientRecord, list[Interaction]]]) -> None:
        """Store new clients with their whole history so far (oldest first): for `copy`,
        imports and seeding. Raises DuplicateClient if a name is taken or given twice."""
        ...

    def get(self, team_id: str, client_id: str) -> ClientRecord | None: ...

    def find(self, team_id: str, name: str) -> ClientRecord | None:
        """The client called `name` (case-insensitive), or None."""
        ...

    def names(self, team_id: str) -> dict[str, str]:
        """name key -> client id, for every client of the team."""
        ...

    def clients(self, team_id: str) -> list[ClientRecord]: ...

    def teams(self) -> list[str]: ...

    def update(self, team_id: str, client_id: str, change: Change) -> ClientRecord:
        """Apply `change` to the freshest copy of the record, atomically, under the write lock.

        Raises UnknownClient if there is no such client, or whatever `change` raises (then
        nothing is written)."""
        ...

    def write_batch(
        self,
        team_id: str,
        new: Sequence[tuple[ClientRecord, list[Interaction]]] = (),
        changes: Mapping[str, Change] | None = None,
    ) -> dict[str, ClientRecord]:
        """Add these new clients (as `import_clients`) and apply these changes (client id ->
        change, each as `update` would, on the freshest record), all in one durable write: a
        crash at any point leaves all of it or none of it. For imports, a batch at a time.
        Returns each client's record as written. Raises DuplicateClient, UnknownClient or
        whatever a change raises, and then writes nothing."""
        ...

    def history(self, team_id: str, client_id: str) -> Iterator[Interaction]:
        """The client's interactions, newest first."""
        ...

    def due_for_check(self, team_id: str, today: date) -> list[str]:
        """Ids of the team's clients the nudge pass must look at today: those whose next check
        has come, and any the index can't vouch for."""
        ...

    def refresh_checks(self, team_id: str, client_ids: Iterable[str]) -> None:
        """Recompute the next check of these clients from their current records."""
        ...

    def read_many(
        self, team_id: str, client_ids: list[str]
    ) -> Iterator[tuple[str, ClientRecord | DamagedRecord | None]]:
        """(client id, record) for each of these clients, in order: None if there is no such
        client, the DamagedRecord reading it raised if it can't be read. Each record is as it
        is when yielded or a little before: a store may read a batch at a time (one round trip
        on a database), never all of them at once."""
        ...

    def overview(
        self, team_id: str, summarise: Callable[[ClientRecord], S], kind: type[S], version: str
    ) -> Overview[S]:
        """`summarise(record)` for each of the team's clients whose record can be read.

        A summary is kept and reused until the client's record changes or `version` does (say,
        the day changes), so an overview of a big workspace doesn't read every record."""
        ...

    def note(self, team_id: str, name: str) -> dict[str, Any] | None:
        """A small workspace-wide record kept by name (e.g. the digest of one week), or None."""
        ...

    def change_note(
        self,
        team_id: str,
        name: str,
        change: Callable[[dict[str, Any] | None], dict[str, Any]],
    ) -> dict[str, Any]:
        """Replace the note with `change(current)`, atomically, under the write lock, durable
        on return; whatever `change` raises leaves it as it was. How a workspace-wide step
        (the weekly digest) is claimed exactly once by several processes."""
        ...

    def writable(self) -> bool:
        """Whether the store can make a durable write right now (for health checks)."""
        ...

    def purge_team(self, team_id: str) -> dict[str, int]:
        """Delete everything stored for the workspace, for good, in one step that a crash can't
        leave half done (`python bot.py purge`). Returns what was deleted: the counts of
        `clients` and `interactions` (0 each if the team has nothing stored)."""
        ...


class CheckSchedule(Protocol):
    """Tells the store when the nudge pass next needs to look at a client, so a pass can skip
    the ones with nothing due. The store keeps the answers in an index beside the records."""

    # Changes when anything that moves the answers changes (time zone, ladders).
    fingerprint: str

    def today(self) -> date: ...

    def check_on(self, record: ClientRecord, today: date, by: date | None = None) -> date:
        """The first day from `today` the pass must look at `record`; never later than the
        first day a nudge could be due if nothing else is logged. With `by`, the caller needs
        only the earlier of that day and `by`."""
        ...
