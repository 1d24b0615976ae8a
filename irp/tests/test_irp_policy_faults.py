"""Fault matrix of the registration policy against the sandbox, over real HTTP.

Every fault the sandbox can inject, on every endpoint the registration conversation
uses, short (times=1..3) and long-lasting (until cleared): a small batch of documents
is driven round after round the way a scheduler would (the knowledge each outcome
implies, the backoff and the GSTIN's pause honoured on a test clock) until each one
is Registered/Adopted. Then: exactly one IRN per document at the IRP, the same one
a look-up returns, no fault ever ended as a refusal, and no resend storm.

Also: faults on every path at once, concurrent senders of one document, a token
expiring mid-batch (one client, and threads sharing one), an untrusted signing
certificate, a long Retry-After shared by a GSTIN's documents, and the one way a fault
can end as a refusal (look-ups failing past NIC's 2-day window).

Timing: the client's read timeout is READ_TIMEOUT, far below a hang or a slow reply
(HANG_SECONDS, SLOW_MS), so the whole file runs in about half a minute; backoffs and
pauses are honoured on a test clock (kit.ManualClock), never waited for.
"""
import shutil
import sqlite3
import threading
from contextlib import closing
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from irp import errors, policy
from irp.policy import (
    MAYBE_SENT, NEVER_SENT, OUTCOMES, Adopted, GstinGate, Refused, Registered, RetryAt, Unknown, register,
)
from sandbox import master
from sandbox.testing import RunningSandbox

READ_TIMEOUT = 0.2  # seconds: what a hung or slow reply costs the client (a normal call takes ~10 ms)
HANG_SECONDS = 2  # the sandbox holds a hung reply this long (well past READ_TIMEOUT)
SLOW_MS = 800  # a reply slower than READ_TIMEOUT, committed after the client's immediate look-up
LONG_ACTIVE_ROUNDS = 2  # a long-lasting fault stays for this many rounds that reached the IRP
MAX_ROUNDS = 40

SELLER = master.SELLER_KA


# --- the faults ---------------------------------------------------------------------------------------

CHEAP_FAULTS = {
    "http_500": {"kind": "http_error", "status": 500},
    "http_500_commit": {"kind": "http_error", "status": 500, "commit": True},
    "http_502": {"kind": "http_error", "status": 502},
    "http_502_commit": {"kind": "http_error", "status": 502, "commit": True},
    "http_503": {"kind": "http_error", "status": 503},
    "http_503_commit": {"kind": "http_error", "status": 503, "commit": True},
    "http_504": {"kind": "http_error", "status": 504},
    "http_504_commit": {"kind": "http_error", "status": 504, "commit": True},
    "rate_limit": {"kind": "rate_limit", "retry_after": 1},
    "drop_after_commit": {"kind": "drop_after_commit"},
    "corrupt_data": {"kind": "corrupt_data"},
}
# these cost READ_TIMEOUT of wall time per hit
SLOW_FAULTS = {
    "hang": {"kind": "hang", "seconds": HANG_SECONDS},
    "hang_commit": {"kind": "hang", "seconds": HANG_SECONDS, "commit": True},
    "latency_past_timeout": {"kind": "latency", "ms": SLOW_MS},
}
# a slow IRP that still answers in time: never a failure, however long it lasts
SLOW_BUT_IN_TIME = {"latency_within_timeout": {"kind": "latency", "ms": 40}}
FAULTS = {**CHEAP_FAULTS, **SLOW_FAULTS, **SLOW_BUT_IN_TIME}
MATRIX_ENDPOINTS = ("auth", "generate_irn", "get_irn_by_doc", "get_irn", "sync_gstin")


def test_the_matrix_covers_every_fault_kind_the_sandbox_knows():
    from sandbox import faults

    assert {fault["kind"] for fault in FAULTS.values()} == set(faults.KINDS)
    assert {fault["status"] for fault in FAULTS.values() if fault["kind"] == "http_error"} == set(
        faults.HTTP_ERROR_STATUSES)
    assert set(MATRIX_ENDPOINTS) <= set(faults.ENDPOINTS)
    cells = [param.values for param in _matrix()]
    for endpoint in MATRIX_ENDPOINTS:
        for kind in faults.KINDS:
            durations = {times for where, name, times in cells if where == endpoint and FAULTS[name]["kind"] == kind}
            assert durations & {1, 2, 3} and None in durations, (endpoint, kind, durations)


