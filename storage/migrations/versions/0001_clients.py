"""Clients, their interactions and the derived overview summaries.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Records and interactions are JSON documents written by storage/codec.py: a new field in
    # the record model needs no migration. `json`, not `jsonb`: see storage/postgres_store.py.
    op.execute(
        """
        CREATE TABLE clients (
            team_id     text   NOT NULL,
            client_id   text   NOT NULL,
            name_key    text   NOT NULL,
            record      json   NOT NULL,
            version     bigint NOT NULL DEFAULT 1,
            position    bigserial,
            check_on    date,
            checked_on  date,
            check_rules text,
            PRIMARY KEY (team_id, client_id),
            CONSTRAINT clients_name_unique UNIQUE (team_id, name_key)
        );
        CREATE INDEX clients_by_team ON clients (team_id, position);
        CREATE TABLE interactions (
            team_id     text    NOT NULL,
            client_id   text    NOT NULL,
            seq         integer NOT NULL,
            occurred_on date    NOT NULL,
            document    json    NOT NULL,
            PRIMARY KEY (team_id, client_id, seq),
            FOREIGN KEY (team_id, client_id) REFERENCES clients ON DELETE CASCADE
        );
        CREATE TABLE overviews (
            team_id        text   NOT NULL,
            client_id      text   NOT NULL,
            version        text   NOT NULL,
            record_version bigint NOT NULL,
            summary        json   NOT NULL,
            PRIMARY KEY (team_id, client_id),
            FOREIGN KEY (team_id, client_id) REFERENCES clients ON DELETE CASCADE
        );
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE overviews; DROP TABLE interactions; DROP TABLE clients;")
