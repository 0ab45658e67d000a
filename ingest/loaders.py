"""Loaders: a file on disk → its plain text. Each format is parsed by a well-kept library."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SUPPORTED = (".txt", ".md", ".docx", ".pdf", ".html", ".htm")
# Caps on what one file may ask of the parser (a bureau's longest documents are a few hundred pages and a
# few dozen levels of HTML; a crafted file asks for 50 000 pages or 16 000 levels to hold a build for minutes)
MAX_PDF_PAGES = 2000
MAX_HTML_DEPTH = 200  # below libxml2's own 256, where it stops nesting and measuring would stop seeing more


class LoadError(Exception):
    """A file that cannot be read; the message says why, in Chinese, for the ingest summary."""


@dataclass
class Loaded:
    path: Path
    text: str
    raw: bytes


def _decode(raw: bytes, path: Path) -> str:
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LoadError("文件含有 NUL 字节，不是文本文件")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LoadError("无法识别文本编码（既不是 UTF-8 也不是 GBK/GB18030）")


def _load_docx(path: Path) -> str:
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several unrelated types for a broken package
        raise LoadError(f"不是有效的 .docx 文件：{exc}") from exc
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text.strip() for cell in row.cells))
    return "\n\n".join(lines)


def _load_pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(str(path))
        # the declared count first (walking a page tree of 50 000 references takes seconds), then the real one
        declared = reader.trailer["/Root"]["/Pages"].get("/Count", 0)
        pages = declared if isinstance(declared, int) and declared > MAX_PDF_PAGES else len(reader.pages)
        if pages > MAX_PDF_PAGES:
            raise LoadError(f"PDF 共 {pages} 页，超过 {MAX_PDF_PAGES} 页的上限，请拆分后再上传")
        pages = [page.extract_text() or "" for page in reader.pages]
    except LoadError:
        raise
    # PyPdfError covers its read errors and its LimitReachedError (a loop or a size beyond its limits)
    except (PyPdfError, ValueError, KeyError, OSError, RecursionError) as exc:
        raise LoadError(f"不是有效的 PDF 文件：{exc}") from exc
    text = "\n\n".join(pages)
    if not text.strip():
        raise LoadError("PDF 中没有可提取的文字（可能是扫描件，需要先做文字识别）")
    return text


def _html_depth(raw: bytes) -> int:
    """How deeply the page's elements nest, in one pass over lxml's tree (its own parser, no recursion)."""
    import lxml.etree
    import lxml.html

    try:
        root = lxml.html.document_fromstring(raw)
    except (lxml.etree.ParserError, ValueError):  # nothing to parse: BeautifulSoup says so below
        return 0
    depth = deepest = 0
    for event, _ in lxml.etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    return deepest


def _load_html(raw: bytes, path: Path) -> str:
    from bs4 import BeautifulSoup

    if _html_depth(raw) > MAX_HTML_DEPTH:
        raise LoadError(f"HTML 元素嵌套超过 {MAX_HTML_DEPTH} 层，不像正常的网页，未收录")
    soup = BeautifulSoup(raw, "lxml")
    for tag in soup(["script", "style", "nav", "header", "footer", "noscript"]):
        tag.decompose()
    body = soup.find("article") or soup.find("main") or soup.body or soup
    elements = body.find_all(True)
    # a div is read only when no block sits inside it: found in one pass from the leaves up (asking each div
    # for its blocks searched its whole subtree again, quadratic in the nesting)
    holds_block: set[int] = set()
    for element in reversed(elements):
        if element.name in ("p", "div", "h1", "h2", "h3", "li", "table") or id(element) in holds_block:
            holds_block.add(id(element.parent))
    blocks = []
    for element in elements:
        if element.name not in ("h1", "h2", "h3", "h4", "p", "li", "tr", "div"):
            continue
        if element.name == "div" and id(element) in holds_block:
            continue
        if element.name == "tr":
            cells = [c.get_text(" ", strip=True) for c in element.find_all(["td", "th"])]
            blocks.append("\t".join(cells))
        else:
            blocks.append(element.get_text("", strip=True))
    return "\n\n".join(b for b in blocks if b)


def load(path: Path) -> Loaded:
    """Read one file; raises LoadError with the reason when it cannot be read."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise LoadError(f"不支持的文件类型 {suffix or '（无扩展名）'}，支持 {' '.join(SUPPORTED)}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"无法读取文件：{exc.strerror or exc}") from exc
    if not raw.strip():
        raise LoadError("文件为空")
    if suffix in (".txt", ".md"):
        text = _decode(raw, path)
    elif suffix == ".docx":
        text = _load_docx(path)
    elif suffix == ".pdf":
        text = _load_pdf(path)
    else:
        text = _load_html(raw, path)
    if not text.strip():
        raise LoadError("文件中没有文字")
    return Loaded(path=path, text=text, raw=raw)
