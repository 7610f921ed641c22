package main

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"
)

// pvDoc returns a well-formed policy document that names n, so that versions differ.
func pvDoc(n int) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"arn:aws:iot:us-east-1:111111111111:client/c%d"}]}`, n)
}

// pvVersions returns ListPolicyVersions as "ID" or "ID*" for the default, in order.
func pvVersions(tb testing.TB, c *iot.Client, name string) []string {
	tb.Helper()
	out := must(c.ListPolicyVersions(context.Background(), &iot.ListPolicyVersionsInput{PolicyName: aws.String(name)})).T(tb)
	var got []string
	for _, v := range out.PolicyVersions {
		id := aws.ToString(v.VersionId)
		if v.IsDefaultVersion {
			id += "*"
		}
		if v.CreateDate == nil || time.Since(*v.CreateDate) > time.Minute {
			tb.Fatalf("version %s createDate %v", id, v.CreateDate)
		}
		got = append(got, id)
	}
	return got
}

// TestPolicyVersions checks the policy-version operations and what they do to GetPolicy
// and DeletePolicy.
func TestPolicyVersions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a, b := s.Account(acctA), s.Account(acctB)
	const name = "p-versions"
	must(a.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(pvDoc(1))})).T(t)
	createVersion := func(doc string, setAsDefault bool) (*iot.CreatePolicyVersionOutput, error) {
		return a.CreatePolicyVersion(ctx, &iot.CreatePolicyVersionInput{PolicyName: aws.String(name),
			PolicyDocument: aws.String(doc), SetAsDefault: setAsDefault})
	}
	getPolicy := func() *iot.GetPolicyOutput {
		t.Helper()
		return must(a.GetPolicy(ctx, &iot.GetPolicyInput{PolicyName: aws.String(name)})).T(t)
	}
	getVersion := func(id string) (*iot.GetPolicyVersionOutput, error) {
		return a.GetPolicyVersion(ctx, &iot.GetPolicyVersionInput{PolicyName: aws.String(name), PolicyVersionId: aws.String(id)})
	}
	setDefault := func(id string) error {
		_, err := a.SetDefaultPolicyVersion(ctx, &iot.SetDefaultPolicyVersionInput{PolicyName: aws.String(name), PolicyVersionId: aws.String(id)})
		return err
	}
	deleteVersion := func(id string) error {
		_, err := a.DeletePolicyVersion(ctx, &iot.DeletePolicyVersionInput{PolicyName: aws.String(name), PolicyVersionId: aws.String(id)})
		return err
	}
	deletePolicy := func() error {
		_, err := a.DeletePolicy(ctx, &iot.DeletePolicyInput{PolicyName: aws.String(name)})
		return err
	}

	if got := pvVersions(t, a, name); !slices.Equal(got, []string{"1*"}) {
		t.Fatalf("versions of a new policy: %v", got)
	}
	before := getPolicy()

	t.Run("a version that is not the default", func(t *testing.T) {
		out := must(createVersion(pvDoc(2), false)).T(t)
		if aws.ToString(out.PolicyVersionId) != "2" || out.IsDefaultVersion || aws.ToString(out.PolicyDocument) != pvDoc(2) ||
			aws.ToString(out.PolicyArn) != ptPolicyARN(acctA, name) {
			t.Fatalf("CreatePolicyVersion returned %+v", out)
		}
		p := getPolicy()
		if aws.ToString(p.PolicyDocument) != pvDoc(1) || aws.ToString(p.DefaultVersionId) != "1" {
			t.Fatalf("GetPolicy after a non-default version: default %s document %s", aws.ToString(p.DefaultVersionId), aws.ToString(p.PolicyDocument))
		}
		if aws.ToString(p.GenerationId) == aws.ToString(before.GenerationId) || p.LastModifiedDate.Before(*before.LastModifiedDate) {
			t.Errorf("a new version left generationId %s lastModifiedDate %v", aws.ToString(p.GenerationId), p.LastModifiedDate)
		}
		if !p.CreationDate.Equal(*before.CreationDate) {
			t.Errorf("creationDate changed from %v to %v", before.CreationDate, p.CreationDate)
		}
		v := must(getVersion("2")).T(t)
		if aws.ToString(v.PolicyName) != name || aws.ToString(v.PolicyArn) != ptPolicyARN(acctA, name) ||
			aws.ToString(v.PolicyDocument) != pvDoc(2) || aws.ToString(v.PolicyVersionId) != "2" || v.IsDefaultVersion {
			t.Fatalf("GetPolicyVersion 2: %+v", v)
		}
		if v.CreationDate == nil || v.LastModifiedDate == nil || aws.ToString(v.GenerationId) != aws.ToString(p.GenerationId) {
			t.Errorf("GetPolicyVersion dates %v %v, generationId %s (policy's %s)", v.CreationDate, v.LastModifiedDate,
				aws.ToString(v.GenerationId), aws.ToString(p.GenerationId))
		}
		v1 := must(getVersion("1")).T(t)
		if aws.ToString(v1.PolicyDocument) != pvDoc(1) || !v1.IsDefaultVersion || !v1.CreationDate.Equal(*before.CreationDate) {
			t.Fatalf("GetPolicyVersion 1: %+v", v1)
		}
		if got := pvVersions(t, a, name); !slices.Equal(got, []string{"2", "1*"}) {
			t.Fatalf("ListPolicyVersions: %v", got)
		}
	})

	t.Run("a version set as the default", func(t *testing.T) {
		out := must(createVersion(pvDoc(3), true)).T(t)
		if aws.ToString(out.PolicyVersionId) != "3" || !out.IsDefaultVersion {
			t.Fatalf("CreatePolicyVersion returned %+v", out)
		}
		p := getPolicy()
		if aws.ToString(p.PolicyDocument) != pvDoc(3) || aws.ToString(p.DefaultVersionId) != "3" {
			t.Fatalf("GetPolicy: default %s document %s", aws.ToString(p.DefaultVersionId), aws.ToString(p.PolicyDocument))
		}
		if got := pvVersions(t, a, name); !slices.Equal(got, []string{"3*", "2", "1"}) {
			t.Fatalf("ListPolicyVersions: %v", got)
		}
	})

	t.Run("SetDefaultPolicyVersion", func(t *testing.T) {
		if err := setDefault("1"); err != nil {
			t.Fatal(err)
		}
		p := getPolicy()
		if aws.ToString(p.PolicyDocument) != pvDoc(1) || aws.ToString(p.DefaultVersionId) != "1" {
			t.Fatalf("GetPolicy: default %s document %s", aws.ToString(p.DefaultVersionId), aws.ToString(p.PolicyDocument))
		}
		// Setting the default again changes nothing.
		if err := setDefault("1"); err != nil {
			t.Fatal(err)
		}
		if again := getPolicy(); aws.ToString(again.GenerationId) != aws.ToString(p.GenerationId) {
			t.Errorf("setting the default again changed generationId")
		}
		if v := must(getVersion("3")).T(t); v.IsDefaultVersion {
			t.Error("version 3 is still the default")
		}
		requireCode[*types.ResourceNotFoundException](t, setDefault("9"), 404)
		requireCode[*types.ResourceNotFoundException](t, setDefault("0"), 404)
		requireCode[*types.ResourceNotFoundException](t, setDefault("99999999999999999999999"), 404)
		requireCode[*types.InvalidRequestException](t, setDefault("v1"), 400)
		if got := pvVersions(t, a, name); !slices.Equal(got, []string{"3", "2", "1*"}) {
			t.Fatalf("ListPolicyVersions: %v", got)
		}
	})

	t.Run("five versions at most", func(t *testing.T) {
		must(createVersion(pvDoc(4), false)).T(t)
		must(createVersion(pvDoc(5), false)).T(t)
		_, err := createVersion(pvDoc(6), true)
		requireCode[*types.VersionsLimitExceededException](t, err, 409)
		if got := pvVersions(t, a, name); !slices.Equal(got, []string{"5", "4", "3", "2", "1*"}) {
			t.Fatalf("ListPolicyVersions: %v", got)
		}
		// Deleting a version makes room, and IDs are not reused.
		if err := deleteVersion("5"); err != nil {
			t.Fatal(err)
		}
		out := must(createVersion(pvDoc(6), false)).T(t)
		if aws.ToString(out.PolicyVersionId) != "6" {
			t.Fatalf("the version after a deleted version 5 is %s, want 6", aws.ToString(out.PolicyVersionId))
		}
		if got := pvVersions(t, a, name); !slices.Equal(got, []string{"6", "4", "3", "2", "1*"}) {
			t.Fatalf("ListPolicyVersions: %v", got)
		}
	})

	t.Run("errors", func(t *testing.T) {
		_, err := createVersion(`{"Version":"2012-10-17"}`, false)
		requireCode[*types.MalformedPolicyException](t, err, 400)
		_, err = a.CreatePolicyVersion(ctx, &iot.CreatePolicyVersionInput{PolicyName: aws.String("p-absent"), PolicyDocument: aws.String(pvDoc(1))})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		_, err = a.CreatePolicyVersion(ctx, &iot.CreatePolicyVersionInput{PolicyName: aws.String("bad name"), PolicyDocument: aws.String(pvDoc(1))})
		requireCode[*types.InvalidRequestException](t, err, 400)
		_, err = getVersion("5")
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		_, err = getVersion("x")
		requireCode[*types.InvalidRequestException](t, err, 400)
		_, err = a.ListPolicyVersions(ctx, &iot.ListPolicyVersionsInput{PolicyName: aws.String("p-absent")})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		requireCode[*types.ResourceNotFoundException](t, deleteVersion("5"), 404)
		// Another account sees none of it.
		_, err = b.GetPolicyVersion(ctx, &iot.GetPolicyVersionInput{PolicyName: aws.String(name), PolicyVersionId: aws.String("1")})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		_, err = b.CreatePolicyVersion(ctx, &iot.CreatePolicyVersionInput{PolicyName: aws.String(name), PolicyDocument: aws.String(pvDoc(1))})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		_, err = b.SetDefaultPolicyVersion(ctx, &iot.SetDefaultPolicyVersionInput{PolicyName: aws.String(name), PolicyVersionId: aws.String("2")})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
	})

	t.Run("delete versions, then the policy", func(t *testing.T) {
		requireCode[*types.DeleteConflictException](t, deleteVersion("1"), 409)
		requireCode[*types.DeleteConflictException](t, deletePolicy(), 409)
		for _, id := range []string{"2", "3", "4"} {
			if err := deleteVersion(id); err != nil {
				t.Fatalf("delete version %s: %v", id, err)
			}
		}
		if err := setDefault("6"); err != nil {
			t.Fatal(err)
		}
		requireCode[*types.DeleteConflictException](t, deletePolicy(), 409) // version 1 is left
		if err := deleteVersion("1"); err != nil {
			t.Fatal(err)
		}
		if got := pvVersions(t, a, name); !slices.Equal(got, []string{"6*"}) {
			t.Fatalf("ListPolicyVersions: %v", got)
		}
		// Attachments still block deletion.
		arn := ptNewCertARN(t, a)
		must(a.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String(name), Target: aws.String(arn)})).T(t)
		requireCode[*types.DeleteConflictException](t, deletePolicy(), 409)
		must(a.DetachPolicy(ctx, &iot.DetachPolicyInput{PolicyName: aws.String(name), Target: aws.String(arn)})).T(t)
		if err := deletePolicy(); err != nil {
			t.Fatal(err)
		}
		_, err := getVersion("6")
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		// A policy made again under the name starts from version 1.
		must(a.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(pvDoc(7))})).T(t)
		if got := pvVersions(t, a, name); !slices.Equal(got, []string{"1*"}) {
			t.Fatalf("ListPolicyVersions of the new policy: %v", got)
		}
		if v := must(getVersion("1")).T(t); aws.ToString(v.PolicyDocument) != pvDoc(7) {
			t.Fatalf("version 1 of the new policy holds %s", aws.ToString(v.PolicyDocument))
		}
	})
}

// pvListPolicies pages through ListPolicies with the SDK paginator and returns the names.
func pvListPolicies(tb testing.TB, c *iot.Client, ascending bool, pageSize int32) []string {
	tb.Helper()
	var names []string
	p := iot.NewListPoliciesPaginator(c, &iot.ListPoliciesInput{AscendingOrder: ascending, PageSize: aws.Int32(pageSize)})
	for pages := 0; p.HasMorePages(); pages++ {
		if pages > 100 {
			tb.Fatal("ListPolicies paginator does not end")
		}
		page := must(p.NextPage(context.Background())).T(tb)
		if len(page.Policies) > int(pageSize) {
			tb.Fatalf("page of %d policies with pageSize %d", len(page.Policies), pageSize)
		}
		if page.NextMarker != nil && !ctMarkerPattern.MatchString(*page.NextMarker) {
			tb.Fatalf("marker %q does not match the Marker pattern", *page.NextMarker)
		}
		for _, pol := range page.Policies {
			names = append(names, aws.ToString(pol.PolicyName))
		}
	}
	return names
}

// TestListPolicies checks ListPolicies: creation order both ways, keyset markers, accounts.
func TestListPolicies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a, b := s.Account(acctA), s.Account(acctB)
	if got := pvListPolicies(t, a, false, 10); len(got) != 0 {
		t.Fatalf("a new account lists policies %v", got)
	}
	// Names rise with creation, so that policies created in one millisecond (ordered by
	// name) still list in creation order.
	var created []string
	for i := range 9 {
		name := fmt.Sprintf("p%02d+x", i)
		must(a.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(testPolicyDoc)})).T(t)
		created = append(created, name)
	}
	must(b.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String("only-b"), PolicyDocument: aws.String(testPolicyDoc)})).T(t)
	newest := slices.Clone(created)
	slices.Reverse(newest)
	for _, size := range []int32{1, 2, 4, 9, 250} {
		if got := pvListPolicies(t, a, true, size); !slices.Equal(got, created) {
			t.Errorf("ascending, pageSize %d: %v", size, got)
		}
		if got := pvListPolicies(t, a, false, size); !slices.Equal(got, newest) {
			t.Errorf("descending, pageSize %d: %v", size, got)
		}
	}
	out := must(a.ListPolicies(ctx, &iot.ListPoliciesInput{})).T(t)
	if len(out.Policies) != len(created) || out.NextMarker != nil || aws.ToString(out.Policies[0].PolicyName) != newest[0] ||
		aws.ToString(out.Policies[0].PolicyArn) != ptPolicyARN(acctA, newest[0]) {
		t.Errorf("ListPolicies without paging: %d policies, marker %v, first %s", len(out.Policies), out.NextMarker, aws.ToString(out.Policies[0].PolicyArn))
	}
	if got := pvListPolicies(t, b, false, 5); !slices.Equal(got, []string{"only-b"}) {
		t.Errorf("account B lists %v", got)
	}
	// A deleted policy leaves the listing; a marker past it still works.
	first := must(a.ListPolicies(ctx, &iot.ListPoliciesInput{AscendingOrder: true, PageSize: aws.Int32(3)})).T(t)
	must(a.DeletePolicy(ctx, &iot.DeletePolicyInput{PolicyName: aws.String(created[2])})).T(t)
	rest := must(a.ListPolicies(ctx, &iot.ListPoliciesInput{AscendingOrder: true, PageSize: aws.Int32(3), Marker: first.NextMarker})).T(t)
	if len(rest.Policies) != 3 || aws.ToString(rest.Policies[0].PolicyName) != created[3] {
		t.Errorf("the page after a deleted policy starts at %s", aws.ToString(rest.Policies[0].PolicyName))
	}

	for _, in := range []*iot.ListPoliciesInput{
		{Marker: aws.String("not a marker")},
		{Marker: aws.String("AgBw")}, // a marker of another listing
		{PageSize: aws.Int32(0)},
		{PageSize: aws.Int32(251)},
	} {
		_, err := a.ListPolicies(ctx, in)
		requireCode[*types.InvalidRequestException](t, err, 400)
	}
}

// pvTargets pages through ListTargetsForPolicy with the SDK paginator.
func pvTargets(tb testing.TB, c *iot.Client, policy string, pageSize int32) []string {
	tb.Helper()
	var out []string
	p := iot.NewListTargetsForPolicyPaginator(c, &iot.ListTargetsForPolicyInput{PolicyName: aws.String(policy), PageSize: aws.Int32(pageSize)})
	for pages := 0; p.HasMorePages(); pages++ {
		if pages > 100 {
			tb.Fatal("ListTargetsForPolicy paginator does not end")
		}
		page := must(p.NextPage(context.Background())).T(tb)
		if len(page.Targets) > int(pageSize) {
			tb.Fatalf("page of %d targets with pageSize %d", len(page.Targets), pageSize)
		}
		out = append(out, page.Targets...)
	}
	return out
}

// TestListTargetsForPolicy checks ListTargetsForPolicy over certificates and a Cognito
// identity, attached by AttachPolicy and by AttachPrincipalPolicy alike.
func TestListTargetsForPolicy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a, b := s.Account(acctA), s.Account(acctB)
	const name = "p-targets"
	must(a.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(testPolicyDoc)})).T(t)
	if got := pvTargets(t, a, name, 10); len(got) != 0 {
		t.Fatalf("a new policy has targets %v", got)
	}
	want := []string{ptCognitoID}
	must(a.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String(name), Target: aws.String(ptCognitoID)})).T(t)
	for i := range 6 {
		arn := ptNewCertARN(t, a)
		want = append(want, arn)
		if i%2 == 0 {
			must(a.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String(name), Target: aws.String(arn)})).T(t)
		} else {
			//lint:ignore SA1019 the deprecated operation is served, and this checks that it shares attachments.
			must(a.AttachPrincipalPolicy(ctx, &iot.AttachPrincipalPolicyInput{PolicyName: aws.String(name), Principal: aws.String(arn)})).T(t)
		}
	}
	slices.Sort(want)
	for _, size := range []int32{1, 3, 7, 250} {
		if got := pvTargets(t, a, name, size); !slices.Equal(got, want) {
			t.Errorf("pageSize %d:\n got %v\nwant %v", size, got, want)
		}
	}
	must(a.DetachPolicy(ctx, &iot.DetachPolicyInput{PolicyName: aws.String(name), Target: aws.String(want[0])})).T(t)
	if got := pvTargets(t, a, name, 2); !slices.Equal(got, want[1:]) {
		t.Errorf("after detaching %s: %v", want[0], got)
	}

	_, err := a.ListTargetsForPolicy(ctx, &iot.ListTargetsForPolicyInput{PolicyName: aws.String("p-absent")})
	requireCode[*types.ResourceNotFoundException](t, err, 404)
	_, err = b.ListTargetsForPolicy(ctx, &iot.ListTargetsForPolicyInput{PolicyName: aws.String(name)})
	requireCode[*types.ResourceNotFoundException](t, err, 404)
	_, err = a.ListTargetsForPolicy(ctx, &iot.ListTargetsForPolicyInput{PolicyName: aws.String(name), Marker: aws.String("%%%")})
	requireCode[*types.InvalidRequestException](t, err, 400)
	_, err = a.ListTargetsForPolicy(ctx, &iot.ListTargetsForPolicyInput{PolicyName: aws.String(name), PageSize: aws.Int32(300)})
	requireCode[*types.InvalidRequestException](t, err, 400)
}

// pvPrincipalPolicies pages through ListPrincipalPolicies with the SDK paginator.
func pvPrincipalPolicies(tb testing.TB, c *iot.Client, principal string, ascending bool, pageSize int32) []string {
	tb.Helper()
	var out []string
	p := iot.NewListPrincipalPoliciesPaginator(c, &iot.ListPrincipalPoliciesInput{Principal: aws.String(principal),
		AscendingOrder: ascending, PageSize: aws.Int32(pageSize)})
	for pages := 0; p.HasMorePages(); pages++ {
		if pages > 100 {
			tb.Fatal("ListPrincipalPolicies paginator does not end")
		}
		page := must(p.NextPage(context.Background())).T(tb)
		if len(page.Policies) > int(pageSize) {
			tb.Fatalf("page of %d policies with pageSize %d", len(page.Policies), pageSize)
		}
		if page.NextMarker != nil && !ctMarkerPattern.MatchString(*page.NextMarker) {
			tb.Fatalf("marker %q does not match the Marker pattern", *page.NextMarker)
		}
		for _, pol := range page.Policies {
			out = append(out, aws.ToString(pol.PolicyName))
		}
	}
	return out
}

// TestPrincipalPolicies checks the deprecated AttachPrincipalPolicy,
// DetachPrincipalPolicy and ListPrincipalPolicies: the same attachments as AttachPolicy,
// seen by the limit of ten, by the transfer and delete rules, and by ListAttachedPolicies.
func TestPrincipalPolicies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a, b := s.Account(acctA), s.Account(acctB)
	var created []string
	for i := range 11 {
		name := fmt.Sprintf("pp%02d", i)
		must(a.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(testPolicyDoc)})).T(t)
		created = append(created, name)
	}
	// The deprecated operations are what this test is about.
	attach := func(c *iot.Client, policy, principal string) error {
		//lint:ignore SA1019 the deprecated operation under test.
		_, err := c.AttachPrincipalPolicy(ctx, &iot.AttachPrincipalPolicyInput{PolicyName: aws.String(policy), Principal: aws.String(principal)})
		return err
	}
	detach := func(c *iot.Client, policy, principal string) error {
		//lint:ignore SA1019 the deprecated operation under test.
		_, err := c.DetachPrincipalPolicy(ctx, &iot.DetachPrincipalPolicyInput{PolicyName: aws.String(policy), Principal: aws.String(principal)})
		return err
	}

	t.Run("attach, list, detach", func(t *testing.T) {
		arn := ptNewCertARN(t, a)
		// Attached out of creation order, by both operations.
		order := []int{4, 0, 7, 2, 9, 1}
		for i, n := range order {
			if i%2 == 0 {
				must(a.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String(created[n]), Target: aws.String(arn)})).T(t)
			} else if err := attach(a, created[n], arn); err != nil {
				t.Fatal(err)
			}
		}
		if err := attach(a, created[4], arn); err != nil { // again: nothing changes
			t.Fatal(err)
		}
		var want []string
		for _, n := range slices.Sorted(slices.Values(order)) {
			want = append(want, created[n])
		}
		newest := slices.Clone(want)
		slices.Reverse(newest)
		for _, size := range []int32{1, 4, 250} {
			if got := pvPrincipalPolicies(t, a, arn, true, size); !slices.Equal(got, want) {
				t.Errorf("ascending, pageSize %d: %v, want %v", size, got, want)
			}
			if got := pvPrincipalPolicies(t, a, arn, false, size); !slices.Equal(got, newest) {
				t.Errorf("descending, pageSize %d: %v, want %v", size, got, newest)
			}
		}
		if got := ptAttachedPolicies(t, a, arn, 3); !slices.Equal(got, want) {
			t.Errorf("ListAttachedPolicies: %v, want %v", got, want)
		}
		// Detach by both operations; detaching what is not attached changes nothing.
		if err := detach(a, created[4], arn); err != nil {
			t.Fatal(err)
		}
		if err := detach(a, created[4], arn); err != nil {
			t.Fatal(err)
		}
		must(a.DetachPolicy(ctx, &iot.DetachPolicyInput{PolicyName: aws.String(created[0]), Target: aws.String(arn)})).T(t)
		want = slices.DeleteFunc(want, func(n string) bool { return n == created[4] || n == created[0] })
		if got := pvPrincipalPolicies(t, a, arn, true, 2); !slices.Equal(got, want) {
			t.Errorf("after detaching: %v, want %v", got, want)
		}
		// A Cognito identity is a principal too.
		if err := attach(a, created[3], ptCognitoID); err != nil {
			t.Fatal(err)
		}
		if got := pvPrincipalPolicies(t, a, ptCognitoID, false, 5); !slices.Equal(got, []string{created[3]}) {
			t.Errorf("Cognito identity: %v", got)
		}
	})

	t.Run("limit of ten", func(t *testing.T) {
		arn := ptNewCertARN(t, a)
		for _, name := range created[:10] {
			if err := attach(a, name, arn); err != nil {
				t.Fatal(err)
			}
		}
		requireCode[*types.LimitExceededException](t, attach(a, created[10], arn), 410)
		_, err := a.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String(created[10]), Target: aws.String(arn)})
		requireCode[*types.LimitExceededException](t, err, 410)
	})

	t.Run("transfer and delete see the attachment", func(t *testing.T) {
		out := must(a.CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{})).T(t)
		id, arn := aws.ToString(out.CertificateId), aws.ToString(out.CertificateArn)
		if err := attach(a, created[5], arn); err != nil {
			t.Fatal(err)
		}
		_, err := a.TransferCertificate(ctx, &iot.TransferCertificateInput{CertificateId: aws.String(id), TargetAwsAccount: aws.String(acctB)})
		requireCode[*types.TransferConflictException](t, err, 409)
		_, err = a.DeleteCertificate(ctx, &iot.DeleteCertificateInput{CertificateId: aws.String(id)})
		requireCode[*types.DeleteConflictException](t, err, 409)
		_, err = a.DeletePolicy(ctx, &iot.DeletePolicyInput{PolicyName: aws.String(created[5])})
		requireCode[*types.DeleteConflictException](t, err, 409)
		if err := detach(a, created[5], arn); err != nil {
			t.Fatal(err)
		}
		must(a.TransferCertificate(ctx, &iot.TransferCertificateInput{CertificateId: aws.String(id), TargetAwsAccount: aws.String(acctB)})).T(t)
		// Nothing attaches to a certificate pending transfer.
		requireCode[*types.InvalidRequestException](t, attach(a, created[5], arn), 400)
	})

	t.Run("errors", func(t *testing.T) {
		arn := ptNewCertARN(t, a)
		requireCode[*types.ResourceNotFoundException](t, attach(a, "pp-absent", arn), 404)
		requireCode[*types.ResourceNotFoundException](t, attach(b, created[0], arn), 404)
		requireCode[*types.ResourceNotFoundException](t, attach(a, created[0], ctCertARN("us-east-1", acctA, stringOf('a', 64))), 404)
		requireCode[*types.InvalidRequestException](t, attach(a, created[0], "not-a-principal"), 400)
		requireCode[*types.InvalidRequestException](t, attach(a, "bad name", arn), 400)
		list := func(c *iot.Client, in *iot.ListPrincipalPoliciesInput) error {
			//lint:ignore SA1019 the deprecated operation under test.
			_, err := c.ListPrincipalPolicies(ctx, in)
			return err
		}
		err := list(a, &iot.ListPrincipalPoliciesInput{Principal: aws.String(ctCertARN("us-east-1", acctA, stringOf('b', 64)))})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		err = list(b, &iot.ListPrincipalPoliciesInput{Principal: aws.String(arn)})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		err = list(a, &iot.ListPrincipalPoliciesInput{Principal: aws.String(arn), Marker: aws.String("AgBw")})
		requireCode[*types.InvalidRequestException](t, err, 400)
		requireCode[*types.InvalidRequestException](t, detach(a, created[0], ""), 400)
	})
}
