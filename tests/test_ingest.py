"""Incremental ingest into a real chromadb on disk: unchanged files do no work, changes replace, removals go."""
import json
import shutil

from bot.store.chroma import ChromaStore
from bot.store.records import Records
from ingest.build import ingest
from tests.conftest import KNOWLEDGE, make_settings


def copy_knowledge(tmp_path):
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


def test_incremental_ingest(tmp_path):
    knowledge = copy_knowledge(tmp_path)
    settings = make_settings(tmp_path / "var", knowledge)
    first = ingest([knowledge], settings, progress=False)
    assert (first.documents, len(first.new), first.reembedded) == (6, 6, first.passages)  # 4 policies, 2 catalogues
    store = ChromaStore(path=settings.index_dir / "chroma")
    assert store.count() == first.passages

    again = ingest([knowledge], settings, progress=False)
    assert not again.did_work and again.reembedded == 0 and len(again.unchanged) == 6
    assert "无需更新" in again.report()

    path = knowledge / "policies" / "sh-2024-13-lantian-action.txt"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "10. 切实加强行业自律工作。", "10. 切实加强行业自律工作。新增测试句子：开展诚信承诺活动。"), encoding="utf-8")
    changed = ingest([knowledge], settings, progress=False)
    assert changed.changed == ["sh-2024-13-lantian-action"] and changed.reembedded > 0
    records = Records.load(settings.index_dir)
    assert "开展诚信承诺活动" in records.clauses["sh-2024-13-lantian-action:s2-p4-i10"].text

    path.unlink()
    removed = ingest([knowledge], settings, progress=False)
    assert removed.removed == ["sh-2024-13-lantian-action"] and removed.documents == 5
    # the service items and FAQ pairs that rested on its clauses are left out, each named with the reason
    gone = {p.rsplit("#", 1)[-1]: r for p, r in removed.skipped}
    assert set(gone) == {"专利快速预审", "知识产权代理违法违规举报投诉", "agency-complaint", "internal-channel"}
    assert "字段 basis" in gone["专利快速预审"] and "sh-2024-13-lantian-action:s2-p3-i6 不存在" in gone["专利快速预审"]
    records = Records.load(settings.index_dir)
    assert not [c for c in records.clauses if c.startswith("sh-2024-13")]
    store = ChromaStore(path=settings.index_dir / "chroma")
    assert store.count() == len(records.passages) == removed.passages


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


def test_an_interrupted_store_is_rebuilt(tmp_path):
    knowledge = copy_knowledge(tmp_path)
    settings = make_settings(tmp_path / "var", knowledge)
    ingest([knowledge], settings, progress=False)
    ChromaStore(path=settings.index_dir / "chroma").reset()  # as if a run died after clearing the store
    summary = ingest([knowledge], settings, progress=False)
    assert ChromaStore(path=settings.index_dir / "chroma").count() == summary.passages > 0


def test_passages_keep_their_clause_id(settings):
    records = Records.load(settings.index_dir)
    assert all(p.clause_id in records.clauses for p in records.passages)
    assert {p.clause_id for p in records.passages} == set(records.clauses)
    manifest = json.loads((settings.index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["files"]) == set(records.documents)
