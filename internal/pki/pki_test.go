package pki

import (
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

func TestCertificateID(t *testing.T) {
	t.Parallel()
	iss, caPEM, _ := newTestIssuer(t)
	ecKey := newECKey(t, elliptic.P384())
	leafDER, err := iss.Issue(ecKey.Public(), testNow)
	if err != nil {
		t.Fatal(err)
	}
	hexID := regexp.MustCompile(`^[0-9a-f]{64}$`)
	tests := []struct {
		name    string
		certPEM string
	}{
		{"issued ECDSA leaf", EncodeCertificatePEM(leafDER)},
		{"RSA CA", string(caPEM)},
		{"self-signed ECDSA", selfSignedPEM(t, newECKey(t, elliptic.P256()), 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			der := pemDER(t, tc.certPEM)
			id := CertificateID(der)

			if want := fmt.Sprintf("%x", sha256.Sum256(der)); id != want {
				t.Errorf("CertificateID = %s, want %s", id, want)
			}
			if !hexID.MatchString(id) {
				t.Errorf("CertificateID = %q, want 64 lowercase hex characters", id)
			}
			if !IsCertificateID(id) {
				t.Errorf("IsCertificateID(%q) = false", id)
			}

			dir := t.TempDir()
			writeFile(t, dir, "cert.pem", tc.certPEM)
			out := runOpenSSL(t, dir, "x509", "-noout", "-fingerprint", "-sha256", "-in", "cert.pem")
			_, fp, ok := strings.Cut(strings.TrimSpace(out), "=")
			if !ok {
				t.Fatalf("unexpected openssl output %q", out)
			}
			if want := strings.ToLower(strings.ReplaceAll(fp, ":", "")); id != want {
				t.Errorf("CertificateID = %s, openssl fingerprint = %s", id, want)
			}
		})
	}
}

func TestIsCertificateID(t *testing.T) {
	t.Parallel()
	valid := strings.Repeat("0123456789abcdef", 4)
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"valid", valid, true},
		{"empty", "", false},
		{"too short", valid[:63], false},
		{"too long", valid + "0", false},
		{"uppercase", strings.ToUpper(valid), false},
		{"non-hex", valid[:63] + "g", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := IsCertificateID(tc.in); got != tc.want {
				t.Errorf("IsCertificateID(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestEncodeCertificatePEM(t *testing.T) {
	t.Parallel()
	certPEM := selfSignedPEM(t, newECKey(t, elliptic.P256()), 0)
	der := pemDER(t, certPEM)
	got := EncodeCertificatePEM(der)
	if got != certPEM {
		t.Errorf("EncodeCertificatePEM = %q, want %q", got, certPEM)
	}
	if !strings.HasPrefix(got, "-----BEGIN CERTIFICATE-----\n") || !strings.HasSuffix(got, "-----END CERTIFICATE-----\n") {
		t.Errorf("EncodeCertificatePEM has unexpected framing: %q", got)
	}
}

func TestParseCertificatePEMAccepts(t *testing.T) {
	t.Parallel()
	rsaKey, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	p256 := newECKey(t, elliptic.P256())
	p521 := newECKey(t, elliptic.P521())
	valid := selfSignedPEM(t, p256, x509.ECDSAWithSHA256)
	tests := []struct {
		name    string
		in      string
		wantAlg x509.SignatureAlgorithm
	}{
		{"ECDSA with SHA256", valid, x509.ECDSAWithSHA256},
		{"ECDSA with SHA384", selfSignedPEM(t, p256, x509.ECDSAWithSHA384), x509.ECDSAWithSHA384},
		{"ECDSA with SHA512 on P-521", selfSignedPEM(t, p521, x509.ECDSAWithSHA512), x509.ECDSAWithSHA512},
		{"SHA256 with RSA", selfSignedPEM(t, rsaKey, x509.SHA256WithRSA), x509.SHA256WithRSA},
		{"SHA384 with RSA", selfSignedPEM(t, rsaKey, x509.SHA384WithRSA), x509.SHA384WithRSA},
		{"SHA512 with RSA", selfSignedPEM(t, rsaKey, x509.SHA512WithRSA), x509.SHA512WithRSA},
		{"surrounding whitespace", "\n\t  " + valid + "\n\n  \t", x509.ECDSAWithSHA256},
		{"CRLF line endings", strings.ReplaceAll(valid, "\n", "\r\n"), x509.ECDSAWithSHA256},
		{"no trailing newline", strings.TrimSuffix(valid, "\n"), x509.ECDSAWithSHA256},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cert, err := ParseCertificatePEM(tc.in)
			if err != nil {
				t.Fatalf("ParseCertificatePEM: %v", err)
			}
			if cert.SignatureAlgorithm != tc.wantAlg {
				t.Errorf("SignatureAlgorithm = %v, want %v", cert.SignatureAlgorithm, tc.wantAlg)
			}
			if got, want := CertificateID(cert.Raw), CertificateID(pemDER(t, tc.in)); got != want {
				t.Errorf("ID of parsed certificate = %s, want %s", got, want)
			}
		})
	}
}

func TestParseCertificatePEMRefuses(t *testing.T) {
	t.Parallel()
	p256 := newECKey(t, elliptic.P256())
	valid := selfSignedPEM(t, p256, 0)
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
	keyDER, err := x509.MarshalPKCS8PrivateKey(p256)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	withHeader := string(pem.EncodeToMemory(&pem.Block{
		Type: "CERTIFICATE", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}, Bytes: pemDER(t, valid),
	}))
	dir := t.TempDir()
	writeFile(t, dir, "sha1.key", keyPEM)
	sha1PEM := runOpenSSL(t, dir, "req", "-x509", "-new", "-key", "sha1.key", "-sha1", "-subj", "/CN=sha1", "-days", "1")

	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", "empty"},
		{"whitespace only", " \r\n\t ", "empty"},
		{"garbage", "this is not a certificate", "not PEM encoded"},
		{"base64 without armour", strings.Join(strings.Split(valid, "\n")[1:], "\n"), "not PEM encoded"},
		{"private key PEM", keyPEM, `PEM type "PRIVATE KEY"`},
		{"CSR PEM", csrPEM(t, p256, "CERTIFICATE REQUEST"), `PEM type "CERTIFICATE REQUEST"`},
		{"two certificates", valid + valid, "exactly one PEM block"},
		{"certificate then key", valid + keyPEM, "exactly one PEM block"},
		{"truncated", valid[:len(valid)/2], "not valid PEM"},
		{"missing END line", strings.TrimSuffix(valid, "-----END CERTIFICATE-----\n"), "not valid PEM"},
		{"text before", "hello\n" + valid, "not PEM encoded"},
		{"text after", valid + "trailing junk\n", "unexpected data after"},
		{"PEM headers", withHeader, "headers"},
		{"DER garbage in PEM", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("nope")})), "could not be parsed"},
		{"RSA-1024 key", selfSignedPEM(t, rsa1024, x509.SHA256WithRSA), "1024 bits"},
		{"P-224 key", selfSignedPEM(t, newECKey(t, elliptic.P224()), x509.ECDSAWithSHA256), "P-224"},
		{"Ed25519 signature", selfSignedPEM(t, edKey, x509.PureEd25519), "Ed25519"},
		{"RSA-PSS signature", selfSignedPEM(t, rsa2048, x509.SHA256WithRSAPSS), "SHA256-RSAPSS"},
		{"SHA1 with RSA signature", sha1PEM, "signature algorithm"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cert, err := ParseCertificatePEM(tc.in)
			if cert != nil {
				t.Errorf("ParseCertificatePEM returned a certificate for invalid input")
			}
			requireValidationError(t, err, tc.want)
		})
	}
}

func BenchmarkParseCertificatePEM(b *testing.B) {
	iss, _, _ := newTestIssuer(b)
	der, err := iss.Issue(newECKey(b, elliptic.P256()).Public(), testNow)
	if err != nil {
		b.Fatal(err)
	}
	certPEM := EncodeCertificatePEM(der)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseCertificatePEM(certPEM); err != nil {
			b.Fatal(err)
		}
	}
}
