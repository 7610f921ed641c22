"""Differential check of iotcertd against moto.

Usage: python3 compat/moto/diff.py IOTCERTD_URL MOTO_URL

Sends the same request sequence with boto3 to iotcertd (emulator mode) and to moto_server,
for the operations both implement (moto has no certificate transfers), and compares what
came back: the set of response fields and their types, selected values (statuses, modes,
owners, ARN shapes, list lengths), and for failures the error code and HTTP status.

Every difference found must be listed in EXPECTED below with the ID of its entry in
docs/moto-differences.md, which says which side follows AWS and why. The script fails
when a difference appears that is not listed (a new, unexplained one), when a listed one
no longer appears (the list and the document must be brought back in sync), or when a
listed ID is missing from the document.

Both sides are called with the access key "testing", which both map to the account
123456789012, so ARNs are comparable. Both are reset first and last with moto's
unsigned POST /moto-api/reset, which iotcertd answers in emulator mode.
"""

import datetime
import hashlib
import json
import os
import re
import ssl
import sys
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import pycompat  # noqa: E402

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "moto-differences.md")

# Each difference the sequence shows, mapped to its entry in docs/moto-differences.md.
# Keys are exactly the lines this script prints for a difference.
EXPECTED = {
    "create-keys: value certificateId=sha256(DER): iotcertd True / moto False": "M1",
    "create-keys-inactive: value certificateId=sha256(DER): iotcertd True / moto False": "M1",
    "create-from-csr: value certificateId=sha256(DER): iotcertd True / moto False": "M1",
    "register-no-ca: value certificateId=sha256(DER): iotcertd True / moto False": "M1",
    "register-no-ca-no-status: value certificateId=sha256(DER): iotcertd True / moto False": "M1",
    "register-no-ca-inactive: value certificateId=sha256(DER): iotcertd True / moto False": "M1",
    "describe: field only in iotcertd: certificateDescription.certificateMode:str": "M2",
    "describe: field only in iotcertd: certificateDescription.customerVersion:int": "M2",
    "describe: field only in iotcertd: certificateDescription.generationId:str": "M2",
    "describe-sni: field only in iotcertd: certificateDescription.certificateMode:str": "M2",
    "describe-sni: field only in iotcertd: certificateDescription.customerVersion:int": "M2",
    "describe-sni: field only in iotcertd: certificateDescription.generationId:str": "M2",
    "describe-no-status: field only in iotcertd: certificateDescription.certificateMode:str": "M2",
    "describe-no-status: field only in iotcertd: certificateDescription.customerVersion:int": "M2",
    "describe-no-status: field only in iotcertd: certificateDescription.generationId:str": "M2",
    "describe-registered: field only in iotcertd: certificateDescription.certificateMode:str": "M2",
    "describe-registered: field only in iotcertd: certificateDescription.customerVersion:int": "M2",
    "describe-registered: field only in iotcertd: certificateDescription.generationId:str": "M2",
    "describe-after-update: field only in iotcertd: certificateDescription.certificateMode:str": "M2",
    "describe-after-update: field only in iotcertd: certificateDescription.customerVersion:int": "M2",
    "describe-after-update: field only in iotcertd: certificateDescription.generationId:str": "M2",
    "list-all: field only in iotcertd: certificates[].certificateMode:str": "M3",
    "list-page-1: field only in iotcertd: certificates[].certificateMode:str": "M3",
    "list-page-1: field only in iotcertd: nextMarker:str": "M4",
    "list-page-1: value len(certificates): iotcertd 2 / moto 6": "M4",
    "list-page-2: outcome: iotcertd ok / moto skipped (no nextMarker)": "M4",
    "describe-63-char-id: outcome: iotcertd InvalidRequestException 400 / moto ResourceNotFoundException 404": "M5",
    "list-page-size-251: outcome: iotcertd InvalidRequestException 400 / moto ok": "M5",
    "update-to-unknown-status: outcome: iotcertd InvalidRequestException 400 / moto ok": "M5",
    "create-policy-bad-name: outcome: iotcertd InvalidRequestException 400 / moto ok": "M5",
    "create-thing-bad-name: outcome: iotcertd InvalidRequestException 400 / moto ok": "M5",
    "update-to-pending-transfer: outcome: iotcertd CertificateStateException 406 / moto ok": "M6",
    "update-revoked-to-active: outcome: iotcertd CertificateStateException 406 / moto ok": "M6",
    "create-from-bad-csr: outcome: iotcertd InvalidRequestException 400 / moto 500 500": "M7",
    "register-bad-pem: outcome: iotcertd CertificateValidationException 400 / moto ok": "M7",
    "create-policy-malformed: outcome: iotcertd MalformedPolicyException 400 / moto ok": "M8",
    "detach-policy-not-attached: outcome: iotcertd ok / moto ResourceNotFoundException 404": "M9",
    "detach-thing-not-attached: outcome: iotcertd ok / moto ResourceNotFoundException 404": "M9",
    "delete-thing-attached: outcome: iotcertd InvalidRequestException 400 / moto InvalidRequestException 409": "M10",
    "delete-thing-unknown: outcome: iotcertd ok / moto ResourceNotFoundException 404": "M11",
    "create-thing-other-config: outcome: iotcertd ResourceAlreadyExistsException 409 resourceArn+resourceId / moto ok": "M12",
    "get-policy: field only in iotcertd: creationDate:timestamp": "M13",
    "get-policy: field only in iotcertd: generationId:str": "M13",
    "get-policy: field only in iotcertd: lastModifiedDate:timestamp": "M13",
    "describe-no-status: field only in iotcertd: certificateDescription.status:str": "M14",
    "list-attached-unknown-cert: outcome: iotcertd ResourceNotFoundException 404 / moto ok": "M15",
    "delete-policy-after-force-delete: outcome: iotcertd ok / moto DeleteConflictException 409": "M16",
}

