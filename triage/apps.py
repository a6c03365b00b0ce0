from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    """并单 and smart intake: likely duplicates and category suggestions, offline, for Chinese text.

    Domain only (no HTTP). It reads cases; cases never imports it.
    """

    name = "triage"
    verbose_name = _("智能分类与并单")
