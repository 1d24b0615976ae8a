"""The sandbox's own control endpoints under /sandbox/ (never part of NIC's API).

GET is open (info, stats, keys, rules); anything that changes the sandbox is
accepted from loopback only:

  GET  /sandbox/info | /sandbox/stats | /sandbox/keys/encryption.pem | /sandbox/keys/signing.pem
       (info also lists the e-way bill API's base path, its users and the PIN data)
  GET|POST|DELETE /sandbox/faults        {"faults": [...]}
  GET|POST        /sandbox/clock         {"advance_minutes": n} | {"set": "yyyy-MM-dd HH:mm:ss"} | {"reset": true}
  GET|POST|DELETE /sandbox/rules         {"ship_to_gstin": true, ...}; DELETE: back to the defaults
  GET|POST        /sandbox/aato          {"gstin": "29AAACK4521F1ZS", "band": "ge100"}
"""
import json
from ipaddress import ip_address

from . import ewb_master, master, pins
from .calendar import CalendarError
from .clock import fmt
from .ewb_api import PREFIX as EWB_PREFIX


def _json_body(request):
    if not request.body:
        return None
    try:
        return json.loads(request.body)
    except ValueError:
        return None


def _object(request):
    body = _json_body(request)
    if not isinstance(body, dict):
        raise TypeError("expected a JSON object")
    return body


def info(app):
    """GET /sandbox/info: what a client needs to talk to this sandbox."""
    return {
        "client_id": master.CLIENT_ID,
        "client_secret": master.CLIENT_SECRET,
        "users": [dict(user) for user in master.USERS],
        "gstins": [master.public_entry(taxpayer) for taxpayer in master.TAXPAYERS],
        "token_minutes": app.token_minutes,
        "now": fmt(app.clock.now()),
        "signing_kid": app.keys.kid,
        "hsn_master": {"source": app.hsn_master.source, "entries": len(app.hsn_master)},
        "paths": {"encryption_key": "/sandbox/keys/encryption.pem", "signing_certificate":
                  "/sandbox/keys/signing.pem", "rules": "/sandbox/rules", "aato": "/sandbox/aato"},
        "ewb": {"base": EWB_PREFIX, "users": [dict(user) for user in ewb_master.EWB_USERS],
                "pins": pins.dataset_info()},
    }


def stats(app):
    """GET /sandbox/stats: counts of what the sandbox holds and served."""
    with app._counts_lock:
        counts = dict(app.request_counts)
    return {"irns": app.store.count_invoices(), "irns_by_seller": app.store.invoice_counts(),
            "ewaybills": app.store.count_ewaybills(), "requests": counts}


def is_loopback(address):
    try:
        return ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False


def handle(app, request, reply):
    """The reply to a /sandbox/* request; `reply(status, body, content_type=...)` builds it."""
    path = request.path.rstrip("/").lower()
    method = request.method
    if method != "GET" and not is_loopback(request.client_ip):
        return reply(403, {"message": "sandbox control is accepted from loopback only"})
    try:
        if method == "GET" and path in _PAGES:
            return _PAGES[path](app, reply)
        handler = _CONTROLS.get(path)
        if handler is not None:
            return handler(app, request, reply)
    except (ValueError, TypeError) as exc:  # CalendarError is a ValueError
        return reply(400, {"message": str(exc)})
    return reply(404, {"message": f"No resource at {request.path}"})


def _faults(app, request, reply):
    if request.method == "POST":
        faults = _object(request).get("faults")
        if not isinstance(faults, list):
            raise ValueError('expected {"faults": [...]}')
        app.faults.replace(faults)
    elif request.method == "DELETE":
        app.faults.clear()
    elif request.method != "GET":
        return reply(405, {"message": "GET, POST or DELETE"})
    return reply(200, {"faults": app.faults.active()})


def _clock(app, request, reply):
    if request.method == "POST":
        body = _object(request)
        if body.get("reset"):
            app.clock.reset()
        elif "set" in body:
            app.clock.set(str(body["set"]))
        elif "advance_minutes" in body:
            app.clock.advance(minutes=float(body["advance_minutes"]))
        else:
            raise ValueError('expected "advance_minutes", "set" or "reset"')
    elif request.method != "GET":
        return reply(405, {"message": "GET or POST"})
    return reply(200, {"now": fmt(app.clock.now()), "offset_seconds": app.clock.offset_seconds})


def _rules(app, request, reply):
    if request.method == "POST":
        body = _object(request)
        if body.get("reset") is True:
            app.calendar.reset()
        else:
            app.calendar.set_switches(body)
    elif request.method == "DELETE":
        app.calendar.reset()
    elif request.method != "GET":
        return reply(405, {"message": "GET, POST or DELETE"})
    return reply(200, app.calendar.listing(app.clock.today()))


def _aato(app, request, reply):
    if request.method == "POST":
        body = _object(request)
        if "gstin" not in body or "band" not in body:
            raise CalendarError('expected {"gstin": ..., "band": ...}')
        app.calendar.set_aato(body["gstin"], body["band"])
    elif request.method != "GET":
        return reply(405, {"message": "GET or POST"})
    listing = app.calendar.listing(app.clock.today())
    return reply(200, {key: listing[key] for key in ("aato", "aato_default", "bands")})


_PAGES = {
    "/sandbox/info": lambda app, reply: reply(200, app.info()),
    "/sandbox/stats": lambda app, reply: reply(200, app.stats()),
    "/sandbox/keys/encryption.pem": lambda app, reply: reply(200, app.keys.encryption_public_pem,
                                                             content_type="application/x-pem-file"),
    "/sandbox/keys/signing.pem": lambda app, reply: reply(200, app.keys.signing_certificate_pem,
                                                          content_type="application/x-pem-file"),
}
_CONTROLS = {"/sandbox/faults": _faults, "/sandbox/clock": _clock, "/sandbox/rules": _rules,
             "/sandbox/aato": _aato}
