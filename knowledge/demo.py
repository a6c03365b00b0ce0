"""The 夔北街道 demo's knowledge base, synonyms and reply templates (operations.demo loads them).

Idempotent: entries are matched by question, synonym groups by their first word, templates by name.
The answers are written as a sub-district would write them; the rules they describe are the demo's,
not any real city's.
"""

from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from cases.models import Category

from .models import Entry, ReplyTemplate, Synonym

# question, other ways of asking, answer, source, category code (or None), days until review
# (negative: already past its review date, so the demo shows the flag)
ENTRIES = [
    (
        "高龄津贴怎么申请?",
        "老人补贴、老年补贴、八十岁补贴、高龄补贴、长寿金",
        "年满80周岁、户籍在本街道的老人可以申请高龄津贴。带上老人的身份证、户口本和本人银行卡(或存折),"
        "到户籍所在社区居委会填一张申请表就行,行动不便的可以由家属代办,也可以请社区上门办理。审核通过后"
        "从次月起按月发到银行卡上:80至89岁每月100元,90至99岁每月200元,100岁以上每月500元。",
        "《重庆市高龄津贴发放管理办法》;街道民政办",
        None,
        180,
    ),
    (
        "居住证明去哪里开?",
        "开居住证明、住址证明、居住地证明、租房证明",
        "居住证明由您居住地的社区居委会开具。请带上身份证,以及房产证或租房合同(租房的还需要房东的身份证复印件),"
        "到社区居委会窗口办理,一般当场可以开好。如果是办理居住证,请到派出所户籍窗口。",
        "街道社区事务办",
        None,
        120,
    ),
    (
        "低保怎么申请?",
        "最低生活保障、吃低保、生活困难补助、困难补贴",
        "家庭人均收入低于本地低保标准、家庭财产符合规定的,可以申请最低生活保障。由户主或家庭成员带身份证、"
        "户口本、收入证明到户籍所在社区提出申请,社区会入户调查并公示,街道审核、区民政局审批。整个过程一般"
        "不超过30个工作日,结果会书面告诉您。",
        "《社会救助暂行办法》;街道民政办",
        None,
        90,
    ),
    (
        "残疾人证怎么办理?",
        "残疾证、办残疾证、残联证件、残疾鉴定",
        "带上身份证、户口本和近期两寸免冠照片3张,先到社区或街道残联专干处填写申请表,再到区残联指定的医院"
        "做残疾评定。评定合格后由区残联发证,一般在评定后20个工作日内可以领取。行动不便的可以申请上门评定。",
        "区残疾人联合会;街道残联专干",
        None,
        150,
    ),
    (
        "城乡居民医保怎么缴费?",
        "医保缴费、交医保、医疗保险、合作医疗、社保卡缴费",
        "城乡居民医保每年9月到12月集中缴纳下一年的费用。可以用微信或支付宝搜索“重庆税务”缴费,也可以到银行"
        "网点或社区便民服务站缴纳。新生儿、新入户的居民可以随时参保。不会操作的老人可以到社区代办岗请志愿者帮忙。",
        "区医疗保障局;街道社保所",
        None,
        60,
    ),
    (
        "独生子女父母奖励怎么领?",
        "独生子女费、独生子女补贴、独生子女奖励金、计生奖励",
        "持有《独生子女父母光荣证》的父母,符合条件的可以按规定领取奖励。请带上光荣证、身份证、户口本到户籍"
        "所在社区申请,社区初审后报街道卫生健康办审核。年满60周岁的,还可以申请农村部分计划生育家庭奖励扶助。",
        "街道卫生健康办",
        None,
        -10,
    ),
    (
        "公租房怎么申请?",
        "公共租赁住房、廉租房、申请住房、保障房",
        "在本区工作或居住、本人及家庭在本区无住房(或人均住房面积低于规定)的,可以申请公租房。申请时带身份证、"
        "户口本、婚姻状况证明、收入证明和住房情况说明,到街道便民服务中心住房保障窗口提交。审核通过后参加"
        "摇号配租,结果会短信通知。",
        "区住房保障中心;街道便民服务中心",
        "property",
        200,
    ),
    (
        "养狗要登记吗?犬只怎么办证?",
        "狗证、养狗办证、犬只登记、宠物狗登记、遛狗",
        "在城区养狗需要登记。请带上身份证、房产证或租房合同、狂犬疫苗接种证明,到辖区派出所或指定的犬只登记点"
        "办理,每只犬每年要按时复检和注射疫苗。遛狗时要拴绳,及时清理粪便;烈性犬禁止饲养。",
        "《重庆市养犬管理暂行办法》;辖区派出所",
        "sanitation",
        30,
    ),
    (
        "垃圾怎么分类?",
        "垃圾分类、厨余垃圾、可回收物、有害垃圾、扔垃圾",
        "生活垃圾分四类:可回收物(纸、塑料瓶、金属、旧衣服)、厨余垃圾(剩菜剩饭、果皮)、有害垃圾(废电池、"
        "过期药品、灯管)和其他垃圾。各小区的分类投放点都贴有说明;大件家具和装修垃圾请预约清运,不要放在楼道里。",
        "《重庆市生活垃圾管理条例》;街道环卫所",
        "sanitation",
        -30,
    ),
    (
        "小区停车位怎么办理?",
        "停车、车位、停车费、停车难、乱停车",
        "小区内的停车位由物业服务企业管理,请带上行驶证和身份证到小区物业服务中心办理停车登记。停车收费标准"
        "应当在物业服务中心公示。路边停车位由城管部门施划,乱停车可以拨打城管热线或在本平台反映。",
        "街道物业科;区城市管理局",
        "property",
        100,
    ),
    (
        "停水停电了怎么查原因?",
        "停水、停电、没水、没电、计划停电",
        "计划停水停电会提前在小区公告栏和供水、供电公司的公众号上通知。突然停水请拨打自来水公司热线,突然停电"
        "请拨打95598。如果只有您一家停电,请先检查家里的电闸;楼栋或小区停了很久,可以在本平台反映,我们会"
        "联系水电气服务站。",
        "街道水电气服务站",
        "utilities",
        45,
    ),
    (
        "装修噪音可以在什么时间施工?",
        "装修噪音、施工时间、电钻声、吵得很",
        "住宅装修产生噪声的施工,应当在工作日的8:00至12:00、14:00至18:00进行,法定节假日和周末不得进行"
        "产生噪声的装修作业。遇到违规施工,可以先联系物业,物业劝阻无效的可以在本平台反映。",
        "《重庆市环境噪声污染防治办法》;街道城管科",
        "noise",
        75,
    ),
    (
        "老旧小区加装电梯怎么申请?",
        "加电梯、装电梯、加装电梯补贴、老楼电梯",
        "同一单元的业主协商一致(一般需要专有部分面积和人数都占三分之二以上同意,其余业主不反对),由业主代表"
        "向社区提出申请,街道会组织现场踏勘和方案公示。符合条件的可以申请财政补助。具体流程可以到社区居委会咨询。",
        "区住房和城乡建设委员会;街道规划建设办",
        "property",
        365,
    ),
    (
        "临时救助怎么申请?",
        "急难救助、突发困难、看病没钱、生活救急",
        "因火灾、交通事故、突发重病等原因,家庭生活暂时出现严重困难的,可以申请临时救助。带上身份证和相关证明"
        "材料到社区或街道民政办提出申请;情况紧急的,街道可以先行救助,再补办手续。",
        "《社会救助暂行办法》;街道民政办",
        None,
        120,
    ),
]
# A draft, to show that the public and volunteers do not see one until it is published.
DRAFT = (
    "2027年高龄津贴标准调整",
    "新标准、津贴涨了",
    "(草稿,待民政办确认)2027年起高龄津贴标准拟调整,具体以正式文件为准。",
    "街道民政办",
    None,
    30,
)
SYNONYMS = [
    ("高龄津贴、高龄补贴、老人补贴、老年补贴、老年人补贴、长寿金、尊老金", "高龄津贴的各种叫法"),
    ("低保、最低生活保障、低保金", ""),
    ("残疾人证、残疾证、残联证", ""),
    ("医保、医疗保险、合作医疗", ""),
    ("公租房、公共租赁住房、廉租房", ""),
    ("犬只、狗、宠物狗", ""),
    ("居住证明、住址证明", ""),
    ("电梯、加梯", ""),
]
# name, use, category code (None: every category), text
TEMPLATES = [
    (
        "维修完成(通用)",
        "complete",
        "infrastructure",
        "已安排维修人员上门,损坏部件已更换并试用正常。诉求编号{number},如仍有问题请再次反映。",
    ),
    (
        "清理完成",
        "complete",
        "sanitation",
        "{community}反映的垃圾和卫生问题已由环卫人员清理完毕,已告知物业加强日常保洁。",
    ),
    ("路灯井盖修复", "complete", "municipal", "市政人员已到现场处理,设施已修复,并做了安全检查。"),
    ("已劝阻噪音", "complete", "noise", "已到现场劝阻,施工方承诺按规定时间施工;如再有违规,请再次反映。"),
    ("不属于受理范围", "reject", None, "您反映的问题不属于本平台受理范围,建议您向相关部门咨询。"),
    (
        "重复提交",
        "reject",
        None,
        "您反映的问题已有诉求正在办理,我们会在原诉求中一并处理,请留意原诉求的进度。",
    ),
    (
        "信息不全",
        "reject",
        None,
        "诉求缺少具体位置,无法安排办理。请补充详细地址后重新提交,或到{community}代办岗由志愿者帮您提交。",
    ),
    ("不属于本部门", "return", None, "经核实,诉求{number}不属于{department}的职责范围,请重新派单。"),
    ("地址不清", "return", None, "现场未找到反映的位置,请受理员联系居民核实地址后再派单。"),
    ("产权不属于本部门", "dispute", None, "该设施产权不属于{department},按责任清单应由其他部门办理。"),
    (
        "答复已发送",
        "sms",
        None,
        "您的诉求{number}已答复,详细内容请查看办理进度页面。如有疑问请联系{community}代办岗。",
    ),
    ("预约提醒", "sms", None, "您的诉求{number}:{department}预约{appointment}上门,请保持电话畅通。"),
]


