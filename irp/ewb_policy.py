"""Recovery policy of e-way bills made with the e-way bill system's own API: one action's
conversation, and what to do next — the registration policy's rules (policy.py) applied
to nic-ewb-api.md §5 and §8, with its outcomes, backoff, pauses and GstinGate.

- generate: a lost reply (timeout or 5xx after sending, 813) is resolved by the look-up
  by document (GetEwayBillGeneratedByConsigner, then GetEwayBill for the details) BEFORE
  any resend; 604 (duplicate) fetches the existing e-way bill and adopts it only if it
  describes this document (document number without letter case, date, both GSTINs, total
  within ₹1); with knowledge MAYBE_SENT the look-up comes first, as for IRNs;
- update_part_b, update_transporter, cancel, extend, close: a lost reply is resolved by
  GetEwayBill and a comparison with what was sent (the current Part-B's vehicle / transport
  document, the transporter, CNL, one more extension, a closed status); 312 on cancel of a
  bill that GetEwayBill shows cancelled is success;
- transient failures back off (policy.backoff, policy.pause_for); 105/106/238 re-authenticate
  once inside the client; nothing is ever resent blindly after a lost reply.

Outcomes: Generated / Adopted (generate), Done (the other actions) — all successes, and
subclasses of policy.Registered / policy.Adopted so a GstinGate counts them —, and
policy.Refused (problems: IrpProblem of the e-way bill system's codes, or the pre-flight's
EwbProblems), policy.RetryAt, policy.Unknown. Never raises for anything the network or
NIC does. Plain Python; no Odoo.
"""
import logging
from dataclasses import dataclass, replace
from datetime import date, timedelta

from . import ewb_errors, ewb_validation, policy, rules_calendar
from .errors import AUTH, DUPLICATE, TRANSIENT, UNKNOWN_OUTCOME
from .ewb_errors import EwbError, UntrustedReply
from .ewb_results import CANCELLED, EwbBill
from .policy import (  # noqa: F401 - re-exported: the outcomes and knowledge are the registration policy's
    DUPLICATE_MISMATCH, KNOWLEDGE, MAYBE_SENT, NEVER_SENT, REFUSED, TOTAL_TOLERANCE, GstinGate, IrpProblem, Pause,
    Refused, RetryAt, Unknown, backoff, is_configuration_error,
)
from .results import distance_from
from .session import utc_now

_logger = logging.getLogger(__name__)

# Reasons of Refused (besides policy.DUPLICATE_MISMATCH)
EWB_REFUSED = "ewb_refused"  # the e-way bill system said no: fix and send again
PREFLIGHT = "preflight"  # refused here before sending: problems are ewb_validation.EwbProblems
CLOSURE_NOT_AVAILABLE = "closure_not_available"  # voluntary closure switched off / not started
DUPLICATE_UNVERIFIABLE = "duplicate_unverifiable"  # 604, but the existing bill could not be read
OUTCOMES_REASONS = (EWB_REFUSED, PREFLIGHT, CLOSURE_NOT_AVAILABLE, DUPLICATE_UNVERIFIABLE, DUPLICATE_MISMATCH)

# NIC's throttling codes -> how long the GSTIN waits (§3.3: 5 ACCESSTOKEN hits per 15 minutes)
THROTTLE_PAUSES = {"118": timedelta(minutes=5), "658": timedelta(minutes=15)}

ACTIONS = ("generate", "update_part_b", "update_transporter", "cancel", "extend", "close")


@dataclass(frozen=True)
class Generated(policy.Registered):
    """An e-way bill made now (result: ewb_results.EwbGenerated), or found by the look-up after
    a lost reply (recovered=True, result: ewb_results.EwbBill). Both have ewb_no, ewb_date,
    valid_until and distance."""


@dataclass(frozen=True)
class Adopted(policy.Adopted):
    """604: the e-way bill NIC already held for this document (result: EwbBill), checked."""


