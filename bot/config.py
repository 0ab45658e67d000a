"""One settings object, read from HOTLINE_* environment variables and an optional .env file."""
from __future__ import annotations

import logging
import math
import re
import sys
from datetime import date
from functools import lru_cache
from pathlib import Path

import annotated_types
from pydantic import (Field, SecretStr, ValidationError, ValidationInfo, ValidatorFunctionWrapHandler,
                      field_validator, model_validator)
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger("hotline")


RETRIEVAL_MODES = ("hybrid", "lexical", "dense")
CHOICES = {"retrieval": RETRIEVAL_MODES, "log_format": ("auto", "json", "text"),
           "embedder": ("auto", "fitted", "sentence-transformers")}


def known_regions(knowledge_dir: Path) -> dict[str, list[str]]:
    """The regions of the knowledge base (region → the names callers use), as ingest files documents by them:
    knowledge/synonyms.yaml's, knowledge/places.yaml's cities and every province's short form (ingest.divisions)."""
    import yaml

    from ingest.build import PLACES_FILE, load_places
    from ingest.divisions import divisions
    from ingest.metadata import region_names

    try:
        data = yaml.safe_load((knowledge_dir / "synonyms.yaml").read_text(encoding="utf-8")) or {}
        places = divisions().with_provinces(load_places(knowledge_dir / PLACES_FILE))
    except (OSError, ValueError, yaml.YAMLError):
        return {}  # ingest reports a broken lexicon or places table itself
    regions = data.get("regions") if isinstance(data, dict) else None
    said = {str(k): [str(v) for v in (vs or [])] for k, vs in regions.items()} if isinstance(regions, dict) else {}
    return region_names(said, places)


WEAK_TOKENS = {"changeme", "password", "admin", "secret", "token", "123456"}
MIN_SECRET_BITS = 128
_CLASSES = ((str.isdigit, 10), (str.islower, 26), (str.isupper, 26))


def secret_bits(secret: str) -> float:
    """A conservative estimate of a secret's entropy in bits.

    Each character is worth log2 of the pool its character classes span (digits 10, lower and upper case 26 each,
    other ASCII 33, anything else 100), except a character that continues a run or a sequence (aaa, abc, 987) and
    one that repeats an earlier stretch of three, which is worth one bit: 0123456789012345678901234 has
    25 characters and about 28 bits."""
    if not secret:
        return 0.0
    pool = sum(size for test, size in _CLASSES if any(test(c) and c.isascii() for c in secret))
    pool += 33 * any(c.isascii() and not c.isalnum() for c in secret) + 100 * any(not c.isascii() for c in secret)
    per_char = math.log2(max(pool, 2))
    bits = per_char
    for i in range(1, len(secret)):
        step = ord(secret[i]) - ord(secret[i - 1])
        run = i >= 2 and abs(step) <= 1 and step == ord(secret[i - 1]) - ord(secret[i - 2])
        repeated = i >= 2 and secret[i - 2:i + 1] in secret[:i]
        bits += 1.0 if run or repeated else per_char
    return bits


def weak_secret(secret: str, min_bits: int = MIN_SECRET_BITS) -> bool:
    return secret_bits(secret) < min_bits or secret.lower() in WEAK_TOKENS


MAKE_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


def check_secret(name: str, secret: str, min_bits: int = MIN_SECRET_BITS, make: str = MAKE_SECRET) -> None:
    """Refuse a guessable secret (admin, operator and WeChat tokens) with a message that says how to make one."""
    if weak_secret(secret, min_bits):
        raise ValueError(f"{name} 太弱（估计约 {secret_bits(secret):.0f} 位熵，至少需要 {min_bits} 位）：请用随机生成的令牌："
                         f"{make}")


def parse_operators(value: str) -> list[tuple[str, str]]:
    """`12345热线:tokenA,本局:tokenB,tokenC` → [(12345热线, tokenA), (本局, tokenB), (话务员3, tokenC)]."""
    operators = []
    for n, entry in enumerate((e.strip() for e in value.split(",") if e.strip()), start=1):
        name, _, token = entry.rpartition(":")
        operators.append((name.strip() or f"话务员{n}", token.strip()))
    return operators


