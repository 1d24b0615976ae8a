"""Offline pre-flight of Generate IRN payloads: schema 1.1 and the IRP's business rules (nic-irp-api.md §7)."""
import copy
import time
from datetime import date, datetime, timezone

import pytest
from jsonschema import Draft7Validator

from irp import gstin, masters, validation, validation_schema
from irp.validation import Problem, validate_invoice


def make_gstin(first14):
    return first14 + gstin.check_char(first14)


SELLER_KA = "29AAFCC9980M1ZR"  # GSTZen's published example (§6)
BUYER_MH = "27AAPFU0939F1ZV"  # python-stdnum's published example
BUYER_KA = make_gstin("29AABCT1332L1Z")
BUYER_SEZ_TN = make_gstin("33AADCS0472N1Z")
ECOM_TCS = make_gstin("29AABCF1234A1C")
TODAY = date(2026, 8, 20)


def taxpayer_types(value):
    return {BUYER_SEZ_TN: "SEZ", SELLER_KA: "REG", BUYER_MH: "REG", BUYER_KA: "REG"}.get(value)


# --- valid payloads ------------------------------------------------------------------------------

def line(serial, gross=1000.0, rate=18.0, kind="igst", hsn="73181500", service=False, discount=0.0):
    taxable = round(gross - discount, 2)
    tax = round(taxable * rate / 100, 2)
    igst = tax if kind == "igst" else 0.0
    half = round(tax / 2, 2) if kind == "intra" else 0.0
    item = {
        "SlNo": str(serial), "PrdDesc": "Hex bolt M8 zinc plated", "IsServc": "Y" if service else "N", "HsnCd": hsn,
        "Qty": 10.0, "Unit": "NOS", "UnitPrice": round(gross / 10, 3), "TotAmt": gross, "Discount": discount,
        "AssAmt": taxable, "GstRt": rate, "IgstAmt": igst, "CgstAmt": half, "SgstAmt": half,
        "CesRt": 0, "CesAmt": 0, "CesNonAdvlAmt": 0, "OthChrg": 0,
        "TotItemVal": round(taxable + igst + 2 * half, 2),
    }
    if service:
        item.pop("Qty")
        item.pop("Unit")
    return item


def with_totals(payload):
    items = payload["ItemList"]

    def total(*keys):
        return round(sum(item.get(key, 0) for item in items for key in keys), 2)

    payload["ValDtls"] = {
        "AssVal": total("AssAmt"), "CgstVal": total("CgstAmt"), "SgstVal": total("SgstAmt"),
        "IgstVal": total("IgstAmt"), "CesVal": total("CesAmt", "CesNonAdvlAmt"),
        "StCesVal": total("StateCesAmt", "StateCesNonAdvlAmt"), "Discount": 0, "OthChrg": total("OthChrg"),
        "RndOffAmt": 0, "TotInvVal": total("TotItemVal"),
    }
    return payload


def b2b_inter(items=None):
    return with_totals({
        "Version": "1.1",
        "TranDtls": {"TaxSch": "GST", "SupTyp": "B2B", "RegRev": "N", "IgstOnIntra": "N"},
        "DocDtls": {"Typ": "INV", "No": "INV/2026/0042", "Dt": "18/08/2026"},
        "SellerDtls": {"Gstin": SELLER_KA, "LglNm": "Bengaluru Fasteners Private Limited", "TrdNm": "BFPL",
                       "Addr1": "12 Industrial Layout", "Addr2": "Peenya 2nd Stage", "Loc": "Bengaluru", "Pin": 560058,
                       "Stcd": "29", "Ph": "08023456789", "Em": "accounts@bfpl.example"},
        "BuyerDtls": {"Gstin": BUYER_MH, "LglNm": "Pune Tools LLP", "Pos": "27", "Addr1": "4 FC Road",
                      "Loc": "Pune", "Pin": 411004, "Stcd": "27"},
        "ItemList": items if items is not None else [line(1), line(2, gross=250.5, rate=12.0, hsn="84713010")],
        "PayDtls": {"CrDay": 30, "PaidAmt": 0},
    })


def b2b_intra():
    payload = b2b_inter([line(1, kind="intra"), line(2, gross=499.99, rate=5.0, kind="intra", hsn="7318")])
    payload["BuyerDtls"] = {"Gstin": BUYER_KA, "LglNm": "Mysuru Machine Works", "Pos": "29", "Addr1": "7 KRS Road",
                            "Loc": "Mysuru", "Pin": 570016, "Stcd": "29"}
    return with_totals(payload)


def sez():
    payload = b2b_inter()
    payload["TranDtls"]["SupTyp"] = "SEZWP"
    payload["BuyerDtls"] = {"Gstin": BUYER_SEZ_TN, "LglNm": "Sriperumbudur SEZ Unit", "Pos": "33",
                            "Addr1": "Plot 4, SEZ Phase II", "Loc": "Sriperumbudur", "Pin": 602105, "Stcd": "33"}
    return payload


def export():
    payload = b2b_inter()
    payload["TranDtls"]["SupTyp"] = "EXPWP"
    payload["BuyerDtls"] = {"Gstin": "URP", "LglNm": "Gulf Hardware Trading LLC", "Pos": "96",
                            "Addr1": "Al Quoz Industrial Area 3", "Loc": "Dubai", "Pin": 999999, "Stcd": "96"}
    payload["ShipDtls"] = {"Gstin": "URP", "LglNm": "Chennai Port", "Addr1": "Rajaji Salai", "Loc": "Chennai",
                           "Pin": 600001, "Stcd": "33"}
    payload["ExpDtls"] = {"ShipBNo": "8123456", "ShipBDt": "18/08/2026", "Port": "INMAA1", "RefClm": "N",
                          "ForCur": "AED", "CntCode": "AE"}
    return payload


