package sigv4

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The AWS Signature Version 4 test suite, as shared by the project in
// ../shared/testdata next to the repository.
const suiteFileName = "aws-sig-v4-test-suite.json"

type suiteFile struct {
	Config struct {
		Service         string `json:"service"`
		Region          string `json:"region"`
		AccessKeyID     string `json:"accessKeyId"`
		SecretAccessKey string `json:"secretAccessKey"`
	} `json:"config"`
	STSToken string                   `json:"stsToken"`
	Tests    map[string][]suiteVector `json:"tests"`
}

type suiteRequest struct {
	Method   string      `json:"method"`
	URI      string      `json:"uri"`
	Protocol string      `json:"protocol"`
	Path     string      `json:"path"`
	Query    string      `json:"query"`
	Headers  [][2]string `json:"headers"`
	Body     string      `json:"body"`
}

type suiteVector struct {
	Name    string       `json:"name"`
	Request suiteRequest `json:"request"`
	Req     string       `json:"req"`
	Creq    string       `json:"creq"`
	Sts     string       `json:"sts"`
	Authz   string       `json:"authz"`
	Sreq    string       `json:"sreq"`
}

// suiteErratum returns the fix for a vector whose signature was not computed
// over the request it describes, or nil. The fix turns the vector into the
// request that was really signed; the test still checks the canonical request
// against the file as is, and fails if the erratum stops being needed.
//
// post-x-www-form-urlencoded-parameters: the request, creq and authz list sign
// "content-length" and Content-Type "...; charset=utf-8", but sts and the
// signature 1a72ec8f... are those of the 2015 suite, which signed only
// content-type;host;x-amz-date with Content-Type "...; charset=utf8" (no dash).
// The sreq's Authorization line does say content-type;host;x-amz-date.
func suiteErratum(name string) func(v *suiteVector) {
	switch name {
	case "post-x-www-form-urlencoded-parameters":
		return func(v *suiteVector) {
			v.Request.Headers = slices.Clone(v.Request.Headers)
			for i, h := range v.Request.Headers {
				if strings.EqualFold(h[0], "Content-Type") {
					v.Request.Headers[i][1] = "application/x-www-form-urlencoded; charset=utf8"
				}
			}
			v.Authz = strings.Replace(v.Authz, "SignedHeaders=content-length;content-type;host;x-amz-date",
				"SignedHeaders=content-type;host;x-amz-date", 1)
		}
	}
	return nil
}

// findSuite walks up from the working directory to the directory that holds
// shared/testdata (the repository's sibling).
func findSuite(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, "shared", "testdata", suiteFileName)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("%s not found in shared/testdata above the working directory", suiteFileName)
		}
		dir = parent
	}
}

func loadSuite(t testing.TB) *suiteFile {
	t.Helper()
	data, err := os.ReadFile(findSuite(t))
	if err != nil {
		t.Fatal(err)
	}
	var s suiteFile
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("decode %s: %v", suiteFileName, err)
	}
	return &s
}

// suiteVectors returns every vector of every group once. "all" repeats the
// other groups (basic, normalizePath, sts); a name in two groups must carry the
// same vector.
func suiteVectors(t *testing.T, s *suiteFile) []suiteVector {
	t.Helper()
	groups := make([]string, 0, len(s.Tests))
	for g := range s.Tests {
		groups = append(groups, g)
	}
	slices.Sort(groups)
	byName := map[string]suiteVector{}
	var order []string
	for _, g := range groups {
		for _, v := range s.Tests[g] {
			if prev, ok := byName[v.Name]; ok {
				a, _ := json.Marshal(prev)
				b, _ := json.Marshal(v)
				if string(a) != string(b) {
					t.Errorf("vector %q differs between groups", v.Name)
				}
				continue
			}
			byName[v.Name] = v
			order = append(order, v.Name)
		}
	}
	out := make([]suiteVector, 0, len(order))
	for _, n := range order {
		out = append(out, byName[n])
	}
	return out
}

// requestBuilder turns a suite request into an *http.Request.
type requestBuilder struct {
	name  string
	build func(sr suiteRequest) (*http.Request, error)
}

func suiteBuilders() []requestBuilder {
	return []requestBuilder{
		// wire: the request as bytes on a connection, read by net/http's server
		// code (http.ReadRequest), so Host, Content-Length and RequestURI are
		// exactly what a handler sees.
		{"wire", wireRequest},
		// built: an http.Request assembled in code with no RequestURI, so the path
		// comes from URL.EscapedPath.
		{"built", builtRequest},
	}
}

