"""Ledger index: acts of a kind in a centre over a period

Validated hours (B1-B3, B6-B8) and presence at meetings (P3) read only the period's rows of their
kind through it, without reading the table.

Revision ID: 5c1f7e2a9b3d
Revises: 20e2237dbe2e
Create Date: 2026-11-24 06:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5c1f7e2a9b3d'
down_revision = '20e2237dbe2e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.create_index(
            'ix_ledger_entry_kind_structure_occurred',
            ['kind', 'structure_id', 'occurred_at', 'as_staff', 'person_id', 'object_id', 'object_type'],
            unique=False,
        )
    # Fresh statistics, so that the planners choose the new index at once.
    op.execute("ANALYZE ledger_entry")


def downgrade():
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_entry_kind_structure_occurred')
