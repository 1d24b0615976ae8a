"""What the sandbox knows before its first request: API clients and users, a
GSTIN "common portal" of fictitious taxpayers, and a small HSN/SAC master.

Every GSTIN below is made up (no real PAN behind it) but carries a valid
check character (irp.gstin.check_char), so a strict client accepts it; names are
fictitious, PIN codes are real ones of the taxpayer's state. Some are cancelled,
inactive, suspended or blocked so that the error paths can be exercised, one is
known to the portal but not yet to the IRP master (3028 until synced), and every
registration type NIC reports (TxpType) has one: regular, composition, SEZ unit
and developer, ISD, TDS, TCS, UIN, non-resident and OIDAR.

Get GSTIN details answers as NIC does (nic-irp-api.md §5.4, and the NIC-format
samples published by MasterGST, Masters India and india-compliance): StateCode and
AddrPncd are numbers, DtReg/DtDReg 'yyyy-MM-dd' or null, BlkStatus 'U'/'B',
Status ACT/CNL/INA/SUS/PRO, TxpType a short code (REG, COM, SEZ, SED...).
"""
import json

from ._irp import gstin as gstin_rules

# --- API clients and users --------------------------------------------------------

CLIENT_ID = "AAACK29LOCALSBX1"
CLIENT_SECRET = "sandbox-secret-Kaveri-2026"

# A second registered client with no user mapped to it: authenticating one of
# USERS through it gives 1018 (client id not mapped to the user).
OTHER_CLIENT_ID = "AABCS27LOCALSBX2"
OTHER_CLIENT_SECRET = "sandbox-secret-other-2026"

CLIENTS = {CLIENT_ID: CLIENT_SECRET, OTHER_CLIENT_ID: OTHER_CLIENT_SECRET}


def _taxpayer(gstin, legal_name, trade_name, bno, bnm, street, loc, pin, *, flno="", status="ACT",
              blk_status="U", txp_type="REG", dt_reg="2017-07-01", dt_dreg=None, in_irp_master=True):
    if gstin_rules.check_char(gstin[:14]) != gstin[14]:
        raise ValueError(f"seed GSTIN {gstin} has a wrong check character")
    return {
        "gstin": gstin,
        "status": status,            # ACT / CNL / INA / SUS / PRO
        "blk_status": blk_status,    # B: blocked for e-way bills (returns not filed), U: unblocked
        "txp_type": txp_type,        # REG, COM, SEZ, SED, ISD, TDS, TCS, UN, NRT, OID
        "legal_name": legal_name,
        "trade_name": trade_name,
        "state_code": gstin[:2],
        "pin": pin,
        "addr1": ", ".join(part for part in (bno, bnm, street) if part),
        "loc": loc,
        "addr_bno": bno,
        "addr_bnm": bnm,
        "addr_flno": flno,
        "addr_st": street,
        "dt_reg": dt_reg,
        "dt_dreg": dt_dreg,
        "in_irp_master": in_irp_master,
    }


# The main demo company (with API user) and a second API user in another state.
SELLER_KA = _taxpayer("29AAACK4521F1ZS", "Kaveri Demo Industries Private Limited", "Kaveri Demo Industries",
                      "12", "Kaveri Towers", "4th Cross, Peenya Industrial Area", "Bengaluru", 560058)
SELLER_MH = _taxpayer("27AABCS8834G1Z5", "Sahyadri Demo Exports Limited", "Sahyadri Exports",
                      "Plot 7", "", "MIDC Bhosari", "Pune", 411026)
# Buyers, one per situation the IRP treats differently.
BUYER_KA = _taxpayer("29AADCB2230M1ZP", "Brindavan Demo Retail Private Limited", "Brindavan Retail",
                     "45", "", "Sayyaji Rao Road", "Mysuru", 570001)
BUYER_MH = _taxpayer("27AAECR4512K1ZB", "Ratnagiri Demo Foods Private Limited", "Ratnagiri Foods",
                     "Unit 3", "Sunrise Estate", "Andheri Kurla Road", "Mumbai", 400059)
BUYER_TN = _taxpayer("33AAFCT7788N1ZH", "Thanjavur Demo Textiles Private Limited", "Thanjavur Textiles",
                     "22", "", "Mount Road", "Chennai", 600002)
BUYER_SEZ_TN = _taxpayer("33AAGCS3344P1Z1", "Sriperumbudur Demo SEZ Electronics Private Limited",
                         "SEZ Electronics", "Plot 5", "Electronics SEZ", "Oragadam Road", "Sriperumbudur", 602105,
                         txp_type="SEZ")
BUYER_CANCELLED = _taxpayer("29AAHCC9911Q1ZU", "Chamundi Demo Traders", "Chamundi Traders",
                            "8", "", "Station Road", "Hubballi", 580020,
                            status="CNL", dt_reg="2018-07-01", dt_dreg="2024-03-31")
BUYER_INACTIVE = _taxpayer("27AAJCI6655R1ZL", "Indrayani Demo Agencies", "Indrayani Agencies",
                           "14", "", "College Road", "Nashik", 422005, status="INA")
