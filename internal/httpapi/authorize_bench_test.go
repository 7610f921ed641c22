package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// tenStatementPolicy is a realistic user policy of ten statements; the statement that
// allows DescribeCertificate comes last, so that evaluation looks at all of them.
func tenStatementPolicy(account string) string {
	return `{"Version":"2012-10-17","Statement":[
{"Sid":"ReadThings","Effect":"Allow","Action":["iot:DescribeThing","iot:ListThings","iot:ListThingPrincipals"],"Resource":"*"},
{"Sid":"ManagePolicies","Effect":"Allow","Action":"iot:*Policy*","Resource":"arn:aws:iot:us-east-1:` + account + `:policy/app-*"},
{"Sid":"NoDeleteProd","Effect":"Deny","Action":"iot:Delete*","Resource":"arn:aws:iot:*:` + account + `:thing/prod-*"},
{"Sid":"EuOnly","Effect":"Allow","Action":"iot:Create*","Resource":"*","Condition":{"StringLike":{"aws:RequestedRegion":"eu-*"}}},
{"Sid":"Tags","Effect":"Allow","Action":["iot:TagResource","iot:UntagResource","iot:ListTagsForResource"],"Resource":"*"},
{"Sid":"NotSecret","Effect":"Allow","Action":"iot:Get*","NotResource":"arn:aws:iot:us-east-1:` + account + `:policy/secret"},
{"Sid":"Endpoint","Effect":"Allow","Action":"iot:DescribeEndpoint","Resource":"*"},
{"Sid":"OnlyBench","Effect":"Deny","Action":"iot:Transfer*","Resource":"*","Condition":{"StringNotEquals":{"aws:username":"bench"}}},
{"Sid":"CA","Effect":"Allow","Action":"iot:?*CACertificate*","Resource":"arn:aws:iot:us-east-1:` + account + `:cacert/*"},
{"Sid":"Certs","Effect":"Allow","Action":["iot:DescribeCertificate","iot:UpdateCertificate"],"Resource":"arn:aws:iot:us-east-1:` + account + `:cert/*"}]}`
}

// BenchmarkAuthorizedDescribeCertificate measures whole requests through the HTTP handler
// on a loopback httptest server: real SigV4-signed DescribeCertificate calls, verified and
// authorised, served from SQLite. "root" signs as the account's root identity, "user" as a
// user whose one inline policy has ten statements. docs/iam.md records the numbers.
func BenchmarkAuthorizedDescribeCertificate(b *testing.B) {
	ctx := context.Background()
	svc := newTestService(b)
	acct, err := svc.CreateAccount(ctx, "")
	if err != nil {
		b.Fatal(err)
	}
	_, userKey, err := svc.CreateUser(ctx, acct.AccountID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	if err := svc.PutUserPolicy(ctx, acct.AccountID, "bench", "ten", tenStatementPolicy(acct.AccountID)); err != nil {
		b.Fatal(err)
	}
	cert, err := svc.CreateKeysAndCertificate(ctx, iot.Caller{Account: acct.AccountID, Region: testRegion}, iot.CreateKeysAndCertificateInput{})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(New(Config{Service: svc, Auth: &SigV4Auth{Lookup: svc.LookupAccessKey}}))
	b.Cleanup(srv.Close)
	client := srv.Client()
	url := srv.URL + "/certificates/" + cert.CertificateID
	signer := v4.NewSigner()
	emptyHash := sha256.Sum256(nil)
	payloadHash := hex.EncodeToString(emptyHash[:])

	request := func(b *testing.B, key, secret string) {
		creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := signer.SignHTTP(ctx, creds, req, payloadHash, "iot", testRegion, time.Now()); err != nil {
			b.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), cert.CertificateID) {
			b.Fatalf("status %d: %s", resp.StatusCode, body)
		}
	}
	root := func(b *testing.B) { request(b, acct.AccessKeyID, acct.SecretAccessKey) }
	user := func(b *testing.B) { request(b, userKey.AccessKeyID, userKey.SecretAccessKey) }

	for _, bc := range []struct {
		name string
		call func(b *testing.B)
	}{{"root", root}, {"user", user}} {
		b.Run(bc.name, func(b *testing.B) {
			bc.call(b) // warm the connection and the credential cache
			b.ReportAllocs()
			for b.Loop() {
				bc.call(b)
			}
		})
	}

	// interleaved sends a root request and a user request in turn, so that both meet the
	// same machine load, and reports the median latency of each and their ratio: on a busy
	// machine this is the comparison to trust.
	b.Run("interleaved", func(b *testing.B) {
		root(b)
		user(b)
		var rootNs, userNs []float64
		for b.Loop() {
			t0 := time.Now()
			root(b)
			t1 := time.Now()
			user(b)
			t2 := time.Now()
			rootNs = append(rootNs, float64(t1.Sub(t0)))
			userNs = append(userNs, float64(t2.Sub(t1)))
		}
		r, u := median(rootNs), median(userNs)
		b.ReportMetric(r, "root-p50-ns")
		b.ReportMetric(u, "user-p50-ns")
		b.ReportMetric(u/r, "user/root")
	})
}

// median returns the median of xs, sorting them.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	return xs[len(xs)/2]
}

// BenchmarkAuthorize measures the authorisation step alone (iot.Service.Authorize) for a
// DescribeCertificate call: what a request pays for IAM, as root and as a user whose
// policy has ten statements.
func BenchmarkAuthorize(b *testing.B) {
	ctx := context.Background()
	svc := newTestService(b)
	const account = "111122223333"
	id := strings.Repeat("7a", 32)
	for _, bc := range []struct {
		name   string
		caller iot.Caller
	}{
		{"root", iot.Caller{Account: account, Region: testRegion}},
		{"user", iot.Caller{Account: account, Region: testRegion, UserName: "bench", Policies: mustPolicies(b, tenStatementPolicy(account))}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if err := svc.Authorize(ctx, bc.caller, "DescribeCertificate", id); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := svc.Authorize(ctx, bc.caller, "DescribeCertificate", id); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