func wireRequest(sr suiteRequest) (*http.Request, error) {
	proto := sr.Protocol
	if proto == "" {
		proto = "HTTP/1.1"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s\r\n", sr.Method, sr.URI, proto)
	hasLength := false
	for _, h := range sr.Headers {
		if strings.EqualFold(h[0], "Content-Length") {
			hasLength = true
		}
		// A value spanning lines is sent folded (obs-fold).
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], strings.ReplaceAll(h[1], "\n", "\r\n "))
	}
	if sr.Body != "" && !hasLength {
		// Without a length the server reads no body; this header is not signed.
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(sr.Body))
	}
	b.WriteString("\r\n")
	b.WriteString(sr.Body)
	return http.ReadRequest(bufio.NewReader(strings.NewReader(b.String())))
}

func builtRequest(sr suiteRequest) (*http.Request, error) {
	u, err := url.ParseRequestURI(sr.URI)
	if err != nil {
		return nil, err
	}
	r := &http.Request{
		Method:        sr.Method,
		URL:           u,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{},
		Body:          io.NopCloser(strings.NewReader(sr.Body)),
		ContentLength: int64(len(sr.Body)),
	}
	for _, h := range sr.Headers {
		if strings.EqualFold(h[0], "Host") {
			r.Host = h[1]
			continue
		}
		r.Header.Add(h[0], h[1])
	}
	return r, nil
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// mutate changes the last letter or digit of s: digits go up by one, letters
// change case. It reports false when s has none.
func mutate(s string) (string, bool) {
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			return s[:i] + string('0'+(c-'0'+1)%10) + s[i+1:], true
		case 'a' <= c && c <= 'z':
			return s[:i] + string(c-'a'+'A') + s[i+1:], true
		case 'A' <= c && c <= 'Z':
			return s[:i] + string(c-'A'+'a') + s[i+1:], true
		}
	}
	return s, false
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v, want *Error with code %s", err, code)
	}
	if e.Code != code || e.Status != http.StatusForbidden {
		t.Fatalf("got %s (%d): %s, want %s (403)", e.Code, e.Status, e.Message, code)
	}
}

// TestAWSSuite runs every vector of the AWS SigV4 test suite. No vector is
// skipped with the shared file as it is; a vector whose request net/http
// cannot represent would be skipped with the parse error as the reason.
func TestAWSSuite(t *testing.T) {
	s := loadSuite(t)
	if _, ok := s.Tests["all"]; !ok {
		t.Fatal(`suite has no "all" group`)
	}
	vectors := suiteVectors(t, s)
	if len(vectors) == 0 {
		t.Fatal("suite has no vectors")
	}
	for _, v := range vectors {
		t.Run(v.Name, func(t *testing.T) {
			for _, b := range suiteBuilders() {
				t.Run(b.name, func(t *testing.T) {
					runSuiteVector(t, s, v, b)
				})
			}
		})
	}
}

