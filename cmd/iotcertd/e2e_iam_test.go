package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"
	"github.com/aws/smithy-go"

	"github.com/iotcertd/iotcertd/internal/httpapi"
	domain "github.com/iotcertd/iotcertd/internal/iot"
	"github.com/iotcertd/iotcertd/internal/store/postgres/pgtest"
)

// End-to-end tests of identities and IAM policies (docs/iam.md): the real server, the AWS
// SDK for Go v2, and the admin commands run in process on the server's data directory.

// testClock is a settable clock for the server, starting at the real time so that the
// SDK's signatures stay within the allowed skew.
type testClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}

// lockedWriter is an io.Writer safe for the server's concurrent logging.
type lockedWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *lockedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// mustServeIAM boots iotcertd in process with cfg (its DataDir, Emulator, EnforceIAM,
// Clock and Logger) and stops it when the test ends.
func mustServeIAM(tb testing.TB, cfg Config) *testServer {
	tb.Helper()
	out := &bytes.Buffer{}
	cfg.Addr, cfg.KeyPool, cfg.Stdout = "127.0.0.1:0", 2, out
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	m, err := Open(context.Background(), cfg)
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

// adminKey is what user create, key create and key rotate print.
type adminKey struct {
	AccountID       string `json:"accountId"`
	UserName        string `json:"userName"`
	UserARN         string `json:"userArn"`
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
}

// admin runs an admin command in process and decodes its JSON output into out (if not nil).
func admin(t *testing.T, out any, args ...string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("iotcertd %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	if out != nil {
		if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
			t.Fatalf("iotcertd %s printed %q: %v", strings.Join(args, " "), stdout.String(), err)
		}
	}
}

// adminFails runs an admin command that must fail and returns its error.
func adminFails(t *testing.T, args ...string) error {
	t.Helper()
	var stdout bytes.Buffer
	err := run(context.Background(), args, &stdout, &bytes.Buffer{})
	if err == nil {
		t.Fatalf("iotcertd %s succeeded: %s", strings.Join(args, " "), stdout.String())
	}
	return err
}

