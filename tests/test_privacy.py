"""Personal data is masked in every form people type it, and nothing that is not personal data is touched.

Issue 16, finding 5: full-width digits (what Chinese input methods type), dotted or spaced phone numbers,
Chinese-numeral phone numbers, 15-digit and spaced ID numbers, 16- and 19-digit bank cards, passport and QQ
numbers all slipped through.
"""
import pytest

from bot.privacy import mask

# (text, the personal data in it, the placeholder it becomes)
PERSONAL = [
    ("我的手机13812345678", "13812345678", "[手机号]"),
    ("手机１３８１２３４５６７８", "１３８１２３４５６７８", "[手机号]"),
    ("电话138-1234-5678谢谢", "138-1234-5678", "[手机号]"),
    ("电话138 1234 5678谢谢", "138 1234 5678", "[手机号]"),
    ("电话138.1234.5678谢谢", "138.1234.5678", "[手机号]"),
    ("电话１３８－１２３４－５６７８", "１３８－１２３４－５６７８", "[手机号]"),
    ("电话１３８．１２３４．５６７８", "１３８．１２３４．５６７８", "[手机号]"),
    ("电话138　1234　5678", "138　1234　5678", "[手机号]"),
    ("电话+86 138 1234 5678", "138 1234 5678", "[手机号]"),
    ("电话+86-13812345678", "13812345678", "[手机号]"),
    ("电话8613812345678", "8613812345678", "[手机号]"),
    ("我电话一三八一二三四五六七八", "一三八一二三四五六七八", "[手机号]"),
    ("我电话幺三八幺二三四五六七八", "幺三八幺二三四五六七八", "[手机号]"),
    ("我电话一三八 一二三四 五六七八", "一三八 一二三四 五六七八", "[手机号]"),
    ("我电话一三九零零一二三四五六", "一三九零零一二三四五六", "[手机号]"),
    ("我电话壹叁捌壹贰叁肆伍陆柒捌", "壹叁捌壹贰叁肆伍陆柒捌", "[手机号]"),
    ("手机13812345678 2024年申请的", "13812345678", "[手机号]"),
    ("座机021-12345678", "021-12345678", "[电话]"),
    ("座机(021)12345678", "(021)12345678", "[电话]"),
    ("座机021 1234 5678", "021 1234 5678", "[电话]"),
    ("座机0512-6123456", "0512-6123456", "[电话]"),
    ("座机０７５５－８８８８６６６６", "０７５５－８８８８６６６６", "[电话]"),
    ("身份证110101199003071234", "110101199003071234", "[身份证号]"),
    ("身份证11010119900307123X", "11010119900307123X", "[身份证号]"),
    ("身份证11010119900307123x", "11010119900307123x", "[身份证号]"),
    ("老身份证110101900307123", "110101900307123", "[身份证号]"),
    ("身份证110101 19900307 1234", "110101 19900307 1234", "[身份证号]"),
    ("身份证110101-19900307-1234", "110101-19900307-1234", "[身份证号]"),
    ("身份证１１０１０１１９９００３０７１２３４", "１１０１０１１９９００３０７１２３４", "[身份证号]"),
    ("身份证1101 0119 9003 0712 34", "1101 0119 9003 0712 34", "[身份证号]"),
    ("卡号6222021234567890123", "6222021234567890123", "[银行卡号]"),
    ("卡号6222021234567890", "6222021234567890", "[银行卡号]"),
    ("卡号6222 0212 3456 7890 123", "6222 0212 3456 7890 123", "[银行卡号]"),
    ("卡号6222 0212 3456 7890", "6222 0212 3456 7890", "[银行卡号]"),
    ("卡号6222-0212-3456-7890", "6222-0212-3456-7890", "[银行卡号]"),
    ("卡号６２２２０２１２３４５６７８９０１２３", "６２２２０２１２３４５６７８９０１２３", "[银行卡号]"),
    ("护照号E12345678", "E12345678", "[护照号]"),
    ("护照 EA1234567 过期了", "EA1234567", "[护照号]"),
    ("护照号ｅ１２３４５６７８", "ｅ１２３４５６７８", "[护照号]"),
    ("通行证C12345678", "C12345678", "[护照号]"),
    ("QQ 123456789", "123456789", "[QQ号]"),
    ("qq号：12345", "12345", "[QQ号]"),
    ("加我扣扣1234567890", "1234567890", "[QQ号]"),
    ("ＱＱ１２３４５６７８９", "１２３４５６７８９", "[QQ号]"),
    ("邮箱a.b@example.com", "a.b@example.com", "[邮箱]"),
    ("邮箱a.b＠example.com", "a.b＠example.com", "[邮箱]"),
    ("联系我zhang_san@mail.example.cn谢谢", "zhang_san@mail.example.cn", "[邮箱]"),
]

# Facts of the documents and questions about them: never personal data.
NOT_PERSONAL = [
    "依据沪知局〔2024〕32号第十二条",
    "国知发保字〔2023〕1号",
    "2026年3月1日前缴纳",
    "自2025-11-09起施行",
    "二〇二六年三月一日",
    "一九九〇年三月七日",
    "最高资助500万元",
    "每件补贴5000元，每家企业不超过100万元",
    "第十二条第二款",
    "第一百二十三条",
    "请拨打12345热线",
    "拨打一二三四五咨询",
    "专利号ZL202310123456.7",
    "申请号202310123456.7",
    "商标注册第12345678号",
    "统一社会信用代码91310000MA1K12345X",
    "GB/T 29490-2023",
    "2024 2025 2026 2027年度",
    "1000-2000元",
    "年费900元，滞纳金按每月5%计",
    "网址https://www.cnipa.gov.cn/col/col1510/",
    "服务热线400-810-8888",
    "第1.5亿元",
    "CN1234567A",
]


def test_at_least_forty_forms():
    assert len(PERSONAL) >= 40


@pytest.mark.parametrize("text, personal, placeholder", PERSONAL)
def test_personal_data_is_masked(text, personal, placeholder):
    masked = mask(text)
    assert personal not in masked and placeholder in masked, masked
    # everything around it stays as it was typed
    before, _, after = text.partition(personal)
    assert masked.startswith(before.rstrip("+86- ")) and masked.endswith(after), masked


@pytest.mark.parametrize("text", NOT_PERSONAL)
def test_facts_are_not_masked(text):
    assert mask(text) == text


@pytest.mark.parametrize("masked, topic", [
    ("我卡号[银行卡号]，手机[手机号]，企业遇到侵权纠纷，上海有没有公益的维权援助？", "企业遇到侵权纠纷，上海有没有公益的维权援助？"),
    ("我叫张三，专利年费怎么补交", "专利年费怎么补交"),
    ("本人姓李。蓝天行动的目标是什么", "蓝天行动的目标是什么"),
    ("我的手机[手机号]收不到验证码怎么办", "我的手机收不到验证码怎么办"),  # nothing else: the question stays
    ("专利年费怎么补交", "专利年费怎么补交"),
])
def test_only_the_topic_of_a_question_is_kept(masked, topic):
    from bot.privacy import topic_only

    assert topic_only(masked) == topic


@pytest.mark.parametrize("text", ["1 " * 10000, "1-" * 10000 + "1", "一 " * 10000, "8" * 20000])
def test_a_long_run_of_digits_is_read_once(text):
    """A 20 000-character transcript of spaced digits took minutes (every stretch of groups was tried)."""
    assert mask(text) == text
    assert mask(text + "，电话13812345678") == text + "，电话[手机号]"
