"""Whether the IRP's signed QR code may be printed on a document.

The QR is the tax officer's proof of registration: it is printed only while the
IRN is active and only when its signed claims describe the document being printed
(number, date, buyer, total within NIC's ±₹1), so an invoice changed after its IRN
never carries a QR for other amounts."""
from . import crypto
from .policy import TOTAL_TOLERANCE


def qr_differences(signed_qr, payload):
    """Names of the claims of the signed QR that do not describe `payload` ([] when all do).

    The token's signature was verified when it was received; here it is only decoded.
    """
    try:
        claims = crypto.signed_data(signed_qr)
    except crypto.SignatureError:
        return ["token"]
    if not isinstance(claims, dict):
        return ["token"]
    doc = payload.get("DocDtls") or {}
    buyer = (payload.get("BuyerDtls") or {}).get("Gstin")
    differences = []
    if str(claims.get("DocNo") or "").upper() != str(doc.get("No") or "").upper():
        differences.append("DocNo")
    if claims.get("DocDt") != doc.get("Dt"):
        differences.append("DocDt")
    if claims.get("BuyerGstin") != buyer:
        differences.append("BuyerGstin")
    try:
        total = (payload.get("ValDtls") or {}).get("TotInvVal")
        if abs(float(claims.get("TotInvVal")) - float(total)) > TOTAL_TOLERANCE:
            differences.append("TotInvVal")
    except (TypeError, ValueError):
        differences.append("TotInvVal")
    return differences


def printable(status, signed_qr, payload):
    """True when the QR may be printed: an active IRN whose QR describes this document."""
    return status == "generated" and bool(signed_qr) and payload is not None and not qr_differences(signed_qr, payload)
