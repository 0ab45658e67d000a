const config = require("../../config.js");

// 把答案里的 [n] 之前的正文和“依据”分开：依据以条款列表单独显示。
function leadOf(answer) {
  return answer.split("\n\n依据")[0];
}

Page({
  data: {
    question: "",
    asking: false,
    messages: [] // {role: "user"|"bot", text, citations, grounded, followUps, answerId, open: {}}
  },
  sessionId: null,

  onInput(e) {
    this.setData({ question: e.detail.value });
  },

  onSend() {
    const q = (this.data.question || "").trim();
    if (!q || this.data.asking) return;
    this.setData({ question: "" });
    this.ask(q);
  },

  onFollowUp(e) {
    this.ask(e.currentTarget.dataset.q);
  },

  toggleCitation(e) {
    const { m, n } = e.currentTarget.dataset;
    const key = `messages[${m}].open.c${n}`;
    this.setData({ [key]: !this.data.messages[m].open[`c${n}`] });
  },

  callHotline() {
    wx.makePhoneCall({ phoneNumber: "12345" });
  },

  ask(question, retried) {
    const messages = this.data.messages.concat(retried ? [] : [{ role: "user", text: question }]);
    this.setData({ messages, asking: true });
    wx.request({
      url: `${config.endpoint}/v1/ask`,
      method: "POST",
      header: { "content-type": "application/json" },
      data: { question, region: config.region, session_id: this.sessionId },
      success: (res) => {
        if (res.statusCode === 404 && res.data && res.data.error && res.data.error.code === "session_not_found" && !retried) {
          this.sessionId = null; // 会话过期：开始新会话再问一次
          this.ask(question, true);
          return;
        }
        if (res.statusCode !== 200) {
          const msg = (res.data && res.data.error && res.data.error.message) || "服务暂时不可用，请稍后再试或拨打12345。";
          this.push({ role: "bot", text: msg, citations: [], grounded: false });
          return;
        }
        const a = res.data;
        this.sessionId = a.session_id;
        this.push({
          role: "bot", text: leadOf(a.answer), citations: a.citations, grounded: a.grounded,
          followUps: a.follow_ups || [], answerId: a.answer_id, open: {}
        });
      },
      fail: () => this.push({ role: "bot", text: "网络连接失败，请稍后再试，或拨打12345咨询。", citations: [], grounded: false }),
      complete: () => this.setData({ asking: false })
    });
  },

  push(message) {
    this.setData({ messages: this.data.messages.concat([message]) });
    wx.pageScrollTo({ scrollTop: 100000, duration: 200 });
  },

  rate(e) {
    const { id, rating } = e.currentTarget.dataset;
    wx.request({
      url: `${config.endpoint}/v1/feedback`, method: "POST", header: { "content-type": "application/json" },
      data: { answer_id: id, rating },
      success: () => wx.showToast({ title: "感谢反馈", icon: "none" })
    });
  }
});