# The cells. Every kind on every endpoint, short-lived (times in 1..3) and long-lasting
# (times=None for LONG_ACTIVE_ROUNDS rounds, then cleared); more durations where the
# variant changes what the conversation does:
# - generate_irn: a send whose outcome may be unknown; each variant x1, x2, x3 and long
#   (500/504 are read by the client exactly as 502: x1 and long);
# - get_irn_by_doc: the look-up that decides whether to send; x1, x3, long ("commit" on a
#   read changes nothing: x1);
# - auth, get_irn, sync_gstin: any fault is a transient failure (plus a pause for 429, a
#   synced master for a committed sync); every variant x1, a representative set x3 (the
#   circuit breaker's threshold) and long, each kind long at least once;
# - hang / slow latency cost READ_TIMEOUT per hit: x1 and long; a hang after processing
#   differs from a plain hang only where processing changes something (an IRN, the IRP's
#   GSTIN master), and so does a reply processed after the client gave up: on the read-only
#   endpoints a long-lasting latency is one the client waits out (never a failure) while
#   a long hang stands for the timeouts.
KEY_KINDS = ("http_502", "http_502_commit", "http_503", "http_503_commit", "rate_limit", "drop_after_commit",
             "corrupt_data")
REPRESENTATIVE = ("http_502", "rate_limit", "drop_after_commit")
SLOW = {
    "generate_irn": {"hang": (1, None), "hang_commit": (1, None), "latency_past_timeout": (1, None)},
    "get_irn_by_doc": {"hang": (1, None), "latency_past_timeout": (1,)},
    "auth": {"hang": (1, None), "latency_past_timeout": (1,)},
    "get_irn": {"hang": (1, None), "latency_past_timeout": (1,)},
    "sync_gstin": {"hang": (1, None), "hang_commit": (1,), "latency_past_timeout": (1, None)},
}


def _cheap_elsewhere(name):
    if name in REPRESENTATIVE:
        return (1, 3, None)
    return (1, None) if name == "corrupt_data" else (1,)


CHEAP = {
    "generate_irn": lambda name: (1, 2, 3, None) if name in KEY_KINDS else (1, None),
    "get_irn_by_doc": lambda name: (1, 3, None) if name in KEY_KINDS and not FAULTS[name].get("commit") else (1,),
    "auth": _cheap_elsewhere,
    "get_irn": _cheap_elsewhere,
    "sync_gstin": _cheap_elsewhere,
}


def _durations(name, endpoint):
    if name in SLOW_BUT_IN_TIME:
        return (None,)
    if name in SLOW_FAULTS:
        return SLOW[endpoint].get(name, ())
    return CHEAP[endpoint](name)


def _matrix():
    for endpoint in MATRIX_ENDPOINTS:
        for name in FAULTS:
            for times in _durations(name, endpoint):
                label = "long" if times is None else f"x{times}"
                yield pytest.param(endpoint, name, times, id=f"{endpoint}-{name}-{label}")


# --- the sandbox and its IRNs -----------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _clean(clock_guard):
    clock_guard.clear_faults()
    yield


@pytest.fixture(scope="module")
def sandbox_template(tmp_path_factory):
    """A sandbox database with its keys and seeded GSTIN master, never used: copied by `fresh_sandbox`."""
    path = tmp_path_factory.mktemp("irp-template") / "sandbox.sqlite3"
    RunningSandbox(db_path=str(path)).start().stop()
    return path


@pytest.fixture
def fresh_sandbox(sandbox_template, tmp_path):
    """A sandbox of its own (its IRP master not yet synced) for one test."""
    path = tmp_path / "sandbox.sqlite3"
    shutil.copyfile(sandbox_template, path)
    with RunningSandbox(db_path=str(path)) as running:
        yield running


def irns_at_sandbox(sandbox, payload):
    """The IRNs the sandbox holds for this document number (its SQLite file, read-only)."""
    doc = payload["DocDtls"]
    uri = f"file:{sandbox.db_path}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as db:
        rows = db.execute("SELECT irn FROM invoices WHERE seller_gstin = ? AND doc_type = ? AND upper(doc_no) = ?",
                          (payload["SellerDtls"]["Gstin"], doc["Typ"], doc["No"].upper())).fetchall()
    return [row[0] for row in rows]


def _doc_args(payload):
    doc = payload["DocDtls"]
    return doc["Typ"], doc["No"], doc["Dt"]


