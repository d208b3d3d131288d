"""Solutions against R QCA's published examples, brute-force oracles and set invariants."""

from __future__ import annotations

import itertools
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from conftest import reference
from healthalloc.data import load_guangxi_2022, load_guangxi_calibration
from healthalloc.data.validate import DataError
from healthalloc.qca.calibrate import CalibrationWarning, calibrate_table
from healthalloc.qca.chart import configuration_chart
from healthalloc.qca.fit import unique_coverage
from healthalloc.qca.solutions import Solutions, minimize, solve
from healthalloc.qca.truthtable import truth_table

TOL = 1e-3  # R prints 3 decimals
EXPECTED = pd.read_csv(reference("qca/qca_expected_solutions.csv"))


def data(name: str, outcome: str) -> tuple[pd.DataFrame, pd.Series]:
    df = pd.read_csv(reference(f"qca/{name}"), index_col=0)
    return df.drop(columns=outcome), df[outcome]


def expected(dataset: str, outcome: str, kind: str) -> pd.DataFrame:
    rows = EXPECTED[(EXPECTED.dataset_file == dataset) & (EXPECTED.outcome == outcome)
                    & EXPECTED.solution_type.str.startswith(kind)]
    assert len(rows), (dataset, outcome, kind)
    return rows


def check_model(model, rows: pd.DataFrame) -> None:
    """Terms (any order) and the solution line of a model against R's printed values."""
    terms = {t.expression: t for t in model.terms}
    printed = rows[~rows.term.str.startswith("SOLUTION")]
    assert set(terms) == set(printed.term)
    for r in printed.itertuples():
        t = terms[r.term]
        assert t.consistency == pytest.approx(r.inclS, abs=TOL)
        assert t.pri == pytest.approx(r.PRI, abs=TOL)
        assert t.raw_coverage == pytest.approx(r.covS, abs=TOL)
        if not np.isnan(r.covU):
            assert t.unique_coverage == pytest.approx(r.covU, abs=TOL)
        if isinstance(r.cases, str):
            assert set(t.cases) == set(r.cases.split(";"))
    for r in rows[rows.term.str.startswith("SOLUTION")].itertuples():
        assert model.consistency == pytest.approx(r.inclS, abs=TOL)
        assert model.pri == pytest.approx(r.PRI, abs=TOL)
        assert model.coverage == pytest.approx(r.covS, abs=TOL)


# --------------------------------------------------------------------------- Lipset crisp


@pytest.fixture(scope="module")
def lc():
    X, Y = data("lipset_LC.csv", "SURV")
    return {neg: solve(truth_table(X, Y, incl_cut=1, pri_cut=0, negate_outcome=neg)) for neg in (False, True)}


def test_lipset_crisp_surv(lc):
    s = lc[False]
    assert [m.expression for m in s.complex] == ["DEV*~URB*LIT*STB + DEV*LIT*IND*STB"]
    check_model(s.complex[0], expected("lipset_LC.csv", "SURV", "conservative"))
    assert [m.expression for m in s.parsimonious] == ["DEV*STB"]
    check_model(s.parsimonious[0], expected("lipset_LC.csv", "SURV", "parsimonious"))
    assert s.parsimonious[0].terms[0].cases == ("FI", "IE", "FR", "SE", "BE", "CZ", "NL", "UK")
    assert s.intermediate == ()


def test_lipset_crisp_negated_outcome(lc):
    s = lc[True]
    assert s.truth_table.outcome == "~SURV"
    # R: M1: ~DEV*~URB*~IND + DEV*LIT*IND*~STB <=> ~SURV
    assert [m.expression for m in s.complex] == ["~DEV*~URB*~IND + DEV*LIT*IND*~STB"]
    assert [m.expression for m in s.parsimonious] == ["~DEV + ~STB"]
    check_model(s.parsimonious[0], expected("lipset_LC.csv", "~SURV", "parsimonious"))
    assert s.parsimonious[0].terms[1].cases == ("GR", "PT", "ES", "HU", "PL", "AU", "DE")


