package pki

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestIssue(t *testing.T) {
	t.Parallel()
	iss, caPEM, _ := newTestIssuer(t)
	rsaKey, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		pub       crypto.PublicKey
		wantUsage x509.KeyUsage
	}{
		{"RSA-2048", &rsaKey.PublicKey, x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment},
		{"P-256", newECKey(t, elliptic.P256()).Public(), x509.KeyUsageDigitalSignature},
		{"P-521", newECKey(t, elliptic.P521()).Public(), x509.KeyUsageDigitalSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			der, err := iss.Issue(tc.pub, testNow)
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				t.Fatal(err)
			}
			ca := iss.Certificate()

			if err := cert.CheckSignatureFrom(ca); err != nil {
				t.Errorf("CheckSignatureFrom(issuer): %v", err)
			}
			if err := VerifySignedBy(cert, ca); err != nil {
				t.Errorf("VerifySignedBy(issuer): %v", err)
			}
			roots := x509.NewCertPool()
			roots.AddCert(ca)
			if _, err := cert.Verify(x509.VerifyOptions{
				Roots:       roots,
				CurrentTime: testNow,
				KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
			}); err != nil {
				t.Errorf("Verify for client auth: %v", err)
			}
			if got := cert.SignatureAlgorithm; got != x509.SHA256WithRSA {
				t.Errorf("SignatureAlgorithm = %v, want SHA256-RSA", got)
			}
			if got := cert.Subject.String(); got != "CN=AWS IoT Certificate" {
				t.Errorf("Subject = %q, want CN=AWS IoT Certificate", got)
			}
			if !bytes.Equal(cert.RawIssuer, ca.RawSubject) {
				t.Errorf("Issuer = %q, want %q", cert.Issuer, ca.Subject)
			}
			if want := time.Date(2024, time.May, 6, 7, 6, 9, 0, time.UTC); !cert.NotBefore.Equal(want) {
				t.Errorf("NotBefore = %v, want %v", cert.NotBefore, want)
			}
			if want := time.Date(2049, time.December, 31, 23, 59, 59, 0, time.UTC); !cert.NotAfter.Equal(want) {
				t.Errorf("NotAfter = %v, want %v", cert.NotAfter, want)
			}
			if cert.SerialNumber.Sign() <= 0 {
				t.Errorf("serial %v is not positive", cert.SerialNumber)
			}
			if n := len(cert.SerialNumber.Bytes()); n != 20 {
				t.Errorf("serial has %d bytes, want 20", n)
			}
			if !cert.BasicConstraintsValid || cert.IsCA {
				t.Errorf("BasicConstraintsValid=%v IsCA=%v, want a leaf", cert.BasicConstraintsValid, cert.IsCA)
			}
			if cert.KeyUsage != tc.wantUsage {
				t.Errorf("KeyUsage = %v, want %v", cert.KeyUsage, tc.wantUsage)
			}
			if len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth {
				t.Errorf("ExtKeyUsage = %v, want [client auth]", cert.ExtKeyUsage)
			}
			if len(cert.SubjectKeyId) != 20 {
				t.Errorf("SubjectKeyId = %x, want 20 bytes", cert.SubjectKeyId)
			}
			if !bytes.Equal(cert.AuthorityKeyId, ca.SubjectKeyId) || len(ca.SubjectKeyId) == 0 {
				t.Errorf("AuthorityKeyId = %x, want issuer SubjectKeyId %x", cert.AuthorityKeyId, ca.SubjectKeyId)
			}
			if pub, ok := tc.pub.(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(cert.PublicKey) {
				t.Errorf("certificate public key differs from the requested key")
			}
			if _, err := ParseCertificatePEM(EncodeCertificatePEM(der)); err != nil {
				t.Errorf("issued certificate is refused by ParseCertificatePEM: %v", err)
			}

			again, err := iss.Issue(tc.pub, testNow)
			if err != nil {
				t.Fatal(err)
			}
			cert2, err := x509.ParseCertificate(again)
			if err != nil {
				t.Fatal(err)
			}
			if cert2.SerialNumber.Cmp(cert.SerialNumber) == 0 {
				t.Errorf("two issues share serial %x", cert.SerialNumber)
			}
			if CertificateID(der) == CertificateID(again) {
				t.Errorf("two issues share certificate ID %s", CertificateID(der))
			}

			// An independent implementation must agree that the chain is
			// good for TLS client authentication.
			dir := t.TempDir()
			writeFile(t, dir, "ca.pem", string(caPEM))
			writeFile(t, dir, "leaf.pem", EncodeCertificatePEM(der))
			at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
			out := runOpenSSL(t, dir, "verify", "-CAfile", "ca.pem", "-purpose", "sslclient",
				"-attime", strconv.FormatInt(at, 10), "leaf.pem")
			if !strings.Contains(out, "leaf.pem: OK") {
				t.Errorf("openssl verify: %s", out)
			}
		})
	}
}

