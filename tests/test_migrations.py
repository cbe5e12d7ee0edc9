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
