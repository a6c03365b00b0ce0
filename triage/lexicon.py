"""The demo's keyword lexicon: words that point to each of the demo categories (cases/demo.py).

Which category is right for the confusable problems follows the categories' own descriptions
(the same rule as triage/eval/README.md):
- a pipe, tap, light, door or window of the building that is broken or leaks: 基础设施维修;
- no water, power or gas at all, low pressure, a smell of gas, the meters: 水电气;
- things on the street (road, manhole, street light 路灯, street drains): 市政设施;
- the property company's service: lifts, parking, gates and guards, greenery, fees: 物业管理;
- rubbish, sewage and dirt, pests: 环境卫生; noise of any source: 噪音扰民.

Weights: 1 for an ordinary hint, 2 for a strong one, 3 for a word that nearly always means that
category. Words are matched on characters and on sound (triage.suggest), so dialect and transcript
spellings need no entries of their own unless they sound different (莫得 for 没得).
"""

from django.db import transaction

from cases.models import Category

from .models import CategoryKeyword

LEXICON: dict[str, list[tuple[str, float]]] = {
    "infrastructure": [
        ("楼道灯", 3),
        ("声控灯", 3),
        ("感应灯", 2),
        ("灯泡", 2),
        ("灯不亮", 2),
        ("水龙头", 3),
        ("龙头", 2),
        ("水管", 2),
        ("漏水", 2),
        ("渗水", 2),
        ("爆管", 2),
        ("下水管", 2),
        ("门窗", 2),
        ("窗户", 2),
        ("玻璃", 1),
        ("单元门", 3),
        ("门禁", 2),
        ("防盗门", 2),
        ("扶手", 2),
        ("栏杆", 2),
        ("楼梯", 1),
        ("台阶", 1),
        ("墙皮", 2),
        ("掉灰", 1),
        ("屋顶", 2),
        ("漏雨", 2),
        ("信报箱", 2),
        ("坏了", 0.5),
        ("维修", 0.5),
    ],
    "sanitation": [
        ("垃圾", 3),
        ("垃圾桶", 3),
        ("垃圾站", 3),
        ("清运", 2),
        ("臭", 2),
        ("异味", 2),
        ("污水", 2),
        ("化粪池", 3),
        ("粪水", 3),
        ("卫生死角", 3),
        ("脏", 1),
        ("蚊子", 2),
        ("苍蝇", 2),
        ("蟑螂", 2),
        ("老鼠", 2),
        ("打扫", 2),
        ("保洁", 2),
        ("狗屎", 2),
        ("建筑垃圾", 3),
        ("渣土", 2),
        ("杂物", 1),
        ("堆放", 1),
    ],
    "property": [
        ("物业", 2),
        ("电梯", 3),
        ("困人", 2),
        ("停车", 2),
        ("车位", 3),
        ("占道", 1),
        ("消防通道", 2),
        ("保安", 2),
        ("门卫", 2),
        ("大门", 1),
        ("道闸", 2),
        ("绿化", 2),
        ("修剪", 1),
        ("物业费", 3),
        ("公共设施", 1),
        ("监控", 1),
        ("充电桩", 2),
        ("车库", 2),
        ("电动车", 1),
    ],
    "municipal": [
        ("路灯", 3),
        ("路灯不亮", 3),
        ("井盖", 3),
        ("马路", 2),
        ("路面", 2),
        ("道路", 2),
        ("坑", 1),
        ("人行道", 2),
        ("排水", 2),
        ("下水道", 2),
        ("雨水", 1),
        ("积水", 2),
        ("红绿灯", 2),
        ("公交站", 2),
        ("护栏", 2),
        ("地砖", 1),
        ("窨井", 3),
        ("桥", 1),
    ],
    "noise": [
        ("噪音", 3),
        ("吵", 2),
        ("扰民", 3),
        ("施工", 2),
        ("装修", 2),
        ("电钻", 2),
        ("打桩", 2),
        ("工地", 1),
        ("广场舞", 3),
        ("音响", 2),
        ("喇叭", 2),
        ("半夜", 1),
        ("凌晨", 1),
        ("睡不着", 2),
        ("麻将", 2),
        ("唱歌", 2),
        ("夜宵", 1),
    ],
    "utilities": [
        ("停水", 3),
        ("没水", 3),
        ("没得水", 3),
        ("莫得水", 3),
        ("断水", 3),
        ("水压", 2),
        ("水小", 2),
        ("停电", 3),
        ("没电", 3),
        ("断电", 3),
        ("跳闸", 2),
        ("电压", 2),
        ("燃气", 3),
        ("天然气", 3),
        ("煤气", 3),
        ("停气", 3),
        ("气味", 1),
        ("水表", 2),
        ("电表", 2),
        ("气表", 2),
        ("水费", 2),
        ("电费", 2),
        ("自来水", 2),
        ("水黄", 2),
        ("浑水", 2),
    ],
    "other": [
        ("咨询", 2),
        ("补贴", 2),
        ("社保", 3),
        ("医保", 3),
        ("证明", 2),
        ("建议", 1),
        ("流浪狗", 2),
        ("流浪猫", 2),
        ("邻居", 1),
        ("纠纷", 2),
        ("养老", 2),
        ("低保", 3),
        ("办证", 2),
    ],
}


@transaction.atomic
def load_lexicon(lexicon: dict[str, list[tuple[str, float]]] | None = None) -> int:
    """Seed each category's keywords from LEXICON, once: a category that already has keywords
    keeps them as the admin left them (edits and deletions survive every `load_demo`). Categories
    not in the database are skipped. Returns how many keywords were created."""
    created = 0
    for code, words in (lexicon or LEXICON).items():
        category = Category.objects.filter(code=code).first()
        if category is None or CategoryKeyword.objects.filter(category=category).exists():
            continue
        for word, weight in words:
            CategoryKeyword.objects.create(category=category, word=word, weight=weight)
            created += 1
    return created
