package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// Group commit.
//
// With synchronous=FULL every commit waits for an fsync of the WAL, so one transaction per
// Update caps writes at the disk's fsync rate however many clients there are. Instead,
// concurrent Update calls share one transaction (a batch) and one commit:
//
//   - the callers take turns on the write connection (Store.turn). The first caller of a
//     batch begins the transaction (BEGIN IMMEDIATE); every caller runs its fn, in its own
//     goroutine, inside a SAVEPOINT of that transaction, and releases the savepoint when fn
//     succeeds or rolls back to it when fn fails, panics or its context ends, so that a
//     failing fn undoes its own writes and nobody else's;
//   - a caller that finishes its fn while other callers are waiting for the turn hands the
//     turn over without committing and waits; the caller that finds nobody waiting (or the
//     batch full) commits, once, and then every caller of the batch learns the outcome.
//     Nobody is answered before the commit has returned, so an acknowledged write is on
//     disk exactly as with a transaction of its own.
//
// Nothing waits for company: a lone caller commits at once, and batches form only from
// callers that arrived while the connection was busy, mostly with the previous fsync.
//
// The fns of a batch run one after another and each reads what the earlier ones wrote, so
// the batch is equivalent to running them serially, and a fn's result (success or error)
// counts only when the batch commits: when the commit fails, or the transaction is lost
// midway (a savepoint statement fails), every caller gets the batch's error and retries
// under the usual rules, also those whose fn failed, since their fn may have seen writes
// that were never committed.

// DefaultMaxBatch bounds the callers that share one commit, so that a steady stream of
// writers cannot postpone a commit, and the answers of those already in the batch,
// indefinitely. SetMaxBatch changes it.
const DefaultMaxBatch = 64

// Update retry policy: bounded exponential backoff with jitter.
const (
	maxAttempts = 10
	minBackoff  = time.Millisecond
	maxBackoff  = 100 * time.Millisecond
)

// errBatchLost reports a batch transaction that ended before its commit, taking with it
// the work of every caller in it; they all retry.
var errBatchLost = errors.New("sqlite: the shared transaction was rolled back before its commit")

// errClosed is the error of Update on a closed store.
var errClosed = errors.New("sqlite: the store is closed")

// batch is one transaction shared by the Update calls that joined it.
type batch struct {
	tx      *sql.Tx
	members int
	// lost is set when a savepoint statement failed: the transaction can no longer be
	// trusted to hold the earlier members' writes, so it is rolled back, not committed.
	lost bool
	// done is closed when the batch has committed or failed; err and retry are set before.
	done  chan struct{}
	err   error
	retry bool
	// stmts are the store's prepared statements bound to tx, made on first use: each
	// binding costs an allocation and a lock, and a batch's callers run the same few.
	stmts map[*sql.Stmt]*sql.Stmt
}

// stmt returns st bound to the batch's transaction. Only the holder of the turn calls it.
func (b *batch) stmt(st *sql.Stmt) *sql.Stmt {
	if bound, ok := b.stmts[st]; ok {
		return bound
	}
	bound := b.tx.StmtContext(context.Background(), st)
	if b.stmts == nil {
		b.stmts = make(map[*sql.Stmt]*sql.Stmt)
	}
	b.stmts[st] = bound
	return bound
}

// savepointStmts bracket each fn of a batch. One name serves every fn because each
// savepoint is released or rolled back to (and then released) before the next is opened.
type savepointStmts struct {
	open, release, rollback *sql.Stmt
}

func prepareSavepoint(ctx context.Context, db *sql.DB) (savepointStmts, error) {
	var sp savepointStmts
	var err error
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&sp.open, "SAVEPOINT fn"},
		{&sp.release, "RELEASE fn"},
		{&sp.rollback, "ROLLBACK TO fn"},
	} {
		if *p.dst, err = db.PrepareContext(ctx, p.query); err != nil {
			sp.close()
			return savepointStmts{}, fmt.Errorf("prepare %q: %w", p.query, err)
		}
	}
	return sp, nil
}

func (sp savepointStmts) close() error {
	var errs []error
	for _, st := range []*sql.Stmt{sp.open, sp.release, sp.rollback} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}

// exec runs one of the savepoint statements in tx.
func (b *batch) exec(st *sql.Stmt) error {
	_, err := b.stmt(st).ExecContext(context.Background())
	return err
}

