"""Writes the X.509 inputs the client suites share into a directory.

Usage: python3 compat/fixtures.py DIR

- csr.pem: a PKCS#10 request for a NIST P-256 key (CreateCertificateFromCsr; AWS issues a
  distinct certificate for each use of the same CSR, so one request serves every call);
- selfsigned.pem: a self-signed P-256 certificate valid from yesterday for a year
  (RegisterCertificateWithoutCA); selfsigned2.pem and selfsigned3.pem: two more like it;
- selfsigned*.sha256: the certificate ID AWS computes for each, the hex SHA-256 of its DER.

Made fresh on every run, so nothing expires in the repository. Uses `cryptography`, which
moto (a required tool of the suite) depends on.
"""

import datetime
import hashlib
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def main(out: str) -> None:
    os.makedirs(out, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "iotcertd-compat-csr")]))
        .sign(key, hashes.SHA256())
    )
    with open(os.path.join(out, "csr.pem"), "wb") as f:
        f.write(csr.public_bytes(serialization.Encoding.PEM))

    now = datetime.datetime.now(datetime.timezone.utc)
    for suffix in ("", "2", "3"):
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "iotcertd-compat-device" + suffix)])
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .sign(key, hashes.SHA256())
        )
        with open(os.path.join(out, "selfsigned%s.pem" % suffix), "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
        with open(os.path.join(out, "selfsigned%s.sha256" % suffix), "w") as f:
            f.write(hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest() + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: fixtures.py DIR")
    main(sys.argv[1])
