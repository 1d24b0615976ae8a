"""Master data and enumerations of the NIC IRP (nic-irp-api.md §7.12, §9). Plain Python, no I/O."""

# State codes accepted in Stcd / Pos (§7.12). '25' (Daman and Diu) was merged into '26' in 2020.
STATE_CODES = {
    "01": "Jammu and Kashmir",
    "02": "Himachal Pradesh",
    "03": "Punjab",
    "04": "Chandigarh",
    "05": "Uttarakhand",
    "06": "Haryana",
    "07": "Delhi",
    "08": "Rajasthan",
    "09": "Uttar Pradesh",
    "10": "Bihar",
    "11": "Sikkim",
    "12": "Arunachal Pradesh",
    "13": "Nagaland",
    "14": "Manipur",
    "15": "Mizoram",
    "16": "Tripura",
    "17": "Meghalaya",
    "18": "Assam",
    "19": "West Bengal",
    "20": "Jharkhand",
    "21": "Odisha",
    "22": "Chhattisgarh",
    "23": "Madhya Pradesh",
    "24": "Gujarat",
    "26": "Dadra and Nagar Haveli and Daman and Diu",
    "27": "Maharashtra",
    "29": "Karnataka",
    "30": "Goa",
    "31": "Lakshadweep",
    "32": "Kerala",
    "33": "Tamil Nadu",
    "34": "Puducherry",
    "35": "Andaman and Nicobar Islands",
    "36": "Telangana",
    "37": "Andhra Pradesh",
    "38": "Ladakh",
    "96": "Other Country",
    "97": "Other Territory",
}
FOREIGN_STATE = "96"
OTHER_TERRITORY = "97"
FOREIGN_PIN = 999999

# Unit Quantity Codes (§7.12); OTH = others.
UQC_CODES = frozenset(
    "BAG BAL BDL BKL BOU BOX BTL BUN CAN CBM CCM CMS CTN DOZ DRM GGK GMS GRS GYD "
    "KGS KLR KME LTR MLT MTR MTS NOS OTH PAC PCS PRS QTL ROL SET SQF SQM SQY TBS TGM THD TON TUB UGS UNT YDS".split()
)

# Combined GST rates (IGST rate, or CGST + SGST) accepted in ItemList[].GstRt (§7.12; 40 % slab from 22/09/2025).
GST_RATES = frozenset({0.0, 0.1, 0.25, 1.0, 1.5, 3.0, 5.0, 6.0, 7.5, 12.0, 18.0, 28.0, 40.0})

SUPPLY_TYPES = {
    "B2B": "Business to business",
    "SEZWP": "SEZ with payment of tax",
    "SEZWOP": "SEZ without payment of tax",
    "EXPWP": "Export with payment of tax",
    "EXPWOP": "Export without payment of tax",
    "DEXP": "Deemed export",
}
EXPORT_SUPPLY_TYPES = frozenset({"EXPWP", "EXPWOP"})
SEZ_SUPPLY_TYPES = frozenset({"SEZWP", "SEZWOP"})

DOC_TYPES = {"INV": "Invoice", "CRN": "Credit note", "DBN": "Debit note"}

# TxpType values under which the IRP's GSTIN master lists SEZ units and developers (§5.4; list [U]).
SEZ_TAXPAYER_TYPES = frozenset({"SEZ", "SEZU", "SEZD", "SED"})

IRN_CANCEL_REASONS = {"1": "Duplicate", "2": "Data entry mistake", "3": "Order cancelled", "4": "Others"}
# The e-way bill system numbers its reasons differently from the IRP (§9.3).
EWB_CANCEL_REASONS = {"1": "Duplicate", "2": "Order cancelled", "3": "Data entry mistake", "4": "Others"}

TRANSPORT_MODES = {"1": "Road", "2": "Rail", "3": "Air", "4": "Ship"}
VEHICLE_TYPES = {"R": "Regular", "O": "Over dimensional cargo"}

# Services are classified under SAC codes, which all sit in HSN chapter 99.
HSN_CHAPTERS_SERVICES = "99"

# ISO 3166-1 alpha-2 (ExpDtls.CntCode, ItemList[].OrgCntry).
COUNTRY_CODES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
    CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET
    FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU
    ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY
    MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM
    PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST
    SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS
    YE YT ZA ZM ZW
    """.split()
)

# ISO 4217 (ExpDtls.ForCur), current codes plus a few recently withdrawn ones still seen on old documents.
CURRENCY_CODES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD
    CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP
    GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF
    KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN
    NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP
    SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS
    VED VES VND VUV WST XAF XAG XAU XCD XCG XDR XOF XPD XPF XPT YER ZAR ZMW ZWG ZWL
    """.split()
)

# First three digits of a PIN -> state code(s) (§7.12). Ranges overlap on purpose (e.g. 160 is Punjab
# and Chandigarh, 403 Goa and Maharashtra), which is why a prefix maps to a set. Telangana (500-509)
# and Ladakh (194) are added to the §7.12 list: both split from older states, and leaving them out
# would wrongly reject every Telangana or Ladakh address.
_PIN_PREFIX_RANGES = (
    ("01", 180, 194), ("02", 171, 177), ("03", 140, 160), ("04", 160, 160), ("05", 244, 263),
    ("06", 121, 136), ("07", 110, 110), ("08", 301, 345), ("09", 201, 285), ("10", 800, 855),
    ("11", 737, 737), ("12", 790, 792), ("13", 797, 798), ("14", 795, 795), ("15", 796, 796),
    ("16", 799, 799), ("17", 793, 794), ("18", 781, 788), ("19", 700, 743), ("20", 813, 835),
    ("21", 751, 770), ("22", 490, 497), ("23", 450, 488), ("24", 360, 396), ("26", 362, 362),
    ("26", 396, 396), ("27", 400, 445), ("29", 560, 591), ("30", 403, 403), ("31", 682, 682),
    ("32", 670, 695), ("33", 600, 643), ("34", 533, 533), ("34", 605, 605), ("34", 607, 607),
    ("34", 609, 609), ("34", 673, 673), ("35", 744, 744), ("36", 500, 509), ("37", 500, 535),
    ("38", 194, 194),
)


def _build_pin_prefix_states():
    states = {}
    for state, first, last in _PIN_PREFIX_RANGES:
        for prefix in range(first, last + 1):
            states.setdefault(prefix, set()).add(state)
    return {prefix: frozenset(codes) for prefix, codes in states.items()}


_PIN_PREFIX_STATES = _build_pin_prefix_states()
_FOREIGN_PIN_STATES = frozenset({FOREIGN_STATE, OTHER_TERRITORY})


def pin_states(pin):
    """State codes a 6-digit PIN may belong to, by its first three digits; None when unmapped.

    999999 is the PIN for places outside India ('96') or in Other Territory ('97').
    """
    text = str(pin).strip()
    if len(text) != 6 or not text.isdigit() or text[0] == "0":
        return None
    if int(text) == FOREIGN_PIN:
        return _FOREIGN_PIN_STATES
    return _PIN_PREFIX_STATES.get(int(text[:3]))
