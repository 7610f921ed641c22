package pki

import (
	"crypto"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
)

func TestParseCSRAccepts(t *testing.T) {
	t.Parallel()
	rsa2048, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	rsa4096, err := rsa.GenerateKey(rand.Reader, 4096)
	if err != nil {
		t.Fatal(err)
	}
	p256 := newECKey(t, elliptic.P256())
	p384 := newECKey(t, elliptic.P384())
	p521 := newECKey(t, elliptic.P521())
	tests := []struct {
		name string
		key  crypto.Signer
		in   string
	}{
		{"RSA-2048", rsa2048, csrPEM(t, rsa2048, "CERTIFICATE REQUEST")},
		{"RSA-4096", rsa4096, csrPEM(t, rsa4096, "CERTIFICATE REQUEST")},
		{"P-256", p256, csrPEM(t, p256, "CERTIFICATE REQUEST")},
		{"P-384", p384, csrPEM(t, p384, "CERTIFICATE REQUEST")},
		{"P-521", p521, csrPEM(t, p521, "CERTIFICATE REQUEST")},
		{"NEW CERTIFICATE REQUEST type", p256, csrPEM(t, p256, "NEW CERTIFICATE REQUEST")},
		{"CRLF and surrounding whitespace", p256, "\r\n " + strings.ReplaceAll(csrPEM(t, p256, "CERTIFICATE REQUEST"), "\n", "\r\n") + " \r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			csr, err := ParseCSR(tc.in)
			if err != nil {
				t.Fatalf("ParseCSR: %v", err)
			}
			pub, ok := tc.key.Public().(interface{ Equal(crypto.PublicKey) bool })
			if !ok || !pub.Equal(csr.PublicKey) {
				t.Errorf("CSR public key does not match the signing key")
			}
			if csr.Subject.CommonName != "pki test device" {
				t.Errorf("Subject CN = %q", csr.Subject.CommonName)
			}
		})
	}
}

func TestParseCSRRefuses(t *testing.T) {
	t.Parallel()
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	rsa2048, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p256 := newECKey(t, elliptic.P256())

	good := csrPEM(t, rsa2048, "CERTIFICATE REQUEST")
	goodDER := pemDER(t, good)
	parsed, err := x509.ParseCertificateRequest(goodDER)
	if err != nil {
		t.Fatal(err)
	}
	tampered := string(pem.EncodeToMemory(&pem.Block{
		Type: "CERTIFICATE REQUEST", Bytes: flipLastSignatureByte(t, goodDER, parsed.Signature),
	}))

	tests := []struct {
		name string
		in   string
		want string
	}{
		{"RSA-1024", csrPEM(t, rsa1024, "CERTIFICATE REQUEST"), "1024 bits"},
		{"P-224", csrPEM(t, newECKey(t, elliptic.P224()), "CERTIFICATE REQUEST"), "P-224"},
		{"Ed25519", csrPEM(t, edKey, "CERTIFICATE REQUEST"), "Ed25519 keys are not supported"},
		{"tampered signature", tampered, "signature of the certificate signing request is not valid"},
		{"garbage", "garbage", "not PEM encoded"},
		{"empty", "", "empty"},
		{"certificate PEM", selfSignedPEM(t, p256, 0), `PEM type "CERTIFICATE"`},
		{"certificate DER in CSR PEM", string(pem.EncodeToMemory(&pem.Block{
			Type: "CERTIFICATE REQUEST", Bytes: pemDER(t, selfSignedPEM(t, p256, 0)),
		})), "could not be parsed"},
		{"two CSRs", good + good, "exactly one PEM block"},
		{"truncated", good[:len(good)-40], "not valid PEM"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			csr, err := ParseCSR(tc.in)
			if csr != nil {
				t.Errorf("ParseCSR returned a request for invalid input")
			}
			requireValidationError(t, err, tc.want)
		})
	}
}
