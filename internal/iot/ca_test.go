package iot

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
)

// testCert makes a certificate for a fresh P-256 key, signed by parent's key (self-signed
// when parent is nil), and returns it with its key and PEM.
func testCert(t testing.TB, cn string, isCA bool, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		BasicConstraintsValid: true, IsCA: isCA, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	x, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return x, key, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestParseCACertificate(t *testing.T) {
	t.Parallel()
	now := time.Now()
	ca, caKey, caPEM := testCert(t, "ca", true, nil, nil)
	_, _, leafPEM := testCert(t, "leaf", false, nil, nil)
	if x, err := parseCACertificate(caPEM, now); err != nil || x.Subject.CommonName != "ca" {
		t.Fatalf("parse CA: %v", err)
	}
	if _, err := parseCACertificate(leafPEM, now); ErrorCode(err) != CodeCertificateValidation {
		t.Fatalf("leaf as CA: %v, want CertificateValidation", err)
	}
	if _, err := parseCACertificate(caPEM, now.Add(2*time.Hour)); ErrorCode(err) != CodeCertificateValidation {
		t.Fatalf("expired CA: %v, want CertificateValidation", err)
	}

	_, _, verification := testCert(t, strings.Repeat("ab", 32), false, ca, caKey)
	if _, err := parseVerificationCertificate(verification, ca, now); err != nil {
		t.Fatalf("verification certificate: %v", err)
	}
	other, _, _ := testCert(t, "other", true, nil, nil)
	if _, err := parseVerificationCertificate(verification, other, now); ErrorCode(err) != CodeCertificateValidation {
		t.Fatalf("verification against another CA: %v, want CertificateValidation", err)
	}
	if _, err := parseVerificationCertificate("garbage", ca, now); ErrorCode(err) != CodeCertificateValidation {
		t.Fatalf("garbage verification certificate: %v, want CertificateValidation", err)
	}
}

func TestSubjectKey(t *testing.T) {
	t.Parallel()
	ca, caKey, _ := testCert(t, "same", true, nil, nil)
	twin, _, _ := testCert(t, "same", true, nil, nil)
	other, _, _ := testCert(t, "other", true, nil, nil)
	device, _, _ := testCert(t, "device", false, ca, caKey)
	if subjectKey(ca.RawSubject) != subjectKey(twin.RawSubject) {
		t.Error("equal subjects have different keys")
	}
	if subjectKey(ca.RawSubject) == subjectKey(other.RawSubject) {
		t.Error("different subjects share a key")
	}
	if subjectKey(device.RawIssuer) != subjectKey(ca.RawSubject) {
		t.Error("a device certificate's issuer does not find its CA's subject")
	}
	if k := subjectKey(ca.RawSubject); len(k) != 64 || strings.ToLower(k) != k {
		t.Errorf("subject key %q is not 64 lowercase hex characters", k)
	}
}

func TestCheckRegistrationConfig(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		rc RegistrationConfig
		ok bool
	}{
		"empty":               {RegistrationConfig{}, true},
		"full":                {RegistrationConfig{TemplateBody: "{}", RoleARN: "arn:aws:iam::123456789012:role/r", TemplateName: "a-B_9"}, true},
		"longest body":        {RegistrationConfig{TemplateBody: strings.Repeat("x", maxTemplateBody)}, true},
		"body too long":       {RegistrationConfig{TemplateBody: strings.Repeat("x", maxTemplateBody+1)}, false},
		"role ARN too short":  {RegistrationConfig{RoleARN: strings.Repeat("a", minRoleARN-1)}, false},
		"role ARN too long":   {RegistrationConfig{RoleARN: strings.Repeat("a", maxRoleARN+1)}, false},
		"longest name":        {RegistrationConfig{TemplateName: strings.Repeat("n", maxTemplateName)}, true},
		"name too long":       {RegistrationConfig{TemplateName: strings.Repeat("n", maxTemplateName+1)}, false},
		"name with a space":   {RegistrationConfig{TemplateName: "a b"}, false},
		"name with non-ASCII": {RegistrationConfig{TemplateName: "é"}, false},
	} {
		t.Run(name, func(t *testing.T) {
			err := checkRegistrationConfig(tc.rc)
			if tc.ok && err != nil || !tc.ok && ErrorCode(err) != CodeInvalidRequest {
				t.Fatalf("checkRegistrationConfig: %v, want ok %v", err, tc.ok)
			}
		})
	}
}

func TestCheckCertificateMode(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Mode{"": ModeDefault, "DEFAULT": ModeDefault, "SNI_ONLY": ModeSNIOnly} {
		if got, err := checkCertificateMode(in); err != nil || got != want {
			t.Errorf("checkCertificateMode(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"default", "SNI-ONLY", " DEFAULT"} {
		if _, err := checkCertificateMode(in); ErrorCode(err) != CodeInvalidRequest {
			t.Errorf("checkCertificateMode(%q): %v, want InvalidRequest", in, err)
		}
	}
}

func TestDescribeEndpoint(t *testing.T) {
	t.Parallel()
	var s Service
	for _, typ := range []string{"", "iot:Data", "iot:Data-ATS", "iot:CredentialProvider", "iot:Jobs"} {
		if got, err := s.DescribeEndpoint(DescribeEndpointInput{EndpointType: typ, Host: "127.0.0.1:8780"}); err != nil || got != "127.0.0.1:8780" {
			t.Errorf("endpoint type %q: %q, %v", typ, got, err)
		}
	}
	for _, in := range []DescribeEndpointInput{
		{EndpointType: "iot:Data-Ats", Host: "h"},
		{EndpointType: strings.Repeat("x", maxEndpointType+1), Host: "h"},
		{EndpointType: "iot:Data"},
	} {
		if _, err := s.DescribeEndpoint(in); ErrorCode(err) != CodeInvalidRequest {
			t.Errorf("%+v: %v, want InvalidRequest", in, err)
		}
	}
}

// FuzzCACertificateParsing feeds arbitrary text to the CA and verification certificate
// parsers, which see untrusted input: they must answer with a client error, never panic
// or fail internally.
func FuzzCACertificateParsing(f *testing.F) {
	ca, caKey, caPEM := testCert(f, "ca", true, nil, nil)
	_, _, verification := testCert(f, "code", false, ca, caKey)
	f.Add(caPEM)
	f.Add(verification)
	f.Add("")
	f.Add("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
	f.Add(caPEM + verification)
	now := time.Now()
	f.Fuzz(func(t *testing.T, text string) {
		if _, err := parseCACertificate(text, now); err != nil && ErrorCode(err) != CodeCertificateValidation {
			t.Fatalf("parseCACertificate: %v is not CertificateValidation", err)
		}
		if _, err := parseVerificationCertificate(text, ca, now); err != nil && ErrorCode(err) != CodeCertificateValidation {
			t.Fatalf("parseVerificationCertificate: %v is not CertificateValidation", err)
		}
	})
}
