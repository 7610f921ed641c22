package main

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"
)

// ptCognitoID is an Amazon Cognito identity, the principal that is not a certificate.
const ptCognitoID = "us-east-1:12345678-1234-1234-1234-123456789012"

var ptHex64Pattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

func ptPolicyARN(account, name string) string {
	return "arn:aws:iot:us-east-1:" + account + ":policy/" + name
}

func ptThingARN(account, name string) string {
	return "arn:aws:iot:us-east-1:" + account + ":thing/" + name
}

// ptNewCertARN creates an inactive certificate and returns its ARN.
func ptNewCertARN(tb testing.TB, c *iot.Client) string {
	tb.Helper()
	out := must(c.CreateKeysAndCertificate(context.Background(), &iot.CreateKeysAndCertificateInput{})).T(tb)
	return aws.ToString(out.CertificateArn)
}

// ptAttachedPolicies pages through ListAttachedPolicies and returns the policy names.
func ptAttachedPolicies(tb testing.TB, c *iot.Client, target string, pageSize int32) []string {
	tb.Helper()
	var names []string
	p := iot.NewListAttachedPoliciesPaginator(c, &iot.ListAttachedPoliciesInput{Target: aws.String(target), PageSize: aws.Int32(pageSize)})
	for p.HasMorePages() {
		page := must(p.NextPage(context.Background())).T(tb)
		if len(page.Policies) > int(pageSize) {
			tb.Fatalf("page of %d policies with pageSize %d", len(page.Policies), pageSize)
		}
		for _, pol := range page.Policies {
			name := aws.ToString(pol.PolicyName)
			if got, want := aws.ToString(pol.PolicyArn), ptPolicyARN(acctA, name); got != want {
				tb.Fatalf("attached policy ARN %s, want %s", got, want)
			}
			names = append(names, name)
		}
		if page.NextMarker != nil && !ctMarkerPattern.MatchString(*page.NextMarker) {
			tb.Fatalf("marker %q does not match the Marker pattern", *page.NextMarker)
		}
	}
	return names
}

// ptThingPrincipals pages through ListThingPrincipals, returning the principals and the
// number of pages.
func ptThingPrincipals(tb testing.TB, c *iot.Client, thing string, max int32) ([]string, int) {
	tb.Helper()
	var out []string
	pages := 0
	p := iot.NewListThingPrincipalsPaginator(c, &iot.ListThingPrincipalsInput{ThingName: aws.String(thing), MaxResults: aws.Int32(max)})
	for p.HasMorePages() {
		page := must(p.NextPage(context.Background())).T(tb)
		pages++
		if pages > 100 {
			tb.Fatal("ListThingPrincipals paginator does not end")
		}
		if len(page.Principals) > int(max) {
			tb.Fatalf("page of %d principals with maxResults %d", len(page.Principals), max)
		}
		out = append(out, page.Principals...)
	}
	return out, pages
}

// ptPrincipalThings pages through ListPrincipalThings, returning the thing names and the
// number of pages.
func ptPrincipalThings(tb testing.TB, c *iot.Client, principal string, max int32) ([]string, int) {
	tb.Helper()
	var out []string
	pages := 0
	p := iot.NewListPrincipalThingsPaginator(c, &iot.ListPrincipalThingsInput{Principal: aws.String(principal), MaxResults: aws.Int32(max)})
	for p.HasMorePages() {
		page := must(p.NextPage(context.Background())).T(tb)
		pages++
		if pages > 100 {
			tb.Fatal("ListPrincipalThings paginator does not end")
		}
		if len(page.Things) > int(max) {
			tb.Fatalf("page of %d things with maxResults %d", len(page.Things), max)
		}
		out = append(out, page.Things...)
	}
	return out, pages
}

// sameSet reports whether two lists hold the same elements, each once.
func ptSameSet(got, want []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want)))
}

