"""Field validators and filters for account and group forms, with GOV.UK-style messages."""

import re

from wtforms.validators import Email, InputRequired, Length, Optional, StopValidation, ValidationError

EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"
PHONE_FORMAT = "Enter a telephone number, like 020 8356 3000, 07700 900 982 or +44 20 8356 3000"
_PHONE_CHARACTERS = re.compile(r"^\+?[\d\s()\-]+$")


def strip(value):
    return value.strip() if isinstance(value, str) else value


def lower(value):
    return value.lower() if isinstance(value, str) else value


def _email_rules() -> list:
    return [Length(max=254, message="Email address must be 254 characters or fewer"), Email(EMAIL_FORMAT)]


def email_validators(empty_message: str = "Enter your email address") -> list:
    return [InputRequired(empty_message), *_email_rules()]


def optional_email_validators() -> list:
    return [Optional(), *_email_rules()]


class UkPhone:
    """Digits with spaces, brackets, hyphens and an optional leading +; 10 to 15 digits."""

    def __call__(self, form, field):
        value = field.data or ""
        digits = re.sub(r"\D", "", value)
        if not _PHONE_CHARACTERS.match(value) or not 10 <= len(digits) <= 15:
            raise ValidationError(PHONE_FORMAT)


def phone_validators() -> list:
    return [Optional(), Length(max=40, message="Telephone number must be 40 characters or fewer"), UkPhone()]


def name_validators() -> list:
    return [InputRequired("Enter your full name"), Length(max=120, message="Full name must be 120 characters or fewer")]


class NoControlCharacters:
    """Text fields are shown in emails and pages; control characters only cause trouble there."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        if field.data and re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", field.data):
            raise StopValidation(self.message)