@dataclass(frozen=True)
class Done(policy.Registered):
    """An update/cancel/extend/close that took effect. result: the action's result
    (PartBUpdated, TransporterUpdated, EwbCancelled, Extended, Closed), or, when a lost reply
    was resolved by GetEwayBill (recovered=True), the EwbBill showing it took effect."""
    action: str = ""


OUTCOMES = (Generated, Adopted, Done, Refused, RetryAt, Unknown)


def problems_of(error):
    """What an EwbError says, as problems: the pre-flight's when nothing was sent, else one
    IrpProblem per e-way bill system code, explained in English."""
    if getattr(error, "problems", None):
        return tuple(error.problems)
    entries = getattr(error, "errors", None) or []
    return tuple(IrpProblem(entry["code"], ewb_errors.explain(entry["code"], entry.get("message")))
                 for entry in entries) or (IrpProblem("", str(error)),)


def nic_distance(error):
    """The PIN-to-PIN distance NIC states in a refusal's info (702: 'distance too high'), or None."""
    texts = [str(entry) for entry in getattr(error, "info", None) or () if entry]
    return distance_from(None, " ".join(texts)) if texts else None


def _refused(exc):
    """Refused(EWB_REFUSED) of a NIC refusal, with the distance NIC computed when it gave one."""
    distance = nic_distance(exc)
    return Refused(EWB_REFUSED, problems_of(exc), exc, params={"nic_distance": distance} if distance else {})


def _same_text(first, second):
    return str(first or "").strip().upper() == str(second or "").strip().upper()


def _date(value):
    if isinstance(value, date):
        return value
    return ewb_validation._date(value) if value not in (None, "") else None


def matches(bill, payload):
    """None when the e-way bill NIC holds describes this GENEWAYBILL payload (document number
    without letter case, document date, from/to GSTIN, total invoice value ±₹1), else what differs."""
    differences = {}
    if not _same_text(bill.doc_no, payload.get("docNo")):
        differences["doc_no"] = (bill.doc_no, payload.get("docNo"))
    if bill.doc_date != _date(payload.get("docDate")):
        differences["doc_date"] = (bill.doc_date and bill.doc_date.strftime("%d/%m/%Y"), payload.get("docDate"))
    for key, held in (("fromGstin", bill.from_gstin), ("toGstin", bill.to_gstin)):
        if not _same_text(held, payload.get(key)):
            differences[key] = (held, payload.get(key))
    try:
        same_total = abs(float(bill.total_value) - float(payload.get("totInvValue"))) <= TOTAL_TOLERANCE
    except (TypeError, ValueError):
        same_total = False
    if not same_total:
        differences["total"] = (bill.total_value, payload.get("totInvValue"))
    if not differences:
        return None
    return {"ewb_no": bill.ewb_no, "differences": differences}


def _failed_read(exc):
    """A read that says nothing about the e-way bill (try again later)."""
    return isinstance(exc, UntrustedReply) or exc.kind in (TRANSIENT, UNKNOWN_OUTCOME, AUTH) \
        or is_configuration_error(exc)


class _Throttled:
    """The registration policy's retry, plus the e-way bill system's throttling codes: 118 ("try
    after 5 minutes") and 658 (blocked for the rest of the period) pause the whole GSTIN."""

    def retry(self, error, maybe_sent=False, reason="transient", irn=None, ack_no=None):
        outcome = super().retry(error, maybe_sent, reason, irn, ack_no)
        codes = set(getattr(error, "codes", ()) or ())
        wait = max((THROTTLE_PAUSES[code] for code in codes & set(THROTTLE_PAUSES)), default=None)
        if wait is None or outcome.pause is not None:
            return outcome
        pause = Pause(self.clock() + wait, policy.RATE_LIMITED, str(error))
        return replace(outcome, at=max(outcome.at, pause.until), pause=pause)