def export_without_payment():
    payload = export()
    payload["TranDtls"]["SupTyp"] = "EXPWOP"
    for item in payload["ItemList"]:
        item["IgstAmt"] = 0
        item["TotItemVal"] = item["AssAmt"]
    return with_totals(payload)


def credit_note():
    payload = b2b_inter([line(1, gross=200.0)])
    payload["DocDtls"] = {"Typ": "CRN", "No": "CN/2026/0007", "Dt": "19/08/2026"}
    payload["RefDtls"] = {"InvRm": "Returned goods", "PrecDocDtls": [{"InvNo": "INV/2026/0042", "InvDt": "18/08/2026"}]}
    return payload


def deemed_export():
    payload = b2b_inter()
    payload["TranDtls"]["SupTyp"] = "DEXP"
    return payload


def services():
    return with_totals(b2b_inter([line(1, gross=5000.0, hsn="998314", service=True)]))


def with_ewaybill():
    payload = b2b_inter()
    payload["EwbDtls"] = {"TransId": make_gstin("29AAACT4321B1Z"), "TransName": "Speed Movers", "TransMode": "1",
                          "Distance": 840, "VehNo": "KA01AB1234", "VehType": "R"}
    return payload


VALID = {
    "b2b inter-state": b2b_inter,
    "b2b intra-state": b2b_intra,
    "sez with payment": sez,
    "export with payment": export,
    "export without payment": export_without_payment,
    "credit note": credit_note,
    "deemed export": deemed_export,
    "services": services,
    "with e-way bill": with_ewaybill,
}


@pytest.mark.parametrize("name", list(VALID))
def test_valid_payloads_have_no_problems(name):
    assert validate_invoice(VALID[name](), today=TODAY, taxpayer_type=taxpayer_types) == []


def test_valid_payload_with_hsn_master_and_session_gstin():
    known = validation.hsn_master(["73181500", "84713010", "998314"])
    assert validate_invoice(b2b_inter(), today=TODAY, hsn_known=known, session_gstin=SELLER_KA) == []


# --- one minimal mutation per rule ----------------------------------------------------------------

def _set(path, value):
    """Mutation setting payload[path] = value ('ItemList.0.GstRt'); value DELETE removes the key."""
    def mutate(payload):
        *parents, last = path.split(".")
        node = payload
        for part in parents:
            node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
        if value is DELETE:
            del node[int(last) if last.isdigit() else last]
        else:
            node[int(last) if last.isdigit() else last] = copy.deepcopy(value)
    return mutate


DELETE = object()


def _steps(*mutations):
    def mutate(payload):
        for mutation in mutations:
            mutation(payload)
    return mutate


def _retotal(mutation):
    return _steps(mutation, with_totals)


def _intra_with(**changes):
    def mutate(payload):
        for item in payload["ItemList"]:
            item.update(changes)
    return mutate


