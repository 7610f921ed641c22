package readcache

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iotcertd/iotcertd/internal/iot"
	"github.com/iotcertd/iotcertd/internal/store/sqlite"
	"github.com/iotcertd/iotcertd/internal/store/storetest"
)

// TestConformance runs the storage conformance suite on the SQLite store behind the cache:
// the cache must change nothing any rule relies on.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) iot.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"))
		if err != nil {
			t.Fatal(err)
		}
		c := New(s, 64)
		t.Cleanup(func() {
			if err := c.Close(); err != nil {
				t.Error(err)
			}
		})
		return c
	})
}

// fakeStore serves CertificatesByID from a map, counts the reads, and can hold a read
// between reading the map and returning, to force the interleavings the cache must survive.
type fakeStore struct {
	iot.Store // nil: only the methods below are used
	mu        sync.Mutex
	recs      map[string]*iot.Certificate
	reads     int
	// hold, when set, is called by a read after it has read the map.
	hold func()
}

func (f *fakeStore) CertificatesByID(_ context.Context, _, id string) ([]*iot.Certificate, error) {
	f.mu.Lock()
	f.reads++
	r, ok := f.recs[id]
	var out []*iot.Certificate
	if ok {
		c := *r
		out = append(out, &c)
	}
	hold := f.hold
	f.mu.Unlock()
	if hold != nil {
		hold()
	}
	return out, nil
}

// Update runs fn on a transaction that writes the map.
func (f *fakeStore) Update(ctx context.Context, fn func(iot.Tx) error) error {
	return fn(&fakeTx{f: f})
}

type fakeTx struct {
	iot.Tx
	f *fakeStore
}

func (t *fakeTx) PutCertificate(_ context.Context, c *iot.Certificate) error {
	t.f.mu.Lock()
	defer t.f.mu.Unlock()
	cp := *c
	t.f.recs[c.ID] = &cp
	return nil
}

func (t *fakeTx) CertificatesByID(ctx context.Context, region, id string) ([]*iot.Certificate, error) {
	return t.f.CertificatesByID(ctx, region, id)
}

func (t *fakeTx) DeleteRegistryData(context.Context) error {
	t.f.mu.Lock()
	defer t.f.mu.Unlock()
	clear(t.f.recs)
	return nil
}

func newFake(ids ...string) *fakeStore {
	f := &fakeStore{recs: map[string]*iot.Certificate{}}
	for _, id := range ids {
		f.recs[id] = &iot.Certificate{Region: "r", ID: id, Owner: "a", Status: iot.StatusInactive}
	}
	return f
}

func status(t *testing.T, c *Store, id string) iot.Status {
	t.Helper()
	recs, err := c.CertificatesByID(context.Background(), "r", id)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 {
		return ""
	}
	return recs[0].Status
}

