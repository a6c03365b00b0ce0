"""The domain's tables. Stages change only through cases.workflow.transition()."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    """Where a case is. See docs/architecture.md ("The workflow"); the resident sees five stages."""

    SUBMITTED = "submitted", _("诉求提交")
    ACCEPTED = "accepted", _("工作人员受理")
    DISPATCHED = "dispatched", _("派单给责任部门")
    HANDLING = "handling", _("现场办理")
    COMPLETED = "completed", _("办理完成")
    CLOSED = "closed", _("已办结")
    REJECTED = "rejected", _("不予受理")
    # 派单异议: the department disputed the dispatch; a supervisor's ruling is awaited (issue 22).
    DISPUTED = "disputed", _("正在确认责任部门")
    # 并单 (issue 21): the case is handled as part of another (Case.merged_into), whose stage it
    # follows; not open, since the parent carries the work and its time limit (cases.merging).
    MERGED = "merged", _("已合并办理")


# Open (在办): not yet completed, so the stage's time limit runs and the case can be overdue.
OPEN_STATES = (State.SUBMITTED, State.ACCEPTED, State.DISPATCHED, State.HANDLING, State.DISPUTED)
# Not yet closed: a completed case still waits for the resident's rating, and the volunteer who
# submitted it follows it until then (回访). Migrations 0008 and 0014's partial index covers these.
UNCLOSED_STATES = (*OPEN_STATES, State.COMPLETED)


class Channel(models.TextChoices):
    ONLINE = "online", _("线上自助")
    HELP_DESK = "help_desk", _("代办岗")
    PHONE = "phone", _("电话")
    WALK_IN = "walk_in", _("来访")
    # A text message to the sub-district's number (notify.inbound): a case for intake to locate.
    SMS = "sms", _("短信")


class AgeBand(models.TextChoices):
    UNKNOWN = "", _("未填写")
    UNDER_60 = "under_60", _("60岁以下")
    AGE_60_PLUS = "60_plus", _("60岁及以上")


class Score(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class RequestType(models.TextChoices):
    """What a request is (诉求性质): set by intake, suggested from the category and the words."""

    COMPLAINT = "complaint", _("投诉")
    HELP = "help", _("求助")
    ENQUIRY = "enquiry", _("咨询")
    SUGGESTION = "suggestion", _("建议")


class Priority(models.TextChoices):
    """How urgent a case is (紧急程度). 应急 cases come first in every queue and count clock hours."""

    URGENT = "urgent", _("应急")
    HIGH = "high", _("重点")
    NORMAL = "normal", _("常规")


# Queue order: 应急 first, then 重点, then 常规 (cases.selectors.priority_rank).
PRIORITY_ORDER = (Priority.URGENT, Priority.HIGH, Priority.NORMAL)


class Community(models.Model):
    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64, unique=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    # Finding the community of a request that names none (cases.locating): other names residents
    # and other systems use for it, its centre, and its boundary where it is known.
    aliases = models.TextField(
        _("别名"), blank=True, help_text=_("每行一个:小区名、路名、旧称等,地址中出现即归入本社区。")
    )
    centre_lat = models.DecimalField(_("中心纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    centre_long = models.DecimalField(_("中心经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    boundary = models.TextField(
        _("边界"), blank=True, help_text=_("每行一个顶点“纬度,经度”(WGS84),按边界顺序。")
    )

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("社区")
        verbose_name_plural = _("社区")

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64, unique=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    time_limit_hours = models.PositiveIntegerField(
        _("办理时限(小时)"), default=72, help_text=_("从派单到办理完成的时限(工作小时)。")
    )
    accept_limit_hours = models.PositiveIntegerField(
        _("受理时限(小时)"), default=2, help_text=_("从提交到受理的时限(工作小时)。")
    )
    dispatch_limit_hours = models.PositiveIntegerField(
        _("派单时限(小时)"), default=4, help_text=_("从受理到派单的时限(工作小时)。")
    )
    is_urgent = models.BooleanField(
        _("紧急类"), default=False, help_text=_("如停水停电:按自然小时计时,不扣除节假日。")
    )
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("诉求类型")
        verbose_name_plural = _("诉求类型")

    def __str__(self) -> str:
        return self.name


class CategoryPriorityLimit(models.Model):
    """A category's time limits for one priority (e.g. 应急 路灯: 2 hours from dispatch to done).

    An empty limit keeps the category's own. Without a row the category's limits apply to every
    priority; 应急 cases count clock hours whatever the category (cases.deadlines).
    """

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="priority_limits", verbose_name=_("诉求类型")
    )
    priority = models.CharField(_("紧急程度"), max_length=8, choices=Priority.choices)
    accept_limit_hours = models.PositiveIntegerField(
        _("受理时限(小时)"), null=True, blank=True, help_text=_("留空:沿用诉求类型的受理时限。")
    )
    dispatch_limit_hours = models.PositiveIntegerField(
        _("派单时限(小时)"), null=True, blank=True, help_text=_("留空:沿用诉求类型的派单时限。")
    )
    time_limit_hours = models.PositiveIntegerField(
        _("办理时限(小时)"), null=True, blank=True, help_text=_("留空:沿用诉求类型的办理时限。")
    )

    class Meta:
        ordering = ["category", "priority"]
        verbose_name = _("按紧急程度的时限")
        verbose_name_plural = _("按紧急程度的时限")
        constraints = [
            models.UniqueConstraint(fields=["category", "priority"], name="category_priority_limit_once")
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.get_priority_display()}"


class Department(models.Model):
    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64, unique=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    # A community work station (社区工作站): a handling unit of one community, offered at dispatch
    # only for that community's cases (cases.cohandling, docs/dispatch.md).
    community = models.ForeignKey(
        "Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stations",
        verbose_name=_("所属社区(社区工作站)"),
        help_text=_("社区工作站填写所在社区:只能办理本社区的诉求。街道部门留空。"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("责任部门")
        verbose_name_plural = _("责任部门")

    def __str__(self) -> str:
        return self.name


class StaffProfile(models.Model):
    """What the platform needs to know about a member of staff beyond Django's User."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("所属部门"),
        help_text=_("部门办理人员必填:只能看到和办理本部门的诉求。"),
    )

    class Meta:
        verbose_name = _("工作人员资料")
        verbose_name_plural = _("工作人员资料")

    def __str__(self) -> str:
        return str(self.user)


