package iam

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// loadModelOperations reads the operations of the AWS IoT model from
// shared/reference/aws-model, found by walking up from the working directory
// (layout: /work/main is the repository, /work/shared the reference).
func loadModelOperations(t *testing.T) map[string]string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, "shared", "reference", "aws-model", "iot-2015-05-28.service-2.json")
		if b, err := os.ReadFile(p); err == nil {
			var m struct {
				Operations map[string]struct {
					Documentation string `json:"documentation"`
				} `json:"operations"`
			}
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatalf("parse %s: %v", p, err)
			}
			if len(m.Operations) == 0 {
				t.Fatalf("%s has no operations", p)
			}
			docs := make(map[string]string, len(m.Operations))
			for name, op := range m.Operations {
				docs[name] = op.Documentation
			}
			return docs
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("shared/reference/aws-model/iot-2015-05-28.service-2.json not found above the working directory")
		}
		dir = parent
	}
}

// requiresAction extracts the action from the model's "Requires permission to
// access the <a ...>X</a> action" sentence.
var requiresAction = regexp.MustCompile(`Requires permission to access the <a [^>]*>([A-Za-z0-9]+)</a> action`)

// TestOperationsMatchModel checks every row of the table against the AWS model:
// the operation exists, its action is "iot:" + its name, and where the model's
// documentation names the permission it requires, that is the same action.
func TestOperationsMatchModel(t *testing.T) {
	t.Parallel()
	docs := loadModelOperations(t)
	for _, o := range operations {
		name, ok := strings.CutPrefix(o.action, "iot:")
		if !ok {
			t.Errorf("action %q does not start with iot:", o.action)
			continue
		}
		doc, ok := docs[name]
		if !ok {
			t.Errorf("%s is not an operation of the AWS IoT model", name)
			continue
		}
		if got, ok := ActionFor(name); !ok || got != "iot:"+name {
			t.Errorf("ActionFor(%q) = %q, %v; want %q", name, got, ok, "iot:"+name)
		}
		if m := requiresAction.FindStringSubmatch(doc); m != nil && m[1] != name {
			t.Errorf("the model says %s requires the %s action, the table says %s", name, m[1], o.action)
		}
	}
}

// TestOperationsSorted guards the binary search in lookupOperation.
func TestOperationsSorted(t *testing.T) {
	t.Parallel()
	for i := 1; i < len(operations); i++ {
		if operations[i-1].action >= operations[i].action {
			t.Errorf("operations out of order or repeated at %q, %q", operations[i-1].action, operations[i].action)
		}
	}
	for _, o := range operations {
		if _, ok := lookupOperation(o.action[len("iot:"):]); !ok {
			t.Errorf("lookupOperation cannot find %s", o.action)
		}
	}
}