def _generates_of(records, payload):
    number = payload["DocDtls"]["No"]
    return [r for r in records if r.endpoint == "generate_irn" and f'"{number}"' in r.request_text]


def _other_rsa_public_pem():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


# --- the batch driver ---------------------------------------------------------------------------------------

@dataclass
class Doc:
    payload: dict
    knowledge: str = NEVER_SENT
    held_irn: str = None  # registered before the batch (a previous run whose result was lost)
    attempts: int = 0
    at: object = None
    outcome: object = None
    history: list = field(default_factory=list)

    @property
    def number(self):
        return self.payload["DocDtls"]["No"]

    @property
    def done(self):
        return isinstance(self.outcome, (Registered, Adopted, Refused))


class Batch:
    """Drives documents through `register` as a scheduler would, on a test clock:
    Unknown -> MAYBE_SENT, RetryAt -> same knowledge, each round's GstinGate starting
    from the pause the previous round left (if it still holds), the clock moved to
    the earliest `at` between rounds. Checks every single conversation on the way."""

    def __init__(self, sandbox, client, docs, clock):
        self.sandbox, self.client, self.docs, self.clock = sandbox, client, docs, clock
        self.active_rounds = 0
        self.rounds = 0
        self.deferred = 0
        self.retry_with_irn = []  # RetryAt ("nothing was registered") while the IRP held an IRN for it
        for doc in docs:
            doc.at = clock()

    def run(self, clear_after_active_rounds=None, max_rounds=MAX_ROUNDS):
        pause = None
        cleared = clear_after_active_rounds is None
        for _ in range(max_rounds):
            pending = [doc for doc in self.docs if not doc.done]
            if not pending:
                return self
            if not cleared and self.active_rounds >= clear_after_active_rounds:
                self.on_clear()
                cleared = True
            self.rounds += 1
            gate = GstinGate(pause, clock=self.clock)
            active = False
            for doc in pending:
                if doc.at > self.clock():
                    continue
                active |= self.step(doc, gate)
            self.active_rounds += active
            pause = gate.pause
            pending = [doc for doc in self.docs if not doc.done]
            if pending:
                self.clock.now = max(self.clock.now, min(doc.at for doc in pending))
        raise AssertionError(f"not settled after {max_rounds} rounds: "
                             f"{[(d.number, d.outcome) for d in self.docs if not d.done]}")

    def on_clear(self):
        self.sandbox.clear_faults()

    def step(self, doc, gate):
        """One conversation; True when it reached the IRP."""
        before = len(self.client.records)
        knowledge, now = doc.knowledge, self.clock()
        outcome = register(self.client, doc.payload, knowledge, attempts=doc.attempts, gate=gate, clock=self.clock)
        calls = self.client.records[before:]
        doc.history.append((knowledge, outcome, calls))
        self.check_conversation(doc, knowledge, now, outcome, calls)
        doc.outcome = outcome
        if isinstance(outcome, Unknown):
            doc.knowledge = MAYBE_SENT
        if isinstance(outcome, (RetryAt, Unknown)):
            doc.at = outcome.at
            if isinstance(outcome, RetryAt) and outcome.deferred:
                self.deferred += 1
            else:
                doc.attempts += 1
        if isinstance(outcome, RetryAt) and not outcome.deferred and not doc.held_irn:
            held = irns_at_sandbox(self.sandbox, doc.payload)
            if held:
                self.retry_with_irn.append((doc.number, outcome, held))
        return bool(calls)

    @staticmethod
    def check_conversation(doc, knowledge, now, outcome, calls):
        label = f"{doc.number} ({knowledge}) -> {outcome!r}"
        assert isinstance(outcome, OUTCOMES), label
        # no fault is ever a refusal: every document of the batch is valid
        assert not isinstance(outcome, Refused), label
        if isinstance(outcome, (RetryAt, Unknown)):
            assert outcome.at > now, label  # always a time in the future: the loop moves on
        if isinstance(outcome, RetryAt) and outcome.deferred:
            assert not calls, label  # a paused GSTIN makes no call
        if isinstance(outcome, Unknown):
            # a document that may hold an IRN is looked up again soon, unless a pause holds everything back
            limit = max(now + policy.UNKNOWN_BACKOFF_CAP, outcome.pause.until if outcome.pause else now)
            assert outcome.at <= limit, label
        endpoints = [r.endpoint for r in calls if r.endpoint != "authenticate"]
        generates = [i for i, name in enumerate(endpoints) if name == "generate_irn"]
        business = [r for r in calls if r.endpoint != "authenticate"]
        # at most one send per conversation, plus the one resend after a successful GSTIN sync
        synced = sum(1 for r in business if r.endpoint == "sync_gstin" and r.ok)
        sent_for_real = [business[i] for i in generates if "1005" not in business[i].error_codes]
        assert len(sent_for_real) <= 1 + synced, (label, endpoints)
        if knowledge == MAYBE_SENT and endpoints:
            # look up first; send only after the IRP said it holds nothing (2148)
            assert endpoints[0] == "get_irn_by_doc", (label, endpoints)
            if generates:
                assert any("2148" in r.error_codes for r in business[:generates[0]]), (label, endpoints)
        for index in generates:
            if business[index].error_kind == errors.UNKNOWN_OUTCOME:
                # a lost reply is looked up right away, never resent blindly
                assert endpoints[index + 1:index + 2] == ["get_irn_by_doc"], (label, endpoints)
        if isinstance(outcome, Registered) and not outcome.recovered:
            assert business and business[-1].endpoint == "generate_irn" and business[-1].ok, (label, endpoints)