// writePolicy writes a policy document to a file and returns its path.
func writePolicy(t *testing.T, doc string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// newUser creates a user with the given inline policies (named p0, p1, ...) and returns a
// client signing with its first key.
func newUser(t *testing.T, s *testServer, dir, account, name, region string, docs ...string) (*iot.Client, adminKey) {
	t.Helper()
	var k adminKey
	admin(t, &k, "user", "create", "--account", account, "--name", name, "--data", dir)
	if k.AccountID != account || k.UserName != name || k.UserARN != "arn:aws:iam::"+account+":user/"+name ||
		!strings.HasPrefix(k.AccessKeyID, "AKIA") || len(k.SecretAccessKey) != 40 {
		t.Fatalf("user create printed %+v", k)
	}
	for i, doc := range docs {
		admin(t, nil, "user", "put-policy", "--account", account, "--name", name, "--policy-name", "p"+string(rune('0'+i)),
			"--document", writePolicy(t, doc), "--data", dir)
	}
	return s.Client(k.AccessKeyID, k.SecretAccessKey, region), k
}

func statements(stmts ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

// requireDenied asserts a 403 AccessDeniedException whose message names the action.
func requireDenied(t *testing.T, err error, action string) {
	t.Helper()
	requireAPIError(t, err, "AccessDeniedException", 403)
	var ae smithy.APIError
	errors.As(err, &ae)
	if !strings.Contains(ae.ErrorMessage(), " is not authorized to perform: "+action+" on resource: ") {
		t.Errorf("message %q does not name %s", ae.ErrorMessage(), action)
	}
}

// firstAccount returns the ID of the account the server created on first start.
func firstAccount(t *testing.T, dir string) string {
	t.Helper()
	var out struct {
		Accounts []struct {
			AccountID string `json:"accountId"`
		} `json:"accounts"`
	}
	admin(t, &out, "account", "list", "--data", dir)
	if len(out.Accounts) != 1 {
		t.Fatalf("accounts %+v, want the first one only", out.Accounts)
	}
	return out.Accounts[0].AccountID
}

func TestIAMPolicies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s := mustServeIAM(t, Config{DataDir: dir})
	rootKey, rootSecret := firstCredentials(t, dir)
	acct := firstAccount(t, dir)
	root := s.Client(rootKey, rootSecret, "us-east-1")
	id1, id2 := newInactiveCert(t, root), newInactiveCert(t, root)
	certARN := func(account, id string) string { return "arn:aws:iot:us-east-1:" + account + ":cert/" + id }

	t.Run("a reader lists and describes, and may not change anything", func(t *testing.T) {
		reader, _ := newUser(t, s, dir, acct, "reader", "us-east-1",
			statements(`{"Effect":"Allow","Action":["iot:DescribeCertificate","iot:ListCertificates"],"Resource":"*"}`))
		if got := ids(listAll(t, reader, true, 10)); len(got) != 2 {
			t.Fatalf("reader lists %v", got)
		}
		if d := describe(t, reader, id1); aws.ToString(d.CertificateId) != id1 {
			t.Fatalf("reader describes %s", aws.ToString(d.CertificateId))
		}
		_, err := reader.TransferCertificate(ctx, &iot.TransferCertificateInput{CertificateId: aws.String(id1), TargetAwsAccount: aws.String(acctB)})
		requireDenied(t, err, "iot:TransferCertificate")
		_, err = reader.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(id1), NewStatus: types.CertificateStatusActive})
		requireDenied(t, err, "iot:UpdateCertificate")
		_, err = reader.DeleteCertificate(ctx, &iot.DeleteCertificateInput{CertificateId: aws.String(id1)})
		requireDenied(t, err, "iot:DeleteCertificate")
		// A certificate that does not exist is denied the same way: nothing to probe.
		_, err = reader.DeleteCertificate(ctx, &iot.DeleteCertificateInput{CertificateId: aws.String(strings.Repeat("0", 64))})
		requireDenied(t, err, "iot:DeleteCertificate")
		_, err = reader.CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{})
		requireDenied(t, err, "iot:CreateKeysAndCertificate")
		// Nothing changed.
		d := describe(t, root, id1)
		if d.Status != types.CertificateStatusInactive || aws.ToString(d.OwnedBy) != acct || d.TransferData != nil && d.TransferData.TransferDate != nil {
			t.Fatalf("after denied calls: status %s owner %s transfer %+v", d.Status, aws.ToString(d.OwnedBy), d.TransferData)
		}
		if got := ids(listAll(t, root, true, 10)); len(got) != 2 {
			t.Fatalf("after denied calls the account has %v", got)
		}
		out := must(root.ListOutgoingCertificates(ctx, &iot.ListOutgoingCertificatesInput{})).T(t)
		if len(out.OutgoingCertificates) != 0 {
			t.Fatalf("a denied transfer is pending: %+v", out.OutgoingCertificates)
		}
	})

	t.Run("explicit deny beats allow", func(t *testing.T) {
		c, _ := newUser(t, s, dir, acct, "denied", "us-east-1",
			statements(`{"Effect":"Allow","Action":"iot:*","Resource":"*"}`),
			statements(`{"Effect":"Deny","Action":"iot:UpdateCertificate","Resource":"arn:aws:iot:*:`+acct+`:cert/*"}`))
		describe(t, c, id1)
		_, err := c.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(id1), NewStatus: types.CertificateStatusActive})
		requireDenied(t, err, "iot:UpdateCertificate")
		var ae smithy.APIError
		if errors.As(err, &ae); !strings.HasSuffix(ae.ErrorMessage(), "with an explicit deny in an identity-based policy") {
			t.Errorf("message %q", ae.ErrorMessage())
		}
	})

	t.Run("a policy on one certificate", func(t *testing.T) {
		c, _ := newUser(t, s, dir, acct, "one-cert", "us-east-1",
			statements(`{"Effect":"Allow","Action":"iot:UpdateCertificate","Resource":"`+certARN(acct, id1)+`"}`))
		must(c.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(id1), NewStatus: types.CertificateStatusActive})).T(t)
		_, err := c.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(id2), NewStatus: types.CertificateStatusActive})
		requireDenied(t, err, "iot:UpdateCertificate")
		if d := describe(t, root, id2); d.Status != types.CertificateStatusInactive {
			t.Fatalf("the denied update changed %s to %s", id2, d.Status)
		}
		must(c.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(id1), NewStatus: types.CertificateStatusInactive})).T(t)
	})

	t.Run("aws:RequestedRegion condition", func(t *testing.T) {
		us, k := newUser(t, s, dir, acct, "eu-only", "us-east-1",
			statements(`{"Effect":"Allow","Action":"iot:ListCertificates","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}`))
		_, err := us.ListCertificates(ctx, &iot.ListCertificatesInput{})
		requireDenied(t, err, "iot:ListCertificates")
		eu := s.Client(k.AccessKeyID, k.SecretAccessKey, "eu-west-1")
		must(eu.ListCertificates(ctx, &iot.ListCertificatesInput{})).T(t)
	})

	t.Run("policies are validated when they are put", func(t *testing.T) {
		admin(t, nil, "user", "create", "--account", acct, "--name", "strict", "--data", dir)
		err := adminFails(t, "user", "put-policy", "--account", acct, "--name", "strict", "--policy-name", "ip",
			"--data", dir, "--document", writePolicy(t, statements(
				`{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}`)))
		if domain.ErrorCode(err) != domain.CodeMalformedPolicy || !strings.Contains(err.Error(), "IpAddress") {
			t.Errorf("unsupported condition: %v", err)
		}
		err = adminFails(t, "user", "put-policy", "--account", acct, "--name", "strict", "--policy-name", "bad",
			"--data", dir, "--document", writePolicy(t, `{"Statement":`))
		if domain.ErrorCode(err) != domain.CodeMalformedPolicy {
			t.Errorf("malformed JSON: %v", err)
		}
		// 2,048 characters without white space across the user's inline policies.
		long := func(n int) string {
			return statements(`{"Effect":"Allow","Action":"iot:ListThings","Resource":"arn:aws:iot:us-east-1:` + acct + `:thing/` +
				strings.Repeat("x", n) + `"}`)
		}
		base := len(long(0))
		admin(t, nil, "user", "put-policy", "--account", acct, "--name", "strict", "--policy-name", "a",
			"--data", dir, "--document", writePolicy(t, long(1024-base)))
		admin(t, nil, "user", "put-policy", "--account", acct, "--name", "strict", "--policy-name", "b",
			"--data", dir, "--document", writePolicy(t, long(1024-base)))
		err = adminFails(t, "user", "put-policy", "--account", acct, "--name", "strict", "--policy-name", "c",
			"--data", dir, "--document", writePolicy(t, statements(`{"Effect":"Allow","Action":"iot:ListThings","Resource":"*"}`)))
		if domain.ErrorCode(err) != domain.CodeLimitExceeded {
			t.Errorf("past 2048 characters: %v", err)
		}
		// Replacing a policy counts its new size instead of its old one.
		admin(t, nil, "user", "put-policy", "--account", acct, "--name", "strict", "--policy-name", "b",
			"--data", dir, "--document", writePolicy(t, "\n  "+long(1024-base-10)+"\n"))
	})

	// The second account, and its root.
	var b struct{ AccountID, AccessKeyID, SecretAccessKey string }
	admin(t, &b, "account", "create", "--id", acctB, "--data", dir)
	rootB := s.Client(b.AccessKeyID, b.SecretAccessKey, "us-east-1")

	t.Run("accept and cancel are evaluated on the target account's ARN", func(t *testing.T) {
		id := newInactiveCert(t, root)
		cancelTarget, _ := newUser(t, s, dir, acct, "cancel-target-arn", "us-east-1",
			statements(`{"Effect":"Allow","Action":["iot:TransferCertificate","iot:CancelCertificateTransfer"],"Resource":"`+certARN(acctB, id)+`"}`))
		cancelOwn, _ := newUser(t, s, dir, acct, "cancel-own-arn", "us-east-1",
			statements(`{"Effect":"Allow","Action":"iot:CancelCertificateTransfer","Resource":"`+certARN(acct, id)+`"}`))
		acceptOwn, _ := newUser(t, s, dir, acctB, "accept-own-arn", "us-east-1",
			statements(`{"Effect":"Allow","Action":"iot:AcceptCertificateTransfer","Resource":"arn:aws:iot:us-east-1:`+acctB+`:cert/*"}`))
		acceptSource, _ := newUser(t, s, dir, acctB, "accept-source-arn", "us-east-1",
			statements(`{"Effect":"Allow","Action":"iot:AcceptCertificateTransfer","Resource":"arn:aws:iot:us-east-1:`+acct+`:cert/*"}`))

		transfer := func() {
			t.Helper()
			must(root.TransferCertificate(ctx, &iot.TransferCertificateInput{CertificateId: aws.String(id), TargetAwsAccount: aws.String(acctB)})).T(t)
		}
		// TransferCertificate is evaluated on the caller's (source) account's ARN.
		_, err := cancelTarget.TransferCertificate(ctx, &iot.TransferCertificateInput{CertificateId: aws.String(id), TargetAwsAccount: aws.String(acctB)})
		requireDenied(t, err, "iot:TransferCertificate")

		transfer()
		_, err = cancelOwn.CancelCertificateTransfer(ctx, &iot.CancelCertificateTransferInput{CertificateId: aws.String(id)})
		requireDenied(t, err, "iot:CancelCertificateTransfer")
		must(cancelTarget.CancelCertificateTransfer(ctx, &iot.CancelCertificateTransferInput{CertificateId: aws.String(id)})).T(t)
		if d := describe(t, root, id); d.Status != types.CertificateStatusInactive {
			t.Fatalf("after cancel: %s", d.Status)
		}

		transfer()
		_, err = acceptSource.AcceptCertificateTransfer(ctx, &iot.AcceptCertificateTransferInput{CertificateId: aws.String(id)})
		requireDenied(t, err, "iot:AcceptCertificateTransfer")
		must(acceptOwn.AcceptCertificateTransfer(ctx, &iot.AcceptCertificateTransferInput{CertificateId: aws.String(id)})).T(t)
		if d := describe(t, rootB, id); aws.ToString(d.OwnedBy) != acctB {
			t.Fatalf("after accept the owner is %s", aws.ToString(d.OwnedBy))
		}
		// After the transfer completed, cancelling is still evaluated on the ARN of the
		// account it went to, and the rule then answers 410.
		_, err = cancelTarget.CancelCertificateTransfer(ctx, &iot.CancelCertificateTransferInput{CertificateId: aws.String(id)})
		requireCode[*types.TransferAlreadyCompletedException](t, err, 410)
		_, err = cancelOwn.CancelCertificateTransfer(ctx, &iot.CancelCertificateTransferInput{CertificateId: aws.String(id)})
		requireDenied(t, err, "iot:CancelCertificateTransfer")
	})

	t.Run("root has its own account and nothing else", func(t *testing.T) {
		// The root of B does not see A's certificates at all: the resource ARN of a path
		// label is always in the caller's account, so the call is authorised and then
		// finds nothing (404), as AWS's own root would.
		_, err := rootB.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(id1)})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		_, err = rootB.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(id1), NewStatus: types.CertificateStatusRevoked})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		// An ARN in the request that names A is denied outright (403): IoT has no
		// resource-based policies, so nothing in A grants B anything.
		must(rootB.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String("b-policy"), PolicyDocument: aws.String(testPolicyDoc)})).T(t)
		_, err = rootB.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String("b-policy"), Target: aws.String(certARN(acct, id1))})
		requireDenied(t, err, "iot:AttachPolicy")
		_, err = rootB.ListTagsForResource(ctx, &iot.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:iot:us-east-1:" + acct + ":policy/p")})
		requireDenied(t, err, "iot:ListTagsForResource")
		// In its own account the root may do anything.
		must(root.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String("a-policy"), PolicyDocument: aws.String(testPolicyDoc)})).T(t)
		must(root.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String("a-policy"), Target: aws.String(certARN(acct, id1))})).T(t)
		must(root.DetachPolicy(ctx, &iot.DetachPolicyInput{PolicyName: aws.String("a-policy"), Target: aws.String(certARN(acct, id1))})).T(t)
		if d := describe(t, root, id1); d.Status != types.CertificateStatusInactive {
			t.Fatalf("B's calls changed A's certificate: %s", d.Status)
		}
	})
}

