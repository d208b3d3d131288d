"""Complex, parsimonious and intermediate solutions of a truth table, with their fit.

* Complex (conservative): the prime implicants of the positive rows alone
  (Quine–McCluskey); remainders are treated as negative.
* Parsimonious: remainders are don't-cares; the prime implicants are the maximal terms that
  cover no negative row (remainders stay implicit, so 20 conditions are workable).
* Intermediate (Ragin & Sonnett 2005; Ragin 2008, ch. 9), as R ``QCA`` 3.23
  (``minimize(..., dir.exp = ...)``, its C routine ``getEC``) and fsQCA 3.0 derive it: one
  solution per pair of a complex model Ci and a parsimonious model Pj, labelled
  ``CiPj`` (i outer, as R lists them). Every prime implicant c of Ci that lies inside a
  prime implicant p of Pj is widened: the literals of c that are not in p and contradict
  their directional expectation are dropped (literals of conditions without an
  expectation stay). The easy counterfactuals are the simplifying assumptions of Pj (the
  remainders its terms cover) inside a widened term; CiPj is the minimization of the
  positive rows plus these counterfactuals, its PI chart solved as usual. Every widened
  term lies inside its p, so the counterfactuals are the remainders of the widened terms
  and stay implicit (20 conditions are workable; R ``QCA`` lists the simplifying
  assumptions and derives no intermediate solution beyond 19). With no expectation at all
  (every condition ``"-"``) CiPj is Ci itself, as in R. Intermediate terms may have
  consistency below ``incl_cut``, and need not lie inside a single parsimonious term.

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

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from healthalloc.data.messages import did_you_mean, listing
from healthalloc.data.validate import DataError
from healthalloc.params import REQUIRED, Param, Params, declared
from healthalloc.qca import fit
from healthalloc.qca.minimize import (
    QMC_LIMIT, covers, cubes_order, expand, minimum_covers, order_matters, primes_avoiding, primes_of_union,
    quine_mccluskey, r_order, term_membership, widen,
)
from healthalloc.qca.truthtable import NEGATION, TruthTable
from healthalloc.result import Result

__all__ = ["Model", "Solutions", "Term", "minimize", "solve"]

AND, OR = "*", " + "
TYPES = ("complex", "parsimonious", "intermediate")
DIR_EXP = Param("dir_exp", None, "directional expectations for the intermediate solution: A=1,B=0,C=- or "
                "{condition: 1, 0 or '-'} (unlisted conditions: '-'), or R's A,~B,C*~D, conjunctural ones included "
                "(default: none)", kind=(str, dict, list), metavar="A=1,B=0,C=-", objects=(tuple,))


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
        ``"M1"``, ``"M2"``, ...; ``"C1P1 M1"`` for intermediate models (R's labels).
    essential : int
        Number of leading terms that are essential prime implicants.
    parsimonious, complex : int or None
        For an intermediate model ``CiPj Mm``, the 0-based indices ``j − 1`` and ``i − 1``
        of the parsimonious and complex models it derives from.
    """

    terms: tuple[Term, ...]
    expression: str
    consistency: float
    pri: float
    coverage: float
    label: str
    essential: int
    parsimonious: int | None = None
    complex: int | None = None

    def to_dict(self) -> dict:
        """Label, expression, fit and terms; an intermediate model also names the
        complex and parsimonious models it derives from (``"M1"``, ``"M3"``)."""
        out = {"label": self.label, "expression": self.expression, "consistency": self.consistency,
               "coverage": self.coverage}
        if self.parsimonious is not None:
            out |= {"complex_model": f"M{self.complex + 1}", "parsimonious_model": f"M{self.parsimonious + 1}"}
        return out | {"terms": [t.to_dict() for t in self.terms]}