// Update runs fn in a transaction, shared with the Update calls running at the same time
// (group commit, above), and returns once that transaction has committed, its writes
// synced to disk. It retries fn, after a backoff, when fn or the commit fails with
// iot.ErrConflict, SQLITE_BUSY or SQLITE_LOCKED, or when the shared transaction is lost;
// any other error of fn rolls back fn's writes only and comes back unchanged. A panic in
// fn rolls back fn's writes and goes on in the caller, as does runtime.Goexit.
//
// ctx is checked before fn runs and after it returns, and an Update whose ctx is done by
// then writes nothing; the statements fn runs are not interrupted by ctx, because they
// share the transaction with other callers. fn must not call Update itself: the write
// connection is busy with its transaction.
func (s *Store) Update(ctx context.Context, fn func(tx iot.Tx) error) error {
	backoff := minBackoff
	for attempt := 1; ; attempt++ {
		retry, err := s.attempt(ctx, fn)
		if err == nil || !retry || attempt == maxAttempts {
			return err
		}
		if cerr := ctx.Err(); cerr != nil {
			return errors.Join(cerr, err)
		}
		// Full jitter over the upper half of the interval.
		d := backoff/2 + rand.N(backoff/2+1)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(ctx.Err(), err)
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// attempt runs fn once in a batch and reports whether its failure is worth a retry.
func (s *Store) attempt(ctx context.Context, fn func(tx iot.Tx) error) (retry bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("sqlite: update: %w", err)
	}
	// Waiting for the turn does not give up when ctx ends: the holder of the turn may have
	// counted this caller as the one who will commit the batch (see end), and the wait is
	// bounded by the fns and the commit ahead. ctx is checked again once the turn is ours.
	s.waiting.Add(1)
	if s.testHookWaiting != nil {
		s.testHookWaiting()
	}
	s.turn <- struct{}{}
	s.waiting.Add(-1)
	if s.closed {
		<-s.turn
		return false, errClosed
	}

	b := s.open
	if b == nil {
		sqlTx, err := s.write.BeginTx(context.Background(), nil)
		if err != nil {
			<-s.turn
			return transient(err), fmt.Errorf("sqlite: begin: %w", err)
		}
		b = &batch{tx: sqlTx, done: make(chan struct{})}
		s.open = b
	}

	var busy bool
	var fnErr error
	// ended is set once this caller has handed on the turn. Until then the deferred call
	// does it, so that it also happens when fn panics or calls runtime.Goexit, after
	// rolling back fn's savepoint; the panic then goes on in the caller.
	ended := false
	defer func() {
		if ended {
			return
		}
		if !b.lost && (b.exec(s.savepoint.rollback) != nil || b.exec(s.savepoint.release) != nil) {
			b.lost = true
		}
		s.end(b)
	}()
	switch {
	case b.lost:
	case ctx.Err() != nil:
		fnErr = fmt.Errorf("sqlite: update: %w", ctx.Err())
	case b.exec(s.savepoint.open) != nil:
		b.lost = true
	default:
		t := &tx{reader{q: b.tx, stmts: s.writeStmts, busy: &busy, batch: b}}
		fnErr = fn(t)
		if fnErr == nil && ctx.Err() != nil {
			// Cancelled while fn ran: write nothing, as a transaction of its own would
			// have been rolled back by its context.
			fnErr = fmt.Errorf("sqlite: update: %w", ctx.Err())
		}
		if fnErr != nil && b.exec(s.savepoint.rollback) != nil {
			b.lost = true
		}
		if !b.lost && b.exec(s.savepoint.release) != nil {
			b.lost = true
		}
	}
	ended = true
	s.end(b) // may commit b, when this caller is the last of it

	<-b.done
	switch {
	case b.err != nil:
		return b.retry, b.err
	case fnErr != nil:
		return busy || errors.Is(fnErr, iot.ErrConflict) || transient(fnErr), fnErr
	}
	return false, nil
}

// end is called by the holder of the turn when its part of batch b is over. While other
// callers wait for the turn and b has room, it hands the turn on and leaves the commit to
// them; otherwise it finishes b. Waiting callers always get the turn in the end (attempt
// never abandons the wait), so a batch left open is always finished by one of them.
func (s *Store) end(b *batch) {
	b.members++
	if !b.lost && b.members < s.maxBatch && s.waiting.Load() > 0 {
		<-s.turn
		return
	}
	s.finish(b)
	<-s.turn
}

// SetMaxBatch sets how many callers of Update may share one commit (DefaultMaxBatch after
// Open). With 1, every Update commits on its own: one fsync per write, as without group
// commit, which is what the benchmarks compare group commit with. Call it before the store
// is used; n < 1 counts as 1.
func (s *Store) SetMaxBatch(n int) {
	s.maxBatch = max(1, n)
}

// MaxBatch returns how many callers of Update may share one commit.
func (s *Store) MaxBatch() int { return s.maxBatch }

// finish commits b (or rolls it back when it was lost) and tells its members. The caller
// holds the turn.
func (s *Store) finish(b *batch) {
	s.open = nil
	switch {
	case b.lost:
		_ = b.tx.Rollback()
		b.err, b.retry = errBatchLost, true
	default:
		if err := b.tx.Commit(); err != nil {
			b.err = fmt.Errorf("sqlite: commit: %w", err)
			b.retry = errors.Is(err, iot.ErrConflict) || transient(err)
		} else {
			s.commits.Add(1)
		}
	}
	close(b.done)
}
