"""`python bot.py migrate`: create or upgrade Tactful's tables in the PostgreSQL database at
DATABASE_URL (the TinyDB store needs no migrations)."""

from __future__ import annotations

import argparse
import sys

from cli.common import EXIT_CONFIG, Root, load_config


def run(argv: list[str], root: Root) -> int:
    argparse.ArgumentParser(
        prog="python bot.py migrate",
        description="Create or upgrade Tactful's tables in the PostgreSQL database at DATABASE_URL.",
    ).parse_args(argv)
    config = load_config(need_slack=False)
    if not config.database_url:
        print(
            "migrate: DATABASE_URL is not set; the TinyDB store (DATABASE_PATH) needs no "
            "migrations",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    from storage.postgres_store import describe
    from storage.postgres_store import migrate as upgrade

    where = describe(config.database_url)
    try:
        before, after = upgrade(config.database_url)
    except Exception as err:  # noqa: BLE001 - one line for the operator, whatever failed
        reason = str(err).strip().splitlines()[0] if str(err).strip() else ""
        print(f"migrate: the database at {where} could not be migrated: {reason}", file=sys.stderr)
        return EXIT_CONFIG
    if before == after:
        print(f"The database at {where} is up to date (schema {after}).")
    else:
        print(f"The database at {where} is now at schema {after} (was {before or 'empty'}).")
    return 0
