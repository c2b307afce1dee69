"""Access rules shared by every staff view."""

import flask_admin.form
from flask import abort, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user
from flask_wtf import FlaskForm


class AdminForm(FlaskForm, flask_admin.form.BaseForm):
    """Flask-Admin's forms with Flask-WTF's CSRF token (the global CSRFProtect expects it)."""


def is_staff() -> bool:
    return current_user.is_authenticated and current_user.is_staff


def deny():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.sign_in", next=request.full_path.rstrip("?")))
    abort(403)


class StaffIndexView(AdminIndexView):
    def is_accessible(self):
        return is_staff()

    def inaccessible_callback(self, name, **kwargs):
        return deny()

    @expose("/")
    def index(self):
        return self.render("admin/index.html")
