from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("诉求")

    def ready(self):
        from . import hooks, public_cache

        # Raises the Redis public-progress cache's version key when a change commits.
        hooks.on_event(public_cache.on_case_event)
