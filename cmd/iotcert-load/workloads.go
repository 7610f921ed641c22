package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"runtime"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"
)

// newWorkload returns the workload c names.
func newWorkload(c loadConfig) (workload, error) {
	switch c.Workload {
	case "describe":
		return &describeLoad{}, nil
	case "list":
		return &listLoad{}, nil
	case "create-keys":
		return createKeysLoad{}, nil
	case "register":
		return &registerLoad{}, nil
	case "update":
		return &updateLoad{}, nil
	case "transfer":
		return &transferLoad{}, nil
	case "mixed":
		return &mixedLoad{}, nil
	}
	return nil, fmt.Errorf("unknown workload %q: use describe, list, create-keys, register, update, transfer or mixed", c.Workload)
}

// orDefault returns n, or def when n is 0.
func orDefault(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}

// share returns the items of worker w when they are dealt round robin to n workers.
func share[T any](items []T, w, n int) []T {
	var out []T
	for i := w; i < len(items); i += n {
		out = append(out, items[i])
	}
	return out
}

// describe: DescribeCertificate of certificates registered for the run.
type describeLoad struct{ ids []string }

func (l *describeLoad) setup(ctx context.Context, e *env) error {
	var err error
	l.ids, err = registerFixtures(ctx, e.a, orDefault(e.cfg.Certs, 100), types.CertificateStatusInactive)
	return err
}

func (l *describeLoad) do(ctx context.Context, e *env, w, i int) error {
	return describe(ctx, e.a, l.ids[(w*131+i)%len(l.ids)])
}

func (l *describeLoad) cycle(int) (int, bool)                    { return len(l.ids), false }
func (l *describeLoad) verify(context.Context, *env, int) string { return "" }

func describe(ctx context.Context, cl *iot.Client, id string) error {
	countCall(ctx)
	_, err := cl.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(id)})
	return err
}

// list: ListCertificates pages, cycling through the first -pages pages of the listing
// (their markers are collected once, in setup).
type listLoad struct{ markers []string }

func (l *listLoad) setup(ctx context.Context, e *env) error {
	if e.cfg.Certs > 0 {
		if _, err := registerFixtures(ctx, e.a, e.cfg.Certs, types.CertificateStatusInactive); err != nil {
			return err
		}
	}
	marker := ""
	for range e.cfg.Pages {
		out, err := e.a.ListCertificates(ctx, &iot.ListCertificatesInput{PageSize: aws.Int32(int32(e.cfg.PageSize)), Marker: optional(marker)})
		if err != nil {
			return err
		}
		if len(out.Certificates) == 0 && marker == "" {
			return fmt.Errorf("account %s holds no certificates: seed it (iotcert-load seed) or give -certs", e.cfg.Account)
		}
		l.markers = append(l.markers, marker)
		marker = aws.ToString(out.NextMarker)
		if marker == "" {
			break
		}
	}
	return nil
}

func (l *listLoad) do(ctx context.Context, e *env, w, i int) error {
	return list(ctx, e, l.markers[(w*7+i)%len(l.markers)])
}

func (l *listLoad) cycle(int) (int, bool)                    { return len(l.markers), false }
func (l *listLoad) verify(context.Context, *env, int) string { return "" }

func list(ctx context.Context, e *env, marker string) error {
	countCall(ctx)
	_, err := e.a.ListCertificates(ctx, &iot.ListCertificatesInput{PageSize: aws.Int32(int32(e.cfg.PageSize)), Marker: optional(marker)})
	return err
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

// create-keys: CreateKeysAndCertificate.
type createKeysLoad struct{}

func (createKeysLoad) setup(context.Context, *env) error { return nil }

func (createKeysLoad) do(ctx context.Context, e *env, _, _ int) error {
	countCall(ctx)
	_, err := e.a.CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{SetAsActive: false})
	return err
}

func (createKeysLoad) cycle(int) (int, bool)                    { return 1, false }
func (createKeysLoad) verify(context.Context, *env, int) string { return "" }

// register: RegisterCertificateWithoutCA of certificates generated before the run, each
// registered once.
type registerLoad struct{ pems [][]string }