# --------------------------------------------------------------------------- Lipset fuzzy


@pytest.fixture(scope="module")
def lf() -> Solutions:
    X, Y = data("lipset_LF.csv", "SURV")
    return solve(truth_table(X, Y, incl_cut=0.8, pri_cut=0), dir_exp=dict.fromkeys(X.columns, 1))


def test_lipset_fuzzy_three_solutions(lf):
    assert len(lf.complex) == len(lf.parsimonious) == len(lf.intermediate) == 1
    check_model(lf.complex[0], expected("lipset_LF.csv", "SURV", "conservative"))
    assert lf.parsimonious[0].expression == "DEV*~IND + URB*STB"
    check_model(lf.parsimonious[0], expected("lipset_LF.csv", "SURV", "parsimonious"))
    assert lf.intermediate[0].expression == "DEV*URB*LIT*STB + DEV*LIT*~IND*STB"
    check_model(lf.intermediate[0], expected("lipset_LF.csv", "SURV", "intermediate"))
    assert lf.intermediate[0].label == "C1P1 M1"
    for r_form in ("DEV:STB", "DEV, URB, LIT, IND, STB"):  # R's other spellings of the same
        assert [m.expression for m in solve(lf.truth_table, dir_exp=r_form).intermediate] == [
            "DEV*URB*LIT*STB + DEV*LIT*~IND*STB"]
    one_type = minimize(lf.truth_table, include_remainders=True, dir_exp=lf.dir_exp)
    assert [m.expression for m in one_type] == [lf.intermediate[0].expression]
    with pytest.raises(ValueError, match="include_remainders=True"):
        minimize(lf.truth_table, include_remainders=False, dir_exp=lf.dir_exp)


def test_lipset_fuzzy_intermediate_with_dont_care_and_conjunctural_expectations():
    # R: minimize(ttLF, include = "?", dir.exp = "DEV, STB, ~LIT*IND") with URB left
    # unspecified gives DEV*URB*STB + DEV*~IND*STB (inclS/PRI/covS/covU as below): inside
    # URB*STB, DEV*URB*LIT*IND*STB contradicts ~LIT*IND, so LIT and IND go together
    X, Y = data("lipset_LF.csv", "SURV")
    tt = truth_table(X, Y, incl_cut=0.8, pri_cut=0)
    s = solve(tt, dir_exp="DEV, STB, ~LIT * IND")
    (model,) = s.intermediate
    assert model.expression == "DEV*URB*STB + DEV*~IND*STB"
    fit = [(t.consistency, t.pri, t.raw_coverage, t.unique_coverage) for t in model.terms]
    np.testing.assert_allclose(fit, [(0.901, 0.879, 0.468, 0.378), (0.814, 0.721, 0.282, 0.191)], atol=TOL)
    assert (model.consistency, model.pri, model.coverage) == pytest.approx((0.866, 0.839, 0.660), abs=TOL)
    assert s.conjunctions == ("~LIT*IND",) and "~LIT*IND" in s.to_text()
    # as individual expectations ~LIT and IND, only LIT (which contradicts ~LIT) is dropped
    (model,) = solve(tt, dir_exp={"DEV": 1, "STB": 1, "LIT": 0, "IND": 1}).intermediate
    assert model.expression == "DEV*URB*IND*STB + DEV*~URB*~IND*STB"
    # no expectation outside the parsimonious terms is contradicted: CiPj is the complex model
    (model,) = solve(tt, dir_exp=["DEV", "STB"]).intermediate
    assert model.expression == "DEV*URB*LIT*IND*STB + DEV*~URB*LIT*~IND*STB"
    assert solve(tt, dir_exp=["DEV", "~DEV"]).dir_exp["DEV"] == "-"
    with pytest.raises(DataError, match="did you mean 'LIT'"):
        solve(tt, dir_exp=["~LITT*IND"])


