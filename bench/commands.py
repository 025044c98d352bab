"""How fast `/client` answers over signed HTTP, on small and large stores, beside bare Bolt.

    python bench/commands.py [--requests 400] [--warmup 15] [--no-replies] [--keep DIR]
                             [--postgres postgresql://postgres@127.0.0.1:5432/test | --no-postgres]

Not a test (it asserts nothing); run it by hand. It:

1. seeds three fresh stores through TinyDBStore.import_clients (the same files, the same
   layout as live writes would leave; fsync off, since seeding is not what is measured):
   small = 10 clients / 100 interactions, large = 1,000 clients / 100,000 interactions,
   all in one workspace (the worst case for the workspace's name index), and one-client =
   a single client with 100,000 interactions (the worst case for one client's history);
2. for each, starts the real app (bot.build_app behind handlers.http.wsgi_app: the size,
   signature and replay checks, then Bolt with process_before_response) in its own process,
   served by waitress on loopback, its Web API client pointed at a LocalSlack in that
   process, fsync ON (every write durable, as in production; each os.fsync is counted, per
   command); and beside it a bare Bolt app in Bolt's default mode (process_before_response
   off: it answers only after polling for ack() every 10 ms; same signing secret, a
   `/client` listener that only acks), served the same way in its own process;
3. sends each pair the same signed `/client asked <client> ...` and `/client status <client>`
   requests, one at a time, to random clients, after unmeasured warm-up rounds, going
   round-robin over all six servers (see `run`). Each `asked` is followed by an unmeasured
   `/client heard <client>`, as a client replies: the domain keeps every unanswered ask in
   the client's summary (ClientState.open_asks is not bounded), so 800 asks with no reply at
   one client would measure that growth, not the store's. `--no-replies` leaves the heard
   out, to see it;
4. then, in this process, times the same commands through ClientCommands.run on the same
   durable stores (no HTTP, no Bolt): the storage and service work alone;
5. last, starts `python bot.py` itself (HTTP mode, scheduler and all) on the large and the
   one-client store and times process start to the first 200 from GET /healthz.

Beside them, PostgreSQL: the large store seeded once more into the schema
`bench_commands_large` of the --postgres database (PostgresStore.import_clients), served by the
same app with DATABASE_URL set ("large-pg"), and sent the very same requests as "large", in the
same round-robin; its `asked` p99 is compared with TinyDB's (target: within 2x).

Latency is wall time at the client, from opening the connection to reading the whole answer.
Peak memory is the server process's peak resident set size over its whole life (imports,
start-up, the store, every request), read when it exits: VmHWM from /proc/self/status. Not
`ru_maxrss`: Linux carries that over from the forked copy of this (big, just-seeded) process
into the exec'd child, so the bare app's figure would change with the size seeded; both
figures are printed, the table uses VmHWM.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from domain.models import Client, ClientRecord, Kind, Money  # noqa: E402
from service.commands import Draft, log  # noqa: E402
from storage.postgres_store import PostgresStore, is_database_url  # noqa: E402
from storage.tinydb_store import TinyDBStore  # noqa: E402
from tests.slack_http import SECRET, sign, slash_command  # noqa: E402

TEAM = "T0BENCH"
SIZES = {"small": (10, 100), "large": (1_000, 100_000), "one-client": (1, 100_000)}
# The large store on PostgreSQL: its rows follow the TinyDB ones.
PG = "large-pg"
PG_SCHEMA = "bench_commands_large"


def open_spec(spec: str | Path, durable: bool = True):
    """A TinyDB catalogue path or a postgresql:// URL."""
    if is_database_url(str(spec)):
        return PostgresStore(str(spec))
    return TinyDBStore(spec, durable=durable)


def pg_url(base: str) -> str | None:
    """The benchmark's PostgreSQL schema, migrated and emptied; None if unreachable."""
    import psycopg

    from storage.postgres_store import migrate

    try:
        migrate(base, schema=PG_SCHEMA)
    except Exception as err:  # noqa: BLE001 - any failure: no PostgreSQL column
        print(f"PostgreSQL at {base} not usable ({err.__class__.__name__}): no {PG} rows")
        return None
    from urllib.parse import quote

    url = f"{base}{'&' if '?' in base else '?'}options={quote(f'-csearch_path={PG_SCHEMA}')}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE clients CASCADE")
    return url


