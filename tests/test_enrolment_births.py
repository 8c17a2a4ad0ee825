"""Demand carried unrounded and rounded once per district; the demo's children follow national births;
migration counted once; births and migration bounded (issue 23 items 1-3, issue 27 items 1, 2, 20)."""

import numpy as np
import pandas as pd
import pytest

from demo.national_births import NATIONAL_BIRTHS_M, NATIONAL_CBR_PERMILLE, demo_births
from layers.errors import InputError
from layers.norms import CHILD_SURVIVAL
from layers.validate import validate_births, validate_frame
from scenarios.demand import children, largest_remainder_by_group, unrounded_children
from scenarios.enrolment import enrolment_table, level_demand

from test_enrolment import three_cells

YEARS = range(2021, 2031)


def test_largest_remainder_by_group_hand_worked():
    # group a: 0.4 + 0.4 + 0.4 = 1.2 -> 1 child, to the first (ties by position); group b: 1.6 + 2.7 = 4.3 -> 4
    v = np.array([0.4, 1.6, 0.4, 2.7, 0.4])
    g = np.array(["a", "b", "a", "b", "a"])
    assert largest_remainder_by_group(v, g).tolist() == [1, 1, 0, 3, 0]
    rng = np.random.default_rng(3)
    v = rng.gamma(0.8, 2.0, 2000)
    g = rng.integers(0, 7, 2000)
    out = largest_remainder_by_group(v, g)
    assert (np.abs(out - v) < 1).all()
    for k in range(7):
        assert out[g == k].sum() == round(v[g == k].sum())


def test_reported_figures_are_rounded_unrounded_sums_and_keep_trends(small_demo):
    """Every district x level x year figure equals the rounded sum of the unrounded cells (±1), the
    whole children the assignment gets sum to it, and no year-to-year change flips sign."""
    t = enrolment_table(small_demo, years=YEARS)
    did = small_demo.population["district_id"].astype(str).to_numpy()
    for lv in ("kindergarten", "primary", "junior"):
        for y in YEARS:
            raw = pd.Series(unrounded_children(small_demo, lv, y), index=did).groupby(level=0).sum()
            whole = pd.Series(children(small_demo, lv, y), index=did).groupby(level=0).sum()
            rows = t[(t["level"] == lv) & (t["year"] == y)].set_index("district_id")["enrolment"]
            for d, n in rows.items():
                assert abs(n - raw[d]) <= 1 and n == whole[d], (lv, y, d)
        raw_series = np.array([unrounded_children(small_demo, lv, y).sum() for y in YEARS])
        rep = t[t["level"] == lv].groupby("year")["enrolment"].sum().to_numpy()
        assert (np.sign(np.diff(rep)) * np.sign(np.diff(raw_series)) >= 0).all(), lv
        for d in rows.index:  # per district too
            r = np.array([unrounded_children(small_demo, lv, y)[did == d].sum() for y in YEARS])
            p = t[(t["level"] == lv) & (t["district_id"] == d)].sort_values("year")["enrolment"].to_numpy()
            big = np.abs(np.diff(r)) >= 1  # a change below one child may round to no change
            assert (np.sign(np.diff(p))[big] == np.sign(np.diff(r))[big]).all(), (lv, d)


def expected_ratio(ages, year, base):
    """Children of ``ages`` in ``year`` over those in ``base`` from the national births table itself:
    births of each cohort year x survival ** age."""
    def kids(y):
        return sum(NATIONAL_BIRTHS_M[y - a] * CHILD_SURVIVAL ** a for a in ages)
    return kids(year) / kids(base)


def test_demo_children_follow_national_births(small_demo):
    """Kindergarten demand 2025 vs 2021 falls by what national births imply: born 2020-22 (12.02 +
    10.62 + 9.56 M) against born 2016-18 (18.83 + 17.23 + 15.23 M), about 0.63."""
    t = enrolment_table(small_demo, years=(2021, 2025, 2030))
    s = t.groupby(["level", "year"])["enrolment"].sum()
    want = expected_ratio(range(3, 6), 2025, 2021)
    assert want == pytest.approx(32.20 / 51.29, rel=0.01)
    assert s["kindergarten", 2025] / s["kindergarten", 2021] == pytest.approx(want, rel=0.02)
    assert s["primary", 2030] / s["primary", 2021] == pytest.approx(expected_ratio(range(6, 12), 2030, 2021), rel=0.02)
    assert s["junior", 2030] / s["junior", 2021] == pytest.approx(expected_ratio(range(12, 15), 2030, 2021), rel=0.02)
    # the demo's births are the national series at the national crude rate
    pop = small_demo.population["pop_total"].sum()
    b = small_demo.births.groupby("year")["births"].sum()
    for y in (2020, 2021, 2022, 2023, 2024):
        assert b[y] == pytest.approx(pop * NATIONAL_CBR_PERMILLE[y] / 1000, rel=0.02), y
    assert b[2022] / b[2016] == pytest.approx(NATIONAL_BIRTHS_M[2022] / NATIONAL_BIRTHS_M[2016], rel=0.02)
    assert demo_births(1_411_000_000, 2020) == pytest.approx(12.02e6, rel=0.001)


