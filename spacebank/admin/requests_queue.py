"""The queue of booking requests waiting for a decision, oldest first.

Staff see who is asking (their history with the service, their group's verification) and
approve or decline one or many at once; declining needs a reason, which the booker is sent.
"""

from collections import Counter, defaultdict

import sqlalchemy as sa
from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice
from wtforms.validators import StopValidation

from ..bookings import operations
from ..bookings.models import Booking, BookingStatus
from ..extensions import db
from ..timeutil import utcnow
from ..venues.models import Space
from .base import StaffView, actor
from .fields import CheckboxesField, LongTextField
from .forms import length
from .scope import booking_clause

DECISIONS = {"approve": "Approved", "decline": "Declined"}


def waiting_query(now) -> sa.Select:
    """Requests in scope that still hold their slot."""
    return sa.select(Booking).where(Booking.status == BookingStatus.REQUESTED, booking_clause(),
                                    sa.or_(Booking.expires_at.is_(None), Booking.expires_at > now))


def waiting_requests(now) -> list[Booking]:
    """The waiting requests, the longest-waiting first, with what the queue shows of each loaded alongside."""
    return list(db.session.scalars(waiting_query(now).order_by(Booking.created_at, Booking.id).options(
        joinedload(Booking.space).joinedload(Space.venue), joinedload(Booking.booker), joinedload(Booking.group))))


def booker_history(booker_ids: list[int], exclude: set[int]) -> dict[int, Counter]:
    """How each booker's other bookings at this service's venues ended, by status."""
    history: dict[int, Counter] = defaultdict(Counter)
    if not booker_ids:
        return history
    rows = db.session.execute(
        sa.select(Booking.booker_id, Booking.status, sa.func.count()).where(
            Booking.booker_id.in_(sorted(set(booker_ids))), Booking.id.not_in(sorted(exclude) or [-1]),
            booking_clause()).group_by(Booking.booker_id, Booking.status))
    for booker_id, status, count in rows:
        history[booker_id][BookingStatus(status)] = count
    return history


def history_text(counts: Counter) -> str:
    if not counts:
        return "No other bookings with us"
    order = [BookingStatus.CONFIRMED, BookingStatus.REQUESTED, BookingStatus.CANCELLED, BookingStatus.DECLINED,
             BookingStatus.EXPIRED]
    return ", ".join(f"{counts[status]} {status.label.lower()}" for status in order if counts[status])


class SelectedRequests(CheckboxesField):
    def pre_validate(self, form):
        if self.process_errors:
            return
        if not self.data:
            raise StopValidation("Select the requests to approve or decline")
        try:
            super().pre_validate(form)
        except StopValidation:
            raise StopValidation("Someone has already decided one of the selected requests. "
                                 "Check the list and try again") from None


class DecisionForm(FlaskForm):
    bookings = SelectedRequests("Requests", coerce=int, message="Select the requests to approve or decline")
    reason = LongTextField("Reason for declining", validators=[length("Reason", 1000)],
                           description="Needed to decline. Each booker you decline gets this in an email.")

    def validate_decision(self) -> str | None:
        decision = request.form.get("decision")
        if decision not in DECISIONS:
            self.bookings.errors.append("Choose whether to approve or decline the selected requests")
            return None
        if decision == "decline" and not self.reason.data:
            self.reason.errors.append("Enter the reason for declining")
            return None
        return decision


class RequestsView(StaffView):
    @expose("/", methods=("GET", "POST"))
    def index(self):
        now = utcnow()
        queue = waiting_requests(now)
        form = DecisionForm()
        form.bookings.choices = [SelectChoice(str(b.id), b.reference) for b in queue]
        if request.method == "GET":
            form.bookings.data = []
        if form.validate_on_submit() and (decision := form.validate_decision()):
            chosen = [b for b in queue if b.id in set(form.bookings.data)]
            self._decide(chosen, decision, form.reason.data, now)
            if request.form.get("back_to") == "booking" and len(chosen) == 1:
                return redirect(url_for("booking.details_view", id=chosen[0].id))
            return redirect(url_for(".index"))
        history = booker_history([b.booker_id for b in queue], {b.id for b in queue})
        return self.render("spacebank_admin/requests.html", form=form, queue=queue, now=now,
                           history={booker_id: history_text(history.get(booker_id, Counter()))
                                    for booker_id in {b.booker_id for b in queue}},
                           page_title="Requests waiting for a decision")

    @staticmethod
    def _decide(bookings: list[Booking], decision: str, reason: str, now) -> None:
        done, refused = [], []
        for booking in bookings:
            try:
                if decision == "approve":
                    operations.approve_request(booking, actor(), now)
                else:
                    operations.decline_request(booking, actor(), reason, now)
                done.append(booking.reference)
            except operations.NotAllowed as refusal:
                refused.append(f"{booking.reference}: {refusal.message}")
        db.session.commit()
        if done:
            flash(f"{DECISIONS[decision]} {', '.join(done)}. "
                  f"{'The booker has' if len(done) == 1 else 'The bookers have'} been emailed.", "success")
        if refused:
            flash("Not changed: " + "; ".join(refused), "error")
