package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"
	smithymiddleware "github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Shapes the certificate tests check values against.
var (
	ctUUIDPattern   = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	ctMarkerPattern = regexp.MustCompile(`^[A-Za-z0-9+/]+={0,2}$`)
)

// issuedNotAfter is the expiry AWS IoT gives every certificate it issues.
var issuedNotAfter = time.Date(2049, 12, 31, 23, 59, 59, 0, time.UTC)

// ctDigest is the certificate ID AWS derives from a DER certificate.
func ctDigest(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// ctParsePEM decodes a PEM text that holds exactly one block of the given type.
func ctParsePEM(tb testing.TB, text, typ string) []byte {
	tb.Helper()
	block, rest := pem.Decode([]byte(text))
	if block == nil {
		tb.Fatalf("not PEM: %q", text)
	}
	if block.Type != typ {
		tb.Fatalf("PEM type %q, want %q", block.Type, typ)
	}
	if len(strings.TrimSpace(string(rest))) != 0 {
		tb.Fatalf("data after the PEM block: %q", rest)
	}
	return block.Bytes
}

// ctParseCert parses a certificate PEM.
func ctParseCert(tb testing.TB, text string) *x509.Certificate {
	tb.Helper()
	return must(x509.ParseCertificate(ctParsePEM(tb, text, "CERTIFICATE"))).T(tb)
}

// ctECKey returns a fresh ECDSA P-256 key.
func ctECKey(tb testing.TB) *ecdsa.PrivateKey {
	tb.Helper()
	return must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)).T(tb)
}

// ctCSR returns the PEM of a certificate signing request signed by key.
func ctCSR(tb testing.TB, key crypto.Signer) (string, []byte) {
	tb.Helper()
	der := must(x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: "iotcertd e2e device"},
	}, key)).T(tb)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})), der
}

// ctCertSpec describes a certificate made in a test.
type ctCertSpec struct {
	notBefore, notAfter time.Time
	isCA                bool
	// parent and parentKey sign the certificate; nil means self-signed.
	parent    *x509.Certificate
	parentKey crypto.Signer
}

// ctMakeCert makes a certificate for a fresh P-256 key and returns it with its key and PEM.
func ctMakeCert(tb testing.TB, spec ctCertSpec) (*x509.Certificate, *ecdsa.PrivateKey, string) {
	tb.Helper()
	key := ctECKey(tb)
	if spec.notBefore.IsZero() {
		spec.notBefore = time.Now().Add(-time.Hour)
	}
	if spec.notAfter.IsZero() {
		spec.notAfter = time.Now().Add(365 * 24 * time.Hour)
	}
	serial := must(rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))).T(tb)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "iotcertd e2e " + serial.Text(16)},
		NotBefore:             spec.notBefore,
		NotAfter:              spec.notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  spec.isCA,
	}
	if spec.isCA {
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	}
	parent, signer := tmpl, crypto.Signer(key)
	if spec.parent != nil {
		parent, signer = spec.parent, spec.parentKey
	}
	der := must(x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)).T(tb)
	x := must(x509.ParseCertificate(der)).T(tb)
	return x, key, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// ctSelfSigned returns a valid self-signed certificate and its PEM.
func ctSelfSigned(tb testing.TB) (*x509.Certificate, string) {
	tb.Helper()
	x, _, p := ctMakeCert(tb, ctCertSpec{})
	return x, p
}

// ctCertARN is the ARN of a certificate.
func ctCertARN(region, account, id string) string {
	return "arn:aws:iot:" + region + ":" + account + ":cert/" + id
}

// ctIssueMany issues n certificates from one CSR with a few concurrent callers (so that
// several share a creation millisecond) and returns their IDs.
func ctIssueMany(tb testing.TB, c *iot.Client, csr string, n int) []string {
	tb.Helper()
	var (
		mu   sync.Mutex
		out  []string
		errs []error
		wg   sync.WaitGroup
	)
	next := make(chan struct{}, n)
	for range n {
		next <- struct{}{}
	}
	close(next)
	for range 5 {
		wg.Go(func() {
			for range next {
				res, err := c.CreateCertificateFromCsr(context.Background(), &iot.CreateCertificateFromCsrInput{CertificateSigningRequest: aws.String(csr)})
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					out = append(out, aws.ToString(res.CertificateId))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		tb.Fatalf("issuing %d certificates: %d failed, first: %v", n, len(errs), errs[0])
	}
	return out
}

// TestCertificateCreateKeysAndCertificate checks the key pair, the certificate and its
// identity as CreateKeysAndCertificate returns them.
func TestCertificateCreateKeysAndCertificate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a := s.Account(acctA)
	ca := s.Main.Service.Issuer().Certificate()

	out := must(a.CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{})).T(t)
	x := ctParseCert(t, aws.ToString(out.CertificatePem))
	id := aws.ToString(out.CertificateId)
	if want := ctDigest(x.Raw); id != want {
		t.Fatalf("certificateId = %s, want SHA-256 of the DER %s", id, want)
	}
	if err := x.CheckSignatureFrom(ca); err != nil {
		t.Fatalf("certificate does not verify against the issuer CA: %v", err)
	}
	if got, want := aws.ToString(out.CertificateArn), ctCertARN("us-east-1", acctA, id); got != want {
		t.Fatalf("certificateArn = %s, want %s", got, want)
	}
	if out.KeyPair == nil {
		t.Fatal("no keyPair")
	}
	priv := must(x509.ParsePKCS1PrivateKey(ctParsePEM(t, aws.ToString(out.KeyPair.PrivateKey), "RSA PRIVATE KEY"))).T(t)
	if bits := priv.N.BitLen(); bits != 2048 {
		t.Fatalf("private key has %d bits, want 2048", bits)
	}
	if !priv.PublicKey.Equal(x.PublicKey) {
		t.Fatal("private key does not match the certificate's public key")
	}
	pub := must(x509.ParsePKIXPublicKey(ctParsePEM(t, aws.ToString(out.KeyPair.PublicKey), "PUBLIC KEY"))).T(t)
	rsaPub, ok := pub.(*rsa.PublicKey)
	if !ok || !rsaPub.Equal(&priv.PublicKey) {
		t.Fatalf("public key PEM (%T) does not match the private key", pub)
	}
	d := describe(t, a, id)
	if d.Status != types.CertificateStatusInactive {
		t.Fatalf("default status %s, want INACTIVE", d.Status)
	}
	// notBefore is 120 s before the signature, which is the call's or, for a certificate
	// signed ahead by the key pool, at most a minute earlier (docs/aws-behaviour.md).
	created := aws.ToTime(d.CreationDate)
	if latest, earliest := created.Add(-120*time.Second), created.Add(-180*time.Second-time.Second); x.NotBefore.After(latest) || x.NotBefore.Before(earliest) {
		t.Fatalf("notBefore %v for a certificate created at %v, want within [%v, %v]", x.NotBefore, created, earliest, latest)
	}
	if d.Validity == nil || !aws.ToTime(d.Validity.NotBefore).Equal(x.NotBefore) {
		t.Fatalf("validity %+v, want notBefore %v", d.Validity, x.NotBefore)
	}

	active := must(a.CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{SetAsActive: true})).T(t)
	activeID := aws.ToString(active.CertificateId)
	if d := describe(t, a, activeID); d.Status != types.CertificateStatusActive {
		t.Fatalf("status with setAsActive %s, want ACTIVE", d.Status)
	}
	if activeID == id || aws.ToString(active.CertificatePem) == aws.ToString(out.CertificatePem) {
		t.Fatal("two calls returned the same certificate")
	}
	if aws.ToString(active.KeyPair.PrivateKey) == aws.ToString(out.KeyPair.PrivateKey) {
		t.Fatal("two calls returned the same private key")
	}
}