class WeChatSettings(BaseSettings):
    """WECHAT_* — what the bureau pastes into its 公众号/小程序 console, and where WeChat's API is."""

    model_config = SettingsConfigDict(env_prefix="WECHAT_", env_file=".env", extra="ignore")

    token: SecretStr | None = Field(None, description="the Token of the server configuration (8–32 letters/digits)")
    appid: str = ""
    secret: SecretStr | None = None
    aes_key: SecretStr | None = Field(None, description="EncodingAESKey (43 characters) for 安全模式")
    api_base: str = "https://api.weixin.qq.com"
    reply_deadline: float = Field(4.0, gt=0, lt=5, description="answer passively if ready within this (WeChat waits 5 s)")
    timestamp_window: int = Field(300, gt=0, description="seconds a message timestamp may differ from now")

    @field_validator("token")
    @classmethod
    def _strong_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value():
            token = value.get_secret_value()
            if not re.fullmatch(r"[A-Za-z0-9]{8,32}", token):
                raise ValueError("WECHAT_TOKEN 应为 8–32 位字母或数字（微信后台“令牌(Token)”）")
            # the token is all that signs a message: one captured signature lets a weak one be found offline
            check_secret("WECHAT_TOKEN", token, make="微信后台“随机生成”的 32 位令牌，或 python -c 'import secrets, string; "
                         "print(\"\".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32)))'")
        return value

    @field_validator("aes_key")
    @classmethod
    def _aes_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value():
            if not re.fullmatch(r"[A-Za-z0-9]{43}", value.get_secret_value()):
                raise ValueError("WECHAT_AES_KEY 应为微信后台生成的 43 位 EncodingAESKey")
        return value

    @property
    def enabled(self) -> bool:
        return bool(self.token and self.token.get_secret_value())

    @property
    def safe_mode(self) -> bool:
        """安全模式: with an EncodingAESKey every message must come encrypted (plaintext is refused)."""
        return bool(self.aes_key and self.aes_key.get_secret_value())


