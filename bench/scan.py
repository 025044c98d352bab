"""How long one nudge pass takes, and how much memory, on a big store.

    python bench/scan.py [--out bench/out/scan] [--rebuild] [--runs 2]

Not a test (it asserts nothing); run it by hand. It:

1. seeds two stores through TinyDBStore.import_clients (the same files, the same layout as live
   writes would leave; fsync off, since seeding is not what is measured), each in a process of
   its own, unless they are already there (--rebuild to start again):
     big   = 10,000 clients,   100 interactions each (1,000,000 interactions)
     small = 10,000 clients,    10 interactions each (  100,000 interactions)
     deep  =  1,000 clients, 1,000 interactions each (1,000,000 interactions)
   in 10 workspaces. Every client has a history (asks and replies, invoices
   and payments, notes, revisions, messages sent) and a few nudges from earlier episodes; the
   latest part of it makes about a third of them due: gone quiet, overdue (some several
   invoices, some with a promise kept or broken), controlling, and a few archived or snoozed;
2. runs one dry-run pass, `bot.build_engine(config, store).scan(now, dry_run=True)`, in a fresh
   process for each store, `--runs` times, and reports the last (so the OS page cache is the
   only warmth carried over). Time is the wall time of `scan()` alone; start-up (imports,
   opening the store, loading the wording) is shown beside it;
3. runs the pass once more per store in a fresh process with tracemalloc on, for the peak of
   Python allocations during the pass (tracemalloc slows the pass, so it is not timed).

Peak resident memory is VmHWM from /proc/self/status (the whole process: interpreter, imports,
the pass). `ru_maxrss` is printed too; every measuring process is started from this small
parent, so Linux's habit of carrying a parent's ru_maxrss over an exec does not inflate it.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday, in working hours
TEAMS = 10
CLIENTS = 10_000
# name: (clients, interactions per client). "deep" is an extra point: few clients with long
# histories, to show the cost per client stops growing once the summary's caps are reached.
SIZES = {"big": (CLIENTS, 100), "small": (CLIENTS, 10), "deep": (1_000, 1_000)}
SEED = 20261125


# seeding ---------------------------------------------------------------------------------------
def _history(rng: random.Random, n: int, today: date, profile: str) -> list:
    """`n` drafts, oldest first: a settled past, then the latest few that set the profile."""
    from domain.models import Kind, Money
    from service.commands import Draft

    def money() -> Money:
        return Money(Decimal(rng.choice(["450.00", "1200.00", "2500.50", "980.00"])), "GBP")

    recent: list[Draft] = []
    if profile == "quiet" or profile in ("archived", "snoozed"):
        recent.append(Draft(Kind.ASKED, today - timedelta(days=rng.randint(4, 20)), text="copy"))
    elif profile == "overdue":
        due = today - timedelta(days=rng.randint(1, 35))
        refs = ["OV-1"] + (["OV-2"] if rng.random() < 0.3 else [])
        for k, ref in enumerate(refs):
            recent.append(
                Draft(
                    Kind.INVOICE,
                    due - timedelta(days=30 - k),
                    amount=money(),
                    ref=ref,
                    due_on=due + timedelta(days=k * 3),
                )
            )
        if rng.random() < 0.25:  # a promise to pay: some still ahead, some broken
            by = today + timedelta(days=rng.randint(-6, 6))
            recent.append(Draft(Kind.PROMISED, min(by, today) - timedelta(days=1), due_on=by))
    elif profile == "controlling":
        for _ in range(rng.randint(4, 9)):
            on = today - timedelta(days=rng.randint(0, 12))
            recent.append(Draft(Kind.REVISION, on, text="move the logo 2px"))
        recent.sort(key=lambda d: d.occurred_on)
    else:  # settled: asked and answered lately
        on = today - timedelta(days=rng.randint(3, 9))
        recent += [
            Draft(Kind.ASKED, on, text="approval of the plan"),
            Draft(Kind.HEARD, on + timedelta(days=1), text="approved"),
        ]
    if profile == "snoozed":
        recent.append(
            Draft(
                Kind.SNOOZED,
                today - timedelta(days=1),
                ref="quiet",
                due_on=today + timedelta(days=7),
            )
        )

    # The settled past: every ask answered, every invoice paid, a few demands spread out.
    past: list[Draft] = []
    room = max(0, n - len(recent))
    span = max(30, 3 * room)
    end = today - timedelta(days=21)
    day = end - timedelta(days=span)
    invoice = 0
    while len(past) < room:
        day += timedelta(days=rng.randint(1, 5))
        day = min(day, end)
        block = rng.random()
        if block < 0.35 and len(past) + 2 <= room:
            past += [
                Draft(Kind.ASKED, day, text=f"feedback on draft {len(past)}"),
                Draft(Kind.HEARD, day + timedelta(days=rng.randint(0, 2)), text="looks good"),
            ]
        elif block < 0.6 and len(past) + 2 <= room:
            invoice += 1
            ref = f"INV-{invoice}"
            due = day + timedelta(days=14)
            past += [
                Draft(Kind.INVOICE, day, amount=money(), ref=ref, due_on=due),
                Draft(Kind.PAID, due + timedelta(days=rng.randint(-5, 0)), ref=ref),
            ]
        elif block < 0.7:
            past.append(Draft(Kind.REVISION, day, text="tweak the colours"))
        elif block < 0.85:
            past.append(Draft(Kind.SENT, day, text="weekly report"))
        else:
            past.append(Draft(Kind.NOTE, day, text="prefers calls on Tuesday mornings"))
    return past + recent


def _old_nudges(rng: random.Random, at: datetime) -> dict:
    """Nudges from episodes long over: they stay in the record and every pass reads them."""
    from domain.models import Nudge, NudgeStatus, TextVersion

    out = {}
    for k in range(rng.randint(0, 4)):
        situation = rng.choice(["quiet", "overdue", "controlling"])
        key = f"{situation}:old-{k}:1"
        created = at - timedelta(days=rng.randint(60, 300))
        out[key] = Nudge(
            key=key,
            situation=situation,
            subject=f"old-{k}",
            stage=1,
            created_at=created,
            status=rng.choice([NudgeStatus.APPROVED, NudgeStatus.DISMISSED, NudgeStatus.STALE]),
            channel="C0WORK",
            ts=f"{created.timestamp():.6f}",
            thread_ts=f"{created.timestamp() + 1:.6f}",
            versions=(
                TextVersion("Hi Jo, a gentle reminder about the last round. " * 5, "tactful", at),
            ),
            decided_by="U0LEAD",
            decided_at=created + timedelta(hours=3),
        )
    return out


def build(db_path: Path, per_client: int, clients: int = CLIENTS) -> None:
    """Seed a store (run in its own process by `main`)."""
    from dataclasses import replace

    from domain.models import (
        Client,
        ClientRecord,
        ClientType,
        Kind,
        Nudge,
        NudgeStatus,
        TextVersion,
    )
    from domain.nudges import due_nudges
    from service.commands import Draft, log
    from service.nudges import NudgeSchedule
    from storage.tinydb_store import TinyDBStore

    rng = random.Random(SEED + per_client)
    # With the checks index, as a live app keeps it (entries computed as of NOW).
    store = TinyDBStore(db_path, durable=False, schedule=NudgeSchedule(UTC, clock=lambda: NOW))
    today = NOW.date()
    profiles = ["settled"] * 64 + ["quiet"] * 12 + ["overdue"] * 12 + ["controlling"] * 8
    profiles += ["archived"] * 2 + ["snoozed"] * 2
    created_at = NOW - timedelta(days=400)

    def items(team: int):
        for i in range(clients // TEAMS):
            n = team * (clients // TEAMS) + i
            profile = rng.choice(profiles)
            client = Client(
                team_id=f"T{team:04d}",
                client_id=f"c{n:011d}",
                name=f"Client {n:05d}",
                created_by="U0SEED",
                created_at=created_at,
                client_type=rng.choice(list(ClientType)),
                quiet_days=rng.choice([2, 3, 3, 3, 5]),
                channel="C0WORK",
                archived=profile == "archived",
                contact=rng.choice(["", "Jo", "Sam"]),
            )
            drafts = [Draft(Kind.ADDED, created_at.date())]
            drafts += _history(rng, per_client - 1, today, profile)
            record, events = log(ClientRecord(client=client), "U0SEED", created_at, *drafts)
            nudges = _old_nudges(rng, NOW)
            # Some due clients were nudged already: an earlier stage of the current episode.
            if rng.random() < 0.4:
                for d in due_nudges(record, today - timedelta(days=3)):
                    nudges[d.key] = Nudge(
                        key=d.key,
                        situation=d.situation,
                        subject=d.subject,
                        stage=d.stage,
                        created_at=NOW - timedelta(days=3),
                        status=NudgeStatus.POSTED,
                        channel="C0WORK",
                        ts="1764000000.000100",
                        thread_ts="1764000000.000200",
                        versions=(TextVersion("Hi Jo, a quick check-in. " * 8, "tactful", NOW),),
                    )
            yield replace(record, nudges=nudges), events

    for team in range(TEAMS):
        store.import_clients(items(team))


# measuring ---------------------------------------------------------------------------------------
def _vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_pass(db_path: Path, trace: bool, full: bool = False) -> dict:
    """One dry-run pass in this (fresh) process; the figures as a dict. `full`: without the
    checks index, reading every client (the baseline the index is measured against)."""
    import resource
    import tracemalloc

    started = time.perf_counter()
    import bot
    from config import Config
    from storage.tinydb_store import TinyDBStore

    config = Config(bot_token="xoxb-x", signing_secret="x", database_path=db_path)
    store = TinyDBStore(db_path) if full else bot.open_store(config)
    engine = bot.build_engine(config, store)
    ready = time.perf_counter()
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    report = engine.scan(NOW, dry_run=True)
    seconds = time.perf_counter() - t0
    out = {
        "looked_at": sum(len(store.due_for_check(t, NOW.date())) for t in store.teams()),
        "startup_s": ready - started,
        "scan_s": seconds,
        "previews": len(report.preview),
        "vm_hwm_mb": _vm_hwm_mb(),
        "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if trace:
        out["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    return out


def _child(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _count_files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*.json") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "scan")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()

    results = {}
    for name, (clients, per_client) in SIZES.items():
        db_path = args.out / name / "tactful.json"
        if args.rebuild and db_path.parent.exists():
            shutil.rmtree(db_path.parent)
        if not db_path.exists():
            t = time.perf_counter()
            _child("build", str(db_path), str(per_client), str(clients))
            print(f"seeded {name}: {time.perf_counter() - t:.0f} s", flush=True)
        runs = [_child("pass", str(db_path)) for _ in range(args.runs)]
        traced = _child("pass", str(db_path), "--trace")
        full = [_child("pass", str(db_path), "--full") for _ in range(args.runs)]
        results[name] = (runs[-1], traced, db_path.parent, full[-1])
    # Counted only now: walking 70,000 paths grows this process, and Linux would carry its
    # ru_maxrss over into every measuring process started after it.
    results = {
        k: (run, traced, _count_files(folder), full)
        for k, (run, traced, folder, full) in results.items()
    }

    print(f"\nOne dry-run pass at {NOW.isoformat()}, in {TEAMS} workspaces")
    print(f"(time: run {args.runs} of {args.runs}, each in a fresh process)\n")
    header = (
        f"{'store':<34}{'files':>8}{'read':>7}{'due':>7}{'scan s':>8}{'us/client':>10}{'start-up s':>11}"
        f"{'VmHWM MB':>10}{'ru_maxrss MB':>13}{'tracemalloc MB':>15}"
    )
    print(header)
    print("-" * len(header))
    for name, (clients, per_client) in SIZES.items():
        run, traced, files, full = results[name]
        label = f"{name}: {clients:,} x {per_client:,} = {clients * per_client:,}"
        print(
            f"{label:<34}{files:>8,}{run['looked_at']:>7,}{run['previews']:>7,}{run['scan_s']:>8.3f}"
            f"{run['scan_s'] / clients * 1e6:>10.0f}{run['startup_s']:>11.3f}"
            f"{run['vm_hwm_mb']:>10.1f}{run['ru_maxrss_mb']:>13.1f}"
            f"{traced['tracemalloc_peak_mb']:>15.1f}"
        )
        print(
            f"{'  same, reading every client':<34}{'':>8}{clients:>7,}{full['previews']:>7,}"
            f"{full['scan_s']:>8.3f}{full['scan_s'] / clients * 1e6:>10.0f}{full['startup_s']:>11.3f}"
            f"{full['vm_hwm_mb']:>10.1f}{full['ru_maxrss_mb']:>13.1f}"
        )
    big, small = results["big"][0], results["small"][0]
    print(
        f"\nthe checks index: big pass {results['big'][3]['scan_s'] / big['scan_s']:.1f}x faster than "
        "reading every client, with the same nudges found"
        if results["big"][3]["previews"] == big["previews"]
        else "\nWARNING: the index-driven pass found different nudges from the full pass"
    )
    print(
        f"\nratio big/small (same 10,000 clients, 10x the interactions): scan time "
        f"{big['scan_s'] / small['scan_s']:.2f}, VmHWM {big['vm_hwm_mb'] / small['vm_hwm_mb']:.2f}"
    )
    print(
        "targets for the 1,000,000-interaction store: scan under 1 s "
        f"({'met' if big['scan_s'] < 1 else 'MISSED'}), under 300 MB "
        f"({'met' if big['vm_hwm_mb'] < 300 else 'MISSED'})"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "build":
        build(Path(sys.argv[2]), int(sys.argv[3]), *map(int, sys.argv[4:5]))
        print("{}")
    elif len(sys.argv) > 1 and sys.argv[1] == "pass":
        print(
            json.dumps(
                one_pass(Path(sys.argv[2]), "--trace" in sys.argv[3:], "--full" in sys.argv[3:])
            )
        )
    else:
        main()