def assert_settled(sandbox, client, docs, irns_before, *, generate_budget, checker=None):
    """The end state every fault must lead to. `checker`: the client that looks the IRNs up
    (default `client`; one with an ordinary read timeout when `client` has a very short one)."""
    checker = checker or client
    for doc in docs:
        assert isinstance(doc.outcome, (Registered, Adopted)), (doc.number, doc.outcome)
        irn = doc.outcome.result.irn
        assert irns_at_sandbox(sandbox, doc.payload) == [irn], doc.number  # exactly one, this one
        assert checker.get_irn_by_doc(*_doc_args(doc.payload)).irn == irn
        if doc.held_irn:
            assert irn == doc.held_irn
        sent = _generates_of(client.records, doc.payload)
        assert len(sent) <= generate_budget + 2, (doc.number, len(sent))  # no resend storm
    new = sum(1 for doc in docs if not doc.held_irn)
    assert sandbox.count_irns(SELLER["gstin"]) == irns_before + new  # no IRN for anything else


# --- the scenarios: documents that make the conversation use each endpoint ----------------------------------

class World:
    """One sandbox, clients and invoices bound to it."""

    def __init__(self, sandbox, make_client, kit, own_sandbox=False):
        self.sandbox, self.kit = sandbox, kit
        self._make_client = make_client
        self._own = own_sandbox

    def client(self, **changes):
        if self._own:
            changes = dict(base_url=self.sandbox.url, encryption_public_key=self.sandbox.encryption_public_pem,
                           signing_certificates=[self.sandbox.signing_certificate_pem], **changes)
        return self._make_client(**changes)

    def invoice(self, buyer=master.BUYER_KA):
        return self.kit.build_invoice(SELLER, buyer, self.kit.new_doc_no("F"), self.sandbox.now().date())

    def held(self, knowledge):
        """A document a previous run registered, its result lost."""
        payload = self.invoice()
        if not hasattr(self, "_previous_run"):
            self._previous_run = self.client()
        outcome = register(self._previous_run, payload)
        assert isinstance(outcome, Registered)
        return Doc(payload, knowledge, held_irn=outcome.result.irn)


def scenario(endpoint, world):
    """(client, documents, companion faults) for a fault on `endpoint`."""
    client = world.client(read_timeout=READ_TIMEOUT)
    if endpoint == "auth":  # a new client: its first calls authenticate
        docs = [Doc(world.invoice()) for _ in range(2)] + [world.held(MAYBE_SENT)]
        return client, docs, []
    client.authenticate()
    if endpoint == "generate_irn":
        return client, [Doc(world.invoice()) for _ in range(3)], []
    if endpoint == "get_irn_by_doc":
        # a lost reply (held), one never registered, and one whose reply gets lost now
        docs = [world.held(MAYBE_SENT), Doc(world.invoice(), MAYBE_SENT), Doc(world.invoice())]
        return client, docs, [{"kind": "drop_after_commit", "endpoint": "generate_irn", "times": 1}]
    if endpoint == "get_irn":
        # registered by a run whose record was lost: the IRP says 2150 and the IRN is fetched
        return client, [world.held(NEVER_SENT) for _ in range(3)], []
    if endpoint == "sync_gstin":
        # a buyer the IRP's master lacks (3028): synced from the portal, then resent once
        return client, [Doc(world.invoice(master.BUYER_NOT_IN_MASTER)) for _ in range(3)], []
    raise AssertionError(endpoint)


