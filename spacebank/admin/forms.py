"""Forms for venues, spaces, opening hours, tariffs and photos, with GOV.UK error messages.

Field names match model attributes so Flask-Admin can copy them onto the record; fields
that need work first (accessibility features, facilities, coordinates) are listed in
`derived_fields` and applied by the view.
"""

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput
from wtforms import SelectChoice
from wtforms.validators import Email, InputRequired, Length, Optional

from ..venues.models import HirerCategory, OpeningHours, Space, Venue, VenueKind
from .base import AdminForm
from .fields import (
    Checkbox,
    CheckboxesField,
    ChoiceRadioField,
    ChoiceSelectField,
    LongTextField,
    PoundsField,
    TextField,
    TimeOfDayField,
    WholeNumberField,
)

TEXT_MAX = 5000


def length(thing: str, maximum: int) -> Length:
    return Length(max=maximum, message=f"{thing} must be {maximum:,} characters or fewer")


def required(message: str) -> InputRequired:
    return InputRequired(message)


def enum_choices(enum_class) -> list[SelectChoice]:
    return [SelectChoice(member.value, member.label) for member in enum_class]


def id_choices(records, blank: str | None = None) -> list[SelectChoice]:
    choices = [SelectChoice("", blank)] if blank else []
    return choices + [SelectChoice(str(record.id), str(record)) for record in records]


def optional_int(value):
    return int(value) if value not in (None, "") else None


class ModelForm(AdminForm):
    """A form whose `derived_fields` are not copied straight onto the model."""

    derived_fields: frozenset[str] = frozenset()

    def populate_obj(self, obj):
        for name, field in self._fields.items():
            if name not in self.derived_fields:
                field.populate_obj(obj, name)


class VenueForm(ModelForm):
    derived_fields = frozenset({"features", "latitude", "longitude"})

    name = TextField("Venue name", validators=[required("Enter the venue name"), length("Venue name", 120)])
    kind = ChoiceRadioField("Type of venue", choices=enum_choices(VenueKind), coerce=VenueKind,
                            message="Select the type of venue")
    service_id = ChoiceSelectField("Service that runs the venue", coerce=int, message="Select the service that runs the venue")
    address_line_1 = TextField("Address line 1", validators=[required("Enter address line 1, typically the building and street"),
                                                             length("Address line 1", 120)])
    address_line_2 = TextField("Address line 2 (optional)", blank_is_none=True, validators=[length("Address line 2", 120)])
    town = TextField("Town or city", default="London", validators=[required("Enter the town or city"), length("Town or city", 60)])
    postcode = TextField("Postcode", validators=[required("Enter the postcode"), length("Postcode", 10)],
                         render_kw={"autocomplete": "postal-code", "spellcheck": "false"})
    latitude = TextField(
        "Latitude (optional)", blank_is_none=True, validators=[length("Latitude", 20)],
        description="Leave latitude and longitude as they are to place the venue from its postcode. "
                    "Change both to place the pin yourself, for example 51.5450 and -0.0553.")
    longitude = TextField("Longitude (optional)", blank_is_none=True, validators=[length("Longitude", 20)])
    description = LongTextField("Description", validators=[length("Description", TEXT_MAX)])
    getting_there = LongTextField("Getting there (optional)", validators=[length("Getting there", TEXT_MAX)])
    access_instructions = LongTextField(
        "Access instructions (optional)", validators=[length("Access instructions", TEXT_MAX)],
        description="Keys, entry codes and who to call. Only people with a confirmed booking see these.")
    features = CheckboxesField("Accessibility features", choices=[SelectChoice(k, v) for k, v in Venue.ACCESSIBILITY_FEATURES.items()],
                               message="Select accessibility features from the list")
    accessibility_notes = LongTextField("Accessibility notes (optional)", validators=[length("Accessibility notes", TEXT_MAX)])
    contact_email = TextField("Contact email address (optional)", blank_is_none=True,
                              validators=[Optional(), Email("Enter an email address in the correct format, like name@example.com"),
                                          length("Contact email address", 254)])
    contact_phone = TextField("Contact phone number (optional)", blank_is_none=True, validators=[length("Contact phone number", 40)])
    is_published = Checkbox("Published: residents can find and book this venue")


