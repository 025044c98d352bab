"""How fast `/client list` answers at 50 and at 5,000 clients, in the same run.

    python bench/list.py [--rounds 30] [--keep DIR]

Not a test (it asserts nothing); run it by hand. It seeds two stores through
TinyDBStore.import_clients (one workspace each; 20 interactions per client from
bench/commands.py's mix, so some clients need attention; files aged past the overview's
settling time, as a live store's are), then for each store:

- *every record*: the old way, for comparison: read and decode every client record and rank
  them all (what `/client list` did before the overview);
- *cold*: the first `/client list` of the day in a fresh process (no overview yet): it reads
  every record once and saves the overview;
- *new process*: the first list in another process once the overview is saved;
- *warm*: `/client list` again, p50 and p99 of `--rounds` (one stat per client, no reads);
- *after a change*: a list right after `/client note` to one client (one record read);
- *new day*: the first list of a new day, before any nudge pass (every summary remade), and
  on another day after the pass has refreshed the overview (as the scheduler does);
- *3 at once*: three signed `/client list` requests over HTTP at the same moment to the real
  app (bot.build_app + handlers.http.wsgi_app under waitress), on the first list of a new day
  (every summary remade, no pass yet: the worst case) and then warm; the slowest of the three
  answers, wall time.

All in-process timings go through ClientCommands.run (parse, the overview, ranking, Block Kit).
The last line is the ratio of 5,000 clients to 50, warm.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import bot  # noqa: E402
from bench.commands import TEAM, client_name, seed  # noqa: E402
from config import Config  # noqa: E402
from domain.attention import standing  # noqa: E402
from local_slack import LocalSlack  # noqa: E402
from service.commands import ClientCommands  # noqa: E402
from storage.tinydb_store import TinyDBStore  # noqa: E402
from tests.slack_http import SECRET, AppServer  # noqa: E402

SIZES = {"50 clients": 50, "5,000 clients": 5_000}
PER_CLIENT = 20
NOW = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)  # a Monday, while the seeded invoices run


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def age(folder: Path) -> None:
    """Make the seeded files look as old as a live store's (see TinyDBStore.overview)."""
    hour_ago = time.time() - 3600
    for path in folder.rglob("*.json"):
        os.utime(path, (hour_ago, hour_ago))


def every_record(store: TinyDBStore) -> None:
    today = NOW.date()
    ranked = sorted(
        (standing(r, today) for r in store.clients(TEAM)), key=lambda s: (-s.score, s.name_key)
    )
    assert ranked


def three_at_once(server: AppServer) -> float:
    answers: list[float] = []
    start = threading.Barrier(3)

    def one() -> None:
        start.wait()
        took = timed(lambda: server.slash("list", team=TEAM))
        answers.append(took)

    threads = [threading.Thread(target=one) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return max(answers)


def measure(db_path: Path, rounds: int) -> dict[str, float]:
    out: dict[str, float] = {}
    out["every record"] = timed(lambda: every_record(TinyDBStore(db_path)))
    commands = ClientCommands(TinyDBStore(db_path), UTC)
    out["cold"] = timed(lambda: commands.run(TEAM, "U0B", "list", NOW))
    fresh = ClientCommands(TinyDBStore(db_path), UTC)
    out["new process"] = timed(lambda: fresh.run(TEAM, "U0B", "list", NOW))
    warm = [timed(lambda: commands.run(TEAM, "U0B", "list", NOW)) for _ in range(rounds)]
    out["warm p50"], out["warm p99"] = pct(warm, 0.5), pct(warm, 0.99)
    commands.run(TEAM, "U0B", f"note {client_name(0)} a call", NOW)
    out["after a change"] = timed(lambda: commands.run(TEAM, "U0B", "list", NOW))
    next_day = NOW + timedelta(days=2)
    out["new day, no pass yet"] = timed(lambda: commands.run(TEAM, "U0B", "list", next_day))
    commands.refresh_overviews(next_day + timedelta(days=1))  # what the nudge pass does
    out["new day, after a pass"] = timed(
        lambda: commands.run(TEAM, "U0B", "list", next_day + timedelta(days=1))
    )

    slack = LocalSlack(team_id=TEAM).start()
    clock = {"now": NOW + timedelta(days=1)}  # a new day: every summary is made again
    config = Config(
        bot_token="xoxb-bench",
        signing_secret=SECRET,
        slack_api_url=slack.url,
        database_path=db_path,
    )
    store = bot.open_store(config)
    app = bot.build_app(config, store, clock=lambda: clock["now"])
    server = AppServer(bot.http_app(config, app, store))
    try:
        out["3 at once, new day"] = three_at_once(server)
        out["3 at once, warm"] = three_at_once(server)
    finally:
        time.sleep(0.2)  # let waitress finish writing the last answers before it closes
        server.close()
        slack.stop()
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30, help="warm lists measured per store")
    parser.add_argument("--keep", type=Path, help="seed here and keep the stores afterwards")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="tactful-bench-list-"))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, data in {work}")
    results: dict[str, dict[str, float]] = {}
    try:
        for label, clients in SIZES.items():
            db_path = work / str(clients) / "tactful.json"
            if db_path.parent.exists():
                shutil.rmtree(db_path.parent)
            took = seed(db_path, clients, clients * PER_CLIENT)
            age(db_path.parent)
            print(f"seeded {label} ({clients * PER_CLIENT:,} interactions) in {took:.1f}s")
            results[label] = measure(db_path, args.rounds)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    keys = list(next(iter(results.values())))
    print(f"\n{'/client list (ms)':<22}" + "".join(f"{label:>16}" for label in results))
    for key in keys:
        print(f"{key:<22}" + "".join(f"{r[key] * 1e3:>16.1f}" for r in results.values()))
    small, big = (results[label] for label in SIZES)
    print(
        f"\nratio 5,000 : 50 clients, warm p50: {big['warm p50'] / small['warm p50']:.1f}x; "
        f"every record: {big['every record'] / small['every record']:.1f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
