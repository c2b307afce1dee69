"""Account pages: create an account, confirm the address, sign in and out, reset a
forgotten password, and change details.

Rule for every page that takes an email address: the response is the same whether
or not an account uses it. What differs is only what arrives in that inbox.
"""

from functools import wraps

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..extensions import db, limiter
from ..timeutil import utcnow
from . import authentication, bp, emails, tokens
from .authentication import me
from .forms import (AccountDetailsForm, ButtonForm, ChangeEmailForm, ChangePasswordForm, EmailOnlyForm,
                    NewPasswordForm, RegisterForm, SignInForm)
from .models import User
from .passwords import hash_password, verify_password

# Per address (IP). The per-account lockout is in authentication.py.
SIGN_IN_LIMIT = "10 per minute"
EMAIL_SENDING_LIMIT = "5 per minute;30 per hour"
PASSWORD_CHECK_LIMIT = "10 per minute"
CHECK_EMAIL_SESSION_KEY = "check_email_address"


def safe_next(target: str | None) -> str | None:
    """Only follow redirects within this site (no scheme, no host, no '//')."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def message_page(title: str, *paragraphs: str, links: list[tuple[str, str]] = (), status: int = 200):
    return render_template("accounts/message.html", title=title, paragraphs=paragraphs, links=links), status


def form_page(form, title: str, *, intro: list[str] = (), back: str | None = None, template="accounts/form_page.html",
              **context):
    return render_template(template, form=form, title=title, intro=intro, back_href=back, **context)


# ---------------------------------------------------------------- create an account

@bp.route("/create-account", methods=["GET", "POST"])
@limiter.limit(EMAIL_SENDING_LIMIT, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.account"))
    form = RegisterForm()
    if form.validate_on_submit():
        email = form.email.data
        # Hash on both paths so an existing address does not answer faster.
        password_hash = hash_password(form.password.data)
        existing = authentication.find_user(email)
        if existing is None:
            user = User(email=email, name=form.name.data, phone=form.phone.data or None, password_hash=password_hash)
            db.session.add(user)
            try:
                db.session.flush()
            except IntegrityError:  # registered a moment ago by a parallel request
                db.session.rollback()
                existing = authentication.find_user(email)
        if existing is None:
            audit.record("account.created", user, actor=user, summary="Created an account")
            emails.send_confirmation(user)
        else:
            emails.send_already_registered(existing)
        db.session.commit()
        session[CHECK_EMAIL_SESSION_KEY] = email
        return redirect(url_for("accounts.check_email"))
    return form_page(form, "Create an account", template="accounts/register.html")


@bp.get("/create-account/check-your-email")
def check_email():
    email = session.get(CHECK_EMAIL_SESSION_KEY)
    if not email:
        return redirect(url_for("accounts.register"))
    return render_template("accounts/check_email.html", email=email)


def emailed_link(purpose: tokens.Purpose, expired: str, new_link: tuple[str, str] | None = None):
    """For a view behind a link in an email: check the token's signature and age first,
    then call the view with the token's data and the user it names (or None)."""

    def decorate(view):
        @wraps(view)
        def wrapped(token: str):
            try:
                data = tokens.read_token(purpose, token)
            except tokens.TokenExpired:
                links = [(new_link[0], url_for(new_link[1]))] if new_link else []
                return message_page("The link has expired", expired, links=links, status=410)
            except tokens.TokenInvalid:
                return _link_not_valid()
            user_id = data.get("user")
            return view(data, db.session.get(User, user_id) if isinstance(user_id, int) else None)

        return wrapped

    return decorate


def _link_not_valid():
    return message_page("The link is not valid",
                        "It may have been used already, or copied only in part. Check you copied the whole link "
                        "from the email, or ask for a new one.", status=404)


@bp.get("/confirm-email/<token>")
@emailed_link(tokens.CONFIRM_EMAIL, "Links to confirm your email address work for 3 days. Sign in to get a new one.",
              new_link=("Get a new link", "accounts.resend_confirmation"))
