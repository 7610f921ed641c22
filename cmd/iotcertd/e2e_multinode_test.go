package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"

	"github.com/iotcertd/iotcertd/internal/store/postgres/pgtest"
)

// Several iotcertd processes on one PostgreSQL database, as users run them behind a load
// balancer: the real binary, started as `iotcertd serve --postgres DSN --master-key FILE`,
// driven through every node at once with the AWS SDK.

// Bounds of the multi-node tests.
const (
	buildTimeout = 5 * time.Minute
	// startTimeout bounds the wait for a node to answer.
	startTimeout = 60 * time.Second
	// raceTimeout bounds the concurrent phase of the transfer race.
	raceTimeout = 2 * time.Minute
)

// buildBinary builds the iotcertd command into a test directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the binary: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "iotcertd")
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// lockedBuffer is a bytes.Buffer a process writes to while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// node is one iotcertd process.
type node struct {
	*testServer
	cmd            *exec.Cmd
	stdout, stderr *lockedBuffer
	exited         chan struct{}
}

// startNodes starts one iotcertd process per argument list, all at once (so that they
// race to migrate the schema and to create the issuing CA), kills them when the test ends,
// and waits until each answers.
func startNodes(t *testing.T, bin string, args ...[]string) []*node {
	t.Helper()
	nodes := make([]*node, len(args))
	for i, a := range args {
		addr := freeAddr(t)
		n := &node{
			testServer: &testServer{URL: "http://" + addr},
			cmd:        exec.Command(bin, append([]string{"serve", "--addr", addr, "--key-pool", "2"}, a...)...),
			stdout:     &lockedBuffer{}, stderr: &lockedBuffer{}, exited: make(chan struct{}),
		}
		n.cmd.Stdout, n.cmd.Stderr = n.stdout, n.stderr
		if err := n.cmd.Start(); err != nil {
			t.Fatalf("start node %d: %v", i, err)
		}
		go func() { n.cmd.Wait(); close(n.exited) }()
		t.Cleanup(func() {
			n.cmd.Process.Kill()
			<-n.exited
			if t.Failed() {
				t.Logf("node %d (%s) stderr:\n%s", i, addr, n.stderr.String())
			}
		})
		nodes[i] = n
	}
	deadline := time.Now().Add(startTimeout)
	for i, n := range nodes {
		probe := n.Account(acctA)
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, err := probe.ListCertificates(ctx, &iot.ListCertificatesInput{PageSize: aws.Int32(1)})
			cancel()
			if err == nil || httpStatus(err) != 0 { // a strict-mode node refuses the emulator key: it answers
				break
			}
			select {
			case <-n.exited:
				t.Fatalf("node %d exited: %v\n%s", i, n.cmd.ProcessState, n.stderr.String())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("node %d does not answer after %v: %v\n%s", i, startTimeout, err, n.stderr.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nodes
}

// writeMasterKeys writes one new master key to a file in each of n directories, as an
// operator who copies the same key file to every node does, and returns the paths.
func writeMasterKeys(t *testing.T, n int) []string {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	paths := make([]string, n)
	for i := range paths {
		paths[i] = filepath.Join(t.TempDir(), "master.key")
		if err := os.WriteFile(paths[i], key, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return paths
}

// settlement is the outcome of one of the racing calls that end a transfer.
type settlement struct {
	verb string
	node int
	err  error
}

// TestMultiNodeTransfers runs three nodes on one database and races accept, reject and
// cancel of shared certificates through different nodes, then checks every invariant of
// the transfer workflow through every node.
func TestMultiNodeTransfers(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewSchema(t) // first, so that the schema is dropped after the nodes stop
	bin := buildBinary(t)
	keys := writeMasterKeys(t, 3)
	var args [][]string
	for _, k := range keys {
		args = append(args, []string{"--emulator", "--postgres", dsn, "--master-key", k})
	}
	nodes := startNodes(t, bin, args...)
	ctx := context.Background()
	// One client per node per account; in emulator mode the access key is the account.
	a := make([]*iot.Client, len(nodes))
	b := make([]*iot.Client, len(nodes))
	for i, n := range nodes {
		a[i], b[i] = n.Account(acctA), n.Account(acctB)
	}

	// Certificates made on any node are signed by the one issuing CA in the database.
	const certs = 30
	certIDs := make([]string, certs)
	issuers := map[string]bool{}
	for i := range certIDs {
		out := must(a[i%3].CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{})).T(t)
		certIDs[i] = aws.ToString(out.CertificateId)
		block, _ := pem.Decode([]byte(aws.ToString(out.CertificatePem)))
		if block == nil {
			t.Fatalf("certificate %d: no PEM", i)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		issuers[fmt.Sprintf("%s/%x", c.Issuer, c.AuthorityKeyId)] = true
	}
	if len(issuers) != 1 {
		t.Fatalf("certificates from three nodes have %d issuers, want 1: %v", len(issuers), issuers)
	}

	// Each certificate goes from A to B through one node, while B's accept, B's reject and
	// A's cancel race through all three (each verb through a different node).
	raceCtx, cancel := context.WithTimeout(ctx, raceTimeout)
	defer cancel()
	results := make([][]settlement, certs)
	var wg sync.WaitGroup
	for i, id := range certIDs {
		wg.Go(func() {
			// Two transfers of the certificate race through two nodes: exactly one starts
			// it, and the other finds it already pending.
			var transfers [2]error
			var tw sync.WaitGroup
			for k := range transfers {
				tw.Go(func() {
					_, transfers[k] = a[(i+k)%3].TransferCertificate(raceCtx, &iot.TransferCertificateInput{
						CertificateId: aws.String(id), TargetAwsAccount: aws.String(acctB)})
				})
			}
			tw.Wait()
			var state *types.CertificateStateException
			switch {
			case transfers[0] == nil && errors.As(transfers[1], &state), transfers[1] == nil && errors.As(transfers[0], &state):
			default:
				t.Errorf("transfer %d through two nodes at once: %v and %v, want one success and one CertificateStateException", i, transfers[0], transfers[1])
				return
			}
			start := make(chan struct{})
			var racers sync.WaitGroup
			results[i] = make([]settlement, 3)
			for j, verb := range []string{"accept", "reject", "cancel"} {
				n := (i + 1 + j) % 3
				results[i][j] = settlement{verb: verb, node: n}
				racers.Go(func() {
					<-start
					var err error
					switch verb {
					case "accept":
						_, err = b[n].AcceptCertificateTransfer(raceCtx, &iot.AcceptCertificateTransferInput{
							CertificateId: aws.String(id), SetAsActive: true})
					case "reject":
						_, err = b[n].RejectCertificateTransfer(raceCtx, &iot.RejectCertificateTransferInput{
							CertificateId: aws.String(id), RejectReason: aws.String("race " + id[:8])})
					case "cancel":
						_, err = a[n].CancelCertificateTransfer(raceCtx, &iot.CancelCertificateTransferInput{
							CertificateId: aws.String(id)})
					}
					results[i][j].err = err
				})
			}
			close(start)
			racers.Wait()
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	// Exactly one settlement of each transfer succeeded; every other failed with the
	// exception that the winner's outcome calls for, never with a server error: after an
	// accept, TransferAlreadyCompleted for both parties; after a reject or cancel, the
	// target no longer sees the certificate (ResourceNotFound) and the source finds
	// nothing pending (InvalidRequest).
	winners := make([]string, certs)
	counts := map[string]int{}
	for i, rs := range results {
		var won []string
		for _, r := range rs {
			if r.err == nil {
				won = append(won, r.verb)
			}
		}
		if len(won) != 1 {
			t.Errorf("certificate %d: %d settlements succeeded %v, want exactly 1", i, len(won), won)
			continue
		}
		for _, r := range rs {
			if r.err == nil {
				continue
			}
			var completed *types.TransferAlreadyCompletedException
			var notFound *types.ResourceNotFoundException
			var invalid *types.InvalidRequestException
			var ok bool
			switch {
			case won[0] == "accept":
				ok = errors.As(r.err, &completed)
			case r.verb == "cancel":
				ok = errors.As(r.err, &invalid)
			default:
				ok = errors.As(r.err, &notFound)
			}
			if !ok {
				t.Errorf("certificate %d: after the %s won, %s via node %d failed with %v", i, won[0], r.verb, r.node, r.err)
			}
		}
		winners[i] = won[0]
		counts[won[0]]++
	}
	t.Logf("30 transfers raced through 3 nodes: accepted %d, rejected %d, cancelled %d",
		counts["accept"], counts["reject"], counts["cancel"])

	// Every acknowledged change is there, as seen through every node: an accepted
	// certificate is B's (ACTIVE, previously A's) and A no longer sees it; a rejected or
	// cancelled one is A's, INACTIVE, and B does not see it.
	var wantA, wantB []string
	for i, id := range certIDs {
		if winners[i] == "" {
			continue
		}
		owner, other := a, b
		wantOwner, wantStatus := acctA, types.CertificateStatusInactive
		if winners[i] == "accept" {
			owner, other = b, a
			wantOwner, wantStatus = acctB, types.CertificateStatusActive
			wantB = append(wantB, id)
		} else {
			wantA = append(wantA, id)
		}
		for n := range nodes {
			d := describe(t, owner[n], id)
			td := d.TransferData
			if aws.ToString(d.OwnedBy) != wantOwner || d.Status != wantStatus || td == nil {
				t.Errorf("certificate %d (%s) via node %d: owner %s status %s, want %s %s", i, winners[i], n,
					aws.ToString(d.OwnedBy), d.Status, wantOwner, wantStatus)
				continue
			}
			accepted, rejected := td.AcceptDate != nil, td.RejectDate != nil
			switch winners[i] {
			case "accept":
				if !accepted || rejected || aws.ToString(d.PreviousOwnedBy) != acctA {
					t.Errorf("certificate %d accepted: transferData %+v, previous owner %s", i, td, aws.ToString(d.PreviousOwnedBy))
				}
			case "reject":
				if accepted || !rejected || aws.ToString(td.RejectReason) != "race "+id[:8] {
					t.Errorf("certificate %d rejected: transferData %+v", i, td)
				}
			case "cancel":
				if accepted || rejected {
					t.Errorf("certificate %d cancelled: transferData %+v", i, td)
				}
			}
			_, err := other[n].DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(id)})
			requireCode[*types.ResourceNotFoundException](t, err, 404)
		}
	}
	// The listings of every node agree: each certificate has exactly one owner, and none
	// is still pending.
	for n := range nodes {
		gotA, gotB := ids(listAll(t, a[n], true, 7)), ids(listAll(t, b[n], true, 7))
		slices.Sort(gotA)
		slices.Sort(gotB)
		slices.Sort(wantA)
		slices.Sort(wantB)
		if !slices.Equal(gotA, wantA) || !slices.Equal(gotB, wantB) {
			t.Errorf("node %d lists %d certificates for A and %d for B, want %d and %d", n, len(gotA), len(gotB), len(wantA), len(wantB))
		}
		out := must(a[n].ListOutgoingCertificates(ctx, &iot.ListOutgoingCertificatesInput{})).T(t)
		if len(out.OutgoingCertificates) != 0 {
			t.Errorf("node %d: %d transfers still pending", n, len(out.OutgoingCertificates))
		}
	}
	if len(wantA)+len(wantB) != certs {
		t.Errorf("%d certificates have an owner, want %d", len(wantA)+len(wantB), certs)
	}
}

// TestMultiNodeAccounts runs two strict-mode nodes on one new database: exactly one of
// them creates the first account, its key works on both, and an account created with
// `iotcertd account create --postgres` while they run works on both at once.
func TestMultiNodeAccounts(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewSchema(t)
	bin := buildBinary(t)
	keys := writeMasterKeys(t, 3)
	nodes := startNodes(t, bin,
		[]string{"--postgres", dsn, "--master-key", keys[0]},
		[]string{"--postgres", dsn, "--master-key", keys[1]})
	ctx := context.Background()

	// Exactly one node created the first account, printed it, and saved it (mode 0600)
	// beside its master key; its key works through every node.
	creator := -1
	for i := range nodes {
		if _, err := os.Stat(filepath.Join(filepath.Dir(keys[i]), credentialsFile)); err == nil {
			if creator >= 0 {
				t.Fatalf("nodes %d and %d both created a first account", creator, i)
			}
			creator = i
		}
	}
	if creator < 0 {
		t.Fatal("no node saved first-start credentials")
	}
	key, secret := firstCredentials(t, filepath.Dir(keys[creator]))
	for i, n := range nodes {
		must(n.Client(key, secret, "us-east-1").ListCertificates(ctx, &iot.ListCertificatesInput{})).T(t)
		if printed := strings.Contains(n.stdout.String(), secret); printed != (i == creator) {
			t.Errorf("node %d printed the secret: %v; node %d created the account", i, printed, creator)
		}
	}

	// An account created by the admin command on a third machine (with its own copy of
	// the master key) works through every node at once.
	cmd := exec.Command(bin, "account", "create", "--id", "555555555555", "--postgres", dsn, "--master-key", keys[2])
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("account create: %v\n%s", err, stderr.String())
	}
	var created struct{ AccountID, AccessKeyID, SecretAccessKey string }
	if err := json.Unmarshal(out, &created); err != nil || created.AccountID != "555555555555" {
		t.Fatalf("account create printed %s: %v", out, err)
	}
	var certID string
	for i, n := range nodes {
		c := n.Client(created.AccessKeyID, created.SecretAccessKey, "us-east-1")
		if i == 0 {
			certID = newInactiveCert(t, c)
		}
		d := describe(t, c, certID)
		if aws.ToString(d.OwnedBy) != "555555555555" {
			t.Errorf("node %d: owner %s", i, aws.ToString(d.OwnedBy))
		}
	}

	// A node with another master key cannot read the secrets, and says so at start.
	other := writeMasterKeys(t, 1)[0]
	cmd = exec.Command(bin, "account", "create", "--postgres", dsn, "--master-key", other)
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("account create with another master key succeeded:\n%s", out)
	}
	// Without a master key (and no data directory) the command refuses to start.
	cmd = exec.Command(bin, "account", "create", "--postgres", dsn)
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("account create --postgres without --master-key succeeded:\n%s", out)
	}
}

// mustServeConfig boots iotcertd in process with cfg, as MustServeDir does, and stops it
// when the test ends (or when stop is called first).
func mustServeConfig(tb testing.TB, cfg Config) (s *testServer, stop func()) {
	tb.Helper()
	out := &bytes.Buffer{}
	cfg.Addr, cfg.KeyPool, cfg.Stdout = "127.0.0.1:0", 2, out
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	m, err := Open(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("open server: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
				tb.Errorf("server: %v", err)
			}
			if err := m.Close(); err != nil {
				tb.Errorf("close: %v", err)
			}
		})
	}
	tb.Cleanup(stop)
	return &testServer{Main: m, URL: "http://" + m.Addr(), stdout: out}, stop
}

// TestPostgresRestart boots the server in process on PostgreSQL: the first start creates
// and saves the first account, data survives a restart, and a node whose files lack the
// credentials (another machine) says where they are instead of printing them.
func TestPostgresRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.NewSchema(t)
	dir := t.TempDir()
	s, stop := mustServeConfig(t, Config{Postgres: dsn, DataDir: dir})
	key, secret := firstCredentials(t, dir)
	if !strings.Contains(s.stdout.String(), secret) {
		t.Fatalf("first start did not print the secret:\n%s", s.stdout.String())
	}
	if _, err := os.Stat(filepath.Join(dir, dbFile)); err == nil {
		t.Errorf("a PostgreSQL server made an SQLite database in its data directory")
	}
	created := must(s.Client(key, secret, "us-east-1").CreateKeysAndCertificate(ctx,
		&iot.CreateKeysAndCertificateInput{SetAsActive: true})).T(t)
	stop()

	again, _ := mustServeConfig(t, Config{Postgres: dsn, DataDir: dir})
	if out := again.stdout.String(); strings.Contains(out, secret) || !strings.Contains(out, filepath.Join(dir, credentialsFile)) {
		t.Errorf("restart printed:\n%s", out)
	}
	// Another node: no data directory, its own copy of the master key.
	keyCopy := filepath.Join(t.TempDir(), "master.key")
	if err := os.WriteFile(keyCopy, must(os.ReadFile(filepath.Join(dir, masterKeyFile))).T(t), 0o600); err != nil {
		t.Fatal(err)
	}
	other, _ := mustServeConfig(t, Config{Postgres: dsn, MasterKey: keyCopy})
	if out := other.stdout.String(); strings.Contains(out, secret) || !strings.Contains(out, "first account already") {
		t.Errorf("another node printed:\n%s", out)
	}
	for _, n := range []*testServer{again, other} {
		d := describe(t, n.Client(key, secret, "us-east-1"), aws.ToString(created.CertificateId))
		if d.Status != types.CertificateStatusActive || aws.ToString(d.CertificatePem) != aws.ToString(created.CertificatePem) {
			t.Errorf("after restart: status %s", d.Status)
		}
	}
}
