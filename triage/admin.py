"""Admin: the keyword lexicon is edited here; models and suggestions are read-only records."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import text
from .models import CategoryKeyword, Suggestion, TriageModel


@admin.register(CategoryKeyword)
class CategoryKeywordAdmin(admin.ModelAdmin):
    list_display = ["word", "reading", "category", "weight", "is_active", "updated_at"]
    list_editable = ["weight", "is_active"]
    list_filter = ["category", "is_active"]
    search_fields = ["word"]
    fields = ["category", "word", "weight", "is_active"]

    @admin.display(description=_("读音"))
    def reading(self, keyword: CategoryKeyword) -> str:
        """The reading it is also matched by: a transcript's homophone of it counts."""
        return text.pinyin(keyword.word)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TriageModel)
class TriageModelAdmin(ReadOnly):
    list_display = ["created_at", "trained_on", "categories", "seconds"]
    exclude = ["parameters"]  # megabytes of numbers, of use to nobody on a page

    @admin.display(description=_("诉求类型"))
    def categories(self, model: TriageModel) -> str:
        return ", ".join(model.classes)


@admin.register(Suggestion)
class SuggestionAdmin(ReadOnly):
    list_display = ["made_at", "case", "top", "preselected", "chosen", "chosen_by"]
    list_filter = ["preselected", "chosen"]
    list_select_related = ["case", "chosen", "chosen_by"]
    date_hierarchy = "made_at"

    @admin.display(description=_("首选建议"))
    def top(self, suggestion: Suggestion) -> str:
        return ", ".join(f"{s['code']} {s['score']:.2f}" for s in suggestion.suggested[:3])
