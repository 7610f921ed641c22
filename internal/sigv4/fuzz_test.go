package sigv4

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzParse checks that no Authorization header, date or query makes Parse
// (or the CheckTime and Verify that follow it) panic, and that what Parse
// accepts has the form it promises.
func FuzzParse(f *testing.F) {
	f.Add(testAuthz, testDate, "")
	f.Add("", "", presignQuery())
	f.Add("", testDate, presignQuery("X-Amz-Expires", "604800", "X-Amz-Security-Token", "t"))
	f.Add("AWS4-HMAC-SHA256", "", "")
	f.Add("AWS4-HMAC-SHA256 Credential=/////, SignedHeaders=;, Signature=", "x", "X-Amz-Algorithm")
	f.Add("AWS4-HMAC-SHA256 Credential=a/20150830/r/s/aws4_request,SignedHeaders=host,Signature="+testSig+",,=,", testDate, "%zz&&=")
	f.Add("AWS4-HMAC-SHA256 Credential=a/99999999/r/s/aws4_request, SignedHeaders=HOST, Signature="+strings.ToUpper(testSig), "99999999T999999Z", "")
	f.Add("\x00\xff AWS4", "\n", "X-Amz-Signature=%")
	f.Fuzz(func(t *testing.T, authz, date, query string) {
		r := &http.Request{
			Method: http.MethodGet,
			URL:    &url.URL{Path: "/", RawQuery: query},
			Host:   "example.com",
			Header: http.Header{},
		}
		if authz != "" {
			r.Header.Set("Authorization", authz)
		}
		if date != "" {
			r.Header.Set("X-Amz-Date", date)
		}
		a, err := Parse(r)
		if err != nil {
			var e *Error
			if a != nil || !errors.As(err, &e) || e.Status != http.StatusForbidden || e.Code == "" || e.Message == "" {
				t.Fatalf("Parse = %+v, %v", a, err)
			}
			return
		}
		if len(a.Signature) != 64 || strings.ToLower(a.Signature) != a.Signature || a.AccessKeyID == "" ||
			a.Date != a.Time.Format(dateFormat) || a.Time.Location() != time.UTC {
			t.Fatalf("Parse accepted %+v", a)
		}
		hasHost := false
		for _, h := range a.SignedHeaders {
			hasHost = hasHost || h == "host"
		}
		if !hasHost {
			t.Fatalf("host not signed: %+v", a)
		}
		_ = CheckTime(a, time.Now())
		if Verify(r, []byte(query), a, "secret") == nil {
			t.Fatalf("random request verified: %+v", a)
		}
	})
}

// FuzzCanonicalRequest checks that any path, query and header value gives a
// canonical request of the right shape: a URI and query made only of
// unreserved characters and escapes, and exactly one line per signed header.
func FuzzCanonicalRequest(f *testing.F) {
	f.Add("/attached-policies/arn%3Aaws%3Aiot%3Aus-east-1%3A1%3Acert%2Fabc", "a=b+c&d", "  x   y ")
	f.Add("/./a//b/../ሴ", "ሴ=%E1%88%B4&&=", "v")
	f.Add("", "%", "\t")
	f.Fuzz(func(t *testing.T, path, query, value string) {
		r := &http.Request{
			Method:     http.MethodPost,
			RequestURI: path,
			URL:        &url.URL{Path: path, RawQuery: query},
			Host:       "example.com",
			Header:     http.Header{"My-Header": {value}},
		}
		creq := CanonicalRequest(r, []string{"host", "my-header"}, UnsignedPayload)
		lines := strings.Split(creq, "\n")
		headerLines := strings.Count(creq[strings.Index(creq, "\nhost:")+1:], "\n")
		if !strings.Contains(value, "\n") && (len(lines) != 8 || headerLines != 4) {
			t.Fatalf("creq has the wrong shape: %q", creq)
		}
		for _, part := range lines[1:3] {
			for i := 0; i < len(part); i++ {
				c := part[i]
				if !unreserved(c) && !strings.ContainsRune("/%&=", rune(c)) {
					t.Fatalf("canonical URI or query %q has %q", part, c)
				}
			}
		}
		if !strings.HasPrefix(lines[1], "/") {
			t.Fatalf("canonical URI %q", lines[1])
		}
	})
}
