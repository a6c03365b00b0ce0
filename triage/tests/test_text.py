from triage import text


def test_full_width_letters_digits_and_punctuation_are_folded_away():
    assert text.normalise("３栋２单元，楼道灯😀不亮！ＡＢＣ") == "3栋2单元楼道灯不亮abc"


def test_emoji_and_punctuation_alone_have_nothing_to_compare():
    assert not text.has_meaning("😀" * 4000)
    assert not text.has_meaning("!!!,,,。。。")
    assert not text.has_meaning("")
    assert not text.has_meaning(None)


def test_a_long_text_is_cut_to_a_bounded_prefix():
    assert len(text.normalise("楼道灯" * 2000)) == text.MAX_CHARS


def test_homophones_have_the_same_syllables():
    assert text.syllables("楼道灯不亮") == text.syllables("漏到灯不亮")
    assert text.syllables("水管爆了") == text.syllables("水管报了")


def test_a_voice_transcripts_homophone_is_alike_by_sound_though_not_by_characters():
    similarity = text.similarity("楼道灯不亮", "漏到灯不亮")
    assert similarity.sounds == 1.0
    assert similarity.chars < 0.5


def test_unrelated_problems_are_not_alike():
    assert text.similarity("楼道灯坏了好几天", "垃圾桶满了没人收").best < 0.1


def test_pinyin_is_toneless():
    assert text.pinyin("楼道") == "lou dao"


def test_a_text_that_is_not_a_string_is_a_clear_error():
    import pytest

    with pytest.raises(ValueError):
        text.normalise(12345)