func put(t *testing.T, c *Store, id string, st iot.Status) {
	t.Helper()
	err := c.Update(context.Background(), func(tx iot.Tx) error {
		return tx.PutCertificate(context.Background(), &iot.Certificate{Region: "r", ID: id, Owner: "a", Status: st})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestHitsAndInvalidation(t *testing.T) {
	f := newFake("x", "y")
	c := New(f, 0)
	for range 3 {
		if got := status(t, c, "x"); got != iot.StatusInactive {
			t.Fatalf("status %q", got)
		}
	}
	if f.reads != 1 {
		t.Fatalf("%d store reads for three reads of one certificate, want 1", f.reads)
	}
	// A write through the cache drops the entry before Update returns.
	put(t, c, "x", iot.StatusActive)
	if got := status(t, c, "x"); got != iot.StatusActive {
		t.Fatalf("after the write, status %q", got)
	}
	if f.reads != 2 {
		t.Fatalf("%d store reads, want 2", f.reads)
	}
	// A record handed out is a copy: changing it changes nothing cached.
	recs, _ := c.CertificatesByID(context.Background(), "r", "x")
	recs[0].Status = iot.StatusRevoked
	if got := status(t, c, "x"); got != iot.StatusActive {
		t.Fatalf("a caller's change reached the cache: %q", got)
	}
	// Absence is cached too, and a creation drops it.
	if got := status(t, c, "new"); got != "" {
		t.Fatalf("unknown certificate has status %q", got)
	}
	put(t, c, "new", iot.StatusInactive)
	if got := status(t, c, "new"); got != iot.StatusInactive {
		t.Fatalf("created certificate has status %q", got)
	}
	// Deleting all registry data drops everything.
	status(t, c, "y")
	if err := c.Update(context.Background(), func(tx iot.Tx) error { return tx.DeleteRegistryData(context.Background()) }); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"x", "y", "new"} {
		if got := status(t, c, id); got != "" {
			t.Fatalf("after DeleteRegistryData, %s has status %q", id, got)
		}
	}
}

// TestStaleReadIsNotCached forces the interleaving where a read of the old state returns
// after a write committed and invalidated: the old state must not be cached.
func TestStaleReadIsNotCached(t *testing.T) {
	f := newFake("x")
	c := New(f, 0)
	readDone := make(chan struct{})
	release := make(chan struct{})
	reading := make(chan struct{})
	f.hold = func() {
		close(reading)
		<-release
	}
	go func() {
		defer close(readDone)
		if got := status(t, c, "x"); got != iot.StatusInactive {
			t.Errorf("the held read returned %q, want the old INACTIVE", got)
		}
	}()
	<-reading // the read has the old record in hand
	f.mu.Lock()
	f.hold = nil
	f.mu.Unlock()
	put(t, c, "x", iot.StatusActive)
	close(release)
	<-readDone
	if got := status(t, c, "x"); got != iot.StatusActive {
		t.Fatalf("after the write was acknowledged, status %q: a stale read was cached", got)
	}
}

// TestBounded checks that the cache never holds more than its bound per shard.
func TestBounded(t *testing.T) {
	var ids []string
	for i := range 2000 {
		ids = append(ids, fmt.Sprint(i))
	}
	f := newFake(ids...)
	c := New(f, 128)
	for _, id := range ids {
		status(t, c, id)
	}
	total := 0
	for i := range c.shards {
		n := len(c.shards[i].entries)
		if n > c.perShard {
			t.Fatalf("shard %d holds %d entries, bound %d", i, n, c.perShard)
		}
		total += n
	}
	if total > 128 {
		t.Fatalf("%d entries cached, bound 128", total)
	}
}

// txStatus reads id's status inside a transaction.
func txStatus(t *testing.T, tx iot.Tx, id string) iot.Status {
	t.Helper()
	recs, err := tx.CertificatesByID(context.Background(), "r", id)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 {
		return ""
	}
	return recs[0].Status
}

func (f *fakeStore) readCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reads
}

// TestTxReadsCleanKeysFromMemory: a transaction's read of a certificate nobody is writing
// comes from memory; once the transaction has written it, its reads go to the store and see
// the write.
func TestTxReadsCleanKeysFromMemory(t *testing.T) {
	f := newFake("x")
	c := New(f, 0)
	status(t, c, "x") // cached
	err := c.Update(context.Background(), func(tx iot.Tx) error {
		if got := txStatus(t, tx, "x"); got != iot.StatusInactive {
			t.Errorf("first read in the transaction: %q, want INACTIVE", got)
		}
		if n := f.readCount(); n != 1 {
			t.Errorf("the clean key was read from the store (%d reads, want 1)", n)
		}
		if err := tx.PutCertificate(context.Background(), &iot.Certificate{Region: "r", ID: "x", Owner: "a", Status: iot.StatusActive}); err != nil {
			return err
		}
		if got := txStatus(t, tx, "x"); got != iot.StatusActive {
			t.Errorf("read after the transaction's own write: %q, want ACTIVE", got)
		}
		if n := f.readCount(); n != 2 {
			t.Errorf("the written key was not read from the store (%d reads, want 2)", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := status(t, c, "x"); got != iot.StatusActive {
		t.Fatalf("after the Update: %q, want ACTIVE", got)
	}
}

// TestTxReadsOthersDirtyKeysFromStore: while one Update has written a certificate and not
// returned (in the SQLite store its write may sit uncommitted in a transaction the next
// Update shares), another Update's read of it goes to the store, and the cache is not
// filled from it; the same holds for every key while an Update deletes all registry data.
func TestTxReadsOthersDirtyKeysFromStore(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(tx iot.Tx) error
		want  iot.Status
	}{
		{"put", func(tx iot.Tx) error {
			return tx.PutCertificate(context.Background(), &iot.Certificate{Region: "r", ID: "x", Owner: "a", Status: iot.StatusActive})
		}, iot.StatusActive},
		{"delete all", func(tx iot.Tx) error { return tx.DeleteRegistryData(context.Background()) }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake("x")
			c := New(f, 0)
			status(t, c, "x") // cached: INACTIVE
			written := make(chan struct{})
			release := make(chan struct{})
			done := make(chan error)
			go func() {
				done <- c.Update(context.Background(), func(tx iot.Tx) error {
					if err := tc.write(tx); err != nil {
						return err
					}
					close(written)
					<-release
					return nil
				})
			}()
			<-written
			err := c.Update(context.Background(), func(tx iot.Tx) error {
				if got := txStatus(t, tx, "x"); got != tc.want {
					t.Errorf("read in a transaction while another Update's write is pending: %q, want %q", got, tc.want)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if n := f.readCount(); n != 2 {
				t.Errorf("%d store reads, want 2 (the first read and the dirty one)", n)
			}
			close(release)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if got := status(t, c, "x"); got != tc.want {
				t.Fatalf("after both Updates: %q, want %q", got, tc.want)
			}
		})
	}
}

// TestReadModifyWriteOnSQLite runs concurrent read-modify-write Updates of one certificate
// on the SQLite store, whose group commit runs them in shared transactions: every fn must
// read the version the previous one wrote (a stale read from memory would fail the
// versioned write with a conflict), and no increment may be lost.
func TestReadModifyWriteOnSQLite(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	c := New(s, 0)
	t.Cleanup(func() { _ = c.Close() })
	id := fmt.Sprintf("%064x", 1)
	cert := &iot.Certificate{RecordID: fmt.Sprintf("%032x", 1), Region: "r", ID: id, Owner: "111122223333",
		Status: iot.StatusInactive, Mode: iot.ModeDefault, PEM: "pem", CreatedAt: time.UnixMilli(1000).UTC()}
	if err := c.Update(ctx, func(tx iot.Tx) error { return tx.CreateCertificate(ctx, cert) }); err != nil {
		t.Fatal(err)
	}
	const workers, each = 16, 40
	var conflicts atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				err := c.Update(ctx, func(tx iot.Tx) error {
					recs, err := tx.CertificatesByID(ctx, "r", id)
					if err != nil {
						return err
					}
					rec := recs[0]
					rec.CustomerVersion++
					err = tx.PutCertificate(ctx, rec)
					if errors.Is(err, iot.ErrConflict) {
						conflicts.Add(1)
					}
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
				// A read outside, to keep the cache filled between the writes.
				if _, err := c.CertificatesByID(ctx, "r", id); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := conflicts.Load(); n != 0 {
		t.Errorf("%d writes found their read stale", n)
	}
	recs, err := s.CertificatesByID(ctx, "r", id)
	if err != nil {
		t.Fatal(err)
	}
	if got := recs[0].CustomerVersion; got != workers*each {
		t.Fatalf("customer version %d after %d increments", got, workers*each)
	}
}

// setStatus reads certificate id in tx and writes it back with status st.
func setStatus(tx iot.Tx, id string, st iot.Status) error {
	recs, err := tx.CertificatesByID(context.Background(), "r", id)
	if err != nil {
		return err
	}
	recs[0].Status = st
	return tx.PutCertificate(context.Background(), recs[0])
}

// TestWrittenStateIsKept: after an Update that read and wrote a certificate, the records as
// it left them are served from memory, to readers and to the next transaction.
func TestWrittenStateIsKept(t *testing.T) {
	f := newFake("x")
	c := New(f, 0)
	rmw := func(st iot.Status) {
		t.Helper()
		err := c.Update(context.Background(), func(tx iot.Tx) error { return setStatus(tx, "x", st) })
		if err != nil {
			t.Fatal(err)
		}
	}
	rmw(iot.StatusActive) // one store read: the key was not cached
	rmw(iot.StatusRevoked)
	if got := status(t, c, "x"); got != iot.StatusRevoked {
		t.Fatalf("after two writes: %q, want REVOKED", got)
	}
	if n := f.readCount(); n != 1 {
		t.Fatalf("%d store reads, want 1: the written state was not kept", n)
	}
}

// TestEarlierWriterDoesNotOverwriteLater: an Update whose write of a certificate was
// followed by another Update's write of it, not yet settled, drops the entry instead of
// keeping its own, older, view.
func TestEarlierWriterDoesNotOverwriteLater(t *testing.T) {
	f := newFake("x")
	c := New(f, 0)
	bWrote := make(chan struct{})
	releaseB := make(chan struct{})
	bDone := make(chan error)
	aWrote := make(chan struct{})
	aDone := make(chan error)
	go func() {
		aDone <- c.Update(context.Background(), func(tx iot.Tx) error {
			if err := setStatus(tx, "x", iot.StatusActive); err != nil {
				return err
			}
			close(aWrote)
			<-bWrote // B writes after A, and A settles while B is still running
			return nil
		})
	}()
	<-aWrote
	go func() {
		bDone <- c.Update(context.Background(), func(tx iot.Tx) error {
			if err := setStatus(tx, "x", iot.StatusRevoked); err != nil {
				return err
			}
			close(bWrote)
			<-releaseB
			return nil
		})
	}()
	if err := <-aDone; err != nil {
		t.Fatal(err)
	}
	before := f.readCount()
	if got := status(t, c, "x"); got != iot.StatusRevoked {
		t.Fatalf("after A settled with B's later write pending: %q from the cache, want the store's REVOKED", got)
	}
	if f.readCount() != before+1 {
		t.Fatal("the read was served from memory: A kept its view over a later write")
	}
	close(releaseB)
	if err := <-bDone; err != nil {
		t.Fatal(err)
	}
	if got := status(t, c, "x"); got != iot.StatusRevoked {
		t.Fatalf("after B settled: %q, want REVOKED", got)
	}
}

// TestFailedUpdateKeepsNothing: an Update whose fn fails after writing leaves no entry of
// what it wrote.
func TestFailedUpdateKeepsNothing(t *testing.T) {
	f := newFake("x")
	c := New(f, 0)
	status(t, c, "x")
	failed := errors.New("fn failed")
	err := c.Update(context.Background(), func(tx iot.Tx) error {
		if err := setStatus(tx, "x", iot.StatusActive); err != nil {
			return err
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("Update returned %v", err)
	}
	before := f.readCount()
	status(t, c, "x")
	if f.readCount() != before+1 {
		t.Fatal("after a failed Update the certificate was served from memory")
	}
}
