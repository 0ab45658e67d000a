"""A corpus of realistic Chinese policy documents at any size, for benchmarks.

    .venv/bin/python -m evals.generate_corpus OUT --docs 1000 [--seed 1] [--with-real]

Each document has a bureau's header, a 文号, a cover notice with 印发《…》, a title, a preamble, sections
一、 › （一） › 1. with bold-less lead-ins, sentences assembled from the vocabulary of real measures, dates, and
sometimes a 施行/有效期 closing. Regions and cities vary, so region filters have work to do. `--with-real` adds the
bureau's four documents (knowledge/policies) and the regulations in ../shared/corpus/extra, so that quality can
be measured with the real documents buried among generated ones.
"""
from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

PROVINCES = [("上海市", "沪", "区"), ("江苏省", "苏", "设区市"), ("浙江省", "浙", "市"), ("广东省", "粤", "地级以上市"),
             ("北京市", "京", "区"), ("福建省", "闽", "设区市"), ("安徽省", "皖", "市"), ("山东省", "鲁", "市")]
CITIES = ["南京", "苏州", "无锡", "杭州", "宁波", "广州", "深圳", "厦门", "合肥", "济南", "青岛", "常州", "温州", "佛山"]
SUBJECTS = ["知识产权服务业", "专利转化运用", "商标品牌建设", "知识产权保护", "地理标志保护", "知识产权金融",
            "知识产权公共服务", "专利导航", "数据知识产权", "知识产权人才", "海外知识产权纠纷应对", "知识产权代理监管"]
KINDS = ["若干措施", "实施意见", "工作方案", "行动方案", "管理办法", "实施细则"]
SECTIONS = ["总体要求", "重点任务", "保障措施", "工作目标", "主要措施", "组织实施", "支持政策", "监督管理"]
VERBS = ["加强", "推进", "完善", "优化", "健全", "深化", "强化", "提升", "支持", "鼓励", "引导", "规范"]
OBJECTS = ["知识产权公共服务体系", "专利代理行业监管", "知识产权信用评价", "高价值专利培育", "商标品牌指导站建设",
           "知识产权质押融资", "知识产权保险", "维权援助工作站", "快速预审服务", "知识产权信息服务网点",
           "专利导航服务基地", "知识产权人才培养", "知识产权服务业集聚区", "地理标志产品保护", "知识产权纠纷调解",
           "海外知识产权风险预警", "数据知识产权登记", "专利开放许可", "知识产权评估", "知识产权运营平台"]
ACTORS = ["各区知识产权局", "知识产权保护中心", "知识产权服务机构", "行业协会", "高校和科研院所", "中小微企业",
          "专利代理机构", "金融机构", "市场监管部门", "公共服务网点"]
TAILS = ["提高服务的可及性和便利化", "形成可复制可推广的经验", "切实维护创新主体合法权益", "营造良好的营商环境",
         "推动创新成果转化运用", "提升服务质量和效率", "实现资源共享和协同联动", "为产业高质量发展提供支撑"]


def sentence(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.2:
        return (f"到{rng.choice([2025, 2026, 2027, 2028])}年，培育{rng.randint(5, 200)}家"
                f"{rng.choice(['知识产权服务品牌机构', '专利导航服务基地', '商标品牌指导站', '信息服务网点'])}。")
    if kind < 0.3:
        return f"对符合条件的{rng.choice(ACTORS)}给予最高{rng.choice([5, 10, 20, 30, 50, 100])}万元资助。"
    return (f"{rng.choice(VERBS)}{rng.choice(OBJECTS)}，{rng.choice(['鼓励', '支持', '引导', '推动'])}"
            f"{rng.choice(ACTORS)}{rng.choice(VERBS)}{rng.choice(OBJECTS)}，{rng.choice(TAILS)}。")


def document(rng: random.Random, n: int) -> str:
    province, short, subunit = rng.choice(PROVINCES)
    issuer = f"{province}知识产权局" if rng.random() < 0.7 else f"{rng.choice(CITIES)}市知识产权局"
    year = rng.randint(2018, 2026)
    number = f"{short}知{rng.choice(['局', '发', '规'])}〔{year}〕{rng.randint(1, 120)}号"
    title = f"关于{rng.choice(VERBS)}{rng.choice(SUBJECTS)}的{rng.choice(KINDS)}"
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    lines = [f"{issuer}文件", "", number, "", f"关于印发《{title}》的通知", "",
             f"各{subunit}知识产权局，各有关单位：", "",
             f"现将《{title}》印发给你们，请结合实际认真贯彻落实。", "", issuer, "", f"{year}年{month}月{day}日", "",
             title, "", "为" + sentence(rng).rstrip("。") + "，结合实际，制定本" + title[-4:] + "。", ""]
    item = 0
    for s, section in enumerate(rng.sample(SECTIONS, rng.randint(2, 4)), start=1):
        lines += [f"{'一二三四五六'[s - 1]}、{section}", ""]
        for p in range(1, rng.randint(2, 3) + 1):
            lines += [f"（{'一二三四五'[p - 1]}）{rng.choice(VERBS)}{rng.choice(OBJECTS)}", ""]
            for _ in range(rng.randint(1, 3)):
                item += 1
                lead = f"{rng.choice(VERBS)}{rng.choice(OBJECTS)}。"
                lines += [f"{item}. {lead}" + "".join(sentence(rng) for _ in range(rng.randint(2, 4))), ""]
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
