"""Monthly summary of the ledger (ledger_month), filled from the acts already recorded

One row per structure, person and local month (BABEL_DEFAULT_TIMEZONE, Europe/Paris by default):
the counted acts (not as staff) of that month summed up. The dashboard's trends and profile read it.
The back-fill below is the same computation as `app.ledger.months.rebuild` (`flask ledger
rebuild-months`), written out here so that this migration does not depend on later code.

Revision ID: 7d3a9c1e5f20
Revises: 5c1f7e2a9b3d
Create Date: 2026-11-24 09:00:00

"""
import os
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '7d3a9c1e5f20'
down_revision = '5c1f7e2a9b3d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ledger_month',
        sa.Column('structure_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('acts', sa.Integer(), nullable=False),
        sa.Column('level', sa.SmallInteger(), nullable=False),
        sa.Column('bracket_given', sa.Integer(), nullable=False),
        sa.Column('bracket_min', sa.String(length=8), nullable=True),
        sa.Column('bracket_max', sa.String(length=8), nullable=True),
        sa.Column('quartier_given', sa.Integer(), nullable=False),
        sa.Column('quartier_min', sa.Integer(), nullable=True),
        sa.Column('quartier_max', sa.Integer(), nullable=True),
        sa.Column('qpv_given', sa.Integer(), nullable=False),
        sa.Column('qpv_min', sa.SmallInteger(), nullable=True),
        sa.Column('qpv_max', sa.SmallInteger(), nullable=True),
        sa.Column('last_at', sa.DateTime(), nullable=False),
        sa.Column('last_id', sa.Integer(), nullable=False),
        sa.Column('last_bracket', sa.String(length=8), nullable=True),
        sa.Column('last_quartier_id', sa.Integer(), nullable=True),
        sa.Column('last_qpv', sa.SmallInteger(), nullable=True),
        sa.ForeignKeyConstraint(['person_id'], ['user.id'], name=op.f('fk_ledger_month_person_id_user'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['structure_id'], ['structure.id'], name=op.f('fk_ledger_month_structure_id_structure'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('structure_id', 'month', 'person_id', name=op.f('pk_ledger_month')),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table('ledger_month', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_month_person_month', ['person_id', 'month'], unique=False)
    _backfill(op.get_bind())
    op.execute("ANALYZE ledger_month")


def downgrade():
    with op.batch_alter_table('ledger_month', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_month_person_month')
    op.drop_table('ledger_month')


_QPV = "CASE WHEN in_qpv THEN 1 WHEN NOT in_qpv THEN 0 END"
_WHERE = "NOT as_staff AND occurred_at >= :start AND occurred_at < :end"
_INSERT = f"""
INSERT INTO ledger_month (structure_id, month, person_id, acts, level,
    bracket_given, bracket_min, bracket_max, quartier_given, quartier_min, quartier_max,
    qpv_given, qpv_min, qpv_max, last_at, last_id, last_bracket, last_quartier_id, last_qpv)
SELECT g.structure_id, :month, g.person_id, g.acts, g.level,
    g.bracket_given, g.bracket_min, g.bracket_max, g.quartier_given, g.quartier_min, g.quartier_max,
    g.qpv_given, g.qpv_min, g.qpv_max, l.occurred_at, l.id, l.age_bracket, l.quartier_id, l.qpv
FROM (
    SELECT structure_id, person_id, count(*) AS acts, max(level) AS level,
        count(age_bracket) AS bracket_given, min(age_bracket) AS bracket_min, max(age_bracket) AS bracket_max,
        count(quartier_id) AS quartier_given, min(quartier_id) AS quartier_min, max(quartier_id) AS quartier_max,
        count({_QPV}) AS qpv_given, min({_QPV}) AS qpv_min, max({_QPV}) AS qpv_max
    FROM ledger_entry WHERE {_WHERE} GROUP BY structure_id, person_id
) AS g JOIN (
    SELECT structure_id, person_id, occurred_at, id, age_bracket, quartier_id, {_QPV} AS qpv,
        row_number() OVER (PARTITION BY structure_id, person_id ORDER BY occurred_at DESC, id DESC) AS rank
    FROM ledger_entry WHERE {_WHERE}
) AS l ON l.structure_id = g.structure_id AND l.person_id = g.person_id AND l.rank = 1
"""


def _backfill(bind) -> None:
    first, last = bind.execute(sa.text("SELECT min(occurred_at), max(occurred_at) FROM ledger_entry")).one()
    if first is None:
        return
    zone = ZoneInfo(_zone_name())
    insert = sa.text(_INSERT).bindparams(
        sa.bindparam("month", type_=sa.Date()),
        sa.bindparam("start", type_=sa.DateTime()),
        sa.bindparam("end", type_=sa.DateTime()),
    )

    def month_of(value) -> date:
        if isinstance(value, str):  # SQLite without the column's type
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC).astimezone(zone).date().replace(day=1)

    def utc(month: date) -> datetime:
        return datetime.combine(month, time.min, zone).astimezone(UTC).replace(tzinfo=None)

    month, last_month = month_of(first), month_of(last)
    while month <= last_month:
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        bind.execute(insert, {"month": month, "start": utc(month), "end": utc(following)})
        month = following


def _zone_name() -> str:
    try:
        from flask import current_app

        return current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Europe/Paris"
    except RuntimeError:  # outside the app (plain alembic)
        return os.environ.get("TIMEZONE") or "Europe/Paris"
