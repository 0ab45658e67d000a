// The consultation page against a real assistant. tests/test_miniprogram.py starts the servers and names them:
// MINI_ENDPOINT (the assistant), MINI_LIMITED_ENDPOINT (the same with a rate limit of 2 a minute),
// MINI_DOWN_ENDPOINT (a closed port).
const test = require("node:test");
const assert = require("node:assert/strict");
const http = require("node:http");
const { simulate, calls, routeTo, openPage, settled, askByTyping, texts } = require("./harness.js");

const { MINI_ENDPOINT, MINI_LIMITED_ENDPOINT, MINI_DOWN_ENDPOINT } = process.env;
const REFUSAL_HANDOFF = "文件中没有找到答案，转人工：拨打 12345";
const ERROR_HANDOFF = "也可拨打 12345 人工咨询";

/** The last answer bubble's parts, as shown; `find(selector)` gives its elements to tap. */
function lastBot(page) {
  const bots = page.querySelectorAll(".bot");
  const bubble = bots[bots.length - 1].dom;
  const find = (sel) => page.querySelectorAll(sel).filter((c) => bubble.contains(c.dom));
  const inside = (sel) => find(sel).map((c) => c.dom.textContent.trim());
  return { text: inside(".text")[0], cites: inside(".label"), clauses: inside(".clause"), chips: inside(".chip"),
           handoff: inside(".human")[0], find };
}

function citationLabel(c) {
  return `[${c.n}]《${c.doc_title}》${c.doc_number ? `（${c.doc_number}）` : ""}${c.clause}`;
}

test("an answer shows its text, numbered citations that open, follow-ups that ask, and takes feedback", async () => {
  routeTo(MINI_ENDPOINT);
  const page = openPage();
  await askByTyping(page, "企业遇到侵权纠纷，上海有没有公益的维权援助？");
  const [req] = calls.requests;
  assert.equal(req.statusCode, 200);
  const answer = req.body;
  assert.ok(answer.grounded && answer.citations.length && answer.follow_ups.length, "the index answers this question");

  assert.deepEqual(texts(page, ".user .text"), ["企业遇到侵权纠纷，上海有没有公益的维权援助？"]);
  const shown = lastBot(page);
  assert.equal(shown.text, answer.answer.split("\n\n依据")[0]);
  assert.match(shown.text, /\[1\]/);
  assert.doesNotMatch(shown.text, /依据：/, "the citation list is shown as citations, not repeated in the text");
  assert.deepEqual(shown.cites, answer.citations.map(citationLabel));
  assert.deepEqual(shown.chips, answer.follow_ups);
  assert.equal(shown.handoff, undefined, "a grounded answer needs no hand-off");
  assert.deepEqual(shown.clauses, [], "clauses are closed until tapped");

  // Tapping a citation opens its clause's whole text, tapping again closes it.
  const cite = shown.find(".cite")[0];
  cite.dispatchEvent("tap");
  await simulate.sleep(0);
  assert.deepEqual(lastBot(page).clauses, [answer.citations[0].text.trim()]);
  cite.dispatchEvent("tap");
  await simulate.sleep(0);
  assert.deepEqual(lastBot(page).clauses, []);

  // 有帮助 reaches the server, which records it.
  shown.find(".up")[0].dispatchEvent("tap");
  const deadline = Date.now() + 10000;
  while (!calls.toasts.length && Date.now() < deadline) await simulate.sleep(20);
  const feedback = calls.requests[1];
  assert.deepEqual(feedback.data, { answer_id: answer.answer_id, rating: "up" });
  assert.equal(feedback.statusCode, 201);
  assert.deepEqual(calls.toasts, ["感谢反馈"]);

  // A follow-up is asked once however often it is tapped while waiting, in the same conversation, and
  // answered below.
  const chip = shown.find(".chip")[0];
  chip.dispatchEvent("tap");
  chip.dispatchEvent("tap");
  await settled(page);
  await simulate.sleep(50);
  assert.equal(calls.requests.length, 3, "one request for the follow-up");
  const followUp = calls.requests[2];
  assert.deepEqual(followUp.data, { question: answer.follow_ups[0], region: null, session_id: answer.session_id });
  assert.equal(followUp.statusCode, 200);
  assert.deepEqual(texts(page, ".user .text"), ["企业遇到侵权纠纷，上海有没有公益的维权援助？", answer.follow_ups[0]]);
  assert.equal(lastBot(page).text, followUp.body.answer.split("\n\n依据")[0]);
});