# seeding ---------------------------------------------------------------------------------------
def _drafts(n: int, start: date) -> list[Draft]:
    """A plausible mix: asks and replies, notes, revisions, invoices that get paid."""
    out: list[Draft] = []
    invoice = 0
    for i in range(n):
        on = start + timedelta(days=i // 3)
        step = i % 10
        if step in (0, 4):
            out.append(Draft(Kind.ASKED, on, text=f"the files for round {i}"))
        elif step in (1, 5):
            out.append(Draft(Kind.HEARD, on, text="sent them over"))
        elif step == 2:
            out.append(Draft(Kind.NOTE, on, text="prefers calls on Tuesdays"))
        elif step == 3:
            out.append(Draft(Kind.REVISION, on, text="logo bigger again"))
        elif step == 6:
            invoice += 1
            out.append(
                Draft(
                    Kind.INVOICE,
                    on,
                    amount=Money(Decimal("1200.00"), "GBP"),
                    ref=f"INV-{invoice}",
                    due_on=on + timedelta(days=30),
                )
            )
        elif step == 7 and invoice:
            out.append(Draft(Kind.PAID, on, ref=f"INV-{invoice}", text="paid in full"))
        else:
            out.append(Draft(Kind.NOTE, on, text=f"call notes {i}"))
    return out


def client_name(i: int) -> str:
    return f"Client-{i:04d}"


def seed(db_path: Path | str, clients: int, interactions: int) -> float:
    started = time.perf_counter()
    store = open_spec(db_path, durable=False)
    per_client = interactions // clients
    at = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)

    def items():
        for i in range(clients):
            client = Client(
                team_id=TEAM,
                client_id=f"c{i:011d}",
                name=client_name(i),
                created_by="U0SEED",
                created_at=at,
            )
            drafts = [Draft(Kind.ADDED, at.date()), *_drafts(per_client - 1, at.date())]
            yield log(ClientRecord(client=client), "U0SEED", at, *drafts)

    store.import_clients(items())
    return time.perf_counter() - started


# the servers (each in its own process) -----------------------------------------------------------
def serve(kind: str, db_path: str) -> None:
    import logging

    import waitress
    from slack_bolt import App
    from slack_sdk import WebClient

    from local_slack import LocalSlack

    logging.basicConfig(level=logging.WARNING)
    slack = LocalSlack(team_id=TEAM).start()
    client = WebClient(token="xoxb-bench-token", base_url=slack.url)
    if kind == "tactful":
        import bot
        from config import Config

        pg = is_database_url(db_path)
        config = Config(
            bot_token="xoxb-bench-token",
            signing_secret=SECRET,
            slack_api_url=slack.url,
            database_path=Path("unused.json" if pg else db_path),
            database_url=db_path if pg else "",
        )
        store = bot.open_store(config)
        wsgi = counting_fsyncs(bot.http_app(config, bot.build_app(config, store), store))
    else:
        from slack_bolt.adapter.wsgi import SlackRequestHandler

        app = App(signing_secret=SECRET, client=client, logger=logging.getLogger("bare"))

        @app.command("/client")
        def _ack(ack) -> None:
            ack()

        wsgi = SlackRequestHandler(app, path="/slack/events")
    server = waitress.create_server(wsgi, host="127.0.0.1", port=0, threads=8)
    print(f"PORT {server.effective_port}", flush=True)
    import threading

    threading.Thread(target=server.run, daemon=True).start()
    sys.stdin.read()  # runs until the benchmark closes our stdin
    status = Path("/proc/self/status").read_text()
    hwm = int(status.split("VmHWM:")[1].split()[0])
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    fsyncs = " ".join(f"{verb}={n}/{count}" for verb, (n, count) in sorted(FSYNCS.items()))
    print(f"PEAK {hwm} {maxrss} FSYNCS {fsyncs}", flush=True)
    os._exit(0)  # no teardown race with waitress's threads; nothing is left to flush


FSYNCS: dict[str, tuple[int, int]] = {}  # command verb: (os.fsync calls, requests)


