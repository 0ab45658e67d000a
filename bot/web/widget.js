/*
 * 知识产权咨询 chat widget. Embed with one tag:
 *   <script src="https://assistant.example/widget.js" data-endpoint="https://assistant.example"
 *           data-title="知识产权咨询" data-region="上海" defer></script>
 * It lives in a shadow DOM (the page's CSS cannot reach it, its CSS cannot reach the page), streams answers
 * from POST /v1/chat, shows numbered citations that open the clause, follow-up questions, thumbs up/down,
 * and a 12345 path when the documents do not answer. No cookies: the session id is kept in memory.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__ipHotlineWidget) return;
  window.__ipHotlineWidget = true;
  var endpoint = (script.getAttribute("data-endpoint") || new URL(script.src).origin).replace(/\/+$/, "");
  var title = script.getAttribute("data-title") || "知识产权咨询";
  var region = script.getAttribute("data-region") || null;
  var sessionId = null;

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
    "textarea{flex:1;resize:none;height:44px;padding:8px 10px;border:1px solid #c9d1dc;border-radius:8px;font-size:15px;color:#1f1f1f;background:#fff}",
    "form button{border:0;background:#1456b8;color:#fff;border-radius:8px;padding:0 16px;font-size:15px;cursor:pointer}",
    "form button[disabled]{opacity:.5;cursor:default}",
    ".note{font-size:12px;color:#888;padding:0 14px 8px;background:#fff}",
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
  var close = el("button", {"type": "button", "aria-label": "关闭"}, "×");
  header.appendChild(close);
  var log = el("div", {"class": "log", "role": "log", "aria-live": "polite"});
  var form = el("form");
  var input = el("textarea", {"aria-label": "输入您的问题", "placeholder": "请输入问题，例如：企业遇到侵权纠纷有没有维权援助？",
                              "maxlength": "500"});
  var send = el("button", {"type": "submit"}, "发送");
  form.appendChild(input); form.appendChild(send);
  var note = el("div", {"class": "note"}, "回答依据政策文件原文；如需人工服务请拨打 12345。");
  panel.appendChild(header); panel.appendChild(log); panel.appendChild(form); panel.appendChild(note);
  root.appendChild(bubble); root.appendChild(panel);

  function open() {
    panel.hidden = false; bubble.setAttribute("aria-expanded", "true");
    if (!log.childElementCount) addBot("您好！我可以解答知识产权相关政策问题，并给出文件依据。");
    input.focus();
  }
  function shut() { panel.hidden = true; bubble.setAttribute("aria-expanded", "false"); bubble.focus(); }
  bubble.addEventListener("click", function () { panel.hidden ? open() : shut(); });
  close.addEventListener("click", shut);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") shut(); });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = input.value.trim();
    if (q && !send.disabled) { input.value = ""; ask(q); }
  });

  function scroll() { log.scrollTop = log.scrollHeight; }
  function addUser(text) { log.appendChild(el("p", {"class": "msg user"}, text)); scroll(); }
  function addBot(text) {
    var box = el("div", {"class": "msg bot"});
    box.appendChild(el("p", {"class": "text"}, text || ""));
    log.appendChild(box); scroll();
    return box;
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

  function renderCitations(box, citations) {
    if (!citations.length) return;
    var list = el("ol", {"class": "cites", "aria-label": "依据条款"});
    citations.forEach(function (c) {
      var li = el("li");
      var d = el("details", {"data-n": String(c.n)});
      var label = "[" + c.n + "] 《" + c.doc_title + "》" + (c.doc_number ? "（" + c.doc_number + "）" : "") +
                  c.clause + (c.heading && c.heading.length < 30 ? " " + c.heading : "");
      d.appendChild(el("summary", null, label));
      if (c.status !== "有效") d.appendChild(el("p", {"class": "status"}, "文件状态：" + c.status));
      d.appendChild(el("p", null, c.text));
      var a = el("a", {"href": endpoint + c.url, "target": "_blank", "rel": "noopener"}, "查看原文");
      d.appendChild(a);
      li.appendChild(d); list.appendChild(li);
    });
    box.appendChild(list);
  }

  function renderDone(box, answer) {
    renderText(box.querySelector(".text"), answer.answer.split("\n\n依据")[0], box);
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
    var rate = el("div", {"class": "rate"});
    rate.appendChild(el("span", null, "这个回答有帮助吗？"));
    [["up", "有帮助", "有帮助"], ["down", "没帮助", "没帮助"]].forEach(function (r) {
      var b = el("button", {"type": "button", "aria-label": r[2], "aria-pressed": "false"}, r[1]);
      b.addEventListener("click", function () {
        post("/v1/feedback", {answer_id: answer.answer_id, rating: r[0]}).then(function (res) {
          rate.querySelectorAll("button").forEach(function (x) { x.setAttribute("aria-pressed", "false"); });
          b.setAttribute("aria-pressed", "true");
          rate.firstChild.textContent = res.ok ? "感谢您的反馈！" : "反馈未能提交，请稍后再试。";
        });
      });
      rate.appendChild(b);
    });
    box.appendChild(rate);
    scroll();
  }

  function post(path, body) {
    return fetch(endpoint + path, {method: "POST", credentials: "omit", headers: {"Content-Type": "application/json"},
                                   body: JSON.stringify(body)});
  }

  // POST /v1/chat and read its Server-Sent Events from the response body.
  function ask(question, retried) {
    if (!retried) addUser(question);
    var box = addBot("正在查找文件依据…");
    var textNode = box.querySelector(".text");
    send.disabled = true;
    var streamed = "";
    return post("/v1/chat", {question: question, region: region, session_id: sessionId}).then(function (res) {
      if (!res.ok) {
        return res.json().catch(function () { return {}; }).then(function (body) {
          var err = (body && body.error) || {};
          if (err.code === "session_not_found" && !retried) { sessionId = null; box.remove(); return ask(question, true); }
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
        else if (name === "delta") { streamed += payload.text; textNode.textContent = streamed.split("\n\n依据")[0]; scroll(); }
        else if (name === "replace") { streamed = payload.text; textNode.textContent = streamed.split("\n\n依据")[0]; }
        else if (name === "citations") renderCitations(box, payload.citations);
        else if (name === "done") renderDone(box, payload);
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
    }).catch(function () {
      textNode.textContent = "网络连接失败，请稍后再试，或拨打12345咨询。";
    }).then(function () { send.disabled = false; });
  }

  function mount() { document.body.appendChild(host); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
