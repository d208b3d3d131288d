"""Complex, parsimonious and intermediate solutions of a truth table, with their fit.

* Complex (conservative): the prime implicants of the positive rows alone
  (Quine–McCluskey); remainders are treated as negative.
* Parsimonious: remainders are don't-cares; the prime implicants are the maximal terms that
  cover no negative row (remainders stay implicit, so 20 conditions are workable).
* Intermediate (Ragin & Sonnett 2005; Ragin 2008, ch. 9): for each parsimonious model, the
  easy counterfactuals are the remainders among its simplifying assumptions (the
  remainders its terms cover) that differ from some positive configuration only in
  conditions without a directional expectation or towards the expected value. The
  intermediate prime implicants are those of the positive rows plus these counterfactuals.
  R ``QCA`` derives one intermediate solution per pair (complex model Ci, parsimonious
  model Pj); every complex model covers exactly the positive rows, so the easy
  counterfactuals, hence the models, depend on Pj only: they are labelled ``C1Pj`` as R
  labels the first pair. Intermediate terms may have consistency below ``incl_cut``.

Every model is a cover of the prime implicant chart (positive rows × prime implicants)
with the fewest prime implicants; all tied covers are reported (M1, M2, ...), essential
implicants first, in R's order (see :func:`healthalloc.qca.minimize.r_order`). R ``QCA``
does not prune tied models by their number of literals, nor does this module.

Each term's ``cases`` are the cases of the positive rows it covers (grouped by row, rows
ascending, as R's ``show.cases`` prints them); ``unique_coverage`` is within its model.

References
----------
Ragin, C. C. & Sonnett, J. (2005). Between complexity and parsimony: limited diversity,
counterfactual cases, and comparative analysis. In Kropp & Minkenberg (eds.),
*Vergleichen in der Politikwissenschaft*, 180–197.
Ragin, C. C. (2008). *Redesigning Social Inquiry: Fuzzy Sets and Beyond*, ch. 8–9.
Fiss, P. C. (2011). Building better causal theories: a fuzzy set approach to typologies in
organization research. *Academy of Management Journal* 54(2), 393–420 (core/peripheral).
Dusa, A. (2019). *QCA with R: A Comprehensive Resource*, ch. 8. Springer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from healthalloc.data._messages import did_you_mean, listing
from healthalloc.data.validate import DataError
from healthalloc.qca import fit
from healthalloc.qca.minimize import (
    covers,
    directional_extension,
    intersect,
    minimum_covers,
    primes_avoiding,
    primes_of_union,
    r_order,
    term_membership,
)
from healthalloc.qca.truthtable import NEGATION, TruthTable

__all__ = ["Model", "Solutions", "Term", "minimize", "solve"]

AND, OR = "*", " + "
TYPES = ("complex", "parsimonious", "intermediate")


@dataclass(frozen=True)
class Term:
    """One prime implicant of a model, with its parameters of fit.

    Attributes
    ----------
    literals : tuple of (str, int)
        ``(condition, 1)`` for a present and ``(condition, 0)`` for an absent condition,
        in truth-table order.
    expression : str
        R ``QCA`` notation: ``A*~B``.
    consistency, pri, raw_coverage : float
        ``inclS``, ``PRI`` and ``covS`` of the term for the outcome.
    unique_coverage : float
        ``covU``: the share of the outcome covered by this term and no other of its model.
    cases : tuple of str
        Cases of the positive rows the term covers.
    """

    literals: tuple[tuple[str, int], ...]
    expression: str
    consistency: float
    pri: float
    raw_coverage: float
    unique_coverage: float
    cases: tuple[str, ...]

    def to_dict(self) -> dict:
        return {
            "term": self.expression,
            "consistency": self.consistency,
            "pri": self.pri,
            "raw_coverage": self.raw_coverage,
            "unique_coverage": self.unique_coverage,
            "cases": list(self.cases),
        }


@dataclass(frozen=True)
class Model:
    """A sum of prime implicants covering every positive row, with its fit.

    Attributes
    ----------
    terms : tuple of Term
        Essential prime implicants first, then the others.
    expression : str
        ``"A*B + ~C"``.
    consistency, pri, coverage : float
        ``inclS``, ``PRI`` and ``covS`` of the union of the terms (maximum over terms).
    label : str
        ``"M1"``, ``"M2"``, ...; ``"C1P1 M1"`` for intermediate models.
    essential : int
        Number of leading terms that are essential prime implicants.
    parsimonious : int or None
        For an intermediate model, the index of the parsimonious model it derives from.
    """

    terms: tuple[Term, ...]
    expression: str
    consistency: float
    pri: float
    coverage: float
    label: str
    essential: int
    parsimonious: int | None = None

    def to_dict(self) -> dict:
        return {
            "expression": self.expression,
            "consistency": self.consistency,
            "coverage": self.coverage,
            "terms": [t.to_dict() for t in self.terms],
        }


@dataclass(frozen=True, eq=False)
class Solutions:
    """The complex, parsimonious and intermediate solutions of one truth table.

    Attributes
    ----------
    complex, parsimonious, intermediate : tuple of Model
        All tied minimal models of each type (``intermediate`` is empty without
        directional expectations).
    truth_table : TruthTable
    dir_exp : dict or None
        Directional expectation per condition: 1 present, 0 absent, ``"-"`` either.
    """

    complex: tuple[Model, ...]
    parsimonious: tuple[Model, ...]
    intermediate: tuple[Model, ...]
    truth_table: TruthTable
    dir_exp: dict[str, int | str] | None

    def to_dict(self) -> dict:
        """``{"complex": [model, ...], "parsimonious": [...], "intermediate": [...]}``."""
        return {kind: [m.to_dict() for m in getattr(self, kind)] for kind in TYPES}

    def core_peripheral(self) -> list[tuple[int, Term, dict[str, tuple[str, int]]]]:
        """Core and peripheral conditions of every intermediate term (Fiss 2011).

        Returns
        -------
        list of (model index, term, {condition: (role, value)})
            ``role`` is ``"core"`` when the condition (with the same value) also appears
            in a term of the parsimonious model the intermediate model derives from that
            the intermediate term implies, else ``"peripheral"``; ``value`` is 1 (present)
            or 0 (absent). Conditions not in the term are not listed.
        """
        out = []
        for i, model in enumerate(self.intermediate):
            parsimonious = self.parsimonious[model.parsimonious].terms
            for term in model.terms:
                mine = set(term.literals)
                core = set().union(*(set(p.literals) for p in parsimonious if set(p.literals) <= mine))
                out.append((i, term, {c: ("core" if (c, v) in core else "peripheral", v) for c, v in term.literals}))
        return out

    def summary(self) -> str:
        """The three solutions printed as R ``QCA`` prints ``minimize(..., details = TRUE)``."""
        tt = self.truth_table
        row_of = {case: row for row, cases in tt.table["cases"].items() for case in cases}
        lines = [
            f"Solutions for {tt.outcome}: incl.cut = {tt.incl_cut:g}, pri.cut = {tt.pri_cut:g}, "
            f"n.cut = {tt.n_cut}; positive/negative rows: {len(tt.positive)}/{len(tt.negative)}",
        ]
        if self.dir_exp is not None:
            lines.append("dir.exp: " + ", ".join(f"{c} = {v}" for c, v in self.dir_exp.items()))
        for kind in TYPES:
            models = getattr(self, kind)
            if kind == "intermediate" and self.dir_exp is None:
                continue
            lines += ["", f"== {kind} solution" + ("" if models else ": none")]
            for model in models:
                lines += ["", _format_model(model, tt.outcome, row_of)]
        return "\n".join(lines) + "\n"

    __str__ = summary


def _format_model(model: Model, outcome: str, row_of: dict[str, int]) -> str:
    width = max(len(t.expression) for t in model.terms) + 2
    head = f"{'':3}{'':{width}}{'inclS':>7}{'PRI':>7}{'covS':>7}{'covU':>7}   cases"
    body = []
    for i, t in enumerate(model.terms, 1):
        groups: dict[int, list[str]] = {}
        for case in t.cases:
            groups.setdefault(row_of[case], []).append(case)
        cases = "; ".join(",".join(g) for g in groups.values())
        body.append(
            f"{i:<3}{t.expression:{width}}{t.consistency:7.3f}{t.pri:7.3f}"
            f"{t.raw_coverage:7.3f}{t.unique_coverage:7.3f}   {cases}"
        )
    rule = "-" * max(len(head), *(len(b) for b in body))
    foot = f"{'':3}{model.label.split()[-1]:{width}}{model.consistency:7.3f}{model.pri:7.3f}{model.coverage:7.3f}"
    return "\n".join([f"{model.label}: {model.expression} -> {outcome}", head, rule, *body, rule, foot])


def minimize(
    tt: TruthTable,
    *,
    include_remainders: bool,
    dir_exp: Mapping[str, int | str] | Iterable[str] | None = None,
) -> tuple[Model, ...]:
    """All minimal models of one solution type.

    Parameters
    ----------
    tt : TruthTable
    include_remainders : bool
        ``False``: the complex (conservative) solution; ``True``: the parsimonious one
        (R ``include = "?"``), or with ``dir_exp`` the intermediate one.
    dir_exp : mapping or iterable, optional
        Directional expectations (see :func:`solve`); needs ``include_remainders``.

    Returns
    -------
    tuple of Model
        Every cover of the prime implicant chart with the fewest prime implicants.
    """
    if dir_exp is None:
        return _minimize(tt, include_remainders)
    if not include_remainders:
        raise ValueError("intermediate solutions need include_remainders=True (R: include = \"?\")")
    return _intermediate(tt, _minimize(tt, True), _dir_exp(dir_exp, tt.conditions))


def solve(tt: TruthTable, *, dir_exp: Mapping[str, int | str] | Iterable[str] | None = None) -> Solutions:
    """Complex, parsimonious and (with ``dir_exp``) intermediate solutions of ``tt``.

    Parameters
    ----------
    tt : TruthTable
    dir_exp : mapping or iterable, optional
        Directional expectations: ``{condition: 1 | 0 | "-"}`` (present, absent, either;
        unlisted conditions are ``"-"``), or condition names as R writes them
        (``["DEV", "~IND"]``). Without it there is no intermediate solution.

    Returns
    -------
    Solutions

    Examples
    --------
    >>> import pandas as pd
    >>> from healthalloc.qca.truthtable import truth_table
    >>> X = pd.DataFrame({"A": [.9, .8, .2, .1], "B": [.8, .2, .9, .1]}, index=list("abcd"))
    >>> tt = truth_table(X, pd.Series([.9, .2, .3, .1], index=X.index, name="Y"))
    >>> solve(tt, dir_exp={"A": 1, "B": 1}).parsimonious[0].expression
    'A*B'
    """
    expectations = None if dir_exp is None else _dir_exp(dir_exp, tt.conditions)
    parsimonious = _minimize(tt, True)
    intermediate = () if expectations is None else _intermediate(tt, parsimonious, expectations)
    return Solutions(_minimize(tt, False), parsimonious, intermediate, tt, expectations)


def _minimize(tt: TruthTable, include_remainders: bool) -> tuple[Model, ...]:
    pos, neg, k = _rows(tt)
    if include_remainders:
        mask, value = primes_avoiding(pos, neg, k)
    else:
        mask, value = primes_of_union(np.full(len(pos), 2**k - 1, dtype=np.int64), pos)
    return _models(tt, mask, value)


def _intermediate(
    tt: TruthTable, parsimonious: tuple[Model, ...], expectations: dict[str, int | str]
) -> tuple[Model, ...]:
    """Intermediate models derived from each parsimonious model (labelled ``C1Pj``)."""
    return tuple(m for j, p in enumerate(parsimonious) for m in _from_parsimonious(tt, p, j, expectations))


def _from_parsimonious(tt: TruthTable, model: Model, j: int, expectations: dict[str, int | str]) -> tuple[Model, ...]:
    """Intermediate models from parsimonious model ``j`` and the directional expectations."""
    pos, _, k = _rows(tt)
    exp_mask = exp_value = 0
    for c, v in expectations.items():
        if v != "-":
            bit = 1 << (k - 1 - tt.conditions.index(c))
            exp_mask |= bit
            exp_value |= bit * v
    # the positive rows plus the easy counterfactuals among Pj's simplifying assumptions:
    # the rows of Pj's terms that also lie in a directional extension of a positive row
    ext_mask, ext_value = directional_extension(np.full(len(pos), 2**k - 1), pos, exp_mask, exp_value)
    p_mask, p_value = _term_bits(model, tt.conditions)
    mask, value = primes_of_union(*intersect(ext_mask, ext_value, p_mask, p_value))
    return _models(tt, mask, value, f"C1P{j + 1} ", j)


def _rows(tt: TruthTable) -> tuple[np.ndarray, np.ndarray, int]:
    """Configurations (row id − 1) of the positive and negative rows, and k."""
    pos = np.array(tt.positive, dtype=np.int64) - 1
    if len(pos) == 0:
        best = tt.table["incl"].max()
        raise ValueError(
            f"no positive truth table row for {tt.outcome} at incl_cut = {tt.incl_cut:g}, "
            f"pri_cut = {tt.pri_cut:g}, n_cut = {tt.n_cut} (highest row consistency "
            f"{best:.3f}): nothing to minimize"
        )
    return pos, np.array(tt.negative, dtype=np.int64) - 1, len(tt.conditions)


def _term_bits(model: Model, conditions: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    k = len(conditions)
    mask = np.zeros(len(model.terms), np.int64)
    value = np.zeros(len(model.terms), np.int64)
    for i, term in enumerate(model.terms):
        for c, v in term.literals:
            bit = 1 << (k - 1 - conditions.index(c))
            mask[i] |= bit
            value[i] |= bit * v
    return mask, value


def _models(tt: TruthTable, mask, value, prefix: str = "", parsimonious: int | None = None) -> tuple[Model, ...]:
    """The minimal models over the prime implicants ``(mask, value)``, with their fit."""
    pos, _, k = _rows(tt)
    order = r_order(mask, value, k)
    mask, value = mask[order], value[order]
    chart = covers(mask, value, pos)
    relevant = chart.any(axis=1)
    mask, value, chart = mask[relevant], value[relevant], chart[relevant]
    essential, found = minimum_covers(chart)
    used = sorted(set().union(*found))
    X = tt.memberships.to_numpy(dtype=float)
    y = tt.outcome_values.to_numpy(dtype=float)
    member = dict(zip(used, term_membership(X, mask[used], value[used]).T))
    cases = tt.table["cases"]
    row_cases = [cases.loc[r + 1] for r in pos]
    models = []
    for m, cover in enumerate(found, 1):
        M = np.column_stack([member[i] for i in cover])
        incl, pri, cov = fit.sufficiency(M, y)
        unique = fit.unique_coverage(M, y)
        m_incl, m_pri, m_cov = fit.sufficiency(M.max(axis=1), y)
        terms = tuple(
            _term(tt.conditions, mask[i], value[i], incl[t], pri[t], cov[t], unique[t],
                  tuple(c for r in np.flatnonzero(chart[i]) for c in row_cases[r]))
            for t, i in enumerate(cover)
        )
        models.append(Model(
            terms=terms,
            expression=OR.join(t.expression for t in terms),
            consistency=float(m_incl),
            pri=float(m_pri),
            coverage=float(m_cov),
            label=f"{prefix}M{m}",
            essential=len(essential),
            parsimonious=parsimonious,
        ))
    return tuple(models)


def _term(conditions, mask, value, incl, pri, cov, unique, cases) -> Term:
    k = len(conditions)
    literals = tuple(
        (c, int(value >> (k - 1 - j) & 1)) for j, c in enumerate(conditions) if mask >> (k - 1 - j) & 1
    )
    expression = AND.join(c if v else NEGATION + c for c, v in literals) or "1"
    return Term(literals, expression, float(incl), float(pri), float(cov), float(unique), cases)


def _dir_exp(dir_exp, conditions: tuple[str, ...]) -> dict[str, int | str]:
    """Directional expectations as ``{condition: 1 | 0 | "-"}`` for every condition."""
    if isinstance(dir_exp, Mapping):
        items = list(dir_exp.items())
    else:
        items = [(n[len(NEGATION):], 0) if n.startswith(NEGATION) else (n, 1) for n in map(str, dir_exp)]
    out: dict[str, int | str] = dict.fromkeys(conditions, "-")
    for name, v in items:
        if name not in out:
            hint = did_you_mean(name, conditions)
            raise DataError(
                f"dir_exp names {name!r}, which is not a condition ({listing(list(conditions))})"
                + (f"; {hint}" if hint else "")
            )
        value = {1: 1, 0: 0, "1": 1, "0": 0, "-": "-", None: "-"}.get(v if not isinstance(v, bool) else int(v))
        if value is None:
            raise DataError(f"dir_exp[{name!r}] must be 1 (present), 0 (absent) or '-' (either); got {v!r}")
        out[name] = value
    return out
