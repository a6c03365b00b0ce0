"""Reply templates: known placeholders only, filled from the case."""

import pytest
from django.core.exceptions import ValidationError

from cases.models import Category
from knowledge import replies, selectors
from knowledge.models import ReplyTemplate
from tests.support.data import case_in


@pytest.mark.parametrize(
    "text",
    [
        "您的诉求{numbr}已办结",
        "{number.__class__}",
        "{number!r}",
        "{number:>20}",
        "少一个括号{number",
        "{}",
        "{0}",
    ],
)
def test_a_template_with_an_unknown_or_malformed_placeholder_is_refused(users, text):
    template = ReplyTemplate(name="坏模板", use="reject", text=text)
    with pytest.raises(ValidationError) as caught:
        template.full_clean()
    assert "text" in caught.value.message_dict
    message = caught.value.message_dict["text"][0]
    assert "占位符" in message or "大括号" in message


def test_the_admin_refuses_an_unknown_placeholder_and_saves_nothing(client, users):
    client.force_login(users["admin"])
    response = client.post(
        "/admin/knowledge/replytemplate/add/",
        {
            "name": "坏模板",
            "use": "reject",
            "category": "",
            "text": "诉求{numbr}",
            "sort": "0",
            "is_active": "on",
        },
    )
    assert response.status_code == 200 and "不认识的占位符" in response.content.decode()
    assert not ReplyTemplate.objects.exists()


def test_placeholders_are_filled_from_the_case(users):
    case = case_in("dispatched", users)
    text = replies.fill("诉求{number}由{department}办理,{community},预约{appointment}。{{原样}}", case)
    assert text == f"诉求{case.number}由物业科办理,竹枝社区,预约。{{原样}}"


def test_a_form_is_offered_its_categorys_templates_and_the_general_ones(users):
    mine = Category.objects.get(code="infrastructure")
    other = Category.objects.get(code="noise")
    general = ReplyTemplate.objects.create(name="通用", use="complete", text="已办结。")
    own = ReplyTemplate.objects.create(name="维修", use="complete", text="已维修。", category=mine)
    ReplyTemplate.objects.create(name="噪音", use="complete", text="已劝阻。", category=other)
    ReplyTemplate.objects.create(name="停用", use="complete", text="旧的。", is_active=False)
    ReplyTemplate.objects.create(name="退单", use="return", text="不属于本部门。")
    assert selectors.templates_for("complete", mine) == [own, general]
    assert selectors.template_for(own.pk, use="complete", category_id=other.pk) is None
    assert selectors.template_for(general.pk, use="reject", category_id=mine.pk) is None
