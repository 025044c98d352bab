"""Alembic's entry point for Tactful's PostgreSQL tables (run by `python bot.py migrate`).

Migrations are plain SQL (the store talks to PostgreSQL in SQL, not through models), so there
is no metadata to compare and no autogenerate. A schema name in `config.attributes` (tests
give each test its own) is created and put first on the search path.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

# Replicas started together each run `migrate`: one takes this lock, the others wait for it
# and then find nothing left to do.
MIGRATION_LOCK = 7_340_001

config = context.config
schema = config.attributes.get("schema")
url = config.get_main_option("sqlalchemy.url")
assert url, "storage.postgres_store.migrate sets sqlalchemy.url"
engine = create_engine(url, poolclass=NullPool)
with engine.connect() as connection:
    if schema:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        connection.execute(text("SELECT set_config('search_path', :s, false)"), {"s": schema})
    connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
    connection.commit()
    try:
        context.configure(connection=connection, version_table_schema=schema)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    finally:
        connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
        connection.commit()
engine.dispose()
