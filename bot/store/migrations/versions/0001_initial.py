"""Initial schema: tickets, callback tasks, policies.

Revision ID: 0001
Revises:
Create Date: 2026-03-14
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(32), nullable=True),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claim_type", sa.String(16)),
        sa.Column("priority", sa.String(4)),
        sa.Column("insured_name", sa.String(64)),
        sa.Column("insured_id", sa.String(18)),
        sa.Column("reporter_relation", sa.String(16)),
        sa.Column("incident_date", sa.Date()),
        sa.Column("incident_cause", sa.String(8)),
        sa.Column("diagnosis", sa.String(64)),
        sa.Column("hospital", sa.String(128)),
        sa.Column("treatment_status", sa.String(8)),
        sa.Column("contact_phone", sa.String(20)),
        sa.Column("diagnosis_term", sa.String(64)),
        sa.Column("icd10", sa.String(8)),
        sa.Column("policy_no", sa.String(32)),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("transcript", sa.JSON(), nullable=False),
        sa.Column("turn_count", sa.Integer(), nullable=False),
        sa.Column("handoff_reason", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("call_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_by", sa.String(64)),
        sa.Column("verified_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("number", name="uq_tickets_number"),
        sa.UniqueConstraint("conversation_id", name="uq_tickets_conversation_id"),
    )
    op.create_index("ix_tickets_status", "tickets", ["status"])
    op.create_index("ix_tickets_insured_id", "tickets", ["insured_id"])

    op.create_table(
        "callback_tasks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id", name="fk_callback_tasks_ticket_id"),
                  nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_callback_tasks_ticket_id", "callback_tasks", ["ticket_id"])
    op.create_index("ix_callback_tasks_status", "callback_tasks", ["status"])

    op.create_table(
        "policies",
        sa.Column("policy_no", sa.String(32), primary_key=True),
        sa.Column("insured_name", sa.String(64), nullable=False),
        sa.Column("insured_id", sa.String(18), nullable=False),
        sa.Column("product", sa.String(64), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("expiry_date", sa.Date()),
        sa.Column("holder_phone", sa.String(20)),
    )
    op.create_index("ix_policies_insured_id", "policies", ["insured_id"])


def downgrade() -> None:
    op.drop_index("ix_policies_insured_id", table_name="policies")
    op.drop_table("policies")
    op.drop_index("ix_callback_tasks_status", table_name="callback_tasks")
    op.drop_index("ix_callback_tasks_ticket_id", table_name="callback_tasks")
    op.drop_table("callback_tasks")
    op.drop_index("ix_tickets_insured_id", table_name="tickets")
    op.drop_index("ix_tickets_status", table_name="tickets")
    op.drop_table("tickets")
