"""A corpus of realistic Chinese policy documents at any size, for benchmarks.

    .venv/bin/python -m evals.generate_corpus OUT --docs 1000 [--seed 1] [--with-real] [--measures 0.3]
                                                 [--province-share 0.25]

What a bureau's knowledge base holds (the issue: "every city's measures, every year's notices, service
guides"), each document about one of fifteen subjects, each subject with its own work items:
- measures (30 %): a bureau's header, a 文号, a cover notice with 印发《…》, a title (mostly with its place),
  a preamble, sections 一、 › （一） › 1. with lead-ins, sentences about the subject, dates, and sometimes a
  施行/有效期 closing;
- notices (50 %): a call for applications, a published list of firms, a training course or a campaign, with
  conditions, amounts, deadlines and a contact;
- service guides (20 %): 事项名称, 实施机构, 受理条件, 申请材料, 办理流程, 办理时限, 收费标准, 咨询电话.
Eight provinces; a quarter of the documents come from a province's own bureau and the rest from its cities
and districts (`--province-share`), so region and locality filters have work to do. `--with-real` adds the
bureau's four documents (knowledge/policies), its synonyms and past questions (knowledge/asked.jsonl) and the
regulations in ../shared/corpus/extra, so that quality can be measured with the real documents buried among
generated ones.
"""
from __future__ import annotations

import argparse
import random
import re
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
SUBJECT_OF = {item: items for items in SUBJECTS.values() for item in items}  # a work item's subject's items
GENERAL = ["知识产权工作考核", "部门协同", "经费保障", "宣传培训", "统计监测", "督促检查"]
ACTORS = ["各区知识产权局", "知识产权保护中心", "知识产权服务机构", "行业协会", "高校和科研院所", "中小微企业",
          "专利代理机构", "金融机构", "市场监管部门", "公共服务网点", "龙头企业", "产业园区", "律师事务所"]
TAILS = ["提高服务的可及性和便利化", "形成可复制可推广的经验", "切实维护创新主体合法权益", "营造良好的营商环境",
         "推动创新成果转化运用", "提升服务质量和效率", "实现资源共享和协同联动", "为产业高质量发展提供支撑",
         "增强企业核心竞争力", "服务地方经济社会发展"]


