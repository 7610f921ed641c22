package sigv4

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// benchRequest is a typical signed IoT GET, as a server receives it.
func benchRequest(b *testing.B) *http.Request {
	b.Helper()
	req := httptest.NewRequest(http.MethodGet, "https://iot.us-east-1.example.com/things/my-thing?maxResults=25&nextToken=abc%2Bdef", nil)
	setLabelPath(req, "/things/", "arn:aws:iot:us-east-1:123456789012:thing/my-thing")
	req.Header.Set("User-Agent", "aws-sdk-go-v2/1.47.7 os/linux lang/go#1.26 api/iot#1.75.0")
	err := v4.NewSigner().SignHTTP(context.Background(), sdkCreds(), req, hashHex(nil), sdkService, sdkRegion, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	req.RequestURI = req.URL.RequestURI()
	return req
}

func BenchmarkVerify(b *testing.B) {
	r := benchRequest(b)
	a, err := Parse(r)
	if err != nil {
		b.Fatal(err)
	}
	var v Verifier
	if err := v.Verify(r, nil, a, sdkSecret); err != nil { // warms the key cache
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Verify(r, nil, a, sdkSecret); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyNoCache(b *testing.B) {
	r := benchRequest(b)
	a, err := Parse(r)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := Verify(r, nil, a, sdkSecret); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	r := benchRequest(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(r); err != nil {
			b.Fatal(err)
		}
	}
}
