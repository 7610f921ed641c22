package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestWarmup runs create-keys against the canned SigV4 server with -warmup: every client
// makes its ListCertificates calls first, and only the workload's calls are counted.
func TestWarmup(t *testing.T) {
	canned, err := newCannedServer(defaultSecret)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var order []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		order = append(order, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
		mu.Unlock()
		canned.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	var out, errOut strings.Builder
	args := []string{"-endpoint", srv.URL, "-concurrency", "3", "-n", "5", "-warmup", "2", "-json", "create-keys"}
	if err := run(t.Context(), args, &out, &errOut); err != nil {
		t.Fatalf("run: %v (%s)", err, errOut.String())
	}
	var s struct {
		Ops    int `json:"ops"`
		Calls  int `json:"calls"`
		Errors int `json:"errors"`
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &s); err != nil {
		t.Fatalf("result line %q: %v", lines[len(lines)-1], err)
	}
	if s.Ops != 5 || s.Calls != 5 || s.Errors != 0 {
		t.Fatalf("counted %d ops, %d calls, %d errors; want 5, 5, 0", s.Ops, s.Calls, s.Errors)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(order) != 6+5 {
		t.Fatalf("the server saw %d requests, want 6 warm-up calls and 5 of the run: %v", len(order), order)
	}
	for i, req := range order {
		warm := strings.HasPrefix(req, "GET /certificates?") && strings.Contains(req, "pageSize=1")
		if i < 6 && !warm {
			t.Fatalf("request %d is %q, want a warm-up ListCertificates", i, req)
		}
		if i >= 6 && !strings.HasPrefix(req, "POST /keys-and-certificate") {
			t.Fatalf("request %d is %q, want CreateKeysAndCertificate", i, req)
		}
	}

	args = []string{"-endpoint", srv.URL, "-client", "raw", "-warmup", "1", "describe"}
	if err := run(t.Context(), args, &out, &errOut); err == nil || !strings.Contains(err.Error(), "-warmup") {
		t.Fatalf("-warmup with the raw client: %v, want refused", err)
	}
}
