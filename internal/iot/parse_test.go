package iot

import (
	"strings"
	"testing"
	"time"
)

func TestCertificateMarkerRoundTrip(t *testing.T) {
	t.Parallel()
	c := CertificateCursor{CreatedAt: time.UnixMilli(1700000000123).UTC(), ID: strings.Repeat("ab", 32)}
	m := encodeCertificateMarker(c)
	if !markerPattern.MatchString(m) || len(m) > 1024 {
		t.Fatalf("marker %q does not satisfy the model's Marker pattern", m)
	}
	got, err := decodeCertificateMarker("marker", m)
	if err != nil || got == nil || !got.CreatedAt.Equal(c.CreatedAt) || got.ID != c.ID {
		t.Fatalf("decode = %+v, %v; want %+v", got, err, c)
	}
	// A name marker is not a certificate marker, and vice versa.
	if _, err := decodeCertificateMarker("marker", encodeNameMarker("p1")); ErrorCode(err) != CodeInvalidRequest {
		t.Fatalf("name marker accepted as certificate marker: %v", err)
	}
	if _, err := decodeNameMarker("marker", m); ErrorCode(err) != CodeInvalidRequest {
		t.Fatalf("certificate marker accepted as name marker: %v", err)
	}
}

func TestBadMarkers(t *testing.T) {
	t.Parallel()
	for name, m := range map[string]string{
		"not base64":       "!!!",
		"padding only":     "==",
		"too long":         strings.Repeat("A", 1025),
		"unknown kind":     "CQ==",
		"truncated cursor": encodeNameMarker("x")[:4],
		"space":            "AQ AA",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := decodeCertificateMarker("marker", m); ErrorCode(err) != CodeInvalidRequest {
				t.Fatalf("decodeCertificateMarker(%q) = %v, want InvalidRequest", m, err)
			}
		})
	}
}

func FuzzDecodeMarkers(f *testing.F) {
	f.Add(encodeCertificateMarker(CertificateCursor{CreatedAt: time.UnixMilli(1), ID: strings.Repeat("0", 64)}))
	f.Add(encodeNameMarker("policy"))
	f.Add("")
	f.Add("AQ==")
	f.Fuzz(func(t *testing.T, m string) {
		c, err := decodeCertificateMarker("marker", m)
		if err == nil && c != nil {
			// Whatever decodes must encode back to a marker that decodes to the same cursor.
			again, err := decodeCertificateMarker("marker", encodeCertificateMarker(*c))
			if err != nil || !again.CreatedAt.Equal(c.CreatedAt) || again.ID != c.ID {
				t.Fatalf("round trip of %q: %+v, %v", m, again, err)
			}
		} else if err != nil && ErrorCode(err) != CodeInvalidRequest {
			t.Fatalf("decode %q: %v is not InvalidRequest", m, err)
		}
		if _, err := decodeNameMarker("nextToken", m); err != nil && ErrorCode(err) != CodeInvalidRequest {
			t.Fatalf("decode name %q: %v is not InvalidRequest", m, err)
		}
	})
}

func TestCheckPolicyDocument(t *testing.T) {
	t.Parallel()
	ok := []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":["iot:Publish","iot:Receive"],"Resource":["arn:aws:iot:*:*:topic/a"]}}`,
		`{"Version":"2008-10-17","Statement":[{"Effect":"Allow","NotAction":"iot:Connect","NotResource":"*"}]}`,
	}
	for _, d := range ok {
		if err := checkPolicyDocument(d); err != nil {
			t.Errorf("checkPolicyDocument(%s) = %v", d, err)
		}
	}
	bad := map[string]string{
		"not json":         `{"Version":`,
		"no version":       `{"Statement":[{"Effect":"Allow","Action":"a","Resource":"*"}]}`,
		"bad version":      `{"Version":"2020-01-01","Statement":[{"Effect":"Allow","Action":"a","Resource":"*"}]}`,
		"no statement":     `{"Version":"2012-10-17"}`,
		"empty statement":  `{"Version":"2012-10-17","Statement":[]}`,
		"bad effect":       `{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"a","Resource":"*"}]}`,
		"no action":        `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}`,
		"empty action":     `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}`,
		"no resource":      `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a"}]}`,
		"numeric resource": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a","Resource":5}]}`,
		"array document":   `[]`,
		"too long":         `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a","Resource":"` + strings.Repeat("x", 2100) + `"}]}`,
	}
	for name, d := range bad {
		t.Run(name, func(t *testing.T) {
			if err := checkPolicyDocument(d); ErrorCode(err) != CodeMalformedPolicy {
				t.Fatalf("got %v, want MalformedPolicy", err)
			}
		})
	}
	// White space does not count towards the 2048-character limit.
	spaced := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}` + strings.Repeat(" ", 5000)
	if err := checkPolicyDocument(spaced); err != nil {
		t.Fatalf("white space counted towards the limit: %v", err)
	}
}

func FuzzCheckPolicyDocument(f *testing.F) {
	f.Add(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}`)
	f.Add(`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":[""],"Resource":null}}`)
	f.Add(`null`)
	f.Fuzz(func(t *testing.T, doc string) {
		if err := checkPolicyDocument(doc); err != nil {
			if c := ErrorCode(err); c != CodeMalformedPolicy && c != CodeInvalidRequest {
				t.Fatalf("checkPolicyDocument(%q) = %v", doc, err)
			}
		}
	})
}

