"""Database reads for the public venue pages."""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from .models import Space, Venue


def published_venues() -> list[Venue]:
    return list(db.session.scalars(
        sa.select(Venue).where(Venue.is_published).options(selectinload(Venue.spaces)).order_by(Venue.name)
    ))


def published_venue(slug: str) -> Venue | None:
    if len(slug) > 140:
        return None
    return db.session.scalar(
        sa.select(Venue).where(Venue.slug == slug, Venue.is_published).options(
            selectinload(Venue.spaces).selectinload(Space.opening_hours),
            selectinload(Venue.spaces).selectinload(Space.tariffs),
            selectinload(Venue.spaces).selectinload(Space.parts),
            selectinload(Venue.photos),
        )
    )
