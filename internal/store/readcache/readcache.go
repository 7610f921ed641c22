// Package readcache keeps recently read certificate records in memory in front of a store
// that no other process writes certificates to: the embedded SQLite store, whose data
// directory one server holds at a time. A point read of a certificate (DescribeCertificate,
// and the lookup that starts every certificate operation) is then a map lookup instead of a
// query.
//
// Correctness rests on these rules:
//
//   - Every write of a certificate goes through Update of this Store, which records the
//     (region, ID) of each record it creates, replaces or deletes, marks the key dirty
//     before the write reaches the store, and settles the key once the underlying Update
//     has returned, before the writer is answered: it drops the entry, or replaces it with
//     the records as this Update left them (below). A reader that found the old entry in
//     between sees the state before a write that nobody has been told of yet.
//   - A reader that missed fills the entry only if no settlement in its shard happened
//     while it read the store (a generation count per shard), so an old read can never
//     overwrite what a settlement put there.
//   - A transaction's read of a certificate (the read that starts every certificate write)
//     is served from memory only when the key is clean: no Update that has written it is
//     still running. The SQLite store commits concurrent Updates together, so a dirty key
//     may have writes in the shared transaction that memory does not hold; it is read
//     from the transaction. A clean key's entry holds the last committed state, which is
//     what the transaction would read.
//   - After a successful Update, its view of a certificate it wrote (what its transaction
//     read, with its own writes applied) becomes the entry, but only if no later write of
//     that certificate was made meanwhile: writes are numbered as they are made, and the
//     SQLite store runs the fns of its Updates one at a time, in commit order, so the
//     highest number is the last state committed. Otherwise the entry is dropped. Keeping
//     the written state means a certificate that is written again and again is still read
//     from memory.
//
// Records are copied in and out, so no caller shares one with the cache. The cache is
// bounded; a full shard is emptied, which costs one query per hot key.
//
// Do not put it in front of a store that other processes write (PostgreSQL with several
// nodes): it would serve their changes late. It relies on the store running the fns of
// Updates one at a time, as the SQLite store does.
package readcache

import (
	"cmp"
	"context"
	"hash/maphash"
	"slices"
	"sync"
	"sync/atomic"

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
	// allDirty counts the Updates running that deleted all registry data: while one
	// runs, every key is dirty.
	allDirty atomic.Int64
	// writeSeq numbers the certificate writes in the order they are made.
	writeSeq atomic.Uint64
}

type key struct{ region, id string }

type shard struct {
	mu sync.Mutex
	// gen counts the settlements of keys of this shard.
	gen     uint64
	entries map[key][]iot.Certificate
	// dirty holds the keys that Updates still running have written: how many such
	// Updates, and the number of the last write made.
	dirty map[key]dirtyKey
}

type dirtyKey struct {
	updates   int
	lastWrite uint64
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
		c.shards[i].dirty = make(map[key]dirtyKey)
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
	return c.get(ctx, key{region, id}, false, c.Store.CertificatesByID)
}

// get returns the records of k from memory, or else from read, and then keeps them when no
// settlement in k's shard happened meanwhile. With inTx (a read inside an Update), a dirty
// key is read with read and not kept: the transaction may hold writes of it that are not
// committed.
func (c *Store) get(ctx context.Context, k key, inTx bool, read func(ctx context.Context, region, id string) ([]*iot.Certificate, error)) ([]*iot.Certificate, error) {
	sh := c.shard(k)
	sh.mu.Lock()
	if inTx && (sh.dirty[k].updates > 0 || c.allDirty.Load() > 0) {
		sh.mu.Unlock()
		return read(ctx, k.region, k.id)
	}
	if recs, ok := sh.entries[k]; ok {
		out := copyOut(recs)
		sh.mu.Unlock()
		return out, nil
	}
	gen := sh.gen
	sh.mu.Unlock()

	recs, err := read(ctx, k.region, k.id)
	if err != nil {
		return nil, err
	}
	in := copyIn(recs)
	sh.mu.Lock()
	if sh.gen == gen {
		sh.put(k, in, c.perShard)
	}
	sh.mu.Unlock()
	return recs, nil
}

// put keeps recs as k's entry, emptying the shard first when it is full. The caller holds
// sh.mu.
func (sh *shard) put(k key, recs []iot.Certificate, perShard int) {
	if _, ok := sh.entries[k]; !ok && len(sh.entries) >= perShard {
		clear(sh.entries)
	}
	sh.entries[k] = recs
}

// Update runs fn through the underlying store and then settles every certificate fn
// wrote, whatever the outcome (a failed Update wrote nothing, and dropping an entry is
// always safe).
func (c *Store) Update(ctx context.Context, fn func(tx iot.Tx) error) error {
	w := &writes{}
	var last *recordingTx
	err := c.Store.Update(ctx, func(tx iot.Tx) error {
		last = &recordingTx{Tx: tx, c: c, w: w, views: map[key]*view{}}
		return fn(last)
	})
	if w.all {
		c.invalidateAll()
	}
	for k, seq := range w.keys {
		var v *view
		if err == nil && !w.all && last != nil {
			v = last.views[k]
		}
		c.settle(k, seq, v)
	}
	if w.all {
		c.allDirty.Add(-1)
	}
	return err
}

