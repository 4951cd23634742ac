"""Staff JSON API: bearer tokens, roles, paging and filters, FHIR, OpenAPI."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from bot.store import create_engine, session_factory
from bot.store.accounts import create_api_token, revoke_api_token
from tests.web.conftest import WebServer
from tests.web.helpers import snapshot


def api(web_server: WebServer, role: str) -> httpx.Client:
    client = web_server.client()
    client.headers["Authorization"] = f"Bearer {web_server.tokens[role]}"
    return client


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer pit_not-a-real-token"}, {"Authorization": "Basic YTpi"}],
)
@pytest.mark.parametrize("path", ["/api/v1/intakes", "/api/v1/intakes/1", "/api/v1/intakes/1/fhir"])
def test_api_refuses_requests_without_a_valid_token(
    web_server: WebServer, headers: dict, path: str
) -> None:
    response = httpx.get(f"{web_server.base_url}{path}", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_session_cookie_is_not_an_api_credential(web_server: WebServer, clinician) -> None:
    assert clinician.get("/api/v1/intakes").status_code == 401


def test_revoked_token_stops_working(web_server: WebServer) -> None:
    async def in_transaction(work):
        engine = create_engine(web_server.database_url)
        try:
            async with session_factory(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    _, plain = asyncio.run(
        in_transaction(lambda session: create_api_token(session, "short-lived", "clinician"))
    )
    headers = {"Authorization": f"Bearer {plain}"}
    assert httpx.get(f"{web_server.base_url}/api/v1/intakes", headers=headers).status_code == 200
    asyncio.run(in_transaction(lambda session: revoke_api_token(session, "short-lived")))
    assert httpx.get(f"{web_server.base_url}/api/v1/intakes", headers=headers).status_code == 401


def test_list_is_newest_first_with_the_documented_fields(web_server: WebServer) -> None:
    older = web_server.sync(snapshot("urgent"))
    newer = web_server.sync(snapshot("routine"))
    with api(web_server, "front_desk") as client:
        body = client.get("/api/v1/intakes", params={"per_page": 2}).json()

    assert (body["page"], body["per_page"]) == (1, 2)
    assert body["total"] >= 2
    assert [item["id"] for item in body["items"]] == [newer.intake_id, older.intake_id]
    item = body["items"][1]
    for field in ("id", "conversation_id", "status", "urgency", "red_flags", "precautions",
                  "body_regions", "pain_score", "onset", "duration", "summary", "created_at",
                  "updated_at", "fhir"):  # fmt: skip
        assert field in item
    assert item["red_flags"] == [
        {
            "code": "past_cancer_new_back_pain",
            "label": "Past cancer with new spinal pain",
            "tier": "urgent",
            "source": "Downie et al., BMJ 2013",
        }
    ]
    assert item["precautions"] == [{"code": "anticoagulant", "label": "Anticoagulants"}]
    assert item["body_regions"] == ["lower_back"]
    assert item["fhir"] == f"{web_server.base_url}/api/v1/intakes/{older.intake_id}/fhir"
    assert "transcript" not in item and "contact" not in item


def test_list_filters_and_pages(web_server: WebServer) -> None:
    target = snapshot("emergency")
    result = web_server.sync(target)
    with api(web_server, "clinician") as client:
        by_conversation = client.get(
            "/api/v1/intakes", params={"conversation_id": target.conversation_id}
        ).json()
        emergencies = client.get("/api/v1/intakes", params={"urgency": "emergency"}).json()
        escalated = client.get("/api/v1/intakes", params={"status": "escalated"}).json()
        second_page = client.get("/api/v1/intakes", params={"page": 2, "per_page": 1}).json()
        assert client.get("/api/v1/intakes", params={"urgency": "high"}).status_code == 400
        assert client.get("/api/v1/intakes", params={"page": "0"}).status_code == 400

    assert [item["id"] for item in by_conversation["items"]] == [result.intake_id]
    assert all(item["urgency"] == "emergency" for item in emergencies["items"])
    assert all(item["status"] == "escalated" for item in escalated["items"])
    assert second_page["page"] == 2 and len(second_page["items"]) == 1


def test_detail_has_evidence_contact_and_transcript(web_server: WebServer) -> None:
    result = web_server.sync(snapshot("emergency"))
    with api(web_server, "front_desk") as client:
        body = client.get(f"/api/v1/intakes/{result.intake_id}").json()
        assert client.get("/api/v1/intakes/999999").status_code == 404
    assert body["red_flags"][0]["evidence"].startswith("numb between my legs")
    assert body["contact"] == {"name": "Pat Example", "phone": "+1 555 0100 123"}
    assert body["transcript"][1]["text"] == "My low back hurts and my legs feel weird"
    assert body["answers"]["pain_score"] == 8


def test_fhir_export_needs_a_clinical_role_and_validates(web_server: WebServer) -> None:
    result = web_server.sync(snapshot("urgent"))
    path = f"/api/v1/intakes/{result.intake_id}/fhir"
    with api(web_server, "front_desk") as client:
        assert client.get(path).status_code == 403
    with api(web_server, "clinician") as client:
        response = client.get(path)
    assert response.status_code == 200
    resource = QuestionnaireResponse.model_validate(response.json())
    assert resource.id == f"intake-{result.intake_id}"


def test_api_reads_are_audited(web_server: WebServer, admin) -> None:
    result = web_server.sync(snapshot())
    with api(web_server, "clinician") as client:
        client.get(f"/api/v1/intakes/{result.intake_id}")
    log = admin.get("/staff/audit", params={"object_id": result.intake_id}).text
    assert "api.view" in log
    assert "clinician-token" in log


def test_openapi_document_describes_the_api(web_server: WebServer) -> None:
    document = httpx.get(f"{web_server.base_url}/docs/openapi.json").json()
    operation = document["paths"]["/api/v1/intakes"]["get"]
    assert operation["security"] == [{"token": []}]
    assert {p["name"] for p in operation["parameters"]} >= {
        "urgency",
        "status",
        "conversation_id",
        "page",
        "per_page",
    }
    assert document["components"]["securitySchemes"]["token"] == {
        "type": "http",
        "scheme": "bearer",
    }
    assert not any(path.startswith("/staff") for path in document["paths"])
    item_schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert "red_flags" in item_schema["properties"]["items"]["items"]["properties"]
