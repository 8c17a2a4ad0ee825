"""Generated districts and population of the Yuncheng demo (all generated, labelled so).

Districts
    Nine polygons for the nine real names and codes of Yanhu's urban subdistricts and the
    development zone (gis/data/yanhu_subdistricts.csv). Their *geometry is generated*: a Voronoi
    partition of the built-up area around seeds laid out roughly as a 3 x 3 pattern (中城 in the
    middle, the compass-named ones around it, 安邑/大渠/姚孟 and the development zone in the
    corners). The real subdistrict boundaries are not available offline.

    ``growth_rate`` is a generated assumption: annual growth of the child cohorts 2021-2025,
    highest in the new northern districts (the development zone, 北城, 安邑), slightly negative in
    the ageing old core (中城). It drives where compounds are high-rise, how young districts are,
    and where the existing schools fall short.

Population (assumptions, documented in gis/data/SOURCES.md)
    * total about 700,000 residents at scale 1 (Yuncheng's central city order of magnitude),
      multiplied by ``scale``; integer people on 100 m cells (points at cell centres);
    * cells exist only inside the built-up area (never in the lake) and within 120 m of a street;
    * density: old core dense, falling towards the urban edge; gated compounds denser than open
      quarters, high-rise compounds in the growing districts densest; lognormal noise;
    * children 0-14 **follow the births**: a child aged ``a`` in 2021 is one of the town's births of
      ``2021 - a`` times the yearly survival ``0.999 ** a`` (:data:`layers.norms.CHILD_SURVIVAL`);
      the town's births are the national births of each year (:mod:`demo.national_births`, NBS)
      scaled to the town's population at the national crude birth rate of 2020 (8.52 ‰). So the
      3-5 year-olds of 2021 (born 2016-2018, 51.3 M nationally) outnumber those of 2025 (born
      2020-2022, 32.2 M) as they do in China, instead of an even split of census bands. 0-14 comes
      out near 16.5 % of residents (census 17.95 %: the census counts migrant children too);
    * 65+ = 13.50 % (2020 national census); districts vary (child and elderly weight up and down
      with growth_rate), renormalised so the city-wide figures are the ones above.

Births (:func:`make_births`, the same national series)
    Live births per district and year 2007-2035 for the enrolment projection: the town's births of
    each year (above) spread over the districts by their share of the town's children 0-14, whole
    births. Years after 2024 hold 2024's births (an assumption: no later national figure). The
    projection (:mod:`scenarios.enrolment`) splits each census band of the base year in proportion
    to these births, so the demo's single-year ages are the births series itself. Generated, not
    Yuncheng's registered births.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import ndimage
from scipy.cluster.vq import kmeans2

from demo.national_births import demo_births
from layers.norms import AGE_60_PER_65, CHILD_SURVIVAL
from layers.schema import COHORTS, COMMUNITY_COLUMNS, NAME_EN, SOURCE_GENERATED

#: Population of the demo at scale 1 (assumption: the order of Yuncheng's central city).
POPULATION_SCALE_1 = 700_000
#: 2020 national census shares (NORMS.md): 0-14 and 65+.
SHARE_0_14 = 0.1795
SHARE_65_PLUS = 0.1350
#: Single-year ages of each child cohort (inclusive).
CHILD_AGES = {"age_0_2": (0, 2), "age_3_5": (3, 5), "age_6_11": (6, 11), "age_12_14": (12, 14)}
#: Years each child cohort spans (of 15).
CHILD_YEARS = {c: hi - lo + 1 for c, (lo, hi) in CHILD_AGES.items()}
#: Year the population layer describes (scenarios.horizon.BASE_YEAR; demo sits above scenarios but
#: the generator keeps its own constant so the build does not depend on the seat engine).
POPULATION_YEAR = 2021
#: Years of the demo's births table: the oldest child of 2021 (age 14) was born in 2007.
BIRTHS_YEARS = (POPULATION_YEAR - 14, 2035)
CELL_SIZE = 100.0

#: district code -> (seed position as fractions of the city extent from the centre, growth_rate,
#: pinyin name). Positions and growth rates are generated assumptions.
DISTRICT_LAYOUT = {
    "140802001": ((0.00, 0.06), -0.010, "Zhongcheng Subdistrict"),
    "140802002": ((0.31, 0.06), 0.015, "Dongcheng Subdistrict"),
    "140802003": ((-0.31, 0.06), 0.010, "Xicheng Subdistrict"),
    "140802004": ((0.00, -0.26), 0.005, "Nancheng Subdistrict"),
    "140802005": ((0.00, 0.42), 0.050, "Beicheng Subdistrict"),
    "140802006": ((0.33, -0.24), 0.040, "Anyi Subdistrict"),
    "140802007": ((-0.33, 0.42), 0.030, "Daqu Subdistrict"),
    "140802008": ((-0.33, -0.24), 0.020, "Yaomeng Subdistrict"),
    "140802404": ((0.33, 0.42), 0.065, "Yuncheng Economic and Technological Development Zone"),
}
#: growth_rate at or above which a district counts as a fast-growing new town (high-rise compounds).
NEW_TOWN_GROWTH = 0.03


def make_districts(frame, names: pd.DataFrame, rng: np.random.Generator, crs: str):
    """Nine generated district polygons partitioning the built-up area (Voronoi around seeds).

    Parameters
    ----------
    frame : demo.streets.CityFrame
    names : DataFrame
        ``code``, ``name`` of the nine real units (gis/data/yanhu_subdistricts.csv).
    rng : numpy Generator
    crs : str

    Returns
    -------
    GeoDataFrame
        ``district_id``, ``name``, ``name_en``, ``growth_rate``, ``source``; polygons.
    """
    codes = [c for c in names["code"].astype(str) if c in DISTRICT_LAYOUT]
    seeds = []
    for c in codes:
        (fx, fy), _, _ = DISTRICT_LAYOUT[c]
        # A little jitter so the partition is not a perfect 3 x 3 chessboard.
        seeds.append(frame.rel(fx + rng.uniform(-0.04, 0.04), fy + rng.uniform(-0.04, 0.04)))
    pts = shapely.points(np.array(seeds))
    cells = shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=frame.region.envelope.buffer(5000))
    cells = list(cells.geoms)
    geoms = []
    for p in pts:
        cell = next(g for g in cells if g.contains(p))
        geoms.append(cell.intersection(frame.region))
    name_of = dict(zip(names["code"].astype(str), names["name"]))
    return gpd.GeoDataFrame({
        "district_id": codes,
        "name": [name_of[c] for c in codes],
        "name_en": [DISTRICT_LAYOUT[c][2] for c in codes],
        "growth_rate": [DISTRICT_LAYOUT[c][1] for c in codes],
        "source": f"{SOURCE_GENERATED}: generated geometry for a real name and code; growth_rate is an assumption",
    }, geometry=geoms, crs=crs)


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``weights`` summing exactly to ``total`` (Hamilton's method)."""
    w = np.asarray(weights, dtype=float)
    if total <= 0 or w.sum() <= 0:
        return np.zeros(len(w), dtype=np.int64)
    exact = w / w.sum() * total
    base = np.floor(exact).astype(np.int64)
    rest = int(total - base.sum())
    if rest > 0:
        # Stable tie-break by index keeps the result deterministic.
        order = np.lexsort((np.arange(len(w)), -(exact - base)))
        base[order[:rest]] += 1
    return base