def test_lipset_fuzzy_negated_outcome():
    X, Y = data("lipset_LF.csv", "SURV")
    s = solve(truth_table(X, Y, incl_cut=0.8, pri_cut=0, negate_outcome=True))
    rows = pd.read_csv(reference("qca/lipset_LF_negated_solutions_expected.csv"))
    check_model(s.complex[0], rows[rows.solution_type == "conservative"])
    check_model(s.parsimonious[0], rows[rows.solution_type == "parsimonious"])


def test_core_and_peripheral_conditions(lf):
    roles = {(i, t.expression): r for i, t, r in lf.core_peripheral()}
    assert roles[(0, "DEV*URB*LIT*STB")] == {
        "DEV": ("peripheral", 1), "URB": ("core", 1), "LIT": ("peripheral", 1), "STB": ("core", 1)}
    assert roles[(0, "DEV*LIT*~IND*STB")] == {
        "DEV": ("core", 1), "LIT": ("peripheral", 1), "IND": ("core", 0), "STB": ("peripheral", 1)}


def test_to_dict_is_the_command_line_layout(lf):
    d = json.loads(json.dumps(lf.to_dict()))
    assert list(d) == ["complex", "parsimonious", "intermediate"]
    model = d["intermediate"][0]
    assert list(model) == ["label", "expression", "consistency", "coverage", "complex_model",
                           "parsimonious_model", "terms"]
    assert (model["label"], model["complex_model"], model["parsimonious_model"]) == ("C1P1 M1", "M1", "M1")
    assert list(d["complex"][0]) == ["label", "expression", "consistency", "coverage", "terms"]
    assert list(model["terms"][0]) == ["term", "consistency", "pri", "raw_coverage", "unique_coverage", "cases"]
    assert model["terms"][0]["term"] == "DEV*URB*LIT*STB"
    assert model["terms"][0]["cases"] == ["BE", "CZ", "NL", "UK"]
    assert model["coverage"] == pytest.approx(0.660, abs=TOL)


def test_summary_prints_models_like_r(lf):
    text = str(lf)
    assert "M1: DEV*~IND + URB*STB -> SURV" in text
    assert "C1P1 M1: DEV*URB*LIT*STB + DEV*LIT*~IND*STB -> SURV" in text
    assert "0.901  0.879  0.468  0.378   BE,CZ,NL,UK" in text


# --------------------------------------------------------------------------- Cebotari & Vink


def test_cebotari_vink_four_tied_parsimonious_models():
    X, Y = data("cebotari_vink_CVF.csv", "PROTEST")
    tt = truth_table(X, Y, incl_cut=0.8, pri_cut=0)
    models = minimize(tt, include_remainders=True)
    common = "~NATPRIDE + DEMOC*GEOCON*POLDIS + "
    assert [m.expression for m in models] == [  # R's M1..M4, in R's order
        common + "~DEMOC*ETHFRACT*POLDIS + DEMOC*ETHFRACT*GEOCON",
        common + "~DEMOC*ETHFRACT*POLDIS + DEMOC*ETHFRACT*~POLDIS",
        common + "DEMOC*ETHFRACT*GEOCON + ETHFRACT*GEOCON*POLDIS",
        common + "DEMOC*ETHFRACT*~POLDIS + ETHFRACT*GEOCON*POLDIS",
    ]
    assert [m.essential for m in models] == [2] * 4
    rows = expected("cebotari_vink_CVF.csv", "PROTEST", "parsimonious")
    terms = {t.expression: t for m in models for t in m.terms}
    for r in rows[~rows.term.str.startswith("SOLUTION")].itertuples():
        t = terms[r.term]
        assert (t.consistency, t.pri, t.raw_coverage) == pytest.approx((r.inclS, r.PRI, r.covS), abs=TOL)
    # per-model unique coverage, columns (M1)..(M4) of R's table
    covU = [[0.132, 0.065, 0.040, 0.085], [0.122, 0.070, 0.040, 0.085],
            [0.136, 0.065, 0.085, 0.045], [0.126, 0.065, 0.085, 0.045]]
    np.testing.assert_allclose([[t.unique_coverage for t in m.terms] for m in models], covU, atol=TOL)
    fit = [(m.consistency, m.pri, m.coverage) for m in models]
    np.testing.assert_allclose(fit, [(0.877, 0.777, 0.805)] * 2 + [(0.879, 0.782, 0.810)] * 2, atol=TOL)
    # R's covU column: unique coverage among all six prime implicants
    literal = {name: X[name] for name in X} | {"~" + name: 1 - X[name] for name in X}
    pims = [np.min([literal[v] for v in r.term.split("*")], axis=0)
            for r in rows[~rows.term.str.startswith("SOLUTION")].itertuples()]
    np.testing.assert_allclose(unique_coverage(np.column_stack(pims), Y),
                               rows[~rows.term.str.startswith("SOLUTION")].covU, atol=TOL)
    assert terms["~NATPRIDE"].cases == ("CrimRussiansUkr", "RussiansUkraine", "HungariansYugo", "KosovoAlbanians",
                                        "RussiansLatvia", "BasquesSpain", "AlbaniansFYROM")


