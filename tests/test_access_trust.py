"""Trust in 'healthalloc access': degenerate and bad inputs at the command line (one error or
warning line naming the file, column and ids; the user's files untouched), the summary
never a bare inf, and the shared rules of healthalloc.data.validate (ids as written,
amounts, coordinates) against independent computations."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import assert_refused, assert_warns, run_cli
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from healthalloc.access import access_equity, accessibility
from healthalloc.access.points import LARGEST_TOTAL, points
from healthalloc.data.validate import DataError, check_coordinates, id_column, id_positions

METHODS = [("--method", "2sfca"), ("--method", "e2sfca"), ("--method", "3sfca", "--steps", "1:1"),
           ("--method", "huff2sfca", "--decay", "power", "--beta", "1")]


def _write(name: str, **columns) -> str:
    pd.DataFrame(columns).to_csv(name, index=False)
    return name


@pytest.fixture
def files(user: Path) -> Path:
    """d.csv: a (100 people), b (300) 10 and 38 km from the one site h (8 beds) in s.csv;
    od.csv: the costs a–h 5, b–h 10."""
    _write("d.csv", id=["a", "b"], population=[100, 300], lon=[104.0, 104.3], lat=[30.0, 30.0])
    _write("s.csv", id=["h"], capacity=[8], lon=[104.1], lat=[30.0])
    _write("od.csv", origin=["a", "b"], destination=["h", "h"], cost=[5, 10])
    return user


def access(*extra: str, method: tuple[str, ...] = METHODS[0], demand: str = "d.csv", supply: str = "s.csv",
           catchment: str = "50") -> list[str]:
    return ["access", "--demand", demand, "--supply", supply, "--catchment", catchment, *method, *extra]


def _summary(out: str) -> dict[str, object]:
    """The summary printed after 'wrote OUT': one 'name value' line per figure."""
    def value(text: str) -> object:
        try:
            return float(text)
        except ValueError:
            return text

    return {name: value(text.strip()) for name, text in (line.split(None, 1) for line in out.splitlines()[1:])}


# ---- 1. nothing in reach: access 0 everywhere and one warning, never an internal error

@pytest.mark.parametrize("method", METHODS, ids=lambda m: m[1])
@pytest.mark.parametrize("od", [False, True], ids=["km", "od"])
def test_nothing_in_reach_is_access_zero_with_one_warning(files, capsys, method, od):
    argv = access(*(["--od", "od.csv"] if od else []), "-o", "out.csv", method=method, catchment="0.001")
    out, err = assert_warns(argv, r"^warning: no demand point has a site in reach \(a positive decay weight within 0\.001.*accessibility is 0 at "
                            r"all 2 demand points", files, capsys)
    assert err.count("warning:") == 1, err
    assert pd.read_csv("out.csv")["access"].tolist() == [0, 0]
    figures = _summary(out)
    assert figures["mean"] == 0 and figures["unreachable_population"] == 1 and figures["idle_sites"] == 1
    assert "inf" not in out


# ---- 2. theil_l over the reachable population, never a bare inf

def test_theil_l_covers_the_reachable_population(files, capsys):
    _write("far.csv", id=["a", "b", "c"], population=[100, 300, 600], lon=[104.0, 104.3, 110.0],
           lat=[30.0, 30.0, 30.0])
    out, _ = assert_warns(access(demand="far.csv") + ["-o", "out.csv"],
                          r"^warning: 1 demand point\(s\) \(60\.0% of the population\) have no site in reach.*'c'",
                          files, capsys)
    assert "inf" not in out
    a = pd.read_csv("out.csv").set_index("id")["access"]
    assert a["a"] == pytest.approx(8 / 400) and a["c"] == 0
    figures = _summary(out)
    # over a and b (40% of the people), both with 8 / 400: no inequality among them
    assert figures["theil_l"] == pytest.approx(0, abs=1e-12)
    assert figures["theil_l_population"] == pytest.approx(0.4) and figures["unreachable_population"] == 0.6
    # Theil's T of everyone: Σ yᵢ ln(yᵢ / pᵢ), the 40% holding all the capacity reached
    assert figures["theil_t"] == pytest.approx(math.log(1 / 0.4), rel=1e-4)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.just(0.0), st.floats(1e-6, 50)), st.floats(1, 1e4)), min_size=2,
                max_size=30), st.floats(0, 1))
def test_theil_indices_with_unreachable_people_equal_their_definitions(points_, zero_share):
    access_, population = (np.array(v) for v in zip(*points_))
    cut = int(zero_share * len(access_))
    access_[:cut] = 0.0                                            # some people reach nothing
    eq = access_equity(access_, population)
    reached = access_ > 0
    if not reached.any():
        assert math.isnan(eq["theil_l"]) and math.isnan(eq["gini"]) and eq["theil_l_population"] == 0
        return
    p, r = population / population.sum(), access_ * population / (access_ * population).sum()
    theil_t = float(np.sum(r[reached] * np.log(r[reached] / p[reached])))
    pr, rr = population[reached] / population[reached].sum(), r[reached]
    theil_l = float(np.sum(pr * np.log(pr / rr)))
    assert eq["theil_t"] == pytest.approx(theil_t, rel=1e-9, abs=1e-12)
    assert eq["theil_l"] == pytest.approx(theil_l, rel=1e-9, abs=1e-12)
    assert eq["theil_l_population"] == pytest.approx(p[reached].sum(), rel=1e-12)
    assert all(math.isfinite(eq[k]) for k in ("mean", "gini", "theil_l", "theil_t"))


# ---- 3. all-zero capacity or population: one warning naming the column

def test_zero_capacity_everywhere_is_one_warning(files, capsys):
    _write("zero.csv", id=["h", "g"], beds=[0, 0], lon=[104.1, 104.2], lat=[30.0, 30.0])
    out, err = assert_warns(access("--capacity", "beds", supply="zero.csv") + ["-o", "out.csv"],
                            r"^warning: zero\.csv: beds is 0 at every site: accessibility is 0", files, capsys)
    assert err.count("warning:") == 1 and _summary(out)["mean"] == 0


def test_zero_population_everywhere_is_one_warning(files, capsys):
    _write("nobody.csv", id=["a", "b"], people=[0, 0], lon=[104.0, 104.3], lat=[30.0, 30.0])
    out, err = assert_warns(access("--population", "people", demand="nobody.csv") + ["-o", "out.csv"],
                            r"^warning: nobody\.csv: people is 0 at every demand point", files, capsys)
    assert err.count("warning:") == 1 and "inf" not in out and math.isnan(_summary(out)["mean"])


# ---- 4., 5. and the rest: refused, naming the file, column and ids

@pytest.mark.parametrize("table, column, values, message", [
    ("d.csv", "population", [1e200, 1e200], r"d\.csv: population is too large to compute with: it sums to 2e\+200"),
    ("d.csv", "population", [1e300, 1], r"d\.csv: population is too large .*largest 1e\+300 at id 'a'"),
    ("s.csv", "capacity", [1e300], r"s\.csv: capacity is too large"),
    ("d.csv", "population", [np.inf, 1], r"d\.csv: population must be finite numbers ≥ 0; not at id 'a' \(inf\)"),
    ("s.csv", "capacity", [-3], r"s\.csv: capacity must be finite numbers ≥ 0; not at id 'h' \(-3\)"),
    ("d.csv", "lat", [200, 30], r"d\.csv: lat must lie in \[−90, 90\] degrees; not at id 'a' \(200\)"),
    ("s.csv", "lon", [400], r"s\.csv: lon must lie in \[−180, 180\] degrees; not at id 'h' \(400\)"),
    ("d.csv", "lon", ["x", 104], r"d\.csv: lon must be finite numbers; not at id 'a' \('x'\)"),
    ("d.csv", "id", ["a", "a"], r"d\.csv: repeated id a; ids must be unique"),
    ("d.csv", "id", ["a", None], r"d\.csv: id is missing at row 2"),
])
def test_bad_tables_are_refused_naming_the_file(files, capsys, table, column, values, message):
    frame = pd.read_csv(table)
    frame[column] = values
    frame.to_csv(table, index=False)
    assert_refused(access(), message, files, capsys)


def test_bad_od_costs_are_refused_naming_the_pair(files, capsys):
    _write("od.csv", origin=["a", "b"], destination=["h", "h"], cost=[5, -1])
    assert_refused(access("--od", "od.csv"),
                   r"od\.csv: cost must be finite numbers ≥ 0; not at b→h \(-1\)", files, capsys)


def test_an_od_table_joining_nothing_is_refused(files, capsys):
    _write("od.csv", origin=["x", "y"], destination=["h", "h"], cost=[5, 10])
    assert_refused(access("--od", "od.csv"), r"od\.csv: no row joins a demand id", files,
                   capsys)


# ---- 9. ids keep their written form; canonical integers match text

@given(st.lists(st.integers(-10**17, 10**17), min_size=1, max_size=20, unique=True))
def test_canonical_integer_text_reads_as_the_integers(values):
    ids = id_column(pd.Series([str(v) for v in values], dtype=object))
    assert ids.dtype == np.int64 and ids.tolist() == values
    as_text = pd.Series([f"{v} " for v in values] + ["x"], dtype=object)  # one non-integer makes the column text
    pos = id_positions(id_column(as_text), pd.Index(ids))
    assert pos.tolist() == list(range(len(values))) + [-1]


@given(st.integers(0, 10**6), st.integers(1, 3))
def test_padded_and_plain_ids_are_different(value, zeros):
    padded = "0" * zeros + str(value)
    ids = id_column(pd.Series([padded, str(value)], dtype=object), unique="ids")
    assert ids.tolist() == [padded, str(value)]
    assert id_positions(pd.Series([value]), pd.Index(ids)).tolist() == [1]


@pytest.mark.parametrize("raw, expected", [
    (pd.Series([1.0, 2.0]), [1, 2]),                     # an integer column with blanks, read as floats
    (pd.Series(["+1", "2"]), ["+1", "2"]), (pd.Series(["1.0", "2"]), ["1.0", "2"]),
    (pd.Series(["-0", "0"]), ["-0", "0"]), (pd.Series(["12345678901234567890"]), ["12345678901234567890"]),
])
def test_id_forms(raw, expected):
    assert id_column(raw).tolist() == expected


def test_repeated_ids_after_the_rule_are_named():
    with pytest.raises(DataError, match=r"nodes: repeated node ids 7; ids must be unique"):
        id_column(pd.Series(["7", "07", "7"]), source="nodes", unique="node ids")


def test_integer_ids_match_an_od_table_read_as_text():
    demand = pd.DataFrame({"id": [1, 2], "population": [100.0, 300.0]})
    supply = pd.DataFrame({"id": [10], "capacity": [8.0]})
    od = pd.DataFrame({"origin": ["1", "2"], "destination": ["10", "10"], "cost": [5.0, 10.0]})
    assert accessibility(demand, supply, od=od, catchment=25).access.tolist() == pytest.approx([0.02, 0.02])
    padded = od.assign(origin=["01", "2"])
    with pytest.warns(UserWarning) as caught:
        res = accessibility(demand, supply, od=padded, catchment=25)
    assert [str(w.message) for w in caught] == [
        "od: origin id '01' is not in the demand table; its rows are left out",
        "1 demand point(s) (25.0% of the population) have no site in reach and accessibility 0: 1"]
    assert res.access.tolist() == pytest.approx([0, 8 / 300])


# ---- 4. overflow bound and 5. coordinates, the shared checks

@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1e160), min_size=1, max_size=8))
def test_amounts_are_accepted_exactly_when_their_total_fits(values):
    frame = pd.DataFrame({"id": range(len(values)), "population": values})
    total = math.fsum(values)                                      # exact
    assume(abs(total - LARGEST_TOTAL) > 1e-9 * LARGEST_TOTAL)      # not at the rounding of the bound
    if total <= LARGEST_TOTAL:
        got = points(frame, "demand", "population", coordinates=False).amount
        with np.errstate(over="raise"):
            assert np.isfinite(got.sum() ** 2)                   # the squared total stays finite
    else:
        with pytest.raises(DataError, match="demand: population is too large"):
            points(frame, "demand", "population", coordinates=False)


@given(st.floats(-400, 400, allow_nan=False), st.floats(-200, 200, allow_nan=False))
def test_coordinates_rule(x, y):
    frame = pd.DataFrame({"x": [x], "y": [y]}, index=["p"])
    assert check_coordinates(frame, "x", "y", metric="euclidean").tolist() == [[x, y]]
    if abs(x) <= 180 and abs(y) <= 90:
        assert check_coordinates(frame, "x", "y").tolist() == [[x, y]]
    else:
        with pytest.raises(DataError, match=r"t: (x|y) must lie in .* not at id 'p'"):
            check_coordinates(frame, "x", "y", source="t")


def test_coordinates_must_be_finite_for_every_metric():
    frame = pd.DataFrame({"x": [1.0, np.inf], "y": [0.0, 0.0]}, index=["p", "q"])
    with pytest.raises(DataError, match=r"x must be finite numbers; not at id 'q' \(inf\)"):
        check_coordinates(frame, "x", "y", metric="euclidean")
    with pytest.raises(ValueError, match="metric must be one of euclidean, great_circle"):
        check_coordinates(frame, "x", "y", metric="manhattan")


def test_a_good_run_has_no_warning(files, capsys):
    code, out, err = run_cli(access() + ["-o", "out.csv"], capsys)
    assert code == 0 and "warning" not in err
    assert pd.read_csv("out.csv")["access"].tolist() == pytest.approx([0.02, 0.02])


@pytest.mark.parametrize("steps", ["nan:1", "10:1,inf:0.5"])
def test_step_bounds_must_be_finite(steps):
    from healthalloc.access import make_decay

    with pytest.raises(ValueError, match="step bounds must be finite, > 0 and increasing"):
        make_decay("step", steps=steps)


def test_tiny_accessibility_is_printed_in_significant_digits_not_as_zero(user, capsys):
    pd.DataFrame({"id": ["a", "b"], "population": [10_000_000, 30_000_000], "lon": [104.0, 104.3],
                  "lat": [30.0, 30.0]}).to_csv("d.csv", index=False)
    pd.DataFrame({"id": ["h"], "capacity": [1], "lon": [104.1], "lat": [30.0]}).to_csv("s.csv", index=False)
    code, out, err = run_cli(["access", "--demand", "d.csv", "--supply", "s.csv", "--method", "2sfca",
                              "--catchment", "30"], capsys)
    assert code == 0, err
    # 1 bed for 40 million people within 30 km: 2.5e-08 beds per person, printed as such (two rows, the
    # summary's mean and threshold), and in the reading by the number rule: 4 significant figures, never scientific
    assert out.count("2.5e-08") == 4 and " 0.0 " not in out
    assert "mean accessibility 0.00000002500 per person" in out


def test_all_zero_weights_point_to_beta_and_the_steps_not_only_the_catchment(user, capsys):
    pd.DataFrame({"id": ["a"], "population": [100], "lon": [104.0], "lat": [30.0]}).to_csv("d.csv", index=False)
    pd.DataFrame({"id": ["h"], "capacity": [8], "lon": [104.1], "lat": [30.0]}).to_csv("s.csv", index=False)
    assert_warns(["access", "--demand", "d.csv", "--supply", "s.csv", "--method", "e2sfca", "--steps", "10:0,20:0"],
                 r"no demand point has a site in reach .*check the catchment, and beta or the step weights", user,
                 capsys)
