"""Access rules and behaviour shared by every staff view.

Only staff reach /admin: signed-out people are sent to sign in, residents get 403.
Model views narrow every query (list, count, one record, actions, exports) to the staff
member's service with `scope_clause`, and write an audit event for every change.
"""

from datetime import datetime

import flask_admin.form
import sqlalchemy as sa
from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_admin import AdminIndexView, BaseView, expose
from flask_admin.actions import action
from flask_admin.babel import gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.validators import ValidationError
from xgovuk_flask_admin import XGovukModelView

from .. import audit
from ..extensions import db
from ..formatting import format_datetime
from .scope import is_administrator, is_staff, parse_id

__all__ = ["AdminForm", "StaffIndexView", "StaffModelView", "StaffView", "deny", "is_staff", "is_administrator"]

MAX_PAGE = 100_000  # list pages beyond this are refused rather than sent to the database as a huge OFFSET


class AdminForm(FlaskForm, flask_admin.form.BaseForm):
    """Flask-Admin's forms with Flask-WTF's CSRF token (the global CSRFProtect expects it)."""


def deny():
    """Signed-out people go to sign in (and come back); signed-in people who are not allowed get 403."""
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.sign_in", next=request.full_path.rstrip("?")))
    abort(403)


def actor():
    return current_user._get_current_object()


class StaffAccessMixin:
    """Staff only; `administrators_only` views are for administrators alone."""

    administrators_only = False

    def is_accessible(self):
        return is_administrator() if self.administrators_only else is_staff()

    def inaccessible_callback(self, name, **kwargs):
        return deny()

    def render(self, template, **kwargs):
        kwargs.setdefault("page_title", self.page_title())
        return super().render(template, **kwargs)

    def page_title(self) -> str:
        return self.name


class StaffIndexView(StaffAccessMixin, AdminIndexView):
    @expose("/")
    def index(self):
        from .dashboard import dashboard_context

        return self.render("spacebank_admin/dashboard.html", **dashboard_context())

    def page_title(self) -> str:
        return "Dashboard"


class StaffView(StaffAccessMixin, BaseView):
    """A custom staff page (calendar, reports, request queue)."""


def _london_datetime(view, value, name):
    return format_datetime(value) if value.tzinfo else str(value)


