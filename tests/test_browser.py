"""The widget, the pages, /docs and the console in real headless Chromium (Debian's, installed by .ci/run; never
downloaded). Screenshots go to a temporary folder; HOTLINE_SCREENSHOTS=1 writes the README's, in docs/."""
import json
import logging
import os
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.conftest import OPERATOR_TOKEN, ROOT, LiveServer, free_port

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
<script src="{endpoint}/widget.js" data-endpoint="{endpoint}" data-title="知识产权咨询" {extra} defer></script>
</body></html>"""


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Where screenshots go: docs/ when asked for (HOTLINE_SCREENSHOTS=1), else a temporary folder, so that
    `make test` leaves the checkout as it found it."""
    if os.environ.get("HOTLINE_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        return DOCS
    return tmp_path_factory.mktemp("screenshots")


def serve_page(port: int, html: bytes) -> ThreadingHTTPServer:
    """A bureau's website on its own origin, serving one page."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


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
    """A bureau's website on another origin (the allowed one) that embeds the widget with its own questions."""
    extra = 'data-questions="商标被抢注了怎么办|知识产权信息检索分析怎么办理"'
    httpd = serve_page(site_port, HOSTILE_PAGE.format(endpoint=server.url, extra=extra).encode())
    yield f"http://127.0.0.1:{site_port}/"
    httpd.shutdown()


def test_widget_on_a_hostile_page_of_another_origin(browser, host_site, server, shots):
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
    # the whole clause is read once, behind 展开: its citation points there
    assert answer.locator("details .more").first.is_visible() and answer.locator("details p").count() == 0
    assert answer.locator(".follow button").count() >= 1
    page.screenshot(path=str(shots / "widget.png"))

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


def test_widget_says_when_to_call_12345_and_works_by_keyboard_on_a_phone(browser, server, shots):
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
    page.screenshot(path=str(shots / "widget-phone.png"))
    page.keyboard.press("Escape")
    assert not panel.is_visible()
    assert context.cookies() == []  # nothing set, nothing needed
    context.close()


def test_console_from_transcript_to_copied_answer_and_saved_faq(browser, server, shots):
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
    page.screenshot(path=str(shots / "console.png"))
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


def open_widget(page, url: str):
    page.goto(url)
    widget = page.locator("ip-hotline-widget")
    widget.locator(".bubble").click()
    return widget


def ask_widget(widget, question: str):
    """Type a question, send it with Enter, and wait for the whole answer (its rating row comes last)."""
    box = widget.locator("textarea").first
    box.fill(question)
    box.press("Enter")
    answer = widget.locator(".msg.bot").last
    answer.locator(".rate").wait_for(timeout=15000)
    return answer


def test_the_opening_panel_offers_the_sites_example_questions(browser, host_site):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    widget = open_widget(page, host_site)
    examples = widget.locator(".examples button")
    examples.first.wait_for(timeout=10000)
    assert examples.all_inner_texts() == ["商标被抢注了怎么办", "知识产权信息检索分析怎么办理"]  # data-questions
    examples.nth(1).click()
    assert widget.locator(".msg.user").last.inner_text() == "知识产权信息检索分析怎么办理"
    widget.locator(".msg.bot").last.locator("details").first.wait_for(timeout=15000)
    context.close()


def test_the_opening_panel_offers_the_bureaus_configured_questions(browser, app_settings):
    from bot.api.app import create_app

    configured = app_settings.model_copy(update={"widget_questions": "专利费减怎么办理|商标代理机构怎么备案"})
    with LiveServer(create_app(configured)) as live:
        context = browser.new_context()
        page = context.new_page()
        widget = open_widget(page, live.url + "/")
        widget.locator(".examples button").first.wait_for(timeout=10000)
        assert widget.locator(".examples button").all_inner_texts() == ["专利费减怎么办理", "商标代理机构怎么备案"]
        context.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_the_placeholder_is_not_cut_off(browser, server, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    widget = open_widget(page, server.url + "/")
    box = widget.locator("textarea").first
    # the placeholder laid out in a block of the textarea's width and font must fit its height
    fits = box.evaluate("""t => {
        const s = getComputedStyle(t), d = document.createElement('div');
        for (const p of ['fontSize', 'fontFamily', 'lineHeight', 'paddingLeft', 'paddingRight', 'paddingTop',
                         'paddingBottom', 'letterSpacing', 'boxSizing', 'borderLeftWidth', 'borderRightWidth',
                         'borderTopWidth', 'borderBottomWidth', 'borderStyle'])
            d.style[p] = s[p];
        d.style.width = t.offsetWidth + 'px'; d.style.position = 'absolute'; d.style.whiteSpace = 'pre-wrap';
        d.textContent = t.placeholder;
        t.getRootNode().appendChild(d);
        const ok = d.offsetHeight <= t.offsetHeight;
        d.remove();
        return ok;
    }""")
    assert fits and box.get_attribute("placeholder")
    context.close()


def test_a_new_answer_is_shown_from_its_start(browser, server):
    context = browser.new_context(viewport={"width": 375, "height": 420}, is_mobile=True, has_touch=True)
    page = context.new_page()
    widget = open_widget(page, server.url + "/")
    for question in ("企业遇到侵权纠纷，上海有没有公益的维权援助？", "代理所收了钱不办事，我去哪里投诉？"):
        answer = ask_widget(widget, question)
    log = widget.locator(".log")
    answer_top = answer.evaluate("a => a.getBoundingClientRect().top")
    log_box = log.evaluate("l => [l.getBoundingClientRect().top, l.scrollHeight, l.clientHeight, l.scrollTop]")
    top, scroll_height, client_height, scroll_top = log_box
    assert answer.evaluate("a => a.offsetHeight") > client_height  # the answer is longer than the window
    assert top <= answer_top <= top + 40, (top, answer_top)  # its first line is at the top
    assert scroll_top < scroll_height - client_height - 10  # not scrolled past it to its end
    context.close()


def test_copy_clear_and_the_character_counter(browser, server):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    widget = open_widget(page, server.url + "/")
    box = widget.locator("textarea").first
    answer = ask_widget(widget, "江苏的若干措施有效期到哪天？")
    answer.locator(".copy").click()
    answer.locator("text=已复制").wait_for(timeout=5000)
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(answer.locator(".text").inner_text()[:20]) and "依据：" in copied and "《" in copied

    count = widget.locator(".count")
    long_question = "专" * 520
    box.fill(long_question)
    assert box.input_value() == long_question  # nothing cut silently
    assert "超出 20 字" in count.inner_text() and widget.locator("form button").is_disabled()
    box.fill("专利")
    assert count.inner_text() == "2/500" and not widget.locator("form button").is_disabled()

    asked = []
    page.on("request", lambda r: asked.append(json.loads(r.post_data)) if r.url.endswith("/v1/chat") else None)
    widget.locator("button.clear").click()
    assert widget.locator(".msg.user").count() == 0 and widget.locator(".examples").count() == 1
    ask_widget(widget, "蓝天行动的工作目标是什么")
    assert asked and asked[-1]["session_id"] is None  # a new conversation
    context.close()


def test_stop_and_the_typing_indicator(browser, server):
    context = browser.new_context()
    page = context.new_page()
    held = []
    page.route("**/v1/chat", lambda route: held.append(route))  # the answer is slow to come
    widget = open_widget(page, server.url + "/")
    box = widget.locator("textarea").first
    box.fill("蓝天行动的工作目标是什么")
    box.press("Enter")
    indicator = widget.locator(".typing")
    indicator.wait_for(state="visible", timeout=5000)
    send = widget.locator("form button")
    assert send.inner_text() == "停止"
    send.click()
    widget.locator("text=已停止回答").wait_for(timeout=5000)
    assert send.inner_text() == "发送" and indicator.count() == 0
    for route in held:
        route.abort()
    page.unroute("**/v1/chat")
    ask_widget(widget, "蓝天行动的工作目标是什么")  # and it asks again afterwards
    context.close()


def test_a_reason_box_on_not_helpful(browser, server):
    context = browser.new_context()
    page = context.new_page()
    answer = ask_widget(open_widget(page, server.url + "/"), "蓝天行动的工作目标是什么")
    answer.locator("button[aria-label=没帮助]").click()
    reason = answer.locator(".reason textarea")
    reason.fill("没有说具体的时间表")
    with page.expect_request("**/v1/feedback") as sent:
        answer.locator("text=提交反馈").click()
    body = json.loads(sent.value.post_data)
    assert body["rating"] == "down" and body["comment"] == "没有说具体的时间表"
    answer.locator("text=感谢您的反馈").wait_for(timeout=5000)
    assert sent.value.response().status == 201
    context.close()


def test_a_service_item_and_a_schedule_are_tables(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    answer = ask_widget(open_widget(page, server.url + "/"), "知识产权信息检索分析怎么办理")
    catalogue = answer.locator("details", has=page.locator("th", has_text="办理时限")).first
    catalogue.locator("summary").click()
    assert catalogue.locator("th", has_text="办理渠道").is_visible()
    context.close()

    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(server.url + "/documents/sh-2022-13-public-service#s1-p2-table")
    table = page.locator("section#s1-p2-table table")
    assert table.is_visible() and table.locator("thead th").all_inner_texts() == ["项目", "2025年"]
    page.close()


def test_a_site_that_is_not_allowed_is_told_so_and_the_log_names_it(browser, server, caplog):
    port = free_port()
    httpd = serve_page(port, HOSTILE_PAGE.format(endpoint=server.url, extra="").encode())
    origin = f"http://127.0.0.1:{port}"
    try:
        context = browser.new_context()
        page = context.new_page()
        with caplog.at_level(logging.WARNING, logger="hotline.origins"):
            widget = open_widget(page, origin + "/")
            blocked = widget.locator(".blocked")
            blocked.wait_for(timeout=10000)
            assert origin in blocked.inner_text() and "尚未获准" in blocked.inner_text()
            assert "网络连接失败" not in widget.inner_text()
            # the browser's own preflight (what fetch would send) is refused with a reason, not a bare 405
            status = page.evaluate("""e => fetch(e + '/v1/chat', {method: 'POST', body: '{}',
                headers: {'Content-Type': 'application/json'}}).then(r => r.status, err => 'blocked')""", server.url)
            assert status == "blocked"
        said = " ".join(r.getMessage() for r in caplog.records if r.name == "hotline.origins")
        assert origin in said and "HOTLINE_ALLOWED_ORIGINS" in said
        context.close()
    finally:
        httpd.shutdown()


def test_docs_render_with_no_network(browser, server):
    context = browser.new_context()
    page = context.new_page()
    outside = []

    def local_only(route):
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", local_only)
    page.goto(server.url + "/docs")
    page.locator(".opblock").first.wait_for(timeout=15000)
    assert page.locator(".opblock").count() >= 8 and outside == []
    assert page.get_by_text("/v1/ask", exact=True).first.is_visible()
    context.close()


def test_the_document_page(browser, server, shots):
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(server.url + "/documents/sh-2022-13-public-service")
    page.locator("nav.toc a", has_text="二、重点任务").click()
    assert page.url.endswith("#s2-p1")
    assert page.locator("section:target").get_attribute("id") == "s2-p1"
    page.goto(server.url + "/documents/sh-2022-13-public-service")
    page.screenshot(path=str(shots / "document.png"))
    page.locator("a.back").click()
    page.wait_for_url("**/documents")
    assert page.locator("h1").inner_text() == "政策文件"
    page.close()


@pytest.fixture(scope="module")
def admin_site(tmp_path_factory):
    """A server of its own (its documents get uploaded and deleted), with the admin token set."""
    from pydantic import SecretStr

    from bot.api.app import create_app
    from ingest.build import ingest
    from tests.conftest import ADMIN_TOKEN, KNOWLEDGE, make_settings

    root = tmp_path_factory.mktemp("admin")
    shutil.copytree(KNOWLEDGE, root / "knowledge")
    settings = make_settings(root / "var", root / "knowledge", admin_token=SecretStr(ADMIN_TOKEN))
    ingest([settings.knowledge_dir], settings, progress=False)
    with LiveServer(create_app(settings)) as live:
        yield live, settings


def test_the_admin_screen(browser, admin_site, shots, tmp_path):
    import re

    from playwright.sync_api import expect

    from bot.service import Assistant
    from tests.conftest import ADMIN_TOKEN

    live, settings = admin_site
    store = Assistant(settings).store
    clause = "sh-2022-13-public-service:s2-p3-i2"
    faq_id = store.add_faq_candidate("中小企业遇到侵权有没有援助", "有维权援助。", [clause], "answer-1", "operator:张三")
    transcript = "来电人：你好。" + "我想问一下专利的事情，" * 1600
    store.record_gap(transcript, "unanswered", 0.1, "hotline")
    for _ in range(2):
        store.record_gap("申请植物新品种权要交多少钱", "unanswered", 0.05, "web")
    store.record_gap("蓝天行动的工作目标是什么", "low-confidence", 0.3, "web")

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(live.url + "/admin")
    page.locator("#token").fill("not-the-token-at-all-0123456789")
    page.locator("#login-form button").click()
    page.locator("#login-msg", has_text="令牌").wait_for(timeout=5000)
    page.locator("#token").fill(ADMIN_TOKEN)
    page.locator("#login-form button").click()
    rows = page.locator("#doc-rows tr")
    rows.first.wait_for(timeout=10000)
    assert rows.count() == 6
    page.reload()  # the token is kept for the tab: not asked again
    rows.first.wait_for(timeout=10000)
    assert page.locator("#login").is_hidden()
    assert page.evaluate("sessionStorage.getItem('hotline-admin-token')") == ADMIN_TOKEN
    assert page.evaluate("localStorage.length") == 0 and context.cookies() == []

    # the clause tree of a document
    page.locator("tr[data-doc='sh-2022-13-public-service'] button", has_text="预览条款").click()
    tree = page.locator("#preview-tree")
    tree.locator("text=二、重点任务").wait_for(timeout=5000)
    assert "加强知识产权维权援助" in tree.inner_text() or "（三）2." in tree.inner_text()

    # upload, then delete
    upload = tmp_path / "测试措施.txt"
    upload.write_text("上海市知识产权局关于测试的若干措施\n\n一、总则\n\n1. 申请测试资助的，向区知识产权局提出。\n"
                      "\n本措施自2026年1月1日起施行。\n", encoding="utf-8")
    page.locator("#file").set_input_files(str(upload))
    page.locator("#upload button").click()
    page.locator("#upload-msg", has_text="已入库").wait_for(timeout=60000)
    expect(rows).to_have_count(7, timeout=10000)  # (not wait_for_function: the page's CSP forbids eval)
    added = page.locator("#doc-rows tr", has_text="测试的若干措施")
    added.locator("button", has_text="删除").click()
    page.locator("#upload-msg", has_text="已删除").wait_for(timeout=60000)
    expect(rows).to_have_count(6, timeout=10000)

    # an FAQ candidate: where it came from, edit the answer and its basis, approve
    page.locator("[data-tab=faq]").click()
    card = page.locator(f".faq[data-faq='{faq_id}']")
    card.wait_for(timeout=5000)
    assert "话务员 张三" in card.locator(".from").first.inner_text()
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", card.locator(".from").first.inner_text())
    card.locator(".basis-labels", has_text="二、（三）2.").wait_for(timeout=5000)
    card.locator("textarea").fill("本市为中小微企业提供知识产权维权援助等公益服务。")
    card.locator("input").fill(clause + ", sh-2022-13-public-service:s2-p3-i1")
    card.locator("input").dispatch_event("change")
    card.locator(".basis-labels", has_text="二、（三）1.").wait_for(timeout=5000)
    card.locator("button", has_text="批准").click()
    card.locator("text=已批准").wait_for(timeout=5000)
    saved = store.faq_item(faq_id)
    assert saved["status"] == "approved" and saved["answer"] == "本市为中小微企业提供知识产权维权援助等公益服务。"
    assert saved["basis"] == [clause, "sh-2022-13-public-service:s2-p3-i1"]

    # the gaps: per week, resolved or open, a transcript shortened, times as dates
    page.locator("[data-tab=gaps]").click()
    gap_rows = page.locator("#gap-rows tr")
    gap_rows.first.wait_for(timeout=15000)
    table = page.locator("#gap-rows").inner_text()
    assert len(table) < 2000 and "共 " in table  # not 16 000 characters
    open_gap = page.locator("#gap-rows tr", has_text="植物新品种")
    assert open_gap.locator("td").nth(1).inner_text() == "2" and "未解决" in open_gap.inner_text()
    assert re.search(r"\d{4}-W\d{2}：2", open_gap.inner_text())
    assert "已解决" in page.locator("#gap-rows tr", has_text="蓝天行动").inner_text()
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", open_gap.inner_text()) and not re.search(r"\d{10}", table)
    page.screenshot(path=str(shots / "admin.png"), full_page=True)
    context.close()


def _whole_clause(server, question: str) -> dict:
    """The first citation of the API's answer to the question, and what its lead quotes of it."""
    answer = httpx.post(f"{server.url}/v1/ask", json={"question": question}, timeout=30).json()
    assert answer["lead_from"] == [{"n": 1, "whole": False}], answer["lead_from"]
    return answer["citations"][0]


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 860}, {"width": 375, "height": 700}],
                         ids=["desktop", "phone"])
