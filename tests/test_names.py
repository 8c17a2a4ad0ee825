"""Generated names in both languages (issue 13, "generated names localised"): the demo's facilities,
projects and communities carry ``name`` in Chinese and ``name_en`` in English; maps and pages show the
one of their language; the English names survive export -> load and a scenario's save -> load."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from gis.folder import export_area, load_folder
from layers.schema import NAME_EN, SUBTYPE_LABELS
from presentation import publish, webmap
from presentation.i18n import display_names

_HAN = re.compile(r"[\u4e00-\u9fff]")


def _html(m) -> str:
    return m.get_root().render()


def _decoded(html: str) -> str:
    """The page with JSON \\uXXXX escapes decoded, so Chinese text embedded in GeoJSON can be searched."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda x: chr(int(x.group(1), 16)), html)


def test_demo_facilities_projects_communities_named_in_both_languages(small_demo):
    f = small_demo.facilities
    for sub, name, en in zip(f["subtype"], f["name"], f[NAME_EN]):
        n = re.fullmatch(r"示例(.+) (\d+)", name)
        assert n and n.group(1) == SUBTYPE_LABELS[sub]["zh"], name
        assert en == f"Demo {SUBTYPE_LABELS[sub]['en'].title()} {n.group(2)}"  # same number in both
        assert not re.search(r"[A-Za-z]", name), name  # no English left in the Chinese name
    assert f["name"].is_unique and f[NAME_EN].is_unique
    p = small_demo.projects
    for typ, name, en in zip(p["type"], p["name"], p[NAME_EN]):
        n = re.fullmatch(r"示例规划(.+) (\d+)", name)
        assert n and n.group(1) == SUBTYPE_LABELS[typ]["zh"], name
        assert en == f"Demo Planned {SUBTYPE_LABELS[typ]['en'].title()} {n.group(2)}"
    c = small_demo.communities
    en_of = dict(zip(small_demo.districts["district_id"].astype(str), small_demo.districts[NAME_EN]))
    for did, name, en in zip(c["district_id"].astype(str), c["name"], c[NAME_EN]):
        assert "生成社区" in name and _HAN.search(name)
        assert en.startswith(en_of[did] + ", generated community ") and not _HAN.search(en)


def test_display_names_fall_back_to_name():
    df = pd.DataFrame({"name": ["甲", "乙", "丙", None], NAME_EN: ["A", "", None, "D"]})
    assert display_names(df, "zh").tolist() == ["甲", "乙", "丙", ""]
    assert display_names(df, "en").tolist() == ["A", "乙", "丙", "D"]
    assert display_names(df.drop(columns=NAME_EN), "en").tolist() == ["甲", "乙", "丙", ""]


@pytest.fixture(scope="module")
def ev2025(small_demo):
    from scenarios.evaluate import evaluate

    return evaluate(small_demo, "plan", 2025)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_maps_show_the_names_of_their_language(small_demo, ev2025, lang):
    fac = small_demo.facilities
    one = fac[fac["subtype"] == "primary"].iloc[0]
    planned = ev2025.levels["primary"].schools
    project = planned[planned["project_id"].astype(str) != ""].iloc[0]
    m = webmap.base_map(small_demo, lang=lang)
    webmap.add_facilities(m, fac, lang=lang)
    fac_html = _decoded(_html(m))
    seat_html = _decoded(_html(publish.seat_map(small_demo, "plan", 2025, ev=ev2025, lang=lang)[0]))
    want, other = ("name", NAME_EN) if lang == "zh" else (NAME_EN, "name")
    assert one[want] in fac_html and one[other] not in fac_html
    assert project[want] in seat_html and project[other] not in seat_html
    if lang == "en":
        assert "示例" not in fac_html and "示例" not in seat_html


def test_evaluation_json_carries_name_en(ev2025):
    j = ev2025.to_json()
    rows = j["levels"]["primary"]["schools"]
    assert all(r["name_en"].startswith("Demo ") and r["name"].startswith("示例") for r in rows)
    assert all(b["name_en"].startswith("Demo Planned ") for b in j["building"])


def test_export_load_and_scenario_save_keep_name_en(small_demo, tmp_path):
    from scenarios.model import load_scenario, resolve_scenario, save_scenario

    export_area(small_demo, tmp_path / "area")
    back = load_folder(tmp_path / "area")
    for layer in ("districts", "facilities", "projects", "communities"):
        a, b = getattr(small_demo, layer), getattr(back, layer)
        assert NAME_EN in b.columns, layer
        assert b[NAME_EN].astype(str).tolist() == a[NAME_EN].astype(str).tolist(), layer
        assert b["name"].astype(str).tolist() == a["name"].astype(str).tolist(), layer
    plan = resolve_scenario(back, "plan")
    assert plan.projects[NAME_EN].tolist() == small_demo.projects[NAME_EN].tolist()
    path = save_scenario(plan.copy("named"), tmp_path / "named.gpkg")
    again = load_scenario(path, back)
    assert again.projects[NAME_EN].tolist() == small_demo.projects[NAME_EN].tolist()
