package main

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"
)

// caHex64Pattern is the shape of registration codes and certificate IDs.
var caHex64Pattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// testCA is a CA certificate made in a test, with the key that signs in its name.
type testCA struct {
	x   *x509.Certificate
	key crypto.Signer
	pem string
	id  string
}

// caSpec describes a CA certificate made in a test.
type caSpec struct {
	// cn is the subject common name; empty draws a unique one.
	cn string
	// key is the CA's key; nil makes a fresh P-256 key.
	key crypto.Signer
	// notCA leaves basicConstraints CA:FALSE.
	notCA bool
}

// caNew makes a self-signed CA certificate.
func caNew(tb testing.TB, spec caSpec) *testCA {
	tb.Helper()
	if spec.key == nil {
		spec.key = ctECKey(tb)
	}
	serial := must(rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))).T(tb)
	if spec.cn == "" {
		spec.cn = "iotcertd e2e CA " + serial.Text(16)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: spec.cn, Organization: []string{"iotcertd tests"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  !spec.notCA,
	}
	der := must(x509.CreateCertificate(rand.Reader, tmpl, tmpl, spec.key.Public(), spec.key)).T(tb)
	return &testCA{
		x: must(x509.ParseCertificate(der)).T(tb), key: spec.key, id: ctDigest(der),
		pem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
	}
}

// sign makes a leaf certificate with subject common name cn for a fresh P-256 key,
// signed by the CA, and returns it with its PEM.
func (ca *testCA) sign(tb testing.TB, cn string) (*x509.Certificate, string) {
	tb.Helper()
	serial := must(rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))).T(tb)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der := must(x509.CreateCertificate(rand.Reader, tmpl, ca.x, ctECKey(tb).Public(), ca.key)).T(tb)
	return must(x509.ParseCertificate(der)).T(tb), string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// device makes a device certificate signed by the CA.
func (ca *testCA) device(tb testing.TB) (*x509.Certificate, string) {
	tb.Helper()
	return ca.sign(tb, "iotcertd e2e device")
}

// verification makes the verification certificate of a DEFAULT-mode registration: subject
// common name code, signed by the CA's key.
func (ca *testCA) verification(tb testing.TB, code string) string {
	tb.Helper()
	_, p := ca.sign(tb, code)
	return p
}

// caRegistrationCode returns the account's registration code.
func caRegistrationCode(tb testing.TB, c *iot.Client) string {
	tb.Helper()
	return aws.ToString(must(c.GetRegistrationCode(context.Background(), &iot.GetRegistrationCodeInput{})).T(tb).RegistrationCode)
}

// caRegister registers ca in mode (proving possession for DEFAULT) and returns its ID.
func caRegister(tb testing.TB, c *iot.Client, ca *testCA, mode types.CertificateMode, active bool) string {
	tb.Helper()
	in := &iot.RegisterCACertificateInput{CaCertificate: aws.String(ca.pem), CertificateMode: mode, SetAsActive: active}
	if mode != types.CertificateModeSniOnly {
		in.VerificationCertificate = aws.String(ca.verification(tb, caRegistrationCode(tb, c)))
	}
	out := must(c.RegisterCACertificate(context.Background(), in)).T(tb)
	if id := aws.ToString(out.CertificateId); id != ca.id {
		tb.Fatalf("registered CA has ID %s, want %s", id, ca.id)
	}
	return ca.id
}

// caActive makes a CA and registers it ACTIVE in DEFAULT mode, so that the account can
// register device certificates it signs with RegisterCertificate.
func caActive(tb testing.TB, c *iot.Client) *testCA {
	tb.Helper()
	ca := caNew(tb, caSpec{})
	caRegister(tb, c, ca, types.CertificateModeDefault, true)
	return ca
}

// caOK fails the test on err.
func caOK(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// caARN is the ARN of a CA certificate.
func caARN(region, account, id string) string {
	return "arn:aws:iot:" + region + ":" + account + ":cacert/" + id
}

// caDescribe returns a CA certificate's description and registration configuration.
func caDescribe(tb testing.TB, c *iot.Client, id string) *iot.DescribeCACertificateOutput {
	tb.Helper()
	return must(c.DescribeCACertificate(context.Background(), &iot.DescribeCACertificateInput{CertificateId: aws.String(id)})).T(tb)
}

// TestCARegistrationCode checks GetRegistrationCode and DeleteRegistrationCode.
func TestCARegistrationCode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a, b := s.Account(acctA), s.Account(acctB)
	eu := s.Client(acctA, "emulator-secret", "eu-west-1")

	code := caRegistrationCode(t, a)
	if !caHex64Pattern.MatchString(code) {
		t.Fatalf("registration code %q is not 64 hex characters", code)
	}
	if again := caRegistrationCode(t, a); again != code {
		t.Fatalf("second GetRegistrationCode gave %s, want the same %s", again, code)
	}
	codeB, codeEU := caRegistrationCode(t, b), caRegistrationCode(t, eu)
	if codeB == code || codeEU == code || codeB == codeEU {
		t.Fatalf("accounts and regions share codes: %s %s %s", code, codeB, codeEU)
	}

	must(a.DeleteRegistrationCode(ctx, &iot.DeleteRegistrationCodeInput{})).T(t)
	_, err := a.DeleteRegistrationCode(ctx, &iot.DeleteRegistrationCodeInput{})
	requireCode[*types.ResourceNotFoundException](t, err, 404)
	_, err = s.Account(acctC).DeleteRegistrationCode(ctx, &iot.DeleteRegistrationCodeInput{})
	requireCode[*types.ResourceNotFoundException](t, err, 404)

	fresh := caRegistrationCode(t, a)
	if fresh == code || !caHex64Pattern.MatchString(fresh) {
		t.Fatalf("code after delete %q, want a new one (old %s)", fresh, code)
	}

	// Concurrent first calls agree on one code.
	d := s.Account("555555555555")
	codes := make([]string, 8)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Go(func() {
			out, err := d.GetRegistrationCode(ctx, &iot.GetRegistrationCodeInput{})
			if err != nil {
				t.Error(err)
				return
			}
			codes[i] = aws.ToString(out.RegistrationCode)
		})
	}
	wg.Wait()
	for _, c := range codes {
		if c != codes[0] || !caHex64Pattern.MatchString(c) {
			t.Fatalf("concurrent GetRegistrationCode calls gave %v", codes)
		}
	}
	if caRegistrationCode(t, b) != codeB || caRegistrationCode(t, eu) != codeEU {
		t.Fatal("deleting one account's code changed another's")
	}
}

