"""Differential check of iotcertd against moto.

Usage: python3 compat/moto/diff.py IOTCERTD_URL MOTO_URL

Sends the same request sequence with boto3 to iotcertd (emulator mode) and to moto_server,
for every operation both implement (moto has no certificate transfers and no tags), and
compares what came back: the set of response fields and their types, selected values
(statuses, modes, owners, ARN shapes, list lengths and items, versions, and a few derived
facts such as "the certificate ID is the SHA-256 of the DER" or "the registration code is
the one returned before"), and for failures the error code and HTTP status. The CA steps
use CA, device and verification certificates made here on each run.

Every difference found must be listed in EXPECTED below with the ID of its entry in
docs/moto-differences.md, which says which side follows AWS and why. The script fails
when a difference appears that is not listed (a new, unexplained one), when a listed one
no longer appears (the list and the document must be brought back in sync), or when a
listed ID is missing from the document.

Both sides are called with the access key "testing", which both map to the account
123456789012, so ARNs are comparable. Both are reset first and last with moto's
unsigned POST /moto-api/reset, which iotcertd answers in emulator mode; after the last
reset both must hold no certificates, policies, things or CA certificates.
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
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

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
    # Policy listings and versions, principal policies, things, endpoints, CA certificates.
    "list-policies-page-1: field only in iotcertd: nextMarker:str": "M4",
    "list-policies-page-1: value len(policies): iotcertd 2 / moto 3": "M4",
    "list-policies-page-1: value policies: iotcertd ['diff-list-1', 'diff-list-2'] / moto ['diff-list-1', 'diff-list-2', 'diff-list-3']": "M4",
    "list-policies-page-2: outcome: iotcertd ok / moto skipped (no nextMarker)": "M4",
    "create-policy-version: field only in iotcertd: isDefaultVersion:bool": "M18",
    "get-policy-new-default: field only in iotcertd: creationDate:timestamp": "M13",
    "get-policy-new-default: field only in iotcertd: generationId:str": "M13",
    "get-policy-new-default: field only in iotcertd: lastModifiedDate:timestamp": "M13",
    "get-policy-default-2: field only in iotcertd: creationDate:timestamp": "M13",
    "get-policy-default-2: field only in iotcertd: generationId:str": "M13",
    "get-policy-default-2: field only in iotcertd: lastModifiedDate:timestamp": "M13",
    "delete-policy-version-default: outcome: iotcertd DeleteConflictException 409 / moto InvalidRequestException 400": "M17",
    "create-policy-versions-to-five: field only in iotcertd: isDefaultVersion:bool": "M18",
    "list-policy-versions-five: value policyVersions: iotcertd ['1 False', '2 True', '4 False', '5 False', '6 False'] / moto ['1 False', '2 True', '4 -', '5 -', '6 -']": "M18",
    "create-keys-pp: value certificateId=sha256(DER): iotcertd True / moto False": "M1",
    "describe-thing-merged: value version: iotcertd 2 / moto 1": "M20",
    "describe-thing-replaced: value version: iotcertd 2 / moto 1": "M20",
    "describe-thing-attribute-removed: value version: iotcertd 3 / moto 1": "M20",
    "describe-thing-at-version: value version: iotcertd 3 / moto 1": "M20",
    "list-things: value things[].version: iotcertd [1, 2, 3, 3] / moto [1, 1, 1, 1]": "M20",
    "list-things-page-1: value things[].version: iotcertd [1, 3] / moto [1, 1]": "M20",
    "list-things-page-2: value things[].version: iotcertd [2, 3] / moto [1, 1]": "M20",
    "list-things-by-attribute: value things[].version: iotcertd [3] / moto [1]": "M20",
    "list-things-by-attribute-prefix: field only in iotcertd: things[].attributes:map": "M22",
    "list-things-by-attribute-prefix: field only in iotcertd: things[].thingArn:str": "M22",
    "list-things-by-attribute-prefix: field only in iotcertd: things[].thingName:str": "M22",
    "list-things-by-attribute-prefix: field only in iotcertd: things[].version:int": "M22",
    "list-things-by-attribute-prefix: value len(things): iotcertd 1 / moto 0": "M22",
    "list-things-by-attribute-prefix: value things: iotcertd ['diff-t3 b=xy'] / moto []": "M22",
    "list-things-by-attribute-prefix: value things[].version: iotcertd [2] / moto []": "M22",
    "list-things-by-attribute-name: field only in iotcertd: things[].attributes:map": "M23",
    "list-things-by-attribute-name: field only in iotcertd: things[].thingArn:str": "M23",
    "list-things-by-attribute-name: field only in iotcertd: things[].thingName:str": "M23",
    "list-things-by-attribute-name: field only in iotcertd: things[].version:int": "M23",
    "list-things-by-attribute-name: value len(things): iotcertd 1 / moto 0": "M23",
    "list-things-by-attribute-name: value things: iotcertd ['diff-t1 a=1,b=y'] / moto []": "M23",
    "list-things-by-attribute-name: value things[].version: iotcertd [3] / moto []": "M23",
    "describe-endpoint: value endpointAddress in AWS form: iotcertd False / moto True": "M24",
    "describe-endpoint-again: value endpointAddress in AWS form: iotcertd False / moto True": "M24",
    "describe-endpoint-again: value endpointAddress same as before: iotcertd True / moto False": "M25",
    "describe-endpoint-data: value endpointAddress in AWS form: iotcertd False / moto True": "M24",
    "describe-endpoint-data-ats: value endpointAddress in AWS form: iotcertd False / moto True": "M24",
    "describe-endpoint-data-ats-again: value endpointAddress in AWS form: iotcertd False / moto True": "M24",
    "describe-endpoint-data-ats-again: value endpointAddress same as before: iotcertd True / moto False": "M25",
    "describe-endpoint-credentials: value endpointAddress in AWS form: iotcertd False / moto True": "M24",
    "describe-endpoint-jobs: value endpointAddress in AWS form: iotcertd False / moto True": "M24",
    "get-registration-code: value registrationCode matches the model pattern: iotcertd True / moto False": "M26",
    "get-registration-code-again: value registrationCode matches the model pattern: iotcertd True / moto False": "M26",
    "get-registration-code-again: value registrationCode same as before: iotcertd True / moto False": "M26",
    "register-ca-sni: value certificateArn: iotcertd 'arn:aws:iot:us-east-1:123456789012:cacert/{id}' / moto 'arn:aws:iot:us-east-1:123456789012:cert/{id}'": "M27",
    "register-ca-sni: value certificateId=sha256(DER): iotcertd True / moto False": "M1",
    "register-ca-default: value certificateArn: iotcertd 'arn:aws:iot:us-east-1:123456789012:cacert/{id}' / moto 'arn:aws:iot:us-east-1:123456789012:cert/{id}'": "M27",
    "register-ca-default: value certificateId=sha256(DER): iotcertd True / moto False": "M1",
    "describe-ca-sni: field only in iotcertd: certificateDescription.autoRegistrationStatus:str": "M28",
    "describe-ca-sni: field only in iotcertd: certificateDescription.certificateMode:str": "M28",
    "describe-ca-sni: field only in iotcertd: certificateDescription.customerVersion:int": "M28",
    "describe-ca-sni: field only in iotcertd: certificateDescription.generationId:str": "M28",
    "describe-ca-sni: value certificateDescription.certificateArn: iotcertd 'arn:aws:iot:us-east-1:123456789012:cacert/{id}' / moto 'arn:aws:iot:us-east-1:123456789012:cert/{id}'": "M27",
    "describe-ca-default: field only in iotcertd: certificateDescription.autoRegistrationStatus:str": "M28",
    "describe-ca-default: field only in iotcertd: certificateDescription.certificateMode:str": "M28",
    "describe-ca-default: field only in iotcertd: certificateDescription.customerVersion:int": "M28",
    "describe-ca-default: field only in iotcertd: certificateDescription.generationId:str": "M28",
    "describe-ca-default: value certificateDescription.certificateArn: iotcertd 'arn:aws:iot:us-east-1:123456789012:cacert/{id}' / moto 'arn:aws:iot:us-east-1:123456789012:cert/{id}'": "M27",
    "list-ca-certificates: outcome: iotcertd ok / moto 500 500": "M29",
    "register-certificate: value certificateId=sha256(DER): iotcertd True / moto False": "M1",
    "register-certificate-by-issuer: value certificateId=sha256(DER): iotcertd True / moto False": "M1",
    "describe-certificate-from-ca: field only in iotcertd: certificateDescription.caCertificateId:str": "M30",
    "describe-certificate-from-ca: field only in iotcertd: certificateDescription.certificateMode:str": "M2",
    "describe-certificate-from-ca: field only in iotcertd: certificateDescription.customerVersion:int": "M2",
    "describe-certificate-from-ca: field only in iotcertd: certificateDescription.generationId:str": "M2",
    "describe-certificate-by-issuer: field only in iotcertd: certificateDescription.caCertificateId:str": "M30",
    "describe-certificate-by-issuer: field only in iotcertd: certificateDescription.certificateMode:str": "M2",
    "describe-certificate-by-issuer: field only in iotcertd: certificateDescription.customerVersion:int": "M2",
    "describe-certificate-by-issuer: field only in iotcertd: certificateDescription.generationId:str": "M2",
    "describe-certificate-by-issuer: field only in iotcertd: certificateDescription.status:str": "M14",
    "list-certificates-by-ca: field only in iotcertd: certificates[].certificateMode:str": "M3",
    "list-certificates-by-ca: value len(certificates): iotcertd 2 / moto 1": "M31",
    "describe-ca-after-update: field only in iotcertd: certificateDescription.autoRegistrationStatus:str": "M28",
    "describe-ca-after-update: field only in iotcertd: certificateDescription.certificateMode:str": "M28",
    "describe-ca-after-update: field only in iotcertd: certificateDescription.customerVersion:int": "M28",
    "describe-ca-after-update: field only in iotcertd: certificateDescription.generationId:str": "M28",
    "describe-ca-after-update: value certificateDescription.certificateArn: iotcertd 'arn:aws:iot:us-east-1:123456789012:cacert/{id}' / moto 'arn:aws:iot:us-east-1:123456789012:cert/{id}'": "M27",
    "list-certificates-by-deleted-ca: field only in iotcertd: certificates[].certificateMode:str": "M3",
    "list-certificates-by-deleted-ca: value len(certificates): iotcertd 2 / moto 1": "M31",
    "delete-registration-code: outcome: iotcertd ok / moto 500 500": "M29",
    "get-registration-code-after-delete: value registrationCode matches the model pattern: iotcertd True / moto False": "M26",
    "get-policy-version-bad-id: outcome: iotcertd InvalidRequestException 400 / moto ResourceNotFoundException 404": "M5",
    "set-default-policy-version-unknown: outcome: iotcertd ResourceNotFoundException 404 / moto ok": "M19",
    "detach-principal-policy-not-attached: outcome: iotcertd ok / moto ResourceNotFoundException 404": "M9",
    "detach-principal-policy-unknown-policy: outcome: iotcertd ok / moto ResourceNotFoundException 404": "M9",
    "detach-principal-policy-unknown-cert: outcome: iotcertd ok / moto ResourceNotFoundException 404": "M9",
    "detach-policy-unknown-policy: outcome: iotcertd ok / moto ResourceNotFoundException 404": "M9",
    "detach-policy-unknown-cert: outcome: iotcertd ok / moto ResourceNotFoundException 404": "M9",
    "list-principal-policies-unknown-cert: outcome: iotcertd ResourceNotFoundException 404 / moto ok": "M15",
    "update-thing-wrong-version: outcome: iotcertd VersionConflictException 409 / moto ok": "M21",
    "list-things-value-without-name: outcome: iotcertd InvalidRequestException 400 / moto ok": "M23",
    "register-certificate-self-signed: outcome: iotcertd CertificateValidationException 400 / moto ok": "M32",
    "register-certificate-inactive-ca: outcome: iotcertd CertificateStateException 406 / moto ok": "M32",
    "register-ca-again: outcome: iotcertd ResourceAlreadyExistsException 409 resourceArn+resourceId / moto ok": "M33",
    "register-ca-not-a-ca: outcome: iotcertd CertificateValidationException 400 / moto ok": "M34",
    "register-ca-wrong-code: outcome: iotcertd RegistrationCodeValidationException 400 / moto ok": "M34",
    "register-ca-default-without-verification: outcome: iotcertd InvalidRequestException 400 / moto ok": "M34",
}

POLICY_DOC = pycompat.POLICY_DOC
POLICY_DOC_2 = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Publish","Resource":"*"}]}'

# Values compared as well as types; ARNs and principals are compared by shape, with IDs
# replaced by placeholders.
VALUE_KEYS = {
    "status", "certificateMode", "ownedBy", "previousOwnedBy", "policyName", "policyDocument",
    "defaultVersionId", "policyVersionId", "thingName", "attributes", "version", "customerVersion",
    "certificateArn", "policyArn", "thingArn", "resourceArn", "principals", "things", "transferData",
    "isDefaultVersion", "versionId", "targets", "autoRegistrationStatus", "templateName", "roleArn",
    "templateBody", "caCertificateId",
}
# Lists of structures whose items are compared, by these members.
LIST_ITEM_KEYS = {
    "things": ("thingName", "attributes", "version"),
    "policyVersions": ("versionId", "isDefaultVersion"),
    "policies": ("policyName",),
}
HEX64 = re.compile(r"[0-9a-f]{64}")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


# X.509 inputs of the CA steps, made fresh on every run: CA certificates (basic constraints
# CA:TRUE), device certificates they sign, and the verification certificate that proves
# possession of a CA's key for DEFAULT-mode registration.

def _pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def make_cert(common_name, key=None, issuer=None, ca=False):
    """Returns (key, certificate) for a P-256 key, signed by issuer (key, certificate) or
    self-signed, valid from yesterday for thirty days."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    signer_key, issuer_name = (issuer[0], issuer[1].subject) if issuer else (key, name)
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer_name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30)))
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    return key, builder.sign(signer_key, hashes.SHA256())


