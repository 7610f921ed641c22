package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"

	"github.com/iotcertd/iotcertd/internal/store/postgres/pgtest"
)

// Inputs in unusual but accepted forms, and inputs no store can hold: a certificate named
// by an ARN in another spelling is still that certificate for every rule that counts its
// attachments; repeating an attachment at a limit changes nothing; text that is not valid
// UTF-8 or holds NUL is refused with 400 on every store.

// upperID returns a certificate ARN with its ID in upper case.
func upperID(arn string) string {
	i := strings.LastIndexByte(arn, '/')
	return arn[:i+1] + strings.ToUpper(arn[i+1:])
}

// TestPrincipalARNForms checks that a certificate ARN whose ID is in upper case names the
// same certificate (as certificate IDs do in paths), is stored in the canonical form, and
// so blocks transfer and delete like the canonical ARN; an ARN of another partition names
// nothing of this server's.
func TestPrincipalARNForms(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a := s.Account(acctA)
	must(a.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String("forms"), PolicyDocument: aws.String(testPolicyDoc)})).T(t)
	must(a.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("forms-thing")})).T(t)

	t.Run("policy target in upper case", func(t *testing.T) {
		arn := ptNewCertARN(t, a)
		id := arn[strings.LastIndexByte(arn, '/')+1:]
		must(a.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String("forms"), Target: aws.String(upperID(arn))})).T(t)
		if got := ptAttachedPolicies(t, a, arn, 10); !slices.Equal(got, []string{"forms"}) {
			t.Fatalf("policies of the canonical ARN: %v, want [forms]", got)
		}
		targets := must(a.ListTargetsForPolicy(ctx, &iot.ListTargetsForPolicyInput{PolicyName: aws.String("forms")})).T(t)
		if !slices.Contains(targets.Targets, arn) || slices.Contains(targets.Targets, upperID(arn)) {
			t.Fatalf("targets of the policy %v: want the canonical %s", targets.Targets, arn)
		}
		_, err := a.TransferCertificate(ctx, &iot.TransferCertificateInput{CertificateId: aws.String(id), TargetAwsAccount: aws.String(acctB)})
		requireCode[*types.TransferConflictException](t, err, 409)
		_, err = a.DeleteCertificate(ctx, &iot.DeleteCertificateInput{CertificateId: aws.String(id)})
		requireCode[*types.DeleteConflictException](t, err, 409)
		// Detaching by the other spelling detaches it.
		must(a.DetachPolicy(ctx, &iot.DetachPolicyInput{PolicyName: aws.String("forms"), Target: aws.String(upperID(arn))})).T(t)
		if got := ptAttachedPolicies(t, a, arn, 10); len(got) != 0 {
			t.Fatalf("policies after detach: %v", got)
		}
		must(a.DeleteCertificate(ctx, &iot.DeleteCertificateInput{CertificateId: aws.String(id)})).T(t)
	})

	t.Run("thing principal in upper case", func(t *testing.T) {
		arn := ptNewCertARN(t, a)
		id := arn[strings.LastIndexByte(arn, '/')+1:]
		must(a.AttachThingPrincipal(ctx, &iot.AttachThingPrincipalInput{ThingName: aws.String("forms-thing"), Principal: aws.String(upperID(arn))})).T(t)
		if got, _ := ptThingPrincipals(t, a, "forms-thing", 10); !slices.Equal(got, []string{arn}) {
			t.Fatalf("principals of the thing: %v, want [%s]", got, arn)
		}
		if got, _ := ptPrincipalThings(t, a, arn, 10); !slices.Equal(got, []string{"forms-thing"}) {
			t.Fatalf("things of the canonical ARN: %v", got)
		}
		_, err := a.DeleteCertificate(ctx, &iot.DeleteCertificateInput{CertificateId: aws.String(id), ForceDelete: true})
		requireCode[*types.DeleteConflictException](t, err, 409)
		_, err = a.TransferCertificate(ctx, &iot.TransferCertificateInput{CertificateId: aws.String(id), TargetAwsAccount: aws.String(acctB)})
		requireCode[*types.TransferConflictException](t, err, 409)
		must(a.DetachThingPrincipal(ctx, &iot.DetachThingPrincipalInput{ThingName: aws.String("forms-thing"), Principal: aws.String(upperID(arn))})).T(t)
		if got, _ := ptThingPrincipals(t, a, "forms-thing", 10); len(got) != 0 {
			t.Fatalf("principals after detach: %v", got)
		}
		must(a.DeleteCertificate(ctx, &iot.DeleteCertificateInput{CertificateId: aws.String(id)})).T(t)
	})

	t.Run("another partition names nothing here", func(t *testing.T) {
		arn := ptNewCertARN(t, a)
		other := strings.Replace(arn, "arn:aws:", "arn:aws-cn:", 1)
		_, err := a.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String("forms"), Target: aws.String(other)})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		_, err = a.AttachThingPrincipal(ctx, &iot.AttachThingPrincipalInput{ThingName: aws.String("forms-thing"), Principal: aws.String(other)})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		_, err = a.ListAttachedPolicies(ctx, &iot.ListAttachedPoliciesInput{Target: aws.String(other)})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		if got := ptAttachedPolicies(t, a, arn, 10); len(got) != 0 {
			t.Fatalf("policies after refused attach: %v", got)
		}
	})
}