// TestCARegister checks RegisterCACertificate, its proof of possession and its limits.
func TestCARegister(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a := s.Account(acctA)
	register := func(c *iot.Client, in *iot.RegisterCACertificateInput) (*iot.RegisterCACertificateOutput, error) {
		return c.RegisterCACertificate(ctx, in)
	}
	code := caRegistrationCode(t, a)

	t.Run("DEFAULT with every member", func(t *testing.T) {
		ca := caNew(t, caSpec{})
		before := time.Now().Add(-time.Second)
		out := must(register(a, &iot.RegisterCACertificateInput{
			CaCertificate:           aws.String(ca.pem),
			VerificationCertificate: aws.String(ca.verification(t, code)),
			SetAsActive:             true,
			AllowAutoRegistration:   true,
			RegistrationConfig: &types.RegistrationConfig{
				TemplateBody: aws.String(`{"Resources":{}}`), RoleArn: aws.String("arn:aws:iam::111111111111:role/jitp"),
				TemplateName: aws.String("jitp-template"),
			},
			Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("devices")}},
		})).T(t)
		if aws.ToString(out.CertificateId) != ca.id || aws.ToString(out.CertificateArn) != caARN("us-east-1", acctA, ca.id) {
			t.Fatalf("registered as %s %s, want ID %s", aws.ToString(out.CertificateId), aws.ToString(out.CertificateArn), ca.id)
		}
		d := caDescribe(t, a, ca.id)
		cd := d.CertificateDescription
		switch {
		case aws.ToString(cd.CertificateArn) != caARN("us-east-1", acctA, ca.id), aws.ToString(cd.CertificateId) != ca.id:
			t.Fatalf("described as %s %s", aws.ToString(cd.CertificateArn), aws.ToString(cd.CertificateId))
		case cd.Status != types.CACertificateStatusActive, cd.AutoRegistrationStatus != types.AutoRegistrationStatusEnable,
			cd.CertificateMode != types.CertificateModeDefault:
			t.Fatalf("status %s auto-registration %s mode %s", cd.Status, cd.AutoRegistrationStatus, cd.CertificateMode)
		case aws.ToString(cd.CertificatePem) != ca.pem, aws.ToString(cd.OwnedBy) != acctA:
			t.Fatalf("pem equal %v, ownedBy %s", aws.ToString(cd.CertificatePem) == ca.pem, aws.ToString(cd.OwnedBy))
		case aws.ToInt32(cd.CustomerVersion) != 1, !ctUUIDPattern.MatchString(aws.ToString(cd.GenerationId)):
			t.Fatalf("customerVersion %d generationId %q", aws.ToInt32(cd.CustomerVersion), aws.ToString(cd.GenerationId))
		case cd.CreationDate == nil || cd.CreationDate.Before(before) || cd.CreationDate.After(time.Now().Add(time.Second)),
			cd.LastModifiedDate == nil || !cd.LastModifiedDate.Equal(*cd.CreationDate):
			t.Fatalf("creationDate %v lastModifiedDate %v", cd.CreationDate, cd.LastModifiedDate)
		case cd.Validity == nil || !cd.Validity.NotBefore.Equal(ca.x.NotBefore) || !cd.Validity.NotAfter.Equal(ca.x.NotAfter):
			t.Fatalf("validity %+v, want %v..%v", cd.Validity, ca.x.NotBefore, ca.x.NotAfter)
		}
		rc := d.RegistrationConfig
		if rc == nil || aws.ToString(rc.TemplateBody) != `{"Resources":{}}` || aws.ToString(rc.RoleArn) != "arn:aws:iam::111111111111:role/jitp" ||
			aws.ToString(rc.TemplateName) != "jitp-template" {
			t.Fatalf("registrationConfig %+v", rc)
		}
	})

	t.Run("RSA CA with defaults", func(t *testing.T) {
		ca := caNew(t, caSpec{key: must(rsa.GenerateKey(rand.Reader, 2048)).T(t)})
		must(register(a, &iot.RegisterCACertificateInput{CaCertificate: aws.String(ca.pem),
			VerificationCertificate: aws.String(ca.verification(t, code))})).T(t)
		d := caDescribe(t, a, ca.id)
		cd := d.CertificateDescription
		if cd.Status != types.CACertificateStatusInactive || cd.AutoRegistrationStatus != types.AutoRegistrationStatusDisable ||
			cd.CertificateMode != types.CertificateModeDefault || d.RegistrationConfig != nil {
			t.Fatalf("status %s auto %s mode %s config %+v", cd.Status, cd.AutoRegistrationStatus, cd.CertificateMode, d.RegistrationConfig)
		}
	})

	t.Run("SNI_ONLY", func(t *testing.T) {
		ca := caNew(t, caSpec{})
		must(register(a, &iot.RegisterCACertificateInput{CaCertificate: aws.String(ca.pem), CertificateMode: types.CertificateModeSniOnly})).T(t)
		if m := caDescribe(t, a, ca.id).CertificateDescription.CertificateMode; m != types.CertificateModeSniOnly {
			t.Fatalf("mode %s, want SNI_ONLY", m)
		}
		// The same CA in SNI_ONLY mode in other accounts too.
		must(register(s.Account(acctB), &iot.RegisterCACertificateInput{CaCertificate: aws.String(ca.pem), CertificateMode: types.CertificateModeSniOnly})).T(t)
		// But not in DEFAULT mode where another account holds it.
		c := s.Account(acctC)
		_, err := register(c, &iot.RegisterCACertificateInput{CaCertificate: aws.String(ca.pem),
			VerificationCertificate: aws.String(ca.verification(t, caRegistrationCode(t, c)))})
		requireCode[*types.ResourceAlreadyExistsException](t, err, 409)

		_, err = register(a, &iot.RegisterCACertificateInput{CaCertificate: aws.String(caNew(t, caSpec{}).pem),
			CertificateMode: types.CertificateModeSniOnly, VerificationCertificate: aws.String(ca.verification(t, code))})
		requireCode[*types.InvalidRequestException](t, err, 400)
	})

	t.Run("proof of possession", func(t *testing.T) {
		ca := caNew(t, caSpec{})
		other := caNew(t, caSpec{})
		for name, tc := range map[string]struct {
			verification *string
			check        func(error)
		}{
			"missing": {nil, func(err error) { requireCode[*types.InvalidRequestException](t, err, 400) }},
			"wrong common name": {aws.String(ca.verification(t, strings.Repeat("0", 64))),
				func(err error) { requireCode[*types.RegistrationCodeValidationException](t, err, 400) }},
			"signed by another key": {aws.String(other.verification(t, code)),
				func(err error) { requireCode[*types.CertificateValidationException](t, err, 400) }},
			"not a certificate": {aws.String("garbage"),
				func(err error) { requireCode[*types.CertificateValidationException](t, err, 400) }},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := register(a, &iot.RegisterCACertificateInput{CaCertificate: aws.String(ca.pem), VerificationCertificate: tc.verification})
				tc.check(err)
			})
		}
		// An account without a registration code cannot prove anything.
		fresh := s.Account("444444444444")
		_, err := register(fresh, &iot.RegisterCACertificateInput{CaCertificate: aws.String(ca.pem),
			VerificationCertificate: aws.String(ca.verification(t, code))})
		requireCode[*types.RegistrationCodeValidationException](t, err, 400)
		// A deleted code no longer proves anything.
		oldCode := caRegistrationCode(t, fresh)
		stale := ca.verification(t, oldCode)
		must(fresh.DeleteRegistrationCode(ctx, &iot.DeleteRegistrationCodeInput{})).T(t)
		_, err = register(fresh, &iot.RegisterCACertificateInput{CaCertificate: aws.String(ca.pem), VerificationCertificate: aws.String(stale)})
		requireCode[*types.RegistrationCodeValidationException](t, err, 400)
		caRegistrationCode(t, fresh)
		_, err = register(fresh, &iot.RegisterCACertificateInput{CaCertificate: aws.String(ca.pem), VerificationCertificate: aws.String(stale)})
		requireCode[*types.RegistrationCodeValidationException](t, err, 400)
		// The upper-case form of the code is the same code.
		must(register(a, &iot.RegisterCACertificateInput{CaCertificate: aws.String(ca.pem),
			VerificationCertificate: aws.String(ca.verification(t, strings.ToUpper(code)))})).T(t)
	})

	t.Run("invalid CA certificates", func(t *testing.T) {
		_, _, leaf := ctMakeCert(t, ctCertSpec{})
		notCA := caNew(t, caSpec{notCA: true})
		_, _, expired := ctMakeCert(t, ctCertSpec{isCA: true, notBefore: time.Now().Add(-48 * time.Hour), notAfter: time.Now().Add(-24 * time.Hour)})
		for name, p := range map[string]string{
			"garbage":                    "garbage",
			"leaf certificate":           leaf,
			"basic constraints CA:FALSE": notCA.pem,
			"expired":                    expired,
		} {
			t.Run(name, func(t *testing.T) {
				_, err := register(a, &iot.RegisterCACertificateInput{CaCertificate: aws.String(p), CertificateMode: types.CertificateModeSniOnly})
				requireCode[*types.CertificateValidationException](t, err, 400)
			})
		}
	})

	t.Run("invalid members", func(t *testing.T) {
		ca := caNew(t, caSpec{})
		for name, in := range map[string]*iot.RegisterCACertificateInput{
			"certificate mode": {CaCertificate: aws.String(ca.pem), CertificateMode: "BOGUS"},
			"reserved tag key": {CaCertificate: aws.String(ca.pem), CertificateMode: types.CertificateModeSniOnly,
				Tags: []types.Tag{{Key: aws.String("aws:owner"), Value: aws.String("x")}}},
			"template name": {CaCertificate: aws.String(ca.pem), CertificateMode: types.CertificateModeSniOnly,
				RegistrationConfig: &types.RegistrationConfig{TemplateName: aws.String("no spaces allowed")}},
			"role ARN": {CaCertificate: aws.String(ca.pem), CertificateMode: types.CertificateModeSniOnly,
				RegistrationConfig: &types.RegistrationConfig{RoleArn: aws.String("arn:short")}},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := register(a, in)
				requireCode[*types.InvalidRequestException](t, err, 400)
			})
		}
	})

	t.Run("twice", func(t *testing.T) {
		ca := caNew(t, caSpec{})
		caRegister(t, a, ca, types.CertificateModeDefault, false)
		for _, mode := range []types.CertificateMode{types.CertificateModeDefault, types.CertificateModeSniOnly} {
			in := &iot.RegisterCACertificateInput{CaCertificate: aws.String(ca.pem), CertificateMode: mode}
			if mode == types.CertificateModeDefault {
				in.VerificationCertificate = aws.String(ca.verification(t, code))
			}
			_, err := register(a, in)
			e := requireCode[*types.ResourceAlreadyExistsException](t, err, 409)
			if aws.ToString(e.ResourceId) != ca.id || aws.ToString(e.ResourceArn) != caARN("us-east-1", acctA, ca.id) {
				t.Fatalf("resourceId %q resourceArn %q, want %s", aws.ToString(e.ResourceId), aws.ToString(e.ResourceArn), ca.id)
			}
		}
		// A DEFAULT-mode CA belongs to one account of the region.
		b := s.Account(acctB)
		_, err := register(b, &iot.RegisterCACertificateInput{CaCertificate: aws.String(ca.pem),
			VerificationCertificate: aws.String(ca.verification(t, caRegistrationCode(t, b)))})
		requireCode[*types.ResourceAlreadyExistsException](t, err, 409)
		// Another region is another registry.
		eu := s.Client(acctA, "emulator-secret", "eu-west-1")
		caRegister(t, eu, ca, types.CertificateModeDefault, false)
	})

	t.Run("tags", func(t *testing.T) {
		ca := caNew(t, caSpec{})
		arn := caARN("us-east-1", acctA, ca.id)
		tags := func() map[string]string {
			out := must(a.ListTagsForResource(ctx, &iot.ListTagsForResourceInput{ResourceArn: aws.String(arn)})).T(t)
			m := map[string]string{}
			for _, tag := range out.Tags {
				m[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
			}
			return m
		}
		must(register(a, &iot.RegisterCACertificateInput{CaCertificate: aws.String(ca.pem), CertificateMode: types.CertificateModeSniOnly,
			Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("devices")}, {Key: aws.String("empty"), Value: aws.String("")}}})).T(t)
		if got := tags(); len(got) != 2 || got["team"] != "devices" || got["empty"] != "" {
			t.Fatalf("tags of the registered CA: %v", got)
		}
		// The tags go with the CA: registered again, it has none.
		must(a.DeleteCACertificate(ctx, &iot.DeleteCACertificateInput{CertificateId: aws.String(ca.id)})).T(t)
		_, err := a.ListTagsForResource(ctx, &iot.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		caRegister(t, a, ca, types.CertificateModeSniOnly, false)
		if got := tags(); len(got) != 0 {
			t.Fatalf("tags after the CA was deleted and registered again: %v", got)
		}
	})

	t.Run("ten per subject", func(t *testing.T) {
		c := s.Account(acctC)
		const cn = "iotcertd e2e shared subject"
		var ten []string
		for range 10 {
			ten = append(ten, caRegister(t, c, caNew(t, caSpec{cn: cn}), types.CertificateModeSniOnly, false))
		}
		eleventh := caNew(t, caSpec{cn: cn})
		_, err := register(c, &iot.RegisterCACertificateInput{CaCertificate: aws.String(eleventh.pem), CertificateMode: types.CertificateModeSniOnly})
		requireCode[*types.LimitExceededException](t, err, 410)
		_, err = register(c, &iot.RegisterCACertificateInput{CaCertificate: aws.String(eleventh.pem),
			VerificationCertificate: aws.String(eleventh.verification(t, caRegistrationCode(t, c)))})
		requireCode[*types.LimitExceededException](t, err, 410)
		// Other subjects and other accounts are not limited by these ten.
		caRegister(t, c, caNew(t, caSpec{cn: cn + " 2"}), types.CertificateModeSniOnly, false)
		caRegister(t, a, eleventh, types.CertificateModeSniOnly, false)
		// Deleting one makes room.
		must(c.DeleteCACertificate(ctx, &iot.DeleteCACertificateInput{CertificateId: aws.String(ten[4])})).T(t)
		caRegister(t, c, caNew(t, caSpec{cn: cn}), types.CertificateModeSniOnly, false)
	})
}

