"""The audit log: read-only and filterable, so staff can see who changed what, when, from what to what.

Administrators see every event. Other staff see events about their own service's
venues, spaces, closures and bookings, and events by people in their service.
"""

import json

import sqlalchemy as sa
from flask_admin.contrib.sqla.filters import FilterEqual, FilterLike, IntEqualFilter
from markupsafe import Markup, escape

from ..accounts.models import User
from ..audit import AuditEvent
from ..bookings.models import Booking
from ..formatting import format_datetime
from ..venues.models import Closure, OpeningHours, Tariff, VenuePhoto
from .base import StaffModelView
from .filters import day_filters
from .scope import booking_clause, closure_clause, service_scope, space_clause, space_ids, venue_clause, venue_ids


def owned_objects() -> sa.ColumnElement[bool]:
    """Events about records in the staff member's service, or by its people."""
    def about(object_type, ids):
        return sa.and_(AuditEvent.object_type == object_type, AuditEvent.object_id.in_(ids))

    scope = service_scope()
    return sa.or_(
        about("venue", venue_ids()), about("space", space_ids()),
        about("booking", sa.select(Booking.id).where(booking_clause())),
        about("closure", sa.select(Closure.id).where(closure_clause())),
        about("openinghours", sa.select(OpeningHours.id).where(space_clause(OpeningHours.space_id))),
        about("tariff", sa.select(Tariff.id).where(space_clause(Tariff.space_id))),
        about("venuephoto", sa.select(VenuePhoto.id).where(venue_clause(VenuePhoto.venue_id))),
        AuditEvent.actor_id.in_(sa.select(User.id).where(User.service_id == scope)),
    )


def changes(view, context, model, name):
    """Before and after, one line per field that changed."""
    before, after = model.before or {}, model.after or {}
    lines = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            lines.append(f"{key}: {_shown(old)} → {_shown(new)}")
    return Markup("<br>".join(escape(line) for line in lines)) if lines else ""


def _shown(value) -> str:
    return "empty" if value in (None, "") else json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


class AuditLogView(StaffModelView):
    can_create = False
    can_edit = False
    can_delete = False
    can_export = True
    column_list = ["at", "actor", "action", "summary"]
    column_details_list = ["at", "actor", "action", "object_type", "object_id", "summary", "changes"]
    column_export_list = ["at", "actor", "action", "object_type", "object_id", "summary", "before", "after"]
    column_labels = {"at": "When", "actor": "Who", "action": "What", "object_type": "Record type",
                     "object_id": "Record number", "changes": "Before → after"}
    column_formatters = {"at": lambda v, c, m, n: format_datetime(m.at),
                         "actor": lambda v, c, m, n: m.actor.name if m.actor else "Spacebank",
                         "changes": changes}
    column_formatters_export = {"at": lambda v, c, m, n: m.at.isoformat(),
                                "actor": lambda v, c, m, n: m.actor.email if m.actor else "",
                                "before": lambda v, c, m, n: json.dumps(m.before, ensure_ascii=False) if m.before else "",
                                "after": lambda v, c, m, n: json.dumps(m.after, ensure_ascii=False) if m.after else ""}
    column_searchable_list = ["summary", "action"]
    search_hint = "summary or action"
    column_filters = [FilterLike(AuditEvent.action, "What"), FilterEqual(AuditEvent.object_type, "Record type"),
                      IntEqualFilter(AuditEvent.object_id, "Record number"), *day_filters(AuditEvent.at, "When")]
    column_sortable_list = ["at", "action"]
    column_default_sort = ("at", True)

    def singular_name(self):
        return "audit event"

    def scope_clause(self):
        return sa.true() if service_scope() is None else owned_objects()
