"""The booking flow's question pages, one form per page, with GOV.UK error messages."""

import re
from datetime import date, time

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, DateField, IntegerField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError

from ..timeutil import parse_time

MAX_OCCURRENCES = 52


class GovDateField(DateField):
    """A GOV.UK date input (day, month, year) with the Design System's error messages.

    The widget unpacks exactly three posted values when it re-renders, so a post that
    leaves some out (or adds more) is padded or trimmed here rather than crashing the page.
    """

    widget = GovDateInput()

    def __init__(self, label=None, validators=None, *, thing: str = "the date", **kwargs):
        super().__init__(label, validators, format="%d %m %Y", **kwargs)
        self.thing = thing

    def process_formdata(self, valuelist):
        parts = [(value or "").strip() for value in valuelist][:3]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        self.data = None
        if not any(parts):
            return  # left for InputRequired-style checking in pre_validate
        missing = [name for name, value in zip(("day", "month", "year"), parts) if not value]
        if missing:
            raise ValueError(f"{self.label.text} must include a {' and '.join(missing)}")
        if not all(value.isdigit() for value in parts):
            raise ValueError(f"{self.label.text} must be a real date")
        if len(parts[2]) != 4:
            raise ValueError("Year must include 4 numbers")
        try:
            self.data = date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            raise ValueError(f"{self.label.text} must be a real date") from None

    def pre_validate(self, form):
        if self.raw_data is not None and not any(self.raw_data) and not self.process_errors:
            raise ValidationError(f"Enter {self.thing}")


class TimeField(StringField):
    """A time typed as text (GOV.UK has no time component), parsed into `time_value`."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, *, thing: str, **kwargs):
        kwargs.setdefault("description", "Use the 24-hour clock, for example 18:00, or write 6pm")
        super().__init__(label, validators, **kwargs)
        self.thing = thing
        self.time_value: time | None = None

    def pre_validate(self, form):
        self.time_value = None
        text = (self.data or "").strip()
        if not text:
            raise ValidationError(f"Enter {self.thing}")
        if len(text) > 10:
            raise ValidationError(f"Enter {self.thing} like 18:00 or 6pm")
        try:
            self.time_value = parse_time(text)
        except ValueError as error:
            if str(error) == "real":
                raise ValidationError(f"{self.label.text} must be a real time, like 18:00") from None
            raise ValidationError(f"Enter {self.thing} like 18:00 or 6pm") from None


class WhenForm(FlaskForm):
    date = GovDateField("Date", thing="the date of the booking",
                        description="For example, 27 3 2027")
    start = TimeField("Start time", thing="a start time")
    end = TimeField("End time", thing="an end time")
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def validate_end(self, field):
        if self.start.time_value and field.time_value and field.time_value <= self.start.time_value \
                and field.time_value != time(0):  # midnight ends the day (see rules.slot_instants)
            raise ValidationError("End time must be after the start time")


class GovIntegerField(IntegerField):
    """A whole number typed in a text input. Blank is None (for InputRequired to report)."""

    widget = GovTextInput()

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip().replace(",", "")
        self.data = None
        if not text:
            return
        if not re.fullmatch(r"\d{1,7}", text):
            raise ValueError(self.invalid_value_message)
        self.data = int(text)


class RepeatForm(FlaskForm):
    repeat = RadioField("Does this booking repeat?", widget=GovRadioInput(), choices=[
        SelectChoice("no", "No, just once"),
        SelectChoice("weekly", "Yes, every week"),
        SelectChoice("fortnightly", "Yes, every 2 weeks"),
    ], validators=[InputRequired("Select whether the booking repeats")],
        invalid_choice_message="Select whether the booking repeats")
    occurrences = GovIntegerField(
        "If it repeats, how many times in all?",
        description=f"Including the first booking, up to {MAX_OCCURRENCES}",
        invalid_value_message="Enter how many times as a whole number, like 10")
    submit = SubmitField("Continue", widget=GovSubmitInput())

    @property
    def repeats(self) -> bool:
        return self.repeat.data in ("weekly", "fortnightly")

    def validate_occurrences(self, field):
        if not self.repeats or field.process_errors:
            return
        if field.data is None:
            raise ValidationError("Enter how many times the booking happens, like 10")
        if not 2 <= field.data <= MAX_OCCURRENCES:
            raise ValidationError(f"Number of times must be between 2 and {MAX_OCCURRENCES}")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.repeats and self.occurrences.errors:
            # The number only matters for a repeating booking.
            self.occurrences.errors = []
            valid = not any(field.errors for field in self)
        return valid


class WhoForm(FlaskForm):
    who = RadioField("Who is booking?", widget=GovRadioInput(), choices=[],
                     validators=[InputRequired("Select who is booking")],
                     invalid_choice_message="Select who is booking")
    submit = SubmitField("Continue", widget=GovSubmitInput())


PURPOSE_TOO_LONG = "What the booking is for must be 200 characters or fewer"
NEEDS_TOO_LONG = "Accessibility or set-up needs must be 1,000 characters or fewer"


class PurposeForm(FlaskForm):
    purpose = StringField("What is the booking for?", widget=GovTextInput(),
                          description="For example, a yoga class or a tenants' association meeting",
                          validators=[InputRequired("Enter what the booking is for"),
                                      Length(max=200, message=PURPOSE_TOO_LONG)])
    attendees = GovIntegerField("How many people do you expect?",
                                invalid_value_message="Enter the number of people as a whole number, like 20",
                                validators=[InputRequired("Enter how many people you expect"),
                                            NumberRange(min=1, message="Enter at least 1 person")])
    submit = SubmitField("Continue", widget=GovSubmitInput())


class NeedsForm(FlaskForm):
    needs = TextAreaField("Accessibility or set-up needs (optional)", widget=GovTextArea(),
                          description="For example, step-free access, a hearing loop, or tables set out in rows",
                          validators=[Length(max=1000, message=NEEDS_TOO_LONG)])
    submit = SubmitField("Continue", widget=GovSubmitInput())


class OccurrencesForm(FlaskForm):
    """Checkboxes in a table; the view checks the chosen dates against the bookable ones."""

    submit = SubmitField("Continue", widget=GovSubmitInput())


class CheckForm(FlaskForm):
    accept = BooleanField("I accept the hire conditions", widget=GovCheckboxInput(),
                          validators=[InputRequired("Confirm that you accept the hire conditions")])
    submit = SubmitField("Confirm booking", widget=GovSubmitInput())


class CancelForm(FlaskForm):
    reason = TextAreaField("Why are you cancelling? (optional)", widget=GovTextArea(),
                           validators=[Length(max=500, message="The reason must be 500 characters or fewer")])
    submit = SubmitField("Yes, cancel", widget=GovSubmitInput())


class CalendarFeedForm(FlaskForm):
    create = SubmitField("Create a calendar address", widget=GovSubmitInput())
    turn_off = SubmitField("Turn off the calendar address", widget=GovSubmitInput())

