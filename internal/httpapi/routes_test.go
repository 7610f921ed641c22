package httpapi

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

const testCertID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestRouterMatch(t *testing.T) {
	certARN := "arn:aws:iot:us-east-1:123456789012:cert/" + testCertID
	escapedARN := "arn%3Aaws%3Aiot%3Aus-east-1%3A123456789012%3Acert%2F" + testCertID
	tests := []struct {
		name       string
		method     string
		path       string
		wantOp     string // "" means no match
		wantLabels []string
	}{
		{"escaped ARN target", "POST", "/attached-policies/" + escapedARN, "ListAttachedPolicies", []string{certARN}},
		{"ARN target with raw colons", "POST", "/attached-policies/arn:aws:iot:us-east-1:123456789012:cert%2F" + testCertID, "ListAttachedPolicies", []string{certARN}},
		{"unescaped slash in target is two segments", "POST", "/attached-policies/arn:aws:iot:us-east-1:123456789012:cert/" + testCertID, "", nil},
		{"list certificates", "GET", "/certificates", "ListCertificates", nil},
		{"create from CSR shares the path", "POST", "/certificates", "CreateCertificateFromCsr", nil},
		{"describe certificate", "GET", "/certificates/" + testCertID, "DescribeCertificate", []string{testCertID}},
		{"update certificate", "PUT", "/certificates/" + testCertID, "UpdateCertificate", []string{testCertID}},
		{"delete certificate", "DELETE", "/certificates/" + testCertID, "DeleteCertificate", []string{testCertID}},
		{"attach policy is PUT", "PUT", "/target-policies/my-policy", "AttachPolicy", []string{"my-policy"}},
		{"detach policy is POST", "POST", "/target-policies/my-policy", "DetachPolicy", []string{"my-policy"}},
		{"policy name keeps plus", "GET", "/policies/a+b=c,d.e@f-g", "GetPolicy", []string{"a+b=c,d.e@f-g"}},
		{"policy name escaped plus", "GET", "/policies/a%2Bb", "GetPolicy", []string{"a+b"}},
		{"create thing", "POST", "/things/thing%3A1", "CreateThing", []string{"thing:1"}},
		{"describe thing", "GET", "/things/thing-1", "DescribeThing", []string{"thing-1"}},
		{"delete thing", "DELETE", "/things/thing-1", "DeleteThing", []string{"thing-1"}},
		{"attach thing principal", "PUT", "/things/thing-1/principals", "AttachThingPrincipal", []string{"thing-1"}},
		{"detach thing principal", "DELETE", "/things/thing-1/principals", "DetachThingPrincipal", []string{"thing-1"}},
		{"list thing principals", "GET", "/things/thing-1/principals", "ListThingPrincipals", []string{"thing-1"}},
		{"list principal things", "GET", "/principals/things", "ListPrincipalThings", nil},
		{"outgoing certificates", "GET", "/certificates-out-going", "ListOutgoingCertificates", nil},
		{"transfer", "PATCH", "/transfer-certificate/" + testCertID, "TransferCertificate", []string{testCertID}},
		{"list policies", "GET", "/policies", "ListPolicies", nil},
		{"create policy version", "POST", "/policies/p/version", "CreatePolicyVersion", []string{"p"}},
		{"list policy versions", "GET", "/policies/p/version", "ListPolicyVersions", []string{"p"}},
		{"get policy version", "GET", "/policies/p/version/2", "GetPolicyVersion", []string{"p", "2"}},
		{"set default policy version", "PATCH", "/policies/p/version/2", "SetDefaultPolicyVersion", []string{"p", "2"}},
		{"delete policy version", "DELETE", "/policies/p/version/2", "DeletePolicyVersion", []string{"p", "2"}},
		{"attach principal policy", "PUT", "/principal-policies/p", "AttachPrincipalPolicy", []string{"p"}},
		{"detach principal policy", "DELETE", "/principal-policies/p", "DetachPrincipalPolicy", []string{"p"}},
		{"list principal policies", "GET", "/principal-policies", "ListPrincipalPolicies", nil},
		{"list targets for policy", "POST", "/policy-targets/p", "ListTargetsForPolicy", []string{"p"}},
		{"update thing", "PATCH", "/things/thing-1", "UpdateThing", []string{"thing-1"}},
		{"list things", "GET", "/things", "ListThings", nil},
		{"tag resource", "POST", "/tags", "TagResource", nil},
		{"list tags", "GET", "/tags", "ListTagsForResource", nil},
		{"untag resource", "POST", "/untag", "UntagResource", nil},
		{"unknown method on a known path", "PATCH", "/certificates", "", nil},
		{"HEAD is not GET", "HEAD", "/certificates", "", nil},
		{"unknown path", "GET", "/nothing-here", "", nil},
		{"root", "GET", "/", "", nil},
		{"empty path", "GET", "", "", nil},
		{"empty label", "GET", "/certificates/", "", nil},
		{"empty label in the middle", "GET", "/things//principals", "", nil},
		{"extra segment", "GET", "/certificates/" + testCertID + "/x", "", nil},
		{"too many segments", "GET", "/a/b/c/d/e/f/g/h/i/j", "", nil},
		{"bad escape", "GET", "/things/a%zz", "", nil},
		{"literal is case-sensitive", "GET", "/Certificates", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rt, labels := defaultRouter.match(tc.method, tc.path)
			if tc.wantOp == "" {
				if rt != nil {
					t.Fatalf("matched %s, want no route", rt.op.Name)
				}
				return
			}
			if rt == nil {
				t.Fatalf("no route, want %s", tc.wantOp)
			}
			if rt.op.Name != tc.wantOp {
				t.Errorf("matched %s, want %s", rt.op.Name, tc.wantOp)
			}
			if !slices.Equal(labels, tc.wantLabels) {
				t.Errorf("labels %q, want %q", labels, tc.wantLabels)
			}
		})
	}
}

