from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    """知识库: answers to residents' questions in plain words, the reply templates staff start from,
    and the answers given from the base (to a case, or at the desk without one).

    It reads cases and makes the ANSWER move through cases.workflow; cases never imports it.
    """

    name = "knowledge"
    verbose_name = _("知识库与答复模板")
