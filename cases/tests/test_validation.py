"""cases.validation's character checks against Unicode's own categories, over every code point."""

import sys
import unicodedata

import pytest
from django.core.exceptions import ValidationError

from cases.validation import (
    clean_name,
    clean_text,
    has_control_characters,
    has_unstorable_characters,
    mask_name,
)

EVERY = [chr(code) for code in range(sys.maxunicode + 1)]


def test_control_characters_are_unicodes_cc_and_cs_but_tab_and_newlines():
    expected = {ch for ch in EVERY if unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\t\n\r"}
    found = {ch for ch in EVERY if has_control_characters(ch)}
    assert found == expected
    assert len(expected) == 65 - 3 + 2048
    # Anywhere in a longer text, too.
    assert has_control_characters("楼道灯\x7f坏了")
    assert not has_control_characters("楼道灯坏了\r\n\t第二行 🙂")


def test_unstorable_characters_are_nul_and_lone_surrogates():
    found = {ch for ch in EVERY if has_unstorable_characters(ch)}
    assert found == {"\x00"} | {chr(code) for code in range(0xD800, 0xE000)}
    assert has_unstorable_characters("abc\x00") and has_unstorable_characters("a\udfffb")
    assert not has_unstorable_characters("abc\x01 楼道")


def test_clean_text_refuses_control_characters_with_a_plain_message():
    with pytest.raises(ValidationError, match="控制字符"):
        clean_text("a\x1bb", label="姓名", max_length=10)
    assert clean_text("  张 桂兰\n ", label="姓名", max_length=10) == "张 桂兰"


@pytest.mark.parametrize("mark", ["\u202e", "\u202a", "\u2066", "\u2069"])
def test_bidirectional_overrides_are_refused_in_any_text(mark):
    """ "王小\u202e" would be shown reversed in a staff list: a way to pass for someone else."""
    with pytest.raises(ValidationError, match="控制字符"):
        clean_text(f"楼道灯{mark}坏了", label="诉求描述", max_length=100)


@pytest.mark.parametrize("mark", ["\u200b", "\u200c", "\u200d", "\u200e", "\u2060", "\ufeff", "\u202e"])
def test_names_with_invisible_characters_are_refused(mark):
    with pytest.raises(ValidationError) as exc:
        clean_name(f"小{mark}王", label="姓名")
    assert exc.value.code in ("invisible", "control")
    assert clean_name(" 小王 ", label="姓名") == "小王"
    # An emoji sequence joined by U+200D is fine in a description, where it cannot pass for a person.
    assert clean_text("家里漏水了\U0001f468\u200d\U0001f469", label="诉求描述", max_length=100)


def test_a_masked_name_does_not_tell_its_length():
    assert mask_name("欧阳娜娜") == mask_name("欧文") == "欧**"
    assert mask_name("张") == "张**"
    assert mask_name("") == ""


def test_a_submission_with_an_invisible_name_is_refused_and_saves_nothing(users):
    from cases.models import Case
    from tests.support.data import submit

    with pytest.raises(ValidationError) as exc:
        submit(name="小\u200b王")
    assert "name" in exc.value.message_dict
    assert not Case.objects.exists()
