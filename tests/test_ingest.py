"""Incremental ingest into a real chromadb on disk: unchanged files do no work, changes replace, removals go."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from bot.store import flat
from bot.store.chroma import ChromaStore
from bot.service import Assistant
from bot.store.records import Records
from bot.store.versions import BuildBusy, IndexVersions
from ingest.build import ingest
from tests.conftest import KNOWLEDGE, ROOT, live, make_settings


def copy_knowledge(tmp_path):
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


def assert_matrix_matches_store(version):
    """The exact index's rows are chroma's vectors, in the order of the records' passages."""
    ids = [p.id for p in Records.load(version).passages]
    matrix = flat.load_matrix(version)
    stored = ChromaStore(path=version / "chroma").collection.get(ids=ids, include=["embeddings"])
    by_id = dict(zip(stored["ids"], stored["embeddings"]))
    assert matrix.shape[0] == len(ids) == len(by_id)
    np.testing.assert_allclose(matrix, flat.normalised(np.array([by_id[i] for i in ids])), atol=1e-5)


def test_incremental_ingest(tmp_path):
    knowledge = copy_knowledge(tmp_path)
    settings = make_settings(tmp_path / "var", knowledge)
    first = ingest([knowledge], settings, progress=False)
    assert (first.documents, len(first.new), first.reembedded) == (6, 6, first.passages)  # 4 policies, 2 catalogues
    store = ChromaStore(path=live(settings) / "chroma")
    assert store.count() == first.passages

    again = ingest([knowledge], settings, progress=False)
    assert not again.did_work and again.reembedded == 0 and len(again.unchanged) == 6
    assert "无需更新" in again.report()

    path = knowledge / "policies" / "sh-2024-13-lantian-action.txt"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "10. 切实加强行业自律工作。", "10. 切实加强行业自律工作。新增测试句子：开展诚信承诺活动。"), encoding="utf-8")
    changed = ingest([knowledge], settings, progress=False)
    assert changed.changed == ["sh-2024-13-lantian-action"] and changed.reembedded > 0
    assert changed.reembedded < changed.passages  # the other documents' rows come from the old version
    assert_matrix_matches_store(live(settings))
    records = Records.load(live(settings))
    assert "开展诚信承诺活动" in records.clauses["sh-2024-13-lantian-action:s2-p4-i10"].text

    path.unlink()
    removed = ingest([knowledge], settings, progress=False)
    assert removed.removed == ["sh-2024-13-lantian-action"] and removed.documents == 5
    # the service items and FAQ pairs that rested on its clauses are left out, each named with the reason
    gone = {p.rsplit("#", 1)[-1]: r for p, r in removed.skipped}
    assert set(gone) == {"专利快速预审", "知识产权代理违法违规举报投诉", "agency-complaint", "internal-channel"}
    assert "字段 basis" in gone["专利快速预审"] and "sh-2024-13-lantian-action:s2-p3-i6 不存在" in gone["专利快速预审"]
    records = Records.load(live(settings))
    assert not [c for c in records.clauses if c.startswith("sh-2024-13")]
    store = ChromaStore(path=live(settings) / "chroma")
    assert store.count() == len(records.passages) == removed.passages
    assert_matrix_matches_store(live(settings))


def test_a_broken_file_is_skipped_with_its_reason_and_the_rest_goes_in(tmp_path):
    knowledge = copy_knowledge(tmp_path)
    (knowledge / "policies" / "broken.pdf").write_bytes(b"not a pdf")
    (knowledge / "policies" / "empty.txt").write_bytes(b"")
    settings = make_settings(tmp_path / "var", knowledge)
    summary = ingest([knowledge], settings, progress=False)
    assert summary.documents == 6
    reasons = {p.rsplit("/", 1)[-1]: r for p, r in summary.skipped}
    assert "PDF" in reasons["broken.pdf"] and reasons["empty.txt"] == "文件为空"
    assert "跳过" in summary.report()