// TestAttachAgainAtLimits checks that repeating an attachment that exists succeeds and
// changes nothing, also where a new one would pass a limit: a target with the maximum of
// ten policies, and a principal attached to more things than one listing page holds.
func TestAttachAgainAtLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a := s.Account(acctA)

	t.Run("ten policies", func(t *testing.T) {
		arn := ptNewCertARN(t, a)
		var names []string
		for i := range 11 {
			name := fmt.Sprintf("lim%02d", i)
			must(a.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(testPolicyDoc)})).T(t)
			names = append(names, name)
		}
		for _, name := range names[:10] {
			must(a.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String(name), Target: aws.String(arn)})).T(t)
		}
		for _, name := range []string{names[0], names[9]} {
			if _, err := a.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String(name), Target: aws.String(arn)}); err != nil {
				t.Fatalf("attaching %s again at the limit: %v", name, err)
			}
		}
		_, err := a.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String(names[10]), Target: aws.String(arn)})
		requireCode[*types.LimitExceededException](t, err, 410)
		if got := ptAttachedPolicies(t, a, arn, 25); !ptSameSet(got, names[:10]) {
			t.Fatalf("attached policies %v, want %v", got, names[:10])
		}
	})

	t.Run("principal on many things", func(t *testing.T) {
		arn := ptNewCertARN(t, a)
		var things []string
		for i := range 4 {
			name := fmt.Sprintf("many-%d", i)
			must(a.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String(name)})).T(t)
			must(a.AttachThingPrincipal(ctx, &iot.AttachThingPrincipalInput{ThingName: aws.String(name), Principal: aws.String(arn)})).T(t)
			things = append(things, name)
		}
		// Every attachment again, the last ones sorting after what one short read sees.
		for _, name := range things {
			if _, err := a.AttachThingPrincipal(ctx, &iot.AttachThingPrincipalInput{ThingName: aws.String(name), Principal: aws.String(arn)}); err != nil {
				t.Fatalf("attaching to %s again: %v", name, err)
			}
		}
		_, err := a.AttachThingPrincipal(ctx, &iot.AttachThingPrincipalInput{ThingName: aws.String(things[3]), Principal: aws.String(arn),
			ThingPrincipalType: types.ThingPrincipalTypeExclusiveThing})
		requireCode[*types.InvalidRequestException](t, err, 400)
		if got, _ := ptPrincipalThings(t, a, arn, 10); !slices.Equal(got, things) {
			t.Fatalf("things of the principal %v, want %v", got, things)
		}
	})
}