// TestCertificateFromCsr checks issuance from CSRs and the CSR validation.
func TestCertificateFromCsr(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a := s.Account(acctA)
	ca := s.Main.Service.Issuer().Certificate()
	issue := func(csr string) (*iot.CreateCertificateFromCsrOutput, error) {
		return a.CreateCertificateFromCsr(ctx, &iot.CreateCertificateFromCsrInput{CertificateSigningRequest: aws.String(csr)})
	}

	rsaKey := must(rsa.GenerateKey(rand.Reader, 2048)).T(t)
	keys := map[string]crypto.Signer{"ECDSA P-256": ctECKey(t), "RSA-2048": rsaKey}
	for name, key := range keys {
		t.Run(name, func(t *testing.T) {
			csr, _ := ctCSR(t, key)
			first := must(issue(csr)).T(t)
			x := ctParseCert(t, aws.ToString(first.CertificatePem))
			if !key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(x.PublicKey) {
				t.Fatal("issued certificate does not carry the CSR's public key")
			}
			if err := x.CheckSignatureFrom(ca); err != nil {
				t.Fatalf("issued certificate does not verify against the CA: %v", err)
			}
			id := aws.ToString(first.CertificateId)
			if id != ctDigest(x.Raw) {
				t.Fatalf("certificateId %s, want SHA-256 of the DER %s", id, ctDigest(x.Raw))
			}
			if got, want := aws.ToString(first.CertificateArn), ctCertARN("us-east-1", acctA, id); got != want {
				t.Fatalf("certificateArn = %s, want %s", got, want)
			}
			second := must(issue(csr)).T(t)
			if aws.ToString(second.CertificateId) == id {
				t.Fatal("the same CSR twice gave the same certificate ID")
			}
			if d := describe(t, a, aws.ToString(second.CertificateId)); d.Status != types.CertificateStatusInactive {
				t.Fatalf("status %s, want INACTIVE", d.Status)
			}
		})
	}

	t.Run("setAsActive", func(t *testing.T) {
		csr, _ := ctCSR(t, ctECKey(t))
		out := must(a.CreateCertificateFromCsr(ctx, &iot.CreateCertificateFromCsrInput{CertificateSigningRequest: aws.String(csr), SetAsActive: true})).T(t)
		if d := describe(t, a, aws.ToString(out.CertificateId)); d.Status != types.CertificateStatusActive {
			t.Fatalf("status %s, want ACTIVE", d.Status)
		}
	})

	t.Run("invalid", func(t *testing.T) {
		_, der := ctCSR(t, ctECKey(t))
		flipped := slices.Clone(der)
		flipped[len(flipped)-1] ^= 0xff // the last byte belongs to the signature
		if _, err := x509.ParseCertificateRequest(flipped); err != nil {
			t.Fatalf("the tampered CSR must still parse: %v", err)
		}
		weak := must(rsa.GenerateKey(rand.Reader, 1024)).T(t)
		weakCSR, _ := ctCSR(t, weak)
		cases := map[string]string{
			"flipped signature byte": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: flipped})),
			"RSA-1024":               weakCSR,
			"garbage":                "this is not a certificate signing request",
			"garbage PEM":            string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: []byte("garbage")})),
		}
		for name, csr := range cases {
			t.Run(name, func(t *testing.T) {
				_, err := issue(csr)
				requireCode[*types.InvalidRequestException](t, err, 400)
			})
		}
		if n := len(listAll(t, a, false, 250)); n != 5 {
			t.Fatalf("%d certificates after the refused CSRs, want the 5 issued", n)
		}
	})
}