// TestCAListUpdateDelete checks DescribeCACertificate, ListCACertificates,
// UpdateCACertificate and DeleteCACertificate.
func TestCAListUpdateDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a, b := s.Account(acctA), s.Account(acctB)

	var ids []string
	for i := range 7 {
		ca := caNew(t, caSpec{})
		in := &iot.RegisterCACertificateInput{CaCertificate: aws.String(ca.pem), CertificateMode: types.CertificateModeSniOnly}
		if i%3 == 0 {
			in.RegistrationConfig = &types.RegistrationConfig{TemplateName: aws.String("chosen")}
		}
		must(a.RegisterCACertificate(ctx, in)).T(t)
		ids = append(ids, ca.id)
	}
	caRegister(t, b, caNew(t, caSpec{}), types.CertificateModeSniOnly, false)

	t.Run("describe", func(t *testing.T) {
		id := ids[0]
		_, err := b.DescribeCACertificate(ctx, &iot.DescribeCACertificateInput{CertificateId: aws.String(id)})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		_, err = a.DescribeCACertificate(ctx, &iot.DescribeCACertificateInput{CertificateId: aws.String(stringOf('a', 64))})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		_, err = a.DescribeCACertificate(ctx, &iot.DescribeCACertificateInput{CertificateId: aws.String(id[:63])})
		requireCode[*types.InvalidRequestException](t, err, 400)
		if got := aws.ToString(caDescribe(t, a, strings.ToUpper(id)).CertificateDescription.CertificateId); got != id {
			t.Fatalf("upper-case ID described %s", got)
		}
	})

	t.Run("list", func(t *testing.T) {
		listAll := func(asc bool, size int32, template *string) []string {
			var got []string
			p := iot.NewListCACertificatesPaginator(a, &iot.ListCACertificatesInput{AscendingOrder: asc, PageSize: aws.Int32(size), TemplateName: template})
			for p.HasMorePages() {
				page := must(p.NextPage(ctx)).T(t)
				if len(page.Certificates) > int(size) {
					t.Fatalf("page of %d with pageSize %d", len(page.Certificates), size)
				}
				if page.NextMarker != nil && !ctMarkerPattern.MatchString(*page.NextMarker) {
					t.Fatalf("nextMarker %q", *page.NextMarker)
				}
				for _, c := range page.Certificates {
					if aws.ToString(c.CertificateArn) != caARN("us-east-1", acctA, aws.ToString(c.CertificateId)) ||
						c.Status != types.CACertificateStatusInactive || c.CreationDate == nil {
						t.Fatalf("item %+v", c)
					}
					got = append(got, aws.ToString(c.CertificateId))
				}
			}
			return got
		}
		desc := slices.Clone(ids)
		slices.Reverse(desc)
		for _, size := range []int32{1, 2, 3, 250} {
			if got := listAll(true, size, nil); !slices.Equal(got, ids) {
				t.Fatalf("ascending, pageSize %d:\n got %v\nwant %v", size, got, ids)
			}
			if got := listAll(false, size, nil); !slices.Equal(got, desc) {
				t.Fatalf("descending, pageSize %d:\n got %v\nwant %v", size, got, desc)
			}
		}
		chosen := []string{ids[0], ids[3], ids[6]}
		if got := listAll(true, 2, aws.String("chosen")); !slices.Equal(got, chosen) {
			t.Fatalf("templateName chosen: got %v, want %v", got, chosen)
		}
		if got := listAll(true, 2, aws.String("other")); len(got) != 0 {
			t.Fatalf("templateName other: got %v", got)
		}
		// Default page size 25, no marker on the last page.
		page := must(a.ListCACertificates(ctx, &iot.ListCACertificatesInput{})).T(t)
		if len(page.Certificates) != len(ids) || page.NextMarker != nil {
			t.Fatalf("default page: %d certificates, nextMarker %v", len(page.Certificates), page.NextMarker)
		}
		for name, in := range map[string]*iot.ListCACertificatesInput{
			"pageSize 0":    {PageSize: aws.Int32(0)},
			"pageSize 251":  {PageSize: aws.Int32(251)},
			"marker":        {Marker: aws.String("not-a-marker")},
			"template name": {TemplateName: aws.String("no spaces")},
		} {
			_, err := a.ListCACertificates(ctx, in)
			if err == nil {
				t.Fatalf("%s: accepted", name)
			}
			requireCode[*types.InvalidRequestException](t, err, 400)
		}
	})

	t.Run("update", func(t *testing.T) {
		id := ids[1]
		update := func(in *iot.UpdateCACertificateInput) error {
			in.CertificateId = aws.String(id)
			_, err := a.UpdateCACertificate(ctx, in)
			return err
		}
		before := caDescribe(t, a, id).CertificateDescription
		caOK(t, update(&iot.UpdateCACertificateInput{NewStatus: types.CACertificateStatusActive}))
		d := caDescribe(t, a, id)
		cd := d.CertificateDescription
		if cd.Status != types.CACertificateStatusActive || aws.ToInt32(cd.CustomerVersion) != 2 ||
			aws.ToString(cd.GenerationId) == aws.ToString(before.GenerationId) || cd.LastModifiedDate.Before(*before.LastModifiedDate) ||
			!cd.CreationDate.Equal(*before.CreationDate) {
			t.Fatalf("after activation: status %s version %d generation %s modified %v", cd.Status, aws.ToInt32(cd.CustomerVersion),
				aws.ToString(cd.GenerationId), cd.LastModifiedDate)
		}
		// Setting what is set changes nothing.
		caOK(t, update(&iot.UpdateCACertificateInput{NewStatus: types.CACertificateStatusActive}))
		caOK(t, update(&iot.UpdateCACertificateInput{}))
		if v := aws.ToInt32(caDescribe(t, a, id).CertificateDescription.CustomerVersion); v != 2 {
			t.Fatalf("customerVersion %d after no-op updates, want 2", v)
		}
		caOK(t, update(&iot.UpdateCACertificateInput{NewAutoRegistrationStatus: types.AutoRegistrationStatusEnable,
			RegistrationConfig: &types.RegistrationConfig{TemplateBody: aws.String("{}"), RoleArn: aws.String("arn:aws:iam::111111111111:role/r")}}))
		d = caDescribe(t, a, id)
		if d.CertificateDescription.AutoRegistrationStatus != types.AutoRegistrationStatusEnable || d.RegistrationConfig == nil ||
			aws.ToString(d.RegistrationConfig.TemplateBody) != "{}" || aws.ToInt32(d.CertificateDescription.CustomerVersion) != 3 {
			t.Fatalf("after enabling auto-registration: %+v %+v", d.CertificateDescription, d.RegistrationConfig)
		}
		caOK(t, update(&iot.UpdateCACertificateInput{RemoveAutoRegistration: true}))
		if d := caDescribe(t, a, id); d.RegistrationConfig != nil || d.CertificateDescription.AutoRegistrationStatus != types.AutoRegistrationStatusEnable {
			t.Fatalf("after removeAutoRegistration: %+v %s", d.RegistrationConfig, d.CertificateDescription.AutoRegistrationStatus)
		}
		caOK(t, update(&iot.UpdateCACertificateInput{NewStatus: types.CACertificateStatusInactive, NewAutoRegistrationStatus: types.AutoRegistrationStatusDisable}))
		if cd := caDescribe(t, a, id).CertificateDescription; cd.Status != types.CACertificateStatusInactive || cd.AutoRegistrationStatus != types.AutoRegistrationStatusDisable {
			t.Fatalf("after deactivation: %s %s", cd.Status, cd.AutoRegistrationStatus)
		}

		for name, in := range map[string]*iot.UpdateCACertificateInput{
			"status REGISTER_INACTIVE": {NewStatus: "REGISTER_INACTIVE"},
			"auto-registration status": {NewAutoRegistrationStatus: "MAYBE"},
			"config and removal":       {RegistrationConfig: &types.RegistrationConfig{TemplateName: aws.String("t")}, RemoveAutoRegistration: true},
			"template name":            {RegistrationConfig: &types.RegistrationConfig{TemplateName: aws.String("a b")}},
		} {
			t.Run(name, func(t *testing.T) {
				requireCode[*types.InvalidRequestException](t, update(in), 400)
			})
		}
		_, err := b.UpdateCACertificate(ctx, &iot.UpdateCACertificateInput{CertificateId: aws.String(id), NewStatus: types.CACertificateStatusActive})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
	})

	t.Run("delete", func(t *testing.T) {
		ca := caActive(t, a)
		device, devicePEM := ca.device(t)
		must(a.RegisterCertificate(ctx, &iot.RegisterCertificateInput{CertificatePem: aws.String(devicePEM)})).T(t)

		del := func(c *iot.Client) error {
			_, err := c.DeleteCACertificate(ctx, &iot.DeleteCACertificateInput{CertificateId: aws.String(ca.id)})
			return err
		}
		requireCode[*types.CertificateStateException](t, del(a), 406)
		requireCode[*types.ResourceNotFoundException](t, del(b), 404)
		must(a.UpdateCACertificate(ctx, &iot.UpdateCACertificateInput{CertificateId: aws.String(ca.id), NewStatus: types.CACertificateStatusInactive})).T(t)
		caOK(t, del(a))
		requireCode[*types.ResourceNotFoundException](t, del(a), 404)
		_, err := a.DescribeCACertificate(ctx, &iot.DescribeCACertificateInput{CertificateId: aws.String(ca.id)})
		requireCode[*types.ResourceNotFoundException](t, err, 404)

		// The device certificate stays, with the deleted CA's ID, and is still listed by it.
		if got := aws.ToString(describe(t, a, ctDigest(device.Raw)).CaCertificateId); got != ca.id {
			t.Fatalf("caCertificateId after the CA was deleted: %q, want %s", got, ca.id)
		}
		page := must(a.ListCertificatesByCA(ctx, &iot.ListCertificatesByCAInput{CaCertificateId: aws.String(ca.id)})).T(t)
		if len(page.Certificates) != 1 || aws.ToString(page.Certificates[0].CertificateId) != ctDigest(device.Raw) {
			t.Fatalf("ListCertificatesByCA of the deleted CA: %+v", page.Certificates)
		}
		// Its devices cannot be registered any more, and it can be registered again.
		_, another := ca.device(t)
		_, err = a.RegisterCertificate(ctx, &iot.RegisterCertificateInput{CertificatePem: aws.String(another)})
		requireCode[*types.CertificateValidationException](t, err, 400)
		caRegister(t, a, ca, types.CertificateModeDefault, true)
		must(a.RegisterCertificate(ctx, &iot.RegisterCertificateInput{CertificatePem: aws.String(another)})).T(t)
	})
}

