"""Administrators only: staff accounts (roles and services) and the council services themselves.

Passwords, calendar tokens and sign-in counters never appear: the forms list only the
fields an administrator may change.
"""

import sqlalchemy as sa
from wtforms import SelectChoice
from wtforms.validators import Email, Optional

from ..accounts.models import Role
from ..extensions import db
from ..formatting import format_datetime
from ..venues.models import Service
from .base import StaffModelView
from .fields import Checkbox, ChoiceRadioField, ChoiceSelectField, TextField, WholeNumberField
from .forms import ModelForm, enum_choices, length, optional_int, required
from .venues import unique_slug

STAFF_WITH_SERVICE = {Role.HOUSING_OFFICER, Role.LIBRARY_STAFF}


class UserForm(ModelForm):
    name = TextField("Full name", validators=[required("Enter the person’s full name"), length("Full name", 120)])
    phone = TextField("Phone number (optional)", blank_is_none=True, validators=[length("Phone number", 40)])
    role = ChoiceRadioField("Role", choices=enum_choices(Role), coerce=Role, message="Select the role")
    service_id = ChoiceSelectField("Service", coerce=optional_int, allow_blank=True, message="Select the service",
                                   description="Housing officers and library staff see only this service’s venues.")
    is_disabled = Checkbox("Account disabled: they cannot sign in")


class ServiceForm(ModelForm):
    name = TextField("Service name", validators=[required("Enter the service name"), length("Service name", 120)])
    contact_email = TextField("Contact email address (optional)", blank_is_none=True, validators=[
        Optional(), Email("Enter an email address in the correct format, like name@example.com"),
        length("Contact email address", 254)])
    free_hours_per_group_month = WholeNumberField(
        "Free hours a verified group may use each month", maximum=744, default=20, thing="the free hours",
        description="Across all of this service’s spaces that are free for verified groups.")


class UserView(StaffModelView):
    administrators_only = True
    form = UserForm
    audit_name = "user"
    audit_fields = ["name", "phone", "role", "service_id", "is_disabled"]
    can_create = False  # people create their own accounts; staff book for callers elsewhere
    can_delete = False  # disable instead: bookings and the audit trail refer to people
    can_export = True
    column_list = ["name", "email", "role", "service", "is_disabled"]
    column_details_list = ["name", "email", "phone", "role", "service", "is_disabled", "email_confirmed_at",
                           "created_at", "last_signed_in_at"]
    column_export_list = ["id", "name", "email", "role", "service", "is_disabled", "created_at"]
    column_labels = {"is_disabled": "Disabled", "email_confirmed_at": "Email confirmed", "created_at": "Joined",
                     "last_signed_in_at": "Last signed in"}
    column_formatters = {"role": lambda v, c, m, n: m.role.label,
                         "is_disabled": lambda v, c, m, n: "Yes" if m.is_disabled else "No",
                         **{name: (lambda f: lambda v, c, m, n: format_datetime(getattr(m, f)) if getattr(m, f) else "")(name)
                            for name in ("email_confirmed_at", "created_at", "last_signed_in_at")}}
    column_formatters_export = {"role": lambda v, c, m, n: m.role.value}
    column_searchable_list = ["name", "email"]
    search_hint = "name or email"
    column_default_sort = "name"

    def describe(self, model):
        return f"account {model.email}"

    def prepare_form(self, form, model):
        services = db.session.scalars(sa.select(Service).order_by(Service.name))
        form.service_id.choices = [SelectChoice("", "No service")] + [SelectChoice(str(s.id), s.name) for s in services]

    def validate_rules(self, form, model):
        if form.role.data in STAFF_WITH_SERVICE and form.service_id.data is None:
            form.service_id.errors.append(f"Select the service this {form.role.data.label.lower()} works for")


class ServiceView(StaffModelView):
    administrators_only = True
    form = ServiceForm
    audit_name = "service"
    audit_fields = ["name", "contact_email", "free_hours_per_group_month"]
    can_delete = False  # venues and staff belong to services
    column_list = ["name", "contact_email", "free_hours_per_group_month"]
    column_labels = {"free_hours_per_group_month": "Free hours a month"}
    column_default_sort = "name"

    def validate_rules(self, form, model):
        clash = db.session.scalar(sa.select(Service.id).where(
            sa.func.lower(Service.name) == form.name.data.lower(), Service.id != (model.id if model else -1)))
        if clash:
            form.name.errors.append("There is already a service with this name")

    def before_save(self, form, model, is_created):
        if is_created:
            model.slug = unique_slug(model.name, lambda s: db.session.scalar(sa.select(Service.id).where(Service.slug == s)))
