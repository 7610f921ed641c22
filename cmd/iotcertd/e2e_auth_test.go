package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"
)

// firstCredentials reads the access key the server created on first start.
func firstCredentials(t *testing.T, dir string) (key, secret string) {
	t.Helper()
	path := filepath.Join(dir, credentialsFile)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s has mode %v, want 0600", path, fi.Mode().Perm())
	}
	b := must(os.ReadFile(path)).T(t)
	k := regexp.MustCompile(`aws_access_key_id = (\S+)`).FindSubmatch(b)
	s := regexp.MustCompile(`aws_secret_access_key = (\S+)`).FindSubmatch(b)
	if k == nil || s == nil {
		t.Fatalf("credentials file lacks a key:\n%s", b)
	}
	return string(k[1]), string(s[1])
}

func TestFirstStartCredentialsAndRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s, stop := mustServeConfig(t, Config{DataDir: dir})
	key, secret := firstCredentials(t, dir)
	out := s.stdout.String()
	if !strings.Contains(out, key) || !strings.Contains(out, secret) || !strings.Contains(out, filepath.Join(dir, credentialsFile)) {
		t.Fatalf("first start did not print the key, secret and file:\n%s", out)
	}
	c := s.Client(key, secret, "us-east-1")
	created := must(c.CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{SetAsActive: true})).T(t)
	// Stop this server and start another on the same data directory.
	stop()

	s2 := MustServeDir(t, dir, false)
	if strings.Contains(s2.stdout.String(), secret) {
		t.Fatalf("second start printed the secret again:\n%s", s2.stdout.String())
	}
	if !strings.Contains(s2.stdout.String(), filepath.Join(dir, credentialsFile)) {
		t.Fatalf("second start does not say where the credentials are:\n%s", s2.stdout.String())
	}
	d := describe(t, s2.Client(key, secret, "us-east-1"), aws.ToString(created.CertificateId))
	if d.Status != types.CertificateStatusActive || aws.ToString(d.CertificatePem) != aws.ToString(created.CertificatePem) {
		t.Fatalf("after restart: status %s, PEM equal %v", d.Status, aws.ToString(d.CertificatePem) == aws.ToString(created.CertificatePem))
	}
	// The issuing CA was persisted: a certificate made after the restart is signed by the
	// same CA, with the same key, as the one made before it.
	before := ctParseCert(t, aws.ToString(created.CertificatePem))
	afterOut := must(s2.Client(key, secret, "us-east-1").CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{})).T(t)
	after := ctParseCert(t, aws.ToString(afterOut.CertificatePem))
	if !bytes.Equal(before.RawIssuer, after.RawIssuer) || !bytes.Equal(before.AuthorityKeyId, after.AuthorityKeyId) {
		t.Fatalf("issuer after restart %q (key %x), before %q (key %x)", after.Issuer, after.AuthorityKeyId, before.Issuer, before.AuthorityKeyId)
	}
	// The master key and the database do not hold the secret in plain text.
	db := must(os.ReadFile(filepath.Join(dir, dbFile))).T(t)
	if bytes.Contains(db, []byte(secret)) {
		t.Fatal("the database holds the secret access key in plain text")
	}
}