BUYER_BLOCKED = _taxpayer("33AAKCB1122S1ZK", "Kongu Demo Spinning Mills Private Limited", "Kongu Spinning",
                          "3", "", "Avinashi Road", "Coimbatore", 641018, blk_status="B")
BUYER_NOT_IN_MASTER = _taxpayer("24AALCN4455T1ZM", "Narmada Demo Chemicals Private Limited", "Narmada Chemicals",
                                "90", "GIDC Estate", "Makarpura", "Vadodara", 390010, in_irp_master=False)
ECOM_TCS = _taxpayer("29AAMCE7766U1CH", "Evergreen Demo Marketplace Private Limited", "Evergreen Marketplace",
                     "101", "Evergreen House", "Outer Ring Road", "Bengaluru", 560103, txp_type="TCS")
TRANSPORTER = _taxpayer("29AANCT3399V1ZR", "Nandi Demo Logistics Private Limited", "Nandi Logistics",
                        "6", "", "Hosur Road", "Bengaluru", 560068)

# Every other status and registration type (issue 9: GSTINs checked before sending).
BUYER_SUSPENDED = _taxpayer("32AAPCM5566W1ZA", "Malabar Demo Spices Private Limited", "Malabar Spices",
                            "17", "", "Banerji Road", "Kochi", 682018, status="SUS", dt_reg="2019-04-01")
BUYER_CANCELLED_RECENTLY = _taxpayer("24AAQCS7788X1ZM", "Surya Demo Diamonds", "Surya Diamonds",
                                     "5", "Ratna Complex", "Varachha Road", "Surat", 395006,
                                     status="CNL", dt_reg="2017-07-01", dt_dreg="2026-11-15")
BUYER_CANCELLED_UNDATED = _taxpayer("23AARCA2244Y1ZU", "Ahilya Demo Handlooms", "Ahilya Handlooms",
                                    "33", "", "MG Road", "Indore", 452001, status="CNL", dt_dreg=None)
BUYER_NEW = _taxpayer("19AASCH6677Z1ZO", "Hooghly Demo Jute Mills Private Limited", "Hooghly Jute",
                      "9", "", "Strand Road", "Kolkata", 700001, dt_reg="2026-10-01")
BUYER_COMPOSITION = _taxpayer("08AATCJ1357A1ZK", "Jantar Demo Handicrafts", "Jantar Handicrafts",
                              "12", "", "Johari Bazar", "Jaipur", 302003, txp_type="COM")
BUYER_SEZ_DEVELOPER = _taxpayer("36AAUCD2468B1ZI", "Deccan Demo Infra SEZ Developers Private Limited",
                                "Deccan SEZ Developers", "Plot 1", "Deccan Knowledge Park", "HITEC City",
                                "Hyderabad", 500081, txp_type="SED")
BUYER_ISD = _taxpayer("06AAVCG9753C1Z5", "Gurgaon Demo Services Private Limited (ISD)", "Gurgaon Services",
                      "Tower B", "Cyber Park", "DLF Cyber City", "Gurugram", 122002, txp_type="ISD")
BUYER_TDS = _taxpayer("09LKND01234E1DI", "Office of the Demo Public Works Division, Lucknow",
                      "Demo Public Works Division", "4", "Nirman Bhawan", "Vidhan Sabha Marg", "Lucknow",
                      226001, txp_type="TDS", dt_reg="2018-10-01")
BUYER_UIN = _taxpayer("0717UNO00157UNO", "Demo International Relief Organisation", "Demo Relief Organisation",
                      "55", "", "Lodhi Estate", "New Delhi", 110003, txp_type="UN", dt_reg="2017-08-01")
BUYER_NRTP = _taxpayer("3325DEU00011NR7", "Rheinland Demo Maschinen GmbH", "Rheinland Maschinen",
                       "Hall 2", "Chennai Trade Centre", "Mount Poonamallee Road", "Chennai", 600089,
                       txp_type="NRT", dt_reg="2026-09-01")
SUPPLIER_OIDAR = _taxpayer("9917USA29001OSH", "Pacific Demo Cloud Services Inc", "Pacific Cloud",
                           "100", "", "Market Street", "San Francisco", 999999, txp_type="OID",
                           dt_reg="2017-10-01")

TAXPAYERS = [SELLER_KA, SELLER_MH, BUYER_KA, BUYER_MH, BUYER_TN, BUYER_SEZ_TN, BUYER_CANCELLED, BUYER_INACTIVE,
             BUYER_BLOCKED, BUYER_NOT_IN_MASTER, ECOM_TCS, TRANSPORTER,
             BUYER_SUSPENDED, BUYER_CANCELLED_RECENTLY, BUYER_CANCELLED_UNDATED, BUYER_NEW, BUYER_COMPOSITION,
             BUYER_SEZ_DEVELOPER, BUYER_ISD, BUYER_TDS, BUYER_UIN, BUYER_NRTP, SUPPLIER_OIDAR]
