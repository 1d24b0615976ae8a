"""Registration policy: one document's conversation with the IRP, and what to do next.

Given a client, a payload and what is known of the document, `register` runs the
whole conversation (nic-irp-api.md §5.4, §8, §10) and returns a typed outcome:

- Registered: the IRP issued the IRN now (or a look-up found the one a lost reply
  carried; `recovered` says so);
- Adopted: the IRP already held an IRN for this number (2150) and its signed data
  describes this document (buyer GSTIN and total within NIC's ±₹1);
- Refused: a definite no, with the IRP's codes as structured problems; never resent
  unchanged;
- RetryAt: this conversation registered nothing; try again at `at` (backoff, Retry-After, a
  pause; a document deferred while it may hold an IRN keeps its knowledge);
- Unknown: the IRP may hold an IRN we could not read yet; look it up (never resend
  blindly) at `at`. Unknown is never given up.

`GstinGate` is the circuit breaker and pause of one GSTIN: 429's Retry-After, an
outage (consecutive transient failures), refused credentials or a configuration
problem pause the GSTIN until a stated time, and every deferred document waits for
exactly that time. The caller persists the pause so other workers respect it.
Plain Python; no Odoo.
"""
import logging
import threading
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from . import errors
from .errors import IrpError, ResponseSignatureError
from .session import utc_now

_logger = logging.getLogger(__name__)

# What is known of a document before the conversation.
NEVER_SENT = "never_sent"  # nothing ever left for the IRP: generate directly
MAYBE_SENT = "maybe_sent"  # a request may have reached the IRP: look up first
REFUSED = "refused"  # sent before and refused: nothing is held at the IRP
KNOWLEDGE = (NEVER_SENT, MAYBE_SENT, REFUSED)

TOTAL_TOLERANCE = 1.0  # NIC compares invoice values within ±₹1 (2189)
GSTIN_SYNC_CODES = frozenset({"3028", "3029"})
OLD_IRN_CODE = "2283"  # generated more than 2 days ago: the IRP no longer serves it

# Backoff of retries, in minutes: attempt 1 -> 1 min, ... capped.
BACKOFF_MINUTES = (1, 2, 5, 10, 30, 60, 120, 240)
# A document that may hold an IRN is looked up more often: NIC serves it for 2 days only.
UNKNOWN_BACKOFF_CAP = timedelta(minutes=30)
CIRCUIT_THRESHOLD = 3  # consecutive transient failures that mean "the IRP is down"
OUTAGE_PAUSE = timedelta(minutes=5)
CREDENTIALS_PAUSE = timedelta(minutes=30)
CONFIGURATION_PAUSE = timedelta(minutes=30)
MAX_RETRY_AFTER = timedelta(hours=6)  # a Retry-After beyond this is read as a mistake
# When an unknown outcome needs a person: well before the 24-hour cancel window and
# NIC's 2-day look-up window close (both counted from the first send at the latest).
CANCEL_WINDOW = timedelta(hours=24)
LOOKUP_WINDOW = timedelta(days=2)
UNKNOWN_ALERT_AFTER = timedelta(hours=4)
# Retries of documents that surely are not at the IRP never stop, but a person is
# told when they have been failing this many times (the 30-day reporting limit).
TRANSIENT_ALERT_ATTEMPTS = 8

# Pause reasons of a GSTIN.
RATE_LIMITED = "rate_limited"
OUTAGE = "outage"
CREDENTIALS = "credentials"
CONFIGURATION = "configuration"

# Reasons of Refused.
IRP_REFUSED = "irp_refused"
DUPLICATE_MISMATCH = "duplicate_mismatch"
DUPLICATE_UNVERIFIABLE = "duplicate_unverifiable"
GSTIN_NOT_ACTIVE = "gstin_not_active"


# --- outcomes ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class IrpProblem:
    """One refusal reason of the IRP: NIC code and its message (already explained)."""
    code: str
    message: str


@dataclass(frozen=True)
class Pause:
    """Every call for this GSTIN waits until `until` (aware UTC) for `reason`."""
    until: datetime
    reason: str
    detail: str = ""


