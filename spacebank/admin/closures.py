"""Closures: a venue or space closed for a period, bank holidays in bulk, and the bookings they hit.

Times are typed as London dates and wall-clock times and stored in UTC. When a closure
covers active bookings, the officer sees them and can cancel them with one message,
which the booking operations email to each booker.
"""

from datetime import date, time, timedelta
from functools import cache

import sqlalchemy as sa
from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_wtf import FlaskForm
from govuk_bank_holidays.bank_holidays import BankHolidays
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice
from wtforms.validators import ValidationError

from .. import audit
from ..bookings import operations
from ..bookings.models import ACTIVE_STATUSES, Booking
from ..extensions import db
from ..formatting import format_date, format_datetime
from ..timeutil import local_datetime, to_local, today_local, utcnow
from ..venues.models import Closure, Space, Venue
from .base import StaffModelView, actor
from .filters import day_filters
from .fields import CheckboxesField, ChoiceRadioField, ChoiceSelectField, GovDateField, LongTextField, TextField, TimeOfDayField
from .forms import ModelForm, id_choices, length, optional_int, required
from .scope import booking_clause, closure_clause, owned_spaces, owned_venues, owns_space, owns_venue, parse_id, venue_clause
from .venues import prefill_choice

MESSAGE_MAX = 1000
CLOSURE_AUDIT_FIELDS = ["venue_id", "space_id", "starts_at", "ends_at", "reason"]


# ---------------------------------------------------------------- which bookings a closure hits

def closed_space_ids(closures: list[Closure]) -> list[list[int]]:
    """For each closure, the spaces it stops: every space of a closed venue; for a closed space, every
    space sharing one of its smallest parts (the whole hall, and each half of it). One load for all."""
    closed_spaces = sorted({c.space_id for c in closures if c.space_id is not None})
    spaces = db.session.scalars(sa.select(Space).where(sa.or_(
        Space.venue_id.in_(sorted({c.venue_id for c in closures if c.venue_id is not None})),
        Space.venue_id.in_(sa.select(Space.venue_id).where(Space.id.in_(closed_spaces)))))
        .options(selectinload(Space.parts))).all()
    units = {space.id: set(space.unit_ids()) for space in spaces}
    return [[space.id for space in spaces if space.venue_id == closure.venue_id] if closure.venue_id is not None
            else [space.id for space in spaces if units[space.id] & units[closure.space_id]]
            for closure in closures]


def affected_bookings(closures: list[Closure], now) -> list[Booking]:
    """Active bookings, not yet over, that any of the closures overlaps (in this staff member's scope)."""
    if not closures:
        return []
    overlaps = [sa.and_(Booking.space_id.in_(space_ids), Booking.starts_at < c.ends_at, Booking.ends_at > c.starts_at)
                for c, space_ids in zip(closures, closed_space_ids(closures))]
    return list(db.session.scalars(
        sa.select(Booking).where(Booking.status.in_(ACTIVE_STATUSES), Booking.ends_at > now, booking_clause(),
                                 sa.or_(*overlaps)).order_by(Booking.starts_at, Booking.id)))


def booking_label(booking: Booking) -> str:
    return (f"{booking.reference}: {booking.space}, {format_datetime(booking.starts_at)} – "
            f"{booking.booker.name} ({booking.status.label.lower()})")


# ---------------------------------------------------------------- bank holidays

@cache
def _bank_holidays() -> tuple[dict, ...]:
    # The package's bundled copy of GOV.UK's list: never the network.
    return tuple(BankHolidays(use_cached_holidays=True).get_holidays(division=BankHolidays.ENGLAND_AND_WALES))


def bank_holidays(year: int) -> list[tuple[date, str]]:
    return [(h["date"], h["title"]) for h in _bank_holidays() if h["date"].year == year]


def bank_holiday_years(today: date) -> list[int]:
    return sorted({h["date"].year for h in _bank_holidays() if h["date"].year >= today.year})


def day_period(day: date):
    return local_datetime(day, time(0)), local_datetime(day + timedelta(days=1), time(0))


# ---------------------------------------------------------------- forms

class ClosureForm(ModelForm):
    derived_fields = frozenset({"venue_id", "space_id", "start_date", "start_time", "end_date", "end_time"})

    venue_id = ChoiceSelectField("Venue", coerce=int, message="Select the venue")
    space_id = ChoiceSelectField("What is closed", coerce=optional_int, allow_blank=True,
                                 message="Select the space that is closed, or the whole venue")
    start_date = GovDateField("First day closed", thing="the first day closed")
    start_time = TimeOfDayField("Closed from (optional)", thing="the time it closes", required=False,
                                description="Leave empty to close from the start of the day. "
                                            "Use the 24-hour clock, for example 13:00")
    end_date = GovDateField("Last day closed", thing="the last day closed")
    end_time = TimeOfDayField("Open again at (optional)", thing="the time it opens again", required=False,
                              description="Leave empty to stay closed until the end of the last day")
    reason = TextField("Reason", validators=[required("Enter the reason for the closure"), length("Reason", 200)],
                       description="Residents see this, for example: Closed for redecoration")


