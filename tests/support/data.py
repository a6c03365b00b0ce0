"""Factories shared by every app's tests (not used at run time)."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases import services
from cases.models import Case, Category, Community, Department
from operations.demo import load_accounts, load_reference_data


def jpeg(
    name: str = "photo.jpg", size=(64, 48), colour=(200, 60, 60), exif: bytes | None = None
) -> SimpleUploadedFile:
    buf = io.BytesIO()
    img = Image.new("RGB", size, colour)
    if exif is not None:
        img.save(buf, "JPEG", exif=exif)
    else:
        img.save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def png(name: str = "photo.png", size=(64, 48)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGBA", size, (10, 120, 200, 128)).save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


# A resident's submission as the API takes it (JSON or form fields), with the reference data above.
API_SUBMISSION = {
    "category": "infrastructure",
    "community": "zhuzhi",
    "address": "3栋2单元5楼",
    "description": "楼道灯坏了",
    "name": "张桂兰",
    "phone": "13800001234",
}


def setup_reference():
    """Communities, categories, departments, role groups and the demo accounts (no cases)."""
    load_reference_data()
    return load_accounts()


def submit(**overrides) -> Case:
    fields = {
        "category": Category.objects.get(code="infrastructure"),
        "community": Community.objects.get(code="zhuzhi"),
        "address": "3栋2单元5楼",
        "description": "卫生间冷水龙头损坏,漏水严重。",
        "name": "张桂兰",
        "phone": "13800001234",
    }
    fields.update(overrides)
    if fields.get("channel") == "help_desk":
        fields.setdefault("consent", True)  # the resident at the desk agreed
    return services.submit_case(**fields)


def case_in(state: str, users: dict, **overrides) -> Case:
    """A case moved through the real workflow to `state`."""
    case = submit(**overrides)
    if state == "submitted":
        return case
    if state == "rejected":
        services.reject(case, by=users["intake"], reason="不属于受理范围")
        return case
    services.accept(case, by=users["intake"])
    if state == "accepted":
        return case
    services.dispatch(case, by=users["intake"], department=Department.objects.get(code="property"))
    if state == "dispatched":
        return case
    if state == "disputed":  # 派单异议, waiting for a ruling (issue 22)
        from cases import dispatching

        dispatching.dispute(case, by=users["handler"], reason="不属于本部门职责")
        return case
    services.start(case, by=users["handler"])
    if state == "handling":
        return case
    services.complete(
        case, by=users["handler"], explanation="已修好", before=[jpeg("b.jpg")], after=[jpeg("a.jpg")]
    )
    if state == "completed":
        return case
    services.rate(case, score="satisfied", phone_last4=case.phone[-4:])
    assert state == "closed", state
    return case