@dataclass(frozen=True, eq=False)
class Solutions(Result):
    """The complex, parsimonious and intermediate solutions of one truth table.

    Attributes
    ----------
    complex, parsimonious, intermediate : tuple of Model
        All tied minimal models of each type (``intermediate`` is empty without
        directional expectations).
    truth_table : TruthTable
    dir_exp : dict or None
        Directional expectation per condition: 1 present, 0 absent, ``"-"`` either.
    conjunctions : tuple of str
        Conjunctural expectations (``"~LIT*IND"``).
    """

    complex: tuple[Model, ...]
    parsimonious: tuple[Model, ...]
    intermediate: tuple[Model, ...]
    truth_table: TruthTable
    dir_exp: dict[str, int | str] | None
    conjunctions: tuple[str, ...] = ()

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

    def to_frame(self) -> pd.DataFrame:
        """One row per model term (``model``: R's label, ``C1P1 M1`` for intermediate models)."""
        rows = []
        for kind, models in self.to_dict().items():
            for model in models:
                for term in model["terms"]:
                    rows.append({"solution": kind, "model": model["label"],
                                 "expression": model["expression"],
                                 "solution_consistency": model["consistency"],
                                 "solution_coverage": model["coverage"],
                                 **{k: v for k, v in term.items() if k != "cases"},
                                 "cases": ";".join(term["cases"])})
        return pd.DataFrame(rows)

    def summary(self) -> pd.DataFrame:
        """One row per model: ``solution``, ``model``, ``expression``, ``consistency``, ``pri``,
        ``coverage`` and ``terms``."""
        return pd.DataFrame([{"solution": kind, "model": m.label, "expression": m.expression,
                              "consistency": m.consistency, "pri": m.pri, "coverage": m.coverage,
                              "terms": len(m.terms)} for kind in TYPES for m in getattr(self, kind)])

    def plot(self):
        """The configuration chart of the first intermediate model (needs directional expectations)."""
        from healthalloc.qca.chart import configuration_chart

        return configuration_chart(self).plot()

    def to_text(self) -> str:
        """The three solutions printed as R ``QCA`` prints ``minimize(..., details = TRUE)``."""
        tt = self.truth_table
        row_of = {case: row for row, cases in tt.table["cases"].items() for case in cases}
        lines = [
            f"Solutions for {tt.outcome}: incl.cut = {tt.incl_cut:g}, pri.cut = {tt.pri_cut:g}, "
            f"n.cut = {tt.n_cut}; positive/negative rows: {len(tt.positive)}/{len(tt.negative)}",
        ]
        if self.dir_exp is not None:
            lines.append("dir.exp: " + ", ".join([*(f"{c} = {v}" for c, v in self.dir_exp.items()),
                                                  *self.conjunctions]))
        for kind in TYPES:
            models = getattr(self, kind)
            if kind == "intermediate" and self.dir_exp is None:
                continue
            lines += ["", f"== {kind} solution" + ("" if models else ": none")]
            for model in models:
                lines += ["", _format_model(model, tt.outcome, row_of)]
        return "\n".join(lines) + "\n"

    __str__ = to_text


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


@declared(Params(Param("include_remainders", REQUIRED, "False: the complex (conservative) solution; True: the "
                       "parsimonious one (R include = \"?\"), or with dir_exp the intermediate one", kind=bool),
                 replace(DIR_EXP, help="directional expectations (see solve); needs include_remainders")),
          data=("tt",))
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

    Returns
    -------
    tuple of Model
        Every cover of the prime implicant chart with the fewest prime implicants.
    """
    if dir_exp is None:
        return _minimize(tt, include_remainders)
    if not include_remainders:
        raise ValueError("intermediate solutions need include_remainders=True (R: include = \"?\")")
    return _intermediate(tt, _minimize(tt, False), _minimize(tt, True), *_dir_exp(dir_exp, tt.conditions))


@declared(Params(DIR_EXP), data=("tt",))
def solve(tt: TruthTable, *, dir_exp: Mapping[str, int | str] | Iterable[str] | None = None) -> Solutions:
    """Complex, parsimonious and (with ``dir_exp``) intermediate solutions of ``tt``.

    Parameters
    ----------
    tt : TruthTable

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
    complex_models, parsimonious = _minimize(tt, False), _minimize(tt, True)
    if dir_exp is None:
        return Solutions(complex_models, parsimonious, (), tt, None)
    expectations = _dir_exp(dir_exp, tt.conditions)
    intermediate = _intermediate(tt, complex_models, parsimonious, *expectations)
    return Solutions(complex_models, parsimonious, intermediate, tt, *expectations)


def _minimize(tt: TruthTable, include_remainders: bool) -> tuple[Model, ...]:
    """Parsimonious or complex models, their primes in the order R finds them (CCubes,
    Quine–McCluskey) where :func:`r_order` depends on it."""
    pos, neg, k = _rows(tt)
    if include_remainders:
        mask, value = primes_avoiding(pos, neg, k)
        if order_matters(mask, value):
            order = cubes_order(mask, value, pos, k)
            mask, value = mask[order], value[order]
    else:
        mask, value = _primes(pos, np.zeros(0, np.int64), np.zeros(0, np.int64), k)
    return _models(tt, mask, value)


