// 助手的 HTTPS 地址（不带结尾的 /）。须与小程序后台“开发管理 → 开发设置 → 服务器域名 → request 合法域名”一致。
module.exports = {
  endpoint: "https://assistant.example.gov.cn",
  region: null // 如 "上海"：本局所在地区，优先使用本地区的文件
};