def ca_fixtures():
    """Three CAs, device certificates of the first two, and a plain self-signed one."""
    fx = {}
    for n in ("ca1", "ca2", "ca3"):
        fx[n + "-pair"] = make_cert("iotcertd-diff " + n, ca=True)
        fx[n] = _pem(fx[n + "-pair"][1])
    fx["dev1"] = _pem(make_cert("iotcertd-diff dev1", issuer=fx["ca1-pair"])[1])
    fx["dev2"] = _pem(make_cert("iotcertd-diff dev2", issuer=fx["ca1-pair"])[1])
    fx["dev3"] = _pem(make_cert("iotcertd-diff dev3", issuer=fx["ca2-pair"])[1])
    fx["self"] = _pem(make_cert("iotcertd-diff self-signed")[1])
    return fx


def verification_pem(ca_pair, code):
    """A certificate for a fresh key, signed by the CA's key, whose common name is the
    registration code."""
    return _pem(make_cert(code, issuer=ca_pair)[1])


# The form AWS documents for DescribeEndpoint's address: identifier.iot.region.amazonaws.com
# (identifier-ats for iot:Data-ATS; the credentials provider and jobs endpoints alike).
AWS_ENDPOINT = re.compile(r"^[a-z0-9]+(-ats)?\.(credentials\.|jobs\.)?iot\.us-east-1\.amazonaws\.com$")
REGISTRATION_CODE = re.compile(r"^(0x)?[a-fA-F0-9]{64}$")


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