def test_a_build_killed_midway_leaves_the_live_index_serving(tmp_path):
    knowledge = copy_knowledge(tmp_path)
    settings = make_settings(tmp_path / "var", knowledge)
    first = ingest([knowledge], settings, progress=False)
    live_before = live(settings)
    # a build that died after copying the store and before publishing
    dead = IndexVersions(settings.index_dir).new_version()
    shutil.copytree(live_before / "chroma", dead / "chroma")
    assert live(settings) == live_before
    assert Assistant(settings).ask("蓝天行动的工作目标是什么").grounded
    path = knowledge / "policies" / "sh-2024-13-lantian-action.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    second = ingest([knowledge], settings, progress=False)
    assert second.version != first.version and live(settings).name == second.version
    assert not dead.exists()  # the dead build is cleaned up
    assert ChromaStore(path=live(settings) / "chroma").count() == second.passages


def test_kill_9_during_a_build(tmp_path):
    knowledge = copy_knowledge(tmp_path)
    settings = make_settings(tmp_path / "var", knowledge)
    first = ingest([knowledge], settings, progress=False)
    env = {**os.environ, "HOTLINE_DATA_DIR": str(settings.data_dir), "HOTLINE_KNOWLEDGE_DIR": str(knowledge),
           "HOTLINE_EMBEDDER": "fitted"}
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "ingest", "--force", "--quiet"], env=env,
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert live(settings).name == first.version or (live(settings) / "manifest.json").exists()
    assert Assistant(settings).ask("蓝天行动的工作目标是什么").grounded
    again = ingest([knowledge], settings, progress=False, force=True)
    assert again.clauses == first.clauses and live(settings).name == again.version


def test_two_builds_never_interleave(tmp_path):
    settings = make_settings(tmp_path / "var")
    versions = IndexVersions(settings.index_dir)
    with versions.build_lock():
        with pytest.raises(BuildBusy):
            ingest([KNOWLEDGE], settings, progress=False, wait=False)


def test_passages_keep_their_clause_id(settings):
    records = Records.load(live(settings))
    assert all(p.clause_id in records.clauses for p in records.passages)
    assert {p.clause_id for p in records.passages} == set(records.clauses)
    manifest = json.loads((live(settings) / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["files"]) == set(records.documents)


def test_parallel_parsing_gives_what_serial_parsing_gives(tmp_path):
    from datetime import date

    from ingest.parse import Task, parse_all

    files = sorted((KNOWLEDGE / "policies").glob("*.txt")) + [KNOWLEDGE / "catalogue" / "ip-public-services.yaml"]
    broken = tmp_path / "broken.txt"
    broken.write_bytes(b"")
    tasks = [Task(p, "catalogue" if p.suffix == ".yaml" else "policy", f"d{n}", "sha") for n, p in
             enumerate(files + [broken])]
    serial = parse_all(tasks, date(2026, 1, 1), processes=1)
    parallel = parse_all(tasks, date(2026, 1, 1), processes=2, parallel_from=1)
    assert [p.error for p in parallel] == [None] * len(files) + ["文件为空"]
    assert [p.document for p in parallel] == [p.document for p in serial]
    assert [p.clauses for p in parallel] == [p.clauses for p in serial]
    assert parallel[-2].items and parallel[-2].items == serial[-2].items  # the catalogue's items
    assert sum(len(p.clauses) for p in parallel[:-1]) > 90


def test_the_summary_says_where_the_time_went(tmp_path):
    knowledge = copy_knowledge(tmp_path)
    summary = ingest([knowledge], make_settings(tmp_path / "var", knowledge), progress=False)
    assert {"解析", "切词", "写入向量库", "词法索引"} <= set(summary.phases)
    assert all(seconds >= 0 for seconds in summary.phases.values())
    # exact, not within a margin that a loaded machine overruns (publishing the version was outside every phase)
    assert sum(summary.phases.values()) == pytest.approx(summary.seconds, rel=1e-9, abs=1e-9)
    assert "解析" in summary.report()
