"""The one translation catalogue (presentation.i18n): complete in both languages, one fallback rule,
and the maps, the published pages and the app take their words from it."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from layers import families as reg
from presentation import i18n
from layers.words import WORDS
from presentation.i18n import CATALOGUE, LANGS, t

ROOT = Path(__file__).resolve().parent.parent


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_key_has_zh_and_en_with_the_same_placeholders():
    assert len(CATALOGUE) > 150
    for key, entry in CATALOGUE.items():
        assert set(entry) == set(LANGS), key
        assert all(isinstance(v, str) and v.strip() for v in entry.values()), key
        assert _fields(entry["zh"]) == _fields(entry["en"]), key
        # (a label meant to be read in both languages, "语言 / Language", is the same in both; the engines'
        # English quotes the plan's own terms, 普惠 / 养老机构 / 每个乡镇, as the JSON always has)
        if entry["en"] != entry["zh"] and key not in WORDS and re.search(r"[\u4e00-\u9fff]", entry["en"]):
            pytest.fail(f"{key}: Chinese in the English text")


def test_fallback_and_formatting():
    assert t("boundary", "zh") == "研究范围边界" and t("boundary", "en") == "Study-area boundary"
    assert t("boundary", "fr") == t("boundary", "en") == t("boundary", None)  # any other language reads English
    assert t("page.seat_title", "en", year=2025, scenario="Plan") == "School seats 2025 (scenario Plan)"
    with pytest.raises(KeyError):
        t("no.such.key", "zh")


def test_family_words_come_from_the_registry():
    for f in reg.families():
        assert i18n.family_label(f.key, "zh") == f.zh and i18n.family_label(f.key, "en") == f.en
        assert t(f"family.{f.key}", "en") == f.en
        for s in f.services:
            assert i18n.service_label(s.key, "en") == s.en == t(f"service.{s.key}", "en")
    # the app's one helper reads its own phrases and other namespaces by the same rule
    assert i18n.app_key("level") == "app.level" and i18n.app_key("method.2sfca") == "app.method.2sfca"
    assert i18n.app_key("service.primary") == "service.primary" and i18n.app_key("class_flag.large") == "class_flag.large"
    with pytest.raises(KeyError):
        t("services.primary", "en")
    assert i18n.unit_label("beds", "zh") == "床位" and i18n.unit_label("area_m2", "en") == "m²"
    assert i18n.cohort_label("age_3_5", "zh") == "3-5岁儿童"
    assert i18n.cohort_label("age_60_plus_not_there", "en") == "age_60_plus_not_there"


def _literal_keys(path: Path, funcs: dict[str, str]) -> set[str]:
    """Catalogue keys a module asks for with a literal first argument: ``t("x")``, ``pt("x")`` -> ``page.x`` ..."""
    keys = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in funcs:  # the app's tr() reads app.<key> or a key of another namespace (i18n.app_key)
                keys.add(i18n.app_key(node.args[0].value) if funcs[name] == "app." else funcs[name] + node.args[0].value)
    return keys


@pytest.mark.parametrize("path, funcs", [
    ("presentation/webmap.py", {"t": ""}),
    ("presentation/legends.py", {"t": ""}),
    ("presentation/map_scripts.py", {"t": ""}),
    ("presentation/geojson.py", {"t": ""}),
    ("presentation/styles.py", {"t": ""}),
    ("presentation/publish.py", {"t": "", "pt": "page."}),
    ("app.py", {"t": "", "tr": "app."}),
])
def test_every_key_asked_for_exists(path, funcs):
    keys = set().union(*(_literal_keys(f, funcs) for f in _with_webapp(path)))
    assert keys and not sorted(k for k in keys if k not in CATALOGUE)


def _with_webapp(path: str) -> list[Path]:
    """``path``, and for app.py also its package of pages and widgets (``webapp/``)."""
    return [ROOT / path] + (sorted((ROOT / "webapp").glob("*.py")) if path == "app.py" else [])


@pytest.mark.parametrize("path", ["presentation/webmap.py", "presentation/styles.py", "presentation/legends.py",
                                  "presentation/geojson.py", "presentation/map_scripts.py",
                                  "presentation/publish.py", "app.py"])
def test_no_inline_translation_dicts_left(path):
    src = "\n".join(f.read_text(encoding="utf-8") for f in _with_webapp(path))
    assert not re.search(r'\{"zh": [^{}]*"en": [^{}]*\}\[', src), "an inline {'zh':…, 'en':…}[lang] dict"
    assert "TEXT = {" not in src and "UI = {" not in src


def test_a_shipped_scenario_is_named_in_words_on_published_seat_maps(small_demo):
    """The published seat map's title named the scenario by its code ("2025年学位（plan方案）"); it now reads
    as the app does (规划方案 / Plan), and a planner's own scenario keeps its name."""
    from presentation.i18n import scenario_name
    from presentation.publish import seat_map

    assert scenario_name("plan", "zh") == "规划方案" and scenario_name("existing", "en") == "Existing"
    assert scenario_name("我的方案1", "zh") == "我的方案1"
    for lang, word in (("zh", "规划方案"), ("en", "Plan")):
        m, _ = seat_map(small_demo, "plan", 2025, lang=lang)
        html = m.get_root().render()
        assert word in html and "（plan方案）" not in html and "(scenario plan)" not in html