// TestCADeviceCertificates checks RegisterCertificate against registered CA certificates
// and ListCertificatesByCA.
func TestCADeviceCertificates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a, b := s.Account(acctA), s.Account(acctB)
	register := func(c *iot.Client, devicePEM string, caPEM *string) (*iot.RegisterCertificateOutput, error) {
		return c.RegisterCertificate(ctx, &iot.RegisterCertificateInput{CertificatePem: aws.String(devicePEM), CaCertificatePem: caPEM})
	}

	t.Run("DEFAULT CA", func(t *testing.T) {
		ca := caActive(t, a)
		for _, given := range []*string{nil, aws.String(ca.pem)} {
			device, p := ca.device(t)
			out := must(register(a, p, given)).T(t)
			if aws.ToString(out.CertificateId) != ctDigest(device.Raw) {
				t.Fatalf("certificateId %s", aws.ToString(out.CertificateId))
			}
			d := describe(t, a, ctDigest(device.Raw))
			if aws.ToString(d.CaCertificateId) != ca.id || d.CertificateMode != types.CertificateModeDefault || d.Status != types.CertificateStatusInactive {
				t.Fatalf("caCertificateId %s mode %s status %s", aws.ToString(d.CaCertificateId), d.CertificateMode, d.Status)
			}
		}
		// Another account does not have this CA.
		_, p := ca.device(t)
		_, err := register(b, p, nil)
		requireCode[*types.CertificateValidationException](t, err, 400)
		_, err = register(b, p, aws.String(ca.pem))
		requireCode[*types.CertificateValidationException](t, err, 400)
	})

	t.Run("unknown CA", func(t *testing.T) {
		unregistered := caNew(t, caSpec{})
		_, p := unregistered.device(t)
		_, err := register(a, p, nil)
		requireCode[*types.CertificateValidationException](t, err, 400)
		_, err = register(a, p, aws.String(unregistered.pem))
		requireCode[*types.CertificateValidationException](t, err, 400)
		// A registered CA given for a certificate it did not sign.
		ca := caActive(t, a)
		_, err = register(a, p, aws.String(ca.pem))
		requireCode[*types.CertificateValidationException](t, err, 400)
		// A self-signed certificate has no registered CA.
		_, self := ctSelfSigned(t)
		_, err = register(a, self, nil)
		requireCode[*types.CertificateValidationException](t, err, 400)
	})

	t.Run("inactive CA", func(t *testing.T) {
		ca := caNew(t, caSpec{})
		caRegister(t, a, ca, types.CertificateModeDefault, false)
		_, p := ca.device(t)
		_, err := register(a, p, nil)
		requireCode[*types.CertificateStateException](t, err, 406)
		_, err = register(a, p, aws.String(ca.pem))
		requireCode[*types.CertificateStateException](t, err, 406)
		must(a.UpdateCACertificate(ctx, &iot.UpdateCACertificateInput{CertificateId: aws.String(ca.id), NewStatus: types.CACertificateStatusActive})).T(t)
		must(register(a, p, nil)).T(t)
	})

	t.Run("SNI_ONLY CA", func(t *testing.T) {
		ca := caNew(t, caSpec{})
		caRegister(t, a, ca, types.CertificateModeSniOnly, true)
		caRegister(t, b, ca, types.CertificateModeSniOnly, true)
		device, p := ca.device(t)
		id := ctDigest(device.Raw)
		must(register(a, p, nil)).T(t)
		must(register(b, p, aws.String(ca.pem))).T(t)
		for _, c := range []*iot.Client{a, b} {
			if d := describe(t, c, id); d.CertificateMode != types.CertificateModeSniOnly || aws.ToString(d.CaCertificateId) != ca.id {
				t.Fatalf("mode %s caCertificateId %s, want SNI_ONLY from %s", d.CertificateMode, aws.ToString(d.CaCertificateId), ca.id)
			}
		}
		_, err := register(a, p, nil)
		requireCode[*types.ResourceAlreadyExistsException](t, err, 409)
	})

	t.Run("same subject", func(t *testing.T) {
		const cn = "iotcertd e2e same-subject CA"
		key := ctECKey(t)
		first := caNew(t, caSpec{cn: cn, key: key})
		second := caNew(t, caSpec{cn: cn, key: key}) // re-issued: same subject, same key
		third := caNew(t, caSpec{cn: cn})            // same subject, its own key
		for _, ca := range []*testCA{first, second, third} {
			caRegister(t, a, ca, types.CertificateModeDefault, true)
		}
		// The third CA's devices are found by their signature.
		device, p := third.device(t)
		must(register(a, p, nil)).T(t)
		if got := aws.ToString(describe(t, a, ctDigest(device.Raw)).CaCertificateId); got != third.id {
			t.Fatalf("caCertificateId %s, want the third CA %s", got, third.id)
		}
		// Two CAs share the first's subject and key: the caller must say which.
		device, p = first.device(t)
		_, err := register(a, p, nil)
		requireCode[*types.CertificateConflictException](t, err, 409)
		must(register(a, p, aws.String(second.pem))).T(t)
		if got := aws.ToString(describe(t, a, ctDigest(device.Raw)).CaCertificateId); got != second.id {
			t.Fatalf("caCertificateId %s, want the given CA %s", got, second.id)
		}
	})

	t.Run("ListCertificatesByCA", func(t *testing.T) {
		c := s.Account(acctC)
		ca, other := caActive(t, c), caActive(t, c)
		var want []string
		for range 7 {
			device, p := ca.device(t)
			must(register(c, p, nil)).T(t)
			want = append(want, ctDigest(device.Raw))
		}
		_, p := other.device(t)
		must(register(c, p, nil)).T(t)
		newInactiveCert(t, c)

		list := func(asc bool, size int32) []string {
			var got []string
			pg := iot.NewListCertificatesByCAPaginator(c, &iot.ListCertificatesByCAInput{CaCertificateId: aws.String(ca.id),
				AscendingOrder: asc, PageSize: aws.Int32(size)})
			for pg.HasMorePages() {
				page := must(pg.NextPage(ctx)).T(t)
				if len(page.Certificates) > int(size) {
					t.Fatalf("page of %d with pageSize %d", len(page.Certificates), size)
				}
				for _, item := range page.Certificates {
					id := aws.ToString(item.CertificateId)
					if aws.ToString(item.CertificateArn) != ctCertARN("us-east-1", acctC, id) || item.Status != types.CertificateStatusInactive ||
						item.CertificateMode != types.CertificateModeDefault || item.CreationDate == nil {
						t.Fatalf("item %+v", item)
					}
					got = append(got, id)
				}
			}
			return got
		}
		desc := slices.Clone(want)
		slices.Reverse(desc)
		for _, size := range []int32{1, 3, 250} {
			if got := list(true, size); !slices.Equal(got, want) {
				t.Fatalf("ascending, pageSize %d:\n got %v\nwant %v", size, got, want)
			}
			if got := list(false, size); !slices.Equal(got, desc) {
				t.Fatalf("descending, pageSize %d:\n got %v\nwant %v", size, got, desc)
			}
		}
		// Another account, or a CA nobody registered, lists nothing.
		for _, tc := range []struct {
			c  *iot.Client
			id string
		}{{a, ca.id}, {c, stringOf('b', 64)}} {
			page := must(tc.c.ListCertificatesByCA(ctx, &iot.ListCertificatesByCAInput{CaCertificateId: aws.String(tc.id)})).T(t)
			if len(page.Certificates) != 0 || page.NextMarker != nil {
				t.Fatalf("listing %s: %d certificates", tc.id, len(page.Certificates))
			}
		}
		for name, in := range map[string]*iot.ListCertificatesByCAInput{
			"short ID":     {CaCertificateId: aws.String(ca.id[:10])},
			"pageSize 251": {CaCertificateId: aws.String(ca.id), PageSize: aws.Int32(251)},
			"marker":       {CaCertificateId: aws.String(ca.id), Marker: aws.String("AAAA")},
		} {
			_, err := c.ListCertificatesByCA(ctx, in)
			if err == nil {
				t.Fatalf("%s: accepted", name)
			}
			requireCode[*types.InvalidRequestException](t, err, 400)
		}
	})
}