// TestTransferOneRecordPerAccount checks that an SNI_ONLY certificate registered in two
// accounts cannot be pending transfer to one target from both: the target would hold the
// ID twice.
func TestTransferOneRecordPerAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a, b, c := s.Account(acctA), s.Account(acctB), s.Account(acctC)
	_, _, pemText := ctMakeCert(t, ctCertSpec{})
	var id string
	for _, cl := range []*iot.Client{a, c} {
		out := must(cl.RegisterCertificateWithoutCA(ctx, &iot.RegisterCertificateWithoutCAInput{CertificatePem: aws.String(pemText)})).T(t)
		id = aws.ToString(out.CertificateId)
	}
	must(a.TransferCertificate(ctx, &iot.TransferCertificateInput{CertificateId: aws.String(id), TargetAwsAccount: aws.String(acctB)})).T(t)
	_, err := c.TransferCertificate(ctx, &iot.TransferCertificateInput{CertificateId: aws.String(id), TargetAwsAccount: aws.String(acctB)})
	requireCode[*types.InvalidRequestException](t, err, 400)
	if d := describe(t, c, id); d.Status != types.CertificateStatusInactive || aws.ToString(d.OwnedBy) != acctC {
		t.Fatalf("refused transfer left C's certificate %s owned by %s", d.Status, aws.ToString(d.OwnedBy))
	}
	if got := ids(listAll(t, b, false, 50)); !slices.Equal(got, []string{id}) {
		t.Fatalf("target lists %v, want the certificate once", got)
	}
	// After B accepts A's, C's copy can go elsewhere but not to B, which now owns one.
	must(b.AcceptCertificateTransfer(ctx, &iot.AcceptCertificateTransferInput{CertificateId: aws.String(id)})).T(t)
	_, err = c.TransferCertificate(ctx, &iot.TransferCertificateInput{CertificateId: aws.String(id), TargetAwsAccount: aws.String(acctB)})
	requireCode[*types.InvalidRequestException](t, err, 400)
	if d := describe(t, b, id); aws.ToString(d.OwnedBy) != acctB || aws.ToString(d.PreviousOwnedBy) != acctA {
		t.Fatalf("B's certificate owned by %s, previously %s", aws.ToString(d.OwnedBy), aws.ToString(d.PreviousOwnedBy))
	}
}

// TestNonTextInput sends members that are not text (NUL, or bytes that are not UTF-8
// inside an opaque marker) on SQLite and on PostgreSQL, whose text type cannot hold NUL:
// each is refused with InvalidRequestException (400) and changes nothing.
func TestNonTextInput(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		checkNonTextInput(t, MustServe(t, true))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		s, _ := mustServeConfig(t, Config{Postgres: pgtest.NewSchema(t), DataDir: t.TempDir(), Emulator: true})
		checkNonTextInput(t, s)
	})
}

func checkNonTextInput(t *testing.T, s *testServer) {
	ctx := context.Background()
	a := s.Account(acctA)
	id := newInactiveCert(t, a)
	must(a.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("text")})).T(t)
	before := describe(t, a, id)

	_, err := a.TransferCertificate(ctx, &iot.TransferCertificateInput{CertificateId: aws.String(id),
		TargetAwsAccount: aws.String(acctB), TransferMessage: aws.String("nul\x00here")})
	requireCode[*types.InvalidRequestException](t, err, 400)
	if d := describe(t, a, id); d.Status != before.Status || aws.ToInt32(d.CustomerVersion) != aws.ToInt32(before.CustomerVersion) {
		t.Fatalf("refused transfer changed the certificate: %s, version %d", d.Status, aws.ToInt32(d.CustomerVersion))
	}
	_, err = a.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String("nul"),
		PolicyDocument: aws.String("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iot:Connect\",\"Resource\":\"a\x00b\"}]}")})
	requireCode[*types.InvalidRequestException](t, err, 400)
	_, err = a.GetPolicy(ctx, &iot.GetPolicyInput{PolicyName: aws.String("nul")})
	requireCode[*types.ResourceNotFoundException](t, err, 404)

	// Markers are opaque, but a client can craft one: a name marker (kind 2) whose name is
	// NUL, or bytes that are not UTF-8.
	for _, name := range []string{"\x00", "\xff\xfe"} {
		marker := base64.StdEncoding.EncodeToString(append([]byte{2}, name...))
		_, err = a.ListThings(ctx, &iot.ListThingsInput{NextToken: aws.String(marker)})
		requireCode[*types.InvalidRequestException](t, err, 400)
		_, err = a.ListThingPrincipals(ctx, &iot.ListThingPrincipalsInput{ThingName: aws.String("text"), NextToken: aws.String(marker)})
		requireCode[*types.InvalidRequestException](t, err, 400)
		_, err = a.ListAttachedPolicies(ctx, &iot.ListAttachedPoliciesInput{Target: before.CertificateArn, Marker: aws.String(marker)})
		requireCode[*types.InvalidRequestException](t, err, 400)
	}
	// A policy marker (kind 3): creation time, then a name that is not UTF-8.
	policyMarker := base64.StdEncoding.EncodeToString(append([]byte{3, 0, 0, 0, 0, 0, 0, 0, 1}, 0xff))
	_, err = a.ListPolicies(ctx, &iot.ListPoliciesInput{Marker: aws.String(policyMarker)})
	requireCode[*types.InvalidRequestException](t, err, 400)
	//lint:ignore SA1019 the deprecated operation pages by the same kind of marker.
	_, err = a.ListPrincipalPolicies(ctx, &iot.ListPrincipalPoliciesInput{Principal: before.CertificateArn, Marker: aws.String(policyMarker)})
	requireCode[*types.InvalidRequestException](t, err, 400)

	// The server still serves the account normally.
	if d := describe(t, a, id); d.Status != types.CertificateStatusInactive {
		t.Fatalf("certificate is %s", d.Status)
	}
}

