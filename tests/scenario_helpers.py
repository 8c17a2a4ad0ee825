"""A tiny synthetic study area (a street grid) for scenario tests that must not wait for the demo."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from pathlib import Path
import urllib.request

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import Point, box

from gis.study_area import StudyArea

CRS = "EPSG:4546"
X0, Y0 = 500000.0, 3870000.0


def grid_graph(n: int, step: float) -> nx.MultiDiGraph:
    """An ``n x n`` street grid of ``step`` m blocks from (X0, Y0), both directions; node ``i * n + j``."""
    G = nx.MultiDiGraph(crs=CRS)
    for i in range(n):
        for j in range(n):
            G.add_node(i * n + j, x=X0 + i * step, y=Y0 + j * step)
    for i in range(n):
        for j in range(n):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < n and j + dj < n:
                    a, b = i * n + j, (i + di) * n + (j + dj)
                    G.add_edge(a, b, length=step)
                    G.add_edge(b, a, length=step)
    return G


def grid_area(n=12, step=100.0, seed=0, growth=True) -> StudyArea:
    """An ``n x n`` street grid (``step`` m blocks), 2 districts, cells at block centres, a few schools."""
    rng = np.random.default_rng(seed)
    G = grid_graph(n, step)
    w = (n - 1) * step
    boundary = gpd.GeoDataFrame({"name": ["grid"]}, geometry=[box(X0, Y0, X0 + w, Y0 + w)], crs=CRS)
    districts = gpd.GeoDataFrame({"district_id": ["D1", "D2"], "name": ["西区", "东区"]},
                                 geometry=[box(X0, Y0, X0 + w / 2, Y0 + w), box(X0 + w / 2, Y0, X0 + w, Y0 + w)],
                                 crs=CRS)
    if growth:
        districts["growth_rate"] = [0.0, 0.05]
    cx, cy = np.meshgrid(np.arange(n - 1) * step + step / 2 + X0, np.arange(n - 1) * step + step / 2 + Y0)
    cx, cy = cx.ravel(), cy.ravel()
    k = len(cx)
    pop = gpd.GeoDataFrame({
        "cell_id": [f"c{i}" for i in range(k)],
        "district_id": np.where(cx < X0 + w / 2, "D1", "D2"),
        "pop_total": rng.integers(50, 300, k).astype(float),
    }, geometry=gpd.points_from_xy(cx, cy), crs=CRS)
    pop["age_0_2"] = pop["pop_total"] * 0.03
    pop["age_3_5"] = pop["pop_total"] * 0.035
    pop["age_6_11"] = pop["pop_total"] * 0.07
    pop["age_12_14"] = pop["pop_total"] * 0.035
    pop["age_65_plus"] = pop["pop_total"] * 0.13
    fac = gpd.GeoDataFrame({
        "facility_id": ["s1", "s2", "k1"], "name": ["一小", "一中", "幼一"],
        "family": ["school", "school", "kindergarten"], "subtype": ["primary", "junior", "kindergarten"],
        "seats_primary": [150, 0, 0], "seats_junior": [0, 80, 0], "places_kindergarten": [0, 0, 40],
        "beds": 0, "area_m2": 0.0, "source": "test",
    }, geometry=[Point(X0 + 200, Y0 + 200), Point(X0 + 300, Y0 + 500), Point(X0 + 250, Y0 + 250)], crs=CRS)
    proj = gpd.GeoDataFrame({
        "project_id": ["P1", "P2", "P3", "P4"], "name": ["新小", "九年制", "新园", "完中"],
        "type": ["primary", "nine_year", "kindergarten", "complete"],
        "seats_primary": [120, 100, 0, 0], "seats_junior": [0, 60, 0, 90],
        "places_kindergarten": [0, 0, 30, 0], "open_year": [2021, 2022, 2023, 2025], "source": "test",
        "notes": "",
    }, geometry=[Point(X0 + 800, Y0 + 300), Point(X0 + 700, Y0 + 800), Point(X0 + 850, Y0 + 850),
                 Point(X0 + 400, Y0 + 900)], crs=CRS)
    return StudyArea(name="grid-test", crs=CRS, boundary=boundary, districts=districts, population=pop,
                     facilities=fac, projects=proj, graph=G, synthetic=True, cell_size=step)


def use_area(monkeypatch, tmp_path, area: StudyArea) -> None:
    """Make every ``hedong`` command load ``area`` and store scenarios under ``tmp_path``."""
    import gis.areas

    monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec="yuncheng-demo": area)
    monkeypatch.setenv("HEDONG_DATA_DIR", str(tmp_path / "data"))


def run_cli(argv, capsys) -> tuple[int, str, str]:
    """``hedong ARGV`` in this process: (exit code, stdout, stderr); argparse's exits count as codes."""
    from hedong.cli import main

    try:
        rc = main([str(a) for a in argv])
    except SystemExit as e:
        rc = e.code
    out = capsys.readouterr()
    return rc, out.out, out.err


def free_port() -> int:
    """A free TCP port on localhost."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(url: str, proc, seconds: float = 90.0) -> None:
    """Wait until the app server at ``url`` answers its health check; fail (with the server's output) if
    ``proc`` ends first or ``seconds`` pass."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            if proc.poll() is not None:
                out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                pytest.fail(f"the app server stopped: {out[-2000:]}")
            time.sleep(0.3)
    pytest.fail(f"the app server did not answer within {seconds:.0f} s")


@contextlib.contextmanager
def serving_app(env: dict, seconds: float = 90.0):
    """``hedong app`` (as the README's first command starts it) on a free localhost port with ``env``;
    yields its URL once it answers, and stops it afterwards."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "hedong.cli", "app", "--port", str(port), "--address", "127.0.0.1"],
                            cwd=Path(__file__).resolve().parents[1], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, proc, seconds)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def schools_app(scenario: str):
    """A fresh Streamlit ``AppTest`` of the app on the small demo, on the Schools page with ``scenario``
    chosen (the app's own widgets, as a user reaches them)."""
    import os

    from streamlit.testing.v1 import AppTest

    os.environ["HEDONG_DEMO_SCALE"] = "0.15"  # tests.conftest.SMALL_SCALE, as every AppTest of the suite
    os.environ.pop("HEDONG_AREA", None)
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=300)
    at.run()
    at.sidebar.radio(key="page").set_value("schools").run()
    at.selectbox(key="scenario").set_value(scenario).run()
    return at
