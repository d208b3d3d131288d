"""SBM with undesirable outputs (Tone 2004), super-SBM (Tone 2002) and the directional distance
function with bad outputs (Chung, Färe & Grosskopf 1997).

References: independent LPs written here with scipy's linprog, in the fractional programs'
own variables (the slacks, or the distance β), on deaR 1.5.3's data sets ``Tone2003``
(Tone 2003's 9 units, one bad output) and ``Hua_Bian_2007`` (30 units, one bad output),
converted in ``tests/reference/efficiency/`` (see its README). Tone's printed results for
these data were not at hand, so the numbers are checked against the LPs, to 1e-8; the
directional distance also against DataEnvelopmentAnalysis.jl's deaenv test expectations.
Identities: SBM ≤ radial efficiency with the bad outputs as inputs, SBM with no bad outputs
is plain SBM, super-SBM ≥ 1 exactly for the SBM-efficient units and = SBM for the others.
"""

from __future__ import annotations

import warnings
import numpy as np
import pandas as pd
import pytest
from conftest import dea_jl_case, linprog_radial, reference, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import linprog

from healthalloc.efficiency import dea, models

TOL = 1e-8
DATA = {"tone_2003": (["x"], ["yg"], ["yb"]), "hua_bian_2007": (["x1", "x2"], ["y1", "y2"], ["yb"])}


def load(name):
    inputs, good, bad = DATA[name]
    df = pd.read_csv(reference(f"efficiency/{name}.csv"))
    return df, inputs, good, bad


def _rts_row(nv, n, rts):
    """Σλ = 1 after the Charnes–Cooper transform (Σ Λ − t = 0), for VRS."""
    if rts != "vrs":
        return [], []
    row = np.zeros(nv)
    row[0], row[1:1 + n] = -1.0, 1.0
    return [row], [0.0]


def sbm_lp(X, G, B, o, rts):
    """Tone's SBM with bad outputs for unit o: min t − Σ S⁻/(m x) over t + Σ (S_g/y_g + S_b/y_b)/(s₁+s₂) = 1,
    XΛ + S⁻ = t x, G Λ − S_g = t y_g, B Λ + S_b = t y_b (variables t, Λ, S⁻, S_g, S_b ≥ 0)."""
    n, m = X.shape
    g, b = G.shape[1], B.shape[1]
    nv = 1 + n + m + g + b
    c = np.zeros(nv)
    c[0], c[1 + n:1 + n + m] = 1.0, -1.0 / (m * X[o])
    norm = np.zeros(nv)
    norm[0], norm[1 + n + m:] = 1.0, 1.0 / ((g + b) * np.r_[G[o], B[o]])
    rows, rhs = [norm], [1.0]
    for block, data, sign, first in ((X, X[o], 1.0, 1 + n), (G, G[o], -1.0, 1 + n + m), (B, B[o], 1.0, 1 + n + m + g)):
        for i in range(block.shape[1]):
            row = np.zeros(nv)
            row[0], row[1:1 + n], row[first + i] = -data[i], block[:, i], sign
            rows.append(row)
            rhs.append(0.0)
    extra, extra_rhs = _rts_row(nv, n, rts)
    res = linprog(c, A_eq=np.array(rows + extra), b_eq=rhs + extra_rhs, bounds=[(0, None)] * nv, method="highs")
    assert res.status == 0, res.message
    return res.fun


