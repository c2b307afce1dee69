"""Staff views for venues and what belongs to them: spaces, opening hours, tariffs and photos.

The GOV.UK theme's inline editing needs inline JavaScript the CSP forbids, so each kind of
record has its own view; the venue and space detail pages list everything that belongs to
them with links to add or change it, so a venue is set up from a few screens.
"""

import re

import sqlalchemy as sa
from flask import current_app, flash, redirect, request, send_from_directory, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_login import current_user
from markupsafe import Markup, escape
from wtforms.validators import ValidationError

from .. import audit, geo
from ..demo import slugify
from ..extensions import db
from ..venues.models import OpeningHours, Service, Space, Tariff, Venue
from . import photos
from .base import StaffModelView, actor
from .forms import (
    EditPhotoForm,
    NewOpeningHoursForm,
    OpeningHoursForm,
    PhotoForm,
    SpaceForm,
    TariffForm,
    VenueForm,
    id_choices,
)
from .scope import (
    is_administrator,
    owned_spaces,
    owned_venues,
    owns_space,
    owns_venue,
    parse_id,
    service_scope,
    space_clause,
    venue_clause,
)

VENUE_AUDIT_FIELDS = ["name", "service_id", "kind", "address_line_1", "address_line_2", "town", "postcode",
                      "latitude", "longitude", "is_published", "contact_email", "contact_phone",
                      *Venue.ACCESSIBILITY_FEATURES]
SPACE_AUDIT_FIELDS = ["venue_id", "parent_id", "name", "capacity_seated", "capacity_standing", "min_booking_minutes",
                      "max_booking_minutes", "turnaround_minutes", "min_notice_hours", "booking_horizon_days",
                      "cancellation_notice_hours", "requires_approval", "is_bookable", *Space.FACILITIES]


def details_link(text: str, preposition: str):
    """A column linking to a record's page (the first column of a list opens its edit form)."""
    def formatter(view, context, model, name):
        url = url_for(f"{view.endpoint}.details_view", id=model.id)
        return Markup(f'<a class="govuk-link" href="{escape(url)}">{escape(text)}'
                      f'<span class="govuk-visually-hidden"> {preposition} {escape(str(model))}</span></a>')
    return formatter


def yes_no(view, context, model, name):
    return "Yes" if getattr(model, name) else "No"


def label_of(view, context, model, name):
    value = getattr(model, name)
    return value.label if value is not None else ""


def unique_slug(base: str, taken) -> str:
    """`base`, or base-2, base-3... whichever `taken(slug)` says is free."""
    base = (slugify(base) or "venue")[:120]
    slug, n = base, 1
    while taken(slug):
        n += 1
        slug = f"{base}-{n}"
    return slug


def selected_ids(ids) -> list[int]:
    return [pk for pk in (parse_id(i) for i in ids) if pk is not None]


def prefill_choice(field, name: str) -> None:
    """Preselect a choice from the query string (?venue_id=3) when it is one of the field's own."""
    value = request.args.get(name)
    if request.method == "GET" and value and any(c.value == value for c in field.choices):
        field.data = int(value)


class BelongsToVenue:
    """Records of one venue (spaces, photos): scoped by it, and only the officer's venues to choose."""

    def scope_clause(self):
        return venue_clause(self.model.venue_id)

    def prepare_form(self, form, model):
        form.venue_id.choices = id_choices(owned_venues())
        if model is None:
            prefill_choice(form.venue_id, "venue_id")

    def check_in_scope(self, model):
        if not owns_venue(model.venue_id):
            raise ValidationError(f"You can only add {self.name.lower()} to venues that your service runs.")


class BelongsToSpace:
    """Records of one space (opening hours, rates): scoped by it, and only the officer's spaces to choose."""

    def scope_clause(self):
        return space_clause(self.model.space_id)

    def prepare_form(self, form, model):
        form.space_id.choices = id_choices(owned_spaces())
        if model is None:
            prefill_choice(form.space_id, "space_id")

    def check_in_scope(self, model):
        if not owns_space(model.space_id):
            raise ValidationError(f"You can only change {self.name.lower()} of your service's spaces.")


