from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "stats"
    verbose_name = _("统计")

    def ready(self):
        from cases import hooks

        from .facts import on_bulk_insert, on_case_event

        # Inside each event's transaction: the aggregates can never disagree with the cases.
        hooks.on_event(on_case_event)
        hooks.on_bulk_insert(on_bulk_insert)
