"""Odoo-side benchmark, run by scripts/bench inside `odoo-bin shell` (the `env` global).

Part 1 (button, e-way bill by IRN, 1,000-line payload) happens in one transaction that
is rolled back, against an in-process sandbox over real HTTP with real crypto.

Part 2 measures the scheduled action as it runs in production: committing each invoice,
against the sandbox as its own process (`python -m sandbox --latency-ms ...` on a free
port), on a company of its own kept in the benchmark database ("Bench Cron Co"):
  (a) throughput of one worker at zero latency (IRN/s; ms of the ORM thread's CPU and SQL
      queries per IRN),
  (b) the same 100 invoices at 250 ms latency with 1, 4 and 16 parallel calls, measured
      one after the other in the same run, and the ratio,
  (c) the process's RSS before, during (per batch) and after scheduled-action runs with
      10,000 invoices pending (copied by SQL from one posted invoice, deleted at the end).
"""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from odoo import Command, fields

from odoo.addons.l10n_in_einvoice.irp import validation
from odoo.addons.l10n_in_einvoice.irp.client import fetch_sandbox_keys
from odoo.addons.l10n_in_einvoice.sandbox import master
from odoo.addons.l10n_in_einvoice.sandbox.testing import RunningSandbox
from odoo.addons.l10n_in_einvoice.tools import write_guard

env = globals()["env"]  # handed over by odoo-bin shell
root_env = env  # part 1 narrows `env` to its own (rolled back) company
ADDON_DIR = os.getcwd()  # scripts/bench runs from the addon's directory


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


def bench_ewaybill_by_irn(env, post_invoice, runs=20):
    """E-way bill by IRN inside Odoo: the wizard's Generate button -> e-way bill record stored
    (pre-flight, IRP call, record, history row, chatter), sandbox at zero latency."""
    def generate():
        move = post_invoice(3)
        move.action_l10n_in_einv_generate()
        assert move.l10n_in_einv_state == "generated", move.l10n_in_einv_error
        wizard = env["l10n_in.einvoice.ewaybill.wizard"].with_context(default_move_id=move.id).create(
            {"transport_mode": "1", "vehicle_no": "KA01AB1234", "vehicle_type": "R", "distance": 0})
        env.flush_all()
        started = time.perf_counter()
        params = wizard.action_generate()["params"]
        env.flush_all()
        elapsed = time.perf_counter() - started
        assert params["type"] == "success" and move.l10n_in_einv_ewaybill_id, params["message"]
        return elapsed

    generate()  # warm-up
    timings = sorted(generate() for _ in range(runs))
    print(f"Odoo: Generate e-way bill (by IRN) button -> e-way bill record stored, sandbox at zero latency "
          f"({runs} runs)")
    print(f"  p50 {ms(statistics.median(timings))}   p95 {ms(timings[int(0.95 * (len(timings) - 1))])}")


