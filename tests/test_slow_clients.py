"""Slow clients against `python bot.py` in HTTP mode, over real sockets on loopback.

An attacker opening more connections than waitress's default limit (100) and trickling a byte
now and then used to make every command and /healthz wait for minutes. Now the server holds
HTTP_MAX_CONNECTIONS connections and gives each request HTTP_READ_TIMEOUT seconds to arrive.
"""

from __future__ import annotations

import select
import socket
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from local_slack import LocalSlack
from tests.running import bot_env, start_bot, stop_bot, wait_until_serving
from tests.slack_http import SECRET

# More than waitress's default connection_limit (100).
SLOW_CLIENTS = 150
PARTIAL_REQUEST = b"POST /slack/events HTTP/1.1\r\nHost: tactful\r\nContent-Length: 100\r\n"


@contextmanager
def serving(tmp_path: Path, slack: LocalSlack, **settings: str) -> Iterator[str]:
    env = bot_env(tmp_path, slack.url, **settings)
    proc = start_bot(tmp_path, env)
    url = f"http://127.0.0.1:{env['PORT']}"
    try:
        wait_until_serving(url, proc)
        yield url
    finally:
        out, err = stop_bot(proc)
        assert proc.returncode == 0, err
        assert "Traceback" not in err and SECRET not in out + err


def slow_client(url: str) -> socket.socket:
    """A connection that sent the start of a request and then nothing more."""
    host, port = url.removeprefix("http://").split(":")
    conn = socket.create_connection((host, int(port)), timeout=5)
    conn.sendall(PARTIAL_REQUEST)
    return conn


def is_open(conn: socket.socket) -> bool:
    """Whether the server still holds the connection (it has sent nothing, not even EOF)."""
    readable, _, _ = select.select([conn], [], [], 0)
    if not readable:
        return True
    try:
        return conn.recv(1, socket.MSG_PEEK) != b""
    except ConnectionError:
        return False


def healthz(url: str) -> int:
    with urllib.request.urlopen(f"{url}/healthz", timeout=10) as res:
        return res.status


def test_healthz_answers_while_more_slow_clients_than_waitress_default_hold_connections(
    tmp_path: Path, slack: LocalSlack
) -> None:
    """With waitress's default limit the 101st connection waits in the kernel's queue behind
    the slow ones, so /healthz would time out here. A long HTTP_READ_TIMEOUT keeps the slow
    clients connected throughout: they are held, not closed, while /healthz answers."""
    with serving(tmp_path, slack, HTTP_READ_TIMEOUT="120") as url, ExitStack() as stack:
        slow = [stack.enter_context(slow_client(url)) for _ in range(SLOW_CLIENTS)]
        assert healthz(url) == 200
        assert all(is_open(conn) for conn in slow), "the slow clients were still connected"


def test_a_request_trickling_in_is_cut_off_after_the_read_timeout(
    tmp_path: Path, slack: LocalSlack
) -> None:
    """A byte every 0.2 s keeps a connection busy (waitress's own timeout counts only silence),
    but the request must arrive whole within HTTP_READ_TIMEOUT (1 s here): the server closes
    it, and the idle one, and goes on serving."""
    with serving(tmp_path, slack, HTTP_READ_TIMEOUT="1") as url:
        with slow_client(url) as trickle, slow_client(url) as idle:
            deadline = time.monotonic() + 15
            while is_open(trickle) and time.monotonic() < deadline:
                try:
                    trickle.sendall(b"x")
                except ConnectionError:
                    break
                time.sleep(0.2)
            assert not is_open(trickle), "a request trickling in was never cut off"
            assert not is_open(idle), "an idle connection was never closed"
        assert healthz(url) == 200