def item_text(item, keys):
    """One list item's compared members as text: 'name' alone, or 'name a=1' with its
    attributes, or 'versionId isDefaultVersion'. A member the item lacks is '-'; a thing's
    version is compared apart (see flatten)."""
    parts = []
    for m in keys:
        if m == "version":
            continue
        v = item.get(m, "-")
        if isinstance(v, dict):
            v = ",".join("%s=%s" % kv for kv in sorted(v.items()))
        parts.append(str(template(v)))
    return " ".join(parts)


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
            if k in LIST_ITEM_KEYS and all(isinstance(i, dict) for i in v):
                # Lists of structures: the compared members of each item, in an order of
                # their own (listing orders are compared nowhere); a thing's version apart,
                # so that a difference in versions does not hide the rest.
                keys = LIST_ITEM_KEYS[k]
                values[path] = sorted(item_text(i, keys) for i in v)
                if "version" in keys:
                    values[path + "[].version"] = sorted(i["version"] for i in v if "version" in i)
            elif k in VALUE_KEYS:
                values[path] = sorted(map(str, template(v)))
        else:
            fields.add("%s:%s" % (path, shape_of(v)))
            if k in VALUE_KEYS and "[]" not in path:
                values[path] = template(v)


class Skip(Exception):
    """Raised by a step that has nothing to ask, because an earlier answer on this side
    gave it no input (a page token that never came)."""