// TestCertificateRegister checks RegisterCertificate and RegisterCertificateWithoutCA.
func TestCertificateRegister(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a, b := s.Account(acctA), s.Account(acctB)
	register := func(c *iot.Client, in *iot.RegisterCertificateInput) (*iot.RegisterCertificateOutput, error) {
		return c.RegisterCertificate(ctx, in)
	}
	registerSNI := func(c *iot.Client, certPEM string, status types.CertificateStatus) (*iot.RegisterCertificateWithoutCAOutput, error) {
		return c.RegisterCertificateWithoutCA(ctx, &iot.RegisterCertificateWithoutCAInput{CertificatePem: aws.String(certPEM), Status: status})
	}
	// RegisterCertificate takes certificates signed by a CA registered in the account
	// (e2e_ca_test.go has the CA rules).
	caA := caActive(t, a)

	t.Run("without CA", func(t *testing.T) {
		x, p := ctSelfSigned(t)
		out := must(registerSNI(a, p, "")).T(t)
		id := aws.ToString(out.CertificateId)
		if id != ctDigest(x.Raw) {
			t.Fatalf("certificateId %s, want %s", id, ctDigest(x.Raw))
		}
		if got, want := aws.ToString(out.CertificateArn), ctCertARN("us-east-1", acctA, id); got != want {
			t.Fatalf("certificateArn = %s, want %s", got, want)
		}
		d := describe(t, a, id)
		if d.CertificateMode != types.CertificateModeSniOnly || d.Status != types.CertificateStatusInactive || aws.ToString(d.CertificatePem) != p {
			t.Fatalf("registered without CA: mode %s status %s pem equal %v", d.CertificateMode, d.Status, aws.ToString(d.CertificatePem) == p)
		}
		if d.CaCertificateId != nil {
			t.Fatalf("caCertificateId = %s for a certificate registered without CA", aws.ToString(d.CaCertificateId))
		}
	})

	t.Run("default mode", func(t *testing.T) {
		x, p := caA.device(t)
		out := must(register(a, &iot.RegisterCertificateInput{CertificatePem: aws.String(p)})).T(t)
		id := aws.ToString(out.CertificateId)
		if id != ctDigest(x.Raw) {
			t.Fatalf("certificateId %s, want %s", id, ctDigest(x.Raw))
		}
		if got, want := aws.ToString(out.CertificateArn), ctCertARN("us-east-1", acctA, id); got != want {
			t.Fatalf("certificateArn = %s, want %s", got, want)
		}
		d := describe(t, a, id)
		if d.CertificateMode != types.CertificateModeDefault || d.Status != types.CertificateStatusInactive || aws.ToString(d.CaCertificateId) != caA.id {
			t.Fatalf("registered: mode %s status %s CA %s, want DEFAULT INACTIVE %s", d.CertificateMode, d.Status, aws.ToString(d.CaCertificateId), caA.id)
		}
	})

	t.Run("status", func(t *testing.T) {
		for _, st := range []types.CertificateStatus{types.CertificateStatusActive, types.CertificateStatusInactive, types.CertificateStatusRevoked} {
			_, p := caA.device(t)
			id := aws.ToString(must(register(a, &iot.RegisterCertificateInput{CertificatePem: aws.String(p), Status: st})).T(t).CertificateId)
			if got := describe(t, a, id).Status; got != st {
				t.Fatalf("RegisterCertificate status %s: described as %s", st, got)
			}
			_, p = ctSelfSigned(t)
			id = aws.ToString(must(registerSNI(a, p, st)).T(t).CertificateId)
			if got := describe(t, a, id).Status; got != st {
				t.Fatalf("RegisterCertificateWithoutCA status %s: described as %s", st, got)
			}
		}
		cases := []struct {
			setAsActive *bool
			status      types.CertificateStatus
			want        types.CertificateStatus
		}{
			{aws.Bool(true), "", types.CertificateStatusActive},
			{aws.Bool(false), "", types.CertificateStatusInactive},
			{aws.Bool(true), types.CertificateStatusInactive, types.CertificateStatusInactive}, // status wins
			{aws.Bool(false), types.CertificateStatusActive, types.CertificateStatusActive},
		}
		for _, tc := range cases {
			_, p := caA.device(t)
			in := &iot.RegisterCertificateInput{CertificatePem: aws.String(p), Status: tc.status}
			//lint:ignore SA1019 the deprecated flag is what this case tests; SDKs still send it.
			in.SetAsActive = tc.setAsActive
			id := aws.ToString(must(register(a, in)).T(t).CertificateId)
			if got := describe(t, a, id).Status; got != tc.want {
				t.Fatalf("setAsActive %v status %q: described as %s, want %s", *tc.setAsActive, tc.status, got, tc.want)
			}
		}
		for _, st := range []types.CertificateStatus{types.CertificateStatusPendingTransfer, types.CertificateStatusPendingActivation, types.CertificateStatusRegisterInactive} {
			_, p := caA.device(t)
			_, err := register(a, &iot.RegisterCertificateInput{CertificatePem: aws.String(p), Status: st})
			requireCode[*types.CertificateStateException](t, err, 406)
			_, err = registerSNI(a, p, st)
			requireCode[*types.CertificateStateException](t, err, 406)
		}
		_, p := caA.device(t)
		_, err := register(a, &iot.RegisterCertificateInput{CertificatePem: aws.String(p), Status: types.CertificateStatus("BOGUS")})
		requireCode[*types.InvalidRequestException](t, err, 400)
	})

	t.Run("invalid certificates", func(t *testing.T) {
		keyDER := must(x509.MarshalPKCS8PrivateKey(ctECKey(t))).T(t)
		_, _, expired := ctMakeCert(t, ctCertSpec{notBefore: time.Now().Add(-48 * time.Hour), notAfter: time.Now().Add(-24 * time.Hour)})
		_, one := ctSelfSigned(t)
		_, two := ctSelfSigned(t)
		cases := map[string]string{
			"garbage":         "garbage",
			"garbage PEM":     string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("garbage")})),
			"private key PEM": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})),
			"expired":         expired,
			"two PEM blocks":  one + two,
		}
		for name, p := range cases {
			t.Run(name, func(t *testing.T) {
				_, err := register(a, &iot.RegisterCertificateInput{CertificatePem: aws.String(p)})
				requireCode[*types.CertificateValidationException](t, err, 400)
				_, err = registerSNI(a, p, "")
				requireCode[*types.CertificateValidationException](t, err, 400)
			})
		}
	})

	t.Run("twice in one account", func(t *testing.T) {
		x, p := caA.device(t)
		id := ctDigest(x.Raw)
		must(registerSNI(a, p, "")).T(t)
		_, err := registerSNI(a, p, "")
		e := requireCode[*types.ResourceAlreadyExistsException](t, err, 409)
		if aws.ToString(e.ResourceId) != id || aws.ToString(e.ResourceArn) != ctCertARN("us-east-1", acctA, id) {
			t.Fatalf("resourceId %q resourceArn %q, want %s", aws.ToString(e.ResourceId), aws.ToString(e.ResourceArn), id)
		}
		_, err = register(a, &iot.RegisterCertificateInput{CertificatePem: aws.String(p)})
		requireCode[*types.ResourceAlreadyExistsException](t, err, 409)

		x, p = caA.device(t)
		id = ctDigest(x.Raw)
		must(register(a, &iot.RegisterCertificateInput{CertificatePem: aws.String(p)})).T(t)
		_, err = register(a, &iot.RegisterCertificateInput{CertificatePem: aws.String(p)})
		e = requireCode[*types.ResourceAlreadyExistsException](t, err, 409)
		if aws.ToString(e.ResourceId) != id {
			t.Fatalf("resourceId %q, want %s", aws.ToString(e.ResourceId), id)
		}
	})

	t.Run("issued certificate registered again", func(t *testing.T) {
		out := must(a.CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{})).T(t)
		_, err := registerSNI(a, aws.ToString(out.CertificatePem), "")
		e := requireCode[*types.ResourceAlreadyExistsException](t, err, 409)
		if aws.ToString(e.ResourceId) != aws.ToString(out.CertificateId) {
			t.Fatalf("resourceId %q, want %s", aws.ToString(e.ResourceId), aws.ToString(out.CertificateId))
		}
	})

	t.Run("SNI_ONLY in two accounts", func(t *testing.T) {
		caC := caActive(t, s.Account(acctC))
		x, p := caC.device(t)
		id := ctDigest(x.Raw)
		must(registerSNI(a, p, types.CertificateStatusActive)).T(t)
		out := must(registerSNI(b, p, "")).T(t)
		if aws.ToString(out.CertificateId) != id || aws.ToString(out.CertificateArn) != ctCertARN("us-east-1", acctB, id) {
			t.Fatalf("second account got id %s arn %s", aws.ToString(out.CertificateId), aws.ToString(out.CertificateArn))
		}
		for acct, want := range map[string]types.CertificateStatus{acctA: types.CertificateStatusActive, acctB: types.CertificateStatusInactive} {
			d := describe(t, s.Account(acct), id)
			if aws.ToString(d.OwnedBy) != acct || aws.ToString(d.CertificateArn) != ctCertARN("us-east-1", acct, id) || d.Status != want {
				t.Fatalf("account %s sees owner %s arn %s status %s", acct, aws.ToString(d.OwnedBy), aws.ToString(d.CertificateArn), d.Status)
			}
		}
		// Each account's registration is its own: deactivating and deleting one leaves the other.
		must(a.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(id), NewStatus: types.CertificateStatusInactive})).T(t)
		must(a.DeleteCertificate(ctx, &iot.DeleteCertificateInput{CertificateId: aws.String(id)})).T(t)
		if d := describe(t, b, id); aws.ToString(d.OwnedBy) != acctB {
			t.Fatalf("after the other account deleted its registration: owner %s", aws.ToString(d.OwnedBy))
		}
		// A DEFAULT registration of a certificate another account holds is refused.
		_, err := register(s.Account(acctC), &iot.RegisterCertificateInput{CertificatePem: aws.String(p)})
		requireCode[*types.ResourceAlreadyExistsException](t, err, 409)
	})

	t.Run("DEFAULT in two accounts", func(t *testing.T) {
		_, p := caA.device(t)
		must(register(a, &iot.RegisterCertificateInput{CertificatePem: aws.String(p)})).T(t)
		// The other account cannot hold the DEFAULT-mode CA that signed it either.
		_, err := register(b, &iot.RegisterCertificateInput{CertificatePem: aws.String(p)})
		requireCode[*types.CertificateValidationException](t, err, 400)
		_, err = registerSNI(b, p, "")
		requireCode[*types.ResourceAlreadyExistsException](t, err, 409)
	})

	t.Run("with CA", func(t *testing.T) {
		ca, caKey, caPEM := ctMakeCert(t, ctCertSpec{isCA: true})
		_, _, otherCAPEM := ctMakeCert(t, ctCertSpec{isCA: true})
		device, _, devicePEM := ctMakeCert(t, ctCertSpec{parent: ca, parentKey: caKey})

		_, err := register(a, &iot.RegisterCertificateInput{CertificatePem: aws.String(devicePEM), CaCertificatePem: aws.String(otherCAPEM)})
		requireCode[*types.CertificateValidationException](t, err, 400)
		_, err = register(a, &iot.RegisterCertificateInput{CertificatePem: aws.String(devicePEM), CaCertificatePem: aws.String("garbage")})
		requireCode[*types.CertificateValidationException](t, err, 400)
		// The CA signed it but is not registered.
		_, err = register(a, &iot.RegisterCertificateInput{CertificatePem: aws.String(devicePEM), CaCertificatePem: aws.String(caPEM)})
		requireCode[*types.CertificateValidationException](t, err, 400)
		caRegister(t, a, &testCA{x: ca, key: caKey, pem: caPEM, id: ctDigest(ca.Raw)}, types.CertificateModeDefault, true)

		out := must(register(a, &iot.RegisterCertificateInput{CertificatePem: aws.String(devicePEM), CaCertificatePem: aws.String(caPEM), Status: types.CertificateStatusActive})).T(t)
		id := aws.ToString(out.CertificateId)
		if id != ctDigest(device.Raw) {
			t.Fatalf("certificateId %s, want %s", id, ctDigest(device.Raw))
		}
		d := describe(t, a, id)
		if got, want := aws.ToString(d.CaCertificateId), ctDigest(ca.Raw); got != want {
			t.Fatalf("caCertificateId = %q, want SHA-256 of the CA DER %s", got, want)
		}
		if d.CertificateMode != types.CertificateModeDefault || d.Status != types.CertificateStatusActive {
			t.Fatalf("mode %s status %s", d.CertificateMode, d.Status)
		}
	})
}

