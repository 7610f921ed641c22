package httpapi

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/iotcertd/iotcertd/internal/iot"
)

func TestCADecodingErrors(t *testing.T) {
	h := newEmulatorHandler(t)
	tests := []struct {
		name, method, target, body, mention string
	}{
		{"registrationConfig not an object", "POST", "/cacertificate", `{"caCertificate":"x","registrationConfig":"t"}`, "registrationConfig"},
		{"templateName not a string", "POST", "/cacertificate", `{"caCertificate":"x","registrationConfig":{"templateName":1}}`, "registrationConfig.templateName"},
		{"roleArn not a string", "PUT", "/cacertificate/" + testCertID, `{"registrationConfig":{"roleArn":[]}}`, "registrationConfig.roleArn"},
		{"removeAutoRegistration not a boolean", "PUT", "/cacertificate/" + testCertID, `{"removeAutoRegistration":"true"}`, "removeAutoRegistration"},
		{"bad allowAutoRegistration", "POST", "/cacertificate?allowAutoRegistration=on", `{"caCertificate":"x"}`, "allowAutoRegistration"},
		{"missing caCertificate", "POST", "/cacertificate", `{}`, "caCertificate"},
		{"certificateMode not a string", "POST", "/cacertificate", `{"caCertificate":"x","certificateMode":true}`, "certificateMode"},
		{"bad pageSize", "GET", "/certificates-by-ca/" + testCertID + "?pageSize=x", "", "pageSize"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := do(t, h, accountA, tc.method, tc.target, tc.body, nil)
			m := wantError(t, got, http.StatusBadRequest, "InvalidRequestException")
			if msg, _ := m["message"].(string); !strings.Contains(msg, tc.mention) {
				t.Errorf("message %q does not mention %q", msg, tc.mention)
			}
		})
	}
}

func TestCAOutputs(t *testing.T) {
	h := newEmulatorHandler(t)
	got := do(t, h, accountA, "GET", "/registrationcode", "", nil)
	code, _ := got.json(t)["registrationCode"].(string)
	if got.Status != http.StatusOK || len(code) != 64 {
		t.Fatalf("GetRegistrationCode: %d %s", got.Status, got.Body)
	}
	// Operations with an empty output structure answer {}; UpdateCACertificate has none.
	for _, tc := range []struct{ method, target, want string }{
		{"DELETE", "/registrationcode", "{}"},
	} {
		got := do(t, h, accountA, tc.method, tc.target, "", nil)
		if got.Status != http.StatusOK || string(got.Body) != tc.want {
			t.Fatalf("%s %s: %d %q, want %q", tc.method, tc.target, got.Status, got.Body, tc.want)
		}
	}
	got = do(t, h, accountA, "GET", "/cacertificates", "", nil)
	if got.Status != http.StatusOK || string(got.Body) != `{"certificates":[]}` {
		t.Fatalf("empty ListCACertificates: %d %s", got.Status, got.Body)
	}
	got = do(t, h, accountA, "GET", "/certificates-by-ca/"+testCertID, "", nil)
	if got.Status != http.StatusOK || string(got.Body) != `{"certificates":[]}` {
		t.Fatalf("empty ListCertificatesByCA: %d %s", got.Status, got.Body)
	}
	wantError(t, do(t, h, accountA, "GET", "/cacertificate/"+testCertID, "", nil), http.StatusNotFound, "ResourceNotFoundException")
	wantError(t, do(t, h, accountA, "DELETE", "/cacertificate/"+testCertID, "", nil), http.StatusNotFound, "ResourceNotFoundException")
}

func TestDescribeEndpointHost(t *testing.T) {
	h := newEmulatorHandler(t)
	r := withEmulatorAuth(httptest.NewRequest("GET", "/endpoint?endpointType=iot%3AData-ATS", nil), accountA)
	r.Host = "iot.example.test:8443"
	got := record(h, r)
	if addr, _ := got.json(t)["endpointAddress"].(string); got.Status != http.StatusOK || addr != "iot.example.test:8443" {
		t.Fatalf("DescribeEndpoint: %d %s", got.Status, got.Body)
	}

	// Without a Host (HTTP/1.0), the local address the request came in on.
	r = withEmulatorAuth(httptest.NewRequest("GET", "/endpoint", nil), accountA)
	r.Host = ""
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8780}
	r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, net.Addr(local)))
	got = record(h, r)
	if addr, _ := got.json(t)["endpointAddress"].(string); got.Status != http.StatusOK || addr != "127.0.0.1:8780" {
		t.Fatalf("DescribeEndpoint without Host: %d %s", got.Status, got.Body)
	}

	wantError(t, do(t, h, accountA, "GET", "/endpoint?endpointType=iot%3AFoo", "", nil), http.StatusBadRequest, "InvalidRequestException")
}

// FuzzRegistrationConfigMember feeds arbitrary JSON bodies to the decoding of the
// RegistrationConfig structure: it must decode or answer InvalidRequest, never panic.
func FuzzRegistrationConfigMember(f *testing.F) {
	f.Add(`{"registrationConfig":{"templateBody":"{}","roleArn":"arn:aws:iam::1:role/r","templateName":"t"}}`)
	f.Add(`{"registrationConfig":null}`)
	f.Add(`{"registrationConfig":{"templateName":null}}`)
	f.Add(`{"registrationConfig":[1]}`)
	f.Add(`{}`)
	f.Add(``)
	f.Fuzz(func(t *testing.T, body string) {
		r := &request{body: []byte(body)}
		o, err := r.object()
		if err != nil {
			if iot.ErrorCode(err) != iot.CodeInvalidRequest {
				t.Fatalf("object: %v", err)
			}
			return
		}
		if _, err := registrationConfigMember(o, "registrationConfig"); err != nil && iot.ErrorCode(err) != iot.CodeInvalidRequest {
			t.Fatalf("registrationConfigMember: %v", err)
		}
	})
}
