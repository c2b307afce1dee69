"""Community groups: who may do what, and how verification moves between states.

    unverified --request_verification--> pending --verify_group--> verified
    rejected   --request_verification--> pending --reject_group--> rejected
    verified   --(name or registration number edited)--> pending

Only a verified group gets the community rate or free use. Every function here adds
its audit event and emails to the session; the caller commits (so a failed request
sends nothing). Breaking a rule raises GroupRuleError with a message for the person.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from .. import audit
from ..extensions import db
from ..notifications import queue_email
from ..timeutil import utcnow
from ..venues.models import Service
from .authentication import normalise_email
from .emails import public_link
from .models import Group, GroupInvitation, GroupMembership, User, Verification

# The council service whose contact address receives verification requests.
VERIFYING_SERVICE_SLUG = "community-halls"
# Changing these means the council's check no longer describes the group.
FIELDS_CHECKED_BY_COUNCIL = ("name", "registration_number")
EDITABLE_FIELDS = ("name", "kind", "registration_number", "description", "contact_email", "contact_phone")


class GroupRuleError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(GroupRuleError):
    """The person is not allowed to do this to this group (a 403 in a view)."""


# ---------------------------------------------------------------- who may do what

def membership_of(user, group: Group) -> GroupMembership | None:
    if user is None or not getattr(user, "is_authenticated", True) or group is None:
        return None
    return next((m for m in group.memberships if m.user_id == user.id), None)


def is_member(user, group: Group) -> bool:
    return membership_of(user, group) is not None


def is_group_admin(user, group: Group) -> bool:
    membership = membership_of(user, group)
    return membership is not None and membership.is_admin


def groups_user_can_book_for(user) -> list[Group]:
    """Verified groups the user belongs to, by name: the groups they may book for."""
    if user is None or not getattr(user, "is_authenticated", True):
        return []
    return list(db.session.scalars(
        select(Group).join(GroupMembership).where(GroupMembership.user_id == user.id,
                                                  Group.verification == Verification.VERIFIED)
        .order_by(Group.name, Group.id)))


def memberships_for(user) -> list[GroupMembership]:
    return list(db.session.scalars(
        select(GroupMembership).join(Group).options(contains_eager(GroupMembership.group))
        .where(GroupMembership.user_id == user.id).order_by(Group.name, Group.id)))


def pending_invitations_for(user) -> list[GroupInvitation]:
    return list(db.session.scalars(
        select(GroupInvitation).options(joinedload(GroupInvitation.group))
        .where(GroupInvitation.email == user.email, GroupInvitation.accepted_at.is_(None))
        .order_by(GroupInvitation.created_at)))


def pending_invitations_of(group: Group) -> list[GroupInvitation]:
    return list(db.session.scalars(
        select(GroupInvitation).where(GroupInvitation.group_id == group.id, GroupInvitation.accepted_at.is_(None))
        .order_by(GroupInvitation.email)))


def can_request_verification(group: Group) -> bool:
    return group.verification in (Verification.UNVERIFIED, Verification.REJECTED)


def _require_admin(actor, group: Group) -> None:
    if not is_group_admin(actor, group):
        raise NotAllowed("Only the group's admins can do this")


def _require_staff(actor) -> None:
    if actor is None or not getattr(actor, "is_staff", False):
        raise NotAllowed("Only council staff can verify or reject groups")


# ---------------------------------------------------------------- the group itself

def create_group(creator: User, **fields) -> Group:
    """A new, unverified group with its creator as its first admin."""
    group = Group(verification=Verification.UNVERIFIED, **_editable(fields))
    group.memberships.append(GroupMembership(user=creator, is_admin=True))
    db.session.add(group)
    db.session.flush()
    audit.record("group.created", group, actor=creator, summary=f"Created {group.name}",
                 after=audit.snapshot(group, list(EDITABLE_FIELDS)))
    return group


def update_group(group: Group, actor: User, **fields) -> bool:
    """Apply an admin's edits. True when they sent a verified group back to the council."""
    _require_admin(actor, group)
    before = audit.snapshot(group, list(EDITABLE_FIELDS))
    for name, value in _editable(fields).items():
        setattr(group, name, value)
    after = audit.snapshot(group, list(EDITABLE_FIELDS))
    changed = {name for name in EDITABLE_FIELDS if before[name] != after[name]}
    if not changed:
        return False
    audit.record("group.updated", group, actor=actor, summary=f"Changed {', '.join(sorted(changed))}",
                 before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    if group.verification == Verification.VERIFIED and changed & set(FIELDS_CHECKED_BY_COUNCIL):
        _to_pending(group, actor, summary="Sent back for checking after its name or registration number changed")
        return True
    return False


def _editable(fields: dict) -> dict:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    return fields


# ---------------------------------------------------------------- verification

def request_verification(group: Group, actor: User, now: datetime | None = None) -> None:
    _require_admin(actor, group)
    if group.verification == Verification.PENDING:
        raise GroupRuleError("The council is already checking this group")
    if group.verification == Verification.VERIFIED:
        raise GroupRuleError("This group is already verified")
    _to_pending(group, actor, summary="Asked the council to verify the group", now=now)


def _to_pending(group: Group, actor: User, summary: str, now: datetime | None = None) -> None:
    before = group.verification
    group.verification = Verification.PENDING
    group.verification_requested_at = now or utcnow()
    group.verified_at = None
    group.verified_by = None
    audit.record("group.verification_requested", group, actor=actor, summary=summary,
                 before={"verification": before}, after={"verification": group.verification})
    contact = council_contact_email()
    if contact:
        queue_email(contact, f"Check a community group: {group.name}", "group_verification_requested",
                    group=group, requested_by=actor, admin_url=public_link("/admin/"))


def council_contact_email() -> str | None:
    service = db.session.scalar(select(Service).where(Service.slug == VERIFYING_SERVICE_SLUG))
    return service.contact_email if service is not None else None


def verify_group(group: Group, actor: User, now: datetime | None = None) -> None:
    """Staff: the group is who it says it is. Emails its admins; the caller commits."""
    _require_staff(actor)
    if group.verification == Verification.VERIFIED:
        raise GroupRuleError("This group is already verified")
    before = group.verification
    group.verification = Verification.VERIFIED
    group.verified_at = now or utcnow()
    group.verified_by = actor
    group.verification_reason = None
    audit.record("group.verified", group, actor=actor, summary=f"Verified {group.name}",
                 before={"verification": before}, after={"verification": group.verification})
    _email_admins(group, f"{group.name} is verified", "group_verified")


def reject_group(group: Group, actor: User, reason: str, now: datetime | None = None) -> None:
    """Staff: not verified, with a reason the group's admins are sent. The caller commits."""
    _require_staff(actor)
    reason = (reason or "").strip()
    if not reason:
        raise GroupRuleError("Enter the reason the group is not approved")
    if group.verification == Verification.REJECTED:
        raise GroupRuleError("This group has already been rejected")
    before = group.verification
    group.verification = Verification.REJECTED
    group.verification_reason = reason
    group.verified_at = None
    group.verified_by = None
    audit.record("group.rejected", group, actor=actor, summary=f"Rejected {group.name}: {reason}",
                 before={"verification": before}, after={"verification": group.verification})
    _email_admins(group, f"{group.name} has not been approved", "group_rejected", reason=reason)


def _email_admins(group: Group, subject: str, template: str, **context) -> None:
    for membership in group.memberships:
        if membership.is_admin:
            queue_email(membership.user.email, subject, template, group=group, name=membership.user.name,
                        group_url=public_link(f"/groups/{group.id}"), **context)


# ---------------------------------------------------------------- members

def invite(group: Group, email: str, actor: User) -> GroupInvitation:
    """Invite an address to join (or send the invitation again).

    The same happens whether or not the address has an account, so adding a member
    never tells anyone who uses Spacebank.
    """
    _require_admin(actor, group)
    email = normalise_email(email)
    if any(m.user.email == email for m in group.memberships):
        raise GroupRuleError("This person is already a member of the group")
    invitation = db.session.scalar(select(GroupInvitation).where(
        GroupInvitation.group_id == group.id, GroupInvitation.email == email, GroupInvitation.accepted_at.is_(None)))
    if invitation is None:
        invitation = GroupInvitation(group=group, email=email, invited_by_id=actor.id)
        db.session.add(invitation)
        db.session.flush()
    audit.record("group.member_invited", group, actor=actor, summary=f"Invited {email}")
    queue_email(email, f"Join {group.name} on Spacebank", "group_invitation", group=group, invited_by=actor,
                link=public_link(f"/groups/invitations/{invitation.id}"), register_url=public_link("/create-account"))
    return invitation


def invitation_for(user: User, invitation_id: int) -> GroupInvitation | None:
    """A pending invitation sent to this user's address; None for anybody else's."""
    return db.session.scalar(select(GroupInvitation).where(
        GroupInvitation.id == invitation_id, GroupInvitation.email == user.email,
        GroupInvitation.accepted_at.is_(None)))


def accept_invitation(invitation: GroupInvitation, user: User, now: datetime | None = None) -> GroupMembership:
    if invitation.email != user.email or invitation.accepted_at is not None:
        raise NotAllowed("This invitation is not for you")
    invitation.accepted_at = now or utcnow()
    membership = membership_of(user, invitation.group)
    if membership is None:
        membership = GroupMembership(group=invitation.group, user=user, is_admin=False)
        db.session.add(membership)
        audit.record("group.member_joined", invitation.group, actor=user, summary=f"{user.email} joined")
    return membership


def decline_invitation(invitation: GroupInvitation, user: User) -> None:
    if invitation.email != user.email or invitation.accepted_at is not None:
        raise NotAllowed("This invitation is not for you")
    audit.record("group.invitation_declined", invitation.group, actor=user, summary=f"{user.email} declined")
    db.session.delete(invitation)


def cancel_invitation(invitation: GroupInvitation, actor: User) -> None:
    _require_admin(actor, invitation.group)
    audit.record("group.invitation_cancelled", invitation.group, actor=actor,
                 summary=f"Cancelled the invitation to {invitation.email}")
    db.session.delete(invitation)


def remove_member(group: Group, membership: GroupMembership, actor: User) -> None:
    _require_admin(actor, group)
    if membership.group_id != group.id:
        raise NotAllowed("That person is not in this group")
    if membership.user_id == actor.id:
        raise GroupRuleError("To remove yourself, leave the group")
    audit.record("group.member_removed", group, actor=actor, summary=f"Removed {membership.user.email}")
    group.memberships.remove(membership)


def make_admin(group: Group, membership: GroupMembership, actor: User) -> None:
    _require_admin(actor, group)
    if membership.group_id != group.id:
        raise NotAllowed("That person is not in this group")
    if membership.is_admin:
        raise GroupRuleError("This person is already an admin")
    membership.is_admin = True
    audit.record("group.admin_added", group, actor=actor, summary=f"Made {membership.user.email} an admin")


def leave_group(group: Group, user: User) -> None:
    membership = membership_of(user, group)
    if membership is None:
        raise NotAllowed("You are not a member of this group")
    other_members = [m for m in group.memberships if m is not membership]
    if membership.is_admin and other_members and not any(m.is_admin for m in other_members):
        raise GroupRuleError("You are the group's only admin. Make another member an admin before you leave")
    audit.record("group.member_left", group, actor=user, summary=f"{user.email} left")
    group.memberships.remove(membership)
