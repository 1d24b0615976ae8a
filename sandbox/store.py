"""What the sandbox keeps between restarts, in one SQLite file.

One connection guarded by a lock: every statement is short (microseconds), so
serialising them costs nothing next to the crypto, and check-then-insert
sequences stay atomic without BEGIN IMMEDIATE gymnastics. WAL lets another
process (a second sandbox on the same file, a curious sqlite3 shell) read
while this one writes. The IRN is the primary key of the invoices table, which
is what makes a duplicate impossible even under concurrent requests.
"""
import json
import os
import sqlite3
import threading

EWAYBILLS_TABLE = """
CREATE TABLE IF NOT EXISTS ewaybills (
    ewb_no INTEGER PRIMARY KEY,
    irn TEXT REFERENCES invoices (irn),      -- NULL: generated through the e-way bill system's own API
    gstin TEXT NOT NULL,                      -- the generator
    generated_at REAL NOT NULL,
    valid_till TEXT,                          -- 'yyyy-MM-dd HH:mm:ss' IST; NULL while Part-A only
    distance INTEGER NOT NULL,
    request_json TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'ACT',
    cancelled_at REAL,
    cancel_reason TEXT,
    cancel_remark TEXT,
    doc_type TEXT,                            -- the document (e-way bill API); by IRN: the invoice's
    doc_no TEXT,
    record_json TEXT                          -- the e-way bill as the EWB system keeps it (GetEwayBill)
);
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    gstin TEXT NOT NULL,
    user_name TEXT NOT NULL,
    sek BLOB NOT NULL,
    issued_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_owner ON sessions (client_id, gstin, user_name, expires_at);
CREATE TABLE IF NOT EXISTS invoices (
    irn TEXT PRIMARY KEY,
    seller_gstin TEXT NOT NULL,
    fin_year TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    doc_no TEXT NOT NULL,
    doc_date TEXT NOT NULL,
    buyer_gstin TEXT,
    sup_type TEXT NOT NULL,
    total_value REAL,
    ack_no INTEGER NOT NULL UNIQUE,
    ack_at REAL NOT NULL,
    signed_invoice TEXT NOT NULL,
    signed_qr_code TEXT NOT NULL,
    invoice_json TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'ACT',
    cancelled_at REAL,
    cancel_reason TEXT,
    cancel_remark TEXT
);
CREATE INDEX IF NOT EXISTS invoices_seller ON invoices (seller_gstin);
-- a document by its number in any case (doc numbers are case-insensitive from 01/06/2025)
CREATE INDEX IF NOT EXISTS invoices_document ON invoices (seller_gstin, fin_year, doc_type, upper(doc_no));
""" + EWAYBILLS_TABLE + """CREATE INDEX IF NOT EXISTS ewaybills_irn ON ewaybills (irn);
-- sessions of the e-way bill system's API (its own tokens and SEKs, nic-ewb-api.md §3)
CREATE TABLE IF NOT EXISTS ewb_sessions (
    token TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    gstin TEXT NOT NULL,
    username TEXT NOT NULL,
    sek BLOB NOT NULL,
    issued_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS ewb_sessions_owner ON ewb_sessions (client_id, gstin, username, expires_at);
-- the IRP's own GSTIN master: seeded from the portal, extended by Sync GSTIN
CREATE TABLE IF NOT EXISTS gstins (
    gstin TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    synced_at REAL
);
"""


# indexes on columns that older files get from _migrate()
INDEXES = """
CREATE INDEX IF NOT EXISTS ewaybills_document ON ewaybills (gstin, doc_type, upper(doc_no));
CREATE INDEX IF NOT EXISTS ewaybills_generated ON ewaybills (generated_at);
"""
_EWB_COLUMNS_V1 = ("ewb_no", "irn", "gstin", "generated_at", "valid_till", "distance", "request_json", "status",
                   "cancelled_at", "cancel_reason", "cancel_remark")


class DuplicateIrn(Exception):
    """The IRN row exists already (another request registered the same document first)."""