class _Conversation(_Throttled, policy._Conversation):
    """The registration policy's conversation (its retry and timing), speaking e-way bills."""

    def __init__(self, client, payload, attempts, clock):
        super().__init__(client, payload, attempts, clock)
        self.doc = (payload.get("docType"), payload.get("docNo"))

    def read_failed(self, exc):
        reason = "untrusted_reply" if isinstance(exc, UntrustedReply) else "lookup_failed"
        return self.retry(exc, True, reason)

    def lookup(self):
        """('found', EwbBill) | ('absent', None) | ('failed', outcome)."""
        try:
            ref = self.client.get_by_document(*self.doc)
            bill = self.client.get(ref.ewb_no)
        except EwbError as exc:
            if _failed_read(exc):
                return "failed", self.read_failed(exc)
            return "absent", None  # not found (or a refusal of the look-up): the send decides
        if bill.is_cancelled:
            return "absent", None  # a cancelled bill does not hold the document number
        return "found", bill

    def judge(self, bill, adopted):
        mismatch = matches(bill, self.payload)
        if mismatch:
            return Refused(DUPLICATE_MISMATCH, (IrpProblem("604", ewb_errors.explain("604")),), params=mismatch)
        return Adopted(bill) if adopted else Generated(bill, recovered=True)

    def run(self, knowledge, preflight):
        if knowledge == MAYBE_SENT:
            found, value = self.lookup()
            if found == "found":
                return self.judge(value, adopted=False)
            if found == "failed":
                return value
        if preflight is not None:
            problems = preflight()
            if problems:
                return Refused(PREFLIGHT, tuple(problems))
        return self.generate()

    def generate(self):
        try:
            return Generated(self.client.generate(self.payload))
        except EwbError as exc:
            return self.after_refusal(exc)

    def after_refusal(self, exc):
        if exc.local:
            return Refused(PREFLIGHT, problems_of(exc), exc)
        if exc.kind == UNKNOWN_OUTCOME or "813" in exc.codes:
            found, value = self.lookup()  # NIC may have committed it: ask right away
            if found == "found":
                return self.judge(value, adopted=False)
            if found == "failed":
                return value
            return self.retry(exc, True, "lost_reply")  # absent now; may still appear: look up first
        if exc.kind == DUPLICATE:
            found, value = self.lookup()
            if found == "found":
                return self.judge(value, adopted=True)
            if found == "failed":
                return value
            return Refused(DUPLICATE_UNVERIFIABLE, problems_of(exc), exc, params={"doc": self.doc})
        if exc.kind in (TRANSIENT, AUTH) or is_configuration_error(exc):
            return self.retry(exc)
        return _refused(exc)


def _guarded(gate, clock, attempts, what, run):
    if gate is not None and gate.is_open():
        return gate.deferred()
    try:
        outcome = run()
    except Exception as exc:  # a surprise of ours: NIC may hold it, so look first next time
        _logger.exception("E-way bill %s failed unexpectedly", what)
        outcome = Unknown(at=clock() + backoff(attempts + 1, maybe_sent=True), reason="crash", error=exc)
    return gate.record(outcome) if gate is not None else outcome


def generate(client, payload, knowledge=NEVER_SENT, *, attempts=0, gate=None, clock=utc_now, preflight=True,
             calendar=None, require_check_digit=True):
    """Make the e-way bill of one document (GENEWAYBILL payload); returns one of OUTCOMES.

    knowledge: NEVER_SENT (send), MAYBE_SENT (a request may have reached NIC: look up first),
    REFUSED (sent before and refused). preflight: run ewb_validation.validate_generate before
    sending (judged on the day of `clock`, by `calendar`); Refused(PREFLIGHT) lists every problem."""
    if knowledge not in KNOWLEDGE:
        raise ValueError(f"knowledge must be one of {KNOWLEDGE}, not {knowledge!r}")
    calendar = calendar or getattr(client, "calendar", None) or rules_calendar.DEFAULT

    def check():
        return ewb_validation.validate_generate(payload, today=clock(), calendar=calendar,
                                                require_check_digit=require_check_digit)

    conversation = _Conversation(client, payload, attempts, clock)
    return _guarded(gate, clock, attempts, f"generation of {conversation.doc}",
                    lambda: conversation.run(knowledge, check if preflight else None))


