package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Account IDs used by the end-to-end tests in emulator mode, where the access key ID is
// the account.
const (
	acctA = "111111111111"
	acctB = "222222222222"
	acctC = "333333333333"
)

// testServer is a real iotcertd server on a loopback port with a fresh data directory.
type testServer struct {
	*Main
	URL    string
	stdout *bytes.Buffer
}

// MustServe boots iotcertd exactly as `iotcertd serve` does and stops it when the test ends.
func MustServe(tb testing.TB, emulator bool) *testServer {
	tb.Helper()
	return MustServeDir(tb, tb.TempDir(), emulator)
}

// MustServeDir boots iotcertd on a given data directory.
func MustServeDir(tb testing.TB, dir string, emulator bool) *testServer {
	tb.Helper()
	out := &bytes.Buffer{}
	m, err := Open(context.Background(), Config{
		Addr: "127.0.0.1:0", DataDir: dir, Emulator: emulator, KeyPool: 2, Stdout: out,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		tb.Fatalf("open server: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			tb.Errorf("server: %v", err)
		}
		if err := m.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	return &testServer{Main: m, URL: "http://" + m.Addr(), stdout: out}
}

// Client returns an AWS IoT client of aws-sdk-go-v2 for the given credentials and region,
// with retries off so that each call is one request.
func (s *testServer) Client(accessKey, secret, region string) *iot.Client {
	return iot.New(iot.Options{
		Region:       region,
		BaseEndpoint: aws.String(s.URL),
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secret, ""),
		Retryer:      aws.NopRetryer{},
		HTTPClient:   &http.Client{Timeout: 30 * time.Second},
	})
}

// Account returns a client for an emulator-mode account (the access key is the account).
func (s *testServer) Account(account string) *iot.Client {
	return s.Client(account, "emulator-secret", "us-east-1")
}

// requireCode asserts that err is the typed AWS exception T with the HTTP status want.
func requireCode[T error](tb testing.TB, err error, status int) T {
	tb.Helper()
	var target T
	if err == nil {
		tb.Fatalf("got success, want %T (HTTP %d)", target, status)
	}
	if !errors.As(err, &target) {
		tb.Fatalf("got %v, want %T", err, target)
	}
	if got := httpStatus(err); got != status {
		tb.Fatalf("%T: HTTP status %d, want %d", target, got, status)
	}
	return target
}

// requireAPIError asserts an untyped AWS error by its code and status, for errors the
// IoT model does not define (authentication failures come from AWS's front end).
func requireAPIError(tb testing.TB, err error, code string, status int) {
	tb.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		tb.Fatalf("got %v, want API error %s", err, code)
	}
	if ae.ErrorCode() != code {
		tb.Fatalf("error code %q (%v), want %q", ae.ErrorCode(), err, code)
	}
	if got := httpStatus(err); got != status {
		tb.Fatalf("%s: HTTP status %d, want %d", code, got, status)
	}
}

// httpStatus returns the HTTP status of a failed SDK call.
func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// must pairs a call's result with its error, so that a test can write
// must(c.Op(ctx, in)).T(t): Go passes a multi-value call only as the sole argument.
func must[T any](v T, err error) result[T] { return result[T]{v, err} }

type result[T any] struct {
	v   T
	err error
}

// T returns the value, failing the test on the error.
func (r result[T]) T(tb testing.TB) T {
	tb.Helper()
	if r.err != nil {
		tb.Fatal(r.err)
	}
	return r.v
}

// newInactiveCert creates a certificate in INACTIVE state and returns its ID.
func newInactiveCert(tb testing.TB, c *iot.Client) string {
	tb.Helper()
	out := must(c.CreateKeysAndCertificate(context.Background(), &iot.CreateKeysAndCertificateInput{})).T(tb)
	return aws.ToString(out.CertificateId)
}

// describe returns a certificate's description.
func describe(tb testing.TB, c *iot.Client, id string) *types.CertificateDescription {
	tb.Helper()
	out := must(c.DescribeCertificate(context.Background(), &iot.DescribeCertificateInput{CertificateId: aws.String(id)})).T(tb)
	return out.CertificateDescription
}

// listAll pages through ListCertificates to the end.
func listAll(tb testing.TB, c *iot.Client, ascending bool, pageSize int32) []types.Certificate {
	tb.Helper()
	var all []types.Certificate
	p := iot.NewListCertificatesPaginator(c, &iot.ListCertificatesInput{AscendingOrder: ascending, PageSize: aws.Int32(pageSize)})
	for p.HasMorePages() {
		page := must(p.NextPage(context.Background())).T(tb)
		all = append(all, page.Certificates...)
	}
	return all
}

// ids returns the certificate IDs of a listing.
func ids(certs []types.Certificate) []string {
	out := make([]string, len(certs))
	for i, c := range certs {
		out[i] = aws.ToString(c.CertificateId)
	}
	return out
}