class Store:

    def __init__(self, path):
        self.path = str(path)
        directory = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(directory, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        self._db.row_factory = sqlite3.Row
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
            self._migrate()
            self._db.executescript(INDEXES)

    def close(self):
        with self._lock:
            self._db.close()

    def _migrate(self):
        """Files made before the e-way bill API: ewaybills.irn was NOT NULL and the document columns
        were missing. SQLite cannot drop a NOT NULL, so the table is copied into the new shape."""
        columns = [row[1] for row in self._db.execute("PRAGMA table_info(ewaybills)")]
        if "record_json" in columns:
            return
        names = ", ".join(_EWB_COLUMNS_V1)
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute("ALTER TABLE ewaybills RENAME TO ewaybills_v1")
            self._db.execute("DROP INDEX IF EXISTS ewaybills_irn")
            self._db.execute(EWAYBILLS_TABLE)
            self._db.execute(f"INSERT INTO ewaybills ({names}) SELECT {names} FROM ewaybills_v1")
            self._db.execute("DROP TABLE ewaybills_v1")
            self._db.execute("CREATE INDEX IF NOT EXISTS ewaybills_irn ON ewaybills (irn)")
        except Exception:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _all(self, sql, args=()):
        with self._lock:
            return [dict(row) for row in self._db.execute(sql, args).fetchall()]

    def _one(self, sql, args=()):
        with self._lock:
            row = self._db.execute(sql, args).fetchone()
        return dict(row) if row is not None else None

    def _run(self, sql, args=()):
        with self._lock:
            return self._db.execute(sql, args).rowcount

    # --- meta and counters -------------------------------------------------------

    def get_meta(self, name):
        row = self._one("SELECT value FROM meta WHERE name = ?", (name,))
        return row["value"] if row else None

    def set_meta_if_absent(self, name, value):
        """Store `value` unless the name is taken; return what is stored (first writer wins)."""
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO meta (name, value) VALUES (?, ?)", (name, value))
            return self.get_meta(name)

    def next_number(self, name, first):
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO counters (name, value) VALUES (?, ?)", (name, first - 1))
            self._db.execute("UPDATE counters SET value = value + 1 WHERE name = ?", (name,))
            return self._db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()[0]

    # --- sessions --------------------------------------------------------------------

    def live_session(self, client_id, gstin, user_name, now):
        """The newest session of that user that has not expired at `now` (epoch seconds)."""
        return self._one(
            "SELECT * FROM sessions WHERE client_id = ? AND gstin = ? AND user_name = ? AND expires_at > ? "
            "ORDER BY expires_at DESC LIMIT 1", (client_id, gstin, user_name, now))

    def add_session(self, token, client_id, gstin, user_name, sek, issued_at, expires_at):
        self._run("INSERT INTO sessions (token, client_id, gstin, user_name, sek, issued_at, expires_at) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?)", (token, client_id, gstin, user_name, sek, issued_at, expires_at))

    def session(self, token):
        return self._one("SELECT * FROM sessions WHERE token = ?", (token,))

    # --- invoices ----------------------------------------------------------------------

    def add_invoice(self, row):
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        try:
            self._run(f"INSERT INTO invoices ({columns}) VALUES ({marks})", tuple(row.values()))
        except sqlite3.IntegrityError as exc:
            raise DuplicateIrn(row["irn"]) from exc

    def invoice(self, irn):
        return self._one("SELECT * FROM invoices WHERE irn = ?", (irn,))

    def find_document(self, seller_gstin, fin_year, doc_type, doc_no):
        """The IRN row of that document, its number compared without regard to case (oldest first)."""
        return self._one("SELECT * FROM invoices WHERE seller_gstin = ? AND fin_year = ? AND doc_type = ? "
                         "AND upper(doc_no) = upper(?) ORDER BY ack_at LIMIT 1",
                         (seller_gstin, fin_year, doc_type, doc_no))

    def cancel_invoice(self, irn, when, reason, remark):
        """Mark the IRN cancelled; False when it was not active any more (a concurrent cancel won)."""
        return self._run("UPDATE invoices SET status = 'CNL', cancelled_at = ?, cancel_reason = ?, cancel_remark = ? "
                         "WHERE irn = ? AND status = 'ACT'", (when, reason, remark, irn)) == 1

    def count_invoices(self, seller_gstin=None):
        if seller_gstin:
            return self._one("SELECT count(*) AS n FROM invoices WHERE seller_gstin = ?", (seller_gstin,))["n"]
        return self._one("SELECT count(*) AS n FROM invoices")["n"]

    def invoice_counts(self):
        return {row["seller_gstin"]: row["n"] for row in self._all(
            "SELECT seller_gstin, count(*) AS n FROM invoices GROUP BY seller_gstin")}

    # --- e-way bills --------------------------------------------------------------------

    def add_ewaybill_if_none_active(self, row):
        """Insert the e-way bill unless the IRN has an active one; return the active one found, else None."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                active = self.active_ewaybill(row["irn"])
                if active is None:
                    columns = ", ".join(row)
                    marks = ", ".join("?" for _ in row)
                    self._db.execute(f"INSERT INTO ewaybills ({columns}) VALUES ({marks})", tuple(row.values()))
            finally:
                self._db.execute("COMMIT")
            return active

    def active_ewaybill(self, irn):
        return self._one("SELECT * FROM ewaybills WHERE irn = ? AND status = 'ACT' "
                         "ORDER BY generated_at DESC LIMIT 1", (irn,))

    def latest_ewaybill(self, irn):
        return self._one("SELECT * FROM ewaybills WHERE irn = ? ORDER BY generated_at DESC LIMIT 1", (irn,))

    def ewaybill(self, ewb_no):
        return self._one("SELECT * FROM ewaybills WHERE ewb_no = ?", (ewb_no,))

    def cancel_ewaybill(self, ewb_no, when, reason, remark):
        return self._run("UPDATE ewaybills SET status = 'CNL', cancelled_at = ?, cancel_reason = ?, "
                         "cancel_remark = ? WHERE ewb_no = ? AND status = 'ACT'",
                         (when, reason, remark, ewb_no)) == 1

    def count_ewaybills(self, gstin=None):
        if gstin:
            return self._one("SELECT count(*) AS n FROM ewaybills WHERE gstin = ?", (gstin,))["n"]
        return self._one("SELECT count(*) AS n FROM ewaybills")["n"]

    # --- the e-way bill system's own API ------------------------------------------------

    def document_ewaybill(self, gstin, doc_type, doc_no, active_only=True):
        """The newest e-way bill of that document of that generator, made by API or by IRN."""
        status = "AND e.status = 'ACT'" if active_only else ""
        return self._one(
            "SELECT e.* FROM ewaybills e LEFT JOIN invoices i ON i.irn = e.irn "
            f"WHERE ((e.gstin = ? AND e.doc_type = ? AND upper(e.doc_no) = upper(?)) "
            f"OR (e.doc_type IS NULL AND i.seller_gstin = ? AND i.doc_type = ? AND upper(i.doc_no) = upper(?))) "
            f"{status} ORDER BY e.generated_at DESC LIMIT 1", (gstin, doc_type, doc_no, gstin, doc_type, doc_no))

    def add_ewaybill_for_document(self, row):
        """Insert unless the generator has an active e-way bill for that document; return that one, else None."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                active = self.document_ewaybill(row["gstin"], row["doc_type"], row["doc_no"])
                if active is None:
                    columns = ", ".join(row)
                    marks = ", ".join("?" for _ in row)
                    self._db.execute(f"INSERT INTO ewaybills ({columns}) VALUES ({marks})", tuple(row.values()))
            finally:
                self._db.execute("COMMIT")
            return active

    def update_ewaybill(self, ewb_no, fields, expect_status="ACT"):
        """Write `fields` if the e-way bill still has `expect_status`; False when it changed meanwhile."""
        sets = ", ".join(f"{name} = ?" for name in fields)
        return self._run(f"UPDATE ewaybills SET {sets} WHERE ewb_no = ? AND status = ?",
                         (*fields.values(), ewb_no, expect_status)) == 1

    def ewaybills_between(self, start, end):
        """E-way bills generated in [start, end) (epoch seconds), oldest first."""
        return self._all("SELECT * FROM ewaybills WHERE generated_at >= ? AND generated_at < ? ORDER BY ewb_no",
                         (start, end))

    def live_ewb_session(self, client_id, gstin, username, now):
        return self._one(
            "SELECT * FROM ewb_sessions WHERE client_id = ? AND gstin = ? AND lower(username) = lower(?) "
            "AND expires_at > ? ORDER BY expires_at DESC LIMIT 1", (client_id, gstin, username, now))

    def add_ewb_session(self, token, client_id, gstin, username, sek, issued_at, expires_at):
        self._run("INSERT INTO ewb_sessions (token, client_id, gstin, username, sek, issued_at, expires_at) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?)", (token, client_id, gstin, username, sek, issued_at, expires_at))

    def ewb_session(self, token):
        return self._one("SELECT * FROM ewb_sessions WHERE token = ?", (token,))

    # --- GSTIN master -------------------------------------------------------------------

    def seed_gstins(self, records):
        """Load the IRP master on first start only (later syncs must not be overwritten)."""
        with self._lock:
            for record in records:
                self._db.execute("INSERT OR IGNORE INTO gstins (gstin, record) VALUES (?, ?)",
                                 (record["gstin"], json.dumps(record)))

    def gstin(self, gstin):
        row = self._one("SELECT record FROM gstins WHERE gstin = ?", (gstin,))
        return json.loads(row["record"]) if row else None

    def save_gstin(self, record, synced_at):
        self._run("INSERT OR REPLACE INTO gstins (gstin, record, synced_at) VALUES (?, ?, ?)",
                  (record["gstin"], json.dumps(record), synced_at))
