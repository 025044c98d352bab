"""When each workspace's nudge pass last completed, so replicas share a pass, not repeat it.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE team_passes (
            team_id   text        PRIMARY KEY,
            passed_at timestamptz NOT NULL
        );
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE team_passes;")
