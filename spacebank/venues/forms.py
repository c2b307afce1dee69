"""The find-a-space form: a GET form, so results have a URL to share and work without JavaScript.

Every field is parsed leniently (postcodes in any case, "6pm" or "18:00", "£12.50") and
every failure gets a specific GOV.UK-style message; nothing a person can type, or put in
the URL, reaches the search as anything but a valid value.
"""

import re
from datetime import date, datetime, time, timedelta

from flask_wtf import FlaskForm
from govuk_frontend_wtf.main import wtforms_errors
from govuk_frontend_wtf.wtforms_widgets import (GovCheckboxesInput, GovDateInput, GovRadioInput, GovSelect,
                                                GovTextInput)
from wtforms import Field, RadioField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import ValidationError

from .. import geo
from ..bookings.intervals import Interval
from ..timeutil import local_datetime, to_local
from ..timeutil import parse_time as parse_clock_time
from .models import HirerCategory, VenueKind

MAX_PEOPLE = 1000
MAX_PRICE_POUNDS = 1000
SEARCH_AHEAD_DAYS = 366

# Search value -> (label, model attribute). Space facilities first, then venue access.
NEEDS = {
    "kitchen": ("Kitchen", "has_kitchen"),
    "wifi": ("Wi-Fi", "has_wifi"),
    "projector": ("Projector", "has_projector"),
    "step_free_access": ("Step-free access", "step_free_access"),
    "accessible_toilet": ("Accessible toilet", "accessible_toilet"),
    "hearing_loop": ("Hearing loop", "hearing_loop"),
    "parking": ("Parking", "parking"),
    "baby_change": ("Baby changing", "baby_change"),
}

PRICE_CHOICES = [SelectChoice("any", "Any price"), SelectChoice("free", "Free for my community group"),
                 SelectChoice("under", "Up to a price an hour")]


class DateInputField(Field):
    """A date from GovDateInput's day, month and year (all under one name), or one
    YYYY-MM-DD value from a link. Empty is allowed: the form decides if a date is needed.

    The widget unpacks `raw_data` into exactly three boxes, so raw_data is always made
    three strings (or None), whatever arrived: a URL can carry any number of values.
    """

    widget = GovDateInput()

    def _value(self):
        return self.data.strftime("%d %m %Y") if self.data else ""

    def process_formdata(self, valuelist):
        self.data = None
        parts = [v.strip() for v in valuelist][:4]
        if len(parts) == 1 and re.fullmatch(r"\d{4}-\d{2}-\d{2}", parts[0]):
            year, month, day = parts[0].split("-")
            parts = [day, month, year]
        if len(parts) != 3:
            self.raw_data = None
            if any(parts):
                raise ValueError(f"{self.label.text} must be a real date")
            return
        self.raw_data = [p[:4] for p in parts]
        day, month, year = parts
        if not any(parts):
            return
        missing = [name for name, value in (("day", day), ("month", month), ("year", year)) if not value]
        if missing:
            raise ValueError(f"{self.label.text} must include a {' and '.join(missing)}")
        if not all(p.isascii() and p.isdigit() for p in parts) or len(day) > 2 or len(month) > 2:
            raise ValueError(f"{self.label.text} must be a real date")
        if len(year) != 4:
            raise ValueError("Year must include 4 numbers")
        try:
            self.data = date(int(year), int(month), int(day))
        except ValueError:
            raise ValueError(f"{self.label.text} must be a real date") from None




def parse_time(text: str) -> time | None:
    """timeutil.parse_time, with None for an answer that is not a time."""
    try:
        return parse_clock_time(text)
    except ValueError:
        return None