@pytest.mark.parametrize("endpoint, fault_name, times", list(_matrix()))
def test_fault_matrix_ends_with_one_irn_per_document(request, sandbox, make_client, kit, endpoint, fault_name,
                                                     times):
    if endpoint == "sync_gstin":
        world = World(request.getfixturevalue("fresh_sandbox"), make_client, kit, own_sandbox=True)
    else:
        world = World(sandbox, make_client, kit)
    sb = world.sandbox
    client, docs, companions = scenario(endpoint, world)
    irns_before = sb.count_irns(SELLER["gstin"])
    fault = dict(FAULTS[fault_name], endpoint=endpoint, times=times)
    requests_before = sb.request_counts().get(endpoint, 0)
    sb.set_faults([fault] + companions)

    batch = Batch(sb, client, docs, kit.ManualClock())
    hits_while_active = []

    def on_clear():
        hits_while_active.append(sb.request_counts().get(endpoint, 0) - requests_before)
        sb.clear_faults()

    batch.on_clear = on_clear
    batch.run(clear_after_active_rounds=LONG_ACTIVE_ROUNDS if times is None else None)

    if times is None:
        if not hits_while_active:  # settled while the fault still held (it no longer mattered)
            hits_while_active.append(sb.request_counts().get(endpoint, 0) - requests_before)
        assert hits_while_active[0] >= 1  # the fault was met
    else:
        left = [f["times"] for f in sb.app.faults.active() if f["endpoint"] == endpoint]
        if endpoint != "sync_gstin":
            assert not left, left  # every planned hit happened
        else:  # a sync that went through leaves nothing to sync: only the first hit is certain
            assert not left or left[0] < times
    sb.clear_faults()
    # RetryAt means "nothing was registered": true whenever it is said
    assert not batch.retry_with_irn, batch.retry_with_irn
    assert_settled(sb, client, docs, irns_before, checker=world.client(),
                   generate_budget=LONG_ACTIVE_ROUNDS if times is None else times)
    if fault_name in SLOW_BUT_IN_TIME:  # waited out: every document through in its first conversation
        assert all(len(doc.history) == 1 for doc in docs), [doc.history for doc in docs]
    if endpoint == "get_irn":
        # the 2150 path: the IRN it names is adopted, or looked up again when it could not be fetched
        for doc in (doc for doc in docs if doc.held_irn):
            tried = [outcome for _k, outcome, _c in doc.history if not getattr(outcome, "deferred", False)]
            assert isinstance(tried[0], (Adopted, Unknown)), tried


def test_a_503_after_the_irp_registered_the_invoice_is_not_reported_as_nothing_registered(
        sandbox, make_client, invoice_for):
    client = make_client()
    client.authenticate()
    payload = invoice_for()
    sandbox.set_faults([{"kind": "http_error", "status": 503, "commit": True, "endpoint": "generate_irn",
                         "times": 1}])
    outcome = register(client, payload)
    held = irns_at_sandbox(sandbox, payload)
    assert len(held) == 1  # the IRP did register it
    # RetryAt would say nothing was registered (the invoice may then be edited and refused as 2150):
    # the IRN must be found by the look-up right away, or the outcome must say it may exist
    assert isinstance(outcome, (Unknown, Registered)), outcome
    if isinstance(outcome, Registered):
        assert outcome.recovered and outcome.result.irn == held[0]