def counting_fsyncs(wsgi):
    """The app, with every os.fsync in a request's thread counted against its command."""
    import io
    import threading
    from urllib.parse import parse_qs

    local = threading.local()
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        local.count = getattr(local, "count", 0) + 1
        real_fsync(fd)

    os.fsync = fsync

    def app(environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        verb = (parse_qs(body.decode()).get("text") or [""])[0].split(" ")[0] or "other"
        local.count = 0
        try:
            return wsgi(environ, start_response)
        finally:
            n, count = FSYNCS.get(verb, (0, 0))
            FSYNCS[verb] = (n + local.count, count + 1)

    return app


class Server:
    def __init__(self, kind: str, db_path: Path | str | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "serve", kind, str(db_path or "")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            raise SystemExit(f"the {kind} server did not start: {line!r}")
        self.port = int(line.split()[1])

    def stop(self) -> tuple[int, int, dict[str, float]]:
        """Stop the server; its peak RSS in KiB (VmHWM, ru_maxrss), and os.fsync calls per
        request of each command."""
        self.proc.stdin.close()
        out = self.proc.stdout.read()
        self.proc.wait(timeout=30)
        hwm, maxrss, _, *counts = out.split("PEAK ")[1].split()
        fsyncs = {}
        for item in counts:
            verb, ratio = item.split("=")
            n, requests = ratio.split("/")
            fsyncs[verb] = int(n) / int(requests)
        return int(hwm), int(maxrss), fsyncs


# the client --------------------------------------------------------------------------------------
def slash_body(text: str) -> str:
    return urlencode(slash_command(text, team=TEAM))


def post(port: int, text: str) -> tuple[float, int, bytes]:
    body = slash_body(text)
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/slack/events", body=body.encode(), headers=headers)
        res = conn.getresponse()
        payload = res.read()
    finally:
        conn.close()
    return time.perf_counter() - started, res.status, payload


Request = tuple[str, str, bool]  # command, text, measured


def requests_for(
    clients: int, n: int, warmup: int, rng: random.Random, replies: bool
) -> list[Request]:
    """`warmup` unmeasured rounds, then `n` measured ones. A round: asked, then (with
    `replies`, unmeasured) heard, then status, all for one random client."""
    out = []
    for i in range(warmup + n):
        name, measured = client_name(rng.randrange(clients)), i >= warmup
        out.append(("asked", f"asked {name} the signed-off copy v{i}", measured))
        if replies:
            out.append(("heard", f"heard {name} here you go", False))
        out.append(("status", f"status {name}", measured))
    return out


@dataclass
class Row:
    size: str
    command: str
    p50: float
    p99: float
    rss_kib: int
    maxrss_kib: int
    failures: int
    fsyncs: float | None  # os.fsync calls per request (Tactful only)


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


Key = tuple[str, str]  # size, "tactful" or "bare"


def run(servers: dict[Key, Server], reqs: dict[str, list[Request]]) -> dict:
    """Send request i of every size to its Tactful server and to its bare Bolt twin, then
    request i + 1, and so on, rotating the order: a burst of noise on this shared machine
    then lands on every row alike instead of on whichever row ran at that moment."""
    times: dict[Key, dict[str, list[float]]] = {key: {} for key in servers}
    failures: dict[Key, dict[str, int]] = {key: {} for key in servers}
    keys = list(servers)
    for i in range(len(next(iter(reqs.values())))):
        for key in keys[i % len(keys) :] + keys[: i % len(keys)]:
            command, text, measured = reqs[key[0]][i]
            took, status, payload = post(servers[key].port, text)
            check = key[1] == "tactful"
            bad = status != 200 or (
                check and (b":warning:" in payload or b"Client-" not in payload)
            )
            if measured:
                times[key].setdefault(command, []).append(took)
                failures[key][command] = failures[key].get(command, 0) + int(bad)
            elif bad:
                raise SystemExit(f"{text!r} failed: {status} {payload[:200]!r}")
    return {key: {c: (times[key][c], failures[key][c]) for c in times[key]} for key in keys}


def in_process(db_paths: dict[str, Path | str], reqs: dict[str, list[Request]]) -> dict:
    """The same commands through ClientCommands.run, interleaved across sizes likewise."""
    from zoneinfo import ZoneInfo

    from service.commands import ClientCommands

    commands = {
        size: ClientCommands(open_spec(path), ZoneInfo("UTC")) for size, path in db_paths.items()
    }
    times: dict[str, dict[str, list[float]]] = {size: {} for size in commands}
    sizes = list(commands)
    for i in range(len(next(iter(reqs.values())))):
        for size in sizes[i % len(sizes) :] + sizes[: i % len(sizes)]:
            command, text, measured = reqs[size][i]
            started = time.perf_counter()
            reply = commands[size].run(TEAM, "U0ALICE", text, datetime.now(UTC))
            took = time.perf_counter() - started
            assert ":warning:" not in reply.text, reply.text
            if measured:
                times[size].setdefault(command, []).append(took)
    return times


def busiest(db_path: Path) -> str:
    """The biggest client file after the run, and its open asks: what a write rewrites."""
    store = TinyDBStore(db_path)
    folder = store.root / "teams" / TEAM / "clients"
    path = max(folder.iterdir(), key=lambda p: p.stat().st_size)
    record = store.get(TEAM, path.stem)
    return (
        f"biggest client file {path.stat().st_size / 1024:.1f} KiB "
        f"({record.state.interactions} interactions, {len(record.state.open_asks)} open asks)"
    )


def start_up(db_path: Path) -> float:
    """Seconds from starting `python bot.py` (HTTP mode, as an operator runs it) on this store
    to its first 200 from GET /healthz."""
    import signal
    import urllib.error
    import urllib.request

    from local_slack import LocalSlack
    from tests.running import free_port, operator_env

    slack = LocalSlack(team_id=TEAM).start()
    port = free_port()
    env = operator_env(
        SLACK_BOT_TOKEN="xoxb-bench-token",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.url,
        DATABASE_PATH=str(db_path),
        PORT=str(port),
        LOG_LEVEL="WARNING",
    )
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "bot.py")],
        env=env,
        cwd=db_path.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    if r.status == 200:
                        return time.perf_counter() - started
            except (urllib.error.URLError, ConnectionError):
                pass
            if proc.poll() is not None:
                raise SystemExit(f"bot.py exited: {proc.stderr.read()}")
            if time.perf_counter() - started > 60:
                raise SystemExit("bot.py did not become healthy in 60 s")
            time.sleep(0.005)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
        slack.stop()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="measured requests per command")
    parser.add_argument("--warmup", type=int, default=15, help="unmeasured rounds first")
    parser.add_argument(
        "--no-replies",
        dest="replies",
        action="store_false",
        help="no unmeasured `heard` after each `asked`: open asks then pile up on each client",
    )
    parser.add_argument("--keep", type=Path, help="seed here and keep the stores afterwards")
    parser.add_argument(
        "--postgres", default="postgresql://postgres@127.0.0.1:5432/test", help="database URL"
    )
    parser.add_argument("--no-postgres", dest="postgres", action="store_const", const="")
    args = parser.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="tactful-bench-"))
    rows: list[Row] = []
    inproc: dict[str, dict[str, list[float]]] = {}
    notes: list[str] = []
    starts: dict[str, list[float]] = {}
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, data in {work}")
    try:
        db_paths: dict[str, Path | str] = {}
        reqs: dict[str, list[Request]] = {}
        for size, (clients, interactions) in SIZES.items():
            db_path = db_paths[size] = work / size / "tactful.json"
            if db_path.exists():
                shutil.rmtree(db_path.parent)
            took = seed(db_path, clients, interactions)
            files = sum(1 for _ in (db_path.parent / "tactful").rglob("*.json"))
            print(
                f"seeded {size}: {clients} clients, {interactions} interactions, "
                f"{files} files in {took:.1f}s"
            )
            reqs[size] = requests_for(
                clients, args.requests, args.warmup, random.Random(size), args.replies
            )
        url = pg_url(args.postgres) if args.postgres else None
        if url:
            took = seed(url, *SIZES["large"])
            print(f"seeded {PG}: the large store in PostgreSQL in {took:.1f}s")
            db_paths[PG] = url
            # The very requests "large" gets: the same clients, the same texts.
            reqs[PG] = list(reqs["large"])
        os.sync()  # the seed's write-back must not land on the measured fsyncs
        servers: dict[Key, Server] = {}
        try:
            for size in SIZES:
                servers[size, "tactful"] = Server("tactful", db_paths[size])
                servers[size, "bare"] = Server("bare")
            if url:
                servers[PG, "tactful"] = Server("tactful", url)
            results = run(servers, reqs)
        finally:
            peaks = {key: server.stop() for key, server in servers.items()}
        for (size, kind), by_command in results.items():
            hwm, maxrss, fsyncs = peaks[size, kind]
            for command, (samples, failed) in by_command.items():
                rows.append(
                    Row(
                        size if kind == "tactful" else f"{size} (bare Bolt)",
                        command,
                        pct(samples, 0.50) * 1e3,
                        pct(samples, 0.99) * 1e3,
                        hwm,
                        maxrss,
                        failed,
                        fsyncs.get(command),
                    )
                )
        order = [*SIZES, PG]
        rows.sort(key=lambda r: (order.index(r.size.split()[0]), "bare" in r.size))
        inproc.update(in_process(db_paths, reqs))
        for size, db_path in db_paths.items():
            if size == PG:
                continue
            notes.append(f"{size}: {busiest(db_path)}")
            # Every acknowledged write is on disk: the summary agrees with the history.
            store = TinyDBStore(db_path)
            for record in store.clients(TEAM)[:20]:
                n = sum(1 for _ in store.history(TEAM, record.client.client_id))
                assert n == record.state.interactions, (record.client.name, n)
        for size in ("large", "one-client"):
            starts[size] = [start_up(db_paths[size]) for _ in range(3)]
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    n = args.requests
    print()
    print(
        f"{n} measured requests per command per row, one at a time, after {args.warmup} "
        "unmeasured rounds; "
        + (
            "each asked is followed by an unmeasured heard for the same client"
            if args.replies
            else "no replies logged: open asks pile up"
        )
    )
    print("peak MiB = VmHWM of the server process (peak RSS, whole life); ru_maxrss beside it")
    print()
    print(
        f"{'size':<24} {'command':<8} {'p50 ms':>8} {'p99 ms':>8} {'peak MiB':>9} "
        f"{'ru_maxrss':>9} {'failed':>6} {'p99 / bare':>10} {'fsyncs':>6}"
    )
    by = {(r.size, r.command): r for r in rows}
    for r in rows:
        bare = by.get((r.size.split()[0] + " (bare Bolt)", r.command))
        vs = f"{r.p99 / bare.p99:10.2f}" if bare and "bare" not in r.size else f"{'':>10}"
        fsyncs = f"{r.fsyncs:6.2f}" if r.fsyncs is not None else f"{'':>6}"
        print(
            f"{r.size:<24} {r.command:<8} {r.p50:8.2f} {r.p99:8.2f} "
            f"{r.rss_kib / 1024:9.1f} {r.maxrss_kib / 1024:9.1f} {r.failures:6d} {vs} {fsyncs}"
        )
    print("(fsyncs = os.fsync calls per request in the server, counted over warm-up and measured)")
    print()
    for size in SIZES:
        ours, bare = by[(size, "asked")], by[(f"{size} (bare Bolt)", "asked")]
        ratio = ours.p99 / bare.p99
        target = " (target <= 0.5: " + ("ok)" if ratio <= 0.5 else "MISSED)")
        print(
            f"asked p99 vs bare default-mode Bolt, {size}: {ours.p99:.2f} / {bare.p99:.2f} ms "
            f"= {ratio:.2f}{target if size == 'large' else ''}"
        )
    for size, took in starts.items():
        worst = max(took)
        print(
            f"python bot.py start to a healthy /healthz, {size} "
            f"({SIZES[size][1]:,} interactions): "
            + ", ".join(f"{t:.2f}" for t in took)
            + f" s (target < 2 s: {'ok' if worst < 2 else 'MISSED'})"
        )
    print()
    for big in ("large", "one-client"):
        for command in ("asked", "status"):
            small, large = by[("small", command)], by[(big, command)]
            verdict = "ok" if large.p99 <= 1.5 * small.p99 else "MISSED"
            print(
                f"over HTTP, {command}: {big}/small p99 = {large.p99 / small.p99:.2f} "
                f"(target <= 1.5: {verdict}); {big} p99 = {large.p99:.1f} ms "
                f"(target < 100 ms: {'ok' if large.p99 < 100 else 'MISSED'})"
            )
    if (PG, "asked") in by:
        tiny, pg = by[("large", "asked")], by[(PG, "asked")]
        print(
            f"over HTTP, asked: PostgreSQL/TinyDB (large) p99 = {pg.p99 / tiny.p99:.2f} "
            f"({pg.p99:.1f} ms vs {tiny.p99:.1f} ms; target <= 2: "
            f"{'ok' if pg.p99 <= 2 * tiny.p99 else 'MISSED'})"
        )
    print()
    print("in process, ClientCommands.run on a durable store (no HTTP, no Bolt):")
    print(f"{'size':<24} {'command':<8} {'p50 ms':>8} {'p99 ms':>8}")
    for size, results in inproc.items():
        for command, samples in results.items():
            print(
                f"{size:<24} {command:<8} {pct(samples, 0.5) * 1e3:8.2f} "
                f"{pct(samples, 0.99) * 1e3:8.2f}"
            )
    for big in ("large", "one-client"):
        for command in ("asked", "status"):
            small, large = (pct(inproc[s][command], 0.99) for s in ("small", big))
            print(f"in process, {command}: {big}/small p99 = {large / small:.2f}")
    if PG in inproc:
        tiny, pg = (pct(inproc[s]["asked"], 0.99) for s in ("large", PG))
        print(f"in process, asked: PostgreSQL/TinyDB (large) p99 = {pg / tiny:.2f}")
    print()
    for line in notes:
        print(f"after both runs, {line}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main(sys.argv[1:]))
