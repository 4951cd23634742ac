"""Queue, intake detail, staff actions, print view, FHIR export and the live feed."""

from __future__ import annotations

import json
import re
import time

import httpx
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from tests.web.conftest import WebServer, csrf_from
from tests.web.helpers import CAUDA_EQUINA, snapshot

XSS = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'


def row_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'data-intake-id="(\d+)"', html)]


def test_queue_puts_emergencies_first_then_the_longest_waiting(
    web_server: WebServer, clinician: httpx.Client
) -> None:
    tag = f"order-{time.time_ns()}"
    routine = web_server.sync(snapshot("routine", summary=tag)).intake_id
    first_urgent = web_server.sync(snapshot("urgent", summary=tag)).intake_id
    emergency = web_server.sync(snapshot("emergency", summary=tag)).intake_id
    second_urgent = web_server.sync(snapshot("urgent", summary=tag)).intake_id

    page = clinician.get("/staff/", params={"q": tag})

    assert page.status_code == 200
    assert row_ids(page.text) == [emergency, first_urgent, second_urgent, routine]


def test_queue_filters_by_tier_and_status_and_hides_closed(
    web_server: WebServer, clinician: httpx.Client
) -> None:
    tag = f"filter-{time.time_ns()}"
    urgent = web_server.sync(snapshot("urgent", summary=tag)).intake_id
    routine = web_server.sync(snapshot("routine", summary=tag, status="needs_callback")).intake_id
    closed = web_server.sync(snapshot("routine", summary=tag)).intake_id
    page = clinician.get(f"/staff/intakes/{closed}")
    clinician.post(f"/staff/intakes/{closed}/close", data={"csrf_token": csrf_from(page.text)})

    assert row_ids(clinician.get("/staff/", params={"q": tag}).text) == [urgent, routine]
    assert row_ids(clinician.get("/staff/", params={"q": tag, "urgency": "urgent"}).text) == [
        urgent
    ]
    needs_callback = clinician.get("/staff/", params={"q": tag, "status": "needs_callback"})
    assert row_ids(needs_callback.text) == [routine]
    assert row_ids(clinician.get("/staff/", params={"q": tag, "status": "closed"}).text) == [closed]
    assert clinician.get("/staff/", params={"urgency": "critical"}).status_code == 400


def test_search_finds_a_patient_by_name_or_phone(
    web_server: WebServer, front_desk: httpx.Client
) -> None:
    answers = {**snapshot().answers, "contact_name": "Wilhelmina Ostrander-Quay"}
    intake_id = web_server.sync(snapshot(answers=answers)).intake_id

    assert row_ids(front_desk.get("/staff/", params={"q": "ostrander"}).text) == [intake_id]


def test_intake_page_leads_with_tier_and_flags_then_the_clinical_picture(
    web_server: WebServer, clinician: httpx.Client
) -> None:
    intake_id = web_server.sync(snapshot("emergency")).intake_id

    page = clinician.get(f"/staff/intakes/{intake_id}").text

    order = [
        "EMERGENCY",
        "Possible cauda equina syndrome",
        "numb between my legs",  # the patient's own words
        "Rule source: GIRFT national CES pathway 2023",
        "Low back pain going down both legs",  # complaint
        "lower back",  # region
        "sudden, lifting a box",  # onset
        "3 days",
        "constant, worse at night",
        "sitting",
        "lying flat",
        "ibuprofen",
        "Anticoagulants",
        "get back to work",
        "Pat Example",
        "Transcript",
        "My low back hurts and my legs feel weird",
    ]
    positions = [page.find(text.replace("'", "&#39;")) for text in order]
    assert -1 not in positions, [t for t, p in zip(order, positions, strict=True) if p == -1]
    assert positions == sorted(positions)


def test_stored_script_in_patient_text_renders_inert(
    web_server: WebServer, clinician: httpx.Client
) -> None:
    answers = {**snapshot().answers, "complaint": XSS, "contact_name": XSS}
    flag = {**CAUDA_EQUINA, "evidence": XSS}
    intake_id = web_server.sync(
        snapshot("emergency", answers=answers, red_flags=[flag], summary=XSS)
    ).intake_id

    for path in (f"/staff/intakes/{intake_id}", f"/staff/intakes/{intake_id}/print", "/staff/"):
        html = clinician.get(path).text
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in html
    fragment = clinician.get("/staff/queue/rows").text
    assert "<script>alert" not in fragment


def test_acknowledge_assign_note_and_close_record_who_and_when(
    web_server: WebServer, clinician: httpx.Client, admin: httpx.Client
) -> None:
    intake_id = web_server.sync(snapshot("urgent")).intake_id
    page = clinician.get(f"/staff/intakes/{intake_id}")
    csrf = csrf_from(page.text)
    assert "Waiting for acknowledgement" in page.text

    ack = clinician.post(f"/staff/intakes/{intake_id}/acknowledge", data={"csrf_token": csrf})
    assert ack.status_code == 303
    assert ack.headers["location"] == f"/staff/intakes/{intake_id}"
    page = clinician.get(f"/staff/intakes/{intake_id}").text
    assert "Acknowledged</dd>" in page
    assert re.search(r"Acknowledged</dt><dd>Clinician, \d{4}-\d\d-\d\d \d\d:\d\d", page)
    assert re.search(r'class="time-to-ack">(under a minute|\d+ min)<', page)
    assert "Acknowledge</button>" not in page

    member_id = re.search(r'<option value="(\d+)"[^>]*>Clinician \(Clinician\)', page).group(1)
    clinician.post(
        f"/staff/intakes/{intake_id}/assign", data={"csrf_token": csrf, "assignee_id": member_id}
    )
    clinician.post(
        f"/staff/intakes/{intake_id}/notes", data={"csrf_token": csrf, "text": "Called, booked."}
    )
    page = clinician.get(f"/staff/intakes/{intake_id}").text
    assert "Assigned to</dt><dd>Clinician</dd>" in page
    assert "Called, booked." in page

    clinician.post(f"/staff/intakes/{intake_id}/close", data={"csrf_token": csrf})
    page = clinician.get(f"/staff/intakes/{intake_id}").text
    assert "Closed</dd>" in page
    assert intake_id not in row_ids(clinician.get("/staff/").text)

    log = admin.get("/staff/audit", params={"object_id": str(intake_id)}).text
    for action in ("intake.view", "intake.acknowledge", "intake.assign", "intake.note",
                   "intake.close", "intake.escalated"):  # fmt: skip
        assert action in log
    assert "Called, booked." not in log  # the audit log holds no note text