POLICY_DOC = pycompat.POLICY_DOC

# Values compared as well as types; ARNs and principals are compared by shape, with IDs
# replaced by placeholders.
VALUE_KEYS = {
    "status", "certificateMode", "ownedBy", "previousOwnedBy", "policyName", "policyDocument",
    "defaultVersionId", "policyVersionId", "thingName", "attributes", "version", "customerVersion",
    "certificateArn", "policyArn", "thingArn", "resourceArn", "principals", "things", "transferData",
}
HEX64 = re.compile(r"[0-9a-f]{64}")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def shape_of(v):
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "str"
    if isinstance(v, datetime.datetime):
        return "timestamp"
    if isinstance(v, list):
        return "list"
    if isinstance(v, dict):
        return "map"
    return type(v).__name__


def template(v):
    if isinstance(v, str):
        return UUID.sub("{uuid}", HEX64.sub("{id}", v))
    if isinstance(v, list):
        return [template(x) for x in v]
    if isinstance(v, dict):
        return {k: template(x) for k, x in v.items()}
    return v


def flatten(obj, prefix, fields, values):
    """Collects 'path:type' field descriptors and the compared values of a response."""
    for k, v in obj.items():
        path = prefix + k
        if isinstance(v, dict) and k not in ("attributes",):
            fields.add("%s:map" % path)
            flatten(v, path + ".", fields, values)
            if k == "transferData":
                values[path] = sorted(v)
        elif isinstance(v, list):
            fields.add("%s:list" % path)
            values["len(%s)" % path] = len(v)
            for item in v:
                if isinstance(item, dict):
                    flatten(item, path + "[].", fields, values)
                else:
                    fields.add("%s[]:%s" % (path, shape_of(item)))
            if k in VALUE_KEYS:
                values[path] = sorted(map(str, template(v)))
        else:
            fields.add("%s:%s" % (path, shape_of(v)))
            if k in VALUE_KEYS and "[]" not in path:
                values[path] = template(v)


