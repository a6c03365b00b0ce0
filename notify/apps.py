from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "notify"
    verbose_name = _("通知")

    def ready(self) -> None:
        # Outbox rows are written inside the case change's own transaction (cases.hooks).
        from cases import hooks

        from . import outbox

        hooks.on_event(outbox.on_case_event)
