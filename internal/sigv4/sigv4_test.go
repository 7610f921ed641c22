package sigv4

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testSig   = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
	testCred  = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"
	testDate  = "20150830T123600Z"
	testAuthz = "AWS4-HMAC-SHA256 Credential=" + testCred + ", SignedHeaders=host;x-amz-date, Signature=" + testSig
)

func headerRequest(authz string, headers ...string) *http.Request {
	r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/"}, Host: "example.amazonaws.com", Header: http.Header{}}
	if authz != "" {
		r.Header.Set("Authorization", authz)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Add(headers[i], headers[i+1])
	}
	return r
}

func TestParseHeader(t *testing.T) {
	r := headerRequest(testAuthz, "X-Amz-Date", testDate, "X-Amz-Security-Token", "tok")
	a, err := Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	want := Auth{
		AccessKeyID: "AKIDEXAMPLE", Date: "20150830", Region: "us-east-1", Service: "service",
		SignedHeaders: []string{"host", "x-amz-date"}, Signature: testSig,
		Time: time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC), SecurityToken: "tok",
	}
	if fmt.Sprint(*a) != fmt.Sprint(want) {
		t.Fatalf("Parse =\n%+v\nwant\n%+v", *a, want)
	}
	if a.Scope() != "20150830/us-east-1/service/aws4_request" {
		t.Errorf("Scope = %q", a.Scope())
	}

	// Fields in another order, without spaces, uppercase hex and header names.
	r = headerRequest("AWS4-HMAC-SHA256 Signature="+strings.ToUpper(testSig)+",SignedHeaders=Host;X-Amz-Date,Credential="+testCred,
		"X-Amz-Date", testDate)
	if a, err = Parse(r); err != nil {
		t.Fatal(err)
	}
	if a.Signature != testSig || strings.Join(a.SignedHeaders, ";") != "host;x-amz-date" {
		t.Errorf("Parse = %+v", a)
	}

	// The Date header stands in for X-Amz-Date.
	r = headerRequest(testAuthz, "Date", "Sun, 30 Aug 2015 12:36:00 GMT")
	if a, err = Parse(r); err != nil || !a.Time.Equal(want.Time) {
		t.Fatalf("Parse with Date = %+v, %v", a, err)
	}
}