// TestEveryOperationRoutes checks that each template routes to its own operation, with
// a sample value in every label.
func TestEveryOperationRoutes(t *testing.T) {
	for _, op := range Operations() {
		t.Run(op.Name, func(t *testing.T) {
			segs := strings.Split(op.Path, "/")
			for i, s := range segs {
				if strings.HasPrefix(s, "{") {
					segs[i] = "x"
				}
			}
			rt, _ := defaultRouter.match(op.Method, strings.Join(segs, "/"))
			if rt == nil || rt.op.Name != op.Name {
				t.Fatalf("%s %s did not route to %s", op.Method, op.Path, op.Name)
			}
		})
	}
}

func TestOperationsIsACopy(t *testing.T) {
	ops := Operations()
	ops[0].Name = "Changed"
	if Operations()[0].Name == "Changed" {
		t.Fatal("Operations exposes the route table itself")
	}
}

func TestUnknownRoutes(t *testing.T) {
	h := New(Config{Service: newTestService(t), Auth: EmulatorAuth{}})
	tests := []struct {
		name   string
		method string
		target string
	}{
		{"unknown path", "GET", "/no-such-thing"},
		{"known path, unknown method", "PATCH", "/certificates"},
		{"empty label", "GET", "/certificates/"},
		{"operation of another API not served", "GET", "/thing-groups"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := do(t, h, accountA, tc.method, tc.target, "", nil)
			m := wantError(t, got, http.StatusNotFound, "ResourceNotFoundException")
			if m["message"] != "Not Found" {
				t.Errorf("message %v, want Not Found", m["message"])
			}
		})
	}
	t.Run("unauthenticated probe gets 403, not 404", func(t *testing.T) {
		w := serve(h, "GET", "/no-such-thing", "", nil)
		wantError(t, w, http.StatusForbidden, "MissingAuthenticationTokenException")
	})
}

func BenchmarkRoute(b *testing.B) {
	path := "/certificates/" + testCertID
	b.ReportAllocs()
	for b.Loop() {
		rt, labels := defaultRouter.match("GET", path)
		if rt == nil || len(labels) != 1 {
			b.Fatal("no match")
		}
	}
}