// TestIAMKeyLifecycle checks that deleted and rotated-away keys, deleted users and changed
// policies stop working within a second (the credential cache's lifetime), on the
// server's injected clock.
func TestIAMKeyLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	clock := &testClock{}
	s := mustServeIAM(t, Config{DataDir: dir, Clock: clock.Now})
	rootKey, rootSecret := firstCredentials(t, dir)
	acct := firstAccount(t, dir)
	list := func(c *iot.Client) error {
		_, err := c.ListCertificates(ctx, &iot.ListCertificatesInput{})
		return err
	}
	refused := func(t *testing.T, c *iot.Client) {
		t.Helper()
		requireAPIError(t, list(c), "UnrecognizedClientException", 403)
	}
	expire := func() { clock.Advance(time.Second) }

	c1, k1 := newUser(t, s, dir, acct, "worker", "us-east-1", statements(`{"Effect":"Allow","Action":"iot:List*","Resource":"*"}`))
	must(c1.ListCertificates(ctx, &iot.ListCertificatesInput{})).T(t) // cached from now on

	t.Run("deleted key", func(t *testing.T) {
		var k2 adminKey
		admin(t, &k2, "key", "create", "--account", acct, "--name", "worker", "--data", dir)
		if k2.UserName != "worker" || k2.AccessKeyID == k1.AccessKeyID {
			t.Fatalf("key create printed %+v", k2)
		}
		// An identity has at most two keys.
		if err := adminFails(t, "key", "create", "--account", acct, "--name", "worker", "--data", dir); domain.ErrorCode(err) != domain.CodeLimitExceeded {
			t.Fatalf("third key: %v", err)
		}
		admin(t, nil, "key", "delete", "--access-key-id", k1.AccessKeyID, "--data", dir)
		expire()
		refused(t, c1)
		c2 := s.Client(k2.AccessKeyID, k2.SecretAccessKey, "us-east-1")
		if err := list(c2); err != nil {
			t.Fatalf("the other key: %v", err)
		}

		t.Run("rotated key", func(t *testing.T) {
			var k3 adminKey
			admin(t, &k3, "key", "rotate", "--access-key-id", k2.AccessKeyID, "--data", dir)
			if k3.UserName != "worker" || k3.AccessKeyID == k2.AccessKeyID || k3.SecretAccessKey == "" {
				t.Fatalf("key rotate printed %+v", k3)
			}
			expire()
			refused(t, c2)
			c3 := s.Client(k3.AccessKeyID, k3.SecretAccessKey, "us-east-1")
			if err := list(c3); err != nil {
				t.Fatalf("the new key: %v", err)
			}

			t.Run("changed policy", func(t *testing.T) {
				admin(t, nil, "user", "put-policy", "--account", acct, "--name", "worker", "--policy-name", "p0", "--data", dir,
					"--document", writePolicy(t, statements(`{"Effect":"Allow","Action":"iot:ListThings","Resource":"*"}`)))
				expire()
				requireDenied(t, list(c3), "iot:ListCertificates")
				must(c3.ListThings(ctx, &iot.ListThingsInput{})).T(t)
				admin(t, nil, "user", "delete-policy", "--account", acct, "--name", "worker", "--policy-name", "p0", "--data", dir)
				expire()
				_, err := c3.ListThings(ctx, &iot.ListThingsInput{})
				requireDenied(t, err, "iot:ListThings")
			})
			t.Run("deleted user", func(t *testing.T) {
				admin(t, nil, "user", "delete", "--account", acct, "--name", "worker", "--data", dir)
				expire()
				refused(t, c3)
			})
		})
	})

	t.Run("rotated root key", func(t *testing.T) {
		old := s.Client(rootKey, rootSecret, "us-east-1")
		must(old.ListCertificates(ctx, &iot.ListCertificatesInput{})).T(t)
		var k adminKey
		admin(t, &k, "key", "rotate", "--access-key-id", rootKey, "--data", dir)
		if k.UserName != "" || k.UserARN != "arn:aws:iam::"+acct+":root" {
			t.Fatalf("rotating the root key printed %+v", k)
		}
		expire()
		refused(t, old)
		must(s.Client(k.AccessKeyID, k.SecretAccessKey, "us-east-1").CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{})).T(t)
	})
}

