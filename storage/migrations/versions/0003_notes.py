"""Small workspace-wide notes kept by name (the weekly digest's claim on its week).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE notes (
            team_id  text NOT NULL,
            name     text NOT NULL,
            document json NOT NULL,
            PRIMARY KEY (team_id, name)
        );
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE notes;")