class DisplaySettings(BaseSettings):
    """How long answers are shown and said, per deployment (HOTLINE_*): WeChat limits a message's length, a
    hotline decides how much an operator reads aloud. Presentation only: what is answered does not change."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=".env", extra="ignore")

    lead_chars: int = Field(260, ge=40, le=2000, description="characters a written answer quotes of the clause it "
                            "rests on (of each, half as many, when it cites several); its best sentence is always whole")
    lead_sentences: int = Field(3, ge=1, le=10, description="sentences of each clause a written answer leads with; "
                                "the whole clause is a click away")
    related_clauses: int = Field(3, ge=1, le=5, description="nearest clauses a refusal lists (of the 5 searched)")
    spoken_limit: int = Field(120, ge=60, le=1000, description="characters of the hotline's read-aloud answer "
                              "(whole sentences, the fact first, then the basis)")
    gist_chars: int = Field(70, ge=20, le=500, description="what is read aloud of a long sentence: at most this "
                            "many characters, in its clauses that say what was asked")
    whole_sentence_chars: int = Field(30, ge=0, le=500, description="a sentence at most this long is read aloud "
                                      "whole")
    llm_closing_chars: int = Field(30, ge=10, le=100, description="an LLM answer's closing line without a "
                                   "citation may be this long (and the model is told so)")

    @field_validator("*", mode="wrap")
    @classmethod
    def _in_range(cls, value: object, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> int:
        """A value out of range (or not a number) names the variable and the range, not only pydantic's English."""
        try:
            return handler(value)
        except ValidationError:
            bounds = cls.model_fields[info.field_name].metadata
            low = next((b.ge for b in bounds if isinstance(b, annotated_types.Ge)), None)
            high = next((b.le for b in bounds if isinstance(b, annotated_types.Le)), None)
            raise ValueError(f"HOTLINE_{info.field_name.upper()}={value} 无效：应为 {low} 到 {high} 之间的整数"
                             f"（must be an integer from {low} to {high}）") from None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=".env", extra="ignore")

    knowledge_dir: Path = Field(Path("knowledge"), description="what `hotline ingest` reads with no path")
    data_dir: Path = Field(Path("var"), description="index, sessions and logs")
    embedder: str = Field(
        "auto",
        description="auto (a sentence-transformers model if one loads, else the fitted default), "
        "fitted, or sentence-transformers",
    )
    embedding_model: str = "BAAI/bge-small-zh-v1.5"
    # Refuse to wait on a model hub that cannot be reached: only local folders and the local cache load
    # unless downloads are allowed explicitly.
    embedding_allow_download: bool = False
    chroma_url: str = Field("", description="a chroma server (`chroma run`), e.g. http://127.0.0.1:8001; "
                                            "empty: the embedded store on disk")
    retrieval: str = Field("hybrid", description="hybrid (default), lexical or dense: for evaluation")
    dense_search: str = Field("exact", pattern="^(exact|hnsw)$",
                              description="exact (every passage compared; about 10 ms a question at 180 000 "
                                          "passages) or hnsw (chroma's approximate graph, for millions)")
    ranking_file: Path | None = Field(None, description="the fitted ranker and answerability model (hotline eval "
                                      "--fit); unset: the one shipped in bot/retrieve/ranking.json")
    asked_file: Path | None = Field(None, description="past questions and the clauses that answered them "
                                    "(JSON Lines, bot/retrieve/precedents.py); unset: knowledge_dir/asked.jsonl if "
                                    "there is one")
    home_region: str = Field("", max_length=20, description="the bureau's own region (上海市): a question that "
                             "names no place is about it: its documents are also searched on their own, and "
                             "other regions' come after them")
    llm_base_url: str = Field("", description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8001/v1; empty: no LLM")
    llm_model: str = "qwen2.5-7b-instruct"
    llm_api_key: SecretStr | None = None
    llm_timeout: float = Field(8.0, gt=0, description="seconds the LLM may take per question, retries included")
    llm_max_tokens: int = Field(400, gt=0)
    llm_max_retries: int = Field(1, ge=0, le=3)
    public_url: str = Field("", description="the assistant's public address, for the clause links in WeChat, OpenAI-"
                            "compatible and MCP messages; empty: the address a request came to (MCP: paths)")
    wechat: WeChatSettings = Field(default_factory=WeChatSettings)
    display: DisplaySettings = Field(default_factory=DisplaySettings)
    session_ttl_minutes: int = Field(120, ge=1, description="a conversation expires after this long unused")
    retention_days: int = Field(180, ge=1, description="questions, answers, feedback, FAQ candidates and gaps "
                                "older than this are purged (at start-up, then hourly on writes)")
    allowed_origins: str = Field("", description="comma-separated site origins allowed to embed the widget")
    allowed_hosts: str = Field("", description="comma-separated host names this server answers to (*.example.gov.cn "
                               "for subdomains); empty: any Host header")
    admin_docs: bool = Field(False, description="list the staff endpoints (/v1/admin/*) in /docs and /openapi.json")
    admin_token: SecretStr = Field(SecretStr(""), description="bearer token for /v1/admin/*; empty closes them")
    operator_tokens: SecretStr = Field(SecretStr(""), description="comma-separated bearer tokens for /v1/hotline/* "
                                       "and corrected answers, one per operator or team, each `name:token` or a "
                                       "bare token; empty closes them")
    rate_limit: str = Field("30/minute", description="per client on the public endpoints; off for load tests")
    hotline_rate_limit: str = Field("120/minute", description="per client on /v1/hotline/*")
    admin_rate_limit: str = Field("30/minute", description="per client on /v1/admin/*")
    wechat_rate_limit: str = Field("600/minute", description="per client on /wechat (WeChat's servers are few "
                                   "addresses: keep it well above the account's busiest minute)")
    sessions_per_client: str = Field("60/hour", description="new conversations a client may start")
    # issue 19: the OpenAI-compatible API (/v1/chat/completions, /v1/models) and MCP over HTTP (/mcp)
    api_keys: SecretStr = Field(SecretStr(""), description="comma-separated bearer keys for /v1/chat/completions, "
                                "/v1/models and /mcp; empty closes them")
    api_rate_limit: str = Field("60/minute", description="requests per API key on those endpoints")
    trust_proxy: bool = Field(False, description="take the client address from X-Forwarded-For (behind a proxy)")
    trusted_proxies: str = Field("127.0.0.1,::1", description="comma-separated addresses/CIDRs of the reverse "
                                 "proxies in front: X-Forwarded-For is read only from these, right to left")
    admin_login_failures: str = Field("10/hour", description="wrong admin tokens a client may send before it is "
                                      "locked out (429 with Retry-After)")
    max_body_kb: int = Field(256, gt=0, description="largest request body outside uploads")
    header_timeout: float = Field(10.0, gt=0, description="seconds a client has to send a request's line and headers")
    body_timeout: float = Field(20.0, gt=0, description="seconds a client has to send a request's body (uploads too: 20 MB "
                                "needs 1 MB/s; behind a buffering proxy the proxy sends it at once)")
    keep_alive_timeout: float = Field(5.0, gt=0, description="seconds an idle kept-alive connection stays open")
    upload_max_mb: int = Field(20, gt=0, le=200, description="largest document staff may upload")
    upload_parse_seconds: float = Field(30.0, gt=0, description="time an upload may take to parse (in a child "
                                                                "process, before the build lock is taken)")
    upload_parse_mb: int = Field(1024, ge=64, description="memory an upload's parse may take beyond the parser's own")
    today: date | None = Field(None, description="override today's date (validity of documents)")
    # several machines (README "Scaling"): each unset keeps the embedded default of one machine
    database_url: SecretStr = Field(SecretStr(""), description="postgresql://user:password@host:5432/db for "
                                    "sessions, answers, feedback, FAQ candidates, gaps and WeChat users; empty: "
                                    "SQLite under the data dir")
    redis_url: SecretStr = Field(SecretStr(""), description="redis://host:6379/0 for rate limits, WeChat "
                                 "de-duplication and the access token; empty: each process its own memory")
    shared_index_dir: Path | None = Field(None, description="a folder every machine can read (NFS, a shared "
                                          "volume): builds publish index versions there and machines follow the "
                                          "live one")
    index_poll_seconds: float = Field(2.0, gt=0, le=300, description="how often a machine checks for a newly "
                                      "published index version (with HOTLINE_SHARED_INDEX_DIR)")
    log_level: str = "INFO"
    log_format: str = Field("auto", description="auto (text on a terminal, JSON lines otherwise), json or text")
    # what the CLI's options default to (`hotline serve --port`, `hotline ask --region`, `hotline eval --set`)
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=64)
    region: str | None = Field(None, max_length=20, description="hotline ask: the region to prefer")
    as_of: date | None = Field(None, description="hotline ask: the day validity is judged on")
    eval_set: Path | None = Field(None, description="hotline eval: the evaluation set")
    widget_questions: str = Field("", description="example questions the widget offers on opening, separated by "
                                  "| (a site may set its own with data-questions); empty: the built-in examples")

    @field_validator("retrieval", "log_format", "embedder")
    @classmethod
    def _one_of(cls, value: str, info: ValidationInfo) -> str:
        allowed = CHOICES[info.field_name]
        if value not in allowed:
            raise ValueError(f"HOTLINE_{info.field_name.upper()}={value!r} 无效，可选值：{'、'.join(allowed)}")
        return value

    @model_validator(mode="after")
    def _known_home_region(self) -> "Settings":
        """The home region must be one the knowledge base names (synonyms.yaml's regions), as search resolves it."""
        if not self.home_region:
            return self
        regions = known_regions(self.knowledge_dir)
        if regions and self.home_region not in regions and not any(self.home_region in a for a in regions.values()):
            raise ValueError(f"HOTLINE_HOME_REGION={self.home_region!r} 不是知识库中的地区，可选值："
                             f"{'、'.join(regions)}（或其简称，如 {next(iter(regions.values()))[0]}）")
        return self

    @field_validator("admin_token")
    @classmethod
    def _strong_admin_token(cls, value: SecretStr) -> SecretStr:
        if value.get_secret_value():
            check_secret("HOTLINE_ADMIN_TOKEN", value.get_secret_value())
        return value

    @field_validator("operator_tokens")
    @classmethod
    def _strong_operator_tokens(cls, value: SecretStr) -> SecretStr:
        operators = parse_operators(value.get_secret_value())
        for name, token in operators:
            check_secret(f"HOTLINE_OPERATOR_TOKENS 中「{name}」的令牌", token)
        tokens = [token for _, token in operators]
        if len(set(tokens)) < len(tokens):
            raise ValueError("HOTLINE_OPERATOR_TOKENS 中有重复的令牌：每位话务员或每个班组各用一个")
        return value

    @model_validator(mode="after")
    def _operators_are_not_admins(self) -> "Settings":
        admin = self.admin_token.get_secret_value()
        if admin and admin in (token for _, token in self.operators):
            raise ValueError("HOTLINE_OPERATOR_TOKENS 不能包含 HOTLINE_ADMIN_TOKEN：话务员令牌与管理令牌须各不相同")
        return self

    @property
    def operators(self) -> list[tuple[str, str]]:
        """(name, token) of each operator or team allowed on /v1/hotline/*."""
        return parse_operators(self.operator_tokens.get_secret_value())

    @field_validator("rate_limit", "hotline_rate_limit", "admin_rate_limit", "sessions_per_client", "wechat_rate_limit",
                     "admin_login_failures")
    @classmethod
    def _limit(cls, value: str) -> str:
        from bot.api.limits import RateLimiter

        RateLimiter(value)  # raises with a clear message if malformed
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        from bot.api.limits import trusted_networks

        trusted_networks(value)  # raises with a clear message if malformed
        return value

    @field_validator("api_keys")
    @classmethod
    def _strong_api_keys(cls, value: SecretStr) -> SecretStr:
        for n, key in enumerate(k.strip() for k in value.get_secret_value().split(",")):
            if key:
                check_secret(f"HOTLINE_API_KEYS 的第 {n + 1} 个密钥", key)
        return value

    @field_validator("api_rate_limit")
    @classmethod
    def _api_limit(cls, value: str) -> str:
        return cls._limit(value)

    @property
    def api_key_list(self) -> list[str]:
        return [k.strip() for k in self.api_keys.get_secret_value().split(",") if k.strip()]

    @property
    def origins(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.allowed_origins.split(",") if o.strip()]

    @property
    def hosts(self) -> list[str]:
        return [h.strip() for h in self.allowed_hosts.split(",") if h.strip()]

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    def current_date(self) -> date:
        return self.today or date.today()

    def shown_path(self, path: str | Path) -> str:
        """A file as staff and users may see it: relative to the knowledge folder, never the server's layout."""
        resolved = Path(path).resolve()
        try:
            return resolved.relative_to(self.knowledge_dir.resolve()).as_posix()
        except ValueError:
            return resolved.name


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


