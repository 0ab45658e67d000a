"""A corpus of realistic Chinese policy documents at any size, for benchmarks.

    .venv/bin/python -m evals.generate_corpus OUT --docs 1000 [--seed 1] [--with-real]

Each document has a bureau's header, a 文号, a cover notice with 印发《…》, a title (mostly with its place),
a preamble, sections 一、 › （一） › 1. with lead-ins, sentences about the document's own subject (one of
fifteen, each with its own work items, the vocabulary of real measures), dates, and sometimes a 施行/有效期
closing. Provinces and their own cities vary, so region filters have work to do. `--with-real` adds the
bureau's four documents (knowledge/policies) and the regulations in ../shared/corpus/extra, so that quality can
be measured with the real documents buried among generated ones.
"""
from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

# Each province with its 文号 short form, what its bureau writes to, and places below it that issue their own
# measures (cities; districts in the two municipalities, whose bureaus sign with the city's name first).
PROVINCES = [
    ("上海市", "沪", "区", ["上海市浦东新区", "上海市闵行区", "上海市嘉定区", "上海市松江区", "上海市徐汇区"]),
    ("江苏省", "苏", "设区市", ["南京市", "苏州市", "无锡市", "常州市", "南通市"]),
    ("浙江省", "浙", "市", ["杭州市", "宁波市", "温州市", "绍兴市"]),
    ("广东省", "粤", "地级以上市", ["广州市", "深圳市", "佛山市", "东莞市"]),
    ("北京市", "京", "区", ["北京市海淀区", "北京市朝阳区", "北京市经济技术开发区"]),
    ("福建省", "闽", "设区市", ["福州市", "厦门市", "泉州市"]),
    ("安徽省", "皖", "市", ["合肥市", "芜湖市", "蚌埠市"]),
    ("山东省", "鲁", "市", ["济南市", "青岛市", "烟台市"]),
]
KINDS = ["若干措施", "实施意见", "工作方案", "行动方案", "管理办法", "实施细则", "工作要点", "三年行动计划"]
SECTIONS = ["总体要求", "重点任务", "保障措施", "工作目标", "主要措施", "组织实施", "支持政策", "监督管理"]
VERBS = ["加强", "推进", "完善", "优化", "健全", "深化", "强化", "提升", "支持", "鼓励", "引导", "规范"]
# A real knowledge base is many documents, each about one subject: a document draws most of its sentences
# from its subject's own work items and a few from the general ones. (An earlier version drew every
# sentence from one pool of twenty items, so that every generated clause named the same few services: far
# more concentrated than any real collection of notices.)
SUBJECTS = {
    "知识产权服务业": ["服务机构品牌培育", "服务业集聚区建设", "服务标准体系", "服务机构分级分类评价", "服务外包",
                   "高端服务人才引进", "服务机构信用档案", "服务业统计监测"],
    "专利转化运用": ["高校专利转化", "专利开放许可", "专利密集型产品认定", "专利产业化项目", "技术转移机构建设",
                 "专利转让许可备案", "存量专利盘活", "中小企业专利托管"],
    "商标品牌建设": ["商标品牌指导站建设", "区域品牌培育", "老字号保护", "商标注册便利化", "驰名商标保护",
                 "品牌价值评价", "商标海外布局", "集体商标和证明商标运用"],
    "知识产权保护": ["快速预审服务", "行政裁决", "侵权判定咨询", "维权援助工作站", "展会知识产权保护",
                 "电商平台知识产权保护", "技术调查官制度", "知识产权鉴定"],
    "地理标志保护": ["地理标志产品保护", "地理标志专用标志使用", "地理标志运用促进工程", "地理标志保护示范区",
                 "特色产业培育", "产地溯源体系"],
    "知识产权金融": ["知识产权质押融资", "知识产权保险", "知识产权证券化", "风险补偿资金池", "评估机构培育",
                 "银企对接活动"],
    "知识产权公共服务": ["知识产权信息服务网点", "公共服务平台建设", "专利检索分析", "技术与创新支持中心",
                   "高校知识产权信息服务中心", "一站式服务窗口"],
    "专利导航": ["专利导航服务基地", "产业专利导航项目", "重点产业分析评议", "专利预警", "创新主体专利布局"],
    "数据知识产权": ["数据知识产权登记", "数据资源开发利用", "数据交易流通", "登记证书质押", "数据合规指引"],
    "知识产权人才": ["知识产权人才培养", "专利代理师资格考试", "职称评审", "实训基地建设", "人才评价"],
    "海外知识产权纠纷应对": ["海外知识产权风险预警", "海外纠纷应对指导", "涉外律师事务所合作", "海外维权专家库",
                     "企业出海培训"],
    "知识产权代理监管": ["专利代理行业监管", "代理机构信用评价", "非正常专利申请治理", "代理机构“双随机、一公开”检查",
                   "无资质代理整治"],
    "知识产权强企": ["知识产权贯标", "示范企业培育", "优势企业培育", "企业知识产权管理规范", "专精特新企业服务"],
    "集成电路和植物新品种": ["集成电路布图设计登记", "植物新品种权保护", "种业知识产权保护", "布图设计专有权维权"],
    "知识产权纠纷调解": ["人民调解组织建设", "仲裁调解衔接", "诉调对接", "调解员队伍建设", "在线调解平台"],
}
GENERAL = ["知识产权工作考核", "部门协同", "经费保障", "宣传培训", "统计监测", "督促检查"]
ACTORS = ["各区知识产权局", "知识产权保护中心", "知识产权服务机构", "行业协会", "高校和科研院所", "中小微企业",
          "专利代理机构", "金融机构", "市场监管部门", "公共服务网点", "龙头企业", "产业园区", "律师事务所"]
