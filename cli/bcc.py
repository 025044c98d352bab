"""`python bot.py bcc T0123 [--domain mail.agency.com]`: a workspace's BCC address for client
mail, made from EMAIL_SECRET (print it for the team; it is never logged)."""

from __future__ import annotations

import argparse
import re
import sys

from cli.common import EXIT_CONFIG, Root, load_config
from domain.email_in import local_part


def run(argv: list[str], root: Root) -> int:
    parser = argparse.ArgumentParser(prog="python bot.py bcc")
    parser.add_argument("team", help="the workspace's team id, T...")
    parser.add_argument("--domain", default="", help="the domain your relay sends to Tactful")
    args = parser.parse_args(argv)
    config = load_config(need_slack=False)
    if not config.email.secret:
        print("config: EMAIL_SECRET is not set: there is no BCC address.", file=sys.stderr)
        return EXIT_CONFIG
    if not re.fullmatch(r"[TE][A-Z0-9]{2,31}", args.team.upper()):
        print(
            f"{args.team!r} is not a team id (T followed by letters and digits).", file=sys.stderr
        )
        return EXIT_CONFIG
    domain = args.domain or "<your inbound mail domain>"
    print(f"{local_part(config.email.secret, args.team)}@{domain}")
    return 0
