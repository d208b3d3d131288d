"""Parameters of fit of set relations, vectorized over many sets at once.

For a set ``X`` (a condition, a truth table row, a term or a whole model) and an outcome
``Y``, memberships in [0, 1] over the same cases:

* sufficiency (``X ⊆ Y``): consistency ``inclS = Σmin(X, Y) / ΣX``, proportional
  reduction in inconsistency ``PRI = (Σmin(X, Y) − Σmin(X, Y, 1 − Y)) /
  (ΣX − Σmin(X, Y, 1 − Y))`` and coverage ``covS = Σmin(X, Y) / ΣY`` (Ragin 2006; 2008,
  ch. 3);
* unique coverage of each set among several alternatives ``covU_i = (Σmin(max_j X_j, Y)
  − Σmin(max_{j≠i} X_j, Y)) / ΣY`` (Ragin 2008, ch. 5);
* necessity (``X ⊇ Y``): consistency ``inclN = Σmin(X, Y) / ΣY``, coverage
  ``covN = Σmin(X, Y) / ΣX`` and relevance of necessity ``RoN = Σ(1 − X) /
  Σ(1 − min(X, Y))`` (Schneider & Wagemann 2012, ch. 9.2).

A ratio whose denominator is zero (an empty set) is NaN.

References
----------
Ragin, C. C. (2006). Set relations in social research: evaluating their consistency and
coverage. *Political Analysis* 14(3), 291–310.
Ragin, C. C. (2008). *Redesigning Social Inquiry: Fuzzy Sets and Beyond*. Chicago UP.
Schneider, C. Q. & Wagemann, C. (2012). *Set-Theoretic Methods for the Social Sciences*.
Cambridge UP.
"""

from __future__ import annotations

import numpy as np

__all__ = ["necessity", "sufficiency", "unique_coverage"]


def _sets(X, Y) -> tuple[np.ndarray, np.ndarray, bool]:
    """``X`` as (cases, sets), ``Y`` as (cases, 1), and whether ``X`` was one set."""
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if Y.ndim != 1:
        raise ValueError(f"the outcome must be one set of memberships (cases,); got shape {Y.shape}")
    single = X.ndim == 1
    if single:
        X = X[:, None]
    if X.ndim != 2 or X.shape[0] != Y.shape[0]:
        raise ValueError(
            f"sets must have shape (cases,) or (cases, sets) with {Y.shape[0]} cases like the "
            f"outcome; got shape {X.shape if not single else X.shape[:1]}"
        )
    for name, v in (("sets", X), ("outcome", Y)):
        if np.isnan(v).any() or (v < 0).any() or (v > 1).any():
            raise ValueError(f"{name} must hold memberships in [0, 1] without missing values")
    return X, Y[:, None], single


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.full(np.shape(num), np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _shape(single: bool, *values: np.ndarray):
    return tuple(float(v[0]) if single else v for v in values)


def sufficiency(X, Y):
    """Consistency, PRI and coverage of sufficiency of each set in ``X`` for ``Y``.

    Parameters
    ----------
    X : array_like, shape (cases,) or (cases, sets)
        Memberships in the candidate sufficient set(s).
    Y : array_like, shape (cases,)
        Memberships in the outcome.

    Returns
    -------
    incl, pri, cov : float or ndarray of shape (sets,)
        ``inclS``, ``PRI`` and ``covS``; floats when ``X`` is one set.
    """
    X, Y, single = _sets(X, Y)
    both = np.minimum(X, Y).sum(axis=0)
    inconsistent = np.minimum(np.minimum(X, Y), 1.0 - Y).sum(axis=0)
    size = X.sum(axis=0)
    return _shape(
        single,
        _ratio(both, size),
        _ratio(both - inconsistent, size - inconsistent),
        _ratio(both, np.full_like(both, Y.sum())),
    )


def necessity(X, Y):
    """Consistency ``inclN``, relevance ``RoN`` and coverage ``covN`` of necessity of each set
    in ``X`` (the candidate necessary sets) for ``Y``; shapes as in :func:`sufficiency`."""
    X, Y, single = _sets(X, Y)
    both = np.minimum(X, Y)
    total = both.sum(axis=0)
    return _shape(
        single,
        _ratio(total, np.full_like(total, Y.sum())),
        _ratio((1.0 - X).sum(axis=0), (1.0 - both).sum(axis=0)),
        _ratio(total, X.sum(axis=0)),
    )


def unique_coverage(X, Y) -> np.ndarray:
    """Unique coverage ``covU`` of each set in ``X`` among all of them, for ``Y``.

    The share of the outcome covered by set ``i`` and by none of the others: the coverage
    of the union of all sets minus that of the union without ``i``.

    Parameters
    ----------
    X : array_like, shape (cases, sets)
        Memberships in the alternative sufficient sets (e.g. the terms of one model).
    Y : array_like, shape (cases,)
        Memberships in the outcome.

    Returns
    -------
    ndarray of shape (sets,)
    """
    X, Y, _ = _sets(X, Y)
    m = X.shape[1]
    if m == 1:
        return _ratio(np.minimum(X, Y).sum(axis=0), np.full(1, Y.sum()))
    order = np.sort(X, axis=1)
    top, second = order[:, -1], order[:, -2]
    # the union without set i is the maximum of the others: the runner-up where i is the top
    is_top = X == top[:, None]
    others = np.where(is_top, second[:, None], top[:, None])
    whole = np.minimum(top, Y[:, 0]).sum()
    return _ratio(whole - np.minimum(others, Y).sum(axis=0), np.full(m, Y.sum()))
