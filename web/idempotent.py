"""The web forms' idempotency key (cases.idempotency): a hidden field holding a random key made when
the form is rendered. A double tap or a browser resubmitting the same form sends the same key and
the same fields, so it lands on the case the first request made instead of creating another.

The key is optional: a page rendered before this field existed, or a tampered value, submits as
before (without the protection). A key that already made a case from *different* fields (the
resident went back, changed something and sent the old page again) is not silently taken as the
old case: the form comes back with a note naming that case and a fresh key, so sending it again
creates the new one.
"""

from django import forms
from django.utils.translation import gettext as _

from cases import idempotency

FIELD = "idempotency_key"
NOT_FINGERPRINTED = {FIELD, "csrfmiddlewaretoken"}


class KeyField(forms.CharField):
    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("initial", idempotency.new_key)  # called once per rendered form
        super().__init__(**kwargs)


def posted_key(request) -> str | None:
    key = request.POST.get(FIELD, "")
    return key if idempotency.is_valid_key(key) else None


def claim(request, scope: str, **extra) -> idempotency.Claim | None:
    """The posted key with a fingerprint of the posted fields, files and `extra` (server-side state)."""
    key = posted_key(request)
    if key is None:
        return None
    fields = {name: request.POST.getlist(name) for name in request.POST if name not in NOT_FINGERPRINTED}
    if extra:
        fields["__server__"] = extra
    files = {name: request.FILES.getlist(name) for name in request.FILES}
    return idempotency.Claim(scope=scope, key=key, fingerprint=idempotency.fingerprint(fields, files))


def fresh_data(request):
    """The posted fields with a new key, to show the form again after KeyReused."""
    data = request.POST.copy()
    data[FIELD] = idempotency.new_key()
    return data


def reused_message(exc) -> str:
    number = exc.case.number if exc.case is not None else ""
    return _(
        "这份表单已经提交过了,诉求编号 %(number)s。"
        "如果您要提交的是另一件诉求,请核对下面的内容后再点一次提交。"
    ) % {"number": number}
