package readcache

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

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