@dataclass(frozen=True)
class Registered:
    result: object  # results.IrnResult
    recovered: bool = False  # found by a look-up after a lost reply


@dataclass(frozen=True)
class Adopted:
    result: object  # the existing IRN the IRP held, checked against this document


@dataclass(frozen=True)
class Refused:
    reason: str
    problems: tuple = ()
    error: IrpError = None
    params: dict = field(default_factory=dict)

    @property
    def codes(self):
        return [problem.code for problem in self.problems if problem.code]


@dataclass(frozen=True)
class RetryAt:
    at: datetime
    reason: str  # "transient", or a pause reason
    error: Exception = None
    pause: Pause = None
    deferred: bool = False  # not even tried: the GSTIN is paused

    @property
    def why(self):
        """What holds the document back: the GSTIN's pause when there is one."""
        return self.pause.reason if self.pause else self.reason

    @property
    def spends_attempt(self):
        """Waiting for a pause or for fixed credentials is not the document's own failure."""
        return not self.deferred and self.why not in (RATE_LIMITED, CREDENTIALS, CONFIGURATION)


@dataclass(frozen=True)
class Unknown:
    at: datetime
    reason: str  # "lost_reply", "untrusted_signature", "lookup_failed", "crash"
    error: Exception = None
    irn: str = None
    ack_no: str = None
    pause: Pause = None


OUTCOMES = (Registered, Adopted, Refused, RetryAt, Unknown)


def maybe_holds_irn(outcome):
    """True when the IRP may hold an IRN for the document after this outcome."""
    return isinstance(outcome, Unknown)


# --- timing -------------------------------------------------------------------------------------

def backoff(attempts, *, maybe_sent=False, retry_after=None):
    """Delay before attempt `attempts + 1` (attempts >= 1), as a timedelta.

    Capped: retries never stop, they only slow down; a document that may hold an
    IRN is looked up at least every UNKNOWN_BACKOFF_CAP."""
    index = max(1, attempts) - 1
    delay = timedelta(minutes=BACKOFF_MINUTES[min(index, len(BACKOFF_MINUTES) - 1)])
    if maybe_sent:
        delay = min(delay, UNKNOWN_BACKOFF_CAP)
    if retry_after:
        delay = max(delay, min(timedelta(seconds=retry_after), MAX_RETRY_AFTER))
    return delay


@dataclass(frozen=True)
class Deadlines:
    cancel_closes: datetime  # the IRP refuses cancellation after this
    lookup_closes: datetime  # the IRP no longer serves the signed invoice after this


def unknown_deadlines(first_sent_at):
    """When the windows of a possibly-held IRN close, counted from its first send."""
    return Deadlines(first_sent_at + CANCEL_WINDOW, first_sent_at + LOOKUP_WINDOW)


def needs_person(first_sent_at, now, *, attempts=0, maybe_sent=True):
    """True when a person should be warned about a document still not resolved."""
    if maybe_sent:
        return first_sent_at is not None and now - first_sent_at >= UNKNOWN_ALERT_AFTER
    return attempts >= TRANSIENT_ALERT_ATTEMPTS


# --- the gate of one GSTIN ----------------------------------------------------------------------

class GstinGate:
    """Circuit breaker and pause of one GSTIN for a run (thread-safe).

    Starts from the pause persisted for the GSTIN (if any); `record` widens it from
    each outcome; `pause` is what the caller persists so every worker respects it."""

    def __init__(self, pause=None, clock=utc_now):
        self._lock = threading.Lock()
        self._clock = clock
        self._failures = 0
        self._pause = pause if pause and pause.until > clock() else None

    @property
    def pause(self):
        with self._lock:
            if self._pause and self._pause.until > self._clock():
                return self._pause
            return None

    def is_open(self):
        return self.pause is not None

    def deferred(self):
        """The outcome of a document not tried because the GSTIN is paused."""
        pause = self.pause
        return RetryAt(at=pause.until, reason=pause.reason, pause=pause, deferred=True)

    def _widen(self, pause):
        if self._pause is None or pause.until > self._pause.until or self._pause.until <= self._clock():
            self._pause = pause

    def record(self, outcome):
        """Count an outcome; returns the outcome, with the pause it caused attached."""
        error = getattr(outcome, "error", None)
        with self._lock:
            if isinstance(outcome, (Registered, Adopted, Refused)):
                self._failures = 0
                return outcome
            own = getattr(outcome, "pause", None)
            if own is not None:
                self._widen(own)
            elif isinstance(error, IrpError) and error.kind in (errors.TRANSIENT, errors.UNKNOWN_OUTCOME):
                self._failures += 1
                if self._failures >= CIRCUIT_THRESHOLD:
                    self._widen(Pause(self._clock() + OUTAGE_PAUSE, OUTAGE, str(error)))
            if self._pause is not None and self._pause.until > self._clock():
                # everything this pause holds back comes back at the same time
                return replace(outcome, at=max(outcome.at, self._pause.until), pause=self._pause)
            return outcome