# --------------------------------------------------------------------------- Guangxi (issue 9)


@pytest.fixture(scope="module")
def guangxi() -> Solutions:
    """Seed 000's Guangxi data, conditions renamed X1–X7 with their Table 3 anchors."""
    data, anchors = load_guangxi_2022(), load_guangxi_calibration()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CalibrationWarning)
        cal = calibrate_table(data, anchors, unit="city").memberships
    cal = cal.rename(columns=dict(zip(anchors["variable"], anchors["code"])))
    X = cal[[f"X{j}" for j in range(1, 8)]]
    tt = truth_table(X, cal["Y"], incl_cut=0.8, pri_cut=0.7, n_cut=1)
    return solve(tt, dir_exp=dict.fromkeys(X.columns, 1))


def test_guangxi_intermediate_models_are_rs(guangxi):
    s = guangxi
    assert len(s.complex) == 1 and len(s.parsimonious) == 360
    first = s.intermediate[0]
    assert (first.label, first.complex, first.parsimonious) == ("C1P1 M1", 0, 0)
    # R QCA 3.23: conditions that agree with the expectations (X2, X3, X5, X6 present)
    # stay in the intermediate terms
    assert first.expression == "~X1*~X4*~X5 + X1*X2*~X3*X5*X6 + X1*X2*X3*X4*X6 + X1*X2*X3*X5*~X6"
    assert {m.label.split()[0] for m in s.intermediate} == {f"C1P{j}" for j in range(1, 361)}
    assert len({frozenset(t.expression for t in m.terms) for m in s.intermediate}) == 24
    assert_nested(s)
    chart = configuration_chart(s)
    assert chart.model == "C1P1 M1" and "24 distinct" in chart.note


# --------------------------------------------------------------------------- benchmark data


@pytest.mark.parametrize("k", [10, 14])
def test_timing_data_recover_the_generating_model(k):
    df = pd.read_csv(reference(f"qca/timing_qca_data_k{k}_n200.csv"))
    tt = truth_table(df.drop(columns="Y"), df["Y"], incl_cut=0.8, pri_cut=0.5)
    s = solve(tt, dir_exp=dict.fromkeys(tt.conditions, 1))  # the benchmark's expectations
    assert len(s.parsimonious) == 1
    assert {t.expression for t in s.parsimonious[0].terms} == {"C1*C2", "C3*C4"}
    assert len(s.intermediate) == len(s.complex)  # one model per pair C1P1, C2P1, ...
    assert [m.label for m in s.intermediate[:2]] == ["C1P1 M1", "C2P1 M1"][: len(s.intermediate)]
    assert_nested(s)


# --------------------------------------------------------------------------- errors


def test_unknown_dir_exp_condition_and_value_are_refused(lf):
    tt = lf.truth_table
    with pytest.raises(DataError, match="did you mean 'URB'"):
        solve(tt, dir_exp={"URBS": 1})
    with pytest.raises(DataError, match="must be 1"):
        solve(tt, dir_exp={"URB": "yes"})


