"""How long `python bot.py import` takes on a big file, and how many durable writes it makes.

    python bench/importing.py [--invoices 5000] [--clients 1000] [--new-clients 20000]
                              [--postgres postgresql://postgres@127.0.0.1:5432/test]

Not a test (it asserts nothing); run it by hand. For each case it writes a CSV in a temporary
folder and imports it into a fresh TinyDB store (fsync on, as in production) through
service/importing.py, and reports:

- the wall time of reading and checking the file alone (the baseline: `Importer.read`),
- the wall time of the whole import (read, plan, write), absolute and as a ratio of the
  baseline, so a slower or busier machine reads the same,
- how many fsyncs the write made (os.fsync calls, files and folders).

Cases: `--invoices` invoices spread over `--clients` new clients; the same file imported again
into that store (everything skipped); `--new-clients` clients with one invoice each.
With --postgres, the first case again into a fresh schema of that database.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.importing import Importer  # noqa: E402
from storage.tinydb_store import TinyDBStore  # noqa: E402

TEAM = "T0BENCH"
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
TZ = ZoneInfo("Europe/London")


def write_csv(path: Path, invoices: int, clients: int) -> None:
    lines = ["client,contact,type,invoice,sent,due,total,paid,paid on,currency"]
    start = NOW.date() - timedelta(days=400)
    for i in range(invoices):
        sent = start + timedelta(days=i % 360)
        due = sent + timedelta(days=30)
        paid = "" if i % 3 else "100"
        paid_on = "" if i % 3 else (due + timedelta(days=5)).isoformat()
        lines.append(
            f"Client {i % clients:06d} Ltd,Pat {i % clients},late-payer,INV-{i:07d},"
            f"{sent.isoformat()},{due.isoformat()},{1000 + i % 500},{paid},{paid_on},GBP"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


class FsyncCounter:
    def __init__(self) -> None:
        self.calls = 0
        self.real: Callable[[int], None] = os.fsync

    def __enter__(self) -> FsyncCounter:
        def counting(fd: int) -> None:
            self.calls += 1
            self.real(fd)

        os.fsync = counting
        return self

    def __exit__(self, *_: Any) -> None:
        os.fsync = self.real


def run(store: Any, csv: Path, label: str) -> None:
    importer = Importer(store, TZ, "GBP")
    t0 = time.perf_counter()
    importer.read(csv, "T0OTHER", NOW)  # an empty team: the file alone
    baseline = time.perf_counter() - t0
    with FsyncCounter() as fsyncs:
        t0 = time.perf_counter()
        _parsed, plan = importer.read(csv, TEAM, NOW)
        done = importer.apply(plan, TEAM, csv.name, NOW)
        took = time.perf_counter() - t0
    print(
        f"{label:<44} {took:7.2f} s  {took / baseline:6.1f}x the parse ({baseline:.2f} s)"
        f"  {fsyncs.calls:6d} fsyncs  ({len(done.clients)} clients, {len(done.invoices)} "
        f"invoices added, {len(done.skipped)} skipped)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--new-clients", type=int, default=20000)
    parser.add_argument("--postgres", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv = folder / "invoices.csv"
        write_csv(csv, args.invoices, args.clients)
        store = TinyDBStore(folder / "a" / "tactful.json")
        run(store, csv, f"{args.invoices} invoices, {args.clients} new clients")
        run(store, csv, "the same file again (all skipped)")
        if args.new_clients:
            many = folder / "clients.csv"
            write_csv(many, args.new_clients, args.new_clients)
            run(TinyDBStore(folder / "b" / "tactful.json"), many, f"{args.new_clients} new clients")
        if args.postgres:
            from storage.postgres_store import PostgresStore, migrate

            schema = f"bench_import_{os.getpid()}"
            migrate(args.postgres, schema=schema)
            pg = PostgresStore(args.postgres, schema=schema)
            try:
                run(pg, csv, f"PostgreSQL: {args.invoices} invoices")
            finally:
                with pg.connect() as conn:
                    conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
                pg.close()


if __name__ == "__main__":
    main()