// TestPolicyLifecycle checks CreatePolicy, GetPolicy and DeletePolicy.
func TestPolicyLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a, b := s.Account(acctA), s.Account(acctB)
	create := func(c *iot.Client, name, doc string) (*iot.CreatePolicyOutput, error) {
		return c.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(doc)})
	}

	// Policy names may hold + = , . @ -, which travel percent-encoded in the path.
	for _, name := range []string{"p-basic", "dev+ops=1,a.b@c-d_e", stringOf('n', 128)} {
		t.Run("create and get "+name[:min(len(name), 20)], func(t *testing.T) {
			out := must(create(a, name, testPolicyDoc)).T(t)
			if aws.ToString(out.PolicyName) != name || aws.ToString(out.PolicyArn) != ptPolicyARN(acctA, name) ||
				aws.ToString(out.PolicyDocument) != testPolicyDoc || aws.ToString(out.PolicyVersionId) != "1" {
				t.Fatalf("CreatePolicy returned name %q arn %q version %q document %q", aws.ToString(out.PolicyName),
					aws.ToString(out.PolicyArn), aws.ToString(out.PolicyVersionId), aws.ToString(out.PolicyDocument))
			}
			got := must(a.GetPolicy(ctx, &iot.GetPolicyInput{PolicyName: aws.String(name)})).T(t)
			if aws.ToString(got.PolicyName) != name || aws.ToString(got.PolicyArn) != ptPolicyARN(acctA, name) ||
				aws.ToString(got.PolicyDocument) != testPolicyDoc || aws.ToString(got.DefaultVersionId) != "1" {
				t.Fatalf("GetPolicy returned name %q arn %q defaultVersionId %q document %q", aws.ToString(got.PolicyName),
					aws.ToString(got.PolicyArn), aws.ToString(got.DefaultVersionId), aws.ToString(got.PolicyDocument))
			}
			now := time.Now()
			for field, ts := range map[string]*time.Time{"creationDate": got.CreationDate, "lastModifiedDate": got.LastModifiedDate} {
				if ts == nil || now.Sub(*ts) > 5*time.Second || now.Sub(*ts) < -5*time.Second {
					t.Fatalf("%s = %v, want about now", field, ts)
				}
			}
			if !ptHex64Pattern.MatchString(aws.ToString(got.GenerationId)) {
				t.Fatalf("generationId %q, want 64 hex digits", aws.ToString(got.GenerationId))
			}
			_, err := create(a, name, testPolicyDoc)
			requireCode[*types.ResourceAlreadyExistsException](t, err, 409)
			// Names are per account.
			must(create(b, name, testPolicyDoc)).T(t)
		})
	}

	t.Run("malformed documents", func(t *testing.T) {
		docs := map[string]string{
			"not JSON":          `Version: 2012-10-17`,
			"truncated JSON":    `{"Version":"2012-10-17","Statement":[`,
			"no Version":        `{"Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}`,
			"unknown Version":   `{"Version":"2020-01-01","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}`,
			"no Statement":      `{"Version":"2012-10-17"}`,
			"empty Statement":   `{"Version":"2012-10-17","Statement":[]}`,
			"bad Effect":        `{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"iot:Connect","Resource":"*"}]}`,
			"no Effect":         `{"Version":"2012-10-17","Statement":[{"Action":"iot:Connect","Resource":"*"}]}`,
			"no Action":         `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}`,
			"empty Action list": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}`,
			"no Resource":       `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect"}]}`,
			"too long":          `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"` + stringOf('r', 2100) + `"}]}`,
		}
		for name, doc := range docs {
			t.Run(name, func(t *testing.T) {
				_, err := create(a, "p-malformed", doc)
				requireCode[*types.MalformedPolicyException](t, err, 400)
			})
		}
		_, err := a.GetPolicy(ctx, &iot.GetPolicyInput{PolicyName: aws.String("p-malformed")})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		// A single statement object and lists of actions and resources are well formed.
		must(create(a, "p-object-statement", `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":["iot:Publish","iot:Receive"],"Resource":["arn:aws:iot:us-east-1:111111111111:topic/a"]}}`)).T(t)
	})

	t.Run("bad names", func(t *testing.T) {
		for _, name := range []string{"bad name", stringOf('n', 129), "bad/name", "bad:name", "bäd"} {
			_, err := create(a, name, testPolicyDoc)
			requireCode[*types.InvalidRequestException](t, err, 400)
			_, err = a.GetPolicy(ctx, &iot.GetPolicyInput{PolicyName: aws.String(name)})
			requireCode[*types.InvalidRequestException](t, err, 400)
		}
	})

	t.Run("get unknown", func(t *testing.T) {
		_, err := a.GetPolicy(ctx, &iot.GetPolicyInput{PolicyName: aws.String("p-unknown")})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		must(create(b, "p-only-b", testPolicyDoc)).T(t)
		_, err = a.GetPolicy(ctx, &iot.GetPolicyInput{PolicyName: aws.String("p-only-b")})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		_, err = a.DeletePolicy(ctx, &iot.DeletePolicyInput{PolicyName: aws.String("p-only-b")})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
	})

	t.Run("delete", func(t *testing.T) {
		const name = "p-delete+attached"
		must(create(a, name, testPolicyDoc)).T(t)
		arn := ptNewCertARN(t, a)
		must(a.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String(name), Target: aws.String(arn)})).T(t)
		_, err := a.DeletePolicy(ctx, &iot.DeletePolicyInput{PolicyName: aws.String(name)})
		requireCode[*types.DeleteConflictException](t, err, 409)
		must(a.GetPolicy(ctx, &iot.GetPolicyInput{PolicyName: aws.String(name)})).T(t)
		must(a.DetachPolicy(ctx, &iot.DetachPolicyInput{PolicyName: aws.String(name), Target: aws.String(arn)})).T(t)
		must(a.DeletePolicy(ctx, &iot.DeletePolicyInput{PolicyName: aws.String(name)})).T(t)
		_, err = a.GetPolicy(ctx, &iot.GetPolicyInput{PolicyName: aws.String(name)})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		_, err = a.DeletePolicy(ctx, &iot.DeletePolicyInput{PolicyName: aws.String(name)})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		// The name is free again.
		must(create(a, name, testPolicyDoc)).T(t)
	})
}

