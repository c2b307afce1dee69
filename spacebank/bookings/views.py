"""Booking pages: the booking flow (question pages), my bookings, and calendar files.

The flow keeps its answers in the session, under one key per space, so two tabs booking
two spaces do not mix. Every step checks its own answers on the server and refuses to be
reached before the steps it depends on; the check-your-answers page and the final write
check everything again, because time passes and other people book.
"""

import re
import secrets
from datetime import date, datetime, time
from functools import wraps

from flask import Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ..accounts.models import Group
from ..extensions import db, limiter
from ..formatting import format_date, format_pence
from ..timeutil import to_local, utcnow
from ..venues.models import HirerCategory, Space
from . import bp, calendar, operations, queries, rules
from .forms import (
    CalendarFeedForm,
    CancelForm,
    CheckForm,
    NeedsForm,
    OccurrencesForm,
    PurposeForm,
    RepeatForm,
    WhenForm,
    WhoForm,
)
from .locks import ServiceBusy, SlotTaken
from .models import Frequency

STEPS = ["when", "repeat", "who", "purpose", "needs", "dates", "check"]
ENDPOINTS = {"when": "bookings.new_booking", "repeat": "bookings.repeat", "who": "bookings.who",
             "purpose": "bookings.purpose", "needs": "bookings.needs", "dates": "bookings.dates",
             "check": "bookings.check"}
TAKEN_MESSAGE = SlotTaken.message
ID = "int(max=2147483647)"  # a bigger number is no id, and would overflow the database's integer


# ---------------------------------------------------------------- answers kept in the session

class Answers:
    """The answers given so far for booking one space (plain JSON values in the session)."""

    def __init__(self, space: Space):
        self.space = space
        self.key = f"booking-{space.id}"
        self.data: dict = dict(session.get(self.key) or {})

    def save(self) -> None:
        session[self.key] = self.data

    def clear(self) -> None:
        session.pop(self.key, None)

    def update(self, invalidates_dates: bool = False, **values) -> None:
        if invalidates_dates and any(self.data.get(k) != v for k, v in values.items()):
            self.data.pop("chosen", None)
        self.data.update(values)
        self.save()

    @property
    def repeats(self) -> bool:
        return self.data.get("repeat") in ("weekly", "fortnightly")

    def complete(self, step: str) -> bool:
        needed = {"when": ["date", "start", "end"], "repeat": ["repeat"], "who": ["who"],
                  "purpose": ["purpose", "attendees"], "needs": ["needs"], "dates": ["chosen"]}
        if step == "dates" and not self.repeats:
            return True
        return step != "check" and all(k in self.data for k in needed[step])

    def steps(self) -> list[str]:
        return [s for s in STEPS if s != "dates" or self.repeats]

    def first_incomplete(self, before: str | None = None) -> str | None:
        for step in self.steps():
            if step == before:
                return None
            if not self.complete(step):
                return step
        return None

    # Derived values, re-read from the plain answers each time.
    @property
    def day(self) -> date:
        return date.fromisoformat(self.data["date"])

    def times(self, day: date) -> tuple[datetime, datetime]:
        return rules.slot_instants(day, time.fromisoformat(self.data["start"]), time.fromisoformat(self.data["end"]))

    @property
    def frequency(self) -> Frequency | None:
        return Frequency(self.data["repeat"]) if self.repeats else None

    def pattern(self) -> list[tuple[datetime, datetime]]:
        """Every occurrence the repeat pattern makes (just one when it does not repeat)."""
        if not self.repeats:
            return [self.times(self.day)]
        days = rules.occurrence_days(self.day, self.frequency.days, int(self.data["occurrences"]))
        return [self.times(day) for day in days]

    def chosen_slots(self) -> list[tuple[datetime, datetime]]:
        if not self.repeats:
            return self.pattern()
        chosen = set(self.data.get("chosen") or [])
        return [slot for slot in self.pattern() if local_day(slot[0]) in chosen]

    def hirer(self) -> tuple[HirerCategory, Group | None]:
        """The category and (for a group) the user's verified group, checked again now."""
        who = self.data.get("who", "")
        if who.startswith("group:") and who[6:].isdigit():
            return HirerCategory.COMMUNITY, queries.verified_group_of(current_user, int(who[6:]))
        return (HirerCategory.COMMERCIAL if who == "commercial" else HirerCategory.RESIDENT), None

    def details(self) -> operations.BookingDetails:
        category, group = self.hirer()
        return operations.BookingDetails(category=category, group=group, purpose=self.data["purpose"],
                                         attendees=int(self.data["attendees"]), needs=self.data.get("needs", ""))

    def assess(self, slots, now) -> list[queries.Assessment]:
        category, group = self.hirer()
        return queries.assess(self.space, slots, attendees=int(self.data["attendees"]), category=category,
                              group=group, now=now, booker=current_user)


