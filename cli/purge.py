"""`python bot.py purge --team T0123 [--yes]`: delete one workspace's whole record (its
clients, their history and its installation), after a confirmation, and audit it."""

from __future__ import annotations

import argparse
import logging
import socket
import sys
from collections.abc import Callable

from cli.common import EXIT_CONFIG, TEAM_ID, Root, load_config, operator
from clock import utc_now

logger = logging.getLogger("tactful")


def run(argv: list[str], root: Root, *, ask: Callable[[str], str] = input) -> int:
    """Delete one workspace's whole record, after a confirmation (`ask`), and audit it."""
    parser = argparse.ArgumentParser(
        prog="python bot.py purge",
        description="Delete everything Tactful keeps for one workspace, for good (audited).",
    )
    parser.add_argument("--team", required=True, help="the workspace's team id, T...")
    parser.add_argument("--yes", action="store_true", help="don't ask for confirmation")
    args = parser.parse_args(argv)
    team = args.team.strip()
    if not TEAM_ID.match(team):
        print(f"purge: --team {team!r} is not a Slack team id like T0123ABCD", file=sys.stderr)
        return EXIT_CONFIG
    config = load_config(need_slack=False)
    store = root.open_store(config, utc_now)
    installations = root.open_installations(config) if config.oauth else None
    clients = len(store.names(team)) if team in store.teams() else 0
    installed = installations is not None and installations.store.find_installation(
        enterprise_id=None, team_id=team
    )
    if not args.yes:
        what = f"{clients} client(s) and their whole history" + (
            "; it is still installed there, and its installation goes too" if installed else ""
        )
        answer = ask(
            f"Delete everything Tactful keeps for workspace {team} ({what}), for good? "
            f"Type {team} to confirm: "
        )
        if answer.strip() != team:
            print("purge: nothing deleted.", file=sys.stderr)
            return 1
    counts = store.purge_team(team)
    if installations is not None:
        counts["installations"] = installations.forget(team)
    who = f"{operator()}@{socket.gethostname()}"
    audit = root.open_audit_log(config)
    audit.append(at=utc_now(), who=who, action="purge", team_id=team, details=counts)
    summary = ", ".join(f"{n} {what}" for what, n in counts.items())
    logger.warning("Purged workspace %s for %s: %s deleted", team, who, summary)
    print(f"Purged workspace {team}: {summary} deleted (recorded in the audit log).")
    return 0
