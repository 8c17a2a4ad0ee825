"""Generated existing facilities and the plan's 28 projects for the Yuncheng demo.

Existing facilities (all generated; counts at scale 1, multiplied by ``scale`` and rounded, at
least one each — assumptions of the order a city of ~700,000 has, see gis/data/SOURCES.md):

=================  ===============  =====  ============================================
family             sub-type         count  capacity (assumption)
=================  ===============  =====  ============================================
school             primary          46     12-36 classes x 45, total ~93 % of age 6-11
school             nine_year        14     primary part as above; junior 9-24 classes x 50
school             junior           8      junior seats total ~ age 12-14
school             complete         3      (60 schools carry primary seats, 25 junior)
kindergarten       kindergarten     120    6/9/12 classes x 30, total ~110 % of age 3-5
clinic             health_centre    9      one per district (fixed), 20-50 beds
clinic             health_station   50     no beds
clinic             hospital         5      beds bring the city to 6.1 per 1,000 (plan, 2020)
elderly_care       day_care         40     10-20 beds
elderly_care       nursing_home     8      beds 20 per 1,000 elderly in all (below the norm)
study_room         study_room       20     100-300 m2
fitness            5 sub-types      150    area scaled to 1.88 m2 per resident (plan, 2020)
childcare          childcare_centre 20     places total 2 per 1,000 residents (plan, 2020)
culture            community room   12     floor area: rooms 1, centre and library 10 shares each,
culture            centre, library  1, 1   scaled so culture + study rooms = 102.7 m2 per 10,000
                                           residents (plan indicator 9, 2020); >= 50 m2 a site
=================  ===============  =====  ============================================

Attributes (generated, assumptions): ownership public with probability 0.45 (kindergartens), 0.25
(childcare), 0.60 (elderly care), else private; 普惠 = public, or private with probability about
0.45 (kindergartens) / 0.33 (childcare) (:data:`ATTRIBUTE_SHARES`); nursing homes have nursing-type
beds with probability 0.5, day-care centres general beds (:data:`NURSING_BED_SHARE`). These and the
two new families draw from a stream spawned from the main one, so the other facilities, the fitness
calibration and the projects are the same as before they were added.

Placement. Sites are street nodes (public streets for everything but fitness, which may also sit
inside compounds), chosen by Gumbel-top-k sampling weighted by the demand density around them,
with a minimum spacing, and set 10-30 m off the street. Schools and kindergartens were built for
the city as it *was*: their weights are damped in fast-growing districts (``exp(-25 g)``), which
is why primary seats fall short there today — the reason the plan builds.

Fitness calibration. Yuncheng reported 80 % coverage of its 15-minute fitness circle (2024).
The generator measures the same thing with the production engine (:class:`CoverageProbe`: the
population share within 15 minutes' walk of the nearest fitness site, exact snapping of cells and
sites to street segments, one Dijkstra through a virtual source), and bisects the placement
spacing until the share is within 0.01 of 0.80 (deterministic: the same random keys are reused at
every step). The figure in the build report is then measured on the finished area by
:func:`accessibility.coverage.service_coverage` — exactly what ``hedong coverage`` prints.

Projects. The 28 projects come from :data:`layers.plan.SCHOOL_PROGRAMME`: counts per type, the
opening schedule, the 2024/2025 primary schools; seats from :data:`layers.plan.DERIVED_SEATS`
(an inference) and kindergarten places from :mod:`layers.norms` (12 classes x 30). *Assumption*:
the remaining school types are spread over 2021-2023 round-robin (nine-year, primary, junior,
complete, ...), filling each year's slots in turn. Sites: each project goes to the district with the
largest remaining shortfall of its level (demand minus seats), on a public street node where that
cohort is densest, at least 500 m from the other schools of its level. Below demo scale 1 a
project's seats are its plan seats x scale, rounded to whole classes (at least one): the town, its
existing schools and the projects shrink together (:func:`scaled_capacity`); at scale 1 and above the
plan's figures stand.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from accessibility.coverage import DEFAULT_MINUTES
from accessibility.network import TravelNetwork
from accessibility.reach import cell_seconds, nearest_seconds
from demo.people import density_raster
from layers import norms, plan
from layers.families import LEVELS, SERVICES, families
from layers.families import project_capacity as _project_capacity
from layers.schema import CAPACITY_COLUMNS, FACILITY_COLUMNS, NAME_EN, PROJECT_COLUMNS, SOURCE_GENERATED, SUBTYPE_LABELS

#: (family, subtype) -> count at scale 1. Assumptions, see the module docstring.
COUNTS_SCALE_1 = {
    ("school", "primary"): 46,
    ("school", "nine_year"): 14,
    ("school", "junior"): 8,
    ("school", "complete"): 3,
    ("kindergarten", "kindergarten"): 120,
    ("clinic", "health_centre"): 9,
    ("clinic", "health_station"): 50,
    ("clinic", "hospital"): 5,
    ("elderly_care", "day_care"): 40,
    ("elderly_care", "nursing_home"): 8,
    ("study_room", "study_room"): 20,
    ("fitness", "fitness_square"): 60,
    ("fitness", "pitch"): 45,
    ("fitness", "fitness_centre"): 20,
    ("fitness", "sports_park"): 10,
    ("fitness", "trail"): 15,
}
#: The families of the plan's indicator table, at scale 1 (assumptions, generated).
COUNTS_SCALE_1_INDICATORS = {
    ("childcare", "childcare_centre"): 20,
    ("culture", "community_culture_room"): 12,
    ("culture", "cultural_centre"): 1,
    ("culture", "library"): 1,
}
CULTURE_MIN_M2 = 50.0  # smallest generated cultural floor area (assumption)
#: Share of sites that are public / 普惠 (a public site is 普惠; the 普惠 share counts both) — assumptions
#: near the plan's 2020 figures (普惠 coverage 92.51 %, public kindergartens short of 55 %).
ATTRIBUTE_SHARES = {"kindergarten": {"public": 0.45, "puhui": 0.90}, "childcare": {"public": 0.25, "puhui": 0.50},
                    "elderly_care": {"public": 0.60}}
#: Share of sites with nursing-type beds (护理型床位) by sub-type (assumption; the plan asks 55 % of beds).
NURSING_BED_SHARE = {"nursing_home": 0.5, "day_care": 0.0}
#: Area ranges (m2) by fitness sub-type, before scaling to the plan's 2020 per-capita figure.
FITNESS_AREA = {"fitness_square": (1000, 5000), "pitch": (1000, 7500), "fitness_centre": (1500, 6000),
                "sports_park": (20000, 80000), "trail": (2000, 15000)}
PRIMARY_SEAT_RATIO = 0.93  # existing primary seats / age 6-11 (assumption: the city is short overall)
JUNIOR_SEAT_RATIO = 1.00
KINDERGARTEN_PLACE_RATIO = 1.10
NURSING_BEDS_PER_1000_ELDERLY = 20.0
FITNESS_TARGET = 0.80  # Yuncheng, March 2024 (NORMS.md)
WALK_M_PER_MIN = norms.SPEEDS["walk"].m_per_min
#: Facility id prefix per family (from the family registry).
ID_PREFIX = {f.key: f.id_prefix for f in families()}


# ---------------------------------------------------------------- network helpers


def graph_arrays(G):
    """Node ids and coordinates in ``G.nodes`` order (the order :class:`TravelNetwork` uses)."""
    ids = np.fromiter(G.nodes, dtype=np.int64, count=G.number_of_nodes())
    x = np.array([G.nodes[n]["x"] for n in ids])
    y = np.array([G.nodes[n]["y"] for n in ids])
    return ids, x, y


class CoverageProbe:
    """Population share within 15 minutes' walk of a set of sites, by the production engine.

    The calibration must report the figure ``hedong coverage`` reports for the finished area, so it
    measures with :mod:`accessibility` itself (exact snapping of cells and sites to segments, one
    Dijkstra through a virtual source, :data:`accessibility.coverage.DEFAULT_MINUTES`) rather than a
    private shortcut. The cells are snapped once; each probe snaps only the candidate sites.
    """

    def __init__(self, G, cells):
        self.net = TravelNetwork.from_graph(G, "walk")
        self.cells = self.net.snap(cells)
        self.pop = cells["pop_total"].to_numpy(float)
        self.limit_s = DEFAULT_MINUTES * 60.0

    def seconds(self, site_xy) -> np.ndarray:
        """Seconds from every cell to the nearest of ``site_xy`` ((n, 2) metres)."""
        if len(site_xy) == 0:
            return np.full(len(self.pop), np.inf)
        sites = self.net.snap(np.asarray(site_xy, float))
        return cell_seconds(self.net, self.cells, nearest_seconds(self.net, sites, limit_s=self.limit_s), sites)

    def nodes_reached(self, site_xy) -> np.ndarray:
        """Per street node (``G.nodes`` order): within the limit of one of ``site_xy``."""
        sites = self.net.snap(np.asarray(site_xy, float))
        return np.isfinite(nearest_seconds(self.net, sites, limit_s=self.limit_s))

    def share(self, site_xy) -> float:
        """Population share within the limit (inclusive, as coverage counts it)."""
        return float(self.pop[self.seconds(site_xy) <= self.limit_s].sum() / self.pop.sum())


# ---------------------------------------------------------------- placement


def _place(n, weight, cand_xy, keys, min_sep, taken_xy=None):
    """Choose ``n`` candidates by Gumbel-top-k keys on ``log(weight)``, at least ``min_sep`` apart.

    ``keys`` are fixed Gumbel draws, so a change of ``min_sep`` (calibration) moves the choice
    smoothly and deterministically. If the spacing cannot be met, it is relaxed step by step.
    """
    score = np.log(np.maximum(weight, 1e-12)) + keys
    order = np.argsort(-score, kind="stable")
    chosen = []
    sep = float(min_sep)
    taken = np.empty((0, 2)) if taken_xy is None else np.asarray(taken_xy, dtype=float).reshape(-1, 2)
    while len(chosen) < n and sep >= 1.0:
        pts = np.vstack([taken, cand_xy[chosen]]) if chosen else taken
        for c in order:
            if len(chosen) >= n:
                break
            if c in chosen:
                continue
            if len(pts) and np.min(np.hypot(*(pts - cand_xy[c]).T)) < sep:
                continue
            chosen.append(int(c))
            pts = np.vstack([pts, cand_xy[c]])
        sep *= 0.7
    return np.array(chosen, dtype=int)


def _offset(xy, rng):
    """Move sites 10-30 m off their street node (a facility's door is off the carriageway)."""
    a = rng.uniform(0, 2 * np.pi, len(xy))
    r = rng.uniform(10, 30, len(xy))
    return xy + np.column_stack([r * np.cos(a), r * np.sin(a)])


def scaled_count(n1: int, scale: float) -> int:
    """Count at ``scale`` of something there are ``n1`` of at scale 1 (at least one)."""
    return max(1, int(round(n1 * scale)))


def _sized(n, lo, hi, unit, target, rng):
    """``n`` integer sizes (classes) drawn in [lo, hi] then rescaled so ``unit * sum`` ~ ``target``."""
    c = rng.integers(lo, hi + 1, n).astype(float)
    if target > 0 and c.sum() > 0:
        c *= target / (unit * c.sum())
    return np.clip(np.round(c), max(1, lo // 2), hi * 2).astype(int)


# ---------------------------------------------------------------- existing facilities


def make_facilities(net, probe, cells, districts, public, scale, rng, crs):
    """Generate the existing facilities of all six families (see the module notes).

    Parameters
    ----------
    net : tuple
        :func:`graph_arrays` of the loaded network: (ids, x, y).
    probe : CoverageProbe
        The production coverage engine on the same network and cells (fitness calibration).
    cells : GeoDataFrame
        Population layer.
    districts : GeoDataFrame
        With ``district_id``, ``growth_rate``.
    public : ndarray of bool
        Per node: on a public street (not inside a gated compound).
    scale : float
    rng : numpy Generator
    crs : str

    Returns
    -------
    (GeoDataFrame, dict)
        The facilities layer and a calibration report (``fitness_coverage``, ``fitness_min_sep_m``).
    """
    ids, nx_, ny_ = net
    node_xy = np.column_stack([nx_, ny_])
    cx, cy = cells.geometry.x.to_numpy(), cells.geometry.y.to_numpy()
    cell_xy = np.column_stack([cx, cy])
    pop = cells["pop_total"].to_numpy(float)
    dens = {c: density_raster(cx, cy, cells[c].to_numpy(float))(nx_, ny_)
            for c in ("pop_total", "age_0_2", "age_3_5", "age_6_11", "age_12_14", "age_65_plus")}
    # District growth at each node (nearest cell's district): schools lag the growing districts.
    _, nearest_cell = cKDTree(cell_xy).query(node_xy)
    g_of = dict(zip(districts["district_id"], districts["growth_rate"]))
    node_growth = cells["district_id"].map(g_of).to_numpy(float)[nearest_cell]
    node_district = cells["district_id"].to_numpy()[nearest_cell]
    lag = np.exp(-25.0 * node_growth)
    pub = np.flatnonzero(public)

    rows = []
    placed: dict[str, np.ndarray] = {}

    def put(family, subtype, idx, caps):
        xy = _offset(node_xy[idx], rng)
        for k, (x, y) in enumerate(xy):
            rows.append({"family": family, "subtype": subtype, "x": x, "y": y,
                         **{c: int(v[k]) if c != "area_m2" else float(v[k]) for c, v in caps.items()}})
        placed[subtype] = np.vstack([placed.get(subtype, np.empty((0, 2))), xy])

    def cand(weight, n, sep, taken=None, among=pub):
        keys = rng.gumbel(size=len(among))
        return among[_place(n, weight[among], node_xy[among], keys, sep, taken)]

    cnt = {k: scaled_count(v, scale) for k, v in COUNTS_SCALE_1.items()}
    cnt[("clinic", "health_centre")] = len(districts)  # one community health centre per district

    # Schools: sizes so that totals meet the assumed ratios to today's demand.
    d611, d1214, d35 = (cells[c].sum() for c in ("age_6_11", "age_12_14", "age_3_5"))
    n_p, n_9, n_j, n_c = (cnt[("school", s)] for s in ("primary", "nine_year", "junior", "complete"))
    p_classes = _sized(n_p + n_9, 12, 36, norms.CLASS_SIZE["primary"], PRIMARY_SEAT_RATIO * d611, rng)
    j_classes = _sized(n_9 + n_j + n_c, 9, 24, norms.CLASS_SIZE["junior"], JUNIOR_SEAT_RATIO * d1214, rng)
    school_w = dens["age_6_11"] * lag
    idx = cand(school_w, n_p + n_9, 450)
    put("school", "primary", idx[:n_p], {"seats_primary": p_classes[:n_p] * norms.CLASS_SIZE["primary"]})
    put("school", "nine_year", idx[n_p:], {"seats_primary": p_classes[n_p:] * norms.CLASS_SIZE["primary"],
                                           "seats_junior": j_classes[:n_9] * norms.CLASS_SIZE["junior"]})
    idx = cand(dens["age_12_14"] * lag, n_j + n_c, 700, taken=placed["nine_year"])
    jc = j_classes[n_9:] * norms.CLASS_SIZE["junior"]
    put("school", "junior", idx[:n_j], {"seats_junior": jc[:n_j]})
    put("school", "complete", idx[n_j:], {"seats_junior": jc[n_j:]})

    n_k = cnt[("kindergarten", "kindergarten")]
    k_classes = rng.choice([6, 9, 12], n_k).astype(float)
    k_classes = np.clip(np.round(k_classes * KINDERGARTEN_PLACE_RATIO * d35 /
                                 (norms.CLASS_SIZE["kindergarten"] * k_classes.sum()) / 3) * 3, 3, 15)
    put("kindergarten", "kindergarten", cand(dens["age_3_5"] * lag, n_k, 250),
        {"places_kindergarten": k_classes.astype(int) * norms.CLASS_SIZE["kindergarten"]})

    # Clinics: one centre per district at its densest public node; stations; hospitals with beds.
    centres = []
    for code in districts["district_id"]:
        among = pub[node_district[pub] == code]
        if len(among):
            centres.append(among[np.argmax(dens["pop_total"][among])])
    centres = np.array(centres, dtype=int)
    c_beds = rng.integers(20, 51, len(centres))
    put("clinic", "health_centre", centres, {"beds": c_beds})
    put("clinic", "health_station", cand(dens["pop_total"], cnt[("clinic", "health_station")], 350,
                                         taken=placed["health_centre"]),
        {"beds": np.zeros(cnt[("clinic", "health_station")], int)})
    n_h = cnt[("clinic", "hospital")]
    beds_total = plan.INDICATORS["beds_per_1000"]["2020"] * pop.sum() / 1000.0 - c_beds.sum()
    h_beds = np.round(rng.dirichlet(np.full(n_h, 3.0)) * max(beds_total, 100 * n_h)).astype(int)
    put("clinic", "hospital", cand(dens["pop_total"], n_h, 1500), {"beds": h_beds})

    n_d, n_n = cnt[("elderly_care", "day_care")], cnt[("elderly_care", "nursing_home")]
    put("elderly_care", "day_care", cand(dens["age_65_plus"], n_d, 400), {"beds": rng.integers(10, 21, n_d)})
    n_beds = NURSING_BEDS_PER_1000_ELDERLY * cells["age_65_plus"].sum() / 1000.0
    put("elderly_care", "nursing_home", cand(dens["age_65_plus"] ** 0.5, n_n, 1200),
        {"beds": np.maximum(30, np.round(rng.dirichlet(np.full(n_n, 4.0)) * n_beds)).astype(int)})
    n_s = cnt[("study_room", "study_room")]
    put("study_room", "study_room", cand(dens["pop_total"], n_s, 800),
        {"area_m2": np.round(rng.uniform(100, 300, n_s), -1)})

    fit, report = _fitness(node_xy, probe, pop, dens["pop_total"], cnt, rng)
    for subtype, (idx_f, area) in fit.items():
        put("fitness", subtype, idx_f, {"area_m2": area})

    # The indicator-table families and attributes draw from their own stream (spawned, so the
    # facilities above, the fitness calibration and the projects stay as they were).
    xrng = np.random.default_rng(rng.bit_generator.seed_seq.spawn(1)[0])
    study_m2 = float(sum(r["area_m2"] for r in rows if r["family"] == "study_room"))
    rows += _indicator_families(node_xy, pub, node_district, dens, cells, districts, study_m2, scale, xrng)

    df = pd.DataFrame(rows)
    for c in CAPACITY_COLUMNS:
        df[c] = df[c].fillna(0) if c in df else 0
        df[c] = df[c].astype(float if CAPACITY_COLUMNS[c]["unit"] == "m2" else np.int64)
    _attributes(df, xrng)
    n_by = df.groupby("family").cumcount() + 1
    df["facility_id"] = [f"{ID_PREFIX[f]}-{n:04d}" for f, n in zip(df["family"], n_by)]
    n_sub = df.groupby("subtype").cumcount() + 1
    # Generated names in both languages (name_en beside name, as the districts carry), marked 示例 / Demo.
    df["name"] = [demo_name(s, n, "zh") for s, n in zip(df["subtype"], n_sub)]
    df[NAME_EN] = [demo_name(s, n, "en") for s, n in zip(df["subtype"], n_sub)]
    df["source"] = SOURCE_GENERATED
    gdf = gpd.GeoDataFrame(df.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(df["x"], df["y"]), crs=crs)
    return gdf[[*FACILITY_COLUMNS, NAME_EN, "geometry"]], report


def demo_name(subtype: str, n: int, lang: str, planned: bool = False) -> str:
    """The generated name of the ``n``-th facility (or planned project) of ``subtype``: 示例小学 30 /
    示例规划小学 3 in Chinese, Demo Primary School 30 / Demo Planned Primary School 3 in English.
    Marked as generated; never a real street or school name."""
    label = SUBTYPE_LABELS[subtype][lang]
    if lang == "zh":
        return f"示例{'规划' if planned else ''}{label} {n}"
    return f"Demo {'Planned ' if planned else ''}{label.title()} {n}"


def _indicator_families(node_xy, pub, node_district, dens, cells, districts, study_m2, scale, rng) -> list[dict]:
    """Rows of the generated childcare centres and public cultural facilities (see the module notes).

    Childcare places total the plan's 2020 figure (2 per 1,000 residents); public cultural floor
    area, with the study rooms' area, totals 102.7 m² per 10,000 (indicator 9, 2020).
    """
    pop = float(cells["pop_total"].sum())
    rows = []

    def add(family, subtype, idx, col, caps):
        xy = _offset(node_xy[idx], rng)
        for (x, y), c in zip(xy, caps):
            rows.append({"family": family, "subtype": subtype, "x": x, "y": y, col: c})

    def pick(weight, n, sep):
        keys = rng.gumbel(size=len(pub))
        return pub[_place(n, weight[pub], node_xy[pub], keys, sep)]

    n_cc = scaled_count(COUNTS_SCALE_1_INDICATORS[("childcare", "childcare_centre")], scale)
    places = plan.INDICATORS["childcare_per_1000"]["2020"] * pop / 1000.0
    sizes = np.maximum(20, np.round(rng.dirichlet(np.full(n_cc, 4.0)) * places / 10) * 10).astype(int)
    add("childcare", "childcare_centre", pick(dens["age_0_2"], n_cc, 400), "places_childcare", sizes)

    # Floor areas: weights per site (a centre or library ~10 rooms), scaled so culture + study rooms
    # = the plan's 2020 figure; at least CULTURE_MIN_M2 a site where the study rooms alone exceed it.
    kinds = [s_ for (f_, s_), n1 in COUNTS_SCALE_1_INDICATORS.items() if f_ == "culture"
             for _ in range(scaled_count(n1, scale))]
    w = np.array([1.0 if k == "community_culture_room" else 10.0 for k in kinds]) * rng.uniform(0.6, 1.4, len(kinds))
    total_m2 = plan.INDICATORS["culture_area_per_10k"]["2020"] * pop / 10000.0 - study_m2
    m2 = np.maximum(CULTURE_MIN_M2, np.round(w / w.sum() * total_m2, -1))
    kinds = np.array(kinds)
    for s_ in dict.fromkeys(kinds):
        sel = kinds == s_
        weight = dens["pop_total"] if s_ == "community_culture_room" else dens["pop_total"] ** 2
        add("culture", s_, pick(weight, int(sel.sum()), 500 if s_ == "community_culture_room" else 1500),
            "floor_area_m2", m2[sel])
    return rows


def _attributes(df: pd.DataFrame, rng) -> None:
    """Ownership, 普惠 and bed type of the generated facilities (shares: :data:`ATTRIBUTE_SHARES`)."""
    df["ownership"], df["puhui"], df["bed_type"] = "", False, ""
    for fam, sh in ATTRIBUTE_SHARES.items():
        sel = np.flatnonzero((df["family"] == fam).to_numpy())
        u = rng.random(len(sel))
        public = u < sh["public"]
        if "puhui" in sh:  # 普惠 includes the public ones; some private ones are 普惠 too
            df.loc[df.index[sel], "puhui"] = public | (u < sh["puhui"])
        df.loc[df.index[sel], "ownership"] = np.where(public, "public", "private")
    for sub, p in NURSING_BED_SHARE.items():
        sel = np.flatnonzero((df["subtype"] == sub).to_numpy())
        df.loc[df.index[sel], "bed_type"] = np.where(rng.random(len(sel)) < p, "nursing", "general")


def _fitness(node_xy, probe, pop, dens, cnt, rng):
    """Place the fitness facilities, bisecting their spacing until 15-minute coverage ~ 0.80."""
    subtypes = [s for (f, s) in COUNTS_SCALE_1 if f == "fitness"]
    n = sum(cnt[("fitness", s)] for s in subtypes)
    everywhere = np.arange(len(node_xy))
    keys = rng.gumbel(size=len(everywhere))
    weight = dens ** 1.5  # squares and pitches follow people; the exponent concentrates them

    def coverage_at(sep):
        idx = everywhere[_place(n, weight, node_xy, keys, sep)]
        xy = node_xy[idx]
        return probe.share(xy), idx

    lo, hi = 0.0, 1500.0
    tried = []
    for _ in range(12):  # coverage rises with spacing (sites spread out); bisect on it
        mid = (lo + hi) / 2
        cov, idx = coverage_at(mid)
        tried.append((abs(cov - FITNESS_TARGET), mid, cov, idx))
        if abs(cov - FITNESS_TARGET) <= 0.01:
            break
        lo, hi = (mid, hi) if cov < FITNESS_TARGET else (lo, mid)
    _, sep, cov, idx = min(tried, key=lambda t: (t[0], t[1]))
    # A small city (scale < 1) has more urban edge per resident: if even the widest spread falls
    # short, add fitness squares one at a time at the densest uncovered node until the target is met.
    added = 0
    while cov < FITNESS_TARGET - 0.01 and added < n:
        reach = probe.nodes_reached(node_xy[idx])
        gap = np.where(reach, 0.0, dens)
        idx = np.append(idx, int(np.argmax(gap)))
        cov = probe.share(node_xy[idx])
        added += 1
    cnt = dict(cnt)
    cnt[("fitness", "fitness_square")] += added
    # Deal sub-types out in a fixed shuffled order; scale the areas to the plan's 2020 per-capita area.
    kinds = np.concatenate([[s] * (cnt[("fitness", s)] - (added if s == "fitness_square" else 0)) for s in subtypes])
    kinds = np.concatenate([kinds[rng.permutation(len(kinds))], ["fitness_square"] * added])
    area = np.array([rng.uniform(*FITNESS_AREA[k]) for k in kinds])
    area *= plan.INDICATORS["sports_area_per_capita"]["2020"] * pop.sum() / area.sum()
    out = {s: (idx[kinds == s], np.round(area[kinds == s], 0)) for s in subtypes}
    return out, {"fitness_coverage": round(cov, 4), "fitness_min_sep_m": round(sep, 1),
                 "fitness_calibration_steps": len(tried), "fitness_added_squares": added}


# ---------------------------------------------------------------- projects


def project_types_by_year() -> list[tuple[int, str]]:
    """(build_year, type) for all 28 projects, from the plan's counts and schedule (拟建 years).

    The plan fixes the counts per type, the schools / kindergartens opening each year and that the
    2024 and 2025 schools are primary. *Assumption*: the other school types are dealt round-robin
    (nine-year, primary, junior, complete) into the 2021-2023 school slots in year order.
    """
    prog = plan.SCHOOL_PROGRAMME
    counts = {t: n for t, n in prog["counts"].items() if t != "kindergarten"}
    fixed = []
    for year, types in prog["schedule_types_given"].items():
        for t in types:
            counts[t] -= 1
            fixed.append((year, t))
    pool, order = [], ["nine_year", "primary", "junior", "complete"]
    while any(counts.values()):
        for t in order:
            if counts.get(t, 0) > 0:
                pool.append(t)
                counts[t] -= 1
    out = []
    for year in sorted(prog["schedule"]):
        schools, kgs = prog["schedule"][year]
        given = [t for (y, t) in fixed if y == year]
        for _ in range(schools - len(given)):
            out.append((year, pool.pop(0)))
        out += [(year, t) for t in given]
        out += [(year, "kindergarten")] * kgs
    assert not pool and len(out) == sum(prog["counts"].values())
    return out


def project_capacity(ptype: str) -> dict[str, int]:
    """Seats / places of one project of type ``ptype`` (derived from the plan, see module notes).

    The family registry's one rule for a new site (:func:`layers.families.project_capacity`), as
    the optimiser uses for a candidate without capacity.
    """
    return _project_capacity(ptype)


def scaled_capacity(cap: dict[str, int], scale: float) -> dict[str, int]:
    """A project's seats at demo ``scale``: below 1 the project shrinks with the town.

    ``seats x scale`` rounded to whole classes of the level's class size (at least one class), so a
    0.15 demo keeps the plan's balance between its shrunken population, its shrunken existing
    schools and the projects (at full size the 28 projects would seat the small town twice over).
    At scale 1 or above the plan's figures are kept as they are.
    """
    if scale >= 1:
        return dict(cap)
    size = {SERVICES[lv].capacity: SERVICES[lv].class_size for lv in LEVELS}
    out = {}
    for col, v in cap.items():
        k = size.get(col)
        out[col] = int(max(1, round(v * scale / k)) * k) if (v and k) else (int(round(v * scale)) if v else 0)
    return out


def make_projects(net, cells, facilities, public, rng, crs, scale: float = 1.0):
    """The plan's 28 projects on generated sites (see the module notes); below scale 1 their seats
    shrink with the town (:func:`scaled_capacity`).

    Returns
    -------
    GeoDataFrame
        :data:`layers.schema.PROJECT_COLUMNS` + ``name_en``, ``build_year``, ``notes``; points.
    """
    ids, nx_, ny_ = net
    node_xy = np.column_stack([nx_, ny_])
    cx, cy = cells.geometry.x.to_numpy(), cells.geometry.y.to_numpy()
    _, nearest_cell = cKDTree(np.column_stack([cx, cy])).query(node_xy)
    node_district = cells["district_id"].to_numpy()[nearest_cell]
    pub = np.flatnonzero(public)
    # capacity column -> the cohort demanding it, for every assigned level (the registry's records)
    level_of = {SERVICES[lv].capacity: SERVICES[lv].demand for lv in LEVELS if SERVICES[lv].demand in cells}
    dens = {col: density_raster(cx, cy, cells[coh].to_numpy(float))(nx_, ny_) for col, coh in level_of.items()}
    fac_d = facilities.sjoin_nearest(cells[["district_id", "geometry"]], how="left")
    fac_d = fac_d[~fac_d.index.duplicated()]
    # Remaining shortfall per district and level: demand minus the seats located there.
    short = {col: cells.groupby("district_id")[coh].sum() - fac_d.groupby("district_id")[col].sum().reindex(
        cells["district_id"].unique(), fill_value=0) for col, coh in level_of.items()}
    taken = {col: [tuple(p) for p in np.column_stack([fac_d.geometry.x, fac_d.geometry.y])[fac_d[col].to_numpy() > 0]]
             for col in level_of}

    rows = []
    n_type: dict[str, int] = {}
    for year, ptype in project_types_by_year():
        cap = scaled_capacity(project_capacity(ptype), scale)
        main = "places_kindergarten" if ptype == "kindergarten" else (
            "seats_primary" if cap["seats_primary"] else "seats_junior")
        district = short[main].idxmax()
        among = pub[node_district[pub] == district]
        keys = rng.gumbel(size=len(among))
        sep = 300.0 if ptype == "kindergarten" else 500.0
        pick = among[_place(1, dens[main][among], node_xy[among], keys, sep, taken_xy=np.array(taken[main]))]
        xy = _offset(node_xy[pick], rng)[0]
        for col, v in cap.items():
            if v:
                short[col][district] -= v
                taken[col].append(tuple(xy))
        n_type[ptype] = n_type.get(ptype, 0) + 1
        rows.append({"name": demo_name(ptype, n_type[ptype], "zh", planned=True),
                     NAME_EN: demo_name(ptype, n_type[ptype], "en", planned=True), "type": ptype,
                     **cap, "open_year": int(year) + plan.OPENING_LAG, "build_year": int(year), "x": xy[0], "y": xy[1],
                     "source": "generated site; type, construction year (build_year) and seats from the plan "
                               "(seats derived" + (f"; x {scale:g} with the demo's scale, whole classes"
                                                   if scale < 1 else "") + "); open_year = build_year + 1 (assumption)",
                     "notes": ("type-by-year of 2021-2023 schools is an assumption (round-robin); "
                               "build_year is the plan's 拟建 year (construction starts), open_year the September "
                               f"intake {plan.OPENING_LAG} year later (assumption); "
                               + plan.DERIVED_NOTE + f"; source: {plan.PLAN_SOURCE}")})
    df = pd.DataFrame(rows)
    df.insert(0, "project_id", [f"prj-{n:02d}" for n in range(1, len(df) + 1)])
    gdf = gpd.GeoDataFrame(df.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(df["x"], df["y"]), crs=crs)
    return gdf[[*PROJECT_COLUMNS, NAME_EN, "build_year", "notes", "geometry"]]
