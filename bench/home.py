"""How fast App Home is built at 5,000 clients.

    python bench/home.py [--clients 5000]

Not a test (it asserts nothing); run it by hand. It seeds one workspace through
TinyDBStore.import_clients (each client added, asked and heard from; one in seven owned by the
viewer; files aged past the overview's settling time, as a live store's are), then times
HomeViews.view (the overview, the insights from each record's history, ranking, Block Kit):

- *cold*: the first Home of a new day in a fresh process: every summary and insight is made
  (after midnight the scheduler's pass does this, so people opening Home don't);
- *warm*: Home again with nothing changed: one stat per client, no reads.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bot  # noqa: E402
from config import Config  # noqa: E402
from domain.models import Client, ClientRecord, Kind  # noqa: E402
from service.commands import Draft, log  # noqa: E402
from service.home import HomeViews  # noqa: E402
from storage.atomic import file_clock_ns
from storage.tinydb_store import TinyDBStore  # noqa: E402

TEAM = "T0BENCH"
AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=5000)
    args = parser.parse_args()
    db = Path(tempfile.mkdtemp()) / "data" / "tactful.json"

    def items():
        for i in range(args.clients):
            owner = "U0VIEWER" if i % 7 == 0 else ""
            client = Client(TEAM, f"c{i:05d}", f"client-{i:04d}", "U0SEED", AT, owner=owner)
            yield log(
                ClientRecord(client=client),
                "U0SEED",
                AT,
                Draft(Kind.ADDED, AT.date()),
                Draft(Kind.ASKED, AT.date(), text="the logo"),
                Draft(Kind.HEARD, AT.date()),
            )

    TinyDBStore(db, durable=False).import_clients(items())
    settled = file_clock_ns(db.parent) / 1e9 - 3600  # an hour old, on the files' own clock
    for path in (db.with_suffix("") / "teams" / TEAM / "clients").iterdir():
        os.utime(path, (settled, settled))
    store = TinyDBStore(db)
    commands = bot.client_commands(Config("xoxb-bench", "bench", database_path=db), store)
    home = HomeViews(commands, lambda _team: None, lambda: datetime(2026, 11, 27, 10, tzinfo=UTC))
    for label in ("cold", "warm"):
        started = time.perf_counter()
        view = home.view(TEAM, "U0VIEWER")
        took = (time.perf_counter() - started) * 1000
        print(f"{args.clients} clients, {label}: {took:.0f} ms, {len(view['blocks'])} blocks")


if __name__ == "__main__":
    main()