// TestDescribeEndpoint checks that DescribeEndpoint answers with the address the client
// reached the server at, for every documented endpoint type.
func TestDescribeEndpoint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a := s.Account(acctA)
	host := must(url.Parse(s.URL)).T(t).Host
	for _, typ := range []*string{nil, aws.String("iot:Data"), aws.String("iot:Data-ATS"), aws.String("iot:CredentialProvider"), aws.String("iot:Jobs")} {
		out := must(a.DescribeEndpoint(ctx, &iot.DescribeEndpointInput{EndpointType: typ})).T(t)
		if got := aws.ToString(out.EndpointAddress); got != host {
			t.Fatalf("endpointType %v: endpointAddress %q, want %q", aws.ToString(typ), got, host)
		}
	}
	// The same address through another name of the server.
	localhost := strings.Replace(s.URL, "127.0.0.1", "localhost", 1)
	other := iot.New(iot.Options{Region: "us-east-1", BaseEndpoint: aws.String(localhost), Credentials: a.Options().Credentials,
		Retryer: aws.NopRetryer{}})
	out := must(other.DescribeEndpoint(ctx, &iot.DescribeEndpointInput{EndpointType: aws.String("iot:Data-ATS")})).T(t)
	if got, want := aws.ToString(out.EndpointAddress), must(url.Parse(localhost)).T(t).Host; got != want {
		t.Fatalf("through localhost: endpointAddress %q, want %q", got, want)
	}
	for _, typ := range []string{"iot:Bogus", "iot:data", strings.Repeat("x", 129)} {
		_, err := a.DescribeEndpoint(ctx, &iot.DescribeEndpointInput{EndpointType: aws.String(typ)})
		requireCode[*types.InvalidRequestException](t, err, 400)
	}
}
