"""`python bot.py export <name> | --all [--team T...] [--out DIR] [--now ISO]`: clients' full
records as CSV and Markdown files (the same as `/client export`), one folder per workspace."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.common import EXIT_CONFIG, Root, load_config, now_from, now_option
from service.export import Exports


def run(argv: list[str], root: Root) -> int:
    parser = argparse.ArgumentParser(
        prog="python bot.py export",
        description="Write clients' full records as CSV and Markdown files, for the agency's archive.",
    )
    parser.add_argument("name", nargs="*", help="the client's name (as in /client)")
    parser.add_argument("--all", action="store_true", help="every client (of every workspace)")
    parser.add_argument("--team", help="only this workspace (team id T...)")
    parser.add_argument("--out", default="exports", help="folder to write to (default: exports)")
    now_option(parser, "write the files as of this moment")
    args = parser.parse_args(argv)
    name = " ".join(args.name)
    if bool(name) == args.all:
        print("export: give a client's name, or --all", file=sys.stderr)
        return EXIT_CONFIG
    config = load_config(need_slack=False)
    now = now_from(args.now, config, "export")
    if now is None:
        return EXIT_CONFIG
    store = root.open_store(config, lambda: now)
    teams = [args.team] if args.team else store.teams()
    if name:
        records = [r for r in (store.find(t, name) for t in teams) if r is not None]
        if not records:
            print(f"export: no client called {name!r}", file=sys.stderr)
            return EXIT_CONFIG
        if len(records) > 1:
            found = ", ".join(r.client.team_id for r in records)
            print(
                f"export: {name!r} is in several workspaces ({found}); add --team", file=sys.stderr
            )
            return EXIT_CONFIG
    else:
        records = [r for t in teams for r in store.clients(t)]
    exports, out = Exports(store, config.timezone), Path(args.out)
    for record in records:
        # One folder per workspace: two workspaces may each have an "acme".
        for path in exports.write(exports.files(record, now), out / record.client.team_id):
            print(path)
    if not records:
        print("Nothing to export: no clients.", file=sys.stderr)
    return 0