test("a refusal says so and hands over to 12345, which dials", async () => {
  routeTo(MINI_ENDPOINT);
  const page = openPage();
  await askByTyping(page, "明天天气怎么样");
  const answer = calls.requests[0].body;
  assert.equal(answer.grounded, false);
  const shown = lastBot(page);
  assert.equal(shown.text, answer.answer.split("\n\n依据")[0]);
  assert.equal(shown.handoff, REFUSAL_HANDOFF);
  shown.find(".human")[0].dispatchEvent("tap");
  await simulate.sleep(0);
  assert.deepEqual(calls.phoneCalls, ["12345"]);
});

test("a network error says the network failed (not that the documents lack an answer), and one can ask again", async () => {
  routeTo(MINI_DOWN_ENDPOINT);
  const page = openPage();
  await askByTyping(page, "专利代理机构收了钱不办事找谁");
  assert.equal(calls.requests[0].statusCode, null, "no response came");
  const shown = lastBot(page);
  assert.match(shown.text, /网络连接失败/);
  assert.equal(shown.handoff, ERROR_HANDOFF);
  assert.equal(page.data.asking, false, "the send button is enabled again");

  routeTo(MINI_ENDPOINT);
  await askByTyping(page, "专利代理机构收了钱不办事找谁");
  assert.equal(calls.requests[1].statusCode, 200);
  assert.equal(lastBot(page).text, calls.requests[1].body.answer.split("\n\n依据")[0]);
});

test("a 429 shows the server's Chinese message about waiting, with the hand-off", async () => {
  routeTo(MINI_LIMITED_ENDPOINT);
  const page = openPage();
  for (let i = 0; i < 5 && !calls.requests.some((r) => r.statusCode === 429); i++) {
    await askByTyping(page, "专利代理机构收了钱不办事找谁");
  }
  const limited = calls.requests.find((r) => r.statusCode === 429);
  assert.ok(limited, "the limited server answered 429");
  assert.match(limited.body.error.message, /秒后再试/);
  const shown = lastBot(page);
  assert.equal(shown.text, limited.body.error.message);
  assert.equal(shown.handoff, ERROR_HANDOFF);
  assert.deepEqual(shown.cites, []);

  // Feedback refused by the limit is not thanked for.
  const answered = page.querySelectorAll(".up");
  assert.ok(answered.length, "an earlier question was answered before the limit");
  answered[0].dispatchEvent("tap");
  const deadline = Date.now() + 10000;
  while (!calls.toasts.length && Date.now() < deadline) await simulate.sleep(20);
  assert.equal(calls.requests[calls.requests.length - 1].statusCode, 429);
  assert.deepEqual(calls.toasts, ["反馈未能提交"]);
});

test("an expired conversation is started afresh and the question answered", async () => {
  routeTo(MINI_ENDPOINT);
  const page = openPage();
  page.setData({ sessionId: "0123456789abcdef0123456789abcdef" });
  await askByTyping(page, "专利代理机构收了钱不办事找谁");
  assert.deepEqual(calls.requests.map((r) => r.statusCode), [404, 200]);
  assert.equal(calls.requests[0].body.error.code, "session_not_found");
  assert.equal(calls.requests[1].data.session_id, null);
  assert.equal(page.data.sessionId, calls.requests[1].body.session_id);
  assert.deepEqual(texts(page, ".user .text"), ["专利代理机构收了钱不办事找谁"], "the question is shown once");
  assert.equal(lastBot(page).text, calls.requests[1].body.answer.split("\n\n依据")[0]);
});

test("a gateway's HTML page (200 or 502) gives a clear message, and the page is not stuck", async () => {
  // A real HTTP server on 127.0.0.1 playing a misconfigured reverse proxy in front of the assistant.
  for (const status of [200, 502]) {
    const proxy = http.createServer((req, res) => {
      res.writeHead(status, { "content-type": "text/html" });
      res.end("<html><body>Bad Gateway</body></html>");
    });
    await new Promise((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      routeTo(`http://127.0.0.1:${proxy.address().port}`);
      const page = openPage();
      await askByTyping(page, "专利代理机构收了钱不办事找谁");
      assert.equal(calls.requests[0].statusCode, status);
      const shown = lastBot(page);
      assert.equal(shown.text, "服务暂时不可用，请稍后再试。");
      assert.equal(shown.handoff, ERROR_HANDOFF);
      assert.equal(page.data.asking, false);
    } finally {
      proxy.close();
    }
  }
});
