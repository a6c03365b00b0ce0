"""What POST /api/v1/cases does for residents and for staff submitting on their behalf alike:
turn codes into rows, collect every error, and create the case or report them all at once."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from ninja import Status

from cases.models import Category, Community

from . import presenters


def by_code(model, code: str):
    return model.objects.filter(code=code, is_active=True).first() if code else None


def lookup_codes(data, errors: dict[str, list[str]]):
    """The category and community the client named; unknown codes are added to `errors`."""
    category = by_code(Category, data.category)
    if category is None and data.category:
        errors["category"] = [_("没有代码为“%(code)s”的诉求类型。") % {"code": data.category[:32]}]
    community = by_code(Community, data.community)
    if community is None and data.community:
        errors["community"] = [_("没有代码为“%(code)s”的社区。") % {"code": data.community[:32]}]
    return category, community


def create(submit, data, photos, *, category, community, errors: dict[str, list[str]], **extra):
    """Call `submit` (a cases service) and answer 201, or raise every field's error together.

    Nothing may be saved once an error is known: without a category the service checks the other
    fields, raises, and writes nothing, so the client gets every message at once.
    """
    try:
        case = submit(
            category=None if errors else category,
            community=community,
            address=data.address,
            description=data.description,
            name=data.name,
            phone=data.phone,
            age_band=data.age_band,
            email=data.email.strip(),
            photo_files=photos,
            **extra,
        )
    except DjangoValidationError as exc:
        merged = dict(exc.message_dict)
        if category is not None:
            merged.pop("category", None)
        merged.update(errors)
        raise DjangoValidationError(merged) from exc
    return Status(201, presenters.submitted_data(case))
