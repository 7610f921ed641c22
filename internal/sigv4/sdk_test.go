package sigv4

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go/encoding/httpbinding"
)

const (
	sdkAccessKey = "AKIAIOSFODNN7EXAMPLE"
	sdkSecret    = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	sdkRegion    = "us-east-1"
	sdkService   = "iot"
)

// authResult is what the test server reports about a request.
type authResult struct {
	Code          string
	Message       string
	AccessKeyID   string
	SecurityToken string
	Presigned     bool
}

// newAuthServer starts a loopback server whose handler does what iotcertd
// does with every request: read the body, Parse, CheckTime, look the secret
// up, Verify.
func newAuthServer(t *testing.T) *httptest.Server {
	t.Helper()
	var verifier Verifier
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, status := authResult{}, http.StatusOK
		err := func() error {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return err
			}
			a, err := Parse(r)
			if err != nil {
				return err
			}
			res.AccessKeyID, res.SecurityToken, res.Presigned = a.AccessKeyID, a.SecurityToken, a.Presigned
			if err := CheckTime(a, time.Now()); err != nil {
				return err
			}
			if a.AccessKeyID != sdkAccessKey {
				return errors.New("unknown access key " + a.AccessKeyID)
			}
			return verifier.Verify(r, body, a, sdkSecret)
		}()
		if err != nil {
			status = http.StatusInternalServerError
			res.Message = err.Error()
			var e *Error
			if errors.As(err, &e) {
				status, res.Code, res.Message = e.Status, e.Code, e.Message
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(res)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func send(t *testing.T, srv *httptest.Server, req *http.Request) authResult {
	t.Helper()
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var res authResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		t.Fatal(err)
	}
	if res.Code == "" && resp.StatusCode != http.StatusOK || res.Code != "" && resp.StatusCode != http.StatusForbidden {
		t.Fatalf("status %d with result %+v", resp.StatusCode, res)
	}
	return res
}

func newRequest(t *testing.T, method, target string, body []byte) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// setLabelPath sets a REST path with one label the way smithy-go's
// httpbinding.Encoder does: URL.Path holds the decoded value and URL.RawPath
// the escaped one, so net/http sends %3A and %2F.
func setLabelPath(req *http.Request, prefix, label string) {
	req.URL.Path = prefix + label
	req.URL.RawPath = prefix + httpbinding.EscapePath(label, true)
}

func signSDK(t *testing.T, req *http.Request, body []byte, creds aws.Credentials, when time.Time) {
	t.Helper()
	err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hashHex(body), sdkService, sdkRegion, when)
	if err != nil {
		t.Fatal(err)
	}
}

func sdkCreds() aws.Credentials {
	return aws.Credentials{AccessKeyID: sdkAccessKey, SecretAccessKey: sdkSecret}
}

