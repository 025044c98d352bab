"""How soon App Home, the log form and the weekly digest reach Slack at 5,000 clients, and how
many Web API calls each makes, beside the same actions at 10 clients.

    python bench/views.py [--clients 5000] [--interactions 200] [--baseline 10]
                          [--cold 8] [--warm 40] [--out bench/out/views] [--rebuild]

Not a test (it asserts nothing); run it by hand. It:

1. seeds two stores through TinyDBStore.import_clients (fsync off: seeding is not what is
   measured), unless they are already in --out: `--clients` clients with `--interactions`
   each (5,000 x 200 = 1,000,000 interactions), and `--baseline` clients with the same
   histories. The histories are bench/scan.py's (settled, quiet, overdue, controlling,
   archived, snoozed); every client with something due has its suggestion posted and waiting,
   each in a thread of its own, as after one nudge pass. Files are aged an hour, as a live
   store's are;
2. serves the real app (bot.build_app behind bot.http_app, by waitress on loopback, fsync on)
   with its Web API client pointed at a LocalSlack in this process, and sends it signed
   requests, as Slack would:
   - *Home*: an app_home_opened event; measured until views.publish reaches Slack;
   - *log form*: a click on Home's "Log interaction" button; measured until views.open
     reaches Slack (the form, at once), and until views.update (its client menu filled in);
   - *digest*: WeeklyDigest.run, until chat.postMessage reaches Slack (no click: the time of
     the whole build);
3. each action `--cold` times after moving the app's clock to a new day (every client's
   standing is remade: the worst case, the first open of a day before the nudge pass has
   remade them, or the first after start), and `--warm` times with nothing changed; the
   digest cold on a new Monday, warm on a Monday whose standings Home has just made.

Times are wall time from sending the request (or calling run) to the Web API call arriving
at the LocalSlack. Calls are every Web API call the action made, counted at the LocalSlack.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import random
import shutil
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TEAM = "T0BENCH"
SECRET = "bench-signing-secret"
CHANNEL = "C0WORK"
DIGEST_CHANNEL = "C0DIGEST"
# A Monday, 09:30 UTC: the digest is due (DIGEST's default, mon 09:00).
MONDAY = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)


# seeding ---------------------------------------------------------------------------------------
def seed(db_path: Path, clients: int, per_client: int) -> float:
    from bench.scan import _history, _old_nudges
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
    from storage.atomic import file_clock_ns
    from storage.tinydb_store import TinyDBStore

    started = time.perf_counter()
    rng = random.Random(20261130 + clients)
    now = MONDAY - timedelta(days=3)
    today = now.date()
    created_at = now - timedelta(days=400)
    profiles = ["settled"] * 64 + ["quiet"] * 12 + ["overdue"] * 12 + ["controlling"] * 8
    profiles += ["archived"] * 2 + ["snoozed"] * 2
    posted = iter(range(10**9))

    def items():
        for n in range(clients):
            profile = rng.choice(profiles)
            client = Client(
                team_id=TEAM,
                client_id=f"c{n:011d}",
                name=f"Client {n:05d}",
                created_by="U0SEED",
                created_at=created_at,
                client_type=rng.choice(list(ClientType)),
                quiet_days=rng.choice([2, 3, 3, 3, 5]),
                channel=CHANNEL,
                archived=profile == "archived",
                owner="U0VIEWER" if n % 7 == 0 else "",
            )
            drafts = [Draft(Kind.ADDED, created_at.date())]
            drafts += _history(rng, per_client - 1, today, profile)
            record, events = log(ClientRecord(client=client), "U0SEED", created_at, *drafts)
            nudges = _old_nudges(rng, now)
            for d in due_nudges(record, today):  # as after a pass: posted, each in its thread
                ts = 1764000000 + next(posted)
                nudges[d.key] = Nudge(
                    key=d.key,
                    situation=d.situation,
                    subject=d.subject,
                    stage=d.stage,
                    created_at=now,
                    status=NudgeStatus.POSTED,
                    channel=CHANNEL,
                    ts=f"{ts}.000100",
                    thread_ts=f"{ts}.000200",
                    versions=(TextVersion("Hi Jo, a quick check-in. " * 8, "tactful", now),),
                )
            yield replace(record, nudges=nudges), events

    TinyDBStore(db_path, durable=False).import_clients(items())
    settled = file_clock_ns(db_path.parent) / 1e9 - 3600
    for path in (db_path.with_suffix("") / "teams" / TEAM / "clients").iterdir():
        os.utime(path, (settled, settled))
    return time.perf_counter() - started


# serving ---------------------------------------------------------------------------------------
class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Served:
    """The app over HTTP on one store, its LocalSlack, and the digest beside it."""

    def __init__(self, db_path: Path) -> None:
        import waitress

        import bot
        from config import Config
        from local_slack import LocalSlack
        from service.home import HomeViews
        from service.nudges import NudgeSchedule
        from storage.tinydb_store import TinyDBStore

        self.clock = Clock(MONDAY)
        self.slack = LocalSlack(team_id=TEAM).start()
        self._arrived: dict[str, list[float]] = {}
        self._lock = threading.Condition()
        self.slack.on_call = self._on_call
        config = Config(
            bot_token="xoxb-bench-token",
            signing_secret=SECRET,
            slack_api_url=self.slack.url,
            database_path=db_path,
            nudge_channel=DIGEST_CHANNEL,
        )
        store = TinyDBStore(db_path, schedule=NudgeSchedule(UTC, clock=self.clock))
        engine = bot.build_engine(config, store)
        home = HomeViews(bot.client_commands(config, store), engine.clients, self.clock)
        app = bot.build_app(config, store, clock=self.clock, engine=engine, home=home)
        self.commands = bot.client_commands(config, store)
        self.digest = bot.weekly_digest(config, store, engine.clients, home)
        self.server = waitress.create_server(
            bot.http_app(config, app, store), host="127.0.0.1", port=0, threads=8
        )
        self.port = self.server.effective_port
        threading.Thread(target=self.server.run, daemon=True).start()

    def _on_call(self, call) -> None:
        with self._lock:
            self._arrived.setdefault(call.method, []).append(time.perf_counter())
            self._lock.notify_all()

    def close(self) -> None:
        self.server.close()
        self.slack.stop()

    def mark(self) -> tuple[int, dict[str, int]]:
        with self._lock:
            return len(self.slack.calls), {m: len(t) for m, t in self._arrived.items()}

    def wait(self, method: str, before: dict[str, int], timeout: float = 120) -> float:
        """When `method` next reached Slack after `before` (perf_counter)."""
        seen = before.get(method, 0)
        with self._lock:
            ok = self._lock.wait_for(lambda: len(self._arrived.get(method, [])) > seen, timeout)
            if not ok:
                raise SystemExit(f"{method} never reached Slack")
            return self._arrived[method][seen]

    def calls_since(self, start: int) -> dict[str, int]:
        time.sleep(0.05)  # anything the action still had on its way
        counts: dict[str, int] = {}
        for call in self.slack.calls[start:]:
            counts[call.method] = counts.get(call.method, 0) + 1
        return counts

    def post(self, body: str, content_type: str) -> float:
        stamp = str(int(time.time()))
        signature = hmac.new(SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": "v0=" + signature.hexdigest(),
        }
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = time.perf_counter()
        conn.request("POST", "/slack/events", body=body, headers=headers)
        res = conn.getresponse()
        res.read()
        conn.close()
        if res.status != 200:
            raise SystemExit(f"the app answered {res.status}")
        return sent

    # the actions -------------------------------------------------------------------------------
    def open_home(self) -> dict:
        start, before = self.mark()
        event = {
            "type": "app_home_opened",
            "user": "U0VIEWER",
            "channel": "D0VIEWER",
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }
        body = json.dumps(
            {
                "team_id": TEAM,
                "api_app_id": "A0TACTFUL",
                "event": event,
                "type": "event_callback",
                "event_id": f"Ev{time.perf_counter_ns()}",
                "event_time": int(time.time()),
                "authorizations": [{"team_id": TEAM, "user_id": "UTACTFUL", "is_bot": True}],
            }
        )
        sent = self.post(body, "application/json")
        shown = self.wait("views.publish", before)
        return {"shown": shown - sent, "calls": self.calls_since(start)}

    def open_log_form(self) -> dict:
        start, before = self.mark()
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM},
            "user": {"id": "U0VIEWER", "team_id": TEAM},
            "api_app_id": "A0TACTFUL",
            "trigger_id": f"{time.perf_counter_ns()}.1.x",
            "view": {"id": "V0HOME", "type": "home"},
            "actions": [{"action_id": "home_log_interaction", "value": "log", "type": "button"}],
        }
        sent = self.post(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )
        opened = self.wait("views.open", before)
        filled = self.wait("views.update", before)
        return {"shown": opened - sent, "filled": filled - sent, "calls": self.calls_since(start)}

    def build_digest(self) -> dict:
        start, before = self.mark()
        began = time.perf_counter()
        result = self.digest.run(self.clock.now)
        if result != {TEAM: "posted"}:
            raise SystemExit(f"the digest was not posted: {result}")
        posted = self.wait("chat.postMessage", before)
        return {"shown": posted - began, "calls": self.calls_since(start)}


# measuring -------------------------------------------------------------------------------------
def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def measure(db_path: Path, cold: int, warm: int, worst: int) -> dict:
    """Samples per action and state: "after start" (a new process, the day's standings on
    disk), "after a pass" (a new day whose standings the pass has remade), "new day" (the
    worst: a new day, nothing remade yet, the click pays for every client) and "warm"."""
    found: dict[str, dict[str, list[dict]]] = {}

    def keep(action: str, when: str, sample: dict) -> None:
        found.setdefault(action, {}).setdefault(when, []).append(sample)

    actions = (("home", "open_home"), ("log form", "open_log_form"))
    # The weeks a run before this one posted its digest in: each run posts its own again.
    for note in (db_path.with_suffix("") / "teams" / TEAM / "notes").glob("digest-*.json"):
        note.unlink()
    served = Served(db_path)
    served.commands.refresh_overviews(served.clock.now)  # the day's standings, on disk
    served.close()
    for _ in range(cold):
        for action, run in actions:
            served = Served(db_path)  # a new start: nothing in memory
            try:
                keep(action, "after start", getattr(served, run)())
            finally:
                served.close()
    served = Served(db_path)
    try:
        day = 0
        for _ in range(cold):
            for action, run in actions:
                day += 1
                served.clock.now = MONDAY + timedelta(days=day)
                served.commands.refresh_overviews(served.clock.now)  # the pass's, not timed
                keep(action, "after a pass", getattr(served, run)())
        for _ in range(worst):
            for action, run in actions:
                day += 1
                served.clock.now = MONDAY + timedelta(days=day)
                keep(action, "new day", getattr(served, run)())
        for _ in range(warm):
            for action, run in actions:
                keep(action, "warm", getattr(served, run)())
        week = (day // 7) + 1
        for n in range(cold):  # the digest, a new Monday each
            served.clock.now = MONDAY + timedelta(weeks=week + 2 * n)
            served.commands.refresh_overviews(served.clock.now)
            keep("digest", "after a pass", served.build_digest())
            served.clock.now = MONDAY + timedelta(weeks=week + 2 * n + 1)
            if n < worst:
                keep("digest", "new day", served.build_digest())
    finally:
        served.close()
    return found


def summary(samples: list[dict], key: str) -> str:
    ms = [s[key] * 1000 for s in samples if key in s]
    return f"p50 {pct(ms, 50):7.0f} ms  p99 {pct(ms, 99):7.0f} ms"


def calls(samples: list[dict]) -> str:
    worst: dict[str, int] = {}
    for s in samples:
        for method, n in s["calls"].items():
            worst[method] = max(worst.get(method, 0), n)
    return ", ".join(f"{m} {n}" for m, n in sorted(worst.items())) or "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--interactions", type=int, default=200, help="per client")
    parser.add_argument("--baseline", type=int, default=10, help="clients in the baseline")
    parser.add_argument("--cold", type=int, default=20, help="samples after start, after a pass")
    parser.add_argument("--warm", type=int, default=50)
    parser.add_argument("--worst", type=int, default=3, help="samples on a new day, no pass")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "views")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    import logging

    logging.basicConfig(level=logging.ERROR)
    sizes = {"baseline": args.baseline, "big": args.clients}
    results = {}
    for name, clients in sizes.items():
        folder = args.out / f"{name}-{clients}x{args.interactions}"
        db_path = folder / "data" / "tactful.json"
        if args.rebuild and folder.exists():
            shutil.rmtree(folder)
        if not folder.exists():
            took = seed(db_path, clients, args.interactions)
            print(f"seeded {clients:,} clients x {args.interactions} interactions in {took:.0f} s")
        results[name] = measure(db_path, args.cold, args.warm, args.worst)

    print(
        f"\n{args.clients:,} clients x {args.interactions} interactions "
        f"({args.clients * args.interactions:,}), beside {args.baseline} clients; samples: "
        f"{args.cold} after start and after a pass, {args.worst} on a new day, {args.warm} warm"
    )
    for action in ("home", "log form", "digest"):
        what = {"home": "views.publish", "log form": "views.open", "digest": "chat.postMessage"}
        print(f"\n{action}: time to {what[action]}, and Web API calls (the most in one action)")
        for when in ("after start", "after a pass", "new day", "warm"):
            big = results["big"][action].get(when)
            small = results["baseline"][action].get(when)
            if not big or not small:
                continue
            ratio = pct([s["shown"] for s in big], 99) / pct([s["shown"] for s in small], 99)
            print(
                f"  {when:12} {summary(big, 'shown')}  x{ratio:.1f} the baseline's p99 "
                f"({summary(small, 'shown')})  calls: {calls(big)}"
            )
            if action == "log form":
                print(
                    f"  {'':12} filled in: {summary(big, 'filled')}  "
                    f"(baseline {summary(small, 'filled')})"
                )


if __name__ == "__main__":
    main()
