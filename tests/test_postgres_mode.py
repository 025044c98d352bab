"""Tactful on PostgreSQL as an operator runs it: `migrate`, start-up checks, `copy`, and
several `python bot.py` replicas answering Slack over signed HTTP on one database."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory

from domain.models import Kind
from local_slack import LocalSlack
from service.commands import ClientCommands
from service.nudges import NudgeEngine, NudgeSchedule, WorkingHours
from storage import postgres_store
from storage.codec import to_doc
from storage.postgres_store import PostgresStore
from storage.tinydb_store import TinyDBStore
from tests.postgres import fresh_schema
from tests.running import bot_env, free_port, run_bot, start_bot, wait_until_serving
from tests.slack_http import AppServer
from tests.storage.support import new_client
from tests.test_startup import last_line
from ui.wording import Wording

TEAM = "T0TEAM1"
WHERE = "127.0.0.1:5432/test"
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def bot_command(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """`python bot.py migrate`, `copy` and the like, allowed up to 120 s."""
    return run_bot(tmp_path, env, *args, timeout=120)


def test_the_schema_head_is_the_newest_migration() -> None:
    config = AlembicConfig()
    config.set_main_option(
        "script_location", str(Path(postgres_store.__file__).parent / "migrations")
    )
    assert ScriptDirectory.from_config(config).get_current_head() == postgres_store.SCHEMA_HEAD


# migrate and start-up -------------------------------------------------------------------------
def test_start_up_refuses_an_unmigrated_database_then_migrate_makes_it_ready(
    tmp_path: Path, slack: LocalSlack
) -> None:
    with fresh_schema(migrated=False) as (schema, url):
        env = bot_env(tmp_path, slack.url, DATABASE_URL=url)
        done = run_bot(tmp_path, env)
        assert done.returncode == 2
        assert last_line(done) == (
            f"data: DATABASE_URL: the database at {WHERE} has no Tactful tables yet: "
            "run `python bot.py migrate`"
        )
        assert done.stderr.count("\n") == 1
        assert slack.calls_to("auth.test") == [], "the database is checked before Slack"

        migrated = bot_command(tmp_path, env, "migrate")
        assert migrated.returncode == 0, migrated.stderr
        assert migrated.stdout.strip().endswith(
            f"The database at {WHERE} is now at schema {postgres_store.SCHEMA_HEAD} (was empty)."
        )
        again = bot_command(tmp_path, env, "migrate")
        assert again.stdout.strip().endswith("is up to date (schema 0003).")
        PostgresStore(url).close()  # opens now

        # A database left at another version (say, before an upgrade) is refused the same way.
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("UPDATE alembic_version SET version_num = '0000'")
        done = run_bot(tmp_path, env)
        assert done.returncode == 2
        assert last_line(done) == (
            f"data: DATABASE_URL: the database at {WHERE} is at schema 0000, this Tactful needs "
            "0003: run `python bot.py migrate` (with this version of Tactful)"
        )


def test_an_older_schema_is_refused_until_migrate_upgrades_it_keeping_the_data(
    tmp_path: Path, slack: LocalSlack, clock
) -> None:
    with fresh_schema(migrated="0001") as (_schema, url):
        env = bot_env(tmp_path, slack.url, DATABASE_URL=url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO clients (team_id, client_id, name_key, record) VALUES"
                " ('T0TEAM1', 'c1', 'acme', %s::json)",
                (json.dumps(to_doc(new_client("acme", TEAM, "c1")[0])),),
            )
        done = run_bot(tmp_path, env)
        assert done.returncode == 2
        assert last_line(done).endswith(
            "is at schema 0001, this Tactful needs 0003: run `python bot.py migrate` (with this "
            "version of Tactful)"
        )
        migrated = bot_command(tmp_path, env, "migrate")
        assert migrated.stdout.strip().endswith("is now at schema 0003 (was 0001).")
        store = PostgresStore(url)
        assert store.find(TEAM, "ACME").client.client_id == "c1"
        store.close()


def test_a_database_that_cant_be_reached_stops_start_up_in_one_line(
    tmp_path: Path, slack: LocalSlack
) -> None:
    url = f"postgresql://postgres:hunter2@127.0.0.1:{free_port()}/tactful"
    done = run_bot(tmp_path, bot_env(tmp_path, slack.url, DATABASE_URL=url))
    assert done.returncode == 2
    line = last_line(done)
    assert line.startswith("data: DATABASE_URL: can't reach the database at 127.0.0.1:")
    assert line.endswith("check DATABASE_URL and that PostgreSQL is running")
    assert "hunter2" not in done.stdout + done.stderr


def test_migrate_without_a_database_url_says_there_is_nothing_to_migrate(tmp_path: Path) -> None:
    done = bot_command(tmp_path, bot_env(tmp_path, "http://127.0.0.1:9/api/"), "migrate")
    assert done.returncode == 2
    assert "DATABASE_URL is not set" in done.stderr


# the PostgreSQL store beyond the shared contract ----------------------------------------------
def test_a_damaged_record_costs_only_that_client(clock, caplog) -> None:
    with fresh_schema() as (_schema, url):
        store = PostgresStore(url, schedule=NudgeSchedule(UTC, clock=clock))
        commands = ClientCommands(store, UTC)
        for name in ("acme", "globex"):
            commands.run(TEAM, "U0A", f"add {name}", clock.now)
        acme = store.find(TEAM, "acme").client.client_id
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "UPDATE clients SET record = '{\"client\": 7}' WHERE client_id = %s", (acme,)
            )
        assert [r.client.name for r in store.clients(TEAM)] == ["globex"]
        assert "globex" in commands.run(TEAM, "U0A", "status globex", clock.now).text
        overview = store.overview(TEAM, lambda r: r.client.name, str, "v1")
        assert overview.summaries == ["globex"] and overview.unreadable == 1
        assert f"postgresql/{TEAM}/clients/{acme}" in caplog.text
        store.close()


def test_writable_says_whether_the_database_takes_writes(clock) -> None:
    with fresh_schema() as (_schema, url):
        name = f"tactful-probe-{uuid.uuid4().hex[:8]}"
        store = PostgresStore(f"{url}&application_name={name}")
        assert store.writable() is True
        store._probed = None
        with psycopg.connect(url, autocommit=True) as conn:
            # The store's own session ends (the database restarts, say): the next probe says so
            # once, then reconnects.
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = %s",
                (name,),
            )
        assert store.writable() is False
        store._probed = None
        assert store.writable() is True
        store.close()


# copy -------------------------------------------------------------------------------------------
def _tinydb_with_history(path: Path, slack: LocalSlack) -> TinyDBStore:
    """Two workspaces, long histories (across many of TinyDB's segments) and posted nudges."""
    store = TinyDBStore(path, schedule=NudgeSchedule(UTC, clock=lambda: FRIDAY))
    for team in (TEAM, "T0TEAM2"):
        commands = ClientCommands(store, UTC)
        for name in ("acme", "globex", "initech"):
            commands.run(team, "U0A", f"add {name} in <#C0{name.upper()}|x>", FRIDAY)
            commands.run(team, "U0A", f"asked {name} copy on 2026-11-20", FRIDAY)
            for i in range(40):
                reply = commands.run(team, "U0A", f"note {name} call {i} &amp; more", FRIDAY)
                assert ":warning:" not in reply.text, reply.text
    from slack_sdk import WebClient

    client = WebClient(token="xoxb-test", base_url=slack.url, retry_handlers=[])
    wording = Wording.load(None)
    NudgeEngine(store, wording, client, tz=UTC, hours=WorkingHours(UTC), pace=lambda _c: None).scan(
        FRIDAY
    )
    return store


def test_copy_moves_every_workspace_verified_and_is_safe_to_run_again(
    tmp_path: Path, slack: LocalSlack
) -> None:
    source_path = tmp_path / "data" / "tactful.json"
    source = _tinydb_with_history(source_path, slack)
    nudges = sum(len(r.nudges) for t in source.teams() for r in source.clients(t))
    assert nudges == 6
    env = bot_env(tmp_path, slack.url)
    with fresh_schema() as (_schema, url):
        # On the source's day: the checks index made as the records go in is that day's.
        at = ("--now", FRIDAY.isoformat())
        done = bot_command(tmp_path, env, "copy", "--from", str(source_path), "--to", url, *at)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == (
            "2 workspace(s) (2 copied now, 0 already there), 6 client(s), 258 interaction(s), "
            "6 nudge(s): every entry verified"
        )
        target = PostgresStore(url, schedule=NudgeSchedule(UTC, clock=lambda: FRIDAY))
        for team in source.teams():
            assert target.names(team) == source.names(team)
            for record in source.clients(team):
                cid = record.client.client_id
                assert target.get(team, cid) == record
                assert list(target.history(team, cid)) == list(source.history(team, cid))
            # The checks index is made as the records go in.
            assert target.due_for_check(team, FRIDAY.date()) == source.due_for_check(
                team, FRIDAY.date()
            )
        assert Counter(e.kind for e in target.history(team, cid))[Kind.NUDGED] == 1

        again = bot_command(tmp_path, env, "copy", "--from", str(source_path), "--to", url)
        assert again.returncode == 0, again.stderr
        assert "(0 copied now, 2 already there)" in again.stdout

        # A target that differs (written since) is reported entry by entry, never overwritten.
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DELETE FROM interactions WHERE client_id = %s AND seq = 7", (cid,))
        differs = bot_command(tmp_path, env, "copy", "--from", str(source_path), "--to", url)
        assert differs.returncode == 1
        assert f"copy: T0TEAM2/{cid}: interaction 7 differs" in differs.stderr
        assert "1 problem(s)" in differs.stdout
        target.close()


def test_copy_refuses_a_missing_source_or_a_target_that_is_not_postgresql(tmp_path: Path) -> None:
    env = bot_env(tmp_path, "http://127.0.0.1:9/api/")
    done = bot_command(tmp_path, env, "copy", "--from", "nowhere.json", "--to", "postgresql://x/y")
    assert done.returncode == 2 and "no TinyDB catalogue there" in done.stderr
    done = bot_command(tmp_path, env, "copy", "--from", "nowhere.json", "--to", "mysql://x")
    assert done.returncode == 2 and "--to should be a postgresql:// URL" in done.stderr


# replicas ---------------------------------------------------------------------------------------
def test_two_replicas_answer_commands_at_once_over_http_losing_and_doubling_nothing(
    tmp_path: Path, slack: LocalSlack
) -> None:
    with fresh_schema() as (_schema, url):
        procs, servers = [], []
        try:
            for n in range(2):
                env = bot_env(tmp_path, slack.url, DATABASE_URL=url, DATABASE_PATH=f"d{n}/t.json")
                port = env["PORT"]
                procs.append(start_bot(tmp_path, env))
                servers.append(AppServer.at(f"http://127.0.0.1:{port}"))
            for proc, server in zip(procs, servers, strict=True):
                # Two starting at once on this shared machine can take a while: a long wait.
                wait_until_serving(server.url, proc, timeout=90)
            assert "Added" in servers[0].slash("add acme").text
            threads, errors = [], []

            def send(n: int) -> None:
                for i in range(10):
                    reply = servers[(n + i) % 2].slash(f"note acme t{n}-{i}")
                    if reply.status != 200 or ":warning:" in reply.text:
                        errors.append(reply.text)

            threads = [threading.Thread(target=send, args=(n,)) for n in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert errors == []
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            outs = [proc.communicate(timeout=30) for proc in procs]
        assert [p.returncode for p in procs] == [0, 0], outs
        store = PostgresStore(url)
        acme = store.find(TEAM, "acme")
        history = list(store.history(TEAM, acme.client.client_id))
        notes = Counter(e.text for e in history if e.kind is Kind.NOTE)
        assert set(notes) == {f"t{n}-{i}" for n in range(4) for i in range(10)}
        assert max(notes.values()) == 1
        assert [e.seq for e in history] == list(range(41, 0, -1))
        assert acme.state.interactions == 41
        store.close()


def test_purge_deletes_one_workspace_whole_and_nothing_else(clock) -> None:
    with fresh_schema() as (_schema, url):
        store = PostgresStore(url, schedule=NudgeSchedule(UTC, clock=clock))
        commands = ClientCommands(store, UTC)
        for team in ("T0GONE", "T0STAYS"):
            for name in ("acme", "globex"):
                commands.run(team, "U0A", f"add {name}", clock.now)
                commands.run(team, "U0A", f"note {name} call", clock.now)
        store.overview("T0GONE", lambda r: r.client.name, str, "v1")
        stays = [
            (r, list(store.history("T0STAYS", r.client.client_id)))
            for r in store.clients("T0STAYS")
        ]

        assert store.purge_team("T0GONE") == {"clients": 2, "interactions": 4}
        assert store.teams() == ["T0STAYS"]
        with psycopg.connect(url) as conn:
            for table in ("clients", "interactions", "overviews"):
                (left,) = conn.execute(
                    f"SELECT count(*) FROM {table} WHERE team_id = 'T0GONE'"
                ).fetchone()
                assert left == 0, table
        assert [
            (r, list(store.history("T0STAYS", r.client.client_id)))
            for r in store.clients("T0STAYS")
        ] == stays
        assert store.purge_team("T0GONE") == {"clients": 0, "interactions": 0}
        store.close()