func TestParseErrors(t *testing.T) {
	replace := func(old, new string) string { return strings.Replace(testAuthz, old, new, 1) }
	cases := []struct {
		name    string
		r       *http.Request
		code    string
		message string // substring
	}{
		{"no auth", headerRequest("", "X-Amz-Date", testDate), CodeMissingAuthenticationToken, "Missing Authentication Token"},
		{"empty header", headerRequest("  ", "X-Amz-Date", testDate), CodeMissingAuthenticationToken, "Missing Authentication Token"},
		{"other algorithm", headerRequest("AWS4-HMAC-SHA512 Credential=x", "X-Amz-Date", testDate), CodeIncompleteSignature, "AWS4-HMAC-SHA512"},
		{"bearer", headerRequest("Bearer abc", "X-Amz-Date", testDate), CodeIncompleteSignature, "Unsupported Authorization algorithm"},
		{"algorithm only", headerRequest("AWS4-HMAC-SHA256", "X-Amz-Date", testDate), CodeIncompleteSignature,
			"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."},
		{"no equal sign", headerRequest(replace(", SignedHeaders=", ", SignedHeaders "), "X-Amz-Date", testDate), CodeIncompleteSignature, "missing equal-sign"},
		{"no signature", headerRequest(strings.Split(testAuthz, ", Signature")[0], "X-Amz-Date", testDate), CodeIncompleteSignature,
			"requires 'Signature' parameter"},
		{"duplicate", headerRequest(testAuthz+", Signature="+testSig, "X-Amz-Date", testDate), CodeIncompleteSignature, "more than one 'Signature'"},
		{"scope 4 parts", headerRequest(replace("/aws4_request", ""), "X-Amz-Date", testDate), CodeIncompleteSignature, "Credential must have the form"},
		{"scope 6 parts", headerRequest(replace("/aws4_request", "/x/aws4_request"), "X-Amz-Date", testDate), CodeIncompleteSignature, "Credential must have the form"},
		{"bad terminator", headerRequest(replace("aws4_request", "aws4_reqest"), "X-Amz-Date", testDate), CodeIncompleteSignature, "valid terminator"},
		{"empty region", headerRequest(replace("/us-east-1/", "//"), "X-Amz-Date", testDate), CodeIncompleteSignature, "empty region"},
		{"bad scope date", headerRequest(replace("/20150830/", "/2015083/"), "X-Amz-Date", testDate), CodeIncompleteSignature, "yyyyMMdd"},
		{"short signature", headerRequest(replace(testSig, testSig[:63]), "X-Amz-Date", testDate), CodeIncompleteSignature, "64 hexadecimal"},
		{"non-hex signature", headerRequest(replace(testSig, "g"+testSig[1:]), "X-Amz-Date", testDate), CodeIncompleteSignature, "not hexadecimal"},
		{"host not signed", headerRequest(replace("host;x-amz-date", "x-amz-date"), "X-Amz-Date", testDate), CodeIncompleteSignature, "'Host' or ':authority'"},
		{"empty signed header", headerRequest(replace("host;x-amz-date", "host;;x-amz-date"), "X-Amz-Date", testDate), CodeIncompleteSignature, "empty or padded"},
		{"no date", headerRequest(testAuthz), CodeIncompleteSignature, "'X-Amz-Date' or a 'Date' header"},
		{"bad date", headerRequest(testAuthz, "X-Amz-Date", "2015-08-30T12:36:00Z"), CodeIncompleteSignature, "ISO8601"},
		{"fractional date", headerRequest(testAuthz, "X-Amz-Date", "20150830T123600.5Z"), CodeIncompleteSignature, "ISO8601"},
		{"bad Date header", headerRequest(testAuthz, "Date", "yesterday"), CodeIncompleteSignature, "not a valid HTTP date"},
		{"scope date mismatch", headerRequest(testAuthz, "X-Amz-Date", "20150831T000000Z"), CodeIncompleteSignature,
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150830' != '20150831', from '20150831T000000Z'."},
		{"two authorization headers", headerRequest(testAuthz, "Authorization", testAuthz, "X-Amz-Date", testDate), CodeIncompleteSignature, "only one"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := Parse(c.r)
			if a != nil {
				t.Errorf("Auth %+v returned with error", a)
			}
			wantCode(t, err, c.code)
			if !strings.Contains(err.Error(), c.message) {
				t.Errorf("message %q does not contain %q", err.Error(), c.message)
			}
		})
	}
}

func presignQuery(overrides ...string) string {
	q := url.Values{
		"X-Amz-Algorithm":     {Algorithm},
		"X-Amz-Credential":    {testCred},
		"X-Amz-Date":          {testDate},
		"X-Amz-Expires":       {"300"},
		"X-Amz-SignedHeaders": {"host"},
		"X-Amz-Signature":     {testSig},
	}
	for i := 0; i+1 < len(overrides); i += 2 {
		if overrides[i+1] == "" {
			q.Del(overrides[i])
		} else {
			q.Set(overrides[i], overrides[i+1])
		}
	}
	return q.Encode()
}

