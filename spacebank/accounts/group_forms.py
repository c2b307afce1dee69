"""Forms for community groups."""

import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import EmailField, RadioField, SelectChoice, StringField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, ValidationError

from .models import GroupKind
from .validators import NoControlCharacters, email_validators, lower, optional_email_validators, phone_validators, strip

# Charity Commission numbers (England and Wales) are 6 or 7 digits; Scottish (SC) and
# Northern Irish (NIC) numbers are longer but begin with letters, so "other" covers them.
CHARITY_NUMBER = re.compile(r"^\d{6,8}$")
REGISTRATION_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 /\-]*$")


def _without_spaces(value):
    return re.sub(r"\s+", "", value) if isinstance(value, str) else value


class GroupForm(FlaskForm):
    name = StringField("Name of the group", widget=GovTextInput(), filters=[strip], validators=[
        InputRequired("Enter the name of the group"),
        Length(max=160, message="Name of the group must be 160 characters or fewer"),
        NoControlCharacters("Name of the group must only include letters, numbers and punctuation")],
        render_kw={"params": {"autocomplete": "organization", "spellcheck": False}})
    kind = RadioField("What type of group is it?", widget=GovRadioInput(),
                      choices=[SelectChoice(kind.value, kind.label) for kind in GroupKind], validate_choice=False,
                      validators=[InputRequired("Select what type of group it is"),
                                  AnyOf([kind.value for kind in GroupKind], message="Select what type of group it is")])
    registration_number = StringField(
        "Registration number", widget=GovTextInput(), filters=[strip],
        description="Your charity number if you are a registered charity (for example 1234567), "
                    "or a company or society number if you have one",
        validators=[Length(max=40, message="Registration number must be 40 characters or fewer")],
        render_kw={"params": {"classes": "govuk-input--width-10", "spellcheck": False}})
    description = TextAreaField("What does the group do?", widget=GovTextArea(), filters=[strip],
                                description="For example, who comes and what you do when you meet",
                                validators=[InputRequired("Enter what the group does"),
                                            Length(max=2000, message="What the group does must be 2000 characters or fewer"),
                                            NoControlCharacters("What the group does must only include letters, "
                                                                "numbers and punctuation")])
    contact_email = EmailField("Contact email address (optional)", widget=GovTextInput(), filters=[strip, lower],
                               validators=optional_email_validators(),
                               render_kw={"type": "email", "params": {"autocomplete": "email", "spellcheck": False}})
    contact_phone = StringField("Contact telephone number (optional)", widget=GovTextInput(), filters=[strip],
                                validators=phone_validators(),
                                render_kw={"type": "tel", "params": {"autocomplete": "tel",
                                                                     "classes": "govuk-input--width-20"}})
    submit = SubmitField("Save group", widget=GovSubmitInput())

    def validate_registration_number(self, field):
        number = field.data or ""
        if self.kind.data == GroupKind.CHARITY.value:
            if not number:
                raise ValidationError("Enter your charity number")
            if not CHARITY_NUMBER.match(_without_spaces(number)):
                raise ValidationError("Charity number must be 6 to 8 digits, like 1234567")
            field.data = _without_spaces(number)
        elif number and not REGISTRATION_NUMBER.match(number):
            raise ValidationError("Registration number must only include letters, numbers, spaces, hyphens and slashes")

    def group_fields(self) -> dict:
        return {
            "name": self.name.data,
            "kind": GroupKind(self.kind.data),
            "registration_number": self.registration_number.data or None,
            "description": self.description.data,
            "contact_email": self.contact_email.data or None,
            "contact_phone": self.contact_phone.data or None,
        }


class InviteForm(FlaskForm):
    email = EmailField("Email address", widget=GovTextInput(), filters=[strip, lower],
                       description="We will email them an invitation. They accept it by signing in with this address.",
                       validators=email_validators("Enter the email address of the person to add"),
                       render_kw={"type": "email", "params": {"autocomplete": "off", "spellcheck": False}})
    submit = SubmitField("Send invitation", widget=GovSubmitInput())
