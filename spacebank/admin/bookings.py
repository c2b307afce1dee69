"""Staff views of bookings: the scoped list, a booking's page, cancelling and moving.

Every change goes through spacebank.bookings.operations, which applies the same rules as
the public pages, writes the audit event and queues the booker's email. Staff are only
excused the notice and horizon rules (`by_staff=True`); the database guard still decides.
"""

from datetime import datetime

import sqlalchemy as sa
from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_wtf import FlaskForm

from ..audit import AuditEvent
from ..bookings import operations
from ..bookings.locks import SlotTaken
from ..bookings.models import Booking, BookingStatus
from ..extensions import db
from ..formatting import format_datetime, format_pence
from ..timeutil import local_datetime, to_local, utcnow
from .base import StaffModelView, actor
from .filters import EnumFilter, day_filters
from .fields import ChoiceSelectField, GovDateField, LongTextField, TimeOfDayField
from .forms import id_choices, length, required
from .requests_queue import DecisionForm
from .scope import booking_clause, owned_space_or_404, owned_spaces

REASON_MAX = 1000


class BookingView(StaffModelView):
    audit_name = "booking"
    can_create = False  # staff book through "Book for a caller", which applies every rule
    can_edit = False  # changes are moves, cancellations and decisions, each with its own page
    can_delete = False
    can_export = True
    column_list = ["reference", "space", "starts_at", "status", "booker", "price_pence"]
    column_export_list = ["reference", "status", "space", "venue", "starts_at", "ends_at", "booker_name", "booker_email",
                          "group", "hirer_category", "purpose", "attendees", "price_pence", "deposit_pence",
                          "created_at", "decided_at", "cancelled_at"]
    column_labels = {"starts_at": "When", "price_pence": "Price", "booker_name": "Booker",
                     "booker_email": "Booker email", "hirer_category": "Rate", "created_at": "Booked at",
                     "decided_at": "Decided at", "cancelled_at": "Cancelled at", "ends_at": "Ends"}
    column_formatters = {"starts_at": lambda v, c, m, n: format_datetime(m.starts_at),
                         "status": lambda v, c, m, n: m.status.label,
                         "booker": lambda v, c, m, n: m.booker.name,
                         "price_pence": lambda v, c, m, n: format_pence(m.price_pence)}
    column_formatters_export = {
        "venue": lambda v, c, m, n: m.space.venue.name,
        "status": lambda v, c, m, n: m.status.value,
        "hirer_category": lambda v, c, m, n: m.hirer_category.value,
        "booker_name": lambda v, c, m, n: m.booker.name,
        "booker_email": lambda v, c, m, n: m.booker.email,
        "group": lambda v, c, m, n: m.group.name if m.group else "",
        **{name: (lambda field: lambda v, c, m, n: getattr(m, field).isoformat() if getattr(m, field) else "")(name)
           for name in ("starts_at", "ends_at", "created_at", "decided_at", "cancelled_at")},
    }
    column_sortable_list = ["reference", "starts_at", "price_pence", "status"]
    column_searchable_list = ["reference", "purpose", "booker.email", "booker.name"]
    search_hint = "reference, purpose, or the booker’s name or email"
    column_filters = [EnumFilter(Booking.status, "Status", BookingStatus), *day_filters(Booking.starts_at, "Date")]
    column_default_sort = ("starts_at", True)
    details_template = "spacebank_admin/booking_details.html"

    def scope_clause(self):
        return booking_clause()

    def extra_details(self, booking):
        history = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.object_type == "booking", AuditEvent.object_id == booking.id).order_by(AuditEvent.at)).all()
        return {"booking": booking, "history": history, "now": utcnow(),
                "decision_form": DecisionForm(), "can_decide": booking.status == BookingStatus.REQUESTED}

    # ------------------------------------------------------------ cancel

    @expose("/<int:booking_id>/cancel/", methods=("GET", "POST"))
    def cancel(self, booking_id):
        booking = self.get_one(booking_id)
        form = CancelForm()
        if booking.is_active and form.validate_on_submit():
            try:
                operations.cancel_booking(booking, actor(), form.reason.data, utcnow(), by_staff=True)
            except operations.NotAllowed as refusal:
                form.reason.errors.append(refusal.message)
            else:
                db.session.commit()
                flash(f"Booking {booking.reference} is cancelled. {booking.booker.name} has been emailed.", "success")
                return redirect(url_for(".details_view", id=booking.id))
        return self.render("spacebank_admin/booking_cancel.html", form=form, booking=booking,
                           page_title=f"Cancel booking {booking.reference}")

    # ------------------------------------------------------------ move

    @expose("/<int:booking_id>/move/", methods=("GET", "POST"))
    def move(self, booking_id):
        booking = self.get_one(booking_id)
        form = MoveForm()
        form.space_id.choices = id_choices(owned_spaces())
        if request.method == "GET":
            start, end = to_local(booking.starts_at), to_local(booking.ends_at)
            form.space_id.data, form.day.data = booking.space_id, start.date()
            form.start.data, form.end.data = start.time(), end.time()
        if booking.is_active and form.validate_on_submit():
            starts_at, ends_at = form.period()
            if ends_at <= starts_at:
                form.end.errors.append("The end time must be after the start time")
            else:
                space = owned_space_or_404(form.space_id.data)
                try:
                    operations.move_booking(booking, actor(), space, starts_at, ends_at, utcnow(), by_staff=True)
                except operations.BookingRefused as refusal:
                    for problem in refusal.problems:
                        form.field_for(problem.field).errors.append(problem.message)
                except (operations.NotAllowed, SlotTaken) as refusal:
                    form.start.errors.append(refusal.message)
                else:
                    flash(f"Booking {booking.reference} is moved. {booking.booker.name} has been emailed the new details.",
                          "success")
                    return redirect(url_for(".details_view", id=booking.id))
        return self.render("spacebank_admin/booking_move.html", form=form, booking=booking,
                           page_title=f"Move booking {booking.reference}")


class CancelForm(FlaskForm):
    reason = LongTextField("Reason for cancelling", validators=[
        required("Enter the reason for cancelling the booking"), length("Reason", REASON_MAX)],
        description="The booker gets this in the email saying their booking is cancelled.")


class SlotForm(FlaskForm):
    """A space and a London date with start and end times."""

    space_id = ChoiceSelectField("Space", coerce=int, message="Select the space")
    day = GovDateField("Date", thing="the date")
    start = TimeOfDayField("Start time", thing="the start time")
    end = TimeOfDayField("End time", thing="the end time")

    def period(self) -> tuple[datetime, datetime]:
        return local_datetime(self.day.data, self.start.data), local_datetime(self.day.data, self.end.data)

    def field_for(self, name: str):
        """The field a rule's problem belongs to (see bookings.rules.Problem.field)."""
        return {"date": self.day, "start": self.start, "end": self.end}.get(name, self.space_id)


class MoveForm(SlotForm):
    space_id = ChoiceSelectField("Space", coerce=int, message="Select the space",
                                 description="Moving to another space re-prices the booking at that space's rate.")
