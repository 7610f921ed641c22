package pki

import (
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
)

// fuzzSeeds returns inputs around the PEM framing edge cases, built from
// valid, a well-formed PEM document.
func fuzzSeeds(valid string) []string {
	return []string{
		valid,
		"  \r\n" + strings.ReplaceAll(valid, "\n", "\r\n") + "\n\n",
		valid + valid,
		valid[:len(valid)/2],
		strings.TrimSuffix(valid, "\n"),
		"",
		" \n\t",
		"garbage",
		"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
		"-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n\nMAA=\n-----END CERTIFICATE-----\n",
		"-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n",
		"-----BEGIN ",
	}
}

// checkFuzzError fails unless a refusal is a *ValidationError, which callers
// rely on to map the problem to a client error.
func checkFuzzError(t *testing.T, err error) {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not a *ValidationError", err, err)
	}
	if ve.Msg == "" {
		t.Fatal("ValidationError has an empty message")
	}
}

func FuzzParseCertificatePEM(f *testing.F) {
	key := newECKey(f, elliptic.P256())
	for _, s := range fuzzSeeds(selfSignedPEM(f, key, x509.ECDSAWithSHA256)) {
		f.Add(s)
	}
	f.Add(csrPEM(f, key, "CERTIFICATE REQUEST"))
	f.Fuzz(func(t *testing.T, s string) {
		cert, err := ParseCertificatePEM(s)
		if err != nil {
			if cert != nil {
				t.Fatal("certificate returned together with an error")
			}
			checkFuzzError(t, err)
			return
		}
		// An accepted certificate must survive re-encoding unchanged.
		again, err := ParseCertificatePEM(EncodeCertificatePEM(cert.Raw))
		if err != nil {
			t.Fatalf("re-encoded certificate refused: %v", err)
		}
		if CertificateID(again.Raw) != CertificateID(cert.Raw) {
			t.Fatal("certificate ID changed after re-encoding")
		}
	})
}

func FuzzParseCSR(f *testing.F) {
	key := newECKey(f, elliptic.P256())
	valid := csrPEM(f, key, "CERTIFICATE REQUEST")
	for _, s := range fuzzSeeds(valid) {
		f.Add(s)
	}
	f.Add(csrPEM(f, key, "NEW CERTIFICATE REQUEST"))
	f.Add(selfSignedPEM(f, key, 0))
	f.Fuzz(func(t *testing.T, s string) {
		csr, err := ParseCSR(s)
		if err != nil {
			if csr != nil {
				t.Fatal("request returned together with an error")
			}
			checkFuzzError(t, err)
			return
		}
		if err := csr.CheckSignature(); err != nil {
			t.Fatalf("accepted request has a bad signature: %v", err)
		}
		if err := checkPublicKey(csr.PublicKey); err != nil {
			t.Fatalf("accepted request has an unsupported key: %v", err)
		}
		// Re-encoding must be accepted too.
		reencoded := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr.Raw}))
		if _, err := ParseCSR(reencoded); err != nil {
			t.Fatalf("re-encoded request refused: %v", err)
		}
	})
}