def test_migration_counted_once():
    """Cohort mode: growth_rate is not applied on top of births; net_migration is its own input (default 0)."""
    a = three_cells()
    d = a.districts.drop(columns=["net_migration"]).assign(growth_rate=[0.05, 0.05])
    with_growth = a.replace(districts=d, validate=False)
    no_growth = a.replace(districts=d.drop(columns=["growth_rate"]), validate=False)
    for y in (2023, 2030):
        assert level_demand(with_growth, "primary", y) == pytest.approx(level_demand(no_growth, "primary", y))
    mig = a.replace(districts=d.assign(net_migration=[0.02, 0.0]), validate=False)
    assert level_demand(mig, "primary", 2023)[0] == pytest.approx(level_demand(with_growth, "primary", 2023)[0] * 1.02 ** 2)
    # the growth-rate mode still reads growth_rate
    assert level_demand(with_growth, "primary", 2023, mode="growth")[0] == pytest.approx(120 * 1.05 ** 2)


@pytest.mark.parametrize("value", [2, 100, -0.5, "2%"])
def test_net_migration_bounded(value):
    a = three_cells()
    bad = a.districts.assign(net_migration=[0.01, value])
    with pytest.raises(InputError) as e:
        validate_frame(pd.DataFrame(bad.drop(columns="geometry")), "districts", file="districts.gpkg")
    assert e.value.row == 2 and e.value.field == "net_migration" and str(value) in str(e.value)
    if not isinstance(value, str):  # an area built from frames is checked when projected
        with pytest.raises(InputError, match="net_migration"):
            level_demand(a.replace(districts=bad, validate=False), "primary", 2025)


@pytest.mark.parametrize("field,text", [("births", "1e20"), ("births", "1e300"), ("births", "-5"),
                                        ("year", "2022.5"), ("year", "1e19"), ("births", "nan"), ("year", "")])
def test_bad_births_cell_named_with_its_text(field, text):
    raw = pd.DataFrame({"district_id": ["A", "B"], "year": ["2022", "2022"], "births": ["10", "5"]})
    raw.loc[1, field] = text
    with pytest.raises(InputError) as e:
        validate_births(raw, ["A", "B"], source="area/births.csv")
    msg = str(e.value)
    assert e.value.row == 2 and e.value.field == field and "area/births.csv" in msg
    assert "np." not in msg and (text in msg or text == "")


def test_bad_births_numbers_from_frames_quoted_plainly():
    raw = pd.DataFrame({"district_id": ["A", "B"], "year": [2022, 2022.5], "births": [10.0, 1e20]})
    with pytest.raises(InputError) as e:
        validate_births(raw, ["A", "B"], source="births.csv")
    assert "2022.5" in str(e.value) and "np." not in str(e.value)
    raw["year"] = [2022, 2022]
    with pytest.raises(InputError, match="1e\\+20") as e:
        validate_births(raw, ["A", "B"], source="births.csv")


@pytest.mark.parametrize("text,field", [("1e20", "births"), ("2022.5", "year"), ("1e19", "year")])
def test_folder_births_error_names_file_row_field(tmp_path, text, field):
    """Through the folder loader: the file's own text, its path, row and field; before any arithmetic."""
    from gis.folder import export_area, load_folder
    from test_folder import _area

    export_area(_area(), tmp_path)
    cells = {"year": "2022", "births": "30"} | {field: text}
    (tmp_path / "births.csv").write_text(f"district_id,year,births\n140802001,{cells['year']},{cells['births']}\n"
                                         "140802002,2022,20\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_folder(tmp_path)
    assert e.value.row == 1 and e.value.field == field and "births.csv" in str(e.value.file)
    assert text in str(e.value) and "np." not in str(e.value)