# What a clause's body says. A real clause's lead-in names its work item and the body then says who does what,
# with what money, by when, through which platform, in words of its own: the lead-in's words come back in the
# body of about 3 % of the bureau's clauses, and 15 000 characters of them hold about 4 700 different character
# pairs. (An earlier generator built bodies from the lead-in's few work items: 40 % repeated the lead-in and the
# same length held half as many different pairs; tests/test_eval.py compares the two.)
# The words a body is made of, by slot; a template's {slot} takes one of them (a different one each time it
# occurs in the sentence), {n:a-b} a number from a to b, and {topic} a work item of the clause's subject.
SLOTS = {
    "dept": ["财政部门", "发展改革部门", "科技部门", "商务部门", "金融监管部门", "人力资源社会保障部门", "司法行政部门",
             "教育部门", "工业和信息化部门", "农业农村部门", "海关", "税务部门", "统计部门", "文化和旅游部门",
             "公安机关", "人民法院"],
    "platform": ["政务服务平台", "公共服务平台", "专利信息数据库", "线上服务专区", "服务热线", "一网通办平台",
                 "数据共享平台", "案件管理系统", "业务协同系统", "移动端小程序"],
    "mechanism": ["工作机制", "协调机制", "联络员制度", "服务清单", "工作台账", "评价指标体系", "激励机制",
                  "信息通报制度", "绩效评价办法", "动态调整机制", "容错纠错机制", "首问负责制", "会商制度", "督办制度",
                  "应急响应预案"],
    "activity": ["专题培训", "政策宣讲", "供需对接会", "典型案例评选", "实务研讨", "走访调研", "业务交流", "巡回服务",
                 "现场咨询", "线上直播讲座", "沙龙活动", "技能竞赛", "观摩交流"],
    "beneficiary": ["创新型中小企业", "高新技术企业", "专精特新企业", "科技型初创企业", "规模以上工业企业", "外贸企业",
                    "高校院所", "新型研发机构", "个体工商户", "农业经营主体", "留学回国人员创办企业", "链主企业"],
    "service": ["政策咨询", "检索查新", "价值评估", "风险排查", "布局规划", "纠纷调处", "登记备案", "运营对接",
                "人才培训", "信息推送", "合规体检", "证据固定", "法律援助", "数据分析"],
    "resource": ["专项资金", "财政资金", "政府引导基金", "服务券", "奖补资金", "贴息资金"],
    "mode": ["“政府+机构+企业”", "“线上+线下”", "“一站式”", "“菜单式”", "“订单式”", "“揭榜挂帅”", "“链长+链主”"],
    "carrier": ["服务工作站", "联合实验室", "实训基地", "服务联盟", "创新联合体", "专家工作室", "孵化载体"],
    "neighbour": ["长三角地区", "周边省市", "京津冀地区", "粤港澳大湾区", "兄弟城市", "对口合作地区"],
    "shared": ["检测结果", "评价结果", "专家资源", "信用信息", "服务资源", "执法线索"],
    "post": ["知识产权专员", "服务联络员", "首席知识产权官", "合规顾问", "技术经纪人"],
    "paper": ["服务指引", "操作规程", "工作细则", "评价规范", "合同示范文本", "风险提示手册"],
    "fast": ["最多跑一次", "不见面审批", "告知承诺", "容缺受理", "即来即办"],
    "honour": ["国家级示范称号", "省级优势企业认定", "中国专利奖", "行业标杆称号", "质量奖"],
    "site": ["产业园区", "商务楼宇", "高校科技园", "特色小镇", "开发区", "孵化器"],
    "assessment": ["年度绩效考核", "营商环境评价", "高质量发展综合考核", "部门目标责任考核"],
    "period": ["年", "季度", "半年"],
    "year": ["2025", "2026", "2027", "2028"],
    "metric": ["服务覆盖企业数", "培训从业人员人次", "办理登记件数", "入驻服务机构数", "办结案件数"],
    "support": ["资金", "人员", "场地", "数据"],
    "credit": ["信用档案", "公共信用信息平台"],
    "channel": ["投诉举报", "意见反馈", "咨询受理", "诉求办理"],
    "follow": ["限时办结", "逐件回访", "建档跟踪"],
    "adviser": ["高校学者", "执业律师", "资深审查员", "行业专家", "退休法官"],
    "advice": ["论证意见", "决策参考", "专业指导"],
    "capability": ["监测预警", "存证取证", "智能检索", "精准推送"],
    "principle": ["谁主管、谁负责", "属地管理、分级负责", "统一标准、分步实施"],
    "duty": ["主体责任", "属地责任", "监管责任"],
    "count": ["两", "三"],
    "favour": ["评优评先", "项目申报", "资金安排"],
    "body": ["行业协会", "产业联盟", "商会", "学会"],
    "conduct": ["自律规范", "诚信经营", "抱团出海", "协同创新"],
    "review": ["满意度测评", "第三方评估", "“回头看”", "专项督查"],
    "outcome": ["续期", "调整", "退出"],
    "list": ["任务清单", "责任清单", "项目清单"],
    "pace": ["挂图作战", "销号管理", "月报季评"],
    "publicity": ["宣传报道", "典型推广", "舆论引导"],
    "media": ["报刊", "广播电视", "新媒体", "户外屏幕"],
    "climate": ["尊重知识", "崇尚创新", "诚信守法"],
    "level": ["国家", "省级", "市级"],
    "match": ["一比一", "一定比例", "最高限额"],
    "talent": ["人才引进", "职称评定", "薪酬激励", "继续教育"],
    "perk": ["落户", "住房", "子女入学", "医疗保障"],
    "span": ["跨部门", "跨区域", "跨层级"],
    "reuse": ["一次采集、多方复用", "一网通查", "结果互认"],
}
TEMPLATES = [
    "由{dept}牵头，会同{dept}建立{mechanism}，明确职责分工和完成时限。",
    "依托{platform}，为{beneficiary}提供{service}、{service}、{service}等服务。",
    "对{beneficiary}委托第三方开展{service}的，按照实际发生费用的{n:3-6}0%给予补助，单个单位每年最高不超过{n:5-50}万元。",
    "每{period}组织开展{activity}不少于{n:2-12}场次，惠及{beneficiary}{n:50-500}家以上。",
    "将{topic}纳入{assessment}，定期通报进展情况。",
    "探索{mode}服务模式，在{industry}等领域先行先试，成熟后逐步推广。",
    "支持{actor}与{actor}共建{carrier}，联合开展{activity}。",
    "{resource}优先支持{industry}产业链关键环节。",
    "加强与{neighbour}的协作，推动{shared}互认共享。",
    "对弄虚作假、违反承诺的，依法依规取消资格、追回资金，并记入{credit}。",
    "到{year}年，{metric}达到{n:20-900}以上。",
    "{dept}按职责做好{support}保障。",
    "及时总结{topic}中的好经验好做法，适时召开现场推进会。",
    "鼓励{beneficiary}设立{post}，配备专职人员。",
    "制定{topic}{paper}，统一办理口径。",
    "简化办理程序，{n:3-15}个工作日内完成审核，实行“{fast}”办理。",
    "对获得{honour}的单位，给予一次性奖励{n:10-100}万元。",
    "引导社会资本参与，形成政府引导、市场主导、多元投入的格局。",
    "在{site}设立服务站点，就近提供{service}和{service}。",
    "建立{topic}项目库，实行入库培育、分类指导、动态管理。",
    "畅通{channel}渠道，对群众反映的问题{follow}。",
    "聘请{adviser}组成顾问团，为重大疑难事项提供{advice}。",
    "运用大数据、区块链等技术手段，提升{capability}能力。",
    "按照“{principle}”的原则，压实{duty}。",
    "对连续{count}年考核优秀的，在{favour}中予以倾斜。",
    "充分发挥{body}的桥梁纽带作用，引导会员单位{conduct}。",
    "开展{review}，评估结果向社会公开并作为{outcome}的依据。",
    "编制年度工作计划，细化{list}，实行{pace}。",
    "加大{publicity}力度，利用{media}等载体营造{climate}的社会氛围。",
    "支持符合条件的{beneficiary}申报{level}相关试点示范，获批后按{match}给予配套支持。",
    "完善{talent}政策，对紧缺人才在{perk}方面给予便利。",
    "推动{span}数据互联互通，实现{reuse}。",
]
_SLOT = re.compile(r"\{(\w+)(?::(\d+)-(\d+))?\}")


