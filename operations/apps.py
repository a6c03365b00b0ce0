from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Running an installation: the demo data, backup and restore, a synthetic population."""

    name = "operations"
    verbose_name = _("运维")