def _primes(pos: np.ndarray, mask: np.ndarray, value: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Prime implicants of the positive rows plus the rows of the terms ``(mask, value)``.

    Found by consensus. The order they come in matters to :func:`r_order` only when every
    prime contains some condition, present in some and absent in others; then, while the
    rows stay below :data:`~healthalloc.qca.minimize.QMC_LIMIT`, they come from
    :func:`quine_mccluskey` on the positive rows then the added rows, each ascending, as R
    ``minimize`` feeds them.
    """
    found = primes_of_union(np.concatenate([np.full(len(pos), 2**k - 1), mask]), np.concatenate([pos, value]))
    if order_matters(*found) and _listable(mask, k):
        in_r_order = quine_mccluskey(np.concatenate([pos, np.setdiff1d(expand(mask, value, k), pos)]), k)
        if in_r_order is not None:
            return in_r_order
    return found


def _intermediate(
    tt: TruthTable, complex_models: tuple[Model, ...], parsimonious: tuple[Model, ...],
    expectations: dict[str, int | str], conjunctions: tuple[str, ...] = (),
) -> tuple[Model, ...]:
    """The models of every pair (Ci, Pj), labelled ``CiPj Mm`` in R's order (see the module notes)."""
    pos, _, k = _rows(tt)
    e_mask, e_value = _rules(expectations, conjunctions, tt.conditions)
    p_bits = [_bits([t.literals for t in p.terms], tt.conditions) for p in parsimonious]
    found: dict[bytes, tuple[Model, ...]] = {}  # counterfactuals (or widened terms) -> models
    out = []
    for i, c_model in enumerate(complex_models):
        c_mask, c_value = _bits([t.literals for t in c_model.terms], tt.conditions)
        for j, (p_mask, p_value) in enumerate(p_bits):
            if not len(e_mask):
                models = (replace(c_model, label="M1"),)  # R: with no expectation, CiPj is Ci
            else:
                w_mask, w_value = widen(c_mask, c_value, p_mask, p_value, e_mask, e_value)
                key = (np.union1d(pos, expand(w_mask, w_value, k)) if _listable(w_mask, k)
                       else np.concatenate([w_mask, w_value])).tobytes()
                if key not in found:
                    found[key] = _models(tt, *_primes(pos, w_mask, w_value, k))
                models = found[key]
            pair = f"C{i + 1}P{j + 1} "
            out += [_relabel(m, pair + m.label, i, j) for m in models]
    return tuple(out)


def _relabel(model: Model, label: str, i: int, j: int) -> Model:
    """``model`` as intermediate model ``label`` of the pair (Ci, Pj); a shallow copy, as
    :func:`dataclasses.replace` makes, without re-running ``__init__`` (R can tie
    thousands of models over hundreds of pairs)."""
    new = object.__new__(Model)
    new.__dict__.update(model.__dict__, label=label, complex=i, parsimonious=j)
    return new


def _listable(mask: np.ndarray, k: int) -> bool:
    """Do the terms cover at most :data:`~healthalloc.qca.minimize.QMC_LIMIT` rows (with repeats)?"""
    return bool(np.sum(np.exp2(k - np.bitwise_count(mask).astype(float))) <= QMC_LIMIT)


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


def _bits(terms: list, conditions: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Terms given by their ``(condition, 0 | 1)`` literals as ``(mask, value)`` bitmasks."""
    k = len(conditions)
    mask = np.array([sum(1 << (k - 1 - conditions.index(c)) for c, _ in t) for t in terms], np.int64)
    value = np.array([sum(v << (k - 1 - conditions.index(c)) for c, v in t) for t in terms], np.int64)
    return mask, value


def _models(tt: TruthTable, mask, value) -> tuple[Model, ...]:
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
    column = {i: c for c, i in enumerate(used)}  # of the primes some model uses
    member = term_membership(X, mask[used], value[used])
    incl, pri, cov = fit.sufficiency(member, y)  # per prime implicant, whatever its model
    cases = tt.table["cases"]
    row_cases = [cases.loc[r + 1] for r in pos]
    named = {i: _literals(tt.conditions, mask[i], value[i]) for i in used}
    covered = {i: tuple(c for r in np.flatnonzero(chart[i]) for c in row_cases[r]) for i in used}
    models = []
    for m, cover in enumerate(found, 1):
        cols = [column[i] for i in cover]
        M = member[:, cols]
        unique = fit.unique_coverage(M, y)
        m_incl, m_pri, m_cov = fit.sufficiency(M.max(axis=1), y)
        terms = tuple(
            Term(*named[i], float(incl[c]), float(pri[c]), float(cov[c]), float(unique[t]), covered[i])
            for t, (i, c) in enumerate(zip(cover, cols))
        )
        models.append(Model(
            terms=terms,
            expression=OR.join(t.expression for t in terms),
            consistency=float(m_incl),
            pri=float(m_pri),
            coverage=float(m_cov),
            label=f"M{m}",
            essential=len(essential),
        ))
    return tuple(models)


def _literals(conditions, mask, value) -> tuple[tuple[tuple[str, int], ...], str]:
    """A term's ``(condition, 0 | 1)`` literals and its R expression."""
    k = len(conditions)
    literals = tuple(
        (c, int(value >> (k - 1 - j) & 1)) for j, c in enumerate(conditions) if mask >> (k - 1 - j) & 1
    )
    return literals, AND.join(c if v else NEGATION + c for c, v in literals) or "1"


def _dir_exp(dir_exp, conditions: tuple[str, ...]) -> tuple[dict[str, int | str], tuple[str, ...]]:
    """``({condition: 1 | 0 | "-"} for every condition, conjunctural expectations)``.

    A condition named with both values (``["A", "~A"]``) has no expectation, as in R.
    """
    if isinstance(dir_exp, str) and "=" in dir_exp:  # "A=1,B=0,C=-"
        pairs = [part.partition("=") for part in dir_exp.split(",") if part.strip()]
        bad = [f"{n}{eq}{v}" for n, eq, v in pairs if not eq or v.strip() not in ("1", "0", "-")]
        if bad:
            raise DataError(f"dir_exp: expected CONDITION=1, =0 or =-, got {bad[0].strip()!r}")
        dir_exp = {n.strip(): v.strip() for n, _, v in pairs}
    if isinstance(dir_exp, Mapping):
        items = list(dir_exp.items())
    else:
        names = _expectation_names(dir_exp, conditions)
        items = [_literal(n) for n in names if AND not in n]
        both = {c for c, _ in items if (c, 0) in items and (c, 1) in items}
        items = [(c, "-" if c in both else v) for c, v in items]
    out: dict[str, int | str] = dict.fromkeys(conditions, "-")
    for name, v in items:
        _check_condition(name, conditions)
        value = {1: 1, 0: 0, "1": 1, "0": 0, "-": "-", None: "-"}.get(v if not isinstance(v, bool) else int(v))
        if value is None:
            raise DataError(f"dir_exp[{name!r}] must be 1 (present), 0 (absent) or '-' (either); got {v!r}")
        out[name] = value
    conjunctions = () if isinstance(dir_exp, Mapping) else tuple(n for n in names if AND in n)
    for conjunction in conjunctions:
        for literal in conjunction.split(AND):
            _check_condition(_literal(literal)[0], conditions)
    return out, conjunctions


def _expectation_names(dir_exp, conditions: tuple[str, ...]) -> list[str]:
    """R's forms: a list or one comma-separated string of names, ``~`` negations and
    ``*`` conjunctions, and ``A:C`` for the conditions from A to C."""
    parts = dir_exp.split(",") if isinstance(dir_exp, str) else list(dir_exp)
    names = []
    for part in (re.sub(r"\s*([*:~])\s*", r"\1", str(p).strip()) for p in parts):
        if ":" in part:
            first, _, last = part.partition(":")
            for name in (first, last):
                _check_condition(name, conditions)
            names += conditions[conditions.index(first): conditions.index(last) + 1]
        elif part:
            names.append(part)
    return names


def _check_condition(name: str, conditions: tuple[str, ...]) -> None:
    if name not in conditions:
        hint = did_you_mean(name, conditions)
        raise DataError(
            f"dir_exp names {name!r}, which is not a condition ({listing(list(conditions))})"
            + (f"; {hint}" if hint else "")
        )


def _rules(expectations: dict[str, int | str], conjunctions: tuple[str, ...],
           conditions: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Each individual and conjunctural expectation as a term ``(mask, value)``."""
    rules = [[(c, v)] for c, v in expectations.items() if v != "-"]
    return _bits(rules + [[_literal(lit) for lit in conj.split(AND)] for conj in conjunctions], conditions)


def _literal(text: str) -> tuple[str, int]:
    """``("A", 1)`` for ``"A"``, ``("A", 0)`` for ``"~A"``."""
    text = text.strip()
    return text.removeprefix(NEGATION), int(not text.startswith(NEGATION))
