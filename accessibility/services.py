"""Which facilities supply a service, and how it is measured: the names every analysis shares.

The bottom of :mod:`accessibility` below :mod:`accessibility.coverage`, :mod:`accessibility.fca`
and :mod:`accessibility.capacity` (moved here from ``coverage`` so that ``fca`` and ``coverage``
no longer import each other): a service record from a key (:func:`get_service`), the travel mode
it is measured with (:func:`effective_mode`), the one facility selection (:func:`service_facilities`)
and the default coverage threshold.
"""

from __future__ import annotations

import geopandas as gpd

from layers.errors import ParameterError
from layers.families import SERVICES, Service

__all__ = ["DEFAULT_MINUTES", "get_service", "effective_mode", "service_facilities"]

#: Coverage threshold when none is given (CONTRACT.md ``hedong coverage`` default).
DEFAULT_MINUTES = 15.0


def get_service(service) -> Service:
    """A :class:`Service` from a record or a key of :data:`layers.norms.SERVICES`."""
    if isinstance(service, Service):
        return service
    try:
        return SERVICES[str(service)]
    except KeyError:
        raise ParameterError("service", f"unknown service {service!r}: use one of {', '.join(SERVICES)}",
                             value=service) from None


def effective_mode(service: Service, mode: str | None) -> str:
    """The :data:`layers.norms.SPEEDS` key a service is measured with when the user asks ``mode``.

    ``None`` -> the service's own mode; ``walk`` -> the service's own walking pace (elderly care
    stays at ``walk_elderly``); ``bike`` (or any other explicit mode) -> that mode.
    """
    if mode is None:
        return service.mode
    if mode == "walk" and service.mode.startswith("walk"):
        return service.mode
    return mode


def service_facilities(source, service: Service) -> gpd.GeoDataFrame:
    """The facilities supplying ``service``: right family, and sub-type when the service names some.

    Parameters
    ----------
    source : StudyArea or GeoDataFrame
        A study area (its ``facilities``) or a facility layer (e.g. a scenario's).
    service : Service
    """
    fac = source.facilities if hasattr(source, "facilities") else source
    sel = fac["family"].isin(service.families)
    if service.subtypes is not None:
        sel &= fac["subtype"].isin(service.subtypes)
    return fac[sel]
