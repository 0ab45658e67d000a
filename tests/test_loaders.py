import docx
import pytest

from ingest.build import collect_files
from ingest.loaders import LoadError, load

POLICY = "上海市知识产权局文件\n\n沪知局〔2030〕1号\n\n关于印发《测试措施》的通知\n\n测试措施\n\n1. 加强测试。这是第一条。\n"


def test_utf8_and_gbk_text(tmp_path):
    (tmp_path / "a.txt").write_text(POLICY, encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(POLICY.encode("gbk"))
    assert load(tmp_path / "a.txt").text == load(tmp_path / "b.txt").text == POLICY


def test_markdown(tmp_path):
    (tmp_path / "a.md").write_text("# 标题\n\n**1. 加强测试。**正文。", encoding="utf-8")
    assert "**1. 加强测试。**" in load(tmp_path / "a.md").text


def test_docx_paragraphs_and_tables(tmp_path):
    document = docx.Document()
    document.add_paragraph("1. 加强测试。这是第一条。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "序号", "目标"
    table.cell(1, 0).text, table.cell(1, 1).text = "1", "培训基地"
    document.save(tmp_path / "a.docx")
    text = load(tmp_path / "a.docx").text
    assert "1. 加强测试。这是第一条。" in text and "序号\t目标" in text


def test_html_keeps_text_and_drops_scripts(tmp_path):
    (tmp_path / "a.html").write_text(
        "<html><head><script>alert(1)</script><style>p{}</style></head><body><nav>导航</nav>"
        "<article><h1>测试措施</h1><p>1. 加强测试。</p><table><tr><td>序号</td><td>目标</td></tr></table>"
        "</article></body></html>", encoding="utf-8")
    text = load(tmp_path / "a.html").text
    assert "测试措施" in text and "1. 加强测试。" in text and "序号\t目标" in text
    assert "alert" not in text and "导航" not in text


def test_pdf_with_text(tmp_path):
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=300, height=200)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})
    stream = DecodedStreamObject()
    stream.set_data(b"BT /F1 12 Tf 20 100 Td (Article 1. Strengthen testing.) Tj ET")
    page[NameObject("/Contents")] = writer._add_object(stream)
    with open(tmp_path / "a.pdf", "wb") as fh:
        writer.write(fh)
    assert "Article 1. Strengthen testing." in load(tmp_path / "a.pdf").text


@pytest.mark.parametrize("name, content, reason", [
    ("empty.txt", b"", "文件为空"),
    ("nul.txt", b"abc\x00def" * 10, "NUL"),
    ("fake.pdf", b"this is not a pdf at all", "PDF"),
    ("fake.docx", b"PK\x03\x04 not really a zip", ".docx"),
    ("a.exe", b"MZ", "不支持的文件类型"),
])
def test_unreadable_files_raise_with_a_reason(tmp_path, name, content, reason):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(LoadError, match=reason):
        load(tmp_path / name)


def test_collect_files_reports_unsupported_and_skips_vocabulary(tmp_path):
    (tmp_path / "a.txt").write_text(POLICY, encoding="utf-8")
    (tmp_path / "synonyms.yaml").write_text("synonyms: {}", encoding="utf-8")
    (tmp_path / "logo.png").write_bytes(b"\x89PNG")
    (tmp_path / ".hidden.txt").write_text("x", encoding="utf-8")
    files, skipped = collect_files([tmp_path, tmp_path / "missing"])
    assert [(f.name, kind) for f, kind in files] == [("a.txt", "policy")]
    reasons = {p.split("/")[-1]: r for p, r in skipped}
    assert reasons["logo.png"].startswith("不支持的文件类型 .png") and reasons["missing"] == "路径不存在"
    assert len(reasons) == 2
