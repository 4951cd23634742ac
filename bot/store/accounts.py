"""Staff users (argon2id passwords, lockout) and API tokens (stored as SHA-256 digests)."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import STAFF_ROLES, ApiToken, StaffSession, StaffUser, utcnow

PASSWORD_HASHER = PasswordHasher()  # argon2id with the library's recommended parameters
MIN_PASSWORD_LENGTH = 12
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
TOKEN_PREFIX = "pit_"  # noqa: S105 - a label, not a secret
# Verified against when the e-mail is unknown, so both cases take the same time.
_DUMMY_HASH = PASSWORD_HASHER.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A request that cannot be carried out; the message is safe to show to the admin."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_role(role: str) -> str:
    if role not in STAFF_ROLES:
        raise AccountError(f"role must be one of {', '.join(STAFF_ROLES)}")
    return role


def check_password_strength(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    return password


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(PASSWORD_HASHER.hash, password)


async def verify_password(password_hash: str, password: str) -> bool:
    try:
        return await asyncio.to_thread(PASSWORD_HASHER.verify, password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def find_user(session: AsyncSession, email: str) -> StaffUser | None:
    query = select(StaffUser).where(StaffUser.email == normalize_email(email))
    return (await session.execute(query)).scalar_one_or_none()


async def create_staff_user(
    session: AsyncSession, email: str, role: str, password: str, display_name: str = ""
) -> StaffUser:
    email = normalize_email(email)
    if "@" not in email:
        raise AccountError("e-mail address looks wrong")
    if await find_user(session, email) is not None:
        raise AccountError(f"a staff user {email} already exists")
    user = StaffUser(
        email=email,
        role=check_role(role),
        display_name=display_name.strip(),
        password_hash=await hash_password(check_password_strength(password)),
        is_active=True,
        failed_login_count=0,
        created_at=utcnow(),
    )
    session.add(user)
    await session.flush()
    return user


async def reset_password(session: AsyncSession, email: str, password: str) -> StaffUser:
    """Set a new password, lift any lockout and end the user's open sessions."""
    user = await find_user(session, email)
    if user is None:
        raise AccountError(f"no staff user {normalize_email(email)}")
    user.password_hash = await hash_password(check_password_strength(password))
    user.failed_login_count = 0
    user.locked_until = None
    await session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
    return user


@dataclass(frozen=True)
class LoginOutcome:
    user: StaffUser | None
    reason: str  # "ok" | "unknown_user" | "bad_password" | "locked" | "inactive"


async def authenticate(session: AsyncSession, email: str, password: str) -> LoginOutcome:
    """Check a password; five failures in a row lock the account for 15 minutes."""
    user = await find_user(session, email)
    if user is None:
        await verify_password(_DUMMY_HASH, password)
        return LoginOutcome(None, "unknown_user")
    now = utcnow()
    if user.locked_until is not None and user.locked_until > now:
        return LoginOutcome(user, "locked")
    if not await verify_password(user.password_hash, password):
        user.failed_login_count += 1
        if user.failed_login_count >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_login_count = 0
            return LoginOutcome(user, "locked")
        return LoginOutcome(user, "bad_password")
    if not user.is_active:
        return LoginOutcome(user, "inactive")
    if PASSWORD_HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = await hash_password(password)
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login_at = now
    return LoginOutcome(user, "ok")


def token_digest(token: str) -> str:
    # Tokens are 256-bit random values, so a fast hash is enough to make the stored form useless.
    return hashlib.sha256(token.encode()).hexdigest()


async def create_api_token(session: AsyncSession, name: str, role: str) -> tuple[ApiToken, str]:
    """A new token; the plain value is returned once and never stored."""
    name = name.strip()
    if not name:
        raise AccountError("token name is required")
    existing = await session.execute(select(ApiToken).where(ApiToken.name == name))
    if existing.scalar_one_or_none() is not None:
        raise AccountError(f"a token named {name!r} already exists")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name, role=check_role(role), token_hash=token_digest(plain), created_at=utcnow()
    )
    session.add(token)
    await session.flush()
    return token, plain


async def revoke_api_token(session: AsyncSession, name: str) -> ApiToken:
    token = (
        await session.execute(select(ApiToken).where(ApiToken.name == name.strip()))
    ).scalar_one_or_none()
    if token is None:
        raise AccountError(f"no API token named {name!r}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


async def token_by_value(session: AsyncSession, plain: str) -> ApiToken | None:
    """The active token with this value, or None (unknown or revoked)."""
    query = select(ApiToken).where(
        ApiToken.token_hash == token_digest(plain), ApiToken.revoked_at.is_(None)
    )
    return (await session.execute(query)).scalar_one_or_none()