def pause_for(error, now):
    """The GSTIN-wide pause an error calls for, or None (the error is the document's own)."""
    if not isinstance(error, IrpError):
        return None
    if error.kind == errors.AUTH:
        return Pause(now + CREDENTIALS_PAUSE, CREDENTIALS, str(error))
    if is_configuration_error(error):
        return Pause(now + CONFIGURATION_PAUSE, CONFIGURATION, str(error))
    if error.retry_after:
        wait = min(timedelta(seconds=error.retry_after), MAX_RETRY_AFTER)
        return Pause(now + wait, RATE_LIMITED if error.http_status == 429 else OUTAGE, str(error))
    if error.http_status == 429:
        return Pause(now + backoff(1), RATE_LIMITED, str(error))
    return None


def is_configuration_error(error):
    """A reply that is not the IRP speaking: a wrong URL (404/405 page, a redirect) or
    a non-JSON answer. It is the credential's problem, never the invoice's."""
    if not isinstance(error, IrpError) or error.codes:
        return False
    status = error.http_status
    return status is not None and (300 <= status < 400 or status in (400, 404, 405, 406, 415, 501))


# --- the conversation ----------------------------------------------------------------------------

def _doc(payload):
    doc = payload.get("DocDtls") or {}
    return doc.get("Typ"), doc.get("No"), doc.get("Dt")


def problems_of(error):
    """The IRP's refusal reasons in an IrpError, as IrpProblems."""
    return tuple(IrpProblem(entry["code"], errors.explain(entry["code"], entry.get("message")))
                 for entry in error.errors) or (IrpProblem("", str(error)),)


def matches(result, payload):
    """None when the IRP's signed data describes this payload (buyer GSTIN, total ±₹1),
    else a dict of what differs."""
    sent_buyer = (payload.get("BuyerDtls") or {}).get("Gstin")
    sent_total = (payload.get("ValDtls") or {}).get("TotInvVal")
    held_buyer, held_total = result.buyer_gstin, result.total_value
    try:
        same_total = held_total is not None and abs(float(held_total) - float(sent_total)) <= TOTAL_TOLERANCE
    except (TypeError, ValueError):
        same_total = False
    if held_buyer == sent_buyer and same_total:
        return None
    return {"irn": result.irn, "held_buyer": held_buyer, "held_total": held_total,
            "buyer": sent_buyer, "total": sent_total}


