"""Prepared networks: a travel network and its cells' snapping kept on disk, reloaded instead of rebuilt.

Building a :class:`~accessibility.network.TravelNetwork` sorts every directed edge and computes a
point per street; snapping the population cells builds an STRtree and queries it. At a million
nodes that is about 12 s (``benchmarks/bench_scale.py``) — every time a process opens the area.
Both are pure functions of their inputs, so they are written once as numeric arrays
(:func:`gis.cache.save_arrays`: ``.npy`` files memory-mapped on load, a manifest of sizes and
CRC-32 checksums, atomic writes) and reloaded: the CSR length matrix and its transpose (stored
once when they are one matrix: an undirected build), the node coordinates, the segment table (ends,
lengths, line coordinates) and, separately, the cells' snap (segment, position, distance).

Keys are content hashes (:func:`network_key`, :func:`cells_key`): SHA-1 of the very arrays the
network is built from (node ids and coordinates, edge ends, lengths, line coordinates, direction,
CRS, street label) plus :data:`FORMAT`; of the cells' coordinates and the snap limit plus the
network's key. An edited street graph or population layer therefore gets its own bundle and never
reads a stale one; nothing is keyed on a file name, a path or ``id()``. A bundle that is missing,
partial or damaged (size, dtype, shape or checksum wrong) reads as absent and is written again.

Where: ``<cache_dir>/networks/<streets>-f<FORMAT>-<key>`` and ``.../cells-f<FORMAT>-<key>``
(:func:`gis.study_area.cache_dir`). :meth:`accessibility.context.ComputeContext.network` uses it
for areas loaded from the disk cache (their street tables); :func:`load_network` /
:func:`save_network` serve any network built from arrays (the province benchmark).

A reloaded network gives the same numbers as a fresh build, bit for bit: the arrays are the
build's own, the lines are rebuilt from their exact coordinates in the same order, so the STRtree,
every snap and every Dijkstra see identical input (tests/test_prepared.py).
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import shapely

from accessibility import parallel
from accessibility.network import LazyLines, TravelNetwork, _node_id_array, walk_mode_for
from accessibility.snap import Snap, _coords, check_crs, network_key as snap_network_key
from gis.cache import discard_arrays, load_arrays, save_arrays
from gis.study_area import cache_dir
from layers.norms import MAX_SNAP_M, SPEEDS

__all__ = ["FORMAT", "enabled", "network_from_frames", "network_key", "cells_key", "save_network", "load_network", "save_cells", "load_cells",
           "network_folder", "cells_folder", "prepared_network", "prepared_cell_snap",
           "prepared_facility_snap", "FACILITY_SNAP_MIN_NODES"]

#: Version of the prepared layout and of the build it stores; bump it when either changes, so an
#: old bundle is never read as a new one.
FORMAT = 2  # 2: a symmetric length matrix stored once (the build's own sharing), a cheaper key


def enabled() -> bool:
    """Whether networks are kept on disk: ``HEDONG_PREPARED`` unset or not ``0``."""
    return os.environ.get("HEDONG_PREPARED", "1").strip() not in ("0", "false", "no", "off")


def network_from_frames(frames, streets: str) -> TravelNetwork:
    """The network of a street graph's cached tables (:class:`gis.street_frames.StreetFrames`):
    reloaded when prepared before, else built (:meth:`TravelNetwork.from_street_frames`) and kept."""
    arrays = frames.edge_arrays() if enabled() else None
    net = prepared_network(arrays, streets) if arrays is not None else None
    return net if net is not None else TravelNetwork.from_street_frames(frames, mode=streets, streets=streets)


def _hash_update(h, a) -> None:
    a = np.ascontiguousarray(a)
    h.update(f"{a.dtype.str}{a.shape}".encode())
    h.update(memoryview(a).cast("B") if a.size else b"")


def _ids_array(node_ids) -> np.ndarray:
    """Node ids as a numeric or fixed-width string array (storable without pickle)."""
    ids = np.asarray(node_ids)
    if ids.dtype.hasobject:
        try:
            return ids.astype(np.int64)
        except (TypeError, ValueError):
            return ids.astype(str)
    return ids


def network_key(node_ids, xy, u, v, length, geom, *, directed: bool, crs, streets: str) -> str | None:
    """Content key of the inputs of :meth:`TravelNetwork.from_edges` (what a bundle is filed under).

    SHA-1 over every input array and every line's coordinates (and coordinate count). The numeric
    arrays are hashed in a second thread while this one reads the line coordinates (hashlib releases
    the GIL; shapely's coordinate reading does not): on two cores the arrays cost no wall time.

    Returns None when the lines cannot be stored as plain 2-D coordinates (3-D or empty lines):
    such a network is simply built each time.
    """
    geom = np.asarray(geom, dtype=object)
    missing = shapely.is_missing(geom)
    present = geom[~missing] if missing.any() else geom

    def arrays_digest():
        num = shapely.get_num_coordinates(present)  # 0 exactly for an empty line
        if len(present) and ((num == 0).any() or shapely.has_z(present).any()):
            return None
        h = hashlib.sha1()
        for a in (_ids_array(node_ids), np.asarray(xy, float), np.asarray(u, np.int64), np.asarray(v, np.int64),
                  np.asarray(length, float), missing, num.astype(np.int64)):
            _hash_update(h, a)
        return h.digest()

    with ThreadPoolExecutor(max_workers=1) as pool:
        arrays = pool.submit(arrays_digest)
        lines = hashlib.sha1()
        _hash_update(lines, shapely.get_coordinates(present))
        digest = arrays.result()
    if digest is None:
        return None
    h = hashlib.sha1(f"hedong-network f{FORMAT} {bool(directed)} {crs} {streets}".encode())
    h.update(digest)
    h.update(lines.digest())
    return h.hexdigest()


def cells_key(xy: np.ndarray, net_key: str, max_snap_m: float) -> str:
    """Content key of a snapping: the points' coordinates, the limit and the network's key."""
    h = hashlib.sha1(f"hedong-cells f{FORMAT} {net_key} {float(max_snap_m)!r}".encode())
    _hash_update(h, np.asarray(xy, float))
    return h.hexdigest()


def network_folder(key: str, streets: str = "walk", root=None) -> Path:
    """Where the bundle of network ``key`` lives (``root`` default: ``cache_dir()/networks``)."""
    return Path(root or cache_dir() / "networks") / f"{streets}-f{FORMAT}-{key}"


def cells_folder(key: str, root=None) -> Path:
    """Where the bundle of cell snapping ``key`` lives."""
    return Path(root or cache_dir() / "networks") / f"cells-f{FORMAT}-{key}"


def save_network(net: TravelNetwork, key: str, root=None) -> Path:
    """Write ``net`` (as built: its own street label's mode) under ``key``; returns the folder."""
    coords, idx = shapely.get_coordinates(net.edge_geom, return_index=True)
    L, Lt = net._length_csr, net._length_csr_t
    arrays = {"node_ids": _ids_array(net.node_ids), "xy": net.xy,
              "Lt_indptr": Lt.indptr, "Lt_indices": Lt.indices, "Lt_data": Lt.data,
              "edge_u": net.edge_u, "edge_v": net.edge_v, "edge_len": net.edge_len, "line_xy": coords,
              "line_start": np.concatenate([[0], np.cumsum(np.bincount(idx, minlength=net.n_edges))])}
    # A matrix that is its own transpose (an undirected build: one object) is stored once, under the
    # transpose's names, which the worker processes read (accessibility.parallel).
    same = Lt is L
    if not same:
        arrays.update(L_indptr=L.indptr, L_indices=L.indices, L_data=L.data)
    meta = {"key": key, "kind": "network", "mode": net.mode, "streets": net.streets, "crs": net.crs,
            "symmetric": bool(net.symmetric), "nodes": int(net.n_nodes), "segments": int(net.n_edges),
            "node_ids_object": bool(np.asarray(net.node_ids).dtype.hasobject), "one_matrix": same}
    net._prepared = key
    folder = net._shared["folder"] = save_arrays(network_folder(key, net.streets, root), arrays, meta)
    net._shared["root"] = root  # its snaps are kept beside it
    return folder


def load_network(key: str, streets: str = "walk", root=None, *, verify: bool = True) -> TravelNetwork | None:
    """The network filed under ``key``, or None (missing or damaged: a damaged bundle is removed).

    Parameters
    ----------
    key : str
        From :func:`network_key`.
    streets : str
        Street label the network was built for.
    root : path, optional
        Folder of bundles (default ``cache_dir()/networks``).
    verify : bool
        Check every array's checksum (default; see :func:`gis.cache.load_arrays`).
    """
    folder = network_folder(key, streets, root)
    got = load_arrays(folder, {"key": key, "kind": "network", "streets": streets}, verify=verify)
    if got is None:
        if folder.exists():
            discard_arrays(folder)  # partial or damaged: never trusted, written again by the caller
        return None
    a, meta = got
    n, m = int(meta["nodes"]), int(meta["segments"])
    Lt = sp.csr_matrix((a["Lt_data"], a["Lt_indices"], a["Lt_indptr"]), shape=(n, n), copy=False)
    L = Lt if meta.get("one_matrix") else sp.csr_matrix((a["L_data"], a["L_indices"], a["L_indptr"]), shape=(n, n),
                                                         copy=False)
    line_xy, start = a["line_xy"], a["line_start"]
    # the lines are made when first drawn, cut or snapped onto (LazyLines): most of a reload's cost
    geom = LazyLines(lambda: shapely.linestrings(np.asarray(line_xy),
                                                 indices=np.repeat(np.arange(m), np.diff(np.asarray(start)))))
    node_ids = np.asarray(a["node_ids"])
    if meta.get("node_ids_object"):
        node_ids = node_ids.astype(object)
    mode = meta["mode"]
    net = TravelNetwork(
        node_ids=node_ids, xy=np.asarray(a["xy"]), csr=None, csr_t=None, edge_u=np.asarray(a["edge_u"]),
        edge_v=np.asarray(a["edge_v"]), edge_len=np.asarray(a["edge_len"]), edge_geom=geom, mode=mode,
        speed_m_per_s=SPEEDS[mode].m_per_s, walk_m_per_s=SPEEDS[walk_mode_for(mode)].m_per_s, crs=meta["crs"],
        symmetric=bool(meta["symmetric"]), streets=meta["streets"], _length_csr=L, _length_csr_t=Lt,
        _prepared=key)
    net._shared["folder"] = folder  # its length matrices, for the worker processes (accessibility.parallel)
    net._shared["root"] = root  # its snaps are kept beside it
    # no weights yet: csr / csr_t are made on first access, which a process whose searches run in the
    # worker processes never makes (issue 28)
    parallel.warm(n)  # a large network will be searched on every core: start the workers meanwhile
    return net


def save_cells(net: TravelNetwork, snap: Snap, key: str, root=None) -> Path:
    """Write the geometric part of a snapping made on ``net`` (segment, position, distance)."""
    meta = {"key": key, "kind": "cells", "max_snap_m": float(snap.max_snap_m), "points": len(snap),
            "network": net._prepared}
    return save_arrays(cells_folder(key, root), {"edge": snap.edge, "pos_m": snap.pos_m, "dist_m": snap.dist_m},
                       meta)


def load_cells(net: TravelNetwork, points, key: str, max_snap_m: float, root=None) -> Snap | None:
    """The snapping of ``points`` filed under ``key`` on ``net``, re-timed as :func:`snap_points`
    would time it (same arithmetic, so the same floats), or None."""
    folder = cells_folder(key, root)
    got = load_arrays(folder, {"key": key, "kind": "cells", "network": net._prepared})
    if got is None:
        if folder.exists():
            discard_arrays(folder)
        return None
    a, _meta = got
    xy, labels = _coords(points)
    edge, pos, d = np.asarray(a["edge"]), np.asarray(a["pos_m"]), np.asarray(a["dist_m"])
    if len(edge) != len(xy):
        return None
    # as accessibility.snap.snap_points computes them
    L = net.edge_len[edge]
    walk_s = d / net.walk_m_per_s
    return Snap(edge=edge, u=net.edge_u[edge], v=net.edge_v[edge], pos_m=pos, dist_m=d,
                offset_u_s=walk_s + pos / net.speed_m_per_s, offset_v_s=walk_s + (L - pos) / net.speed_m_per_s,
                ok=d <= max_snap_m, max_snap_m=max_snap_m, labels=labels, mode=net.mode,
                streets=snap_network_key(net), xy=xy)


def prepared_network(arrays: dict, streets: str, root=None) -> TravelNetwork | None:
    """The network of ``streets`` built from ``arrays`` (:meth:`StreetFrames.edge_arrays
    <gis.street_frames.StreetFrames.edge_arrays>`), reloaded from disk when prepared before, else
    built and written. None when the arrays cannot be keyed (the caller builds as before)."""
    key = network_key(arrays["node_ids"], arrays["xy"], arrays["u"], arrays["v"], arrays["length"], arrays["geom"],
                      directed=arrays["directed"], crs=arrays["crs"], streets=streets)
    if key is None:
        return None
    net = load_network(key, streets, root)
    if net is None:
        net = TravelNetwork.from_edges(_node_id_array(arrays["node_ids"]), arrays["xy"], arrays["u"], arrays["v"],
                                       arrays["length"], arrays["geom"], directed=arrays["directed"], mode=streets,
                                       streets=streets, crs=arrays["crs"])
        try:
            save_network(net, key, root)
        except (OSError, TypeError, ValueError):  # a read-only or full cache, an unstorable CRS: the
            net._prepared = None                  # network is still good, just not kept
            net._shared.pop("folder", None)
    return net


#: Smallest prepared network whose *facility* snaps are kept too (the cells' always are): on a large
#: network a snap needs the lines and their STRtree (seconds), on a small one it takes milliseconds and
#: a planner moving sites would only fill the disk with one bundle per move.
FACILITY_SNAP_MIN_NODES = 100_000


def prepared_facility_snap(net: TravelNetwork, points, max_snap_m: float | None = None, root=None) -> Snap:
    """As :func:`prepared_cell_snap` for a facility layer, on networks of :data:`FACILITY_SNAP_MIN_NODES`
    nodes or more (else ``net.snap(points)``)."""
    if net.n_nodes < FACILITY_SNAP_MIN_NODES:
        return net.snap(points, max_snap_m)
    return prepared_cell_snap(net, points, max_snap_m, root)


def prepared_cell_snap(net: TravelNetwork, points, max_snap_m: float | None = None, root=None) -> Snap:
    """``net.snap(points)``, read from disk when ``net`` is prepared and these points were snapped
    on it before (else snapped and written)."""
    max_snap_m = MAX_SNAP_M if max_snap_m is None else float(max_snap_m)
    if net._prepared is None or not enabled() or len(points) == 0:
        return net.snap(points, max_snap_m)
    check_crs(net, points)  # as snap_points does, also when the snap is read from disk
    root = root if root is not None else net._shared.get("root")
    xy, _ = _coords(points)
    key = cells_key(xy, net._prepared, max_snap_m)
    snap = load_cells(net, points, key, max_snap_m, root)
    if snap is None:
        snap = net.snap(points, max_snap_m)
        try:
            save_cells(net, snap, key, root)
        except (OSError, TypeError, ValueError):
            pass  # not kept; the snap is good
    return snap
