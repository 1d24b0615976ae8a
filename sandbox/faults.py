"""Fault injection: the ways a real IRP (or the proxies in front of it) misbehaves.

A fault is {"kind": ..., params..., "times": n | None, "endpoint": name | None}:

- latency            {"ms": 250}            delay the reply (latencies add up with each other)
- http_error         {"status": 502}        reply 500/502/503/504 with a proxy-style body;
                                            "commit": true processes the request first
- rate_limit         {"retry_after": 2}     reply 429 with Retry-After (nothing processed)
- hang               {"seconds": 30}        hold the reply, then close without one;
                                            "commit": true processes the request first
- drop_after_commit  {}                     process (IRN/EWB/cancel committed), close without reply
- corrupt_data       {}                     process, but send a Data that does not decrypt

"times" limits how many matching requests the fault hits (None: until cleared);
"endpoint" restricts it to one endpoint name (see ENDPOINTS). Faults apply to
the NIC paths only, never to /sandbox/*. The e-way bill system's API has an
endpoint per action and GET (ewb_auth, ewb_generate = GENEWAYBILL, ewb_vehicle =
VEHEWB, ewb_extend, ewb_get, ...): drop_after_commit on ewb_generate or
ewb_vehicle is the lost reply after the e-way bill or its Part-B was saved.
"""
import base64
import threading

from .ewb_api import ACTIONS as EWB_ACTIONS, ENDPOINTS as EWB_ENDPOINTS

ENDPOINTS = ("auth", "generate_irn", "cancel_irn", "get_irn", "get_irn_by_doc", "get_gstin", "sync_gstin",
             "generate_ewaybill", "get_ewaybill", "cancel_ewaybill", "heartbeat", *EWB_ENDPOINTS)
# the e-way bill API's endpoints also answer to their action names (GENEWAYBILL, VEHEWB, ...)
ENDPOINT_ALIASES = {"authenticate": "auth", "ACCESSTOKEN": "ewb_auth", **EWB_ACTIONS}

KINDS = ("latency", "http_error", "rate_limit", "hang", "drop_after_commit", "corrupt_data")
DEFAULTS = {
    "latency": {"ms": 250},
    "http_error": {"status": 502, "commit": False},
    "rate_limit": {"retry_after": 1},
    "hang": {"seconds": 30, "commit": False},
    "drop_after_commit": {},
    "corrupt_data": {},
}
HTTP_ERROR_STATUSES = (500, 502, 503, 504)


class FaultError(ValueError):
    """A fault description that cannot be understood."""


def _number(value, name):
    if isinstance(value, bool):
        raise FaultError(f"{name} must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise FaultError(f"{name} must be a number, not {value!r}") from exc
    if number < 0:
        raise FaultError(f"{name} must not be negative")
    return number


def _flag(value):
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y", "on")
    return bool(value)


class Fault:

    def __init__(self, kind, times=None, endpoint=None, **params):
        if kind not in KINDS:
            raise FaultError(f"unknown fault kind {kind!r}; known: {', '.join(KINDS)}")
        endpoint = ENDPOINT_ALIASES.get(endpoint, endpoint) or None
        if endpoint is not None and endpoint not in ENDPOINTS:
            raise FaultError(f"unknown endpoint {endpoint!r}; known: {', '.join(ENDPOINTS)}")
        unknown = set(params) - set(DEFAULTS[kind])
        if unknown:
            raise FaultError(f"fault {kind} takes no parameter {', '.join(sorted(unknown))}")
        self.kind = kind
        self.endpoint = endpoint
        self.times = None if times is None else int(_number(times, "times"))
        self.params = dict(DEFAULTS[kind])
        self.params.update(params)
        if "ms" in self.params:
            self.params["ms"] = _number(self.params["ms"], "ms")
        if "seconds" in self.params:
            self.params["seconds"] = _number(self.params["seconds"], "seconds")
        if "retry_after" in self.params:
            self.params["retry_after"] = _number(self.params["retry_after"], "retry_after")
        if "commit" in self.params:
            self.params["commit"] = _flag(self.params["commit"])
        if kind == "http_error":
            self.params["status"] = int(_number(self.params["status"], "status"))
            if self.params["status"] not in HTTP_ERROR_STATUSES:
                raise FaultError(f"http_error status must be one of {HTTP_ERROR_STATUSES}")

    @classmethod
    def from_dict(cls, data):
        if not isinstance(data, dict) or "kind" not in data:
            raise FaultError("a fault is an object with at least a 'kind'")
        return cls(**data)

    @classmethod
    def from_cli(cls, text):
        """'KIND[:k=v,...]', e.g. 'latency:ms=250' or 'http_error:status=503,times=2,endpoint=generate_irn'."""
        kind, _, rest = text.partition(":")
        params = {}
        for item in filter(None, (part.strip() for part in rest.split(","))):
            key, sep, value = item.partition("=")
            if not sep:
                raise FaultError(f"expected key=value in {text!r}, got {item!r}")
            params[key.strip()] = value.strip()
        if params.get("times", "").lower() in ("", "none", "null"):
            params.pop("times", None)
        return cls(kind.strip(), **params)

    def matches(self, endpoint):
        return self.endpoint is None or self.endpoint == endpoint

    def to_dict(self):
        return {"kind": self.kind, **self.params, "times": self.times, "endpoint": self.endpoint}


class FaultBox:
    """The active faults, shared by all request threads."""

    def __init__(self, faults=()):
        self._lock = threading.Lock()
        self._faults = list(faults)

    def replace(self, faults):
        faults = [fault if isinstance(fault, Fault) else Fault.from_dict(fault) for fault in faults]
        with self._lock:
            self._faults = faults

    def clear(self):
        with self._lock:
            self._faults = []

    def active(self):
        with self._lock:
            return [fault.to_dict() for fault in self._faults]

    def take(self, endpoint):
        """What hits this request: (extra latency in seconds, the first other matching fault or None)."""
        delay, chosen = 0.0, None
        with self._lock:
            for fault in list(self._faults):
                if not fault.matches(endpoint):
                    continue
                if fault.kind == "latency":
                    delay += fault.params["ms"] / 1000.0
                elif chosen is None:
                    chosen = fault
                else:
                    continue
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
        return delay, chosen


# --- what a fault does to a reply (server.Sandbox.handle) ------------------------------------

_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Time-out"}


def fault_reply(fault, reply):
    """The reply of an http_error or hang fault; `reply` is http.Reply."""
    if fault.kind == "hang":
        return reply(action="hang", hold=fault.params["seconds"])
    status = fault.params["status"]
    page = (f"<html><head><title>{status} {_REASONS[status]}</title></head><body><h1>{status} {_REASONS[status]}"
            "</h1></body></html>")
    return reply(status, page.encode(), "text/html")


def _truncated_b64(text):
    """Base64 of ciphertext cut short: not a whole number of AES blocks, so it cannot decrypt."""
    raw = base64.b64decode(text)
    return base64.b64encode(raw[:-5] or b"\x00").decode()


def corrupt(result):
    """corrupt_data: the envelope's encrypted part (IRP Data / Data.Sek, EWB data / sek) made undecryptable."""
    data = result.get("Data")
    if isinstance(data, str) and data:
        result["Data"] = _truncated_b64(data)
    elif isinstance(data, dict) and data.get("Sek"):
        result["Data"] = dict(data, Sek=_truncated_b64(data["Sek"]))
    for key in ("data", "sek"):  # the e-way bill API's lower-case envelope
        if isinstance(result.get(key), str) and result[key]:
            result[key] = _truncated_b64(result[key])