func runSuiteVector(t *testing.T, s *suiteFile, v suiteVector, b requestBuilder) {
	secret := s.Config.SecretAccessKey
	body := []byte(v.Request.Body)

	build := func(t *testing.T, sr suiteRequest, authz string) *http.Request {
		t.Helper()
		r, err := b.build(sr)
		if err != nil {
			t.Skipf("net/http cannot represent this request: %v", err)
		}
		r.Header.Set("Authorization", authz)
		return r
	}

	// Step 1 as the file states it: the canonical request over the headers the
	// creq lists, with the body's hash.
	r := build(t, v.Request, v.Authz)
	creqLines := strings.Split(v.Creq, "\n")
	creqSigned := strings.Split(creqLines[len(creqLines)-2], ";")
	if got := CanonicalRequest(r, creqSigned, hashHex(body)); got != v.Creq {
		t.Errorf("CanonicalRequest:\n got %q\nwant %q", got, v.Creq)
	}

	if fix := suiteErratum(v.Name); fix != nil {
		a, err := Parse(r)
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		if StringToSign(a.Time, a.Scope(), CanonicalRequest(r, a.SignedHeaders, hashHex(body))) == v.Sts {
			t.Errorf("erratum for %s is no longer needed: the file's request now matches its sts", v.Name)
		}
		if Verify(r, body, a, secret) == nil {
			t.Errorf("erratum for %s is no longer needed: the file's authz now verifies", v.Name)
		}
		fix(&v)
		r = build(t, v.Request, v.Authz)
	}

	a, err := Parse(r)
	if err != nil {
		t.Fatalf("Parse(%q): %v", v.Authz, err)
	}
	if a.AccessKeyID != s.Config.AccessKeyID || a.Region != s.Config.Region || a.Service != s.Config.Service ||
		a.Date != "20150830" || a.Presigned || a.Time.Format(timeFormat) != "20150830T123600Z" {
		t.Errorf("Parse = %+v", a)
	}
	if err := CheckTime(a, a.Time); err != nil {
		t.Errorf("CheckTime at the signing time: %v", err)
	}

	// Step 2, over the headers the authorization lists.
	creq := CanonicalRequest(r, a.SignedHeaders, hashHex(body))
	if got := StringToSign(a.Time, a.Scope(), creq); got != v.Sts {
		t.Errorf("StringToSign:\n got %q\nwant %q", got, v.Sts)
	}
	if err := Verify(r, body, a, secret); err != nil {
		t.Errorf("Verify: %v", err)
	}
	var verifier Verifier
	if err := verifier.Verify(r, body, a, secret); err != nil {
		t.Errorf("Verifier.Verify: %v", err)
	}

	if v.Name == "post-sts-header-after" {
		// The token is added after signing: unsigned, still reported.
		r.Header.Set("X-Amz-Security-Token", s.STSToken)
		a2, err := Parse(r)
		if err != nil {
			t.Fatal(err)
		}
		if a2.SecurityToken != s.STSToken {
			t.Errorf("SecurityToken = %q", a2.SecurityToken)
		}
		if err := Verify(r, body, a2, secret); err != nil {
			t.Errorf("Verify with an unsigned token: %v", err)
		}
	}
	if v.Name == "post-sts-header-before" && a.SecurityToken != s.STSToken {
		t.Errorf("SecurityToken = %q, want the suite's token", a.SecurityToken)
	}

	// Every change of one byte of what is signed must be refused.
	t.Run("mutate/signature", func(t *testing.T) {
		i := strings.LastIndex(v.Authz, "Signature=") + len("Signature=")
		sig := []byte(v.Authz[i:])
		sig[len(sig)-1] = "10"[sig[len(sig)-1]&1] // flip the last hex digit's low bit
		if string(sig) == v.Authz[i:] {
			sig[len(sig)-1] = 'a'
		}
		r := build(t, v.Request, v.Authz[:i]+string(sig))
		a, err := Parse(r)
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, Verify(r, body, a, secret), CodeInvalidSignature)
	})
	if len(body) > 0 {
		t.Run("mutate/body", func(t *testing.T) {
			r := build(t, v.Request, v.Authz)
			changed, _ := mutate(string(body))
			wantCode(t, Verify(r, []byte(changed), a, secret), CodeInvalidSignature)
		})
	}
	if path, query, hasQuery := strings.Cut(v.Request.URI, "?"); hasQuery && query != "" {
		t.Run("mutate/query", func(t *testing.T) {
			changed, ok := mutate(query)
			if !ok {
				t.Fatalf("cannot change query %q", query)
			}
			sr := v.Request
			sr.URI = path + "?" + changed
			wantCode(t, Verify(build(t, sr, v.Authz), body, a, secret), CodeInvalidSignature)
		})
	}
	// Only when the canonical path keeps a letter: in /example/.. the whole
	// segment is removed by normalisation, so changing it changes nothing signed.
	if _, ok := mutate(creqLines[1]); ok {
		t.Run("mutate/path", func(t *testing.T) {
			path, query, hasQuery := strings.Cut(v.Request.URI, "?")
			changed, _ := mutate(path)
			sr := v.Request
			sr.URI = changed
			if hasQuery {
				sr.URI += "?" + query
			}
			wantCode(t, Verify(build(t, sr, v.Authz), body, a, secret), CodeInvalidSignature)
		})
	}
	for _, name := range a.SignedHeaders {
		t.Run("mutate/header/"+name, func(t *testing.T) {
			r := build(t, v.Request, v.Authz)
			if name == "host" {
				r.Host, _ = mutate(r.Host)
			} else {
				key := textproto.CanonicalMIMEHeaderKey(name)
				vals := slices.Clone(r.Header[key])
				if len(vals) == 0 {
					vals = []string{fmt.Sprint(r.ContentLength)} // content-length kept outside r.Header
				}
				var ok bool
				if vals[0], ok = mutate(vals[0]); !ok {
					t.Fatalf("cannot change %s value %q", name, vals[0])
				}
				r.Header[key] = vals
			}
			wantCode(t, Verify(r, body, a, secret), CodeInvalidSignature)
		})
	}
}