sandbox = RunningSandbox().start()
try:
    seller = master.SELLER_KA
    india = env.ref("base.in")
    company = env["res.company"].create({
        "name": "Bench Co", "country_id": india.id, "state_id": env.ref("base.state_in_ka").id,
        "vat": seller["gstin"], "street": seller["addr1"], "city": seller["loc"], "zip": str(seller["pin"]),
        "l10n_in_einv_enabled": True, "l10n_in_einv_parallel_calls": 4,
    })
    env = env(context={"allowed_company_ids": company.ids})
    env["account.chart.template"].try_loading("in", company=company, install_demo=False)
    user = next(u for u in sandbox.users if u["gstin"] == seller["gstin"])
    env["l10n_in.einvoice.credential"].create({
        "company_id": company.id, "gstin": seller["gstin"], "environment": "local_sandbox", "base_url": sandbox.url,
        "client_id": sandbox.client_id, "client_secret": sandbox.client_secret, "user_name": user["user_name"],
        "password": user["password"], "encryption_public_key": sandbox.encryption_public_pem.decode(),
        "signing_certificate": sandbox.signing_certificate_pem.decode(),
    })
    buyer = master.BUYER_MH
    partner = env["res.partner"].create({
        "name": buyer["legal_name"], "vat": buyer["gstin"], "country_id": india.id, "is_company": True,
        "state_id": env.ref("base.state_in_mh").id, "street": buyer["addr1"], "city": buyer["loc"],
        "zip": str(buyer["pin"]), "l10n_in_gst_treatment": "regular",
    })
    igst = env["account.chart.template"].with_company(company).ref("igst_sale_18")
    products = env["product.product"].create([{
        "name": f"Item {i}", "l10n_in_hsn_code": "84713010", "type": "consu", "lst_price": 100.0 + i,
        "taxes_id": [Command.set(igst.ids)]} for i in range(20)])

    def post_invoice(lines):
        move = env["account.move"].create({
            "move_type": "out_invoice", "partner_id": partner.id, "invoice_date": fields.Date.today(),
            "invoice_line_ids": [Command.create({
                "product_id": products[i % len(products)].id, "quantity": 1 + i % 7, "price_unit": 100.0 + i,
                "tax_ids": [Command.set(igst.ids)], "discount": i % 3}) for i in range(lines)],
        })
        move.action_post()
        return move

    post_invoice(10).action_l10n_in_einv_generate()  # warm-up: authentication, caches
    timings = []
    for _ in range(20):
        move = post_invoice(10)
        env.flush_all()
        started = time.perf_counter()
        move.action_l10n_in_einv_generate()
        env.flush_all()
        timings.append(time.perf_counter() - started)
        assert move.l10n_in_einv_state == "generated", move.l10n_in_einv_error
    timings.sort()
    print("Odoo: Generate IRN button -> IRN stored, 10-line invoice, sandbox at zero latency (20 runs)")
    print(f"  p50 {ms(statistics.median(timings))}   p95 {ms(timings[int(0.95 * (len(timings) - 1))])}")
    bench_ewaybill_by_irn(env, post_invoice)

    big = post_invoice(1000)
    env.invalidate_all()
    started = time.perf_counter()
    payload = big._l10n_in_einv_build_payload()
    built = time.perf_counter() - started
    started = time.perf_counter()
    problems = validation.validate_invoice(payload, require_check_digit=True)
    validated = time.perf_counter() - started
    print(f"Odoo: 1,000-line invoice: payload build {ms(built)}, validation {ms(validated)}, "
          f"problems {len(problems)}")

finally:
    env.cr.rollback()
    sandbox.stop()


# --- part 2: the scheduled action, committed, against the sandbox as its own process --------

