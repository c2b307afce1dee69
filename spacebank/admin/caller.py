"""Book for a caller: staff make a booking for a resident who phones or visits.

The caller is found by email address, or given an account (they are emailed how to set a
password). The booking goes through operations.create_booking like any other, so every
rule applies except the notice and horizon limits, which staff may waive.
"""

import secrets

import sqlalchemy as sa
from flask import flash, redirect, url_for
from flask_admin import expose
from wtforms import SelectChoice
from wtforms.validators import Email

from .. import audit
from ..accounts.authentication import find_user, normalise_email
from ..accounts.emails import public_url
from ..accounts.models import Group, Role, User, Verification
from ..accounts.passwords import hash_password
from ..bookings import operations, queries
from ..bookings.locks import SlotTaken
from ..bookings.models import BookingStatus
from ..extensions import db
from ..notifications import queue_email
from ..timeutil import utcnow
from ..venues.models import HirerCategory
from .base import StaffView, actor
from .bookings import SlotForm
from .fields import ChoiceRadioField, ChoiceSelectField, LongTextField, TextField, WholeNumberField
from .forms import enum_choices, length, optional_int, required
from .scope import owned_space_or_404, owned_spaces


class CallerForm(SlotForm):
    email = TextField("Caller’s email address", validators=[
        required("Enter the caller’s email address"),
        Email("Enter an email address in the correct format, like name@example.com"),
        length("Email address", 254)], render_kw={"autocomplete": "off", "spellcheck": "false"},
        description="We send the booking confirmation here. If they have no account, we make one.")
    name = TextField("Caller’s full name", validators=[length("Full name", 120)],
                     description="Needed if they do not have an account yet.")
    phone = TextField("Caller’s phone number (optional)", blank_is_none=True, validators=[length("Phone number", 40)])
    category = ChoiceRadioField("Who is the booking for", choices=enum_choices(HirerCategory), coerce=HirerCategory,
                                message="Select who the booking is for")
    group_id = ChoiceSelectField("Community group", coerce=optional_int, allow_blank=True,
                                 message="Select the community group",
                                 description="Only for the verified community group rate. The caller must be a member.")
    purpose = TextField("What is the booking for", validators=[required("Enter what the booking is for"),
                                                                length("What the booking is for", 500)])
    attendees = WholeNumberField("Number of people", minimum=1, maximum=10_000, thing="the number of people")
    needs = LongTextField("Accessibility or setting-up needs (optional)", validators=[length("Needs", 2000)])


def new_caller_account(form) -> User:
    """An account for someone who phoned; they set a password through 'forgotten password'."""
    user = User(email=normalise_email(form.email.data), name=form.name.data, phone=form.phone.data,
                role=Role.RESIDENT, password_hash=hash_password(secrets.token_urlsafe(32)))
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", user, actor=actor(), summary=f"Account made for a caller: {user.email}",
                 after={"email": user.email, "name": user.name})
    queue_email(user.email, "Your Spacebank account", "admin_account_created", name=user.name,
                staff_name=actor().name, set_password_url=public_url("accounts.forgotten_password"),
                sign_in_url=public_url("accounts.sign_in"))
    return user


class CallerBookingView(StaffView):
    @expose("/", methods=("GET", "POST"))
    def index(self):
        form = CallerForm()
        form.space_id.choices = [SelectChoice(str(s.id), str(s)) for s in owned_spaces()]
        groups = db.session.scalars(sa.select(Group).where(Group.verification == Verification.VERIFIED)
                                    .order_by(Group.name)).all()
        form.group_id.choices = [SelectChoice("", "Not for a group")] + [SelectChoice(str(g.id), g.name) for g in groups]
        if form.validate_on_submit():
            booking = self._book(form)
            if booking is not None:
                flash(f"Booked {booking.reference} for {booking.booker.name}. "
                      "They have been emailed the details.", "success")
                return redirect(url_for("booking.details_view", id=booking.id))
        return self.render("spacebank_admin/caller.html", form=form, page_title="Book for a caller")

    def _book(self, form: CallerForm):
        starts_at, ends_at = form.period()
        if ends_at <= starts_at:
            form.end.errors.append("The end time must be after the start time")
            return None
        booker = find_user(form.email.data)
        if booker is None and not form.name.data:
            form.name.errors.append("Enter the caller’s full name: they do not have an account yet")
            return None
        if booker is not None and booker.is_disabled:
            form.email.errors.append("This account is disabled. Ask an administrator to check it")
            return None
        group = db.session.get(Group, form.group_id.data) if form.group_id.data else None
        if form.category.data == HirerCategory.COMMUNITY and group is None:
            form.group_id.errors.append("Select the community group the booking is for")
            return None
        space = owned_space_or_404(form.space_id.data)
        now = utcnow()
        details = operations.BookingDetails(category=form.category.data, purpose=form.purpose.data,
                                            attendees=form.attendees.data, group=group, needs=form.needs.data)
        if booker is None:
            # Check the rules before making an account, so a refused booking leaves nothing behind.
            [assessment] = queries.assess(space, [(starts_at, ends_at)], attendees=details.attendees,
                                          category=details.category, group=group, now=now, by_staff=True)
            if not assessment.bookable:
                self._show_problems(form, assessment.problems)
                return None
            booker = new_caller_account(form)
        try:
            booking = operations.create_booking(space, booker, starts_at, ends_at, details, now,
                                                booked_by=actor(), by_staff=True)
        except operations.BookingRefused as refusal:
            self._show_problems(form, refusal.problems)
            return None
        except SlotTaken as taken:
            form.start.errors.append(taken.message)
            return None
        if booking.status == BookingStatus.REQUESTED:
            # The space needs staff approval, and staff are making the booking: decided already.
            operations.approve_request(booking, actor(), now)
            db.session.commit()
        return booking

    @staticmethod
    def _show_problems(form: CallerForm, problems) -> None:
        for problem in problems:
            target = form.attendees if problem.field == "attendees" else (
                form.category if problem.field == "who" else form.field_for(problem.field))
            target.errors.append(problem.message)
