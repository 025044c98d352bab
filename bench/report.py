"""How fast `/client report` answers for one client with a long history, in the same run as
`/client status` (which reads only the newest few lines) as the baseline.

    python bench/report.py [--interactions 100000] [--rounds 5]

Not a test (it asserts nothing); run it by hand. It seeds one client through the file store
with bench/commands.py's mix (one line in ten an invoice, most of them paid), then times
ClientCommands.run for `report` and `status`: the whole command, from the store read to
Block Kit. The last line is the ratio of the two.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.commands import TEAM, client_name, seed  # noqa: E402
from service.commands import ClientCommands  # noqa: E402
from storage.tinydb_store import TinyDBStore  # noqa: E402

NOW = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)


def best_and_worst(commands: ClientCommands, text: str, rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        commands.run(TEAM, "U0BENCH", text, NOW)
        samples.append(time.perf_counter() - started)
    return min(samples), max(samples)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="tactful-bench-report-"))
    try:
        print(f"seeding one client with {args.interactions:,} interactions...", flush=True)
        print(f"  {seed(folder / 'tactful.json', 1, args.interactions):.1f} s")
        commands = ClientCommands(TinyDBStore(folder / "tactful.json"), UTC)
        name = client_name(0)
        report = best_and_worst(commands, f"report {name}", args.rounds)
        status = best_and_worst(commands, f"status {name}", args.rounds)
        print(f"report: best {report[0]:.3f} s, worst {report[1]:.3f} s")
        print(f"status: best {status[0]:.3f} s, worst {status[1]:.3f} s")
        print(f"report / status (best): {report[0] / status[0]:.0f}x")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
