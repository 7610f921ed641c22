package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/iotcertd/iotcertd/internal/iot"
	"github.com/iotcertd/iotcertd/internal/sigv4"
)

func TestEmulatorAuthAccount(t *testing.T) {
	tests := []struct {
		name      string
		accessKey string
		want      string
	}{
		{"12-digit key is the account", "210987654321", "210987654321"},
		{"AWS-shaped key", "AKIAIOSFODNN7EXAMPLE", EmulatorAccount},
		{"11 digits", "12345678901", EmulatorAccount},
		{"13 digits", "1234567890123", EmulatorAccount},
		{"12 characters, not all digits", "12345678901a", EmulatorAccount},
		{"test", "test", EmulatorAccount},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := withEmulatorAuth(newRequest("GET", "/certificates", "", nil), tc.accessKey)
			c, err := EmulatorAuth{}.Authenticate(r, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.Account != tc.want || c.Region != testRegion {
				t.Errorf("caller %+v, want account %s region %s", c, tc.want, testRegion)
			}
		})
	}
}

func TestEmulatorAuthRejects(t *testing.T) {
	h := New(Config{Service: newTestService(t), Auth: EmulatorAuth{}})
	tests := []struct {
		name   string
		header http.Header
		want   string
	}{
		{"no Authorization header", nil, sigv4.CodeMissingAuthenticationToken},
		{"not SigV4", http.Header{"Authorization": {"Basic dXNlcjpwYXNz"}}, sigv4.CodeIncompleteSignature},
		{"no X-Amz-Date", http.Header{"Authorization": {"AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/iot/aws4_request, SignedHeaders=host, Signature=" + strings.Repeat("0", 64)}}, sigv4.CodeIncompleteSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := serve(h, "GET", "/certificates", "", tc.header)
			wantError(t, got, http.StatusForbidden, tc.want)
		})
	}
}

// keyStore is a Lookup backed by a map, counting lookups.
type keyStore struct {
	mu      sync.Mutex
	keys    map[string]*iot.Credential
	fail    error
	lookups int
}

func (k *keyStore) lookup(_ context.Context, id string) (*iot.Credential, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.lookups++
	if k.fail != nil {
		return nil, k.fail
	}
	c, ok := k.keys[id]
	if !ok {
		return nil, iot.ErrNotFound
	}
	return c, nil
}

func (k *keyStore) add(id, account, secret string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.keys == nil {
		k.keys = map[string]*iot.Credential{}
	}
	k.keys[id] = &iot.Credential{AccessKeyID: id, Account: account, Secret: secret}
}

func (k *keyStore) count() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.lookups
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