func TestParsePresigned(t *testing.T) {
	r := headerRequest("")
	r.URL.RawQuery = presignQuery("X-Amz-Security-Token", "a+b/c")
	a, err := Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Presigned || a.Expires != 5*time.Minute || a.SecurityToken != "a+b/c" || a.AccessKeyID != "AKIDEXAMPLE" ||
		strings.Join(a.SignedHeaders, ";") != "host" || a.Signature != testSig {
		t.Fatalf("Parse = %+v", a)
	}

	for _, c := range []struct {
		name, query, message string
	}{
		{"no signature", presignQuery("X-Amz-Signature", ""), "missing: X-Amz-Signature"},
		{"no algorithm", presignQuery("X-Amz-Algorithm", "", "X-Amz-Date", ""), "missing: X-Amz-Algorithm, X-Amz-Date"},
		{"other algorithm", presignQuery("X-Amz-Algorithm", "AWS4-ECDSA-P256-SHA256"), "Unsupported X-Amz-Algorithm"},
		{"expires zero", presignQuery("X-Amz-Expires", "0"), "X-Amz-Expires"},
		{"expires too long", presignQuery("X-Amz-Expires", "604801"), "X-Amz-Expires"},
		{"expires not a number", presignQuery("X-Amz-Expires", "5m"), "X-Amz-Expires"},
		{"duplicate", presignQuery() + "&X-Amz-Signature=" + testSig, "more than once"},
		{"bad date", presignQuery("X-Amz-Date", "20150830"), "ISO8601"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := headerRequest("")
			r.URL.RawQuery = c.query
			_, err := Parse(r)
			wantCode(t, err, CodeIncompleteSignature)
			if !strings.Contains(err.Error(), c.message) {
				t.Errorf("message %q does not contain %q", err.Error(), c.message)
			}
		})
	}

	// Without X-Amz-Expires the URL is accepted, with no expiry of its own.
	r.URL.RawQuery = presignQuery("X-Amz-Expires", "")
	if a, err = Parse(r); err != nil || a.Expires != 0 {
		t.Fatalf("Parse = %+v, %v", a, err)
	}
	// An unrelated query is not an authentication attempt.
	r.URL.RawQuery = "X-Amz-Date=" + testDate + "&maxResults=1"
	_, err = Parse(r)
	wantCode(t, err, CodeMissingAuthenticationToken)
}

func TestCheckTime(t *testing.T) {
	signed := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	a := &Auth{Time: signed}
	for _, c := range []struct {
		now  time.Time
		want string
	}{
		{signed, ""},
		{signed.Add(15 * time.Minute), ""},
		{signed.Add(-15 * time.Minute), ""},
		{signed.Add(25 * time.Minute), "Signature expired: 20150830T123600Z is now earlier than 20150830T124600Z (20150830T130100Z - 15 min.)"},
		{signed.Add(15*time.Minute + time.Second), "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T125101Z - 15 min.)"},
		// Sub-second parts of now do not matter.
		{signed.Add(15*time.Minute + 900*time.Millisecond), ""},
		{signed.Add(-30 * time.Minute), "Signature not yet current: 20150830T123600Z is still later than 20150830T122100Z (20150830T120600Z + 15 min.)"},
		{signed.Add(-30 * time.Minute).In(time.FixedZone("x", 3600)),
			"Signature not yet current: 20150830T123600Z is still later than 20150830T122100Z (20150830T120600Z + 15 min.)"},
	} {
		err := CheckTime(a, c.now)
		if c.want == "" {
			if err != nil {
				t.Errorf("now %v: %v", c.now, err)
			}
			continue
		}
		wantCode(t, err, CodeInvalidSignature)
		if msg := err.(*Error).Message; msg != c.want {
			t.Errorf("now %v:\n got %q\nwant %q", c.now, msg, c.want)
		}
	}

	p := &Auth{Time: signed, Presigned: true, Expires: time.Hour}
	if err := CheckTime(p, signed.Add(59*time.Minute)); err != nil {
		t.Errorf("presigned within expiry: %v", err)
	}
	err := CheckTime(p, signed.Add(61*time.Minute))
	wantCode(t, err, CodeInvalidSignature)
	if want := "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T133700Z - 3600 sec.)"; err.(*Error).Message != want {
		t.Errorf("got %q, want %q", err.(*Error).Message, want)
	}
	wantCode(t, CheckTime(p, signed.Add(-16*time.Minute)), CodeInvalidSignature)
	wantCode(t, CheckTime(nil, signed), CodeMissingAuthenticationToken)
}

