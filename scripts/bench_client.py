"""Client <-> sandbox benchmark: real HTTP on loopback, real crypto (see scripts/bench)."""
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

sys.path.insert(0, ".")
from irp import crypto  # noqa: E402
from irp.client import IrpClient, IrpConfig  # noqa: E402
from irp.ewb_client import EwbClient, EwbConfig  # noqa: E402
from sandbox import master  # noqa: E402
from sandbox.testing import RunningSandbox  # noqa: E402

CALLS_PER_LEVEL = 200


def invoice(number, lines=1):
    seller, buyer = master.SELLER_KA, master.BUYER_MH
    items, total = [], 0.0
    for index in range(1, lines + 1):
        items.append({"SlNo": str(index), "PrdDesc": "Laptop", "IsServc": "N", "HsnCd": "84713010", "Qty": 1,
                      "Unit": "NOS", "UnitPrice": 1000.0, "TotAmt": 1000.0, "AssAmt": 1000.0, "GstRt": 18,
                      "IgstAmt": 180.0, "TotItemVal": 1180.0})
        total += 1180.0
    party = lambda p: {"Gstin": p["gstin"], "LglNm": p["legal_name"], "Addr1": p["addr1"], "Loc": p["loc"],  # noqa: E731
                       "Pin": p["pin"], "Stcd": p["state_code"]}
    return {
        "Version": "1.1", "TranDtls": {"TaxSch": "GST", "SupTyp": "B2B"},
        "DocDtls": {"Typ": "INV", "No": f"B/{number}", "Dt": date.today().strftime("%d/%m/%Y")},
        "SellerDtls": party(seller), "BuyerDtls": {**party(buyer), "Pos": buyer["state_code"]},
        "ItemList": items,
        "ValDtls": {"AssVal": 1000.0 * lines, "IgstVal": 180.0 * lines, "TotInvVal": total},
    }


def ewb_payload(number, today):
    """A GENEWAYBILL request of the e-way bill system's API (nic-ewb-api.md §5.1): a delivery challan
    Bengaluru -> Mysuru by road, one item, distance 0 (computed from the PIN codes)."""
    seller, buyer = master.SELLER_KA, master.BUYER_KA
    party = lambda prefix, p: {f"{prefix}Gstin": p["gstin"], f"{prefix}TrdName": p["trade_name"],  # noqa: E731
                               f"{prefix}Addr1": p["addr1"][:100], f"{prefix}Addr2": "", f"{prefix}Place": p["loc"],
                               f"{prefix}Pincode": p["pin"], f"{prefix}StateCode": int(p["state_code"])}
    return {
        "supplyType": "O", "subSupplyType": "1", "docType": "CHL", "docNo": f"EB/{number}", "docDate": today,
        "transactionType": 1, **party("from", seller), "actFromStateCode": int(seller["state_code"]),
        **party("to", buyer), "actToStateCode": int(buyer["state_code"]),
        "totalValue": 50000.0, "cgstValue": 4500.0, "sgstValue": 4500.0, "igstValue": 0, "cessValue": 0,
        "cessNonAdvolValue": 0, "otherValue": 0, "totInvValue": 59000.0, "transMode": "1", "transDistance": "0",
        "transporterId": "", "transporterName": "", "transDocNo": "", "transDocDate": "", "vehicleNo": "KA01AB1234",
        "vehicleType": "R",
        "itemList": [{"itemNo": 1, "productName": "Laptop", "productDesc": "Laptop computer", "hsnCode": 847130,
                      "quantity": 1, "qtyUnit": "NOS", "taxableAmount": 50000.0, "cgstRate": 9, "sgstRate": 9,
                      "igstRate": 0, "cessRate": 0, "cessNonAdvol": 0}],
    }


