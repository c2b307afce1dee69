"""Community groups: verify or reject them, and see their bookings and free hours this month.

Groups book across services, so every staff member sees every group; the bookings and
free hours shown are those at the staff member's own venues.
"""

import sqlalchemy as sa
from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_wtf import FlaskForm

from ..accounts import groups as group_rules
from ..accounts.models import Group, Verification
from ..bookings import queries
from ..bookings.models import Booking
from ..extensions import db
from ..formatting import format_datetime, format_minutes
from ..timeutil import today_local, utcnow
from ..venues.models import Service
from .base import StaffModelView, actor
from .fields import LongTextField
from .filters import EnumFilter
from .forms import length
from .scope import booking_clause, service_scope


class GroupDecisionForm(FlaskForm):
    reason = LongTextField("Reason for not approving", validators=[length("Reason", 1000)],
                           description="Needed to reject. The group’s administrators get this in an email.")


def free_hours_this_month(group: Group) -> list[tuple[Service, int]]:
    """(service, free minutes held this London month) for each service in the staff member's scope."""
    month = today_local().replace(day=1)
    scope = service_scope()
    services = db.session.scalars(sa.select(Service).where(sa.true() if scope is None else Service.id == scope)
                                  .order_by(Service.name)).all()
    return [(service, queries.free_minutes_by_month(group.id, service.id, {month})[month]) for service in services]


class GroupView(StaffModelView):
    audit_name = "group"
    can_create = False  # groups are created by their members
    can_edit = False  # and edited by them; staff verify or reject
    can_delete = False
    can_export = True
    column_list = ["name", "kind", "verification", "verification_requested_at"]
    column_export_list = ["id", "name", "kind", "registration_number", "contact_email", "verification",
                          "verification_requested_at", "verified_at"]
    column_labels = {"kind": "Type", "verification": "Status", "verification_requested_at": "Asked to be verified"}
    column_formatters = {"kind": lambda v, c, m, n: m.kind.label, "verification": lambda v, c, m, n: m.verification.label,
                         "verification_requested_at": lambda v, c, m, n: format_datetime(m.verification_requested_at)
                         if m.verification_requested_at else ""}
    column_formatters_export = {"kind": lambda v, c, m, n: m.kind.value,
                                "verification": lambda v, c, m, n: m.verification.value}
    column_searchable_list = ["name", "contact_email"]
    search_hint = "name or contact email"
    column_filters = [EnumFilter(Group.verification, "Status", Verification)]
    column_sortable_list = ["name", "verification_requested_at"]
    column_default_sort = [("verification_requested_at", False), ("name", False)]
    details_template = "spacebank_admin/group_details.html"

    def extra_details(self, group):
        bookings = db.session.scalars(sa.select(Booking).where(Booking.group_id == group.id, booking_clause())
                                      .order_by(Booking.starts_at.desc()).limit(50)).all()
        return {"group": group, "bookings": bookings, "decision_form": GroupDecisionForm(),
                "free_hours": [(service, format_minutes(minutes)) for service, minutes in free_hours_this_month(group)],
                "month": today_local().replace(day=1)}

    @expose("/<int:group_id>/decide/", methods=("POST",))
    def decide(self, group_id):
        group = self.get_one(group_id)
        form = GroupDecisionForm()
        decision = request.form.get("decision")
        if form.validate_on_submit():
            try:
                if decision == "verify":
                    group_rules.verify_group(group, actor(), utcnow())
                elif decision == "reject":
                    group_rules.reject_group(group, actor(), form.reason.data, utcnow())
                else:
                    raise group_rules.GroupRuleError("Choose whether to verify or reject the group")
            except group_rules.GroupRuleError as refusal:
                db.session.rollback()
                form.reason.errors.append(str(refusal))
            else:
                db.session.commit()
                flash(f"{group.name} is {'verified' if decision == 'verify' else 'not approved'}. "
                      "The group’s administrators have been emailed.", "success")
                return redirect(url_for(".details_view", id=group.id))
        return self.render(self.details_template, model=group, details_columns=self._details_columns,
                           get_value=self.get_detail_value, return_url=url_for(".index_view"),
                           decision_form=form, page_title="Group details")