class Side:
    """One server and the IDs its responses produced."""

    def __init__(self, name, endpoint, fixtures):
        self.name = name
        self.endpoint = endpoint
        cfg = Config(retries={"mode": "standard", "max_attempts": 1}, parameter_validation=False,
                     connect_timeout=10, read_timeout=60)
        self.iot = boto3.session.Session().client(
            "iot", endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="testing", config=cfg)
        self.ids = {}
        self.fx = fixtures
        self.outcomes = {}

    def reset(self):
        req = urllib.request.Request(self.endpoint + "/moto-api/reset", data=b"", method="POST")
        with urllib.request.urlopen(req, timeout=30) as resp:
            if resp.status != 200:
                raise RuntimeError("%s: reset answered %d" % (self.name, resp.status))

    def call(self, step, fn):
        """Runs one step and records ('ok', fields, values) or ('error', code, status)."""
        if fn is None:
            self.outcomes[step] = ("skipped", "(no nextMarker)")
            return None
        try:
            out = fn(self)
        except KeyError as e:
            # An ID an earlier step should have produced is missing: that step failed on
            # this side, and the difference is reported there.
            self.outcomes[step] = ("skipped", "(no %s from an earlier step)" % e)
            return None
        except ClientError as e:
            # Modeled error members besides the message (resourceId, resourceArn).
            members = sorted(k for k in e.response if k not in ("Error", "ResponseMetadata", "message"))
            self.outcomes[step] = ("error", e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"], members)
            return None
        out = dict(out or {})
        out.pop("ResponseMetadata", None)
        fields, values = set(), {}
        flatten(out, "", fields, values)
        if "certificateId" in out and "certificatePem" in out:
            der = ssl.PEM_cert_to_DER_cert(out["certificatePem"])
            values["certificateId=sha256(DER)"] = out["certificateId"] == hashlib.sha256(der).hexdigest()
        self.outcomes[step] = ("ok", fields, values)
        return out


def outcome_text(o):
    if o[0] == "ok":
        return "ok"
    if o[0] == "skipped":
        return "skipped " + o[1]
    return "%s %d" % (o[1], o[2]) + ("" if not o[3] else " " + "+".join(o[3]))


def compare(step, a, b):
    """Returns the difference lines of one step (a: iotcertd, b: moto)."""
    if a[0] != "ok" or b[0] != "ok":
        if a != b:
            return ["%s: outcome: iotcertd %s / moto %s" % (step, outcome_text(a), outcome_text(b))]
        return []
    out = []
    for f in sorted(a[1] - b[1]):
        out.append("%s: field only in iotcertd: %s" % (step, f))
    for f in sorted(b[1] - a[1]):
        out.append("%s: field only in moto: %s" % (step, f))
    # A value is compared where both sides have it; a member only one side sends is
    # reported once, above, as a field difference.
    for k in sorted(set(a[2]) & set(b[2])):
        va, vb = a[2][k], b[2][k]
        if va != vb:
            out.append("%s: value %s: iotcertd %r / moto %r" % (step, k, va, vb))
    return out


def sequence(fx):
    """The request sequence: (step, function of a Side) pairs, in order. A function may
    read IDs that earlier steps stored on the side. Requests that one side may accept and
    the other refuse come after the listings, so that their effect cannot ripple into
    later comparisons."""
    cert_pem, cert2_pem, cert3_pem, csr_pem = fx["cert"], fx["cert2"], fx["cert3"], fx["csr"]

    def keep(side, name, out, pem=None):
        side.ids[name] = out["certificateId"]
        side.ids[name + "-arn"] = out["certificateArn"]
        if pem:  # lets Side.call check the certificate ID against the DER
            out = dict(out, certificatePem=pem)
        return out

    def fresh(side):
        """A new INACTIVE certificate of the step's own."""
        return side.iot.create_keys_and_certificate(setAsActive=False)["certificateId"]

    def revoke_then_activate(side, cert_id):
        side.iot.update_certificate(certificateId=cert_id, newStatus="REVOKED")
        return side.iot.update_certificate(certificateId=cert_id, newStatus="ACTIVE")

    def force_delete_with_policy(side):
        out = side.iot.create_keys_and_certificate(setAsActive=False)
        side.iot.create_policy(policyName="diff-force", policyDocument=POLICY_DOC)
        side.iot.attach_policy(policyName="diff-force", target=out["certificateArn"])
        return side.iot.delete_certificate(certificateId=out["certificateId"], forceDelete=True)

    def first_page(side):
        out = side.iot.list_certificates(pageSize=2)
        if out.get("nextMarker"):
            side.ids["marker"] = out["nextMarker"]
        return out

    return [
        # Certificates.
        ("create-keys", lambda s: keep(s, "active", s.iot.create_keys_and_certificate(setAsActive=True))),
        ("create-keys-inactive", lambda s: keep(s, "inactive", s.iot.create_keys_and_certificate(setAsActive=False))),
        ("create-from-csr", lambda s: keep(s, "csr", s.iot.create_certificate_from_csr(certificateSigningRequest=csr_pem))),
        ("register-no-ca", lambda s: keep(s, "sni", s.iot.register_certificate_without_ca(
            certificatePem=cert_pem, status="ACTIVE"), pem=cert_pem)),
        ("register-no-ca-again", lambda s: s.iot.register_certificate_without_ca(certificatePem=cert_pem, status="ACTIVE")),
        ("register-no-ca-no-status", lambda s: keep(s, "nostatus", s.iot.register_certificate_without_ca(
            certificatePem=cert2_pem), pem=cert2_pem)),
        # RegisterCertificate (the CA variant) is left out: iotcertd checks device
        # certificates against the account's registered CAs, which moto does not model.
        ("register-no-ca-inactive", lambda s: keep(s, "registered", s.iot.register_certificate_without_ca(
            certificatePem=cert3_pem, status="INACTIVE"), pem=cert3_pem)),
        ("describe", lambda s: s.iot.describe_certificate(certificateId=s.ids["active"])),
        ("describe-sni", lambda s: s.iot.describe_certificate(certificateId=s.ids["sni"])),
        ("describe-no-status", lambda s: s.iot.describe_certificate(certificateId=s.ids["nostatus"])),
        ("describe-registered", lambda s: s.iot.describe_certificate(certificateId=s.ids["registered"])),
        ("describe-unknown", lambda s: s.iot.describe_certificate(certificateId="a" * 64)),
        ("list-all", lambda s: s.iot.list_certificates()),
        ("list-page-1", first_page),
        ("list-page-2", "list-page-2"),
        ("update-inactive", lambda s: s.iot.update_certificate(certificateId=s.ids["active"], newStatus="INACTIVE")),
        ("update-same-status", lambda s: s.iot.update_certificate(certificateId=s.ids["active"], newStatus="INACTIVE")),
        ("describe-after-update", lambda s: s.iot.describe_certificate(certificateId=s.ids["active"])),
        ("update-revoke", lambda s: s.iot.update_certificate(certificateId=s.ids["csr"], newStatus="REVOKED")),
        ("update-unknown", lambda s: s.iot.update_certificate(certificateId="b" * 64, newStatus="INACTIVE")),
        ("delete-active", lambda s: s.iot.delete_certificate(certificateId=s.ids["sni"])),
        # Policies.
        ("create-policy", lambda s: s.iot.create_policy(policyName="diff-policy", policyDocument=POLICY_DOC)),
        ("create-policy-again", lambda s: s.iot.create_policy(policyName="diff-policy", policyDocument=POLICY_DOC)),
        ("get-policy", lambda s: s.iot.get_policy(policyName="diff-policy")),
        ("get-policy-unknown", lambda s: s.iot.get_policy(policyName="diff-none")),
        ("attach-policy", lambda s: s.iot.attach_policy(policyName="diff-policy", target=s.ids["inactive-arn"])),
        ("attach-policy-twice", lambda s: s.iot.attach_policy(policyName="diff-policy", target=s.ids["inactive-arn"])),
        ("attach-policy-unknown-cert", lambda s: s.iot.attach_policy(
            policyName="diff-policy", target=s.ids["inactive-arn"].replace(s.ids["inactive"], "c" * 64))),
        ("attach-policy-unknown-policy", lambda s: s.iot.attach_policy(policyName="diff-none", target=s.ids["inactive-arn"])),
        ("list-attached", lambda s: s.iot.list_attached_policies(target=s.ids["inactive-arn"])),
        ("list-attached-unknown-cert", lambda s: s.iot.list_attached_policies(
            target=s.ids["inactive-arn"].replace(s.ids["inactive"], "c" * 64))),
        ("delete-policy-attached", lambda s: s.iot.delete_policy(policyName="diff-policy")),
        ("delete-cert-with-policy", lambda s: s.iot.delete_certificate(certificateId=s.ids["inactive"])),
        ("detach-policy", lambda s: s.iot.detach_policy(policyName="diff-policy", target=s.ids["inactive-arn"])),
        ("list-attached-empty", lambda s: s.iot.list_attached_policies(target=s.ids["inactive-arn"])),
        ("attach-policy-revoked", lambda s: s.iot.attach_policy(policyName="diff-policy", target=s.ids["csr-arn"])),
        ("detach-policy-revoked", lambda s: s.iot.detach_policy(policyName="diff-policy", target=s.ids["csr-arn"])),
        # Things.
        ("create-thing", lambda s: s.iot.create_thing(thingName="diff-thing", attributePayload={"attributes": {"a": "1"}})),
        ("create-thing-same", lambda s: s.iot.create_thing(thingName="diff-thing", attributePayload={"attributes": {"a": "1"}})),
        ("create-thing-bare", lambda s: s.iot.create_thing(thingName="diff-bare")),
        ("describe-thing", lambda s: s.iot.describe_thing(thingName="diff-thing")),
        ("describe-thing-bare", lambda s: s.iot.describe_thing(thingName="diff-bare")),
        ("describe-thing-unknown", lambda s: s.iot.describe_thing(thingName="diff-none")),
        ("attach-thing", lambda s: s.iot.attach_thing_principal(thingName="diff-thing", principal=s.ids["inactive-arn"])),
        ("attach-thing-twice", lambda s: s.iot.attach_thing_principal(thingName="diff-thing", principal=s.ids["inactive-arn"])),
        ("attach-thing-unknown-thing", lambda s: s.iot.attach_thing_principal(thingName="diff-none", principal=s.ids["inactive-arn"])),
        ("attach-thing-unknown-cert", lambda s: s.iot.attach_thing_principal(
            thingName="diff-thing", principal=s.ids["inactive-arn"].replace(s.ids["inactive"], "c" * 64))),
        ("list-thing-principals", lambda s: s.iot.list_thing_principals(thingName="diff-thing")),
        ("list-thing-principals-empty", lambda s: s.iot.list_thing_principals(thingName="diff-bare")),
        ("list-thing-principals-unknown", lambda s: s.iot.list_thing_principals(thingName="diff-none")),
        ("list-principal-things", lambda s: s.iot.list_principal_things(principal=s.ids["inactive-arn"])),
        ("list-principal-things-none", lambda s: s.iot.list_principal_things(principal=s.ids["registered-arn"])),
        ("delete-cert-with-thing", lambda s: s.iot.delete_certificate(certificateId=s.ids["inactive"], forceDelete=True)),
        ("delete-thing-attached", lambda s: s.iot.delete_thing(thingName="diff-thing")),
        ("detach-thing", lambda s: s.iot.detach_thing_principal(thingName="diff-thing", principal=s.ids["inactive-arn"])),
        ("list-thing-principals-after-detach", lambda s: s.iot.list_thing_principals(thingName="diff-thing")),
        ("delete-thing", lambda s: s.iot.delete_thing(thingName="diff-thing")),
        ("describe-thing-deleted", lambda s: s.iot.describe_thing(thingName="diff-thing")),
        # Deletion.
        ("delete-inactive", lambda s: s.iot.delete_certificate(certificateId=s.ids["inactive"])),
        ("describe-deleted", lambda s: s.iot.describe_certificate(certificateId=s.ids["inactive"])),
        ("delete-unknown", lambda s: s.iot.delete_certificate(certificateId="d" * 64)),
        ("delete-policy", lambda s: s.iot.delete_policy(policyName="diff-policy")),
        ("delete-policy-unknown", lambda s: s.iot.delete_policy(policyName="diff-policy")),
        # Requests the two sides disagree on accepting; last, see above. Each works on
        # certificates and policies of its own.
        ("describe-63-char-id", lambda s: s.iot.describe_certificate(certificateId="a" * 63)),
        ("list-page-size-251", lambda s: s.iot.list_certificates(pageSize=251)),
        ("update-to-pending-transfer", lambda s: s.iot.update_certificate(
            certificateId=fresh(s), newStatus="PENDING_TRANSFER")),
        ("update-to-unknown-status", lambda s: s.iot.update_certificate(certificateId=fresh(s), newStatus="BOGUS")),
        ("update-revoked-to-active", lambda s: revoke_then_activate(s, fresh(s))),
        ("create-from-bad-csr", lambda s: s.iot.create_certificate_from_csr(certificateSigningRequest="not a CSR")),
        ("register-bad-pem", lambda s: s.iot.register_certificate_without_ca(certificatePem="not a PEM")),
        ("create-policy-malformed", lambda s: s.iot.create_policy(policyName="diff-bad", policyDocument="{not json")),
        ("create-policy-bad-name", lambda s: s.iot.create_policy(policyName="bad name!", policyDocument=POLICY_DOC)),
        ("create-thing-bad-name", lambda s: s.iot.create_thing(thingName="bad name!")),
        ("create-thing-unknown-type", lambda s: s.iot.create_thing(thingName="diff-typed", thingTypeName="diff-none")),
        ("create-thing-other-config", lambda s: s.iot.create_thing(thingName="diff-bare", attributePayload={"attributes": {"a": "2"}})),
        ("detach-policy-not-attached", lambda s: s.iot.create_policy(policyName="diff-detach", policyDocument=POLICY_DOC)
            and s.iot.detach_policy(policyName="diff-detach", target=s.ids["registered-arn"])),
        ("detach-thing-not-attached", lambda s: s.iot.detach_thing_principal(thingName="diff-bare", principal=s.ids["registered-arn"])),
        ("delete-thing-unknown", lambda s: s.iot.delete_thing(thingName="diff-none")),
        # Force-deleting a certificate with a policy attached, then deleting the policy:
        # last of all, since moto keeps the deleted certificate's attachment (M16) and
        # every later DeleteCertificate and DeletePolicy in moto trips over it.
        ("force-delete-with-policy", lambda s: force_delete_with_policy(s)),
        ("delete-policy-after-force-delete", lambda s: s.iot.delete_policy(policyName="diff-force")),
    ]


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: diff.py IOTCERTD_URL MOTO_URL")
    fxdir = os.environ.get("COMPAT_FIXTURES")
    if not fxdir:
        sys.exit("COMPAT_FIXTURES not set: run through compat/run.sh")
    fx = {}
    for key, name in (("cert", "selfsigned.pem"), ("cert2", "selfsigned2.pem"), ("cert3", "selfsigned3.pem"), ("csr", "csr.pem")):
        with open(os.path.join(fxdir, name)) as f:
            fx[key] = f.read()
    sides = [Side("iotcertd", sys.argv[1], fx), Side("moto", sys.argv[2], fx)]
    for s in sides:
        s.reset()

    steps = sequence(fx)
    for step, fn in steps:
        for s in sides:
            if fn == "list-page-2":
                # Only a side that returned a marker has a second page to ask for.
                marker = s.ids.get("marker")
                s.call(step, (lambda m: lambda x: x.iot.list_certificates(pageSize=2, marker=m))(marker) if marker else None)
            else:
                s.call(step, fn)

    # After a reset both are empty again.
    for s in sides:
        s.reset()
        s.call("list-after-reset", lambda x: x.iot.list_certificates())

    found = []
    for step in [st for st, _ in steps] + ["list-after-reset"]:
        found += compare(step, sides[0].outcomes[step], sides[1].outcomes[step])

    for step in [st for st, _ in steps] + ["list-after-reset"]:
        print("%-30s iotcertd %-40s moto %s" % (step, outcome_text(sides[0].outcomes[step]), outcome_text(sides[1].outcomes[step])))
    print()

    with open(DOC) as f:
        doc = f.read()
    new = [d for d in found if d not in EXPECTED]
    gone = [d for d in EXPECTED if d not in found]
    undocumented = sorted({i for i in EXPECTED.values() if not re.search(r"\b%s\b" % i, doc)})
    for d in found:
        print("%s %s" % ("known (%s)" % EXPECTED[d] if d in EXPECTED else "NEW       ", d))
    ok = True
    if new:
        ok = False
        print("\n%d new difference(s): explain each in docs/moto-differences.md and list it in EXPECTED, "
              "or fix iotcertd where moto follows AWS" % len(new))
    if gone:
        ok = False
        print("\n%d listed difference(s) no longer seen; remove them from EXPECTED and the document:" % len(gone))
        for d in gone:
            print("  " + d)
    if undocumented:
        ok = False
        print("\nEXPECTED names entries missing from docs/moto-differences.md: %s" % ", ".join(undocumented))
    all_steps = [st for st, _ in steps] + ["list-after-reset"]
    bad_steps = {d.split(":")[0] for d in new}
    print("moto-diff: %d passed, %d failed" % (len(all_steps) - len(bad_steps), len(bad_steps) + len(gone) + len(undocumented)))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