# ---------------------------------------------------------------- venues

def full_postcode(text: str | None) -> str | None:
    normalised = geo.normalise_postcode(text or "")
    if normalised and re.fullmatch(r"[A-Z0-9]{2,4} [0-9][A-Z]{2}", normalised):
        return normalised
    return None


def parse_coordinate(field, low: float, high: float, name: str) -> float | None:
    if field.data is None:
        return None
    try:
        value = float(str(field.data).strip())
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        field.errors.append(f"{name} must be a number between {low:g} and {high:g}")
        return None
    return value


def locate(form) -> tuple[float, float] | None:
    """Geocode the venue's address: the configured geocoder first, then the offline postcode table."""
    geocoder = current_app.extensions.get("spacebank_geocoder")
    if geocoder is not None:
        try:
            place = geo.geocode(f"{form.address_line_1.data}, {form.postcode.data}", geocoder)
            return place.latitude, place.longitude
        except geo.LocationError:
            pass  # fall back to the postcode, which is offline and always answers or says why not
    try:
        place = geo.lookup_postcode(form.postcode.data)
    except geo.LocationError as error:
        form.postcode.errors.append(error.message)
        return None
    return place.latitude, place.longitude


class VenueView(StaffModelView):
    form = VenueForm
    audit_fields = VENUE_AUDIT_FIELDS
    audit_name = "venue"
    can_delete = False  # venues with bookings cannot go; unpublish instead
    can_export = True
    column_list = ["name", "kind", "service", "postcode", "is_published", "manage"]
    column_details_list = ["name", "kind", "service", "address_line_1", "address_line_2", "town", "postcode",
                           "latitude", "longitude", "description", "getting_there", "access_instructions",
                           "accessibility_notes", "contact_email", "contact_phone", "is_published"]
    column_export_list = ["id", "name", "kind", "service", "address_line_1", "address_line_2", "town", "postcode",
                          "latitude", "longitude", "contact_email", "contact_phone", "is_published"]
    column_labels = {"manage": "Spaces, photos, closures", "kind": "Type", "is_published": "Published", "address_line_1": "Address line 1",
                     "address_line_2": "Address line 2", "town": "Town or city", "contact_email": "Contact email",
                     "contact_phone": "Contact phone"}
    column_formatters = {"is_published": yes_no, "kind": label_of, "manage": details_link("See everything", "at")}
    column_formatters_export = {"is_published": lambda v, c, m, n: "yes" if m.is_published else "no",
                                "kind": lambda v, c, m, n: m.kind.value}
    column_searchable_list = ["name", "postcode"]
    search_hint = "name or postcode"
    column_filters = ["is_published"]
    column_default_sort = "name"
    details_template = "spacebank_admin/venue_details.html"

    def scope_clause(self):
        return venue_clause(Venue.id)

    def prepare_form(self, form, model):
        if is_administrator():
            form.service_id.choices = id_choices(db.session.scalars(sa.select(Service).order_by(Service.name)))
        else:
            # Officers' venues always belong to their own service: no choice to make, none to forge.
            del form.service_id
        if model is not None and request.method == "GET":
            form.features.data = [name for name in Venue.ACCESSIBILITY_FEATURES if getattr(model, name)]

    def validate_rules(self, form, model):
        postcode = full_postcode(form.postcode.data)
        if postcode is None:
            form.postcode.errors.append("Enter a real postcode, like E8 1DY")
            return
        form.postcode.data = postcode
        latitude = parse_coordinate(form.latitude, -90, 90, "Latitude")
        longitude = parse_coordinate(form.longitude, -180, 180, "Longitude")
        if form.latitude.errors or form.longitude.errors:
            return
        if (latitude is None) != (longitude is None):
            missing = form.latitude if latitude is None else form.longitude
            missing.errors.append("Enter both latitude and longitude, or leave both empty")
            return
        form._location = self._location(form, model, latitude, longitude)

    @staticmethod
    def _location(form, model, latitude, longitude):
        if latitude is None:
            return locate(form)
        if model is None or (latitude, longitude) != (model.latitude, model.longitude):
            return latitude, longitude  # typed in: a manual override
        address = ("address_line_1", "address_line_2", "town", "postcode")
        if any(getattr(form, name).data != getattr(model, name) for name in address):
            # The address changed but the coordinates were left as they were: follow the address.
            return locate(form) or (latitude, longitude)
        return latitude, longitude

    def check_in_scope(self, model):
        scope = service_scope()
        if scope is not None and model.service_id != scope:
            raise ValidationError("You can only add or change venues that your service runs.")

    def before_save(self, form, model, is_created):
        if is_created:
            if not is_administrator():
                model.service_id = current_user.service_id
            model.slug = unique_slug(model.name, lambda s: db.session.scalar(sa.select(Venue.id).where(Venue.slug == s)))
        for name in Venue.ACCESSIBILITY_FEATURES:
            setattr(model, name, name in (form.features.data or []))
        location = getattr(form, "_location", None)
        if location:
            model.latitude, model.longitude = location

    def extra_details(self, venue):
        return {"spaces": venue.spaces, "photos": venue.photos,
                "closures": sorted(venue.closures, key=lambda c: c.starts_at)}

    def _set_published(self, ids, published: bool):
        venues = self.get_query().filter(Venue.id.in_(selected_ids(ids))).all()
        for venue in venues:
            if venue.is_published != published:
                venue.is_published = published
                audit.record("venue.published" if published else "venue.unpublished", venue, actor=actor(),
                             summary=f"{'Published' if published else 'Unpublished'} {venue.name}",
                             before={"is_published": not published}, after={"is_published": published})
        db.session.commit()
        names = ", ".join(v.name for v in venues) or "no venues"
        flash(f"{'Published' if published else 'Unpublished'}: {names}", "success")

    @action("publish", "Publish", "Residents will be able to find and book the selected venues.")
    def action_publish(self, ids):
        self._set_published(ids, True)

    @action("unpublish", "Unpublish", "Residents will no longer find the selected venues. Existing bookings stay.")
    def action_unpublish(self, ids):
        self._set_published(ids, False)

    @action("close_bank_holidays", "Close for bank holidays")
    def action_close_bank_holidays(self, ids):
        return redirect(url_for("closure.bank_holidays", venue=selected_ids(ids)))


