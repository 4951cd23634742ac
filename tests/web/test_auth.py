"""Sign-in, sessions, CSRF, lockout and role checks on the dashboard."""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import PASSWORD, WebServer, csrf_from, login
from tests.web.helpers import snapshot


def audit_actions(admin: httpx.Client, action: str) -> str:
    return admin.get("/staff/audit", params={"action": action}).text


@pytest.mark.parametrize(
    "path",
    ["/staff/", "/staff/intakes/1", "/staff/intakes/1/print", "/staff/intakes/1/fhir",
     "/staff/audit"],
)  # fmt: skip
def test_pages_redirect_to_sign_in_without_a_session(web_server: WebServer, path: str) -> None:
    with web_server.client() as client:
        response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 302
    assert response.headers["location"].startswith("/staff/login?next=")


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/staff/events"), ("GET", "/staff/queue/rows"),
     ("POST", "/staff/intakes/1/acknowledge"), ("POST", "/staff/intakes/1/close"),
     ("POST", "/staff/intakes/1/notes"), ("POST", "/staff/logout")],
)  # fmt: skip
def test_data_and_actions_refuse_anonymous_requests(
    web_server: WebServer, method: str, path: str
) -> None:
    with web_server.client() as client:
        response = client.request(method, path)
    assert response.status_code == 401


def test_sign_in_sets_a_hardened_session_cookie(web_server: WebServer, admin) -> None:
    with web_server.client() as client:
        response = login(client, web_server.email("clinician"), PASSWORD)
        assert response.status_code == 303
        assert response.headers["location"] == "/staff/"
        cookie = response.headers["set-cookie"]
        assert "physio_session=" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert client.get("/staff/").status_code == 200
    assert "login.success" in audit_actions(admin, "login.success")


def test_wrong_password_is_refused_and_audited(web_server: WebServer, admin) -> None:
    with web_server.client() as client:
        response = login(client, web_server.email("front_desk"), "not the password")
        assert response.status_code == 401
        assert "E-mail or password is not right." in response.text
        assert client.get("/staff/queue/rows").status_code == 401
    page = audit_actions(admin, "login.failure")
    assert "bad_password" in page


def test_unknown_user_gets_the_same_message(web_server: WebServer) -> None:
    with web_server.client() as client:
        response = login(client, "nobody@clinic.test", "whatever password")
    assert response.status_code == 401
    assert "E-mail or password is not right." in response.text


def test_sign_in_without_the_form_token_is_refused(web_server: WebServer) -> None:
    with web_server.client() as client:
        response = client.post(
            "/staff/login",
            data={"email": web_server.email("admin"), "password": PASSWORD, "csrf_token": "x"},
        )
    assert response.status_code == 403


def test_five_failures_lock_the_account(web_server: WebServer) -> None:
    import asyncio

    from bot.store import create_engine, session_factory
    from bot.store.accounts import create_staff_user

    async def make_user() -> None:
        engine = create_engine(web_server.database_url)
        async with session_factory(engine)() as session, session.begin():
            await create_staff_user(session, "lockme@clinic.test", "clinician", PASSWORD)
        await engine.dispose()

    asyncio.run(make_user())
    with web_server.client() as client:
        for _ in range(5):
            assert login(client, "lockme@clinic.test", "bad guess 123").status_code == 401
        response = login(client, "lockme@clinic.test", PASSWORD)
    assert response.status_code == 401
    assert "locked" in response.text


def test_sign_out_ends_the_session(web_server: WebServer) -> None:
    client = web_server.login("clinician")
    page = client.get("/staff/")
    response = client.post("/staff/logout", data={"csrf_token": csrf_from(page.text)})
    client.close()
    assert response.status_code == 303
    assert 'physio_session=""' in response.headers["set-cookie"]


def test_replayed_cookie_after_logout_is_rejected(web_server: WebServer) -> None:
    client = web_server.login("clinician")
    token = client.cookies.get("physio_session")
    page = client.get("/staff/")
    client.post("/staff/logout", data={"csrf_token": csrf_from(page.text)})
    client.close()
    with web_server.client() as replay:
        replay.cookies.set("physio_session", token)
        assert replay.get("/staff/queue/rows").status_code == 401


def test_no_open_redirect_after_sign_in(web_server: WebServer) -> None:
    with web_server.client() as client:
        page = client.get("/staff/login", params={"next": "//evil.example/"})
        assert 'value="/staff/"' in page.text
        response = client.post(
            "/staff/login",
            data={
                "email": web_server.email("admin"),
                "password": PASSWORD,
                "csrf_token": csrf_from(page.text),
                "next": "https://evil.example/",
            },
        )
    assert response.headers["location"] == "/staff/"


def test_actions_need_the_csrf_token(web_server: WebServer, clinician) -> None:
    intake_id = web_server.sync(snapshot("urgent")).intake_id
    path = f"/staff/intakes/{intake_id}/acknowledge"

    assert clinician.post(path).status_code == 403
    assert clinician.post(path, data={"csrf_token": "forged"}).status_code == 403
    assert "Acknowledge</button>" in clinician.get(f"/staff/intakes/{intake_id}").text


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("POST", "acknowledge"), ("POST", "close"), ("GET", "fhir")],
)
def test_front_desk_cannot_do_clinical_actions(
    web_server: WebServer, front_desk, method: str, suffix: str
) -> None:
    intake_id = web_server.sync(snapshot("emergency")).intake_id
    page = front_desk.get(f"/staff/intakes/{intake_id}")
    assert page.status_code == 200
    assert "Acknowledge</button>" not in page.text
    assert "Export FHIR" not in page.text

    response = front_desk.request(
        method, f"/staff/intakes/{intake_id}/{suffix}", data={"csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 403


def test_only_admins_see_the_audit_log(web_server: WebServer, clinician, front_desk, admin) -> None:
    assert clinician.get("/staff/audit").status_code == 403
    assert front_desk.get("/staff/audit").status_code == 403
    response = admin.get("/staff/audit")
    assert response.status_code == 200
    assert "Audit log" in response.text