def test_empty_note_is_refused(web_server: WebServer, front_desk: httpx.Client) -> None:
    intake_id = web_server.sync(snapshot()).intake_id
    page = front_desk.get(f"/staff/intakes/{intake_id}")
    response = front_desk.post(
        f"/staff/intakes/{intake_id}/notes",
        data={"csrf_token": csrf_from(page.text), "text": "   "},
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 400
    assert "the note is empty" in response.text


def test_print_view_has_the_clinical_picture_and_no_actions(
    web_server: WebServer, clinician: httpx.Client
) -> None:
    intake_id = web_server.sync(snapshot("emergency")).intake_id
    page = clinician.get(f"/staff/intakes/{intake_id}/print").text
    assert "Possible cauda equina syndrome" in page
    assert "print.css" in page
    assert "Acknowledge</button>" not in page
    assert "<script" not in page


def test_fhir_export_validates_and_is_audited(
    web_server: WebServer, clinician: httpx.Client, admin: httpx.Client
) -> None:
    intake_id = web_server.sync(snapshot("emergency")).intake_id

    response = clinician.get(f"/staff/intakes/{intake_id}/fhir")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    assert "attachment" in response.headers["content-disposition"]
    resource = QuestionnaireResponse.model_validate(response.json())
    assert resource.questionnaire.startswith(f"{web_server.base_url}/fhir/Questionnaire/")
    triage = resource.item[0]
    assert triage.item[0].answer[0].valueCoding.code == "emergency"
    assert triage.item[1].answer[0].valueCoding.code == "cauda_equina"
    questionnaire = httpx.get(f"{web_server.base_url}/fhir/Questionnaire/physio-intake").json()
    assert questionnaire["url"] == resource.questionnaire.split("|")[0]
    assert "intake.export_fhir" in admin.get("/staff/audit", params={"object_id": intake_id}).text


def test_unknown_intake_is_a_404(clinician: httpx.Client) -> None:
    response = clinician.get("/staff/intakes/999999", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "Not found" in response.text


def read_events(client: httpx.Client, seconds: float, until) -> list[dict]:
    """Collect `queue` events from the live feed until `until(events)` or the time is up."""
    events: list[dict] = []
    deadline = time.monotonic() + seconds
    with client.stream("GET", "/staff/events", timeout=seconds + 5) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        for line in stream.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[len("data: ") :]))
                if until(events) or time.monotonic() > deadline:
                    break
    return events


def test_live_feed_reports_a_new_emergency_written_by_another_process(
    web_server: WebServer, clinician: httpx.Client
) -> None:
    import threading

    result = {}

    def write_later() -> None:
        time.sleep(1.0)
        result["id"] = web_server.sync(snapshot("emergency")).intake_id

    writer = threading.Thread(target=write_later)
    writer.start()
    events = read_events(
        clinician,
        15,
        until=lambda events: (
            "id" in result and any(alert["id"] == result["id"] for alert in events[-1]["alerts"])
        ),
    )
    writer.join()
    newest = events[-1]["alerts"]
    assert any(alert["id"] == result["id"] and alert["tier"] == "emergency" for alert in newest)
    assert len(events) >= 2  # the first event is the state when the page connected


def test_outbox_worker_in_the_web_app_emails_the_on_call_clinician(
    web_server: WebServer,
) -> None:
    before = len(web_server.smtp.messages)
    intake_id = web_server.sync(snapshot("emergency")).intake_id
    link = f"{web_server.base_url}/staff/intakes/{intake_id}"

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if any(link in message.get_content() for message in web_server.smtp.messages[before:]):
            break
        time.sleep(0.2)
    matching = [m for m in web_server.smtp.messages if link in m.get_content()]
    assert len(matching) == 1
    assert matching[0]["To"] == "oncall@clinic.test"
    assert "Pat Example" not in matching[0].as_string()


def test_waiting_time_is_shown_in_the_queue(web_server: WebServer, clinician) -> None:
    tag = f"wait-{time.time_ns()}"
    web_server.sync(snapshot("urgent", summary=tag))
    html = clinician.get("/staff/", params={"q": tag}).text
    assert re.search(r"<time datetime=\"[^\"]+\">(under a minute|\d+ min)</time>", html)


def test_an_intake_id_beyond_the_column_is_not_found(clinician: httpx.Client) -> None:
    for intake_id in (2**31, 10**20):
        assert clinician.get(f"/staff/intakes/{intake_id}").status_code == 404
