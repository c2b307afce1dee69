from flask import Blueprint, url_for

from ..extensions import db, login_manager

bp = Blueprint("accounts", __name__, template_folder="templates")


@login_manager.user_loader
def load_user(user_id: str):
    from .models import User

    if not user_id.isdigit():
        return None
    return db.session.get(User, int(user_id))


login_manager.login_view = "accounts.sign_in"
login_manager.login_message = "Sign in to continue."
login_manager.login_message_category = "info"


@bp.app_template_global()
def account_nav_items(user) -> list[dict]:
    """Service navigation links for a signed-in user."""
    from flask import request

    items = []
    if "bookings.my_bookings" in _endpoints():
        items.append({"href": url_for("bookings.my_bookings"), "text": "My bookings",
                      "active": request.endpoint == "bookings.my_bookings"})
    if user.is_staff:
        items.append({"href": "/admin/", "text": "Staff"})
    items.append({"href": url_for("accounts.sign_out"), "text": "Sign out"})
    return items


def _endpoints():
    from flask import current_app

    return current_app.view_functions


from . import views  # noqa: E402,F401
