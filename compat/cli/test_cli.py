"""The AWS CLI against a running iotcertd: the certificate lifecycle and the transfer
workflow through `aws iot ... --endpoint-url`, checking the CLI's JSON output, its error
lines and exit status, and (from --debug) the HTTP status of each error. Credentials come
from a temporary shared-credentials file with one profile per account, as a user would
set them up; profile "iso" has the CLI print timestamps as ISO 8601 text. Run through
compat/run.sh, which starts the server."""

import datetime
import hashlib
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import pycompat  # noqa: E402

ENV = pycompat.load_env()
AWS = shutil.which("aws")
if AWS is None:
    sys.exit("aws (the AWS CLI) is not installed")

# The status line urllib3 logs under --debug: "PATCH /path?query HTTP/1.1" 406 123
STATUS_LINE = re.compile(r'"[A-Z]+ [^"]* HTTP/1\.1" (\d{3}) ')
ERROR_LINE = re.compile(r"An error occurred \((\w+)\) when calling the (\w+) operation")


class CliCompat(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="iotcertd-cli-")
        creds = os.path.join(cls.tmp, "credentials")
        with open(creds, "w") as f:
            for name, acct in (("a", ENV.a), ("b", ENV.b), ("c", ENV.c)):
                f.write("[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n\n" % (name, acct.key, acct.secret))
        config = os.path.join(cls.tmp, "config")
        with open(config, "w") as f:
            # One request per command; client-side validation off in profile "raw", so
            # that a 63-character ID reaches the server.
            f.write("[default]\nmax_attempts = 1\nretry_mode = standard\n\n")
            for name in ("a", "b", "c"):
                f.write("[profile %s]\nmax_attempts = 1\nretry_mode = standard\n\n" % name)
            f.write("[profile raw]\nmax_attempts = 1\nretry_mode = standard\nparameter_validation = false\n"
                    "aws_access_key_id = %s\naws_secret_access_key = %s\n" % (ENV.a.key, ENV.a.secret))
            # Account A again, with timestamps printed as ISO 8601 rather than epoch numbers.
            f.write("\n[profile iso]\nmax_attempts = 1\nretry_mode = standard\ncli_timestamp_format = iso8601\n"
                    "aws_access_key_id = %s\naws_secret_access_key = %s\n" % (ENV.a.key, ENV.a.secret))
        cls.base_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        cls.base_env.update(AWS_SHARED_CREDENTIALS_FILE=creds, AWS_CONFIG_FILE=config, AWS_PAGER="")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # Helpers.

    def run_cli(self, profile, args, debug=False, env=None, region=ENV.region):
        cmd = [AWS, "iot"] + list(args) + ["--endpoint-url", ENV.endpoint, "--region", region, "--output", "json"]
        if profile:
            cmd += ["--profile", profile]
        if debug:
            cmd.append("--debug")
        return subprocess.run(cmd, env=env or self.base_env, capture_output=True, text=True, timeout=120)

    def aws(self, profile, *args, region=ENV.region):
        """Runs a command that must succeed and returns its JSON output (None when empty)."""
        p = self.run_cli(profile, args, region=region)
        self.assertEqual(p.returncode, 0, "aws iot %s failed:\n%s" % (" ".join(args), p.stderr))
        return json.loads(p.stdout) if p.stdout.strip() else None

    def aws_error(self, profile, code, status, *args, env=None):
        """Runs a command that must fail with the AWS error code and HTTP status."""
        p = self.run_cli(profile, args, debug=True, env=env)
        self.assertEqual(p.returncode, 255, "aws iot %s: exit %d, want 255\n%s" % (" ".join(args), p.returncode, p.stdout))
        errors = ERROR_LINE.findall(p.stderr)
        self.assertTrue(errors, "no error line in:\n" + p.stderr[-2000:])
        self.assertEqual(errors[-1][0], code)
        statuses = STATUS_LINE.findall(p.stderr)
        self.assertTrue(statuses, "no HTTP status line under --debug")
        self.assertEqual(int(statuses[-1]), status, "HTTP status of %s" % code)

    def assert_epoch(self, v, what):
        """The CLI (v1, cli_timestamp_format none) prints timestamps as the wire's epoch
        seconds: a JSON number, near now."""
        self.assertIsInstance(v, (int, float), "%s = %r is not a number" % (what, v))
        self.assertNotIsInstance(v, bool)
        self.assertLess(abs(time.time() - v), 86400, "%s = %r is not near now" % (what, v))

    def assert_iso8601(self, v, what):
        """With cli_timestamp_format = iso8601 the CLI prints a timestamp as ISO 8601 text
        with its offset: parsed here, it is an aware datetime near now."""
        self.assertIsInstance(v, str, "%s = %r is not text" % (what, v))
        when = datetime.datetime.fromisoformat(v)
        self.assertIsNotNone(when.tzinfo, "%s = %r has no UTC offset" % (what, v))
        self.assertLess(abs(time.time() - when.timestamp()), 86400, "%s = %r is not near now" % (what, v))
        return when

    def pages(self, profile, operation, key, page_size=1):
        """Follows the wire's nextMarker by hand, --page-size items a page, until a page
        comes without one; returns the items of each page. (--page-size is the model's
        own pageSize member here, and giving it turns the CLI's automatic pagination off,
        so each command fetches one page.)"""
        pages, marker = [], None
        for _ in range(100):
            args = [operation, "--page-size", str(page_size)]
            if marker:
                args += ["--marker", marker]
            out = self.aws(profile, *args)
            pages.append(out[key])
            marker = out.get("nextMarker")
            if not marker:
                return pages
        self.fail("%s never reached its last page" % operation)

    def new_inactive(self, profile="a"):
        return self.aws(profile, "create-keys-and-certificate", "--no-set-as-active")["certificateId"]

    def describe(self, profile, cert_id):
        return self.aws(profile, "describe-certificate", "--certificate-id", cert_id)["certificateDescription"]

    # The certificate lifecycle.

    def test_create_keys_and_certificate(self):
        out = self.aws("a", "create-keys-and-certificate", "--set-as-active")
        cid = out["certificateId"]
        self.assertRegex(cid, pycompat.CERT_ID)
        self.assertEqual(out["certificateArn"], pycompat.cert_arn(ENV.region, ENV.a.account, cid))
        self.assertIn("PUBLIC KEY", out["keyPair"]["PublicKey"])
        self.assertIn("PRIVATE KEY", out["keyPair"]["PrivateKey"])
        self.assertEqual(cid, hashlib.sha256(ssl.PEM_cert_to_DER_cert(out["certificatePem"])).hexdigest())
        d = self.describe("a", cid)
        self.assertEqual((d["status"], d["ownedBy"], d["certificateMode"]), ("ACTIVE", ENV.a.account, "DEFAULT"))
        self.assertEqual(d["customerVersion"], 1)
        self.assertEqual(d["transferData"], {})
        self.assert_epoch(d["creationDate"], "creationDate")
        self.assert_epoch(d["lastModifiedDate"], "lastModifiedDate")
        self.assertIsInstance(d["validity"]["notAfter"], (int, float))
        # --query and text output, as scripts use them.
        p = self.run_cli("a", ["describe-certificate", "--certificate-id", cid, "--query", "certificateDescription.status"])
        self.assertEqual(json.loads(p.stdout), "ACTIVE")

    def test_create_certificate_from_csr(self):
        csr = "file://" + os.path.join(os.environ["COMPAT_FIXTURES"], "csr.pem")
        first = self.aws("a", "create-certificate-from-csr", "--certificate-signing-request", csr, "--set-as-active")
        second = self.aws("a", "create-certificate-from-csr", "--certificate-signing-request", csr)
        self.assertNotEqual(first["certificateId"], second["certificateId"])
        self.assertEqual(self.describe("a", first["certificateId"])["status"], "ACTIVE")
        self.assertEqual(self.describe("a", second["certificateId"])["status"], "INACTIVE")
        self.aws_error("a", "InvalidRequestException", 400, "create-certificate-from-csr",
                       "--certificate-signing-request", "not a CSR")

    def test_register_certificate_without_ca(self):
        pem = "file://" + os.path.join(os.environ["COMPAT_FIXTURES"], "selfsigned.pem")
        out = self.aws("a", "register-certificate-without-ca", "--certificate-pem", pem, "--status", "ACTIVE")
        self.assertEqual(out["certificateId"], ENV.cert_id)
        d = self.describe("a", ENV.cert_id)
        self.assertEqual((d["status"], d["certificateMode"]), ("ACTIVE", "SNI_ONLY"))
        self.aws_error("a", "ResourceAlreadyExistsException", 409, "register-certificate-without-ca", "--certificate-pem", pem)

    def test_update_and_delete(self):
        cid = self.aws("a", "create-keys-and-certificate", "--set-as-active")["certificateId"]
        self.aws_error("a", "CertificateStateException", 406, "delete-certificate", "--certificate-id", cid)
        self.assertIsNone(self.aws("a", "update-certificate", "--certificate-id", cid, "--new-status", "INACTIVE"))
        d = self.describe("a", cid)
        self.assertEqual((d["status"], d["customerVersion"]), ("INACTIVE", 2))
        self.assertGreaterEqual(d["lastModifiedDate"], d["creationDate"])
        self.assertIsNone(self.aws("a", "delete-certificate", "--certificate-id", cid))
        self.aws_error("a", "ResourceNotFoundException", 404, "describe-certificate", "--certificate-id", cid)

    def test_list_certificates_paginates_to_the_end(self):
        # Region eu-west-1 holds only what this test creates. 26 certificates are more than
        # the default page of 25, so the CLI's automatic pagination needs a second request;
        # they are made with boto3 (botocore is the CLI's own library) to keep the suite
        # quick: the listing is what is under test here.
        import boto3
        from botocore.config import Config
        region, n = "eu-west-1", 26
        maker = boto3.session.Session().client(
            "iot", endpoint_url=ENV.endpoint, region_name=region, aws_access_key_id=ENV.a.key,
            aws_secret_access_key=ENV.a.secret, config=Config(retries={"mode": "standard", "max_attempts": 1}))
        created = [maker.create_certificate_from_csr(certificateSigningRequest=ENV.csr_pem)["certificateId"]
                   for _ in range(n)]

        # Automatic pagination: every page fetched and merged, no token left.
        p = self.run_cli("a", ["list-certificates", "--ascending-order"], region=region, debug=True)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        out = json.loads(p.stdout)
        self.assertEqual([c["certificateId"] for c in out["certificates"]], created)
        self.assertNotIn("NextToken", out)
        self.assertEqual(len(STATUS_LINE.findall(p.stderr)), 2, "want two requests (25 + 1)")
        for c in out["certificates"]:
            self.assert_epoch(c["creationDate"], "certificates[].creationDate")
            self.assertEqual(c["status"], "INACTIVE")

        # --max-items and --starting-token, to the end.
        seen, token = [], None
        for _ in range(10):
            args = ["list-certificates", "--ascending-order", "--max-items", "10"]
            if token:
                args += ["--starting-token", token]
            page = self.aws("a", *args, region=region)
            seen += [c["certificateId"] for c in page["certificates"]]
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(seen, created)

        # The wire's markers by hand, as the CLI documentation describes. AWS CLI v1 treats
        # --page-size of this operation as the model's own pageSize member, and giving it
        # turns automatic pagination off, so each command is one page.
        seen, sizes, marker = [], [], None
        for _ in range(10):
            args = ["list-certificates", "--page-size", "10"]
            if marker:
                args += ["--marker", marker]
            page = self.aws("a", *args, region=region)
            sizes.append(len(page["certificates"]))
            seen += [c["certificateId"] for c in page["certificates"]]
            marker = page.get("nextMarker")
            if not marker:
                break
        self.assertEqual(sizes, [10, 10, 6])
        self.assertEqual(sorted(seen), sorted(created))

    # The transfer workflow.

    def test_transfer_accept(self):
        # B owns two certificates of its own and A transfers one more to B and another to
        # C, so that both listings below need several pages of one.
        b_own = [self.new_inactive("b") for _ in range(2)]
        cid, to_c = self.new_inactive(), self.new_inactive()
        target_arn = pycompat.cert_arn(ENV.region, ENV.b.account, cid)
        out = self.aws("a", "transfer-certificate", "--certificate-id", cid, "--target-aws-account", ENV.b.account,
                       "--transfer-message", "for B")
        self.assertEqual(out, {"transferredCertificateArn": target_arn})
        self.aws("a", "transfer-certificate", "--certificate-id", to_c, "--target-aws-account", ENV.c.account)

        # The target's list, one certificate a page, to the last page: every page holds
        # one, no certificate comes twice, the pending one is there as PENDING_TRANSFER
        # beside B's own, and the CLI's automatic pagination lists the same certificates.
        pages = self.pages("b", "list-certificates", "certificates")
        self.assertEqual([len(p) for p in pages], [1] * len(pages))
        listed = {c["certificateId"]: c for p in pages for c in p}
        self.assertEqual(len(listed), len(pages), "a certificate listed twice")
        self.assertLessEqual({cid, *b_own}, set(listed))
        self.assertEqual(listed[cid]["status"], "PENDING_TRANSFER")
        self.assertEqual(listed[cid]["certificateArn"], target_arn)
        self.assertEqual({listed[i]["status"] for i in b_own}, {"INACTIVE"})
        auto = self.aws("b", "list-certificates")
        self.assertNotIn("nextMarker", auto)
        self.assertEqual(sorted(c["certificateId"] for c in auto["certificates"]), sorted(listed))

        pending = self.describe("b", cid)
        self.assertEqual((pending["status"], pending["ownedBy"]), ("PENDING_TRANSFER", ENV.a.account))
        self.assert_epoch(pending["transferData"]["transferDate"], "transferData.transferDate")

        # The source's outgoing list, one a page, to the last page; and automatically.
        pages = self.pages("a", "list-outgoing-certificates", "outgoingCertificates")
        self.assertEqual([len(p) for p in pages], [1] * len(pages))
        outgoing = {o["certificateId"]: o for p in pages for o in p}
        self.assertEqual(len(outgoing), len(pages), "an outgoing certificate listed twice")
        self.assertLessEqual({cid, to_c}, set(outgoing))
        self.assertEqual((outgoing[cid]["transferredTo"], outgoing[cid]["transferMessage"]), (ENV.b.account, "for B"))
        self.assertEqual(outgoing[to_c]["transferredTo"], ENV.c.account)
        self.assertEqual(outgoing[cid]["certificateArn"], target_arn)
        self.assert_epoch(outgoing[cid]["transferDate"], "outgoing transferDate")
        self.assert_epoch(outgoing[cid]["creationDate"], "outgoing creationDate")
        auto = self.aws("a", "list-outgoing-certificates")["outgoingCertificates"]
        self.assertEqual(sorted(o["certificateId"] for o in auto), sorted(outgoing))
        self.aws_error("c", "ResourceNotFoundException", 404, "accept-certificate-transfer", "--certificate-id", cid)

        self.assertIsNone(self.aws("b", "accept-certificate-transfer", "--certificate-id", cid, "--set-as-active"))
        d = self.describe("b", cid)
        self.assertEqual((d["status"], d["ownedBy"], d["previousOwnedBy"]), ("ACTIVE", ENV.b.account, ENV.a.account))
        self.assert_epoch(d["transferData"]["acceptDate"], "transferData.acceptDate")
        self.aws_error("a", "ResourceNotFoundException", 404, "describe-certificate", "--certificate-id", cid)
        # Settled: every further step is TransferAlreadyCompleted (410).
        self.aws_error("a", "TransferAlreadyCompletedException", 410, "cancel-certificate-transfer", "--certificate-id", cid)
        self.aws_error("b", "TransferAlreadyCompletedException", 410, "reject-certificate-transfer", "--certificate-id", cid)
        self.aws_error("b", "TransferAlreadyCompletedException", 410, "accept-certificate-transfer", "--certificate-id", cid)
        self.assertNotIn(cid, [o["certificateId"] for o in self.aws("a", "list-outgoing-certificates")["outgoingCertificates"]])

    def test_transfer_reject(self):
        cid = self.new_inactive()
        self.aws("a", "transfer-certificate", "--certificate-id", cid, "--target-aws-account", ENV.b.account)
        self.assertIsNone(self.aws("b", "reject-certificate-transfer", "--certificate-id", cid, "--reject-reason", "not ours"))
        d = self.describe("a", cid)
        self.assertEqual((d["status"], d["ownedBy"]), ("INACTIVE", ENV.a.account))
        self.assertEqual(d["transferData"]["rejectReason"], "not ours")
        self.assert_epoch(d["transferData"]["rejectDate"], "transferData.rejectDate")
        self.aws_error("b", "ResourceNotFoundException", 404, "describe-certificate", "--certificate-id", cid)

    def test_transfer_cancel(self):
        cid = self.new_inactive()
        self.aws("a", "transfer-certificate", "--certificate-id", cid, "--target-aws-account", ENV.b.account)
        self.assertIsNone(self.aws("a", "cancel-certificate-transfer", "--certificate-id", cid))
        d = self.describe("a", cid)
        self.assertEqual((d["status"], d["ownedBy"]), ("INACTIVE", ENV.a.account))
        self.aws_error("b", "ResourceNotFoundException", 404, "accept-certificate-transfer", "--certificate-id", cid)

    def test_transfer_errors(self):
        active = self.aws("a", "create-keys-and-certificate", "--set-as-active")["certificateId"]
        self.aws_error("a", "CertificateStateException", 406, "transfer-certificate",
                       "--certificate-id", active, "--target-aws-account", ENV.b.account)
        cid = self.new_inactive()
        arn = pycompat.cert_arn(ENV.region, ENV.a.account, cid)
        self.aws("a", "create-policy", "--policy-name", "compat-cli-transfer", "--policy-document", pycompat.POLICY_DOC)
        self.aws("a", "attach-policy", "--policy-name", "compat-cli-transfer", "--target", arn)
        self.aws_error("a", "TransferConflictException", 409, "transfer-certificate",
                       "--certificate-id", cid, "--target-aws-account", ENV.b.account)
        self.aws("a", "detach-policy", "--policy-name", "compat-cli-transfer", "--target", arn)
        # The CLI checks the model's minimum length itself; with parameter_validation off
        # (profile raw) the server refuses the 63-character ID.
        self.aws_error("raw", "InvalidRequestException", 400, "transfer-certificate",
                       "--certificate-id", cid[:63], "--target-aws-account", ENV.b.account)
        p = self.run_cli("a", ["transfer-certificate", "--certificate-id", cid[:63], "--target-aws-account", ENV.b.account])
        self.assertEqual(p.returncode, 255, p.stderr)
        self.assertIn("Parameter validation failed", p.stderr)
        self.aws("a", "transfer-certificate", "--certificate-id", cid, "--target-aws-account", ENV.b.account)

    def test_transfer_error_paths(self):
        # A thing attached: TransferConflict (409).
        cid = self.new_inactive()
        arn = pycompat.cert_arn(ENV.region, ENV.a.account, cid)
        self.aws("a", "create-thing", "--thing-name", "compat-cli-transfer")
        self.aws("a", "attach-thing-principal", "--thing-name", "compat-cli-transfer", "--principal", arn)
        self.aws_error("a", "TransferConflictException", 409, "transfer-certificate",
                       "--certificate-id", cid, "--target-aws-account", ENV.b.account)
        self.aws("a", "detach-thing-principal", "--thing-name", "compat-cli-transfer", "--principal", arn)

        # A revoked certificate: CertificateState (406).
        revoked = self.new_inactive()
        self.aws("a", "update-certificate", "--certificate-id", revoked, "--new-status", "REVOKED")
        self.aws_error("a", "CertificateStateException", 406, "transfer-certificate",
                       "--certificate-id", revoked, "--target-aws-account", ENV.b.account)

        # To the owning account: InvalidRequest (400).
        self.aws_error("a", "InvalidRequestException", 400, "transfer-certificate",
                       "--certificate-id", cid, "--target-aws-account", ENV.a.account)

        # Nothing pending: the owner gets InvalidRequest (400), another account 404.
        for op in ("accept-certificate-transfer", "reject-certificate-transfer", "cancel-certificate-transfer"):
            self.aws_error("a", "InvalidRequestException", 400, op, "--certificate-id", cid)
        self.aws_error("b", "ResourceNotFoundException", 404, "accept-certificate-transfer", "--certificate-id", cid)

        self.aws("a", "transfer-certificate", "--certificate-id", cid, "--target-aws-account", ENV.b.account)
        # Already pending: CertificateState (406).
        self.aws_error("a", "CertificateStateException", 406, "transfer-certificate",
                       "--certificate-id", cid, "--target-aws-account", ENV.b.account)
        # Update and delete while pending, by either party: CertificateState (406).
        for profile in ("a", "b"):
            self.aws_error(profile, "CertificateStateException", 406, "update-certificate",
                           "--certificate-id", cid, "--new-status", "ACTIVE")
            self.aws_error(profile, "CertificateStateException", 406, "delete-certificate", "--certificate-id", cid)
        # A third account can neither reject nor cancel what it cannot see (404); each
        # party only its own step (400).
        self.aws_error("c", "ResourceNotFoundException", 404, "reject-certificate-transfer", "--certificate-id", cid)
        self.aws_error("c", "ResourceNotFoundException", 404, "cancel-certificate-transfer", "--certificate-id", cid)
        self.aws_error("a", "InvalidRequestException", 400, "accept-certificate-transfer", "--certificate-id", cid)
        self.aws_error("b", "InvalidRequestException", 400, "cancel-certificate-transfer", "--certificate-id", cid)
        # Untouched by all that: still pending, and B can still accept.
        self.assertEqual(self.describe("b", cid)["status"], "PENDING_TRANSFER")
        self.assertIsNone(self.aws("b", "accept-certificate-transfer", "--certificate-id", cid))
        self.assertEqual(self.describe("b", cid)["ownedBy"], ENV.b.account)

    def test_timestamps_iso8601(self):
        """A profile with cli_timestamp_format = iso8601 gets ISO 8601 text, the same
        instants as the epoch numbers of the default format."""
        cid = self.new_inactive()
        self.aws("a", "transfer-certificate", "--certificate-id", cid, "--target-aws-account", ENV.b.account)
        epoch = self.describe("a", cid)
        iso = self.describe("iso", cid)
        for key in ("creationDate", "lastModifiedDate"):
            when = self.assert_iso8601(iso[key], key)
            self.assertAlmostEqual(when.timestamp(), epoch[key], delta=0.001)
        when = self.assert_iso8601(iso["transferData"]["transferDate"], "transferData.transferDate")
        self.assertAlmostEqual(when.timestamp(), epoch["transferData"]["transferDate"], delta=0.001)
        not_after = datetime.datetime.fromisoformat(iso["validity"]["notAfter"])
        self.assertAlmostEqual(not_after.timestamp(), epoch["validity"]["notAfter"], delta=0.001)
        listed = [c for c in self.aws("iso", "list-certificates")["certificates"] if c["certificateId"] == cid]
        self.assertEqual(len(listed), 1)
        self.assert_iso8601(listed[0]["creationDate"], "certificates[].creationDate")
        outgoing = [o for o in self.aws("iso", "list-outgoing-certificates")["outgoingCertificates"]
                    if o["certificateId"] == cid]
        self.assertEqual(len(outgoing), 1)
        self.assert_iso8601(outgoing[0]["transferDate"], "outgoingCertificates[].transferDate")
        self.aws("a", "cancel-certificate-transfer", "--certificate-id", cid)

    def test_accounts(self):
        env = dict(self.base_env, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
        wrong_secret = dict(self.base_env, AWS_ACCESS_KEY_ID=ENV.a.key, AWS_SECRET_ACCESS_KEY=ENV.a.secret + "x")
        if ENV.mode == "emulator":
            p = self.run_cli(None, ["create-keys-and-certificate", "--query", "certificateArn"], env=env)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertTrue(json.loads(p.stdout).startswith("arn:aws:iot:%s:123456789012:cert/" % ENV.region))
            # moto's convention: any secret is accepted.
            p = self.run_cli(None, ["list-certificates", "--query", "length(certificates)"], env=wrong_secret)
            self.assertEqual(p.returncode, 0, p.stderr)
        else:
            self.aws_error(None, "UnrecognizedClientException", 403, "list-certificates", env=env)
            self.aws_error(None, "InvalidSignatureException", 403, "list-certificates", env=wrong_secret)

    def test_zz_moto_reset(self):
        """Last, since it clears the server: moto's unsigned POST /moto-api/reset, which
        the CLI cannot send, then the CLI's view of what is left."""
        self.new_inactive()
        req = urllib.request.Request(ENV.endpoint + "/moto-api/reset", data=b"", method="POST")
        if ENV.mode == "emulator":
            with urllib.request.urlopen(req, timeout=30) as resp:
                self.assertEqual(resp.status, 200)
                self.assertEqual(json.load(resp), {"status": "ok"})
            for profile in ("a", "b"):
                self.assertEqual(self.aws(profile, "list-certificates")["certificates"], [])
            self.assertEqual(self.aws("a", "list-outgoing-certificates")["outgoingCertificates"], [])
        else:
            # Strict mode does not route it: an unsigned request is refused, nothing is cleared.
            with self.assertRaises(urllib.error.HTTPError) as cm:
                urllib.request.urlopen(req, timeout=30)
            self.assertEqual(cm.exception.code, 403)
            self.assertNotEqual(self.aws("a", "list-certificates")["certificates"], [])


if __name__ == "__main__":
    version = subprocess.run([AWS, "--version"], capture_output=True, text=True)
    print("%s against %s (%s mode)" % ((version.stdout or version.stderr).strip(), ENV.endpoint, ENV.mode))
    pycompat.run_suite("aws-cli", CliCompat)