func (l *registerLoad) setup(ctx context.Context, e *env) error {
	n := e.cfg.N
	if n == 0 {
		n = orDefault(e.cfg.Certs, 20000)
	}
	pems, err := newCertFactory().pems(n)
	if err != nil {
		return err
	}
	for w := range e.cfg.Concurrency {
		l.pems = append(l.pems, share(pems, w, e.cfg.Concurrency))
	}
	return nil
}

func (l *registerLoad) do(ctx context.Context, e *env, w, i int) error {
	if i >= len(l.pems[w]) {
		return errExhausted
	}
	countCall(ctx)
	_, err := e.a.RegisterCertificateWithoutCA(ctx, &iot.RegisterCertificateWithoutCAInput{
		CertificatePem: aws.String(l.pems[w][i]), Status: types.CertificateStatusActive})
	return err
}

func (l *registerLoad) cycle(w int) (int, bool)                  { return len(l.pems[w]), true }
func (l *registerLoad) verify(context.Context, *env, int) string { return "" }

// update: UpdateCertificate, each worker on certificates of its own, setting ACTIVE on
// each of them in turn and then INACTIVE, so that every call changes the status (a call
// that sets the current status again writes nothing).
type updateLoad struct {
	ids  []string
	conc int
}

func (l *updateLoad) setup(ctx context.Context, e *env) error {
	l.conc = e.cfg.Concurrency
	var err error
	l.ids, err = registerFixtures(ctx, e.a, orDefault(e.cfg.Certs, max(256, 4*e.cfg.Concurrency)), types.CertificateStatusInactive)
	return err
}

func (l *updateLoad) do(ctx context.Context, e *env, w, i int) error {
	return toggle(ctx, e, share(l.ids, w, e.cfg.Concurrency), i)
}

// toggle runs update i of a worker that owns the certificates mine.
func toggle(ctx context.Context, e *env, mine []string, i int) error {
	status := types.CertificateStatusActive
	if (i/len(mine))%2 == 1 {
		status = types.CertificateStatusInactive
	}
	countCall(ctx)
	_, err := e.a.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(mine[i%len(mine)]), NewStatus: status})
	return err
}

func (l *updateLoad) cycle(w int) (int, bool) {
	return 2 * len(share(l.ids, w, l.conc)), false
}

func (l *updateLoad) verify(ctx context.Context, e *env, done int) string {
	return verifyWrites(ctx, e, l.ids, done)
}

// verifyWrites compares the status changes the server holds for ids (each one advances
// customerVersion, which starts at 1) with the updates acknowledged during the run. Calls
// cut off by the end of the run may have been applied unacknowledged, so the server may
// hold a few more, never fewer.
func verifyWrites(ctx context.Context, e *env, ids []string, acked int) string {
	distinct := map[string]bool{}
	for _, id := range ids {
		distinct[id] = true
	}
	if len(distinct) < len(ids) {
		return "" // a server of canned answers (iotcert-load sigv4-server)
	}
	held := 0
	for _, id := range ids {
		out, err := e.a.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(id)})
		if err != nil {
			return fmt.Sprintf("verify: %v", err)
		}
		v := aws.ToInt32(out.CertificateDescription.CustomerVersion)
		if v == 0 {
			return "" // the server does not keep customerVersion
		}
		held += int(v) - 1
	}
	verdict := "ok"
	if held < acked || held > acked+e.cfg.Concurrency {
		verdict = "MISMATCH"
	}
	return fmt.Sprintf("verify: %d updates acknowledged, the server holds %d status changes: %s", acked, held, verdict)
}

// transfer: one operation is a transfer cycle of two calls. Each worker's certificates
// go from account A to B (TransferCertificate by A, AcceptCertificateTransfer by B), then
// back from B to A in the next round.
type transferLoad struct {
	ids  []string
	conc int
}

func (l *transferLoad) setup(ctx context.Context, e *env) error {
	l.conc = e.cfg.Concurrency
	var err error
	l.ids, err = registerFixtures(ctx, e.a, orDefault(e.cfg.Certs, 2*e.cfg.Concurrency), types.CertificateStatusInactive)
	return err
}

