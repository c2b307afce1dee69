"""The migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from spacebank.extensions import db


def test_migrations_produce_the_models_schema(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_postgresql_has_the_exclusion_constraint_and_sqlite_the_triggers(app, backend):
    with db.engine.connect() as conn:
        if backend == "postgresql":
            found = conn.exec_driver_sql(
                "SELECT conname FROM pg_constraint WHERE contype = 'x' AND conrelid = 'booking_lock'::regclass"
            ).scalars().all()
            assert found == ["booking_lock_no_overlap"]
        else:
            found = conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'booking_lock' ORDER BY name"
            ).scalars().all()
            assert found == ["booking_lock_no_overlap_insert", "booking_lock_no_overlap_update"]
