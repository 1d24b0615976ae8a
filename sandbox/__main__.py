"""Run the sandbox in the foreground: python -m sandbox [--host H] [--port P] [--db FILE] ...

The e-way bill system's own API is served on the same port under /ewaybillapi/v1.03.
Prints one line "IRP sandbox listening on http://HOST:PORT (db FILE)" on stdout
once it accepts requests (with --port 0 the line tells the chosen port), then
serves until interrupted (Ctrl-C / SIGTERM).
"""
import argparse
import logging
import os
import signal
import sys
import textwrap
import threading
from contextlib import suppress

from . import pins
from .calendar import BANDS, RULES, Calendar, CalendarError, parse_cli_pair
from .ewb_api import ENDPOINTS as EWB_ENDPOINTS, PREFIX as EWB_PREFIX
from .faults import Fault, FaultError
from .master import HsnMaster
from .server import DEFAULT_TOKEN_MINUTES, make_server

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DB = os.path.join(REPO_ROOT, ".local", "sandbox.sqlite3")


EPILOG = f"""\
The e-way bill system's own API (nic-ewb-api.md) on the same port, sharing the store with the
IRP's e-way bills by IRN (users: GET /sandbox/info -> ewb.users; client as for the IRP):
  POST {EWB_PREFIX}/auth
      ACCESSTOKEN; headers client-id (or client_id), client-secret, gstin
  POST {EWB_PREFIX}/ewayapi
      {{"action": ..., "data": AES(SEK)}}: GENEWAYBILL, VEHEWB, UPDATETRANSPORTER, CANEWB,
      REJEWB, EXTENDVALIDITY; CLOSEEWB with --rule ewb_voluntary_closure=on
  GET  {EWB_PREFIX}/ewayapi/GetEwayBill?ewbNo=N
      also GetEwayBillGeneratedByConsigner?docType=&docNo=, and ?date=dd/mm/yyyy for
      GetEwayBillsByDate, GetEwayBillsForTransporter, GetEwayBillsofOtherParty
  GET  {EWB_PREFIX}/Master/GetGSTINDetails?GSTIN=G   and /Master/GetErrorList
Faults reach these by endpoint or action name, e.g. --fault drop_after_commit:endpoint=GENEWAYBILL
(the e-way bill is saved, the reply never comes; VEHEWB likewise). Endpoints:
{textwrap.fill(", ".join(EWB_ENDPOINTS), 96, initial_indent="  ", subsequent_indent="  ")}
PIN-to-PIN distance: real PIN centroids ({pins.DATASET}), great-circle x {pins.ROAD_FACTOR}.
"""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="sandbox", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Local NIC IRP sandbox: e-invoice API over HTTP with its own keys, and the e-way bill "
                    "system's own API on the same server.", epilog=EPILOG)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    parser.add_argument("--db", default=DEFAULT_DB, help="SQLite file kept between runs (default %(default)s)")
    parser.add_argument("--token-minutes", type=float, default=DEFAULT_TOKEN_MINUTES,
                        help="auth token validity in minutes (default 360, as NIC production)")
    parser.add_argument("--latency-ms", type=float, default=0, help="delay added to every NIC call")
    parser.add_argument("--hsn-master", metavar="FILE",
                        help="JSON HSN/SAC master: a list of {hsn_code, ...} or of codes (default: built-in "
                             "headings)")
    parser.add_argument("--fault", action="append", default=[], metavar="KIND[:k=v,...]",
                        help="inject a fault, e.g. latency:ms=250, http_error:status=503,times=2, "
                             "rate_limit:retry_after=2, hang:seconds=30, drop_after_commit:endpoint=generate_irn, "
                             "corrupt_data:times=1 (repeatable)")
    rule_lines = "; ".join(f"{name} ({rule.start:%d/%m/%Y}, {'/'.join(rule.codes)}, "
                           f"default {'on' if rule.default_on else 'off'})" for name, rule in RULES.items())
    parser.add_argument("--rule", action="append", default=[], metavar="NAME=on|off",
                        help=f"switch a dated NIC rule (repeatable); in force from its date by the sandbox clock: "
                             f"{rule_lines}")
    parser.add_argument("--aato", action="append", default=[], metavar="GSTIN=BAND",
                        help=f"AATO band the IRP knows for a supplier GSTIN (repeatable): {', '.join(BANDS)} "
                             "(crore rupees; default lt5); bands drive the 30-day limit and the HSN digits")
    parser.add_argument("--verbose", action="store_true", help="log every request on stderr")
    return parser.parse_args(argv)


def _pairs(texts, option):
    return dict(parse_cli_pair(text, option) for text in texts)


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        faults = [Fault.from_cli(text) for text in args.fault]
    except FaultError as exc:
        sys.exit(f"sandbox: --fault: {exc}")
    try:
        rules, aato = _pairs(args.rule, "--rule"), _pairs(args.aato, "--aato")
        Calendar(rules, aato)  # refuse bad names and bands before listening
    except CalendarError as exc:
        sys.exit(f"sandbox: {exc}")
    try:
        hsn_master = HsnMaster.from_file(args.hsn_master) if args.hsn_master else None
    except (OSError, ValueError, AttributeError) as exc:
        sys.exit(f"sandbox: --hsn-master {args.hsn_master}: {exc}")
    server = make_server(args.host, args.port, args.db, token_minutes=args.token_minutes,
                         latency_ms=args.latency_ms, hsn_master=hsn_master, faults=faults, verbose=args.verbose,
                         rules=rules, aato=aato)
    # SIGTERM ends the server like Ctrl-C does; shutdown() must run outside the serving thread
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    # a command-line server: its URL, on stdout for whoever started it (scripts/bench_odoo.py reads it)
    # pylint: disable-next=print-used
    print(f"IRP sandbox listening on {server.url} (db {os.path.abspath(args.db)})", flush=True)
    try:
        with suppress(KeyboardInterrupt):  # Ctrl-C: the ordinary way to stop it
            server.serve_forever(poll_interval=0.2)
    finally:
        server.app.stopping.set()
        server.server_close()
        server.app.close()


if __name__ == "__main__":
    main()