def super_sbm_lp(X, G, B, o, rts):
    """Tone's super-SBM for unit o without its own column: min t + Σ T⁻/(m x) over
    t − Σ (T_g/y_g + T_b/y_b)/(s₁+s₂) = 1, XΛ ≤ t x + T⁻, GΛ ≥ t y_g − T_g, T_g ≤ t y_g,
    BΛ ≤ t y_b + T_b (all variables ≥ 0, Λ_o = 0)."""
    n, m = X.shape
    g, b = G.shape[1], B.shape[1]
    nv = 1 + n + m + g + b
    c = np.zeros(nv)
    c[0], c[1 + n:1 + n + m] = 1.0, 1.0 / (m * X[o])
    norm = np.zeros(nv)
    norm[0], norm[1 + n + m:] = 1.0, -1.0 / ((g + b) * np.r_[G[o], B[o]])
    ub, ub_rhs = [], []
    for block, data, sign, first in ((X, X[o], 1.0, 1 + n), (G, G[o], -1.0, 1 + n + m), (B, B[o], 1.0, 1 + n + m + g)):
        for i in range(block.shape[1]):
            row = np.zeros(nv)
            row[0], row[1:1 + n], row[first + i] = -sign * data[i], sign * block[:, i], -1.0
            ub.append(row)
            ub_rhs.append(0.0)
    for i in range(g):
        row = np.zeros(nv)
        row[0], row[1 + n + m + i] = -G[o, i], 1.0
        ub.append(row)
        ub_rhs.append(0.0)
    extra, extra_rhs = _rts_row(nv, n, rts)
    bounds = [(0, None)] * nv
    bounds[1 + o] = (0, 0)
    res = linprog(c, A_ub=np.array(ub), b_ub=ub_rhs, A_eq=np.array([norm] + extra), b_eq=[1.0] + extra_rhs,
                  bounds=bounds, method="highs")
    return res.fun if res.status == 0 else np.nan


def ddf_lp(X, G, B, o, rts, Xr=None, Gr=None, Br=None):
    """max β over XΛ ≤ x, GΛ ≥ (1 + β) y_g, BΛ = (1 − β) y_b (β free, Λ ≥ 0); NaN if infeasible."""
    Xr, Gr, Br = (X, G, B) if Xr is None else (Xr, Gr, Br)
    n = len(Xr)
    c = np.r_[-1.0, np.zeros(n)]
    A_ub = np.vstack([np.c_[np.zeros((X.shape[1], 1)), Xr.T], np.c_[G[o][:, None], -Gr.T]])
    b_ub = np.r_[X[o], -G[o]]
    A_eq, b_eq = np.c_[B[o][:, None], Br.T], B[o]
    if rts == "vrs":
        A_eq, b_eq = np.vstack([A_eq, np.r_[0.0, np.ones(n)]]), np.r_[b_eq, 1.0]
    res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=[(None, None)] + [(0, None)] * n,
                  method="highs")
    return -res.fun if res.status == 0 else np.nan


@pytest.mark.parametrize("name", DATA)
@pytest.mark.parametrize("rts", ["crs", "vrs"])
def test_sbm_undesirable_equals_independent_lp(name, rts):
    df, inputs, good, bad = load(name)
    res = dea(df, inputs, good, unit="dmu", rts=rts, model="sbm", undesirable=bad)
    X, G, B = (df[c].to_numpy(float) for c in (inputs, good, bad))
    expected = [sbm_lp(X, G, B, o, rts) for o in range(len(df))]
    np.testing.assert_allclose(res.efficiency.to_numpy(), expected, atol=TOL)
    assert ((res.efficiency > 0) & (res.efficiency <= 1 + TOL)).all()
    # targets: inputs and bad outputs down, good outputs up, on the frontier (SBM of the targets is 1)
    t = res.targets
    assert (t[inputs + bad].to_numpy() <= df[inputs + bad].to_numpy() + TOL).all()
    assert (t[good].to_numpy() >= df[good].to_numpy() - TOL).all()
    proj = dea(pd.concat([df, t.reset_index(drop=True).assign(dmu=df["dmu"] + "*")]), inputs, good, unit="dmu",
               rts=rts, model="sbm", undesirable=bad)
    np.testing.assert_allclose(proj.efficiency.iloc[len(df):], 1.0, atol=1e-6)


