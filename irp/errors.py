"""IRP error codes and the one exception the client raises (nic-irp-api.md §8).

Every failure of a call ends as an `IrpError` whose `kind` tells the caller what
to do next, whatever the transport or the NIC code behind it:

- ``data``: the request must be fixed by a person; resending it unchanged fails again
  (and counts towards NIC's blocking thresholds);
- ``auth``: credentials, client id/secret or GSTIN registration need attention;
- ``duplicate``: the document already exists at the IRP (adopt it after checking);
- ``transient``: nothing was done; retry later (``retry_after`` when the IRP said when);
- ``unknown_outcome``: the request may have been committed but the reply was lost;
  look the document up before sending anything again.
"""
import base64
import json
import re

from .crypto import SignatureError

DATA = "data"
AUTH = "auth"
DUPLICATE = "duplicate"
TRANSIENT = "transient"
UNKNOWN_OUTCOME = "unknown_outcome"
KINDS = (DATA, AUTH, DUPLICATE, TRANSIENT, UNKNOWN_OUTCOME)

# code -> (kind, short English meaning). NIC's own texts are often terse or
# carry a placeholder ("{0}"); the meaning here lets a message say what went wrong.
CATALOGUE = {
    # --- 1xxx: authentication and headers (§8.1) ---
    "1004": (AUTH, "The Gstin header is missing"),
    "1005": (AUTH, "Invalid or expired token, or the GSTIN/user does not match the token"),
    "1006": (AUTH, "The user_name header is missing"),
    "1007": (AUTH, "Authentication failed: the authentication payload is malformed"),
    "1008": (AUTH, "Invalid login credentials (API user name or password)"),
    "1010": (AUTH, "Invalid client_id or client_secret"),
    "1011": (AUTH, "The client_id header is missing"),
    "1012": (AUTH, "The client_secret header is missing"),
    "1013": (AUTH, "The password could not be decrypted: check the IRP encryption public key"),
    "1014": (AUTH, "Inactive API user, or GSTIN not enabled for e-invoicing"),
    "1015": (AUTH, "The GSTIN in the header differs from the GSTIN of the token"),
    "1016": (AUTH, "The AppKey could not be decrypted: check the IRP encryption public key"),
    "1017": (AUTH, "Incorrect API user id: the user does not exist"),
    "1018": (AUTH, "The client_id is not mapped to this API user"),
    "1019": (AUTH, "Incorrect password for the API user"),
    "1020": (DATA, "The IRP could not decrypt the request data"),
    # --- 2xxx: invoice (§8.2) ---
    "2139": (DATA, "Error while creating the invoice at the IRP"),
    "2140": (DATA, "The invoice does not follow the e-invoice schema"),
    "2141": (DATA, "Error while cancelling the IRN"),
    "2142": (DATA, "Incomplete request parameters"),
    "2143": (DATA, "The IRN or invoice does not belong to the GSTIN of the API user"),
    "2144": (DATA, "The document date must be in dd/mm/yyyy format"),
    "2145": (DATA, "The IRN is not valid"),
    "2146": (TRANSIENT, "The IRP could not create the IRN now; retry later"),
    "2147": (TRANSIENT, "The IRP could not sign the invoice now; retry later"),
    "2148": (DATA, "The requested IRN data is not available (wrong IRN, other IRP, or too old)"),
    "2150": (DUPLICATE, "An IRN was already generated for this document number"),
    "2154": (DATA, "IRN details not found"),
    "2155": (DATA, "The supplier GSTIN is required"),
    "2156": (DATA, "Invalid from-date format"),
    "2157": (DATA, "Invalid to-date format"),
    "2159": (DATA, "Invalid reverse-charge value"),
    "2161": (DATA, "Invalid document type"),
    "2162": (DATA, "Reverse charge is allowed only for B2B supplies"),
    "2163": (DATA, "The document date is not acceptable (future date or outside the reporting window)"),
    "2169": (DATA, "Only the supplier or the e-commerce operator can generate this IRN"),
    "2171": (DATA, "The recipient cannot be unregistered (URP) for a deemed export"),
    "2172": (DATA, "Intra-state supply: IGST is not applicable to the item"),
    "2173": (DATA, "Too many items in the invoice"),
    "2174": (DATA, "Inter-state supply: CGST/SGST are not applicable to the item"),
    "2176": (DATA, "HSN code unknown to the IRP master"),
    "2177": (DATA, "Invalid unit quantity code (UQC)"),
    "2178": (DATA, "The PIN code does not belong to the state given"),
    "2179": (DATA, "Tax rates do not match the CGST/SGST/IGST amounts"),
    "2180": (DATA, "Export: CGST/SGST are not allowed on the item"),
    "2181": (DATA, "An export cannot be an intra-state supply"),
    "2182": (DATA, "The sum of item taxable values differs from the total taxable value"),
    "2183": (DATA, "The sum of item SGST differs from the total SGST"),
    "2184": (DATA, "The sum of item CGST differs from the total CGST"),
    "2185": (DATA, "The sum of item IGST differs from the total IGST"),
    "2186": (DATA, "The sum of item cess differs from the total cess"),
    "2187": (DATA, "The sum of item state cess differs from the total state cess"),
    "2188": (DATA, "The sum of item non-advalorem cess differs from the total cess"),
    "2189": (DATA, "Invalid total invoice value (must equal the sum of its parts within 1 rupee)"),
    "2190": (DATA, "Recipient tax type invalid for an export"),
    "2191": (DATA, "The original invoice number is required for a credit or debit note"),
    "2192": (DATA, "Item total amount differs from quantity x unit price"),
    "2193": (DATA, "Item assessable amount differs from total amount minus discount"),
    "2194": (DATA, "Invalid item total value"),
    "2195": (DATA, "The e-commerce GSTIN must be a TCS GSTIN"),
    "2196": (DATA, "URP is not allowed for this export category"),
    "2197": (DATA, "The e-commerce GSTIN is mandatory for an e-commerce transaction"),
    "2198": (DATA, "Ship-to/dispatch-from details are not allowed for a regular transaction"),
    "2199": (DATA, "HSN code error (goods/service flag or code)"),
    "2200": (DATA, "Invalid state code in dispatch or ship-to details"),
    "2201": (DATA, "Invalid port code"),
    "2202": (DATA, "Invalid country code"),
    "2203": (DATA, "Invalid foreign currency code"),
    "2204": (DATA, "Ship-to details are not allowed for a dispatch-from transaction"),
    "2205": (DATA, "Dispatch-from details are not allowed for a ship-to transaction"),
    "2206": (DATA, "Ship-to details are required"),
    "2207": (DATA, "Dispatch-from details are required"),
    "2208": (DATA, "Export details are required"),
    "2209": (DATA, "Ship-to and dispatch-from details are required"),
    "2210": (DATA, "An original invoice number is not allowed on an invoice (INV)"),
    "2211": (DATA, "Supplier and recipient GSTIN are the same"),
    "2212": (DATA, "The recipient cannot be unregistered (URP) for this supply type"),
    "2213": (DATA, "The supplier cannot be unregistered (URP)"),
    "2214": (DATA, "GSTIN required for this party"),
    "2215": (DATA, "PIN code and state required for this party"),
    "2216": (DATA, "Trade name required for this party"),
    "2217": (DATA, "Location required for this party"),
    "2218": (DATA, "The date must not be later than today, or has a bad format"),
    "2219": (DATA, "The from-date is after the to-date"),
    "2220": (DATA, "The total discount is not less than the invoice value"),
    "2221": (DATA, "Select whether GST is paid on the export"),
    "2222": (DATA, "Incorrect state cess rate for the HSN code"),
    "2223": (DATA, "State cess rate required for the HSN code"),
    "2224": (DATA, "The e-commerce GSTIN must not be given"),
    "2225": (DATA, "Bad date format in document details"),
    "2226": (DATA, "Not authorised to get this IRN's data"),
    "2227": (DATA, "CGST and SGST must be equal"),
    "2228": (DATA, "The item list is empty"),
    "2229": (DATA, "The recipient place of supply must be 96 (other country) for this transaction"),
    "2230": (DATA, "The IRN has an active e-way bill: cancel the e-way bill first"),
    "2231": (DATA, "The supplier GSTIN is an SEZ unit"),
    "2232": (DATA, "The place of supply must be 96 (other country)"),
    "2233": (DATA, "Duplicate serial number (SlNo) in the items"),
    "2234": (DATA, "Invalid CGST/SGST amounts for the HSN code"),
    "2235": (DATA, "Invalid IGST amount for the HSN code"),
    "2236": (DATA, "Export ship-to must be the port or place of export"),
    "2237": (DATA, "SEZ recipient: CGST/SGST are not allowed"),
    "2238": (DATA, "Quantity required for goods"),
    "2239": (DATA, "Unit required for goods"),
    "2240": (DATA, "Invalid GST rate for the HSN code"),
    "2241": (DATA, "Intra-state supply: CGST and SGST are required"),
    "2242": (DATA, "The place of supply must not be 96 for this transaction"),
    "2243": (DATA, "The place of supply must be a valid state"),
    "2244": (DATA, "The recipient PIN code is mandatory"),
    "2245": (DATA, "Ship-to state must equal the place of supply (B2B)"),
    "2246": (DATA, "The recipient cannot be an SEZ unit for this supply type"),
    "2247": (DATA, "The recipient must be an SEZ unit for this supply type"),
    "2248": (DATA, "An export recipient must be unregistered (URP)"),
    "2249": (DATA, "Goods and services mixed in an inter-state supply whose place of supply is the supplier's state"),
    "2251": (DATA, "An e-way bill needs at least one goods (non-service) item"),
    "2252": (DATA, "No e-way bill for credit/debit notes or service-only invoices"),
    "2253": (DATA, "Road transport: vehicle number and type are required"),
    "2254": (DATA, "Rail/air/ship transport: transport document number and date are required"),
    "2255": (DATA, "The request payload is empty"),
    "2256": (DATA, "Invalid signature"),
    "2257": (AUTH, "Invalid credentials for the IRN"),
    "2258": (DATA, "The supplier GSTIN's state differs from the seller state code"),
    "2259": (DATA, "Invalid supplier state code"),
    "2260": (DATA, "Invalid recipient state code"),
    "2261": (DATA, "The recipient state must be 96 (other country) for this transaction"),
    "2262": (DATA, "IGST on intra-state supply needs the supplier state equal to the place of supply"),
    "2263": (DATA, "Invalid IGST-on-intra-state value"),
    "2264": (DATA, "The sum of item other charges differs from the total other charges"),
    "2265": (DATA, "The recipient GSTIN's state differs from the buyer state code"),
    "2266": (DATA, "Invalid cess amount for the HSN code"),
    "2267": (DATA, "Invalid state cess amount for the HSN code"),
    "2270": (DATA, "The 24-hour cancellation window has passed: issue a credit note instead"),
    "2278": (DATA, "An IRN for this document number was generated and cancelled: use a new number"),
    "2283": (DATA, "IRN details are no longer available (generated more than 2 days ago)"),
    "2295": (DUPLICATE, "An IRN for this document already exists on another IRP"),
    # --- 3xxx: GSTIN master (§8.3) ---
    "3001": (DATA, "The requested data is not available"),
    "3028": (DATA, "GSTIN not present in the e-invoice master: sync it from the GST portal and retry"),
    "3029": (DATA, "GSTIN inactive or cancelled"),
    "3030": (DATA, "Invalid GSTIN"),
    "3042": (DATA, "Invalid from/to PIN code"),
    "3052": (DATA, "Transporter id cancelled or invalid"),
    "3059": (AUTH, "Client id not generated for this PAN (IP whitelisting)"),
    "3074": (DATA, "GSTIN cancelled and the document date is after its de-registration"),
    "3075": (DATA, "GSTIN cancelled and its de-registration date is unavailable"),
    "3076": (DATA, "GSTIN inactive"),
    "3077": (DATA, "GSTIN cancelled and the document date is before its registration"),
    "3078": (DATA, "GSTIN cancelled and its registration date is unavailable"),
    "3079": (DATA, "The document date is before the GSTIN's registration date"),
    # --- 4xxx: e-way bill through the IRP (§8.4) ---
    "4000": (DATA, "The IRN is not active"),
    "4001": (DATA, "Error creating the e-way bill"),
    "4002": (DUPLICATE, "An e-way bill was already generated for this IRN"),
    "4003": (DATA, "The requested IRN data is not available"),
    "4004": (DATA, "Error retrieving the IRN details"),
    "4005": (DATA, "E-way bill details not found"),
    "4006": (DATA, "A request parameter is empty"),
    "4007": (DATA, "The requested e-way bill is not available"),
    "4008": (DATA, "Invalid e-way bill number"),
    "4009": (DATA, "An e-way bill needs at least one goods HSN"),
    "4010": (DATA, "No e-way bill for debit/credit notes or services"),
    "4011": (DATA, "Road transport: vehicle number required"),
    "4012": (DATA, "Air/rail transport: transport document number required"),
    "4013": (DATA, "Distance too high or too low for the PIN codes"),
    "4014": (DATA, "Invalid vehicle number"),
    "4015": (DATA, "GSTIN blocked for e-way bills (returns not filed)"),
    "4016": (DATA, "Transport document date is in the future"),
    "4017": (DATA, "Incorrect date format"),
    "4018": (DATA, "Invalid transporter id"),
    "4019": (DATA, "Transporter id needed for Part-A of the e-way bill"),
    "4020": (DATA, "Invalid vehicle type"),
    "4021": (DATA, "Transport document date is before the invoice date"),
    "4022": (DATA, "Vehicle type required for road transport"),
    "4023": (DATA, "Transport document date required for rail/air/ship"),
    "4024": (DATA, "Over-dimensional cargo only for road or ship"),
    "4025": (AUTH, "Invalid user id"),
    "4026": (DUPLICATE, "An e-way bill already exists for this document"),
    "4027": (DATA, "Transporter id required for a Part-A slip"),
    "4028": (DATA, "Transport mode required when a vehicle or document number is given"),
    "4029": (DATA, "Same PIN codes: distance 0 is not allowed, give the actual distance"),
    "4030": (DATA, "No distance known for these PIN codes: give the actual distance"),
    "4031": (DATA, "Ship-to details required for an export e-way bill"),
    "4032": (DATA, "Ship-to state 96 is not allowed"),
    "4033": (DATA, "Ship-to PIN 999999 is not allowed"),
    "4034": (DATA, "PIN 999999 given: distance cannot be 0"),
    "4035": (DATA, "Dispatch-from state 96 is not allowed"),
    "4036": (DATA, "Dispatch-from PIN 999999 is not allowed"),
    "4037": (DATA, "Not authorised to get this data"),
    "4038": (DATA, "Distance too high"),
    "4039": (DATA, "Vehicle type cannot be Regular for ship transport"),
    "4040": (DATA, "Ship transport: vehicle number or transport document number required"),
    # --- e-way bill system codes, used by the cancel e-way bill API (§1.2 row 10) ---
    "312": (DATA, "This e-way bill was not generated by you, or is already cancelled"),
    "315": (DATA, "The e-way bill can no longer be cancelled (24 hours have passed)"),
    # --- system ---
    "5001": (TRANSIENT, "IRP application error; retry later"),
    "5002": (TRANSIENT, "IRP application error; retry later"),
    "5003": (DATA, "The request data cannot be null or empty"),
    "9999": (DATA, "The IRN is not active (already cancelled)"),
}