# (id, base, mutation, expected code, expected path, extra keyword arguments)
RULES = [
    ("schema required", b2b_inter, _set("SellerDtls.LglNm", DELETE), "schema", "SellerDtls.LglNm", {}),
    ("schema pattern", b2b_inter, _set("DocDtls.No", "0INV/1"), "schema", "DocDtls.No", {}),
    ("schema type", b2b_inter, _set("BuyerDtls.Pin", "411004"), "schema", "BuyerDtls.Pin", {}),
    ("2169 not my GSTIN", b2b_inter, lambda p: None, "2169", "SellerDtls.Gstin", {"session_gstin": BUYER_KA}),
    ("2258 seller state", b2b_inter, _set("SellerDtls.Stcd", "27"), "2258", "SellerDtls.Stcd", {}),
    ("2265 buyer state", b2b_inter, _set("BuyerDtls.Stcd", "24"), "2265", "BuyerDtls.Stcd", {}),
    ("2211 same GSTIN", b2b_inter, _steps(_set("BuyerDtls.Gstin", SELLER_KA), _set("BuyerDtls.Stcd", "29")),
     "2211", "BuyerDtls.Gstin", {}),
    ("2212 URP in B2B", b2b_inter, _set("BuyerDtls.Gstin", "URP"), "2212", "BuyerDtls.Gstin", {}),
    ("2171 URP in DEXP", deemed_export, _set("BuyerDtls.Gstin", "URP"), "2171", "BuyerDtls.Gstin", {}),
    ("2248 export to registered buyer", export, _set("BuyerDtls.Gstin", BUYER_MH), "2248", "BuyerDtls.Gstin", {}),
    ("2229 export POS", export, _set("BuyerDtls.Pos", "27"), "2229", "BuyerDtls.Pos", {}),
    ("2261 export buyer state", export, _set("BuyerDtls.Stcd", "27"), "2261", "BuyerDtls.Stcd", {}),
    ("2181 export intra-state", export, _set("BuyerDtls.Pos", "29"), "2181", "BuyerDtls.Pos", {}),
    ("2180 export with CGST", export, _intra_with(IgstAmt=0, CgstAmt=90.0, SgstAmt=90.0), "2180",
     "ItemList[0].CgstAmt", {}),
    ("2208 export without ExpDtls", export, _set("ExpDtls", DELETE), "2208", "ExpDtls", {}),
    ("2208 export without country", export, _set("ExpDtls.CntCode", DELETE), "2208", "ExpDtls.CntCode", {}),
    ("2202 unknown country", export, _set("ExpDtls.CntCode", "XX"), "2202", "ExpDtls.CntCode", {}),
    ("2202 unknown origin", b2b_inter, _set("ItemList.0.OrgCntry", "QQ"), "2202", "ItemList[0].OrgCntry", {}),
    ("2203 unknown currency", export, _set("ExpDtls.ForCur", "XYZ"), "2203", "ExpDtls.ForCur", {}),
    ("2242 POS 96 in B2B", b2b_inter, _set("BuyerDtls.Pos", "96"), "2242", "BuyerDtls.Pos", {}),
    ("2247 SEZ supply to non-SEZ", sez, _steps(_set("BuyerDtls.Gstin", BUYER_MH), _set("BuyerDtls.Stcd", "27"),
                                               _set("BuyerDtls.Pos", "27"), _set("BuyerDtls.Pin", 411004)),
     "2247", "BuyerDtls.Gstin", {"taxpayer_type": taxpayer_types}),
    ("2246 B2B to SEZ", sez, _set("TranDtls.SupTyp", "B2B"), "2246", "TranDtls.SupTyp",
     {"taxpayer_type": taxpayer_types}),
    ("2231 seller is SEZ", b2b_inter, lambda p: None, "2231", "SellerDtls.Gstin",
     {"taxpayer_type": lambda value: "SEZ" if value == SELLER_KA else "REG"}),
    ("2237 SEZ with CGST", sez, _intra_with(IgstAmt=0, CgstAmt=90.0, SgstAmt=90.0), "2237",
     "ItemList[0].CgstAmt", {}),
    ("2162 reverse charge outside B2B", sez, _set("TranDtls.RegRev", "Y"), "2162", "TranDtls.RegRev", {}),
    ("2159 reverse charge value", b2b_inter, _set("TranDtls.RegRev", "X"), "2159", "TranDtls.RegRev", {}),
    ("2161 document type", b2b_inter, _set("DocDtls.Typ", "BIL"), "2161", "DocDtls.Typ", {}),
    ("2172 IGST intra-state", b2b_intra, _intra_with(IgstAmt=180.0, CgstAmt=0, SgstAmt=0), "2172",
     "ItemList[0].IgstAmt", {}),
    ("2241 intra-state without CGST/SGST", b2b_intra, _intra_with(CgstAmt=0, SgstAmt=0), "2241",
     "ItemList[0].CgstAmt", {}),
    ("2227 CGST differs from SGST", b2b_intra, _set("ItemList.0.SgstAmt", 89.0), "2227", "ItemList[0].SgstAmt", {}),
    ("2174 CGST inter-state", b2b_inter, _intra_with(IgstAmt=0, CgstAmt=90.0, SgstAmt=90.0), "2174",
     "ItemList[0].CgstAmt", {}),
    ("2262 IGST on intra with other POS", b2b_inter, _set("TranDtls.IgstOnIntra", "Y"), "2262",
     "TranDtls.IgstOnIntra", {}),
    ("2263 IGST on intra value", b2b_inter, _set("TranDtls.IgstOnIntra", "y"), "2263", "TranDtls.IgstOnIntra", {}),
    ("2178 seller PIN", b2b_inter, _set("SellerDtls.Pin", 400001), "2178", "SellerDtls.Pin", {}),
    ("2178 buyer PIN 999999 in India", b2b_inter, _set("BuyerDtls.Pin", 999999), "2178", "BuyerDtls.Pin", {}),
    ("2178 foreign buyer PIN", export, _set("BuyerDtls.Pin", 411004), "2178", "BuyerDtls.Pin", {}),
    ("2178 dispatch PIN", b2b_inter, _set("DispDtls", {"Nm": "BFPL Warehouse", "Addr1": "Plot 9", "Loc": "Hosur",
                                                       "Pin": 635109, "Stcd": "29"}), "2178", "DispDtls.Pin", {}),
    ("2178 ship PIN", export, _set("ShipDtls.Pin", 400001), "2178", "ShipDtls.Pin", {}),
    ("2259 seller state code", b2b_inter, _set("SellerDtls.Stcd", "96"), "2259", "SellerDtls.Stcd", {}),
    ("2260 buyer state code", export, _set("BuyerDtls.Stcd", "98"), "2260", "BuyerDtls.Stcd", {}),
    ("2243 POS state code", b2b_inter, _set("BuyerDtls.Pos", "25"), "2243", "BuyerDtls.Pos", {}),
    ("2200 ship state code", export, _set("ShipDtls.Stcd", "99"), "2200", "ShipDtls.Stcd", {}),
    ("2244 buyer PIN missing", b2b_inter, _set("BuyerDtls.Pin", DELETE), "2244", "BuyerDtls.Pin", {}),
    ("2176 HSN not in master", b2b_inter, _set("ItemList.1.HsnCd", "12345678"), "2176", "ItemList[1].HsnCd",
     {"hsn_known": validation.hsn_master(["73181500", "84713010"])}),
    ("2199 service with goods HSN", b2b_inter, _set("ItemList.0.IsServc", "Y"), "2199", "ItemList[0].IsServc", {}),
    ("2199 goods with SAC", services, _steps(_set("ItemList.0.IsServc", "N"), _set("ItemList.0.Qty", 1),
                                             _set("ItemList.0.Unit", "OTH")), "2199", "ItemList[0].IsServc", {}),
    ("2177 unit not UQC", b2b_inter, _set("ItemList.0.Unit", "PIECE"), "2177", "ItemList[0].Unit", {}),
    ("2238 goods without quantity", b2b_inter, _set("ItemList.0.Qty", DELETE), "2238", "ItemList[0].Qty", {}),
    ("2239 goods without unit", b2b_inter, _set("ItemList.0.Unit", DELETE), "2239", "ItemList[0].Unit", {}),
    ("2240 GST rate", b2b_inter, _retotal(_set("ItemList.0.GstRt", 15.0)), "2240", "ItemList[0].GstRt", {}),
    ("2235 IGST amount", b2b_inter, _retotal(_steps(_set("ItemList.0.IgstAmt", 150.0),
                                                    _set("ItemList.0.TotItemVal", 1150.0))),
     "2235", "ItemList[0].IgstAmt", {}),
    ("2234 CGST/SGST amounts", b2b_intra, _retotal(_steps(_set("ItemList.0.CgstAmt", 80.0),
                                                          _set("ItemList.0.SgstAmt", 80.0),
                                                          _set("ItemList.0.TotItemVal", 1160.0))),
     "2234", "ItemList[0].CgstAmt", {}),
    ("2266 cess amount", b2b_inter, _retotal(_steps(_set("ItemList.0.CesRt", 12.0), _set("ItemList.0.CesAmt", 100.0),
                                                    _set("ItemList.0.TotItemVal", 1280.0))),
     "2266", "ItemList[0].CesAmt", {}),
    ("2267 state cess amount", b2b_inter, _retotal(_steps(_set("ItemList.0.StateCesRt", 1.0),
                                                          _set("ItemList.0.StateCesAmt", 5.0),
                                                          _set("ItemList.0.TotItemVal", 1185.0))),
     "2267", "ItemList[0].StateCesAmt", {}),
    ("2223 state cess without rate", b2b_inter, _retotal(_steps(_set("ItemList.0.StateCesAmt", 10.0),
                                                                _set("ItemList.0.TotItemVal", 1190.0))),
     "2223", "ItemList[0].StateCesRt", {}),
    ("2193 taxable value", b2b_inter, _set("ItemList.0.Discount", 100.0), "2193", "ItemList[0].AssAmt", {}),
    ("2194 item total", b2b_inter, _retotal(_set("ItemList.0.TotItemVal", 1200.0)), "2194",
     "ItemList[0].TotItemVal", {}),
    ("2182 total taxable", b2b_inter, _set("ValDtls.AssVal", 1200.0), "2182", "ValDtls.AssVal", {}),
    ("2183 total SGST", b2b_intra, _set("ValDtls.SgstVal", 0), "2183", "ValDtls.SgstVal", {}),
    ("2184 total CGST", b2b_intra, _set("ValDtls.CgstVal", 10.0), "2184", "ValDtls.CgstVal", {}),
    ("2185 total IGST", b2b_inter, _set("ValDtls.IgstVal", 100.0), "2185", "ValDtls.IgstVal", {}),
    ("2186 total cess", b2b_inter, _set("ValDtls.CesVal", 5.0), "2186", "ValDtls.CesVal", {}),
    ("2187 total state cess", b2b_inter, _set("ValDtls.StCesVal", 7.5), "2187", "ValDtls.StCesVal", {}),
    ("2189 invoice total", b2b_inter, _set("ValDtls.TotInvVal", 1500.0), "2189", "ValDtls.TotInvVal", {}),
    ("2264 other charges", b2b_inter, _steps(_set("ItemList.0.OthChrg", 50.0), _set("ItemList.0.TotItemVal", 1230.0),
                                             with_totals, _set("ValDtls.OthChrg", 0)),
     "2264", "ValDtls.OthChrg", {}),
    ("2220 discount above total", b2b_inter, _set("ValDtls.Discount", 5000.0), "2220", "ValDtls.Discount", {}),
    ("2228 no items", b2b_inter, _set("ItemList", []), "2228", "ItemList", {}),
    ("2173 too many items", b2b_inter, _retotal(_set("ItemList", [line(n) for n in range(1, 1002)])), "2173",
     "ItemList", {}),
    ("2233 duplicate serial", b2b_inter, _set("ItemList.1.SlNo", "1"), "2233", "ItemList[1].SlNo", {}),
    ("2163 future date", b2b_inter, _set("DocDtls.Dt", "21/08/2026"), "2163", "DocDtls.Dt", {}),
    ("2163 before e-invoicing", b2b_inter, _set("DocDtls.Dt", "30/09/2020"), "2163", "DocDtls.Dt", {}),
    ("2225 impossible date", b2b_inter, _set("DocDtls.Dt", "31/02/2026"), "2225", "DocDtls.Dt", {}),
    ("2210 INV with original invoice", b2b_inter,
     _set("RefDtls", {"PrecDocDtls": [{"InvNo": "INV/2026/0001", "InvDt": "01/08/2026"}]}),
     "2210", "RefDtls.PrecDocDtls", {}),
    ("2219 period reversed", b2b_inter, _set("RefDtls", {"DocPerdDtls": {"InvStDt": "31/07/2026",
                                                                         "InvEndDt": "01/07/2026"}}),
     "2219", "RefDtls.DocPerdDtls.InvStDt", {}),
    ("2195 e-commerce GSTIN not TCS", b2b_inter, _set("TranDtls.EcmGstin", BUYER_KA), "2195", "TranDtls.EcmGstin", {}),
    ("3030 buyer check digit", b2b_inter, _set("BuyerDtls.Gstin", BUYER_MH[:14] + "W"), "3030", "BuyerDtls.Gstin", {}),
    ("3030 ship-to check digit", export, _set("ShipDtls.Gstin", "33AADCS0472N1ZZ"), "3030", "ShipDtls.Gstin", {}),
    ("2252 e-way bill for a credit note", credit_note, _set("EwbDtls", {"Distance": 100, "TransMode": "1",
                                                                        "VehNo": "KA01AB1234", "VehType": "R"}),
     "2252", "EwbDtls", {}),
    ("2251 e-way bill for services", services, _set("EwbDtls", {"Distance": 100, "TransMode": "1",
                                                                "VehNo": "KA01AB1234", "VehType": "R"}),
     "2251", "EwbDtls", {}),
    ("2253 road without vehicle", with_ewaybill, _set("EwbDtls.VehNo", DELETE), "2253", "EwbDtls.VehNo", {}),
    ("2254 rail without document", with_ewaybill, _set("EwbDtls.TransMode", "2"), "2254", "EwbDtls.TransDocNo", {}),
    ("4014 vehicle number", with_ewaybill, _set("EwbDtls.VehNo", "KA1234AB"), "4014", "EwbDtls.VehNo", {}),
    ("4029 distance 0 with same PINs", with_ewaybill, _steps(_set("EwbDtls.Distance", 0),
                                                             _set("BuyerDtls.Pin", 560058)),
     "4029", "EwbDtls.Distance", {}),
]

