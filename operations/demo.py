"""The 夔北街道 demo: reference data, one account per role, and cases in every stage.

Loading is idempotent: reference rows are matched by code, accounts by username, and demo cases
are created only in an empty database.
"""

import io
from datetime import date, timedelta

from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from cases import grid, roles, services
from cases.holidays_cn import load_calendar
from cases.models import (
    AgeBand,
    Case,
    CaseEvent,
    Category,
    CategoryPriorityLimit,
    Channel,
    Community,
    Department,
    HelpDesk,
    Priority,
    ResponsibilityItem,
    Score,
    StaffProfile,
)
from knowledge.demo import load_knowledge

DEMO_PASSWORD = "minsheng-demo"  # noqa: S105 (published demo-only password)

COMMUNITIES = [
    ("mingliang", "明良社区"),
    ("zhuzhi", "竹枝社区"),
    ("kuimen", "夔门社区"),
    ("baidi", "白帝社区"),
    ("binjiang", "滨江社区"),
    ("yongan", "永安社区"),
]
# code, name, time limit in hours, description
CATEGORIES = [
    ("infrastructure", "基础设施维修", 48, "楼道灯、水龙头、水管、门窗等损坏"),
    ("sanitation", "环境卫生", 48, "垃圾堆放、污水、卫生死角"),
    ("property", "物业管理", 72, "物业服务、公共设施维护、停车"),
    ("municipal", "市政设施", 72, "道路、井盖、路灯、排水"),
    ("noise", "噪音扰民", 24, "施工、商铺、夜间噪音"),
    ("utilities", "水电气", 24, "停水、停电、燃气问题"),
    ("other", "其他", 120, "其他民生诉求"),
]
URGENT_CATEGORIES = {"utilities"}
DEPARTMENTS = [
    ("property", "物业科", "023-56561001"),
    ("urban", "城管科", "023-56561002"),
    ("municipal", "市政科", "023-56561003"),
    ("sanitation", "环卫所", "023-56561004"),
    ("utilities", "水电气服务站", "023-56561005"),
]
# 社区工作站: handling units of one community each (cases.grid); code, name, phone, community.
STATIONS = [
    ("zhuzhi-station", "竹枝社区工作站", "023-56563102", "zhuzhi"),
    ("mingliang-station", "明良社区工作站", "023-56563101", "mingliang"),
]
# 网格员 of 竹枝社区工作站 and the buildings each looks after.
GRID_BUILDINGS = {
    "grid": ["1栋", "2栋", "3栋"],
    "grid2": ["4栋", "5栋", "6栋"],
}
# One help desk (数字化代办岗) per community, in its activity centre; the desk's phone is the contact
# for residents without one. The `volunteer` account works at 竹枝社区's.
DESK_PHONES = {
    "mingliang": "023-56562101",
    "zhuzhi": "023-56562102",
    "kuimen": "023-56562103",
    "baidi": "023-56562104",
    "binjiang": "023-56562105",
    "yongan": "023-56562106",
}
VOLUNTEER_DESK = "zhuzhi-desk"
# username, display name, role, department code
ACCOUNTS = [
    ("intake", "张三", roles.INTAKE, None),
    ("handler", "李四", roles.HANDLER, "property"),
    ("volunteer", "小王", roles.VOLUNTEER, None),
    ("supervisor", "季秋水", roles.SUPERVISOR, None),
    ("station", "赵六", roles.HANDLER, "zhuzhi-station"),
    ("grid", "孙七", roles.GRID_WORKER, "zhuzhi-station"),
    ("grid2", "周八", roles.GRID_WORKER, "zhuzhi-station"),
]