def bench_ewb_generate(sandbox, calls=100):
    """GENEWAYBILL round trip of the e-way bill system's own API (one caller; token and SEK reused)."""
    user = next(u for u in sandbox.ewb_users if u["gstin"] == master.SELLER_KA["gstin"])
    config = EwbConfig(base_url=sandbox.ewb_url, gstin=user["gstin"], client_id=sandbox.client_id,
                       client_secret=sandbox.client_secret, username=user["username"], password=user["password"],
                       public_key=sandbox.encryption_public_pem)
    today = sandbox.now().strftime("%d/%m/%Y")
    with EwbClient(config) as client:
        client.authenticate()
        client.generate(ewb_payload("warmup", today))
        latencies = []
        for number in range(calls):
            started = time.perf_counter()
            client.generate(ewb_payload(number, today))
            latencies.append((time.perf_counter() - started) * 1000)
    print(f"generate e-way bill (GENEWAYBILL), EwbClient <-> sandbox e-way bill API over loopback HTTP, 1 caller, "
          f"{calls} calls: p50 {statistics.median(latencies):.2f} ms, p95 {percentile(latencies, 0.95):.2f} ms")


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main():
    with RunningSandbox() as sandbox:
        user = next(u for u in sandbox.users if u["gstin"] == master.SELLER_KA["gstin"])
        config = IrpConfig(base_url=sandbox.url, gstin=user["gstin"], client_id=sandbox.client_id,
                           client_secret=sandbox.client_secret, user_name=user["user_name"],
                           password=user["password"], encryption_public_key=sandbox.encryption_public_pem,
                           signing_certificates=[sandbox.signing_certificate_pem.decode()])
        client = IrpClient(config)
        client.authenticate()
        client.generate_irn(invoice("warmup"))
        counter = iter(range(10**9))
        print("generate IRN, client <-> sandbox over loopback HTTP (1-line invoice, sandbox at zero latency)")
        print(f"{'callers':>8} {'calls':>6} {'p50 ms':>8} {'p95 ms':>8} {'IRN/s':>8}")
        for callers in (1, 4, 16):
            def one(_):
                started = time.perf_counter()
                client.generate_irn(invoice(next(counter)))
                return (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            with ThreadPoolExecutor(callers) as pool:
                latencies = list(pool.map(one, range(CALLS_PER_LEVEL)))
            wall = time.perf_counter() - started
            print(f"{callers:>8} {CALLS_PER_LEVEL:>6} {statistics.median(latencies):>8.2f} "
                  f"{percentile(latencies, 0.95):>8.2f} {CALLS_PER_LEVEL / wall:>8.1f}")

        # crypto cost per call, client side: encrypt the request, decrypt the reply, verify two JWS
        sek = crypto.new_app_key()
        payload = invoice("CRYPTO2")
        result = client.generate_irn(invoice("CRYPTO1"))
        ring = crypto.SigningKeyring.from_pems(sandbox.signing_certificate_pem)
        reply = {"AckNo": 1, "Irn": result.irn, "SignedInvoice": result.signed_invoice,
                 "SignedQRCode": result.signed_qr_code}
        encrypted_reply = crypto.encrypt_json(sek, reply)
        rounds = 500
        started = time.perf_counter()
        for _ in range(rounds):
            crypto.encrypt_json(sek, payload)
            crypto.decrypt_json(sek, encrypted_reply)
            crypto.verify_signed_jwt(result.signed_invoice, ring)
            crypto.verify_signed_jwt(result.signed_qr_code, ring)
        per_call = (time.perf_counter() - started) / rounds * 1000
        public_key = crypto.load_public_key(sandbox.encryption_public_pem)
        started = time.perf_counter()
        for _ in range(rounds):
            crypto.build_auth_data(public_key, "user", "password", crypto.new_app_key())
        auth_cost = (time.perf_counter() - started) / rounds * 1000
        print(f"crypto per generate call (AES request + AES reply + 2 RS256 verifications): {per_call:.3f} ms")
        print(f"crypto per authentication (RSA-2048 PKCS#1 v1.5 encryption): {auth_cost:.3f} ms")
        bench_ewb_generate(sandbox)


if __name__ == "__main__":
    main()
