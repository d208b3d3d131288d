"""Province lookup in every form, NBS regions checked against the embedded data, add_region."""

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthalloc.data import (
    PROVINCES,
    REGIONS,
    DataError,
    UnknownNameError,
    add_region,
    load_china_provinces,
    load_province_geography,
    province,
    region_of,
)

# The NBS three-belt split exactly as /work/shared/data/SOURCES.md lists it.
BELTS = {
    "east": "BJ TJ HE LN SH JS ZJ FJ SD GD HI".split(),
    "central": "SX JL HL AH JX HA HB HN".split(),
    "west": "NM GX CQ SC GZ YN XZ SN GS QH NX XJ".split(),
}

PANEL = load_china_provinces()[["province_code", "province_cn", "province_en", "region"]].drop_duplicates()


def test_thirty_one_provinces():
    assert len(PROVINCES) == len(PANEL) == 31
    assert len({p.code for p in PROVINCES}) == 31
    assert {p.region for p in PROVINCES} == set(REGIONS)


@pytest.mark.parametrize("row", list(PANEL.itertuples(index=False)), ids=lambda r: r.province_en)
def test_every_form_against_the_panel(row):
    forms = [
        row.province_code,
        str(row.province_code),
        float(row.province_code),
        row.province_code // 10000,
        str(row.province_code)[:2],
        row.province_cn,
        row.province_en,
        row.province_en.upper(),
        row.province_en.lower(),
        f"  {row.province_en}  ",
    ]
    for form in forms:
        assert region_of(form) == row.region, form
        assert province(form).code == row.province_code, form
    p = province(row.province_code)
    assert (p.name_cn, p.name_en) == (row.province_cn, row.province_en)


@pytest.mark.parametrize("p", PROVINCES, ids=lambda p: p.name_en)
def test_every_form_of_the_table_finds_its_province(p):
    for name in (*p.names, p.iso.lower(), f"cn-{p.iso.lower()}"):
        assert province(name) is p, name
    assert p.name_cn.startswith(p.short_cn) and len(p.short_cn) < len(p.name_cn)


@pytest.mark.parametrize("region", BELTS)
def test_iso_codes_give_the_sources_belts(region):
    for iso in BELTS[region]:
        assert region_of(iso) == region, iso
    assert sorted(sum(BELTS.values(), [])) == sorted(p.iso for p in PROVINCES)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("广西", 450000), ("广西壮族自治区", 450000),
        ("内蒙古", 150000), ("内蒙古自治区", 150000),
        ("宁夏", 640000), ("新疆", 650000), ("西藏", 540000), ("黑龙江", 230000),
        ("HA", 410000), ("HN", 430000), ("HE", 130000), ("HB", 420000), ("HI", 460000),
        ("HL", 230000), ("SX", 140000), ("SN", 610000), ("NM", 150000), ("CN-XZ", 540000),
        ("Shanxi", 140000), ("Shaanxi", 610000), ("Xizang", 540000), ("Nei Mongol", 150000),
    ],
)
def test_confusable_names(name, code):
    assert province(name).code == code


def test_geography_file_agrees_with_the_table():
    geo = load_province_geography()
    for row in geo.itertuples(index=False):
        p = province(row.adcode)
        assert (p.name_cn, p.name_en, p.region) == (row.name_cn, row.name_en, row.region)


@given(
    p=st.sampled_from(PROVINCES),
    flips=st.lists(st.booleans(), min_size=20, max_size=20),
    form=st.sampled_from(["name_en", "iso"]),
)
def test_lookup_ignores_case(p, flips, form):
    name = getattr(p, form)
    mixed = "".join(c.upper() if f else c.lower() for c, f in zip(name, flips + [False] * len(name)))
    assert province(mixed) is p
    assert region_of(mixed) == p.region


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Shanxii", r"unknown province 'Shanxii' \(did you mean 'Shanxi', 'Shaanxi'"),
        ("广西省", r"unknown province '广西省' \(did you mean '广西'"),
        (810000, r"unknown province 810000; expected one of the 31 mainland provinces"),
        ("香港", r"Hong Kong, Macao and Taiwan have no NBS region"),
        (None, r"unknown province None"),
        (True, r"unknown province True"),
        (110000.5, r"unknown province 110000\.5"),
        ("", r"unknown province ''"),
    ],
)
def test_unknown_names(value, message):
    with pytest.raises(UnknownNameError, match=message) as info:
        region_of(value)
    assert isinstance(info.value, KeyError) and isinstance(info.value, DataError)


@pytest.mark.parametrize("column", ["province_code", "province_cn", "province_en"])
def test_add_region_reproduces_the_panel(column):
    panel = load_china_provinces()
    bare = panel.drop(columns="region")
    out = add_region(bare, column)
    assert out["region"].tolist() == panel["region"].tolist()
    assert list(out.columns) == [*bare.columns, "region"]
    assert "region" not in bare.columns  # input left alone


def test_add_region_other_name():
    out = add_region(pd.DataFrame({"p": ["广西", "BJ"]}), "p", name="belt")
    assert out["belt"].tolist() == ["west", "east"]


def test_add_region_names_unknown_values_and_rows():
    df = pd.DataFrame({"p": ["北京", "Shanxii", None, "Shanxii", 810000]})
    with pytest.raises(DataError) as info:
        add_region(df, "p")
    message = str(info.value)
    assert message.startswith("column 'p' has values that are not mainland provinces: ")
    assert "'Shanxii' in rows 2 and 4 (did you mean 'Shanxi'" in message
    assert "missing in row 3" in message
    assert "810000 in row 5" in message
    assert "北京" not in message


def test_add_region_refuses_to_overwrite_and_unknown_columns():
    panel = load_china_provinces()
    with pytest.raises(DataError, match="column 'region' already exists"):
        add_region(panel, "province_cn")
    with pytest.raises(UnknownNameError, match="did you mean 'province_cn'"):
        add_region(panel, "province_c")
