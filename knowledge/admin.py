from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Answer, Entry, ReplyTemplate, Synonym


class NeedsReview(admin.SimpleListFilter):
    title = _("复核")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("overdue", _("已过复核日期"))]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.filter(review_by__lt=timezone.localdate())
        return queryset


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ["question", "category", "status", "review_by", "keeper", "updated_at"]
    list_filter = ["status", NeedsReview, "category"]
    search_fields = ["question", "aliases", "answer"]
    readonly_fields = ["created_at", "updated_at", "updated_by"]

    def save_model(self, request, obj, form, change):
        obj.updated_at = timezone.now()
        obj.updated_by = request.user
        if obj.keeper_id is None:
            obj.keeper = request.user
        super().save_model(request, obj, form, change)


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    list_display = ["__str__", "note"]
    search_fields = ["words"]


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "use", "category", "sort", "is_active"]
    list_filter = ["use", "category", "is_active"]
    search_fields = ["name", "text"]


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ["entry", "via", "case", "desk", "by", "at"]
    list_filter = ["via"]
    readonly_fields = [f.name for f in Answer._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
