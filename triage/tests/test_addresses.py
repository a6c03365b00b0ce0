import pytest

from triage.addresses import parse, strip_mentions


@pytest.mark.parametrize("written", ["3栋", "3号楼", "三栋", "3幢", "3号", "３栋", "三号楼", "03栋"])
def test_one_building_written_many_ways(written):
    assert parse(written).building == "3"
    assert parse(written).same_building(parse("3栋"))


@pytest.mark.parametrize("written", ["2单元", "二单元", "２单元"])
def test_one_unit_written_many_ways(written):
    assert parse(f"3栋{written}").same_unit(parse("3号楼2单元"))


@pytest.mark.parametrize("written", ["5楼", "5层", "五楼", "五层", "５楼"])
def test_one_floor_written_many_ways(written):
    assert parse(f"3栋2单元{written}").floor == 5


def test_numerals_up_to_ninety_nine():
    assert parse("十二栋").building == "12"
    assert parse("二十栋").building == "20"
    assert parse("九十九号楼").building == "99"
    assert parse("三十五号楼二单元十八楼").floor == 18


def test_a_room_number_gives_the_floor_and_dashes_give_building_unit_room():
    assert parse("3栋2单元502室") == parse("3-2-502")
    assert parse("12-3-1101").floor == 11


def test_a_street_number_is_not_a_building():
    address = parse("滨江路88号")
    assert address.building == ""
    assert address.place == "滨江路88号"
    assert address.same_place(parse("滨江路88号门口"))


def test_the_same_unit_needs_both_units_and_another_unit_is_not_the_same():
    assert not parse("3栋").same_unit(parse("3栋2单元"))
    assert parse("3栋").same_building(parse("3栋2单元"))
    assert not parse("3栋1单元").same_unit(parse("3栋2单元"))


def test_buildings_of_two_estates_differ():
    assert not parse("竹枝花园3栋").same_building(parse("竹枝小区3栋"))
    assert parse("竹枝花园3栋").other_building(parse("竹枝小区3栋"))
    assert parse("竹枝小区3栋").same_building(parse("3栋"))


def test_another_building_is_said_only_when_both_name_one():
    assert parse("3栋").other_building(parse("5栋"))
    assert not parse("3栋").other_building(parse("永安小区"))
    assert not parse("").other_building(parse("5栋"))


def test_empty_and_wrong_input():
    assert parse("").is_empty
    assert parse(None).is_empty
    with pytest.raises(ValueError):
        parse(35)


def test_address_mentions_are_left_out_of_a_description_but_words_stay():
    assert "栋" not in strip_mentions("九栋楼下烧烤摊半夜吵")
    assert "一直" in strip_mentions("电梯一直停在五楼")
    assert "楼道灯" in strip_mentions("3栋2单元楼道灯不亮")
