"""The API's input and output shapes. Outputs list every field explicitly: no model leaves whole."""

from datetime import datetime
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from cases.validation import has_control_characters


class Strict(Schema):
    """Inputs refuse fields they do not know, so a misspelt field is an error, not silently dropped.

    Text may be any Unicode, but not control characters (NUL above all, which PostgreSQL cannot
    store) nor lone surrogates (JSON's "\\ud800"): refused here with a 422, before any query."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values, handler, info):
        # ninja.Schema's own (replaced here) validates a schema that forbids extra fields twice: as
        # given, then through a DjangoGetter, which reads attributes of ORM objects. Inputs arrive
        # as dicts (JSON, form fields): validated once, as plain pydantic would.
        if isinstance(values, dict):
            return handler(values)
        handler(values)
        return handler(DjangoGetter(values, cls, info.context))

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value):
        if isinstance(value, str) and has_control_characters(value):
            raise PydanticCustomError(
                "control_characters", _("包含无法识别的控制字符(如 NUL),请删除后重试。")
            )
        return value


class ErrorOut(Schema):
    detail: str = Field(description="给用户看的错误说明 / a message for the user")
    errors: dict[str, list[str]] | None = Field(
        None, description="逐字段的错误 / messages per input field (422 only)"
    )
    retry_after: int | None = Field(
        None, description="几秒后可以再试 / seconds until a refused request may be tried again (429 only)"
    )


class TokenIn(Strict):
    username: str = Field(max_length=150)
    password: str = Field(max_length=256)


class TokenOut(Schema):
    token: str
    expires_at: datetime


class CodeName(Schema):
    code: str
    name: str


class CategoryOut(CodeName):
    description: str
    time_limit_hours: int


class CommunityOut(CodeName):
    pass


class DepartmentOut(CodeName):
    phone: str


class SubmitIn(Strict):
    category: str = Field(description="诉求类型代码, see GET /categories")
    community: str = Field(description="社区代码, see GET /communities")
    address: str = Field(description="详细地址, e.g. 3栋2单元5楼")
    description: str = Field(
        "",
        description="诉求描述, at most 4000 characters, no HTML; may be empty with a voice note (multipart)",
    )
    name: str
    phone: str = Field(description="11-digit mobile or a landline with area code")
    age_band: Literal["", "under_60", "60_plus"] = ""
    email: str = ""


class SubmittedOut(Schema):
    number: str = Field(description="诉求编号, e.g. 20240510-0012")
    stage: str
    state: str
    url: str = Field(description="公开进度页 / the public progress page")
    submitted_at: datetime
    due_at: datetime | None
    category: CodeName
    community: CodeName
    type: Literal["complaint", "help", "enquiry", "suggestion"] = Field(
        description="诉求性质: 投诉 complaint, 求助 help, 咨询 enquiry, 建议 suggestion (set by intake)"
    )
    type_label: str
    priority: Literal["urgent", "high", "normal"] = Field(
        description="紧急程度: 应急 urgent (first in every queue), 重点 high, 常规 normal (set by intake)"
    )
    priority_label: str


class StageOut(Schema):
    key: Literal["submitted", "accepted", "dispatched", "handling", "completed"]
    label: str
    reached: bool
    current: bool
    at: datetime | None
    actor: str
    note: str


class EventOut(Schema):
    action: str
    label: str
    state: str = Field(description="the internal state after this event")
    at: datetime
    actor: str
    note: str = Field(description="公开说明 / the public note")
    department: CodeName | None
    appointment_at: datetime | None


class PhotoOut(Schema):
    id: int
    full: str
    thumb: str


class ResolutionOut(Schema):
    explanation: str
    at: datetime
    before: list[PhotoOut]
    after: list[PhotoOut]


class CoDepartmentOut(Schema):
    code: str
    name: str
    reported: bool = Field(description="the co-handling department has reported its part (协办部门已办理)")


class ProgressOut(Schema):
    number: str
    url: str
    category: CodeName
    community: CodeName
    department: CodeName | None
    stage: Literal["submitted", "accepted", "dispatched", "handling", "completed"]
    stage_label: str
    state: str
    state_label: str
    type: Literal["complaint", "help", "enquiry", "suggestion"] = Field(
        description="诉求性质: 投诉 complaint, 求助 help, 咨询 enquiry, 建议 suggestion (set by intake)"
    )
    type_label: str
    priority: Literal["urgent", "high", "normal"] = Field(
        description="紧急程度: 应急 urgent (first in every queue), 重点 high, 常规 normal (set by intake)"
    )
    priority_label: str
    submitted_at: datetime
    updated_at: datetime
    due_at: datetime | None
    appointment_at: datetime | None
    rejected_reason: str
    answer: str = Field(
        "", description="已答复: the answer's text, for a question answered from the knowledge base"
    )
    resident: str = Field(description="the resident's masked name, e.g. 张**")
    can_rate: bool
    merged_into: str | None = Field(
        None,
        description="并单: the number of the case this one is handled with (merged into); nothing else of it",
    )
    info_question: str | None = Field(
        None, description="待补充: what staff asked the resident for; the time limit pauses until the answer"
    )
    stages: list[StageOut]
    events: list[EventOut]
    resolution: ResolutionOut | None
    co_departments: list[CoDepartmentOut] = Field(
        default_factory=list, description="协办部门; `department` is the lead (主办)"
    )


class MoveOut(ProgressOut):
    event: EventOut = Field(description="the event this move wrote")


class ReasonIn(Strict):
    reason: str


class DispatchIn(Strict):
    department: str = Field(description="部门代码 of the lead department (主办), see GET /departments")
    co_departments: list[str] = Field(
        default_factory=list,
        description="部门代码 of co-handling departments (协办), not the lead; at most 5",
    )


class StartIn(Strict):
    appointment_at: datetime | None = Field(None, description="预约上门时间, ISO 8601")


class RatingIn(Strict):
    score: Literal["satisfied", "basically_satisfied", "dissatisfied"]
    comment: str = ""
    phone_last4: str = Field(description="提交时所留电话号码的后四位")


class RatingOut(Schema):
    score: str
    label: str
    at: datetime


class RatedOut(ProgressOut):
    rating: RatingOut


class QueueItemOut(Schema):
    number: str
    url: str
    state: str
    state_label: str
    stage: str
    type: Literal["complaint", "help", "enquiry", "suggestion"] = Field(
        description="诉求性质: 投诉 complaint, 求助 help, 咨询 enquiry, 建议 suggestion (set by intake)"
    )
    type_label: str
    priority: Literal["urgent", "high", "normal"] = Field(
        description="紧急程度: 应急 urgent (first in every queue), 重点 high, 常规 normal (set by intake)"
    )
    priority_label: str
    category: CodeName
    community: CodeName
    department: CodeName | None
    address: str
    description: str
    name: str
    phone: str
    submitted_at: datetime
    due_at: datetime | None
    appointment_at: datetime | None