func TestIssueRefusesUnsupportedKeys(t *testing.T) {
	t.Parallel()
	iss, _, _ := newTestIssuer(t)
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		pub  crypto.PublicKey
	}{
		{"RSA-1024", &rsa1024.PublicKey},
		{"P-224", newECKey(t, elliptic.P224()).Public()},
		{"Ed25519", edPub},
		{"nil", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if der, err := iss.Issue(tc.pub, testNow); err == nil {
				t.Errorf("Issue succeeded (%d bytes), want an error", len(der))
			}
		})
	}
}

func TestNewIssuer(t *testing.T) {
	t.Parallel()
	iss, certPEM, keyPEM := newTestIssuer(t)
	ca := iss.Certificate()

	if got := string(certPEM); got != iss.CertificatePEM() {
		t.Errorf("CertificatePEM() differs from the returned PEM")
	}
	if block, _ := pem.Decode(keyPEM); block == nil || block.Type != "PRIVATE KEY" {
		t.Errorf("key PEM is not PKCS#8: %.40q", keyPEM)
	}
	if want := "CN=iotcertd Device Issuing CA,OU=iotcertd issuing CA,O=iotcertd"; ca.Subject.String() != want {
		t.Errorf("Subject = %q, want %q", ca.Subject, want)
	}
	if !bytes.Equal(ca.RawSubject, ca.RawIssuer) {
		t.Errorf("CA is not self-issued")
	}
	if err := ca.CheckSignatureFrom(ca); err != nil {
		t.Errorf("CA self-signature: %v", err)
	}
	if !ca.IsCA || !ca.BasicConstraintsValid || !ca.MaxPathLenZero || ca.MaxPathLen != 0 {
		t.Errorf("IsCA=%v BasicConstraintsValid=%v MaxPathLen=%d MaxPathLenZero=%v, want a CA with path length 0",
			ca.IsCA, ca.BasicConstraintsValid, ca.MaxPathLen, ca.MaxPathLenZero)
	}
	if ca.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Errorf("KeyUsage %v lacks certificate signing", ca.KeyUsage)
	}
	if k, ok := ca.PublicKey.(*rsa.PublicKey); !ok || k.N.BitLen() != 2048 {
		t.Errorf("CA key is %T, want RSA-2048", ca.PublicKey)
	}
	if ca.SignatureAlgorithm != x509.SHA256WithRSA {
		t.Errorf("SignatureAlgorithm = %v, want SHA256-RSA", ca.SignatureAlgorithm)
	}
	if !ca.NotAfter.After(time.Date(2049, 12, 31, 23, 59, 59, 0, time.UTC)) {
		t.Errorf("NotAfter = %v, want after 2049-12-31T23:59:59Z", ca.NotAfter)
	}
	if !ca.NotBefore.Before(testNow) {
		t.Errorf("NotBefore = %v, want before %v", ca.NotBefore, testNow)
	}
	if len(ca.SubjectKeyId) == 0 {
		t.Errorf("CA has no SubjectKeyId")
	}

	other, _, _ := newTestIssuer(t)
	if other.Certificate().SerialNumber.Cmp(ca.SerialNumber) == 0 {
		t.Errorf("two CAs share a serial number")
	}
}

func TestLoadIssuerRoundTrip(t *testing.T) {
	t.Parallel()
	orig, certPEM, keyPEM := newTestIssuer(t)
	key, err := parsePrivateKeyPEM(keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key.(*rsa.PrivateKey))})
	ecCertPEM, ecKeyPEM := newECCA(t)

	tests := []struct {
		name            string
		certPEM, keyPEM []byte
		sameAsOrig      bool
	}{
		{"PKCS#8 key as returned by NewIssuer", certPEM, keyPEM, true},
		{"PKCS#1 key", certPEM, pkcs1, true},
		{"CRLF and surrounding whitespace", crlf(certPEM), crlf(keyPEM), true},
		{"ECDSA CA with SEC 1 key", ecCertPEM, ecKeyPEM, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			loaded, err := LoadIssuer(tc.certPEM, tc.keyPEM)
			if err != nil {
				t.Fatalf("LoadIssuer: %v", err)
			}
			if tc.sameAsOrig {
				if !loaded.Certificate().Equal(orig.Certificate()) {
					t.Errorf("loaded certificate differs from the original")
				}
				if loaded.CertificatePEM() != orig.CertificatePEM() {
					t.Errorf("loaded CertificatePEM differs from the original")
				}
			}
			der, err := loaded.Issue(newECKey(t, elliptic.P256()).Public(), testNow)
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifySignedBy(cert, loaded.Certificate()); err != nil {
				t.Errorf("certificate from loaded issuer does not verify: %v", err)
			}
		})
	}
}

