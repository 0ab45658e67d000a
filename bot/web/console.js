/* Hotline console: transcript → POST /v1/hotline/suggest (debounced) → answers to read aloud, copy, rate, correct. */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var transcript = $("transcript"), region = $("region"), status = $("status");
  var list = $("suggestions"), faqBox = $("faq"), questions = $("questions");
  var timer = null, inflight = null, lastSent = "";

  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text != null) n.textContent = text;
    return n;
  }
  // The operator's token (HOTLINE_OPERATOR_TOKENS) is asked for once and kept for this browser tab's session;
  // a token the server refuses is forgotten, so the next request asks again.
  var TOKEN_KEY = "hotline-operator-token";
  function token() {
    var t = sessionStorage.getItem(TOKEN_KEY);
    if (!t) {
      t = (window.prompt("请输入话务员令牌（由管理员提供，仅保存在本标签页中）") || "").trim();
      if (t) sessionStorage.setItem(TOKEN_KEY, t);
    }
    return t;
  }
  function post(path, body, signal) {
    return fetch(path, {method: "POST", headers: {"Content-Type": "application/json", "Authorization": "Bearer " + token()},
                        body: JSON.stringify(body), signal: signal})
      .then(function (res) { if (res.status === 401) sessionStorage.removeItem(TOKEN_KEY); return res; });
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(run, delay);
  }

  function run() {
    var text = transcript.value.trim();
    if (!text || text === lastSent) return;
    lastSent = text;
    if (inflight) inflight.abort();
    inflight = new AbortController();
    status.textContent = "查询中…";
    var started = performance.now();
    post("/v1/hotline/suggest", {transcript: text, region: region.value || null}, inflight.signal)
      .then(function (res) { return res.json().then(function (body) { return {ok: res.ok, body: body}; }); })
      .then(function (r) {
        if (!r.ok) { status.textContent = (r.body.error && r.body.error.message) || "查询失败"; return; }
        render(r.body);
        status.textContent = "已更新（" + Math.round(performance.now() - started) + " 毫秒）";
      })
      .catch(function (e) { if (e.name !== "AbortError") status.textContent = "网络错误，请重试"; });
  }

  function copy(text, done) {
    var ok = function () { done.textContent = "已复制"; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(ok, function () { fallback(text); ok(); });
    } else { fallback(text); ok(); }
  }
  function fallback(text) {
    var t = el("textarea"); t.value = text; t.setAttribute("readonly", "");
    t.style.position = "fixed"; t.style.opacity = "0"; document.body.appendChild(t);
    t.select(); document.execCommand("copy"); t.remove();
  }

  function card(s) {
    var c = el("div", "card" + (s.grounded ? "" : " ungrounded"));
    c.setAttribute("data-answer-id", s.answer_id);
    var q = el("div", "q", "来电问题：" + s.question);
    q.appendChild(el("span", "conf", "置信度 " + Math.round(s.confidence * 100) + "%"));
    c.appendChild(q);
    var a = el("div", "a", s.answer);
    c.appendChild(a);
    s.citations.forEach(function (ct) {
      var d = el("details");
      d.appendChild(el("summary", null, "[" + ct.n + "]《" + ct.doc_title + "》" + (ct.doc_number ? "（" + ct.doc_number + "）" : "") +
                                       ct.clause + "（" + ct.status + "）"));
      d.appendChild(el("p", null, ct.text));
      var link = el("a", null, "查看原文"); link.href = ct.url; link.target = "_blank"; link.rel = "noopener";
      d.appendChild(link);
      c.appendChild(d);
    });
    var row = el("div", "row"), note = el("span", "done");
    var copyBtn = el("button", "primary", "复制答案");
    copyBtn.type = "button";
    copyBtn.addEventListener("click", function () { copy(a.textContent, note); });
    row.appendChild(copyBtn);
    [["up", "有用", "答案有用"], ["down", "不对", "答案不对"]].forEach(function (r) {
      var b = el("button", null, r[1]); b.type = "button"; b.setAttribute("aria-label", r[2]);
      b.addEventListener("click", function () {
        post("/v1/feedback", {answer_id: s.answer_id, rating: r[0]}).then(function (res) {
          note.textContent = res.ok ? "已记录评价" : "评价未能提交";
        });
      });
      row.appendChild(b);
    });
    var editBtn = el("button", null, "编辑并保存为常见问答"); editBtn.type = "button";
    editBtn.addEventListener("click", function () {
      if (c.querySelector(".edit")) return;
      var box = el("div", "edit"), t = el("textarea"); t.value = a.textContent; t.setAttribute("aria-label", "修改后的答案");
      var save = el("button", "primary", "保存为常见问答（待审核）"); save.type = "button";
      save.addEventListener("click", function () {
        var changed = t.value.trim() !== a.textContent.trim();
        post("/v1/feedback", {answer_id: s.answer_id, rating: changed ? "down" : "up", corrected_answer: t.value.trim()})
          .then(function (res) { return res.json().then(function (b) { return {ok: res.ok, body: b}; }); })
          .then(function (r) {
            note.textContent = r.ok ? "已保存为待审核的常见问答（编号 " + r.body.faq_candidate_id + "）" : "保存失败";
            if (r.ok) box.remove();
          });
      });
      box.appendChild(t); box.appendChild(save); c.appendChild(box); t.focus();
    });
    row.appendChild(editBtn);
    row.appendChild(note);
    c.appendChild(row);
    return c;
  }

  function render(body) {
    questions.textContent = body.questions.length ? "识别到的问题：" + body.questions.join(" ／ ") : "";
    faqBox.textContent = "";
    body.faq.forEach(function (f) {
      var d = el("div", "faq");
      d.appendChild(el("div", "q", "常见问答：" + f.question));
      d.appendChild(el("div", null, f.answer));
      faqBox.appendChild(d);
    });
    list.textContent = "";
    if (!body.suggestions.length) list.appendChild(el("p", "q", "没有找到可用的答案。"));
    body.suggestions.forEach(function (s) { list.appendChild(card(s)); });
  }

  transcript.addEventListener("input", function () { schedule(350); });
  transcript.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); lastSent = ""; schedule(0); }
  });
  region.addEventListener("change", function () { lastSent = ""; schedule(0); });
  $("go").addEventListener("click", function () { lastSent = ""; schedule(0); });
  $("clear").addEventListener("click", function () {
    transcript.value = ""; lastSent = ""; list.textContent = ""; faqBox.textContent = ""; questions.textContent = "";
    status.textContent = ""; transcript.focus();
  });
})();