// TestCertificateDescribe checks every field of DescribeCertificate and its ID validation.
func TestCertificateDescribe(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a := s.Account(acctA)

	check := func(t *testing.T, id, certPEM string, wantNotAfter *time.Time) {
		t.Helper()
		x := ctParseCert(t, certPEM)
		d := describe(t, a, id)
		now := time.Now()
		if aws.ToString(d.CertificateArn) != ctCertARN("us-east-1", acctA, id) || aws.ToString(d.CertificateId) != id {
			t.Fatalf("arn %s id %s", aws.ToString(d.CertificateArn), aws.ToString(d.CertificateId))
		}
		if d.Status != types.CertificateStatusInactive {
			t.Fatalf("status %s", d.Status)
		}
		if aws.ToString(d.CertificatePem) != certPEM {
			t.Fatalf("certificatePem differs from the PEM returned at creation:\n%s\nvs\n%s", aws.ToString(d.CertificatePem), certPEM)
		}
		if aws.ToString(d.OwnedBy) != acctA || d.PreviousOwnedBy != nil {
			t.Fatalf("ownedBy %v previousOwnedBy %v", aws.ToString(d.OwnedBy), d.PreviousOwnedBy)
		}
		for name, ts := range map[string]*time.Time{"creationDate": d.CreationDate, "lastModifiedDate": d.LastModifiedDate} {
			if ts == nil {
				t.Fatalf("%s missing", name)
			}
			if diff := now.Sub(*ts); diff < -5*time.Second || diff > 5*time.Second {
				t.Fatalf("%s %v is %v away from now", name, *ts, diff)
			}
		}
		if aws.ToInt32(d.CustomerVersion) != 1 {
			t.Fatalf("customerVersion %v, want 1", d.CustomerVersion)
		}
		if !ctUUIDPattern.MatchString(aws.ToString(d.GenerationId)) {
			t.Fatalf("generationId %q is not a UUID", aws.ToString(d.GenerationId))
		}
		td := d.TransferData
		if td == nil {
			t.Fatal("transferData missing on a new certificate")
		}
		if td.TransferMessage != nil || td.RejectReason != nil || td.TransferDate != nil || td.AcceptDate != nil || td.RejectDate != nil {
			t.Fatalf("transferData of a new certificate not empty: %+v", *td)
		}
		if d.Validity == nil || d.Validity.NotBefore == nil || d.Validity.NotAfter == nil {
			t.Fatalf("validity %+v", d.Validity)
		}
		if d.Validity.NotBefore.Unix() != x.NotBefore.Unix() || d.Validity.NotAfter.Unix() != x.NotAfter.Unix() {
			t.Fatalf("validity %v..%v, certificate says %v..%v", *d.Validity.NotBefore, *d.Validity.NotAfter, x.NotBefore, x.NotAfter)
		}
		if wantNotAfter != nil && !d.Validity.NotAfter.Equal(*wantNotAfter) {
			t.Fatalf("notAfter %v, want %v", d.Validity.NotAfter.UTC(), wantNotAfter)
		}
		if d.CertificateMode != types.CertificateModeDefault {
			t.Fatalf("certificateMode %s, want DEFAULT", d.CertificateMode)
		}
	}

	created := must(a.CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{})).T(t)
	id := aws.ToString(created.CertificateId)
	t.Run("issued with keys", func(t *testing.T) {
		check(t, id, aws.ToString(created.CertificatePem), &issuedNotAfter)
	})
	t.Run("issued from CSR", func(t *testing.T) {
		csr, _ := ctCSR(t, ctECKey(t))
		out := must(a.CreateCertificateFromCsr(ctx, &iot.CreateCertificateFromCsrInput{CertificateSigningRequest: aws.String(csr)})).T(t)
		check(t, aws.ToString(out.CertificateId), aws.ToString(out.CertificatePem), &issuedNotAfter)
	})
	t.Run("registered", func(t *testing.T) {
		_, p := caActive(t, a).device(t)
		out := must(a.RegisterCertificate(ctx, &iot.RegisterCertificateInput{CertificatePem: aws.String(p)})).T(t)
		check(t, aws.ToString(out.CertificateId), p, nil)
	})

	t.Run("IDs", func(t *testing.T) {
		for name, bad := range map[string]string{
			"63 characters":  id[:63],
			"65 characters":  id + "a",
			"non-hex":        "z" + id[1:],
			"0x prefix":      "0x" + id[:62],
			"space":          id[:32] + " " + id[33:],
			"percent inside": id[:60] + "%2F" + id[63:],
		} {
			t.Run(name, func(t *testing.T) {
				_, err := a.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(bad)})
				requireCode[*types.InvalidRequestException](t, err, 400)
			})
		}
		_, err := a.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(stringOf('a', 64))})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		_, err = s.Account(acctB).DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(id)})
		requireCode[*types.ResourceNotFoundException](t, err, 404)

		d := describe(t, a, strings.ToUpper(id))
		if aws.ToString(d.CertificateId) != id || aws.ToString(d.CertificateArn) != ctCertARN("us-east-1", acctA, id) {
			t.Fatalf("upper-case ID described as %s (%s), want the lower-case %s", aws.ToString(d.CertificateId), aws.ToString(d.CertificateArn), id)
		}
	})
}

