"""Sign-in and sign-out for staff (argon2id passwords, lockout, audited)."""

from __future__ import annotations

import secrets

from sanic import Blueprint, Request, redirect
from sanic.exceptions import Forbidden
from sanic.response import HTTPResponse

from bot.store.accounts import authenticate
from bot.store.audit import record_audit
from bot.web.audit import audit
from bot.web.auth import (
    LOGIN_CSRF_COOKIE,
    clear_session_cookie,
    end_session,
    load_staff,
    secure_cookies,
    set_session_cookie,
    staff_required,
    start_session,
)
from bot.web.rendering import render

bp = Blueprint("auth", url_prefix="/staff")

FAILURE_MESSAGES = {
    "locked": "Too many failed attempts: this account is locked for 15 minutes. "
    "An admin can reset the password sooner.",
    "inactive": "This account is disabled. Ask an admin.",
}
GENERIC_FAILURE = "E-mail or password is not right."


def safe_next(target: str | None) -> str:
    """Only redirect within the dashboard (no open redirects)."""
    if target and target.startswith("/staff") and not target.startswith("//"):
        return target
    return "/staff/"


def login_page(request: Request, next_path: str, error: str | None, status: int) -> HTTPResponse:
    token = secrets.token_urlsafe(32)
    response = render(
        request, "login.html", status=status, csrf_token=token, next_path=next_path, error=error
    )
    response.add_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        secure=secure_cookies(request.app),
        samesite="Strict",
        path="/staff/login",
        max_age=3600,
    )
    return response


@bp.get("/login", name="login_form")
async def login_form(request: Request) -> HTTPResponse:
    next_path = safe_next(request.args.get("next"))
    if await load_staff(request) is not None:
        return redirect(next_path)
    return login_page(request, next_path, error=None, status=200)


@bp.post("/login", name="login")
async def login(request: Request) -> HTTPResponse:
    form = request.form or {}
    next_path = safe_next(form.get("next"))
    sent, expected = form.get("csrf_token") or "", request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not sent or not expected or not secrets.compare_digest(sent, expected):
        raise Forbidden("The sign-in form expired; reload the page and try again.")

    email = (form.get("email") or "").strip()
    outcome = await authenticate(request.ctx.db, email, form.get("password") or "")
    if outcome.user is None or outcome.reason != "ok":
        request.ctx.staff = None
        audit(
            request,
            "login.failure",
            "staff_user",
            outcome.user.id if outcome.user else None,
            email=email.lower()[:254],
            reason=outcome.reason,
        )
        await request.ctx.db.commit()
        message = FAILURE_MESSAGES.get(outcome.reason, GENERIC_FAILURE)
        return login_page(request, next_path, error=message, status=401)

    user = outcome.user
    token = await start_session(request, user)
    record_audit(
        request.ctx.db,
        actor_type="staff",
        actor_id=user.id,
        actor_label=user.email,
        action="login.success",
        object_type="staff_user",
        object_id=str(user.id),
        ip_address=request.client_ip or None,
    )
    await request.ctx.db.commit()
    response = redirect(next_path, status=303)
    set_session_cookie(request, response, token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/staff/login")
    return response


@bp.post("/logout", name="logout")
@staff_required("view_queue")
async def logout(request: Request) -> HTTPResponse:
    await end_session(request, request.ctx.staff)
    audit(request, "logout", "staff_user", request.ctx.staff.user_id)
    await request.ctx.db.commit()
    response = redirect(request.app.url_for("auth.login_form"), status=303)
    clear_session_cookie(response)
    return response
