"""WeChat official-account (XML) and mini-program customer-service (JSON) message push, plain and 安全模式."""
