"""Killing a writer at random moments never tears a file or loses an acknowledged write.

A child process logs interactions in a loop (store.update + service.commands.log) and prints
each seq the moment store.update returns. We SIGKILL it after a random delay, many times,
each round resuming on the same store, and after every kill check the whole store.

SIGKILL stops the process at any instruction, including between writing a segment and the
client file, or between the temp file and its rename. (It does not lose the page cache, so
this proves atomicity and the acknowledge-after-write order; the fsyncs that carry a write
through a power cut are checked in test_atomic.)
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from storage.tinydb_store import TAIL_MAX, TinyDBStore
from tests.storage.conftest import Backend
from tests.storage.support import TEAM, parse_every_file

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 25
NAME = "Acme Corp"


def _run_and_kill(spec: str, rng: random.Random) -> list[int]:
    """One round: the seqs the child acknowledged before it was killed."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.storage.writer", "log", spec, TEAM, NAME],
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        assert child.stdout.readline() == b"ready\n"
        first = child.stdout.readline()  # it has started writing
        # Process control, not a timing assertion: kill it at a random point of its writing.
        time.sleep(rng.uniform(0.02, 0.3))
        child.send_signal(signal.SIGKILL)
        out = first + child.stdout.read()
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    acked = []
    for line in out.split(b"\n")[:-1]:  # the last piece has no newline: not acknowledged
        words = line.split()
        assert words[0] == b"ack", line
        acked.extend(int(w) for w in words[1:])
    assert acked, "the first write was acknowledged before the kill"
    return acked


def _check(backend: Backend, acked: set[int]) -> int:
    """Check the store after a kill; the number of interactions it holds."""
    store = backend.open(schedule=False)  # opens
    if isinstance(store, TinyDBStore):
        parse_every_file(store.root)  # no torn file anywhere
    record = store.find(TEAM, NAME)
    assert record is not None
    seqs = [e.seq for e in store.history(TEAM, record.client.client_id)]
    assert len(seqs) == len(set(seqs)), "an interaction appears twice"
    assert seqs == list(range(len(seqs), 0, -1)), "history is not 1..n, newest first"
    missing = acked - set(seqs)
    assert not missing, f"acknowledged but lost: {sorted(missing)}"
    # The summary and the history were written together, so they agree.
    assert record.state.interactions == len(seqs)
    assert record.next_seq == len(seqs) + 1
    return len(seqs)


def test_sigkill_at_random_moments_never_loses_or_tears_anything(backend: Backend) -> None:
    rng = random.Random()
    seed = rng.randrange(2**32)
    rng.seed(seed)
    print(f"random seed {seed}")  # shown if the test fails, to replay the kill delays
    acked: set[int] = set()
    total = 0
    for round_ in range(ROUNDS):
        got = _run_and_kill(backend.spec, rng)
        assert not acked & set(got), f"a seq was acknowledged twice (round {round_}, seed {seed})"
        acked.update(got)
        total = _check(backend, acked)
    # At least one acknowledged write per round: the tail has rolled over into segments.
    assert total > TAIL_MAX
    if backend.name == "tinydb":
        assert list(Path(backend.spec).with_suffix("").glob(f"teams/{TEAM}/log/*/*.json"))