# Which kind wins when one reply carries codes of several kinds: a duplicate means the
# document exists whatever else is said; any data/auth code makes a resend pointless.
_PRIORITY = (DUPLICATE, AUTH, DATA, TRANSIENT)
_DIGITS = re.compile(r"\d{3,4}")
DUPLICATE_INFO_CODES = ("DUPIRN", "DUPIRNGLP")
# NIC texts this short say little on their own ("Invalid Token", "2150 : Duplicate IRN")
_TERSE = 30


def normalize_code(code):
    """'2150', 2150, 'SYS_5001' -> the bare NIC code as a string."""
    text = str(code if code is not None else "").strip()
    match = _DIGITS.search(text)
    return match.group(0) if match and not text.isdigit() else text


class Catalogue:
    """One NIC system's codes -> (kind, short English meaning), and the words made of them.

    priority: which kind wins when one reply carries codes of several kinds. unknown: the
    words for a code with no text and no meaning. terse: a NIC text shorter than this gets
    the meaning added (None: whenever the two differ). repeats_code: the system writes the
    code into its text ("2150 : Duplicate IRN"), which is then dropped.
    """

    def __init__(self, entries, priority, *, unknown, terse=None, repeats_code=False):
        self.entries = entries
        self.priority = priority
        self.unknown = unknown
        self.terse = terse
        self.repeats_code = repeats_code

    def describe(self, code):
        """Short English meaning of a code, or None when it is not catalogued."""
        entry = self.entries.get(normalize_code(code))
        return entry[1] if entry else None

    def kind_of(self, code):
        entry = self.entries.get(normalize_code(code))
        return entry[0] if entry else DATA

    def classify(self, codes):
        """The kind of a reply from all its error codes (data when none is known)."""
        kinds = {self.kind_of(code) for code in codes or ()}
        for kind in self.priority:
            if kind in kinds:
                return kind
        return DATA

    def explain(self, code, message=None):
        """'2150: Duplicate IRN' made readable when the system's own text is terse or missing."""
        code = normalize_code(code)
        message = (message or "").strip()
        if self.repeats_code and message.startswith(code):
            message = message[len(code):].lstrip(" :-")
        meaning = self.describe(code)
        if not message:
            message = meaning or self.unknown
        elif meaning and (self.terse is None or len(message) < self.terse) and meaning.lower() != message.lower():
            message = f"{message} ({meaning})"
        return f"{code}: {message}" if code else message


