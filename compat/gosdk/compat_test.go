// Package gosdk is the aws-sdk-go-v2 part of the client compatibility suite.
//
// The end-to-end tests in cmd/iotcertd already drive the whole API with this SDK, but
// in-process (Main.Open) and mostly in emulator mode. This suite runs the same scenario
// as the other clients (compat/run.sh) against the built iotcertd binary as a separate
// process: in whatever mode run.sh started it (COMPAT_* variables), or, under a plain
// `go test ./...`, against a binary it builds with `go build -o` and starts itself in
// strict SigV4 mode, with the second and third accounts made by `iotcertd account create`.
package gosdk

import (
	"bufio"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// account is one AWS account the suite acts as.
type account struct{ ID, Key, Secret string }

// target is the server under test.
type target struct {
	Endpoint string
	Mode     string // "emulator" or "strict"
	Region   string
	A, B, C  account
}

// serverUnderTest returns the server run.sh describes, or builds and starts one.
func serverUnderTest(t *testing.T) *target {
	t.Helper()
	if ep := os.Getenv("COMPAT_ENDPOINT"); ep != "" {
		acct := func(p string) account {
			return account{os.Getenv("COMPAT_" + p + "_ACCOUNT"), os.Getenv("COMPAT_" + p + "_KEY"), os.Getenv("COMPAT_" + p + "_SECRET")}
		}
		region := os.Getenv("COMPAT_REGION")
		if region == "" {
			region = "us-east-1"
		}
		return &target{Endpoint: ep, Mode: os.Getenv("COMPAT_MODE"), Region: region, A: acct("A"), B: acct("B"), C: acct("C")}
	}
	return startStrict(t)
}

// startStrict builds iotcertd, starts it in strict mode on a kernel-chosen loopback port
// with a fresh data directory, and creates accounts B and C with `account create`.
func startStrict(t *testing.T) *target {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "iotcertd")
	modRoot := strings.TrimSpace(string(run(t, exec.Command("go", "env", "GOMOD"))))
	build := exec.Command("go", "build", "-o", bin, "./cmd/iotcertd")
	build.Dir = filepath.Dir(modRoot)
	run(t, build)

	data := filepath.Join(dir, "data")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve", "--addr", "127.0.0.1:0", "--data", data, "--key-pool", "2")
	cmd.WaitDelay = 5 * time.Second
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel() // kills the server
		_ = cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`msg="iotcertd listening" addr=(127\.[0-9.]+:[0-9]+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	var ep string
	select {
	case a := <-addr:
		ep = "http://" + a
	case <-time.After(30 * time.Second):
		t.Fatal("iotcertd did not start listening within 30 s")
	}

	creds, err := os.ReadFile(filepath.Join(data, "credentials"))
	if err != nil {
		t.Fatal(err)
	}
	field := func(re string) string {
		m := regexp.MustCompile(re).FindSubmatch(creds)
		if m == nil {
			t.Fatalf("credentials file lacks %s:\n%s", re, creds)
		}
		return string(m[1])
	}
	tg := &target{Endpoint: ep, Mode: "strict", Region: "us-east-1", A: account{
		field(`# iotcertd account ([0-9]{12})`), field(`aws_access_key_id = (\S+)`), field(`aws_secret_access_key = (\S+)`),
	}}
	for _, p := range []struct {
		dst *account
		id  string
	}{{&tg.B, "222222222222"}, {&tg.C, "333333333333"}} {
		out := run(t, exec.Command(bin, "account", "create", "--id", p.id, "--data", data))
		var a struct{ AccountID, AccessKeyID, SecretAccessKey string }
		if err := json.Unmarshal(out, &a); err != nil {
			t.Fatalf("account create printed %q: %v", out, err)
		}
		*p.dst = account{a.AccountID, a.AccessKeyID, a.SecretAccessKey}
	}
	return tg
}

func run(t *testing.T, cmd *exec.Cmd) []byte {
	t.Helper()
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("%s: %v\n%s", cmd, err, ee.Stderr)
		}
		t.Fatalf("%s: %v", cmd, err)
	}
	return out
}

