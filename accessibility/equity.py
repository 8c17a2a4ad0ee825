"""Equity of access: population-weighted Gini, Theil (between / within subdistricts), decile ratio, Lorenz curve.

Planners and 城市体检 ask how unequal access is between subdistricts; means and shares do not say.
These functions take one value per population cell (minutes to the nearest facility, or 2SFCA
supply per 1,000) and a weight per cell (residents, or the service's demand cohort):

* **Gini** — ``G = sum_i sum_j w_i w_j |x_i - x_j| / (2 W^2 mu)``, computed exactly from the
  weighted Lorenz curve (sorted values; ``G = 1 - sum_k s_k (L_k + L_{k-1})`` with ``s_k`` the weight
  share of cell ``k`` and ``L`` the cumulative value share). 0 = everyone alike, towards 1 = all in few hands.
* **Theil T** — ``T = sum_i s_i (x_i / mu) ln(x_i / mu)`` (``0 ln 0 = 0``), split exactly into
  ``between`` = ``sum_g S_g (mu_g / mu) ln(mu_g / mu)`` and ``within`` = ``sum_g S_g (mu_g / mu) T_g``
  over the subdistricts ``g`` (``S_g`` their weight share, ``T_g`` the Theil index inside ``g``).
* **Decile ratio** (Palma-style) — mean value of the top 10 % of the weight over the mean of the
  bottom 10 % (values sorted ascending; a cell straddling a decile edge counts in part). For supply
  that is the most- over the least-served tenth; for minutes the slowest over the fastest tenth
  (the least- over the most-served). None when the bottom tenth's mean is 0.

Cells with no weight do not count; cells with an infinite value (no facility reachable) cannot
enter these measures and are reported as ``excluded_weight`` (a share of the total weight).
"""

from __future__ import annotations

import numpy as np

__all__ = ["lorenz", "gini", "theil", "theil_decomposition", "decile_ratio", "equity_summary"]


def _clean(values, weights):
    x = np.asarray(values, float)
    w = np.clip(np.asarray(weights, float), 0, None)
    keep = np.isfinite(x) & (w > 0)
    return x, w, keep


def lorenz(values, weights) -> tuple[np.ndarray, np.ndarray]:
    """The weighted Lorenz curve: (cumulative weight share, cumulative value share), from (0, 0) to (1, 1).

    Values are sorted ascending; non-finite values and zero weights are left out.
    """
    x, w, keep = _clean(values, weights)
    x, w = x[keep], w[keep]
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    p = np.concatenate([[0.0], np.cumsum(w)])
    v = np.concatenate([[0.0], np.cumsum(w * x)])
    if p[-1] <= 0:
        return np.array([0.0, 1.0]), np.array([0.0, 1.0])
    return p / p[-1], (v / v[-1] if v[-1] > 0 else p / p[-1])


def gini(values, weights) -> float:
    """Population-weighted Gini coefficient of ``values`` (NaN when no weight or the mean is 0)."""
    x, w, keep = _clean(values, weights)
    if not keep.any() or (w[keep] * x[keep]).sum() <= 0:
        return float("nan")
    p, L = lorenz(values, weights)
    return float(1.0 - np.sum(np.diff(p) * (L[1:] + L[:-1])))


def theil(values, weights) -> float:
    """Population-weighted Theil T index (NaN when no weight or the mean is 0)."""
    x, w, keep = _clean(values, weights)
    x, w = x[keep], w[keep]
    if len(x) == 0 or (w * x).sum() <= 0:
        return float("nan")
    s = w / w.sum()
    r = x / np.sum(s * x)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(r > 0, r * np.log(r), 0.0)
    return float(np.sum(s * t))


def theil_decomposition(values, weights, groups) -> dict:
    """Theil T split into between- and within-group parts (``total = between + within``).

    Returns
    -------
    dict
        ``total``, ``between``, ``within`` and ``by_group`` (group -> its own Theil T).
    """
    x, w, keep = _clean(values, weights)
    g = np.asarray(groups)[keep]
    x, w = x[keep], w[keep]
    if len(x) == 0 or (w * x).sum() <= 0:
        nan = float("nan")
        return {"total": nan, "between": nan, "within": nan, "by_group": {}}
    W, mu = w.sum(), (w * x).sum() / w.sum()
    between = within = 0.0
    by_group = {}
    for key in dict.fromkeys(g.tolist()):
        m = g == key
        Sg, mug = w[m].sum() / W, (w[m] * x[m]).sum() / w[m].sum()
        Tg = theil(x[m], w[m]) if mug > 0 else 0.0
        by_group[str(key)] = Tg
        if mug > 0:
            between += Sg * (mug / mu) * np.log(mug / mu)
            within += Sg * (mug / mu) * Tg
    return {"total": theil(x, w), "between": float(between), "within": float(within), "by_group": by_group}


def decile_ratio(values, weights, share: float = 0.1) -> float | None:
    """Mean of the top ``share`` of the weight over the mean of the bottom ``share`` (values ascending).

    None when the bottom mean is 0 (the ratio is unbounded) or there is no weight.
    """
    p, L = lorenz(values, weights)
    x, w, keep = _clean(values, weights)
    if not keep.any():
        return None
    bottom = np.interp(share, p, L)
    top = 1.0 - np.interp(1.0 - share, p, L)
    if bottom <= 0:
        return None
    return float(top / bottom)


def equity_summary(values, weights, groups) -> dict:
    """Gini, Theil (total / between / within ``groups``), decile ratio, mean and the excluded weight share."""
    x, w, keep = _clean(values, weights)
    wpos = np.clip(np.asarray(weights, float), 0, None)
    total_w = wpos.sum()
    dec = theil_decomposition(values, weights, groups)
    mean = float((w[keep] * x[keep]).sum() / w[keep].sum()) if keep.any() else float("nan")
    return {"gini": gini(values, weights), "theil": dec["total"], "theil_between": dec["between"],
            "theil_within": dec["within"], "top_bottom_10_ratio": decile_ratio(values, weights), "mean": mean,
            "excluded_weight": float(wpos[~np.isfinite(x)].sum() / total_w) if total_w > 0 else 0.0}
