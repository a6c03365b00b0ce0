"""A detailed address (详细地址) as comparable parts: building, unit, floor and room.

Residents and volunteers write one flat in many ways: 3栋2单元5楼, 3号楼二单元五层, ３幢２单元502,
3-2-502. This reads them into one form, so that two reports can be asked "same building?" and
"same unit?". What is not a building, unit, floor or room (an estate's name, a street and number:
滨江路88号) is kept as `place`, normalised, for comparing street addresses as a whole.
"""

import re
import unicodedata
from dataclasses import dataclass

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十]+")


def _chinese_number(numeral: str) -> int | None:
    """一 … 九十九 (also 〇, 两, and digit by digit: 五〇二 = 502); None when it is not a number."""
    if "十" not in numeral:
        return int("".join(str(_DIGITS[c]) for c in numeral))
    tens, _, units = numeral.partition("十")
    if "十" in units or len(tens) > 1 or len(units) > 1:
        return None
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[units] if units else 0)


def _arabic(text: str) -> str:
    """Chinese numerals as digits, where they are numbers (十字路口 stays: 十 alone before 字 is a
    number only by accident, but an address part needs a marker after it, see below)."""

    def replace(match: re.Match) -> str:
        value = _chinese_number(match.group())
        return match.group() if value is None else str(value)

    return _NUMERAL.sub(replace, text)


# A building: 3栋, 3幢, 3号楼, 3座, B栋, A座; 3号 only when no road name comes before it (滨江路88号 is a
# street number). Units: 2单元. Floors: 5楼, 5层, 负1楼. Rooms: 502, 502室, 502号.
_BUILDING = re.compile(r"(?<![路街巷道弄里0-9a-z])([0-9]+|[a-z])(?:号楼|栋|幢|座|号院|号(?!楼|院|室|房))")
_UNIT = re.compile(r"(?<![0-9])([0-9]+)单元")
_FLOOR = re.compile(r"(?<![0-9])(负?[0-9]+)(?:楼|层)")
_ROOM = re.compile(r"(?<![路街巷道弄里0-9])([0-9]{3,4})(?:室|号|房)?")
# 3-2-502, 3栋-2-502: building, unit, room with dashes (common on forms and in SMS).
_DASHED = re.compile(r"^([0-9]+|[a-z])-([0-9]+)-([0-9]{3,4})")
_NOISE = re.compile(r"[\s,,。.、;;::()()\[\]【】#·\-—_/]+")


@dataclass(frozen=True)
class Address:
    building: str = ""  # "3", "b"
    unit: str = ""  # "2"
    floor: int | None = None
    room: str = ""  # "502"
    place: str = ""  # the rest: estate or street, normalised

    @property
    def is_empty(self) -> bool:
        return not (self.building or self.unit or self.floor is not None or self.room or self.place)

    def _places_agree(self, other: "Address") -> bool:
        # 3栋 of 竹枝花园 and 3栋 of 竹枝小区 are two buildings; a missing estate name agrees with any.
        return not self.place or not other.place or self.place == other.place

    def same_building(self, other: "Address") -> bool:
        """Both name a building, the same one (and no estate names that differ)."""
        return bool(self.building) and self.building == other.building and self._places_agree(other)

    def same_unit(self, other: "Address") -> bool:
        """The same building and both name the same unit."""
        return self.same_building(other) and bool(self.unit) and self.unit == other.unit

    def other_building(self, other: "Address") -> bool:
        """Both name a building, and they are different ones: a sign of two different problems."""
        if self.building and other.building:
            return self.building != other.building or not self._places_agree(other)
        return False

    def same_place(self, other: "Address") -> bool:
        """No buildings named, and the same street address or spot: one names the other's place,
        perhaps more precisely (白帝路12号 and 白帝路12号旁)."""
        if self.building or other.building or len(self.place) < 3 or len(other.place) < 3:
            return False
        return self.place in other.place or other.place in self.place


def parse(address: str | None) -> Address:
    """Read a detailed address into its parts; anything unreadable ends up in `place`."""
    if not address:
        return Address()
    if not isinstance(address, str):
        raise ValueError("address must be a string")
    text = unicodedata.normalize("NFKC", address[:200]).lower()
    text = _arabic(text)
    text = _NOISE.sub(lambda m: "-" if "-" in m.group() or "—" in m.group() else "", text)
    building = unit = room = ""
    floor: int | None = None
    dashed = _DASHED.search(text)
    if dashed:
        building, unit, room = dashed.group(1), dashed.group(2), dashed.group(3)
        text = text[: dashed.start()] + text[dashed.end() :]
    else:
        if m := _BUILDING.search(text):
            building = m.group(1)
            text = text[: m.start()] + " " + text[m.end() :]
        if m := _UNIT.search(text):
            unit = m.group(1)
            text = text[: m.start()] + " " + text[m.end() :]
        if m := _FLOOR.search(text):
            floor = int(m.group(1).replace("负", "-"))
            text = text[: m.start()] + " " + text[m.end() :]
        if m := _ROOM.search(text):
            room = m.group(1)
            text = text[: m.start()] + " " + text[m.end() :]
    if room and floor is None:
        floor = int(room[:-2])  # 502 is on the fifth floor, 1203 on the twelfth
    building, unit, room = (str(int(v)) if v.isdigit() else v for v in (building, unit, room))
    place = re.sub(r"[\s\-]+", "", text)
    return Address(building=building, unit=unit, floor=floor, room=room, place=place)


# Address mentions inside a description ("3栋2单元楼道灯不亮", "九栋楼下"): numerals in words only
# where a marker follows, so 一直 stays 一直.
_MENTION_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十]+(?=号楼|栋|幢|单元|号院|楼|层)")
_MENTION = re.compile(
    r"(?:[0-9]+|[a-z])(?:号楼|栋|幢|号院)|[0-9]+单元|负?[0-9]+(?:楼|层)|[0-9]+-[0-9]+(?:-[0-9]+)?"
    r"|(?<![0-9])[0-9]{3,4}(?:室|号)?(?![0-9])"
)


def strip_mentions(description: str) -> str:
    """The description without its building, unit, floor and room mentions, which the address
    comparison already counts: two problems of one building must not look alike for naming it."""
    if not description:
        return ""
    folded = unicodedata.normalize("NFKC", description).lower()
    folded = _MENTION_NUMERAL.sub(lambda m: str(_chinese_number(m.group()) or m.group()), folded)
    return _MENTION.sub(" ", folded)