func TestSDKSignedRequests(t *testing.T) {
	srv := newAuthServer(t)
	jsonBody := []byte(`{"thingTypeName":"sensor","attributePayload":{"attributes":{"room":"lab  2","x":"1"}}}`)
	query := url.Values{
		"nextToken":     {"a b+c/d=e&f"},
		"maxResults":    {"10"},
		"attributeName": {"x y"},
	}.Encode()

	type tc struct {
		name     string
		method   string
		build    func(req *http.Request) // before signing
		body     []byte
		creds    aws.Credentials
		skew     time.Duration
		tamper   func(req *http.Request) // after signing
		wantCode string
	}
	cases := []tc{
		{name: "json body", method: http.MethodPost, body: jsonBody, build: func(req *http.Request) {
			req.URL.Path = "/things/my-thing"
			req.Header.Set("Content-Type", "application/json")
		}},
		{name: "query with spaces plus slash equals", method: http.MethodGet, build: func(req *http.Request) {
			req.URL.Path = "/things"
			req.URL.RawQuery = query
		}},
		{name: "query encoded with %20 as botocore does", method: http.MethodGet, build: func(req *http.Request) {
			req.URL.Path = "/things"
			req.URL.RawQuery = "nextToken=a%20b%2Bc%2Fd%3De&flag&empty="
		}},
		{name: "path label with colon and slash", method: http.MethodPost, build: func(req *http.Request) {
			setLabelPath(req, "/attached-policies/", "arn:aws:iot:us-east-1:123456789012:cert/abc")
		}},
		{name: "path label unicode and space", method: http.MethodGet, build: func(req *http.Request) {
			setLabelPath(req, "/things/", "ሴ sensor~1")
		}},
		{name: "path not normalised", method: http.MethodGet, build: func(req *http.Request) {
			req.URL.Path = "/things//a/./b/../c"
		}},
		{name: "label and query and body", method: http.MethodPatch, body: jsonBody, build: func(req *http.Request) {
			setLabelPath(req, "/things/", "thing:with/slash")
			req.URL.RawQuery = query
			req.Header.Set("Content-Type", "application/json")
		}},
		{name: "session token", method: http.MethodGet, creds: aws.Credentials{
			AccessKeyID: sdkAccessKey, SecretAccessKey: sdkSecret, SessionToken: "token/with+chars=="}, build: func(req *http.Request) {
			req.URL.Path = "/things"
		}},
		{name: "changed body byte", method: http.MethodPost, body: jsonBody, build: func(req *http.Request) {
			req.URL.Path = "/things/my-thing"
		}, tamper: func(req *http.Request) {
			changed := bytes.Replace(jsonBody, []byte("sensor"), []byte("sensoR"), 1)
			req.Body = io.NopCloser(bytes.NewReader(changed))
			req.GetBody = nil
		}, wantCode: CodeInvalidSignature},
		{name: "changed query value", method: http.MethodGet, build: func(req *http.Request) {
			req.URL.Path = "/things"
			req.URL.RawQuery = query
		}, tamper: func(req *http.Request) {
			req.URL.RawQuery = strings.Replace(req.URL.RawQuery, "maxResults=10", "maxResults=11", 1)
		}, wantCode: CodeInvalidSignature},
		{name: "changed path label", method: http.MethodPost, build: func(req *http.Request) {
			setLabelPath(req, "/attached-policies/", "arn:aws:iot:us-east-1:123456789012:cert/abc")
		}, tamper: func(req *http.Request) {
			setLabelPath(req, "/attached-policies/", "arn:aws:iot:us-east-1:123456789012:cert/abd")
		}, wantCode: CodeInvalidSignature},
		{name: "encoded slash decoded on the wire", method: http.MethodPost, build: func(req *http.Request) {
			setLabelPath(req, "/attached-policies/", "arn:aws:iot:us-east-1:123456789012:cert/abc")
		}, tamper: func(req *http.Request) {
			// Same decoded path, but / instead of %2F: a different resource.
			req.URL.RawPath = strings.Replace(req.URL.RawPath, "%2F", "/", 1)
		}, wantCode: CodeInvalidSignature},
		{name: "wrong secret", method: http.MethodGet, creds: aws.Credentials{
			AccessKeyID: sdkAccessKey, SecretAccessKey: sdkSecret + "x"}, build: func(req *http.Request) {
			req.URL.Path = "/things"
		}, wantCode: CodeInvalidSignature},
		{name: "16 minutes old", method: http.MethodGet, skew: -16 * time.Minute, build: func(req *http.Request) {
			req.URL.Path = "/things"
		}, wantCode: CodeInvalidSignature},
		{name: "16 minutes in the future", method: http.MethodGet, skew: 16 * time.Minute, build: func(req *http.Request) {
			req.URL.Path = "/things"
		}, wantCode: CodeInvalidSignature},
		{name: "14 minutes old", method: http.MethodGet, skew: -14 * time.Minute, build: func(req *http.Request) {
			req.URL.Path = "/things"
		}},
		{name: "missing authorization", method: http.MethodGet, build: func(req *http.Request) {
			req.URL.Path = "/things"
		}, tamper: func(req *http.Request) {
			req.Header.Del("Authorization")
		}, wantCode: CodeMissingAuthenticationToken},
		{name: "garbled authorization", method: http.MethodGet, build: func(req *http.Request) {
			req.URL.Path = "/things"
		}, tamper: func(req *http.Request) {
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential"+strings.Repeat("x", 20)+" Signature")
		}, wantCode: CodeIncompleteSignature},
		{name: "unsigned header added later", method: http.MethodGet, build: func(req *http.Request) {
			req.URL.Path = "/things"
		}, tamper: func(req *http.Request) {
			req.Header.Set("X-Extra", "not signed")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := newRequest(t, c.method, srv.URL, c.body)
			c.build(req)
			creds := c.creds
			if creds.AccessKeyID == "" {
				creds = sdkCreds()
			}
			signSDK(t, req, c.body, creds, time.Now().Add(c.skew))
			if c.tamper != nil {
				c.tamper(req)
			}
			res := send(t, srv, req)
			if res.Code != c.wantCode {
				t.Fatalf("got %q %q, want code %q", res.Code, res.Message, c.wantCode)
			}
			switch {
			case c.wantCode == "":
				if res.AccessKeyID != sdkAccessKey || res.SecurityToken != creds.SessionToken || res.Presigned {
					t.Errorf("result %+v", res)
				}
			case c.skew < 0:
				if !strings.HasPrefix(res.Message, "Signature expired: ") || !strings.HasSuffix(res.Message, " - 15 min.)") {
					t.Errorf("message %q", res.Message)
				}
			case c.skew > 0:
				if !strings.HasPrefix(res.Message, "Signature not yet current: ") || !strings.HasSuffix(res.Message, " + 15 min.)") {
					t.Errorf("message %q", res.Message)
				}
			case c.wantCode == CodeInvalidSignature:
				if res.Message != MessageSignatureMismatch {
					t.Errorf("message %q", res.Message)
				}
			case c.wantCode == CodeMissingAuthenticationToken:
				if res.Message != "Missing Authentication Token" {
					t.Errorf("message %q", res.Message)
				}
			}
		})
	}
}

