"""People who use Spacebank, and the community groups they book for."""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow


def _enum(cls, length=30):
    return sa.Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class Role(enum.StrEnum):
    RESIDENT = "resident"
    HOUSING_OFFICER = "housing_officer"
    LIBRARY_STAFF = "library_staff"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


STAFF_ROLES = frozenset({Role.HOUSING_OFFICER, Role.LIBRARY_STAFF, Role.ADMINISTRATOR})


class User(UserMixin, db.Model):
    __table_args__ = (
        sa.CheckConstraint(
            "role NOT IN ('housing_officer', 'library_staff') OR service_id IS NOT NULL",
            name="staff_have_service",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(sa.String(120))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(_enum(Role), default=Role.RESIDENT)
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service.id"), index=True)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Changing the password invalidates reset links and other sessions (see accounts).
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Token for the private calendar feed; None means no feed. Replaced to revoke.
    calendar_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    failed_sign_ins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    service = relationship("Service")
    memberships: Mapped[list["GroupMembership"]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:  # Flask-Login: disabled accounts cannot sign in
        return not self.is_disabled

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMINISTRATOR

    @property
    def groups(self) -> list["Group"]:
        return [m.group for m in self.memberships]

    @property
    def verified_groups(self) -> list["Group"]:
        return [g for g in self.groups if g.is_verified]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class GroupKind(enum.StrEnum):
    CONSTITUTED = "constituted"
    CHARITY = "charity"
    TENANTS_ASSOCIATION = "tenants_association"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "constituted": "Constituted community group",
            "charity": "Registered charity",
            "tenants_association": "Tenants' and residents' association",
            "other": "Other",
        }[self.value]


class Verification(enum.StrEnum):
    UNVERIFIED = "unverified"  # created, not yet sent for checking
    PENDING = "pending"  # the group asked the council to verify it
    VERIFIED = "verified"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return {
            "unverified": "Not verified",
            "pending": "Waiting for the council to check",
            "verified": "Verified",
            "rejected": "Not approved",
        }[self.value]


class Group(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    kind: Mapped[GroupKind] = mapped_column(_enum(GroupKind))
    registration_number: Mapped[str | None] = mapped_column(sa.String(40))  # charity or company number
    description: Mapped[str] = mapped_column(sa.Text, default="")
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(40))
    verification: Mapped[Verification] = mapped_column(_enum(Verification), default=Verification.UNVERIFIED, index=True)
    verification_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    verification_reason: Mapped[str | None] = mapped_column(sa.Text)  # why it was rejected
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list["GroupMembership"]] = relationship(back_populates="group", cascade="all, delete-orphan")
    verified_by = relationship("User", foreign_keys=[verified_by_id])

    @property
    def is_verified(self) -> bool:
        return self.verification == Verification.VERIFIED

    @property
    def members(self) -> list[User]:
        return [m.user for m in self.memberships]

    def __str__(self) -> str:
        return self.name


class GroupMembership(db.Model):
    __tablename__ = "group_membership"
    __table_args__ = (sa.UniqueConstraint("group_id", "user_id", name="uq_group_membership_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("group.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    is_admin: Mapped[bool] = mapped_column(default=False)  # can manage members and ask for verification
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[Group] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")


class GroupInvitation(db.Model):
    """An invitation, sent by email, to join a group; accepted by signing in with that address."""

    __tablename__ = "group_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("group.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    group: Mapped[Group] = relationship()