@pytest.mark.parametrize("name", DATA)
@pytest.mark.parametrize("rts", ["crs", "vrs"])
def test_super_sbm_equals_independent_lp(name, rts):
    df, inputs, good, bad = load(name)
    plain = dea(df, inputs, good, unit="dmu", rts=rts, model="sbm", undesirable=bad).efficiency
    res = dea(df, inputs, good, unit="dmu", rts=rts, model="super-sbm", undesirable=bad).efficiency
    X, G, B = (df[c].to_numpy(float) for c in (inputs, good, bad))
    top = plain.to_numpy() >= 1 - 1e-6
    expected = np.where(top, [super_sbm_lp(X, G, B, o, rts) if top[o] else np.nan for o in range(len(df))], plain)
    np.testing.assert_allclose(res.to_numpy(), expected, atol=TOL)
    assert top.sum() >= 2 and (res[top] >= 1).all() and (res[top] > 1 + 1e-6).any()


def test_tone_2003_vrs_scores():
    """Tone (2003)'s example as deaR's documentation runs it (model_sbmeff, rts = "vrs"): the
    scores worked by hand. A is dominated by B (good output 2 for 1): ρ = 1/(1 + (1/1)/2) = 2/3;
    I is dominated by D (8 and 4 for 4 and 6): ρ = 1/(1 + (4/4 + 2/6)/2) = 0.6."""
    df, inputs, good, bad = load("tone_2003")
    res = dea(df, inputs, good, unit="dmu", rts="vrs", model="sbm", undesirable=bad).efficiency
    assert res["A"] == pytest.approx(2 / 3, abs=TOL)
    assert res["I"] == pytest.approx(0.6, abs=TOL)
    assert list(res.index[res >= 1 - 1e-9]) == ["B", "C", "D", "E"]


def test_without_bad_outputs_is_plain_sbm():
    """Under VRS (Σλ = 1) a column equal for every unit has zero slack whether it is a bad output
    or a good one, so the two scores agree (same averaging count)."""
    df, inputs, good, _ = load("hua_bian_2007")
    flat = df.assign(yb=1.0)
    with_bad = dea(flat, inputs, good, unit="dmu", rts="vrs", model="sbm", undesirable=["yb"])
    as_good = dea(flat, inputs, good + ["yb"], unit="dmu", rts="vrs", model="sbm")
    np.testing.assert_allclose(with_bad.efficiency, as_good.efficiency, atol=TOL)


@settings(max_examples=30, deadline=None)
@given(arrays(float, (8, 5), elements=st.floats(1, 100)), st.sampled_from(["crs", "vrs"]))
def test_sbm_below_radial_with_bad_outputs_as_inputs(data, rts):
    """ρ ≤ θ of the radial input model with the bad outputs as inputs: its solution has input and
    bad-output slacks ≥ (1 − θ) of the data, so ρ ≤ θ / (1 + (1 − θ) s_b / s) ≤ θ; ρ ∈ (0, 1].
    Super-SBM ≥ 1 for the SBM-efficient units, or NaN (the others' bad outputs can be so much larger
    that no target keeps the denominator positive), and = ρ for the others."""
    X, G, B = data[:, :2], data[:, 2:4], data[:, 4:]
    df = pd.DataFrame(data, columns=["x1", "x2", "y1", "y2", "yb"]).assign(dmu=[f"u{i}" for i in range(8)])
    rho = dea(df, ["x1", "x2"], ["y1", "y2"], unit="dmu", rts=rts, model="sbm", undesirable=["yb"]).efficiency
    theta = [linprog_radial(np.c_[X, B], G, o, rts=rts) for o in range(8)]
    assert (rho.to_numpy() <= np.array(theta) + 1e-7).all()
    assert ((rho > 0) & (rho <= 1 + 1e-9)).all()
    with warnings.catch_warnings():  # NaN where infeasible, with a RuntimeWarning: allowed above
        warnings.simplefilter("ignore", RuntimeWarning)
        sup = dea(df, ["x1", "x2"], ["y1", "y2"], unit="dmu", rts=rts, model="super-sbm",
                  undesirable=["yb"]).efficiency
    top = rho.to_numpy() >= 1 - 1e-6
    assert (sup[top].dropna() >= 1 - 1e-9).all() and not sup[~top].isna().any()
    np.testing.assert_allclose(sup[~top], rho[~top], atol=1e-12)