func TestResourceFor(t *testing.T) {
	t.Parallel()
	const id = "7a4ab9e7b6c2d1f0"
	tests := []struct {
		op, account, id, want string
	}{
		// Certificates act on the certificate's ARN in the account passed.
		{"DescribeCertificate", testAccount, id, "arn:aws:iot:us-east-1:111122223333:cert/" + id},
		{"UpdateCertificate", testAccount, id, "arn:aws:iot:us-east-1:111122223333:cert/" + id},
		{"DeleteCertificate", testAccount, id, "arn:aws:iot:us-east-1:111122223333:cert/" + id},
		{"TransferCertificate", testAccount, id, "arn:aws:iot:us-east-1:111122223333:cert/" + id},
		{"RejectCertificateTransfer", otherAcct, id, "arn:aws:iot:us-east-1:444455556666:cert/" + id},
		// Accept and Cancel: the server passes the target account (semantics.md §3.1).
		{"AcceptCertificateTransfer", otherAcct, id, "arn:aws:iot:us-east-1:444455556666:cert/" + id},
		{"CancelCertificateTransfer", otherAcct, id, "arn:aws:iot:us-east-1:444455556666:cert/" + id},
		// Creations and lists act on "*".
		{"CreateKeysAndCertificate", testAccount, "", "*"},
		{"CreateCertificateFromCsr", testAccount, "", "*"},
		{"RegisterCertificate", testAccount, "", "*"},
		{"RegisterCertificateWithoutCA", testAccount, "", "*"},
		{"ListCertificates", testAccount, "", "*"},
		{"ListCertificatesByCA", testAccount, id, "*"},
		{"ListOutgoingCertificates", testAccount, "", "*"},
		{"DescribeEndpoint", testAccount, "", "*"},
		{"ListAttachedPolicies", testAccount, certABC, "*"},
		// CA certificates, policies, things.
		{"DescribeCACertificate", testAccount, id, "arn:aws:iot:us-east-1:111122223333:cacert/" + id},
		{"CreatePolicy", testAccount, "app", "arn:aws:iot:us-east-1:111122223333:policy/app"},
		{"GetPolicy", testAccount, "app", "arn:aws:iot:us-east-1:111122223333:policy/app"},
		{"DeletePolicy", testAccount, "app", "arn:aws:iot:us-east-1:111122223333:policy/app"},
		{"CreateThing", testAccount, "lamp", thingLamp},
		{"DescribeThing", testAccount, "lamp", thingLamp},
		{"ListThingPrincipals", testAccount, "lamp", thingLamp},
		// ARNs carried by the request are evaluated as given.
		{"AttachPolicy", testAccount, certABC, certABC},
		{"DetachPolicy", testAccount, certABC, certABC},
		{"AttachThingPrincipal", testAccount, certABC, certABC},
		{"ListPrincipalThings", testAccount, certABC, certABC},
		{"TagResource", testAccount, "arn:aws:iot:us-east-1:111122223333:policy/app", "arn:aws:iot:us-east-1:111122223333:policy/app"},
	}
	for _, tc := range tests {
		t.Run(tc.op, func(t *testing.T) {
			t.Parallel()
			got, ok := ResourceFor(tc.op, testRegion, tc.account, tc.id)
			if !ok || got != tc.want {
				t.Errorf("ResourceFor(%q) = %q, %v; want %q", tc.op, got, ok, tc.want)
			}
		})
	}
}

func TestUnknownOperation(t *testing.T) {
	t.Parallel()
	for _, op := range []string{"", "CreateWidget", "describeCertificate", "iot:DescribeCertificate", "DescribeCertificate "} {
		if a, ok := ActionFor(op); ok || a != "" {
			t.Errorf("ActionFor(%q) = %q, %v; want \"\", false", op, a, ok)
		}
		if r, ok := ResourceFor(op, testRegion, testAccount, "x"); ok || r != "" {
			t.Errorf("ResourceFor(%q) = %q, %v; want \"\", false", op, r, ok)
		}
	}
}

// TestTableAuthorises runs the table through Evaluate end to end: a policy
// scoped to one account's certificates grants DescribeCertificate on that
// account's certificate and not on ListCertificates, whose resource is "*".
func TestTableAuthorises(t *testing.T) {
	t.Parallel()
	p := MustParse(t, stmt(`{"Effect":"Allow","Action":"iot:*Certificate*","Resource":"arn:aws:iot:*:111122223333:cert/*"}`))
	request := func(op, id string) Request {
		a, _ := ActionFor(op)
		r, _ := ResourceFor(op, testRegion, testAccount, id)
		return Request{Action: a, Resource: r}
	}
	if d := Evaluate([]*Policy{p}, request("DescribeCertificate", "abc")); d != Allow {
		t.Errorf("DescribeCertificate: %v, want Allow", d)
	}
	if d := Evaluate([]*Policy{p}, request("ListCertificates", "")); d != ImplicitDeny {
		t.Errorf("ListCertificates: %v, want ImplicitDeny", d)
	}
}
