package httpapi

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/iotcertd/iotcertd/internal/iam"
	"github.com/iotcertd/iotcertd/internal/iot"
)

// outsideModel lists the wire exceptions of the error table that the AWS IoT model does not
// define: AccessDeniedException comes from IAM, in AWS's front end (semantics.md §3.2).
var outsideModel = map[string]bool{"AccessDeniedException": true}

// callerAuth authenticates every request as one fixed caller.
type callerAuth struct{ caller iot.Caller }

func (a callerAuth) Authenticate(*http.Request, []byte) (iot.Caller, error) { return a.caller, nil }

// mustPolicies parses policy documents.
func mustPolicies(t testing.TB, docs ...string) []*iam.Policy {
	t.Helper()
	ps := make([]*iam.Policy, len(docs))
	for i, d := range docs {
		p, err := iam.Parse(d)
		if err != nil {
			t.Fatalf("parse %s: %v", d, err)
		}
		ps[i] = p
	}
	return ps
}

func allow(action, resource string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":"` + resource + `"}]}`
}

// certARN is the ARN of testCertID in an account.
func certARN(account string) string { return iot.CertificateARN(testRegion, account, testCertID) }

func TestEveryRouteIsInTheActionTable(t *testing.T) {
	for _, op := range Operations() {
		if a, ok := iam.ActionFor(op.Name); !ok || a != "iot:"+op.Name {
			t.Errorf("%s: iam.ActionFor = %q, %v; an operation missing from the table is always denied", op.Name, a, ok)
		}
		if _, ok := iam.ResourceFor(op.Name, testRegion, accountA, "x"); !ok {
			t.Errorf("%s: iam.ResourceFor does not know it", op.Name)
		}
	}
}

func TestAccessDeniedOnTheWire(t *testing.T) {
	et := errorTypes[iot.CodeAccessDenied]
	if et.Type != "AccessDeniedException" || et.Status != http.StatusForbidden {
		t.Errorf("AccessDenied maps to %+v, want AccessDeniedException 403", et)
	}
}

// sampleRequest builds a request for op whose path labels, principal headers, target and
// resourceArn members name sample resources of accountA.
func sampleRequest(op Operation) *http.Request {
	labels := map[string]string{
		"{certificateId}":   testCertID,
		"{caCertificateId}": strings.Repeat("c", 64),
		"{policyName}":      "pol",
		"{policyVersionId}": "1",
		"{thingName}":       "lamp",
		"{target}":          url.PathEscape(certARN(accountA)),
	}
	path := op.Path
	for k, v := range labels {
		path = strings.ReplaceAll(path, k, v)
	}
	target := path
	if op.Name == "ListTagsForResource" {
		target += "?resourceArn=" + url.QueryEscape(iot.ThingARN(testRegion, accountA, "tagged"))
	}
	body := ""
	switch op.Name {
	case "AttachPolicy", "DetachPolicy":
		body = `{"target":"` + certARN(accountA) + `"}`
	case "TagResource", "UntagResource":
		body = `{"resourceArn":"` + iot.ThingARN(testRegion, accountA, "tagged") + `","tags":[],"tagKeys":[]}`
	}
	header := http.Header{
		"X-Amzn-Principal":     {certARN(accountA)},
		"X-Amzn-Iot-Principal": {certARN(accountA)},
	}
	return newRequest(op.Method, target, body, header)
}

