"""Aggregates for the supervisor's dashboard, kept in the same transaction as each case change.

CaseFact is one row per case: what the case counts as (its groups, its outcome flags, its stage
times). StatRow sums the facts per local day (grain "d") and per month (grain "m", keyed by the
month's first day) and per group, so a year's dashboard reads a few thousand rows, however many
cases there are. Group keys are plain ids with 0 for "none": NULLs would never collide in a
unique constraint and two rows for the same group could appear.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Case

# Upper bounds (minutes) of the stage-time buckets; one more bucket holds everything longer.
BUCKET_BOUNDS = [15, 30, 60, 120, 240, 480, 720, 1440, 2880, 4320, 7200, 10080, 20160]
BUCKET_COUNT = len(BUCKET_BOUNDS) + 1
STAGES = ("accept", "dispatch", "complete")

# Counters summed per group; see stats.facts.contribution for what each counts.
COUNTERS = [
    "received",
    "responded",
    "accepted",
    "rejected",
    "completed",
    "resolved",
    "on_time",
    "late",
    "rated",
    "satisfied",
    "basically",
    "dissatisfied",
    "reopened",
    "returned",
    "returns",
    "extended",
    "extensions",
    # 不合理诉求 signed off (cases.fairness): counted on their own line, out of the rates.
    "excluded",
    # 并单 (issue 21): cases merged into another (one problem with it), and the ratings of a
    # completion by its further reporters (co-reporters, merged cases' reporters: ReporterRating).
    "merged",
    "co_rated",
    "co_satisfied",
    "co_basically",
    "co_dissatisfied",
]
HISTOGRAM = [f"{stage}_{i}" for stage in STAGES for i in range(BUCKET_COUNT)]
COLUMNS = COUNTERS + HISTOGRAM
GROUPS = ["community", "category", "department", "channel", "age_band", "desk", "volunteer"]
KEY = ["grain", "day", *GROUPS]


class StatRow(models.Model):
    class Grain(models.TextChoices):
        DAY = "d", _("日")
        MONTH = "m", _("月")

    grain = models.CharField(max_length=1, choices=Grain.choices)
    day = models.DateField()
    community = models.PositiveIntegerField()
    category = models.PositiveIntegerField()
    department = models.PositiveIntegerField()
    channel = models.CharField(max_length=16)
    age_band = models.CharField(max_length=16)
    desk = models.PositiveIntegerField()
    volunteer = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("统计汇总")
        verbose_name_plural = _("统计汇总")
        constraints = [models.UniqueConstraint(fields=KEY, name="stats_statrow_key")]

    def __str__(self) -> str:
        return f"{self.grain} {self.day} {self.received}"


# db_default: the upsert names only the columns it changes.
for _column in COLUMNS:
    StatRow.add_to_class(_column, models.IntegerField(default=0, db_default=0))


class CaseFact(models.Model):
    """What one case counts as on the dashboard; rewritten on every event of the case."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, primary_key=True, related_name="stat_fact")
    # The local (Asia/Shanghai) day of submission: periods on the dashboard are submission periods.
    # Not indexed: lists select by Case.submitted_at (indexed, same bounds), and the feedback list
    # must walk the feedback_at index newest first rather than a day range.
    day = models.DateField()
    community = models.PositiveIntegerField()
    category = models.PositiveIntegerField()
    department = models.PositiveIntegerField()
    channel = models.CharField(max_length=16)
    age_band = models.CharField(max_length=16, blank=True)
    desk = models.PositiveIntegerField()
    volunteer = models.PositiveIntegerField()
    responded = models.BooleanField(default=False)
    accepted = models.BooleanField(default=False)
    rejected = models.BooleanField(default=False)
    completed = models.BooleanField(default=False)
    resolved = models.BooleanField(default=False)
    on_time = models.BooleanField(default=False)
    late = models.BooleanField(default=False)
    reopened = models.BooleanField(default=False)
    returns = models.PositiveIntegerField(default=0)
    extensions = models.PositiveIntegerField(default=0)
    # The latest rating of the case ("" when not rated): a case rated twice counts once, by its last.
    score = models.CharField(max_length=24, blank=True)
    accept_minutes = models.PositiveIntegerField(null=True)
    dispatch_minutes = models.PositiveIntegerField(null=True)
    complete_minutes = models.PositiveIntegerField(null=True)
    # 不合理诉求 signed off: out of the rates (stats.facts.compute clears what they count in).
    excluded = models.BooleanField(default=False, db_default=False)
    # 并单: merged into another case, whose problem it is: left out of the departments' figures.
    merged = models.BooleanField(default=False, db_default=False)
    # The further reporters' ratings of the case (ReporterRating), by score.
    co_satisfied = models.PositiveIntegerField(default=0, db_default=0)
    co_basically = models.PositiveIntegerField(default=0, db_default=0)
    co_dissatisfied = models.PositiveIntegerField(default=0, db_default=0)
    # When the resident last answered 不满意: the feedback list, newest first.
    feedback_at = models.DateTimeField(null=True, db_index=True)

    class Meta:
        verbose_name = _("诉求统计")
        verbose_name_plural = _("诉求统计")

    def __str__(self) -> str:
        return f"{self.case_id} {self.day}"