def test_no_positive_row_is_a_clear_error():
    X, Y = data("lipset_LF.csv", "SURV")
    with pytest.raises(ValueError, match="no positive truth table row.*0.904"):
        minimize(truth_table(X, Y, incl_cut=0.95, pri_cut=0), include_remainders=True)


# --------------------------------------------------------------------------- invariants


def corners(model, conditions) -> set[int]:
    """All rows (configurations) covered by a model."""
    k = len(conditions)
    rows = np.arange(2**k)
    inside = np.zeros(2**k, dtype=bool)
    for t in model.terms:
        inside |= np.all([(rows >> (k - 1 - conditions.index(c)) & 1) == v for c, v in t.literals] or [True], axis=0)
    return set(np.flatnonzero(inside).tolist())


def assert_nested(s: Solutions) -> None:
    tt = s.truth_table
    conds = tt.conditions
    pos = {r - 1 for r in tt.positive}
    neg = {r - 1 for r in tt.negative}
    sets = {kind: [corners(m, conds) for m in getattr(s, kind)] for kind in ("complex", "parsimonious", "intermediate")}
    for kind, models in sets.items():
        sizes: dict[str, set[int]] = {}
        for m in getattr(s, kind):
            sizes.setdefault(m.label.split()[0] if kind == "intermediate" else "", set()).add(len(m.terms))
        assert all(len(n) == 1 for n in sizes.values())  # tied models (of one pair) have as many terms
        for cells, model in zip(models, getattr(s, kind)):
            assert pos <= cells and not cells & neg
            for v in (model.consistency, model.coverage, *(t.consistency for t in model.terms),
                      *(t.raw_coverage for t in model.terms), *(t.unique_coverage for t in model.terms)):
                assert -1e-12 <= v <= 1 + 1e-12
    for c in sets["complex"]:
        assert c == pos  # complex terms cover positive rows only
    for cells, model in zip(sets["intermediate"], s.intermediate):
        assert cells <= sets["parsimonious"][model.parsimonious]
        assert all(c <= cells for c in sets["complex"])


def oracle_models(tt, allowed: set[int]) -> set[frozenset[str]]:
    """Minimal models by brute force: the maximal terms inside ``allowed`` that cover a
    positive row (all 3^k terms), then every cover with the fewest of them."""
    conds, k = tt.conditions, len(tt.conditions)
    pos = {r - 1 for r in tt.positive}
    terms = {}
    for code in itertools.product((None, 0, 1), repeat=k):
        cells = frozenset(r for r in range(2**k)
                          if all(c is None or (r >> (k - 1 - j) & 1) == c for j, c in enumerate(code)))
        if cells <= allowed and cells & pos:
            terms[code] = cells
    primes = [c for c in terms if not any(terms[c] < terms[d] for d in terms)]
    name = {c: "*".join(("" if v else "~") + conds[j] for j, v in enumerate(c) if v is not None) or "1"
            for c in primes}
    for size in range(1, len(primes) + 1):
        found = {frozenset(name[c] for c in combo) for combo in itertools.combinations(primes, size)
                 if pos <= set().union(*(terms[c] for c in combo))}
        if found:
            return found
    return set()


def easy_counterfactuals(tt, c_model, p_model, expectations: dict) -> set[int]:
    """R's rule, row by row: remainders covered by the parsimonious model that satisfy some
    complex term c (lying inside a parsimonious term p) on every condition of c except
    those outside p whose literal contradicts the expectation."""
    k, conds = len(tt.conditions), tt.conditions
    pos, neg = {r - 1 for r in tt.positive}, {r - 1 for r in tt.negative}
    assumptions = corners(p_model, conds) - pos - neg
    easy = set()
    for c in c_model.terms:
        for p in p_model.terms:
            if not set(p.literals) <= set(c.literals):
                continue
            kept = [(x, v) for x, v in c.literals
                    if (x, v) in p.literals or expectations[x] in ("-", v)]
            easy |= {r for r in assumptions if all((r >> (k - 1 - conds.index(x)) & 1) == v for x, v in kept)}
    return easy