class CancelAffectedForm(FlaskForm):
    bookings = CheckboxesField("Bookings to cancel", coerce=int, message="Select the bookings to cancel")
    message = LongTextField("Message to the bookers", validators=[
        required("Enter a message to the bookers"), length("Message", MESSAGE_MAX)],
        description="Each booker gets this in an email saying their booking is cancelled. "
                    "Say why, and who to contact.")


class BankHolidayForm(FlaskForm):
    year = ChoiceRadioField("Year", coerce=int, message="Select the year")
    reason = TextField("Reason", default="Closed for the bank holiday",
                       validators=[required("Enter the reason for the closures"), length("Reason", 150)],
                       description="The name of each bank holiday is added, for example: "
                                   "Closed for the bank holiday (Christmas Day)")


# ---------------------------------------------------------------- view

def describe_closure(closure: Closure) -> str:
    place = f"{closure.space.name}, {closure.space.venue.name}" if closure.space else closure.venue.name
    return f"{place} closed {format_datetime(closure.starts_at)} to {format_datetime(closure.ends_at)}"


def closed_place(view, context, model, name):
    return f"{model.space.name}, {model.space.venue.name}" if model.space else model.venue.name


class ClosureView(StaffModelView):
    form = ClosureForm
    audit_fields = CLOSURE_AUDIT_FIELDS
    audit_name = "closure"
    can_delete = True
    can_export = True
    column_list = ["venue", "starts_at", "ends_at", "reason"]
    column_details_list = ["venue", "starts_at", "ends_at", "reason", "created_at"]
    column_export_list = ["id", "venue", "starts_at", "ends_at", "reason"]
    column_labels = {"venue": "Venue or space", "starts_at": "From", "ends_at": "Until", "created_at": "Added"}
    column_formatters = {"venue": closed_place, "starts_at": lambda v, c, m, n: format_datetime(m.starts_at),
                         "ends_at": lambda v, c, m, n: format_datetime(m.ends_at),
                         "created_at": lambda v, c, m, n: format_datetime(m.created_at)}
    column_formatters_export = {"venue": closed_place, "starts_at": lambda v, c, m, n: m.starts_at.isoformat(),
                                "ends_at": lambda v, c, m, n: m.ends_at.isoformat()}
    column_sortable_list = ["starts_at", "ends_at", "reason"]
    column_searchable_list = ["reason"]
    search_hint = "reason"
    column_filters = day_filters(Closure.ends_at, "Until")
    column_default_sort = ("starts_at", True)
    details_template = "spacebank_admin/closure_details.html"

    def describe(self, model):
        return describe_closure(model)

    def scope_clause(self):
        return closure_clause()

    def prepare_form(self, form, model):
        form.venue_id.choices = id_choices(owned_venues())
        form.space_id.choices = [SelectChoice("", "The whole venue")] + [
            SelectChoice(str(s.id), f"{s.name}, {s.venue.name}") for s in owned_spaces()]
        if request.method != "GET":
            return
        if model is None:
            prefill_choice(form.venue_id, "venue_id")
            prefill_choice(form.space_id, "space_id")
            return
        form.venue_id.data = model.venue_id if model.venue_id is not None else model.space.venue_id
        form.space_id.data = model.space_id
        start, end = to_local(model.starts_at), to_local(model.ends_at)
        form.start_date.data = start.date()
        form.start_time.data = start.time() if start.time() != time(0) else None
        if end.time() == time(0):
            form.end_date.data, form.end_time.data = end.date() - timedelta(days=1), None
        else:
            form.end_date.data, form.end_time.data = end.date(), end.time()

    def validate_rules(self, form, model):
        if form.space_id.data is not None:
            space = db.session.get(Space, form.space_id.data)
            if space.venue_id != form.venue_id.data:
                form.space_id.errors.append("Select a space in the chosen venue, or the whole venue")
                return
        starts_at = local_datetime(form.start_date.data, form.start_time.data or time(0))
        if form.end_time.data is None:
            ends_at = local_datetime(form.end_date.data + timedelta(days=1), time(0))
        else:
            ends_at = local_datetime(form.end_date.data, form.end_time.data)
        if ends_at <= starts_at:
            target = form.end_time if form.end_date.data == form.start_date.data else form.end_date
            target.errors.append("The closure must end after it starts")
            return
        form._period = (starts_at, ends_at)

    def check_in_scope(self, model):
        if not (owns_venue(model.venue_id) if model.venue_id is not None else owns_space(model.space_id)):
            raise ValidationError("You can only close venues and spaces that your service runs.")

    def before_save(self, form, model, is_created):
        if form.space_id.data is not None:
            model.space_id, model.venue_id = form.space_id.data, None
        else:
            model.venue_id, model.space_id = form.venue_id.data, None
        model.starts_at, model.ends_at = form._period
        db.session.flush()
        db.session.expire(model, ["venue", "space"])

    def get_save_return_url(self, model, is_created=False):
        if affected_bookings([model], utcnow()):
            return url_for(".affected", closure=model.id)
        return super().get_save_return_url(model, is_created)

    def extra_details(self, closure):
        return {"affected": affected_bookings([closure], utcnow())}

    # ------------------------------------------------------------ affected bookings

    @expose("/affected/", methods=("GET", "POST"))
    def affected(self):
        ids = [pk for pk in (parse_id(v) for v in request.args.getlist("closure")[:500]) if pk is not None]
        closures = self.get_query().filter(Closure.id.in_(ids)).all() if ids else []
        now = utcnow()
        bookings = affected_bookings(closures, now)
        form = CancelAffectedForm()
        form.bookings.choices = [SelectChoice(str(b.id), booking_label(b)) for b in bookings]
        if request.method == "GET":
            form.bookings.data = [b.id for b in bookings]
        if form.validate_on_submit():
            if not form.bookings.data:
                form.bookings.errors.append("Select the bookings to cancel")
            else:
                chosen = [b for b in bookings if b.id in set(form.bookings.data)]
                for booking in chosen:
                    operations.cancel_booking(booking, actor(), form.message.data, now, by_staff=True)
                db.session.commit()
                flash(f"Cancelled {len(chosen)} booking{'s' if len(chosen) != 1 else ''}. "
                      "Each booker has been emailed your message.", "success")
                return redirect(url_for(".index_view"))
        return self.render("spacebank_admin/closure_affected.html", form=form, closures=closures,
                           bookings=bookings, page_title="Bookings affected by the closure")

    # ------------------------------------------------------------ bank holidays

    @expose("/bank-holidays/", methods=("GET", "POST"))
    def bank_holidays(self):
        ids = [pk for pk in (parse_id(v) for v in request.values.getlist("venue")[:500]) if pk is not None]
        venues = (db.session.scalars(sa.select(Venue).where(Venue.id.in_(ids), venue_clause(Venue.id))
                                     .order_by(Venue.name)).all() if ids else [])
        years = bank_holiday_years(today_local())
        form = BankHolidayForm()
        form.year.choices = [SelectChoice(str(y), str(y)) for y in years]
        holidays_by_year = {year: bank_holidays(year) for year in years}
        if venues and form.validate_on_submit():
            closures = self._close_for_bank_holidays(venues, holidays_by_year[form.year.data], form.reason.data)
            db.session.commit()
            flash(f"Closed {len(venues)} venue{'s' if len(venues) != 1 else ''} for the "
                  f"{len(holidays_by_year[form.year.data])} bank holidays of {form.year.data}.", "success")
            if affected_bookings(closures, utcnow()):
                return redirect(url_for(".affected", closure=[c.id for c in closures]))
            return redirect(url_for(".index_view"))
        return self.render("spacebank_admin/bank_holidays.html", form=form, venues=venues,
                           holidays_by_year=holidays_by_year, page_title="Close venues for the bank holidays")

    @staticmethod
    def _close_for_bank_holidays(venues: list[Venue], holidays: list[tuple[date, str]], reason: str) -> list[Closure]:
        """One whole-day closure per venue and holiday; ones already there are reused, not doubled."""
        closures = []
        for venue in venues:
            for day, title in holidays:
                starts_at, ends_at = day_period(day)
                closure = db.session.scalar(sa.select(Closure).where(
                    Closure.venue_id == venue.id, Closure.starts_at == starts_at, Closure.ends_at == ends_at))
                if closure is None:
                    closure = Closure(venue=venue, starts_at=starts_at, ends_at=ends_at, reason=f"{reason} ({title})"[:200])
                    db.session.add(closure)
                    db.session.flush()
                    audit.record("closure.created", closure, actor=actor(),
                                 summary=f"{venue.name} closed for {title}, {format_date(day)}",
                                 after=audit.snapshot(closure, CLOSURE_AUDIT_FIELDS))
                closures.append(closure)
        return closures