@pytest.mark.parametrize("name", DATA)
@pytest.mark.parametrize("rts", ["crs", "vrs"])
def test_ddf_equals_independent_lp(name, rts):
    df, inputs, good, bad = load(name)
    X, G, B = (df[c].to_numpy(float) for c in (inputs, good, bad))
    beta = models.ddf(X, np.c_[G, B], X, np.c_[G, B], rts=rts, bad=1).score
    np.testing.assert_allclose(beta, [ddf_lp(X, G, B, o, rts) for o in range(len(df))], atol=TOL)
    assert (beta >= -TOL).all() and (beta < 1).all() and (np.abs(beta) < TOL).any()


@pytest.mark.parametrize("rts", ["crs", "vrs"])
def test_ddf_model_table(rts):
    """``dea(model="ddf")``: beta as the independent LP's, efficiency 1/(1 + β) in (0, 1], targets
    (1 + β) y_g and (1 − β) y_b, inputs held, the peers' λ reproducing the bad-output target."""
    df, inputs, good, bad = load("hua_bian_2007")
    res = dea(df, inputs, good, unit="dmu", rts=rts, model="ddf", undesirable=bad)
    X, G, B = (df[c].to_numpy(float) for c in (inputs, good, bad))
    beta = np.array([ddf_lp(X, G, B, o, rts) for o in range(len(df))])
    table = res.to_frame()
    np.testing.assert_allclose(table["beta"], beta, atol=TOL)
    np.testing.assert_allclose(table["efficiency"], 1 / (1 + beta), atol=TOL)
    assert ((table["efficiency"] > 0) & (table["efficiency"] <= 1)).all()
    np.testing.assert_allclose(table[[f"target_{v}" for v in good]], G * (1 + beta[:, None]), rtol=1e-9)
    np.testing.assert_allclose(table["target_yb"], B[:, 0] * (1 - beta), rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(table[[f"target_{v}" for v in inputs]], X)
    lam = res.peers.pivot(index="unit", columns="peer", values="weight").fillna(0.0)
    lam = lam.reindex(index=df["dmu"], columns=df["dmu"], fill_value=0.0).to_numpy()
    np.testing.assert_allclose(lam @ B[:, 0], B[:, 0] * (1 - beta), rtol=1e-7)


def test_ddf_against_dea_jl_deaenv():
    """DataEnvelopmentAnalysis.jl's deaenv test (CRS, g = (0, y, −b)): equal where its bad-output inequality
    binds (DMU3–DMU5: β = 19/23, 5/9, 3/11). DMU2 scores 0.4 there
    with a bad slack of 1; weak disposability (Bλ = (1 − β)b, Chung et al. 1997) leaves it β = 0. Tolerance:
    its test's (isapprox, rtol ≈ 1.5e-8)."""
    test, data = dea_jl_case("deaenv.jl", 18)
    Y = np.c_[data["Y"], data["B"]]
    beta = models.ddf(data["X"], Y, data["X"], Y, bad=1).score
    np.testing.assert_allclose(beta[2:], test["expected"][2:], rtol=1.5e-8)
    assert beta[1] == pytest.approx(0.0, abs=TOL) and test["expected"][1] == pytest.approx(0.4)


def test_ddf_cross_technology_negative_or_infeasible():
    """Against a technology the unit lies outside, β < 0; where no λ meets the equality on the bad
    output, NaN (both as the independent LP finds)."""
    df, inputs, good, bad = load("hua_bian_2007")
    X, G, B = (df[c].to_numpy(float) for c in (inputs, good, bad))
    ref = slice(0, 10)
    beta = models.ddf(X, np.c_[G, B], X[ref], np.c_[G, B][ref], rts="vrs", bad=1).score
    expected = [ddf_lp(X, G, B, o, "vrs", X[ref], G[ref], B[ref]) for o in range(len(df))]
    np.testing.assert_allclose(beta, expected, atol=TOL)
    assert (beta < -TOL).any()


def test_undesirable_also_an_output_refused():
    df, inputs, good, bad = load("tone_2003")
    with pytest.raises(ValueError, match="column yb listed both as an output and as undesirable"):
        dea(df, inputs, good + bad, unit="dmu", model="sbm", undesirable=bad)


@pytest.mark.parametrize("model", ["radial", "super"])
def test_undesirable_with_a_radial_model_refused(model):
    df, inputs, good, bad = load("tone_2003")
    with pytest.raises(ValueError, match="undesirable outputs need model 'sbm', 'super-sbm' or 'ddf'"):
        dea(df, inputs, good, unit="dmu", model=model, undesirable=bad)


def test_undesirable_negative_refused():
    df, inputs, good, bad = load("tone_2003")
    with pytest.raises(ValueError, match="yb"):
        dea(df.assign(yb=-df["yb"]), inputs, good, unit="dmu", model="sbm", undesirable=bad)


def test_result_table_and_reading():
    df, inputs, good, bad = load("tone_2003")
    res = dea(df, inputs, good, unit="dmu", rts="vrs", model="sbm", undesirable=bad)
    table = res.to_frame().set_index("unit")
    # H: bad output 4 → 2 (peer C), excess share 1/2
    assert table.loc["H", "target_yb"] == pytest.approx(2.0, abs=TOL)
    assert table.loc["H", "excess_yb"] == pytest.approx(0.5, abs=TOL)
    assert "bad outputs yb" in str(res)
    assert "4 of 9 units are on the frontier" in res.reading()


def test_command_line_contract(user, capsys):
    """``healthalloc dea … --model sbm --undesirable COL[,COL]``: bad outputs reduced, efficiency in (0, 1],
    the same numbers as :func:`dea`."""
    df, inputs, good, bad = load("hua_bian_2007")
    df.to_csv("hua_bian.csv", index=False)
    code, out, err = run_cli(["dea", "hua_bian.csv", "--unit", "dmu", "--inputs", "x1,x2", "--outputs", "y1,y2",
                              "--undesirable", "yb", "--model", "sbm", "--rts", "vrs", "-o", "sbm.csv"], capsys)
    assert code == 0, err
    table = pd.read_csv("sbm.csv")
    assert ((table["efficiency"] > 0) & (table["efficiency"] <= 1)).all()
    assert {"slack_yb", "target_yb", "excess_yb"} <= set(table.columns)
    expected = dea(df, inputs, good, unit="dmu", rts="vrs", model="sbm", undesirable=bad).efficiency
    np.testing.assert_allclose(table["efficiency"], expected, rtol=1e-12)
    assert "on the frontier" in out


def test_study_analysis_key(tmp_path):
    """The study's ``dea`` analysis takes ``undesirable``: its scores table is the direct call's, and the
    report's heading names the bad outputs."""
    import warnings

    from healthalloc.study import run_study

    df, inputs, good, bad = load("tone_2003")
    df.to_csv(tmp_path / "tone.csv", index=False)
    study = {"data": {"source": str(tmp_path / "tone.csv")},
             "analyses": [{"type": "dea", "unit": "dmu", "inputs": inputs, "outputs": good, "undesirable": bad,
                           "model": "sbm", "rts": "vrs"}]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_study(study, tmp_path / "out", progress=False)
        expected = dea(df, inputs, good, unit="dmu", rts="vrs", model="sbm", undesirable=bad).to_frame()
    sec = next(s for s in result.sections if s.name == "dea")
    pd.testing.assert_frame_equal(sec.tables["scores"], expected)
    assert "bad outputs yb reduced" in sec.title and "non-oriented" in sec.title
    assert "bad outputs yb reduced" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("engine", ["processes", "dask"])
def test_same_numbers_on_every_engine(engine):
    df, inputs, good, bad = load("hua_bian_2007")
    kw = dict(unit="dmu", rts="vrs", model="super-sbm", undesirable=bad)
    serial = dea(df, inputs, good, **kw).to_frame()
    other = dea(df, inputs, good, **kw, engine=engine, workers=2).to_frame()
    pd.testing.assert_frame_equal(serial, other, check_exact=True)