class _Conversation:

    def __init__(self, client, payload, attempts, clock):
        self.client = client
        self.payload = payload
        self.doc = _doc(payload)
        self.attempts = attempts + 1  # this one
        self.clock = clock

    def retry(self, error, maybe_sent=False, reason="transient", irn=None, ack_no=None):
        now = self.clock()
        pause = pause_for(error, now)
        at = now + backoff(self.attempts, maybe_sent=maybe_sent, retry_after=getattr(error, "retry_after", None))
        if pause is not None:
            at = max(at, pause.until)
        if maybe_sent:
            return Unknown(at=at, reason=reason, error=error, irn=irn, ack_no=ack_no, pause=pause)
        return RetryAt(at=at, reason=pause.reason if pause else reason, error=error, pause=pause)

    def lookup(self):
        """('found', result) | ('absent', None) | ('failed', outcome)."""
        try:
            return "found", self.client.get_irn_by_doc(*self.doc)
        except ResponseSignatureError as exc:
            return "failed", self.retry(exc, True, "untrusted_signature", exc.irn, exc.ack_no)
        except IrpError as exc:
            if exc.kind in (errors.TRANSIENT, errors.UNKNOWN_OUTCOME, errors.AUTH) or is_configuration_error(exc):
                return "failed", self.retry(exc, True, "lookup_failed")
            return "absent", None  # not at the IRP (2148), or too old to serve: generate decides

    def judge(self, result, adopted):
        mismatch = matches(result, self.payload)
        if mismatch:
            return Refused(DUPLICATE_MISMATCH, (IrpProblem("2150", errors.explain("2150")),), params=mismatch)
        return Adopted(result) if adopted else Registered(result, recovered=True)

    def run(self, knowledge):
        if knowledge == MAYBE_SENT:
            found, value = self.lookup()
            if found == "found":
                return self.judge(value, adopted=False)
            if found == "failed":
                return value
        return self.generate(resend_allowed=True)

    def generate(self, resend_allowed):
        try:
            return Registered(self.client.generate_irn(self.payload))
        except ResponseSignatureError as exc:
            # the IRP answered with an IRN whose signature we cannot trust: store nothing,
            # look it up again later (the certificate may be fixed meanwhile)
            return self.retry(exc, True, "untrusted_signature", exc.irn, exc.ack_no)
        except IrpError as exc:
            return self.after_refusal(exc, resend_allowed)

    def after_refusal(self, exc, resend_allowed):
        if exc.kind == errors.UNKNOWN_OUTCOME:
            found, value = self.lookup()  # the IRP may have committed it: ask once right away
            if found == "found":
                return self.judge(value, adopted=False)
            if found == "failed":
                return value
            return self.retry(exc, True, "lost_reply")  # absent now; may still appear: look up first
        if exc.kind == errors.DUPLICATE:
            return self.duplicate(exc)
        if resend_allowed and GSTIN_SYNC_CODES & set(exc.codes):
            return self.sync_and_resend(exc)
        if exc.kind in (errors.TRANSIENT, errors.AUTH) or is_configuration_error(exc):
            return self.retry(exc)
        return Refused(IRP_REFUSED, problems_of(exc), exc)

    def duplicate(self, exc):
        held = exc.duplicate or {}
        lookups = [lambda: self.client.get_irn_by_doc(*self.doc)]
        if held.get("Irn"):
            lookups.insert(0, lambda: self.client.get_irn(held["Irn"]))
        last = None
        for lookup in lookups:
            try:
                return self.judge(lookup(), adopted=True)
            except ResponseSignatureError as lookup_exc:
                return self.retry(lookup_exc, True, "untrusted_signature", lookup_exc.irn, lookup_exc.ack_no)
            except IrpError as lookup_exc:
                last = lookup_exc
                if OLD_IRN_CODE in lookup_exc.codes:
                    return Refused(DUPLICATE_UNVERIFIABLE, problems_of(exc) + problems_of(lookup_exc), exc,
                                   params={"irn": held.get("Irn"), "ack_no": held.get("AckNo"),
                                           "ack_date": held.get("AckDt")})
                if lookup_exc.kind in (errors.TRANSIENT, errors.UNKNOWN_OUTCOME, errors.AUTH):
                    return self.retry(lookup_exc, True, "lookup_failed")
        # the IRP says it holds one but serves none: a person must look
        return Refused(IRP_REFUSED, problems_of(exc) + problems_of(last), exc,
                       params={"irn": held.get("Irn"), "ack_no": held.get("AckNo"), "ack_date": held.get("AckDt")})

    def sync_and_resend(self, exc):
        """The IRP's copy of a GSTIN may lag the GST portal: sync each GSTIN named and
        resend once only if every one is active now (an unchanged refusal is never resent)."""
        seller = (self.payload.get("SellerDtls") or {}).get("Gstin")
        buyer = (self.payload.get("BuyerDtls") or {}).get("Gstin")
        named = [buyer] + ([seller] if seller and seller in str(exc) else [])
        statuses = {}
        for gstin in filter(lambda value: value and value != "URP", named):
            try:
                statuses[gstin] = self.client.sync_gstin(gstin).status
            except IrpError as sync_exc:
                if sync_exc.kind in (errors.TRANSIENT, errors.UNKNOWN_OUTCOME, errors.AUTH):
                    return self.retry(sync_exc)
                statuses[gstin] = None
        inactive = {gstin: status for gstin, status in statuses.items() if status != "ACT"}
        if inactive:
            return Refused(GSTIN_NOT_ACTIVE, problems_of(exc), exc, params={"statuses": inactive})
        return self.generate(resend_allowed=False)


