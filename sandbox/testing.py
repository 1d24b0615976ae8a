"""The sandbox inside a test process: a real HTTP server on 127.0.0.1, on a free
port, in a background thread, with its own temporary SQLite file.

    with RunningSandbox() as sandbox:
        requests.post(sandbox.url + "/eivital/v1.04/auth", ...)
        requests.post(sandbox.ewb_url + "/auth", ...)          # the e-way bill system's API
        sandbox.set_faults([{"kind": "http_error", "status": 502, "times": 1}])
        sandbox.advance_clock(minutes=25 * 60)
        sandbox.set_rules(ship_to_gstin=True)
        sandbox.set_aato("29AAACK4521F1ZS", "ge100")

Several can run at once; each stop() closes its connections and its database.
"""
import os
import shutil
import tempfile
import threading

from . import ewb_master, master
from .clock import fmt
from .ewb_api import PREFIX as EWB_PREFIX
from .faults import Fault
from .server import DEFAULT_TOKEN_MINUTES, make_server


class RunningSandbox:

    def __init__(self, db_path=None, token_minutes=DEFAULT_TOKEN_MINUTES, latency_ms=0, hsn_master=None,
                 faults=(), host="127.0.0.1", port=0, rules=None, aato=None):
        self._db_path = db_path
        self._options = {"token_minutes": token_minutes, "latency_ms": latency_ms, "hsn_master": hsn_master,
                         "faults": [fault if isinstance(fault, Fault) else Fault.from_dict(fault)
                                    for fault in faults],
                         "rules": rules, "aato": aato}
        self._host, self._port = host, port
        self._server = None
        self._thread = None
        self._tmpdir = None

    # --- life cycle --------------------------------------------------------------------------

    def start(self):
        if self._server is not None:
            return self
        db_path = self._db_path
        if db_path is None:
            self._tmpdir = tempfile.mkdtemp(prefix="irp-sandbox-")
            db_path = os.path.join(self._tmpdir, "sandbox.sqlite3")
        self.db_path = db_path
        self._server = make_server(self._host, self._port, db_path, **self._options)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"irp-sandbox-{self._server.server_address[1]}", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is None:
            return
        self._server.stop()
        self._thread.join(timeout=5)
        self._server = None
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # --- what a client needs ------------------------------------------------------------------

    @property
    def app(self):
        """The running Sandbox application (store, clock, keys), for assertions in tests."""
        return self._server.app

    @property
    def url(self):
        return self._server.url

    @property
    def ewb_url(self):
        """Base URL of the e-way bill system's API: + '/auth', '/ewayapi', '/ewayapi/GetEwayBill?ewbNo=...'."""
        return self._server.url + EWB_PREFIX

    @property
    def info(self):
        return self.app.info()

    client_id = master.CLIENT_ID
    client_secret = master.CLIENT_SECRET

    @property
    def users(self):
        return [dict(user) for user in master.USERS]

    @property
    def ewb_users(self):
        """The e-way bill system's API users: {gstin, username, password} (sandbox.ewb_master)."""
        return [dict(user) for user in ewb_master.EWB_USERS]

    @property
    def encryption_public_pem(self):
        return self.app.keys.encryption_public_pem

    @property
    def signing_certificate_pem(self):
        return self.app.keys.signing_certificate_pem

    # --- steering ------------------------------------------------------------------------------

    def set_faults(self, faults):
        """Replace the active faults (dicts as for POST /sandbox/faults, or Fault objects)."""
        self.app.faults.replace(faults)

    def clear_faults(self):
        self.app.faults.clear()

    def advance_clock(self, minutes=0.0, hours=0.0, days=0.0, seconds=0.0):
        return self.app.clock.advance(minutes=minutes + 60 * hours + 1440 * days, seconds=seconds)

    def set_clock(self, moment):
        """Move the sandbox clock to `moment` (aware datetime; naive means IST)."""
        return self.app.clock.set(moment)

    def reset_clock(self):
        return self.app.clock.reset()

    def now(self):
        return self.app.clock.now()

    def now_text(self):
        return fmt(self.app.clock.now())

    def set_rules(self, switches=None, **more):
        """Turn dated NIC rules on or off, e.g. set_rules(ship_to_gstin=True) (names: sandbox.calendar.RULES)."""
        self.app.calendar.set_switches({**(switches or {}), **more})

    def set_aato(self, gstin, band):
        """The AATO band the IRP knows for a supplier GSTIN: lt5, 5to10, 10to100 or ge100."""
        self.app.calendar.set_aato(gstin, band)

    def reset_rules(self):
        """Rule switches and AATO bands back to the defaults of sandbox.calendar."""
        self.app.calendar.reset()

    def rules(self):
        return self.app.calendar.listing(self.app.clock.today())

    def count_irns(self, seller_gstin=None):
        return self.app.store.count_invoices(seller_gstin)

    def count_ewaybills(self, gstin=None):
        """E-way bills in the store (by IRN and by the e-way bill API), of one generator GSTIN if given."""
        return self.app.store.count_ewaybills(gstin)

    def ewaybill(self, ewb_no):
        """The stored e-way bill as GetEwayBill shows it (any party), or None."""
        from .ewb_rules import public_record
        row, record = self.app.ewb.load(ewb_no)
        return public_record(row, record) if row else None

    def request_counts(self):
        """Requests served per endpoint name since start (auth, generate_irn, ...)."""
        return self.app.stats()["requests"]


__all__ = ["RunningSandbox"]