def local_day(moment: datetime) -> str:
    return to_local(moment).date().isoformat()


def step_url(space: Space, step: str, change: bool = False) -> str:
    return url_for(ENDPOINTS[step], space_id=space.id, change="yes" if change else None)


def changing() -> bool:
    return request.args.get("change") == "yes"


def next_url(answers: Answers, step: str) -> str:
    """After answering: back to check your answers when changing one answer (unless a new
    answer needs another question first), otherwise the next question."""
    if changing():
        missing = answers.first_incomplete() or "check"
        return step_url(answers.space, missing, change=missing != "check")
    steps = answers.steps()
    return step_url(answers.space, steps[steps.index(step) + 1])


def back_url(answers: Answers, step: str) -> str:
    if changing():
        return step_url(answers.space, "check")
    steps = answers.steps()
    index = steps.index(step)
    if index == 0:
        return url_for("venues.venue_detail", slug=answers.space.venue.slug)
    return step_url(answers.space, steps[index - 1])


def booker_required(view):
    """Signed in, with a confirmed email address."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.email_confirmed_at is None:
            return render_template("bookings/confirm_email_first.html"), 403
        return view(*args, **kwargs)

    return wrapped


def flow_step(step: str):
    """A question page: load the space, and send people back to any earlier unanswered step."""

    def decorator(view):
        @wraps(view)
        @booker_required
        def wrapped(space_id: int):
            space = queries.bookable_space(space_id)
            if space is None:
                abort(404)
            answers = Answers(space)
            missing = answers.first_incomplete(before=step)
            if missing:
                return redirect(step_url(space, missing))
            if step not in answers.steps():
                return redirect(next_url(answers, "needs"))
            return view(space, answers)

        return wrapped

    return decorator


def question(template: str, answers: Answers, step: str, form, **context):
    return render_template(f"bookings/{template}", form=form, space=answers.space, answers=answers,
                           back_url=back_url(answers, step), **context)


def expire_requests(now: datetime) -> None:
    """Expired requests never block a slot, even before the scheduled command runs."""
    if operations.expire_overdue_requests(now):
        db.session.commit()


def add_problems(form, problems: list[rules.Problem], default_field: str) -> None:
    for problem in problems:
        field = getattr(form, problem.field, None) or getattr(form, default_field)
        field.errors = [*field.errors, problem.message]


# ---------------------------------------------------------------- the booking flow

QUERY_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
QUERY_TIME = re.compile(r"^\d{1,2}:\d{2}$")


@bp.route(f"/book/<{ID}:space_id>", methods=["GET", "POST"])
@flow_step("when")
def new_booking(space: Space, answers: Answers):
    """When: date, start and end. Search results link here with date, start and end filled in."""
    form = WhenForm()
    if form.validate_on_submit():
        starts_at, ends_at = rules.slot_instants(form.date.data, form.start.time_value, form.end.time_value)
        now = utcnow()
        expire_requests(now)
        [problems] = queries.slot_problems(space, [(starts_at, ends_at)], now)
        if not problems:
            answers.update(invalidates_dates=True, date=form.date.data.isoformat(),
                           start=form.start.time_value.strftime("%H:%M"), end=form.end.time_value.strftime("%H:%M"))
            return redirect(next_url(answers, "when"))
        add_problems(form, problems, "start")
    elif request.method == "GET":
        _prefill_when(form, answers)
        notice = answers.data.pop("notice", None)
        if notice:  # why the last attempt to confirm failed (someone booked the time first)
            answers.save()
            form.start.errors = [notice]
    return question("when.html", answers, "when", form)


def _prefill_when(form: WhenForm, answers: Answers) -> None:
    """From the link's query arguments when given (kept as typed, so a bad date is
    explained when the form is sent), otherwise from earlier answers."""
    day = request.args.get("date", answers.data.get("date", ""))[:10]
    match = QUERY_DATE.match(day)
    if match:
        form.date.raw_data = [match[3], match[2], match[1]]
    for name in ("start", "end"):
        value = request.args.get(name, answers.data.get(name, ""))[:5]
        if QUERY_TIME.match(value):
            getattr(form, name).data = value


@bp.route(f"/book/<{ID}:space_id>/repeat", methods=["GET", "POST"])
@flow_step("repeat")
def repeat(space: Space, answers: Answers):
    form = RepeatForm(data={"repeat": answers.data.get("repeat"), "occurrences": answers.data.get("occurrences")})
    if form.validate_on_submit():
        answers.update(invalidates_dates=True, repeat=form.repeat.data,
                       occurrences=form.occurrences.data if form.repeats else None)
        return redirect(next_url(answers, "repeat"))
    return question("repeat.html", answers, "repeat", form)


@bp.route(f"/book/<{ID}:space_id>/who", methods=["GET", "POST"])
@flow_step("who")
def who(space: Space, answers: Answers):
    options = _who_options(space)
    form = WhoForm(data={"who": answers.data.get("who")})
    form.who.choices = [SelectChoice(value, label) for value, label, _ in options]
    if form.validate_on_submit():
        answers.update(who=form.who.data)
        return redirect(next_url(answers, "who"))
    hints = [{"hint": {"text": hint}} for _, _, hint in options]
    return question("who.html", answers, "who", form, hints=hints, has_groups=bool(current_user.verified_groups))


def _who_options(space: Space) -> list[tuple[str, str, str]]:
    """(value, label, hint) for each kind of hirer this space takes and this user can be."""
    options = []

    def rate_hint(category, free=False):
        tariff = space.tariff_for(category)
        if free and tariff.free_for_verified_groups:
            return "Free for verified community groups, within the council's fair-use limit"
        return f"{format_pence(tariff.pence_per_hour)} an hour"

    if space.tariff_for(HirerCategory.RESIDENT):
        options.append(("resident", "Myself, as a resident", rate_hint(HirerCategory.RESIDENT)))
    if space.tariff_for(HirerCategory.COMMUNITY):
        for group in current_user.verified_groups:
            options.append((f"group:{group.id}", group.name, rate_hint(HirerCategory.COMMUNITY, free=True)))
    if space.tariff_for(HirerCategory.COMMERCIAL):
        options.append(("commercial", "A business, or a private hire", rate_hint(HirerCategory.COMMERCIAL)))
    return options


@bp.route(f"/book/<{ID}:space_id>/purpose", methods=["GET", "POST"])
@flow_step("purpose")
def purpose(space: Space, answers: Answers):
    form = PurposeForm(data={"purpose": answers.data.get("purpose"), "attendees": answers.data.get("attendees")})
    if form.validate_on_submit():
        problems = rules.check_attendees(queries.space_rules(space), form.attendees.data)
        if not problems:
            answers.update(purpose=form.purpose.data.strip(), attendees=form.attendees.data)
            return redirect(next_url(answers, "purpose"))
        add_problems(form, problems, "attendees")
    return question("purpose.html", answers, "purpose", form)


@bp.route(f"/book/<{ID}:space_id>/needs", methods=["GET", "POST"])
@flow_step("needs")
def needs(space: Space, answers: Answers):
    form = NeedsForm(data={"needs": answers.data.get("needs")})
    if form.validate_on_submit():
        answers.update(needs=(form.needs.data or "").strip())
        return redirect(next_url(answers, "needs"))
    return question("needs.html", answers, "needs", form)


@bp.route(f"/book/<{ID}:space_id>/dates", methods=["GET", "POST"])
@flow_step("dates")
def dates(space: Space, answers: Answers):
    """A repeating booking: each date, bookable or why not; choose the ones to book."""
    now = utcnow()
    expire_requests(now)
    rows = answers.assess(answers.pattern(), now)
    bookable = {local_day(row.starts_at) for row in rows if row.bookable}
    form = OccurrencesForm()
    error = answers.data.pop("notice", None)
    if error:
        answers.save()
    if form.validate_on_submit():
        chosen = request.form.getlist("dates")
        if not chosen:
            error = "Select at least one date to book"
        elif not set(chosen) <= bookable:
            error = "One of the dates you chose can no longer be booked. Choose again"
        else:
            answers.update(chosen=sorted(set(chosen)))
            return redirect(next_url(answers, "dates"))
        checked = set(chosen) & bookable
    else:
        previous = answers.data.get("chosen")
        checked = bookable & set(previous) if previous is not None else bookable
    return question("dates.html", answers, "dates", form, rows=[(local_day(row.starts_at), row) for row in rows],
                    checked=checked, error=error, bookable_count=len(bookable),
                    error_href="#dates-0" if bookable else "#dates-table")


def booker_rate_key() -> str:
    """Rate-limit bookings per account (falling back to the address when signed out)."""
    if current_user.is_authenticated:
        return f"user:{current_user.get_id()}"
    return request.remote_addr or "unknown"


@bp.route(f"/book/<{ID}:space_id>/check", methods=["GET", "POST"])
@limiter.limit("10 per minute;60 per hour", methods=["POST"], key_func=booker_rate_key)
@flow_step("check")
def check(space: Space, answers: Answers):
    """Check your answers, see the price, accept the hire conditions, and confirm."""
    form = CheckForm()
    form.submit.label.text = "Send booking request" if space.requires_approval else "Confirm booking"
    now = utcnow()
    if form.validate_on_submit():
        done = _confirm(answers, now)
        if done:
            return done
        # Otherwise a rule now fails: the assessments below show which, as on any visit
        # (the attempt to book has already expired overdue requests).
    else:
        expire_requests(now)
    category, group = answers.hirer()
    slots = answers.chosen_slots()
    assessments = answers.assess(slots, now)
    quotes = [a.quote for a in assessments if a.quote]
    price_pence, deposit_pence = sum(q.price_pence for q in quotes), sum(q.deposit_pence for q in quotes)
    return render_template(
        "bookings/check.html", form=form, space=space, answers=answers, assessments=assessments,
        problems=_problem_links(answers, assessments), slots=slots, first_slot=answers.pattern()[0],
        fair_use=next((a.fair_use for a in assessments if a.fair_use), None),
        price_pence=price_pence, deposit_pence=deposit_pence, total_pence=price_pence + deposit_pence,
        deposit_each_pence=quotes[0].deposit_pence if len(quotes) > 1 else None,
        category=category, group=group, change_urls={step: step_url(space, step, change=True) for step in STEPS},
        expiry_days=_expiry_days(), back_url=back_url(answers, "check"))


PROBLEM_STEPS = {"date": "when", "start": "when", "end": "when", "attendees": "purpose", "who": "who"}
# For a repeating booking these are about one date, so the fix is to untick it.
DATE_PROBLEMS = {"taken", "closed", "closed_day", "past", "notice", "horizon"}


def _problem_links(answers: Answers, assessments: list[queries.Assessment]) -> list[dict]:
    """Error summary items for every broken rule, each linking to the answer to change."""
    items = []
    for assessment in assessments:
        for problem in assessment.problems:
            step = PROBLEM_STEPS.get(problem.field, "when")
            prefix = ""
            if answers.repeats:
                prefix = f"{format_date(assessment.starts_at)}: "
                step = "dates" if problem.code in DATE_PROBLEMS else step
            items.append({"text": prefix + problem.message, "href": step_url(answers.space, step, change=True)})
    return items


def _expiry_days() -> int:
    return current_app.config["REQUEST_EXPIRY_DAYS"]


def _confirm(answers: Answers, now: datetime) -> Response | None:
    """Write the booking: a redirect when done or sent back to choose again, else None."""
    space = answers.space
    try:
        if answers.repeats:
            series = operations.create_series(space, current_user, answers.frequency, answers.chosen_slots(),
                                              answers.details(), now)
            answers.clear()
            return redirect(url_for("bookings.series_confirmation", series_id=series.id))
        booking = operations.create_booking(space, current_user, *answers.chosen_slots()[0], answers.details(), now)
        answers.clear()
        return redirect(url_for("bookings.confirmation", reference=booking.reference))
    except SlotTaken as taken:  # the database refused: someone else's booking won the race
        if answers.repeats:
            return _back_to(answers, "dates", taken.message)
        return _back_to(answers, "when", taken.message if isinstance(taken, ServiceBusy) else TAKEN_MESSAGE)
    except operations.BookingRefused as refused:
        # Someone booked the time after the answers were checked: say so where it can be fixed.
        taken = [a for a in refused.assessments if any(p.code == "taken" for p in a.problems)]
        if taken and answers.repeats:
            return _back_to(answers, "dates", operations.OccurrenceTaken(taken[0].starts_at).message)
        if taken:
            return _back_to(answers, "when", TAKEN_MESSAGE)
        return None


def _back_to(answers: Answers, step: str, message: str) -> Response:
    answers.update(notice=message)
    return redirect(step_url(answers.space, step))


# ---------------------------------------------------------------- confirmation and my bookings

def _visible_or_404(reference: str):
    booking = queries.visible_booking(current_user, reference)
    if booking is None:
        abort(404)
    return booking


@bp.get("/my-bookings/<reference>/confirmation")
@booker_required
def confirmation(reference: str):
    booking = _visible_or_404(reference)
    return render_template("bookings/confirmation.html", bookings=[booking], expiry_days=_expiry_days())


@bp.get(f"/my-bookings/series/<{ID}:series_id>/confirmation")
@booker_required
def series_confirmation(series_id: int):
    series = queries.visible_series(current_user, series_id)
    if series is None:
        abort(404)
    return render_template("bookings/confirmation.html", bookings=series.bookings, series=series,
                           expiry_days=_expiry_days())


@bp.get("/my-bookings")
@login_required
def my_bookings():
    upcoming, past = queries.bookings_for(current_user, utcnow())
    return render_template("bookings/my_bookings.html", upcoming=upcoming, past=past)


@bp.get("/my-bookings/<reference>")
@login_required
def booking_detail(reference: str):
    booking = _visible_or_404(reference)
    cancellable = queries.can_cancel(current_user, booking) and booking.is_active and booking.starts_at > utcnow()
    return render_template("bookings/booking_detail.html", booking=booking, cancellable=cancellable,
                           deadline=operations.cancellation_deadline(booking))


@bp.route("/my-bookings/<reference>/cancel", methods=["GET", "POST"])
@login_required
def cancel(reference: str):
    """Cancel one booking, after saying until when that can be done online."""
    booking = _visible_or_404(reference)
    if not queries.can_cancel(current_user, booking):
        abort(403)
    now = utcnow()
    refusal = operations.why_not_cancel(booking, now)
    form = CancelForm()
    if not refusal and form.validate_on_submit():
        operations.cancel_booking(booking, current_user, form.reason.data, now)
        db.session.commit()
        flash(f"Booking {booking.reference} has been cancelled.", "success")
        return redirect(url_for("bookings.booking_detail", reference=booking.reference))
    return render_template("bookings/cancel.html", booking=booking, form=form, refusal=refusal,
                           deadline=operations.cancellation_deadline(booking))


@bp.route(f"/my-bookings/series/<{ID}:series_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_series(series_id: int):
    """Cancel every upcoming booking of a series that can still be cancelled online."""
    series = queries.visible_series(current_user, series_id)
    if series is None:
        abort(404)
    if not any(queries.can_cancel(current_user, b) for b in series.bookings):
        abort(403)
    now = utcnow()
    upcoming = [b for b in series.bookings if b.is_active and b.starts_at > now]
    form = CancelForm()
    if upcoming and form.validate_on_submit():
        cancelled, kept = operations.cancel_series(series, current_user, form.reason.data, now)
        db.session.commit()
        message = f"{len(cancelled)} bookings in this series have been cancelled."
        if kept:
            message += f" {len(kept)} could not be cancelled online because they start too soon."
        flash(message, "success")
        return redirect(url_for("bookings.my_bookings"))
    too_late = {b.id for b in upcoming if operations.why_not_cancel(b, now)}
    return render_template("bookings/cancel_series.html", series=series, upcoming=upcoming, too_late=too_late,
                           form=form)


@bp.get("/my-bookings/<reference>/calendar.ics")
@login_required
def booking_calendar(reference: str):
    booking = _visible_or_404(reference)
    text = calendar.calendar_text([booking], utcnow(), links=operations.booking_links([booking]))
    return _ics_response(text, calendar.file_name(booking))


@bp.route("/my-bookings/calendar-feed", methods=["GET", "POST"])
@login_required
def calendar_feed_settings():
    form = CalendarFeedForm()
    if form.validate_on_submit():
        if form.turn_off.data:
            current_user.calendar_token = None
            flash("Your calendar address has been turned off.", "success")
        else:
            replaced = current_user.calendar_token is not None
            current_user.calendar_token = secrets.token_urlsafe(32)
            flash("Your new calendar address is ready." + (" The old one no longer works." if replaced else ""),
                  "success")
        db.session.commit()
        return redirect(url_for("bookings.calendar_feed_settings"))
    feed_url = None
    if current_user.calendar_token:
        feed_url = url_for("bookings.calendar_feed", token=current_user.calendar_token, _external=True)
    return render_template("bookings/calendar_feed.html", form=form, feed_url=feed_url)


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str):
    """A private feed: the token is the only key, so a wrong one is simply not found."""
    user = queries.user_by_calendar_token(token)
    if user is None:
        abort(404)
    bookings = queries.feed_bookings(user)
    text = calendar.calendar_text(bookings, utcnow(), name="Spacebank bookings",
                                  links=operations.booking_links(bookings))
    response = _ics_response(text, None)
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


def _ics_response(text: str, filename: str | None) -> Response:
    response = Response(text, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
