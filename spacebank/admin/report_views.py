"""The reports page and its CSV downloads, for a period and a set of the staff member's venues."""

import csv
import io
from datetime import date, timedelta

import sqlalchemy as sa
from flask import Response, abort, request, url_for
from flask_admin import expose
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from ..bookings.models import Booking
from ..extensions import db
from ..formatting import format_date
from ..timeutil import today_local, utcnow
from ..venues.models import Space, Venue
from . import charts
from .base import StaffView
from .fields import CheckboxesField, GovDateField
from .reports import WEEKDAYS, build_report, period_bounds, tables
from .scope import venue_clause

MAX_DAYS = 366


class ReportForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    start = GovDateField("From", thing="the start date")
    end = GovDateField("To", thing="the end date")
    venue = CheckboxesField("Venues", coerce=int, message="Select venues from the list")

    def validate_period(self) -> bool:
        """Rules across fields; run after validate() so every mistake is listed at once."""
        start, end = self.start.data, self.end.data
        if start is not None and end is not None and end < start:
            self.end.errors.append("The end date must be the same as or after the start date")
        elif start is not None and end is not None and (end - start).days >= MAX_DAYS:
            self.end.errors.append("Choose a period of a year or less")
        if not self.venue.data:
            self.venue.errors.append("Select at least one venue")
        return not self.errors


def month_of(today: date) -> tuple[date, date]:
    first = today.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def csv_response(rows: list[list[str]], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        # A cell starting with = + - @ would run as a formula in a spreadsheet: quote it.
        writer.writerow([f"'{cell}" if str(cell)[:1] in ("=", "+", "-", "@") and not _number(cell) else cell
                         for cell in row])
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _number(cell) -> bool:
    try:
        float(cell)
        return True
    except (TypeError, ValueError):
        return False


class ReportsView(StaffView):
    def _form(self) -> tuple[ReportForm, list[Venue]]:
        venues = db.session.scalars(sa.select(Venue).where(venue_clause(Venue.id)).order_by(Venue.name)
                                    .options(selectinload(Venue.spaces).selectinload(Space.venue))).all()
        form = ReportForm(formdata=request.args if request.args else None)
        form.venue.choices = [SelectChoice(str(v.id), v.name) for v in venues]
        if not request.args:
            form.start.data, form.end.data = month_of(today_local())
            form.venue.data = [v.id for v in venues]
        return form, venues

    @staticmethod
    def _valid(form: ReportForm) -> bool:
        fields_ok = form.validate()
        return form.validate_period() and fields_ok

    @staticmethod
    def _chosen(form: ReportForm, venues: list[Venue]) -> list[Venue]:
        """The ticked venues, from those _form already loaded (the form only accepts its own choices)."""
        ticked = set(form.venue.data)
        return [venue for venue in venues if venue.id in ticked]

    @expose("/")
    def index(self):
        form, venues = self._form()
        context = {"form": form, "venues": venues, "report": None}
        if self._valid(form):
            chosen = self._chosen(form, venues)
            report = build_report(chosen, form.start.data, form.end.data, utcnow())
            report_tables = tables(report)
            params = {"start": form.start.data.isoformat(), "end": form.end.data.isoformat(), "venue": form.venue.data}
            context |= {"report": report, "tables": report_tables, "charts": self._charts(report, report_tables),
                        "csv_urls": {name: url_for(".csv", table=name, **params) for name in [*report_tables, "bookings"]},
                        "period_text": f"{format_date(report.first)} to {format_date(report.last)}"}
        return self.render("spacebank_admin/reports.html", page_title="Reports", **context)

    @staticmethod
    def _charts(report, report_tables) -> dict:
        venue_names = {v.id: v.name for v in report.venues}
        heat = report_tables["heatmap"]
        return {
            "utilisation": charts.bar_chart("Utilisation by venue", [
                (venue_names[vid], (u.share or 0) * 100, u.percent) for vid, u in report.venue_usage.items()], 100),
            "heatmap": charts.heat_map("Booked hours by day and hour", list(WEEKDAYS), heat.header[1:],
                                       [row[1:] for row in heat.rows], [row[1:] for row in heat.shown()]),
            "hirers": charts.bar_chart("Free and charged hours", [
                (label, t.minutes, f"{t.minutes / 60:.1f} hours") for label, t in report.hirers.items()]),
            "income": charts.bar_chart("Income by venue", [
                (venue_names[vid], pence, row[1]) for (vid, pence), row in
                zip(report.income.items(), report_tables["income"].shown())]),
            "requests": charts.bar_chart("Requests", [
                (label, value, str(value)) for label, value in
                zip(report_tables["requests"].header[:4], report_tables["requests"].rows[0][:4])]),
            "groups": charts.bar_chart("Top community groups by hours booked", [
                (group.name, t.minutes, f"{t.minutes / 60:.1f} hours") for group, t in report.top_groups]),
        }

    @expose("/<table>.csv")
    def csv(self, table):
        form, venues = self._form()
        if not request.args or not self._valid(form):
            abort(400)
        chosen = self._chosen(form, venues)
        stem = f"{table}-{form.start.data.isoformat()}-to-{form.end.data.isoformat()}.csv"
        if table == "bookings":
            return csv_response(self._bookings_rows(chosen, form.start.data, form.end.data), stem)
        report_tables = tables(build_report(chosen, form.start.data, form.end.data, utcnow()))
        if table not in report_tables:
            abort(404)
        return csv_response(report_tables[table].csv_rows(), stem)

    @staticmethod
    def _bookings_rows(venues: list[Venue], first: date, last: date) -> list[list[str]]:
        period = period_bounds(first, last)
        space_ids = [s.id for v in venues for s in v.spaces]
        bookings = db.session.scalars(sa.select(Booking).where(
            Booking.space_id.in_(space_ids or [-1]), Booking.starts_at >= period.start, Booking.starts_at < period.end)
            .order_by(Booking.starts_at, Booking.id).options(joinedload(Booking.booker), joinedload(Booking.group))).all()
        header = ["Reference", "Status", "Venue", "Space", "Starts (UTC)", "Ends (UTC)", "Booker", "Booker email",
                  "Group", "Rate", "Price (£)", "Deposit (£)", "Booked at (UTC)", "Decided at (UTC)"]
        return [header] + [[
            b.reference, b.status.value, b.space.venue.name, b.space.name, b.starts_at.isoformat(), b.ends_at.isoformat(),
            b.booker.name, b.booker.email, b.group.name if b.group else "", b.hirer_category.value,
            f"{b.price_pence / 100:.2f}", f"{b.deposit_pence / 100:.2f}", b.created_at.isoformat(),
            b.decided_at.isoformat() if b.decided_at else ""] for b in bookings]
