"""Staff authentication: server-side sessions behind a cookie, CSRF tokens, roles,
and bearer tokens for the JSON API."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from typing import Any

from sanic import Request, Sanic, redirect
from sanic.exceptions import Forbidden, Unauthorized
from sanic.response import HTTPResponse
from sqlalchemy import delete, select

from bot.store.accounts import token_by_value
from bot.store.models import StaffSession, StaffUser, utcnow

SESSION_COOKIE = "physio_session"
LOGIN_CSRF_COOKIE = "physio_login_csrf"
SESSION_LIFETIME = timedelta(hours=12)
SESSION_IDLE_TIMEOUT = timedelta(hours=1)
LAST_SEEN_RESOLUTION = timedelta(minutes=1)

ALL_ROLES = frozenset({"clinician", "front_desk", "admin"})
CLINICAL_ROLES = frozenset({"clinician", "admin"})
PERMISSIONS: dict[str, frozenset[str]] = {
    "view_queue": ALL_ROLES,
    "view_intake": ALL_ROLES,
    "add_note": ALL_ROLES,
    "assign": ALL_ROLES,
    "acknowledge": CLINICAL_ROLES,
    "close": CLINICAL_ROLES,
    "export_fhir": CLINICAL_ROLES,
    "view_audit": frozenset({"admin"}),
    # What the assistant tells patients, with who approved it and when.
    "view_answers": ALL_ROLES,
}

Handler = Callable[..., Awaitable[HTTPResponse]]


@dataclass(frozen=True)
class StaffPrincipal:
    user_id: int
    email: str
    label: str
    role: str
    session_id: str
    csrf_token: str

    def can(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]


@dataclass(frozen=True)
class TokenPrincipal:
    token_id: int
    name: str
    role: str

    def can(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def secure_cookies(app: Sanic) -> bool:
    return app.ctx.settings.public_base_url.startswith("https://")


async def start_session(request: Request, user: StaffUser) -> str:
    """Create a session row for `user` (in the caller's transaction) and return the cookie value."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    request.ctx.db.add(
        StaffSession(
            id=digest(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    return token


def set_session_cookie(request: Request, response: HTTPResponse, token: str) -> None:
    response.add_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        secure=secure_cookies(request.app),
        samesite="Lax",
        max_age=int(SESSION_LIFETIME.total_seconds()),
    )


def clear_session_cookie(response: HTTPResponse) -> None:
    response.delete_cookie(SESSION_COOKIE)


async def load_staff(request: Request) -> StaffPrincipal | None:
    """The signed-in staff member for this request's cookie, or None."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    async with request.app.ctx.sessions() as db, db.begin():
        staff_session = await db.get(StaffSession, digest(token))
        if staff_session is None:
            return None
        now = utcnow()
        user = staff_session.user
        if (
            staff_session.expires_at <= now
            or staff_session.last_seen_at + SESSION_IDLE_TIMEOUT <= now
            or not user.is_active
        ):
            await db.execute(delete(StaffSession).where(StaffSession.id == staff_session.id))
            return None
        if now - staff_session.last_seen_at >= LAST_SEEN_RESOLUTION:
            staff_session.last_seen_at = now
        return StaffPrincipal(
            user_id=user.id,
            email=user.email,
            label=user.label,
            role=user.role,
            session_id=staff_session.id,
            csrf_token=staff_session.csrf_token,
        )


async def end_session(request: Request, principal: StaffPrincipal) -> None:
    await request.ctx.db.execute(
        delete(StaffSession).where(StaffSession.id == principal.session_id)
    )


def _wants_html(request: Request) -> bool:
    return request.method == "GET" and "text/html" in request.headers.get("accept", "")


def staff_required(permission: str) -> Callable[[Handler], Handler]:
    """Route guard: signed-in staff with a role allowed `permission`; POSTs need the CSRF token."""

    def decorator(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            principal = await load_staff(request)
            if principal is None:
                if _wants_html(request):
                    return redirect(request.app.url_for("auth.login_form", next=request.path))
                raise Unauthorized("Sign in first.")
            if not principal.can(permission):
                raise Forbidden("Your role does not allow this.")
            if request.method not in ("GET", "HEAD"):
                sent = (request.form or {}).get("csrf_token") or request.headers.get("x-csrf-token")
                if not sent or not secrets.compare_digest(sent, principal.csrf_token):
                    raise Forbidden("The form expired; reload the page and try again.")
            request.ctx.staff = principal
            return await handler(request, *args, **kwargs)

        return guarded

    return decorator


def token_required(permission: str) -> Callable[[Handler], Handler]:
    """Route guard for the JSON API: `Authorization: Bearer <token>` with an allowed role."""

    def decorator(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            scheme, _, value = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                raise Unauthorized("Bearer token required.", scheme="Bearer")
            token = await token_by_value(request.ctx.db, value.strip())
            if token is None:
                raise Unauthorized("Unknown or revoked token.", scheme="Bearer")
            now = utcnow()
            if token.last_used_at is None or now - token.last_used_at >= LAST_SEEN_RESOLUTION:
                token.last_used_at = now
                await request.ctx.db.commit()
            principal = TokenPrincipal(token_id=token.id, name=token.name, role=token.role)
            if not principal.can(permission):
                raise Forbidden("This token's role does not allow this.")
            request.ctx.token = principal
            return await handler(request, *args, **kwargs)

        return guarded

    return decorator


async def current_user(request: Request) -> StaffUser:
    """The signed-in staff member's row, in this request's database session."""
    query = select(StaffUser).where(StaffUser.id == request.ctx.staff.user_id)
    return (await request.ctx.db.execute(query)).scalar_one()
