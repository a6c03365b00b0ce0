"""cases.validation's character checks against Unicode's own categories, over every code point."""

import sys
import unicodedata

import pytest
from django.core.exceptions import ValidationError

from cases.validation import clean_text, has_control_characters, has_unstorable_characters

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
