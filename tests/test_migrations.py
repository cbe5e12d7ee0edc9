"""The migrations build the schema the models describe, on SQLite and on PostgreSQL."""

import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from config import TestConfig

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


@pytest.fixture
def empty_database_url(tmp_path):
    """A brand-new empty database of the same kind as the suite's."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"ensemble_mig_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_migrations_match_the_models(empty_database_url):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = empty_database_url

    app = create_app(Config)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        # Our IntEnum columns are SmallInteger in the schema: the same type, not a difference.
        diff = [d for d in diff if not (d[0][0] == "modify_type" and "IntEnumType" in repr(d[0][-1]))]
        assert diff == [], f"models and migrations disagree: {diff}"
        downgrade(directory=MIGRATIONS, revision="base")
        with db.engine.connect() as conn:
            assert sa.inspect(conn).get_table_names() in ([], ["alembic_version"])
        db.engine.dispose()


def test_the_monthly_summary_is_filled_from_the_acts_already_recorded(empty_database_url):
    """Migration 7d3a9c1e5f20 fills ledger_month from the existing ledger exactly as
    `flask ledger rebuild-months` would (its SQL is written out in the migration)."""
    from datetime import datetime, timedelta

    from app.factories import make_structure, make_user
    from app.ledger import months
    from app.ledger.models import LedgerEntry, LedgerMonth

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = empty_database_url

    app = create_app(Config)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="5c1f7e2a9b3d")
        structure = make_structure("Centre social Les Tilleuls", quartiers=(("Les Buers", True), ("Bel-Air", False)))
        people = [make_user(structure=structure, birth_year=1950 + 7 * i) for i in range(7)]
        db.session.flush()
        quartiers = [q.id for q in structure.quartiers] + [None]
        rows = [
            {
                "structure_id": structure.id,
                "person_id": people[i % 7].id,
                "kind": "test.act",
                "level": i % 6,
                # Some at 23:30 UTC on the last day of a month: the next month in Paris.
                "occurred_at": datetime(2024 + i // 150, 1 + i % 12, 1) - timedelta(minutes=30)
                if i % 5 == 0
                else datetime(2024 + i // 150, 1 + i % 12, 1 + i % 27, 12),
                "as_staff": i % 11 == 0,
                "age_bracket": ("0-10", "18-25", "60+", None)[i % 4],
                "quartier_id": quartiers[i % 3],
                "in_qpv": (True, False, None)[i % 3],
            }
            for i in range(300)
        ]
        db.session.execute(sa.insert(LedgerEntry), rows)
        db.session.commit()
        upgrade(directory=MIGRATIONS)
        columns = list(LedgerMonth.__table__.c)
        migrated = sorted(tuple(r) for r in db.session.execute(sa.select(*columns)))
        assert len(migrated) > 50
        months.rebuild(db.session)
        db.session.commit()
        assert migrated == sorted(tuple(r) for r in db.session.execute(sa.select(*columns)))
        db.session.remove()
        downgrade(directory=MIGRATIONS, revision="base")
        db.engine.dispose()
