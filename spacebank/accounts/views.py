from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..extensions import db
from ..timeutil import utcnow
from . import bp
from .forms import SignInForm
from .models import User
from .passwords import verify_password


def safe_next(target: str | None) -> str | None:
    """Only follow redirects within this site (no scheme, no host, no '//')."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form = SignInForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(User.email == email))
        if verify_password(user.password_hash if user else None, form.password.data) and user.is_active:
            user.last_signed_in_at = utcnow()
            db.session.commit()
            login_user(user)
            return redirect(safe_next(request.args.get("next")) or url_for("venues.start"))
        form.email.errors.append("Enter a correct email address and password")
    return render_template("accounts/sign_in.html", form=form)


@bp.post("/sign-out")
@login_required
def sign_out_post():
    logout_user()
    flash("You have signed out.")
    return redirect(url_for("venues.start"))


@bp.get("/sign-out")
def sign_out():
    if current_user.is_authenticated:
        return render_template("accounts/sign_out.html")
    return redirect(url_for("venues.start"))
