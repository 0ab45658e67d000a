from bot.text import cn_to_int, normalise_doc_number, normalise_text
from ingest.normalise import normalise


def test_sentence_broken_across_a_page_break_is_joined():
    raw = "2. 加强知识产权代理领域信用体系建设。引导知识产权代理机构主动加大经营、\n\n质量、信用等信息公开力度。\n\n3. 下一条。"
    _, paragraphs = normalise(raw)
    assert [p.text[:2] for p in paragraphs] == ["2.", "3."]
    assert "加大经营、质量、信用等信息公开力度。" in paragraphs[0].text


def test_heading_lines_and_header_lines_are_not_joined():
    raw = "上海市知识产权局文件\n\n沪知局〔2022〕13号\n\n1. 加强实体平台建设\n\n依托国家知识产权局上海业务受理窗口。"
    _, paragraphs = normalise(raw)
    assert [p.text for p in paragraphs] == [
        "上海市知识产权局文件", "沪知局〔2022〕13号", "1. 加强实体平台建设", "依托国家知识产权局上海业务受理窗口。"]


def test_a_guide_title_and_its_field_lines_stay_apart():
    _, paragraphs = normalise("上海市专利快速预审备案办事指南\n\n发布机构：上海市知识产权局\n\n事项说明：为创新主体提供预审\n服务")
    assert [p.text for p in paragraphs] == ["上海市专利快速预审备案办事指南", "发布机构：上海市知识产权局",
                                            "事项说明：为创新主体提供预审", "服务"]


def test_markdown_bold_lead_in_is_removed_and_remembered():
    _, paragraphs = normalise("## **二、培育机构**\n\n**10. 提升知识产权代理服务质量。**定期组织开展培训。")
    assert paragraphs[0].text == "二、培育机构" and paragraphs[0].md_level == 2
    assert paragraphs[1].text == "10. 提升知识产权代理服务质量。定期组织开展培训。"
    assert paragraphs[1].bold_lead == "10. 提升知识产权代理服务质量。"


def test_widths_brackets_and_spaces_inside_numbers():
    assert normalise_text("２０２４ 年 5 月 14 日") == "2024年5月14日"
    assert normalise_text("(一) 指导思想") == "（一）指导思想"
    assert normalise_text("知识产权培训(上海)基地,市") == "知识产权培训（上海）基地，市"
    assert normalise_text("上海市知识产权局关于推动知识产权服务业 高质量发展") == "上海市知识产权局关于推动知识产权服务业高质量发展"
    assert normalise_doc_number("沪知局[2024]32号") == "沪知局〔2024〕32号"
    assert normalise_doc_number("（2025）") == "（2025）"


def test_chinese_numerals():
    assert [cn_to_int(x) for x in ("一", "十", "十二", "三十四", "一百零五")] == [1, 10, 12, 34, 105]
    assert cn_to_int("abc") is None


def test_words_are_cut_like_jieba_with_the_corpus_terms_and_ranges_split():
    import threading

    from bot.text import Tokenizer

    tokenizer = Tokenizer(["知识产全"])
    tokens = tokenizer.tokens("《知识产权强国建设纲要（2021-2035年）》和知识产全，电话0571-89937016")
    assert {"2021", "2035", "0571", "89937016", "知识产权", "纲要", "知识产全"} <= set(tokens)
    assert not any("-" in t for t in tokens) and "和" not in tokens
    assert tokenizer.words("专利快速预审") == ["专利", "快速", "预审"]
    assert tokenizer.general_frequency("专利") > 0 and tokenizer.general_frequency("知识产全") == 0
    results = []
    threads = [threading.Thread(target=lambda: results.append(tokenizer.tokens("专利质押登记要带什么材料")))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and all(r == results[0] for r in results) and "质押" in results[0]


def test_a_character_left_alone_after_a_word_is_cut_with_it_when_the_two_are_a_known_word():
    """专利申请/费 leaves 费 alone, and a question about 申请费 would find no clause saying 缴纳申请费: with the
    knowledge base's words the cut becomes 专利/申请费 (a compound's last character is its head); a known word
    is left whole when what would remain is not one, and a grammatical character (的) never joins."""
    from bot.text import Tokenizer

    tokenizer = Tokenizer()
    known = {"专利", "申请", "申请费", "信息", "网点", "上海", "市级", "标的", "商标"}
    assert tokenizer.words("专利申请费最晚什么时候缴")[:2] == ["专利申请", "费"]  # the cut this mends
    assert "申请费" not in tokenizer.tokens("专利申请费最晚什么时候缴")
    mended = tokenizer.tokens("专利申请费最晚什么时候缴", known)
    assert "申请费" in mended and "专利" in mended and "专利申请" not in mended
    assert "网点" in tokenizer.tokens("华师大是不是知识产权信息网点啊", known)
    assert "市级" in tokenizer.tokens("上海市级商标品牌创新创业基地有多少家", known)
    assert "标的" not in tokenizer.tokens("我跟别人有个商标的纠纷", known)
    assert tokenizer.tokens("专利质押登记要带什么材料", known) == tokenizer.tokens("专利质押登记要带什么材料")
    # fragments of the corpus's own cuts are in its vocabulary too, and are no words of the language
    fragments = known | {"权由", "人未", "年内", "著作"}
    for question in ("著作权由谁享有", "申请人未缴纳年费怎么办", "三年内没使用的商标会被撤销吗"):
        assert tokenizer.tokens(question, fragments) == tokenizer.tokens(question)