const (
	testKeyID  = "AKIAEXAMPLEKEY000001"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// signedRequest builds a request signed by the AWS SDK for Go v2's own signer.
func signedRequest(t testing.TB, method, target, body, keyID, secret, service string, at time.Time) *http.Request {
	t.Helper()
	r := newRequest(method, target, body, nil)
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), service, testRegion, at); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSigV4Auth(t *testing.T) {
	start := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	lookupFailure := errors.New("database is on fire")
	escapedARN := "arn%3Aaws%3Aiot%3Aus-east-1%3A123456789012%3Acert%2F" + testCertID
	tests := []struct {
		name        string
		req         func(t *testing.T) *http.Request
		fail        error
		wantAccount string
		wantCode    string
		wantMessage string
		wantLookups int
	}{
		{
			name: "valid signature",
			req: func(t *testing.T) *http.Request {
				return signedRequest(t, "GET", "/certificates?pageSize=2", "", testKeyID, testSecret, "iot", start)
			},
			wantAccount: "123456789012", wantLookups: 1,
		},
		{
			name: "escaped ARN path and body",
			req: func(t *testing.T) *http.Request {
				return signedRequest(t, "POST", "/attached-policies/"+escapedARN+"?recursive=true", `{"x":1}`, testKeyID, testSecret, "iot", start)
			},
			wantAccount: "123456789012", wantLookups: 1,
		},
		{
			name: "execute-api scope",
			req: func(t *testing.T) *http.Request {
				return signedRequest(t, "GET", "/certificates", "", testKeyID, testSecret, "execute-api", start)
			},
			wantAccount: "123456789012", wantLookups: 1,
		},
		{
			name: "unknown access key",
			req: func(t *testing.T) *http.Request {
				return signedRequest(t, "GET", "/certificates", "", "AKIAUNKNOWN000000000", testSecret, "iot", start)
			},
			wantCode:    "UnrecognizedClientException",
			wantMessage: "The security token included in the request is invalid.", wantLookups: 1,
		},
		{
			name: "wrong secret",
			req: func(t *testing.T) *http.Request {
				return signedRequest(t, "GET", "/certificates", "", testKeyID, "not-the-secret", "iot", start)
			},
			wantCode: sigv4.CodeInvalidSignature, wantMessage: sigv4.MessageSignatureMismatch, wantLookups: 1,
		},
		{
			name: "body changed after signing",
			req: func(t *testing.T) *http.Request {
				r := signedRequest(t, "POST", "/target-policies/p", `{"target":"a"}`, testKeyID, testSecret, "iot", start)
				r.Body = http.NoBody
				return r
			},
			wantCode: sigv4.CodeInvalidSignature, wantLookups: 1,
		},
		{
			name: "other service",
			req: func(t *testing.T) *http.Request {
				return signedRequest(t, "GET", "/certificates", "", testKeyID, testSecret, "s3", start)
			},
			wantCode:    sigv4.CodeInvalidSignature,
			wantMessage: "Credential should be scoped to correct service: 'iot'.", wantLookups: 0,
		},
		{
			name: "stale request is refused before any lookup",
			req: func(t *testing.T) *http.Request {
				return signedRequest(t, "GET", "/certificates", "", testKeyID, testSecret, "iot", start.Add(-16*time.Minute))
			},
			wantCode: sigv4.CodeInvalidSignature, wantLookups: 0,
		},
		{
			name:     "missing Authorization",
			req:      func(t *testing.T) *http.Request { return newRequest("GET", "/certificates", "", nil) },
			wantCode: sigv4.CodeMissingAuthenticationToken, wantLookups: 0,
		},
		{
			name: "lookup failure is a server error",
			req: func(t *testing.T) *http.Request {
				return signedRequest(t, "GET", "/certificates", "", testKeyID, testSecret, "iot", start)
			},
			fail:     lookupFailure,
			wantCode: "InternalFailureException", wantLookups: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keys := &keyStore{fail: tc.fail}
			keys.add(testKeyID, "123456789012", testSecret)
			clock := &fakeClock{now: start.Add(time.Minute)}
			auth := &SigV4Auth{Lookup: keys.lookup, Clock: clock.Now}
			r := tc.req(t)
			var body []byte
			if r.Body != nil {
				body, _ = io.ReadAll(r.Body)
			}
			c, err := auth.Authenticate(r, body)
			if got := keys.count(); got != tc.wantLookups {
				t.Errorf("%d lookups, want %d", got, tc.wantLookups)
			}
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("Authenticate: %v", err)
				}
				if c.Account != tc.wantAccount || c.Region != testRegion {
					t.Errorf("caller %+v, want account %s region %s", c, tc.wantAccount, testRegion)
				}
				return
			}
			if tc.wantCode == "InternalFailureException" {
				if err == nil || !errors.Is(err, lookupFailure) {
					t.Fatalf("err = %v, want the lookup failure", err)
				}
				return
			}
			var se *sigv4.Error
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *sigv4.Error %s", err, tc.wantCode)
			}
			if se.Code != tc.wantCode || se.Status != http.StatusForbidden {
				t.Errorf("got %s %d, want %s 403", se.Code, se.Status, tc.wantCode)
			}
			if tc.wantMessage != "" && se.Message != tc.wantMessage {
				t.Errorf("message %q, want %q", se.Message, tc.wantMessage)
			}
		})
	}
}

func TestSigV4AuthThroughHandler(t *testing.T) {
	start := time.Now().UTC().Truncate(time.Second)
	keys := &keyStore{}
	keys.add(testKeyID, accountA, testSecret)
	auth := &SigV4Auth{Lookup: keys.lookup}
	h := New(Config{Service: newTestService(t), Auth: auth})

	t.Run("signed request is served", func(t *testing.T) {
		got := record(h, signedRequest(t, "GET", "/certificates", "", testKeyID, testSecret, "iot", start))
		if got.Status != http.StatusOK {
			t.Fatalf("status %d: %s", got.Status, got.Body)
		}
		checkRequestID(t, got)
	})
	t.Run("unknown key is 403 UnrecognizedClientException", func(t *testing.T) {
		got := record(h, signedRequest(t, "GET", "/certificates", "", "AKIANOPE000000000000", testSecret, "iot", start))
		m := wantError(t, got, http.StatusForbidden, "UnrecognizedClientException")
		if m["message"] != "The security token included in the request is invalid." {
			t.Errorf("message %v", m["message"])
		}
	})
	t.Run("bad signature on an unknown path is 403, not 404", func(t *testing.T) {
		got := record(h, signedRequest(t, "GET", "/nope", "", testKeyID, "wrong", "iot", start))
		wantError(t, got, http.StatusForbidden, sigv4.CodeInvalidSignature)
	})
	t.Run("lookup failure is 500 without detail", func(t *testing.T) {
		failing := &SigV4Auth{Lookup: func(context.Context, string) (*iot.Credential, error) {
			return nil, errors.New("secret internal detail")
		}}
		h := New(Config{Service: newTestService(t), Auth: failing})
		got := record(h, signedRequest(t, "GET", "/certificates", "", testKeyID, testSecret, "iot", start))
		m := wantError(t, got, http.StatusInternalServerError, "InternalFailureException")
		if m["message"] != internalMessage || strings.Contains(string(got.Body), "secret") {
			t.Errorf("body leaks detail: %s", got.Body)
		}
	})
}

