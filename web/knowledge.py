"""知识库 pages: the public browse and entry pages (elder mode, read aloud), the staff list with
search, create and edit, and answering a resident at the desk without opening a case. Thin views
over knowledge.selectors and knowledge.services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import helpdesk, security_log
from cases.errors import Conflict, NotAllowed
from knowledge import selectors, services
from knowledge.models import Entry
from security.ratelimit import limit

from . import knowledge_forms as forms
from .errors import error_page
from .forms import add_service_errors
from .views import staff_required

PAGE_LIMIT = 50

# ---------------------------------------------------------------------------------------------
# Public pages


def _search(request, user):
    form = forms.SearchForm(request.GET or None)
    query, filters = "", {}
    if form.is_valid():
        data = form.cleaned_data
        query = data["q"]
        filters = {
            "category": data["category"],
            "overdue": data["review"] == "overdue",
            "status": data["status"],
        }
    # One more than a page, to know (and say) that the list is cut.
    entries = selectors.find(user, query, limit=PAGE_LIMIT + 1, **filters)
    return form, query, entries[:PAGE_LIMIT], len(entries) > PAGE_LIMIT


@require_GET
@limit("lookup")
def public_list(request):
    form, query, entries, more = _search(request, None)
    return render(
        request,
        "web/knowledge/public_list.html",
        {"form": form, "query": query, "entries": entries, "more": more, "today": timezone.localdate()},
    )


def _public_entry(pk) -> Entry:
    entry = selectors.entry_for(None, pk)
    if entry is None:
        raise Http404(_("没有找到这条知识库内容,它可能已经撤下。"))
    return entry


@require_GET
@limit("lookup")
def public_entry(request, pk):
    entry = _public_entry(pk)
    return render(request, "web/knowledge/public_entry.html", {"entry": entry})


@require_GET
@limit("lookup")
def print_entry(request, pk):
    entry = _public_entry(pk)
    return render(request, "web/knowledge/print.html", {"entry": entry, "now": timezone.now()})


# ---------------------------------------------------------------------------------------------
# Staff pages


def knowledge_user_required(view):
    """Every staff role and volunteers may read the base; what they see is knowledge.selectors'."""

    @staff_required
    def wrapper(request, *args, **kwargs):
        if not selectors.may_use(request.user):
            return error_page(request, 403, _("您的账号不能使用知识库。"), title=_("没有权限"))
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    return wrapper


def editor_required(view):
    @staff_required
    def wrapper(request, *args, **kwargs):
        if not selectors.may_edit(request.user):
            security_log.refused(request.user, "edit knowledge entry", request.path, "role may not edit")
            return error_page(request, 403, _("只有受理员和督办领导可以编辑知识库。"), title=_("没有权限"))
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    return wrapper


@knowledge_user_required
@require_GET
def staff_list(request):
    form, query, entries, more = _search(request, request.user)
    return render(
        request,
        "web/knowledge/staff_list.html",
        {
            "form": form,
            "query": query,
            "entries": entries,
            "more": more,
            "today": timezone.localdate(),
            "may_edit": selectors.may_edit(request.user),
        },
    )


def _staff_entry(request, pk) -> Entry:
    entry = selectors.entry_for(request.user, pk)
    if entry is None:
        raise Http404(_("没有找到这条知识库内容。"))
    return entry


def _entry_context(request, entry, *, answer_form=None) -> dict:
    may_answer = helpdesk.may_register(request.user) and entry.is_published
    return {
        "entry": entry,
        "today": timezone.localdate(),
        "may_edit": selectors.may_edit(request.user),
        "answer_form": (answer_form or forms.DeskAnswerForm(initial={"text": entry.answer}))
        if may_answer
        else None,
        "answer_count": entry.answers.count(),
    }


@knowledge_user_required
@require_GET
def staff_entry(request, pk):
    entry = _staff_entry(request, pk)
    return render(request, "web/knowledge/staff_entry.html", _entry_context(request, entry))


def _save(request, entry: Entry | None):
    if request.method == "POST":
        form = forms.EntryForm(request.POST)
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            seen = data.pop("seen")
            try:
                entry = services.save_entry(by=request.user, entry=entry, seen_updated_at=seen, **data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            except Conflict as exc:
                form.add_error(None, exc.message)
                status = 409
            else:
                messages.success(request, _("知识库条目已保存。"))
                return redirect("web:knowledge_staff_entry", pk=entry.pk)
    else:
        initial = forms.EntryForm.initial_for(entry) if entry else {"status": Entry.Status.DRAFT}
        form = forms.EntryForm(initial=initial)
        status = 200
    return render(request, "web/knowledge/edit.html", {"form": form, "entry": entry}, status=status)


@editor_required
@require_http_methods(["GET", "POST"])
def create(request):
    return _save(request, None)


@editor_required
@require_http_methods(["GET", "POST"])
def edit(request, pk):
    return _save(request, _staff_entry(request, pk))


@knowledge_user_required
@require_POST
def answer_at_desk(request, pk):
    """Answer a resident at the desk from this entry without a case: SMS it, or print it."""
    if not helpdesk.may_register(request.user):
        return error_page(
            request, 403, _("只有代办岗志愿者和受理员可以答复居民的咨询。"), title=_("没有权限")
        )
    entry = _staff_entry(request, pk)
    form = forms.DeskAnswerForm(request.POST)
    sms = request.POST.get("send") == "sms"
    if form.is_valid():
        try:
            answer = services.answer_at_desk(
                by=request.user,
                entry=entry,
                text=form.cleaned_data["text"],
                phone=form.cleaned_data["phone"],
                sms=sms,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except NotAllowed as exc:
            return error_page(request, 403, exc.message, title=_("没有权限"))
        else:
            if sms:
                messages.success(request, _("答复短信已排队发送。"))
                return redirect("web:knowledge_staff_entry", pk=entry.pk)
            # The printed sheet has the text as edited; the public print page has the entry's own.
            return render(
                request, "web/knowledge/print.html", {"entry": entry, "text": answer.text, "now": answer.at}
            )
    return render(
        request,
        "web/knowledge/staff_entry.html",
        _entry_context(request, entry, answer_form=form),
        status=400,
    )