# Every business rule of nic-irp-api.md §7.13 that can be checked without the IRP's own masters.
# Not local: 2150/2278 (duplicates at the IRP), 3028/3029/3074-3079 (GSTIN master status and dates),
# 2143 (token's GSTIN: 2169 covers the payload side), 2192 (withdrawn by NIC), 2188 (no separate
# non-ad-valorem total exists in ValDtls), 2222 (state cess rates per HSN), 2232/2218 (same rules as 2229/2163).
SECTION_7_13_CODES = {
    "schema", "2169", "2258", "2265", "2211", "2212", "2248", "2229", "2171", "2247", "2237", "2246", "2162",
    "2172", "2241", "2227", "2174", "2262", "2263", "2180", "2181", "2178", "2176", "2199", "2177", "2238",
    "2239", "2240", "2223", "2266", "2267", "2234", "2235", "2193", "2194", "2182", "2183", "2184", "2185",
    "2186", "2187", "2189", "2264", "2220", "2228", "2173", "2233", "2163", "2231",
}


def _mutated(base, mutation):
    payload = base()
    mutation(payload)
    return payload


@pytest.mark.parametrize("rule_id, base, mutation, code, path, kwargs", RULES, ids=[rule[0] for rule in RULES])
def test_each_rule_reports_its_code(rule_id, base, mutation, code, path, kwargs):
    payload = _mutated(base, mutation)
    problems = validate_invoice(payload, today=TODAY, **kwargs)
    assert (code, path) in {(problem.code, problem.path) for problem in problems}, problems
    problem = next(problem for problem in problems if (problem.code, problem.path) == (code, path))
    assert problem.message[0].isupper()
    if code != "schema":
        assert problem.message.endswith("(%s)" % code)


