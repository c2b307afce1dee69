"""Form fields for staff forms: GOV.UK widgets, GOV.UK error wording, and no 500s from odd input.

Each field turns what a person types into a plain value (a date, a wall-clock time,
integer pence) or a specific error message, whatever the browser sends.
"""

import re
from datetime import date, time
from decimal import Decimal, InvalidOperation

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, Field, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import StopValidation

MAX_PENCE = 100_000_000  # £1 million: far beyond any hire charge, well inside an integer column


class ChoiceMixin:
    """Select and radio fields whose bad input gets the field's own message, not WTForms' English."""

    def __init__(self, label=None, validators=None, message=None, allow_blank=False, **kwargs):
        message = message or f"Select {str(label).lower()}"
        kwargs.setdefault("invalid_value_message", message)
        kwargs.setdefault("invalid_choice_message", message)
        super().__init__(label, validators, **kwargs)
        self.message = message
        self.allow_blank = allow_blank

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0] == "":
            self.data = None
            return
        super().process_formdata(valuelist)

    def pre_validate(self, form):
        if self.process_errors:
            return
        if self.data is None:
            if self.allow_blank:
                return
            raise StopValidation(self.message)
        super().pre_validate(form)


class ChoiceSelectField(ChoiceMixin, SelectField):
    widget = GovSelect()


class ChoiceRadioField(ChoiceMixin, RadioField):
    widget = GovRadioInput()


