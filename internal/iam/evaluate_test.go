package iam

import (
	"testing"
)

func TestEvaluate(t *testing.T) {
	t.Parallel()

	const (
		allowAll      = `{"Effect":"Allow","Action":"*","Resource":"*"}`
		allowIoT      = `{"Effect":"Allow","Action":"iot:*","Resource":"*"}`
		allowDescribe = `{"Effect":"Allow","Action":"iot:DescribeCertificate","Resource":"*"}`
	)
	// region returns a condition context holding only aws:RequestedRegion.
	region := func(r string) map[string]string { return map[string]string{KeyRequestedRegion: r} }
	fullCtx := map[string]string{
		KeyRequestedRegion:  testRegion,
		KeyUsername:         "alice",
		KeyPrincipalAccount: testAccount,
	}

	tests := []struct {
		name     string
		policies []string // documents; "" stands for a nil *Policy
		action   string
		resource string
		ctx      map[string]string
		want     Decision
	}{
		// Default deny.
		{name: "no policies is an implicit deny", action: "iot:DescribeCertificate", resource: certABC, want: ImplicitDeny},
		{name: "a nil policy is skipped", policies: []string{""}, action: "iot:DescribeCertificate", resource: certABC, want: ImplicitDeny},
		{name: "a policy for other actions is an implicit deny", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:ListThings","Resource":"*"}`)}, action: "iot:DescribeCertificate", resource: certABC, want: ImplicitDeny},

		// Actions.
		{name: "exact action", policies: []string{policyDoc(allowDescribe)}, action: "iot:DescribeCertificate", resource: certABC, want: Allow},
		{name: "exact action does not match a longer action", policies: []string{policyDoc(allowDescribe)}, action: "iot:DescribeCertificateX", resource: certABC, want: ImplicitDeny},
		{name: "policy action case-insensitive", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"IOT:describecertificate","Resource":"*"}`)}, action: "iot:DescribeCertificate", resource: certABC, want: Allow},
		{name: "request action case-insensitive", policies: []string{policyDoc(allowDescribe)}, action: "IoT:DESCRIBECERTIFICATE", resource: certABC, want: Allow},
		{name: "iot:* matches any iot action", policies: []string{policyDoc(allowIoT)}, action: "iot:TransferCertificate", resource: certABC, want: Allow},
		{name: "iot:* does not match another service", policies: []string{policyDoc(allowIoT)}, action: "iam:ListUsers", resource: "*", want: ImplicitDeny},
		{name: "iot:Describe* matches DescribeCertificate", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:Describe*","Resource":"*"}`)}, action: "iot:DescribeCertificate", resource: certABC, want: Allow},
		{name: "iot:Describe* does not match ListCertificates", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:Describe*","Resource":"*"}`)}, action: "iot:ListCertificates", resource: "*", want: ImplicitDeny},
		{name: "iot:describe* matches case-insensitively", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:describe*","Resource":"*"}`)}, action: "iot:DescribeThing", resource: thingLamp, want: Allow},
		{name: "? matches one character", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:?escribeCertificate","Resource":"*"}`)}, action: "iot:DescribeCertificate", resource: certABC, want: Allow},
		{name: "? does not match two characters", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:?escribeCertificate","Resource":"*"}`)}, action: "iot:XDescribeCertificate", resource: certABC, want: ImplicitDeny},
		{name: "* in the middle of an action", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*CertificateTransfer","Resource":"*"}`)}, action: "iot:AcceptCertificateTransfer", resource: certABC, want: Allow},
		{name: "action * matches everything", policies: []string{policyDoc(allowAll)}, action: "iot:DeleteCertificate", resource: certABC, want: Allow},
		{name: "action list matches its second entry", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":["iot:ListThings","iot:DescribeCertificate"],"Resource":"*"}`)}, action: "iot:DescribeCertificate", resource: certABC, want: Allow},
		{name: "action list without the action", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":["iot:ListThings","iot:ListCertificates"],"Resource":"*"}`)}, action: "iot:DescribeCertificate", resource: certABC, want: ImplicitDeny},
		{name: "NotAction allows what it does not list", policies: []string{policyDoc(
			`{"Effect":"Allow","NotAction":"iot:Delete*","Resource":"*"}`)}, action: "iot:DescribeCertificate", resource: certABC, want: Allow},
		{name: "NotAction does not allow what it lists", policies: []string{policyDoc(
			`{"Effect":"Allow","NotAction":["iot:Delete*","iot:Transfer*"],"Resource":"*"}`)}, action: "iot:TransferCertificate", resource: certABC, want: ImplicitDeny},
		{name: "Deny with NotAction denies everything else", policies: []string{policyDoc(allowIoT,
			`{"Effect":"Deny","NotAction":"iot:Describe*","Resource":"*"}`)}, action: "iot:DeleteCertificate", resource: certABC, want: ExplicitDeny},
		{name: "Deny with NotAction spares what it lists", policies: []string{policyDoc(allowIoT,
			`{"Effect":"Deny","NotAction":"iot:Describe*","Resource":"*"}`)}, action: "iot:DescribeCertificate", resource: certABC, want: Allow},

		// Resources.
		{name: "exact resource", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:DescribeCertificate","Resource":"` + certABC + `"}`)}, action: "iot:DescribeCertificate", resource: certABC, want: Allow},
		{name: "exact resource does not match another certificate", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:DescribeCertificate","Resource":"` + certABC + `"}`)}, action: "iot:DescribeCertificate", resource: certABCD, want: ImplicitDeny},
		{name: "resource with trailing *", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"arn:aws:iot:us-east-1:111122223333:cert/*"}`)}, action: "iot:UpdateCertificate", resource: certSecret, want: Allow},
		{name: "cert/* does not match a thing", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"arn:aws:iot:us-east-1:111122223333:cert/*"}`)}, action: "iot:DescribeThing", resource: thingLamp, want: ImplicitDeny},
		{name: "resource ? matches one character", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"arn:aws:iot:us-east-1:111122223333:cert/abc?"}`)}, action: "iot:DescribeCertificate", resource: certABCD, want: Allow},
		{name: "resource ? needs exactly one character", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"arn:aws:iot:us-east-1:111122223333:cert/abc?"}`)}, action: "iot:DescribeCertificate", resource: certABC, want: ImplicitDeny},
		{name: "resource * in region and id segments", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"arn:aws:iot:*:111122223333:cert/*"}`)}, action: "iot:DescribeCertificate", resource: certABC, want: Allow},
		{name: "resource * crosses : and /", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"arn:aws:iot:us-east-1:111122223333:*"}`)},
			action: "iot:DescribeThing", resource: "arn:aws:iot:us-east-1:111122223333:thing/sensor:42", want: Allow},
		{name: "resource names are case-sensitive", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"arn:aws:iot:us-east-1:111122223333:cert/ABC"}`)}, action: "iot:DescribeCertificate", resource: certABC, want: ImplicitDeny},
		{name: "another account's ARN does not match", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"arn:aws:iot:us-east-1:111122223333:cert/*"}`)}, action: "iot:DescribeCertificate", resource: certOther, want: ImplicitDeny},
		{name: "resource * matches the resource *", policies: []string{policyDoc(allowIoT)}, action: "iot:ListCertificates", resource: "*", want: Allow},
		{name: "an ARN pattern does not match the resource *", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"arn:aws:iot:*:*:*"}`)}, action: "iot:ListCertificates", resource: "*", want: ImplicitDeny},
		{name: "resource list matches its second entry", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":["` + thingLamp + `","` + certABC + `"]}`)}, action: "iot:DescribeCertificate", resource: certABC, want: Allow},
		{name: "NotResource allows other resources", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","NotResource":"` + certSecret + `"}`)}, action: "iot:DescribeCertificate", resource: certABC, want: Allow},
		{name: "NotResource does not allow what it lists", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","NotResource":["` + thingLamp + `","` + certSecret + `"]}`)}, action: "iot:DescribeCertificate", resource: certSecret, want: ImplicitDeny},
		{name: "NotResource with an ARN applies to the resource *", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","NotResource":"` + certSecret + `"}`)}, action: "iot:ListCertificates", resource: "*", want: Allow},
		{name: "transfer accept on the target account's ARN", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:AcceptCertificateTransfer","Resource":"arn:aws:iot:*:444455556666:cert/*"}`)},
			action: "iot:AcceptCertificateTransfer", resource: certOther, want: Allow},

		// Deny.
		{name: "Deny in one policy overrides Allow in another", policies: []string{policyDoc(allowIoT), policyDoc(
			`{"Effect":"Deny","Action":"iot:DeleteCertificate","Resource":"*"}`)}, action: "iot:DeleteCertificate", resource: certABC, want: ExplicitDeny},
		{name: "Deny before Allow in the same policy", policies: []string{policyDoc(
			`{"Effect":"Deny","Action":"iot:DeleteCertificate","Resource":"*"}`, allowIoT)}, action: "iot:DeleteCertificate", resource: certABC, want: ExplicitDeny},
		{name: "Deny with a wildcard action", policies: []string{policyDoc(allowAll,
			`{"Effect":"Deny","Action":"iot:Delete*","Resource":"*"}`)}, action: "iot:DeleteCertificate", resource: certABC, want: ExplicitDeny},
		{name: "Deny on one resource denies it", policies: []string{policyDoc(allowIoT,
			`{"Effect":"Deny","Action":"*","Resource":"`+certSecret+`"}`)}, action: "iot:DescribeCertificate", resource: certSecret, want: ExplicitDeny},
		{name: "Deny on one resource spares others", policies: []string{policyDoc(allowIoT,
			`{"Effect":"Deny","Action":"*","Resource":"`+certSecret+`"}`)}, action: "iot:DescribeCertificate", resource: certABC, want: Allow},
		{name: "a Deny that does not match without any Allow", policies: []string{policyDoc(
			`{"Effect":"Deny","Action":"iot:DeleteCertificate","Resource":"*"}`)}, action: "iot:DescribeCertificate", resource: certABC, want: ImplicitDeny},
		{name: "second statement allows", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:ListThings","Resource":"*"}`,
			`{"Effect":"Allow","Action":"iot:UpdateCertificate","Resource":"`+certABC+`"}`)}, action: "iot:UpdateCertificate", resource: certABC, want: Allow},
		{name: "statement given as an object", policies: []string{
			`{"Version":"2012-10-17","Statement":{"Sid":"One","Effect":"Allow","Action":"iot:ListThings","Resource":"*"}}`},
			action: "iot:ListThings", resource: "*", want: Allow},

		// Conditions.
		{name: "RequestedRegion StringEquals match", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}}`)},
			action: "iot:ListThings", resource: "*", ctx: region("us-east-1"), want: Allow},
		{name: "RequestedRegion StringEquals mismatch", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}}`)},
			action: "iot:ListThings", resource: "*", ctx: region("eu-west-1"), want: ImplicitDeny},
		{name: "StringEquals values are OR'ed", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}}`)},
			action: "iot:ListThings", resource: "*", ctx: region("eu-west-1"), want: Allow},
		{name: "StringEquals does not glob", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-*"}}}`)},
			action: "iot:ListThings", resource: "*", ctx: region("eu-west-1"), want: ImplicitDeny},
		{name: "StringLike eu-* matches", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringLike":{"aws:RequestedRegion":"eu-*"}}}`)},
			action: "iot:ListThings", resource: "*", ctx: region("eu-central-1"), want: Allow},
		{name: "StringLike eu-* does not match us-east-1", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringLike":{"aws:RequestedRegion":"eu-*"}}}`)},
			action: "iot:ListThings", resource: "*", ctx: region("us-east-1"), want: ImplicitDeny},
		{name: "StringLike is case-sensitive", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringLike":{"aws:RequestedRegion":"EU-*"}}}`)},
			action: "iot:ListThings", resource: "*", ctx: region("eu-central-1"), want: ImplicitDeny},
		{name: "StringNotEquals holds for another value", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}}}`)},
			action: "iot:ListThings", resource: "*", ctx: region("eu-west-1"), want: Allow},
		{name: "StringNotEquals fails for the value", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}}}`)},
			action: "iot:ListThings", resource: "*", ctx: region("us-east-1"), want: ImplicitDeny},
		{name: "StringNotEquals with a list means none of them", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}}`)},
			action: "iot:ListThings", resource: "*", ctx: region("eu-west-1"), want: ImplicitDeny},
		{name: "StringNotLike", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringNotLike":{"aws:RequestedRegion":"cn-*"}}}`)},
			action: "iot:ListThings", resource: "*", ctx: region("eu-west-1"), want: Allow},
		{name: "aws:username matches", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringEquals":{"aws:username":"alice"}}}`)},
			action: "iot:ListThings", resource: "*", ctx: fullCtx, want: Allow},
		{name: "aws:username does not match", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringEquals":{"aws:username":"bob"}}}`)},
			action: "iot:ListThings", resource: "*", ctx: fullCtx, want: ImplicitDeny},
		{name: "condition key names are case-insensitive", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringEquals":{"AWS:UserName":"alice"}}}`)},
			action: "iot:ListThings", resource: "*", ctx: fullCtx, want: Allow},
		{name: "aws:PrincipalAccount matches", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}}`)},
			action: "iot:ListThings", resource: "*", ctx: fullCtx, want: Allow},
		{name: "missing context key fails StringEquals", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringEquals":{"aws:username":"alice"}}}`)},
			action: "iot:ListThings", resource: "*", ctx: region("us-east-1"), want: ImplicitDeny},
		{name: "missing context key fails StringLike *", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringLike":{"aws:username":"*"}}}`)},
			action: "iot:ListThings", resource: "*", want: ImplicitDeny},
		{name: "missing context key satisfies StringNotEquals", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringNotEquals":{"aws:username":"mallory"}}}`)},
			action: "iot:ListThings", resource: "*", want: Allow},
		{name: "missing context key satisfies StringEqualsIfExists", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:username":"alice"}}}`)},
			action: "iot:ListThings", resource: "*", ctx: region("us-east-1"), want: Allow},
		{name: "present key is checked by StringEqualsIfExists", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:username":"bob"}}}`)},
			action: "iot:ListThings", resource: "*", ctx: fullCtx, want: ImplicitDeny},
		{name: "StringLikeIfExists with the key present", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringLikeIfExists":{"aws:username":"al*"}}}`)},
			action: "iot:ListThings", resource: "*", ctx: fullCtx, want: Allow},
		{name: "keys under one operator are AND'ed", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1","aws:PrincipalAccount":"444455556666"}}}`)},
			action: "iot:ListThings", resource: "*", ctx: fullCtx, want: ImplicitDeny},
		{name: "operators are AND'ed", policies: []string{policyDoc(
			`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"},"StringLike":{"aws:username":"a*"}}}`)},
			action: "iot:ListThings", resource: "*", ctx: fullCtx, want: Allow},
		{name: "Deny outside a region", policies: []string{policyDoc(allowIoT,
			`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}}}`)},
			action: "iot:ListThings", resource: "*", ctx: region("eu-west-1"), want: ExplicitDeny},
		{name: "Deny outside a region spares the region", policies: []string{policyDoc(allowIoT,
			`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}}}`)},
			action: "iot:ListThings", resource: "*", ctx: region("us-east-1"), want: Allow},
		{name: "version 2008-10-17 document", policies: []string{
			`{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"iot:ListThings","Resource":"*"}]}`},
			action: "iot:ListThings", resource: "*", want: Allow},
	}
	if len(tests) < 40 {
		t.Fatalf("only %d cases", len(tests))
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var ps []*Policy
			for _, d := range tc.policies {
				if d == "" {
					ps = append(ps, nil)
					continue
				}
				ps = append(ps, MustParse(t, d))
			}
			r := Request{Action: tc.action, Resource: tc.resource, Context: tc.ctx}
			if got := Evaluate(ps, r); got != tc.want {
				t.Errorf("Evaluate = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestEvaluateDoesNotAllocate guards the promise that authorising a request
// costs no allocation.
func TestEvaluateDoesNotAllocate(t *testing.T) {
	ps := []*Policy{MustParse(t, tenStatements), MustParse(t, policyDoc(
		`{"Effect":"Deny","Action":"iot:Delete*","Resource":"*","Condition":{"StringNotLike":{"aws:RequestedRegion":"us-*"}}}`))}
	r := typicalRequest()
	if n := testing.AllocsPerRun(100, func() { Evaluate(ps, r) }); n != 0 {
		t.Errorf("Evaluate allocates %v times per call", n)
	}
}

func TestDecisionString(t *testing.T) {
	t.Parallel()
	for d, want := range map[Decision]string{Allow: "Allow", ImplicitDeny: "ImplicitDeny", ExplicitDeny: "ExplicitDeny"} {
		if got := d.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(d), got, want)
		}
	}
	var zero Decision
	if zero != ImplicitDeny {
		t.Errorf("zero Decision = %v, want ImplicitDeny", zero)
	}
}

func TestDenyMessage(t *testing.T) {
	t.Parallel()
	r := Request{Action: "iot:TransferCertificate", Resource: certABC}
	tests := []struct {
		name string
		d    Decision
		want string
	}{
		{"implicit deny", ImplicitDeny, "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: iot:TransferCertificate " +
			"on resource: arn:aws:iot:us-east-1:111122223333:cert/abc because no identity-based policy allows the iot:TransferCertificate action"},
		{"explicit deny", ExplicitDeny, "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: iot:TransferCertificate " +
			"on resource: arn:aws:iot:us-east-1:111122223333:cert/abc with an explicit deny in an identity-based policy"},
		{"allow has no message", Allow, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := DenyMessage(testUser, r, tc.d); got != tc.want {
				t.Errorf("DenyMessage =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
	t.Run("list resource", func(t *testing.T) {
		t.Parallel()
		want := "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: iot:ListCertificates on resource: * " +
			"because no identity-based policy allows the iot:ListCertificates action"
		if got := DenyMessage(testUser, Request{Action: "iot:ListCertificates", Resource: "*"}, ImplicitDeny); got != want {
			t.Errorf("DenyMessage =\n%q\nwant\n%q", got, want)
		}
	})
}