def test_expand_shows_the_whole_clause_behind_the_lead_in_place(browser, server, shots, viewport):
    phone = viewport["width"] < 500
    context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    widget = open_widget(page, server.url + "/")

    # a lead that is one row of a 附表: the table, whole, is behind 展开
    question = "上海知识产权公共服务2025年的目标是多少"
    clause = _whole_clause(server, question)
    caption, *rows = clause["text"].split("\n")
    answer = ask_widget(widget, question)
    lead = answer.locator(".text").inner_text()
    button, whole = answer.locator("button.expand"), answer.locator(".whole")
    assert button.is_visible() and button.inner_text() == "展开" and button.get_attribute("aria-expanded") == "false"
    assert whole.count() == 1 and whole.is_hidden()
    hidden_row = next(r.split("，")[0] for r in rows if r.split("，")[0] not in lead)
    assert not answer.get_by_text(hidden_row).first.is_visible()  # shown neither in the lead nor unfolded

    button.focus()
    page.keyboard.press("Enter")  # a real button: the keyboard opens it
    assert whole.is_visible() and button.inner_text() == "收起" and button.get_attribute("aria-expanded") == "true"
    assert button.get_attribute("aria-controls") == whole.get_attribute("id")
    table = whole.locator("table")
    assert table.is_visible() and table.locator("caption").inner_text() == caption
    assert table.locator("thead th").all_inner_texts() == ["项目", "2025年"]
    assert table.locator("tbody th").all_inner_texts() == [r.split("，")[0] for r in rows]  # every row, in order
    assert whole.locator("h3").inner_text().startswith("[1] 《" + clause["doc_title"] + "》")
    assert whole.evaluate("w => w.scrollWidth <= w.clientWidth + 1")  # the table fits the panel, a phone's too
    if phone:
        page.screenshot(path=str(shots / "widget-expand.png"))

    page.keyboard.press("Space")  # 收起 folds it again
    assert whole.is_hidden() and button.inner_text() == "展开" and button.get_attribute("aria-expanded") == "false"

    if not phone:
        # a lead from a longer clause of prose: every sentence of the clause, once unfolded
        question = "企业遇到侵权纠纷，上海有没有公益的维权援助？"
        clause = _whole_clause(server, question)
        answer = ask_widget(widget, question)
        answer.locator("button.expand").click()
        shown = answer.locator(".whole").inner_text()
        assert all(s in shown for s in clause["text"].rstrip("。").split("。")), shown
        # nothing to unfold: a lead that is its whole clause, and a refusal
        for question in ("上海怎么建立知识产权公共服务网点", "商标注册一般要多久能下来"):
            answer = ask_widget(widget, question)
            assert answer.locator("button.expand").count() == 0 and answer.locator(".whole").count() == 0
    context.close()