// TestPolicyAttach checks AttachPolicy, DetachPolicy and ListAttachedPolicies on
// certificate targets.
func TestPolicyAttach(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a, b := s.Account(acctA), s.Account(acctB)
	for i := range 12 {
		must(a.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String(fmt.Sprintf("p%02d", i)), PolicyDocument: aws.String(testPolicyDoc)})).T(t)
	}
	must(a.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String("p+special=1,x@y.z"), PolicyDocument: aws.String(testPolicyDoc)})).T(t)
	attach := func(c *iot.Client, policy, target string) error {
		_, err := c.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String(policy), Target: aws.String(target)})
		return err
	}
	detach := func(c *iot.Client, policy, target string) error {
		_, err := c.DetachPolicy(ctx, &iot.DetachPolicyInput{PolicyName: aws.String(policy), Target: aws.String(target)})
		return err
	}

	t.Run("attach, list, detach", func(t *testing.T) {
		arn := ptNewCertARN(t, a)
		if got := ptAttachedPolicies(t, a, arn, 25); len(got) != 0 {
			t.Fatalf("new certificate has policies %v", got)
		}
		for range 2 {
			if err := attach(a, "p00", arn); err != nil {
				t.Fatalf("attach: %v", err)
			}
		}
		if err := attach(a, "p+special=1,x@y.z", arn); err != nil {
			t.Fatalf("attach special name: %v", err)
		}
		if got := ptAttachedPolicies(t, a, arn, 25); !ptSameSet(got, []string{"p00", "p+special=1,x@y.z"}) {
			t.Fatalf("attached policies %v, want p00 and p+special=1,x@y.z once each", got)
		}
		if err := detach(a, "p00", arn); err != nil {
			t.Fatal(err)
		}
		if got := ptAttachedPolicies(t, a, arn, 25); !slices.Equal(got, []string{"p+special=1,x@y.z"}) {
			t.Fatalf("after detach: %v", got)
		}
		// Detaching what is not attached succeeds and changes nothing.
		if err := detach(a, "p00", arn); err != nil {
			t.Fatalf("detach again: %v", err)
		}
		if err := detach(a, "p01", arn); err != nil {
			t.Fatalf("detach of a never-attached policy: %v", err)
		}
		if got := ptAttachedPolicies(t, a, arn, 25); !slices.Equal(got, []string{"p+special=1,x@y.z"}) {
			t.Fatalf("after detaching unattached policies: %v", got)
		}
	})

	t.Run("Cognito identity", func(t *testing.T) {
		if err := attach(a, "p02", ptCognitoID); err != nil {
			t.Fatalf("attach to Cognito identity: %v", err)
		}
		if got := ptAttachedPolicies(t, a, ptCognitoID, 25); !slices.Equal(got, []string{"p02"}) {
			t.Fatalf("Cognito identity's policies %v", got)
		}
		if err := detach(a, "p02", ptCognitoID); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("not found", func(t *testing.T) {
		arn := ptNewCertARN(t, a)
		requireCode[*types.ResourceNotFoundException](t, attach(a, "p-unknown", arn), 404)
		bARN := ptNewCertARN(t, b)
		requireCode[*types.ResourceNotFoundException](t, attach(a, "p00", bARN), 404)
		unknown := ctCertARN("us-east-1", acctA, stringOf('e', 64))
		requireCode[*types.ResourceNotFoundException](t, attach(a, "p00", unknown), 404)
		// A's certificate ARN is not B's to use, even with a policy B has.
		must(b.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String("p00"), PolicyDocument: aws.String(testPolicyDoc)})).T(t)
		requireCode[*types.ResourceNotFoundException](t, attach(b, "p00", arn), 404)
		for _, target := range []string{unknown, bARN} {
			_, err := a.ListAttachedPolicies(ctx, &iot.ListAttachedPoliciesInput{Target: aws.String(target)})
			requireCode[*types.ResourceNotFoundException](t, err, 404)
		}
		if got := ptAttachedPolicies(t, a, arn, 25); len(got) != 0 {
			t.Fatalf("refused attachments left policies %v", got)
		}
	})

	t.Run("limit", func(t *testing.T) {
		arn := ptNewCertARN(t, a)
		for i := range 10 {
			if err := attach(a, fmt.Sprintf("p%02d", i), arn); err != nil {
				t.Fatalf("policy %d: %v", i+1, err)
			}
		}
		requireCode[*types.LimitExceededException](t, attach(a, "p10", arn), 410)
		if got := ptAttachedPolicies(t, a, arn, 250); len(got) != 10 {
			t.Fatalf("%d policies attached, want 10", len(got))
		}
		// Room again after a detach.
		if err := detach(a, "p00", arn); err != nil {
			t.Fatal(err)
		}
		if err := attach(a, "p10", arn); err != nil {
			t.Fatalf("attach after detach: %v", err)
		}
	})

	t.Run("paging", func(t *testing.T) {
		arn := ptNewCertARN(t, a)
		want := []string{"p03", "p04", "p05", "p06", "p07"}
		for _, p := range want {
			if err := attach(a, p, arn); err != nil {
				t.Fatal(err)
			}
		}
		pages := 0
		var got []string
		p := iot.NewListAttachedPoliciesPaginator(a, &iot.ListAttachedPoliciesInput{Target: aws.String(arn), PageSize: aws.Int32(2)})
		for p.HasMorePages() {
			page := must(p.NextPage(ctx)).T(t)
			pages++
			if pages > 5 {
				t.Fatal("paginator does not end")
			}
			if len(page.Policies) > 2 {
				t.Fatalf("page of %d policies with pageSize 2", len(page.Policies))
			}
			for _, pol := range page.Policies {
				got = append(got, aws.ToString(pol.PolicyName))
			}
		}
		if pages != 3 || !ptSameSet(got, want) {
			t.Fatalf("%d pages holding %v, want 3 pages holding %v once each", pages, got, want)
		}
		for _, size := range []int32{0, 251} {
			_, err := a.ListAttachedPolicies(ctx, &iot.ListAttachedPoliciesInput{Target: aws.String(arn), PageSize: aws.Int32(size)})
			requireCode[*types.InvalidRequestException](t, err, 400)
		}
		_, err := a.ListAttachedPolicies(ctx, &iot.ListAttachedPoliciesInput{Target: aws.String(arn), Marker: aws.String("not a marker!")})
		requireCode[*types.InvalidRequestException](t, err, 400)
	})
}