# ---------------------------------------------------------------- spaces

class SpaceView(BelongsToVenue, StaffModelView):
    form = SpaceForm
    audit_fields = SPACE_AUDIT_FIELDS
    audit_name = "space"
    can_delete = False  # spaces with bookings cannot go; make them unbookable instead
    can_export = True
    column_list = ["name", "venue", "capacity_seated", "capacity_standing", "requires_approval", "is_bookable", "manage"]
    column_details_list = ["name", "venue", "parent", "description", "capacity_seated", "capacity_standing",
                           "min_booking_minutes", "max_booking_minutes", "turnaround_minutes", "min_notice_hours",
                           "booking_horizon_days", "cancellation_notice_hours", "requires_approval", "is_bookable",
                           "accessibility_notes", "rules"]
    column_export_list = ["id", "venue", "name", "capacity_seated", "capacity_standing", "requires_approval", "is_bookable"]
    column_labels = {"manage": "Opening hours and rates", "capacity_seated": "Seated", "capacity_standing": "Standing", "requires_approval": "Needs approval",
                     "is_bookable": "Bookable", "parent": "Part of", "min_booking_minutes": "Shortest booking (minutes)",
                     "max_booking_minutes": "Longest booking (minutes)", "turnaround_minutes": "Time between bookings (minutes)",
                     "min_notice_hours": "Notice needed (hours)", "booking_horizon_days": "Bookable ahead (days)",
                     "cancellation_notice_hours": "Free cancellation notice (hours)"}
    column_formatters = {"requires_approval": yes_no, "is_bookable": yes_no, "manage": details_link("Hours and rates", "for")}
    column_searchable_list = ["name", "venue.name"]
    search_hint = "space or venue name"
    column_default_sort = "name"
    details_template = "spacebank_admin/space_details.html"

    def prepare_form(self, form, model):
        super().prepare_form(form, model)
        parents = [s for s in owned_spaces() if s.parent_id is None and (model is None or s.id != model.id)]
        form.parent_id.choices = id_choices(parents, blank="No, it is a space on its own")
        if model is not None and request.method == "GET":
            form.facilities.data = [name for name in Space.FACILITIES if getattr(model, name)]

    def validate_rules(self, form, model):
        if not form.capacity_seated.data and not form.capacity_standing.data:
            form.capacity_seated.errors.append("Enter a seated or standing capacity of 1 or more")
        if form.max_booking_minutes.data < form.min_booking_minutes.data:
            form.max_booking_minutes.errors.append("The longest booking must be at least as long as the shortest booking")
        if form.parent_id.data is not None:
            parent = db.session.get(Space, form.parent_id.data)
            if parent.venue_id != form.venue_id.data:
                form.parent_id.errors.append("Choose a space in the same venue")
            elif model is not None and model.parts:
                form.parent_id.errors.append("This space has parts of its own, so it cannot be part of another space")

    def before_save(self, form, model, is_created):
        if is_created or not model.slug:
            model.slug = unique_slug(model.name, lambda s: db.session.scalar(
                sa.select(Space.id).where(Space.venue_id == model.venue_id, Space.slug == s)))
        for name in Space.FACILITIES:
            setattr(model, name, name in (form.facilities.data or []))

    def extra_details(self, space):
        return {"opening_hours": space.opening_hours,
                "tariffs": sorted(space.tariffs, key=lambda t: list(type(t.category)).index(t.category))}