func TestSDKPresignedURLs(t *testing.T) {
	srv := newAuthServer(t)

	presign := func(t *testing.T, when time.Time, expires time.Duration, creds aws.Credentials) (string, http.Header) {
		t.Helper()
		req := newRequest(t, http.MethodGet, srv.URL, nil)
		setLabelPath(req, "/things/", "my:thing/1")
		q := url.Values{"maxResults": {"5"}, "nextToken": {"a b+c"}}
		if expires > 0 {
			q.Set("X-Amz-Expires", strconv.Itoa(int(expires/time.Second)))
		}
		req.URL.RawQuery = q.Encode()
		u, h, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, UnsignedPayload, sdkService, sdkRegion, when)
		if err != nil {
			t.Fatal(err)
		}
		return u, h
	}
	get := func(t *testing.T, u string, h http.Header) authResult {
		t.Helper()
		req := newRequest(t, http.MethodGet, u, nil)
		for k, v := range h {
			if k != "Host" {
				req.Header[k] = v
			}
		}
		return send(t, srv, req)
	}

	now := time.Now()
	cases := []struct {
		name     string
		when     time.Time
		expires  time.Duration
		token    string
		tamper   func(string) string
		wantCode string
		wantMsg  string
	}{
		{name: "fresh with expiry", when: now, expires: 5 * time.Minute},
		{name: "one hour old within a two hour expiry", when: now.Add(-time.Hour), expires: 2 * time.Hour},
		{name: "with session token", when: now, expires: time.Minute, token: "FQoGZXIvYXdzEBYaDH+/="},
		{name: "without X-Amz-Expires uses the skew window", when: now.Add(-10 * time.Minute)},
		{name: "expired", when: now.Add(-10 * time.Minute), expires: 5 * time.Minute,
			wantCode: CodeInvalidSignature, wantMsg: "Signature expired: "},
		{name: "without X-Amz-Expires and too old", when: now.Add(-20 * time.Minute),
			wantCode: CodeInvalidSignature, wantMsg: "Signature expired: "},
		{name: "signed in the future", when: now.Add(20 * time.Minute), expires: time.Hour,
			wantCode: CodeInvalidSignature, wantMsg: "Signature not yet current: "},
		{name: "changed query value", when: now, expires: time.Minute,
			tamper:   func(u string) string { return strings.Replace(u, "maxResults=5", "maxResults=6", 1) },
			wantCode: CodeInvalidSignature, wantMsg: MessageSignatureMismatch},
		{name: "extended expiry", when: now, expires: time.Minute,
			tamper:   func(u string) string { return strings.Replace(u, "X-Amz-Expires=60", "X-Amz-Expires=600", 1) },
			wantCode: CodeInvalidSignature, wantMsg: MessageSignatureMismatch},
		{name: "signature removed", when: now, expires: time.Minute,
			tamper: func(u string) string {
				i := strings.Index(u, "&X-Amz-Signature=")
				return u[:i]
			},
			wantCode: CodeIncompleteSignature, wantMsg: "Query-string authentication requires"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			creds := sdkCreds()
			creds.SessionToken = c.token
			u, h := presign(t, c.when, c.expires, creds)
			if c.tamper != nil {
				changed := c.tamper(u)
				if changed == u {
					t.Fatalf("tamper did not change %s", u)
				}
				u = changed
			}
			res := get(t, u, h)
			if res.Code != c.wantCode || !strings.HasPrefix(res.Message, c.wantMsg) {
				t.Fatalf("got %q %q, want %q %q...", res.Code, res.Message, c.wantCode, c.wantMsg)
			}
			if c.wantCode == "" && (!res.Presigned || res.SecurityToken != c.token) {
				t.Errorf("result %+v", res)
			}
		})
	}
}

// TestSDKSignedHeaderContentSha256 covers clients that send X-Amz-Content-Sha256
// (as S3 clients do): a matching hash and UNSIGNED-PAYLOAD are accepted, and a
// hash that does not match the body is refused even though it is signed.
func TestSDKSignedHeaderContentSha256(t *testing.T) {
	srv := newAuthServer(t)
	body := []byte(`{"a":1}`)
	for _, c := range []struct {
		name, header, bodyToSend string
		wantCode                 string
	}{
		{"matching hash", hashHex(body), string(body), ""},
		{"unsigned payload", UnsignedPayload, "anything at all", ""},
		{"hash of another body", hashHex(body), `{"a":2}`, CodeInvalidSignature},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := newRequest(t, http.MethodPut, srv.URL+"/things/x", []byte(c.bodyToSend))
			req.Header.Set("X-Amz-Content-Sha256", c.header)
			err := v4.NewSigner().SignHTTP(context.Background(), sdkCreds(), req, c.header, sdkService, sdkRegion, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if res := send(t, srv, req); res.Code != c.wantCode {
				t.Fatalf("got %q %q, want %q", res.Code, res.Message, c.wantCode)
			}
		})
	}
}