def test_rule_table_covers_section_7_13():
    assert SECTION_7_13_CODES <= {rule[3] for rule in RULES}


def test_messages_name_the_item_the_field_and_the_value():
    payload = b2b_inter()
    payload["ItemList"][2:] = [line(3, hsn="1234")]
    with_totals(payload)
    problems = validate_invoice(payload, today=TODAY, hsn_known=validation.hsn_master(["73181500", "84713010"]))
    assert [str(problem) for problem in problems] == ["Item 3: HSN code '1234' is not in the HSN master (2176)"]
    assert problems[0] == Problem("ItemList[2].HsnCd", "2176", "hsn_unknown", {"hsn": "1234"})


def test_schema_messages_are_readable():
    payload = b2b_inter()
    payload["SellerDtls"]["LglNm"] = "AB"
    payload["BuyerDtls"]["Em"] = "not-an-email"
    payload["ItemList"][1]["HsnCd"] = "0000"
    del payload["ItemList"][0]["TotItemVal"]
    messages = {problem.path: problem.message for problem in validate_invoice(payload, today=TODAY)}
    assert messages["SellerDtls.LglNm"] == "Seller: legal name 'AB' is too short: at least 3 characters are needed"
    assert messages["BuyerDtls.Em"] == "Buyer: e-mail address 'not-an-email' is not a valid e-mail address"
    assert messages["ItemList[1].HsnCd"] == "Item 2: HSN code '0000' must be 4, 6 or 8 digits and not all zeros"
    assert messages["ItemList[0].TotItemVal"] == "Item 1: item total (TotItemVal) is missing"


def test_every_problem_is_reported_at_once():
    payload = b2b_inter()
    del payload["SellerDtls"]["LglNm"]  # schema
    payload["DocDtls"]["Dt"] = "25/08/2026"  # future (2163)
    payload["ItemList"][0]["Unit"] = "XYZ"  # not a UQC (2177)
    payload["ItemList"][1]["SlNo"] = "1"  # duplicate serial number (2233)
    payload["ValDtls"]["AssVal"] = 999.0  # totals (2182)
    payload["BuyerDtls"]["Gstin"] = BUYER_MH[:14] + "A"  # check character (3030)
    problems = validate_invoice(payload, today=TODAY)
    found = {(problem.code, problem.path) for problem in problems}
    expected = {("schema", "SellerDtls.LglNm"), ("2163", "DocDtls.Dt"), ("2177", "ItemList[0].Unit"),
                ("2233", "ItemList[1].SlNo"), ("2182", "ValDtls.AssVal"), ("3030", "BuyerDtls.Gstin")}
    assert expected <= found
    assert len(problems) >= 5


def test_item_tolerance_is_one_rupee_and_total_tolerance_is_one():
    payload = b2b_inter()
    payload["ItemList"][0]["IgstAmt"] = 180.99  # 0.99 off: accepted
    payload["ItemList"][0]["TotItemVal"] = 1180.99
    with_totals(payload)
    payload["ValDtls"]["TotInvVal"] += 0.99
    payload["ValDtls"]["RndOffAmt"] = 0
    assert validate_invoice(payload, today=TODAY) == []
    payload["ItemList"][0]["IgstAmt"] = 181.01  # 1.01 off: refused
    codes = {problem.code for problem in validate_invoice(payload, today=TODAY)}
    assert "2235" in codes


def test_rounding_amount_and_discount_close_the_invoice_total():
    payload = b2b_inter()
    total = payload["ValDtls"]["TotInvVal"]
    payload["ValDtls"]["RndOffAmt"] = round(round(total) - total, 2)
    payload["ValDtls"]["Discount"] = 100.0
    payload["ValDtls"]["TotInvVal"] = round(total) - 100.0
    assert validate_invoice(payload, today=TODAY) == []