func TestStrictSigV4(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s := MustServeDir(t, dir, false)
	key, secret := firstCredentials(t, dir)
	good := s.Client(key, secret, "us-east-1")
	id := newInactiveCert(t, good)

	t.Run("valid requests with bodies, queries and escaped paths", func(t *testing.T) {
		arn := describe(t, good, id).CertificateArn
		must(good.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String("p+=,.@-1"), PolicyDocument: aws.String(testPolicyDoc)})).T(t)
		must(good.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String("p+=,.@-1"), Target: arn})).T(t)
		out := must(good.ListAttachedPolicies(ctx, &iot.ListAttachedPoliciesInput{Target: arn, PageSize: aws.Int32(5)})).T(t)
		if len(out.Policies) != 1 {
			t.Fatalf("attached policies = %d, want 1", len(out.Policies))
		}
		must(good.DetachPolicy(ctx, &iot.DetachPolicyInput{PolicyName: aws.String("p+=,.@-1"), Target: arn})).T(t)
		must(good.ListCertificates(ctx, &iot.ListCertificatesInput{PageSize: aws.Int32(3), AscendingOrder: true})).T(t)
	})
	t.Run("unknown access key", func(t *testing.T) {
		_, err := s.Client("AKIAUNKNOWNKEY000000", secret, "us-east-1").ListCertificates(ctx, &iot.ListCertificatesInput{})
		requireAPIError(t, err, "UnrecognizedClientException", 403)
	})
	t.Run("wrong secret", func(t *testing.T) {
		_, err := s.Client(key, secret+"x", "us-east-1").ListCertificates(ctx, &iot.ListCertificatesInput{})
		requireAPIError(t, err, "InvalidSignatureException", 403)
	})
	t.Run("one changed body byte", func(t *testing.T) {
		c := iot.New(iot.Options{
			Region: "us-east-1", BaseEndpoint: aws.String(s.URL), Retryer: aws.NopRetryer{},
			Credentials: good.Options().Credentials,
			HTTPClient:  &http.Client{Transport: tamperBody{}},
		})
		_, err := c.TransferCertificate(ctx, &iot.TransferCertificateInput{CertificateId: aws.String(id),
			TargetAwsAccount: aws.String("222222222222"), TransferMessage: aws.String("hello")})
		requireAPIError(t, err, "InvalidSignatureException", 403)
		if d := describe(t, good, id); d.Status != types.CertificateStatusInactive {
			t.Fatalf("a refused request changed the certificate: %s", d.Status)
		}
	})
	t.Run("clock skew beyond 15 minutes", func(t *testing.T) {
		for _, skew := range []time.Duration{-16 * time.Minute, 16 * time.Minute} {
			resp := signedGet(t, s.URL+"/certificates/"+id, key, secret, time.Now().Add(skew))
			if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-ErrorType") != "InvalidSignatureException" {
				t.Fatalf("skew %v: status %d type %q", skew, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
			}
		}
		if resp := signedGet(t, s.URL+"/certificates/"+id, key, secret, time.Now().Add(-14*time.Minute)); resp.StatusCode != 200 {
			t.Fatalf("14 minutes of skew refused: %d", resp.StatusCode)
		}
	})
	t.Run("missing authentication", func(t *testing.T) {
		resp := must(http.Get(s.URL + "/certificates")).T(t)
		resp.Body.Close()
		if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" || resp.Header.Get("X-Amzn-Requestid") == "" {
			t.Fatalf("status %d type %q request id %q", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), resp.Header.Get("X-Amzn-Requestid"))
		}
	})
}

// signedGet signs a GET with the SDK's own signer at the given time and sends it.
func signedGet(t *testing.T, url, key, secret string, at time.Time) *http.Response {
	t.Helper()
	req := must(http.NewRequest(http.MethodGet, url, nil)).T(t)
	sum := sha256.Sum256(nil)
	creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "iot", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	resp := must(http.DefaultClient.Do(req)).T(t)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// tamperBody changes one byte of a signed request body in flight.
type tamperBody struct{}

func (tamperBody) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body.Close()
		b = bytes.Replace(b, []byte("hello"), []byte("hellp"), 1)
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestAccountCreateWhileServing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s := MustServeDir(t, dir, false)
	srcKey, srcSecret := firstCredentials(t, dir)

	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"account", "create", "--id", "222222222222", "--data", dir}, &out, &errOut); err != nil {
		t.Fatalf("account create: %v\n%s", err, errOut.String())
	}
	var acct struct{ AccountID, AccessKeyID, SecretAccessKey string }
	if err := json.Unmarshal(out.Bytes(), &acct); err != nil {
		t.Fatalf("account create printed %q: %v", out.String(), err)
	}
	if acct.AccountID != "222222222222" || acct.AccessKeyID == "" || acct.SecretAccessKey == "" {
		t.Fatalf("account create printed %+v", acct)
	}
	if err := run(ctx, []string{"account", "create", "--id", "222222222222", "--data", dir}, io.Discard, io.Discard); err == nil {
		t.Fatal("creating the same account twice succeeded")
	}
	if err := run(ctx, []string{"account", "create", "--id", "12345", "--data", dir}, io.Discard, io.Discard); err == nil {
		t.Fatal("a 5-digit account ID was accepted")
	}

	// The running server honours the new key at once: a transfer between the two accounts.
	src := s.Client(srcKey, srcSecret, "us-east-1")
	dst := s.Client(acct.AccessKeyID, acct.SecretAccessKey, "us-east-1")
	id := newInactiveCert(t, src)
	must(src.TransferCertificate(ctx, &iot.TransferCertificateInput{CertificateId: aws.String(id), TargetAwsAccount: aws.String(acct.AccountID)})).T(t)
	must(dst.AcceptCertificateTransfer(ctx, &iot.AcceptCertificateTransferInput{CertificateId: aws.String(id)})).T(t)
	if d := describe(t, dst, id); aws.ToString(d.OwnedBy) != acct.AccountID {
		t.Fatalf("owner after accept = %s", aws.ToString(d.OwnedBy))
	}
	// A random account ID is 12 digits.
	out.Reset()
	if err := run(ctx, []string{"account", "create", "--data", dir}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out.Bytes(), &acct); err != nil || !regexp.MustCompile(`^[0-9]{12}$`).MatchString(acct.AccountID) {
		t.Fatalf("random account: %+v %v", acct, err)
	}
}

func TestEmulatorAccounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	// A non-numeric access key maps to the default account, any secret is accepted.
	c := s.Client("test", "test", "us-west-2")
	out := must(c.CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{})).T(t)
	if want := "arn:aws:iot:us-west-2:123456789012:cert/"; !strings.HasPrefix(aws.ToString(out.CertificateArn), want) {
		t.Fatalf("ARN %s, want prefix %s", aws.ToString(out.CertificateArn), want)
	}
	d := describe(t, s.Client("123456789012", "other", "us-west-2"), aws.ToString(out.CertificateId))
	if aws.ToString(d.OwnedBy) != "123456789012" {
		t.Fatalf("ownedBy = %s", aws.ToString(d.OwnedBy))
	}
	resp := must(http.Get(s.URL + "/certificates")).T(t)
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("emulator accepted an unsigned request: %d", resp.StatusCode)
	}
}

// TestOneServerPerDataDir checks that a second server on an SQLite data directory in use
// refuses to start (it could not see the first one's writes, which the first caches),
// while admin commands still work there, and that the directory is free again once the
// first server stops.
func TestOneServerPerDataDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, stop := mustServeConfig(t, Config{DataDir: dir, Emulator: true})
	_, err := Open(context.Background(), Config{Addr: "127.0.0.1:0", DataDir: dir, Emulator: true, KeyPool: 0})
	if err == nil || !strings.Contains(err.Error(), "another iotcertd server") {
		t.Fatalf("second server on the same data directory: %v", err)
	}
	admin(t, nil, "account", "create", "--id", acctC, "--data", dir)
	id := newInactiveCert(t, first.Account(acctA))
	stop()
	again, _ := mustServeConfig(t, Config{DataDir: dir, Emulator: true})
	if d := describe(t, again.Account(acctA), id); d.Status != types.CertificateStatusInactive {
		t.Fatalf("after restart: %s", d.Status)
	}
}

// TestAuthFailuresThroughSDK checks, with the real SDK client, the authentication failures
// that need a clock or no credentials: a request signed more than 15 minutes away from the
// server's time (the server's clock is moved, the SDK signs with the real one), and an
// unsigned request (anonymous credentials).
func TestAuthFailuresThroughSDK(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	clock := &testClock{}
	s := mustServeIAM(t, Config{DataDir: dir, Clock: clock.Now})
	key, secret := firstCredentials(t, dir)
	c := s.Client(key, secret, "us-east-1")
	must(c.ListCertificates(ctx, &iot.ListCertificatesInput{})).T(t)

	clock.Advance(16 * time.Minute)
	_, err := c.ListCertificates(ctx, &iot.ListCertificatesInput{})
	requireAPIError(t, err, "InvalidSignatureException", 403)
	clock.Advance(-32 * time.Minute)
	_, err = c.ListCertificates(ctx, &iot.ListCertificatesInput{})
	requireAPIError(t, err, "InvalidSignatureException", 403)
	clock.Advance(16 * time.Minute)
	must(c.ListCertificates(ctx, &iot.ListCertificatesInput{})).T(t)

	anonymous := iot.New(iot.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(s.URL), Credentials: aws.AnonymousCredentials{},
		Retryer: aws.NopRetryer{}, HTTPClient: &http.Client{Timeout: 30 * time.Second},
	})
	_, err = anonymous.ListCertificates(ctx, &iot.ListCertificatesInput{})
	requireAPIError(t, err, "MissingAuthenticationTokenException", 403)
}
