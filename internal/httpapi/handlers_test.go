package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// wantOK checks a 200 response and returns its decoded body (nil when empty).
func wantOK(t *testing.T, got response) map[string]any {
	t.Helper()
	if got.Status != http.StatusOK {
		t.Fatalf("status %d %s: %s", got.Status, got.errorType(), got.Body)
	}
	checkRequestID(t, got)
	if len(got.Body) == 0 {
		return nil
	}
	return got.json(t)
}

// TestCertificateLifecycle drives the handler with a real service through the
// certificate, policy, thing and transfer operations, checking wire shapes on the way.
func TestCertificateLifecycle(t *testing.T) {
	h := newEmulatorHandler(t)
	var certID, certARN, certPEM string

	t.Run("CreateKeysAndCertificate", func(t *testing.T) {
		m := wantOK(t, do(t, h, accountA, "POST", "/keys-and-certificate?setAsActive=true", "", nil))
		certID, _ = m["certificateId"].(string)
		certARN, _ = m["certificateArn"].(string)
		certPEM, _ = m["certificatePem"].(string)
		if len(certID) != 64 || certARN != "arn:aws:iot:"+testRegion+":"+accountA+":cert/"+certID {
			t.Fatalf("id %q arn %q", certID, certARN)
		}
		kp, _ := m["keyPair"].(map[string]any)
		if pub, _ := kp["PublicKey"].(string); !strings.Contains(pub, "PUBLIC KEY") {
			t.Errorf("keyPair.PublicKey = %q", pub)
		}
		if priv, _ := kp["PrivateKey"].(string); !strings.Contains(priv, "PRIVATE KEY") {
			t.Error("keyPair.PrivateKey missing")
		}
	})
	if certID == "" {
		t.FailNow()
	}
	escapedARN := url.PathEscape(certARN)
	escapedARN = strings.NewReplacer(":", "%3A").Replace(escapedARN) // as the SDKs send it

	t.Run("DescribeCertificate", func(t *testing.T) {
		m := wantOK(t, do(t, h, accountA, "GET", "/certificates/"+certID, "", nil))
		d := m["certificateDescription"].(map[string]any)
		if d["status"] != "ACTIVE" || d["ownedBy"] != accountA || d["certificateArn"] != certARN || d["certificateMode"] != "DEFAULT" {
			t.Errorf("description %v", d)
		}
		if td, ok := d["transferData"].(map[string]any); !ok || len(td) != 0 {
			t.Errorf("transferData = %#v, want {}", d["transferData"])
		}
		if _, ok := d["creationDate"].(json.Number); !ok {
			t.Errorf("creationDate = %#v", d["creationDate"])
		}
	})
	t.Run("DescribeCertificate in another account", func(t *testing.T) {
		wantError(t, do(t, h, accountB, "GET", "/certificates/"+certID, "", nil), http.StatusNotFound, "ResourceNotFoundException")
	})
	t.Run("RegisterCertificateWithoutCA again in the same account", func(t *testing.T) {
		body, _ := json.Marshal(map[string]string{"certificatePem": certPEM})
		m := wantError(t, do(t, h, accountA, "POST", "/certificate/register-no-ca", string(body), nil), http.StatusConflict, "ResourceAlreadyExistsException")
		if m["resourceId"] != certID || m["resourceArn"] != certARN {
			t.Errorf("resourceId %v resourceArn %v", m["resourceId"], m["resourceArn"])
		}
	})
	t.Run("ListCertificates", func(t *testing.T) {
		m := wantOK(t, do(t, h, accountA, "GET", "/certificates?pageSize=10&isAscendingOrder=true", "", nil))
		certs := m["certificates"].([]any)
		if len(certs) != 1 || certs[0].(map[string]any)["certificateId"] != certID {
			t.Errorf("certificates %v", certs)
		}
		if _, ok := m["nextMarker"]; ok {
			t.Error("nextMarker on the last page")
		}
		item := certs[0].(map[string]any)
		if _, ok := item["lastModifiedDate"]; ok {
			t.Error("Certificate items have no lastModifiedDate")
		}
	})
	t.Run("CreatePolicy", func(t *testing.T) {
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}`
		body, _ := json.Marshal(map[string]any{"policyDocument": doc, "tags": []map[string]string{{"Key": "team", "Value": "a"}}})
		m := wantOK(t, do(t, h, accountA, "POST", "/policies/p1", string(body), nil))
		if m["policyName"] != "p1" || m["policyDocument"] != doc || m["policyVersionId"] != "1" ||
			m["policyArn"] != "arn:aws:iot:"+testRegion+":"+accountA+":policy/p1" {
			t.Errorf("CreatePolicy output %v", m)
		}
	})
	t.Run("GetPolicy", func(t *testing.T) {
		m := wantOK(t, do(t, h, accountA, "GET", "/policies/p1", "", nil))
		for _, k := range []string{"creationDate", "lastModifiedDate"} {
			if _, ok := m[k].(json.Number); !ok {
				t.Errorf("%s = %#v", k, m[k])
			}
		}
		if m["defaultVersionId"] != "1" || m["generationId"] == nil {
			t.Errorf("GetPolicy output %v", m)
		}
	})
	t.Run("AttachPolicy", func(t *testing.T) {
		got := do(t, h, accountA, "PUT", "/target-policies/p1", `{"target":"`+certARN+`"}`, nil)
		if wantOK(t, got) != nil {
			t.Errorf("AttachPolicy has no output shape; body %q", got.Body)
		}
	})
	t.Run("ListAttachedPolicies with an escaped ARN", func(t *testing.T) {
		if !strings.Contains(escapedARN, "%3A") || !strings.Contains(escapedARN, "%2F") {
			t.Fatalf("target %s is not escaped as the SDKs do", escapedARN)
		}
		m := wantOK(t, do(t, h, accountA, "POST", "/attached-policies/"+escapedARN+"?recursive=false", "", nil))
		ps := m["policies"].([]any)
		if len(ps) != 1 || ps[0].(map[string]any)["policyName"] != "p1" || ps[0].(map[string]any)["policyArn"] == nil {
			t.Errorf("policies %v", ps)
		}
	})
	t.Run("DeleteCertificate while ACTIVE", func(t *testing.T) {
		wantError(t, do(t, h, accountA, "DELETE", "/certificates/"+certID, "", nil), http.StatusNotAcceptable, "CertificateStateException")
	})
	t.Run("CreateThing", func(t *testing.T) {
		m := wantOK(t, do(t, h, accountA, "POST", "/things/dev%3A1", `{"attributePayload":{"attributes":{"color":"red"}}}`, nil))
		if m["thingName"] != "dev:1" || m["thingId"] == "" || m["thingArn"] != "arn:aws:iot:"+testRegion+":"+accountA+":thing/dev:1" {
			t.Errorf("CreateThing output %v", m)
		}
	})
	t.Run("DescribeThing", func(t *testing.T) {
		m := wantOK(t, do(t, h, accountA, "GET", "/things/dev:1", "", nil))
		attrs, _ := m["attributes"].(map[string]any)
		if m["defaultClientId"] != "dev:1" || attrs["color"] != "red" || m["version"] != json.Number("1") {
			t.Errorf("DescribeThing output %v", m)
		}
		if _, ok := m["thingTypeName"]; ok {
			t.Error("thingTypeName present though unset")
		}
	})
	principal := http.Header{"x-amzn-principal": {certARN}} // lower case on purpose
	t.Run("AttachThingPrincipal", func(t *testing.T) {
		got := do(t, h, accountA, "PUT", "/things/dev:1/principals?thingPrincipalType=NON_EXCLUSIVE_THING", "", principal)
		wantOK(t, got)
		if string(got.Body) != "{}" {
			t.Errorf("body %q, want {}", got.Body)
		}
	})
	t.Run("ListThingPrincipals", func(t *testing.T) {
		m := wantOK(t, do(t, h, accountA, "GET", "/things/dev:1/principals?maxResults=5", "", nil))
		if ps := m["principals"].([]any); len(ps) != 1 || ps[0] != certARN {
			t.Errorf("principals %v", ps)
		}
		if _, ok := m["nextToken"]; ok {
			t.Error("nextToken on the last page")
		}
	})
	t.Run("ListPrincipalThings", func(t *testing.T) {
		m := wantOK(t, do(t, h, accountA, "GET", "/principals/things", "", http.Header{"X-Amzn-Principal": {certARN}}))
		if things := m["things"].([]any); len(things) != 1 || things[0] != "dev:1" {
			t.Errorf("things %v", things)
		}
	})
	t.Run("ListPrincipalThings without the header", func(t *testing.T) {
		wantError(t, do(t, h, accountA, "GET", "/principals/things", "", nil), http.StatusBadRequest, "InvalidRequestException")
	})
	t.Run("DeleteThing with the wrong version", func(t *testing.T) {
		wantError(t, do(t, h, accountA, "DELETE", "/things/dev:1?expectedVersion=7", "", nil), http.StatusConflict, "VersionConflictException")
	})
	t.Run("DetachThingPrincipal", func(t *testing.T) {
		got := do(t, h, accountA, "DELETE", "/things/dev:1/principals", "", principal)
		wantOK(t, got)
		if string(got.Body) != "{}" {
			t.Errorf("body %q, want {}", got.Body)
		}
	})
	t.Run("DetachPolicy", func(t *testing.T) {
		wantOK(t, do(t, h, accountA, "POST", "/target-policies/p1", `{"target":"`+certARN+`"}`, nil))
	})
	t.Run("UpdateCertificate", func(t *testing.T) {
		got := do(t, h, accountA, "PUT", "/certificates/"+certID+"?newStatus=INACTIVE", "", nil)
		wantOK(t, got)
		if len(got.Body) != 0 {
			t.Errorf("UpdateCertificate has no output shape; body %q", got.Body)
		}
	})
	t.Run("TransferCertificate", func(t *testing.T) {
		m := wantOK(t, do(t, h, accountA, "PATCH", "/transfer-certificate/"+certID+"?targetAwsAccount="+accountB,
			`{"transferMessage":"for you"}`, nil))
		if m["transferredCertificateArn"] != "arn:aws:iot:"+testRegion+":"+accountB+":cert/"+certID {
			t.Errorf("transferredCertificateArn = %v", m["transferredCertificateArn"])
		}
	})
	t.Run("ListOutgoingCertificates", func(t *testing.T) {
		m := wantOK(t, do(t, h, accountA, "GET", "/certificates-out-going", "", nil))
		out := m["outgoingCertificates"].([]any)
		if len(out) != 1 {
			t.Fatalf("outgoingCertificates %v", out)
		}
		o := out[0].(map[string]any)
		if o["transferredTo"] != accountB || o["transferMessage"] != "for you" || o["certificateId"] != certID {
			t.Errorf("outgoing %v", o)
		}
		for _, k := range []string{"transferDate", "creationDate"} {
			if _, ok := o[k].(json.Number); !ok {
				t.Errorf("%s = %#v", k, o[k])
			}
		}
	})
	t.Run("CancelCertificateTransfer by the target", func(t *testing.T) {
		wantError(t, do(t, h, accountB, "PATCH", "/cancel-certificate-transfer/"+certID, "", nil), http.StatusBadRequest, "InvalidRequestException")
	})
	t.Run("AcceptCertificateTransfer", func(t *testing.T) {
		got := do(t, h, accountB, "PATCH", "/accept-certificate-transfer/"+certID+"?setAsActive=true", "", nil)
		wantOK(t, got)
		if len(got.Body) != 0 {
			t.Errorf("body %q, want empty", got.Body)
		}
	})
	t.Run("DescribeCertificate after the transfer", func(t *testing.T) {
		m := wantOK(t, do(t, h, accountB, "GET", "/certificates/"+certID, "", nil))
		d := m["certificateDescription"].(map[string]any)
		td := d["transferData"].(map[string]any)
		if d["ownedBy"] != accountB || d["previousOwnedBy"] != accountA || d["status"] != "ACTIVE" || td["transferMessage"] != "for you" {
			t.Errorf("description %v", d)
		}
		for _, k := range []string{"transferDate", "acceptDate"} {
			if _, ok := td[k].(json.Number); !ok {
				t.Errorf("transferData.%s = %#v", k, td[k])
			}
		}
	})
	t.Run("RejectCertificateTransfer after acceptance", func(t *testing.T) {
		wantError(t, do(t, h, accountB, "PATCH", "/reject-certificate-transfer/"+certID, `{"rejectReason":"no"}`, nil),
			http.StatusGone, "TransferAlreadyCompletedException")
	})
	t.Run("DeletePolicy", func(t *testing.T) {
		got := do(t, h, accountA, "DELETE", "/policies/p1", "", nil)
		wantOK(t, got)
		if len(got.Body) != 0 {
			t.Errorf("body %q, want empty", got.Body)
		}
	})
	t.Run("DeleteThing", func(t *testing.T) {
		got := do(t, h, accountA, "DELETE", "/things/dev:1?expectedVersion=1", "", nil)
		wantOK(t, got)
		if string(got.Body) != "{}" {
			t.Errorf("body %q, want {}", got.Body)
		}
	})
}

func TestCreateCertificateFromCsrErrors(t *testing.T) {
	h := newEmulatorHandler(t)
	tests := []struct {
		name string
		body string
	}{
		{"missing CSR", `{}`},
		{"not a CSR", `{"certificateSigningRequest":"hello"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, do(t, h, accountA, "POST", "/certificates", tc.body, nil), http.StatusBadRequest, "InvalidRequestException")
		})
	}
}