// TestIAMCertificateIDSpelling checks that a Deny naming a certificate by its ARN cannot be
// sidestepped by writing the ID in upper case, in a path or in a request-carried ARN: IAM
// evaluates the form the operation acts on.
func TestIAMCertificateIDSpelling(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s := mustServeIAM(t, Config{DataDir: dir})
	rootKey, rootSecret := firstCredentials(t, dir)
	acct := firstAccount(t, dir)
	root := s.Client(rootKey, rootSecret, "us-east-1")
	id := newInactiveCert(t, root)
	arn := "arn:aws:iot:us-east-1:" + acct + ":cert/" + id
	must(root.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String("spelled"), PolicyDocument: aws.String(testPolicyDoc)})).T(t)
	user, _ := newUser(t, s, dir, acct, "spelling", "us-east-1", statements(
		`{"Effect":"Allow","Action":"iot:*","Resource":"*"}`,
		`{"Effect":"Deny","Action":["iot:DescribeCertificate","iot:AttachPolicy"],"Resource":"`+arn+`"}`))

	_, err := user.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(strings.ToUpper(id))})
	requireDenied(t, err, "iot:DescribeCertificate")
	_, err = user.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String("spelled"), Target: aws.String(upperID(arn))})
	requireDenied(t, err, "iot:AttachPolicy")
	if got := ptAttachedPolicies(t, root, arn, 10); len(got) != 0 {
		t.Fatalf("denied attach attached %v", got)
	}
	// What the Deny does not name stays allowed.
	must(user.ListCertificates(ctx, &iot.ListCertificatesInput{})).T(t)
}

// TestCredentialScopeRegion checks that a credential scope whose region is not a region
// name is refused as AWS's front end refuses it (403 InvalidSignatureException), in
// emulator mode too: the region becomes part of every ARN the registry makes.
func TestCredentialScopeRegion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	// Regions the SDK itself sends (each a valid host label); the unit test in
	// internal/httpapi covers scopes the SDK would refuse to build.
	for _, region := range []string{"useast1", "us-east", "us-east-1a", "local"} {
		_, err := s.Client(acctA, "emulator-secret", region).ListCertificates(ctx, &iot.ListCertificatesInput{})
		if err == nil {
			t.Fatalf("region %q accepted", region)
		}
		requireAPIError(t, err, "InvalidSignatureException", 403)
	}
	for _, region := range []string{"us-east-1", "us-gov-west-1", "cn-north-1", "eusc-de-east-1", "ap-southeast-5"} {
		if _, err := s.Client(acctA, "emulator-secret", region).ListCertificates(ctx, &iot.ListCertificatesInput{}); err != nil {
			t.Fatalf("region %q: %v", region, err)
		}
	}
}

