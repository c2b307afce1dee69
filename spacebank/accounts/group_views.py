"""Community group pages. Rules live in groups.py; these views only check who is asking.

A group's pages exist only for its members: anyone else gets "Page not found", the
same as for an id that does not exist, so ids cannot be probed. A member who is not
an admin gets "You do not have permission" for an admin's action.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db, limiter
from . import bp, groups
from .authentication import me
from .forms import ButtonForm
from .group_forms import GroupForm, InviteForm
from .models import Group, GroupInvitation, GroupMembership
from .views import form_page, message_page

INVITATION_LIMIT = "20 per hour"
GROUP = "/groups/<int(max=2147483647):group_id>"
ID = "int(max=2147483647)"  # bigger numbers are not ids, and would overflow PostgreSQL's integer


def _group_for_member(group_id: int) -> Group:
    # The members' accounts too: group pages list them, and load them one by one otherwise.
    group = db.session.scalar(select(Group).where(Group.id == group_id)
                              .options(selectinload(Group.memberships).joinedload(GroupMembership.user)))
    if group is None or not groups.is_member(me(), group):
        abort(404)
    return group


def _group_for_admin(group_id: int) -> Group:
    group = _group_for_member(group_id)
    if not groups.is_group_admin(me(), group):
        abort(403)
    return group


def _membership_in(group: Group, membership_id: int) -> GroupMembership:
    membership = next((m for m in group.memberships if m.id == membership_id), None)
    if membership is None:
        abort(404)
    return membership


def _back_to(group: Group):
    return redirect(url_for("accounts.group_detail", group_id=group.id))


@bp.get("/groups")
@login_required
def group_list():
    return render_template("accounts/groups/list.html", memberships=groups.memberships_for(me()),
                           invitations=groups.pending_invitations_for(me()))


@bp.route("/groups/new", methods=["GET", "POST"])
@login_required
def new_group():
    form = GroupForm()
    form.submit.label.text = "Create group"
    if form.validate_on_submit():
        group = groups.create_group(me(), **form.group_fields())
        db.session.commit()
        flash(f"{group.name} has been created. Ask the council to verify it to get the community rate.", "success")
        return _back_to(group)
    return form_page(form, "Create a community group", back=url_for("accounts.group_list"),
                     intro=["You will be the group's admin: you can add members and ask the council to verify it."])


@bp.get(GROUP)
@login_required
def group_detail(group_id: int):
    group = _group_for_member(group_id)
    is_admin = groups.is_group_admin(me(), group)
    return render_template("accounts/groups/detail.html", group=group, is_admin=is_admin, form=ButtonForm(),
                           invitations=groups.pending_invitations_of(group) if is_admin else [],
                           can_request_verification=is_admin and groups.can_request_verification(group))


@bp.route(f"{GROUP}/edit", methods=["GET", "POST"])
@login_required
def edit_group(group_id: int):
    group = _group_for_admin(group_id)
    form = GroupForm(obj=group)
    if request.method == "GET":
        form.kind.data = group.kind.value
    if form.validate_on_submit():
        back_to_council = groups.update_group(group, me(), **form.group_fields())
        db.session.commit()
        if back_to_council:
            flash("Your changes have been saved. Because the name or registration number changed, "
                  "the council needs to check the group again.", "success")
        else:
            flash("Your changes have been saved.", "success")
        return _back_to(group)
    intro = []
    if group.is_verified:
        intro = ["If you change the name or registration number, the council will need to check the group again. "
                 "Until it has, you cannot book at the community rate."]
    return form_page(form, f"Change the details of {group.name}", intro=intro,
                     back=url_for("accounts.group_detail", group_id=group.id))


@bp.route(f"{GROUP}/verification", methods=["GET", "POST"])
@login_required
def request_verification(group_id: int):
    group = _group_for_admin(group_id)
    form = ButtonForm()
    if form.validate_on_submit() and groups.can_request_verification(group):
        groups.request_verification(group, me())
        db.session.commit()
        flash("The council has been asked to verify your group. We will email you when it has decided.", "success")
        return _back_to(group)
    return render_template("accounts/groups/verification.html", group=group, form=form,
                           can_request=groups.can_request_verification(group))


@bp.route(f"{GROUP}/members/new", methods=["GET", "POST"])
@login_required
@limiter.limit(INVITATION_LIMIT, methods=["POST"])
def invite_member(group_id: int):
    group = _group_for_admin(group_id)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            groups.invite(group, form.email.data, me())
        except groups.GroupRuleError as error:
            form.email.errors.append(error.message)
        else:
            db.session.commit()
            flash(f"We have sent an invitation to {form.email.data}. They join the group when they accept it.",
                  "success")
            return _back_to(group)
    return form_page(form, f"Add a member to {group.name}", back=url_for("accounts.group_detail", group_id=group.id))


@bp.route(f"{GROUP}/members/<{ID}:membership_id>/remove", methods=["GET", "POST"])
@login_required
def remove_member(group_id: int, membership_id: int):
    group = _group_for_admin(group_id)
    membership = _membership_in(group, membership_id)
    if membership.user_id == me().id:
        return redirect(url_for("accounts.leave_group", group_id=group.id))
    form = ButtonForm()
    if form.validate_on_submit():
        name = membership.user.name
        groups.remove_member(group, membership, me())
        db.session.commit()
        flash(f"{name} has been removed from {group.name}.", "success")
        return _back_to(group)
    return render_template("accounts/groups/confirm.html", form=form, group=group,
                           title=f"Remove {membership.user.name} from {group.name}?",
                           paragraphs=["They will no longer be able to book for the group. You can invite them again later."],
                           button="Remove member", warning=True)


@bp.post(f"{GROUP}/members/<{ID}:membership_id>/make-admin")
@login_required
def make_admin(group_id: int, membership_id: int):
    group = _group_for_admin(group_id)
    membership = _membership_in(group, membership_id)
    if ButtonForm().validate_on_submit():
        try:
            groups.make_admin(group, membership, me())
        except groups.GroupRuleError as error:
            flash(error.message)
        else:
            db.session.commit()
            flash(f"{membership.user.name} is now an admin of {group.name}.", "success")
    return _back_to(group)


@bp.post(f"{GROUP}/invitations/<{ID}:invitation_id>/cancel")
@login_required
def cancel_invitation(group_id: int, invitation_id: int):
    group = _group_for_admin(group_id)
    invitation = db.session.get(GroupInvitation, invitation_id)
    if invitation is None or invitation.group_id != group.id or invitation.accepted_at is not None:
        abort(404)
    if ButtonForm().validate_on_submit():
        email = invitation.email
        groups.cancel_invitation(invitation, me())
        db.session.commit()
        flash(f"The invitation to {email} has been cancelled.", "success")
    return _back_to(group)


@bp.route(f"{GROUP}/leave", methods=["GET", "POST"])
@login_required
def leave_group(group_id: int):
    group = _group_for_member(group_id)
    form = ButtonForm()
    problem = None
    if form.validate_on_submit():
        try:
            groups.leave_group(group, me())
        except groups.GroupRuleError as error:
            problem = error.message
        else:
            db.session.commit()
            flash(f"You have left {group.name}.", "success")
            return redirect(url_for("accounts.group_list"))
    return render_template("accounts/groups/confirm.html", form=form, group=group, problem=problem,
                           title=f"Leave {group.name}?",
                           paragraphs=["You will no longer be able to book for the group. "
                                       "An admin of the group can invite you again."],
                           button="Leave group", warning=True)


@bp.route(f"/groups/invitations/<{ID}:invitation_id>", methods=["GET", "POST"])
@login_required
def invitation(invitation_id: int):
    invitation = groups.invitation_for(me(), invitation_id)
    if invitation is None:
        return message_page("Invitation not found",
                            "The invitation may have been accepted, declined or cancelled already. "
                            "Check you are signed in with the email address the invitation was sent to.",
                            links=[("Your groups", url_for("accounts.group_list"))], status=404)
    form = ButtonForm()
    if form.validate_on_submit():
        group = invitation.group
        if request.form.get("decision") == "decline":
            groups.decline_invitation(invitation, me())
            db.session.commit()
            flash(f"You have declined the invitation to join {group.name}.", "success")
            return redirect(url_for("accounts.group_list"))
        groups.accept_invitation(invitation, me())
        db.session.commit()
        flash(f"You are now a member of {group.name}.", "success")
        return _back_to(group)
    return render_template("accounts/groups/invitation.html", invitation=invitation, form=form)