class StaffModelView(StaffAccessMixin, XGovukModelView):
    form_base_class = AdminForm
    # Empty for None (not the word "None"), Yes/No for booleans, London time for instants.
    column_type_formatters = {**XGovukModelView.column_type_formatters, type(None): lambda view, value, name: "",
                              bool: lambda view, value, name: "Yes" if value else "No", datetime: _london_datetime}
    column_type_formatters_export = {type(None): lambda view, value, name: "",
                                     datetime: lambda view, value, name: value.isoformat()}
    can_view_details = True
    can_export = False
    export_types = ["csv"]
    page_size = 50
    can_set_page_size = False
    create_template = "spacebank_admin/model/form.html"
    edit_template = "spacebank_admin/model/form.html"
    details_template = "spacebank_admin/model/details.html"
    # Fields copied into the audit event's before/after snapshots.
    audit_fields: list[str] = []
    # The audit action prefix, e.g. "venue" gives "venue.updated".
    audit_name: str = ""

    def __init__(self, model, name, endpoint=None, url=None, **kwargs):
        super().__init__(model, db, name=name, endpoint=endpoint, url=url, category=None, **kwargs)

    # ------------------------------------------------------------ scoping

    def scope_clause(self) -> sa.ColumnElement[bool]:
        """Rows this staff member may see. Administrators' views see everything."""
        return sa.true()

    def get_query(self):
        return super().get_query().filter(self.scope_clause())

    def get_count_query(self):
        return super().get_count_query().filter(self.scope_clause())

    def get_one(self, id):
        """One record in scope, or 404: another service's record looks like no record at all."""
        pk = parse_id(id)
        if pk is None:
            abort(404)
        obj = self.get_query().filter(self.model.id == pk).one_or_none()
        if obj is None:
            abort(404)
        return obj

    @action("delete", "Delete", "Are you sure you want to delete the selected records?")
    def action_delete(self, ids):
        # Flask-Admin passes the ids as the browser sent them; PostgreSQL will not compare
        # text with an integer column, so only well-formed ids go on (to the scoped query).
        return super().action_delete([pk for pk in (parse_id(i) for i in ids) if pk is not None])

    def _get_list_extra_args(self):
        # ?page=-1 would be a negative OFFSET, which PostgreSQL refuses: keep pages in range.
        view_args = super()._get_list_extra_args()
        return view_args.clone(page=min(max(view_args.page or 0, 0), MAX_PAGE))

    def check_in_scope(self, model) -> None:
        """Raise ValidationError when a change would move a record out of the staff member's scope."""

    # ------------------------------------------------------------ pages

    def page_title(self) -> str:
        endpoint = (request.endpoint or "").rsplit(".", 1)[-1]
        singular = self.singular_name()
        return {
            "create_view": f"Add {singular}",
            "edit_view": f"Change {singular}",
            "details_view": f"{singular.capitalize()} details",
        }.get(endpoint, self.name)

    def singular_name(self) -> str:
        return self.name.lower().removesuffix("s")

    def render(self, template, **kwargs):
        if template == self.details_template and "model" in kwargs:
            for key, value in self.extra_details(kwargs["model"]).items():
                kwargs.setdefault(key, value)
        return super().render(template, **kwargs)

    def extra_details(self, model) -> dict:
        """More to show on the details page (a venue's spaces, a booking's history)."""
        return {}

    search_hint: str | None = None  # what the search box searches, in words

    def search_placeholder(self) -> str | None:
        return self.search_hint or super().search_placeholder()

    def get_empty_list_message(self) -> str:
        return "Nothing to show."

    # ------------------------------------------------------------ forms

    def create_form(self, obj=None):
        form = super().create_form(obj)
        form._model = None
        self.prepare_form(form, None)
        return form

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        form._model = obj
        self.prepare_form(form, obj)
        return form

    def prepare_form(self, form, model) -> None:
        """Set per-request choices (only this staff member's venues, spaces...)."""

    def validate_form(self, form):
        valid = super().validate_form(form)
        if valid and hasattr(form, "_model"):
            self.validate_rules(form, form._model)
            valid = not form.errors
        return valid

    def validate_rules(self, form, model) -> None:
        """Rules that need the database (overlaps, uniqueness): append to field errors."""

    # ------------------------------------------------------------ audit

    def snapshot(self, model) -> dict:
        return audit.snapshot(model, self.audit_fields) if self.audit_fields else {}

    def update_model(self, form, model):
        g.audit_before = self.snapshot(model)
        return super().update_model(form, model)

    def on_model_change(self, form, model, is_created):
        with db.session.no_autoflush:  # the new row is not complete until before_save has run
            self.before_save(form, model, is_created)
            self.check_in_scope(model)
        db.session.flush()
        audit.record(f"{self.audit_name}.{'created' if is_created else 'updated'}", model, actor=actor(),
                     summary=self.audit_summary(model, is_created),
                     before=None if is_created else g.get("audit_before"), after=self.snapshot(model))

    def before_save(self, form, model, is_created) -> None:
        """Fill in derived values (slugs, coordinates) before the row is written."""

    def on_model_delete(self, model):
        audit.record(f"{self.audit_name}.deleted", model, actor=actor(), summary=f"Deleted {self.describe(model)}",
                     before=self.snapshot(model))

    def audit_summary(self, model, is_created) -> str:
        return f"{'Added' if is_created else 'Changed'} {self.describe(model)}"

    def describe(self, model) -> str:
        return f"{self.singular_name()} {model}"

    def handle_view_exception(self, exc):
        if isinstance(exc, ValidationError):
            return super().handle_view_exception(exc)
        if isinstance(exc, sa.exc.IntegrityError):
            # A rule the form could not see (a race with another edit): say so plainly.
            current_app.logger.warning("integrity error saving %s: %s", self.name, exc.orig)
            flash(gettext("This change clashes with another record. Reload the page and try again."), "error")
            return True
        return super().handle_view_exception(exc)
