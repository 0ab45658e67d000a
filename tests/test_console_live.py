"""The console on a live call, in real headless Chromium: it listens to /v1/hotline/stream while a WebSocket
client replays the call's ASR results, and shows the live transcript and the cards as they arrive."""
import json
import time

from websockets.sync.client import connect

from tests.conftest import OPERATOR, OPERATOR_TOKEN
from tests.test_browser import browser  # noqa: F401 (the Chromium fixture)
from tests.test_hotline_stream import utter, ws_url


def test_the_console_shows_a_live_call_as_it_goes(browser, server):  # noqa: F811
    page = browser.new_page(viewport={"width": 1360, "height": 900})
    page.on("dialog", lambda dialog: dialog.accept(OPERATOR_TOKEN))  # the console asks for the token once
    page.goto(server.url + "/console")
    with connect(ws_url(server, "?call=console-demo"), additional_headers=OPERATOR) as asr:
        assert json.loads(asr.recv(timeout=10))["call"] == "console-demo"
        page.locator("#call").fill("console-demo")
        page.locator("#listen").click()
        page.locator("#live-status", has_text="已接入通话").wait_for(timeout=10000)
        utter(asr, "operator", "您好，知识产权热线，请讲。")
        utter(asr, "caller", "你好，我想问一下专利代理师考试现在还要交报名费吗？")
        page.locator(".card").first.wait_for(timeout=15000)
        assert "免报考费" in page.locator(".card .a").first.inner_text()
        assert "来电人：你好，我想问一下专利代理师考试现在还要交报名费吗？" in page.locator("#live-transcript").inner_text()
        utter(asr, "caller", "还有，蓝天行动的工作目标是什么？")
        page.locator(".card").nth(1).wait_for(timeout=15000)
        assert "专利代理师考试现在还要交报名费吗" in page.locator("#questions").inner_text()
        asr.send(json.dumps({"type": "end"}))
    time.sleep(0.2)
    # pasting a transcript keeps working beside the live call
    page.locator("#transcript").fill("代理所收了钱不办事我去哪里投诉啊")
    page.locator("#status", has_text="已更新").wait_for(timeout=15000)
    assert page.locator(".card").count() == 1
    page.close()