def test_reverse_charge_item_total_may_exclude_tax():
    payload = b2b_inter()
    payload["TranDtls"]["RegRev"] = "Y"
    for item in payload["ItemList"]:
        item["TotItemVal"] = item["AssAmt"]
    payload["ValDtls"]["TotInvVal"] = payload["ValDtls"]["AssVal"]
    payload["ValDtls"]["IgstVal"] = sum(item["IgstAmt"] for item in payload["ItemList"])
    problems = validate_invoice(payload, today=TODAY)
    assert [problem.code for problem in problems if problem.path.startswith("ItemList")] == []


def test_credit_notes_skip_tax_arithmetic_but_not_tax_kinds():
    payload = credit_note()
    payload["ItemList"][0]["IgstAmt"] = 30.0  # not 18 %: the IRP does not check notes
    payload["ItemList"][0]["TotItemVal"] = 230.0
    with_totals(payload)
    assert validate_invoice(payload, today=TODAY) == []
    payload["ItemList"][0].update(IgstAmt=0, CgstAmt=15.0, SgstAmt=15.0)
    assert "2174" in {problem.code for problem in validate_invoice(payload, today=TODAY)}


def test_standalone_credit_note_is_accepted():
    payload = credit_note()
    del payload["RefDtls"]
    assert validate_invoice(payload, today=TODAY) == []


def test_igst_on_intra_state_supply():
    payload = b2b_intra()
    payload["TranDtls"]["IgstOnIntra"] = "Y"
    for item in payload["ItemList"]:
        tax = item["CgstAmt"] + item["SgstAmt"]
        item.update(IgstAmt=round(tax, 2), CgstAmt=0, SgstAmt=0)
    with_totals(payload)
    assert validate_invoice(payload, today=TODAY) == []


def test_check_digit_can_be_relaxed_for_nic_sandbox_gstins():
    payload = b2b_inter()
    payload["SellerDtls"]["Gstin"] = "29AMBPG7773M002"
    payload["BuyerDtls"]["Gstin"] = "27AMBPG7773M002"
    strict = validate_invoice(payload, today=TODAY)
    assert {(problem.code, problem.path) for problem in strict} == {
        ("3030", "SellerDtls.Gstin"), ("3030", "BuyerDtls.Gstin")}
    assert validate_invoice(payload, today=TODAY, require_check_digit=False) == []


def test_property_names_are_matched_case_insensitively_without_touching_the_input():
    payload = b2b_inter()
    payload["BuyerDtls"]["GSTIN"] = payload["BuyerDtls"].pop("Gstin")  # as Odoo 18 sends them
    payload["BuyerDtls"]["POS"] = payload["BuyerDtls"].pop("Pos")
    payload["SellerDtls"]["GSTIN"] = payload["SellerDtls"].pop("Gstin")
    payload["itemlist"] = payload.pop("ItemList")
    snapshot = copy.deepcopy(payload)
    assert validate_invoice(payload, today=TODAY) == []
    assert payload == snapshot
    normalised = validation.normalise_keys(payload)
    assert normalised["BuyerDtls"]["Gstin"] == BUYER_MH and normalised["BuyerDtls"]["Pos"] == "27"
    assert "ItemList" in normalised


def test_supply_and_document_types_are_case_insensitive_like_nic():
    payload = b2b_inter()
    payload["TranDtls"]["SupTyp"] = "b2b"
    payload["DocDtls"]["Typ"] = "inv"
    assert validate_invoice(payload, today=TODAY) == []


def test_today_defaults_to_the_date_in_india():
    payload = b2b_inter()
    payload["DocDtls"]["Dt"] = "01/01/2029"
    assert "2163" in {problem.code for problem in validate_invoice(payload)}
    # 20:00 UTC on 20/08/2026 is already 21/08/2026 in India.
    payload["DocDtls"]["Dt"] = "21/08/2026"
    late_evening_utc = datetime(2026, 8, 20, 20, 0, tzinfo=timezone.utc)
    assert validate_invoice(payload, today=late_evening_utc) == []


def test_non_object_payloads_and_garbage_values_do_not_crash():
    assert [problem.code for problem in validate_invoice([])] == ["schema"]
    payload = b2b_inter()
    payload["ItemList"][0] = "not an item"
    payload["ValDtls"]["AssVal"] = None
    payload["BuyerDtls"]["Stcd"] = 27
    payload["SellerDtls"] = []
    problems = validate_invoice(payload, today=TODAY)
    paths = {problem.path for problem in problems}
    assert {"ItemList[0]", "ValDtls.AssVal", "BuyerDtls.Stcd", "SellerDtls"} <= paths


def test_hsn_master_accepts_headings_of_known_codes():
    known = validation.hsn_master(["61149090", "998314"])
    assert known("61149090") and known("611490") and known("6114") and known("9983")
    assert not known("61149099") and not known("6115")


def test_hsn_master_file_formats(tmp_path):
    (tmp_path / "codes.txt").write_text("73181500\n998314,Engineering services\n")
    known = validation.load_hsn_master(tmp_path / "codes.txt")
    assert known("73181500") and known("7318") and known("998314") and not known("1234")
    (tmp_path / "codes.json").write_text('[{"hsn_code": "61149090", "description": "garments"}]')
    assert validation.load_hsn_master(tmp_path / "codes.json")("6114")


def test_fast_precheck_agrees_with_jsonschema_on_every_test_payload():
    full_schema = Draft7Validator(validation.load_schema(validation.INVOICE_SCHEMA))
    compiled = validation_schema._compiled(validation.INVOICE_SCHEMA)
    payloads = [factory() for factory in VALID.values()] + [_mutated(rule[1], rule[2]) for rule in RULES]
    disagreements = []
    for payload in payloads:
        normalised = validation.normalise_keys(payload)
        if compiled.check(normalised) != full_schema.is_valid(normalised):
            disagreements.append(normalised)
    assert disagreements == []
    assert any(not full_schema.is_valid(validation.normalise_keys(payload)) for payload in payloads)


