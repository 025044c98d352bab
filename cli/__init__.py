"""The command-line modes of `python bot.py <mode>`, one module a mode. Each `run(argv, root)`
parses its arguments, reads the settings, builds what it needs with `root` (bot.py's builders,
see cli/common.py) and returns the process's exit code: 0, 1 for "done, but not everything"
(a purge not confirmed, a copy with problems), EXIT_CONFIG (2) for a setting or an argument
to fix. Serving Slack (the default mode) stays in bot.py, the composition root."""

from __future__ import annotations

from collections.abc import Callable

from cli import bcc, console, copy, digest, export, import_file, migrate, purge, scan
from cli.common import Root

# In the order `python bot.py` lists them when it is given a mode it doesn't know.
MODES: dict[str, Callable[[list[str], Root], int]] = {
    "console": console.run,
    "scan": scan.run,
    "digest": digest.run,
    "export": export.run,
    "import": import_file.run,
    "purge": purge.run,
    "migrate": migrate.run,
    "copy": copy.run,
    "bcc": bcc.run,
}