// TestCertificateList checks ordering, paging, markers and isolation of ListCertificates.
func TestCertificateList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a, b, aEU := s.Account(acctA), s.Account(acctB), s.Client(acctA, "x", "eu-west-1")
	csr, _ := ctCSR(t, ctECKey(t))

	const n = 30
	mine := ctIssueMany(t, a, csr, n)
	others := ctIssueMany(t, b, csr, 4)
	others = append(others, ctIssueMany(t, aEU, csr, 4)...)
	for _, id := range others {
		if slices.Contains(mine, id) {
			t.Fatalf("certificate %s issued in two registries", id)
		}
	}
	slices.Sort(mine)

	t.Run("order", func(t *testing.T) {
		desc := listAll(t, a, false, 250)
		asc := listAll(t, a, true, 250)
		for name, l := range map[string][]types.Certificate{"descending": desc, "ascending": asc} {
			got := slices.Sorted(slices.Values(ids(l)))
			if !slices.Equal(got, mine) {
				t.Fatalf("%s listing has %d certificates, want exactly the account's %d", name, len(got), n)
			}
		}
		for i := 1; i < len(desc); i++ {
			if desc[i].CreationDate.After(*desc[i-1].CreationDate) {
				t.Fatalf("default order: item %d created %v after item %d %v", i, *desc[i].CreationDate, i-1, *desc[i-1].CreationDate)
			}
		}
		for i := 1; i < len(asc); i++ {
			if asc[i].CreationDate.Before(*asc[i-1].CreationDate) {
				t.Fatalf("ascending order: item %d created %v before item %d %v", i, *asc[i].CreationDate, i-1, *asc[i-1].CreationDate)
			}
		}
		for _, c := range desc {
			id := aws.ToString(c.CertificateId)
			if aws.ToString(c.CertificateArn) != ctCertARN("us-east-1", acctA, id) || c.Status != types.CertificateStatusInactive ||
				c.CertificateMode != types.CertificateModeDefault || c.CreationDate == nil {
				t.Fatalf("list item %+v", c)
			}
			if d := describe(t, a, id); !d.CreationDate.Equal(*c.CreationDate) {
				t.Fatalf("list creationDate %v, describe %v", *c.CreationDate, *d.CreationDate)
			}
		}
	})

	for _, size := range []int32{1, 7, 25, 250} {
		for _, ascending := range []bool{false, true} {
			t.Run(fmt.Sprintf("page size %d ascending %v", size, ascending), func(t *testing.T) {
				p := iot.NewListCertificatesPaginator(a, &iot.ListCertificatesInput{AscendingOrder: ascending, PageSize: aws.Int32(size)})
				var got []string
				var pages int
				var last *time.Time
				for p.HasMorePages() {
					page := must(p.NextPage(ctx)).T(t)
					pages++
					if pages > n+1 {
						t.Fatal("paginator does not end")
					}
					if len(page.Certificates) > int(size) {
						t.Fatalf("page of %d certificates with pageSize %d", len(page.Certificates), size)
					}
					for _, c := range page.Certificates {
						if last != nil && ((!ascending && c.CreationDate.After(*last)) || (ascending && c.CreationDate.Before(*last))) {
							t.Fatalf("order broken across pages: %v after %v", *c.CreationDate, *last)
						}
						last = c.CreationDate
					}
					got = append(got, ids(page.Certificates)...)
					if m := aws.ToString(page.NextMarker); m != "" {
						if !ctMarkerPattern.MatchString(m) {
							t.Fatalf("marker %q does not match the Marker pattern", m)
						}
						if len(page.Certificates) != int(size) {
							t.Fatalf("page %d has %d certificates and a next marker", pages, len(page.Certificates))
						}
					}
				}
				if want := (n + int(size) - 1) / int(size); pages != want {
					t.Fatalf("%d pages for %d certificates with pageSize %d, want %d (no marker on the last page)", pages, n, size, want)
				}
				sorted := slices.Sorted(slices.Values(got))
				if !slices.Equal(sorted, mine) {
					t.Fatalf("paging returned %d IDs (%d distinct expected), not each certificate exactly once", len(got), n)
				}
			})
		}
	}

	t.Run("default page size", func(t *testing.T) {
		first := must(a.ListCertificates(ctx, &iot.ListCertificatesInput{})).T(t)
		if len(first.Certificates) != 25 || first.NextMarker == nil {
			t.Fatalf("first page has %d certificates, marker %v; want 25 and a marker", len(first.Certificates), first.NextMarker)
		}
		if !ctMarkerPattern.MatchString(aws.ToString(first.NextMarker)) {
			t.Fatalf("marker %q does not match the Marker pattern", aws.ToString(first.NextMarker))
		}
		second := must(a.ListCertificates(ctx, &iot.ListCertificatesInput{Marker: first.NextMarker})).T(t)
		if len(second.Certificates) != 5 || second.NextMarker != nil {
			t.Fatalf("second page has %d certificates, marker %v; want 5 and none", len(second.Certificates), second.NextMarker)
		}
		all := slices.Sorted(slices.Values(append(ids(first.Certificates), ids(second.Certificates)...)))
		if !slices.Equal(all, mine) {
			t.Fatal("the two default pages do not hold each certificate once")
		}
	})

	t.Run("other registries", func(t *testing.T) {
		if got := listAll(t, b, false, 250); len(got) != 4 {
			t.Fatalf("account B lists %d certificates, want its 4", len(got))
		}
		eu := listAll(t, aEU, false, 250)
		if len(eu) != 4 {
			t.Fatalf("eu-west-1 lists %d certificates, want its 4", len(eu))
		}
		for _, c := range eu {
			if !strings.HasPrefix(aws.ToString(c.CertificateArn), "arn:aws:iot:eu-west-1:"+acctA+":cert/") {
				t.Fatalf("eu-west-1 certificate ARN %s", aws.ToString(c.CertificateArn))
			}
		}
	})

	t.Run("invalid", func(t *testing.T) {
		for _, size := range []int32{0, -1, 251} {
			_, err := a.ListCertificates(ctx, &iot.ListCertificatesInput{PageSize: aws.Int32(size)})
			requireCode[*types.InvalidRequestException](t, err, 400)
		}
		for _, m := range []string{"garbage!", "Zm9vYmFy", "AAAA", "not base64 at all", stringOf('A', 1028)} {
			_, err := a.ListCertificates(ctx, &iot.ListCertificatesInput{Marker: aws.String(m)})
			requireCode[*types.InvalidRequestException](t, err, 400)
		}
	})
}

