"""Knowledge management for staff (admin API and CLI): upload, delete, rebuild.

Every change happens inside the build lock and is all or nothing: an upload is checked (size, type, a real
PDF/DOCX/text, no zip bomb) and parsed before it is written into knowledge/; if the build that follows fails,
the previous file is put back. A second change while a build runs waits (CLI) or is refused (API: 409).
"""
from __future__ import annotations

import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.config import Settings
from bot.store.versions import IndexVersions
from ingest.build import Summary, _build, ingest, kind_of
from ingest.catalogue import load_faq
from ingest.loaders import SUPPORTED, LoadError
from ingest.parse import Task, parse

FOLDERS = {"policies": SUPPORTED, "catalogue": (".yaml", ".yml", ".csv"), "faq": (".yaml", ".yml")}
MAX_UNZIPPED = 100 * 1024 * 1024
MAX_RATIO = 200
MAX_ENTRIES = 2000


class UploadRejected(ValueError):
    """The upload is refused; `status` is the HTTP status to answer with, the message says why (Chinese)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


class DocumentNotFound(LookupError):
    pass


@dataclass
class Change:
    summary: Summary
    path: str


def safe_name(filename: str) -> str:
    name = Path(filename.replace("\\", "/")).name
    stem, suffix = os.path.splitext(name)
    stem = re.sub(r"[^\w\u4e00-\u9fff.-]+", "-", stem).strip(".-")
    if not stem:
        raise UploadRejected("文件名无效，请使用字母、数字、中文、短横线或下划线。")
    return stem[:100] + suffix.lower()


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


def dry_run(path: Path, folder: str) -> None:
    """Parse the file exactly as ingest will; raises UploadRejected with the reason if it cannot."""
    if folder == "faq":
        try:
            load_faq(path)
        except LoadError as exc:
            raise UploadRejected(f"文件无法入库：{exc}") from exc
        return
    parsed = parse(Task(path, "catalogue" if folder == "catalogue" else "policy", path.stem, ""), date.today())
    if parsed.error is not None:
        raise UploadRejected(f"文件无法入库：{parsed.error}")


def upload(settings: Settings, filename: str, data: bytes, folder: str = "policies", wait: bool = False) -> Change:
    name = check_upload(filename, data, folder, settings.upload_max_mb * 1024 * 1024)
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / folder / name
        staged.parent.mkdir(parents=True)
        staged.write_bytes(data)
        dry_run(staged, folder)
        target = settings.knowledge_dir / folder / name
        versions = IndexVersions(settings.index_dir)
        with versions.build_lock(wait):
            backup = target.read_bytes() if target.exists() else None
            target.parent.mkdir(parents=True, exist_ok=True)
            part = target.with_name(f".{name}.part")
            part.write_bytes(data)
            os.replace(part, target)
            try:
                summary = _build([settings.knowledge_dir], settings, False, False, versions)
            except BaseException:
                if backup is None:
                    target.unlink(missing_ok=True)
                else:
                    target.write_bytes(backup)
                raise
    return Change(summary, str(target))


def delete(settings: Settings, doc_id: str, wait: bool = False) -> Change:
    versions = IndexVersions(settings.index_dir)
    with versions.build_lock(wait):
        current = versions.current()
        from bot.store.records import Records

        records = Records.load(current) if current else Records()
        document = records.documents.get(doc_id)
        if document is None:
            raise DocumentNotFound(f"没有找到文档 {doc_id}。")
        source = Path(document.source).resolve()
        root = settings.knowledge_dir.resolve()
        if root not in source.parents:
            raise UploadRejected("该文档不在知识库目录中，不能从这里删除。", 409)
        backup = source.read_bytes() if source.exists() else None
        source.unlink(missing_ok=True)
        try:
            summary = _build([settings.knowledge_dir], settings, False, False, versions)
        except BaseException:
            if backup is not None:
                source.write_bytes(backup)
            raise
    return Change(summary, str(source))


def reindex(settings: Settings, force: bool = False, wait: bool = False) -> Summary:
    return ingest([settings.knowledge_dir], settings, progress=False, force=force, wait=wait)


__all__ = ["UploadRejected", "DocumentNotFound", "upload", "delete", "reindex", "kind_of"]
