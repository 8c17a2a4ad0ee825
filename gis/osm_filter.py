"""Which OSM ways make the walking and the cycling network: one table, the same for XML and PBF.

The walk filter is osmnx 2.x's own ``walk`` network filter (``osmnx._overpass._get_network_filter``),
written out rule by rule so that offline files (a user's ``network.osm``, a PBF extract) keep
exactly the ways an online osmnx download would::

    ["highway"]["area"!~"yes"]["access"!~"private"]
    ["highway"!~"abandoned|bus_guideway|construction|cycleway|motor|no|planned|platform|proposed|
                raceway|razed|rest_area|services"]
    ["foot"!~"no"]["service"!~"private"]
    ["sidewalk"!~"separate"]["sidewalk:both"!~"separate"]["sidewalk:left"!~"separate"]
    ["sidewalk:right"!~"separate"]

The bike filter is osmnx's ``bike`` filter, with one departure the planner needs: osmnx drops
every ``highway=footway``; here a footway stays when it is signed for bicycles
(``bicycle=yes|designated``)::

    ["highway"]["area"!~"yes"]["access"!~"private"]
    ["highway"!~"abandoned|bus_guideway|construction|corridor|elevator|escalator|motor|no|planned|
                platform|proposed|raceway|razed|rest_area|services|steps"]
    ["highway"!~"footway"] unless ["bicycle"~"^(yes|designated)$"]
    ["bicycle"!~"no"]["service"!~"private"]

Semantics are Overpass's: ``["k"]`` needs the tag; ``["k"!~"re"]`` passes when the tag is absent
or its value does not *contain* a match of ``re`` (unanchored, case-sensitive) — so ``motor``
drops ``motorway`` and ``motorway_link``. A way's fate is the first rule it fails, reported as the
reason (``hedong info`` counts them).

One-way streets: walking ignores them (osmnx makes ``walk`` bidirectional). Cycling follows
osmnx's rules — ``oneway=yes|true|1|-1|reverse|T|F`` or ``junction=roundabout`` make a way
one-way, ``-1|reverse|T`` against the node order — except that ``oneway:bicycle=no`` or
``cycleway=opposite*`` (contraflow cycling) keep it two-way for bikes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Rule", "FILTERS", "NETWORKS", "way_verdict", "bike_oneway", "ONEWAY_VALUES", "REVERSED_VALUES"]


@dataclass(frozen=True)
class Rule:
    """One Overpass tag test: ``["key"]`` (``pattern`` None) or ``["key"!~"pattern"]``.

    ``unless`` = (key, anchored regex): the rule is waived when that tag matches (the bike
    filter's footways signed for bicycles).
    """

    key: str
    pattern: str | None = None
    unless: tuple[str, str] | None = None

    def fails(self, tags: dict) -> bool:
        """True when a way with ``tags`` is dropped by this rule."""
        v = tags.get(self.key)
        if self.pattern is None:
            return v is None
        if v is None or not re.search(self.pattern, str(v)):
            return False
        if self.unless is not None:
            k, pat = self.unless
            w = tags.get(k)
            if w is not None and re.fullmatch(pat, str(w)):
                return False
        return True


_SEPARATE = tuple(Rule(k, "separate") for k in ("sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right"))

#: network -> rules, in osmnx's order. The single source of truth for both file formats.
FILTERS: dict[str, tuple[Rule, ...]] = {
    "walk": (
        Rule("highway"),
        Rule("area", "yes"),
        Rule("access", "private"),
        Rule("highway", "abandoned|bus_guideway|construction|cycleway|motor|no|planned|platform|proposed|"
                        "raceway|razed|rest_area|services"),
        Rule("foot", "no"),
        Rule("service", "private"),
        *_SEPARATE,
    ),
    "bike": (
        Rule("highway"),
        Rule("area", "yes"),
        Rule("access", "private"),
        Rule("highway", "abandoned|bus_guideway|construction|corridor|elevator|escalator|motor|no|planned|"
                        "platform|proposed|raceway|razed|rest_area|services|steps"),
        Rule("highway", "footway", unless=("bicycle", "yes|designated")),
        Rule("bicycle", "no"),
        Rule("service", "private"),
    ),
}
NETWORKS = tuple(FILTERS)

#: Tags a way without ``highway`` is reported by (first present wins), so a user sees *what* was left out.
_KIND_KEYS = ("railway", "building", "landuse", "waterway", "barrier", "natural", "amenity", "leisure", "power",
              "boundary", "man_made", "aeroway", "public_transport", "area:highway", "indoor")


def way_verdict(tags: dict, network: str = "walk") -> str | None:
    """None when a way with ``tags`` belongs to ``network``; else why not (``"highway=motorway"``).

    Parameters
    ----------
    tags : dict
        The way's OSM tags (all of them, string values).
    network : str
        ``walk`` or ``bike`` (:data:`FILTERS`).

    Returns
    -------
    str or None
        ``"<key>=<value>"`` of the first failed rule, or ``"no highway tag (<key>=<value>)"``
        naming the way's main tag (``railway=rail``, ``building=yes``) when it has no ``highway``.
    """
    for rule in FILTERS[network]:
        if rule.fails(tags):
            if rule.pattern is None:
                kind = next((k for k in _KIND_KEYS if k in tags), None) or next(iter(sorted(tags)), None)
                return f"no {rule.key} tag" + (f" ({kind}={tags[kind]})" if kind else "")
            return f"{rule.key}={tags[rule.key]}"
    return None


#: osmnx's values of ``oneway`` meaning one-way, and those meaning against the node order.
ONEWAY_VALUES = frozenset({"yes", "true", "1", "-1", "reverse", "T", "F"})
REVERSED_VALUES = frozenset({"-1", "reverse", "T"})


def bike_oneway(tags: dict) -> tuple[bool, bool]:
    """(one-way for bikes, against the node order) of a way, by osmnx's rules plus contraflow tags."""
    if tags.get("oneway:bicycle") == "no" or str(tags.get("cycleway", "")).startswith("opposite"):
        return False, False
    one = tags.get("oneway") in ONEWAY_VALUES or tags.get("junction") == "roundabout"
    return one, one and tags.get("oneway") in REVERSED_VALUES
