"""What the widget asks the server before a question, and the answer to a site that may not call the API."""
from __future__ import annotations

from tests.conftest import WIDGET_SITE

PREFLIGHT = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}


def test_a_preflight_from_a_site_not_allowed_is_refused_with_a_reason(client, caplog):
    stranger = "http://stranger.example"
    refused = client.options("/v1/chat", headers={"Origin": stranger, **PREFLIGHT})
    assert refused.status_code == 403  # it was a bare 405 (no origins set) or a plain-text 400
    error = refused.json()["error"]
    assert error["code"] == "origin_not_allowed" and stranger in error["message"]
    assert "access-control-allow-origin" not in refused.headers


def test_a_preflight_from_the_bureaus_site_passes(client, site_port):
    site = WIDGET_SITE.format(port=site_port)
    allowed = client.options("/v1/chat", headers={"Origin": site, **PREFLIGHT})
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == site


def test_the_widget_config_says_whether_the_site_may_ask(client, site_port):
    own = client.get("/v1/widget/config").json()
    assert own["origin_allowed"] and own["max_chars"] == 500 and len(own["questions"]) >= 1
    site = client.get("/v1/widget/config", headers={"Origin": WIDGET_SITE.format(port=site_port)})
    assert site.json()["origin_allowed"] and site.headers["access-control-allow-origin"] in ("*", site.request.headers["origin"])
    other = client.get("/v1/widget/config", headers={"Origin": "http://other.example"})
    assert other.json()["origin_allowed"] is False and "http://other.example" in other.json()["message"]
    assert other.headers["access-control-allow-origin"] == "*"  # readable there, so the widget can say why