TAILS = ["提高服务的可及性和便利化", "形成可复制可推广的经验", "切实维护创新主体合法权益", "营造良好的营商环境",
         "推动创新成果转化运用", "提升服务质量和效率", "实现资源共享和协同联动", "为产业高质量发展提供支撑",
         "增强企业核心竞争力", "服务地方经济社会发展"]


def sentence(rng: random.Random, items: list[str]) -> str:
    item = rng.choice(items) if rng.random() < 0.85 else rng.choice(GENERAL)
    kind = rng.random()
    if kind < 0.15:
        return f"到{rng.choice([2025, 2026, 2027, 2028])}年，{rng.choice(['累计', '新增', '建成'])}{item}项目{rng.randint(5, 200)}个。"
    if kind < 0.25:
        return f"对开展{item}成效明显的{rng.choice(ACTORS)}给予最高{rng.choice([5, 10, 20, 30, 50, 100])}万元资助。"
    return (f"{rng.choice(VERBS)}{item}，{rng.choice(['鼓励', '支持', '引导', '推动'])}"
            f"{rng.choice(ACTORS)}{rng.choice(VERBS)}{rng.choice(items)}，{rng.choice(TAILS)}。")


def document(rng: random.Random, n: int) -> str:
    province, short, subunit, places = rng.choice(PROVINCES)
    city = rng.choice(places) if rng.random() < 0.3 else None
    if city:
        subunit = "区（县）" if city.endswith("市") else "街道（镇）"
    issuer = f"{city or province}知识产权局"
    year = rng.randint(2018, 2026)
    number = f"{short}知{rng.choice(['局', '发', '规'])}〔{year}〕{rng.randint(1, 120)}号"
    subject = rng.choice(list(SUBJECTS))
    items = SUBJECTS[subject]
    place = (city or province) if rng.random() < 0.7 else ""
    title = f"{place}关于{rng.choice(VERBS)}{subject}的{rng.choice(KINDS)}"
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    lines = [f"{issuer}文件", "", number, "", f"关于印发《{title}》的通知", "",
             f"各{subunit}知识产权局，各有关单位：", "",
             f"现将《{title}》印发给你们，请结合实际认真贯彻落实。", "", issuer, "", f"{year}年{month}月{day}日", "",
             title, "", "为" + sentence(rng, items).rstrip("。") + "，结合实际，制定本" + title[-4:] + "。", ""]
    item_no = 0
    for s, section in enumerate(rng.sample(SECTIONS, rng.randint(2, 4)), start=1):
        lines += [f"{'一二三四五六'[s - 1]}、{section}", ""]
        for p in range(1, rng.randint(2, 3) + 1):
            lines += [f"（{'一二三四五'[p - 1]}）{rng.choice(VERBS)}{rng.choice(items)}", ""]
            for _ in range(rng.randint(1, 3)):
                item_no += 1
                lead = f"{rng.choice(VERBS)}{rng.choice(items)}。"
                lines += [f"{item_no}. {lead}" + "".join(sentence(rng, items) for _ in range(rng.randint(2, 4))), ""]
    if rng.random() < 0.5:
        start = year + (1 if month > 10 else 0)
        lines += [f"本{title[-2:]}自{start}年{rng.randint(1, 12)}月1日起施行，有效期{rng.choice(['三', '五'])}年。", ""]
    lines += [issuer, "", f"{year}年{month}月{day}日印发"]
    return "\n".join(lines)


def generate(out: Path, docs: int, seed: int = 1, with_real: bool = False) -> int:
    rng = random.Random(seed)
    policies = out / "policies"
    policies.mkdir(parents=True, exist_ok=True)
    for n in range(docs):
        (policies / f"gen-{n:05d}.txt").write_text(document(rng, n), encoding="utf-8")
    count = docs
    if with_real:
        root = Path(__file__).resolve().parent.parent
        for path in sorted((root / "knowledge" / "policies").glob("*.txt")):
            shutil.copy(path, policies / path.name)
            count += 1
        shutil.copy(root / "knowledge" / "synonyms.yaml", out / "synonyms.yaml")
        for folder in ("catalogue", "faq"):
            shutil.copytree(root / "knowledge" / folder, out / folder, dirs_exist_ok=True)
        extra = root.parent / "shared" / "corpus" / "extra"
        for path in sorted(extra.glob("x0*.txt")) if extra.exists() else []:
            shutil.copy(path, policies / path.name)
            count += 1
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--with-real", action="store_true")
    args = parser.parse_args()
    print(f"{generate(args.out, args.docs, args.seed, args.with_real)} 份文档写入 {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