class TimeField(StringField):
    """A time of day typed as text (GOV.UK has no time component).

    An end time of "midnight" or "24:00" means the end of the day, stored as 23:59 like
    opening hours that run to midnight.
    """

    widget = GovTextInput()

    def __init__(self, label, *, end_of_day: bool = False, **kwargs):
        super().__init__(label, **kwargs)
        self.end_of_day = end_of_day

    def process_formdata(self, valuelist):
        self.data = None
        self.text = valuelist[0].strip() if valuelist else ""
        if not self.text:
            return
        if self.end_of_day and self.text.lower() in ("midnight", "24:00", "24.00", "12am"):
            self.data = time(23, 59)
            return
        if len(self.text) > 10 or (parsed := parse_time(self.text)) is None:
            raise ValueError(f"{self.label.text} must be a real time, like 18:00 or 6pm")
        self.data = parsed

    def _value(self):
        if self.data is not None:
            return self.data.strftime("%H:%M")
        return getattr(self, "text", "")


class WholeNumberField(StringField):
    widget = GovTextInput()

    def __init__(self, label, *, thing: str, maximum: int, **kwargs):
        super().__init__(label, **kwargs)
        self.thing, self.maximum = thing, maximum

    def process_formdata(self, valuelist):
        self.data = None
        self.text = valuelist[0].strip()[:20] if valuelist else ""
        if not self.text:
            return
        cleaned = self.text.replace(",", "")
        if not re.fullmatch(r"-?\d+", cleaned):
            raise ValueError(f"{self.thing} must be a whole number, like 20")
        value = int(cleaned)
        if value < 1:
            raise ValueError(f"{self.thing} must be 1 or more")
        if value > self.maximum:
            raise ValueError(f"{self.thing} must be {self.maximum:,} or fewer")
        self.data = value

    def _value(self):
        return str(self.data) if self.data is not None else getattr(self, "text", "")


class PoundsField(StringField):
    """An amount of money in pounds ("15", "£12.50"), kept as integer pence."""

    widget = GovTextInput()

    def process_formdata(self, valuelist):
        self.data = None
        self.text = valuelist[0].strip()[:20] if valuelist else ""
        if not self.text:
            return
        match = re.fullmatch(r"£?\s*(\d{1,7})(?:\.(\d{1,2}))?", self.text.replace(",", ""))
        if not match:
            raise ValueError("Price must be an amount of money, like 15 or 12.50")
        pence = int(match[1]) * 100 + int((match[2] or "0").ljust(2, "0"))
        if pence > MAX_PRICE_POUNDS * 100:
            raise ValueError(f"Price must be £{MAX_PRICE_POUNDS:,} or less")
        self.data = pence

    def _value(self):
        if self.data is not None:
            pounds, pence = divmod(self.data, 100)
            return f"{pounds}.{pence:02d}" if pence else str(pounds)
        return getattr(self, "text", "")