def fill(rng: random.Random, template: str, topic: str) -> str:
    """A template with its slots filled; a slot that occurs twice gets two different words."""
    pools = {**SLOTS, "industry": INDUSTRIES, "actor": ACTORS, "topic": [topic]}
    left: dict[str, list[str]] = {}

    def one(m: re.Match) -> str:
        if m.group(2):
            return str(rng.randint(int(m.group(2)), int(m.group(3))))
        if not left.get(m.group(1)):
            left[m.group(1)] = rng.sample(pools[m.group(1)], len(pools[m.group(1)]))
        return left[m.group(1)].pop()

    return _SLOT.sub(one, template)


# What only a clause on that subject would say: its own instruments, actors and figures.
DETAILS = {
    "知识产权服务业": ["对首次获评{level}品牌服务机构的，给予{n:10-50}万元奖励。",
                 "引导服务机构向研发设计、成果转化等产业链前端延伸，提供全链条服务。",
                 "推行服务合同备案和收费公示，遏制低价恶性竞争。",
                 "支持服务机构通过兼并重组做大做强，培育一批规模以上龙头机构。"],
    "专利转化运用": ["推动高校院所梳理未实施专利，经评估后以许可、作价入股等方式向企业转移。",
                 "对技术合同成交额超过{n:1-10}亿元的技术转移机构给予绩效奖励。",
                 "落实职务科技成果赋权改革，科研人员获得的转化收益不低于{n:5-8}0%。",
                 "组织专利拍卖和路演，促成企业与院所签订实施合同。"],
    "商标品牌建设": ["指导企业开展商标国际注册，防范品牌在境外被抢注。",
                 "挖掘老字号历史文化资源，支持其开发文创产品和进驻商圈。",
                 "建立重点商标保护名录，对名录内商标侵权案件优先查处。",
                 "鼓励行业协会注册集体商标，统一质量标准和使用规则。"],
    "知识产权保护": ["推行侵权纠纷快速处理机制，简易案件{n:10-30}日内结案。",
                 "在重点商圈和专业市场设立保护工作站，开展常态化巡查。",
                 "对恶意侵权、重复侵权行为依法从严处罚，并纳入失信联合惩戒。",
                 "健全行政执法与刑事司法衔接机制，及时移送涉嫌犯罪案件线索。"],
    "地理标志保护": ["建立产品生产者名录和质量追溯档案，实行“一品一码”管理。",
                 "组织专用标志使用核验，对不符合产品标准的取消使用资格。",
                 "推动地理标志产品进入商超、电商平台和出口渠道，带动农户增收。",
                 "结合乡村振兴，打造地理标志产业园和特色品牌村镇。"],
    "知识产权金融": ["推广“银行+保险+担保+评估”风险分担模式，对不良贷款损失给予{n:2-5}0%补偿。",
                 "对企业以专利、商标质押获得的贷款，按贷款利息的{n:3-6}0%给予贴息。",
                 "引导保险机构开发侵权损失险、海外维权费用险等产品，保费给予补贴。",
                 "支持发行以许可费收益为基础资产的证券化产品，拓宽直接融资渠道。"],
    "知识产权公共服务": ["推动公共服务事项进驻政务服务中心，实现“一窗受理、集成服务”。",
                   "编制公共服务事项清单，逐项明确服务内容、办理方式和联系渠道。",
                   "免费开放专利、商标、地理标志等基础数据，支持社会机构开发增值产品。",
                   "在高校图书馆和科技园区布设服务网点，提供文献查阅和检索指导。"],
    "专利导航": ["围绕重点产业链绘制专利地图，找准技术空白点和突破方向。",
              "将导航成果运用于招商引资、人才引进和技术攻关决策。",
              "对完成产业导航项目的承担单位，按合同金额给予不超过{n:20-50}万元支持。",
              "建立导航成果发布和共享机制，向产业链上下游企业推送分析报告。"],
    "数据知识产权": ["探索数据知识产权登记存证，登记证书可作为交易、质押的权属证明。",
                "明确数据来源合法性审查要求，保护个人信息和商业秘密。",
                "支持数据交易场所设立知识产权专区，开展数据产品挂牌交易。",
                "在{industry}等领域开展数据要素流通试点，形成可推广的制度规则。"],
    "知识产权人才": ["将知识产权专业人才纳入紧缺人才目录，在职称评审中单列评审组。",
                "支持高校开设知识产权第二学位和专业硕士项目。",
                "组织代理师资格考试考前辅导，对首次通过考试的给予一次性奖励。",
                "建设实务导师库，推行“双导师”培养和在岗实训。"],
    "海外知识产权纠纷应对": ["建立海外纠纷信息监测和预警发布机制，定期发布重点国家风险提示。",
                     "对企业应诉海外诉讼、“337调查”的律师费用按比例给予资助。",
                     "组建海外维权专家团，为出海企业提供应诉策略和证据准备指导。",
                     "联合行业协会建立海外维权互助基金，分担企业应对成本。"],
    "知识产权代理监管": ["对代理机构实行信用分级分类管理，低信用机构列为重点检查对象。",
                   "查处以不正当手段招揽业务、虚假宣传“包授权”等违法行为。",
                   "建立代理质量抽查制度，对申请文件质量问题突出的机构约谈整改。",
                   "公开代理机构执业信息和投诉处理结果，方便企业比较选择。"],
    "知识产权强企": ["支持企业按照国家标准建立知识产权管理体系，通过认证的给予奖励。",
                "指导企业设立知识产权管理部门，将知识产权指标纳入研发项目立项和验收。",
                "对入选示范企业的，在高新技术企业认定、科技项目申报中优先支持。",
                "开展企业知识产权合规体检，帮助识别研发、生产、销售环节的风险。"],
    "集成电路和植物新品种": ["开通布图设计登记咨询专线，指导企业规范提交图样和样品。",
                     "加强种子生产经营许可与品种权保护衔接，打击套牌侵权。",
                     "建立品种权纠纷技术鉴定机构名录，缩短鉴定周期。",
                     "支持育种单位与种业企业开展品种权许可和联合育种。"],
    "知识产权纠纷调解": ["在知识产权保护中心设立调解室，调解协议可依法申请司法确认。",
                   "选聘具有法律或技术背景的人员担任调解员，实行持证上岗。",
                   "推行诉前委派调解，调解成功的案件减免诉讼费用。",
                   "建立线上调解平台，当事人可远程提交材料和参加调解。"],
}
SUBJECT_NAME = {item: name for name, items in SUBJECTS.items() for item in items}