def make_population(frame, districts, streets, edges_geom, scale: float, rng: np.random.Generator, crs: str):
    """Population cells of the demo (see the module notes for every assumption).

    Parameters
    ----------
    frame : demo.streets.CityFrame
    districts : GeoDataFrame
        From :func:`make_districts`.
    streets : demo.streets.StreetPlan
        For the compound / open-quarter outlines.
    edges_geom : array of shapely LineStrings
        Street edges of the loaded network (cells must lie within 120 m of one).
    scale : float
    rng : numpy Generator
    crs : str

    Returns
    -------
    GeoDataFrame
        :data:`layers.schema.POPULATION_COLUMNS` + ``source``; integer people; cell-centre points.
    """
    minx, miny, maxx, maxy = frame.region.bounds
    xs = np.arange(np.floor(minx / CELL_SIZE) * CELL_SIZE + CELL_SIZE / 2, maxx, CELL_SIZE)
    ys = np.arange(np.floor(miny / CELL_SIZE) * CELL_SIZE + CELL_SIZE / 2, maxy, CELL_SIZE)
    gx, gy = np.meshgrid(xs, ys)
    gx, gy = gx.ravel(), gy.ravel()
    shapely.prepare(frame.region)
    inside = shapely.contains_xy(frame.region, gx, gy)
    gx, gy = gx[inside], gy[inside]
    pts = shapely.points(gx, gy)
    tree = shapely.STRtree(edges_geom)
    near = np.unique(tree.query(pts, predicate="dwithin", distance=120.0)[0])
    gx, gy, pts = gx[near], gy[near], pts[near]

    # District of each cell (the partition covers the region; a cell on a seam takes the first).
    did = np.full(len(gx), "", dtype=object)
    growth = np.zeros(len(gx))
    for code, g, geom in zip(districts["district_id"], districts["growth_rate"], districts.geometry):
        m = (did == "") & shapely.contains_xy(geom, gx, gy)
        did[m], growth[m] = code, g
    if (did == "").any():  # numerical seams: nearest district
        miss = np.flatnonzero(did == "")
        dist = np.column_stack([shapely.distance(pts[miss], g) for g in districts.geometry])
        pick = dist.argmin(axis=1)
        did[miss] = districts["district_id"].to_numpy()[pick]
        growth[miss] = districts["growth_rate"].to_numpy()[pick]

    # Density weights. Why each factor: the old core is densest (walk-ups, mixed use); density
    # falls towards the urban edge; gated compounds are denser than open quarters and the new
    # high-rise compounds of the growing districts the densest; parks / campuses are thin.
    k = np.sqrt(scale)
    d_core = np.hypot(gx - frame.cx, gy - frame.cy)
    w = 1.0 + 1.6 * np.exp(-((d_core / (1800.0 * k)) ** 2))
    in_comp = np.zeros(len(gx), bool)
    if streets.compounds:
        in_comp[np.unique(shapely.STRtree(streets.compounds).query(pts, predicate="within")[0])] = True
    in_open = np.zeros(len(gx), bool)
    if streets.open_quarters:
        in_open[np.unique(shapely.STRtree(streets.open_quarters).query(pts, predicate="within")[0])] = True
    new_town = growth >= NEW_TOWN_GROWTH
    w *= np.where(in_comp, np.where(new_town, 2.2, 1.4), np.where(in_open, 1.0, 0.45))
    edge_d = shapely.distance(pts, frame.region.exterior)
    w *= 0.35 + 0.65 * np.minimum(1.0, edge_d / (1500.0 * k))
    w *= rng.lognormal(0.0, 0.3, len(gx))
    total = int(round(POPULATION_SCALE_1 * scale))
    pop = _largest_remainder(w, total)
    keep = pop >= 10  # drop near-empty cells: a populated cell holds at least a few households
    gx, gy, did, growth, w = gx[keep], gy[keep], did[keep], growth[keep], w[keep]
    pop = _largest_remainder(w, total)

    cohorts = cohort_counts(pop, did, growth)
    df = pd.DataFrame({"cell_id": [f"c{n:06d}" for n in range(len(pop))], "district_id": did.astype(str),
                       "pop_total": pop, **cohorts, "source": SOURCE_GENERATED})
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(gx, gy), crs=crs)


