"""The audit trail: who did what to which record, and when."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db
from .timeutil import UTCDateTime, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(sa.String(60))  # e.g. "booking.confirmed", "venue.updated"
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(sa.String(500), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

    actor = relationship("User")


def record(action: str, obj: Any = None, *, actor: Any = None, summary: str = "",
           before: dict | None = None, after: dict | None = None,
           object_type: str | None = None, object_id: int | None = None) -> AuditEvent:
    """Add an audit event to the current session; it commits with the change it describes."""
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        object_type=object_type or (type(obj).__name__.lower() if obj is not None else "system"),
        object_id=object_id if object_id is not None else getattr(obj, "id", None),
        summary=summary[:500],
        before=_jsonable(before),
        after=_jsonable(after),
    )
    db.session.add(event)
    return event


def _jsonable(values: dict | None) -> dict | None:
    if values is None:
        return None
    return {k: (v if isinstance(v, (str, int, float, bool, type(None))) else str(v)) for k, v in values.items()}


def snapshot(obj: Any, fields: list[str]) -> dict:
    return _jsonable({f: getattr(obj, f) for f in fields})
