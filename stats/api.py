"""GET /api/v1/stats: the dashboard's figures as JSON for a city platform (supervisor token).

Every rate carries its numerator and denominator as counts so a reader can check and sum it.
"""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.errors import HttpError

from api.auth import TokenAuth
from api.schemas import ErrorOut

from . import selectors
from .forms import FilterForm
from .models import BUCKET_BOUNDS
from .views import may_view_stats

router = Router(tags=["stats"])


def _rate(rate: selectors.Rate) -> dict:
    value = rate.value
    return {
        "numerator": rate.numerator,
        "denominator": rate.denominator,
        "value": None if value is None else round(value, 6),
        "definition": rate.definition,
    }


def _rows(rows) -> list[dict]:
    return [{"code": r.key, "name": r.label, "count": r.count} for r in rows]


def _stages(stages: dict) -> dict:
    out = {}
    for stage, s in stages.items():
        out[stage] = {
            "count": s["count"],
            "histogram": s["histogram"],
            "median_bucket": s["median"],
            "p90_bucket": s["p90"],
        }
    return out


@router.get("/stats", auth=TokenAuth(), response={200: dict, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut})
def stats(request: HttpRequest):
    """The dashboard's figures for cases submitted from `from` to `to` (local dates, both included)."""
    if not may_view_stats(request.auth):
        raise HttpError(403, _("统计数据只对督办领导开放。"))
    form = FilterForm(request.GET)
    if not form.is_valid():
        errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        return Status(422, {"detail": " ".join(form.messages()), "errors": errors})
    filters = form.filters()
    d = selectors.dashboard(filters)
    t = d["totals"]
    inclusion = d["inclusion"]
    return {
        "period": {
            "from": filters.start.isoformat(),
            "to": filters.end.isoformat(),
            "time_zone": "Asia/Shanghai",
        },
        "filters": {
            "community": filters.community.code if filters.community else None,
            "category": filters.category.code if filters.category else None,
            "department": filters.department.code if filters.department else None,
            "channel": filters.channel or None,
        },
        "counts": {name: t[name] for name in selectors.COUNTERS_PUBLIC},
        "overdue_open": d["overdue"],
        "volume": {
            "granularity": d["granularity"],
            "series": [
                {"from": p["start"].isoformat(), "to": p["end"].isoformat(), "received": p["received"]}
                for p in d["series"]
            ],
            "by_category": _rows(d["by_category"]),
            "by_community": _rows(d["by_community"]),
            "by_department": _rows(d["by_department"]),
            "by_channel": _rows(d["by_channel"]),
        },
        "inclusion": {
            "elderly_share": _rate(inclusion["elderly_share"]),
            "elderly_offline_share": _rate(inclusion["elderly_offline"]),
            "elderly_share_of_online": _rate(inclusion["elderly_online"]),
            "elderly_by_channel": _rows(inclusion["elderly_by_channel"]),
            "help_desks": _rows(inclusion["desks"]),
            "volunteers": [
                {"id": int(r.key), "name": r.label, "count": r.count} for r in inclusion["volunteers"]
            ],
        },
        "service": {
            **{rate.key + "_rate": _rate(rate) for rate in d["rates"]},
            "answers": {rate.key: _rate(rate) for rate in d["answers"]},
        },
        "speed": {
            "bucket_upper_bounds_minutes": BUCKET_BOUNDS,
            "note": "median and p90 are bucket indexes: estimates from the histogram, not exact times",
            "departments": [
                {
                    "code": row["key"] or None,
                    "name": row["label"],
                    "stages": _stages(row["stages"]),
                    "completed": row["totals"]["completed"],
                    "late": row["totals"]["late"],
                    "overdue_open": row["overdue"],
                    "extended": row["totals"]["extended"],
                    "returned": row["totals"]["returned"],
                }
                for row in d["speed"]
            ],
            "total": _stages(d["speed_total"]["stages"]),
        },
    }
