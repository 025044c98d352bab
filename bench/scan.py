"""How long one nudge pass takes, and how much memory, on a big store.

    python bench/scan.py [--out bench/out/scan] [--rebuild] [--runs 2]
                         [--postgres postgresql://postgres@127.0.0.1:5432/test | --no-postgres]
                         [--wide-only]

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

4. beside TinyDB, PostgreSQL: the big store again (10,000 clients x 100 interactions), this
   time across 100 workspaces, seeded into a TinyDB folder ("wide") and into the schema
   `bench_scan_wide` of the --postgres database (by PostgresStore.import_clients, which COPYs
   the interactions), unless already there. Then one dry-run pass on each (fresh processes, as
   above; on PostgreSQL under the pass lock, claiming each workspace), and three PostgreSQL
   replicas' passes at once (three processes, released together; time from the first start to
   the last finish), which share the workspaces between them.

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
# The PostgreSQL comparison: the big store across this many workspaces.
WIDE_TEAMS = 100
PG_SCHEMA = "bench_scan_wide"
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


def build(db_path: str, per_client: int, clients: int = CLIENTS, teams: int = TEAMS) -> None:
    """Seed a store, a TinyDB catalogue path or a postgresql:// URL (run in its own process by
    `main`)."""
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
    from storage.postgres_store import PostgresStore, is_database_url
    from storage.tinydb_store import TinyDBStore

    rng = random.Random(SEED + per_client)
    # With the checks index, as a live app keeps it (entries computed as of NOW).
    schedule = NudgeSchedule(UTC, clock=lambda: NOW)
    store = (
        PostgresStore(db_path, schedule=schedule)
        if is_database_url(db_path)
        else TinyDBStore(db_path, durable=False, schedule=schedule)
    )
    today = NOW.date()
    profiles = ["settled"] * 64 + ["quiet"] * 12 + ["overdue"] * 12 + ["controlling"] * 8
    profiles += ["archived"] * 2 + ["snoozed"] * 2
    created_at = NOW - timedelta(days=400)

    def items(team: int):
        for i in range(clients // teams):
            n = team * (clients // teams) + i
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

    for team in range(teams):
        store.import_clients(items(team))


# measuring ---------------------------------------------------------------------------------------
def _vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_pass(db_path: str, trace: bool, full: bool = False) -> dict:
    """One dry-run pass in this (fresh) process; the figures as a dict. `full`: without the
    checks index, reading every client (the baseline the index is measured against). On
    PostgreSQL (db_path a URL) the pass runs under the pass lock, as a replica's does."""
    import resource
    import tracemalloc

    started = time.perf_counter()
    import bot
    from config import Config
    from storage.postgres_store import is_database_url
    from storage.tinydb_store import TinyDBStore

    pg = is_database_url(db_path)
    config = Config(
        bot_token="xoxb-x",
        signing_secret="x",
        database_path=Path("unused.json") if pg else Path(db_path),
        database_url=db_path if pg else "",
    )
    store = TinyDBStore(db_path) if full else bot.open_store(config)
    engine = bot.build_engine(config, store)
    ready = time.perf_counter()
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    if pg:
        with bot.scheduler_lock(config).held(wait=False) as claim:
            report = engine.scan(NOW, dry_run=True, claim=claim)
    else:
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


def replica_pass(url: str) -> None:
    """One replica of several: ready, wait for "go", one dry-run pass under the pass lock;
    prints when it started and finished (wall clock, comparable across processes)."""
    import bot
    from config import Config

    config = Config(bot_token="xoxb-x", signing_secret="x", database_url=url)
    store = bot.open_store(config)
    engine = bot.build_engine(config, store)
    lock = bot.scheduler_lock(config)
    print("ready", flush=True)
    sys.stdin.readline()
    start = time.time()
    with lock.held(wait=False) as claim:
        report = engine.scan(NOW, dry_run=True, claim=claim)
    end = time.time()
    print(json.dumps({"start": start, "end": end, "previews": len(report.preview)}), flush=True)