def body(rng: random.Random, items: list[str], lead: str, n: int) -> str:
    """`n` sentences of a clause's body: what is done, by whom, with what money, by when. Often one of them is
    what only its subject would say; at most one names a work item of the subject, and never the lead-in's own."""
    topic = rng.choice([i for i in items if i not in lead] or GENERAL)
    own = DETAILS[SUBJECT_NAME[items[0]]] if items[0] in SUBJECT_NAME else []
    templates = rng.sample(TEMPLATES, n)
    if own and rng.random() < 0.6:
        templates[0] = rng.choice(own)
    out = []
    for template in templates:
        out.append(fill(rng, template, topic))
        topic = topic if topic not in out[-1] else rng.choice(GENERAL)
    return "".join(out)


# What a bureau issues besides measures: most of a year's numbered documents are notices (calls for
# applications, published lists, training, campaigns), and its service guides say how to get a thing done.
KIND_SHARES = {"measure": 0.3, "notice": 0.5, "guide": 0.2}
# Who issues them: a province's own bureau, or one of its cities or districts. A province has a dozen or more
# cities and each has its bureau, its service windows and its yearly notices, so most of a provincial
# knowledge base is local: here a quarter comes from the province's bureau, about as much as three or four
# of its cities together. (Before, 70 % did: dozens of province-wide documents on every subject.)
PROVINCE_SHARE = 0.25
INDUSTRIES = ["集成电路", "生物医药", "人工智能", "新能源汽车", "高端装备", "新材料", "软件和信息服务", "纺织服装",
              "现代农业", "文化创意", "海洋经济", "节能环保", "航空航天", "智能家电", "食品加工", "精细化工"]
