"""China's 31 mainland provinces: codes, names and NBS three-belt regions.

A province can be named by its GB/T 2260 code (``110000`` or ``"110000"``, or the
two-digit prefix ``11``), its ISO 3166-2:CN code (``"BJ"``, ``"CN-BJ"``), its Chinese full
or short name (``"广西壮族自治区"``, ``"广西"``) or its English name (``"Guangxi"``); Latin
names ignore case and repeated spaces. Hong Kong, Macao and Taiwan have no NBS region.

The regions are the NBS east/central/west split (东部/中部/西部): east = BJ TJ HE LN SH JS
ZJ FJ SD GD HI; central = SX JL HL AH JX HA HB HN; west = NM GX CQ SC GZ YN XZ SN GS QH
NX XJ.

The port provinces (:data:`PORTS`, seed 003's "port-developed provinces", hypothesis H2b)
are the 11 coastal provinces, each with major seaports: TJ HE LN SH JS ZJ FJ SD GD GX HI.
Seed 003 names Shanghai, Jiangsu and Zhejiang as port-developed (its Fig. 4, against inland
Anhui) and studies Zhejiang, but lists no others; the rest of the list is the coast (every
coastal province has a seaport among China's main coastal ports: Dalian, Qinhuangdao and
Tangshan, Tianjin, Qingdao and Rizhao, Lianyungang, Shanghai, Ningbo-Zhoushan, Xiamen and
Fuzhou, Guangzhou and Shenzhen, Beibu Gulf, Haikou and Yangpu). Everything else is inland.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd

from healthalloc.data.messages import did_you_mean, listing, rows, show
from healthalloc.data.validate import DataError, UnknownNameError, check_columns

__all__ = ["PORTS", "PROVINCES", "REGIONS", "Province", "add_port", "add_region", "all_provinces", "group_order",
           "port_of", "province", "region_of"]

REGIONS = ("east", "central", "west")
"""NBS three-belt regions, east to west."""


@dataclass(frozen=True)
class Province:
    """One mainland province-level division.

    Attributes
    ----------
    code : int
        GB/T 2260 six-digit administrative division code.
    iso : str
        ISO 3166-2:CN subdivision code without the ``CN-`` prefix.
    name_cn, short_cn : str
        Chinese full name (``内蒙古自治区``) and short name (``内蒙古``).
    name_en : str
        English name, as in the embedded province panel's ``province_en``.
    region : str
        NBS three-belt region, one of :data:`REGIONS`.
    aliases : tuple of str
        Other English names in official use.
    """

    code: int
    iso: str
    name_cn: str
    short_cn: str
    name_en: str
    region: str
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Every form :func:`province` accepts for this province, as text."""
        code = str(self.code)
        return (
            code, code[:2], self.iso, f"CN-{self.iso}",
            self.name_cn, self.short_cn, self.name_en, *self.aliases,
        )


PROVINCES: tuple[Province, ...] = (
    Province(110000, "BJ", "北京市", "北京", "Beijing", "east"),
    Province(120000, "TJ", "天津市", "天津", "Tianjin", "east"),
    Province(130000, "HE", "河北省", "河北", "Hebei", "east"),
    Province(140000, "SX", "山西省", "山西", "Shanxi", "central"),
    Province(150000, "NM", "内蒙古自治区", "内蒙古", "Inner Mongolia", "west",
             ("Nei Mongol", "Neimenggu")),
    Province(210000, "LN", "辽宁省", "辽宁", "Liaoning", "east"),
    Province(220000, "JL", "吉林省", "吉林", "Jilin", "central"),
    Province(230000, "HL", "黑龙江省", "黑龙江", "Heilongjiang", "central"),
    Province(310000, "SH", "上海市", "上海", "Shanghai", "east"),
    Province(320000, "JS", "江苏省", "江苏", "Jiangsu", "east"),
    Province(330000, "ZJ", "浙江省", "浙江", "Zhejiang", "east"),
    Province(340000, "AH", "安徽省", "安徽", "Anhui", "central"),
    Province(350000, "FJ", "福建省", "福建", "Fujian", "east"),
    Province(360000, "JX", "江西省", "江西", "Jiangxi", "central"),
    Province(370000, "SD", "山东省", "山东", "Shandong", "east"),
    Province(410000, "HA", "河南省", "河南", "Henan", "central"),
    Province(420000, "HB", "湖北省", "湖北", "Hubei", "central"),
    Province(430000, "HN", "湖南省", "湖南", "Hunan", "central"),
    Province(440000, "GD", "广东省", "广东", "Guangdong", "east"),
    Province(450000, "GX", "广西壮族自治区", "广西", "Guangxi", "west"),
    Province(460000, "HI", "海南省", "海南", "Hainan", "east"),
    Province(500000, "CQ", "重庆市", "重庆", "Chongqing", "west"),
    Province(510000, "SC", "四川省", "四川", "Sichuan", "west"),
    Province(520000, "GZ", "贵州省", "贵州", "Guizhou", "west"),
    Province(530000, "YN", "云南省", "云南", "Yunnan", "west"),
    Province(540000, "XZ", "西藏自治区", "西藏", "Tibet", "west", ("Xizang",)),
    Province(610000, "SN", "陕西省", "陕西", "Shaanxi", "west"),
    Province(620000, "GS", "甘肃省", "甘肃", "Gansu", "west"),
    Province(630000, "QH", "青海省", "青海", "Qinghai", "west"),
    Province(640000, "NX", "宁夏回族自治区", "宁夏", "Ningxia", "west"),
    Province(650000, "XJ", "新疆维吾尔自治区", "新疆", "Xinjiang", "west"),
)
"""The 31 mainland provinces in GB/T 2260 order."""

