"""The WeChat mini-program (clients/wechat-miniprogram), checked with WeChat's own npm tools: its page rendered
by miniprogram-simulate in Node, asking the real assistant on 127.0.0.1; its code type-checked against
miniprogram-api-typings. `make test` installs the npm packages (npm ci) first."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.api.app import create_app
from tests.conftest import ROOT, LiveServer, free_port

MINI = ROOT / "clients" / "wechat-miniprogram"


def _npm_tool(*parts: str) -> str:
    """A tool of the mini-program's npm packages; a clear failure when they are not installed."""
    if shutil.which("node") is None:
        pytest.fail("node 未安装：apt-get install -y nodejs npm（.ci/run 会安装）")
    path = MINI.joinpath("node_modules", *parts)
    if not path.exists():
        pytest.fail(f"{path} 不存在：先在 {MINI} 运行 npm ci（make test 会自动运行）")
    return str(path)


def _run(args: list[str], env: dict[str, str] | None = None, cwd: Path = MINI) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True,
                          timeout=300)


def _passes(args: list[str], env: dict[str, str] | None = None) -> None:
    done = _run(args, env)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


def test_page_answers_cites_follows_up_hands_over_and_survives_errors(server, app_settings):
    """The Node tests in test/page.test.js: answer, numbered citations, follow-ups, 12345 hand-off on a
    refusal, and a network error, a 429, an expired session and a gateway's HTML page handled."""
    _npm_tool("miniprogram-simulate")
    limited = app_settings.model_copy(update={"rate_limit": "2/minute"})
    with LiveServer(create_app(limited)) as limited_server:
        _passes(["node", "--test", "test/page.test.js"],
             {"MINI_ENDPOINT": server.url, "MINI_LIMITED_ENDPOINT": limited_server.url,
              "MINI_DOWN_ENDPOINT": f"http://127.0.0.1:{free_port()}"})


def test_code_type_checks_against_wechat_api_typings(tmp_path):
    tsc = _npm_tool("typescript", "bin", "tsc")
    _passes(["node", tsc, "-p", "tsconfig.json"])
    # The check has teeth: a wrong argument to a wx API in a copy of the page is reported.
    copy = tmp_path / "mini"
    shutil.copytree(MINI, copy, ignore=shutil.ignore_patterns("node_modules"))
    (copy / "node_modules").symlink_to(MINI / "node_modules")
    page = copy / "pages" / "index" / "index.js"
    page.write_text(page.read_text(encoding="utf-8").replace("phoneNumber: HOTLINE", "phone: HOTLINE"),
                    encoding="utf-8")
    done = _run(["node", tsc, "-p", "tsconfig.json"], cwd=copy)
    assert done.returncode != 0 and "'phone' does not exist in type 'MakePhoneCallOption'" in done.stdout
