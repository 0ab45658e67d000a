"""Knowledge management for staff (admin API and CLI): upload, delete, rebuild.

Every change happens inside the build lock and is all or nothing: an upload is checked (size, type, a real
PDF/DOCX/text, no zip bomb) and parsed, in a child process with a time and a memory limit, before it is written
into knowledge/; if the build that follows fails, or would leave out service items or FAQ pairs that rest on
the changed document, every file is put back. A file named like an existing document replaces it only when
asked (replace), and items are dropped only when asked (allow_drops). A second change while a build runs waits
(CLI) or is refused (API: 409).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import Settings
from bot.store.records import Records
from bot.store.versions import IndexVersions
from ingest.build import Summary, _build, _doc_id, collect_files, ingest, kind_of
from ingest.catalogue import load_faq
from ingest.loaders import SUPPORTED, LoadError

FOLDERS = {"policies": SUPPORTED, "catalogue": (".yaml", ".yml", ".csv"), "faq": (".yaml", ".yml")}
MAX_UNZIPPED = 100 * 1024 * 1024
MAX_RATIO = 200
MAX_ENTRIES = 2000


MAX_NAME_BYTES = 180  # a file name's stem; file systems allow 255 bytes, and 100 Chinese characters are 300


class UploadRejected(ValueError):
    """The change is refused; `status` is the HTTP status to answer with, the message says why (Chinese)."""

    code = "upload_rejected"

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


class NameClash(UploadRejected):
    """The upload would take the place of a document already in the knowledge base."""

    code = "name_clash"


class WouldDrop(UploadRejected):
    """The change would leave out service items or FAQ pairs resting on what it changes."""

    code = "would_drop"


class DocumentNotFound(LookupError):
    pass


@dataclass
class Change:
    summary: Summary
    path: str  # relative to the knowledge folder
    document_id: str | None = None
    replaced: list[str] = field(default_factory=list)  # the files the upload took the place of


def safe_name(filename: str) -> str:
    name = Path(filename.replace("\\", "/")).name
    stem, suffix = os.path.splitext(name)
    stem = re.sub(r"[^\w\u4e00-\u9fff.-]+", "-", stem).strip(".-")
    if not stem or len(suffix) > 10:
        raise UploadRejected("文件名无效，请使用字母、数字、中文、短横线或下划线。")
    # cut by bytes, on a character boundary: a long Chinese name otherwise fails with ENAMETOOLONG
    stem = stem.encode()[:MAX_NAME_BYTES].decode(errors="ignore").strip(".-")
    return stem + suffix.lower()


def check_upload(filename: str, data: bytes, folder: str, max_bytes: int) -> str:
    """Refuse what must not reach the knowledge base; returns the safe file name."""
    if folder not in FOLDERS:
        raise UploadRejected(f"目录应为 {'、'.join(FOLDERS)} 之一。")
    name = safe_name(filename)
    suffix = Path(name).suffix
    if suffix not in FOLDERS[folder]:
        raise UploadRejected(f"{folder}/ 只接受 {' '.join(FOLDERS[folder])} 文件，收到的是 {suffix or '无扩展名'}。", 415)
    if not data:
        raise UploadRejected("文件为空。")
    if len(data) > max_bytes:
        raise UploadRejected(f"文件超过 {max_bytes // (1024 * 1024)} MB 的上限。", 413)
    if suffix == ".pdf" and not data.startswith(b"%PDF-"):
        raise UploadRejected("这不是 PDF 文件（文件头不是 %PDF-）。", 415)
    if suffix == ".docx":
        _check_docx(data)
    return name


def _check_docx(data: bytes) -> None:
    import io

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise UploadRejected("这不是有效的 .docx 文件（不是 ZIP 包）。", 415) from exc
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise UploadRejected(".docx 内文件过多，疑似压缩炸弹。", 413)
    total = sum(e.file_size for e in entries)
    packed = sum(e.compress_size for e in entries) or 1
    if total > MAX_UNZIPPED or total / packed > MAX_RATIO:
        raise UploadRejected(".docx 解压后过大，疑似压缩炸弹。", 413)
    if "word/document.xml" not in {e.filename for e in entries}:
        raise UploadRejected("这不是有效的 .docx 文件（缺少 word/document.xml）。", 415)


def dry_run(path: Path, folder: str, settings: Settings) -> None:
    """Parse the file exactly as ingest will, in a child process with the upload's time and memory limits;
    raises UploadRejected with the reason if it cannot be parsed within them."""
    package_root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(package_root),
                                                                      os.environ.get("PYTHONPATH")]))}
    try:
        out = subprocess.run([sys.executable, "-m", "ingest.dryrun", str(path), folder, str(settings.upload_parse_mb)],
                             capture_output=True, text=True, timeout=settings.upload_parse_seconds, env=env,
                             cwd=path.parent)
    except subprocess.TimeoutExpired as exc:  # run() has killed the child
        raise UploadRejected(f"文件解析超过 {settings.upload_parse_seconds:g} 秒的上限，未入库；"
                             "请检查文件（页数、嵌套层数）或拆分后再上传。") from exc
    try:
        error = json.loads(out.stdout.strip().splitlines()[-1])["error"]
    except (IndexError, ValueError, KeyError, TypeError):  # killed (memory) or crashed before it could say why
        error = f"解析进程异常退出（{out.returncode}），文件可能过大或过于复杂"
    if error:
        # the reason may quote where the file was staged: show only its name
        raise UploadRejected(f"文件无法入库：{error.replace(str(path), path.name).replace(str(path.parent), '')}")


def _live_records(versions: IndexVersions) -> Records:
    current = versions.current()
    return Records.load(current) if current and Records.exists(current) else Records()


def _clashes(settings: Settings, live: Records, target: Path) -> list[Path]:
    """The files in the knowledge base whose place the upload would take: the same file, or a document whose id
    the new file's name would give (sh-2024-13-lantian-action.md for sh-2024-13-lantian-action.txt)."""
    clashes = [target] if target.exists() else []
    if kind_of(target) != "faq":
        wanted = _doc_id(target, set())
        # the documents on disk (also before a first build), and the live ones by id; a document ingested from
        # outside knowledge/ is never replaced from here (the build gives the upload another id)
        on_disk = [path.resolve() for path, kind in collect_files([settings.knowledge_dir])[0] if kind != "faq"]
        root = settings.knowledge_dir.resolve()
        by_id = [Path(d.source).resolve() for d in live.documents.values() if d.id == wanted]
        for source in dict.fromkeys([p for p in on_disk if _doc_id(p, set()) == wanted] + by_id):
            if root in source.parents and source != target.resolve() and source.exists():
                clashes.append(source)
    return clashes


