"""Shared by the security, header and fuzz tests."""

import pytest
import sqlalchemy as sa

from spacebank.extensions import db, limiter


def row_counts() -> dict[str, int]:
    """Rows in every table: equal before and after means a request changed nothing."""
    with db.engine.connect() as conn:
        return {table.name: conn.scalar(sa.select(sa.func.count()).select_from(table))
                for table in db.metadata.sorted_tables}


@pytest.fixture(autouse=True)
def rate_limits_restored():
    """Flask-Limiter keeps `enabled` on the one shared Limiter, and every create_app sets it
    from its own config: an app made with rate limits on would leave them on for every other
    app in the process (the test apps, the browser tests' live server). Put it back."""
    enabled = limiter.enabled
    yield
    limiter.enabled = enabled