_LINE_BREAKS = {c: f"\\u{c:04x}" for c in (0x85, 0x2028, 0x2029)}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the request id and any extra fields given."""

    RESERVED = set(vars(logging.makeLogRecord({})))

    def format(self, record: logging.LogRecord) -> str:
        import json

        from bot.api.middleware import current_request_id

        data = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
                "logger": record.name, "message": record.getMessage()}
        request_id = current_request_id()
        if request_id:
            data["request_id"] = request_id
        data.update({k: v for k, v in vars(record).items()
                     if k not in self.RESERVED and not k.startswith("_") and k != "color_message"})
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        # one record, one line: also escape the characters some readers take for line breaks
        return json.dumps(data, ensure_ascii=False, default=str).translate(_LINE_BREAKS)


def log_as_json(fmt: str, stream) -> bool:
    """`auto`: readable text for a person at a terminal, JSON lines for a log collector (a pipe or a file)."""
    if fmt == "auto":
        isatty = getattr(stream, "isatty", None)
        return not (isatty and isatty())
    return fmt == "json"


class _StderrHandler(logging.StreamHandler):
    """Writes to the standard error of the moment, not the one it was made with: a test runner or a process manager
    that swaps sys.stderr (pytest's capture, closed after each test) would otherwise leave every later record to a
    closed stream, which logging reports with a traceback of its own and the record lost. (So `setStream` has no
    effect here: to log elsewhere, use another handler.)"""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass  # (logging.StreamHandler sets it once at construction: the property above decides)


def setup_logging(level: str = "INFO", fmt: str = "auto") -> None:
    """Structured logs (JSON lines) where a machine reads them; text in a terminal (see log_as_json). Questions
    are never logged at INFO, and personal data is masked before anything is stored."""
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter() if log_as_json(fmt, sys.stderr) else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s", "%H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    for noisy in ("bm25s", "sentence_transformers", "httpx", "chromadb", "jieba", "urllib3", "huggingface_hub"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