// TestMalformedInputs sends each operation of policies, things and CA certificates a
// malformed member it takes (a name outside its pattern, a principal that is neither a
// certificate ARN nor a Cognito identity, an ID that is not 64 hex digits, a version ID
// that is not a number) and checks the typed InvalidRequestException (400), and that
// nothing was created or changed.
func TestMalformedInputs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a := s.Account(acctA)
	must(a.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String("good"), PolicyDocument: aws.String(testPolicyDoc)})).T(t)
	must(a.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("good-thing")})).T(t)
	cert := ptNewCertARN(t, a)
	badName := "bad name!"
	thingARN := ptThingARN(acctA, "good-thing")
	cases := map[string]func() error{
		"AttachPolicy bad policy name": func() error {
			_, err := a.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String(badName), Target: aws.String(cert)})
			return err
		},
		"AttachPolicy target not an ARN": func() error {
			_, err := a.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String("good"), Target: aws.String("not-an-arn")})
			return err
		},
		"AttachPolicy target a thing": func() error {
			_, err := a.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String("good"), Target: aws.String(thingARN)})
			return err
		},
		"DetachPolicy bad policy name": func() error {
			_, err := a.DetachPolicy(ctx, &iot.DetachPolicyInput{PolicyName: aws.String(badName), Target: aws.String(cert)})
			return err
		},
		"DetachPolicy without target": func() error {
			_, err := a.DetachPolicy(ctx, &iot.DetachPolicyInput{PolicyName: aws.String("good"), Target: aws.String("")})
			return err
		},
		"AttachThingPrincipal bad thing name": func() error {
			_, err := a.AttachThingPrincipal(ctx, &iot.AttachThingPrincipalInput{ThingName: aws.String(badName), Principal: aws.String(cert)})
			return err
		},
		"AttachThingPrincipal principal not an ARN": func() error {
			_, err := a.AttachThingPrincipal(ctx, &iot.AttachThingPrincipalInput{ThingName: aws.String("good-thing"), Principal: aws.String("nobody")})
			return err
		},
		"DetachThingPrincipal bad thing name": func() error {
			_, err := a.DetachThingPrincipal(ctx, &iot.DetachThingPrincipalInput{ThingName: aws.String(badName), Principal: aws.String(cert)})
			return err
		},
		"DeleteThing bad name": func() error {
			_, err := a.DeleteThing(ctx, &iot.DeleteThingInput{ThingName: aws.String(badName)})
			return err
		},
		"DeletePolicyVersion version not a number": func() error {
			_, err := a.DeletePolicyVersion(ctx, &iot.DeletePolicyVersionInput{PolicyName: aws.String("good"), PolicyVersionId: aws.String("one")})
			return err
		},
		"UpdateCACertificate malformed ID": func() error {
			_, err := a.UpdateCACertificate(ctx, &iot.UpdateCACertificateInput{CertificateId: aws.String("abc"), NewStatus: types.CACertificateStatusActive})
			return err
		},
		"DeleteCACertificate malformed ID": func() error {
			_, err := a.DeleteCACertificate(ctx, &iot.DeleteCACertificateInput{CertificateId: aws.String(strings.Repeat("z", 64))})
			return err
		},
	}
	for name, call := range cases {
		t.Run(name, func(t *testing.T) {
			requireCode[*types.InvalidRequestException](t, call(), 400)
		})
	}
	if got := ptAttachedPolicies(t, a, cert, 10); len(got) != 0 {
		t.Fatalf("policies attached by refused calls: %v", got)
	}
	if got, _ := ptThingPrincipals(t, a, "good-thing", 10); len(got) != 0 {
		t.Fatalf("principals attached by refused calls: %v", got)
	}
	must(a.DescribeThing(ctx, &iot.DescribeThingInput{ThingName: aws.String("good-thing")})).T(t)
	if v := must(a.ListPolicyVersions(ctx, &iot.ListPolicyVersionsInput{PolicyName: aws.String("good")})).T(t); len(v.PolicyVersions) != 1 {
		t.Fatalf("policy has %d versions", len(v.PolicyVersions))
	}
}