// TestCertificateUpdate checks the status transitions of UpdateCertificate.
func TestCertificateUpdate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// The server's clock is moved on between changes, so that a new lastModifiedDate
	// differs at millisecond precision without waiting.
	clock := &testClock{}
	s := mustServeIAM(t, Config{DataDir: t.TempDir(), Emulator: true, Clock: clock.Now})
	a := s.Account(acctA)
	update := func(id string, st types.CertificateStatus) error {
		_, err := a.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(id), NewStatus: st})
		return err
	}

	t.Run("activate and deactivate", func(t *testing.T) {
		id := newInactiveCert(t, a)
		prev := describe(t, a, id)
		for i, st := range []types.CertificateStatus{types.CertificateStatusActive, types.CertificateStatusInactive, types.CertificateStatusActive} {
			clock.Advance(5 * time.Millisecond)
			if err := update(id, st); err != nil {
				t.Fatalf("step %d to %s: %v", i, st, err)
			}
			d := describe(t, a, id)
			if d.Status != st {
				t.Fatalf("step %d: status %s, want %s", i, d.Status, st)
			}
			if aws.ToInt32(d.CustomerVersion) != aws.ToInt32(prev.CustomerVersion)+1 {
				t.Fatalf("step %d: customerVersion %d after %d", i, aws.ToInt32(d.CustomerVersion), aws.ToInt32(prev.CustomerVersion))
			}
			if !d.LastModifiedDate.After(*prev.LastModifiedDate) {
				t.Fatalf("step %d: lastModifiedDate %v did not advance from %v", i, *d.LastModifiedDate, *prev.LastModifiedDate)
			}
			if aws.ToString(d.GenerationId) == aws.ToString(prev.GenerationId) || !ctUUIDPattern.MatchString(aws.ToString(d.GenerationId)) {
				t.Fatalf("step %d: generationId %q after %q", i, aws.ToString(d.GenerationId), aws.ToString(prev.GenerationId))
			}
			if !d.CreationDate.Equal(*prev.CreationDate) {
				t.Fatalf("step %d: creationDate changed", i)
			}
			prev = d
		}
		// The same status again changes nothing.
		clock.Advance(5 * time.Millisecond)
		if err := update(id, types.CertificateStatusActive); err != nil {
			t.Fatalf("same status again: %v", err)
		}
		d := describe(t, a, id)
		if aws.ToInt32(d.CustomerVersion) != aws.ToInt32(prev.CustomerVersion) || !d.LastModifiedDate.Equal(*prev.LastModifiedDate) ||
			aws.ToString(d.GenerationId) != aws.ToString(prev.GenerationId) {
			t.Fatalf("same status again changed the certificate: version %d->%d modified %v->%v",
				aws.ToInt32(prev.CustomerVersion), aws.ToInt32(d.CustomerVersion), *prev.LastModifiedDate, *d.LastModifiedDate)
		}
	})

	t.Run("internal statuses", func(t *testing.T) {
		id := newInactiveCert(t, a)
		for _, st := range []types.CertificateStatus{types.CertificateStatusPendingTransfer, types.CertificateStatusPendingActivation, types.CertificateStatusRegisterInactive} {
			requireCode[*types.CertificateStateException](t, update(id, st), 406)
		}
		if d := describe(t, a, id); d.Status != types.CertificateStatusInactive || aws.ToInt32(d.CustomerVersion) != 1 {
			t.Fatalf("refused updates changed the certificate: %s v%d", d.Status, aws.ToInt32(d.CustomerVersion))
		}
	})

	t.Run("revoked is final", func(t *testing.T) {
		id := newInactiveCert(t, a)
		if err := update(id, types.CertificateStatusRevoked); err != nil {
			t.Fatal(err)
		}
		v := aws.ToInt32(describe(t, a, id).CustomerVersion)
		requireCode[*types.CertificateStateException](t, update(id, types.CertificateStatusActive), 406)
		requireCode[*types.CertificateStateException](t, update(id, types.CertificateStatusInactive), 406)
		if err := update(id, types.CertificateStatusRevoked); err != nil {
			t.Fatalf("REVOKED again: %v", err)
		}
		if d := describe(t, a, id); d.Status != types.CertificateStatusRevoked || aws.ToInt32(d.CustomerVersion) != v {
			t.Fatalf("revoked certificate now %s v%d (was v%d)", d.Status, aws.ToInt32(d.CustomerVersion), v)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		id := newInactiveCert(t, a)
		requireCode[*types.InvalidRequestException](t, update(id, types.CertificateStatus("BOGUS")), 400)
		requireCode[*types.InvalidRequestException](t, update(id, types.CertificateStatus("active")), 400)
		requireCode[*types.InvalidRequestException](t, update(id[:63], types.CertificateStatusActive), 400)
		requireCode[*types.ResourceNotFoundException](t, update(stringOf('b', 64), types.CertificateStatusActive), 404)
		_, err := s.Account(acctB).UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(id), NewStatus: types.CertificateStatusActive})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		if d := describe(t, a, id); d.Status != types.CertificateStatusInactive {
			t.Fatalf("status %s after refused updates", d.Status)
		}
	})
}