// settle takes back one Update's dirty mark of k, whose last write by that Update was
// number seq, and replaces k's entry with v when v is known and no later write of k was
// made; otherwise it drops the entry.
func (c *Store) settle(k key, seq uint64, v *view) {
	sh := c.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.gen++
	d := sh.dirty[k]
	if v != nil && v.known && d.lastWrite == seq {
		sh.put(k, slices.Clone(v.recs), c.perShard)
	} else {
		delete(sh.entries, k)
	}
	if d.updates > 1 {
		d.updates--
		sh.dirty[k] = d
	} else {
		delete(sh.dirty, k)
	}
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

// writes is what the attempts of one Update wrote: each key with the number of the last
// write of it. The store runs one attempt of fn at a time, so it needs no lock.
type writes struct {
	keys map[key]uint64
	all  bool
}

// view is what a transaction knows of a certificate's records: what it read, with its own
// writes applied since, in the store's order (by owner). known is false when the
// transaction wrote the certificate without reading it first.
type view struct {
	recs  []iot.Certificate
	known bool
}

// recordingTx is a transaction that marks dirty, and numbers, the certificate writes it
// makes, keeps its view of the certificates it touches, and reads clean keys from memory.
type recordingTx struct {
	iot.Tx
	c     *Store
	w     *writes
	views map[key]*view
}

// wrote marks k dirty (once per Update) and numbers the write about to be made, before
// it goes to the store.
func (t *recordingTx) wrote(k key) {
	sh := t.c.shard(k)
	sh.mu.Lock()
	d := sh.dirty[k]
	if t.w.keys == nil {
		t.w.keys = make(map[key]uint64)
	}
	if _, ok := t.w.keys[k]; !ok {
		d.updates++
	}
	d.lastWrite = t.c.writeSeq.Add(1)
	sh.dirty[k] = d
	sh.mu.Unlock()
	t.w.keys[k] = d.lastWrite
}

// apply changes t's view of k by a write that succeeded: change adds, replaces or removes
// the record it wrote.
func (t *recordingTx) apply(k key, change func(recs []iot.Certificate) []iot.Certificate) {
	v := t.views[k]
	if v == nil {
		t.views[k] = &view{}
		return
	}
	if v.known {
		v.recs = change(v.recs)
		slices.SortStableFunc(v.recs, func(a, b iot.Certificate) int { return cmp.Compare(a.Owner, b.Owner) })
	}
}

func (t *recordingTx) CertificatesByID(ctx context.Context, region, id string) ([]*iot.Certificate, error) {
	k := key{region, id}
	recs, err := t.c.get(ctx, k, true, t.Tx.CertificatesByID)
	if err == nil {
		t.views[k] = &view{recs: copyIn(recs), known: true}
	}
	return recs, err
}

// write makes one certificate write of cert through do, marking its key dirty first, and
// on success applies change to the transaction's view of the certificate; a failed write
// leaves the view unknown.
func (t *recordingTx) write(cert *iot.Certificate, do func() error, change func(recs []iot.Certificate) []iot.Certificate) error {
	k := key{cert.Region, cert.ID}
	t.wrote(k)
	if err := do(); err != nil {
		delete(t.views, k)
		return err
	}
	t.apply(k, change)
	return nil
}

// sameRecord reports whether r is the record cert writes.
func sameRecord(cert *iot.Certificate) func(r iot.Certificate) bool {
	return func(r iot.Certificate) bool { return r.RecordID == cert.RecordID }
}

func (t *recordingTx) CreateCertificate(ctx context.Context, cert *iot.Certificate) error {
	return t.write(cert, func() error { return t.Tx.CreateCertificate(ctx, cert) },
		func(recs []iot.Certificate) []iot.Certificate { return append(recs, *cert) })
}

func (t *recordingTx) PutCertificate(ctx context.Context, cert *iot.Certificate) error {
	return t.write(cert, func() error { return t.Tx.PutCertificate(ctx, cert) },
		func(recs []iot.Certificate) []iot.Certificate {
			if i := slices.IndexFunc(recs, sameRecord(cert)); i >= 0 {
				recs[i] = *cert
				return recs
			}
			return append(recs, *cert)
		})
}

func (t *recordingTx) DeleteCertificate(ctx context.Context, cert *iot.Certificate) error {
	return t.write(cert, func() error { return t.Tx.DeleteCertificate(ctx, cert) },
		func(recs []iot.Certificate) []iot.Certificate { return slices.DeleteFunc(recs, sameRecord(cert)) })
}

func (t *recordingTx) DeleteRegistryData(ctx context.Context) error {
	if !t.w.all {
		t.c.allDirty.Add(1)
		t.w.all = true
	}
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
