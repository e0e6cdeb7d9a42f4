# quorum-sim.py URL CK PK GOOD BAD N LIE: N tasks through a ct-serve by
# its protocol, run by three volunteers by hand: two honest, posting GOOD,
# and one that posts BAD one time in LIE (at random), GOOD otherwise.
# Prints "tasks N done D failed F wrong W copies C alone A": W the
# tasks done with BAD, C the results posted, A the tasks done with a
# single copy.
import json, random, sys, urllib.request, urllib.error

url, ck, pk, goodf, badf, n, lie = sys.argv[1:8]
n, lie = int(n), int(lie)
good, bad = open(goodf, "rb").read(), open(badf, "rb").read()


def call(method, path, token, body=None, ctype="application/json"):
    rq = urllib.request.Request(url + path, data=body, method=method,
                                headers={"Authorization": "Bearer " + token,
                                         "Content-Type": ctype})
    try:
        with urllib.request.urlopen(rq) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def register(name):
    st, b = call("POST", "/v1/volunteers", pk, json.dumps({"name": name}).encode())
    return json.loads(b)["token"]


query = ">HBB_HUMAN q\nMVHLTPEEKSAVTALWGKVNVDEVGGEALGRLLVVYPWTQRFFESFGDLSTPDAVMGNPKVKAHGKKVLGAFSDGLAHLDNLKGTFATLSELHCDKLHVDPENFRLLGNVLVCVLAHHFGKEFTPPVQAAYQKVVAGVANALAHKYH\n"
for i in range(n):
    st, _ = call("PUT", "/v1/tasks/t%d" % i, ck, json.dumps(
        {"service": "blastp", "database": "globins45", "query": query}).encode())
    assert st == 201, st
vols = [("h1", register("h1"), 0), ("h2", register("h2"), 0), ("liar", register("liar"), lie)]
offer = json.dumps({"services": ["blastp"], "databases": ["globins45"]}).encode()
copies = 0
idle = 0
while idle < 3:
    got = False
    for name, tok, lies in vols:
        st, b = call("POST", "/v1/work", tok, offer)
        if st != 200:
            continue
        t = json.loads(b)
        if t.get("task") is None:
            continue
        got = True
        data = bad if lies and random.randrange(lies) == 0 else good
        st, b = call("POST", "/v1/tasks/%s/result?lease=%s" % (t["task"], t["lease"]),
                     tok, data, "application/xml")
        assert st == 200, (st, b)
        copies += 1
    idle = 0 if got else idle + 1
done = failed = wrong = alone = 0
for i in range(n):
    st, b = call("GET", "/v1/tasks/t%d" % i, ck)
    state = json.loads(b)["state"]
    if state == "failed":
        failed += 1
    if state != "done":
        continue
    done += 1
    st, b = call("GET", "/v1/tasks/t%d/result" % i, ck)
    wrong += b != good
print("tasks %d done %d failed %d wrong %d copies %d" % (n, done, failed, wrong, copies))
