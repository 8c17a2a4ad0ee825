"""Make the worked example of ``hedong area init``: a GENERATED bureau delivery for a made-up county.

Everything here is generated (no real place, street or school; names are invented), shaped like
what a county education bureau and statistics office hand over:

- ``subdistricts.shp`` — three 街道 with GBK attributes and no ``.cpg`` (as Chinese desktop GIS writes);
- ``communities.geojson`` — nine 社区 (the census units) with their 所属街道;
- ``census.xlsx`` — a 七普-style sheet by community: a title row, 街道 / 社区名称 / 总人口 and five-year
  bands 0-4岁 ... 60-64岁, 65岁及以上, a 合计 row, and a notes sheet;
- ``schools.xlsx`` — schools, kindergartens, a clinic and a care home with Chinese headers and
  GCJ-02 coordinates (as picked from Amap);
- ``roster.xlsx`` — pupils by school, school year and grade (学籍);
- ``births.csv`` — births by subdistrict and year, saved in GBK (as Excel in China saves CSV);
- ``projects.xlsx`` — a 项目库 with 拟建 years;
- ``streets.osm`` — a small street and building extract in OSM XML, larger than the county;
- ``manifest.toml`` — the pieces for ``hedong area init --manifest``.

Run ``python docs/examples/bureau/make_example.py`` from the repository root; it rewrites the
files in its own folder, the same every time (fixed seed). :func:`school_truth` gives the WGS84
position each school was generated at, for the test that checks the GCJ-02 conversion.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import geopandas as gpd  # noqa: E402
import shapely  # noqa: E402
from pyproj import Transformer  # noqa: E402

from gis.crs import wgs84_to_gcj02  # noqa: E402

GENERATED = "generated (Hedong Planner worked example, not real)"
#: Local metric CRS of the made-up county (CGCS2000 / 3-degree GK CM 111E) and its south-west corner.
CRS = "EPSG:4546"
ORIGIN = (480_000.0, 3_885_000.0)
WIDTH, HEIGHT = 3000.0, 2400.0
SUBDISTRICTS = [("示例东街道", "149901001"), ("示例中街道", "149901002"), ("示例西街道", "149901003")]
#: community -> (subdistrict index from the west, row from the south); the spreading rule each exercises
COMMUNITIES = {
    "桃源社区": (0, 0), "柳岸社区": (0, 1), "杏坛社区": (0, 2),
    "文昌社区": (1, 0), "书香社区": (1, 1), "锦绣社区": (1, 2),
    "丰收村": (2, 0), "河湾村": (2, 1), "新苑社区": (2, 2),
}
BANDS = [f"{a}-{a + 4}岁" for a in range(0, 65, 5)] + ["65岁及以上"]
TO_WGS = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)


def _xy(x, y):
    """Local metres (from the origin) to WGS84 lon/lat."""
    return TO_WGS.transform(ORIGIN[0] + np.asarray(x, float), ORIGIN[1] + np.asarray(y, float))


def _poly(x0, y0, x1, y1):
    xs, ys = _xy([x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0])
    return shapely.Polygon(zip(xs, ys))


def community_boxes():
    """Name -> (x0, y0, x1, y1) local metres. Subdistricts are 1000 m strips west to east."""
    out = {}
    for name, (d, r) in COMMUNITIES.items():
        col = 2 - d  # 东 is the eastern strip
        out[name] = (col * 1000.0, r * 800.0, (col + 1) * 1000.0, (r + 1) * 800.0)
    return out


#: Schools: name, type, local x, y, seats, classes, pupils, ownership, beds
SCHOOLS = [
    ("示例县实验小学", "小学", 1450, 1250, 2160, 48, 2010, "公办", 0),
    ("示例县第二小学", "小学", 500, 420, 1350, 30, 1302, "公办", 0),
    ("桃源小学", "小学", 2400, 350, 1080, 24, 1127, "公办", 0),
    ("示例县第一初级中学", "初中", 1600, 1900, 1500, 30, 1420, "公办", 0),
    ("书香九年一贯制学校", "九年一贯制学校", 1300, 900, 1620, 36, 1550, "公办", 0),
    ("启明学校", "小学", 2600, 2000, 720, 16, 650, "民办", 0),
    ("示例县第一幼儿园", "幼儿园", 1700, 1100, 360, 12, 350, "公办", 0),
    ("桃源幼儿园", "幼儿园", 2300, 600, 270, 9, 240, "公办", 0),
    ("锦绣幼儿园", "幼儿园", 1100, 2100, 270, 9, 280, "民办", 0),
    ("河湾幼儿园", "幼儿园", 400, 1300, 180, 6, 150, "公办", 0),
    ("示例东街道社区卫生服务中心", "社区卫生服务中心", 2500, 1500, 0, 0, 0, "", 40),
    ("示例县福寿养老院", "养老院", 700, 2000, 0, 0, 0, "公办", 120),
]


def school_truth() -> dict[str, tuple[float, float]]:
    """The WGS84 lon/lat every school, kindergarten, clinic and care home was generated at."""
    out = {}
    for name, _, x, y, *_ in SCHOOLS:
        lon, lat = _xy(x, y)
        out[name] = (float(lon), float(lat))
    return out


def _census(rng):
    """Rows of the census sheet: per community, its bands (a town's age profile, varied)."""
    base = np.array([4.0, 5.2, 5.6, 5.0, 5.5, 7.2, 8.0, 7.8, 8.1, 8.6, 7.9, 6.4, 5.9, 13.0])
    size = {"桃源社区": 14700, "柳岸社区": 11100, "杏坛社区": 9200, "文昌社区": 16800, "书香社区": 18900,
            "锦绣社区": 14000, "丰收村": 4700, "河湾村": 3900, "新苑社区": 7800}
    rows = []
    for name, (d, _) in COMMUNITIES.items():
        share = base * rng.uniform(0.8, 1.2, len(base))
        counts = np.floor(size[name] * share / share.sum()).astype(int)
        rows.append((SUBDISTRICTS[d][0], name, int(counts.sum()), *map(int, counts)))
    return rows


def _xlsx(path, sheets):
    """Write ``{sheet: rows}`` with openpyxl (fixed document dates so reruns match)."""
    import datetime

    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(list(r))
    t = datetime.datetime(2026, 1, 1)
    wb.properties.created = wb.properties.modified = t
    wb.properties.creator = "Hedong Planner make_example.py (generated)"
    wb.save(path)
    # an .xlsx is a zip whose entries carry the time of writing: fix it so a rerun gives the same bytes
    import io
    import zipfile

    with zipfile.ZipFile(path) as z:
        entries = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    # openpyxl stamps the save time as the document's "modified" date whatever was set
    entries = [(n, re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", d)
                if n == "docProps/core.xml" else d) for n, d in entries]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    Path(path).write_bytes(buf.getvalue())


def _osm(path, rng, boxes):
    """A street grid 300 m larger than the county each way, buildings and residential land use."""
    nodes, ways = {}, []
    nid = [1000]

    def node(x, y):
        key = (round(x, 1), round(y, 1))
        if key not in nodes:
            nid[0] += 1
            nodes[key] = nid[0]
        return nodes[key]

    wid = 5000
    xs = np.arange(-300, WIDTH + 301, 200.0)
    ys = np.arange(-300, HEIGHT + 301, 200.0)
    for i, x in enumerate(xs):
        hw = "primary" if i == len(xs) // 2 else "residential"
        ways.append((wid, [node(x, y) for y in np.arange(ys[0], ys[-1] + 1, 100.0)],
                     {"highway": hw, "name": f"示例纵{i + 1}路"}))
        wid += 1
    for j, y in enumerate(ys):
        hw = "secondary" if j == len(ys) // 2 else "residential"
        ways.append((wid, [node(x, y) for x in np.arange(xs[0], xs[-1] + 1, 100.0)],
                     {"highway": hw, "name": f"示例横{j + 1}路"}))
        wid += 1
    # buildings: apartment blocks in the built-up communities (levels tagged on some), untyped
    # buildings inside residential land use in 新苑社区, nothing in the two villages (streets rule)
    dense = {"桃源社区": 6, "柳岸社区": 5, "文昌社区": 7, "书香社区": 8, "锦绣社区": 6, "杏坛社区": 4}
    for name, (x0, y0, x1, y1) in boxes.items():
        if name in dense:
            for bx in np.arange(x0 + 20, x1 - 20, 200.0):
                for by in np.arange(y0 + 20, y1 - 20, 200.0):
                    if rng.random() < 0.35:
                        continue
                    for k in range(2):
                        ox, oy = bx + 30 + 70 * k, by + 40 + rng.uniform(0, 60)
                        ring = [node(ox, oy), node(ox + 45, oy), node(ox + 45, oy + 14), node(ox, oy + 14)]
                        tags = {"building": "apartments" if rng.random() < 0.8 else "residential"}
                        if rng.random() < 0.6:
                            tags["building:levels"] = str(int(rng.choice([3, 6, 11, 18]) if name != "杏坛社区" else 3))
                        ways.append((wid, ring + ring[:1], tags))
                        wid += 1
        elif name == "新苑社区":
            lx0, ly0, lx1, ly1 = x0 + 220, y0 + 220, x1 - 420, y1 - 220
            ring = [node(lx0, ly0), node(lx1, ly0), node(lx1, ly1), node(lx0, ly1)]
            ways.append((wid, ring + ring[:1], {"landuse": "residential"}))
            wid += 1
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<osm version="0.6" generator="hedong make_example.py (generated, not real)">']
    keys = list(nodes)
    lon, lat = _xy([k[0] for k in keys], [k[1] for k in keys])
    for k, lo, la in zip(keys, lon, lat):
        lines.append(f'  <node id="{nodes[k]}" version="1" lat="{la:.7f}" lon="{lo:.7f}"/>')
    for w, refs, tags in ways:
        lines.append(f'  <way id="{w}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def make(out: Path = HERE) -> None:
    """Write every file of the example into ``out``."""
    rng = np.random.default_rng(20261207)
    out.mkdir(parents=True, exist_ok=True)
    boxes = community_boxes()
    # subdistricts: GBK Shapefile without .cpg
    subs = gpd.GeoDataFrame({"街道名称": [n for n, _ in SUBDISTRICTS], "街道代码": [c for _, c in SUBDISTRICTS]},
                            geometry=[_poly((2 - i) * 1000.0, 0, (3 - i) * 1000.0, HEIGHT) for i in range(3)],
                            crs="EPSG:4326")
    for p in out.glob("subdistricts.*"):
        p.unlink()
    subs.to_file(out / "subdistricts.shp", engine="pyogrio", encoding="gbk")
    (out / "subdistricts.cpg").unlink(missing_ok=True)
    com = gpd.GeoDataFrame({"社区名称": list(boxes), "所属街道": [SUBDISTRICTS[COMMUNITIES[n][0]][0] for n in boxes],
                            "来源": GENERATED}, geometry=[_poly(*b) for b in boxes.values()], crs="EPSG:4326")
    (out / "communities.geojson").unlink(missing_ok=True)
    com.to_file(out / "communities.geojson", driver="GeoJSON", engine="pyogrio",
                layer_options={"COORDINATE_PRECISION": 7})
    # census
    rows = _census(rng)
    total = ["合计", "", *[sum(r[i] for r in rows) for i in range(2, 3 + len(BANDS))]]
    _xlsx(out / "census.xlsx", {
        "分社区年龄": [("示例县第七次全国人口普查 分社区、分年龄人口（生成的示例数据，非真实）",),
                  ("单位：人",), ("街道", "社区名称", "总人口", *BANDS, "备注"),
                  *[(*r, "") for r in rows], total],
        "说明": [("本工作簿为 Hedong Planner 生成的示例数据，非真实统计。",), (GENERATED,)],
    })
    # schools (GCJ-02, 7 decimals: about 1 cm)
    truth = school_truth()
    srows = [("学校名称", "类型", "地址", "经度", "纬度", "学位数", "班级数", "在校生数", "床位数", "办学性质")]
    for i, (name, kind, _x, _y, seats, classes, pupils, own, beds) in enumerate(SCHOOLS):
        glon, glat = wgs84_to_gcj02(*truth[name])
        srows.append((name, kind, f"示例路{i + 1}号", round(float(glon), 7), round(float(glat), 7),
                      seats or None, classes or None, pupils or None, beds or None, own or None))
    _xlsx(out / "schools.xlsx", {"学校名单（GCJ-02）": [("示例县公共服务设施名单（生成的示例数据，非真实；坐标为高德 GCJ-02）",), *srows]})
    # roster: the last three school years
    grades_of = {"小学": [f"{c}年级" for c in "一二三四五六"], "初中": ["七年级", "八年级", "九年级"],
                 "九年一贯制学校": [f"{c}年级" for c in "一二三四五六七八九"], "幼儿园": ["小班", "中班", "大班"]}
    rr = [("学校名称", "学年", "年级", "在校生数")]
    for name, kind, _x, _y, seats, classes, pupils, *_ in SCHOOLS:
        if kind not in grades_of:
            continue
        g = grades_of[kind]
        for year in (2022, 2023, 2024):
            for k, grade in enumerate(g):
                n = int(round(pupils / len(g) * (1 + 0.03 * (k - len(g) / 2)) * (1 - 0.02 * (2024 - year))))
                rr.append((name, f"{year}学年", grade, n))
    _xlsx(out / "roster.xlsx", {"学籍汇总": rr})
    # births (GBK CSV)
    lines = ["街道,年份,出生人数"]
    for k, (name, _) in enumerate(SUBDISTRICTS):
        for year in range(2015, 2025):
            lines.append(f"{name},{year},{int(420 - 22 * (year - 2015) + 40 * k + rng.integers(-15, 15))}")
    (out / "births.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    # projects (项目库, GCJ-02)
    prj = [("项目名称", "类型", "经度", "纬度", "拟建年份", "学位数", "班级数", "备注"),
           ("示例县第三小学", "小学", 2100, 1700, 2024, 1620, 36, "生成的示例"),
           ("河湾九年一贯制学校", "九年一贯制学校", 450, 900, 2025, 1800, 40, "生成的示例"),
           ("新苑幼儿园", "幼儿园", 300, 2050, 2023, 270, 9, "生成的示例")]
    pr = [prj[0]]
    for name, kind, x, y, by, seats, classes, note in prj[1:]:
        glon, glat = wgs84_to_gcj02(*_xy(x, y))
        pr.append((name, kind, round(float(glon), 7), round(float(glat), 7), by, seats, classes, note))
    _xlsx(out / "projects.xlsx", {"项目库": pr})
    _osm(out / "streets.osm", rng, boxes)


if __name__ == "__main__":
    make()
    print(f"wrote the generated example to {HERE}")
