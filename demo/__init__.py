"""The embedded Yuncheng demo (``yuncheng-demo``): the real Yanhu boundary, a generated city.

This package sits above :mod:`accessibility` so that the generator calibrates its facilities with
the same engine the app and the CLI report with. Importing it registers the ``yuncheng-demo``
loader with :mod:`gis.areas` (the study-area registry lives in ``gis``, which never imports this
package; it is also found through the ``hedong.areas`` entry point in ``pyproject.toml``).
"""

from demo.yuncheng import AREA_NAME, GENERATOR_VERSION, build_yuncheng_demo, load_yuncheng_demo
from gis.areas import register_area

register_area(AREA_NAME, load_yuncheng_demo)

__all__ = ["AREA_NAME", "GENERATOR_VERSION", "build_yuncheng_demo", "load_yuncheng_demo"]
