/*
 * The staff screen (/admin): documents (upload, clause-tree preview, delete), FAQ candidates (where each came
 * from, edit the answer and its basis, approve or reject) and the questions that went unanswered. It calls
 * /v1/admin/* with the admin token, asked once and kept in sessionStorage (this tab only, gone when it closes).
 */
(function () {
  "use strict";
  var TOKEN_KEY = "hotline-admin-token";
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === "class") node.className = attrs[k]; else node.setAttribute(k, attrs[k]);
    });
    if (text != null) node.textContent = text;
    return node;
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  // epoch seconds → 2026-12-02 20:41 (local time), never a bare number
  function when(seconds) {
    if (!seconds) return "";
    var d = new Date(seconds * 1000);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  function api(path, options) {
    options = options || {};
    var headers = Object.assign({"Authorization": "Bearer " + sessionStorage.getItem(TOKEN_KEY)}, options.headers || {});
    return fetch(path, Object.assign({}, options, {headers: headers, credentials: "omit"})).then(function (res) {
      if (res.status === 401 || res.status === 403) {
        // a wrong or missing token: forget it and ask again, saying why
        return res.json().catch(function () { return {}; }).then(function (body) {
          sessionStorage.removeItem(TOKEN_KEY);
          login(((body || {}).error || {}).message || "管理令牌无效，请重新输入。");
          throw new Error("unauthorized");
        });
      }
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (!res.ok) throw new Error(((body || {}).error || {}).message || ("请求失败（" + res.status + "）"));
        return body;
      });
    });
  }
  function say(id, text, kind) { var m = $(id); m.textContent = text; m.className = "msg" + (kind ? " " + kind : ""); }

  // -- tabs and the token ---------------------------------------------------------------------------
  var tabs = document.querySelectorAll("[data-tab]");
  var current = "documents";
  function show(name) {
    current = name;
    $("login").hidden = true;
    tabs.forEach(function (t) {
      t.setAttribute("aria-selected", String(t.dataset.tab === name));
      $(t.dataset.tab).hidden = t.dataset.tab !== name;
    });
    ({documents: loadDocuments, faq: loadFaq, gaps: loadGaps})[name]();
  }
  tabs.forEach(function (t) { t.addEventListener("click", function () { show(t.dataset.tab); }); });
  function login(message) {
    tabs.forEach(function (t) { $(t.dataset.tab).hidden = true; });
    $("login").hidden = false;
    $("login-msg").textContent = message || "";
    $("token").focus();
  }
  $("login-form").addEventListener("submit", function (e) {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
    $("token").value = "";
    // check the token before showing anything (a cheap admin request)
    api("/v1/admin/faq?status=candidate").then(function () { show(current); }).catch(function () {});
  });
  $("logout").addEventListener("click", function () { sessionStorage.removeItem(TOKEN_KEY); login("已退出。"); });

  // -- documents -------------------------------------------------------------------------------------
  // The list again until `done(docs)` holds: a new index version is loaded by the server in the background,
  // so the list can lag the change by a moment.
  function reloadUntil(done, tries) {
    return loadDocuments().then(function (docs) {
      if (!done(docs) && (tries || 0) < 40) {
        return new Promise(function (r) { setTimeout(r, 500); }).then(function () { return reloadUntil(done, (tries || 0) + 1); });
      }
    });
  }
  function loadDocuments() {
    return fetch("/v1/documents").then(function (r) { return r.json(); }).then(function (docs) {
      var rows = $("doc-rows"); rows.textContent = "";
      docs.forEach(function (d) {
        var tr = el("tr", {"data-doc": d.id});
        [d.title, d.doc_number || "", d.issuer || "", d.issued_on || "", d.status, String(d.clauses)].forEach(function (v) {
          tr.appendChild(el("td", null, v));
        });
        var actions = el("td");
        var preview = el("button", {"type": "button"}, "预览条款");
        preview.addEventListener("click", function () { previewDocument(d); });
        var remove = el("button", {"type": "button", "class": "danger"}, "删除");
        remove.addEventListener("click", function () { deleteDocument(d); });
        actions.appendChild(preview); actions.appendChild(document.createTextNode(" ")); actions.appendChild(remove);
        tr.appendChild(actions);
        rows.appendChild(tr);
      });
      return docs;
    });
  }
  function treeList(nodes) {
    var ul = el("ul");
    nodes.forEach(function (n) {
      var li = el("li");
      if (n.clause) {
        li.appendChild(el("span", {"class": "label"}, n.clause.label));
        li.appendChild(document.createTextNode(n.clause.heading && n.clause.heading !== n.clause.label ? n.clause.heading :
                                               n.clause.text.slice(0, 40) + (n.clause.text.length > 40 ? "…" : "")));
      } else {
        li.appendChild(el("span", null, n.title));
      }
      if (n.children && n.children.length) li.appendChild(treeList(n.children));
      ul.appendChild(li);
    });
    return ul;
  }
  function previewDocument(d) {
    fetch("/v1/documents/" + encodeURIComponent(d.id)).then(function (r) { return r.json(); }).then(function (detail) {
      $("preview").hidden = false;
      $("preview-title").textContent = "《" + d.title + "》的条款";
      var tree = $("preview-tree"); tree.textContent = "";
      tree.appendChild(treeList(detail.tree));
      $("preview").scrollIntoView({block: "start"});
    });
  }
  function deleteDocument(d) {
    if (!window.confirm("删除《" + d.title + "》并重建索引？")) return;
    say("upload-msg", "正在删除并重建索引…");
    api("/v1/admin/documents/" + encodeURIComponent(d.id), {method: "DELETE"}).then(function () {
      say("upload-msg", "已删除《" + d.title + "》。", "ok");
      $("preview").hidden = true;
      return reloadUntil(function (docs) { return !docs.some(function (x) { return x.id === d.id; }); });
    }).catch(function (e) { if (e.message !== "unauthorized") say("upload-msg", e.message, "err"); });
  }
  $("upload").addEventListener("submit", function (e) {
    e.preventDefault();
    var file = $("file").files[0];
    if (!file) return;
    say("upload-msg", "正在检查、解析并重建索引…");
    var before = $("doc-rows").children.length;
    var query = new URLSearchParams({filename: file.name, folder: $("folder").value});  // the name percent-encoded
    api("/v1/admin/documents?" + query, {method: "POST", body: file, headers: {"Content-Type": "application/octet-stream"}})
      .then(function (result) {
        var warnings = (result.warnings || []).join("；");
        say("upload-msg", "已入库：" + (result.path || file.name) + (warnings ? "（注意：" + warnings + "）" : ""), "ok");
        $("file").value = "";
        return reloadUntil(function (docs) { return docs.length !== before; });
      }).catch(function (e) { if (e.message !== "unauthorized") say("upload-msg", e.message, "err"); });
  });

  // -- FAQ candidates --------------------------------------------------------------------------------
  var clauseLabels = {};  // clause id → 《title》label, from the documents' trees, fetched as needed
  function labelOf(clauseId) {
    var docId = clauseId.split(":")[0];
    if (clauseLabels[clauseId]) return Promise.resolve(clauseLabels[clauseId]);
    return fetch("/v1/documents/" + encodeURIComponent(docId)).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (detail) {
        if (!detail) return clauseId + "（找不到这一条）";
        (function walk(nodes) {
          nodes.forEach(function (n) {
            if (n.clause) clauseLabels[n.clause.id] = "《" + detail.document.title + "》" + n.clause.label;
            walk(n.children || []);
          });
        })(detail.tree);
        return clauseLabels[clauseId] || clauseId + "（找不到这一条）";
      });
  }
  function showLabels(target, ids) {
    Promise.all(ids.map(labelOf)).then(function (labels) { target.textContent = labels.join("；"); });
  }
  function loadFaq() {
    var status = $("faq-status").value;
    return api("/v1/admin/faq?status=" + status).then(function (body) {
      var items = Array.isArray(body) ? body : (body.items || []);
      var list = $("faq-list"); list.textContent = "";
      if (!items.length) list.appendChild(el("p", {"class": "msg"}, "没有" + $("faq-status").selectedOptions[0].text + "的问答。"));
      items.forEach(function (item) { list.appendChild(faqCard(item, status)); });
    }).catch(function (e) { if (e.message !== "unauthorized") say("faq-msg", e.message, "err"); });
  }
  $("faq-status").addEventListener("change", loadFaq);
  function faqCard(item, status) {
    var card = el("div", {"class": "faq", "data-faq": String(item.id)});
    card.appendChild(el("strong", null, item.question));
    var from = "来自" + (item.source ? item.source.replace(/^operator:/, "话务员 ") : "话务员的修改") +
               (item.source_answer_id ? "（回答 " + item.source_answer_id + "）" : "") + " · " + when(item.created);
    card.appendChild(el("div", {"class": "from"}, from));
    var answer = el("textarea", {"aria-label": "答案"}); answer.value = item.answer;
    card.appendChild(answer);
    var basis = el("input", {"aria-label": "依据条款（条款 ID，逗号分隔）", "value": (item.basis || []).join(", ")});
    card.appendChild(el("label", {"class": "from"}, "依据条款（条款 ID，逗号分隔）")); card.appendChild(basis);
    var labels = el("div", {"class": "basis-labels"});
    card.appendChild(labels);
    showLabels(labels, item.basis || []);
    basis.addEventListener("change", function () { showLabels(labels, ids()); });
    function ids() { return basis.value.split(/[,，\s]+/).filter(Boolean); }
    var row = el("div", {"class": "row"});
    var msg = el("span", {"class": "msg", "role": "status"});
    function edited() {
      var change = {};
      if (answer.value.trim() !== item.answer) change.answer = answer.value.trim();
      if (ids().join(",") !== (item.basis || []).join(",")) change.basis = ids();
      if (!Object.keys(change).length) return Promise.resolve(item);
      return api("/v1/admin/faq/" + item.id, {method: "PATCH", headers: {"Content-Type": "application/json"},
                                             body: JSON.stringify(change)})
        .then(function (saved) { item = Object.assign(item, saved && saved.id ? saved : change); return item; });
    }
    var save = el("button", {"type": "button"}, "保存修改");
    save.addEventListener("click", function () {
      edited().then(function () { msg.textContent = "已保存。"; msg.className = "msg ok"; })
        .catch(function (e) { msg.textContent = e.message; msg.className = "msg err"; });
    });
    function review(decision, done) {
      edited().then(function () {
        return api("/v1/admin/faq/" + item.id + "/review", {method: "POST", headers: {"Content-Type": "application/json"},
                                                           body: JSON.stringify({status: decision})});
      }).then(function () { msg.textContent = done; msg.className = "msg ok"; card.classList.add("reviewed"); })
        .catch(function (e) { msg.textContent = e.message; msg.className = "msg err"; });
    }
    var approve = el("button", {"type": "button", "class": "primary"}, "批准");
    approve.addEventListener("click", function () { review("approved", "已批准，将用于回答。"); });
    var reject = el("button", {"type": "button", "class": "danger"}, "驳回");
    reject.addEventListener("click", function () { review("rejected", "已驳回。"); });
    if (status === "candidate") { row.appendChild(save); row.appendChild(approve); row.appendChild(reject); }
    row.appendChild(msg);
    card.appendChild(row);
    return card;
  }

  // -- gaps ------------------------------------------------------------------------------------------
  var REASONS = {"unanswered": "文件未涉及", "low-confidence": "把握不大", "off-task": "与业务无关", "sensitive": "转人工"};
  function loadGaps() {
    return api("/v1/admin/gaps").then(function (groups) {
      var rows = $("gap-rows"); rows.textContent = "";
      if (!groups.length) { var tr = el("tr"); tr.appendChild(el("td", {"colspan": "6"}, "暂无未答问题。")); rows.appendChild(tr); }
      groups.forEach(function (g) {
        var tr = el("tr");
        var q = el("td", {"title": g.variants.join("\n")}, g.question);
        tr.appendChild(q);
        tr.appendChild(el("td", null, String(g.count)));
        var weeks = el("td");
        Object.keys(g.weeks || {}).forEach(function (w) { weeks.appendChild(el("span", {"class": "tag"}, w + "：" + g.weeks[w])); });
        tr.appendChild(weeks);
        var state = g.resolved === true ? ["已解决", "done"] : g.resolved === false ? ["未解决", "open"] : ["未检查", ""];
        var st = el("td"); st.appendChild(el("span", {"class": "tag " + state[1]}, state[0])); tr.appendChild(st);
        tr.appendChild(el("td", null, Object.keys(g.reasons).map(function (r) { return (REASONS[r] || r) + " " + g.reasons[r]; }).join("，")));
        tr.appendChild(el("td", null, when(g.last_asked)));
        rows.appendChild(tr);
      });
    }).catch(function () {});
  }

  if (sessionStorage.getItem(TOKEN_KEY)) show("documents"); else login();
})();
