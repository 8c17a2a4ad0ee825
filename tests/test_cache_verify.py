"""Issue 28: gis.cache.load_arrays checks its CRC-32s from the files with plain reads, so that the
memory maps it returns are not made resident in this process by the check."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from gis import cache
from gis.cache import load_arrays, save_arrays


def _mapped_rss_kib(path) -> int:
    """Resident KiB of this process's mappings of ``path`` (/proc/self/smaps)."""
    total, inside = 0, False
    with open("/proc/self/smaps") as f:
        for line in f:
            head = line.split()
            if head and "-" in head[0] and len(head) >= 5 and not head[0].endswith(":"):
                inside = line.rstrip("\n").endswith(str(path))
            elif inside and head[0] == "Rss:":
                total += int(head[1])
    return total


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/smaps")
def test_verification_does_not_make_the_map_resident(tmp_path):
    x = np.arange(4 << 20, dtype=np.float64)  # 32 MiB
    save_arrays(tmp_path / "b", {"x": x}, {"key": "k"})
    got, _ = load_arrays(tmp_path / "b", {"key": "k"}, verify=True)
    a = got["x"]
    path = (tmp_path / "b" / "x.npy").resolve()
    assert _mapped_rss_kib(path) < 1024  # the check read the file, not the map (reading the map: 32768)
    assert float(a.sum()) == float(x.sum())  # the values are there ...
    assert _mapped_rss_kib(path) > 30 * 1024  # ... and reading them does show in the map (the measure works)


@pytest.mark.parametrize("block", [4096, 1000, 8 << 20])
def test_file_checksum_equals_the_array_checksum(tmp_path, monkeypatch, block):
    monkeypatch.setattr(cache, "_CRC_BLOCK", block)
    rng = np.random.default_rng(5)
    arrays = {"f": rng.random(12_345), "i2": rng.integers(-9, 9, (321, 7)), "u1": rng.integers(0, 255, 4097, np.uint8),
              "s": np.array(["a", "bcd", "hedong"]), "one": np.array([3.5]), "e": np.empty(0, np.int64)}
    save_arrays(tmp_path / "b", arrays, {})
    got, _ = load_arrays(tmp_path / "b", verify=True)
    for k, a in arrays.items():
        np.testing.assert_array_equal(got[k], a)
        assert cache._file_crc(tmp_path / "b" / f"{k}.npy", got[k]) == cache._crc(a)


def test_damage_anywhere_still_reads_as_absent(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "_CRC_BLOCK", 4096)  # several blocks: damage in the first, a middle and the last
    x = np.arange(50_000, dtype=np.int64)
    for where in (200, 200_000, -1):
        folder = tmp_path / f"b{where}"
        save_arrays(folder, {"x": x}, {})
        assert load_arrays(folder) is not None
        f = folder / "x.npy"
        raw = bytearray(f.read_bytes())
        raw[where] ^= 0x01
        f.write_bytes(bytes(raw))
        assert load_arrays(folder) is None
        assert load_arrays(folder, verify=False) is not None  # the size is right: only the checksum sees it
