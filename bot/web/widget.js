/*
 * 知识产权咨询 chat widget. Embed with one tag:
 *   <script src="https://assistant.example/widget.js" data-endpoint="https://assistant.example"
 *           data-title="知识产权咨询" data-region="上海" data-questions="问题一|问题二" defer></script>
 * It lives in a shadow DOM (the page's CSS cannot reach it, its CSS cannot reach the page), opens with example
 * questions (data-questions, else the server's HOTLINE_WIDGET_QUESTIONS), streams answers from POST /v1/chat
 * (stop button, typing indicator), shows numbered citations that open the clause (service items and 附表 as
 * tables), 展开 under a lead quoted from a longer clause (the whole clause in place, and only there: its citation
 * points to it), follow-up questions, copy, thumbs up/down with a reason box, and a 12345 path when the documents do
 * not answer. A site that may not call the API is told so plainly. No cookies: the session id is in memory.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__ipHotlineWidget) return;
  window.__ipHotlineWidget = true;
  var endpoint = (script.getAttribute("data-endpoint") || new URL(script.src).origin).replace(/\/+$/, "");
  var title = script.getAttribute("data-title") || "知识产权咨询";
  var region = script.getAttribute("data-region") || null;
  var ownQuestions = (script.getAttribute("data-questions") || "").split("|").map(function (q) { return q.trim(); })
                       .filter(Boolean);
  var sessionId = null;
  var maxChars = 500;
  var config = null;      // GET /v1/widget/config, once
  var running = null;     // the AbortController of the answer being streamed

  var CSS = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:system-ui,'PingFang SC','Microsoft YaHei',sans-serif}",
    ".bubble{position:fixed;right:20px;bottom:20px;width:60px;height:60px;border-radius:50%;border:0;",
    "background:#1456b8;color:#fff;font-size:15px;font-weight:600;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483646}",
    ".bubble:focus-visible,button:focus-visible,a:focus-visible,textarea:focus-visible,summary:focus-visible{outline:3px solid #ffb300;outline-offset:2px}",
    ".panel{position:fixed;right:20px;bottom:92px;width:380px;max-width:calc(100vw - 40px);height:560px;max-height:calc(100vh - 120px);",
    "display:flex;flex-direction:column;background:#fff;color:#1f1f1f;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.3);",
    "overflow:hidden;z-index:2147483647;font-size:15px;line-height:1.6}",
    ".panel[hidden]{display:none}",
    "header{display:flex;align-items:center;justify-content:space-between;padding:10px 14px;background:#1456b8;color:#fff}",
    "header h2{margin:0;font-size:16px;font-weight:600}",
    "header button{background:transparent;border:0;color:#fff;font-size:22px;cursor:pointer;line-height:1;padding:4px 8px}",
    ".log{flex:1;overflow-y:auto;padding:12px 14px;background:#f6f8fb}",
    ".msg{margin:0 0 12px;max-width:92%;white-space:pre-wrap;word-break:break-word}",
    ".user{margin-left:auto;background:#1456b8;color:#fff;padding:8px 12px;border-radius:12px 12px 2px 12px;width:fit-content}",
    ".bot{background:#fff;border:1px solid #e3e7ee;padding:10px 12px;border-radius:12px 12px 12px 2px}",
    ".bot .text{margin:0}",
    ".ref{color:#1456b8;font-size:12px;vertical-align:super;cursor:pointer;background:none;border:0;padding:0 1px}",
    ".cites{margin:8px 0 0;padding:0;list-style:none;font-size:13px}",
    ".cites details{border-top:1px solid #eef1f5;padding:4px 0}",
    ".cites summary{cursor:pointer;color:#123c7c}",
    ".cites p{margin:4px 0;color:#333;white-space:pre-wrap}",
    ".cites a{color:#1456b8}",
    ".status{font-size:12px;color:#8a5a00}",
    ".human{margin-top:8px;padding:8px 10px;background:#fff7e6;border:1px solid #ffd591;border-radius:8px;font-size:14px}",
    ".human a{color:#ad4e00;font-weight:600}",
    ".follow{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}",
    ".follow button{border:1px solid #b7cdf0;background:#eef4ff;color:#123c7c;border-radius:14px;padding:3px 10px;font-size:13px;cursor:pointer}",
    ".rate{display:flex;gap:8px;align-items:center;margin-top:6px;font-size:13px;color:#666}",
    ".rate button{border:1px solid #d9d9d9;background:#fff;border-radius:6px;cursor:pointer;padding:1px 8px;font-size:14px}",
    ".rate button[aria-pressed=true]{background:#e6f4ff;border-color:#1456b8}",
    "form{display:flex;gap:8px;padding:10px;border-top:1px solid #e3e7ee;background:#fff}",
    "textarea{flex:1;resize:none;height:64px;padding:8px 10px;border:1px solid #c9d1dc;border-radius:8px;font-size:15px;color:#1f1f1f;background:#fff}",
    "form button{border:0;background:#1456b8;color:#fff;border-radius:8px;padding:0 16px;font-size:15px;cursor:pointer;white-space:nowrap}",
    "form button.stop{background:#8c1c13}",
    "form button[disabled]{opacity:.5;cursor:default}",
    ".note{font-size:12px;color:#888;padding:0 14px 8px;background:#fff;display:flex;justify-content:space-between;gap:8px}",
    ".count.over{color:#c62828;font-weight:600}",
    "header .tools{display:flex;gap:2px;align-items:center}",
    "header .clear{font-size:13px;border:1px solid rgba(255,255,255,.6);border-radius:6px;padding:2px 8px}",
    ".examples{display:flex;flex-direction:column;gap:6px;margin-top:8px}",
    ".examples button{text-align:left;border:1px solid #b7cdf0;background:#eef4ff;color:#123c7c;border-radius:8px;padding:6px 10px;font-size:14px;cursor:pointer}",
    ".typing{display:inline-flex;gap:4px;align-items:center;color:#555;font-size:13px}",
    ".typing i{width:6px;height:6px;border-radius:50%;background:#1456b8;display:inline-block;animation:blink 1.2s infinite both}",
    ".typing i:nth-child(2){animation-delay:.2s}.typing i:nth-child(3){animation-delay:.4s}",
    "@keyframes blink{0%,80%,100%{opacity:.2}40%{opacity:1}}",
    ".tools-row{display:flex;gap:8px;margin-top:6px}",
    ".tools-row button{border:1px solid #d9d9d9;background:#fff;border-radius:6px;cursor:pointer;padding:1px 8px;font-size:13px;color:#333}",
    ".reason{display:flex;flex-direction:column;gap:6px;margin-top:6px}",
    ".reason textarea{height:56px;flex:none;font-size:14px}",
    ".reason button{align-self:flex-end;border:0;background:#1456b8;color:#fff;border-radius:6px;padding:3px 12px;cursor:pointer}",
    ".blocked{background:#fff1f0;border:1px solid #ffa39e;color:#a8071a;padding:8px 10px;border-radius:8px}",
    ".cites table,.whole table{border-collapse:collapse;width:100%;margin:4px 0;font-size:13px}",
    ".cites th,.cites td,.whole th,.whole td{border:1px solid #dfe4ec;padding:3px 6px;text-align:left;vertical-align:top}",
    ".cites th,.whole th{background:#f0f4fa;font-weight:600}",
    ".expand{margin-top:6px;background:none;border:1px solid #b7cdf0;border-radius:6px;color:#1456b8;cursor:pointer;padding:1px 10px;font-size:13px}",
    ".whole{margin-top:6px;padding:6px 10px;border-left:3px solid #b7cdf0;background:#f6f8fb;font-size:14px}",
    ".whole[hidden]{display:none}",
    ".whole h3{margin:0 0 4px;font-size:13px;font-weight:600;color:#123c7c}",
    ".whole p{margin:4px 0;color:#333;white-space:pre-wrap}",
    ".cites .more{background:none;border:0;color:#1456b8;cursor:pointer;padding:0;font-size:13px}",
    "@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;max-width:100vw;height:100vh;max-height:100vh;border-radius:0}",
    ".bubble{right:14px;bottom:14px}}"
  ].join("");

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === "class") node.className = attrs[k]; else node.setAttribute(k, attrs[k]);
    });
    if (text != null) node.textContent = text;
    return node;
  }

  var host = document.createElement("ip-hotline-widget");
  // Inline !important beats any rule of the host page aimed at the host element itself.
  ["all:initial", "position:fixed", "z-index:2147483647", "display:block", "width:0", "height:0"].forEach(function (d) {
    var kv = d.split(":"); host.style.setProperty(kv[0], kv[1], "important");
  });
  var root = host.attachShadow({mode: "open"});
  var style = el("style"); style.textContent = CSS; root.appendChild(style);

  var bubble = el("button", {"class": "bubble", "type": "button", "aria-haspopup": "dialog", "aria-expanded": "false",
                             "aria-label": "打开" + title}, "咨询");
  var panel = el("section", {"class": "panel", "role": "dialog", "aria-label": title, "hidden": ""});
  var header = el("header");
  header.appendChild(el("h2", null, title));
  var tools = el("div", {"class": "tools"});
  var clear = el("button", {"type": "button", "class": "clear", "aria-label": "清空对话"}, "清空");
  var close = el("button", {"type": "button", "aria-label": "关闭"}, "×");
  tools.appendChild(clear); tools.appendChild(close);
  header.appendChild(tools);
  var log = el("div", {"class": "log", "role": "log", "aria-live": "polite"});
  var form = el("form");
  // no maxlength: a pasted question over the limit is shown as too long, never cut silently
  var input = el("textarea", {"aria-label": "输入您的问题", "placeholder": "请输入您的问题"});
  var send = el("button", {"type": "submit"}, "发送");
  form.appendChild(input); form.appendChild(send);
  var note = el("div", {"class": "note"});
  note.appendChild(el("span", null, "回答依据政策文件原文；人工服务请拨打 12345。"));
  var count = el("span", {"class": "count", "aria-live": "polite"}, "0/" + maxChars);
  note.appendChild(count);
  panel.appendChild(header); panel.appendChild(log); panel.appendChild(form); panel.appendChild(note);
  root.appendChild(bubble); root.appendChild(panel);

  // The server's settings for this site, asked once: example questions, the limit, whether this site may ask.
  function loadConfig() {
    if (config) return Promise.resolve(config);
    return fetch(endpoint + "/v1/widget/config", {credentials: "omit"}).then(function (r) { return r.json(); })
      .then(function (c) { config = c; maxChars = c.max_chars || maxChars; updateCount(); return c; })
      .catch(function () { return null; });
  }

  function showBlocked(message) {
    var box = addBot("");
    box.querySelector(".text").replaceWith(el("p", {"class": "blocked", "role": "alert"}, message));
    input.disabled = true; send.disabled = true;
  }

  function greet() {
    var box = addBot("您好！我可以解答知识产权相关政策问题，并给出文件依据。可以试试：");
    var examples = el("div", {"class": "examples", "aria-label": "示例问题"});
    box.appendChild(examples);
    loadConfig().then(function (c) {
      if (c && c.origin_allowed === false) { box.remove(); showBlocked(c.message); return; }
      var questions = ownQuestions.length ? ownQuestions : ((c && c.questions) || []);
      questions.forEach(function (q) {
        var b = el("button", {"type": "button"}, q);
        b.addEventListener("click", function () { if (!running) ask(q); });
        examples.appendChild(b);
      });
    });
  }

  function open() {
    panel.hidden = false; bubble.setAttribute("aria-expanded", "true");
    if (!log.childElementCount) greet();
    input.focus();
  }

  function updateCount() {
    var n = input.value.trim().length;
    count.textContent = n > maxChars ? "超出 " + (n - maxChars) + " 字（最多 " + maxChars + " 字）" : n + "/" + maxChars;
    count.classList.toggle("over", n > maxChars);
    if (!running && !input.disabled) send.disabled = n > maxChars;
  }
  input.addEventListener("input", updateCount);

  clear.addEventListener("click", function () {
    if (running) running.abort();
    sessionId = null; log.textContent = ""; input.value = ""; updateCount(); greet(); input.focus();
  });
  function shut() { panel.hidden = true; bubble.setAttribute("aria-expanded", "false"); bubble.focus(); }
  bubble.addEventListener("click", function () { panel.hidden ? open() : shut(); });
  close.addEventListener("click", shut);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") shut(); });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (running) { running.abort(); return; }  // the button is 停止 while an answer streams
    var q = input.value.trim();
    if (q && q.length <= maxChars && !send.disabled) { input.value = ""; updateCount(); ask(q); }
  });

  function scrollToEnd() { log.scrollTop = log.scrollHeight; }
  // A new answer is read from its first line: bring its start to the top, never past it to its end.
  function scrollToStart(node) { log.scrollTop = Math.max(0, node.offsetTop - log.offsetTop - 8); }
  function addUser(text) { log.appendChild(el("p", {"class": "msg user"}, text)); scrollToEnd(); }
  function addBot(text) {
    var box = el("div", {"class": "msg bot"});
    box.appendChild(el("p", {"class": "text"}, text || ""));
    log.appendChild(box); scrollToEnd();
    return box;
  }
  function typing() {
    var t = el("span", {"class": "typing", "role": "status"});
    t.appendChild(el("i")); t.appendChild(el("i")); t.appendChild(el("i"));
    t.appendChild(document.createTextNode(" 正在查找文件依据…"));
    return t;
  }

  // A clause's text as paragraphs and tables, by the rules of the document pages (pages.py `blocks`):
  // a service item's 字段：值 lines and a 附表's 名称，列：值 rows are tables.
  function blocks(c) {
    var lines = c.text.split("\n").filter(function (l) { return l.trim(); });
    var field = /^([^：，。]{1,8})：(.+)$/, cell = /^([^：]{1,20})：(.+)$/;
    if (c.kind === "catalogue" && lines.length > 1 && lines.slice(1).every(function (l) { return field.test(l); })) {
      return [el("p", null, lines[0]), table(null, lines.slice(1).map(function (l) {
        var m = field.exec(l); return [m[1], m[2]]; }))];
    }
    if (/附表$/.test(c.clause)) {
      var caption = lines[0] === c.heading ? lines.shift() : "";
      var rows = lines.map(function (l) { return l.replace(/。$/, "").split("，"); });
      var ok = rows.length && rows.every(function (r) { return r.length > 1 && r.slice(1).every(function (x) { return cell.test(x); }); });
      if (ok) {
        var header = ["项目"].concat(rows[0].slice(1).map(function (x) { return cell.exec(x)[1]; }));
        return [table(header, rows.map(function (r) {
          return [r[0]].concat(r.slice(1).map(function (x) { return cell.exec(x)[2]; })); }), caption)];
      }
    }
    return lines.map(function (l) { return el("p", null, l); });
  }
  function table(header, rows, caption) {
    var t = el("table");
    if (caption) t.appendChild(el("caption", null, caption));
    if (header) {
      var tr = el("tr"); header.forEach(function (h) { tr.appendChild(el("th", {"scope": "col"}, h)); });
      var thead = el("thead"); thead.appendChild(tr); t.appendChild(thead);
    }
    var body = el("tbody");
    rows.forEach(function (r) {
      var tr = el("tr");
      r.forEach(function (v, i) { tr.appendChild(el(i === 0 ? "th" : "td", i === 0 ? {"scope": "row"} : null, v)); });
      body.appendChild(tr);
    });
    t.appendChild(body);
    return t;
  }

  // The answer's text with each [n] made a button that opens citation n.
  function renderText(p, text, box) {
    p.textContent = "";
    text.split(/(\[\d+\])/).forEach(function (part) {
      var m = /^\[(\d+)\]$/.exec(part);
      if (!m) { p.appendChild(document.createTextNode(part)); return; }
      var b = el("button", {"class": "ref", "type": "button", "aria-label": "查看依据 " + m[1]}, "[" + m[1] + "]");
      b.addEventListener("click", function () {
        var d = box.querySelector('details[data-n="' + m[1] + '"]');
        if (d) { d.open = true; d.querySelector("summary").focus(); }
      });
      p.appendChild(b);
    });
  }

  function citeLabel(c) {
    return "[" + c.n + "] 《" + c.doc_title + "》" + (c.doc_number ? "（" + c.doc_number + "）" : "") +
           c.clause + (c.heading && c.heading.length < 30 ? " " + c.heading : "");
  }

  function renderCitations(box, citations) {
    if (!citations.length) return;
    var list = el("ol", {"class": "cites", "aria-label": "依据条款"});
    citations.forEach(function (c) {
      var li = el("li");
      var d = el("details", {"data-n": String(c.n)});
      d.appendChild(el("summary", null, citeLabel(c)));
      if (c.status !== "有效") d.appendChild(el("p", {"class": "status"}, "文件状态：" + c.status));
      var clause = el("div", {"class": "clause"});
      blocks(c).forEach(function (b) { clause.appendChild(b); });
      d.appendChild(clause);
      var a = el("a", {"href": endpoint + c.url, "target": "_blank", "rel": "noopener"}, "查看原文");
      d.appendChild(a);
      li.appendChild(d); list.appendChild(li);
    });
    box.appendChild(list);
  }

  // 展开 under a lead quoted from a longer clause: the whole clause(s) in place, drawn as the citations are.
  // Which ones, and whether the lead already is the whole clause, the answer says (lead_from).
  var wholeCount = 0;
  function renderWhole(box, answer) {
    var byN = {};
    (answer.citations || []).forEach(function (c) { byN[c.n] = c; });
    var cited = (answer.lead_from || []).filter(function (l) { return !l.whole && byN[l.n]; })
                  .map(function (l) { return byN[l.n]; });
    if (!cited.length) return;
    var region = el("div", {"class": "whole", "id": "whole-" + (++wholeCount), "role": "region",
                            "aria-label": "条款全文", "hidden": ""});
    cited.forEach(function (c) {
      region.appendChild(el("h3", null, citeLabel(c)));
      blocks(c).forEach(function (b) { region.appendChild(b); });
    });
    var button = el("button", {"type": "button", "class": "expand", "aria-expanded": "false",
                               "aria-controls": region.id}, "展开");
    button.addEventListener("click", function () {
      var opening = region.hidden;
      region.hidden = !opening;
      button.setAttribute("aria-expanded", String(opening));
      button.textContent = opening ? "收起" : "展开";
    });
    var text = box.querySelector(".text");
    text.parentNode.insertBefore(region, text.nextSibling);
    text.parentNode.insertBefore(button, region);
    // the clause is read once, behind 展开: its citation (drawn before lead_from arrived) keeps its line and link
    cited.forEach(function (c) {
      var shown = box.querySelector('details[data-n="' + c.n + '"] .clause');
      if (!shown) return;
      var pointer = el("button", {"type": "button", "class": "more", "aria-controls": region.id}, "条款全文见上方“展开”");
      pointer.addEventListener("click", function () { if (region.hidden) button.click(); button.focus(); });
      shown.replaceWith(pointer);
    });
  }

  function renderDone(box, answer) {
    renderText(box.querySelector(".text"), answer.answer.split("\n\n依据")[0], box);
    renderWhole(box, answer);
    if (!answer.grounded) {
      var human = el("div", {"class": "human"});
      human.appendChild(document.createTextNode("文件中没有找到答案。转人工："));
      human.appendChild(el("a", {"href": "tel:12345"}, "拨打12345"));
      box.appendChild(human);
    }
    if (answer.follow_ups && answer.follow_ups.length) {
      var f = el("div", {"class": "follow", "aria-label": "您可能还想问"});
      answer.follow_ups.forEach(function (q) {
        var b = el("button", {"type": "button"}, q);
        b.addEventListener("click", function () { ask(q); });
        f.appendChild(b);
      });
      box.appendChild(f);
    }
    var row = el("div", {"class": "tools-row"});
    var copy = el("button", {"type": "button", "class": "copy"}, "复制");
    copy.addEventListener("click", function () {
      var cites = (answer.citations || []).map(function (c) {
        return "[" + c.n + "] 《" + c.doc_title + "》" + (c.doc_number ? "（" + c.doc_number + "）" : "") + c.clause;
      });
      var text = box.querySelector(".text").textContent + (cites.length ? "\n\n依据：\n" + cites.join("\n") : "");
      navigator.clipboard.writeText(text).then(function () { copy.textContent = "已复制"; },
                                               function () { copy.textContent = "复制失败，请手动选择文字"; });
    });
    row.appendChild(copy);
    box.appendChild(row);
    var rate = el("div", {"class": "rate"});
    rate.appendChild(el("span", null, "这个回答有帮助吗？"));
    function sendRating(rating, comment, b) {
      return post("/v1/feedback", {answer_id: answer.answer_id, rating: rating, comment: comment || null}).then(function (res) {
        rate.querySelectorAll("button").forEach(function (x) { x.setAttribute("aria-pressed", "false"); });
        if (b) b.setAttribute("aria-pressed", "true");
        rate.firstChild.textContent = res.ok ? "感谢您的反馈！" : "反馈未能提交，请稍后再试。";
      });
    }
    var up = el("button", {"type": "button", "aria-label": "有帮助", "aria-pressed": "false"}, "有帮助");
    up.addEventListener("click", function () { sendRating("up", null, up); });
    var down = el("button", {"type": "button", "aria-label": "没帮助", "aria-pressed": "false"}, "没帮助");
    down.addEventListener("click", function () {
      // what was missing tells the bureau more than the thumb: ask, then send both
      if (box.querySelector(".reason")) return;
      var reason = el("div", {"class": "reason"});
      var why = el("textarea", {"aria-label": "哪里没有帮助？", "placeholder": "哪里没有帮助？（可不填）", "maxlength": "2000"});
      var submit = el("button", {"type": "button"}, "提交反馈");
      submit.addEventListener("click", function () {
        sendRating("down", why.value.trim(), down).then(function () { reason.remove(); });
      });
      reason.appendChild(why); reason.appendChild(submit);
      box.appendChild(reason); why.focus();
    });
    rate.appendChild(up); rate.appendChild(down);
    box.appendChild(rate);
  }

  function post(path, body, signal) {
    return fetch(endpoint + path, {method: "POST", credentials: "omit", headers: {"Content-Type": "application/json"},
                                   body: JSON.stringify(body), signal: signal});
  }

  function setRunning(controller) {
    running = controller;
    send.textContent = controller ? "停止" : "发送";
    send.classList.toggle("stop", !!controller);
    send.setAttribute("aria-label", controller ? "停止回答" : "发送");
    send.disabled = input.disabled;
    if (!controller) updateCount();
  }

  // POST /v1/chat and read its Server-Sent Events from the response body.
  function ask(question, retried) {
    if (!retried) addUser(question);
    var box = addBot("");
    var textNode = box.querySelector(".text");
    textNode.appendChild(typing());
    scrollToStart(box);
    var controller = new AbortController();
    setRunning(controller);
    var streamed = "";
    function show(text) { textNode.textContent = text.split("\n\n依据")[0]; }
    return post("/v1/chat", {question: question, region: region, session_id: sessionId}, controller.signal).then(function (res) {
      if (!res.ok) {
        return res.json().catch(function () { return {}; }).then(function (body) {
          var err = (body && body.error) || {};
          if (err.code === "session_not_found" && !retried) { sessionId = null; box.remove(); setRunning(null); return ask(question, true); }
          textNode.textContent = err.message || "服务暂时不可用，请稍后再试或拨打12345。";
        });
      }
      var reader = res.body.getReader(), decoder = new TextDecoder(), buffer = "";
      function handle(block) {
        var name = "message", data = "";
        block.split("\n").forEach(function (line) {
          if (line.indexOf("event:") === 0) name = line.slice(6).trim();
          else if (line.indexOf("data:") === 0) data += line.slice(5).trim();
        });
        if (!data) return;
        var payload = JSON.parse(data);
        if (name === "meta") { sessionId = payload.session_id; streamed = ""; }
        else if (name === "delta") { streamed += payload.text; show(streamed); }
        else if (name === "replace") { streamed = payload.text; show(streamed); }
        else if (name === "citations") renderCitations(box, payload.citations);
        else if (name === "done") { renderDone(box, payload); scrollToStart(box); }
      }
      function pump() {
        return reader.read().then(function (r) {
          if (r.done) return;
          buffer += decoder.decode(r.value, {stream: true});
          var parts = buffer.split("\n\n");
          buffer = parts.pop();
          parts.forEach(handle);
          return pump();
        });
      }
      return pump();
    }).catch(function (e) {
      if (e && e.name === "AbortError") {  // stopped by the user (or the conversation cleared)
        if (textNode.querySelector(".typing")) textNode.textContent = "";
        textNode.appendChild(el("span", {"class": "status"}, (streamed ? "\n" : "") + "（已停止回答）"));
        return;
      }
      // a network error, or a site the browser may not let call the API: ask the server which (a request
      // any site may make), so a blocked site is told plainly instead of "network error"
      config = null;
      return loadConfig().then(function (c) {
        if (c && c.origin_allowed === false) { box.remove(); showBlocked(c.message); }
        else textNode.textContent = "网络连接失败，请稍后再试，或拨打12345咨询。";
      });
    }).then(function () { if (running === controller) setRunning(null); });
  }

  function mount() { document.body.appendChild(host); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