// TestIAMSecretsNotLogged runs allowed, denied and refused requests with a debug-level
// logger and checks that no secret access key reaches the server's log.
func TestIAMSecretsNotLogged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	logs := &lockedWriter{}
	s := mustServeIAM(t, Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	rootKey, rootSecret := firstCredentials(t, dir)
	acct := firstAccount(t, dir)
	c, k := newUser(t, s, dir, acct, "logged", "us-east-1", statements(`{"Effect":"Allow","Action":"iot:ListCertificates","Resource":"*"}`))

	must(c.ListCertificates(ctx, &iot.ListCertificatesInput{})).T(t)
	_, err := c.CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{})
	requireDenied(t, err, "iot:CreateKeysAndCertificate")
	_, err = s.Client(k.AccessKeyID, rootSecret, "us-east-1").ListCertificates(ctx, &iot.ListCertificatesInput{})
	requireAPIError(t, err, "InvalidSignatureException", 403)
	_, err = s.Client("AKIAUNKNOWNUNKNOWN00", k.SecretAccessKey, "us-east-1").ListCertificates(ctx, &iot.ListCertificatesInput{})
	requireAPIError(t, err, "UnrecognizedClientException", 403)
	must(s.Client(rootKey, rootSecret, "us-east-1").CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{})).T(t)

	out := logs.String()
	if !strings.Contains(out, "access denied") || !strings.Contains(out, "httpapi: request") {
		t.Fatalf("the debug log lacks the requests:\n%s", out)
	}
	for _, secret := range []string{k.SecretAccessKey, rootSecret} {
		if strings.Contains(out, secret) {
			t.Fatalf("the log holds a secret access key:\n%s", out)
		}
	}
}