// TestAuthorizationResources sends every operation as a user without policies and checks
// the resource its denial names: the one iam.ResourceFor gives for what the request
// carries.
func TestAuthorizationResources(t *testing.T) {
	var logs bytes.Buffer
	user := iot.Caller{Account: accountA, Region: testRegion, UserName: "nobody"}
	h := New(Config{Service: newTestService(t), Auth: callerAuth{user}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	arn := func(typ, id string) string {
		return "arn:aws:iot:" + testRegion + ":" + accountA + ":" + typ + "/" + id
	}
	want := map[string]string{
		"DescribeCertificate":       arn("cert", testCertID),
		"UpdateCertificate":         arn("cert", testCertID),
		"DeleteCertificate":         arn("cert", testCertID),
		"TransferCertificate":       arn("cert", testCertID),
		"AcceptCertificateTransfer": arn("cert", testCertID),
		"RejectCertificateTransfer": arn("cert", testCertID),
		"CancelCertificateTransfer": arn("cert", testCertID),
		"DescribeCACertificate":     arn("cacert", strings.Repeat("c", 64)),
		"UpdateCACertificate":       arn("cacert", strings.Repeat("c", 64)),
		"DeleteCACertificate":       arn("cacert", strings.Repeat("c", 64)),
		"CreatePolicy":              arn("policy", "pol"),
		"GetPolicy":                 arn("policy", "pol"),
		"DeletePolicy":              arn("policy", "pol"),
		"CreatePolicyVersion":       arn("policy", "pol"),
		"GetPolicyVersion":          arn("policy", "pol"),
		"ListPolicyVersions":        arn("policy", "pol"),
		"SetDefaultPolicyVersion":   arn("policy", "pol"),
		"DeletePolicyVersion":       arn("policy", "pol"),
		"ListTargetsForPolicy":      arn("policy", "pol"),
		"CreateThing":               arn("thing", "lamp"),
		"DescribeThing":             arn("thing", "lamp"),
		"DeleteThing":               arn("thing", "lamp"),
		"UpdateThing":               arn("thing", "lamp"),
		"ListThingPrincipals":       arn("thing", "lamp"),
		"AttachPolicy":              certARN(accountA),
		"DetachPolicy":              certARN(accountA),
		"AttachPrincipalPolicy":     certARN(accountA),
		"DetachPrincipalPolicy":     certARN(accountA),
		"AttachThingPrincipal":      certARN(accountA),
		"DetachThingPrincipal":      certARN(accountA),
		"ListPrincipalThings":       certARN(accountA),
		"TagResource":               arn("thing", "tagged"),
		"UntagResource":             arn("thing", "tagged"),
		"ListTagsForResource":       arn("thing", "tagged"),
	}
	for _, op := range Operations() {
		t.Run(op.Name, func(t *testing.T) {
			resource, ok := want[op.Name]
			if !ok {
				resource = "*"
			}
			got := record(h, sampleRequest(op))
			m := wantError(t, got, http.StatusForbidden, "AccessDeniedException")
			msg := "User: arn:aws:iam::" + accountA + ":user/nobody is not authorized to perform: iot:" + op.Name +
				" on resource: " + resource + " because no identity-based policy allows the iot:" + op.Name + " action"
			if m["message"] != msg {
				t.Errorf("message\n%v\nwant\n%s", m["message"], msg)
			}
		})
	}
	if !strings.Contains(logs.String(), "access denied") {
		t.Errorf("denials are not logged:\n%s", logs.String())
	}
}

func TestAuthorizationDecisions(t *testing.T) {
	ctx := context.Background()
	svc := newTestService(t)
	root := iot.Caller{Account: accountA, Region: testRegion}
	cert, err := svc.CreateKeysAndCertificate(ctx, root, iot.CreateKeysAndCertificateInput{})
	if err != nil {
		t.Fatal(err)
	}
	id := cert.CertificateID
	user := func(docs ...string) iot.Caller {
		return iot.Caller{Account: accountA, Region: testRegion, UserName: "alice", Policies: mustPolicies(t, docs...)}
	}
	anyCert := "arn:aws:iot:*:" + accountA + ":cert/*"
	tests := []struct {
		name   string
		caller iot.Caller
		method string
		target string
		body   string
		status int
		deny   string // the end of the denial message, for 403
	}{
		{"root reads its account", root, "GET", "/certificates/" + id, "", 200, ""},
		{"root: a missing certificate is not found", root, "GET", "/certificates/" + strings.Repeat("0", 64), "", 404, ""},
		{"root cannot attach to another account's certificate", root, "PUT", "/target-policies/p",
			`{"target":"` + iot.CertificateARN(testRegion, accountB, id) + `"}`, 403, "because no identity-based policy allows the iot:AttachPolicy action"},
		{"unrestricted emulator caller", iot.Caller{Account: accountA, Region: testRegion, Unrestricted: true}, "GET", "/certificates/" + id, "", 200, ""},
		{"user without policies", user(), "GET", "/certificates/" + id, "", 403, "because no identity-based policy allows the iot:DescribeCertificate action"},
		{"user allowed", user(allow("iot:DescribeCertificate", anyCert)), "GET", "/certificates/" + id, "", 200, ""},
		{"actions are case-insensitive", user(allow("IOT:describecertificate", anyCert)), "GET", "/certificates/" + id, "", 200, ""},
		{"wildcard action", user(allow("iot:Describe*", "*")), "GET", "/certificates/" + id, "", 200, ""},
		{"other action", user(allow("iot:Describe*", "*")), "GET", "/certificates", "", 403, "because no identity-based policy allows the iot:ListCertificates action"},
		{"explicit deny wins", user(allow("iot:*", "*"),
			`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"iot:DescribeCertificate","Resource":"`+anyCert+`"}}`),
			"GET", "/certificates/" + id, "", 403, "with an explicit deny in an identity-based policy"},
		{"denied before existence is examined", user(), "GET", "/certificates/" + strings.Repeat("0", 64), "", 403, "because no identity-based policy allows the iot:DescribeCertificate action"},
		{"user allowed everything still cannot reach another account", user(allow("*", "*")), "PUT", "/target-policies/p",
			`{"target":"` + iot.CertificateARN(testRegion, accountB, id) + `"}`, 403, "because no identity-based policy allows the iot:AttachPolicy action"},
		{"region condition holds", user(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}}}`),
			"GET", "/certificates", "", 200, ""},
		{"region condition fails", user(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}}`),
			"GET", "/certificates", "", 403, "because no identity-based policy allows the iot:ListCertificates action"},
		{"username condition", user(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringLike":{"aws:username":"ali*"}}}}`),
			"GET", "/certificates", "", 200, ""},
		{"malformed body of an ARN-carrying operation", user(), "PUT", "/target-policies/p", `[`, 400, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := New(Config{Service: svc, Auth: callerAuth{tc.caller}})
			got := record(h, newRequest(tc.method, tc.target, tc.body, nil))
			if got.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", got.Status, tc.status, got.Body)
			}
			if tc.status == 403 {
				m := wantError(t, got, 403, "AccessDeniedException")
				if msg, _ := m["message"].(string); !strings.HasPrefix(msg, "User: "+iot.PrincipalARN(tc.caller.Account, tc.caller.UserName)+" ") ||
					!strings.HasSuffix(msg, tc.deny) {
					t.Errorf("message %q, want the caller's ARN and the end %q", msg, tc.deny)
				}
			}
		})
	}
}