def look_up(client, payload, *, attempts=0, clock=utc_now):
    """What NIC holds for this document without sending it: Generated (recovered), Refused
    (another document holds the number), Unknown (the look-up failed) or None (nothing)."""
    conversation = _Conversation(client, payload, attempts, clock)
    found, value = conversation.lookup()
    if found == "found":
        return conversation.judge(value, adopted=False)
    return value if found == "failed" else None


# --- the other actions: send, and on a lost reply read the bill to see whether it took effect -------

class _Action(_Throttled, policy._Conversation):

    def __init__(self, client, name, ewb_no, send, applied, attempts, clock):
        super().__init__(client, {}, attempts, clock)
        self.name, self.ewb_no, self.send, self.applied = name, str(ewb_no), send, applied

    def check(self):
        """('applied', EwbBill) | ('not_applied', EwbBill) | ('failed', outcome)."""
        try:
            bill = self.client.get(self.ewb_no)
        except EwbError as exc:
            if _failed_read(exc):
                return "failed", self.retry(exc, True, "untrusted_reply" if isinstance(exc, UntrustedReply)
                                            else "lookup_failed")
            return "failed", Refused(EWB_REFUSED, problems_of(exc), exc)
        return ("applied" if self.applied(bill) else "not_applied"), bill

    def run(self, knowledge, problems=()):
        if knowledge == MAYBE_SENT:
            state, value = self.check()
            if state == "applied":
                return Done(value, recovered=True, action=self.name)
            if state == "failed":
                return value
        if problems:
            return Refused(PREFLIGHT, tuple(problems))
        try:
            return Done(self.send(), action=self.name)
        except EwbError as exc:
            return self.after_refusal(exc)

    def after_refusal(self, exc):
        if exc.local:
            reason = CLOSURE_NOT_AVAILABLE if any(getattr(p, "key", "") == "ewb_closure_not_available"
                                                  for p in exc.problems) else PREFLIGHT
            return Refused(reason, problems_of(exc), exc)
        if exc.kind == UNKNOWN_OUTCOME or (self.name == "cancel" and ewb_errors.ALREADY_CANCELLED_CODE in exc.codes):
            state, value = self.check()
            if state == "applied":
                return Done(value, recovered=True, action=self.name)
            if state == "failed":
                return value
            if exc.kind != UNKNOWN_OUTCOME:
                return _refused(exc)
            return self.retry(exc, True, "lost_reply")  # not seen yet: read again before any resend
        if exc.kind in (TRANSIENT, AUTH) or is_configuration_error(exc):
            return self.retry(exc)
        return _refused(exc)


def _run_action(client, name, ewb_no, send, applied, knowledge, attempts, gate, clock, problems=()):
    if knowledge not in KNOWLEDGE:
        raise ValueError(f"knowledge must be one of {KNOWLEDGE}, not {knowledge!r}")
    action = _Action(client, name, ewb_no, send, applied, attempts, clock)
    return _guarded(gate, clock, attempts, f"{name} of {ewb_no}", lambda: action.run(knowledge, problems))


def update_part_b(client, payload, knowledge=NEVER_SENT, *, attempts=0, gate=None, clock=utc_now, doc_date=None,
                  preflight=True):
    """VEHEWB (payload from ewb_client.part_b_payload). A lost reply is resolved by GetEwayBill:
    done when the current Part-B carries the vehicle / transport document sent."""
    def applied(bill):
        entry = bill.current_part_b
        return entry is not None and entry.describes(payload.get("vehicleNo"), payload.get("transDocNo"),
                                                     payload.get("transMode"))

    problems = ewb_validation.validate_part_b(payload, doc_date=doc_date, today=clock()) if preflight else ()
    return _run_action(client, "update_part_b", payload.get("ewbNo"), lambda: client.send_part_b(payload), applied,
                       knowledge, attempts, gate, clock, problems)