IRP = Catalogue(CATALOGUE, _PRIORITY, unknown="no message from the IRP", terse=_TERSE, repeats_code=True)
describe = IRP.describe
kind_of = IRP.kind_of
classify = IRP.classify
explain = IRP.explain


def decode_json_text(text):
    """JSON that NIC documents as base64-encoded but usually sends plain: either way.
    Returns None when the text is neither."""
    try:
        return json.loads(base64.b64decode(text, validate=True))
    except ValueError:
        try:
            return json.loads(text)
        except ValueError:
            return None


def parse_error_details(details):
    """NIC ErrorDetails (list of {ErrorCode, ErrorMessage}, any key case; or, as some
    documentation claims, base64 JSON) -> [{'code', 'message'}]."""
    if not details:
        return []
    if isinstance(details, str):
        decoded = decode_json_text(details)
        if decoded is None:
            return [{"code": "", "message": details}]
        details = decoded
    if isinstance(details, dict):
        details = [details]
    errors = []
    for entry in details if isinstance(details, list) else []:
        if not isinstance(entry, dict):
            errors.append({"code": "", "message": str(entry)})
            continue
        lowered = {str(key).lower(): value for key, value in entry.items()}
        code = lowered.get("errorcode", lowered.get("code", ""))
        message = lowered.get("errormessage", lowered.get("message", ""))
        errors.append({"code": normalize_code(code), "message": str(message or "")})
    return errors


