"""Generated street network of the Yuncheng demo: a warped lattice written as OSM XML.

Everything here is **generated** (no real street is drawn, no real street name is used). The
network is built the way Chinese central cities of Yuncheng's size are laid out:

* **arterials** (OSM ``primary`` / ``secondary``) every 500-800 m in both directions, named
  ``Demo Arterial N<k>`` (running north-south) and ``Demo Arterial E<k>`` (running east-west);
* a **collector** (``tertiary``, ``Demo Collector N<k>`` / ``E<k>``) through most superblocks;
* the quarters between them hold either an open grid of **local streets** (``residential``,
  75-150 m apart, ``Demo Street N<k>`` / ``E<k>``, some pieces missing so there are T-junctions
  and dead ends) or a **gated compound** (小区): an internal ring and lanes (``service``) and
  footpaths (``footway``) that reach the public street only through 1-2 gates, so compounds
  break through-routes exactly as real ones do;
* a **railway** crossing the south of the city that only a few arterials cross, and south of it
  the **salt lake** (盐池; the real one lies south of Yuncheng), which no street enters.

All streets lie on a lattice of :data:`LATTICE_M` metres in a smoothly warped and slightly
rotated frame, so intersections are shared lattice nodes (ids are lattice indices) and streets
are gently curved rather than ruler-straight; every vertex is jittered by a few metres.
The railway and the lake are not OSM ways in the file (osmnx would make walkable edges of them):
they are returned as barrier geometries instead and only shape which streets exist.

The lattice is in EPSG:4546 metres; the XML carries WGS84 lon/lat, and the network is loaded back
with :func:`gis.osm.read_osm_network` — the same path real OSM data takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import shapely
from pyproj import Transformer

#: Lattice step (m). Street positions are multiples of it; local grids are 3-6 steps apart.
LATTICE_M = 25.0

#: The generated name patterns; a test checks every ``name`` tag against this regular expression.
NAME_PATTERN = r"^Demo (Arterial|Collector|Street) [NE]\d+$"

# Arterial spacing in lattice steps: 20-32 steps = 500-800 m (Chinese city arterial grids).
_ARTERIAL_STEPS = (20, 32)


@dataclass
class CityFrame:
    """Where the generated city lies: centre, extent and barriers, all in EPSG:4546 metres.

    Attributes
    ----------
    cx, cy : float
        The old-core centre (downtown Yuncheng, about 111.00 E, 35.03 N).
    width, height : float
        Extent of the city (m); both grow with ``sqrt(scale)`` so the area grows with ``scale``.
    region : shapely Polygon
        The built-up area streets may occupy (a rounded, irregular blob inside the Yanhu boundary,
        north of the lake).
    rail : shapely LineString
        The railway line.
    lake : shapely Polygon
        The salt lake.
    rotation_deg : float
        Rotation of the street grid.
    """

    cx: float
    cy: float
    width: float
    height: float
    region: object
    rail: object
    lake: object
    rotation_deg: float

    def rel(self, fx: float, fy: float) -> tuple[float, float]:
        """A point given as fractions of the extent relative to the centre, in metres."""
        return self.cx + fx * self.width, self.cy + fy * self.height


def make_frame(boundary_poly, cx: float, cy: float, scale: float, rng: np.random.Generator) -> CityFrame:
    """Lay out the city's extent, railway and lake for a given ``scale``.

    Parameters
    ----------
    boundary_poly : shapely Polygon or MultiPolygon
        The real Yanhu District boundary in EPSG:4546; the city is kept 300 m inside it.
    cx, cy : float
        Old-core centre (EPSG:4546).
    scale : float
        Area multiplier: extent sides grow with ``sqrt(scale)``.
    rng : numpy Generator
        Source of the (small) random shape variations.
    """
    k = float(np.sqrt(scale))
    width, height = 11600.0 * k, 9400.0 * k
    # The city reaches further north than south: the rail line and the lake close it on the south.
    oy = 0.11 * height
    t = np.linspace(0, 2 * np.pi, 256, endpoint=False)
    phase = rng.uniform(0, 2 * np.pi, 3)
    # A superellipse (exponent 4: a rounded rectangle) with low-frequency wobble of the edge,
    # so the urban edge is irregular instead of a ruler-straight frame.
    wob = 1.0 + 0.07 * np.sin(3 * t + phase[0]) + 0.05 * np.sin(5 * t + phase[1]) + 0.03 * np.sin(7 * t + phase[2])
    c, s = np.cos(t), np.sin(t)
    px = np.sign(c) * np.abs(c) ** 0.5 * width / 2 * wob
    py = np.sign(s) * np.abs(s) ** 0.5 * height / 2 * wob
    region = shapely.Polygon(np.column_stack([cx + px, cy + oy + py]))
    region = region.intersection(boundary_poly.buffer(-300.0))
    if region.geom_type != "Polygon":  # keep the largest piece if the boundary cut it
        region = max(getattr(region, "geoms", [region]), key=lambda g: g.area)
    # Railway: a gently sloping line across the south of the city.
    ry = cy - 0.245 * height
    rail = shapely.LineString([(cx - 0.9 * width, ry - 0.03 * height), (cx + 0.9 * width, ry + 0.03 * height)])
    # The salt lake: a long east-west ellipse whose north shore lies a little south of the rail.
    lt = np.linspace(0, 2 * np.pi, 128, endpoint=False)
    la, lb = 0.85 * width, 0.16 * height
    lcx, lcy = cx - 0.08 * width, cy - 0.37 * height - lb
    rot = np.radians(4.0)
    lx, ly = la * np.cos(lt), lb * np.sin(lt) * (1 + 0.15 * np.sin(2 * lt + phase[0]))
    lake = shapely.Polygon(np.column_stack([lcx + lx * np.cos(rot) - ly * np.sin(rot),
                                            lcy + lx * np.sin(rot) + ly * np.cos(rot)]))
    region = region.difference(lake.buffer(40.0))
    if region.geom_type != "Polygon":
        region = max(region.geoms, key=lambda g: g.area)
    return CityFrame(cx, cy, width, height, region, rail, lake, rotation_deg=float(rng.uniform(3.0, 7.0)))


class _Lattice:
    """Maps lattice indices (i, j) to warped, rotated, jittered EPSG:4546 coordinates."""

    def __init__(self, frame: CityFrame, rng: np.random.Generator):
        self.f = frame
        half_w = 0.62 * frame.width
        half_h = 0.62 * frame.height
        self.ni = int(np.ceil(2 * half_w / LATTICE_M)) + 1
        self.nj = int(np.ceil(2 * half_h / LATTICE_M)) + 1
        self.x0 = frame.cx - half_w
        self.y0 = frame.cy + 0.11 * frame.height - half_h
        self.phase = rng.uniform(0, 2 * np.pi, 4)
        self.theta = np.radians(frame.rotation_deg)
        # Per-node jitter (a few metres) drawn from a hash of the node id, so it does not depend on
        # the order nodes are visited in.
        self.jitter_seed = int(rng.integers(0, 2**31 - 1))

    def node_id(self, i, j):
        return np.asarray(j, dtype=np.int64) * self.ni + np.asarray(i, dtype=np.int64) + 1

    def ij(self, nid):
        nid = np.asarray(nid, dtype=np.int64) - 1
        return nid % self.ni, nid // self.ni

    def xy(self, i, j):
        i = np.asarray(i, dtype=float)
        j = np.asarray(j, dtype=float)
        u = self.x0 + i * LATTICE_M
        v = self.y0 + j * LATTICE_M
        # Smooth warp: streets bend by up to ~40 m over a few kilometres (no ruler-straight city).
        du = 28.0 * np.sin(2 * np.pi * v / 3700.0 + self.phase[0]) + 14.0 * np.sin(2 * np.pi * v / 1900.0 + self.phase[1])
        dv = 28.0 * np.sin(2 * np.pi * u / 4100.0 + self.phase[2]) + 14.0 * np.sin(2 * np.pi * u / 2300.0 + self.phase[3])
        u, v = u + du - self.f.cx, v + dv - self.f.cy
        c, s = np.cos(self.theta), np.sin(self.theta)
        x = self.f.cx + c * u - s * v
        y = self.f.cy + s * u + c * v
        nid = self.node_id(i.astype(np.int64), j.astype(np.int64))
        h = (nid * 2654435761 + self.jitter_seed) % 2**32
        jx = ((h % 1000) / 1000.0 - 0.5) * 6.0
        jy = (((h // 1000) % 1000) / 1000.0 - 0.5) * 6.0
        return x + jx, y + jy


@dataclass
class StreetPlan:
    """The generated streets before they are written as OSM XML.

    Attributes
    ----------
    node_ids : ndarray of int64
        OSM node ids used by the ways.
    node_x, node_y : ndarray
        Their EPSG:4546 coordinates.
    ways : list of (ndarray of node ids, dict of tags)
    compound_nodes : ndarray of int64
        Node ids inside gated compounds (internal lanes, footpaths, ring, gate inner ends).
    compounds : list of shapely Polygon
        Outline of each gated compound (inner ring), for population density.
    open_quarters : list of shapely Polygon
        Outline of each open-grid quarter.
    """

    node_ids: np.ndarray
    node_x: np.ndarray
    node_y: np.ndarray
    ways: list
    compound_nodes: np.ndarray
    compounds: list
    open_quarters: list


def _spacings(n_total: int, lo: int, hi: int, rng) -> np.ndarray:
    """Cumulative positions 0..n_total with random gaps in [lo, hi] (arterial grid lines)."""
    pos = [int(rng.integers(lo // 2, hi // 2 + 1))]
    while pos[-1] < n_total:
        pos.append(pos[-1] + int(rng.integers(lo, hi + 1)))
    return np.array([p for p in pos if p <= n_total])


def generate_streets(frame: CityFrame, rng: np.random.Generator, core_radius_m: float,
                     new_town_poly=None) -> StreetPlan:
    """Generate the street network of the demo city.

    Parameters
    ----------
    frame : CityFrame
        Extent, railway and lake.
    rng : numpy Generator
        The generator's random stream (deterministic for a seed).
    core_radius_m : float
        Radius of the old core around the centre, where the grid is densest and has no compounds.
    new_town_poly : shapely geometry, optional
        Fast-growing new districts, where most quarters are gated high-rise compounds.

    Returns
    -------
    StreetPlan
    """
    lat = _Lattice(frame, rng)
    segs = []  # (orientation 0=along i (east-west) / 1=along j, line, k0, k1, tags, compound flag)

    def add(orient, line, k0, k1, tags, compound=False):
        if k1 > k0:
            segs.append((orient, int(line), int(k0), int(k1), tags, compound))

    ai = _spacings(lat.ni - 1, *_ARTERIAL_STEPS, rng)  # columns of north-south arterials
    aj = _spacings(lat.nj - 1, *_ARTERIAL_STEPS, rng)  # rows of east-west arterials
    # Which north-south arterials may cross the railway: about one in four, at least two.
    n_cross = max(2, int(round(len(ai) / 4)))
    crossing_cols = set(ai[np.linspace(1, len(ai) - 2, n_cross).round().astype(int)].tolist())
    for n, i in enumerate(ai):
        add(1, i, 0, lat.nj - 1, {"highway": "primary" if n % 2 else "secondary", "name": f"Demo Arterial N{n + 1}",
                                  "_cross": i in crossing_cols})
    for n, j in enumerate(aj):
        add(0, j, 0, lat.ni - 1, {"highway": "primary" if n % 2 else "secondary", "name": f"Demo Arterial E{n + 1}"})

    cx, cy = frame.cx, frame.cy
    near_region = frame.region.buffer(400)
    shapely.prepare(near_region)
    compounds, open_quarters, n_coll, n_local = [], [], 0, 0
    for a in range(len(ai) - 1):
        for b in range(len(aj) - 1):
            i0, i1, j0, j1 = ai[a], ai[a + 1], aj[b], aj[b + 1]
            mx, my = lat.xy((i0 + i1) / 2, (j0 + j1) / 2)
            if not shapely.contains_xy(near_region, mx, my):
                continue
            # Collectors split most superblocks into quarters of 250-400 m.
            xs, ys = [i0, i1], [j0, j1]
            if rng.random() < 0.85:
                ci = (i0 + i1) // 2 + int(rng.integers(-2, 3))
                n_coll += 1
                add(1, ci, j0, j1, {"highway": "tertiary", "name": f"Demo Collector N{n_coll}"})
                xs = [i0, ci, i1]
            if rng.random() < 0.85:
                cj = (j0 + j1) // 2 + int(rng.integers(-2, 3))
                n_coll += 1
                add(0, cj, i0, i1, {"highway": "tertiary", "name": f"Demo Collector E{n_coll}"})
                ys = [j0, cj, j1]
            for qa in range(len(xs) - 1):
                for qb in range(len(ys) - 1):
                    q0, q1, r0, r1 = xs[qa], xs[qa + 1], ys[qb], ys[qb + 1]
                    qx, qy = lat.xy((q0 + q1) / 2, (r0 + r1) / 2)
                    d = float(np.hypot(qx - cx, qy - cy))
                    poly = shapely.Polygon(np.column_stack(lat.xy([q0, q1, q1, q0], [r0, r0, r1, r1])))
                    in_new = new_town_poly is not None and shapely.contains_xy(new_town_poly, qx, qy)
                    u = rng.random()
                    if u < 0.05:
                        continue  # park, school campus, factory: no internal streets
                    p_compound = 0.0 if d < core_radius_m else (0.85 if in_new else 0.6)
                    if rng.random() < p_compound and q1 - q0 >= 6 and r1 - r0 >= 6:
                        _compound(add, q0, q1, r0, r1, rng)
                        compounds.append(poly)
                    else:
                        n_local = _open_grid(add, q0, q1, r0, r1, rng, dense=d < core_radius_m, n_local=n_local)
                        open_quarters.append(poly)
    return _realise(lat, segs, frame, compounds, open_quarters)


def _compound(add, q0, q1, r0, r1, rng):
    """A gated compound: ring lane 1 step inside the quarter, lanes and footpaths, 1-2 gates."""
    a0, a1, b0, b1 = q0 + 1, q1 - 1, r0 + 1, r1 - 1
    svc = {"highway": "service", "service": "driveway"}
    add(0, b0, a0, a1, svc, True)
    add(0, b1, a0, a1, svc, True)
    add(1, a0, b0, b1, svc, True)
    add(1, a1, b0, b1, svc, True)
    # Internal lanes every 3 steps (75 m) along the longer side, footpaths every 3 steps across.
    long_i = (a1 - a0) >= (b1 - b0)
    lo, hi, clo, chi = (b0, b1, a0, a1) if long_i else (a0, a1, b0, b1)
    for k in range(lo + 3, hi - 1, 3):
        add(0 if long_i else 1, k, clo, chi, svc, True)
    for k in range(clo + 3, chi - 1, 3):
        add(1 if long_i else 0, k, lo, hi, {"highway": "footway"}, True)
    # Gates: one or two short lanes from the ring out to the public street, on random sides.
    sides = rng.choice(4, size=int(rng.integers(1, 3)), replace=False)
    for side in sides:
        if side in (0, 1):  # south / north side: a lane along j
            gi = int(rng.integers(a0 + 1, a1))
            add(1, gi, r0, b0, svc, True) if side == 0 else add(1, gi, b1, r1, svc, True)
        else:
            gj = int(rng.integers(b0 + 1, b1))
            add(0, gj, q0, a0, svc, True) if side == 2 else add(0, gj, a1, q1, svc, True)


def _open_grid(add, q0, q1, r0, r1, rng, dense: bool, n_local: int) -> int:
    """An open quarter: local streets every 3-6 steps, cut into pieces, some pieces missing."""
    sp = int(rng.integers(3, 5)) if dense else int(rng.integers(3, 6))
    p_drop = 0.06 if dense else 0.14
    cols = list(range(q0 + sp, q1 - 1, sp))
    rows = list(range(r0 + sp, r1 - 1, sp))
    for orient, lines, cross, lo, hi in ((1, cols, rows, r0, r1), (0, rows, cols, q0, q1)):
        for line in lines:
            n_local += 1
            name = f"Demo Street {'N' if orient == 1 else 'E'}{n_local}"
            cuts = [lo, *cross, hi]
            for k in range(len(cuts) - 1):
                if rng.random() < p_drop:
                    continue
                add(orient, line, cuts[k], cuts[k + 1], {"highway": "residential", "name": name})
    return n_local


def _realise(lat: _Lattice, segs, frame: CityFrame, compounds, open_quarters) -> StreetPlan:
    """Expand lattice segments to node runs, cut them at barriers and the urban edge, thin vertices."""
    # One row per lattice node of every segment: (segment, position along it, node id).
    lens = np.array([s[3] - s[2] + 1 for s in segs])
    seg_of = np.repeat(np.arange(len(segs)), lens)
    offs = np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens)
    orient = np.array([s[0] for s in segs])[seg_of]
    line = np.array([s[1] for s in segs])[seg_of]
    k = np.array([s[2] for s in segs])[seg_of] + offs
    i = np.where(orient == 0, k, line)
    j = np.where(orient == 0, line, k)
    x, y = lat.xy(i, j)
    nid = lat.node_id(i, j)

    # A piece between consecutive nodes survives if its midpoint is in the built-up area and it
    # neither enters the lake nor crosses the railway (unless its street is a designated crossing).
    same = seg_of[1:] == seg_of[:-1]
    mx, my = (x[1:] + x[:-1]) / 2, (y[1:] + y[:-1]) / 2
    pieces = shapely.linestrings(np.stack([np.column_stack([x[:-1], y[:-1]]), np.column_stack([x[1:], y[1:]])], axis=1))
    shapely.prepare(frame.region)
    ok = same & shapely.contains_xy(frame.region, mx, my)
    rail_zone = frame.rail.buffer(12.0)
    shapely.prepare(rail_zone)
    crosses_rail = shapely.intersects(pieces, rail_zone)
    may_cross = np.array([bool(s[4].get("_cross")) for s in segs])[seg_of[:-1]]
    ok &= ~(crosses_rail & ~may_cross)
    lake = frame.lake.buffer(30.0)
    shapely.prepare(lake)
    ok &= ~shapely.intersects(pieces, lake)

    # Runs of consecutive surviving pieces become OSM ways.
    starts = np.flatnonzero(ok & ~np.r_[False, ok[:-1]])
    ends = np.flatnonzero(ok & ~np.r_[ok[1:], False])  # piece index of the last piece of each run
    run_of_node = np.full(len(nid), -1)
    # node rows of run r: starts[r] .. ends[r] + 1
    run_lens = ends - starts + 2
    rows = np.repeat(starts, run_lens) + (np.arange(run_lens.sum()) - np.repeat(np.cumsum(run_lens) - run_lens, run_lens))
    run_ids = np.repeat(np.arange(len(starts)), run_lens)
    # Keep a vertex if it ends a run, is shared with another run (an intersection), or every 4th
    # lattice step (shape points carrying the warp). Dropping the rest keeps the XML small.
    pair = np.unique(np.column_stack([nid[rows], run_ids]), axis=0)
    uniq, counts = np.unique(pair[:, 0], return_counts=True)
    shared = np.isin(nid[rows], uniq[counts > 1])
    is_end = np.r_[True, run_ids[1:] != run_ids[:-1]] | np.r_[run_ids[1:] != run_ids[:-1], True]
    keep = shared | is_end | (k[rows] % 4 == 0)
    rows, run_ids = rows[keep], run_ids[keep]
    del run_of_node

    ways = []
    bounds = np.flatnonzero(np.r_[True, run_ids[1:] != run_ids[:-1], True])
    for r in range(len(bounds) - 1):
        rr = rows[bounds[r]:bounds[r + 1]]
        s = segs[seg_of[rr[0]]]
        tags = {t: v for t, v in s[4].items() if not t.startswith("_")}
        ways.append((nid[rr], tags))
    used, first = np.unique(nid[rows], return_index=True)
    comp_flag = np.array([s[5] for s in segs])[seg_of[rows]]
    # Gate lanes end on the public street: their outer node is public, not compound-internal.
    comp_nodes = np.setdiff1d(nid[rows][comp_flag], nid[rows][~comp_flag])
    return StreetPlan(node_ids=used, node_x=x[rows][first], node_y=y[rows][first], ways=ways,
                      compound_nodes=comp_nodes, compounds=compounds, open_quarters=open_quarters)


def write_osm_xml(plan: StreetPlan, path, crs: str = "EPSG:4546") -> Path:
    """Write the generated streets as an OSM XML file (WGS84 lon/lat, 7 decimals).

    Parameters
    ----------
    plan : StreetPlan
    path : str or Path
        Target file; the caller makes the write atomic.
    crs : str
        CRS of ``plan``'s coordinates.

    Returns
    -------
    Path
    """
    tr = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = tr.transform(plan.node_x, plan.node_y)
    out = ["<?xml version='1.0' encoding='UTF-8'?>",
           "<osm version='0.6' generator='Hedong Planner demo generator (generated data, not real)'>"]
    out += [f"<node id='{n}' lat='{la:.7f}' lon='{lo:.7f}' version='1'/>"
            for n, la, lo in zip(plan.node_ids.tolist(), lat.tolist(), lon.tolist())]
    for w, (nodes, tags) in enumerate(plan.ways, start=1):
        nds = "".join(f"<nd ref='{n}'/>" for n in nodes.tolist())
        tg = "".join(f"<tag k='{escape(k)}' v='{escape(str(v))}'/>" for k, v in tags.items())
        out.append(f"<way id='{w}' version='1'>{nds}{tg}<tag k='source' v='generated'/></way>")
    out.append("</osm>")
    path = Path(path)
    path.write_text("\n".join(out), encoding="utf-8")
    return path
