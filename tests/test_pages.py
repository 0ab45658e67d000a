"""The document and FAQ pages: one heading each, a header with a back link, a table of contents, tables as
tables, the document named behind 依据, and everything a document says escaped."""
from __future__ import annotations

import httpx
import pytest
from bs4 import BeautifulSoup

from tests.conftest import LiveServer, ingest_policies

POLICY = "sh-2022-13-public-service"


def soup(client, path: str) -> BeautifulSoup:
    response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    return BeautifulSoup(response.text, "html.parser")


def test_no_heading_is_doubled(client):
    page = soup(client, f"/documents/{POLICY}")
    for section in page.select("section"):
        label, heading = section.select_one(".label"), section.select_one("strong")
        assert heading is None or heading.get_text() != label.get_text(), section.get_text()[:40]
    assert "印发通知印发通知" not in page.get_text().replace(" ", "").replace("\n", "")


def test_a_header_a_back_link_and_a_table_of_contents(client):
    page = soup(client, f"/documents/{POLICY}")
    assert page.select_one("header.site a[href='/']") is not None
    back = page.select_one("a.back")
    assert back["href"] == "/documents" and "返回" in back.get_text()
    listing = soup(client, back["href"])
    assert listing.select_one(f"a[href='/documents/{POLICY}']") is not None
    toc = page.select("nav.toc a")
    anchors = {s["id"] for s in page.select("section")}
    assert len(toc) >= 4 and all(a["href"].lstrip("#") in anchors for a in toc)
    assert "二、重点任务" in [a.get_text() for a in toc]


def test_a_table_of_the_document_is_a_table(client):
    table = soup(client, f"/documents/{POLICY}").select_one("section#s1-p2-table table")
    assert table is not None
    assert [th.get_text() for th in table.select("thead th")] == ["项目", "2025年"]
    rows = [[cell.get_text() for cell in tr.select("th, td")] for tr in table.select("tbody tr")]
    assert rows[0] == ["市级知识产权培训基地数量（家）", "15"] and len(rows) == 4
    assert table.select_one("caption").get_text() == "2025年上海市知识产权公共服务发展预期目标"


def test_a_service_item_is_a_table_of_its_fields(client):
    section = soup(client, "/documents/ip-public-services").select_one("section#item1")
    fields = {tr.th.get_text(): tr.td.get_text() for tr in section.select("table tr")}
    assert fields["办理时限"] == "文件未载明" and "上海市知识产权信息服务平台" in fields["办理渠道"]


def test_the_faq_page_names_the_document_behind_its_basis(client):
    page = soup(client, "/faq")
    basis = page.select_one("section#exam-fee .basis")
    assert basis is not None and "《" in basis.get_text() and "》" in basis.get_text()
    link = basis.select_one("a")
    assert link["href"].startswith("/documents/") and "#" in link["href"]


def test_what_a_document_says_is_escaped(tmp_path):
    settings = ingest_policies(tmp_path, {"xss": "关于<script>alert(1)</script>的通知\n\n一、总则\n\n"
                                                 "1. 申请人可以<b onmouseover=alert(2)>申请</b>资助。\n"})
    from bot.api.app import create_app

    with LiveServer(create_app(settings)) as live:
        listing = httpx.get(live.url + "/documents").text
        doc_id = BeautifulSoup(listing, "html.parser").select("ol a")[0]["href"]
        page = httpx.get(live.url + doc_id).text
    assert "<script>alert" not in page and "<b onmouseover" not in page
    assert "&lt;script&gt;" in page or "&lt;b onmouseover" in page