// testServer builds a server around a custom route table, for failure paths no real
// operation can reach.
func testServer(t *testing.T, logs *bytes.Buffer, name string, handle handlerFunc) http.Handler {
	t.Helper()
	rr := &router{routes: []*route{{op: Operation{Name: name, Method: "GET", Path: "/x"}, segs: []segment{{literal: "x"}}, handle: handle}}}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	return &server{svc: &iot.Service{}, auth: EmulatorAuth{}, log: logger, clock: time.Now, routes: rr}
}

func TestServerFailures(t *testing.T) {
	tests := []struct {
		name     string
		handle   handlerFunc
		status   int
		typ      string
		message  string
		logged   string
		unlogged string
	}{
		{
			name:   "panic",
			handle: func(*server, context.Context, *call) (any, error) { panic("kaboom") },
			status: http.StatusInternalServerError, typ: "InternalFailureException", message: internalMessage, logged: "kaboom",
		},
		{
			name: "unexpected error",
			handle: func(*server, context.Context, *call) (any, error) {
				return nil, &iot.Error{Code: iot.CodeInternal, Message: "An unexpected error has occurred.", Err: errDisk}
			},
			status: http.StatusInternalServerError, typ: "InternalFailureException", message: internalMessage, logged: "disk full",
		},
		{
			name:   "plain error",
			handle: func(*server, context.Context, *call) (any, error) { return nil, errDisk },
			status: http.StatusInternalServerError, typ: "InternalFailureException", message: internalMessage, logged: "disk full",
		},
		{
			name: "service unavailable hides its cause",
			handle: func(*server, context.Context, *call) (any, error) {
				return nil, &iot.Error{Code: iot.CodeServiceUnavailable, Message: "db timeout at 10.0.0.1", Err: errDisk}
			},
			status: http.StatusServiceUnavailable, typ: "ServiceUnavailableException", message: internalMessage, logged: "10.0.0.1",
		},
		{
			name: "client error message passes through",
			handle: func(*server, context.Context, *call) (any, error) {
				return nil, iot.Errorf(iot.CodeLimitExceeded, "too many")
			},
			status: http.StatusGone, typ: "LimitExceededException", message: "too many", unlogged: "too many",
		},
		{
			name: "resource members only on ResourceAlreadyExists",
			handle: func(*server, context.Context, *call) (any, error) {
				return nil, &iot.Error{Code: iot.CodeDeleteConflict, Message: "attached", ResourceID: "x", ResourceARN: "y"}
			},
			status: http.StatusConflict, typ: "DeleteConflictException", message: "attached",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			h := testServer(t, &logs, "Test", tc.handle)
			got := do(t, h, accountA, "GET", "/x", "", nil)
			m := wantError(t, got, tc.status, tc.typ)
			if m["message"] != tc.message {
				t.Errorf("message %v, want %q", m["message"], tc.message)
			}
			if _, ok := m["resourceId"]; ok {
				t.Errorf("resourceId in %s", got.Body)
			}
			reqID := got.Header.Get("X-Amzn-RequestId")
			if tc.logged != "" && (!strings.Contains(logs.String(), tc.logged) || !strings.Contains(logs.String(), reqID)) {
				t.Errorf("log lacks %q or request ID %s:\n%s", tc.logged, reqID, logs.String())
			}
			if tc.unlogged != "" && strings.Contains(logs.String(), tc.unlogged) {
				t.Errorf("client error logged at error level:\n%s", logs.String())
			}
		})
	}
}

var errDisk = errorString("disk full")

type errorString string

func (e errorString) Error() string { return string(e) }

func TestRequestIDsDiffer(t *testing.T) {
	h := newEmulatorHandler(t)
	seen := map[string]bool{}
	for range 20 {
		got := serve(h, "GET", "/certificates", "", nil)
		checkRequestID(t, got)
		id := got.Header.Get("X-Amzn-RequestId")
		if seen[id] {
			t.Fatalf("request ID %s repeated", id)
		}
		seen[id] = true
	}
}

func TestNewRequiresServiceAndAuth(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no service", Config{Auth: EmulatorAuth{}}},
		{"no auth", Config{Service: &iot.Service{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("New did not panic")
				}
			}()
			New(tc.cfg)
		})
	}
}