def test_schema_is_a_clean_draft_07_schema():
    schema = validation.load_schema(validation.INVOICE_SCHEMA)
    Draft7Validator.check_schema(schema)
    assert set(schema["required"]) == {"Version", "TranDtls", "DocDtls", "SellerDtls", "BuyerDtls", "ItemList",
                                       "ValDtls"}
    properties = schema["properties"]
    assert properties["ItemList"]["type"] == "array" and properties["ItemList"]["items"]["type"] == "object"
    assert properties["AddlDocDtls"]["type"] == "array"
    assert properties["RefDtls"]["properties"]["DocPerdDtls"]["required"] == ["InvStDt", "InvEndDt"]
    assert properties["RefDtls"]["properties"]["PrecDocDtls"]["items"]["required"] == ["InvNo", "InvDt"]
    assert not any(key != key.strip() for key in _all_keys(schema))
    assert properties["EwbDtls"]["properties"]["Distance"]["maximum"] == 4000
    assert properties["EwbDtls"]["properties"]["TransMode"]["enum"] == list(masters.TRANSPORT_MODES)
    ewaybill_schema = validation.load_schema(validation.EWAYBILL_SCHEMA)
    Draft7Validator.check_schema(ewaybill_schema)
    assert ewaybill_schema["required"] == ["Irn", "Distance"]


def _all_keys(node):
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _all_keys(value)
    elif isinstance(node, list):
        for value in node:
            yield from _all_keys(value)


def test_thousand_line_invoice_is_valid_and_fast():
    payload = with_totals(b2b_inter([line(n, gross=100.0 + n, rate=18.0) for n in range(1, 1001)]))
    assert validate_invoice(payload, today=TODAY) == []
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        validate_invoice(payload, today=TODAY)
        timings.append(time.perf_counter() - started)
    # About 15 ms on a laptop; the bound only catches a return to per-item jsonschema runs (~150 ms).
    assert min(timings) < 0.1, timings


def test_one_bad_line_among_a_thousand_is_found_quickly():
    payload = with_totals(b2b_inter([line(n) for n in range(1, 1001)]))
    payload["ItemList"][736]["HsnCd"] = "12AB"
    started = time.perf_counter()
    problems = validate_invoice(payload, today=TODAY)
    elapsed = time.perf_counter() - started
    assert [(problem.code, problem.path) for problem in problems] == [("schema", "ItemList[736].HsnCd")]
    assert problems[0].message.startswith("Item 737: HSN code '12AB'")
    assert elapsed < 0.2


# --- cancellation ---------------------------------------------------------------------------------

IRN = "706daeccda0ef6f818da78f3a2a05a1288731057373002289b46c3229289a2e7"


def test_cancel_request():
    assert validation.validate_cancel(IRN, "2", "Data entry mistake") == []
    assert validation.validate_cancel(IRN, 4, "Order changed") == []
    problems = validation.validate_cancel(IRN.upper(), "5", "")
    assert [(problem.path, problem.code) for problem in problems] == [
        ("Irn", "2145"), ("CnlRsn", "schema"), ("CnlRem", "schema")]
    assert "1 (Duplicate)" in problems[1].message
    assert validation.validate_cancel(IRN, "1", "x" * 101)[0].path == "CnlRem"
    assert validation.validate_cancel(IRN, "1", 'said "no"')[0].path == "CnlRem"


def test_ewaybill_cancel_request():
    assert validation.validate_ewaybill_cancel(391009149369, "2", "Order cancelled") == []
    problems = validation.validate_ewaybill_cancel("39100914936", "5", "x" * 51)
    assert [(problem.path, problem.code) for problem in problems] == [
        ("ewbNo", "4008"), ("cancelRsnCode", "schema"), ("cancelRmrk", "schema")]


# --- e-way bill by IRN ----------------------------------------------------------------------------

TRANSPORTER = make_gstin("29AAACT4321B1Z")


def ewaybill(**changes):
    payload = {"Irn": IRN, "Distance": 840, "TransMode": "1", "TransId": TRANSPORTER, "TransName": "Speed Movers",
               "VehNo": "KA01AB1234", "VehType": "R"}
    for key, value in changes.items():
        if value is DELETE:
            payload.pop(key, None)
        else:
            payload[key] = value
    return payload


def test_valid_ewaybills():
    invoice = b2b_inter()
    assert validation.validate_ewaybill(ewaybill(), invoice=invoice, today=TODAY) == []
    assert validation.validate_ewaybill(ewaybill(), today=TODAY) == []
    part_a = {"Irn": IRN, "Distance": 0, "TransId": TRANSPORTER, "TransName": "Speed Movers"}
    assert validation.validate_ewaybill(part_a, invoice=invoice, today=TODAY) == []
    rail = ewaybill(TransMode="2", VehNo=DELETE, VehType=DELETE, TransDocNo="RR/2026/77", TransDocDt="19/08/2026")
    assert validation.validate_ewaybill(rail, invoice=invoice, today=TODAY) == []
    export_ship = ewaybill(ExpShipDtls={"Gstin": "URP", "Addr1": "Rajaji Salai", "Loc": "Chennai", "Pin": 600001,
                                        "Stcd": "33"})
    assert validation.validate_ewaybill(export_ship, invoice=export(), today=TODAY) == []
    for vehicle in ("KA011234", "KA01A1234", "KA01ABC1234", "KA123A1234", "ABC1234", "22BH1234AB", "TMKA1234567",
                    "DF123456", "ka01ab1234"):
        assert validation.validate_ewaybill(ewaybill(VehNo=vehicle), today=TODAY) == [], vehicle


