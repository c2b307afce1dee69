"""Forms for signing in and managing an account. Group forms are in group_forms.py."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from .passwords import MIN_LENGTH, password_problem
from .validators import NoControlCharacters, email_validators, lower, name_validators, phone_validators, strip


def _email_field(label="Email address", empty_message="Enter your email address", description=None):
    return EmailField(label, widget=GovTextInput(), filters=[strip, lower], description=description,
                      validators=email_validators(empty_message),
                      render_kw={"type": "email", "params": {"autocomplete": "email", "spellcheck": False}})


def _current_password_field(label="Password", empty_message="Enter your password"):
    # No length rule beyond a sanity cap: older passwords may predate today's rules.
    return PasswordField(label, widget=GovPasswordInput(),
                         validators=[InputRequired(empty_message),
                                     Length(max=200, message="Password must be 200 characters or fewer")],
                         render_kw={"params": {"autocomplete": "current-password"}})


def _name_field():
    return StringField("Full name", widget=GovTextInput(), filters=[strip], validators=[
        *name_validators(), NoControlCharacters("Full name must only include letters, spaces and punctuation")],
        render_kw={"params": {"autocomplete": "name", "spellcheck": False}})


def _phone_field():
    return StringField("Telephone number (optional)", widget=GovTextInput(), filters=[strip],
                       description="For the council to contact you about a booking",
                       validators=phone_validators(),
                       render_kw={"type": "tel", "params": {"autocomplete": "tel", "classes": "govuk-input--width-20"}})


def _new_password_field(label="Create a password"):
    return PasswordField(
        label, widget=GovPasswordInput(),
        description=f"Must be at least {MIN_LENGTH} characters. A good way to make one is to put 3 random words together.",
        validators=[InputRequired("Enter a password")],
        render_kw={"params": {"autocomplete": "new-password"}})


def _confirm_password_field(label="Confirm password"):
    return PasswordField(
        label, widget=GovPasswordInput(),
        validators=[InputRequired("Confirm your password"), EqualTo("password", "Passwords must match")],
        render_kw={"params": {"autocomplete": "new-password"}})


class NewPasswordRules:
    """Checks `password` against the rules in passwords.py.

    `account_email` is the address the password must not contain; a form that asks
    for the address itself overrides email_for_password_check. (Fields are made by
    the functions above, in each form's own body, so they appear in page order.)
    """

    account_email: str | None = None

    def email_for_password_check(self) -> str | None:
        return self.account_email

    def validate_password(self, field):
        problem = password_problem(field.data or "", self.email_for_password_check())
        if problem:
            raise ValidationError(problem)


class NewPasswordForm(NewPasswordRules, FlaskForm):
    password = _new_password_field("New password")
    confirm_password = _confirm_password_field("Confirm new password")
    submit = SubmitField("Save password", widget=GovSubmitInput())


class RegisterForm(NewPasswordRules, FlaskForm):
    name = _name_field()
    email = _email_field(description="We will send a link to confirm it, and your booking confirmations")
    phone = _phone_field()
    password = _new_password_field()
    confirm_password = _confirm_password_field()
    submit = SubmitField("Create account", widget=GovSubmitInput())

    def email_for_password_check(self) -> str | None:
        return self.email.data


class SignInForm(FlaskForm):
    email = _email_field()
    password = _current_password_field()
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class EmailOnlyForm(FlaskForm):
    email = _email_field()
    submit = SubmitField("Send the link", widget=GovSubmitInput())


class ChangePasswordForm(NewPasswordRules, FlaskForm):
    current_password = _current_password_field("Current password", "Enter your current password")
    password = _new_password_field("New password")
    confirm_password = _confirm_password_field("Confirm new password")
    submit = SubmitField("Change password", widget=GovSubmitInput())


class AccountDetailsForm(FlaskForm):
    name = _name_field()
    phone = _phone_field()
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class ChangeEmailForm(FlaskForm):
    email = _email_field("New email address", "Enter your new email address")
    current_password = _current_password_field("Current password", "Enter your current password")
    submit = SubmitField("Send a confirmation link", widget=GovSubmitInput())


class ButtonForm(FlaskForm):
    """A form that is only a button (and its CSRF token)."""