// TestThingLifecycle checks CreateThing, DescribeThing and DeleteThing.
func TestThingLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a := s.Account(acctA)
	create := func(name string, attrs map[string]string) (*iot.CreateThingOutput, error) {
		in := &iot.CreateThingInput{ThingName: aws.String(name)}
		if attrs != nil {
			in.AttributePayload = &types.AttributePayload{Attributes: attrs}
		}
		return a.CreateThing(ctx, in)
	}
	deleteThing := func(name string, version *int64) error {
		_, err := a.DeleteThing(ctx, &iot.DeleteThingInput{ThingName: aws.String(name), ExpectedVersion: version})
		return err
	}

	t.Run("create and describe", func(t *testing.T) {
		for _, name := range []string{"sensor-1", "kitchen:oven_2", stringOf('t', 128)} {
			attrs := map[string]string{"model": "x1", "serial": "a-b_c.d,e@f/g:h#i", "empty": ""}
			out := must(create(name, attrs)).T(t)
			id := aws.ToString(out.ThingId)
			if aws.ToString(out.ThingName) != name || aws.ToString(out.ThingArn) != ptThingARN(acctA, name) || !ctUUIDPattern.MatchString(id) {
				t.Fatalf("CreateThing returned name %q arn %q id %q", aws.ToString(out.ThingName), aws.ToString(out.ThingArn), id)
			}
			d := must(a.DescribeThing(ctx, &iot.DescribeThingInput{ThingName: aws.String(name)})).T(t)
			if aws.ToString(d.ThingName) != name || aws.ToString(d.ThingArn) != ptThingARN(acctA, name) || aws.ToString(d.ThingId) != id ||
				aws.ToString(d.DefaultClientId) != name || d.Version != 1 {
				t.Fatalf("DescribeThing: name %q arn %q id %q defaultClientId %q version %d", aws.ToString(d.ThingName),
					aws.ToString(d.ThingArn), aws.ToString(d.ThingId), aws.ToString(d.DefaultClientId), d.Version)
			}
			if len(d.Attributes) != len(attrs) {
				t.Fatalf("attributes %v, want %v", d.Attributes, attrs)
			}
			for k, v := range attrs {
				if got, ok := d.Attributes[k]; !ok || got != v {
					t.Fatalf("attributes %v, want %v", d.Attributes, attrs)
				}
			}
			// The same thing again is the same thing.
			again := must(create(name, map[string]string{"empty": "", "serial": "a-b_c.d,e@f/g:h#i", "model": "x1"})).T(t)
			if aws.ToString(again.ThingId) != id || aws.ToString(again.ThingArn) != ptThingARN(acctA, name) {
				t.Fatalf("CreateThing again returned id %q, want %q", aws.ToString(again.ThingId), id)
			}
			// With other attributes it is a conflict.
			for _, other := range []map[string]string{{"model": "x2", "serial": "a-b_c.d,e@f/g:h#i", "empty": ""}, nil, {"model": "x1"}} {
				_, err := create(name, other)
				e := requireCode[*types.ResourceAlreadyExistsException](t, err, 409)
				if aws.ToString(e.ResourceId) != id || aws.ToString(e.ResourceArn) != ptThingARN(acctA, name) {
					t.Fatalf("resourceId %q resourceArn %q, want the thing's ID %q and ARN", aws.ToString(e.ResourceId), aws.ToString(e.ResourceArn), id)
				}
			}
			if d := must(a.DescribeThing(ctx, &iot.DescribeThingInput{ThingName: aws.String(name)})).T(t); d.Attributes["model"] != "x1" || d.Version != 1 {
				t.Fatalf("refused CreateThing changed the thing: %v version %d", d.Attributes, d.Version)
			}
		}
		// A thing without attributes, created twice.
		first := must(create("bare", nil)).T(t)
		second := must(create("bare", nil)).T(t)
		if aws.ToString(first.ThingId) != aws.ToString(second.ThingId) {
			t.Fatalf("bare thing created twice got IDs %s and %s", aws.ToString(first.ThingId), aws.ToString(second.ThingId))
		}
		if d := must(a.DescribeThing(ctx, &iot.DescribeThingInput{ThingName: aws.String("bare")})).T(t); len(d.Attributes) != 0 {
			t.Fatalf("bare thing has attributes %v", d.Attributes)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		for _, name := range []string{"bad name", stringOf('t', 129), "bad/name", "bad.name", "bäd"} {
			_, err := create(name, nil)
			requireCode[*types.InvalidRequestException](t, err, 400)
			_, err = a.DescribeThing(ctx, &iot.DescribeThingInput{ThingName: aws.String(name)})
			requireCode[*types.InvalidRequestException](t, err, 400)
		}
		_, err := create("four-attrs", map[string]string{"a": "1", "b": "2", "c": "3", "d": "4"})
		requireCode[*types.InvalidRequestException](t, err, 400)
		_, err = create("bad-attr-name", map[string]string{"bad name": "1"})
		requireCode[*types.InvalidRequestException](t, err, 400)
		_, err = create("bad-attr-value", map[string]string{"a": "bad value"})
		requireCode[*types.InvalidRequestException](t, err, 400)
		for _, name := range []string{"four-attrs", "bad-attr-name", "bad-attr-value"} {
			_, err = a.DescribeThing(ctx, &iot.DescribeThingInput{ThingName: aws.String(name)})
			requireCode[*types.ResourceNotFoundException](t, err, 404)
		}
		must(create("three-attrs", map[string]string{"a": "1", "b": "2", "c": "3"})).T(t)
	})

	t.Run("describe unknown", func(t *testing.T) {
		_, err := a.DescribeThing(ctx, &iot.DescribeThingInput{ThingName: aws.String("no-such-thing")})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		must(create("only-in-a", nil)).T(t)
		_, err = s.Account(acctB).DescribeThing(ctx, &iot.DescribeThingInput{ThingName: aws.String("only-in-a")})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		_, err = s.Client(acctA, "x", "eu-west-1").DescribeThing(ctx, &iot.DescribeThingInput{ThingName: aws.String("only-in-a")})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
	})

	t.Run("delete", func(t *testing.T) {
		if err := deleteThing("never-existed", nil); err != nil {
			t.Fatalf("DeleteThing of an unknown thing: %v", err)
		}
		if err := deleteThing("never-existed", aws.Int64(3)); err != nil {
			t.Fatalf("DeleteThing of an unknown thing with a version: %v", err)
		}
		must(create("to-delete", nil)).T(t)
		requireCode[*types.VersionConflictException](t, deleteThing("to-delete", aws.Int64(2)), 409)
		must(a.DescribeThing(ctx, &iot.DescribeThingInput{ThingName: aws.String("to-delete")})).T(t)
		if err := deleteThing("to-delete", aws.Int64(1)); err != nil {
			t.Fatalf("DeleteThing with the right version: %v", err)
		}
		_, err := a.DescribeThing(ctx, &iot.DescribeThingInput{ThingName: aws.String("to-delete")})
		requireCode[*types.ResourceNotFoundException](t, err, 404)

		must(create("with-principal", nil)).T(t)
		arn := ptNewCertARN(t, a)
		must(a.AttachThingPrincipal(ctx, &iot.AttachThingPrincipalInput{ThingName: aws.String("with-principal"), Principal: aws.String(arn)})).T(t)
		requireCode[*types.InvalidRequestException](t, deleteThing("with-principal", nil), 400)
		must(a.DescribeThing(ctx, &iot.DescribeThingInput{ThingName: aws.String("with-principal")})).T(t)
		must(a.DetachThingPrincipal(ctx, &iot.DetachThingPrincipalInput{ThingName: aws.String("with-principal"), Principal: aws.String(arn)})).T(t)
		if err := deleteThing("with-principal", nil); err != nil {
			t.Fatalf("DeleteThing after detaching: %v", err)
		}
		// A deleted thing's name can be used again, for a new thing.
		out := must(create("to-delete", nil)).T(t)
		if !ctUUIDPattern.MatchString(aws.ToString(out.ThingId)) {
			t.Fatalf("thingId %q", aws.ToString(out.ThingId))
		}
	})
}

