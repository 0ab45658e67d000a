// 知识产权咨询小程序：把问题发到助手的 POST /v1/ask，显示答案和依据条款。
// 助手地址在 config.js 中配置，并须加入小程序后台的 request 合法域名（见 README.md）。
App({});