def _photo(label: str, colour: tuple[int, int, int]) -> SimpleUploadedFile:
    """A generated picture (no media files in the repository)."""
    img = Image.new("RGB", (640, 480), colour)
    draw = ImageDraw.Draw(img)
    draw.rectangle([40, 40, 600, 440], outline=(255, 255, 255), width=8)
    draw.text((80, 220), label, fill=(255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, "JPEG")
    return SimpleUploadedFile(f"{label}.jpg", buf.getvalue(), content_type="image/jpeg")


def load_reference_data() -> None:
    for sort, (code, name) in enumerate(COMMUNITIES):
        Community.objects.update_or_create(code=code, defaults={"name": name, "sort": sort})
    for sort, (code, name, hours, description) in enumerate(CATEGORIES):
        Category.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "time_limit_hours": hours,
                "description": description,
                "sort": sort,
                # 停水停电 cannot wait for Monday: plain clock hours (cases.deadlines).
                "is_urgent": code in URGENT_CATEGORIES,
            },
        )
    for code, name, phone in DEPARTMENTS:
        Department.objects.update_or_create(code=code, defaults={"name": name, "phone": phone})
    for code, name, phone, community in STATIONS:
        Department.objects.update_or_create(
            code=code,
            defaults={"name": name, "phone": phone, "community": Community.objects.get(code=community)},
        )
    for role in roles.ALL:
        Group.objects.get_or_create(name=role)
    for code, name in COMMUNITIES:
        HelpDesk.objects.update_or_create(
            code=f"{code}-desk",
            defaults={
                "name": f"{name}数字化代办岗",
                "community": Community.objects.get(code=code),
                "location": f"{name}活动中心一楼",
                "phone": DESK_PHONES[code],
                "opening_hours": "周一至周五 9:00–12:00、14:00–17:30;周六上午 9:00–12:00",
            },
        )


def load_accounts() -> dict[str, User]:
    users = {}
    for username, full_name, role, department in ACCOUNTS:
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": full_name})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(Group.objects.get(name=role))
        StaffProfile.objects.update_or_create(
            user=user,
            defaults={"department": Department.objects.get(code=department) if department else None},
        )
        users[username] = user
    HelpDesk.objects.get(code=VOLUNTEER_DESK).volunteers.add(users["volunteer"])
    zhuzhi = Community.objects.get(code="zhuzhi")
    for username, buildings in GRID_BUILDINGS.items():
        for building in buildings:
            grid.assign_building(user=users[username], community=zhuzhi, building_text=building)
    admin, created = User.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True, "first_name": "管理员"}
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    users["admin"] = admin
    return users


def _space_out(case: Case, start, step_minutes: int) -> None:
    """Give a demo case a believable history: events spread out instead of one second apart."""
    events = list(case.events.order_by("at", "id"))
    for i, event in enumerate(events):
        CaseEvent.objects.filter(pk=event.pk).update(at=start + timedelta(minutes=step_minutes * i))
    Case.objects.filter(pk=case.pk).update(submitted_at=start)
    case.resolutions.update(created_at=start + timedelta(minutes=step_minutes * (len(events) - 1)))