def models(s: Solutions, kind: str) -> set[frozenset[str]]:
    return {frozenset(t.expression for t in m.terms) for m in getattr(s, kind)}


fuzzy = st.integers(2, 4).flatmap(lambda k: st.integers(4, 14).flatmap(lambda n: st.tuples(
    arrays(float, (n, k), elements=st.sampled_from([0.05, 0.2, 0.4, 0.6, 0.7, 0.9, 1.0])),
    arrays(float, n, elements=st.sampled_from([0.0, 0.1, 0.3, 0.6, 0.8, 0.95])),
    st.lists(st.sampled_from([0, 1, "-"]), min_size=k, max_size=k),
)))


@settings(max_examples=80, deadline=None)
@given(fuzzy)
def test_random_problems_nest_and_agree_with_brute_force(problem):
    values, y, expectations = problem
    k = values.shape[1]
    X = pd.DataFrame(values, columns=[f"C{j + 1}" for j in range(k)], index=[f"c{i}" for i in range(len(y))])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tt = truth_table(X, pd.Series(y, index=X.index, name="Y"), incl_cut=0.75, pri_cut=0.5)
    if not tt.positive:
        return
    s = solve(tt, dir_exp=dict(zip(X.columns, expectations)))
    assert_nested(s)
    everything = set(range(2**k))
    pos, neg = {r - 1 for r in tt.positive}, {r - 1 for r in tt.negative}
    assert models(s, "complex") == oracle_models(tt, pos)
    assert models(s, "parsimonious") == oracle_models(tt, everything - neg)
    # intermediate, pair by pair: positive rows plus the easy counterfactuals, minimized again
    for i, c_model in enumerate(s.complex):
        for j, p_model in enumerate(s.parsimonious):
            derived = [m for m in s.intermediate if (m.complex, m.parsimonious) == (i, j)]
            assert {m.label.split()[0] for m in derived} == {f"C{i + 1}P{j + 1}"}
            if set(expectations) == {"-"}:  # R: CiPj is Ci itself
                assert [m.expression for m in derived] == [c_model.expression]
            else:
                allowed = pos | easy_counterfactuals(tt, c_model, p_model, s.dir_exp)
                assert {frozenset(t.expression for t in m.terms) for m in derived} == oracle_models(tt, allowed)
    without = solve(tt, dir_exp=dict.fromkeys(X.columns, "-"))
    assert [m.expression for m in without.intermediate] == [
        c.expression for c in without.complex for _ in without.parsimonious]
    labels = [m.label.split()[0] for m in s.intermediate]
    assert labels == sorted(labels, key=lambda x: tuple(map(int, x[1:].split("P"))))  # C1P1, C1P2, ..., C2P1


larger = st.integers(5, 6).flatmap(lambda k: st.integers(8, 30).flatmap(lambda n: st.tuples(
    arrays(float, (n, k), elements=st.sampled_from([0.05, 0.2, 0.4, 0.6, 0.8, 0.95])),
    arrays(float, n, elements=st.sampled_from([0.05, 0.3, 0.7, 0.9])),
    st.lists(st.sampled_from([0, 1, "-"]), min_size=k, max_size=k),
)))


@settings(max_examples=40, deadline=None)
@given(larger)
def test_intermediate_models_lie_between_their_complex_and_parsimonious_models(problem):
    values, y, expectations = problem
    X = pd.DataFrame(values, columns=[f"C{j + 1}" for j in range(values.shape[1])])
    tt = truth_table(X, pd.Series(y, name="Y"), incl_cut=0.75, pri_cut=0.5)
    if not tt.positive:
        return
    s = solve(tt, dir_exp=dict(zip(X.columns, expectations)))
    assert_nested(s)  # every CiPj model contains Ci (the positive rows) and lies inside Pj
    assert len(s.intermediate) >= len(s.complex) * len(s.parsimonious)
    if set(expectations) == {"-"}:
        assert [m.expression for m in s.intermediate] == [c.expression for c in s.complex for _ in s.parsimonious]