def replicas(url: str, n: int) -> dict:
    """`n` replicas' passes released together: wall time from the first start to the last end."""
    children = [
        subprocess.Popen(
            [sys.executable, __file__, "replica", url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(n)
    ]
    for child in children:
        if child.stdout.readline() != "ready\n":
            raise SystemExit("a replica did not start")
    for child in children:
        child.stdin.write("go\n")
        child.stdin.flush()
    done = [json.loads(child.communicate()[0].strip().splitlines()[-1]) for child in children]
    return {
        "scan_s": max(d["end"] for d in done) - min(d["start"] for d in done),
        "previews": sum(d["previews"] for d in done),
        "each": [d["previews"] for d in done],
    }


def _pg_seeded(base: str, rebuild: bool = False) -> str | None:
    """The URL of the benchmark's PostgreSQL schema, migrated; None if PostgreSQL can't be
    reached. Seeds it (in a child process) unless it already holds the big store."""
    import psycopg

    from storage.postgres_store import migrate

    try:
        with psycopg.connect(base, autocommit=True, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as err:
        print(f"PostgreSQL at {base} not reachable ({err.__class__.__name__}): skipped")
        return None
    from urllib.parse import quote

    url = f"{base}{'&' if '?' in base else '?'}options={quote(f'-csearch_path={PG_SCHEMA}')}"
    migrate(base, schema=PG_SCHEMA)
    with psycopg.connect(url, autocommit=True) as conn:
        (count,) = conn.execute("SELECT count(*) FROM interactions").fetchone()
    if rebuild or count != CLIENTS * 100:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("TRUNCATE clients CASCADE")
        t = time.perf_counter()
        _child("build", url, "100", str(CLIENTS), str(WIDE_TEAMS))
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        print(f"seeded PostgreSQL wide: {time.perf_counter() - t:.0f} s", flush=True)
    return url


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
    parser.add_argument(
        "--postgres", default="postgresql://postgres@127.0.0.1:5432/test", help="database URL"
    )
    parser.add_argument("--no-postgres", dest="postgres", action="store_const", const="")
    parser.add_argument(
        "--wide-only", action="store_true", help="only TinyDB beside PostgreSQL (step 4)"
    )
    args = parser.parse_args()
    if args.wide_only:
        wide(args)
        return

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
    if args.postgres:
        wide(args)


def wide(args: argparse.Namespace) -> None:
    """TinyDB beside PostgreSQL (one replica, three) on the big store in 100 workspaces."""
    url = _pg_seeded(args.postgres, args.rebuild)
    if url is None:
        return
    db_path = args.out / "wide" / "tactful.json"
    if args.rebuild and db_path.parent.exists():
        shutil.rmtree(db_path.parent)
    if not db_path.exists():
        t = time.perf_counter()
        _child("build", str(db_path), "100", str(CLIENTS), str(WIDE_TEAMS))
        print(f"seeded TinyDB wide: {time.perf_counter() - t:.0f} s", flush=True)
    tiny = [_child("pass", str(db_path)) for _ in range(args.runs)][-1]
    pg = [_child("pass", url) for _ in range(args.runs)][-1]
    three = [replicas(url, 3) for _ in range(args.runs)][-1]
    print(
        f"\nThe big store (10,000 clients x 100 = 1,000,000 interactions) in {WIDE_TEAMS} "
        f"workspaces, one dry-run pass (run {args.runs} of {args.runs}):\n"
    )
    header = f"{'store':<32}{'read':>7}{'due':>7}{'scan s':>8}{'start-up s':>11}{'VmHWM MB':>10}"
    print(header)
    print("-" * len(header))
    for label, run in (("TinyDB", tiny), ("PostgreSQL, 1 replica", pg)):
        print(
            f"{label:<32}{run['looked_at']:>7,}{run['previews']:>7,}{run['scan_s']:>8.3f}"
            f"{run['startup_s']:>11.3f}{run['vm_hwm_mb']:>10.1f}"
        )
    print(
        f"{'PostgreSQL, 3 replicas at once':<32}{'':>7}{three['previews']:>7,}"
        f"{three['scan_s']:>8.3f}   (each replica's due: {three['each']})"
    )
    same = three["previews"] == pg["previews"] == tiny["previews"]
    print(
        f"\ntargets: PostgreSQL pass under 1 s with one replica "
        f"({'met' if pg['scan_s'] < 1 else 'MISSED'}), faster with three "
        f"({'met' if three['scan_s'] < pg['scan_s'] else 'MISSED'}: "
        f"{pg['scan_s'] / three['scan_s']:.2f}x); "
        + (
            "every store found the same nudges"
            if same
            else "WARNING: the stores found different nudges"
        )
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "build":
        build(sys.argv[2], int(sys.argv[3]), *map(int, sys.argv[4:6]))
        print("{}")
    elif len(sys.argv) > 1 and sys.argv[1] == "pass":
        print(
            json.dumps(one_pass(sys.argv[2], "--trace" in sys.argv[3:], "--full" in sys.argv[3:]))
        )
    elif len(sys.argv) > 1 and sys.argv[1] == "replica":
        replica_pass(sys.argv[2])
    else:
        main()
