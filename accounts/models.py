"""Accounts, their bindings to shelters and regions, API tokens and login attempts."""

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Integer, String, Table, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from columns import UTCDateTime
from extensions import db

user_shelters = Table(
    "user_shelters",
    db.metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("shelter_id", Integer, ForeignKey("shelters.id", ondelete="CASCADE"), primary_key=True),
)
user_regions = Table(
    "user_regions",
    db.metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("region_id", Integer, ForeignKey("regions.id", ondelete="CASCADE"), primary_key=True),
)


class User(db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    # A mobile number in E.164 (accounts/phones.py), indexed: an inbound SMS is matched on it. Verified
    # by a code sent to it (phone_verified_at); a new number is unverified again.
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    phone_verified_at = mapped_column(UTCDateTime, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A coordinator who leads their regions: manages the accounts there (accounts/admin.py). Only an admin sets it.
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at = mapped_column(UTCDateTime)
    # The second factor (accounts/mfa.py): the TOTP secret once enrolled (never shown again), when,
    # and the last time step a code was accepted for (no code is taken twice).
    mfa_secret: Mapped[str | None] = mapped_column(String(64))
    mfa_enrolled_at = mapped_column(UTCDateTime, nullable=True)
    mfa_last_step: Mapped[int | None] = mapped_column(BigInteger)
    shelters = relationship("Shelter", secondary=user_shelters, lazy="selectin")
    regions = relationship("Region", secondary=user_regions, lazy="selectin")

    @property
    def shelter_ids(self) -> set[int]:
        return {s.id for s in self.shelters}

    @property
    def region_ids(self) -> set[int]:
        return {r.id for r in self.regions}


class ApiToken(db.Model):
    """A machine client's bearer token. Only its SHA-256 is stored; revoked tokens stay for audit."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at = mapped_column(UTCDateTime)
    last_used_at = mapped_column(UTCDateTime, nullable=True)
    expires_at = mapped_column(UTCDateTime, nullable=True)  # refused from then on (API_TOKEN_DAYS after issue)
    revoked_at = mapped_column(UTCDateTime, nullable=True)
    user = relationship(User, lazy="joined")


class LoginAttempt(db.Model):
    """Failed logins, kept in the database so the limit holds across web workers."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), index=True)
    at = mapped_column(UTCDateTime, index=True)


class LoginSession(db.Model):
    """A logged-in browser, held server-side (accounts/sessions.py): the signed cookie carries only a
    random token, whose SHA-256 is stored, so logout, deactivation and the idle time-out end it for good."""

    __tablename__ = "sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at = mapped_column(UTCDateTime)
    last_seen_at = mapped_column(UTCDateTime)
    ended_at = mapped_column(UTCDateTime, nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(20))  # logout, deactivated, idle, expired


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app. Only its SHA-256 is stored."""

    __tablename__ = "mfa_recovery_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at = mapped_column(UTCDateTime, nullable=True)


class PasswordReset(db.Model):
    """A one-time link to set a new password (accounts/resets.py): only the token's SHA-256 is stored; it
    holds until expires_at and only once (used_at). A newer link for the same account replaces it."""

    __tablename__ = "password_resets"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at = mapped_column(UTCDateTime)
    expires_at = mapped_column(UTCDateTime)
    used_at = mapped_column(UTCDateTime, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column()  # no FK: who asked for it, as in the audit log


class PhoneCode(db.Model):
    """A verification code texted to a person's phone (accounts/phones.py). Only its HMAC is stored;
    it is spent when used, replaced, or after too many wrong tries, and expires on its own."""

    __tablename__ = "phone_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(20))  # the number it was sent to: a changed phone needs a new code
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at = mapped_column(UTCDateTime)
    expires_at = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at = mapped_column(UTCDateTime, nullable=True)
    attempt_id: Mapped[int | None] = mapped_column(Integer)  # the outbox SMS that carried it (its text is redacted)
