"""`python bot.py` in a child process, as an operator runs it: its settings, a command run to
the end, or the app started, waited on until it serves, and stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.slack_http import SECRET

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def operator_env(**settings: str) -> dict[str, str]:
    """This process's environment without its SLACK_ settings, so the app sees only the
    test's, plus `settings`."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}, **settings}


def bot_env(tmp_path: Path, slack_url: str, **extra: str) -> dict[str, str]:
    """HTTP mode with a bot token that holds the signing secret (so one check that SECRET never
    shows covers both), the data under `tmp_path`, on a free port."""
    return operator_env(
        **{
            "SLACK_BOT_TOKEN": f"xoxb-{SECRET}",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack_url,
            "DATABASE_PATH": str(tmp_path / "data" / "tactful.json"),
            "PORT": str(free_port()),
            **extra,  # may replace any of the above
        }
    )


def run_bot(
    cwd: Path, env: dict[str, str], *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`python bot.py *args` run to its end, its output captured."""
    return subprocess.run(
        [sys.executable, str(BOT), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_bot(cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """`python bot.py` serving, its output piped for the test to read (stop it with stop_bot)."""
    return subprocess.Popen(
        [sys.executable, str(BOT)],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until_serving(url: str, proc: subprocess.Popen[str], timeout: float = 30) -> None:
    """Readiness, as a load balancer probes it: /healthz answers 200 once waitress listens.
    Fails at once if the process exits first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as res:
                if res.status == 200:
                    return
        except OSError:
            if proc.poll() is not None:
                raise AssertionError(f"bot.py never served: {proc.communicate()[1]}") from None
            if time.monotonic() > deadline:
                raise AssertionError(f"bot.py did not serve within {timeout} s") from None
            time.sleep(0.1)


def stop_bot(proc: subprocess.Popen[str], timeout: float = 20) -> tuple[str, str]:
    """Stop it as an operator (or the platform) does, with SIGTERM; its stdout and stderr. One
    that hasn't exited within `timeout` is killed, so it never outlives the test: its exit code
    then fails the test's check of it."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()