class SandboxProcess:
    """`python -m sandbox` on a free port with its own temporary database."""

    def __init__(self, latency_ms=0):
        self.tmpdir = tempfile.mkdtemp(prefix="irp-bench-")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "--port", "0", "--db", os.path.join(self.tmpdir, "sandbox.sqlite3"),
             "--latency-ms", str(latency_ms)],
            cwd=ADDON_DIR, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline()
        found = re.search(r"listening on (\S+)", line)
        if not found:
            self.stop()
            raise RuntimeError(f"the sandbox did not start: {line!r}")
        self.url = found.group(1)

    def cpu(self):
        """CPU seconds the sandbox process has used (user + system)."""
        with open(f"/proc/{self.process.pid}/stat") as stat:
            fields_ = stat.read().rsplit(")", 1)[1].split()
        return (int(fields_[11]) + int(fields_[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.process.terminate()
        self.process.wait(10)
        shutil.rmtree(self.tmpdir, ignore_errors=True)


def rss_mib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


class CronBench:
    """A company of its own in the benchmark database, kept between runs (created once)."""

    NAME = "Bench Cron Co"

    def __init__(self, env):
        seller = master.SELLER_KA
        company = env["res.company"].search([("name", "=", self.NAME)], limit=1)
        if not company:
            company = env["res.company"].create({
                "name": self.NAME, "country_id": env.ref("base.in").id, "state_id": env.ref("base.state_in_ka").id,
                "vat": seller["gstin"], "street": seller["addr1"], "city": seller["loc"],
                "zip": str(seller["pin"]), "l10n_in_einv_enabled": True, "l10n_in_einv_sending_mode": "scheduled",
            })
            env["account.chart.template"].try_loading("in", company=company, install_demo=False)
            env.cr.commit()
        self.company = company
        self.env = env = env(context={"allowed_company_ids": company.ids})
        buyer = master.BUYER_MH
        self.partner = env["res.partner"].search([("name", "=", buyer["legal_name"] + " (bench)")], limit=1) \
            or env["res.partner"].create({
                "name": buyer["legal_name"] + " (bench)", "vat": buyer["gstin"], "country_id": env.ref("base.in").id,
                "is_company": True, "state_id": env.ref("base.state_in_mh").id, "street": buyer["addr1"],
                "city": buyer["loc"], "zip": str(buyer["pin"]), "l10n_in_gst_treatment": "regular"})
        self.tax = env["account.chart.template"].with_company(company).ref("igst_sale_18")
        self.products = env["product.product"].search([("default_code", "=like", "BENCH-%")], order="id") \
            or env["product.product"].create([{
                "name": f"Bench item {i}", "default_code": f"BENCH-{i}", "l10n_in_hsn_code": "84713010",
                "type": "consu", "lst_price": 100.0 + i} for i in range(20)])
        env.cr.commit()

    def use(self, sandbox, parallel_calls=4):
        """Point the credential at `sandbox` (a fresh one: no session, no pause) and hold back
        whatever an earlier run left pending, so that a measurement sends only its own invoices."""
        env, company = self.env, self.company
        encryption, signing = fetch_sandbox_keys(sandbox.url)
        user = next(u for u in master.USERS if u["gstin"] == company.vat)
        values = {"company_id": company.id, "gstin": company.vat, "environment": "local_sandbox",
                  "base_url": sandbox.url, "client_id": master.CLIENT_ID, "client_secret": master.CLIENT_SECRET,
                  "user_name": user["user_name"], "password": user["password"],
                  "encryption_public_key": encryption, "signing_certificate": signing}
        credential = company._l10n_in_einv_credential()
        if credential:
            credential.write(values)
        else:
            credential = env["l10n_in.einvoice.credential"].create(values)
        with write_guard.trusted():
            credential.sudo().write({"session_encrypted": False, "token_expiry": False, "paused_until": False,
                                     "pause_reason": False, "pause_detail": False, "attention": False})
        company.l10n_in_einv_parallel_calls = parallel_calls
        self.hold_pending()
        env.cr.commit()

    def hold_pending(self):
        self.env.cr.execute("""UPDATE account_move SET l10n_in_einv_hold = true
                                WHERE company_id = %s AND l10n_in_einv_state IN ('to_send', 'retry', 'error')""",
                            [self.company.id])
        self.env.invalidate_all()

    def post(self, count, lines=3):
        """`count` posted invoices queued for the scheduled action, committed."""
        env, moves = self.env, self.env["account.move"]
        for start in range(0, count, 50):
            batch = env["account.move"].create([{
                "move_type": "out_invoice", "partner_id": self.partner.id, "invoice_date": fields.Date.today(),
                "invoice_line_ids": [Command.create({
                    "product_id": self.products[(n + i) % len(self.products)].id, "quantity": 1 + i % 7,
                    "price_unit": 100.0 + n + i, "tax_ids": [Command.set(self.tax.ids)], "discount": i % 3})
                    for i in range(lines)]} for n in range(start, min(count, start + 50))])
            batch.action_post()
            with write_guard.trusted():
                batch.write({"l10n_in_einv_queued": True})
            env.cr.commit()
            moves |= batch
        env.invalidate_all()
        return moves

    def run_cron(self, moves, sandbox=None, **kwargs):
        """The scheduled action until `moves` are all sent: (wall s, ORM thread CPU s, queries,
        CPU s of this whole process (its HTTP threads too), CPU s of the sandbox process)."""
        env = self.env
        env.invalidate_all()
        process, served = time.process_time(), sandbox.cpu() if sandbox else 0.0
        queries, wall, cpu = env.cr.sql_log_count, time.perf_counter(), time.thread_time()
        for _round in range(10):
            env["account.move"]._cron_l10n_in_einv_send(**kwargs)
            if not env["account.move"].search_count([("id", "in", moves.ids),
                                                     ("l10n_in_einv_state", "in", ("to_send", "retry"))]):
                break
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
        process, served = time.process_time() - process, (sandbox.cpu() - served) if sandbox else 0.0
        queries = env.cr.sql_log_count - queries
        env.invalidate_all()
        generated = env["account.move"].search_count([("id", "in", moves.ids), ("l10n_in_einv_state", "=", "generated")])
        assert generated == len(moves), f"{generated} of {len(moves)} generated"
        return wall, cpu, queries, process, served

    def copy_pending(self, template, count):
        """`count` copies of the posted invoice `template` (lines, taxes, tags), queued, made
        by SQL in a few statements. Returns their ids."""
        cr = self.env.cr
        tag = f"Q{int(time.time()) % 100000:05d}/"
        cr.execute("""CREATE TEMP TABLE bench_moves ON COMMIT DROP AS
                      SELECT nextval('account_move_id_seq') AS id, %s || lpad(g::text, 5, '0') AS name
                        FROM generate_series(1, %s) AS g""", [tag, count])
        cr.execute("""CREATE TEMP TABLE bench_lines ON COMMIT DROP AS
                      SELECT m.id AS move_id, m.name AS move_name, l.id AS source,
                             nextval('account_move_line_id_seq') AS id
                        FROM bench_moves m CROSS JOIN account_move_line l WHERE l.move_id = %s""", [template.id])

        def columns(table):
            cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                       "AND table_schema = current_schema() ORDER BY ordinal_position", [table])
            return [row[0] for row in cr.fetchall()]

        moved = {"id": "m.id", "name": "m.name", "l10n_in_einv_hold": "false", "l10n_in_einv_queued": "true"}
        names = columns("account_move")
        cr.execute(f"""INSERT INTO account_move ({", ".join(f'"{c}"' for c in names)})
                       SELECT {", ".join(moved.get(c, f't."{c}"') for c in names)}
                         FROM bench_moves m, account_move t WHERE t.id = %s""", [template.id])
        lined = {"id": "n.id", "move_id": "n.move_id", "move_name": "n.move_name"}
        names = columns("account_move_line")
        cr.execute(f"""INSERT INTO account_move_line ({", ".join(f'"{c}"' for c in names)})
                       SELECT {", ".join(lined.get(c, f'l."{c}"') for c in names)}
                         FROM bench_lines n JOIN account_move_line l ON l.id = n.source""")
        cr.execute("""INSERT INTO account_move_line_account_tax_rel (account_move_line_id, account_tax_id)
                      SELECT n.id, r.account_tax_id FROM bench_lines n
                        JOIN account_move_line_account_tax_rel r ON r.account_move_line_id = n.source""")
        cr.execute("""INSERT INTO account_account_tag_account_move_line_rel (account_move_line_id, account_account_tag_id)
                      SELECT n.id, r.account_account_tag_id FROM bench_lines n
                        JOIN account_account_tag_account_move_line_rel r ON r.account_move_line_id = n.source""")
        cr.execute("SELECT id FROM bench_moves ORDER BY id")
        ids = [row[0] for row in cr.fetchall()]
        cr.commit()
        return ids

    def delete(self, ids):
        cr = self.env.cr
        cr.execute("DELETE FROM mail_message WHERE model = 'account.move' AND res_id = ANY(%s)", [ids])
        cr.execute("DELETE FROM mail_followers WHERE res_model = 'account.move' AND res_id = ANY(%s)", [ids])
        cr.execute("DELETE FROM mail_activity WHERE res_model = 'account.move' AND res_id = ANY(%s)", [ids])
        cr.execute("DELETE FROM account_move WHERE id = ANY(%s)", [ids])
        cr.commit()
        self.env.invalidate_all()


def per_irn(label, count, wall, cpu, queries, process=0.0, served=0.0):
    print(f"  {label}: {count} IRNs in {wall:.2f} s = {count / wall:.1f} IRN/s ({wall / count * 1000:.1f} ms wall, "
          f"{cpu / count * 1000:.1f} ms ORM-thread CPU, {queries / count:.1f} SQL queries per IRN)")
    if process or served:
        print(f"      CPU per IRN: Odoo process {process / count * 1000:.1f} ms (ORM thread and HTTP threads), "
              f"sandbox process {served / count * 1000:.1f} ms")


bench = CronBench(root_env)

# (a) one worker's throughput at zero latency
print("Odoo: scheduled action, one worker, IRP sandbox as its own process at zero latency (commit per invoice); "
      f"{os.cpu_count()} cores shared by Odoo, the sandbox and PostgreSQL, load average before: "
      f"{os.getloadavg()[0]:.2f}")
sandbox = SandboxProcess(latency_ms=0)
try:
    for parallel in (4, 16):
        bench.use(sandbox, parallel_calls=parallel)
        bench.run_cron(bench.post(5))  # warm-up: authentication, GSTIN status, caches
        moves = bench.post(300)
        per_irn(f"{parallel:>2} parallel calls", len(moves), *bench.run_cron(moves, sandbox))
finally:
    sandbox.stop()

# (b) 100 invoices at 250 ms: one call at a time against 4 and 16, measured in this run
print("Odoo: scheduled action, 100 invoices, IRP sandbox as its own process with 250 ms latency")
sandbox = SandboxProcess(latency_ms=250)
try:
    walls = {}
    for parallel in (1, 4, 16):
        bench.use(sandbox, parallel_calls=parallel)
        bench.run_cron(bench.post(2))  # warm-up
        moves = bench.post(100)
        walls[parallel], *rest = bench.run_cron(moves, sandbox)
        per_irn(f"{parallel:>2} parallel call(s)", len(moves), walls[parallel], *rest)
    print("  " + ", ".join(f"{p} parallel calls: {walls[1] / walls[p]:.1f}x faster than one at a time"
                           for p in (4, 16)))
finally:
    sandbox.stop()

# (c) memory (RSS) with 10,000 invoices pending: the action loads ids only, a batch of 50 at
# a time, and drops the ORM cache after each batch
PENDING, RUNS = 10000, 2
sandbox = SandboxProcess(latency_ms=0)
copies = []
try:
    bench.use(sandbox, parallel_calls=4)
    template = bench.post(1)
    with write_guard.trusted():
        template.write({"l10n_in_einv_hold": True})
    bench.env.cr.commit()
    started = time.perf_counter()
    copies = bench.copy_pending(template, PENDING)
    print(f"Odoo: scheduled action with {PENDING:,} invoices pending (made by SQL in "
          f"{time.perf_counter() - started:.1f} s), RSS of this process, {RUNS} runs of 500 (batches of 50)")
    bench.env.invalidate_all()
    Move = type(bench.env["account.move"])
    send = Move._l10n_in_einv_send
    after_batch = []

    def measured_send(moves, *args, **kwargs):
        try:
            return send(moves, *args, **kwargs)
        finally:
            after_batch.append(rss_mib())

    Move._l10n_in_einv_send = measured_send
    try:
        before = rss_mib()
        for run in range(RUNS):
            started = time.perf_counter()
            report = bench.env["account.move"]._cron_l10n_in_einv_send()
            wall = time.perf_counter() - started
            print(f"  run {run + 1}: {len(report)} sent in {wall:.1f} s, RSS {rss_mib():.0f} MiB")
    finally:
        Move._l10n_in_einv_send = send
    steps = [b - a for a, b in zip([before] + after_batch, after_batch)]
    print(f"  RSS before {before:.0f} MiB, after {after_batch[-1]:.0f} MiB: {after_batch[-1] - before:+.1f} MiB over "
          f"{len(after_batch)} batches (per batch: mean {statistics.mean(steps):+.2f}, max {max(steps):+.2f}, "
          f"last ten {statistics.mean(steps[-10:]):+.2f} MiB)")
finally:
    sandbox.stop()
    if copies:
        bench.delete(copies)
