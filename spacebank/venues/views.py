"""Public pages: start, find a space, venues and their spaces, photos, statements."""

import re
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import abort, current_app, render_template, request, send_from_directory, url_for
from flask_login import current_user

from ..bookings.availability import (SpaceRules, WEEKDAY_NAMES, closing_time_label, describe_opening_hours,
                                     load_calendars, week_grid, week_period)
from ..bookings.intervals import Interval
from ..formatting import format_time
from ..timeutil import to_local, today_local, utcnow
from . import bp, queries
from .forms import SearchForm, is_search
from .models import HirerCategory, Space
from .search import MAX_PAGES, app_geocoder, search as find_spaces

RATE_ORDER = (HirerCategory.RESIDENT, HirerCategory.COMMUNITY, HirerCategory.COMMERCIAL)
MAX_WEEKS_AHEAD = 104
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif"}
MAX_DATABASE_ID = 2**31 - 1


@bp.get("/")
def start():
    return render_template("venues/start.html")


@bp.get("/venues")
def venue_list():
    return render_template("venues/venue_list.html", venues=queries.published_venues())


@bp.get("/spaces")
def search():
    now = utcnow()
    searching = is_search(request.args)
    page = _page_number(request.args.get("page", "1"))
    geocoder = app_geocoder()
    form = SearchForm(request.args if searching else None, geocoder=geocoder, now=now)
    outcome = criteria = None
    if searching and form.validate():
        criteria = form.criteria()
        outcome = find_spaces(criteria, now, page)
        if not outcome.results:
            if page > 1:
                abort(404)
            if _explain_closed_times(form, criteria):
                outcome = None
    return render_template("venues/search.html", form=form, searching=searching, outcome=outcome,
                           criteria=criteria, geocoder_on=geocoder is not None,
                           previous_url=_page_url(page - 1) if outcome and page > 1 else None,
                           next_url=_page_url(page + 1) if outcome and outcome.has_next else None,
                           book_url=booking_url)


def _page_number(text: str) -> int:
    if not re.fullmatch(r"[1-9][0-9]?", text) or int(text) > MAX_PAGES:
        abort(404)
    return int(text)


def _page_url(page: int) -> str:
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return url_for("venues.search", **args)


def _explain_closed_times(form: SearchForm, criteria) -> bool:
    """No results for a time when nothing is open: say so on the form, not as an empty list."""
    if criteria.window is None:
        return False
    weekday = WEEKDAY_NAMES[criteria.day.weekday()]
    span = queries.opening_span(criteria.day.weekday())
    if span is None:
        form.date.errors.append(f"No spaces are open on {weekday}s. Choose another date")
        return True
    if criteria.start < span[0] or criteria.end > span[1]:
        form.start.errors.append(f"Choose a time when spaces are open. On {weekday}s spaces are open from "
                                 f"{format_time(span[0])} to {closing_time_label(span[1])}")
        return True
    return False


def booking_url(space_id: int, slot: Interval) -> str:
    """The booking flow's entry: London date and times of the slot."""
    start, end = to_local(slot.start), to_local(slot.end)
    # A slot ending at midnight ends at 23:59 on its own day, the convention of opening hours.
    end_text = "23:59" if end.date() > start.date() else f"{end:%H:%M}"
    return url_for("bookings.new_booking", space_id=space_id, date=start.date().isoformat(),
                   start=f"{start:%H:%M}", end=end_text)


# --------------------------------------------------------------------------- venue and space pages


def opening_lines(space: Space) -> list[tuple[str, str]]:
    return describe_opening_hours(SpaceRules.from_rows(space, space.opening_hours))


def rates(space: Space) -> list:
    return [t for category in RATE_ORDER if (t := space.tariff_for(category)) is not None]


@bp.get("/venues/<slug>")
def venue_detail(slug: str):
    venue = queries.published_venue(slug)
    if venue is None:
        abort(404)
    return render_template("venues/venue_detail.html", venue=venue, opening_lines=opening_lines, rates=rates)


@bp.get("/venues/<slug>/<space_slug>")
def space_detail(slug: str, space_slug: str):
    space = queries.published_space(slug, space_slug)
    if space is None:
        abort(404)
    now = utcnow()
    this_week = _monday(today_local(now))
    week = _week_asked(request.args.get("week"), this_week)
    grid = None
    next_week = None
    if space.is_bookable:
        period = week_period(week)
        calendar = load_calendars([space.id], period)[space.id]
        grid = week_grid(calendar.rules, calendar.availability(period, now), week)
        last_week = _monday(to_local(now + timedelta(days=space.booking_horizon_days)).date())
        next_week = week + timedelta(weeks=1) if week < last_week else None
    return render_template("venues/space_detail.html", space=space, venue=space.venue, grid=grid, week=week,
                           previous_week=week - timedelta(weeks=1) if week > this_week else None,
                           next_week=next_week, opening_lines=opening_lines(space), rates=rates(space),
                           book_url=booking_url)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _week_asked(text: str | None, this_week: date) -> date:
    """The Monday of ?week=YYYY-MM-DD (any day of that week); 404 for nonsense or out of range."""
    if text is None:
        return this_week
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        week = _monday(datetime.strptime(text, "%Y-%m-%d").date())
    except ValueError:
        abort(404)
    if not this_week <= week <= this_week + timedelta(weeks=MAX_WEEKS_AHEAD):
        abort(404)
    return week


@bp.get("/photos/<int:photo_id>")
def photo(photo_id: int):
    """A venue photo from instance/uploads. Staff also see photos of unpublished venues."""
    if photo_id > MAX_DATABASE_ID:  # the database would overflow, not just find nothing
        abort(404)
    staff = current_user.is_authenticated and current_user.is_staff
    found = queries.any_photo(photo_id) if staff else queries.photo_of_published_venue(photo_id)
    if found is None or Path(found.filename).suffix.lower() not in PHOTO_SUFFIXES:
        abort(404)
    # send_from_directory refuses paths that climb out of the folder.
    return send_from_directory(Path(current_app.instance_path) / "uploads", found.filename, max_age=3600)


@bp.get("/accessibility-statement")
def accessibility_statement():
    return render_template("venues/accessibility_statement.html")


@bp.get("/privacy")
def privacy():
    return render_template("venues/privacy.html")