EWB_RULES = [
    ("schema IRN", ewaybill(Irn="ABC"), None, "schema", "Irn"),
    ("schema distance missing", ewaybill(Distance=DELETE), None, "schema", "Distance"),
    ("4038 distance too high", ewaybill(Distance=4001), None, "4038", "Distance"),
    ("4011 road without vehicle", ewaybill(VehNo=DELETE), None, "4011", "VehNo"),
    ("4022 road without vehicle type", ewaybill(VehType=DELETE), None, "4022", "VehType"),
    ("4012 air without document", ewaybill(TransMode="3", TransDocDt="19/08/2026"), None, "4012", "TransDocNo"),
    ("4023 rail without document date", ewaybill(TransMode="2", TransDocNo="RR77"), None, "4023", "TransDocDt"),
    ("4012 ship without document", ewaybill(TransMode="4", VehNo=DELETE, VehType=DELETE, TransDocDt="19/08/2026"),
     None, "4012", "TransDocNo"),
    ("4039 ship with regular vehicle type", ewaybill(TransMode="4", TransDocNo="BL1", TransDocDt="19/08/2026"), None,
     "4039", "VehType"),
    ("4024 ODC by air", ewaybill(TransMode="3", VehType="O", TransDocNo="AWB1", TransDocDt="19/08/2026"), None,
     "4024", "VehType"),
    ("4028 vehicle without mode", ewaybill(TransMode=DELETE), None, "4028", "TransMode"),
    ("4027 Part-A without transporter", {"Irn": IRN, "Distance": 100}, None, "4027", "TransId"),
    ("4014 vehicle number", ewaybill(VehNo="KA1AB1234"), None, "4014", "VehNo"),
    ("4017 impossible document date", ewaybill(TransDocNo="LR1", TransDocDt="30/02/2026"), None, "4017",
     "TransDocDt"),
    ("4016 document date in future", ewaybill(TransDocNo="LR1", TransDocDt="21/08/2026"), None, "4016", "TransDocDt"),
    ("4021 document date before invoice", ewaybill(TransDocNo="LR1", TransDocDt="17/08/2026"), b2b_inter, "4021",
     "TransDocDt"),
    ("4018 transporter ID", ewaybill(TransId=TRANSPORTER[:14] + ("A" if TRANSPORTER[14] != "A" else "B")), None,
     "4018", "TransId"),
    ("4010 credit note", ewaybill(), credit_note, "4010", "Irn"),
    ("4009 services only", ewaybill(), services, "4009", "Irn"),
    ("4029 distance 0 with same PINs", ewaybill(Distance=0, DispDtls={"Nm": "Pune depot", "Addr1": "Plot 9",
                                                                      "Loc": "Pune", "Pin": 411004, "Stcd": "27"}),
     b2b_inter, "4029", "Distance"),
    ("4034 distance 0 to PIN 999999", ewaybill(Distance=0), lambda: _without_ship(export()), "4034", "Distance"),
    ("4031 export without ship-to", ewaybill(), lambda: _without_ship(export()), "4031", "ExpShipDtls"),
    ("4032 ship-to state 96", ewaybill(ExpShipDtls={"Gstin": "URP", "Addr1": "Jebel Ali", "Loc": "Dubai",
                                                    "Pin": 999999, "Stcd": "96"}), None, "4032", "ExpShipDtls.Stcd"),
    ("4033 ship-to PIN 999999", ewaybill(ExpShipDtls={"Gstin": "URP", "Addr1": "Jebel Ali", "Loc": "Dubai",
                                                      "Pin": 999999, "Stcd": "96"}), None, "4033", "ExpShipDtls.Pin"),
    ("4035 dispatch state 96", ewaybill(DispDtls={"Nm": "Abroad", "Addr1": "x", "Loc": "Dubai", "Pin": 999999,
                                                  "Stcd": "96"}), None, "4035", "DispDtls.Stcd"),
    ("4036 dispatch PIN 999999", ewaybill(DispDtls={"Nm": "Abroad", "Addr1": "x", "Loc": "Dubai", "Pin": 999999,
                                                    "Stcd": "96"}), None, "4036", "DispDtls.Pin"),
    ("2178 dispatch PIN and state", ewaybill(DispDtls={"Nm": "Depot", "Addr1": "x", "Loc": "Pune", "Pin": 560001,
                                                       "Stcd": "27"}), None, "2178", "DispDtls.Pin"),
]


def _without_ship(payload):
    del payload["ShipDtls"]
    return payload


def _with_ship_to(payload):
    payload["ShipDtls"] = {"Gstin": BUYER_MH, "LglNm": "Pune Tools LLP", "Addr1": "Plot 12, MIDC Bhosari",
                           "Loc": "Pune", "Pin": 411026, "Stcd": "27"}
    return payload


@pytest.mark.parametrize("rule_id, payload, invoice, code, path", EWB_RULES, ids=[rule[0] for rule in EWB_RULES])
def test_each_ewaybill_rule_reports_its_code(rule_id, payload, invoice, code, path):
    problems = validation.validate_ewaybill(payload, invoice=invoice() if invoice else None, today=TODAY)
    assert (code, path) in {(problem.code, problem.path) for problem in problems}, problems
    problem = next(problem for problem in problems if (problem.code, problem.path) == (code, path))
    if code != "schema":
        assert problem.message.endswith("(%s)" % code)


def test_ewaybill_may_repeat_the_ship_to_fixed_at_irn_generation():
    invoice = _with_ship_to(b2b_inter())
    same = {key: invoice["ShipDtls"][key] for key in ("Gstin", "Addr1", "Loc", "Pin", "Stcd")}
    assert validation.validate_ewaybill(ewaybill(ExpShipDtls=same), invoice=invoice, today=TODAY) == []
    assert validation.validate_ewaybill(ewaybill(), invoice=invoice, today=TODAY) == []


def test_ewaybill_with_odoo_key_casing():
    payload = {"IRN": IRN, "distance": 840, "transMode": "1", "vehNo": "KA01AB1234", "vehType": "R"}
    assert validation.validate_ewaybill(payload, invoice=b2b_inter(), today=TODAY) == []
