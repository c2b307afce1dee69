"""Shared by the security, header and fuzz tests."""

import sqlalchemy as sa

from spacebank.extensions import db


def row_counts() -> dict[str, int]:
    """Rows in every table: equal before and after means a request changed nothing."""
    with db.engine.connect() as conn:
        return {table.name: conn.scalar(sa.select(sa.func.count()).select_from(table))
                for table in db.metadata.sorted_tables}