// TestIAMEmulatorMode checks --emulator with and without --enforce-iam.
func TestIAMEmulatorMode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, enforce := range []bool{false, true} {
		dir := t.TempDir()
		s := mustServeIAM(t, Config{DataDir: dir, Emulator: true, EnforceIAM: enforce})
		admin(t, nil, "account", "create", "--id", acctA, "--data", dir)
		_, k := newUser(t, s, dir, acctA, "limited", "us-east-1", statements(`{"Effect":"Allow","Action":"iot:ListCertificates","Resource":"*"}`))
		// The emulator never checks signatures.
		c := s.Client(k.AccessKeyID, "any secret", "us-east-1")
		must(c.ListCertificates(ctx, &iot.ListCertificatesInput{})).T(t)
		out, err := c.CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{})
		if !enforce {
			// Without enforcement the key is not looked up: the account is the default
			// one, and nothing is denied.
			if err != nil || !strings.Contains(aws.ToString(out.CertificateArn), ":"+httpapi.EmulatorAccount+":") {
				t.Fatalf("unenforced emulator: %v %v", out, err)
			}
			continue
		}
		requireDenied(t, err, "iot:CreateKeysAndCertificate")
		// A key the store does not know is the root of its derived account, as before.
		out = must(s.Account(acctA).CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{})).T(t)
		if !strings.Contains(aws.ToString(out.CertificateArn), ":"+acctA+":") {
			t.Fatalf("derived account: %s", aws.ToString(out.CertificateArn))
		}
		// ... with no access to another account's resources.
		must(s.Account(acctB).CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String(testPolicyDoc)})).T(t)
		_, err = s.Account(acctB).AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String("p"), Target: out.CertificateArn})
		requireDenied(t, err, "iot:AttachPolicy")
		// moto's unsigned reset would let anyone wipe what IAM protects: it is not served
		// when IAM is enforced, and the unsigned request is refused like any other.
		resp, err := http.Post(s.URL+"/moto-api/reset", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || resp.Header.Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" {
			t.Fatalf("unsigned reset with --enforce-iam: %d %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
		}
		describe(t, s.Account(acctA), aws.ToString(out.CertificateId))
	}
}

