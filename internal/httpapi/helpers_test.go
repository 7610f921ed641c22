package httpapi

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iotcertd/iotcertd/internal/iot"
	"github.com/iotcertd/iotcertd/internal/store/sqlite"
)

// testSealer is a minimal AES-256-GCM sealer for tests: nonce || ciphertext.
type testSealer struct{ aead cipher.AEAD }

func newTestSealer(t testing.TB) *testSealer {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return &testSealer{aead: aead}
}

func (s *testSealer) Seal(plaintext, aad []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, plaintext, aad), nil
}

func (s *testSealer) Open(sealed, aad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("sealed value too short")
	}
	return s.aead.Open(nil, sealed[:n], sealed[n:], aad)
}

// newTestService returns a real iot.Service on a SQLite store in a temporary directory.
func newTestService(t testing.TB) *iot.Service {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "iot.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	svc, err := iot.NewService(ctx, iot.Config{Store: store, Sealer: newTestSealer(t)})
	if err != nil {
		t.Fatalf("new service: %v", err)
	}
	return svc
}

// newEmulatorHandler returns the handler on a fresh service with EmulatorAuth.
func newEmulatorHandler(t testing.TB) http.Handler {
	t.Helper()
	return New(Config{Service: newTestService(t), Auth: EmulatorAuth{}})
}

// testRegion is the region of the test credential scope.
const testRegion = "us-east-1"

// withEmulatorAuth adds a well-formed (not verifiable) SigV4 Authorization header for
// accessKey, which EmulatorAuth accepts.
func withEmulatorAuth(r *http.Request, accessKey string) *http.Request {
	now := time.Now().UTC()
	r.Header.Set("X-Amz-Date", now.Format("20060102T150405Z"))
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+accessKey+"/"+now.Format("20060102")+"/"+testRegion+
		"/iot/aws4_request, SignedHeaders=host;x-amz-date, Signature="+strings.Repeat("ab", 32))
	return r
}

// response is a decoded response.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// errorType returns the X-Amzn-ErrorType header.
func (r response) errorType() string { return r.Header.Get("X-Amzn-ErrorType") }

// json decodes the body into a generic value, keeping numbers as json.Number.
func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(r.Body)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.Body, err)
	}
	return m
}

// do sends one request as account (via EmulatorAuth's 12-digit key rule) and records the
// response. target is the escaped request target, e.g. "/certificates?pageSize=1".
func do(t testing.TB, h http.Handler, account, method, target, body string, header http.Header) response {
	t.Helper()
	r := newRequest(method, target, body, header)
	withEmulatorAuth(r, account)
	return record(h, r)
}

// serve sends one request without any Authorization header.
func serve(h http.Handler, method, target, body string, header http.Header) response {
	return record(h, newRequest(method, target, body, header))
}

func newRequest(method, target, body string, header http.Header) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	for k, vs := range header {
		for _, v := range vs {
			r.Header.Add(k, v) // canonicalises the name, as net/http does for received headers
		}
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	return r
}

func record(h http.Handler, r *http.Request) response {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	res := w.Result()
	b, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// wantError checks an error response: status, X-Amzn-ErrorType, and the JSON body's
// __type and message.
func wantError(t testing.TB, got response, status int, typ string) map[string]any {
	t.Helper()
	if got.Status != status || got.errorType() != typ {
		t.Fatalf("got %d %q %s, want %d %s", got.Status, got.errorType(), got.Body, status, typ)
	}
	m := got.json(t)
	if m["__type"] != typ {
		t.Errorf("__type = %v, want %s", m["__type"], typ)
	}
	if msg, _ := m["message"].(string); msg == "" {
		t.Errorf("error body %s has no message", got.Body)
	}
	if ct := got.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	checkRequestID(t, got)
	return m
}

// checkRequestID asserts the response carries a version 4 UUID request ID.
func checkRequestID(t testing.TB, got response) {
	t.Helper()
	id := got.Header.Get("x-amzn-RequestId")
	if len(id) != 36 || id[14] != '4' || strings.Count(id, "-") != 4 || !strings.ContainsAny(id[19:20], "89ab") {
		t.Errorf("x-amzn-RequestId = %q, want a UUID v4", id)
	}
}

const (
	accountA = "111111111111"
	accountB = "222222222222"
)