class IrpError(Exception):
    """A call to the IRP that did not give the expected result.

    `errors` holds every NIC ErrorDetails entry as {'code', 'message'}; `info` the
    InfoDtls as returned (e.g. DUPIRN with the existing IRN).
    """
    catalogue = IRP  # the meanings of its codes
    call_name = "IRP call"

    def __init__(self, message=None, *, kind=DATA, errors=None, info=None, http_status=None,
                 retry_after=None, endpoint=""):
        if kind not in KINDS:
            raise ValueError(f"unknown IrpError kind {kind!r}")
        self.kind = kind
        self.errors = list(errors or [])
        self.info = list(info or [])
        self.http_status = http_status
        self.retry_after = retry_after
        self.endpoint = endpoint
        self.message = message
        super().__init__(str(self))

    @property
    def codes(self):
        return [error["code"] for error in self.errors if error.get("code")]

    @property
    def duplicate(self):
        """{'AckNo', 'AckDt', 'Irn'} of the existing IRN given with error 2150, if any."""
        for entry in self.info:
            if not isinstance(entry, dict):
                continue
            lowered = {str(key).lower(): value for key, value in entry.items()}
            if str(lowered.get("infcd", "")).upper() in DUPLICATE_INFO_CODES:
                desc = lowered.get("desc")
                if isinstance(desc, str):
                    try:
                        desc = json.loads(desc)
                    except ValueError:
                        continue
                if isinstance(desc, dict):
                    return desc
        return None

    @property
    def retryable(self):
        return self.kind == TRANSIENT

    def _details(self):
        """What the reply said, in words (a subclass may add its own)."""
        return [self.catalogue.explain(error.get("code"), error.get("message")) for error in self.errors]

    def __str__(self):
        parts = self._details()
        if self.message:
            parts.insert(0, self.message)
        return "; ".join(parts) or f"{self.call_name} failed ({self.kind})"

    def __repr__(self):
        return f"IrpError(kind={self.kind!r}, codes={self.codes!r}, endpoint={self.endpoint!r}, message={str(self)!r})"


class ResponseSignatureError(SignatureError):
    """A reply whose SignedInvoice/SignedQRCode does not verify, or does not match the
    document asked for. The IRN may exist at the IRP (`irn`, `ack_no`) but the reply
    cannot be trusted: check the configured IRP signing certificate."""

    def __init__(self, message, *, endpoint="", irn=None, ack_no=None):
        super().__init__(message)
        self.endpoint = endpoint
        self.irn = irn
        self.ack_no = ack_no
