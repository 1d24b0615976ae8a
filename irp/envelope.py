"""NIC's response envelope (nic-irp-api.md §5.1) and the Retry-After header, read
whatever the casing or encoding a gateway chose."""
from contextlib import suppress
from dataclasses import dataclass
from datetime import timezone
from email.utils import parsedate_to_datetime

from . import errors
from .ist import utc_now


@dataclass(frozen=True)
class Envelope:
    """A parsed NIC response envelope (§5.1); `data` is still encrypted (str) when it came so."""
    ok: bool
    data: object
    errors: list
    info: list


def _lower_keys(obj):
    return {str(key).lower(): value for key, value in obj.items()}


def parse_envelope(obj):
    """NIC envelope -> Envelope. Accepts Status as number or string and keys in any case
    (some documents show `"status":"1"`), ErrorDetails as a list (or base64 JSON), and the
    e-way bill system's `error` field as used by the cancel e-way bill API."""
    if not isinstance(obj, dict):
        raise ValueError("the IRP reply is not a JSON object")
    lowered = _lower_keys(obj)
    errors_ = errors.parse_error_details(lowered.get("errordetails"))
    if not errors_ and lowered.get("error"):
        errors_ = _ewb_system_errors(lowered["error"])
    info = lowered.get("infodtls") or []
    if isinstance(info, dict):
        info = [info]
    data = lowered.get("data")
    status = lowered.get("status")
    if status is None:
        ok = data is not None and not errors_
    else:
        ok = str(status).strip() == "1" or status is True
    return Envelope(ok=ok, data=data, errors=errors_, info=list(info))


def _ewb_system_errors(error):
    """E-way bill system errors: {"errorCodes": "312,"} plain or base64-encoded."""
    if isinstance(error, str):
        decoded = errors.decode_json_text(error)
        if decoded is None:
            return [{"code": "", "message": error}]
        error = decoded
    if isinstance(error, dict):
        lowered = _lower_keys(error)
        codes = [c.strip() for c in str(lowered.get("errorcodes", "")).split(",") if c.strip()]
        message = str(lowered.get("message") or lowered.get("errormessage") or "")
        if codes:
            return [{"code": errors.normalize_code(code), "message": message} for code in codes]
        if message:
            return [{"code": "", "message": message}]
    return errors.parse_error_details(error)


def parse_retry_after(value, now=None):
    """Retry-After in seconds (delta-seconds or an HTTP date); None when absent or unreadable."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    with suppress(ValueError):  # not delta-seconds: an HTTP date, or unreadable
        return max(0.0, float(text))
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, (moment - (now or utc_now())).total_seconds())