def update_transporter(client, ewb_no, transporter_id, knowledge=NEVER_SENT, *, attempts=0, gate=None,
                       clock=utc_now, preflight=True):
    """UPDATETRANSPORTER; a lost reply: done when GetEwayBill shows this transporter."""
    problems = ewb_validation.validate_transporter(ewb_no, transporter_id) if preflight else ()
    return _run_action(client, "update_transporter", ewb_no,
                       lambda: client.update_transporter(ewb_no, transporter_id),
                       lambda bill: _same_text(bill.transporter_id, transporter_id),
                       knowledge, attempts, gate, clock, problems)


def cancel(client, ewb_no, reason_code, remark, knowledge=NEVER_SENT, *, attempts=0, gate=None, clock=utc_now):
    """CANEWB; a lost reply or 312 ('not yours or already cancelled'): done when GetEwayBill
    shows it cancelled."""
    return _run_action(client, "cancel", ewb_no, lambda: client.cancel(ewb_no, reason_code, remark),
                       lambda bill: bill.status == CANCELLED, knowledge, attempts, gate, clock)


def extend(client, payload, knowledge=NEVER_SENT, *, before=None, attempts=0, gate=None, clock=utc_now,
           preflight=True, calendar=None):
    """EXTENDVALIDITY (payload from ewb_client.extend_payload). before: the EwbBill as it was
    before the extension (read now when not given): the pre-flight judges its window (±8 h of
    expiry), distance and 360-day cap on it, and a lost reply is resolved by GetEwayBill showing
    one more extension than `before`."""
    calendar = calendar or getattr(client, "calendar", None) or rules_calendar.DEFAULT
    ewb_no = payload.get("ewbNo")
    if before is None:
        reader = _Action(client, "extend", ewb_no, None, lambda bill: False, attempts, clock)
        state, value = reader.check()
        if state == "failed":
            # nothing was sent yet: a failed read is a plain retry, never an unknown outcome
            if isinstance(value, Unknown):
                value = RetryAt(at=value.at, reason="transient", error=value.error, pause=value.pause)
            return gate.record(value) if gate is not None else value
        before = value
    if not isinstance(before, EwbBill):
        raise TypeError("before must be the EwbBill read before the extension")

    def applied(bill):
        return bill.extended_times > before.extended_times or (
            bill.valid_until is not None and before.valid_until is not None and bill.valid_until > before.valid_until)

    problems = ewb_validation.validate_extend(payload, bill=before, now=clock(), calendar=calendar) \
        if preflight and knowledge != MAYBE_SENT else ()
    return _run_action(client, "extend", ewb_no, lambda: client.extend(payload), applied, knowledge, attempts,
                       gate, clock, problems)


def close(client, ewb_no, closure_date, remarks, knowledge=NEVER_SENT, *, attempts=0, gate=None, clock=utc_now):
    """Voluntary closure (on hold): Refused(CLOSURE_NOT_AVAILABLE) while the client's calendar
    has it off; a lost reply: done when GetEwayBill shows it closed (EwbBill.is_closed)."""
    problems = ewb_validation.validate_close(ewb_no, closure_date, remarks,
                                             calendar=getattr(client, "calendar", None), today=clock())
    if any(problem.key == "ewb_closure_not_available" for problem in problems):
        return Refused(CLOSURE_NOT_AVAILABLE, tuple(problems))
    return _run_action(client, "close", ewb_no, lambda: client.close(ewb_no, closure_date, remarks, today=clock()),
                       lambda bill: bill.is_closed, knowledge, attempts, gate, clock, problems)
