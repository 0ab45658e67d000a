// Runs the mini-program's page in Node with WeChat's miniprogram-simulate (j-component over jsdom, WXML
// compiled by WeChat's own wcc). wx.request is a real HTTP client: a URL under config.endpoint (the page's
// request 合法域名) is sent to the server the test names, e.g. `hotline serve` on 127.0.0.1.
const http = require("node:http");
const path = require("node:path");
const { JSDOM } = require("jsdom");

const jsdom = new JSDOM("<!doctype html><html><head></head><body></body></html>", { url: "https://servicewechat.com/" });
global.window = jsdom.window;
for (const key of Object.getOwnPropertyNames(jsdom.window)) {
  if (!(key in global)) global[key] = jsdom.window[key];
}
// Node has its own Event classes; j-component's events must be the DOM's.
for (const key of ["Event", "CustomEvent", "EventTarget"]) global[key] = jsdom.window[key];
const simulate = require("miniprogram-simulate");
const config = require("../config.js");

const ROOT = path.resolve(__dirname, "..");

/** What the page asked of WeChat: requests with their real responses, phone calls, toasts. */
const calls = { requests: [], phoneCalls: [], toasts: [] };
let target = null;

/** Send the page's requests to `base` (e.g. http://127.0.0.1:8000) from now on. */
function routeTo(base) {
  target = base;
}

/** wx.request as WeChat does it: success for any HTTP status, the body parsed as JSON when it is JSON
 * (else the text), fail only when no response came; complete after either. */
function request(options) {
  const done = (fn, arg) => { if (fn) fn(arg); if (options.complete) options.complete(arg); };
  if (!options.url.startsWith(config.endpoint + "/")) {
    // WeChat refuses a domain not registered as request 合法域名.
    setTimeout(() => done(options.fail, { errMsg: `request:fail url not in domain list: ${options.url}` }), 0);
    return;
  }
  const url = new URL(options.url.slice(config.endpoint.length), target);
  const body = JSON.stringify(options.data);
  const record = { url: options.url, data: options.data, statusCode: null, body: null };
  calls.requests.push(record);
  const req = http.request(url, { method: options.method || "GET",
                                  headers: Object.assign({ "content-length": Buffer.byteLength(body) }, options.header) },
    (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let data = text;
        try { data = JSON.parse(text); } catch (err) { /* WeChat hands over the text */ }
        Object.assign(record, { statusCode: res.statusCode, body: data });
        done(options.success, { data, statusCode: res.statusCode, header: res.headers, errMsg: "request:ok" });
      });
    });
  req.on("error", (err) => done(options.fail, { errMsg: `request:fail ${err.message}` }));
  req.end(body);
}

Object.assign(global.wx, {
  request,
  makePhoneCall: (o) => calls.phoneCalls.push(o.phoneNumber),
  showToast: (o) => calls.toasts.push(o.title),
  pageScrollTo: () => {}
});

/** A fresh page, rendered and attached. */
function openPage() {
  calls.requests.length = calls.phoneCalls.length = calls.toasts.length = 0;
  const id = simulate.load(path.join(ROOT, "pages/index/index"), { rootPath: ROOT });
  const page = simulate.render(id);
  page.attach(document.createElement("parent-wrapper"));
  return page;
}

/** Resolves when the page is no longer waiting for an answer. */
async function settled(page, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  await simulate.sleep(0);
  while (page.data.asking) {
    if (Date.now() > deadline) throw new Error("the page is still asking");
    await simulate.sleep(20);
  }
}

/** Type a question into the input and tap 发送, as a user does; wait for the answer. */
async function askByTyping(page, question) {
  page.querySelector(".input").dispatchEvent("input", { detail: { value: question } });
  await simulate.sleep(0);
  page.querySelector(".send").dispatchEvent("tap");
  await settled(page);
}

/** The text the user sees inside the page's elements matching `selector` (one string per element). */
function texts(page, selector) {
  return page.querySelectorAll(selector).map((c) => c.dom.textContent.trim());
}

module.exports = { simulate, calls, routeTo, openPage, settled, askByTyping, texts, config };