def test_faults_on_every_path_at_once_for_rounds_then_recovering(fresh_sandbox, make_client, kit):
    """Send, look-up, 2150 fetch and GSTIN sync all failing at the same time, for rounds:
    documents on each path (a lost reply, an unsynced buyer, a 2150, an unknown outcome, a
    plain send) wait for each other's pauses and all end with their one IRN."""
    world = World(fresh_sandbox, make_client, kit, own_sandbox=True)
    client = world.client(read_timeout=READ_TIMEOUT)
    client.authenticate()
    docs = [Doc(world.invoice()), Doc(world.invoice(master.BUYER_NOT_IN_MASTER)), world.held(NEVER_SENT),
            world.held(MAYBE_SENT), Doc(world.invoice())]
    irns_before = fresh_sandbox.count_irns(SELLER["gstin"])
    faults = [
        {"kind": "drop_after_commit", "endpoint": "generate_irn", "times": 1},
        {"kind": "http_error", "status": 502, "endpoint": "get_irn_by_doc", "times": None},
        {"kind": "http_error", "status": 504, "endpoint": "get_irn", "times": None},
        {"kind": "rate_limit", "retry_after": 30, "endpoint": "sync_gstin", "times": None},
    ]
    counts_before = fresh_sandbox.request_counts()
    fresh_sandbox.set_faults(faults)
    batch = Batch(fresh_sandbox, client, docs, kit.ManualClock())
    met = {}

    def on_clear():
        counts = fresh_sandbox.request_counts()
        met.update({f["endpoint"]: counts.get(f["endpoint"], 0) - counts_before.get(f["endpoint"], 0) for f in faults})
        fresh_sandbox.clear_faults()

    batch.on_clear = on_clear
    batch.run(clear_after_active_rounds=3)
    assert met and all(met.values()), met  # every fault was met while they all held
    assert batch.deferred and not batch.retry_with_irn
    assert_settled(fresh_sandbox, client, docs, irns_before, generate_budget=3, checker=world.client())
    assert any(r.endpoint == "sync_gstin" and r.ok for r in client.records)  # the buyer was synced in the end


def test_a_lost_reply_unresolved_past_nics_two_day_window_is_refused_as_unverifiable_never_doubled(
        fresh_sandbox, make_client, kit):
    """The one way a fault can end as a refusal: look-ups failing for longer than NIC serves
    an IRN (2 days, 2283). Then nothing can check the IRN against the invoice: a person is
    told which IRN the IRP holds (warned after UNKNOWN_ALERT_AFTER already), never a second IRN."""
    world = World(fresh_sandbox, make_client, kit, own_sandbox=True)
    client = world.client()
    payload = world.invoice()
    fresh_sandbox.set_faults([{"kind": "drop_after_commit", "endpoint": "generate_irn", "times": 1},
                              {"kind": "http_error", "status": 502, "endpoint": "get_irn_by_doc", "times": None}])
    first = register(client, payload)
    assert isinstance(first, Unknown) and first.reason == "lookup_failed"
    held = irns_at_sandbox(fresh_sandbox, payload)
    assert len(held) == 1
    sent_at = first.at - policy.backoff(1, maybe_sent=True)
    # a person is warned long before the window closes
    assert policy.needs_person(sent_at, sent_at + policy.UNKNOWN_ALERT_AFTER)
    assert policy.UNKNOWN_ALERT_AFTER < policy.unknown_deadlines(sent_at).lookup_closes - sent_at
    fresh_sandbox.advance_clock(days=2, hours=1)
    fresh_sandbox.clear_faults()
    outcome = register(client, payload, MAYBE_SENT, attempts=40)
    assert isinstance(outcome, Refused) and outcome.reason == policy.DUPLICATE_UNVERIFIABLE, outcome
    assert outcome.params["irn"] == held[0] and "2283" in outcome.codes
    assert irns_at_sandbox(fresh_sandbox, payload) == held


# --- concurrent senders -------------------------------------------------------------------------------------

