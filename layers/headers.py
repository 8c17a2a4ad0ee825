"""How a bureau's own sheets name things: header spellings, age bands, school types and grades.

One table per sheet kind (:data:`SHEET_FIELDS`): each planner field with the spellings offices
actually use (学校名称 / 名称 / 单位名称, 经度 / lon / 东经 ...), matched after
:func:`norm_header` (case, spaces, full-width brackets and a trailing unit in brackets dropped).
A user mapping (``[headers]`` of the manifest) adds spellings for the rest. Age bands are read
from headers such as ``0-4岁``, ``5～9岁``, ``65岁及以上``, ``85+`` or a single year ``0岁``
(:func:`parse_band`); school and facility types from their Chinese names (:data:`TYPE_WORDS`);
roster grades from 小班 / 一年级 / 初一 / 七年级 ... (:func:`norm_grade`).

Nothing here reads a file: :mod:`gis.bureau.tables` does, and names the file, sheet and row.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from layers.errors import InputError

__all__ = ["SheetField", "SHEET_FIELDS", "norm_header", "match_headers", "parse_band", "Band", "TYPE_WORDS",
           "norm_type", "OWNERSHIP_WORDS", "GRADES", "norm_grade", "GRADE_LEVEL"]


@dataclass(frozen=True)
class SheetField:
    """One field of a bureau sheet: its planner name, whether it is required and its spellings."""

    name: str
    required: bool
    spellings: tuple[str, ...]
    zh: str = ""


def _f(name, required, *spellings, zh=""):
    return SheetField(name, required, tuple(spellings), zh or spellings[0])


_NAME = ("名称", "name")
_LON = ("经度", "东经", "lon", "lng", "long", "longitude", "x", "x坐标", "经度坐标")
_LAT = ("纬度", "北纬", "lat", "latitude", "y", "y坐标", "纬度坐标")

#: Sheet kind -> its fields (in report order). Spellings are compared after :func:`norm_header`.
SHEET_FIELDS: dict[str, tuple[SheetField, ...]] = {
    "census": (
        _f("unit", True, "社区名称", "社区", "村(社区)", "村（社区）", "社区(村)", "社区/村", "村委会", "居委会",
           "街道名称", "街道", "乡镇街道", "街道(乡镇)", "乡镇", "单位名称", "地区", "unit", "unit_name", "area",
           "district", "name", zh="社区名称"),
        _f("unit_code", False, "社区代码", "区划代码", "行政区划代码", "统计用区划代码", "代码", "code", "unit_code",
           "district_id"),
        _f("parent", False, "所属街道", "所属乡镇", "街道(乡镇)名称", "上级单位", "街道", "街道名称", "乡镇街道", "乡镇",
           "parent", zh="所属街道"),
        _f("total", False, "总人口", "合计", "常住人口", "人口总数", "总计", "人口数", "total", "pop_total",
           "population", zh="总人口"),
    ),
    "facilities": (
        _f("name", True, "学校名称", "单位名称", "机构名称", "幼儿园名称", "设施名称", *_NAME, zh="学校名称"),
        _f("type", True, "类型", "学校类型", "办学类型", "类别", "机构类型", "学段", "type", "category", zh="类型"),
        _f("code", False, "学校代码", "学校标识码", "机构代码", "编号", "代码", "id", "facility_id", zh="学校代码"),
        _f("address", False, "地址", "详细地址", "学校地址", "address", zh="地址"),
        _f("lon", True, *_LON, zh="经度"),
        _f("lat", True, *_LAT, zh="纬度"),
        _f("seats", False, "学位数", "学位", "核定学位", "学位数(个)", "设计学位", "seats", "capacity", zh="学位数"),
        _f("seats_primary", False, "小学学位", "小学学位数", "小学部学位", zh="小学学位"),
        _f("seats_junior", False, "初中学位", "初中学位数", "初中部学位", zh="初中学位"),
        _f("classes", False, "班级数", "班数", "教学班数", "班级", "classes", zh="班级数"),
        _f("pupils", False, "在校生数", "在校生", "学生数", "在园幼儿数", "在园人数", "pupils", "enrolled",
           zh="在校生数"),
        _f("beds", False, "床位数", "床位", "核定床位", "beds", zh="床位数"),
        _f("ownership", False, "办学性质", "举办性质", "性质", "公办/民办", "ownership", zh="办学性质"),
        _f("puhui", False, "普惠", "是否普惠", "普惠性", "puhui", zh="普惠"),
    ),
    "projects": (
        _f("name", True, "项目名称", "学校名称", *_NAME, zh="项目名称"),
        _f("type", True, "类型", "项目类型", "学校类型", "建设内容", "type", zh="类型"),
        _f("code", False, "项目编号", "编号", "项目代码", "id", "project_id", zh="项目编号"),
        _f("lon", True, *_LON, zh="经度"),
        _f("lat", True, *_LAT, zh="纬度"),
        _f("build_year", True, "拟建年份", "拟建", "开工年份", "建设年份", "计划开工", "拟建年度", "build_year",
           zh="拟建年份"),
        _f("open_year", False, "投用年份", "开办年份", "建成年份", "交付年份", "open_year", zh="投用年份"),
        _f("seats", False, "学位数", "学位", "新增学位", "seats", zh="学位数"),
        _f("seats_primary", False, "小学学位", "小学学位数", zh="小学学位"),
        _f("seats_junior", False, "初中学位", "初中学位数", zh="初中学位"),
        _f("classes", False, "班级数", "班数", "规划班级", "classes", zh="班级数"),
    ),
    "roster": (
        _f("school", True, "学校名称", "学校", "学校代码", "school", "school_id", zh="学校名称"),
        _f("year", True, "年份", "学年", "年度", "统计年份", "year", zh="年份"),
        _f("grade", True, "年级", "班级年级", "grade", zh="年级"),
        _f("pupils", True, "在校生数", "学生数", "人数", "在园幼儿数", "pupils", zh="在校生数"),
    ),
    "births": (
        _f("unit", True, "街道", "街道名称", "乡镇街道", "乡镇", "地区", "district", "district_id", "unit",
           zh="街道"),
        _f("year", True, "年份", "年度", "出生年份", "year", zh="年份"),
        _f("births", True, "出生人数", "出生数", "出生人口", "活产数", "births", zh="出生人数"),
    ),
    "units": (
        _f("name", True, "社区名称", "街道名称", "名称", "name", "NAME", zh="名称"),
        _f("code", False, "区划代码", "代码", "code", "adcode", "id", zh="区划代码"),
        _f("parent", False, "所属街道", "所属乡镇", "街道", "parent", zh="所属街道"),
    ),
}

_BRACKET_UNIT = re.compile(r"[（(][^（）()]*[)）]$")


def norm_header(h) -> str:
    """A header as compared: trimmed, lower-case, inner spaces and line breaks removed, full-width
    brackets made half-width and a trailing unit in brackets dropped (``学位数（个）`` -> ``学位数``)."""
    s = "".join(str(h).split()).lower().replace("（", "(").replace("）", ")")
    t = _BRACKET_UNIT.sub("", s)
    return t or s


def match_headers(headers, kind: str, user: dict | None = None, *, file=None) -> tuple[dict, list[str]]:
    """Which column of a sheet holds which field of ``kind``.

    Parameters
    ----------
    headers : list of str
        The sheet's header cells, in order.
    kind : str
        A key of :data:`SHEET_FIELDS`.
    user : dict, optional
        ``{header as written: field}`` from the manifest's ``[headers]``; it wins over the table.
    file : str, optional
        Named in errors.

    Returns
    -------
    (dict, list)
        ``{field: header}`` for every field found, and the headers left unused.

    Raises
    ------
    layers.errors.InputError
        A required field no header spells (the message lists the headers found and, when one is
        close, says which — a mis-spelled header), or a user mapping naming an unknown field.
    """
    fields = SHEET_FIELDS[kind]
    names = {f.name for f in fields}
    found: dict[str, str] = {}
    for h, fld in (user or {}).items():
        if fld not in names:
            continue  # a mapping for another sheet kind
        for col in headers:
            if norm_header(col) == norm_header(h):
                found.setdefault(fld, col)
    taken = set(found.values())
    for f in fields:
        if f.name in found:
            continue
        wanted = [norm_header(s) for s in f.spellings]
        for w in wanted:  # spellings in order of preference
            col = next((c for c in headers if c not in taken and norm_header(c) == w), None)
            if col is not None:
                found[f.name] = col
                taken.add(col)
                break
    for f in fields:
        if f.required and f.name not in found:
            unused = [c for c in headers if c not in taken]
            spell = [norm_header(s) for s in f.spellings]
            close = [c for c in unused if difflib.get_close_matches(norm_header(c), spell, n=1, cutoff=0.6)]
            hint = (f"; is {close[0]!r} a mis-spelling of {f.zh!r}? rename it or map it in the manifest's "
                    f"[headers] ({close[0]!r} = {f.name!r})") if close else \
                (f"; name the column {f.zh!r} or map it in the manifest's [headers]")
            raise InputError(f"no column for {f.name} ({f.zh}; spellings known: {', '.join(f.spellings[:6])}); "
                             f"headers found: {', '.join(map(str, headers)) or 'none'}{hint}", file=file,
                             field=f.zh)
    return found, [c for c in headers if c not in taken]


# ---------------------------------------------------------------- age bands


@dataclass(frozen=True)
class Band:
    """An age band of a census sheet: ages ``lo`` to ``hi`` inclusive (``hi`` None: and over)."""

    lo: int
    hi: int | None
    header: str

    @property
    def width(self) -> int | None:
        """Years in the band (None for an open band)."""
        return None if self.hi is None else self.hi - self.lo + 1

    def label(self) -> str:
        """``0-4`` / ``65+`` / ``7``."""
        return f"{self.lo}+" if self.hi is None else (f"{self.lo}" if self.hi == self.lo else f"{self.lo}-{self.hi}")


_DASH = r"\s*[-–—~～至到]\s*"
_RANGE = re.compile(rf"^(\d{{1,3}}){_DASH}(\d{{1,3}})\s*(岁|周岁)?$")
_OPEN = re.compile(r"^(\d{1,3})\s*(岁|周岁)?\s*(\+|及以上|以上|岁以上|及其以上|and\s*over|plus)$")
_SINGLE = re.compile(r"^(\d{1,3})\s*(岁|周岁)$")
_PREFIX = re.compile(r"^(age|年龄|aged)[_\s:]*", re.I)


def parse_band(header) -> Band | None:
    """The age band a header names, or None when it names none.

    >>> parse_band("0-4岁"), parse_band("65岁及以上").label(), parse_band("age_85+").label()
    (Band(lo=0, hi=4, header='0-4岁'), '65+', '85+')
    """
    s = "".join(str(header).split()).replace("（", "(").replace("）", ")")
    s = _PREFIX.sub("", s).replace("_", "-")
    s = re.sub(r"\(人\)$|人$", "", s)
    m = _RANGE.match(s)
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
        return Band(lo, hi, str(header)) if hi >= lo else None
    m = _OPEN.match(s)
    if m:
        return Band(int(m.group(1)), None, str(header))
    m = _SINGLE.match(s)
    if m:
        return Band(int(m.group(1)), int(m.group(1)), str(header))
    return None


# ---------------------------------------------------------------- types, ownership, grades

#: Chinese (and English) facility / project type words -> (family, subtype). Longer words first
#: when matching, so 九年一贯制学校 is not taken for 学校.
TYPE_WORDS: dict[str, tuple[str, str]] = {
    "小学": ("school", "primary"), "完小": ("school", "primary"), "primary": ("school", "primary"),
    "初中": ("school", "junior"), "初级中学": ("school", "junior"), "junior": ("school", "junior"),
    "九年一贯制": ("school", "nine_year"), "九年制": ("school", "nine_year"), "nine_year": ("school", "nine_year"),
    "完全中学": ("school", "complete"), "完中": ("school", "complete"), "complete": ("school", "complete"),
    "幼儿园": ("kindergarten", "kindergarten"), "kindergarten": ("kindergarten", "kindergarten"),
    "托育": ("childcare", "childcare_centre"), "托儿所": ("childcare", "childcare_centre"),
    "社区卫生服务中心": ("clinic", "health_centre"), "卫生院": ("clinic", "health_centre"),
    "卫生服务站": ("clinic", "health_station"), "卫生室": ("clinic", "health_station"), "诊所": ("clinic", "health_station"),
    "医院": ("clinic", "hospital"),
    "日间照料": ("elderly_care", "day_care"), "养老院": ("elderly_care", "nursing_home"),
    "敬老院": ("elderly_care", "nursing_home"), "养老机构": ("elderly_care", "nursing_home"),
    "福利院": ("elderly_care", "nursing_home"),
}

#: 办学性质 words -> ownership.
OWNERSHIP_WORDS = {"公办": "public", "公立": "public", "国有": "public", "public": "public",
                   "民办": "private", "私立": "private", "private": "private"}


def norm_type(value) -> tuple[str, str] | None:
    """(family, subtype) of a type cell (九年一贯制学校 -> school / nine_year), or None."""
    s = "".join(str(value).split()).lower()
    for word in sorted(TYPE_WORDS, key=len, reverse=True):
        if word in s:
            return TYPE_WORDS[word]
    return None


#: Grades of ``enrolment.csv``: K1-K3 (幼儿园 小/中/大班), 1-6 primary, 7-9 junior.
GRADES = ("K1", "K2", "K3", *(str(g) for g in range(1, 10)))
#: Grade -> the level its pupils fill.
GRADE_LEVEL = {**{g: "kindergarten" for g in GRADES[:3]}, **{str(g): "primary" for g in range(1, 7)},
               **{str(g): "junior" for g in range(7, 10)}}

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_GRADE_WORDS = {"小班": "K1", "中班": "K2", "大班": "K3", "k1": "K1", "k2": "K2", "k3": "K3",
                "初一": "7", "初二": "8", "初三": "9"}


def norm_grade(value) -> str | None:
    """A roster's grade cell as a grade of :data:`GRADES` (一年级 -> ``1``, 初二 / 八年级 -> ``8``,
    小班 -> ``K1``), or None when it names none."""
    s = "".join(str(value).split()).lower()
    if s.endswith(".0"):
        s = s[:-2]
    if s in _GRADE_WORDS:
        return _GRADE_WORDS[s]
    for w, g in _GRADE_WORDS.items():
        if s.startswith(w):
            return g
    m = re.fullmatch(r"([1-9一二三四五六七八九])(年级)?", s)
    if m:
        d = m.group(1)
        return str(_CN_DIGITS.get(d, d))
    return None


def check_no_duplicate(values, *, file, field, rows) -> None:
    """Refuse a value that appears twice (units of a census sheet, names of a school list)."""
    seen: dict[str, int] = {}
    for v, r in zip(values, rows):
        if v in seen:
            raise InputError(f"{v!r} appears twice (also in row {seen[v]}); each must be listed once", file=file,
                             row=r, field=field)
        seen[v] = r
