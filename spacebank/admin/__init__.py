"""The staff back office at /admin (Flask-Admin with the GOV.UK Frontend theme)."""

from flask import Flask
from flask_admin import Admin
from xgovuk_flask_admin import XGovukFlaskAdmin
from xgovuk_flask_admin.theme import XGovukFrontendTheme

from .base import StaffIndexView


def init_admin(app: Flask) -> Admin:
    XGovukFlaskAdmin(app, service_name="Spacebank staff")
    admin = Admin(app, name="Spacebank staff", theme=XGovukFrontendTheme(), index_view=StaffIndexView(url="/admin"))
    from .views import register_views

    register_views(admin)
    return admin