def _refuse_drops(live: Records, changing_docs: set[str], changing_faq: set[str]):
    """A check for the new records (see ingest.build._build): refuses a change that leaves out service items or
    FAQ pairs other than those of the changed file itself."""
    def accept(new: Records) -> None:
        kept_faq = {p.id for p in new.faq}
        items = [item.name for clause_id, item in live.items.items()
                 if clause_id not in new.items and live.clauses[clause_id].doc_id not in changing_docs]
        pairs = [p.id for p in live.faq if p.id not in kept_faq and p.id not in changing_faq]
        if items or pairs:
            what = "；".join(part for part in (
                f"服务事项 {len(items)} 条（{'、'.join(items)}）" if items else "",
                f"常见问答 {len(pairs)} 条（{'、'.join(pairs)}）" if pairs else "") if part)
            raise WouldDrop(f"这次更改会使以下内容失去依据而被移除：{what}。未做任何更改；"
                            "如确需如此，请加参数 allow_drops=true（命令行 --allow-drops）重新提交，或先修改相应的服务事项和常见问答。", 409)
    return accept


def _faq_ids(path: Path) -> set[str]:
    try:
        return {p.id for p in load_faq(path)} if path.exists() and kind_of(path) == "faq" else set()
    except LoadError:
        return set()


def _rebuild(settings: Settings, versions: IndexVersions, writes: dict[Path, bytes | None],
             live: Records, changing_docs: set[str], allow_drops: bool) -> Summary:
    """Write (bytes) or remove (None) these files and rebuild; on any failure every file is put back."""
    backups = {path: path.read_bytes() if path.exists() else None for path in writes}
    changing_faq = set().union(*(_faq_ids(path) for path in writes))
    try:
        for path, data in writes.items():
            if data is None:
                path.unlink(missing_ok=True)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            part = path.with_name(f".{path.name}.part")
            part.write_bytes(data)
            os.replace(part, path)
        accept = None if allow_drops else _refuse_drops(live, changing_docs, changing_faq)
        return _build([settings.knowledge_dir], settings, False, False, versions, accept)
    except BaseException:
        for path, data in backups.items():
            if data is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(data)
        raise


def upload(settings: Settings, filename: str, data: bytes, folder: str = "policies", wait: bool = False,
           replace: bool = False, allow_drops: bool = False) -> Change:
    name = check_upload(filename, data, folder, settings.upload_max_mb * 1024 * 1024)
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / folder / name
        staged.parent.mkdir(parents=True)
        staged.write_bytes(data)
        dry_run(staged, folder, settings)
    target = settings.knowledge_dir / folder / name
    versions = IndexVersions(settings.index_dir)
    with versions.build_lock(wait):
        live = _live_records(versions)
        clashes = _clashes(settings, live, target)
        shown = "、".join(settings.shown_path(p) for p in clashes)
        if clashes and not replace:
            ids = {d.id for d in live.documents.values() if Path(d.source).resolve() in {p.resolve() for p in clashes}}
            raise NameClash(f"知识库中已有同名文档 {shown}" + (f"（编号 {'、'.join(sorted(ids))}）" if ids else "")
                            + "。未做任何更改；如要替换它，请加参数 replace=true（命令行 --replace）重新上传；"
                              "如是另一份文档，请改用其他文件名。", 409)
        by_source = {str(Path(d.source).resolve()): d.id for d in live.documents.values()}
        changing = {by_source[str(p.resolve())] for p in [*clashes, target] if str(p.resolve()) in by_source}
        writes: dict[Path, bytes | None] = {p: None for p in clashes if p.resolve() != target.resolve()}
        writes[target] = data
        summary = _rebuild(settings, versions, writes, live, changing, allow_drops)
    return Change(summary, settings.shown_path(target), summary.ids.get(str(target.resolve())),
                  [settings.shown_path(p) for p in clashes])


def delete(settings: Settings, doc_id: str, wait: bool = False, allow_drops: bool = False) -> Change:
    versions = IndexVersions(settings.index_dir)
    with versions.build_lock(wait):
        live = _live_records(versions)
        document = live.documents.get(doc_id)
        if document is None:
            raise DocumentNotFound(f"没有找到文档 {doc_id}。")
        source = Path(document.source).resolve()
        root = settings.knowledge_dir.resolve()
        if root not in source.parents:
            raise UploadRejected("该文档不在知识库目录中，不能从这里删除。", 409)
        summary = _rebuild(settings, versions, {source: None}, live, {doc_id}, allow_drops)
    return Change(summary, settings.shown_path(source), doc_id)


def reindex(settings: Settings, force: bool = False, wait: bool = False) -> Summary:
    return ingest([settings.knowledge_dir], settings, progress=False, force=force, wait=wait)


__all__ = ["UploadRejected", "DocumentNotFound", "upload", "delete", "reindex", "kind_of"]