// client returns an IoT client for an account, one request per call.
func (tg *target) client(a account, region string) *iot.Client {
	return iot.New(iot.Options{
		Region:       region,
		BaseEndpoint: aws.String(tg.Endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(a.Key, a.Secret, ""),
		Retryer:      aws.NopRetryer{},
		HTTPClient:   &http.Client{Timeout: 60 * time.Second},
	})
}

// wantErr asserts that err is the modeled exception T with the HTTP status.
func wantErr[T error](t *testing.T, err error, status int) {
	t.Helper()
	var target T
	if !errors.As(err, &target) {
		t.Fatalf("got %v, want %T", err, target)
	}
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("%T: HTTP status %v, want %d", target, err, status)
	}
}

// wantAPIErr asserts an error the model does not describe (the front end's 403s) by its
// code and HTTP status.
func wantAPIErr(t *testing.T, err error, code string, status int) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code {
		t.Fatalf("got %v, want %s", err, code)
	}
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("%s: HTTP status %v, want %d", code, err, status)
	}
}

// must pairs a call's results so that a test can write must(c.Op(ctx, in)).T(t).
func must[T any](v T, err error) result[T] { return result[T]{v, err} }

type result[T any] struct {
	v   T
	err error
}

// T returns the value, failing the test on the error.
func (r result[T]) T(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

// recent asserts a parsed timestamp lies within a day of now.
func recent(t *testing.T, when *time.Time, what string) {
	t.Helper()
	if when == nil || time.Since(*when).Abs() > 24*time.Hour {
		t.Fatalf("%s = %v, want a time near now", what, when)
	}
}

func certARN(region, acct, id string) string {
	return "arn:aws:iot:" + region + ":" + acct + ":cert/" + id
}

const policyDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}`

// fixtures makes a CSR and a self-signed certificate for a fresh P-256 key.
func fixtures(t *testing.T) (csrPEM, certPEM string, certID string) {
	t.Helper()
	key := must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)).T(t)
	csr := must(x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "compat-go"}}, key)).T(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "compat-go-device"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
	}
	der := must(x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)).T(t)
	sum := sha256.Sum256(der)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr})),
		string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), hex.EncodeToString(sum[:])
}

// sameKey reports whether a certificate is for the public key of a CSR.
func sameKey(t *testing.T, csrPEM, certPEM string) bool {
	t.Helper()
	cb, _ := pem.Decode([]byte(csrPEM))
	crt, _ := pem.Decode([]byte(certPEM))
	if cb == nil || crt == nil {
		t.Fatalf("not PEM: %q / %q", csrPEM, certPEM)
	}
	csr := must(x509.ParseCertificateRequest(cb.Bytes)).T(t)
	cert := must(x509.ParseCertificate(crt.Bytes)).T(t)
	pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(csr.PublicKey)
}

func TestGoSDKCompat(t *testing.T) {
	ctx := context.Background()
	tg := serverUnderTest(t)
	t.Logf("iotcertd at %s in %s mode", tg.Endpoint, tg.Mode)
	a, b, c := tg.client(tg.A, tg.Region), tg.client(tg.B, tg.Region), tg.client(tg.C, tg.Region)
	csrPEM, certPEM, certID := fixtures(t)
	describe := func(cl *iot.Client, id string) *types.CertificateDescription {
		t.Helper()
		return must(cl.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(id)})).T(t).CertificateDescription
	}
	newInactive := func(cl *iot.Client) string {
		t.Helper()
		return aws.ToString(must(cl.CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{})).T(t).CertificateId)
	}
	transfer := func(id, to, msg string) error {
		in := &iot.TransferCertificateInput{CertificateId: aws.String(id), TargetAwsAccount: aws.String(to)}
		if msg != "" {
			in.TransferMessage = aws.String(msg)
		}
		_, err := a.TransferCertificate(ctx, in)
		return err
	}

	t.Run("lifecycle", func(t *testing.T) {
		kc := must(a.CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{SetAsActive: true})).T(t)
		id := aws.ToString(kc.CertificateId)
		if aws.ToString(kc.CertificateArn) != certARN(tg.Region, tg.A.ID, id) || kc.KeyPair == nil || kc.KeyPair.PrivateKey == nil {
			t.Fatalf("CreateKeysAndCertificate = %+v", kc)
		}
		d := describe(a, id)
		if d.Status != types.CertificateStatusActive || aws.ToString(d.OwnedBy) != tg.A.ID || d.CertificateMode != types.CertificateModeDefault ||
			aws.ToInt32(d.CustomerVersion) != 1 || d.TransferData == nil {
			t.Fatalf("describe = %+v", d)
		}
		recent(t, d.CreationDate, "creationDate")
		recent(t, d.LastModifiedDate, "lastModifiedDate")

		// One CSR, two certificates: the first ACTIVE, the second INACTIVE, both for the
		// CSR's key; a request that is not a CSR is InvalidRequest (400).
		first := must(a.CreateCertificateFromCsr(ctx, &iot.CreateCertificateFromCsrInput{CertificateSigningRequest: aws.String(csrPEM), SetAsActive: true})).T(t)
		second := must(a.CreateCertificateFromCsr(ctx, &iot.CreateCertificateFromCsrInput{CertificateSigningRequest: aws.String(csrPEM)})).T(t)
		if aws.ToString(first.CertificateId) == aws.ToString(second.CertificateId) {
			t.Fatal("the same CSR gave the same certificate twice")
		}
		for _, c := range []struct {
			out  *iot.CreateCertificateFromCsrOutput
			want types.CertificateStatus
		}{{first, types.CertificateStatusActive}, {second, types.CertificateStatusInactive}} {
			cid := aws.ToString(c.out.CertificateId)
			if aws.ToString(c.out.CertificateArn) != certARN(tg.Region, tg.A.ID, cid) || describe(a, cid).Status != c.want {
				t.Fatalf("CreateCertificateFromCsr = %+v, want status %s", c.out, c.want)
			}
			if !sameKey(t, csrPEM, aws.ToString(c.out.CertificatePem)) {
				t.Fatalf("certificate %s is not for the CSR's key", cid)
			}
		}
		_, err := a.CreateCertificateFromCsr(ctx, &iot.CreateCertificateFromCsrInput{CertificateSigningRequest: aws.String("not a CSR")})
		wantErr[*types.InvalidRequestException](t, err, 400)

		reg := must(a.RegisterCertificateWithoutCA(ctx, &iot.RegisterCertificateWithoutCAInput{CertificatePem: aws.String(certPEM), Status: types.CertificateStatusActive})).T(t)
		if aws.ToString(reg.CertificateId) != certID || describe(a, certID).CertificateMode != types.CertificateModeSniOnly {
			t.Fatalf("RegisterCertificateWithoutCA = %+v, want ID %s in SNI_ONLY mode", reg, certID)
		}
		_, err = a.RegisterCertificateWithoutCA(ctx, &iot.RegisterCertificateWithoutCAInput{CertificatePem: aws.String(certPEM)})
		wantErr[*types.ResourceAlreadyExistsException](t, err, 409)

		_, err = a.DeleteCertificate(ctx, &iot.DeleteCertificateInput{CertificateId: aws.String(id)})
		wantErr[*types.CertificateStateException](t, err, 406)
		must(a.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(id), NewStatus: types.CertificateStatusInactive})).T(t)
		if d := describe(a, id); d.Status != types.CertificateStatusInactive || aws.ToInt32(d.CustomerVersion) != 2 {
			t.Fatalf("after update: %s version %d", d.Status, aws.ToInt32(d.CustomerVersion))
		}
		must(a.DeleteCertificate(ctx, &iot.DeleteCertificateInput{CertificateId: aws.String(id)})).T(t)
		_, err = a.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(id)})
		wantErr[*types.ResourceNotFoundException](t, err, 404)
	})

	t.Run("list to the end", func(t *testing.T) {
		cl := tg.client(tg.A, "eu-west-1") // a registry holding only what is made here
		var created []string
		for range 5 {
			out := must(cl.CreateCertificateFromCsr(ctx, &iot.CreateCertificateFromCsrInput{CertificateSigningRequest: aws.String(csrPEM)})).T(t)
			created = append(created, aws.ToString(out.CertificateId))
		}
		var listed []string
		var sizes []int
		p := iot.NewListCertificatesPaginator(cl, &iot.ListCertificatesInput{PageSize: aws.Int32(2), AscendingOrder: true})
		for p.HasMorePages() {
			page := must(p.NextPage(ctx)).T(t)
			sizes = append(sizes, len(page.Certificates))
			for _, c := range page.Certificates {
				listed = append(listed, aws.ToString(c.CertificateId))
				recent(t, c.CreationDate, "certificates[].creationDate")
			}
		}
		if !slices.Equal(sizes, []int{2, 2, 1}) || !slices.Equal(listed, created) {
			t.Fatalf("pages %v listed %v, want [2 2 1] and %v", sizes, listed, created)
		}
	})

	t.Run("transfer accepted", func(t *testing.T) {
		id := newInactive(a)
		if err := transfer(id, tg.B.ID, "for B"); err != nil {
			t.Fatal(err)
		}
		pending := describe(b, id)
		if pending.Status != types.CertificateStatusPendingTransfer || aws.ToString(pending.OwnedBy) != tg.A.ID {
			t.Fatalf("pending: %s owned by %s", pending.Status, aws.ToString(pending.OwnedBy))
		}
		recent(t, pending.TransferData.TransferDate, "transferDate")
		// The target lists it as PENDING_TRANSFER, one certificate a page, to the end.
		var pendingListed bool
		lp := iot.NewListCertificatesPaginator(b, &iot.ListCertificatesInput{PageSize: aws.Int32(1)})
		for lp.HasMorePages() {
			for _, c := range must(lp.NextPage(ctx)).T(t).Certificates {
				if aws.ToString(c.CertificateId) == id {
					pendingListed = c.Status == types.CertificateStatusPendingTransfer
				}
			}
		}
		if !pendingListed {
			t.Fatalf("the target does not list %s as PENDING_TRANSFER", id)
		}
		var outgoing []string
		op := iot.NewListOutgoingCertificatesPaginator(a, &iot.ListOutgoingCertificatesInput{PageSize: aws.Int32(1)})
		for op.HasMorePages() {
			for _, o := range must(op.NextPage(ctx)).T(t).OutgoingCertificates {
				outgoing = append(outgoing, aws.ToString(o.CertificateId))
			}
		}
		if !slices.Contains(outgoing, id) {
			t.Fatalf("outgoing %v lacks %s", outgoing, id)
		}
		_, err := c.AcceptCertificateTransfer(ctx, &iot.AcceptCertificateTransferInput{CertificateId: aws.String(id)})
		wantErr[*types.ResourceNotFoundException](t, err, 404)
		must(b.AcceptCertificateTransfer(ctx, &iot.AcceptCertificateTransferInput{CertificateId: aws.String(id), SetAsActive: true})).T(t)
		d := describe(b, id)
		if d.Status != types.CertificateStatusActive || aws.ToString(d.OwnedBy) != tg.B.ID || aws.ToString(d.PreviousOwnedBy) != tg.A.ID {
			t.Fatalf("accepted: %s owner %s previous %s", d.Status, aws.ToString(d.OwnedBy), aws.ToString(d.PreviousOwnedBy))
		}
		recent(t, d.TransferData.AcceptDate, "acceptDate")
		_, err = a.CancelCertificateTransfer(ctx, &iot.CancelCertificateTransferInput{CertificateId: aws.String(id)})
		wantErr[*types.TransferAlreadyCompletedException](t, err, 410)
		_, err = b.RejectCertificateTransfer(ctx, &iot.RejectCertificateTransferInput{CertificateId: aws.String(id)})
		wantErr[*types.TransferAlreadyCompletedException](t, err, 410)
		_, err = b.AcceptCertificateTransfer(ctx, &iot.AcceptCertificateTransferInput{CertificateId: aws.String(id)})
		wantErr[*types.TransferAlreadyCompletedException](t, err, 410)
	})

	t.Run("transfer rejected", func(t *testing.T) {
		id := newInactive(a)
		if err := transfer(id, tg.B.ID, ""); err != nil {
			t.Fatal(err)
		}
		must(b.RejectCertificateTransfer(ctx, &iot.RejectCertificateTransferInput{CertificateId: aws.String(id), RejectReason: aws.String("not ours")})).T(t)
		d := describe(a, id)
		if d.Status != types.CertificateStatusInactive || aws.ToString(d.TransferData.RejectReason) != "not ours" {
			t.Fatalf("rejected: %s %+v", d.Status, d.TransferData)
		}
		recent(t, d.TransferData.RejectDate, "rejectDate")
	})

	t.Run("transfer cancelled", func(t *testing.T) {
		id := newInactive(a)
		if err := transfer(id, tg.B.ID, ""); err != nil {
			t.Fatal(err)
		}
		must(a.CancelCertificateTransfer(ctx, &iot.CancelCertificateTransferInput{CertificateId: aws.String(id)})).T(t)
		if d := describe(a, id); d.Status != types.CertificateStatusInactive || aws.ToString(d.OwnedBy) != tg.A.ID {
			t.Fatalf("cancelled: %s owner %s", d.Status, aws.ToString(d.OwnedBy))
		}
		_, err := b.AcceptCertificateTransfer(ctx, &iot.AcceptCertificateTransferInput{CertificateId: aws.String(id)})
		wantErr[*types.ResourceNotFoundException](t, err, 404)
	})

	t.Run("transfer errors", func(t *testing.T) {
		active := aws.ToString(must(a.CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{SetAsActive: true})).T(t).CertificateId)
		wantErr[*types.CertificateStateException](t, transfer(active, tg.B.ID, ""), 406)
		id := newInactive(a)
		arn := aws.String(certARN(tg.Region, tg.A.ID, id))
		must(a.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String("compat-go-transfer"), PolicyDocument: aws.String(policyDoc)})).T(t)
		must(a.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String("compat-go-transfer"), Target: arn})).T(t)
		wantErr[*types.TransferConflictException](t, transfer(id, tg.B.ID, ""), 409)
		must(a.DetachPolicy(ctx, &iot.DetachPolicyInput{PolicyName: aws.String("compat-go-transfer"), Target: arn})).T(t)
		// The Go SDK checks only required members, so the server sees the short ID.
		wantErr[*types.InvalidRequestException](t, transfer(id[:63], tg.B.ID, ""), 400)
	})

	t.Run("transfer error paths", func(t *testing.T) {
		accept := func(cl *iot.Client, id string) error {
			_, err := cl.AcceptCertificateTransfer(ctx, &iot.AcceptCertificateTransferInput{CertificateId: aws.String(id)})
			return err
		}
		reject := func(cl *iot.Client, id string) error {
			_, err := cl.RejectCertificateTransfer(ctx, &iot.RejectCertificateTransferInput{CertificateId: aws.String(id)})
			return err
		}
		cancel := func(cl *iot.Client, id string) error {
			_, err := cl.CancelCertificateTransfer(ctx, &iot.CancelCertificateTransferInput{CertificateId: aws.String(id)})
			return err
		}
		update := func(cl *iot.Client, id string, status types.CertificateStatus) error {
			_, err := cl.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(id), NewStatus: status})
			return err
		}
		remove := func(cl *iot.Client, id string) error {
			_, err := cl.DeleteCertificate(ctx, &iot.DeleteCertificateInput{CertificateId: aws.String(id)})
			return err
		}

		// A thing attached: TransferConflict (409).
		id := newInactive(a)
		arn := aws.String(certARN(tg.Region, tg.A.ID, id))
		thing := aws.String("compat-go-transfer")
		must(a.CreateThing(ctx, &iot.CreateThingInput{ThingName: thing})).T(t)
		must(a.AttachThingPrincipal(ctx, &iot.AttachThingPrincipalInput{ThingName: thing, Principal: arn})).T(t)
		wantErr[*types.TransferConflictException](t, transfer(id, tg.B.ID, ""), 409)
		must(a.DetachThingPrincipal(ctx, &iot.DetachThingPrincipalInput{ThingName: thing, Principal: arn})).T(t)

		// A revoked certificate: CertificateState (406).
		revoked := newInactive(a)
		if err := update(a, revoked, types.CertificateStatusRevoked); err != nil {
			t.Fatal(err)
		}
		wantErr[*types.CertificateStateException](t, transfer(revoked, tg.B.ID, ""), 406)

		// To the owning account: InvalidRequest (400).
		wantErr[*types.InvalidRequestException](t, transfer(id, tg.A.ID, ""), 400)

		// Nothing pending: the owner gets InvalidRequest (400), another account 404.
		wantErr[*types.InvalidRequestException](t, accept(a, id), 400)
		wantErr[*types.InvalidRequestException](t, reject(a, id), 400)
		wantErr[*types.InvalidRequestException](t, cancel(a, id), 400)
		wantErr[*types.ResourceNotFoundException](t, accept(b, id), 404)

		if err := transfer(id, tg.B.ID, ""); err != nil {
			t.Fatal(err)
		}
		// Already pending: CertificateState (406).
		wantErr[*types.CertificateStateException](t, transfer(id, tg.B.ID, ""), 406)
		// Update and delete while pending, by either party: CertificateState (406).
		for _, cl := range []*iot.Client{a, b} {
			wantErr[*types.CertificateStateException](t, update(cl, id, types.CertificateStatusActive), 406)
			wantErr[*types.CertificateStateException](t, remove(cl, id), 406)
		}
		// A third account can neither reject nor cancel what it cannot see (404); each
		// party only its own step (400).
		wantErr[*types.ResourceNotFoundException](t, reject(c, id), 404)
		wantErr[*types.ResourceNotFoundException](t, cancel(c, id), 404)
		wantErr[*types.InvalidRequestException](t, accept(a, id), 400)
		wantErr[*types.InvalidRequestException](t, cancel(b, id), 400)
		// Untouched by all that: still pending, and B can still accept.
		if st := describe(b, id).Status; st != types.CertificateStatusPendingTransfer {
			t.Fatalf("after the refused steps: %s", st)
		}
		if err := accept(b, id); err != nil {
			t.Fatal(err)
		}
		if owner := aws.ToString(describe(b, id).OwnedBy); owner != tg.B.ID {
			t.Fatalf("accepted: owned by %s", owner)
		}
	})

	t.Run("accounts", func(t *testing.T) {
		cl := tg.client(account{Key: "testing", Secret: "testing"}, tg.Region)
		out, err := cl.CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{})
		wrongSecret := tg.client(account{Key: tg.A.Key, Secret: tg.A.Secret + "x"}, tg.Region)
		_, secretErr := wrongSecret.ListCertificates(ctx, &iot.ListCertificatesInput{})
		if tg.Mode == "emulator" {
			if err != nil || !strings.HasPrefix(aws.ToString(out.CertificateArn), "arn:aws:iot:"+tg.Region+":123456789012:cert/") {
				t.Fatalf("moto's default account: %v %v", out, err)
			}
			if secretErr != nil {
				t.Fatalf("emulator mode refused another secret: %v", secretErr)
			}
			return
		}
		wantAPIErr(t, err, "UnrecognizedClientException", 403)
		wantAPIErr(t, secretErr, "InvalidSignatureException", 403)
	})

	// Last, since it clears the server: moto's unsigned POST /moto-api/reset.
	t.Run("moto reset", func(t *testing.T) {
		newInactive(a)
		resp := must(http.Post(tg.Endpoint+"/moto-api/reset", "", nil)).T(t)
		body := must(io.ReadAll(resp.Body)).T(t)
		resp.Body.Close()
		count := func(cl *iot.Client) int {
			return len(must(cl.ListCertificates(ctx, &iot.ListCertificatesInput{})).T(t).Certificates)
		}
		if tg.Mode != "emulator" {
			if resp.StatusCode != 403 || count(a) == 0 {
				t.Fatalf("strict mode: reset answered %d %s and left %d certificates, want 403 and some", resp.StatusCode, body, count(a))
			}
			return
		}
		var status struct{ Status string }
		if resp.StatusCode != 200 || json.Unmarshal(body, &status) != nil || status.Status != "ok" {
			t.Fatalf("reset answered %d %s", resp.StatusCode, body)
		}
		if n, m := count(a), count(b); n != 0 || m != 0 {
			t.Fatalf("after the reset: %d and %d certificates", n, m)
		}
	})
}