# ---------------------------------------------------------------- opening hours

def overlapping_hours(space_id: int, weekday: int, opens, closes, exclude_id: int | None) -> OpeningHours | None:
    query = sa.select(OpeningHours).where(
        OpeningHours.space_id == space_id, OpeningHours.weekday == weekday,
        OpeningHours.opens_at < closes, OpeningHours.closes_at > opens)
    if exclude_id is not None:
        query = query.where(OpeningHours.id != exclude_id)
    return db.session.scalars(query.limit(1)).first()


def hours_text(hours: OpeningHours) -> str:
    return f"{hours.weekday_name} {hours.opens_at:%H:%M} to {hours.closes_at:%H:%M}"


class OpeningHoursView(BelongsToSpace, StaffModelView):
    form = OpeningHoursForm
    audit_fields = ["space_id", "weekday", "opens_at", "closes_at"]
    audit_name = "opening_hours"
    can_delete = True
    column_list = ["space", "weekday", "opens_at", "closes_at"]
    column_labels = {"weekday": "Day", "opens_at": "Opens", "closes_at": "Closes"}
    column_formatters = {"weekday": lambda v, c, m, n: m.weekday_name,
                         "opens_at": lambda v, c, m, n: m.opens_at.strftime("%H:%M"),
                         "closes_at": lambda v, c, m, n: m.closes_at.strftime("%H:%M")}
    column_searchable_list = ["space.name"]
    search_hint = "space name"
    column_default_sort = [("space_id", False), ("weekday", False), ("opens_at", False)]

    def singular_name(self):
        return "opening hours"

    def describe(self, model):
        return f"opening hours {hours_text(model)} for {model.space}"

    def get_create_form(self):
        return NewOpeningHoursForm

    def validate_rules(self, form, model):
        opens, closes = form.opens_at.data, form.closes_at.data
        if closes <= opens:
            form.closes_at.errors.append("The closing time must be after the opening time")
            return
        weekdays = form.weekdays.data if model is None else [form.weekday.data]
        if not weekdays:
            form.weekdays.errors.append("Select the days these hours apply to")
            return
        for weekday in weekdays:
            clash = overlapping_hours(form.space_id.data, weekday, opens, closes, model.id if model else None)
            if clash:
                form.opens_at.errors.append(
                    f"These hours overlap {hours_text(clash)}. Change the times or change the existing hours")
                return

    def create_model(self, form):
        """One row per chosen day; the first is returned for Flask-Admin's redirect."""
        rows = [OpeningHours(space_id=form.space_id.data, weekday=day, opens_at=form.opens_at.data,
                             closes_at=form.closes_at.data) for day in sorted(form.weekdays.data)]
        try:
            for row in rows:
                db.session.add(row)
                self.on_model_change(form, row, True)
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            if not self.handle_view_exception(error):
                raise
            return False
        return rows[0]