// TestThingPrincipals checks AttachThingPrincipal, DetachThingPrincipal and the two
// listings.
func TestThingPrincipals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a := s.Account(acctA)
	for _, name := range []string{"thing-1", "thing-2", "thing-3", "thing:4"} {
		must(a.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String(name)})).T(t)
	}
	attach := func(thing, principal string, typ types.ThingPrincipalType) error {
		_, err := a.AttachThingPrincipal(ctx, &iot.AttachThingPrincipalInput{ThingName: aws.String(thing), Principal: aws.String(principal), ThingPrincipalType: typ})
		return err
	}
	detach := func(thing, principal string) error {
		_, err := a.DetachThingPrincipal(ctx, &iot.DetachThingPrincipalInput{ThingName: aws.String(thing), Principal: aws.String(principal)})
		return err
	}
	cert1, cert2, cert3 := ptNewCertARN(t, a), ptNewCertARN(t, a), ptNewCertARN(t, a)

	// cert1 on two things (non-exclusive by default), thing-1 with three principals.
	for _, step := range []struct{ thing, principal string }{
		{"thing-1", cert1}, {"thing-2", cert1}, {"thing-1", cert2}, {"thing-1", ptCognitoID},
	} {
		if err := attach(step.thing, step.principal, ""); err != nil {
			t.Fatalf("attach %s to %s: %v", step.principal, step.thing, err)
		}
	}
	if err := attach("thing-1", cert1, ""); err != nil {
		t.Fatalf("attach again: %v", err)
	}
	if err := attach("thing-1", cert1, types.ThingPrincipalTypeNonExclusiveThing); err != nil {
		t.Fatalf("attach again as NON_EXCLUSIVE_THING: %v", err)
	}

	t.Run("list", func(t *testing.T) {
		got, pages := ptThingPrincipals(t, a, "thing-1", 1)
		if pages != 3 || !ptSameSet(got, []string{cert1, cert2, ptCognitoID}) {
			t.Fatalf("thing-1 principals over %d pages: %v", pages, got)
		}
		got, _ = ptThingPrincipals(t, a, "thing-2", 25)
		if !slices.Equal(got, []string{cert1}) {
			t.Fatalf("thing-2 principals %v", got)
		}
		got, _ = ptThingPrincipals(t, a, "thing-3", 25)
		if len(got) != 0 {
			t.Fatalf("thing-3 principals %v", got)
		}
		things, pages := ptPrincipalThings(t, a, cert1, 1)
		if pages != 2 || !ptSameSet(things, []string{"thing-1", "thing-2"}) {
			t.Fatalf("cert1's things over %d pages: %v", pages, things)
		}
		things, _ = ptPrincipalThings(t, a, ptCognitoID, 25)
		if !slices.Equal(things, []string{"thing-1"}) {
			t.Fatalf("Cognito identity's things %v", things)
		}
		things, _ = ptPrincipalThings(t, a, cert3, 25)
		if len(things) != 0 {
			t.Fatalf("cert3's things %v", things)
		}
		for _, max := range []int32{0, 251} {
			_, err := a.ListThingPrincipals(ctx, &iot.ListThingPrincipalsInput{ThingName: aws.String("thing-1"), MaxResults: aws.Int32(max)})
			requireCode[*types.InvalidRequestException](t, err, 400)
			_, err = a.ListPrincipalThings(ctx, &iot.ListPrincipalThingsInput{Principal: aws.String(cert1), MaxResults: aws.Int32(max)})
			requireCode[*types.InvalidRequestException](t, err, 400)
		}
		_, err := a.ListThingPrincipals(ctx, &iot.ListThingPrincipalsInput{ThingName: aws.String("thing-1"), NextToken: aws.String("garbage!")})
		requireCode[*types.InvalidRequestException](t, err, 400)
	})

	t.Run("exclusive", func(t *testing.T) {
		// cert1 is on two things already.
		requireCode[*types.InvalidRequestException](t, attach("thing-3", cert1, types.ThingPrincipalTypeExclusiveThing), 400)
		// cert3 exclusively on thing-3; nothing else may then take it.
		if err := attach("thing-3", cert3, types.ThingPrincipalTypeExclusiveThing); err != nil {
			t.Fatalf("exclusive attach: %v", err)
		}
		if err := attach("thing-3", cert3, types.ThingPrincipalTypeExclusiveThing); err != nil {
			t.Fatalf("exclusive attach again: %v", err)
		}
		requireCode[*types.InvalidRequestException](t, attach("thing:4", cert3, ""), 400)
		requireCode[*types.InvalidRequestException](t, attach("thing:4", cert3, types.ThingPrincipalTypeExclusiveThing), 400)
		requireCode[*types.InvalidRequestException](t, attach("thing-3", cert3, types.ThingPrincipalType("SOMETIMES")), 400)
		things, _ := ptPrincipalThings(t, a, cert3, 25)
		if !slices.Equal(things, []string{"thing-3"}) {
			t.Fatalf("cert3's things %v", things)
		}
		// Once detached it is free again.
		if err := detach("thing-3", cert3); err != nil {
			t.Fatal(err)
		}
		if err := attach("thing:4", cert3, ""); err != nil {
			t.Fatalf("attach to thing:4 after detach: %v", err)
		}
		got, _ := ptThingPrincipals(t, a, "thing:4", 25)
		if !slices.Equal(got, []string{cert3}) {
			t.Fatalf("thing:4 principals %v", got)
		}
	})

	t.Run("not found", func(t *testing.T) {
		requireCode[*types.ResourceNotFoundException](t, attach("no-such-thing", cert2, ""), 404)
		unknown := ctCertARN("us-east-1", acctA, stringOf('f', 64))
		requireCode[*types.ResourceNotFoundException](t, attach("thing-2", unknown, ""), 404)
		other := ptNewCertARN(t, s.Account(acctB))
		requireCode[*types.ResourceNotFoundException](t, attach("thing-2", other, ""), 404)
		_, err := a.ListPrincipalThings(ctx, &iot.ListPrincipalThingsInput{Principal: aws.String(unknown)})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		_, err = a.ListPrincipalThings(ctx, &iot.ListPrincipalThingsInput{Principal: aws.String(other)})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		_, err = a.ListThingPrincipals(ctx, &iot.ListThingPrincipalsInput{ThingName: aws.String("no-such-thing")})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		requireCode[*types.ResourceNotFoundException](t, detach("no-such-thing", cert2), 404)
		got, _ := ptThingPrincipals(t, a, "thing-2", 25)
		if !slices.Equal(got, []string{cert1}) {
			t.Fatalf("refused attachments changed thing-2: %v", got)
		}
	})

	t.Run("detach", func(t *testing.T) {
		if err := detach("thing-2", cert1); err != nil {
			t.Fatal(err)
		}
		if err := detach("thing-2", cert1); err != nil {
			t.Fatalf("detach again: %v", err)
		}
		if err := detach("thing-2", cert2); err != nil {
			t.Fatalf("detach of a never-attached principal: %v", err)
		}
		things, _ := ptPrincipalThings(t, a, cert1, 25)
		if !slices.Equal(things, []string{"thing-1"}) {
			t.Fatalf("cert1's things after detach: %v", things)
		}
		if err := detach("thing-1", ptCognitoID); err != nil {
			t.Fatal(err)
		}
		got, _ := ptThingPrincipals(t, a, "thing-1", 25)
		if !ptSameSet(got, []string{cert1, cert2}) {
			t.Fatalf("thing-1 principals after detach: %v", got)
		}
		// With cert1 on only one thing now, it can be made exclusive elsewhere after one more detach.
		if err := detach("thing-1", cert1); err != nil {
			t.Fatal(err)
		}
		if err := attach("thing-2", cert1, types.ThingPrincipalTypeExclusiveThing); err != nil {
			t.Fatalf("exclusive attach of a free certificate: %v", err)
		}
	})
}