def load_cases(users: dict[str, User]) -> int:
    if Case.objects.exists():
        return 0
    cat = {c.code: c for c in Category.objects.all()}
    com = {c.code: c for c in Community.objects.all()}
    property_dept = Department.objects.get(code="property")
    intake, handler = users["intake"], users["handler"]
    now = timezone.now()

    def new(category, community, address, description, name, phone, age=AgeBand.UNKNOWN, photos=(), **more):
        return services.submit_case(
            **more,
            category=cat[category],
            community=com[community],
            address=address,
            description=description,
            name=name,
            phone=phone,
            age_band=age,
            photo_files=photos,
        )

    # Stage 1: waiting for intake.
    new(
        "infrastructure",
        "mingliang",
        "5栋1单元3楼",
        "楼道灯坏了一个星期,晚上上下楼看不见。",
        "赵建国",
        "13800001111",
        AgeBand.AGE_60_PLUS,
    )
    new(
        "noise",
        "kuimen",
        "滨江路88号",
        "楼下餐馆每天凌晨一点还在营业,噪音很大。",
        "钱晓燕",
        "13900002222",
        AgeBand.UNDER_60,
    )
    # Stage 2: accepted, waiting for dispatch.
    c = new("sanitation", "baidi", "白帝路12号旁", "垃圾桶满了三天没人清理,有异味。", "孙红梅", "13700003333")
    services.accept(c, by=intake)
    # Rejected.
    c = new("other", "yongan", "永安小区", "希望小区门口开一家超市。", "周大勇", "13600004444")
    services.reject(c, by=intake, reason="不属于街道受理范围,建议向市场监管部门反映。")
    # Stage 3: dispatched to 物业科 (李大爷's leaking pipe).
    c = new(
        "infrastructure",
        "zhuzhi",
        "2栋1单元1楼",
        "厨房水管漏水,地上都是水。",
        "李德明",
        "13500005555",
        AgeBand.AGE_60_PLUS,
    )
    services.accept(c, by=intake)
    services.dispatch(c, by=intake, department=property_dept)
    # Stage 4: handling, with an appointment tomorrow at 9.
    c = new(
        "property",
        "zhuzhi",
        "3栋2单元5楼",
        "卫生间冷水龙头损坏,漏水严重。",
        "张桂兰",
        "13400006666",
        AgeBand.AGE_60_PLUS,
        photos=[_photo("leak", (70, 110, 160))],
        # 张奶奶 came to 竹枝社区's help desk; 小王 submitted it for her.
        channel=Channel.HELP_DESK,
        by=users["volunteer"],
        consent=True,
    )
    services.accept(c, by=intake)
    services.dispatch(c, by=intake, department=property_dept)
    tomorrow_nine = timezone.localtime(now + timedelta(days=1)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    services.start(c, by=handler, appointment_at=tomorrow_nine)
    # Stage 5: completed with before/after photos, waiting for the rating.
    c = new(
        "infrastructure",
        "mingliang",
        "7栋3单元2楼",
        "楼道灯不亮。",
        "王淑芬",
        "13300007777",
        AgeBand.AGE_60_PLUS,
    )
    services.accept(c, by=intake)
    services.dispatch(c, by=intake, department=property_dept)
    services.start(c, by=handler)
    services.complete(
        c,
        by=handler,
        explanation="已更换新灯泡,经测试灯光正常。",
        before=[_photo("before", (40, 40, 40))],
        after=[_photo("after", (230, 190, 60))],
    )
    _space_out(c, now - timedelta(hours=6), 45)
    # Closed: rated 满意.
    c = new(
        "municipal",
        "binjiang",
        "滨江路口",
        "井盖松动,车辆经过响声很大。",
        "陈志强",
        "13200008888",
        AgeBand.UNDER_60,
    )
    services.accept(c, by=intake)
    services.dispatch(c, by=intake, department=property_dept)
    services.start(c, by=handler)
    services.complete(
        c,
        by=handler,
        explanation="已重新固定井盖并加装减震垫。",
        before=[_photo("before", (60, 60, 60))],
        after=[_photo("after", (60, 140, 90))],
    )
    services.rate(c, score=Score.SATISFIED, comment="修得又快又好", phone_last4="8888")
    _space_out(c, now - timedelta(days=2), 90)

    # The grid level: 竹枝社区工作站's cases go to the grid worker of the building (孙七: 1–3栋),
    # one with an appointment tomorrow afternoon; and a case led by 市政科 with 城管科 co-handling.
    station = Department.objects.get(code="zhuzhi-station")
    c = new("sanitation", "zhuzhi", "竹枝小区3栋楼下", "3栋楼下垃圾桶满了没人清。", "何桂芳", "13800006001")
    services.accept(c, by=intake)
    services.dispatch(c, by=intake, department=station)
    tomorrow = timezone.localtime(now) + timedelta(days=1)
    services.start(
        c, by=users["grid"], appointment_at=tomorrow.replace(hour=15, minute=0, second=0, microsecond=0)
    )
    c = new("infrastructure", "zhuzhi", "竹枝小区2栋1单元", "2栋1单元门口台阶松动。", "冯建国", "13800006002")
    services.accept(c, by=intake)
    services.dispatch(c, by=intake, department=station)
    c = new(
        "municipal",
        "zhuzhi",
        "竹枝路与滨江路路口",
        "路口雨水井堵了,井盖上摆满了摊子。",
        "韩梅",
        "13800006003",
    )
    services.accept(c, by=intake)
    services.dispatch(
        c,
        by=intake,
        department=Department.objects.get(code="municipal"),
        co_departments=[Department.objects.get(code="urban")],
    )
    return Case.objects.count()


# The responsibility list (派单目录): category, community (None: every one), keywords, department,
# the item's text as the sub-district publishes it.
RESPONSIBILITIES = [
    (
        "infrastructure",
        None,
        "",
        "property",
        "住宅小区内楼道灯、水龙头、水管、门窗等共用部位和设施的维修,由物业科督促物业服务企业办理。",
    ),
    (
        "infrastructure",
        None,
        "路灯 井盖 人行道",
        "municipal",
        "小区外市政道路的路灯、井盖、人行道破损,由市政科办理。",
    ),
    ("infrastructure", "baidi", "", "municipal", "白帝社区无物业的老旧院落,共用设施维修由市政科兜底办理。"),
    ("sanitation", None, "", "sanitation", "街面和公共区域垃圾清运、卫生死角清理,由环卫所办理。"),
    ("sanitation", None, "占道 乱摆 油烟", "urban", "占道经营、乱堆乱放、餐饮油烟扰民,由城管科依法查处。"),
    ("property", None, "", "property", "物业服务质量、公共设施维护、小区停车管理,由物业科督促整改。"),
    ("municipal", None, "", "municipal", "道路、井盖、路灯、排水等市政设施的养护维修,由市政科办理。"),
    ("noise", None, "", "urban", "施工、商铺经营噪音扰民,由城管科办理。"),
    ("noise", None, "小区 装修 楼上", "property", "小区内装修噪音、邻里噪音,由物业科协调物业服务企业劝导。"),
    ("utilities", None, "", "utilities", "停水、停电、燃气问题,由水电气服务站联系供水、供电、燃气企业办理。"),
]
RESPONSIBILITIES_FROM = date(2024, 1, 1)


def load_responsibilities() -> int:
    """The demo's responsibility list; run again, it updates the same entries."""
    for category, community, keywords, department, text in RESPONSIBILITIES:
        ResponsibilityItem.objects.update_or_create(
            category=Category.objects.get(code=category),
            community=Community.objects.get(code=community) if community else None,
            keywords=keywords,
            effective_from=RESPONSIBILITIES_FROM,
            defaults={"department": Department.objects.get(code=department), "text": text},
        )
    return len(RESPONSIBILITIES)


# 应急 time limits (CategoryPriorityLimit), in hours: (category, accept, dispatch, handle).
URGENT_LIMITS = [("infrastructure", 1, 1, 4), ("municipal", 1, 1, 4), ("utilities", 1, 1, 2)]


def load_priority_limits() -> int:
    """The demo's 应急 time limits; run again, it keeps what the admin changed."""
    for code, accept, dispatch, handle in URGENT_LIMITS:
        CategoryPriorityLimit.objects.get_or_create(
            category=Category.objects.get(code=code),
            priority=Priority.URGENT,
            defaults={
                "accept_limit_hours": accept,
                "dispatch_limit_hours": dispatch,
                "time_limit_hours": handle,
            },
        )
    return len(URGENT_LIMITS)


@transaction.atomic
def load_demo() -> tuple[dict[str, User], int]:
    load_reference_data()
    load_responsibilities()
    load_priority_limits()
    load_calendar()
    users = load_accounts()
    load_knowledge(users.get("intake"))
    return users, load_cases(users)