// TestTransferResourceIsTheTarget checks the ARN that Accept and Cancel are evaluated
// against: the account the certificate is being transferred to, for both parties, and the
// caller's own account for anyone else.
func TestTransferResourceIsTheTarget(t *testing.T) {
	ctx := context.Background()
	svc := newTestService(t)
	src := iot.Caller{Account: accountA, Region: testRegion}
	cert, err := svc.CreateKeysAndCertificate(ctx, src, iot.CreateKeysAndCertificateInput{})
	if err != nil {
		t.Fatal(err)
	}
	id := cert.CertificateID
	if _, err := svc.TransferCertificate(ctx, src, iot.TransferCertificateInput{CertificateID: id, TargetAwsAccount: accountB}); err != nil {
		t.Fatal(err)
	}
	const outsider = "333333333333"
	for _, tc := range []struct {
		name, account, op, wantAccount string
	}{
		{"source cancels", accountA, "CancelCertificateTransfer", accountB},
		{"target accepts", accountB, "AcceptCertificateTransfer", accountB},
		{"target cancels", accountB, "CancelCertificateTransfer", accountB},
		{"outsider accepts", outsider, "AcceptCertificateTransfer", outsider},
		{"outsider cancels", outsider, "CancelCertificateTransfer", outsider},
		{"source rejects (its own account, as every other operation)", accountA, "RejectCertificateTransfer", accountA},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := iot.Caller{Account: tc.account, Region: testRegion, UserName: "u"}
			err := svc.Authorize(ctx, c, tc.op, id)
			want := "on resource: " + iot.CertificateARN(testRegion, tc.wantAccount, id) + " because"
			if iot.ErrorCode(err) != iot.CodeAccessDenied || !strings.Contains(iot.AsError(err).Message, want) {
				t.Fatalf("Authorize = %v, want AccessDenied %q", err, want)
			}
			// A policy on that ARN allows it.
			c.Policies = mustPolicies(t, allow("iot:"+tc.op, iot.CertificateARN(testRegion, tc.wantAccount, id)))
			if err := svc.Authorize(ctx, c, tc.op, id); err != nil {
				t.Fatalf("Authorize with a policy on the target ARN: %v", err)
			}
		})
	}
}

