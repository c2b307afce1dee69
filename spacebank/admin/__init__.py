"""The staff back office at /admin (Flask-Admin with the GOV.UK Frontend theme)."""

from flask import Blueprint, Flask, request
from flask_admin import Admin
from xgovuk_flask_admin import XGovukFlaskAdmin
from xgovuk_flask_admin.theme import XGovukFrontendTheme

from .. import geo
from .base import StaffIndexView

# Holds the staff templates and stylesheet. Flask searches the app's loader first and then
# each blueprint's folder, so these names (spacebank_admin/...) never shadow anything.
templates = Blueprint("spacebank_admin", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/admin-assets")


def _csp_nonce() -> str:
    # Flask-Talisman puts a fresh nonce on each request; Flask-Admin's inline scripts need it.
    return getattr(request, "csp_nonce", "")


def init_admin(app: Flask) -> Admin:
    XGovukFlaskAdmin(app, service_name="Spacebank staff")
    theme = XGovukFrontendTheme(base_template="spacebank_admin/base.html")
    admin = Admin(app, name="Spacebank staff", theme=theme, csp_nonce_generator=_csp_nonce,
                  index_view=StaffIndexView(name="Dashboard", url="/admin"))
    app.register_blueprint(templates)
    # Built once so a typo in GEOCODER fails at start-up, not on the first save.
    app.extensions["spacebank_geocoder"] = geo.make_geocoder(app.config.get("GEOCODER"),
                                                             app.config.get("GEOCODER_USER_AGENT", "spacebank"))
    from .views import register_views

    register_views(admin)
    return admin
