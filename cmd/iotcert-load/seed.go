package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/iotcertd/iotcertd/internal/datadir"
	"github.com/iotcertd/iotcertd/internal/iot"
	"github.com/iotcertd/iotcertd/internal/pki"
	"github.com/iotcertd/iotcertd/internal/store/sqlite"
)

// dbFile is the database file name in an iotcertd data directory (cmd/iotcertd).
const dbFile = "iotcertd.db"

// runSeed writes certificates straight into a data directory through the SQLite store, in
// large transactions: a million RegisterCertificateWithoutCA calls would take far longer,
// and what is measured afterwards is reading them. The records are what
// RegisterCertificateWithoutCA stores (SNI_ONLY, INACTIVE, real certificates whose ID is
// the SHA-256 of their DER), created one millisecond apart, the newest now.
func runSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("data", "", "iotcertd data directory (created if missing); refused while a server is using it")
	count := fs.Int("count", 1000, "certificates to add")
	account := fs.String("account", "111111111111", "owner account")
	region := fs.String("region", "us-east-1", "region")
	batch := fs.Int("batch", 20000, "certificates per transaction")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *dir == "" || fs.NArg() > 0 || *count < 1 || *count > 10_000_000 || *batch < 1 {
		fs.Usage()
		return errUsage
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	// A running server caches certificates and would not see these writes.
	release, err := datadir.Lock(*dir)
	if errors.Is(err, datadir.ErrBusy) {
		return fmt.Errorf("seed: a server is using the data directory %s: stop it first", *dir)
	}
	if err != nil {
		return err
	}
	defer release()
	store, err := sqlite.Open(ctx, filepath.Join(*dir, dbFile))
	if err != nil {
		return err
	}
	defer store.Close()

	f := newCertFactory()
	start := time.Now()
	newest := start.UTC().Truncate(time.Millisecond)
	first := newest.Add(-time.Duration(*count-1) * time.Millisecond)
	// Generate the next batch while the current one is written.
	type made struct {
		certs []*iot.Certificate
		err   error
	}
	next := make(chan made, 1)
	go func() {
		defer close(next)
		for from := 0; from < *count; from += *batch {
			n := min(*batch, *count-from)
			ders, err := f.ders(n)
			if err != nil {
				next <- made{err: err}
				return
			}
			certs := make([]*iot.Certificate, n)
			for i, der := range ders {
				created := first.Add(time.Duration(from+i) * time.Millisecond)
				certs[i] = &iot.Certificate{
					RecordID: randomHex(16), Region: *region, ID: pki.CertificateID(der), Owner: *account,
					Status: iot.StatusInactive, Mode: iot.ModeSNIOnly, PEM: pki.EncodeCertificatePEM(der),
					CreatedAt: created, LastModifiedAt: created, CustomerVersion: 1, GenerationID: randomUUID(),
					NotBefore: f.start.UTC(), NotAfter: f.start.AddDate(1, 0, 0).UTC(),
				}
			}
			select {
			case next <- made{certs: certs}:
			case <-ctx.Done():
				return
			}
		}
	}()
	written := 0
	for m := range next {
		if m.err != nil {
			return m.err
		}
		err := store.Update(ctx, func(tx iot.Tx) error {
			for _, c := range m.certs {
				if err := tx.CreateCertificate(ctx, c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		written += len(m.certs)
		fmt.Fprintf(stderr, "\rseed: %d/%d certificates (%v)", written, *count, time.Since(start).Round(time.Second))
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	fmt.Fprintln(stderr)
	fmt.Fprintf(stdout, "seeded %d certificates of account %s in %s into %s in %v\n", written, *account, *region, *dir, time.Since(start).Round(time.Millisecond))
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// randomUUID returns a random RFC 4122 version 4 UUID.
func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
