"""Accounts and community groups.

For other areas:
- access.needs_confirmation(user) / access.confirmed_email_required: booking needs a confirmed address.
- groups.groups_user_can_book_for(user), groups.is_member(user, group): who may book for which group.
- groups.verify_group(group, actor), groups.reject_group(group, actor, reason): staff decisions.
"""

from flask import Blueprint, request, url_for

from ..extensions import db, login_manager

bp = Blueprint("accounts", __name__, template_folder="templates")


@login_manager.user_loader
def load_user(user_id: str):
    from .authentication import session_still_valid
    from .models import User

    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    # A disabled account, or a password changed since this session began, ends the session.
    if user is None or not user.is_active or not session_still_valid(user):
        return None
    return user


login_manager.login_view = "accounts.sign_in"
login_manager.login_message = "Sign in to continue."
login_manager.login_message_category = "info"


@bp.app_template_global()
def account_nav_items(user) -> list[dict]:
    """Service navigation links for a signed-in user."""
    items = [_nav_item("bookings.my_bookings", "My bookings"),
             _nav_item("accounts.account", "Your account"),
             _nav_item("accounts.group_list", "Your groups", prefix="/groups")]
    if user.is_staff:
        items.append({"href": "/admin/", "text": "Staff"})
    items.append({"href": url_for("accounts.sign_out"), "text": "Sign out"})
    return items


def _nav_item(endpoint: str, text: str, prefix: str | None = None) -> dict:
    active = request.endpoint == endpoint or bool(prefix and request.path.startswith(prefix))
    return {"href": url_for(endpoint), "text": text, "active": active}


from . import group_views, views  # noqa: E402,F401