class ChoiceMessage:
    """A choice field's own message for a value not on the list (from a hand-made URL)."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        if field.data is None or field.data == []:
            return
        values = field.data if isinstance(field.data, list) else [field.data]
        allowed = {choice.value for choice in field.choices}
        if any(value not in allowed for value in values):
            raise ValidationError(self.message)


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    where = StringField("Postcode or place", widget=GovTextInput())
    date = DateInputField("Date")
    start = TimeField("Start time")
    end = TimeField("End time", end_of_day=True)
    people = WholeNumberField("Number of people", thing="Number of people", maximum=MAX_PEOPLE)
    category = RadioField("Who is booking?", widget=GovRadioInput(), default=HirerCategory.RESIDENT.value,
                          choices=[SelectChoice(c.value, c.label) for c in (
                              HirerCategory.RESIDENT, HirerCategory.COMMUNITY, HirerCategory.COMMERCIAL)],
                          validate_choice=False, validators=[ChoiceMessage("Select who is booking")])
    price = RadioField("Price", widget=GovRadioInput(), default="any", choices=PRICE_CHOICES,
                       validate_choice=False, validators=[ChoiceMessage("Select a price option")])
    max_price = PoundsField("Most you want to pay an hour, in pounds")
    kind = SelectField("Type of venue", widget=GovSelect(), default="",
                       choices=[SelectChoice("", "Any type")] + [SelectChoice(k.value, k.label) for k in VenueKind],
                       validate_choice=False, validators=[ChoiceMessage("Select a type of venue from the list")])
    needs = SelectMultipleField("Facilities and access needs", widget=GovCheckboxesInput(),
                                choices=[SelectChoice(value, label) for value, (label, _) in NEEDS.items()],
                                validate_choice=False,
                                validators=[ChoiceMessage("Select facilities and access needs from the list")])

    FIELD_NAMES = ("where", "date", "start", "end", "people", "category", "price", "max_price", "kind", "needs")

    def __init__(self, *args, geocoder=None, now: datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self.geocoder = geocoder
        self.now = now
        self.place: geo.Place | None = None
        self.window: Interval | None = None

    # Field checks that need the other fields or the outside world.

    def validate_where(self, field):
        text = (field.data or "").strip()
        if not text:
            return
        try:
            self.place = geo.geocode(text, self.geocoder)
        except geo.LocationError as error:
            raise ValidationError(error.message) from None

    def validate_date(self, field):
        today = to_local(self.now).date()
        if field.data is None:
            if self.start.data or self.end.data:
                raise ValidationError("Enter a date to search for a time")
            return
        if field.data < today:
            raise ValidationError("Date must be today or in the future")
        if field.data > today + timedelta(days=SEARCH_AHEAD_DAYS):
            raise ValidationError("Date must be within the next 12 months")

    def validate_start(self, field):
        if field.data is None and self.end.data is not None:
            raise ValidationError("Enter a start time, or leave both times empty to see any time that day")

    def validate_end(self, field):
        start, end = self.start.data, field.data
        if end is None:
            if start is not None:
                raise ValidationError("Enter an end time, or leave both times empty to see any time that day")
            return
        if start is None:
            return
        if end <= start:
            raise ValidationError("End time must be after the start time")
        day = self.date.data
        if day is None or self.date.errors:
            return
        starts_at, ends_at = local_datetime(day, start), local_datetime(day, end)
        if ends_at <= starts_at:  # both inside the hour the clocks skip
            raise ValidationError("That time does not exist on this day because the clocks go forward. "
                                  "Choose another time")
        if starts_at < self.now:
            raise ValidationError("Start time must be in the future")
        self.window = Interval(starts_at, ends_at)

    def validate_max_price(self, field):
        if self.price.data == "under" and field.data is None and not field.errors:
            raise ValidationError("Enter the most you want to pay an hour, like 15")

    def validate_price(self, field):
        if field.data == "free" and self.category.data != HirerCategory.COMMUNITY.value:
            raise ValidationError("Only verified community groups can use spaces for free. Select ‘Verified "
                                  "community group’ as who is booking, or choose another price")

    # What the search needs, once valid.

    @property
    def category_choice(self) -> HirerCategory:
        return HirerCategory(self.category.data)

    @property
    def kind_choice(self) -> VenueKind | None:
        return VenueKind(self.kind.data) if self.kind.data else None

    @property
    def max_pence_per_hour(self) -> int | None:
        # A price typed without choosing "Up to a price an hour" still counts.
        return self.max_price.data if self.price.data in ("under", "any") else None

    def criteria(self):
        """The search to run; call after validate()."""
        from .search import Criteria

        return Criteria(
            place=self.place, day=self.date.data, start=self.start.data, end=self.end.data, window=self.window,
            people=self.people.data, needs=frozenset(self.needs.data or ()), kind=self.kind_choice,
            category=self.category_choice, free_for_group=self.price.data == "free",
            max_pence_per_hour=self.max_pence_per_hour,
        )

    def error_list(self) -> dict:
        """wtforms_errors, with each date error linking to its first box (GOV.UK pattern)."""
        params = wtforms_errors(self)
        for item in params["errorList"]:
            if item["href"] == f"#{self.date.id}":
                item["href"] = f"#{self.date.name}-day"
        return params


def is_search(args) -> bool:
    """Whether the query string holds a search (the first visit shows only the form)."""
    return any(name in args for name in SearchForm.FIELD_NAMES)