func TestSigV4AuthCache(t *testing.T) {
	start := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	clock := &fakeClock{now: start}
	keys := &keyStore{}
	auth := &SigV4Auth{Lookup: keys.lookup, Clock: clock.Now}
	authenticate := func() error {
		r := signedRequest(t, "GET", "/certificates", "", testKeyID, testSecret, "iot", clock.Now())
		_, err := auth.Authenticate(r, nil)
		return err
	}

	t.Run("unknown key is not cached", func(t *testing.T) {
		if err := authenticate(); err == nil {
			t.Fatal("unknown key accepted")
		}
		keys.add(testKeyID, accountA, testSecret)
		if err := authenticate(); err != nil {
			t.Fatalf("a key created after a failed lookup must work at once: %v", err)
		}
		if n := keys.count(); n != 2 {
			t.Errorf("%d lookups, want 2", n)
		}
	})
	t.Run("found key is cached for at most a second", func(t *testing.T) {
		before := keys.count()
		clock.Advance(500 * time.Millisecond)
		if err := authenticate(); err != nil {
			t.Fatal(err)
		}
		if n := keys.count() - before; n != 0 {
			t.Errorf("%d lookups within the cache lifetime, want 0", n)
		}
		clock.Advance(500 * time.Millisecond)
		if err := authenticate(); err != nil {
			t.Fatal(err)
		}
		if n := keys.count() - before; n != 1 {
			t.Errorf("%d lookups after a second, want 1", n)
		}
	})
}

// TestCredentialScopeRegion checks that both authenticators refuse a credential scope
// whose region is not a region name (ARNs could not carry it), before any key lookup,
// and accept the shapes AWS's region names take.
func TestCredentialScopeRegion(t *testing.T) {
	start := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	sign := func(t *testing.T, region string) *http.Request {
		r := newRequest("GET", "/certificates", "", nil)
		sum := sha256.Sum256(nil)
		creds := aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "iot", region, start); err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, tc := range []struct {
		region string
		valid  bool
	}{
		{"us-east-1", true}, {"us-gov-west-1", true}, {"cn-northwest-1", true}, {"eusc-de-east-1", true}, {"us-isob-east-1", true},
		{"x:y", false}, {"us east 1", false}, {"US-EAST-1", false}, {"us-east", false}, {"useast1", false},
		{"us-east-1a", false}, {"arn:aws:iot", false}, {"us-" + strings.Repeat("a", 50) + "-1", false},
	} {
		t.Run(tc.region, func(t *testing.T) {
			keys := &keyStore{}
			keys.add(testKeyID, "123456789012", testSecret)
			strict := &SigV4Auth{Lookup: keys.lookup, Clock: func() time.Time { return start }}
			for name, auth := range map[string]Authenticator{"sigv4": strict, "emulator": EmulatorAuth{}} {
				c, err := auth.Authenticate(sign(t, tc.region), nil)
				if tc.valid {
					if err != nil || c.Region != tc.region {
						t.Errorf("%s: caller %+v, err %v; want region %s", name, c, err, tc.region)
					}
					continue
				}
				var se *sigv4.Error
				if !errors.As(err, &se) || se.Code != sigv4.CodeInvalidSignature || se.Status != http.StatusForbidden ||
					se.Message != "Credential should be scoped to a valid region." {
					t.Errorf("%s: err %v, want 403 %s about the region", name, err, sigv4.CodeInvalidSignature)
				}
			}
			if !tc.valid && keys.count() != 0 {
				t.Errorf("%d key lookups for a refused scope", keys.count())
			}
		})
	}
}