func TestCanonicalURI(t *testing.T) {
	for _, c := range []struct {
		raw, normalized, asSent string
	}{
		{"/", "/", "/"},
		{"", "/", ""},
		// The raw unicode and space of the suite's get-utf8 and get-space vectors.
		{"/ሴ", "/%E1%88%B4", "/%E1%88%B4"},
		{"/example space/", "/example%20space/", "/example%20space/"},
		// An already-encoded label is encoded once more.
		{"/attached-policies/arn%3Aaws%3Aiot%3Aus-east-1%3A123456789012%3Acert%2Fabc",
			"/attached-policies/arn%253Aaws%253Aiot%253Aus-east-1%253A123456789012%253Acert%252Fabc",
			"/attached-policies/arn%253Aaws%253Aiot%253Aus-east-1%253A123456789012%253Acert%252Fabc"},
		{"/-._~AZaz09", "/-._~AZaz09", "/-._~AZaz09"},
		{"/a+b=c;d", "/a%2Bb%3Dc%3Bd", "/a%2Bb%3Dc%3Bd"},
		{"/example/..", "/", "/example/.."},
		{"/a/b/..", "/a/", "/a/b/.."},
		{"/a/./b/", "/a/b/", "/a/./b/"},
		{"/../a", "/a", "/../a"},
		{"//example//", "/example/", "//example//"},
		{"/a/%2E%2E/b", "/a/%252E%252E/b", "/a/%252E%252E/b"},
	} {
		if got := canonicalURI(c.raw, true); got != c.normalized {
			t.Errorf("canonicalURI(%q, true) = %q, want %q", c.raw, got, c.normalized)
		}
		if got := canonicalURI(c.raw, false); got != c.asSent {
			t.Errorf("canonicalURI(%q, false) = %q, want %q", c.raw, got, c.asSent)
		}
	}
}

func TestRawPath(t *testing.T) {
	// A server request: RequestURI wins over a URL that middleware rewrote.
	r := &http.Request{RequestURI: "/a%3Ab/c?x=1", URL: &url.URL{Path: "/c"}}
	if got := rawPath(r); got != "/a%3Ab/c" {
		t.Errorf("server request: %q", got)
	}
	// A client request: the escaped form net/http would send.
	r = &http.Request{URL: &url.URL{Path: "/a:b/c d", RawPath: "/a%3Ab/c%20d"}}
	if got := rawPath(r); got != "/a%3Ab/c%20d" {
		t.Errorf("client request: %q", got)
	}
	r = &http.Request{RequestURI: "*", URL: &url.URL{}}
	if got := rawPath(r); got != "/" {
		t.Errorf("asterisk request: %q", got)
	}
}

func TestCanonicalQuery(t *testing.T) {
	for _, c := range []struct {
		raw       string
		presigned bool
		want      string
	}{
		{"", false, ""},
		{"b=2&a=1", false, "a=1&b=2"},
		{"a=2&a=1&a=10", false, "a=1&a=10&a=2"},
		{"q=a+b", false, "q=a%20b"},
		{"q=a%20b", false, "q=a%20b"},
		{"q=a%2Bb%2Fc%3Dd", false, "q=a%2Bb%2Fc%3Dd"},
		{"flag&x=", false, "flag=&x="},
		{"&&a=1&", false, "a=1"},
		{"%e1%88%b4=bar", false, "%E1%88%B4=bar"},
		{"ሴ=bar", false, "%E1%88%B4=bar"},
		{"k=%zz", false, "k=%25zz"},
		{"k=a=b", false, "k=a%3Db"},
		{"B=1&a=1&_=1&~=1", false, "B=1&_=1&a=1&~=1"},
		{"X-Amz-Signature=abc&x=1", true, "x=1"},
		{"X-Amz-Signature=abc&x=1", false, "X-Amz-Signature=abc&x=1"},
	} {
		if got := canonicalQuery(c.raw, c.presigned); got != c.want {
			t.Errorf("canonicalQuery(%q, %v) = %q, want %q", c.raw, c.presigned, got, c.want)
		}
	}
}