func TestParseARN(t *testing.T) {
	t.Parallel()
	a, ok := ParseARN("arn:aws:iot:us-east-1:123456789012:cert/abc")
	if !ok || a != (ARN{Partition: "aws", Region: "us-east-1", Account: "123456789012", ResourceType: "cert", Resource: "abc"}) {
		t.Fatalf("ParseARN = %+v, %v", a, ok)
	}
	for _, s := range []string{"", "arn:aws:s3:::bucket", "arn:aws:iot:r:a:cert", "arn:aws:iot:r:a:/x", "arn::iot:r:a:cert/x", "us-east-1:1234"} {
		if _, ok := ParseARN(s); ok {
			t.Errorf("ParseARN(%q) accepted", s)
		}
	}
	if got := CertificateARN("eu-west-1", "111111111111", "ff"); got != "arn:aws:iot:eu-west-1:111111111111:cert/ff" {
		t.Fatalf("CertificateARN = %s", got)
	}
}

func TestCanonicalARN(t *testing.T) {
	t.Parallel()
	lower, upper := strings.Repeat("ab", 32), strings.Repeat("AB", 32)
	for in, want := range map[string]string{
		"arn:aws:iot:us-east-1:111111111111:cert/" + upper:     "arn:aws:iot:us-east-1:111111111111:cert/" + lower,
		"arn:aws:iot:us-east-1:111111111111:cacert/" + upper:   "arn:aws:iot:us-east-1:111111111111:cacert/" + lower,
		"arn:aws-cn:iot:cn-north-1:111111111111:cert/" + upper: "arn:aws-cn:iot:cn-north-1:111111111111:cert/" + lower,
		"arn:aws:iot:us-east-1:111111111111:cert/" + lower:     "arn:aws:iot:us-east-1:111111111111:cert/" + lower,
		// Not a certificate ID, a policy or thing name (case-sensitive), or not an ARN:
		// unchanged.
		"arn:aws:iot:us-east-1:111111111111:cert/ABC":        "arn:aws:iot:us-east-1:111111111111:cert/ABC",
		"arn:aws:iot:us-east-1:111111111111:policy/" + upper: "arn:aws:iot:us-east-1:111111111111:policy/" + upper,
		"arn:aws:iot:us-east-1:111111111111:thing/" + upper:  "arn:aws:iot:us-east-1:111111111111:thing/" + upper,
		"us-east-1:12345678-1234-1234-1234-123456789ABC":     "us-east-1:12345678-1234-1234-1234-123456789ABC",
		"*": "*",
	} {
		if got := canonicalARN(in); got != want {
			t.Errorf("canonicalARN(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckCertificateID(t *testing.T) {
	t.Parallel()
	id := strings.Repeat("aB", 32)
	got, err := checkCertificateID("certificateId", id)
	if err != nil || got != strings.ToLower(id) {
		t.Fatalf("checkCertificateID = %q, %v", got, err)
	}
	for _, bad := range []string{"", id[:63], id + "a", "0x" + id[:62], strings.Repeat("g", 64)} {
		if _, err := checkCertificateID("certificateId", bad); ErrorCode(err) != CodeInvalidRequest {
			t.Errorf("checkCertificateID(%q) = %v, want InvalidRequest", bad, err)
		}
	}
}

func TestRelate(t *testing.T) {
	t.Parallel()
	accepted := &Certificate{Owner: "B", PreviousOwner: "A", Transfer: TransferData{AcceptDate: time.Unix(1, 0)}}
	pending := &Certificate{Owner: "A", Transfer: TransferData{Target: "B"}}
	cases := []struct {
		name    string
		records []*Certificate
		account string
		want    relation
	}{
		{"owner", []*Certificate{{Owner: "A"}}, "A", relOwner},
		{"source", []*Certificate{pending}, "A", relSource},
		{"target", []*Certificate{pending}, "B", relTarget},
		{"stranger", []*Certificate{pending}, "C", relNone},
		{"former owner", []*Certificate{accepted}, "A", relFormerOwner},
		{"new owner", []*Certificate{accepted}, "B", relOwner},
		{"own record wins over pending offer", []*Certificate{{Owner: "C", Transfer: TransferData{Target: "A"}}, {Owner: "A"}}, "A", relOwner},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, got := relate(tc.records, tc.account); got != tc.want {
				t.Fatalf("relate = %d, want %d", got, tc.want)
			}
		})
	}
}