// TestCertificateDelete checks the preconditions of DeleteCertificate.
func TestCertificateDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a := s.Account(acctA)
	del := func(c *iot.Client, id string, force bool) error {
		_, err := c.DeleteCertificate(ctx, &iot.DeleteCertificateInput{CertificateId: aws.String(id), ForceDelete: force})
		return err
	}
	gone := func(t *testing.T, id string) {
		t.Helper()
		_, err := a.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(id)})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		if slices.Contains(ids(listAll(t, a, false, 250)), id) {
			t.Fatalf("deleted certificate %s still listed", id)
		}
	}

	t.Run("active", func(t *testing.T) {
		out := must(a.CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{SetAsActive: true})).T(t)
		id := aws.ToString(out.CertificateId)
		requireCode[*types.CertificateStateException](t, del(a, id, false), 406)
		requireCode[*types.CertificateStateException](t, del(a, id, true), 406)
		must(a.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(id), NewStatus: types.CertificateStatusInactive})).T(t)
		if err := del(a, id, false); err != nil {
			t.Fatal(err)
		}
		gone(t, id)
	})

	t.Run("revoked", func(t *testing.T) {
		id := newInactiveCert(t, a)
		must(a.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(id), NewStatus: types.CertificateStatusRevoked})).T(t)
		if err := del(a, id, false); err != nil {
			t.Fatal(err)
		}
		gone(t, id)
	})

	t.Run("policy attached", func(t *testing.T) {
		id := newInactiveCert(t, a)
		arn := ctCertARN("us-east-1", acctA, id)
		must(a.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String("p-delete"), PolicyDocument: aws.String(testPolicyDoc)})).T(t)
		must(a.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String("p-delete"), Target: aws.String(arn)})).T(t)
		requireCode[*types.DeleteConflictException](t, del(a, id, false), 409)
		describe(t, a, id)
		_, err := a.DeletePolicy(ctx, &iot.DeletePolicyInput{PolicyName: aws.String("p-delete")})
		requireCode[*types.DeleteConflictException](t, err, 409)
		if err := del(a, id, true); err != nil {
			t.Fatalf("force delete: %v", err)
		}
		gone(t, id)
		// The policy went with the certificate, so nothing blocks deleting it.
		must(a.DeletePolicy(ctx, &iot.DeletePolicyInput{PolicyName: aws.String("p-delete")})).T(t)
	})

	t.Run("thing attached", func(t *testing.T) {
		id := newInactiveCert(t, a)
		arn := ctCertARN("us-east-1", acctA, id)
		must(a.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("thing-delete")})).T(t)
		must(a.AttachThingPrincipal(ctx, &iot.AttachThingPrincipalInput{ThingName: aws.String("thing-delete"), Principal: aws.String(arn)})).T(t)
		requireCode[*types.DeleteConflictException](t, del(a, id, false), 409)
		requireCode[*types.DeleteConflictException](t, del(a, id, true), 409)
		describe(t, a, id)
		must(a.DetachThingPrincipal(ctx, &iot.DetachThingPrincipalInput{ThingName: aws.String("thing-delete"), Principal: aws.String(arn)})).T(t)
		if err := del(a, id, false); err != nil {
			t.Fatal(err)
		}
		gone(t, id)
	})

	t.Run("other account and unknown", func(t *testing.T) {
		id := newInactiveCert(t, a)
		requireCode[*types.ResourceNotFoundException](t, del(s.Account(acctB), id, false), 404)
		requireCode[*types.ResourceNotFoundException](t, del(s.Account(acctB), id, true), 404)
		describe(t, a, id)
		requireCode[*types.ResourceNotFoundException](t, del(a, stringOf('c', 64), false), 404)
		requireCode[*types.InvalidRequestException](t, del(a, "z"+id[1:], false), 400)
		if err := del(a, id, false); err != nil {
			t.Fatal(err)
		}
		requireCode[*types.ResourceNotFoundException](t, del(a, id, false), 404)
	})
}

// TestCertificateRegionIsolation checks that each region is a registry of its own.
func TestCertificateRegionIsolation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	us, eu := s.Account(acctA), s.Client(acctA, "x", "eu-west-1")

	usID := newInactiveCert(t, us)
	_, err := eu.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(usID)})
	requireCode[*types.ResourceNotFoundException](t, err, 404)
	_, err = eu.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(usID), NewStatus: types.CertificateStatusActive})
	requireCode[*types.ResourceNotFoundException](t, err, 404)
	_, err = eu.DeleteCertificate(ctx, &iot.DeleteCertificateInput{CertificateId: aws.String(usID)})
	requireCode[*types.ResourceNotFoundException](t, err, 404)

	out := must(eu.CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{})).T(t)
	euID := aws.ToString(out.CertificateId)
	want := ctCertARN("eu-west-1", acctA, euID)
	if got := aws.ToString(out.CertificateArn); got != want {
		t.Fatalf("certificateArn %s, want %s", got, want)
	}
	if got := aws.ToString(describe(t, eu, euID).CertificateArn); got != want {
		t.Fatalf("described ARN %s, want %s", got, want)
	}
	_, err = us.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(euID)})
	requireCode[*types.ResourceNotFoundException](t, err, 404)

	// A certificate ARN of another region is no target here.
	must(us.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String("p-region"), PolicyDocument: aws.String(testPolicyDoc)})).T(t)
	_, err = us.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String("p-region"), Target: aws.String(want)})
	requireCode[*types.ResourceNotFoundException](t, err, 404)

	// A certificate can be registered in DEFAULT mode in each region whose registry holds
	// its CA in DEFAULT mode.
	ca := caNew(t, caSpec{})
	caRegister(t, us, ca, types.CertificateModeDefault, true)
	caRegister(t, eu, ca, types.CertificateModeDefault, true)
	_, p := ca.device(t)
	must(us.RegisterCertificate(ctx, &iot.RegisterCertificateInput{CertificatePem: aws.String(p)})).T(t)
	reg := must(eu.RegisterCertificate(ctx, &iot.RegisterCertificateInput{CertificatePem: aws.String(p)})).T(t)
	if !strings.HasPrefix(aws.ToString(reg.CertificateArn), "arn:aws:iot:eu-west-1:") {
		t.Fatalf("eu-west-1 registration ARN %s", aws.ToString(reg.CertificateArn))
	}
}