PORTS = frozenset({"TJ", "HE", "LN", "SH", "JS", "ZJ", "FJ", "SD", "GD", "GX", "HI"})
"""ISO codes of the port provinces: the 11 coastal provinces (see the module docstring)."""


def _key(value: object) -> str | None:
    """Lookup key: codes as digits, names trimmed and case-folded; None if not a name."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else None
    if isinstance(value, str):
        return " ".join(value.split()).casefold()
    return None


_INDEX = {_key(name): p for p in PROVINCES for name in p.names}


def _hint(value: object) -> str:
    """``" (did you mean 'Shanxi'?)"`` for a misspelt name, else ``""``."""
    if not isinstance(value, str):
        return ""
    hint = did_you_mean(value, [n for p in PROVINCES for n in (p.name_en, p.name_cn, p.short_cn)])
    return f" ({hint})" if hint else ""


def province(name_or_code: object) -> Province:
    """The :class:`Province` named by a code, ISO code, Chinese or English name.

    Raises
    ------
    UnknownNameError
        ``name_or_code`` names none of the 31 mainland provinces; close names are suggested.

    Examples
    --------
    >>> province("广西").code
    450000
    """
    found = _INDEX.get(_key(name_or_code))
    if found is None:
        plain = name_or_code.item() if isinstance(name_or_code, np.generic) else name_or_code
        raise UnknownNameError(
            f"unknown province {plain!r}{_hint(name_or_code)}; expected one of the 31 "
            "mainland provinces by GB/T 2260 code, ISO 3166-2:CN code, Chinese or English name "
            "(Hong Kong, Macao and Taiwan have no NBS region)"
        )
    return found


def all_provinces(units) -> bool:
    """True when ``units`` name the 31 mainland provinces, each once (a province map shows them all)."""
    try:
        return len({province(u).code for u in units}) == len(units) == len(PROVINCES)
    except UnknownNameError:
        return False


def region_of(name_or_code: object) -> str:
    """NBS three-belt region (``"east"``, ``"central"`` or ``"west"``) of a province.

    Accepts every form :func:`province` does, e.g. ``450000``, ``"GX"``, ``"广西"``,
    ``"guangxi"``.

    Examples
    --------
    >>> region_of("内蒙古"), region_of(110000), region_of("SHAANXI")
    ('west', 'east', 'west')
    """
    return province(name_or_code).region


def port_of(name_or_code: object) -> str:
    """``"port"`` for a port province (:data:`PORTS`), else ``"inland"``; any form :func:`province` accepts.

    Examples
    --------
    >>> port_of("浙江"), port_of("Anhui"), port_of(450000)
    ('port', 'inland', 'port')
    """
    return "port" if province(name_or_code).iso in PORTS else "inland"


def add_region(df: pd.DataFrame, column: str, *, name: str = "region") -> pd.DataFrame:
    """A copy of ``df`` with a column ``name`` holding the NBS region of ``df[column]``.

    Raises
    ------
    DataError
        ``column`` is absent, ``name`` already exists, or some values are not mainland
        provinces (each is named with its 1-based rows and a suggestion).
    """
    return _add(df, column, name, region_of)


def add_port(df: pd.DataFrame, column: str, *, name: str = "port") -> pd.DataFrame:
    """A copy of ``df`` with a column ``name`` holding ``"port"`` or ``"inland"`` (:func:`port_of`)
    for ``df[column]``; raises as :func:`add_region`."""
    return _add(df, column, name, port_of)


def _add(df: pd.DataFrame, column: str, name: str, of) -> pd.DataFrame:
    """``df`` with column ``name`` = ``of(province)`` for each value of ``df[column]``."""
    check_columns(df, [column])
    if name in df.columns:
        raise DataError(f"column {name!r} already exists; pass another name=")
    codes, uniques = pd.factorize(df[column], use_na_sentinel=False)
    regions, unknown = [], []
    for i, value in enumerate(uniques.tolist()):
        try:
            regions.append(of(value))
        except UnknownNameError:
            regions.append(None)
            unknown.append(f"{show(value)} in {rows(np.flatnonzero(codes == i).tolist())}{_hint(value)}")
    if unknown:
        raise DataError(f"column {column!r} has values that are not mainland provinces: {listing(unknown)}")
    return df.assign(**{name: np.asarray(regions, dtype=object)[codes]})


def group_order(groups: pd.Series) -> list:
    """The groups found, in reading order: NBS regions east → west, categories in their order,
    other labels by first appearance."""
    if isinstance(groups.dtype, pd.CategoricalDtype):
        return [c for c in groups.cat.categories if (groups == c).any()]
    found = list(pd.unique(groups))
    if set(found) <= set(REGIONS):
        return [r for r in REGIONS if r in found]
    return found