FIRMS = ["科技有限公司", "股份有限公司", "研究院", "技术有限公司", "集团有限公司", "知识产权代理有限公司"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙朱马胡郭林何高罗"
LIST_KINDS = ["示范单位", "优势企业", "试点单位", "培育对象", "服务机构", "项目立项"]


def firm(rng: random.Random, place: str) -> str:
    return f"{place.removesuffix('市')[-2:]}{rng.choice(['恒', '瑞', '华', '盛', '博', '联', '创', '科'])}" \
           f"{rng.choice(['达', '信', '通', '新', '源', '泰', '安', '远'])}{rng.choice(INDUSTRIES)}{rng.choice(FIRMS)}"


def phone(rng: random.Random) -> str:
    return f"0{rng.choice([21, 25, 512, 571, 20, 10, 591, 551, 531])}-{rng.randint(52000000, 69999999)}"


def measure_body(rng: random.Random, items: list[str], title: str) -> list[str]:
    aim = f"{rng.choice(VERBS)}{rng.choice(items)}，{rng.choice(TAILS)}"
    lines = [title, "", f"为{aim}，根据有关规定，结合实际，制定本{title[-4:]}。", ""]
    item_no = 0
    for s, section in enumerate(rng.sample(SECTIONS, rng.randint(2, 4)), start=1):
        lines += [f"{'一二三四五六'[s - 1]}、{section}", ""]
        for p in range(1, rng.randint(2, 3) + 1):
            lines += [f"（{'一二三四五'[p - 1]}）{rng.choice(VERBS)}{rng.choice(items)}", ""]
            for _ in range(rng.randint(1, 3)):
                item_no += 1
                lead = f"{rng.choice(VERBS)}{rng.choice(items)}。"
                lines += [f"{item_no}. {lead}" + body(rng, items, lead, rng.randint(2, 4)), ""]
    return lines


NOTICE_TITLES = ["关于组织申报{year}年度{item}项目的通知", "关于公布{year}年度{item}名单的通知",
                 "关于举办{year}年{item}培训班的通知", "关于开展{year}年{item}专项行动的通知"]


def notice_body(rng: random.Random, kind: int, item: str, year: int, place: str) -> list[str]:
    """A call for applications, a published list, a training course or a campaign (NOTICE_TITLES[kind])."""
    deadline = f"{year}年{rng.randint(3, 11)}月{rng.randint(1, 28)}日"
    industry = rng.choice(INDUSTRIES)
    if kind == 0:
        lines = [f"现将{year}年度{item}项目申报工作有关事项通知如下：", "",
                 "一、申报条件", "",
                 f"（一）在{place}{rng.choice(['依法注册', '登记注册', '注册并纳税'])}、"
                 f"{rng.choice(['具有独立法人资格', '财务制度健全', '运营状况良好'])}的企事业单位；", "",
                 f"（二）主营业务属于{industry}等重点产业领域，近{rng.choice(['两', '三'])}年"
                 f"{rng.choice(['无严重失信记录', '未发生重大安全和环保事故', '无知识产权侵权行为'])}；", "",
                 f"（三）拥有有效发明专利{rng.randint(2, 30)}件以上，"
                 f"{rng.choice(['设有知识产权管理部门', '建立知识产权管理制度', '配备专职知识产权管理人员'])}。", "",
                 "二、支持方式", "",
                 f"经评审立项的项目给予最高{rng.choice([10, 20, 30, 50, 80])}万元资助，分两期拨付，"
                 f"项目实施期为{rng.choice(['一', '两'])}年。", "",
                 "三、申报材料", "",
                 "申报书、营业执照复印件、近一年财务审计报告、知识产权权属证明，一式两份并附电子版。", ""]
    elif kind == 1:
        count = rng.randint(8, 60)
        names = "、".join(firm(rng, place) for _ in range(rng.randint(3, 6)))
        listing = rng.choice(LIST_KINDS)
        lines = [f"经单位申报、各地推荐、专家评审和网上公示，确定{names}等{count}家单位为{year}年度{item}{listing}，"
                 "现予公布。", "",
                 f"请入选单位发挥示范带动作用，{rng.choice(VERBS)}{item}。各地要加强跟踪指导，对入选单位实行动态管理，"
                 f"有效期{rng.choice(['两', '三'])}年。", "",
                 f"附件：{year}年度{item}{listing}名单", ""]
    elif kind == 2:
        lines = [f"为提升{industry}企业{item}能力，定于{deadline}举办{item}培训班，有关事项通知如下：", "",
                 "一、培训内容", "",
                 f"{item}政策解读、典型案例分析、{rng.choice(['实务操作', '现场交流', '专家答疑'])}。", "",
                 "二、参训对象", "",
                 f"各{rng.choice(['区', '市', '园区'])}知识产权管理部门工作人员，{industry}企业知识产权负责人，"
                 f"每单位限报{rng.randint(1, 3)}人。", "",
                 "三、报名方式", "",
                 f"请于培训前五个工作日通过在线平台报名，培训不收取费用。", ""]
    else:
        lines = [f"为{rng.choice(VERBS)}{item}，决定于{year}年在{place}开展{item}专项行动，现就有关事项通知如下：", "",
                 "一、行动目标", "",
                 f"到{year}年底，{rng.choice(['累计', '新增'])}{item}{rng.randint(10, 300)}件（项），"
                 f"重点覆盖{industry}等产业。", "",
                 "二、工作安排", "",
                 f"动员部署（{year}年{rng.randint(1, 4)}月）、集中推进（{rng.randint(5, 9)}月至{rng.randint(10, 11)}月）、"
                 "总结评估（12月）三个阶段。", ""]
    lines += [f"{'四' if kind in (0, 2) else '三'}、工作要求", "", body(rng, SUBJECT_OF[item], item, 2), "",
              f"联系人：{rng.choice(SURNAMES)}老师，电话：{phone(rng)}。申报或报名截止时间：{deadline}。", ""]
    return lines


def guide_body(rng: random.Random, item: str, place: str, issuer: str) -> list[str]:
    """A service guide: what one matter needs, how it is handled, how long it takes, whom to ask."""
    days = rng.choice([5, 7, 10, 15, 20, 30])
    return [f"一、事项名称：{item}", "",
            f"二、实施机构：{issuer}{rng.choice(['', '综合服务窗口', '业务处'])}", "",
            f"三、受理条件：在{place}注册登记的企事业单位、社会组织和个人，申请事项属于{item}范围。", "",
            f"四、申请材料：申请表、身份证明或营业执照复印件、{rng.choice(['权属证明', '合同文本', '相关证明材料'])}，"
            f"材料需加盖公章。", "",
            f"五、办理流程：网上提交或窗口递交材料，{rng.choice(['受理审查', '形式审查'])}后"
            f"{rng.choice(['出具结论', '发放证明', '公示结果'])}。", "",
            f"六、办理时限：材料齐全之日起{days}个工作日内办结。", "",
            f"七、收费标准：{rng.choice(['不收费', '不收取费用', '按国家规定标准收取'])}。", "",
            f"八、咨询电话：{phone(rng)}，工作日上午9:00—11:30，下午13:30—17:00。", "",
            f"九、其他说明：{body(rng, SUBJECT_OF[item], item, 1)}", ""]


def document(rng: random.Random, n: int, shares: dict[str, float] = KIND_SHARES,
             province_share: float = PROVINCE_SHARE) -> str:
    province, short, subunit, places = rng.choice(PROVINCES)
    city = rng.choice(places) if rng.random() >= province_share else None
    if city:
        subunit = "区（县）" if city.endswith("市") else "街道（镇）"
    issuer = f"{city or province}知识产权局"
    year = rng.randint(2018, 2026)
    number = f"{short}知{rng.choice(['局', '发', '规'])}〔{year}〕{rng.randint(1, 120)}号"
    subject = rng.choice(list(SUBJECTS))
    items = SUBJECTS[subject]
    place = city or province
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    kind = rng.choices(list(shares), weights=list(shares.values()))[0]
    item = rng.choice(items)
    if kind == "guide":
        title = f"{place}{item}办事指南"
        area = place if place.startswith(province) else province + place  # as a 政务服务网 page shows it
        lines = [title, "", f"发布机构：{issuer}", "", f"所属地区：{area}", "", f"更新日期：{year}年{month}月{day}日", ""]
        return "\n".join(lines + guide_body(rng, item, place, issuer))
    if kind == "notice":
        notice = rng.randrange(len(NOTICE_TITLES))
        title = NOTICE_TITLES[notice].format(year=year, item=item)
        lines = [f"{issuer}文件", "", number, "", title, "", f"各{subunit}知识产权局，各有关单位：", ""]
        return "\n".join(lines + notice_body(rng, notice, item, year, place) + [issuer, "", f"{year}年{month}月{day}日"])
    title = f"{place if rng.random() < 0.7 else ''}关于{rng.choice(VERBS)}{subject}的{rng.choice(KINDS)}"
    lines = [f"{issuer}文件", "", number, "", f"关于印发《{title}》的通知", "",
             f"各{subunit}知识产权局，各有关单位：", "",
             f"现将《{title}》印发给你们，请结合实际认真贯彻落实。", "", issuer, "", f"{year}年{month}月{day}日", ""]
    lines += measure_body(rng, items, title)
    if rng.random() < 0.5:
        start = year + (1 if month > 10 else 0)
        lines += [f"本{title[-2:]}自{start}年{rng.randint(1, 12)}月1日起施行，有效期{rng.choice(['三', '五'])}年。", ""]
    lines += [issuer, "", f"{year}年{month}月{day}日印发"]
    return "\n".join(lines)


def realism(clauses: list, chars: int = 12000) -> tuple[float, int]:
    """Two figures to hold generated text against the bureau's: the share of clauses whose lead-in's work item
    (the heading without its first verb) comes back in the body, and how many different character pairs the
    first `chars` Chinese characters of the clauses (in id order) hold."""
    def cjk(text: str) -> str:
        return re.sub(r"[^\u4e00-\u9fff]", "", text)

    led = [c for c in clauses if len(c.heading) >= 5]
    repeated = sum(cjk(c.heading)[2:] in cjk(c.text).removeprefix(cjk(c.heading)) for c in led)
    text = "".join(cjk(c.text) for c in sorted(clauses, key=lambda c: c.id))[:chars]
    return repeated / max(1, len(led)), len({text[i:i + 2] for i in range(len(text) - 1)})


def kind_shares(measures: float | None) -> dict[str, float]:
    """The default mix, or `measures` of measures and the rest notices and guides in the default proportion."""
    if measures is None:
        return KIND_SHARES
    if not 0 <= measures <= 1:
        raise ValueError("措施的比例应在 0 到 1 之间")
    rest = 1 - KIND_SHARES["measure"]
    return {"measure": measures, "notice": (1 - measures) * KIND_SHARES["notice"] / rest,
            "guide": (1 - measures) * KIND_SHARES["guide"] / rest}


def generate(out: Path, docs: int, seed: int = 1, with_real: bool = False, measures: float | None = None,
             province_share: float = PROVINCE_SHARE) -> int:
    if not 0 <= province_share <= 1:
        raise ValueError("省级文件的比例应在 0 到 1 之间")
    rng = random.Random(seed)
    shares = kind_shares(measures)
    policies = out / "policies"
    policies.mkdir(parents=True, exist_ok=True)
    for n in range(docs):
        (policies / f"gen-{n:05d}.txt").write_text(document(rng, n, shares, province_share), encoding="utf-8")
    count = docs
    if with_real:
        root = Path(__file__).resolve().parent.parent
        for path in sorted((root / "knowledge" / "policies").glob("*.txt")):
            shutil.copy(path, policies / path.name)
            count += 1
        # the bureau's own files beside its documents: its jargon, and the questions asked before (without them
        # the bureau's documents would be ranked as if nobody had ever asked about them)
        for name in ("synonyms.yaml", "asked.jsonl"):
            shutil.copy(root / "knowledge" / name, out / name)
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
    parser.add_argument("--measures", type=float, help=f"share of measures (default {KIND_SHARES['measure']}; "
                                                       "1: measures only, every document a rival answer)")
    parser.add_argument("--province-share", type=float, default=PROVINCE_SHARE,
                        help=f"share issued by a province's own bureau, the rest by its cities and districts "
                             f"(default {PROVINCE_SHARE}; 0.7 before)")
    args = parser.parse_args()
    count = generate(args.out, args.docs, args.seed, args.with_real, args.measures, args.province_share)
    print(f"{count} 份文档写入 {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
