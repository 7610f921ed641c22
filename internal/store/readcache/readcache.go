// Package readcache keeps recently read certificate records in memory in front of a store
// that no other process writes certificates to: the embedded SQLite store, whose data
// directory one server holds at a time. A point read of a certificate (DescribeCertificate,
// and the lookup that starts every certificate operation outside a transaction) is then a
// map lookup instead of a query.
//
// Correctness rests on two rules:
//
//   - Every write of a certificate goes through Update of this Store, which records the
//     (region, ID) of each record it creates, replaces or deletes and drops those entries
//     once Update returns, before the writer is answered. A reader that found the entry
//     in between sees the state before a write that nobody has been told of yet.
//   - A reader that missed fills the entry only if no invalidation of its shard happened
//     while it read the store (a generation count per shard), so an old read can never
//     overwrite what an invalidation dropped.
//
// Records are copied in and out, so no caller shares one with the cache. The cache is
// bounded; a full shard is emptied, which costs one query per hot key.
//
// Do not put it in front of a store that other processes write (PostgreSQL with several
// nodes): it would serve their changes late.
package readcache

import (
	"context"
	"hash/maphash"
	"sync"

	"github.com/iotcertd/iotcertd/internal/iot"
)

const (
	shards = 64
	// DefaultEntries bounds the cached (region, certificate ID) keys of a Store.
	DefaultEntries = 16384
)

// Store is an iot.Store whose CertificatesByID is served from memory when it can be.
type Store struct {
	iot.Store
	seed     maphash.Seed
	perShard int
	shards   [shards]shard
}

type key struct{ region, id string }

type shard struct {
	mu sync.Mutex
	// gen counts the invalidations of keys of this shard.
	gen     uint64
	entries map[key][]iot.Certificate
}

// New returns s with a cache of at most entries certificate keys (DefaultEntries when
// entries is 0 or less).
func New(s iot.Store, entries int) *Store {
	if entries <= 0 {
		entries = DefaultEntries
	}
	c := &Store{Store: s, seed: maphash.MakeSeed(), perShard: max(1, entries/shards)}
	for i := range c.shards {
		c.shards[i].entries = make(map[key][]iot.Certificate)
	}
	return c
}

func (c *Store) shard(k key) *shard {
	var h maphash.Hash
	h.SetSeed(c.seed)
	h.WriteString(k.region)
	h.WriteByte(0)
	h.WriteString(k.id)
	return &c.shards[h.Sum64()%shards]
}

// CertificatesByID returns the records of a certificate, from memory when they are there.
func (c *Store) CertificatesByID(ctx context.Context, region, id string) ([]*iot.Certificate, error) {
	k := key{region, id}
	sh := c.shard(k)
	sh.mu.Lock()
	if recs, ok := sh.entries[k]; ok {
		out := copyOut(recs)
		sh.mu.Unlock()
		return out, nil
	}
	gen := sh.gen
	sh.mu.Unlock()

	recs, err := c.Store.CertificatesByID(ctx, region, id)
	if err != nil {
		return nil, err
	}
	in := copyIn(recs)
	sh.mu.Lock()
	if sh.gen == gen {
		if len(sh.entries) >= c.perShard {
			clear(sh.entries)
		}
		sh.entries[k] = in
	}
	sh.mu.Unlock()
	return recs, nil
}

// Update runs fn through the underlying store and then drops the entries of every
// certificate fn wrote, whatever the outcome (a failed commit leaves them unchanged, and
// dropping an entry is always safe).
func (c *Store) Update(ctx context.Context, fn func(tx iot.Tx) error) error {
	w := &writes{}
	err := c.Store.Update(ctx, func(tx iot.Tx) error {
		return fn(&recordingTx{Tx: tx, w: w})
	})
	if w.all {
		c.invalidateAll()
	}
	for _, k := range w.keys {
		c.invalidate(k)
	}
	return err
}

func (c *Store) invalidate(k key) {
	sh := c.shard(k)
	sh.mu.Lock()
	sh.gen++
	delete(sh.entries, k)
	sh.mu.Unlock()
}

func (c *Store) invalidateAll() {
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		sh.gen++
		clear(sh.entries)
		sh.mu.Unlock()
	}
}

// writes is what the attempts of one Update wrote. The store runs one attempt of fn at a
// time, so it needs no lock.
type writes struct {
	keys []key
	all  bool
}

// recordingTx is a transaction that notes the certificates it writes.
type recordingTx struct {
	iot.Tx
	w *writes
}

func (t *recordingTx) CreateCertificate(ctx context.Context, cert *iot.Certificate) error {
	t.w.keys = append(t.w.keys, key{cert.Region, cert.ID})
	return t.Tx.CreateCertificate(ctx, cert)
}

func (t *recordingTx) PutCertificate(ctx context.Context, cert *iot.Certificate) error {
	t.w.keys = append(t.w.keys, key{cert.Region, cert.ID})
	return t.Tx.PutCertificate(ctx, cert)
}

func (t *recordingTx) DeleteCertificate(ctx context.Context, cert *iot.Certificate) error {
	t.w.keys = append(t.w.keys, key{cert.Region, cert.ID})
	return t.Tx.DeleteCertificate(ctx, cert)
}

func (t *recordingTx) DeleteRegistryData(ctx context.Context) error {
	t.w.all = true
	return t.Tx.DeleteRegistryData(ctx)
}

func copyIn(recs []*iot.Certificate) []iot.Certificate {
	out := make([]iot.Certificate, len(recs))
	for i, r := range recs {
		out[i] = *r
	}
	return out
}

func copyOut(recs []iot.Certificate) []*iot.Certificate {
	out := make([]*iot.Certificate, len(recs))
	for i := range recs {
		r := recs[i]
		out[i] = &r
	}
	return out
}
