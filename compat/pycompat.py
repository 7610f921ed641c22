"""Shared by the Python client suites (compat/cli, compat/boto3, compat/moto): the running
server as compat/lib.sh describes it in COMPAT_* variables, the fixtures, and small checks."""

import datetime
import os
import re
import sys
import unittest
from dataclasses import dataclass

CERT_ID = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Account:
    account: str
    key: str
    secret: str


@dataclass(frozen=True)
class Env:
    endpoint: str
    mode: str  # "emulator" or "strict"
    region: str
    a: Account
    b: Account
    c: Account
    csr_pem: str
    cert_pem: str
    cert_id: str


def load_env() -> Env:
    """Reads the server description; exits with a clear message when it is missing."""
    missing = [v for v in ("COMPAT_ENDPOINT", "COMPAT_MODE", "COMPAT_FIXTURES") if not os.environ.get(v)]
    if missing:
        sys.exit("%s not set: run this suite through compat/run.sh" % ", ".join(missing))

    def acct(p: str) -> Account:
        return Account(os.environ["COMPAT_%s_ACCOUNT" % p], os.environ["COMPAT_%s_KEY" % p], os.environ["COMPAT_%s_SECRET" % p])

    fx = os.environ["COMPAT_FIXTURES"]

    def read(name: str) -> str:
        with open(os.path.join(fx, name)) as f:
            return f.read()

    return Env(
        endpoint=os.environ["COMPAT_ENDPOINT"],
        mode=os.environ["COMPAT_MODE"],
        region=os.environ.get("COMPAT_REGION", "us-east-1"),
        a=acct("A"),
        b=acct("B"),
        c=acct("C"),
        csr_pem=read("csr.pem"),
        cert_pem=read("selfsigned.pem"),
        cert_id=read("selfsigned.sha256").strip(),
    )


def cert_arn(region: str, account: str, cert_id: str) -> str:
    return "arn:aws:iot:%s:%s:cert/%s" % (region, account, cert_id)


POLICY_DOC = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}'


def recent(tc: unittest.TestCase, when: datetime.datetime, what: str) -> None:
    """Asserts a parsed timestamp is an aware datetime within a day of now."""
    tc.assertIsInstance(when, datetime.datetime, what)
    tc.assertIsNotNone(when.tzinfo, what + " is not timezone-aware")
    now = datetime.datetime.now(datetime.timezone.utc)
    tc.assertLess(abs((now - when).total_seconds()), 86400, "%s = %s is not near now" % (what, when))


def run_suite(name: str, case: type) -> None:
    """Runs one TestCase class in definition order and exits 0 only if all passed. The last
    line is the plain 'N passed, N failed' summary."""
    loader = unittest.TestLoader()
    order = {n: i for i, n in enumerate(vars(case))}
    loader.sortTestMethodsUsing = lambda x, y: order[x] - order[y]
    suite = loader.loadTestsFromTestCase(case)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors)
    passed = result.testsRun - failed - len(result.skipped)
    print("%s: %d passed, %d failed" % (name, passed, failed))
    sys.exit(0 if failed == 0 and result.testsRun > 0 else 1)