class CheckboxesField(SelectMultipleField):
    """Several checkboxes; values outside the choices are an error, not a crash."""

    widget = GovCheckboxesInput()

    def __init__(self, label=None, validators=None, message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message or f"Select {str(label).lower()}"

    def process_formdata(self, valuelist):
        try:
            self.data = [self.coerce(value) for value in valuelist]
        except (ValueError, TypeError):
            self.data = []
            raise ValueError(self.message)

    def pre_validate(self, form):
        if self.process_errors:
            return
        allowed = {self.coerce(choice.value) for choice in self._choices_from_input(self.choices) or []}
        if any(value not in allowed for value in self.data or []):
            raise StopValidation(self.message)


class Checkbox(BooleanField):
    widget = GovCheckboxInput()


class TextField(StringField):
    """Single-line text, stripped; blank becomes None when `blank_is_none`."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, blank_is_none=False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.blank_is_none = blank_is_none

    def process_data(self, value):
        # A record's number (a latitude, say) is shown and checked as the text it would be typed as.
        self.data = value if value is None or isinstance(value, str) else str(value)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if isinstance(self.data, str):  # not sent at all: the record's own value stays
            self.data = self.data.strip()
        if self.blank_is_none and self.data == "":
            self.data = None

    def _value(self):
        return "" if self.data is None else str(self.data)


class LongTextField(TextAreaField):
    widget = GovTextArea()

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = self.data.strip() if isinstance(self.data, str) else (self.data or "")


class WholeNumberField(Field):
    """A whole number within [minimum, maximum], with GOV.UK messages naming the thing."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, minimum=0, maximum=MAX_PENCE, thing=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "numeric"})
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum = minimum, maximum
        self.thing = thing or str(label).lower()

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip().replace(",", "")
        if not text:
            self.data = None
            return
        if not re.fullmatch(r"-?\d{1,12}", text):
            self.data = None
            raise ValueError(f"{self.thing.capitalize()} must be a whole number")
        self.data = int(text)

    def pre_validate(self, form):
        if self.process_errors:
            return
        if self.data is None:
            if not self.flags.optional:
                raise StopValidation(f"Enter {self.thing}")
            return
        if self.data < self.minimum:
            raise StopValidation(f"{self.thing.capitalize()} must be {self.minimum} or more")
        if self.data > self.maximum:
            raise StopValidation(f"{self.thing.capitalize()} must be {self.maximum:,} or less")


def parse_pounds(text: str) -> int | None:
    """'£12.50' -> 1250, '12' -> 1200, '0.5' -> 50. None if it is not an amount of money."""
    cleaned = text.strip().replace(",", "").removeprefix("£").strip()
    if not re.fullmatch(r"\d{1,7}(\.\d{1,2})?", cleaned):
        return None
    try:
        return int((Decimal(cleaned) * 100).to_integral_value())
    except InvalidOperation:
        return None


class PoundsField(Field):
    """Money typed in pounds (£12.50), held as integer pence."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, thing=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "spellcheck": "false"})
        super().__init__(label, validators, **kwargs)
        self.thing = thing or str(label).lower()

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        pounds, pence = divmod(self.data, 100)
        return f"{pounds}.{pence:02d}"

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = None
            return
        if text.lstrip().startswith(("-", "£-")):
            self.data = None
            raise ValueError(f"{self.thing.capitalize()} must be £0 or more")
        pence = parse_pounds(text)
        if pence is None:
            self.data = None
            raise ValueError(f"Enter {self.thing} in pounds and pence, like 12.50")
        self.data = pence

    def pre_validate(self, form):
        if self.data is None and not self.process_errors:
            raise StopValidation(f"Enter {self.thing}")
        if self.data is not None and self.data > MAX_PENCE:
            raise StopValidation(f"{self.thing.capitalize()} must be £1,000,000 or less")


_TIME_RE = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?", re.IGNORECASE)


def parse_time(text: str) -> time | None:
    """'9:00', '09:00', '17:30', '9am', '5.30pm', 'midday', 'midnight' -> time; None if unreadable."""
    cleaned = text.strip().lower()
    if cleaned in {"midday", "noon", "12 noon"}:
        return time(12)
    if cleaned == "midnight":
        return time(0)
    match = _TIME_RE.fullmatch(cleaned)
    if not match:
        return None
    hour, minute, suffix = int(match[1]), int(match[2] or 0), match[3]
    if suffix:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    elif match[2] is None:
        return None  # "9" alone is ambiguous: ask for 9:00 or 9am
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


class TimeOfDayField(Field):
    """A London wall-clock time such as 09:00 or 5:30pm."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, thing=None, required=True, **kwargs):
        kwargs.setdefault("description", "Use the 24-hour clock, for example 09:00 or 17:30")
        kwargs.setdefault("render_kw", {"spellcheck": "false", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)
        self.thing = thing or str(label).lower()
        self.required = required

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%H:%M") if self.data else ""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = None
            return
        if len(text) > 10 or (parsed := parse_time(text)) is None:
            self.data = None
            raise ValueError(f"Enter {self.thing} as a real time, like 09:00 or 17:30")
        self.data = parsed

    def pre_validate(self, form):
        if self.data is None and self.required and not self.process_errors:
            raise StopValidation(f"Enter {self.thing}")


class GovDateField(Field):
    """Day, month and year boxes (GOV.UK date input) holding a date.

    The GOV.UK widget posts three values under one name and unpacks exactly three when it
    re-renders, so anything else (a missing or extra box) is padded to three and reported.
    """

    widget = GovDateInput()

    def __init__(self, label=None, validators=None, thing=None, required=True, **kwargs):
        kwargs.setdefault("description", "For example, 27 3 2026")
        super().__init__(label, validators, **kwargs)
        self.thing = thing or str(label).lower()
        self.required = required

    def _value(self):
        return ""  # the widget reads raw_data or data itself

    def process_formdata(self, valuelist):
        if not valuelist:
            self.raw_data = None  # the widget then shows self.data instead of unpacking nothing
            return
        if len(valuelist) == 1 and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(valuelist[0]).strip()):
            valuelist = list(reversed(str(valuelist[0]).strip().split("-")))  # links carry ISO dates
        parts = [str(v).strip()[:4] for v in valuelist[:3]]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        if not any(parts):
            self.data = None
            return
        names = ("a day", "a month", "a year")
        missing = [name for name, part in zip(names, parts) if not part]
        if missing:
            self.data = None
            raise ValueError(f"{self.thing.capitalize()} must include {' and '.join(missing)}")
        if not all(part.isdigit() for part in parts) or len(parts[2]) != 4:
            self.data = None
            raise ValueError(f"{self.thing.capitalize()} must be a real date")
        try:
            self.data = date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            self.data = None
            raise ValueError(f"{self.thing.capitalize()} must be a real date") from None

    def pre_validate(self, form):
        if self.data is None and self.required and not self.process_errors:
            raise StopValidation(f"Enter {self.thing}")