@pytest.mark.parametrize("threads, knowledge, lost_reply", [
    (2, NEVER_SENT, False), (3, NEVER_SENT, False), (2, MAYBE_SENT, False), (3, MAYBE_SENT, False),
    (3, NEVER_SENT, True), (2, MAYBE_SENT, True),
], ids=lambda value: {True: "one_reply_lost", False: "replies"}.get(value, str(value)))
def test_concurrent_senders_of_one_document_share_one_irn(sandbox, make_client, invoice_for, threads, knowledge,
                                                          lost_reply):
    clients = [make_client(read_timeout=5) for _ in range(threads)]
    for client in clients:
        client.authenticate()
    payload = invoice_for()
    faults = [{"kind": "latency", "ms": 300, "endpoint": "generate_irn", "times": None}]
    if lost_reply:
        faults.append({"kind": "drop_after_commit", "endpoint": "generate_irn", "times": 1})
    sandbox.set_faults(faults)
    barrier = threading.Barrier(threads)
    outcomes = [None] * threads

    def send(index):
        barrier.wait(timeout=10)
        outcomes[index] = register(clients[index], payload, knowledge)

    workers = [threading.Thread(target=send, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    sandbox.clear_faults()

    assert all(isinstance(o, (Registered, Adopted)) for o in outcomes), outcomes
    irns = {o.result.irn for o in outcomes}
    assert len(irns) == 1 and irns_at_sandbox(sandbox, payload) == list(irns)
    # nobody sent twice; the senders that raced were told 2150 and adopted the winner's IRN
    sent = [len(_generates_of(c.records, payload)) for c in clients]
    assert all(count <= 1 for count in sent), sent
    if knowledge == NEVER_SENT:
        assert sent == [1] * threads
    assert sum(isinstance(o, Registered) and not o.recovered for o in outcomes) <= 1
    assert sum(isinstance(o, Adopted) for o in outcomes) >= sum(sent) - 1 - lost_reply
    assert sum(sent) >= 2 or knowledge == MAYBE_SENT  # (a look-up that came late finds it instead)


# --- token expiry -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("client_clock", ["real", "sandbox"],
                         ids=["irp_says_1005", "client_sees_expiry"])
def test_token_expiring_mid_batch_still_gives_one_irn_each(fresh_sandbox, make_client, kit, client_clock):
    # a sandbox of its own: no token issued "in the future" by another test's moved clock
    sandbox = fresh_sandbox
    world = World(sandbox, make_client, kit, own_sandbox=True)
    client = world.client(clock=sandbox.now if client_clock == "sandbox" else None)
    docs = [Doc(world.invoice()) for _ in range(3)] + [world.held(MAYBE_SENT)]
    irns_before = sandbox.count_irns(SELLER["gstin"])
    token_minutes = sandbox.info["token_minutes"]
    pclock = kit.ManualClock()
    gate = GstinGate(clock=pclock)
    tokens = []
    for index, doc in enumerate(docs):
        if index:
            sandbox.advance_clock(minutes=token_minutes + 1)  # the token died between two documents
        doc.outcome = register(client, doc.payload, doc.knowledge, gate=gate, clock=pclock)
        assert isinstance(doc.outcome, Registered), doc.outcome
        assert doc.outcome.recovered == bool(doc.held_irn)
        tokens.append(client.session_state.auth_token)
    assert len(set(tokens)) == len(docs)  # a new token after each expiry, used at once
    endpoints = [r.endpoint for r in client.records]
    assert endpoints.count("authenticate") == len(docs)  # one per token, no storm
    rejected = [r for r in client.records if "1005" in r.error_codes]
    if client_clock == "sandbox":
        assert not rejected  # refreshed before the call
    else:
        assert len(rejected) == len(docs) - 1  # each expiry costs one rejected call, retried once
    assert_settled(sandbox, client, docs, irns_before, generate_budget=0)


def test_token_expiring_under_threads_sharing_one_client_is_renewed_once(fresh_sandbox, make_client, kit):
    """Bulk sends share one client: every thread meets 1005 at once, one re-authentication serves all."""
    world = World(fresh_sandbox, make_client, kit, own_sandbox=True)
    client = world.client(read_timeout=5)
    client.authenticate()
    payloads = [world.invoice() for _ in range(3)]
    old_token = client.session_state.auth_token
    fresh_sandbox.advance_clock(minutes=fresh_sandbox.info["token_minutes"] + 1)
    fresh_sandbox.set_faults([{"kind": "latency", "ms": 100, "times": None}])  # keep the calls overlapping
    barrier = threading.Barrier(len(payloads))
    outcomes = {}

    def send(payload):
        barrier.wait(timeout=10)
        outcomes[payload["DocDtls"]["No"]] = register(client, payload)

    workers = [threading.Thread(target=send, args=(payload,)) for payload in payloads]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    fresh_sandbox.clear_faults()
    assert all(isinstance(outcome, Registered) for outcome in outcomes.values()), outcomes
    assert len(outcomes) == len(payloads)
    assert client.session_state.auth_token != old_token
    assert [r.endpoint for r in client.records].count("authenticate") == 2  # the first, and one renewal
    for payload in payloads:
        assert irns_at_sandbox(fresh_sandbox, payload) == [outcomes[payload["DocDtls"]["No"]].result.irn]


# --- an untrusted signing certificate -----------------------------------------------------------------------

@pytest.mark.parametrize("path", ["generate", "duplicate", "lookup"])
def test_wrong_signing_certificate_is_unknown_then_the_right_one_recovers_without_resending(
        sandbox, make_client, kit, path):
    world = World(sandbox, make_client, kit)
    if path == "generate":
        doc = Doc(world.invoice())
    else:
        doc = world.held(NEVER_SENT if path == "duplicate" else MAYBE_SENT)
    generates_before = sandbox.request_counts().get("generate_irn", 0)
    wrong = make_client(signing_certificates=[_other_rsa_public_pem()])
    pclock = kit.ManualClock()

    first = register(wrong, doc.payload, doc.knowledge, clock=pclock)
    assert isinstance(first, Unknown) and first.reason == "untrusted_signature", first
    assert not hasattr(first, "result")  # nothing trusted, nothing to store
    held = irns_at_sandbox(sandbox, doc.payload)
    assert len(held) == 1 and first.irn == held[0]  # the IRN the IRP reported, only to tell a person
    if doc.held_irn:
        assert first.irn == doc.held_irn
    # still the wrong certificate: looked up again, never Registered, never resent
    before = len(wrong.records)
    again = register(wrong, doc.payload, MAYBE_SENT, attempts=1, clock=pclock)
    assert isinstance(again, Unknown) and again.reason == "untrusted_signature"
    assert [r.endpoint for r in wrong.records[before:]] == ["get_irn_by_doc"]

    right = make_client()
    fixed = register(right, doc.payload, MAYBE_SENT, attempts=2, clock=pclock)
    assert isinstance(fixed, Registered) and fixed.recovered and fixed.result.irn == first.irn
    assert "generate_irn" not in [r.endpoint for r in right.records]
    sent = sandbox.request_counts().get("generate_irn", 0) - generates_before
    assert sent == (0 if path == "lookup" else 1)  # the only send was the first one
    assert irns_at_sandbox(sandbox, doc.payload) == [first.irn]


# --- a long Retry-After -------------------------------------------------------------------------------------

@pytest.mark.parametrize("retry_after, expected", [(7200, timedelta(hours=2)),
                                                   (36000, policy.MAX_RETRY_AFTER)], ids=["2h", "10h_capped"])
@pytest.mark.parametrize("endpoint", ["generate_irn", "auth", "get_irn_by_doc"])
def test_long_retry_after_pauses_the_gstin_and_everything_resumes_at_that_time(
        sandbox, make_client, kit, retry_after, expected, endpoint):
    world = World(sandbox, make_client, kit)
    client = world.client()
    if endpoint != "auth":
        client.authenticate()
    first_doc = world.held(MAYBE_SENT) if endpoint == "get_irn_by_doc" else Doc(world.invoice())
    docs = [first_doc] + [Doc(world.invoice()) for _ in range(2)] + [world.held(MAYBE_SENT)]
    irns_before = sandbox.count_irns(SELLER["gstin"])
    sandbox.set_faults([{"kind": "rate_limit", "retry_after": retry_after, "endpoint": endpoint, "times": 1}])
    pclock = kit.ManualClock()
    start = pclock()
    gate = GstinGate(clock=pclock)

    first = register(client, first_doc.payload, first_doc.knowledge, gate=gate, clock=pclock)
    if endpoint == "get_irn_by_doc":  # a look-up: the IRP may hold it, but the pause holds too
        assert isinstance(first, Unknown) and first.pause.reason == policy.RATE_LIMITED
    else:
        assert isinstance(first, RetryAt) and first.reason == policy.RATE_LIMITED and not first.deferred
        assert irns_at_sandbox(sandbox, first_doc.payload) == []  # a 429 processes nothing
    assert first.at == start + expected == first.pause.until  # Retry-After honoured, to the second
    assert gate.pause == first.pause

    calls = len(client.records)
    for doc in docs[1:]:
        deferred = register(client, doc.payload, doc.knowledge, gate=gate, clock=pclock)
        assert isinstance(deferred, RetryAt) and deferred.deferred and deferred.at == first.at
    assert len(client.records) == calls  # nobody called while the GSTIN is paused

    # the pause is persisted: another run a second before it ends still defers, at the same time
    pclock.now = first.at - timedelta(seconds=1)
    later = GstinGate(gate.pause, clock=pclock)
    assert register(client, docs[1].payload, gate=later, clock=pclock).at == first.at
    assert len(client.records) == calls

    pclock.now = first.at
    resumed = GstinGate(gate.pause, clock=pclock)
    assert not resumed.is_open()
    for doc in docs:
        knowledge = MAYBE_SENT if isinstance(first, Unknown) and doc is first_doc else doc.knowledge
        doc.outcome = register(client, doc.payload, knowledge, attempts=1, gate=resumed, clock=pclock)
    assert_settled(sandbox, client, docs, irns_before, generate_budget=0)
    assert [r.http_status for r in client.records].count(429) == 1