# Derived values a step adds to its response under this key (compared like the others).
DERIVED = "__derived__"


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
        try:
            out = fn(self)
        except Skip as e:
            self.outcomes[step] = ("skipped", "(%s)" % e)
            return None
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
        derived = out.pop(DERIVED, {})
        fields, values = set(), {}
        flatten(out, "", fields, values)
        values.update(derived)
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

    def second_page(side):
        # Only a side that returned a marker has a second page to ask for.
        if "marker" not in side.ids:
            raise Skip("no nextMarker")
        return side.iot.list_certificates(pageSize=2, marker=side.ids["marker"])

    def policies_first_page(side):
        out = side.iot.list_policies(pageSize=2, ascendingOrder=True)
        if out.get("nextMarker"):
            side.ids["policy-marker"] = out["nextMarker"]
        return out

    def policies_second_page(side):
        if "policy-marker" not in side.ids:
            raise Skip("no nextMarker")
        return side.iot.list_policies(pageSize=2, ascendingOrder=True, marker=side.ids["policy-marker"])

    def versions_to_the_limit(side):
        """Three more versions: with versions 1 and 2 left, five in all."""
        for _ in range(3):
            out = side.iot.create_policy_version(policyName="diff-pv", policyDocument=POLICY_DOC_2)
        return out

    def things_first_page(side):
        out = side.iot.list_things(maxResults=2)
        if out.get("nextToken"):
            side.ids["thing-token"] = out["nextToken"]
        return out

    def things_second_page(side):
        if "thing-token" not in side.ids:
            raise Skip("no nextToken")
        return side.iot.list_things(maxResults=2, nextToken=side.ids["thing-token"])

    def update_at_version(side, name):
        """UpdateThing with the expectedVersion the side itself describes."""
        version = side.iot.describe_thing(thingName=name)["version"]
        return side.iot.update_thing(thingName=name, expectedVersion=version,
                                     attributePayload={"attributes": {"e": "5"}, "merge": True})

    def endpoint(side, endpoint_type=None, again=False):
        """DescribeEndpoint, with derived values: whether the address has the form AWS
        documents, and (again) whether it is the address the previous call returned."""
        kwargs = {"endpointType": endpoint_type} if endpoint_type else {}
        out = side.iot.describe_endpoint(**kwargs)
        derived = {"endpointAddress in AWS form": bool(AWS_ENDPOINT.match(out["endpointAddress"]))}
        if again:
            derived["endpointAddress same as before"] = out["endpointAddress"] == side.ids["endpoint"]
        side.ids["endpoint"] = out["endpointAddress"]
        return dict(out, **{DERIVED: derived})

    def registration_code(side, compare_with=None, equal=True):
        out = side.iot.get_registration_code()
        code = out["registrationCode"]
        derived = {"registrationCode matches the model pattern": bool(REGISTRATION_CODE.match(code))}
        if compare_with:
            key = "registrationCode same as before" if equal else "registrationCode new"
            derived[key] = (code == side.ids[compare_with]) == equal
        side.ids.setdefault("code", code)
        side.ids["last-code"] = code
        return dict(out, **{DERIVED: derived})

    def register_ca(side, name, pem, out_name=None, **kwargs):
        out = side.iot.register_ca_certificate(caCertificate=pem, **kwargs)
        return keep(side, out_name or name, out, pem=pem)

    def register_ca_default(side, name, code=None):
        """DEFAULT mode with a verification certificate for the side's current code."""
        code = code or side.iot.get_registration_code()["registrationCode"]
        return register_ca(side, name, fx[name], certificateMode="DEFAULT", setAsActive=False,
                           verificationCertificate=verification_pem(fx[name + "-pair"], code))

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
        ("list-page-2", second_page),
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
        # Policy listings.
        ("create-policy-list-1", lambda s: s.iot.create_policy(policyName="diff-list-1", policyDocument=POLICY_DOC)),
        ("create-policy-list-2", lambda s: s.iot.create_policy(policyName="diff-list-2", policyDocument=POLICY_DOC)),
        ("create-policy-list-3", lambda s: s.iot.create_policy(policyName="diff-list-3", policyDocument=POLICY_DOC)),
        ("list-policies", lambda s: s.iot.list_policies()),
        ("list-policies-page-1", policies_first_page),
        ("list-policies-page-2", policies_second_page),
        # Policy versions.
        ("create-policy-versioned", lambda s: s.iot.create_policy(policyName="diff-pv", policyDocument=POLICY_DOC)),
        ("create-policy-version", lambda s: s.iot.create_policy_version(policyName="diff-pv", policyDocument=POLICY_DOC_2)),
        ("create-policy-version-default", lambda s: s.iot.create_policy_version(
            policyName="diff-pv", policyDocument=POLICY_DOC_2, setAsDefault=True)),
        ("create-policy-version-unknown-policy", lambda s: s.iot.create_policy_version(
            policyName="diff-none", policyDocument=POLICY_DOC_2)),
        ("get-policy-new-default", lambda s: s.iot.get_policy(policyName="diff-pv")),
        ("get-policy-version-1", lambda s: s.iot.get_policy_version(policyName="diff-pv", policyVersionId="1")),
        ("get-policy-version-3", lambda s: s.iot.get_policy_version(policyName="diff-pv", policyVersionId="3")),
        ("get-policy-version-unknown", lambda s: s.iot.get_policy_version(policyName="diff-pv", policyVersionId="9")),
        ("get-policy-version-unknown-policy", lambda s: s.iot.get_policy_version(policyName="diff-none", policyVersionId="1")),
        ("list-policy-versions", lambda s: s.iot.list_policy_versions(policyName="diff-pv")),
        ("list-policy-versions-unknown-policy", lambda s: s.iot.list_policy_versions(policyName="diff-none")),
        ("set-default-policy-version", lambda s: s.iot.set_default_policy_version(policyName="diff-pv", policyVersionId="2")),
        ("get-policy-version-2-default", lambda s: s.iot.get_policy_version(policyName="diff-pv", policyVersionId="2")),
        ("get-policy-default-2", lambda s: s.iot.get_policy(policyName="diff-pv")),
        ("delete-policy-version-default", lambda s: s.iot.delete_policy_version(policyName="diff-pv", policyVersionId="2")),
        ("delete-policy-version", lambda s: s.iot.delete_policy_version(policyName="diff-pv", policyVersionId="3")),
        ("delete-policy-version-again", lambda s: s.iot.delete_policy_version(policyName="diff-pv", policyVersionId="3")),
        ("list-policy-versions-after-delete", lambda s: s.iot.list_policy_versions(policyName="diff-pv")),
        ("create-policy-versions-to-five", versions_to_the_limit),
        ("create-policy-version-sixth", lambda s: s.iot.create_policy_version(policyName="diff-pv", policyDocument=POLICY_DOC_2)),
        ("list-policy-versions-five", lambda s: s.iot.list_policy_versions(policyName="diff-pv")),
        ("delete-policy-with-versions", lambda s: s.iot.delete_policy(policyName="diff-pv")),
        # The deprecated principal-policy operations, and the targets of a policy.
        ("create-keys-pp", lambda s: keep(s, "pp", s.iot.create_keys_and_certificate(setAsActive=False))),
        ("create-policy-pp", lambda s: s.iot.create_policy(policyName="diff-pp", policyDocument=POLICY_DOC)),
        ("attach-principal-policy", lambda s: s.iot.attach_principal_policy(policyName="diff-pp", principal=s.ids["pp-arn"])),
        ("attach-principal-policy-twice", lambda s: s.iot.attach_principal_policy(policyName="diff-pp", principal=s.ids["pp-arn"])),
        ("attach-principal-policy-unknown-cert", lambda s: s.iot.attach_principal_policy(
            policyName="diff-pp", principal=s.ids["pp-arn"].replace(s.ids["pp"], "c" * 64))),
        ("attach-principal-policy-unknown-policy", lambda s: s.iot.attach_principal_policy(policyName="diff-none", principal=s.ids["pp-arn"])),
        ("attach-policy-pp", lambda s: s.iot.attach_policy(policyName="diff-list-1", target=s.ids["pp-arn"])),
        ("list-principal-policies", lambda s: s.iot.list_principal_policies(principal=s.ids["pp-arn"])),
        ("list-attached-policies-pp", lambda s: s.iot.list_attached_policies(target=s.ids["pp-arn"])),
        ("list-targets-for-policy", lambda s: s.iot.list_targets_for_policy(policyName="diff-pp")),
        ("list-targets-for-policy-attached", lambda s: s.iot.list_targets_for_policy(policyName="diff-list-1")),
        ("list-targets-for-policy-none", lambda s: s.iot.list_targets_for_policy(policyName="diff-list-2")),
        ("list-targets-for-policy-unknown", lambda s: s.iot.list_targets_for_policy(policyName="diff-none")),
        ("delete-policy-attached-by-principal", lambda s: s.iot.delete_policy(policyName="diff-pp")),
        ("detach-principal-policy", lambda s: s.iot.detach_principal_policy(policyName="diff-pp", principal=s.ids["pp-arn"])),
        ("detach-policy-pp", lambda s: s.iot.detach_policy(policyName="diff-list-1", target=s.ids["pp-arn"])),
        ("list-principal-policies-empty", lambda s: s.iot.list_principal_policies(principal=s.ids["pp-arn"])),
        ("list-targets-for-policy-empty", lambda s: s.iot.list_targets_for_policy(policyName="diff-pp")),
        ("delete-policy-pp", lambda s: s.iot.delete_policy(policyName="diff-pp")),
        # Updating and listing things (diff-bare is still there).
        ("create-thing-t1", lambda s: s.iot.create_thing(thingName="diff-t1", attributePayload={"attributes": {"a": "1", "b": "x"}})),
        ("create-thing-t2", lambda s: s.iot.create_thing(thingName="diff-t2", attributePayload={"attributes": {"a": "2"}})),
        ("create-thing-t3", lambda s: s.iot.create_thing(thingName="diff-t3", attributePayload={"attributes": {"b": "xy"}})),
        ("update-thing-merge", lambda s: s.iot.update_thing(
            thingName="diff-t1", attributePayload={"attributes": {"b": "y", "c": "3"}, "merge": True})),
        ("describe-thing-merged", lambda s: s.iot.describe_thing(thingName="diff-t1")),
        ("update-thing-replace", lambda s: s.iot.update_thing(thingName="diff-t2", attributePayload={"attributes": {"d": "4"}})),
        ("describe-thing-replaced", lambda s: s.iot.describe_thing(thingName="diff-t2")),
        ("update-thing-remove-attribute", lambda s: s.iot.update_thing(
            thingName="diff-t1", attributePayload={"attributes": {"c": ""}, "merge": True})),
        ("describe-thing-attribute-removed", lambda s: s.iot.describe_thing(thingName="diff-t1")),
        ("update-thing-expected-version", lambda s: update_at_version(s, "diff-t2")),
        ("describe-thing-at-version", lambda s: s.iot.describe_thing(thingName="diff-t2")),
        ("update-thing-remove-type", lambda s: s.iot.update_thing(thingName="diff-t3", removeThingType=True)),
        ("update-thing-unknown-type", lambda s: s.iot.update_thing(thingName="diff-t3", thingTypeName="diff-none")),
        ("update-thing-type-and-remove", lambda s: s.iot.update_thing(
            thingName="diff-t3", thingTypeName="diff-none", removeThingType=True)),
        ("update-thing-unknown", lambda s: s.iot.update_thing(thingName="diff-none", attributePayload={"attributes": {"a": "1"}})),
        ("list-things", lambda s: s.iot.list_things()),
        ("list-things-page-1", things_first_page),
        ("list-things-page-2", things_second_page),
        ("list-things-by-attribute", lambda s: s.iot.list_things(attributeName="a", attributeValue="1")),
        ("list-things-by-attribute-prefix", lambda s: s.iot.list_things(
            attributeName="b", attributeValue="x", usePrefixAttributeValue=True)),
        ("list-things-by-attribute-name", lambda s: s.iot.list_things(attributeName="a")),
        ("list-things-unknown-type", lambda s: s.iot.list_things(thingTypeName="diff-none")),
        # DescribeEndpoint.
        ("describe-endpoint", lambda s: endpoint(s)),
        ("describe-endpoint-again", lambda s: endpoint(s, again=True)),
        ("describe-endpoint-data", lambda s: endpoint(s, "iot:Data")),
        ("describe-endpoint-data-ats", lambda s: endpoint(s, "iot:Data-ATS")),
        ("describe-endpoint-data-ats-again", lambda s: endpoint(s, "iot:Data-ATS", again=True)),
        ("describe-endpoint-credentials", lambda s: endpoint(s, "iot:CredentialProvider")),
        ("describe-endpoint-jobs", lambda s: endpoint(s, "iot:Jobs")),
        ("describe-endpoint-unknown-type", lambda s: endpoint(s, "iot:Bogus")),
        # Registration codes and CA certificates.
        ("get-registration-code", lambda s: registration_code(s)),
        ("get-registration-code-again", lambda s: registration_code(s, compare_with="code")),
        ("register-ca-sni", lambda s: register_ca(s, "ca1", fx["ca1"], certificateMode="SNI_ONLY", setAsActive=True,
                                                  registrationConfig={"templateName": "diff-template"})),
        ("register-ca-default", lambda s: register_ca_default(s, "ca2")),
        ("describe-ca-sni", lambda s: s.iot.describe_ca_certificate(certificateId=s.ids["ca1"])),
        ("describe-ca-default", lambda s: s.iot.describe_ca_certificate(certificateId=s.ids["ca2"])),
        ("describe-ca-unknown", lambda s: s.iot.describe_ca_certificate(certificateId="e" * 64)),
        ("list-ca-certificates", lambda s: s.iot.list_ca_certificates()),
        ("register-certificate", lambda s: keep(s, "dev1", s.iot.register_certificate(
            certificatePem=fx["dev1"], caCertificatePem=fx["ca1"], status="ACTIVE"), pem=fx["dev1"])),
        ("register-certificate-by-issuer", lambda s: keep(s, "dev2", s.iot.register_certificate(
            certificatePem=fx["dev2"]), pem=fx["dev2"])),
        ("register-certificate-again", lambda s: s.iot.register_certificate(certificatePem=fx["dev1"], caCertificatePem=fx["ca1"])),
        ("describe-certificate-from-ca", lambda s: s.iot.describe_certificate(certificateId=s.ids["dev1"])),
        ("describe-certificate-by-issuer", lambda s: s.iot.describe_certificate(certificateId=s.ids["dev2"])),
        ("list-certificates-by-ca", lambda s: s.iot.list_certificates_by_ca(caCertificateId=s.ids["ca1"])),
        ("list-certificates-by-ca-unknown", lambda s: s.iot.list_certificates_by_ca(caCertificateId="e" * 64)),
        ("delete-ca-active", lambda s: s.iot.delete_ca_certificate(certificateId=s.ids["ca1"])),
        ("update-ca", lambda s: s.iot.update_ca_certificate(
            certificateId=s.ids["ca1"], newStatus="INACTIVE", registrationConfig={"templateName": "diff-template-2"})),
        ("describe-ca-after-update", lambda s: s.iot.describe_ca_certificate(certificateId=s.ids["ca1"])),
        ("update-ca-unknown", lambda s: s.iot.update_ca_certificate(certificateId="e" * 64, newStatus="INACTIVE")),
        ("delete-ca", lambda s: s.iot.delete_ca_certificate(certificateId=s.ids["ca1"])),
        ("describe-ca-deleted", lambda s: s.iot.describe_ca_certificate(certificateId=s.ids["ca1"])),
        ("list-certificates-by-deleted-ca", lambda s: s.iot.list_certificates_by_ca(caCertificateId=s.ids["ca1"])),
        ("delete-ca-unknown", lambda s: s.iot.delete_ca_certificate(certificateId="e" * 64)),
        ("delete-registration-code", lambda s: s.iot.delete_registration_code()),
        ("get-registration-code-after-delete", lambda s: registration_code(s, compare_with="code", equal=False)),
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
        ("get-policy-version-bad-id", lambda s: s.iot.get_policy_version(policyName="diff-pv", policyVersionId="v1")),
        ("set-default-policy-version-unknown", lambda s: s.iot.set_default_policy_version(policyName="diff-pv", policyVersionId="99")),
        ("detach-principal-policy-not-attached", lambda s: s.iot.detach_principal_policy(
            policyName="diff-list-2", principal=s.ids["pp-arn"])),
        ("detach-principal-policy-unknown-policy", lambda s: s.iot.detach_principal_policy(
            policyName="diff-none", principal=s.ids["pp-arn"])),
        ("detach-principal-policy-unknown-cert", lambda s: s.iot.detach_principal_policy(
            policyName="diff-list-2", principal=s.ids["pp-arn"].replace(s.ids["pp"], "c" * 64))),
        ("detach-policy-unknown-policy", lambda s: s.iot.detach_policy(policyName="diff-none", target=s.ids["pp-arn"])),
        ("detach-policy-unknown-cert", lambda s: s.iot.detach_policy(
            policyName="diff-list-2", target=s.ids["pp-arn"].replace(s.ids["pp"], "c" * 64))),
        ("list-principal-policies-unknown-cert", lambda s: s.iot.list_principal_policies(
            principal=s.ids["pp-arn"].replace(s.ids["pp"], "c" * 64))),
        ("update-thing-wrong-version", lambda s: s.iot.update_thing(thingName="diff-t3", expectedVersion=99)),
        ("list-things-value-without-name", lambda s: s.iot.list_things(attributeValue="1")),
        ("register-certificate-self-signed", lambda s: s.iot.register_certificate(certificatePem=fx["self"])),
        ("register-certificate-inactive-ca", lambda s: s.iot.register_certificate(
            certificatePem=fx["dev3"], caCertificatePem=fx["ca2"])),
        ("register-ca-again", lambda s: s.iot.register_ca_certificate(
            caCertificate=fx["ca2"], certificateMode="SNI_ONLY")),
        ("register-ca-not-a-ca", lambda s: s.iot.register_ca_certificate(caCertificate=fx["self"], certificateMode="SNI_ONLY")),
        ("register-ca-wrong-code", lambda s: register_ca_default(s, "ca3", code="0" * 64)),
        ("register-ca-default-without-verification", lambda s: s.iot.register_ca_certificate(
            caCertificate=fx["ca3"], certificateMode="DEFAULT")),
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
    fx.update(ca_fixtures())
    sides = [Side("iotcertd", sys.argv[1], fx), Side("moto", sys.argv[2], fx)]
    for s in sides:
        s.reset()

    steps = sequence(fx)
    for step, fn in steps:
        for s in sides:
            s.call(step, fn)

    # After a reset both are empty again: certificates, policies, things and CA
    # certificates (a CA registered before the reset is gone).
    after_reset = [
        ("list-after-reset", lambda x: x.iot.list_certificates()),
        ("list-policies-after-reset", lambda x: x.iot.list_policies()),
        ("list-things-after-reset", lambda x: x.iot.list_things()),
        ("describe-ca-after-reset", lambda x: x.iot.describe_ca_certificate(certificateId=x.ids["ca2"])),
    ]
    for s in sides:
        s.reset()
        for step, fn in after_reset:
            s.call(step, fn)
    all_steps = [st for st, _ in steps + after_reset]

    found = []
    for step in all_steps:
        found += compare(step, sides[0].outcomes[step], sides[1].outcomes[step])

    for step in all_steps:
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
    bad_steps = {d.split(":")[0] for d in new}
    print("moto-diff: %d passed, %d failed" % (len(all_steps) - len(bad_steps), len(bad_steps) + len(gone) + len(undocumented)))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