func TestCanonicalHeaders(t *testing.T) {
	r := &http.Request{
		Host:          "example.com:8443",
		Header:        http.Header{},
		ContentLength: 42,
	}
	r.Header.Add("My-Header", "  a   b  ")
	r.Header.Add("My-Header", "c\td")
	r.Header["x_odd"] = []string{"v"} // a key net/http would not canonicalise
	var b strings.Builder
	writeCanonicalHeaders(&b, r, []string{"content-length", "host", "my-header", "x_odd", "absent"})
	want := "content-length:42\nhost:example.com:8443\nmy-header:a b,c\td\nx_odd:v\nabsent:\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
	r.Header.Set("Content-Length", "7")
	b.Reset()
	writeCanonicalHeaders(&b, r, []string{"content-length"})
	if b.String() != "content-length:7\n" {
		t.Errorf("Content-Length header: %q", b.String())
	}
}

func TestSigningKey(t *testing.T) {
	// From the SigV4 documentation's example (secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY,
	// 20150830, us-east-1, iam).
	got := fmt.Sprintf("%x", SigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "iam"))
	if want := "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"; got != want {
		t.Errorf("SigningKey = %s, want %s", got, want)
	}
}

func TestVerifierCache(t *testing.T) {
	var v Verifier
	k1 := v.SigningKey("s", "20150830", "us-east-1", "iot")
	k2 := v.SigningKey("s", "20150830", "us-east-1", "iot")
	if &k1[0] != &k2[0] {
		t.Error("second lookup did not come from the cache")
	}
	if string(k1) != string(SigningKey("s", "20150830", "us-east-1", "iot")) {
		t.Error("cached key differs from SigningKey")
	}
	for i := range keyCacheSize + 10 {
		v.SigningKey(fmt.Sprint("secret", i), "20150830", "us-east-1", "iot")
	}
	v.mu.Lock()
	n := len(v.keys)
	v.mu.Unlock()
	if n == 0 || n > keyCacheSize {
		t.Errorf("cache holds %d keys, want 1..%d", n, keyCacheSize)
	}

	// Concurrent use, for the race detector.
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				secret := fmt.Sprint("s", (g*200+i)%50)
				got := v.SigningKey(secret, "20150830", "eu-west-1", "iot")
				if string(got) != string(SigningKey(secret, "20150830", "eu-west-1", "iot")) {
					t.Error("wrong key under concurrency")
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestVerifyErrors(t *testing.T) {
	wantCode(t, Verify(headerRequest(""), nil, nil, "x"), CodeMissingAuthenticationToken)
	var v Verifier
	wantCode(t, v.Verify(headerRequest(""), nil, nil, "x"), CodeMissingAuthenticationToken)
	a := &Auth{Signature: "zz", SignedHeaders: []string{"host"}}
	wantCode(t, Verify(headerRequest(""), nil, a, "x"), CodeIncompleteSignature)

	// A signed X-Amz-Content-Sha256 must be a hash or UNSIGNED-PAYLOAD.
	r := headerRequest(testAuthz, "X-Amz-Date", testDate, "X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
	a = &Auth{Signature: testSig, SignedHeaders: []string{"host", "x-amz-content-sha256"}, Date: "20150830",
		Region: "us-east-1", Service: "service", Time: time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)}
	err := Verify(r, nil, a, "x")
	wantCode(t, err, CodeInvalidSignature)
	if !strings.Contains(err.Error(), "not supported") {
		t.Errorf("message %q", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Error() != e.Code+": "+e.Message {
		t.Errorf("Error() = %q", err.Error())
	}
}

func TestNormalizePath(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "/",
		"/":                    "/",
		"/certificates/abc":    "/certificates/abc",
		"/things/t/principals": "/things/t/principals",
		"/a/":                  "/a/",
		"//a":                  "/a",
		"/a//b":                "/a/b",
		"/a//":                 "/a/",
		"/./a":                 "/a",
		"/a/.":                 "/a/",
		"/a/..":                "/",
		"/a/../b/":             "/b/",
		"/.well-known":         "/.well-known",
		"/a/.b/":               "/a/.b/",
		"a/b":                  "/a/b",
		"/a%2F..":              "/a%2F..",
	} {
		if got := normalizePath(in); got != want {
			t.Errorf("normalizePath(%q) = %q, want %q", in, got, want)
		}
	}
}
