"""Start-up: typed settings that say what is allowed, the CLI's variables read through Settings, readable
logs in a terminal, an ingest that does not look for a model nobody configured, and `serve` saying where to go."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time

import pytest
from pydantic import ValidationError

from bot.config import Settings, log_as_json, setup_logging
from tests.conftest import KNOWLEDGE, ROOT, free_port


def hotline(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """The CLI as a user runs it, in a clean environment except for what the test sets."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "WECHAT_"))}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**clean, **(env or {})}, timeout=timeout)


@pytest.mark.parametrize("variable, value, allowed", [
    ("HOTLINE_RETRIEVAL", "bm25", ["hybrid", "lexical", "dense"]),
    ("HOTLINE_HOME_REGION", "火星", ["上海市", "江苏省"]),
    ("HOTLINE_LOG_FORMAT", "xml", ["auto", "json", "text"]),
])
def test_a_wrong_choice_is_a_configuration_error_naming_the_allowed_values(tmp_path, variable, value, allowed):
    result = hotline("ask", "专利费减", env={variable: value, "HOTLINE_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "配置错误" in result.stderr and value in result.stderr
    assert all(name in result.stderr for name in allowed), result.stderr


def test_a_home_region_by_its_short_name_is_accepted():
    assert Settings(_env_file=None, home_region="上海", knowledge_dir=KNOWLEDGE).home_region == "上海"
    # a region known from knowledge/places.yaml only, as search resolves it (a 福建 bureau can configure itself)
    assert Settings(_env_file=None, home_region="福建", knowledge_dir=KNOWLEDGE).home_region == "福建"
    with pytest.raises(ValidationError, match="江苏省"):
        Settings(_env_file=None, home_region="火星", knowledge_dir=KNOWLEDGE)


def test_the_cli_reads_its_variables_through_settings(tmp_path):
    # a malformed port was an int() traceback while the parser was being built
    result = hotline("serve", env={"HOTLINE_PORT": "八千"})
    assert result.returncode == 2 and "Traceback" not in result.stderr and "port" in result.stderr
    assert Settings(_env_file=None).port == 8000
    os.environ["HOTLINE_EVAL_SET"] = "evals/sets/core.jsonl"
    try:
        assert str(Settings(_env_file=None).eval_set) == "evals/sets/core.jsonl"
    finally:
        del os.environ["HOTLINE_EVAL_SET"]
    import inspect

    import bot.cli

    assert "os.environ.get" not in inspect.getsource(bot.cli.build_parser)


def test_logs_are_text_at_a_terminal_and_json_in_a_pipe():
    master, slave = os.openpty()
    with os.fdopen(slave, "w") as terminal, open(os.devnull, "w") as pipe:
        assert log_as_json("auto", terminal) is False
        assert log_as_json("auto", pipe) is True
        assert log_as_json("json", terminal) is True and log_as_json("text", pipe) is False
    os.close(master)


def test_logs_in_a_pipe_are_json_lines(tmp_path):
    # stderr captured by a pipe: a log collector reads one JSON object a line
    result = hotline("ask", "专利费减", env={"HOTLINE_DATA_DIR": str(tmp_path / "empty")})
    lines = [line for line in result.stderr.splitlines() if line.startswith("{")]
    assert result.returncode == 2 and all(json.loads(line)["level"] for line in lines)
    logging.getLogger().handlers.clear()
    setup_logging("INFO", "text")  # and back to a readable form for the rest of the session
    assert not isinstance(logging.getLogger().handlers[0].formatter, type(None))


def test_ingest_does_not_look_for_a_model_that_is_not_here(tmp_path):
    """embedder=auto with the default hub name and no local copy: no torch import, no hub warning."""
    script = (
        "import sys, logging\n"
        "from pathlib import Path\n"
        "from bot.config import Settings\n"
        "from bot.embed import choose_for_ingest\n"
        "from bot.text import Tokenizer\n"
        "logging.basicConfig(level=logging.INFO)\n"
        f"s = Settings(_env_file=None, embedder='auto', data_dir=Path({str(tmp_path)!r}))\n"
        "assert choose_for_ingest(s, Tokenizer()) is None\n"
        "print('imported' if 'sentence_transformers' in sys.modules or 'torch' in sys.modules else 'clean')\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(HF_HUB_CACHE=str(tmp_path / "hub"), HF_HOME=str(tmp_path / "hf"))
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, env=env,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "clean"
    assert "warn" not in result.stderr.lower()  # the hub's English warnings, and ours
    assert "按知识库拟合的默认向量器" in result.stderr  # said once, at INFO


def test_serve_says_where_to_open_the_widget_the_console_and_admin(tmp_path):
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], cwd=ROOT,
                               env={**clean, "HOTLINE_DATA_DIR": str(tmp_path)}, stderr=subprocess.PIPE, text=True)
    try:
        lines, deadline = [], time.monotonic() + 60
        while time.monotonic() < deadline and not any("/admin" in line for line in lines):
            lines.append(process.stderr.readline())
        said = "".join(lines)
        for path in ("/", "/console", "/admin"):
            assert f"http://127.0.0.1:{port}{path}" in said, said
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_logs_follow_the_standard_error_of_the_moment(monkeypatch):
    # set up while one stream is standard error (a test's capture, closed after it), a record written after a swap
    # goes to the new one, not to the closed stream (which logging reports with a traceback and loses the record)
    import io

    root = logging.getLogger()
    kept = root.handlers[:], root.level
    first, second = io.StringIO(), io.StringIO()
    try:
        monkeypatch.setattr(sys, "stderr", first)
        setup_logging("INFO", "json")
        first.close()
        monkeypatch.setattr(sys, "stderr", second)
        with monkeypatch.context() as m:
            errors = []  # (logging reports a failed write through the handler's handleError)
            m.setattr(root.handlers[0], "handleError", lambda record: errors.append(record))
            logging.getLogger("hotline.test").warning("写到此刻的标准错误")
        assert errors == [] and json.loads(second.getvalue())["message"] == "写到此刻的标准错误"
    finally:
        root.handlers[:] = kept[0]
        root.setLevel(kept[1])
