package httpapi

import (
	"net/http"
	"testing"
)

func TestEmulatorReset(t *testing.T) {
	t.Parallel()
	svc := newTestService(t)
	h := New(Config{Service: svc, Auth: EmulatorAuth{}, EmulatorReset: true})

	created := wantOK(t, do(t, h, accountA, "POST", "/keys-and-certificate", "", nil))
	id, _ := created["certificateId"].(string)
	wantOK(t, do(t, h, accountB, "POST", "/policies/p1", `{"policyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iot:Connect\",\"Resource\":\"*\"}]}"}`, nil))

	// Not POST: refused as moto refuses it, and nothing is deleted.
	if got := serve(h, "GET", "/moto-api/reset", "", nil); got.Status != http.StatusBadRequest {
		t.Fatalf("GET /moto-api/reset = %d %s, want 400", got.Status, got.Body)
	}
	wantOK(t, do(t, h, accountA, "GET", "/certificates/"+id, "", nil))

	// Unsigned, as moto's callers send it; answered as moto answers.
	got := serve(h, "POST", "/moto-api/reset", "", nil)
	if got.Status != http.StatusOK || string(got.Body) != `{"status":"ok"}` || got.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("reset = %d %q %q", got.Status, got.Body, got.Header.Get("Content-Type"))
	}
	checkRequestID(t, got)

	wantError(t, do(t, h, accountA, "GET", "/certificates/"+id, "", nil), http.StatusNotFound, "ResourceNotFoundException")
	wantError(t, do(t, h, accountB, "GET", "/policies/p1", "", nil), http.StatusNotFound, "ResourceNotFoundException")
	if l := wantOK(t, do(t, h, accountA, "GET", "/certificates", "", nil)); len(l["certificates"].([]any)) != 0 {
		t.Fatalf("certificates after reset: %v", l["certificates"])
	}
	// The server keeps working after a reset.
	wantOK(t, do(t, h, accountA, "POST", "/keys-and-certificate", "", nil))
}

func TestEmulatorResetOffByDefault(t *testing.T) {
	t.Parallel()
	for _, auth := range []Authenticator{EmulatorAuth{}, &SigV4Auth{}} {
		h := New(Config{Service: newTestService(t), Auth: auth})
		// Without the flag the path is an ordinary request: unsigned means 403, as for any
		// other path, and a signed one finds no route.
		got := serve(h, "POST", "/moto-api/reset", "", nil)
		wantError(t, got, http.StatusForbidden, "MissingAuthenticationTokenException")
	}
	h := New(Config{Service: newTestService(t), Auth: EmulatorAuth{}})
	wantError(t, do(t, h, accountA, "POST", "/moto-api/reset", "", nil), http.StatusNotFound, "ResourceNotFoundException")
}