def confirm_email(data: dict, user: User | None):
    if user is None or user.email != data.get("email"):
        return _link_not_valid()
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        audit.record("account.email_confirmed", user, actor=user, summary=f"Confirmed {user.email}")
        db.session.commit()
    return message_page("Email address confirmed", f"Your email address {user.email} is confirmed. You can now book a space.",
                        links=_after_confirming_links())


def _after_confirming_links() -> list[tuple[str, str]]:
    if current_user.is_authenticated:
        return [("Find a space", url_for("venues.search"))]
    return [("Sign in", url_for("accounts.sign_in"))]



@bp.route("/confirm-email", methods=["GET", "POST"])
@login_required
@limiter.limit(EMAIL_SENDING_LIMIT, methods=["POST"])
def resend_confirmation():
    user = me()
    if user.email_confirmed_at is not None:
        return message_page("Your email address is confirmed", f"Your email address {user.email} is confirmed.",
                            links=[("Find a space", url_for("venues.search"))])
    form = ButtonForm()
    if form.validate_on_submit():
        emails.send_confirmation(user)
        db.session.commit()
        flash(f"We have sent a new link to {user.email}.", "success")
        return redirect(url_for("accounts.resend_confirmation"))
    return render_template("accounts/resend_confirmation.html", form=form)


# ---------------------------------------------------------------- sign in and out

@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
def sign_in():
    form = SignInForm()
    if form.validate_on_submit():
        user = authentication.authenticate(form.email.data, form.password.data)
        db.session.commit()  # the failure count, or the sign-in time
        if user is not None:
            authentication.start_session(user)
            return redirect(safe_next(request.args.get("next")) or url_for("venues.start"))
        form.email.errors.append(authentication.SIGN_IN_FAILED)
    return render_template("accounts/sign_in.html", form=form)


@bp.post("/sign-out")
@login_required
def sign_out_post():
    authentication.end_session()
    flash("You have signed out.")
    return redirect(url_for("venues.start"))


@bp.get("/sign-out")
def sign_out():
    if current_user.is_authenticated:
        return render_template("accounts/sign_out.html")
    return redirect(url_for("venues.start"))


# ---------------------------------------------------------------- forgotten password

@bp.route("/forgotten-password", methods=["GET", "POST"])
@limiter.limit(EMAIL_SENDING_LIMIT, methods=["POST"])
def forgotten_password():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        user = authentication.find_user(form.email.data)
        if user is not None and user.is_active:
            emails.send_password_reset(user)
            db.session.commit()
        session[CHECK_EMAIL_SESSION_KEY] = form.email.data
        return redirect(url_for("accounts.forgotten_password_sent"))
    return form_page(form, "Reset your password", back=url_for("accounts.sign_in"),
                     intro=["Enter the email address you use to sign in. If it belongs to an account, "
                            "we will send it a link to choose a new password."])


@bp.get("/forgotten-password/check-your-email")
def forgotten_password_sent():
    email = session.get(CHECK_EMAIL_SESSION_KEY)
    if not email:
        return redirect(url_for("accounts.forgotten_password"))
    return message_page("Check your email",
                        f"If {email} belongs to a Spacebank account, we have sent it a link to reset your password.",
                        "The link works once and expires in 1 hour. If it does not arrive within a few minutes, "
                        "check your spam folder.",
                        links=[("Try another email address", url_for("accounts.forgotten_password"))])


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(PASSWORD_CHECK_LIMIT, methods=["POST"])
@emailed_link(tokens.RESET_PASSWORD, "Links to reset your password work for 1 hour.",
              new_link=("Ask for a new link", "accounts.forgotten_password"))
def reset_password(data: dict, user: User | None):
    if user is None or not user.is_active or not tokens.fingerprints_match(data.get("fingerprint"), user):
        # The usual reason: the password has been changed with this link (or another) already.
        return message_page("The link has already been used",
                            "Each link to reset your password works only once.",
                            links=[("Ask for a new link", url_for("accounts.forgotten_password"))], status=410)
    form = NewPasswordForm()
    form.account_email = user.email
    if form.validate_on_submit():
        authentication.set_password(user, form.password.data, action="account.password_reset")
        # The link arrived in their inbox, which is what confirming an address proves.
        user.email_confirmed_at = user.email_confirmed_at or utcnow()
        emails.send_password_changed(user)
        db.session.commit()
        if current_user.is_authenticated:
            authentication.end_session()
        flash("Your password has been changed. Sign in with your new password.", "success")
        return redirect(url_for("accounts.sign_in"))
    return form_page(form, "Choose a new password", intro=[f"For the account {user.email}."])