// TestSigV4CacheHoldsPolicies checks that a changed policy, like a deleted key, takes
// effect when the cached credential expires, within a second.
func TestSigV4CacheHoldsPolicies(t *testing.T) {
	start := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	clock := &fakeClock{now: start}
	keys := &keyStore{}
	setPolicies := func(docs ...string) {
		keys.mu.Lock()
		defer keys.mu.Unlock()
		keys.keys = map[string]*iot.Credential{testKeyID: {AccessKeyID: testKeyID, Account: accountA, Secret: testSecret,
			UserName: "alice", Policies: mustPolicies(t, docs...)}}
	}
	setPolicies(allow("iot:ListCertificates", "*"))
	h := New(Config{Service: newTestService(t), Auth: &SigV4Auth{Lookup: keys.lookup, Clock: clock.Now}})
	list := func() int {
		return record(h, signedRequest(t, "GET", "/certificates", "", testKeyID, testSecret, "iot", clock.Now())).Status
	}
	if got := list(); got != 200 {
		t.Fatalf("allowed: %d", got)
	}
	setPolicies(allow("iot:DescribeCertificate", "*"))
	clock.Advance(999 * time.Millisecond)
	if got := list(); got != 200 {
		t.Fatalf("within the cache lifetime the cached policy applies: %d", got)
	}
	clock.Advance(time.Millisecond)
	if got := list(); got != 403 {
		t.Fatalf("a second after the change: %d, want 403", got)
	}
	keys.mu.Lock()
	keys.keys = nil
	keys.mu.Unlock()
	if got := list(); got != 403 {
		t.Fatalf("the denial is cached too: %d", got)
	}
	clock.Advance(time.Second)
	got := record(h, signedRequest(t, "GET", "/certificates", "", testKeyID, testSecret, "iot", clock.Now()))
	wantError(t, got, 403, "UnrecognizedClientException")
}

// TestEmulatorEnforcingIAM checks EmulatorAuth with Lookup: known keys sign as their
// identity, others as the root of the derived account.
func TestEmulatorEnforcingIAM(t *testing.T) {
	keys := &keyStore{}
	keys.mu.Lock()
	keys.keys = map[string]*iot.Credential{testKeyID: {AccessKeyID: testKeyID, Account: accountB, Secret: testSecret,
		UserName: "bob", Policies: mustPolicies(t, allow("iot:ListCertificates", "*"))}}
	keys.mu.Unlock()
	auth := EmulatorAuth{Lookup: keys.lookup}
	h := New(Config{Service: newTestService(t), Auth: auth})

	c, err := auth.Authenticate(withEmulatorAuth(newRequest("GET", "/certificates", "", nil), testKeyID), nil)
	if err != nil || c.Account != accountB || c.UserName != "bob" || c.Unrestricted || len(c.Policies) != 1 {
		t.Fatalf("known key: %+v, %v", c, err)
	}
	c, err = auth.Authenticate(withEmulatorAuth(newRequest("GET", "/certificates", "", nil), accountA), nil)
	if err != nil || c.Account != accountA || c.UserName != "" || c.Unrestricted {
		t.Fatalf("unknown key: %+v, %v", c, err)
	}
	c, err = EmulatorAuth{}.Authenticate(withEmulatorAuth(newRequest("GET", "/certificates", "", nil), accountA), nil)
	if err != nil || !c.Unrestricted {
		t.Fatalf("without Lookup: %+v, %v", c, err)
	}

	if got := record(h, withEmulatorAuth(newRequest("GET", "/certificates", "", nil), testKeyID)); got.Status != 200 {
		t.Errorf("allowed user: %d %s", got.Status, got.Body)
	}
	got := record(h, withEmulatorAuth(newRequest("GET", "/things", "", nil), testKeyID))
	wantError(t, got, 403, "AccessDeniedException")
	if got := record(h, withEmulatorAuth(newRequest("GET", "/things", "", nil), accountA)); got.Status != 200 {
		t.Errorf("root of a derived account: %d %s", got.Status, got.Body)
	}
}
