"""The cache's two folder writers (a study-area entry, a bundle of prepared arrays) share one atomic
folder write (gis.cache.atomic_folder): a failure midway leaves neither a half-written entry nor a
temporary folder behind, and a finished write is whole."""

from __future__ import annotations

import numpy as np
import pytest

from gis import cache
from gis.cache import atomic_folder, load_arrays, load_study_area, save_arrays, save_study_area


def _left(parent):
    """Everything in ``parent`` (entries and hidden temp folders alike)."""
    return sorted(p.name for p in parent.iterdir())


def test_the_helper_renames_whole_or_leaves_nothing(tmp_path):
    dest = tmp_path / "entry"
    with pytest.raises(RuntimeError):
        with atomic_folder(dest, "done.json") as tmp:
            assert tmp.parent == tmp_path and tmp.name.startswith(".entry.")  # beside the destination
            (tmp / "a.txt").write_text("half")
            raise RuntimeError("killed midway")
    assert _left(tmp_path) == []
    with atomic_folder(dest, "done.json") as tmp:
        (tmp / "a.txt").write_text("whole")
        (tmp / "done.json").write_text("{}")
    assert _left(tmp_path) == ["entry"] and (dest / "a.txt").read_text() == "whole"
    # a complete entry another process wrote first is kept; this copy is dropped, no debris
    with atomic_folder(dest, "done.json") as tmp:
        (tmp / "a.txt").write_text("second")
        (tmp / "done.json").write_text("{}")
    assert _left(tmp_path) == ["entry"] and (dest / "a.txt").read_text() == "whole"


def test_both_writers_go_through_the_one_helper(tmp_path, monkeypatch, small_demo):
    calls = []
    real = cache.atomic_folder

    def spy(folder, complete):
        calls.append(complete)
        return real(folder, complete)

    monkeypatch.setattr(cache, "atomic_folder", spy)
    save_arrays(tmp_path / "bundle", {"x": np.arange(5)}, {"key": "k"})
    save_study_area(small_demo, tmp_path / "area", {"k": 1})
    assert calls == ["manifest.json", "meta.json"]
    arrays, meta = load_arrays(tmp_path / "bundle", {"key": "k"})
    assert meta["key"] == "k" and arrays["x"].tolist() == [0, 1, 2, 3, 4]
    assert load_study_area(tmp_path / "area", {"k": 1}) is not None


def test_save_arrays_failing_midway_leaves_nothing(tmp_path):
    out = tmp_path / "bundle"
    # the first array is written, the second is refused (objects are never pickled)
    with pytest.raises(TypeError, match="Python objects"):
        save_arrays(out, {"ok": np.arange(1000), "bad": np.array([object()], dtype=object)}, {"key": "k"})
    assert _left(tmp_path) == []
    assert load_arrays(out) is None


def test_save_study_area_failing_midway_leaves_nothing(tmp_path, small_demo):
    parent = tmp_path / "cache"
    # every layer is written, then the copy of a listed file fails
    with pytest.raises(FileNotFoundError):
        save_study_area(small_demo, parent / "entry", {"k": 1}, files={"network.osm": tmp_path / "missing.osm"})
    assert _left(parent) == []
    assert load_study_area(parent / "entry", {"k": 1}) is None