# ---------------------------------------------------------------- tariffs

class TariffView(BelongsToSpace, StaffModelView):
    form = TariffForm
    audit_fields = ["space_id", "category", "pence_per_hour", "billing_unit_minutes", "free_for_verified_groups",
                    "deposit_pence"]
    audit_name = "tariff"
    can_delete = True
    can_export = True
    column_list = ["space", "category", "pence_per_hour", "billing_unit_minutes", "free_for_verified_groups", "deposit_pence"]
    column_labels = {"category": "Rate for", "pence_per_hour": "Per hour", "billing_unit_minutes": "Charged per",
                     "free_for_verified_groups": "Free for verified groups", "deposit_pence": "Deposit"}
    column_formatters = {
        "category": label_of,
        "pence_per_hour": lambda v, c, m, n: format_pounds(m.pence_per_hour),
        "deposit_pence": lambda v, c, m, n: format_pounds(m.deposit_pence),
        "billing_unit_minutes": lambda v, c, m, n: "Started half hour" if m.billing_unit_minutes == 30 else "Started hour",
        "free_for_verified_groups": yes_no,
    }
    column_formatters_export = {"category": lambda v, c, m, n: m.category.value}
    column_searchable_list = ["space.name"]
    search_hint = "space name"

    def describe(self, model):
        return f"{model.category.label.lower()} rate for {model.space}"

    def validate_rules(self, form, model):
        clash = db.session.scalar(sa.select(Tariff.id).where(
            Tariff.space_id == form.space_id.data, Tariff.category == form.category.data,
            Tariff.id != (model.id if model else -1)))
        if clash:
            form.category.errors.append(
                f"This space already has a rate for {form.category.data.label.lower()}. Change that rate instead")
        if form.free_for_verified_groups.data and form.category.data.value != "community":
            form.free_for_verified_groups.errors.append("Only the verified community group rate can be free")



def format_pounds(pence: int) -> str:
    pounds, rest = divmod(pence, 100)
    return f"£{pounds:,}.{rest:02d}"


# ---------------------------------------------------------------- photos

class PhotoView(BelongsToVenue, StaffModelView):
    form = PhotoForm
    audit_fields = ["venue_id", "filename", "alt_text", "position"]
    audit_name = "venue_photo"
    can_delete = True
    column_list = ["venue", "alt_text", "position", "filename"]
    column_labels = {"alt_text": "Description", "position": "Order", "filename": "Photo"}
    column_formatters = {"filename": lambda v, c, m, n: Markup(
        f'<img src="{escape(url_for("venuephoto.photo_file", photo_id=m.id))}" alt="" width="120">')}
    column_details_list = ["venue", "alt_text", "position", "filename"]
    column_searchable_list = ["venue.name", "alt_text"]
    search_hint = "venue name or photo description"

    def singular_name(self):
        return "photo"

    def describe(self, model):
        return f"photo of {model.venue.name if model.venue else 'a venue'}"

    def get_edit_form(self):
        return EditPhotoForm

    def validate_rules(self, form, model):
        if model is None:
            result = photos.check_upload(request.files.get(form.upload.name), current_app.config["UPLOAD_MAX_BYTES"])
            if isinstance(result, str):
                form.upload.errors.append(result)
            else:
                form._image = result

    def before_save(self, form, model, is_created):
        if is_created:
            model.filename = photos.save(form._image, photos.upload_folder())

    def after_model_delete(self, model):
        photos.remove(photos.upload_folder(), model.filename)

    @expose("/file/<int:photo_id>")
    def photo_file(self, photo_id):
        photo = self.get_one(photo_id)
        return send_from_directory(photos.upload_folder(), photo.filename, max_age=3600)
