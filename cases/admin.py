"""Admin for configuration (categories, communities, departments, staff). Cases are read-only here:
stages change only through the workflow, never by editing a row."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .access import record_view
from .models import (
    CalendarDay,
    Case,
    CaseEvent,
    Category,
    CategoryPriorityLimit,
    Community,
    Department,
    Extension,
    GridAssignment,
    HelpDesk,
    PersonalDataAccess,
    ResponsibilityItem,
    StaffProfile,
    UnreasonableMark,
    UnreasonableReason,
)


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "sort", "is_active"]
    list_editable = ["sort", "is_active"]
    search_fields = ["name", "code"]


class CategoryPriorityLimitInline(admin.TabularInline):
    """应急 / 重点 time limits of the category (e.g. 应急 路灯: 2 hours to handle); empty keeps its own."""

    model = CategoryPriorityLimit
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    inlines = [CategoryPriorityLimitInline]
    list_display = [
        "name",
        "code",
        "accept_limit_hours",
        "dispatch_limit_hours",
        "time_limit_hours",
        "is_urgent",
        "sort",
        "is_active",
    ]
    list_editable = ["accept_limit_hours", "dispatch_limit_hours", "time_limit_hours", "is_urgent", "sort"]
    search_fields = ["name", "code"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "community", "phone", "is_active"]
    list_filter = ["community"]
    search_fields = ["name", "code"]


class GridAssignmentForm(forms.ModelForm):
    class Meta:
        model = GridAssignment
        fields = ["user", "community", "building_text"]

    def clean(self):
        from . import grid, roles

        data = super().clean() or {}
        building = grid.building_of(data.get("building_text") or "")
        if not building:
            raise ValidationError({"building_text": _("请写明楼栋,例如“3栋”或“3号楼”。")})
        user = data.get("user")
        if user is not None and not roles.has_role(user, roles.GRID_WORKER):
            raise ValidationError({"user": _("只能把楼栋分给网格员。")})
        taken = GridAssignment.objects.filter(community=data.get("community"), building=building)
        if taken.exclude(pk=self.instance.pk).exists():
            raise ValidationError({"building_text": _("这个社区的这栋楼已经分给了网格员。")})
        self.instance.building = building
        return data


@admin.register(GridAssignment)
class GridAssignmentAdmin(admin.ModelAdmin):
    """网格员楼栋: the building is read as addresses are (3号楼 and 三栋 are building 3)."""

    form = GridAssignmentForm
    list_display = ["community", "building_text", "building", "user"]
    list_filter = ["community"]
    search_fields = ["building_text", "user__username", "user__first_name"]


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    fk_name = "user"


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [StaffProfileInline]
    list_display = ["username", "first_name", "is_active", "is_staff", "group_names"]
    list_filter = ["groups", "is_active", "is_staff"]

    @admin.display(description="roles")
    def group_names(self, obj):
        return ", ".join(g.name for g in obj.groups.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ("at", "action", "from_state", "to_state", "actor_name", "department", "public_note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["number", "state", "category", "community", "channel", "department", "submitted_at"]
    list_filter = ["state", "channel", "category", "community", "department"]
    search_fields = ["number"]
    date_hierarchy = "submitted_at"
    inlines = [CaseEventInline]
    list_select_related = ["category", "community", "department"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The read-only case page shows the resident's name, phone and address: log the view."""
        response = super().change_view(request, object_id, form_url, extra_context)
        case = getattr(response, "context_data", {}).get("original") if response.status_code == 200 else None
        if case is not None:
            record_view(request.user, case, "admin")
        return response

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(HelpDesk)
class HelpDeskAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "community", "location", "phone", "is_active"]
    list_filter = ["community", "is_active"]
    filter_horizontal = ["volunteers"]
    search_fields = ["name", "code"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["day", "is_workday", "name"]
    list_filter = ["is_workday"]
    date_hierarchy = "day"


@admin.register(Extension)
class ExtensionAdmin(admin.ModelAdmin):
    list_display = ["case", "new_due_at", "status", "requested_at", "decided_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in Extension._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "case", "via"]
    list_filter = ["via"]
    date_hierarchy = "at"
    readonly_fields = ["at", "user", "case", "via"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ResponsibilityItem)
class ResponsibilityItemAdmin(admin.ModelAdmin):
    """派单目录: edited here, or imported with `manage.py import_responsibilities`."""

    list_display = ["category", "community", "keywords", "department", "text", "effective_from", "is_active"]
    list_filter = ["category", "department", "community", "is_active"]
    search_fields = ["text", "keywords"]
    date_hierarchy = "effective_from"


@admin.register(UnreasonableReason)
class UnreasonableReasonAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "sort", "is_active"]
    list_editable = ["sort", "is_active"]
    search_fields = ["name", "code"]


@admin.register(UnreasonableMark)
class UnreasonableMarkAdmin(admin.ModelAdmin):
    """Read-only: marks are made and signed off through the workflow (cases.fairness)."""

    list_display = ["case", "kind", "reason", "status", "marked_by", "marked_at", "decided_by", "decided_at"]
    list_filter = ["status", "kind", "reason"]
    search_fields = ["case__number"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
