"""The widget and the console in real headless Chromium (Debian's, installed by .ci/run; never downloaded)."""
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import OPERATOR_TOKEN, ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync", "--disable-quic"]
DOCS = ROOT / "docs"

HOSTILE_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>某区知识产权局</title>
<style>
  * {{ font-size: 40px !important; color: red !important; box-sizing: content-box !important; }}
  div, section, button {{ display: none !important; background: black !important; }}
  body {{ line-height: 4 !important; font-family: serif !important; }}
  ip-hotline-widget {{ display: none !important; opacity: 0 !important; }}
</style></head>
<body><h1>某区知识产权局网站</h1><p>本站使用了覆盖一切的样式。</p>
<script src="{endpoint}/widget.js" data-endpoint="{endpoint}" data-title="知识产权咨询" defer></script>
</body></html>"""


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("需要 Debian 的 chromium：apt-get install -y chromium chromium-driver（.ci/run 会安装）")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def host_site(server, site_port):
    """A bureau's website on another origin (the allowed one) that embeds the widget."""
    html = HOSTILE_PAGE.format(endpoint=server.url).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", site_port), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{site_port}/"
    httpd.shutdown()


def test_widget_on_a_hostile_page_of_another_origin(browser, host_site, server):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.goto(host_site)
    widget = page.locator("ip-hotline-widget")
    bubble = widget.locator(".bubble")
    bubble.wait_for(state="visible")
    assert bubble.evaluate("b => getComputedStyle(b).fontSize") == "15px"  # the page's CSS does not reach in
    bubble.click()
    box = widget.locator("textarea")
    assert box.evaluate("t => t === t.getRootNode().activeElement")  # focus moved into the panel
    box.fill("企业遇到侵权纠纷，上海有没有公益的维权援助？")
    box.press("Enter")
    answer = widget.locator(".msg.bot").last
    answer.locator("details").first.wait_for(timeout=15000)
    assert "维权援助" in answer.locator(".text").inner_text()
    summary = answer.locator("summary").first
    assert "沪知局〔2022〕13号" in summary.inner_text() and "二、（三）2." in summary.inner_text()
    answer.locator(".ref").first.click()  # [1] opens the citation
    assert answer.locator("details").first.evaluate("d => d.open")
    assert "代理援助等公益服务" in answer.locator("details p").first.inner_text()
    assert answer.locator(".follow button").count() >= 1
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "widget.png"))

    with context.expect_page() as opened:
        answer.locator("details a").first.click()
    document = opened.value
    document.wait_for_load_state()
    assert document.url.endswith("/documents/sh-2022-13-public-service#s2-p3-i2")
    highlighted = document.locator("section:target")
    assert highlighted.get_attribute("id") == "s2-p3-i2"
    assert highlighted.evaluate("s => getComputedStyle(s).backgroundColor") != "rgba(0, 0, 0, 0)"

    answer.locator(".rate button").first.click()
    widget.locator("text=感谢您的反馈").wait_for(timeout=5000)
    context.close()


def test_widget_says_when_to_call_12345_and_works_by_keyboard_on_a_phone(browser, server):
    context = browser.new_context(viewport={"width": 375, "height": 700}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(server.url + "/")
    widget = page.locator("ip-hotline-widget")
    widget.locator(".bubble").wait_for(state="visible")
    widget.locator(".bubble").focus()
    page.keyboard.press("Enter")
    panel = widget.locator(".panel")
    assert panel.is_visible()
    assert abs(panel.bounding_box()["width"] - 375) < 2  # full width on a phone
    page.keyboard.type("上海知识产权保护中心的地址在哪里")
    page.keyboard.press("Enter")
    human = widget.locator(".human a")
    human.wait_for(timeout=15000)
    assert human.get_attribute("href") == "tel:12345" and "12345" in human.inner_text()
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "widget-phone.png"))
    page.keyboard.press("Escape")
    assert not panel.is_visible()
    assert context.cookies() == []  # nothing set, nothing needed
    context.close()


def test_console_from_transcript_to_copied_answer_and_saved_faq(browser, server):
    context = browser.new_context(viewport={"width": 1360, "height": 900},
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    asked = []  # the operator's token is asked for once, then kept for the tab's session

    def answer_prompt(dialog):
        asked.append(dialog.message)
        dialog.accept(OPERATOR_TOKEN)
    page.on("dialog", answer_prompt)
    page.goto(server.url + "/console")
    page.locator("#transcript").fill("喂你好，我想问一下，嗯，代理所收了钱不办事我去哪里投诉啊？还有就是江苏那个服务业措施什么时候施行的")
    first = page.locator(".card").first
    first.wait_for(timeout=15000)
    assert len(asked) == 1 and "话务员令牌" in asked[0]
    assert page.evaluate("sessionStorage.getItem('hotline-operator-token')") == OPERATOR_TOKEN
    assert page.locator(".card").count() == 2 and page.locator(".card.ungrounded").count() == 0
    assert "已更新" in page.locator("#status").inner_text()
    text = first.locator(".a").inner_text()
    assert len(text) <= 120
    first.locator("text=复制答案").click()
    first.locator("text=已复制").wait_for(timeout=5000)
    assert page.evaluate("navigator.clipboard.readText()") == text
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "console.png"))
    first.locator("text=编辑并保存为常见问答").click()
    editor = first.locator(".edit textarea")
    editor.fill(text + "如需帮助可拨打12345。")
    first.locator("text=保存为常见问答（待审核）").click()
    first.locator("text=已保存为待审核的常见问答").wait_for(timeout=5000)
    assert len(asked) == 1  # suggestions and the saved correction went with the same token
    context.close()


def test_console_asks_again_after_a_wrong_token(browser, server):
    context = browser.new_context()
    page = context.new_page()
    given = iter(["wrong-token-wrong-token-wrong", OPERATOR_TOKEN])
    page.on("dialog", lambda dialog: dialog.accept(next(given)))
    page.goto(server.url + "/console")
    page.locator("#transcript").fill("蓝天行动的工作目标是什么")
    page.locator("#status", has_text="话务员令牌").wait_for(timeout=15000)
    assert page.evaluate("sessionStorage.getItem('hotline-operator-token')") is None
    page.locator("#go").click()
    page.locator(".card").first.wait_for(timeout=15000)
    assert page.evaluate("sessionStorage.getItem('hotline-operator-token')") == OPERATOR_TOKEN
    context.close()
