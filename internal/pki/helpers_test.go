package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testNow is a fixed issue time with a sub-second part, to check that
// validity times are truncated to whole seconds.
var testNow = time.Date(2024, time.May, 6, 7, 8, 9, 500_000_000, time.UTC)

// newTestIssuer makes a fresh CA for one test.
func newTestIssuer(t testing.TB) (iss *Issuer, certPEM, keyPEM []byte) {
	t.Helper()
	iss, certPEM, keyPEM, err := NewIssuer(testNow)
	if err != nil {
		t.Fatalf("NewIssuer: %v", err)
	}
	return iss, certPEM, keyPEM
}

// newECKey makes an ECDSA key on curve.
func newECKey(t testing.TB, curve elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatalf("ecdsa.GenerateKey(%s): %v", curve.Params().Name, err)
	}
	return k
}

// selfSignedPEM makes a self-signed certificate for key with the given
// signature algorithm (0 lets crypto/x509 choose).
func selfSignedPEM(t testing.TB, key crypto.Signer, alg x509.SignatureAlgorithm) string {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber:       big.NewInt(42),
		Subject:            pkix.Name{CommonName: "pki test"},
		NotBefore:          testNow,
		NotAfter:           testNow.Add(24 * time.Hour),
		SignatureAlgorithm: alg,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatalf("CreateCertificate: %v", err)
	}
	return EncodeCertificatePEM(der)
}

// csrPEM makes a certificate signing request for key with the given PEM type.
func csrPEM(t testing.TB, key crypto.Signer, pemType string) string {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: "pki test device"},
	}, key)
	if err != nil {
		t.Fatalf("CreateCertificateRequest: %v", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: der}))
}

// pemDER returns the bytes of the first PEM block in s. Leading whitespace is
// trimmed because pem.Decode wants BEGIN at the start of a line.
func pemDER(t testing.TB, s string) []byte {
	t.Helper()
	b, _ := pem.Decode([]byte(strings.TrimSpace(s)))
	if b == nil {
		t.Fatalf("no PEM block in %q", s)
	}
	return b.Bytes
}

// flipLastSignatureByte returns the DER of a signed object with the last
// byte of its signature inverted. The signature is the final field, so its
// last byte is the last byte of the DER; sig is used to check that.
func flipLastSignatureByte(t testing.TB, der, sig []byte) []byte {
	t.Helper()
	if !bytes.HasSuffix(der, sig) {
		t.Fatal("signature is not at the end of the DER")
	}
	out := bytes.Clone(der)
	out[len(out)-1] ^= 0xff
	return out
}

// requireValidationError fails unless err is a *ValidationError whose
// message contains want.
func requireValidationError(t testing.TB, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got nil error, want *ValidationError containing %q", want)
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not a *ValidationError", err, err)
	}
	if !strings.Contains(ve.Error(), want) {
		t.Fatalf("error %q does not contain %q", ve.Error(), want)
	}
}

// runOpenSSL runs the openssl command line tool in dir and returns its
// standard output. The tests that use it cross-check this package against an
// independent implementation, so a missing openssl is a failure.
func runOpenSSL(t testing.TB, dir string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatalf("openssl is required for this test: %v", err)
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// writeFile writes content to name in dir and returns its path.
func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// dsaChain is a DSA CA and an ECDSA P-256 leaf it signed with DSA-SHA256,
// made by openssl because crypto/x509 cannot sign with DSA.
type dsaChain struct {
	caPEM, leafPEM string
}

func newDSAChain(t testing.TB) dsaChain {
	t.Helper()
	dir := t.TempDir()
	runOpenSSL(t, dir, "genpkey", "-genparam", "-algorithm", "DSA",
		"-pkeyopt", "dsa_paramgen_bits:2048", "-pkeyopt", "dsa_paramgen_q_bits:256", "-out", "params.pem")
	runOpenSSL(t, dir, "genpkey", "-paramfile", "params.pem", "-out", "ca.key")
	runOpenSSL(t, dir, "req", "-x509", "-new", "-key", "ca.key", "-sha256",
		"-subj", "/CN=pki test DSA CA", "-days", "2", "-out", "ca.pem")
	runOpenSSL(t, dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "leaf.key")
	runOpenSSL(t, dir, "req", "-new", "-key", "leaf.key", "-subj", "/CN=pki test DSA-signed leaf", "-out", "leaf.csr")
	runOpenSSL(t, dir, "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
		"-set_serial", "4242", "-sha256", "-days", "1", "-out", "leaf.pem")
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	return dsaChain{caPEM: read("ca.pem"), leafPEM: read("leaf.pem")}
}