// TestAdminCommands runs every identity command in process while a server runs on the
// same data directory.
func TestAdminCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s := mustServeIAM(t, Config{DataDir: dir})
	acct := firstAccount(t, dir)
	admin(t, nil, "account", "create", "--id", acctC, "--data", dir)

	var users struct {
		Users []struct{ UserName, UserArn string } `json:"users"`
	}
	admin(t, nil, "user", "create", "--account", acct, "--name", "Bob", "--data", dir)
	admin(t, nil, "user", "create", "--account", acct, "--name", "alice", "--data", dir)
	admin(t, &users, "user", "list", "--account", acct, "--data", dir)
	if len(users.Users) != 2 || users.Users[0].UserName != "alice" || users.Users[1].UserName != "Bob" ||
		users.Users[1].UserArn != "arn:aws:iam::"+acct+":user/Bob" {
		t.Fatalf("user list: %+v", users)
	}
	// User names are unique regardless of case, and found in any case.
	if err := adminFails(t, "user", "create", "--account", acct, "--name", "BOB", "--data", dir); domain.ErrorCode(err) != domain.CodeResourceAlreadyExists {
		t.Fatalf("BOB beside Bob: %v", err)
	}
	for _, bad := range []string{"", "has space", strings.Repeat("n", 65), "slash/"} {
		if err := adminFails(t, "user", "create", "--account", acct, "--name", bad, "--data", dir); !errors.Is(err, errUsage) && domain.ErrorCode(err) != domain.CodeInvalidRequest {
			t.Errorf("user name %q: %v", bad, err)
		}
	}

	// A policy from standard input, read back, listed, deleted.
	doc := statements(`{"Effect":"Allow","Action":"iot:ListCertificates","Resource":"*"}`)
	var out bytes.Buffer
	if err := runAdmin(ctx, []string{"user", "put-policy", "--account", acct, "--name", "bob", "--policy-name", "list", "--document", "-", "--data", dir},
		strings.NewReader(doc), &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	var pol struct{ UserName, PolicyName, PolicyDocument string }
	admin(t, &pol, "user", "get-policy", "--account", acct, "--name", "BOB", "--policy-name", "list", "--data", dir)
	if pol.UserName != "Bob" || pol.PolicyName != "list" || pol.PolicyDocument != doc {
		t.Fatalf("get-policy: %+v", pol)
	}
	var names struct{ PolicyNames []string }
	admin(t, &names, "user", "list-policies", "--account", acct, "--name", "Bob", "--data", dir)
	if len(names.PolicyNames) != 1 || names.PolicyNames[0] != "list" {
		t.Fatalf("list-policies: %+v", names)
	}
	admin(t, nil, "user", "delete-policy", "--account", acct, "--name", "Bob", "--policy-name", "list", "--data", dir)
	if err := adminFails(t, "user", "get-policy", "--account", acct, "--name", "Bob", "--policy-name", "list", "--data", dir); domain.ErrorCode(err) != domain.CodeResourceNotFound {
		t.Fatalf("get-policy after delete: %v", err)
	}

	// Keys: listing never shows a secret.
	var root adminKey
	admin(t, &root, "key", "create", "--account", acct, "--data", dir)
	if root.UserName != "" || root.UserARN != "arn:aws:iam::"+acct+":root" || root.SecretAccessKey == "" {
		t.Fatalf("root key create: %+v", root)
	}
	out.Reset()
	if err := run(ctx, []string{"key", "list", "--account", acct, "--data", dir}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	var keys struct {
		AccessKeys []struct{ AccessKeyID, UserName, UserARN string } `json:"accessKeys"`
	}
	if err := json.Unmarshal(out.Bytes(), &keys); err != nil {
		t.Fatal(err)
	}
	if len(keys.AccessKeys) != 4 { // the first root key, Bob's, alice's, the new root key
		t.Fatalf("key list: %s", out.String())
	}
	if strings.Contains(out.String(), root.SecretAccessKey) || strings.Contains(strings.ToLower(out.String()), "secret") {
		t.Fatalf("key list shows secrets: %s", out.String())
	}
	admin(t, &keys, "key", "list", "--account", acct, "--name", "ALICE", "--data", dir)
	if len(keys.AccessKeys) != 1 || keys.AccessKeys[0].UserName != "alice" {
		t.Fatalf("key list --name: %+v", keys)
	}
	// The new root key works at once.
	must(s.Client(root.AccessKeyID, root.SecretAccessKey, "us-east-1").ListCertificates(ctx, &iot.ListCertificatesInput{})).T(t)

	// Errors: unknown things are ResourceNotFound, missing flags a usage error.
	for _, args := range [][]string{
		{"user", "list", "--account", acctB},
		{"user", "delete", "--account", acct, "--name", "nobody"},
		{"key", "delete", "--access-key-id", "AKIANOPENOPENOPENOPE"},
		{"key", "rotate", "--access-key-id", "AKIANOPENOPENOPENOPE"},
		{"key", "create", "--account", acct, "--name", "nobody"},
		{"account", "delete", "--id", acctB},
	} {
		if err := adminFails(t, append(args, "--data", dir)...); domain.ErrorCode(err) != domain.CodeResourceNotFound {
			t.Errorf("%v: %v", args, err)
		}
	}
	for _, args := range [][]string{
		{"user", "create", "--account", acct, "--data", dir},
		{"user", "create", "--name", "x", "--data", dir},
		{"user", "create", "--account", acct, "--name", "x"},
		{"key", "delete", "--data", dir},
		{"user", "frobnicate", "--data", dir},
		{"key"},
	} {
		if err := adminFails(t, args...); !errors.Is(err, errUsage) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}

	// Deleting an account removes its identities: its keys stop working.
	var c adminKey
	admin(t, &c, "user", "create", "--account", acctC, "--name", "carol", "--data", dir)
	admin(t, nil, "account", "delete", "--id", acctC, "--data", dir)
	var accts struct{ Accounts []struct{ AccountID string } }
	admin(t, &accts, "account", "list", "--data", dir)
	if len(accts.Accounts) != 1 || accts.Accounts[0].AccountID != acct {
		t.Fatalf("account list after delete: %+v", accts)
	}
	_, err := s.Client(c.AccessKeyID, c.SecretAccessKey, "us-east-1").ListCertificates(ctx, &iot.ListCertificatesInput{})
	requireAPIError(t, err, "UnrecognizedClientException", 403)
}

// TestIAMPostgres runs the identity commands against PostgreSQL while a node serves it, with
// the master key file the node uses.
func TestIAMPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.NewSchema(t)
	dir := t.TempDir()
	s := mustServeIAM(t, Config{Postgres: dsn, DataDir: dir})
	key := filepath.Join(dir, masterKeyFile)
	var accts struct{ Accounts []struct{ AccountID string } }
	admin(t, &accts, "account", "list", "--postgres", dsn, "--master-key", key)
	if len(accts.Accounts) != 1 {
		t.Fatalf("account list: %+v", accts)
	}
	acct := accts.Accounts[0].AccountID
	var k adminKey
	admin(t, &k, "user", "create", "--account", acct, "--name", "pg-user", "--postgres", dsn, "--master-key", key)
	admin(t, nil, "user", "put-policy", "--account", acct, "--name", "pg-user", "--policy-name", "list",
		"--document", writePolicy(t, statements(`{"Effect":"Allow","Action":"iot:ListCertificates","Resource":"*"}`)),
		"--postgres", dsn, "--master-key", key)
	c := s.Client(k.AccessKeyID, k.SecretAccessKey, "us-east-1")
	must(c.ListCertificates(ctx, &iot.ListCertificatesInput{})).T(t)
	_, err := c.CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{})
	requireDenied(t, err, "iot:CreateKeysAndCertificate")
}
