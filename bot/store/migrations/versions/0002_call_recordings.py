"""Call recordings: one stereo WAV and a timed transcript per phone call, linked to its ticket by
conversation id, kept until `expires_at` (retention).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_recordings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("call_sid", sa.String(64), nullable=False),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("caller", sa.String(32)),
        sa.Column("wav_path", sa.Text(), nullable=False),
        sa.Column("transcript", sa.JSON(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("end_reason", sa.String(32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("call_sid", name="uq_call_recordings_call_sid"),
    )
    op.create_index("ix_call_recordings_conversation_id", "call_recordings", ["conversation_id"])
    op.create_index("ix_call_recordings_expires_at", "call_recordings", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_call_recordings_expires_at", table_name="call_recordings")
    op.drop_index("ix_call_recordings_conversation_id", table_name="call_recordings")
    op.drop_table("call_recordings")