PORTAL = {taxpayer["gstin"]: taxpayer for taxpayer in TAXPAYERS}

USERS = [
    {"gstin": SELLER_KA["gstin"], "user_name": "kaveri_api", "password": "Kaveri@2026"},
    {"gstin": SELLER_MH["gstin"], "user_name": "sahyadri_api", "password": "Sahyadri@2026"},
]


def find_user(gstin, user_name):
    """The user registered under `gstin` with that name (user names are compared case-insensitively)."""
    wanted = str(user_name or "").lower()
    return next((user for user in USERS if user["gstin"] == gstin and user["user_name"].lower() == wanted), None)


def user_exists(user_name):
    wanted = str(user_name or "").lower()
    return any(user["user_name"].lower() == wanted for user in USERS)


def gstin_details(taxpayer):
    """A master record as the IRP returns it from Get GSTIN details / Sync GSTIN (§5.4)."""
    return {
        "Gstin": taxpayer["gstin"],
        "TradeName": taxpayer["trade_name"],
        "LegalName": taxpayer["legal_name"],
        "AddrBnm": taxpayer["addr_bnm"] or None,
        "AddrBno": taxpayer["addr_bno"] or None,
        "AddrFlno": taxpayer["addr_flno"] or None,
        "AddrSt": taxpayer["addr_st"] or None,
        "AddrLoc": taxpayer["loc"],
        "StateCode": int(taxpayer["state_code"]),
        "AddrPncd": int(taxpayer["pin"]),
        "TxpType": taxpayer["txp_type"],
        "Status": taxpayer["status"],
        "BlkStatus": taxpayer["blk_status"],
        "DtReg": taxpayer["dt_reg"],
        "DtDReg": taxpayer["dt_dreg"],
    }


def public_entry(taxpayer):
    """A taxpayer as listed by GET /sandbox/info."""
    return {key: value for key, value in taxpayer.items() if not key.startswith("addr_")}


# --- HSN / SAC --------------------------------------------------------------------------

# A small built-in master of 4-digit HSN headings and SAC groups, enough for the
# demo and the tests. NIC's full master can be given with --hsn-master FILE.
BUILTIN_HSN_HEADINGS = frozenset("""
    0401 0402 0406 0713 0801 0802 0901 0902 0904 0908 0910 1001 1005 1006 1007 1008 1101 1107 1201
    1507 1508 1511 1512 1515 1701 1902 1904 1905 2009 2101 2103 2104 2106 2201 2202 2710 2711
    3002 3003 3004 3005 3006 3301 3304 3305 3401 3402 3808 3917 3920 3923 3924 3926 4011 4016 4202
    4818 4819 4820 4821 4823 4901 5208 5407 5513 6104 6105 6106 6109 6110 6114 6201 6202 6203 6204
    6205 6206 6211 6301 6302 6305 6402 6403 6404 6405 6802 6907 6908 6910 6911 7005 7010 7013 7113
    7208 7210 7306 7308 7318 7323 7326 7415 7604 7610 8201 8203 8205 8302 8413 8414 8415 8418 8419
    8421 8422 8424 8428 8429 8430 8443 8450 8451 8452 8467 8471 8473 8481 8482 8483 8501 8504 8506
    8507 8509 8513 8516 8517 8518 8519 8521 8523 8525 8528 8529 8531 8536 8537 8539 8541 8542 8543
    8544 8703 8708 8711 9004 9006 9013 9017 9018 9019 9021 9025 9026 9027 9028 9030 9031 9032 9101
    9102 9401 9402 9403 9404 9405 9406 9503 9504 9506 9603 9608 9609 9617
    9954 9961 9962 9963 9964 9965 9966 9967 9968 9969 9971 9972 9973 9981 9982 9983 9984 9985
    9986 9987 9988 9989 9991 9992 9993 9994 9995 9996 9997 9998
""".split())


class HsnMaster:
    """HSN/SAC existence check (2176).

    With a master file: a code exists when it is listed, or when it is a 4- or
    6-digit heading under which a listed code sits. Without one: the built-in
    headings, matched on the first four digits.
    """

    def __init__(self, codes=None):
        self.source = "file" if codes is not None else "builtin"
        if codes is None:
            self._codes = set()
            self._headings = set(BUILTIN_HSN_HEADINGS)
        else:
            self._codes = set(codes)
            self._headings = {code[:length] for code in self._codes for length in (4, 6) if len(code) > length}

    @classmethod
    def from_file(cls, path):
        with open(path, encoding="utf-8") as handle:
            entries = json.load(handle)
        codes = []
        for entry in entries:
            code = entry.get("hsn_code") if isinstance(entry, dict) else entry
            if code is not None:
                codes.append(str(code).strip())
        return cls(codes)

    def __len__(self):
        return len(self._codes) or len(self._headings)

    def exists(self, code):
        if self.source == "builtin":
            return code[:4] in self._headings
        return code in self._codes or code in self._headings