class SpaceForm(ModelForm):
    derived_fields = frozenset({"facilities"})

    venue_id = ChoiceSelectField("Venue", coerce=int, message="Select the venue")
    parent_id = ChoiceSelectField("Part of a bigger space?", coerce=optional_int, allow_blank=True,
                                  message="Select the space this is part of",
                                  description="For example, one half of a hall that can be divided. "
                                              "Booking the whole space then blocks its parts, and the other way round.")
    name = TextField("Space name", validators=[required("Enter the space name"), length("Space name", 120)])
    description = LongTextField("Description (optional)", validators=[length("Description", TEXT_MAX)])
    capacity_seated = WholeNumberField("Seated capacity", maximum=10_000, thing="seated capacity", default=0)
    capacity_standing = WholeNumberField("Standing capacity", maximum=10_000, thing="standing capacity", default=0)
    facilities = CheckboxesField("Facilities", choices=[SelectChoice(k, v) for k, v in Space.FACILITIES.items()],
                                 message="Select facilities from the list")
    accessibility_notes = LongTextField("Accessibility notes (optional)", validators=[length("Accessibility notes", TEXT_MAX)])
    rules = LongTextField("Rules for hirers (optional)", validators=[length("Rules", TEXT_MAX)])
    min_booking_minutes = WholeNumberField("Shortest booking, in minutes", minimum=15, maximum=1440, default=60,
                                           thing="the shortest booking")
    max_booking_minutes = WholeNumberField("Longest booking, in minutes", minimum=15, maximum=1440, default=480,
                                           thing="the longest booking")
    turnaround_minutes = WholeNumberField("Time between bookings, in minutes", maximum=240, default=30,
                                          thing="the time between bookings",
                                          description="For cleaning and setting up. Nobody can book this time after a booking.")
    min_notice_hours = WholeNumberField("Notice needed, in hours", maximum=8760, default=24, thing="the notice needed")
    booking_horizon_days = WholeNumberField("How far ahead people can book, in days", minimum=1, maximum=730, default=180,
                                            thing="how far ahead people can book")
    cancellation_notice_hours = WholeNumberField("Free cancellation notice, in hours", maximum=8760, default=48,
                                                 thing="the free cancellation notice")
    requires_approval = Checkbox("Bookings need staff approval")
    is_bookable = Checkbox("Bookable: residents can book this space", default=True)


WEEKDAY_CHOICES = [SelectChoice(str(i), name) for i, name in enumerate(OpeningHours.WEEKDAYS)]


class OpeningHoursForm(ModelForm):
    space_id = ChoiceSelectField("Space", coerce=int, message="Select the space")
    weekday = ChoiceSelectField("Day of the week", choices=WEEKDAY_CHOICES, coerce=int, message="Select the day of the week")
    opens_at = TimeOfDayField("Opens at", thing="the opening time")
    closes_at = TimeOfDayField("Closes at", thing="the closing time",
                               description="Use the 24-hour clock, for example 17:30. Use 23:59 for midnight.")


class NewOpeningHoursForm(OpeningHoursForm):
    """Adding hours: the same range on several days at once (Monday to Friday, say)."""

    derived_fields = frozenset({"weekdays"})

    weekday = None
    weekdays = CheckboxesField("Days of the week", choices=WEEKDAY_CHOICES, coerce=int,
                               message="Select the days these hours apply to")


class TariffForm(ModelForm):
    space_id = ChoiceSelectField("Space", coerce=int, message="Select the space")
    category = ChoiceRadioField("Who pays this rate", choices=enum_choices(HirerCategory), coerce=HirerCategory,
                                message="Select who pays this rate")
    pence_per_hour = PoundsField("Price per hour, in pounds", thing="the price per hour",
                                 description="For example, 12.50. Enter 0 if it is free.")
    billing_unit_minutes = ChoiceRadioField("Charged per", coerce=int, default=60, message="Select how time is charged",
                                            choices=[SelectChoice("60", "Started hour"), SelectChoice("30", "Started half hour")])
    free_for_verified_groups = Checkbox("Free for verified community groups",
                                        description="Only for the verified community group rate.")
    deposit_pence = PoundsField("Deposit, in pounds", thing="the deposit", default=0,
                                description="Refundable. Enter 0 for no deposit.")


class PhotoForm(ModelForm):
    derived_fields = frozenset({"upload"})

    venue_id = ChoiceSelectField("Venue", coerce=int, message="Select the venue")
    upload = FileField("Photo", widget=GovFileInput(),
                       description="A JPEG, PNG or WebP image. Choose a photo of the space, not a poster or a logo.")
    alt_text = TextField("Description of the photo", validators=[required("Describe the photo for people who cannot see it"),
                                                                 length("Description of the photo", 250)],
                         description="For people who use a screen reader, for example: Main hall set out with tables for 40.")
    position = WholeNumberField("Order on the venue page", maximum=100, default=0, thing="the order",
                                description="Photos with smaller numbers come first.")


class EditPhotoForm(PhotoForm):
    upload = None