def register(client, payload, knowledge=NEVER_SENT, *, attempts=0, gate=None, clock=utc_now):
    """Run one document's conversation with the IRP; returns one of OUTCOMES.

    attempts: how many attempts came before (for the backoff). gate: the GstinGate
    of a run (deferred outcome when it is open; every outcome is recorded in it).
    Never raises for anything the IRP or the network does.
    """
    if knowledge not in KNOWLEDGE:
        raise ValueError(f"knowledge must be one of {KNOWLEDGE}, not {knowledge!r}")
    if gate is not None and gate.is_open():
        return gate.deferred()
    conversation = _Conversation(client, payload, attempts, clock)
    try:
        outcome = conversation.run(knowledge)
    except Exception as exc:  # noqa: BLE001 - a surprise of ours: the IRP may hold it, so look up next
        _logger.exception("Registration of %s failed unexpectedly", conversation.doc)
        outcome = Unknown(at=clock() + backoff(attempts + 1, maybe_sent=True), reason="crash", error=exc)
    return gate.record(outcome) if gate is not None else outcome


def look_up(client, payload, *, attempts=0, clock=utc_now):
    """What the IRP holds for this document, without ever sending it: Registered
    (recovered), Refused (it holds another document under this number), Unknown
    (the look-up failed), or None when the IRP holds nothing for it."""
    conversation = _Conversation(client, payload, attempts, clock)
    found, value = conversation.lookup()
    if found == "found":
        return conversation.judge(value, adopted=False)
    return value if found == "failed" else None


# --- cancellation --------------------------------------------------------------------------------

ALREADY_CANCELLED_CODE = "9999"
EWB_ACTIVE_CODE = "2230"
CANCEL_WINDOW_CODE = "2270"


@dataclass(frozen=True)
class Cancelled:
    cancel_date: datetime  # aware UTC; the IRP's, or now when it only said "already cancelled"
    recovered: bool = False  # the reply was lost and a look-up showed the IRN cancelled


@dataclass(frozen=True)
class CancelRefused:
    reason: str  # "ewaybill_active", "window_closed", "irp_refused", "not_answered"
    problems: tuple = ()
    error: Exception = None


def cancel(client, irn, reason_code, remark, *, clock=utc_now):
    """Cancel an IRN; returns Cancelled or CancelRefused, never raises for the IRP.

    A lost reply is resolved by asking the IRP for the IRN's status: a cancel may
    have been committed. 9999 (already cancelled) is a success."""
    try:
        result = client.cancel_irn(irn, reason_code, remark)
        return Cancelled(result.cancel_date or clock())
    except IrpError as exc:
        if ALREADY_CANCELLED_CODE in exc.codes:
            return Cancelled(clock())
        if exc.kind in (errors.TRANSIENT, errors.UNKNOWN_OUTCOME):
            with suppress(IrpError, ResponseSignatureError):  # the look-up failed too: not answered
                if client.get_irn(irn).status == "CNL":
                    return Cancelled(clock(), recovered=True)
            return CancelRefused("not_answered", problems_of(exc), exc)
        if EWB_ACTIVE_CODE in exc.codes:
            return CancelRefused("ewaybill_active", problems_of(exc), exc)
        if CANCEL_WINDOW_CODE in exc.codes:
            return CancelRefused("window_closed", problems_of(exc), exc)
        return CancelRefused("irp_refused", problems_of(exc), exc)