def cohort_shares(pop: np.ndarray, growth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-cell child (0-14) and elderly (65+) shares, varying with district growth.

    Younger where districts grow fast, older where they shrink; renormalised so the
    population-weighted city-wide shares equal the 2020 national census shares.
    """
    gm = np.average(growth, weights=pop) if pop.sum() else 0.0
    child = np.clip(1.0 + 5.0 * (growth - gm), 0.6, 1.5)
    old = np.clip(1.0 - 6.0 * (growth - gm), 0.6, 1.5)
    child *= SHARE_0_14 / np.average(child, weights=pop)
    old *= SHARE_65_PLUS / np.average(old, weights=pop)
    return child, old


def cohort_counts(pop: np.ndarray, district_id: np.ndarray, growth: np.ndarray) -> dict[str, np.ndarray]:
    """Integer cohort counts per cell whose city totals match the expected totals exactly.

    ``age_60_plus`` contains ``age_65_plus`` (the other cohorts are disjoint).

    Children of each band are the town's births of the band's years times survival
    (:func:`town_children`), spread over cells by population x the district's child weight
    (:func:`cohort_shares`). Each cohort's city total is the rounded sum of its expected values, spread over cells by the
    largest-remainder method, so no cell is off by more than one person and no cohort sum ever
    exceeds a cell's population (checked and repaired, cells hold at least 10 people).
    """
    child, old = cohort_shares(pop, growth)
    weight = pop * child / (pop * child).sum() if (pop * child).sum() > 0 else np.zeros(len(pop))
    town = float(pop.sum())
    expected = {c: weight * town_children(town, lo, hi) for c, (lo, hi) in CHILD_AGES.items()}
    expected["age_65_plus"] = pop * old
    out = {c: _largest_remainder(e, int(round(e.sum()))) for c, e in expected.items()}
    excess = sum(out.values()) - pop
    for n in np.flatnonzero(excess > 0):  # cannot happen with >= 10 people a cell; kept as a guard
        out["age_65_plus"][n] -= excess[n]
    # 60+ = 65+ plus the 60-64s, at the census ratio of 60+ to 65+ (NORMS.md: 18.70 % / 13.50 %), never
    # more than the adults of the cell (the cohorts above are disjoint; 60+ contains 65+).
    e_60_64 = out["age_65_plus"] * (AGE_60_PER_65 - 1.0)
    room = pop - sum(v for c, v in out.items() if c != "age_65_plus") - out["age_65_plus"]
    out["age_60_plus"] = out["age_65_plus"] + np.minimum(_largest_remainder(e_60_64, int(round(e_60_64.sum()))), room)
    assert list(out) == list(COHORTS)
    return out


def town_children(population: float, lo: int, hi: int) -> float:
    """Children aged ``lo``..``hi`` in :data:`POPULATION_YEAR` of a town of ``population``: its births of
    each cohort year (:func:`demo.national_births.demo_births`) times ``CHILD_SURVIVAL ** age``."""
    return float(sum(demo_births(population, POPULATION_YEAR - a) * CHILD_SURVIVAL ** a for a in range(lo, hi + 1)))


def make_births(population, first: int = BIRTHS_YEARS[0], last: int = BIRTHS_YEARS[1]) -> pd.DataFrame:
    """The demo's births table (``district_id``, ``year``, ``births``), from the national series.

    The town's births of each year (:func:`demo.national_births.demo_births` for the population's
    total) times each district's share of the town's children 0-14, rounded to whole births.
    """
    kids = population[list(CHILD_AGES)].sum(axis=1)
    share = kids.groupby(population["district_id"].astype(str)).sum()
    share = share / share.sum() if share.sum() > 0 else share
    town = float(population["pop_total"].sum())
    rows = [{"district_id": d, "year": y, "births": int(round(demo_births(town, y) * v))}
            for d, v in share.items() for y in range(first, last + 1)]
    return pd.DataFrame(rows, columns=["district_id", "year", "births"])


def density_raster(cells_x, cells_y, values, sigma_cells: float = 3.0):
    """Smoothed raster of ``values`` on the 100 m cell grid, and a sampler for arbitrary points.

    Returns a function ``f(x, y) -> density`` (people per cell, Gaussian-smoothed over
    ``sigma_cells``) used to weight facility sites by the demand around them.
    """
    x0, y0 = cells_x.min(), cells_y.min()
    ix = np.round((cells_x - x0) / CELL_SIZE).astype(int)
    iy = np.round((cells_y - y0) / CELL_SIZE).astype(int)
    grid = np.zeros((iy.max() + 1, ix.max() + 1))
    np.add.at(grid, (iy, ix), values)
    sm = ndimage.gaussian_filter(grid, sigma_cells, mode="constant")

    def sample(x, y):
        jx = np.clip(np.round((np.asarray(x) - x0) / CELL_SIZE).astype(int), 0, grid.shape[1] - 1)
        jy = np.clip(np.round((np.asarray(y) - y0) / CELL_SIZE).astype(int), 0, grid.shape[0] - 1)
        return sm[jy, jx]

    return sample


#: Residents a generated community (社区) is aimed at; real urban communities hold a few thousand to
#: over 10,000 (assumption). Sizes vary, so some exceed the plan's 10,000 mark.
COMMUNITY_TARGET_POP = 9000


def make_communities(cells, districts, rng, crs, cell_size: float = CELL_SIZE):
    """Generated communities (社区): each district's cells clustered into compact groups.

    Per district, k = round(residents / :data:`COMMUNITY_TARGET_POP`) (at least 1) k-means clusters
    of the cell centres (seeded by ``rng``); a community is the union
    of its cells' squares, its ``pop_total`` the sum of theirs. Labelled generated.

    Returns
    -------
    GeoDataFrame
        :data:`layers.schema.COMMUNITY_COLUMNS` + ``name_en``, ``source``; polygons.
    """
    names = dict(zip(districts["district_id"].astype(str), districts["name"]))
    names_en = dict(zip(districts["district_id"].astype(str), districts[NAME_EN])) if NAME_EN in districts else names
    rows, geoms = [], []
    xy_all = np.column_stack([cells.geometry.x.to_numpy(), cells.geometry.y.to_numpy()])
    h = cell_size / 2.0
    for did, sub in cells.groupby(cells["district_id"].astype(str), sort=True):
        pos = cells.index.get_indexer(sub.index)
        xy = xy_all[pos]
        p = sub["pop_total"].to_numpy(float)
        k = max(1, min(len(sub), int(round(p.sum() / COMMUNITY_TARGET_POP))))
        if k == 1:
            lab = np.zeros(len(sub), int)
        else:
            _, lab = kmeans2(xy, k, seed=rng, minit="++")
        for j, c in enumerate(np.unique(lab)):
            m = lab == c
            boxes = shapely.box(xy[m, 0] - h, xy[m, 1] - h, xy[m, 0] + h, xy[m, 1] + h)
            geoms.append(shapely.union_all(boxes))
            rows.append({"community_id": f"{did}-{j + 1:02d}", "name": f"{names.get(did, did)} 生成社区 {j + 1}",
                         NAME_EN: f"{names_en.get(did, did)}, generated community {j + 1}",
                         "district_id": did, "pop_total": float(p[m].sum())})
    df = pd.DataFrame(rows, columns=[*COMMUNITY_COLUMNS, NAME_EN])
    df["source"] = SOURCE_GENERATED
    return gpd.GeoDataFrame(df, geometry=geoms, crs=crs)