// TestPolicyThingPendingTransfer checks that a certificate pending transfer takes no new
// attachments of either kind.
func TestPolicyThingPendingTransfer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a, b := s.Account(acctA), s.Account(acctB)
	arn := ptNewCertARN(t, a)
	id := arn[len(arn)-64:]
	must(a.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String("p-pending"), PolicyDocument: aws.String(testPolicyDoc)})).T(t)
	must(a.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("thing-pending")})).T(t)
	must(a.TransferCertificate(ctx, &iot.TransferCertificateInput{CertificateId: aws.String(id), TargetAwsAccount: aws.String(acctB)})).T(t)

	_, err := a.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String("p-pending"), Target: aws.String(arn)})
	requireCode[*types.InvalidRequestException](t, err, 400)
	_, err = a.AttachThingPrincipal(ctx, &iot.AttachThingPrincipalInput{ThingName: aws.String("thing-pending"), Principal: aws.String(arn)})
	requireCode[*types.InvalidRequestException](t, err, 400)
	if got := ptAttachedPolicies(t, a, arn, 25); len(got) != 0 {
		t.Fatalf("pending certificate has policies %v", got)
	}
	if got, _ := ptThingPrincipals(t, a, "thing-pending", 25); len(got) != 0 {
		t.Fatalf("thing has principals %v", got)
	}

	// The target, under the ARN it sees, cannot attach either, with the same answer.
	targetARN := ctCertARN("us-east-1", acctB, id)
	must(b.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String("p-pending"), PolicyDocument: aws.String(testPolicyDoc)})).T(t)
	must(b.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("thing-pending")})).T(t)
	_, err = b.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String("p-pending"), Target: aws.String(targetARN)})
	requireCode[*types.InvalidRequestException](t, err, 400)
	_, err = b.AttachThingPrincipal(ctx, &iot.AttachThingPrincipalInput{ThingName: aws.String("thing-pending"), Principal: aws.String(targetARN)})
	requireCode[*types.InvalidRequestException](t, err, 400)
	if got := ptAttachedPolicies(t, b, targetARN, 25); len(got) != 0 {
		t.Fatalf("the target lists policies %v on the pending certificate", got)
	}
	if got, _ := ptPrincipalThings(t, b, targetARN, 25); len(got) != 0 {
		t.Fatalf("the target lists things %v on the pending certificate", got)
	}

	// Once the source cancels, attaching works again.
	must(a.CancelCertificateTransfer(ctx, &iot.CancelCertificateTransferInput{CertificateId: aws.String(id)})).T(t)
	must(a.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String("p-pending"), Target: aws.String(arn)})).T(t)
	must(a.AttachThingPrincipal(ctx, &iot.AttachThingPrincipalInput{ThingName: aws.String("thing-pending"), Principal: aws.String(arn)})).T(t)
}
