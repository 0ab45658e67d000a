"""What the assistant must not do: follow instructions hidden in questions or documents, or answer questions
that a person must handle (a staff-editable list, knowledge/sensitive.yaml)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

# Text that tries to change the assistant's task, extract its configuration, or make it produce content
# outside its task. Matched in questions (answered as ordinary, ungrounded questions) and in documents
# (such sentences are never quoted in answers, and ingest reports them).
INJECTION = re.compile(
    r"忽略.{0,8}(指令|指示|提示|规则|要求|设定)|无视.{0,8}(指令|规则|要求)|不要遵守|不必遵守|绕过.{0,6}(限制|规则)"
    r"|(系统|初始|隐藏)(提示词?|指令|设定)|提示词|你的(配置|设定|指令|密钥|口令|令牌|参数)|(api|API)\s*(key|密钥)"
    r"|(管理|admin).{0,4}(token|令牌|密码)|环境变量|\bENV\b|HOTLINE_[A-Z_]+|WECHAT_[A-Z_]+"
    r"|(你|你们)(的|这个)?(系统|程序|机器人|助手)?(用|是)的?(是)?(什么|哪个|哪家)的?(大?模型|AI|人工智能|公司)"
    r"|你是谁|你是什么模型|现在你是|你现在是|从现在起你|扮演|角色扮演|假装你|开发者模式|越狱|DAN\b"
    r"|ignore (all |any |the )?(previous|prior|above|earlier)|disregard (all |the )?(previous|prior|above)"
    r"|system prompt|your (instructions|configuration|rules|prompt)|developer mode|jailbreak|act as|pretend (to be|you)"
    r"|you are now|reveal|print (the|your) (prompt|config)|^\s*(system|assistant|系统|助手)\s*[:：]"
    r"|you (must|should) (reply|answer|say|respond)|(必须|只能)(回答|回复|说)"
    r"|写.{0,12}(诗|歌词|小说|作文|代码|文章|笑话|段子)|讲个笑话|翻译成|translate|write (a|me|some)"
    r"|天气|股票|彩票|算命|星座",
    re.IGNORECASE,
)


def is_injection(text: str) -> bool:
    return bool(INJECTION.search(text))


@dataclass
class SensitiveList:
    message: str = "您的问题需要由工作人员专门处理，请拨打12345市民服务热线咨询。"
    patterns: list[str] = field(default_factory=list)

    def __post_init__(self):
        self._compiled = [re.compile(p) for p in self.patterns]

    def match(self, text: str) -> str | None:
        for pattern in self._compiled:
            if pattern.search(text):
                return pattern.pattern
        return None

    @classmethod
    def from_yaml(cls, path: Path) -> "SensitiveList":
        if not path.exists():
            return cls()
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        words = [str(w) for w in data.get("handoff") or []]
        patterns = [w[3:] if w.startswith("re:") else re.escape(w) for w in words]
        for p in patterns:
            re.compile(p)  # a broken pattern fails the ingest, with the file named by the caller
        return cls(message=str(data.get("message") or cls.message), patterns=patterns)

    def to_dict(self) -> dict:
        return {"message": self.message, "patterns": self.patterns}