def load_knowledge(keeper: User | None = None) -> int:
    """The demo entries, synonyms and templates; run again, it updates the same rows."""
    today = timezone.localdate()
    categories = {c.code: c for c in Category.objects.all()}
    for question, aliases, answer, source, category, days, status in [
        *((*row, Entry.Status.PUBLISHED) for row in ENTRIES),
        (*DRAFT, Entry.Status.DRAFT),
    ]:
        Entry.objects.update_or_create(
            question=question,
            defaults={
                "aliases": aliases,
                "answer": answer,
                "source": source,
                "category": categories.get(category) if category else None,
                "review_by": today + timedelta(days=days),
                "keeper": keeper,
                "status": status,
            },
        )
    for words, note in SYNONYMS:
        first = words.split("、", 1)[0]
        existing = next((s for s in Synonym.objects.all() if s.word_list()[:1] == [first]), None)
        if existing is None:
            Synonym.objects.create(words=words, note=note)
        else:
            existing.words, existing.note = words, note
            existing.save()
    for sort, (name, use, category, text) in enumerate(TEMPLATES):
        ReplyTemplate.objects.update_or_create(
            name=name,
            use=use,
            defaults={"category": categories.get(category) if category else None, "text": text, "sort": sort},
        )
    return len(ENTRIES) + 1