def test_the_whole_clause_is_shown_once_behind_expand_not_again_in_its_citation(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    widget = open_widget(page, server.url + "/")
    question = "企业遇到侵权纠纷，上海有没有公益的维权援助？"
    clause = _whole_clause(server, question)
    answer = ask_widget(widget, question)
    lead = answer.locator(".text").inner_text()
    unsaid = [s for s in clause["text"].rstrip("。").split("。") if s and s not in lead and s not in clause["heading"]]
    assert unsaid  # the clause says more than the lead: 展开 has something to unfold
    answer.locator("button.expand").click()
    for details in answer.locator("details").all():  # every citation opened
        details.locator("summary").click()
    shown = answer.inner_text()
    assert all(shown.count(s) == 1 for s in unsaid), [(s, shown.count(s)) for s in unsaid]
    cited = answer.locator('details[data-n="1"]')  # its citation keeps its line and its link
    assert cited.locator("summary").inner_text().startswith("[1] 《" + clause["doc_title"] + "》")
    assert cited.locator("a").get_attribute("href").endswith(clause["url"])
    answer.locator("button.expand").click()  # folded again: the citation's pointer unfolds it
    cited.locator("button.more").click()
    assert answer.locator(".whole").is_visible() and answer.locator("button.expand").inner_text() == "收起"
    # a clause that is not behind 展开 (the nearest ones under a refusal) is still read in its citation
    refusal = ask_widget(widget, "商标注册一般要多久能下来")
    first = refusal.locator("details").first
    first.locator("summary").click()
    assert first.locator("p").first.is_visible()
    context.close()