func (l *transferLoad) do(ctx context.Context, e *env, w, i int) error {
	mine := share(l.ids, w, e.cfg.Concurrency)
	id := aws.String(mine[i%len(mine)])
	from, to, toAccount := e.a, e.b, e.cfg.TargetAcct
	if (i/len(mine))%2 == 1 {
		from, to, toAccount = e.b, e.a, e.cfg.Account
	}
	countCall(ctx)
	if _, err := from.TransferCertificate(ctx, &iot.TransferCertificateInput{CertificateId: id, TargetAwsAccount: aws.String(toAccount)}); err != nil {
		return fmt.Errorf("transfer: %w", err)
	}
	countCall(ctx)
	if _, err := to.AcceptCertificateTransfer(ctx, &iot.AcceptCertificateTransferInput{CertificateId: id}); err != nil {
		return fmt.Errorf("accept: %w", err)
	}
	return nil
}

func (l *transferLoad) cycle(w int) (int, bool) {
	return 2 * len(share(l.ids, w, l.conc)), false
}
func (l *transferLoad) verify(context.Context, *env, int) string { return "" }

// mixed: of every ten operations, eight DescribeCertificate, one ListCertificates (the
// first page) and one UpdateCertificate (as in update, on the worker's own certificates).
type mixedLoad struct {
	ids  []string
	conc int
}

func (l *mixedLoad) setup(ctx context.Context, e *env) error {
	l.conc = e.cfg.Concurrency
	var err error
	l.ids, err = registerFixtures(ctx, e.a, orDefault(e.cfg.Certs, max(100, 4*e.cfg.Concurrency)), types.CertificateStatusInactive)
	return err
}

func (l *mixedLoad) do(ctx context.Context, e *env, w, i int) error {
	switch i % 10 {
	case 9:
		return toggle(ctx, e, share(l.ids, w, e.cfg.Concurrency), i/10)
	case 4:
		return list(ctx, e, "")
	}
	return describe(ctx, e.a, l.ids[(w*131+i)%len(l.ids)])
}

func (l *mixedLoad) cycle(w int) (int, bool) {
	return 10 * 2 * len(share(l.ids, w, l.conc)), false
}
func (l *mixedLoad) verify(context.Context, *env, int) string { return "" }

// registerFixtures registers n new certificates with cl and returns their IDs.
func registerFixtures(ctx context.Context, cl *iot.Client, n int, status types.CertificateStatus) ([]string, error) {
	pems, err := newCertFactory().pems(n)
	if err != nil {
		return nil, err
	}
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	const parallel = 8
	for p := range parallel {
		wg.Go(func() {
			for i := p; i < n; i += parallel {
				out, err := cl.RegisterCertificateWithoutCA(ctx, &iot.RegisterCertificateWithoutCAInput{
					CertificatePem: aws.String(pems[i]), Status: status})
				if err != nil {
					errs[i] = err
					return
				}
				ids[i] = aws.ToString(out.CertificateId)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("register fixtures: %w", err)
		}
	}
	return ids, nil
}

// certFactory makes distinct self-signed ECDSA P-256 device certificates quickly: one key
// signs them all, and each has its own serial number and subject, so its own DER and ID.
type certFactory struct {
	key   *ecdsa.PrivateKey
	start time.Time
}

func newCertFactory() *certFactory {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return &certFactory{key: key, start: time.Now().Add(-time.Hour).Truncate(time.Second)}
}

// der returns certificate n in DER.
func (f *certFactory) der(n int) ([]byte, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: fmt.Sprintf("iotcert-load device %d", n)},
		NotBefore:    f.start,
		NotAfter:     f.start.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	return x509.CreateCertificate(rand.Reader, tmpl, tmpl, &f.key.PublicKey, f.key)
}

// pems returns n certificates in PEM, made on every core.
func (f *certFactory) pems(n int) ([]string, error) {
	ders, err := f.ders(n)
	if err != nil {
		return nil, err
	}
	out := make([]string, n)
	for i, der := range ders {
		out[i] = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	}
	return out, nil
}

// ders returns n certificates in DER, made on every core.
func (f *certFactory) ders(n int) ([][]byte, error) {
	out := make([][]byte, n)
	errs := make([]error, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for p := range errs {
		wg.Go(func() {
			for i := p; i < n; i += len(errs) {
				if out[i], errs[p] = f.der(i); errs[p] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