class HelpDesk(models.Model):
    """A staffed window (数字化代办岗) where volunteers submit and follow up for residents."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="help_desks", verbose_name=_("社区")
    )
    location = models.CharField(_("地点"), max_length=100, blank=True)
    phone = models.CharField(_("代办岗电话"), max_length=32, blank=True)
    opening_hours = models.CharField(
        _("开放时间"), max_length=200, blank=True, help_text=_("印在代办岗海报上,例如:周一至周五 9:00–17:00")
    )
    volunteers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="help_desks", verbose_name=_("志愿者")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("代办岗")
        verbose_name_plural = _("代办岗")

    def __str__(self) -> str:
        return self.name


class CalendarDay(models.Model):
    """An exception to the Monday–Friday working week: a public holiday on a weekday, or a
    make-up working day (调休) on a weekend. A year's calendar is data, edited in the admin."""

    day = models.DateField(_("日期"), primary_key=True)
    is_workday = models.BooleanField(_("是否工作日"))
    name = models.CharField(_("说明"), max_length=64, blank=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")

    def __str__(self) -> str:
        return f"{self.day} {self.name}"


class DailyCounter(models.Model):
    """The last case number issued on a day (Asia/Shanghai); see cases.numbering."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class Case(models.Model):
    number = models.CharField(_("诉求编号"), max_length=16, unique=True)
    # Indexed by (state, submitted_at) below; a second index on state alone only made every insert
    # and move write one more B-tree (so category, department and desk below, and CaseEvent.case).
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.SUBMITTED)
    # Bumped by every transition: the compare-and-swap that makes concurrent moves safe.
    version = models.PositiveIntegerField(default=0)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices, default=Channel.ONLINE)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, verbose_name=_("诉求类型"), db_index=False
    )
    # Indexed by (community, state, submitted_at) below: a community's open cases, for 并单.
    community = models.ForeignKey(Community, on_delete=models.PROTECT, verbose_name=_("社区"), db_index=False)
    address = models.CharField(_("详细地址"), max_length=200)
    description = models.TextField(_("诉求描述"), max_length=4000)
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=20, db_index=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    age_band = models.CharField(
        _("年龄段"), max_length=16, choices=AgeBand.choices, default=AgeBand.UNKNOWN, blank=True
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("责任部门"),
        db_index=False,
    )
    appointment_at = models.DateTimeField(_("预约上门时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("办理时限"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("代为提交人"),
    )
    desk = models.ForeignKey(
        HelpDesk,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("代办岗"),
        db_index=False,
    )
    # 网格员: the grid worker of the community work station who has the case (cases.grid), set by
    # the station's handler or intake, or at dispatch to a station by the address's building.
    grid_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("网格员"),
    )
    # The resident asked for no more SMS about this case (退订).
    sms_opt_out = models.BooleanField(_("不再接收短信"), default=False)
    # 待定位: the request named no community we could find (an SMS, an Open311 client); intake
    # sets it (Action.LOCATE). Until then the case's community is the placeholder cases.locating keeps.
    to_locate = models.BooleanField(_("待定位"), default=False, db_default=False)
    # 诉求性质 and 紧急程度 (issue 24), set by intake (Action.CLASSIFY).
    request_type = models.CharField(
        _("诉求性质"), max_length=16, choices=RequestType.choices, default=RequestType.HELP, db_default="help"
    )
    priority = models.CharField(
        _("紧急程度"), max_length=8, choices=Priority.choices, default=Priority.NORMAL, db_default="normal"
    )
    # The priority's place in PRIORITY_ORDER (0 应急, 1 重点, 2 常规), kept with it by CLASSIFY: the
    # queues order by it, read on PostgreSQL from the open cases' partial index (migration 0016).
    priority_rank = models.PositiveSmallIntegerField(default=2, db_default=2)
    # 不合理诉求 signed off by a supervisor (cases.fairness): left out of the departments' rates.
    excluded_from_rates = models.BooleanField(_("不计入考核"), default=False, db_default=False)
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    # 并单: the case this one was merged into (Action.MERGE), and the stage it had then, which
    # 拆分 (Action.UNMERGE) gives back. Set only while the case is merged.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_cases",
        verbose_name=_("合并到"),
    )
    merged_from_state = models.CharField(
        max_length=16, choices=State.choices, blank=True, default="", db_default=""
    )
    # 待补充 (issue 23): since when the case waits for the resident's answer to an InfoRequest;
    # its time limit is paused meanwhile (cases.deadlines, cases.moreinfo). Set and cleared by moves.
    paused_at = models.DateTimeField(_("待补充起始时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), db_index=True)
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        indexes = [
            models.Index(fields=["state", "submitted_at"]),
            models.Index(fields=["department", "state"]),
            models.Index(fields=["category", "submitted_at"]),
            models.Index(fields=["desk", "submitted_at"]),
            # triage.matching: the open cases of one community within a time window.
            models.Index(fields=["community", "state", "submitted_at"]),
        ]

    def __str__(self) -> str:
        return self.number


class CaseEvent(models.Model):
    """One change to a case: the public progress and the audit trail are both read from these."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", db_index=False)
    # Wide enough for every Action value ("mark_unreasonable" is 17).
    action = models.CharField(_("动作"), max_length=24)
    from_state = models.CharField(max_length=16, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=State.choices)
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    # The acting person's name as shown at the time, kept even if the account changes later.
    actor_name = models.CharField(_("责任人"), max_length=100, blank=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    appointment_at = models.DateTimeField(null=True, blank=True)
    public_note = models.TextField(_("公开说明"), blank=True)
    private_note = models.TextField(_("内部备注"), blank=True)
    # Staff-only events (follow-up calls, escalations) are left out of the public timeline.
    is_public = models.BooleanField(default=True)

    class Meta:
        ordering = ["at", "id"]
        # A case's timeline in order, and its latest event: without it PostgreSQL walks the `at`
        # index of every event to find one case's latest note (seconds at 100k cases).
        indexes = [models.Index(fields=["case", "at"], name="caseevent_case_at")]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class Resolution(models.Model):
    """The resolution report (结果反馈) filed with completion: explanation plus photos."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="resolutions")
    event = models.OneToOneField(CaseEvent, on_delete=models.PROTECT, related_name="resolution")
    explanation = models.TextField(_("办理说明"), max_length=4000)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("结果反馈")
        verbose_name_plural = _("结果反馈")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.explanation[:30]}"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        PHOTO = "photo", _("现场照片")
        BEFORE = "before", _("办理前照片")
        AFTER = "after", _("办理后照片")
        CONTRIBUTION = "contribution", _("协办照片")
        VOICE = "voice", _("语音留言")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    resolution = models.ForeignKey(
        Resolution, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    # A photo or voice note the resident gave in answer to a request for more (补充材料).
    info_request = models.ForeignKey(
        "InfoRequest", on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    file = models.FileField(max_length=200)
    thumbnail = models.FileField(max_length=200, blank=True)
    content_type = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    size = models.PositiveIntegerField()
    # Voice notes: their length and a transcript (from an offline engine, corrected by staff).
    duration_seconds = models.FloatField(null=True, blank=True)
    transcript = models.TextField(_("语音转写"), blank=True)
    created_at = models.DateTimeField()
    # A co-handling department's photos of its part (协办, cases.cohandling).
    co_handling = models.ForeignKey(
        "CoHandling", on_delete=models.SET_NULL, null=True, blank=True, related_name="attachments"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return f"{self.kind} {self.file.name}"

    @property
    def is_public(self) -> bool:
        """Resolution photos are public; a resident's own photos may show their home."""
        return self.kind in {self.Kind.BEFORE, self.Kind.AFTER}


class Rating(models.Model):
    class Via(models.TextChoices):
        ONLINE = "online", _("线上评价")
        FOLLOW_UP = "follow_up", _("电话回访")
        SMS = "sms", _("短信回复")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="ratings")
    # One rating per completion: the unique link to the resolution enforces it in the database.
    resolution = models.OneToOneField(Resolution, on_delete=models.PROTECT, related_name="rating")
    score = models.CharField(_("评价"), max_length=24, choices=Score.choices)
    comment = models.TextField(_("评价意见"), max_length=1000, blank=True)
    via = models.CharField(max_length=16, choices=Via.choices, default=Via.ONLINE)
    # The phone of the reporter who rated (a co-reporter's, a merged case's); blank: the case's own
    # reporter (or staff recording it on a follow-up call).
    phone = models.CharField(max_length=20, blank=True, default="", db_default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("满意度评价")
        verbose_name_plural = _("满意度评价")
        constraints = [
            models.CheckConstraint(condition=Q(score__in=[s.value for s in Score]), name="rating_score_valid")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.score}"


class FollowUp(models.Model):
    """A follow-up call (回访) to a resident after completion, by a volunteer or an officer."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    resolution = models.ForeignKey(
        Resolution, on_delete=models.CASCADE, null=True, blank=True, related_name="follow_ups"
    )
    desk = models.ForeignKey(HelpDesk, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    reached = models.BooleanField(_("是否联系上"))
    solved = models.BooleanField(_("问题是否解决"), null=True, blank=True)
    note = models.TextField(_("回访记录"), max_length=1000, blank=True)
    rating = models.OneToOneField(
        Rating, on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_up"
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("回访")
        verbose_name_plural = _("回访")

    def __str__(self) -> str:
        return f"{self.case_id} {self.at:%Y-%m-%d %H:%M}"


class Extension(models.Model):
    """A handler's request for more time (延期), approved or refused by a supervisor."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("未批准")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    reason = models.TextField(_("延期原因"), max_length=500)
    new_due_at = models.DateTimeField(_("申请延期至"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")

    def __str__(self) -> str:
        return f"{self.case_id} → {self.new_due_at:%Y-%m-%d}"


class PersonalDataAccess(models.Model):
    """A log row each time staff or a volunteer opens a resident's personal data."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(db_index=True)
    via = models.CharField(max_length=32, help_text="page or API operation")

    class Meta:
        ordering = ["-at"]
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = _("个人信息查看记录")

    def __str__(self) -> str:
        return f"{self.user_id} {self.case_id} {self.at:%Y-%m-%d %H:%M}"


class SubmissionKey(models.Model):
    """An idempotency key a client sent with a submission, and the case it created (cases.idempotency).

    Written in the transaction that creates the case, so a case acknowledged under a key always has
    its key row and a key row always has its case; the unique constraint on (scope, key) is what
    makes two simultaneous requests with the same key create one case.
    """

    # Who may reuse the key: "api:anonymous", "api:user:12", "open311:anonymous", "web:online" …
    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=128)
    # sha256 of the canonical request (fields and the uploaded files' own sha256).
    fingerprint = models.CharField(max_length=64)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("提交幂等键")
        verbose_name_plural = _("提交幂等键")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="submission_key_once")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class PublicView(models.Model):
    """What the public sees of a case in one rendering and language, made from one version of it.

    The public lookups (API, Open311, the progress page) are the hottest reads of the platform: a
    storm of residents checking progress. One indexed query finds the case's version and this row
    together; when the versions match the stored body is served as it is. Every change to a case
    bumps its version, so a row can never be served stale, and nothing has to be invalidated.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    variant = models.CharField(max_length=24)
    language = models.CharField(max_length=16)
    version = models.PositiveIntegerField()
    made_at = models.DateTimeField()
    body = models.TextField()

    class Meta:
        verbose_name = _("公开进度缓存")
        verbose_name_plural = _("公开进度缓存")
        constraints = [
            models.UniqueConstraint(fields=["case", "variant", "language"], name="cases_publicview_key")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.variant} {self.language} v{self.version}"


# ---------------------------------------------------------------------------------------------
# Dispatch (issue 22): the responsibility list (派单目录 / 权责清单).


class ResponsibilityItem(models.Model):
    """One entry of the published list of responsibilities: which department handles a kind of case.

    An entry applies to a category, optionally only in one community and optionally only when the
    description mentions one of its keywords; the most specific entry in force wins (cases.dispatching).
    """

    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="responsibilities", verbose_name=_("诉求类型")
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("社区"),
        help_text=_("留空:适用于所有社区。"),
    )
    keywords = models.CharField(
        _("关键词"),
        max_length=200,
        blank=True,
        help_text=_("用逗号或空格分隔;诉求描述含其中任一个时适用。留空:适用于该类型的所有诉求。"),
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="responsibilities", verbose_name=_("责任部门")
    )
    text = models.TextField(_("事项内容"), max_length=1000)
    effective_from = models.DateField(_("生效日期"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["category", "community", "keywords", "-effective_from", "id"]
        verbose_name = _("派单目录事项")
        verbose_name_plural = _("派单目录")

    def __str__(self) -> str:
        return f"{self.category} → {self.department}: {self.text[:30]}"

    def keyword_list(self) -> list[str]:
        return [
            word
            for word in self.keywords.replace(",", " ").replace(",", " ").replace("、", " ").split()
            if word
        ]


class Dispute(models.Model):
    """派单异议: a department's handler says a dispatched case is not theirs; a supervisor rules.

    Upheld (维持派单): the case goes back to that department; accepted (异议成立): it goes to the
    department the ruling names. Raising and ruling are both case events (cases.dispatching).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待裁定")
        UPHELD = "upheld", _("维持原派单")
        ACCEPTED = "accepted", _("异议成立,改派")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="disputes")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="disputes", verbose_name=_("提出异议的部门")
    )
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(_("提出时间"))
    reason = models.TextField(_("异议理由"), max_length=500)
    # The list entry the department relies on; a free-text reason alone is allowed but marked.
    item = models.ForeignKey(
        ResponsibilityItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes",
        verbose_name=_("引用的派单目录事项"),
    )
    # The case's deadline when the dispute was raised: an upheld dispute gives the time left back.
    due_before = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    ruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ruled_at = models.DateTimeField(null=True, blank=True)
    ruling_note = models.TextField(_("裁定意见"), max_length=500, blank=True)
    ruling_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("裁定的责任部门"),
    )
    # The list entry the ruling added (a ruling may amend the list).
    amended_item = models.ForeignKey(
        ResponsibilityItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["raised_at", "id"]
        verbose_name = _("派单异议")
        verbose_name_plural = _("派单异议")

    def __str__(self) -> str:
        return f"{self.case_id} {self.department_id} {self.status}"

    @property
    def cites_item(self) -> bool:
        return self.item_id is not None


# ---------------------------------------------------------------------------------------------
# 不合理诉求 (issue 24): intake marks a case, a supervisor signs the mark off or declines it.


class UnreasonableReason(models.Model):
    """One reason on the list intake picks from when marking a case 不合理诉求 (data, edited in the admin)."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("不合理诉求原因")
        verbose_name_plural = _("不合理诉求原因")

    def __str__(self) -> str:
        return self.name


class UnreasonableMark(models.Model):
    """Intake's mark that a case is unreasonable (or a duplicate), and a supervisor's decision on it.

    Signed off, the case leaves the departments' on-time, resolution and satisfaction rates
    (Case.excluded_from_rates, stats.facts); declined, it counts as any other. A case has at most
    one pending mark; a declined one may be followed by a new mark.
    """

    class Kind(models.TextChoices):
        UNREASONABLE = "unreasonable", _("不合理诉求")
        DUPLICATE = "duplicate", _("重复诉求")

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        SIGNED_OFF = "signed_off", _("已确认")
        DECLINED = "declined", _("未确认")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="unreasonable_marks")
    kind = models.CharField(_("标记类型"), max_length=16, choices=Kind.choices)
    reason = models.ForeignKey(
        UnreasonableReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("原因"),
    )
    duplicate_of = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("重复于")
    )
    note = models.TextField(_("说明"), max_length=500, blank=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField(_("标记时间"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("确认意见"), max_length=500, blank=True)

    class Meta:
        ordering = ["marked_at", "id"]
        verbose_name = _("不合理诉求标记")
        verbose_name_plural = _("不合理诉求标记")
        constraints = [
            # One pending mark per case: two marks at once, one is refused by the database.
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="pending"), name="unreasonable_mark_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.status}"


# 并单 and co-reporters (issue 21): residents who report a problem someone already reported.


class CoReporter(models.Model):
    """A resident who said "this is the same problem, follow it" (这是同一件事,关注它) instead of
    opening a new case: they get the case's SMS and may rate it (cases.merging)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="co_reporters")
    phone = models.CharField(_("联系电话"), max_length=20)
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices, default=Channel.ONLINE)
    at = models.DateTimeField(_("关注时间"))
    # Who registered them for the resident (a volunteer at a desk, intake on the phone).
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sms_opt_out = models.BooleanField(_("不再接收短信"), default=False)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("共同反映人")
        verbose_name_plural = _("共同反映人")
        constraints = [models.UniqueConstraint(fields=["case", "phone"], name="coreporter_once")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.phone[:3]}…"


class ReporterRating(models.Model):
    """A further reporter's rating of a completion the first rating already moved (closed).

    The first rating of a completion, by any of the case's reporters, is the Rating that makes the
    move (closes or reopens the case). Every other reporter — a co-reporter, the reporter of a case
    merged into this one, or the original reporter after a co-reporter rated first — may still rate
    that completion once: the rating is kept here, counts in satisfaction, and moves nothing."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reporter_ratings")
    resolution = models.ForeignKey(Resolution, on_delete=models.PROTECT, related_name="reporter_ratings")
    phone = models.CharField(max_length=20)
    score = models.CharField(_("评价"), max_length=24, choices=Score.choices)
    comment = models.TextField(_("评价意见"), max_length=1000, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("其他反映人的评价")
        verbose_name_plural = _("其他反映人的评价")
        constraints = [
            models.UniqueConstraint(fields=["resolution", "phone"], name="reporter_rating_once"),
            models.CheckConstraint(
                condition=Q(score__in=[s.value for s in Score]), name="reporter_rating_score_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.score}"


# 主办 / 协办 (issue 22): co-handling departments, and grid workers (网格员) by building.


class CoHandling(models.Model):
    """A co-handling department (协办部门) of a case: it records its part, and the lead department
    (case.department) completes the case only when every co-handler has reported or been waived."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="co_handlings")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="co_handlings", verbose_name=_("协办部门")
    )
    assigned_at = models.DateTimeField(_("指定时间"))
    reported_at = models.DateTimeField(_("报告时间"), null=True, blank=True)
    note = models.TextField(_("协办情况"), max_length=4000, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    waived_at = models.DateTimeField(_("免报时间"), null=True, blank=True)
    waived_reason = models.TextField(_("免报原因"), max_length=500, blank=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        verbose_name = _("协办部门")
        verbose_name_plural = _("协办部门")
        constraints = [
            models.UniqueConstraint(fields=["case", "department"], name="cohandling_once_per_department")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.department_id}"

    @property
    def is_reported(self) -> bool:
        return self.reported_at is not None

    @property
    def is_waived(self) -> bool:
        return self.waived_at is not None

    @property
    def is_settled(self) -> bool:
        """Reported, or waived by a supervisor: the lead need not wait for it."""
        return self.is_reported or self.is_waived


class GridAssignment(models.Model):
    """A grid worker (网格员) looks after a building of a community: cases dispatched to the
    community's work station whose address names that building go to them (cases.grid)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="grid_assignments",
        verbose_name=_("网格员"),
    )
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("社区")
    )
    building_text = models.CharField(_("楼栋"), max_length=64, help_text=_("例如:3栋、3号楼、B座"))
    # The building as cases.grid.building_of reads an address ("3", "b"): what addresses match on.
    building = models.CharField(max_length=16, editable=False)

    class Meta:
        ordering = ["community", "building", "id"]
        verbose_name = _("网格员楼栋")
        verbose_name_plural = _("网格员楼栋")
        constraints = [models.UniqueConstraint(fields=["community", "building"], name="grid_building_once")]

    def __str__(self) -> str:
        return f"{self.community_id} {self.building_text} → {self.user_id}"


# ---------------------------------------------------------------------------------------------
# 补充材料 (issue 23): staff ask the resident for one more fact or a photo (cases.moreinfo).


class InfoRequest(models.Model):
    """A question staff put to the resident; the case's time limit pauses until it is answered or
    the asking person decides to go on without it (or to close the case for want of it)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待补充")
        ANSWERED = "answered", _("已补充")
        CONTINUED = "continued", _("不再等待,继续办理")
        CLOSED = "closed", _("未补充,不予办理")
        WITHDRAWN = "withdrawn", _("已撤回")

    class Via(models.TextChoices):
        SMS = "sms", _("短信回复")
        ONLINE = "online", _("进度页面")
        DESK = "desk", _("代办岗")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="info_requests")
    question = models.TextField(_("需要补充的内容"), max_length=500)
    wants_photo = models.BooleanField(_("需要照片"), default=False)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(_("提出时间"))
    # When the worker reminds the resident once, and when the asking person is asked to decide.
    remind_at = models.DateTimeField()
    decide_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    flagged_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    answered_at = models.DateTimeField(_("补充时间"), null=True, blank=True)
    answer = models.TextField(_("补充内容"), max_length=4000, blank=True)
    answered_via = models.CharField(max_length=16, choices=Via.choices, blank=True)
    # The volunteer who added it at the desk; nobody for the resident themselves.
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField(_("处理意见"), max_length=500, blank=True)

    class Meta:
        ordering = ["asked_at", "id"]
        verbose_name = _("补充材料")
        verbose_name_plural = _("补充材料")
        constraints = [
            # At most one question waits per case: the database says so too.
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="pending"), name="inforequest_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.question[:30]}"