// TestWireDetails checks request IDs, error headers and timestamp precision as the SDK sees
// them.
func TestWireDetails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a := s.Account(acctA)

	t.Run("request IDs", func(t *testing.T) {
		id := newInactiveCert(t, a)
		calls := map[string]func() (smithymiddleware.Metadata, error){
			"CreateKeysAndCertificate": func() (smithymiddleware.Metadata, error) {
				out, err := a.CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{})
				if err != nil {
					return smithymiddleware.Metadata{}, err
				}
				return out.ResultMetadata, nil
			},
			"DescribeCertificate": func() (smithymiddleware.Metadata, error) {
				out, err := a.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(id)})
				if err != nil {
					return smithymiddleware.Metadata{}, err
				}
				return out.ResultMetadata, nil
			},
			"ListCertificates": func() (smithymiddleware.Metadata, error) {
				out, err := a.ListCertificates(ctx, &iot.ListCertificatesInput{})
				if err != nil {
					return smithymiddleware.Metadata{}, err
				}
				return out.ResultMetadata, nil
			},
			"UpdateCertificate (empty response)": func() (smithymiddleware.Metadata, error) {
				out, err := a.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(id), NewStatus: types.CertificateStatusActive})
				if err != nil {
					return smithymiddleware.Metadata{}, err
				}
				return out.ResultMetadata, nil
			},
			"CreatePolicy": func() (smithymiddleware.Metadata, error) {
				out, err := a.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String("p-wire"), PolicyDocument: aws.String(testPolicyDoc)})
				if err != nil {
					return smithymiddleware.Metadata{}, err
				}
				return out.ResultMetadata, nil
			},
			"CreateThing": func() (smithymiddleware.Metadata, error) {
				out, err := a.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("thing-wire")})
				if err != nil {
					return smithymiddleware.Metadata{}, err
				}
				return out.ResultMetadata, nil
			},
		}
		seen := map[string]string{}
		for name, call := range calls {
			md, err := call()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			rid, ok := awsmiddleware.GetRequestIDMetadata(md)
			if !ok || rid == "" {
				t.Fatalf("%s: no request ID", name)
			}
			if other, dup := seen[rid]; dup {
				t.Fatalf("%s and %s share request ID %s", name, other, rid)
			}
			seen[rid] = name
		}
	})

	t.Run("errors", func(t *testing.T) {
		id := newInactiveCert(t, a)
		must(a.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(id), NewStatus: types.CertificateStatusActive})).T(t)
		_, dupPEM := ctSelfSigned(t)
		must(a.RegisterCertificateWithoutCA(ctx, &iot.RegisterCertificateWithoutCAInput{CertificatePem: aws.String(dupPEM)})).T(t)
		cases := []struct {
			want string
			call func() error
			// message asserts the typed exception and returns its Message member.
			message func(t *testing.T, err error) *string
		}{
			{"InvalidRequestException", func() error {
				_, err := a.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String("abc")})
				return err
			}, func(t *testing.T, err error) *string {
				return requireCode[*types.InvalidRequestException](t, err, 400).Message
			}},
			{"ResourceNotFoundException", func() error {
				_, err := a.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(stringOf('d', 64))})
				return err
			}, func(t *testing.T, err error) *string {
				return requireCode[*types.ResourceNotFoundException](t, err, 404).Message
			}},
			{"CertificateStateException", func() error {
				_, err := a.DeleteCertificate(ctx, &iot.DeleteCertificateInput{CertificateId: aws.String(id)})
				return err
			}, func(t *testing.T, err error) *string {
				return requireCode[*types.CertificateStateException](t, err, 406).Message
			}},
			{"CertificateValidationException", func() error {
				_, err := a.RegisterCertificateWithoutCA(ctx, &iot.RegisterCertificateWithoutCAInput{CertificatePem: aws.String("garbage")})
				return err
			}, func(t *testing.T, err error) *string {
				return requireCode[*types.CertificateValidationException](t, err, 400).Message
			}},
			{"ResourceAlreadyExistsException", func() error {
				_, err := a.RegisterCertificateWithoutCA(ctx, &iot.RegisterCertificateWithoutCAInput{CertificatePem: aws.String(dupPEM)})
				return err
			}, func(t *testing.T, err error) *string {
				return requireCode[*types.ResourceAlreadyExistsException](t, err, 409).Message
			}},
			{"MalformedPolicyException", func() error {
				_, err := a.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String("p-bad"), PolicyDocument: aws.String("{")})
				return err
			}, func(t *testing.T, err error) *string {
				return requireCode[*types.MalformedPolicyException](t, err, 400).Message
			}},
		}
		for _, tc := range cases {
			t.Run(tc.want, func(t *testing.T) {
				err := tc.call()
				if msg := tc.message(t, err); aws.ToString(msg) == "" {
					t.Fatalf("%s has an empty message", tc.want)
				}
				var re *smithyhttp.ResponseError
				if !errors.As(err, &re) {
					t.Fatalf("no HTTP response in %v", err)
				}
				if got := re.Response.Header.Get("X-Amzn-ErrorType"); got != tc.want {
					t.Fatalf("X-Amzn-ErrorType %q, want %q", got, tc.want)
				}
				var are *awshttp.ResponseError
				if !errors.As(err, &are) || are.ServiceRequestID() == "" {
					t.Fatalf("error response without a request ID: %v", err)
				}
			})
		}
	})

	t.Run("millisecond timestamps", func(t *testing.T) {
		csr, _ := ctCSR(t, ctECKey(t))
		created := ctIssueMany(t, a, csr, 10)
		listed := map[string]time.Time{}
		for _, c := range listAll(t, a, false, 250) {
			listed[aws.ToString(c.CertificateId)] = *c.CreationDate
		}
		withMillis := 0
		for _, id := range created {
			d := describe(t, a, id)
			if d.CreationDate.Nanosecond()%int(time.Millisecond) != 0 {
				t.Fatalf("creationDate %v finer than milliseconds", *d.CreationDate)
			}
			if d.CreationDate.Nanosecond() != 0 {
				withMillis++
			}
			if l, ok := listed[id]; !ok || !l.Equal(*d.CreationDate) {
				t.Fatalf("listed creationDate %v, described %v", l, *d.CreationDate)
			}
		}
		if withMillis == 0 {
			t.Fatalf("none of %d creationDates has a millisecond part: timestamps are truncated to seconds", len(created))
		}
	})
}
