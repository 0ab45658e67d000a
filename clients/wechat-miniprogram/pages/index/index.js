// 咨询页。用 Component 构造器写页面（微信官方支持的写法），miniprogram-simulate 才能在 Node 里原样渲染它测试。
const config = require("../../config.js");

const HOTLINE = "12345";
const NETWORK_ERROR = "网络连接失败，请检查网络后再试。";
const SERVER_ERROR = "服务暂时不可用，请稍后再试。";

/**
 * @typedef {{n: number, doc_title: string, doc_number: string | null, clause: string, status: string, text: string}} Citation
 * @typedef {{answer: string, grounded: boolean, citations: Citation[], session_id: string | null,
 *            answer_id?: string, follow_ups?: string[]}} Answer
 * @typedef {"" | "refusal" | "error"} Handoff  refusal：文件里没有答案；error：没拿到答案（网络、限流、服务错误）
 * @typedef {{key: number, role: "user" | "bot", text: string, citations: Citation[], followUps: string[], answerId: string,
 *            handoff: Handoff, open: Record<string, boolean>}} Message
 */

/** 把答案正文和末尾的“依据”清单分开：依据以可点开的条款列表单独显示。 */
function leadOf(/** @type {string} */ answer) {
  return answer.split("\n\n依据")[0];
}

/** 服务端的 {"error": {"message"}}（中文，给用户看）；代理返回的 HTML 等没有它。 */
function errorMessage(/** @type {unknown} */ data) {
  const error = data && typeof data === "object" ? /** @type {{error?: {message?: unknown}}} */ (data).error : null;
  return error && typeof error.message === "string" ? error.message : "";
}

/** 200 的回答须是 /v1/ask 的对象；网关页面等不是（否则页面会在取 answer 时出错、卡在“发送中”）。 */
function asAnswer(/** @type {unknown} */ data) {
  const a = /** @type {Answer} */ (data);
  return a && typeof a === "object" && typeof a.answer === "string" && Array.isArray(a.citations) ? a : null;
}

/** @returns {Message} */
function botMessage(/** @type {string} */ text, /** @type {Handoff} */ handoff) {
  return { key: 0, role: "bot", text, citations: [], followUps: [], answerId: "", handoff, open: {} };
}

Component({
  data: {
    question: "",
    asking: false,
    sessionId: /** @type {string | null} */ (null),
    hotline: HOTLINE,
    messages: /** @type {Message[]} */ ([])
  },

  methods: {
    onInput(/** @type {WechatMiniprogram.Input} */ e) {
      this.setData({ question: e.detail.value });
    },

    onSend() {
      const q = (this.data.question || "").trim();
      if (!q || this.data.asking) return;
      this.setData({ question: "" });
      this.ask(q, false);
    },

    onFollowUp(/** @type {WechatMiniprogram.TouchEvent} */ e) {
      if (this.data.asking) return; // 上一问还没回来：不并发提问
      this.ask(String(e.currentTarget.dataset.q), false);
    },

    toggleCitation(/** @type {WechatMiniprogram.TouchEvent} */ e) {
      const { m, n } = e.currentTarget.dataset;
      const message = this.data.messages[Number(m)];
      if (!message) return;
      this.setData({ [`messages[${m}].open.c${n}`]: !message.open[`c${n}`] });
    },

    callHotline() {
      wx.makePhoneCall({ phoneNumber: HOTLINE });
    },

    ask(/** @type {string} */ question, /** @type {boolean} */ retried) {
      const messages = retried ? this.data.messages
        : this.data.messages.concat([Object.assign(botMessage(question, ""), { role: "user", key: this.data.messages.length })]);
      this.setData({ messages, asking: true });
      wx.request({
        url: `${config.endpoint}/v1/ask`,
        method: "POST",
        header: { "content-type": "application/json" },
        data: { question, region: config.region, session_id: this.data.sessionId },
        success: (res) => {
          const error = res.data && typeof res.data === "object" ? /** @type {{error?: {code?: string}}} */ (res.data).error : null;
          if (res.statusCode === 404 && error && error.code === "session_not_found" && !retried) {
            this.setData({ sessionId: null }); // 会话过期：开始新会话再问一次（仍在“发送中”）
            this.ask(question, true);
            return;
          }
          const a = res.statusCode === 200 ? asAnswer(res.data) : null;
          if (!a) {
            // 429（太频繁）、4xx 等：服务端给了中文说明就照实显示，否则给通用说明；都附人工热线。
            this.push(botMessage(errorMessage(res.data) || SERVER_ERROR, "error"));
            return;
          }
          this.setData({ sessionId: a.session_id });
          this.push({
            key: 0, role: "bot", text: leadOf(a.answer), citations: a.citations, followUps: a.follow_ups || [],
            answerId: a.answer_id || "", handoff: a.grounded ? "" : "refusal", open: {}
          });
        },
        fail: () => this.push(botMessage(NETWORK_ERROR, "error"))
        // 不用 complete 复位 asking：它在上面的重试发出之后才运行，会在重试回来之前放开“发送”。
      });
    },

    /** 显示一条回答（或出错说明），结束这次提问。 */
    push(/** @type {Message} */ message) {
      // key：列表里的位置，只增不减，供 wx:key 使用。
      this.setData({ messages: this.data.messages.concat([Object.assign({}, message, { key: this.data.messages.length })]),
                     asking: false });
      wx.pageScrollTo({ scrollTop: 100000, duration: 200 });
    },

    rate(/** @type {WechatMiniprogram.TouchEvent} */ e) {
      const { id, rating } = e.currentTarget.dataset;
      wx.request({
        url: `${config.endpoint}/v1/feedback`, method: "POST", header: { "content-type": "application/json" },
        data: { answer_id: id, rating },
        // success 只说明收到了 HTTP 响应；只有 201 才是记下了。
        success: (res) => wx.showToast({ title: res.statusCode === 201 ? "感谢反馈" : "反馈未能提交", icon: "none" }),
        fail: () => wx.showToast({ title: "反馈未能提交", icon: "none" })
      });
    }
  }
});