# ---------------------------------------------------------------- your account

@bp.get("/account")
@login_required
def account():
    return render_template("accounts/account.html", user=me())


@bp.route("/account/details", methods=["GET", "POST"])
@login_required
def account_details():
    user = me()
    form = AccountDetailsForm(obj=user)
    if form.validate_on_submit():
        before = audit.snapshot(user, ["name", "phone"])
        user.name = form.name.data
        user.phone = form.phone.data or None
        audit.record("account.details_changed", user, actor=user, summary="Changed name or phone",
                     before=before, after=audit.snapshot(user, ["name", "phone"]))
        db.session.commit()
        flash("Your details have been saved.", "success")
        return redirect(url_for("accounts.account"))
    return form_page(form, "Change your details", back=url_for("accounts.account"))


CURRENT_PASSWORD_WRONG = "Your current password is not correct"


def _current_password_correct(user: User, form) -> bool:
    """Check the form's current_password field, and mark it wrong on the form if not."""
    if verify_password(user.password_hash, form.current_password.data):
        return True
    form.current_password.errors.append(CURRENT_PASSWORD_WRONG)
    return False


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(PASSWORD_CHECK_LIMIT, methods=["POST"])
def change_password():
    user = me()
    form = ChangePasswordForm()
    form.account_email = user.email
    if form.validate_on_submit() and _current_password_correct(user, form):
        authentication.set_password(user, form.password.data, action="account.password_changed")
        emails.send_password_changed(user)
        db.session.commit()
        authentication.start_session(user)  # this session carries on; the others end
        flash("Your password has been changed.", "success")
        return redirect(url_for("accounts.account"))
    return form_page(form, "Change your password", back=url_for("accounts.account"))


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
@limiter.limit(EMAIL_SENDING_LIMIT, methods=["POST"])
def change_email():
    user = me()
    form = ChangeEmailForm()
    if form.validate_on_submit() and _current_password_correct(user, form):
        new_email = form.email.data
        if new_email == user.email:
            form.email.errors.append("Enter a different email address from the one you use now")
        else:
            # Either way the page says the same; only the new address's inbox differs.
            if authentication.find_user(new_email) is None:
                emails.send_email_change_link(user, new_email)
            else:
                emails.send_email_in_use(new_email)
            db.session.commit()
            flash(f"We have sent a link to {new_email}. Follow it to finish changing your email address. "
                  f"Until then, keep signing in with {user.email}.", "success")
            return redirect(url_for("accounts.account"))
    return form_page(form, "Change your email address", back=url_for("accounts.account"),
                     intro=["We will send a link to the new address. Your address changes when you follow it."])


@bp.get("/account/email/confirm/<token>")
@emailed_link(tokens.CHANGE_EMAIL, "Links to change your email address work for 3 days. Sign in and ask for a new one.")
def confirm_email_change(data: dict, user: User | None):
    new_email = data.get("to")
    if user is None or user.email != data.get("from") or not isinstance(new_email, str):
        return _link_not_valid()
    old_email = user.email
    user.email = new_email
    user.email_confirmed_at = utcnow()
    audit.record("account.email_changed", user, actor=user, summary="Changed email address",
                 before={"email": old_email}, after={"email": new_email})
    emails.send_email_changed(old_email, user)
    try:
        db.session.commit()
    except IntegrityError:  # another account took the address after the link was sent
        db.session.rollback()
        return message_page("This email address cannot be used",
                            "Another account uses this email address now. Your email address has not changed.",
                            status=409)
    return message_page("Email address changed", f"Your account now uses {new_email}.",
                        links=[("Go to your account", url_for("accounts.account"))])
