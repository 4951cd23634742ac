"""The staff page that shows what the assistant tells patients, with its review record."""

from __future__ import annotations

import html

import httpx

from bot.faq import load_content


def test_every_answer_is_listed_with_reviewer_date_and_sources(front_desk: httpx.Client) -> None:
    page = front_desk.get("/staff/answers")
    assert page.status_code == 200
    text = html.unescape(page.text)
    for answer in load_content().answers:
        assert answer.title in text
        assert answer.text in text
        assert answer.reviewed_by in text
        assert answer.reviewed_on.isoformat() in text
        for source in answer.sources:
            assert source in text


def test_viewing_the_answers_is_audited(front_desk: httpx.Client, admin: httpx.Client) -> None:
    front_desk.get("/staff/answers")
    assert "answers.view" in admin.get("/staff/audit", params={"action": "answers.view"}).text


def test_the_page_needs_a_signed_in_user(web_server) -> None:
    response = httpx.get(f"{web_server.base_url}/staff/answers", follow_redirects=False)
    assert response.status_code in (302, 303, 401)