func TestLoadIssuerRefuses(t *testing.T) {
	t.Parallel()
	iss, certPEM, keyPEM := newTestIssuer(t)
	_, _, otherKeyPEM := newTestIssuer(t)
	leafKey := newECKey(t, elliptic.P256())
	leafDER, err := iss.Issue(leafKey.Public(), testNow)
	if err != nil {
		t.Fatal(err)
	}
	leafKeyDER, err := x509.MarshalPKCS8PrivateKey(leafKey)
	if err != nil {
		t.Fatal(err)
	}
	leafKeyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: leafKeyDER})

	tests := []struct {
		name            string
		certPEM, keyPEM []byte
		want            string
	}{
		{"mismatched key", certPEM, otherKeyPEM, "does not match"},
		{"leaf certificate", []byte(EncodeCertificatePEM(leafDER)), leafKeyPEM, "not a CA"},
		{"garbage certificate", []byte("garbage"), keyPEM, "not PEM encoded"},
		{"key given as certificate", keyPEM, keyPEM, "PEM type"},
		{"garbage key", certPEM, []byte("garbage"), "not PEM encoded"},
		{"certificate given as key", certPEM, certPEM, "PEM type"},
		{"corrupt key", certPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{0x30, 0x00}}), "parse private key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := LoadIssuer(tc.certPEM, tc.keyPEM)
			if err == nil {
				t.Fatalf("LoadIssuer succeeded, want error containing %q", tc.want)
			}
			if got != nil {
				t.Errorf("LoadIssuer returned an issuer along with error %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestVerifySignedBy(t *testing.T) {
	t.Parallel()
	iss, _, _ := newTestIssuer(t)
	other, _, _ := newTestIssuer(t)
	der, err := iss.Issue(newECKey(t, elliptic.P256()).Public(), testNow)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	tamperedLeaf, err := x509.ParseCertificate(flipLastSignatureByte(t, der, leaf.Signature))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name         string
		cert, parent *x509.Certificate
		wantOK       bool
	}{
		{"issued by parent", leaf, iss.Certificate(), true},
		{"self-signed CA", iss.Certificate(), iss.Certificate(), true},
		{"other CA", leaf, other.Certificate(), false},
		{"tampered signature", tamperedLeaf, iss.Certificate(), false},
		{"nil parent", leaf, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := VerifySignedBy(tc.cert, tc.parent)
			if tc.wantOK {
				if err != nil {
					t.Errorf("VerifySignedBy: %v", err)
				}
				return
			}
			requireValidationError(t, err, "")
		})
	}
}

// TestDSAWithSHA256 covers the one AWS-supported signature algorithm that
// crypto/x509 neither creates nor verifies, using an openssl-made chain: a DSA
// CA that signed an ECDSA P-256 leaf with DSA-SHA256.
func TestDSAWithSHA256(t *testing.T) {
	t.Parallel()
	chain := newDSAChain(t)
	iss, _, _ := newTestIssuer(t)
	dsaCA, err := x509.ParseCertificate(pemDER(t, chain.caPEM))
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ParseCertificatePEM(chain.leafPEM)
	if err != nil {
		t.Fatalf("ParseCertificatePEM refused a DSA-SHA256 signed leaf: %v", err)
	}
	if leaf.SignatureAlgorithm != x509.DSAWithSHA256 {
		t.Fatalf("SignatureAlgorithm = %v, want DSA-SHA256", leaf.SignatureAlgorithm)
	}
	tampered := *leaf
	tampered.Signature = bytes.Clone(leaf.Signature)
	tampered.Signature[len(tampered.Signature)-1] ^= 0x01

	t.Run("CA with a DSA key is refused by ParseCertificatePEM", func(t *testing.T) {
		t.Parallel()
		_, err := ParseCertificatePEM(chain.caPEM)
		requireValidationError(t, err, "DSA keys are not supported")
	})
	tests := []struct {
		name         string
		cert, parent *x509.Certificate
		wantOK       bool
	}{
		{"signed by DSA parent", leaf, dsaCA, true},
		{"wrong parent", leaf, iss.Certificate(), false},
		{"tampered signature", &tampered, dsaCA, false},
	}
	for _, tc := range tests {
		t.Run("VerifySignedBy "+tc.name, func(t *testing.T) {
			t.Parallel()
			err := VerifySignedBy(tc.cert, tc.parent)
			if tc.wantOK {
				if err != nil {
					t.Errorf("VerifySignedBy: %v", err)
				}
				return
			}
			requireValidationError(t, err, "does not verify")
		})
	}
}

func BenchmarkIssue(b *testing.B) {
	iss, _, _ := newTestIssuer(b)
	key, err := GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := iss.Issue(&key.PublicKey, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

// newECCA makes a self-signed ECDSA P-256 CA with a SEC 1 key, the kind of CA
// an operator might bring instead of the generated one.
func newECCA(t testing.TB) (certPEM, keyPEM []byte) {
	t.Helper()
	key := newECKey(t, elliptic.P256())
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(7),
		Subject:               pkix.Name{CommonName: "pki test EC CA"},
		NotBefore:             testNow.Add(-time.Hour),
		NotAfter:              testNow.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(EncodeCertificatePEM(der)), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}

// crlf converts b to CRLF line endings and surrounds it with whitespace.
func crlf(b []byte) []byte {
	return []byte("\r\n " + strings.ReplaceAll(string(b), "\n", "\r\n") + "\t\r\n")
}
