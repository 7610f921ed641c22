"""boto3 against a running iotcertd: the certificate lifecycle and the transfer workflow,
with boto3's paginators, typed ClientError codes and statuses, client.exceptions classes
and datetime timestamps. Run through compat/run.sh, which starts the server."""

import datetime
import hashlib
import json
import os
import ssl
import sys
import urllib.error
import urllib.request
import unittest

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import pycompat  # noqa: E402

ENV = pycompat.load_env()

# One request per call: botocore retries some errors by default, which would hide what the
# server answered first and slow the suite down.
NO_RETRY = Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=10, read_timeout=60)


def client(acct: pycompat.Account, region: str = ENV.region, validate: bool = True):
    cfg = NO_RETRY if validate else NO_RETRY.merge(Config(parameter_validation=False))
    return boto3.session.Session().client(
        "iot",
        endpoint_url=ENV.endpoint,
        region_name=region,
        aws_access_key_id=acct.key,
        aws_secret_access_key=acct.secret,
        config=cfg,
    )


class Boto3Compat(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.a, cls.b, cls.c = client(ENV.a), client(ENV.b), client(ENV.c)

    # Helpers.

    def raises(self, cl, code: str, status: int, fn, **kwargs) -> ClientError:
        """Calls fn and asserts the typed exception: its client.exceptions class, its error
        code and its HTTP status."""
        exc_class = getattr(cl.exceptions, code)
        with self.assertRaises(exc_class) as cm:
            fn(**kwargs)
        e = cm.exception
        self.assertIsInstance(e, ClientError)
        self.assertEqual(e.response["Error"]["Code"], code)
        self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], status)
        self.assertTrue(e.response["Error"]["Message"], "error without message")
        self.assertTrue(e.response["ResponseMetadata"].get("RequestId"), "error without request ID")
        return e

    def new_inactive(self, cl) -> str:
        return cl.create_keys_and_certificate(setAsActive=False)["certificateId"]

    def describe(self, cl, cert_id: str) -> dict:
        return cl.describe_certificate(certificateId=cert_id)["certificateDescription"]

    def list_ids(self, cl, **kwargs) -> list:
        ids = []
        for page in cl.get_paginator("list_certificates").paginate(**kwargs):
            ids += [c["certificateId"] for c in page["certificates"]]
        return ids

    # The certificate lifecycle.

    def test_create_keys_and_certificate(self):
        out = self.a.create_keys_and_certificate(setAsActive=True)
        cid = out["certificateId"]
        self.assertRegex(cid, pycompat.CERT_ID)
        self.assertEqual(out["certificateArn"], pycompat.cert_arn(ENV.region, ENV.a.account, cid))
        self.assertIn("-----BEGIN CERTIFICATE-----", out["certificatePem"])
        self.assertIn("PUBLIC KEY", out["keyPair"]["PublicKey"])
        self.assertIn("PRIVATE KEY", out["keyPair"]["PrivateKey"])
        # The ID is the SHA-256 of the DER, as AWS computes it.
        der = ssl.PEM_cert_to_DER_cert(out["certificatePem"])
        self.assertEqual(cid, hashlib.sha256(der).hexdigest())

        d = self.describe(self.a, cid)
        self.assertEqual(d["status"], "ACTIVE")
        self.assertEqual(d["ownedBy"], ENV.a.account)
        self.assertEqual(d["certificateMode"], "DEFAULT")
        self.assertEqual(d["customerVersion"], 1)
        self.assertEqual(d["transferData"], {})
        self.assertEqual(d["certificatePem"], out["certificatePem"])
        pycompat.recent(self, d["creationDate"], "creationDate")
        pycompat.recent(self, d["lastModifiedDate"], "lastModifiedDate")
        self.assertIsInstance(d["validity"]["notBefore"], datetime.datetime)
        self.assertGreater(d["validity"]["notAfter"], datetime.datetime.now(datetime.timezone.utc))

    def test_create_certificate_from_csr(self):
        first = self.a.create_certificate_from_csr(certificateSigningRequest=ENV.csr_pem, setAsActive=True)
        second = self.a.create_certificate_from_csr(certificateSigningRequest=ENV.csr_pem)
        self.assertRegex(first["certificateId"], pycompat.CERT_ID)
        self.assertNotEqual(first["certificateId"], second["certificateId"], "the same CSR gave the same certificate")
        self.assertEqual(self.describe(self.a, first["certificateId"])["status"], "ACTIVE")
        self.assertEqual(self.describe(self.a, second["certificateId"])["status"], "INACTIVE")
        self.raises(self.a, "InvalidRequestException", 400, self.a.create_certificate_from_csr,
                    certificateSigningRequest="not a CSR")

    def test_register_certificate_without_ca(self):
        out = self.a.register_certificate_without_ca(certificatePem=ENV.cert_pem, status="ACTIVE")
        self.assertEqual(out["certificateId"], ENV.cert_id)
        self.assertEqual(out["certificateArn"], pycompat.cert_arn(ENV.region, ENV.a.account, ENV.cert_id))
        d = self.describe(self.a, ENV.cert_id)
        self.assertEqual((d["status"], d["certificateMode"]), ("ACTIVE", "SNI_ONLY"))
        e = self.raises(self.a, "ResourceAlreadyExistsException", 409, self.a.register_certificate_without_ca,
                        certificatePem=ENV.cert_pem)
        self.assertEqual(e.response["resourceId"], ENV.cert_id)

    def test_describe_unknown(self):
        self.raises(self.a, "ResourceNotFoundException", 404, self.a.describe_certificate, certificateId="a" * 64)

    def test_update_and_delete(self):
        cid = self.a.create_keys_and_certificate(setAsActive=True)["certificateId"]
        before = self.describe(self.a, cid)
        # An ACTIVE certificate cannot be deleted.
        self.raises(self.a, "CertificateStateException", 406, self.a.delete_certificate, certificateId=cid)
        self.a.update_certificate(certificateId=cid, newStatus="INACTIVE")
        after = self.describe(self.a, cid)
        self.assertEqual(after["status"], "INACTIVE")
        self.assertEqual(after["customerVersion"], before["customerVersion"] + 1)
        self.assertGreaterEqual(after["lastModifiedDate"], before["lastModifiedDate"])
        self.raises(self.a, "CertificateStateException", 406, self.a.update_certificate,
                    certificateId=cid, newStatus="PENDING_TRANSFER")
        self.a.update_certificate(certificateId=cid, newStatus="REVOKED")
        self.raises(self.a, "CertificateStateException", 406, self.a.update_certificate,
                    certificateId=cid, newStatus="ACTIVE")
        self.a.delete_certificate(certificateId=cid)
        self.raises(self.a, "ResourceNotFoundException", 404, self.a.describe_certificate, certificateId=cid)

    def test_list_certificates_paginates_to_the_end(self):
        # A region of its own, so that this listing holds exactly what is created here.
        cl = client(ENV.a, region="eu-west-1")
        created = [cl.create_keys_and_certificate()["certificateId"] for _ in range(5)]
        pages = list(cl.get_paginator("list_certificates").paginate(PaginationConfig={"PageSize": 2}))
        self.assertEqual([len(p["certificates"]) for p in pages], [2, 2, 1])
        self.assertNotIn("nextMarker", pages[-1])
        listed = [c["certificateId"] for p in pages for c in p["certificates"]]
        self.assertEqual(sorted(listed), sorted(created))
        for c in pages[0]["certificates"]:
            pycompat.recent(self, c["creationDate"], "creationDate")
            self.assertEqual(c["status"], "INACTIVE")
        # Ascending is creation order.
        asc = self.list_ids(cl, ascendingOrder=True, PaginationConfig={"PageSize": 3})
        self.assertEqual(asc, created)
        # The paginator's own limit and resume token.
        first = cl.get_paginator("list_certificates").paginate(
            ascendingOrder=True, PaginationConfig={"PageSize": 2, "MaxItems": 3}).build_full_result()
        self.assertEqual([c["certificateId"] for c in first["certificates"]], created[:3])
        rest = cl.get_paginator("list_certificates").paginate(
            ascendingOrder=True, PaginationConfig={"PageSize": 2, "StartingToken": first["NextToken"]}).build_full_result()
        self.assertEqual([c["certificateId"] for c in rest["certificates"]], created[3:])

    # The transfer workflow.

    def test_transfer_accept(self):
        cid = self.new_inactive(self.a)
        target_arn = pycompat.cert_arn(ENV.region, ENV.b.account, cid)
        out = self.a.transfer_certificate(certificateId=cid, targetAwsAccount=ENV.b.account, transferMessage="for B")
        self.assertEqual(out["transferredCertificateArn"], target_arn)

        # Pending: the target finds it in its list, the source in its outgoing list.
        self.assertIn(cid, self.list_ids(self.b, PaginationConfig={"PageSize": 1}))
        pending = self.describe(self.b, cid)
        self.assertEqual((pending["status"], pending["ownedBy"]), ("PENDING_TRANSFER", ENV.a.account))
        pycompat.recent(self, pending["transferData"]["transferDate"], "transferData.transferDate")
        outgoing = [o for p in self.a.get_paginator("list_outgoing_certificates").paginate()
                    for o in p["outgoingCertificates"]]
        mine = [o for o in outgoing if o["certificateId"] == cid]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]["transferredTo"], ENV.b.account)
        self.assertEqual(mine[0]["transferMessage"], "for B")
        pycompat.recent(self, mine[0]["transferDate"], "outgoing transferDate")
        # A third account sees nothing.
        self.raises(self.c, "ResourceNotFoundException", 404, self.c.accept_certificate_transfer, certificateId=cid)

        self.b.accept_certificate_transfer(certificateId=cid, setAsActive=True)
        d = self.describe(self.b, cid)
        self.assertEqual((d["status"], d["ownedBy"], d["previousOwnedBy"]), ("ACTIVE", ENV.b.account, ENV.a.account))
        self.assertEqual(d["certificateArn"], target_arn)
        pycompat.recent(self, d["transferData"]["acceptDate"], "transferData.acceptDate")
        self.raises(self.a, "ResourceNotFoundException", 404, self.a.describe_certificate, certificateId=cid)

        # Settled: every further step is TransferAlreadyCompleted (410).
        self.raises(self.a, "TransferAlreadyCompletedException", 410, self.a.cancel_certificate_transfer, certificateId=cid)
        self.raises(self.b, "TransferAlreadyCompletedException", 410, self.b.reject_certificate_transfer, certificateId=cid)
        self.raises(self.b, "TransferAlreadyCompletedException", 410, self.b.accept_certificate_transfer, certificateId=cid)

    def test_transfer_reject(self):
        cid = self.new_inactive(self.a)
        self.a.transfer_certificate(certificateId=cid, targetAwsAccount=ENV.b.account)
        self.b.reject_certificate_transfer(certificateId=cid, rejectReason="not ours")
        d = self.describe(self.a, cid)
        self.assertEqual((d["status"], d["ownedBy"]), ("INACTIVE", ENV.a.account))
        self.assertEqual(d["transferData"]["rejectReason"], "not ours")
        pycompat.recent(self, d["transferData"]["rejectDate"], "transferData.rejectDate")
        self.assertNotIn("acceptDate", d["transferData"])
        self.raises(self.b, "ResourceNotFoundException", 404, self.b.describe_certificate, certificateId=cid)

    def test_transfer_cancel(self):
        cid = self.new_inactive(self.a)
        self.a.transfer_certificate(certificateId=cid, targetAwsAccount=ENV.b.account, transferMessage="oops")
        self.a.cancel_certificate_transfer(certificateId=cid)
        d = self.describe(self.a, cid)
        self.assertEqual((d["status"], d["ownedBy"]), ("INACTIVE", ENV.a.account))
        self.raises(self.b, "ResourceNotFoundException", 404, self.b.accept_certificate_transfer, certificateId=cid)
        self.assertNotIn(cid, [o["certificateId"] for o in self.a.list_outgoing_certificates()["outgoingCertificates"]])

    def test_transfer_errors(self):
        active = self.a.create_keys_and_certificate(setAsActive=True)["certificateId"]
        self.raises(self.a, "CertificateStateException", 406, self.a.transfer_certificate,
                    certificateId=active, targetAwsAccount=ENV.b.account)

        cid = self.new_inactive(self.a)
        arn = pycompat.cert_arn(ENV.region, ENV.a.account, cid)
        self.a.create_policy(policyName="compat-boto3-transfer", policyDocument=pycompat.POLICY_DOC)
        self.a.attach_policy(policyName="compat-boto3-transfer", target=arn)
        self.raises(self.a, "TransferConflictException", 409, self.a.transfer_certificate,
                    certificateId=cid, targetAwsAccount=ENV.b.account)
        self.a.detach_policy(policyName="compat-boto3-transfer", target=arn)
        self.a.transfer_certificate(certificateId=cid, targetAwsAccount=ENV.b.account)
        self.b.accept_certificate_transfer(certificateId=cid)

        # botocore enforces the model's minimum length of 64 before sending; with client
        # validation off the server must refuse it.
        raw = client(ENV.a, validate=False)
        self.raises(raw, "InvalidRequestException", 400, raw.transfer_certificate,
                    certificateId=cid[:63], targetAwsAccount=ENV.b.account)
        with self.assertRaises(botocore.exceptions.ParamValidationError):
            self.a.transfer_certificate(certificateId=cid[:63], targetAwsAccount=ENV.b.account)

    def test_transfer_error_paths(self):
        # A thing attached: TransferConflict (409).
        cid = self.new_inactive(self.a)
        arn = pycompat.cert_arn(ENV.region, ENV.a.account, cid)
        self.a.create_thing(thingName="compat-boto3-transfer")
        self.a.attach_thing_principal(thingName="compat-boto3-transfer", principal=arn)
        self.raises(self.a, "TransferConflictException", 409, self.a.transfer_certificate,
                    certificateId=cid, targetAwsAccount=ENV.b.account)
        self.a.detach_thing_principal(thingName="compat-boto3-transfer", principal=arn)

        # A revoked certificate: CertificateState (406).
        revoked = self.new_inactive(self.a)
        self.a.update_certificate(certificateId=revoked, newStatus="REVOKED")
        self.raises(self.a, "CertificateStateException", 406, self.a.transfer_certificate,
                    certificateId=revoked, targetAwsAccount=ENV.b.account)

        # To the owning account: InvalidRequest (400).
        self.raises(self.a, "InvalidRequestException", 400, self.a.transfer_certificate,
                    certificateId=cid, targetAwsAccount=ENV.a.account)

        # Nothing pending: the owner gets InvalidRequest (400), another account 404.
        for op in (self.a.accept_certificate_transfer, self.a.reject_certificate_transfer,
                   self.a.cancel_certificate_transfer):
            self.raises(self.a, "InvalidRequestException", 400, op, certificateId=cid)
        self.raises(self.b, "ResourceNotFoundException", 404, self.b.accept_certificate_transfer, certificateId=cid)

        self.a.transfer_certificate(certificateId=cid, targetAwsAccount=ENV.b.account)
        # Already pending: CertificateState (406).
        self.raises(self.a, "CertificateStateException", 406, self.a.transfer_certificate,
                    certificateId=cid, targetAwsAccount=ENV.b.account)
        # Update and delete while pending, by either party: CertificateState (406).
        for cl in (self.a, self.b):
            self.raises(cl, "CertificateStateException", 406, cl.update_certificate, certificateId=cid, newStatus="ACTIVE")
            self.raises(cl, "CertificateStateException", 406, cl.delete_certificate, certificateId=cid)
        # A third account can neither reject nor cancel what it cannot see (404); each
        # party only its own step (400).
        self.raises(self.c, "ResourceNotFoundException", 404, self.c.reject_certificate_transfer, certificateId=cid)
        self.raises(self.c, "ResourceNotFoundException", 404, self.c.cancel_certificate_transfer, certificateId=cid)
        self.raises(self.a, "InvalidRequestException", 400, self.a.accept_certificate_transfer, certificateId=cid)
        self.raises(self.b, "InvalidRequestException", 400, self.b.cancel_certificate_transfer, certificateId=cid)
        # Untouched by all that: still pending, and B can still accept.
        self.assertEqual(self.describe(self.b, cid)["status"], "PENDING_TRANSFER")
        self.b.accept_certificate_transfer(certificateId=cid)
        self.assertEqual(self.describe(self.b, cid)["ownedBy"], ENV.b.account)

    # Accounts and moto conventions.

    def test_accounts(self):
        if ENV.mode == "emulator":
            # moto's convention: a key that is not 12 digits is account 123456789012.
            cl = client(pycompat.Account("", "testing", "testing"))
            out = cl.create_keys_and_certificate()
            self.assertEqual(out["certificateArn"], pycompat.cert_arn(ENV.region, "123456789012", out["certificateId"]))
            self.assertEqual(self.describe(cl, out["certificateId"])["ownedBy"], "123456789012")
            # And any secret: the signature is not checked.
            other = client(pycompat.Account("", ENV.a.key, ENV.a.secret + "x"))
            self.assertIn("certificates", other.list_certificates())
        else:
            cl = client(pycompat.Account("", "AKIAUNKNOWNKEY000000", "testing"))
            with self.assertRaises(ClientError) as cm:
                cl.list_certificates()
            self.assertEqual(cm.exception.response["Error"]["Code"], "UnrecognizedClientException")
            self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
            bad = client(pycompat.Account("", ENV.a.key, ENV.a.secret + "x"))
            with self.assertRaises(ClientError) as cm:
                bad.list_certificates()
            self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidSignatureException")
            self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)

    def test_zz_moto_reset(self):
        """Last, since it clears the server: moto's unsigned POST /moto-api/reset."""
        self.new_inactive(self.a)
        req = urllib.request.Request(ENV.endpoint + "/moto-api/reset", data=b"", method="POST")
        if ENV.mode == "emulator":
            with urllib.request.urlopen(req, timeout=30) as resp:
                self.assertEqual(resp.status, 200)
                self.assertEqual(json.load(resp), {"status": "ok"})
            self.assertEqual(self.list_ids(self.a), [])
            self.assertEqual(self.list_ids(self.b), [])
        else:
            with self.assertRaises(urllib.error.HTTPError) as cm:
                urllib.request.urlopen(req, timeout=30)
            self.assertEqual(cm.exception.code, 403)
            self.assertNotEqual(self.list_ids(self.a), [])


if __name__ == "__main__":
    print("boto3 %s, botocore %s against %s (%s mode)" % (boto3.__version__, botocore.__version__, ENV.endpoint, ENV.mode))
    pycompat.run_suite("boto3", Boto3Compat)
