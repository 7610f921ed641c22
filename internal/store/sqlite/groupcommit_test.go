package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// oneBatch runs leader and then followers as concurrent Update calls that all share one
// batch: the leader's fn holds the write connection until every follower waits for it, so
// that the leader hands the batch on and the last follower commits it. It returns the
// error of each call, leader first, and the panic value of any call that panicked.
func oneBatch(t *testing.T, s *Store, ctxs []context.Context, fns ...func(tx iot.Tx) error) (errs []error, panics []any) {
	t.Helper()
	n := len(fns)
	if ctxs == nil {
		ctxs = make([]context.Context, n)
		for i := range ctxs {
			ctxs[i] = t.Context()
		}
	}
	var counted atomic.Int64
	allWaiting := make(chan struct{})
	s.testHookWaiting = func() {
		if counted.Add(1) == int64(n) {
			close(allWaiting)
		}
	}
	defer func() { s.testHookWaiting = nil }()

	errs, panics = make([]error, n), make([]any, n)
	leaderIn := make(chan struct{})
	var wg sync.WaitGroup
	call := func(i int, fn func(tx iot.Tx) error) {
		defer wg.Done()
		defer func() { panics[i] = recover() }()
		errs[i] = s.Update(ctxs[i], fn)
	}
	first := true
	leader := func(tx iot.Tx) error {
		if first { // a retry of the leader does not wait again
			first = false
			close(leaderIn)
			<-allWaiting
		}
		return fns[0](tx)
	}
	wg.Add(n)
	go call(0, leader)
	<-leaderIn
	for i := 1; i < n; i++ {
		go call(i, fns[i])
	}
	wg.Wait()
	return errs, panics
}

// setter returns a fn that stores setting name.
func setter(name string) func(tx iot.Tx) error {
	return func(tx iot.Tx) error {
		return tx.CreateSetting(context.Background(), name, []byte(name))
	}
}

// hasSetting reports whether setting name is committed.
func hasSetting(t *testing.T, s *Store, name string) bool {
	t.Helper()
	_, err := s.Setting(t.Context(), name)
	if err != nil && !errors.Is(err, iot.ErrNotFound) {
		t.Fatalf("Setting(%s): %v", name, err)
	}
	return err == nil
}

// TestGroupCommitSharesOneCommit queues 16 Updates behind one another and checks that they
// share commits as SetMaxBatch allows: all in one by default, four per commit at 4, and
// one commit each at 1 (no group commit), with every write committed.
func TestGroupCommitSharesOneCommit(t *testing.T) {
	const n = 16
	for _, limit := range []int{DefaultMaxBatch, 4, 1} {
		t.Run(fmt.Sprint("max=", limit), func(t *testing.T) {
			s, _ := openTest(t)
			s.SetMaxBatch(limit)
			fns := make([]func(iot.Tx) error, n)
			for i := range fns {
				fns[i] = setter(fmt.Sprint("s", i))
			}
			before := s.commits.Load()
			errs, _ := oneBatch(t, s, nil, fns...)
			for i, err := range errs {
				if err != nil {
					t.Errorf("Update %d: %v", i, err)
				}
				if !hasSetting(t, s, fmt.Sprint("s", i)) {
					t.Errorf("write of Update %d is not committed", i)
				}
			}
			want := uint64((n + limit - 1) / limit)
			if got := s.commits.Load() - before; got != want {
				t.Errorf("%d Updates took %d commits, want %d", n, got, want)
			}
		})
	}
}

// TestGroupCommitFailureIsolated fails fns in the middle of a batch, with a domain error,
// a refused write and a conflict, and checks that only their own writes are undone.
func TestGroupCommitFailureIsolated(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	if err := s.Update(ctx, setter("taken")); err != nil {
		t.Fatal(err)
	}
	domainErr := iot.Errorf(iot.CodeInvalidRequest, "the rule says no")
	conflicts := 0
	fns := []func(iot.Tx) error{
		setter("a"),
		setter("b"),
		func(tx iot.Tx) error { // a domain error after a write
			if err := tx.CreateSetting(ctx, "undone-1", []byte("x")); err != nil {
				return err
			}
			return domainErr
		},
		setter("c"),
		func(tx iot.Tx) error { // a write the database refuses, after one it accepted
			if err := tx.CreateSetting(ctx, "undone-2", []byte("x")); err != nil {
				return err
			}
			return tx.CreateSetting(ctx, "taken", []byte("again"))
		},
		func(tx iot.Tx) error { // a conflict, once: retried in a later batch
			conflicts++
			if err := tx.CreateSetting(ctx, fmt.Sprint("retried-", conflicts), []byte("x")); err != nil {
				return err
			}
			if conflicts == 1 {
				return iot.ErrConflict
			}
			return nil
		},
		setter("d"),
	}
	errs, _ := oneBatch(t, s, nil, fns...)
	for i, want := range []error{nil, nil, domainErr, nil, iot.ErrAlreadyExists, nil, nil} {
		if want == nil && errs[i] != nil || want != nil && !errors.Is(errs[i], want) {
			t.Errorf("Update %d: %v, want %v", i, errs[i], want)
		}
	}
	var de *iot.Error
	if !errors.As(errs[2], &de) || de != domainErr {
		t.Errorf("the domain error came back as %v", errs[2])
	}
	for name, want := range map[string]bool{
		"a": true, "b": true, "c": true, "d": true,
		"undone-1": false, "undone-2": false, "retried-1": false, "retried-2": true,
	} {
		if got := hasSetting(t, s, name); got != want {
			t.Errorf("setting %s committed: %v, want %v", name, got, want)
		}
	}
	if v, err := s.Setting(ctx, "taken"); err != nil || string(v) != "taken" {
		t.Errorf("the refused write changed %q, %v", v, err)
	}
	if conflicts != 2 {
		t.Errorf("the conflicting fn ran %d times, want 2", conflicts)
	}
}

func TestGroupCommitPanic(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	errs, panics := oneBatch(t, s, nil,
		setter("before"),
		func(tx iot.Tx) error {
			if err := tx.CreateSetting(ctx, "panicked", []byte("x")); err != nil {
				return err
			}
			panic("boom")
		},
		setter("after"),
	)
	if panics[1] != "boom" {
		t.Errorf("the panicking caller recovered %v, want its panic", panics[1])
	}
	for _, i := range []int{0, 2} {
		if errs[i] != nil || panics[i] != nil {
			t.Errorf("Update %d: %v, panic %v", i, errs[i], panics[i])
		}
	}
	if !hasSetting(t, s, "before") || !hasSetting(t, s, "after") || hasSetting(t, s, "panicked") {
		t.Errorf("after a panic in a batch: before %v, after %v, panicked %v; want true, true, false",
			hasSetting(t, s, "before"), hasSetting(t, s, "after"), hasSetting(t, s, "panicked"))
	}
}

// TestGroupCommitGoexit checks that a fn ending its goroutine (as t.FailNow does) undoes
// its writes and leaves the batch to the others.
func TestGroupCommitGoexit(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	errs, _ := oneBatch(t, s, nil,
		setter("before"),
		func(tx iot.Tx) error {
			// oneBatch runs each Update in a goroutine of its own, which this ends.
			if err := tx.CreateSetting(ctx, "exited", []byte("x")); err != nil {
				return err
			}
			runtime.Goexit()
			return nil
		},
		setter("after"),
	)
	if errs[0] != nil || errs[2] != nil {
		t.Errorf("the others failed: %v, %v", errs[0], errs[2])
	}
	if !hasSetting(t, s, "before") || !hasSetting(t, s, "after") || hasSetting(t, s, "exited") {
		t.Errorf("after Goexit in a batch: before %v, after %v, exited %v; want true, true, false",
			hasSetting(t, s, "before"), hasSetting(t, s, "after"), hasSetting(t, s, "exited"))
	}
}

func TestGroupCommitContext(t *testing.T) {
	s, _ := openTest(t)
	waitingCtx, cancelWaiting := context.WithCancel(t.Context())
	runningCtx, cancelRunning := context.WithCancel(t.Context())
	ran := false
	ctxs := []context.Context{t.Context(), waitingCtx, runningCtx, t.Context()}
	errs, _ := oneBatch(t, s, ctxs,
		func(tx iot.Tx) error {
			// Every follower waits for the turn now: cancel one of them there.
			cancelWaiting()
			return tx.CreateSetting(context.Background(), "first", nil)
		},
		func(tx iot.Tx) error {
			ran = true
			return tx.CreateSetting(context.Background(), "cancelled-waiting", nil)
		},
		func(tx iot.Tx) error {
			cancelRunning()
			// The statements of a cancelled caller still run: the shared transaction must
			// not be interrupted, or the others' writes would be lost.
			if err := tx.CreateSetting(runningCtx, "cancelled-running", nil); err != nil {
				return err
			}
			if _, err := tx.Setting(runningCtx, "first"); err != nil {
				return err
			}
			return nil
		},
		setter("last"),
	)
	if !errors.Is(errs[1], context.Canceled) || ran {
		t.Errorf("Update cancelled while waiting: %v, fn ran %v; want context.Canceled and no run", errs[1], ran)
	}
	if !errors.Is(errs[2], context.Canceled) {
		t.Errorf("Update cancelled while its fn ran: %v, want context.Canceled", errs[2])
	}
	if errs[0] != nil || errs[3] != nil {
		t.Errorf("the others failed: %v, %v", errs[0], errs[3])
	}
	for name, want := range map[string]bool{"first": true, "last": true, "cancelled-waiting": false, "cancelled-running": false} {
		if got := hasSetting(t, s, name); got != want {
			t.Errorf("setting %s committed: %v, want %v", name, got, want)
		}
	}
}

// TestGroupCommitLostTransaction ends the shared transaction in the middle of a batch:
// nobody's work may be reported as committed, and every caller of the batch retries.
func TestGroupCommitLostTransaction(t *testing.T) {
	for _, tc := range []struct {
		name string
		// lose ends the transaction of tt on the first run of the second fn.
		lose func(t *testing.T, tt *tx)
		// noticed is whether the store can tell at once, so that the fn's next write
		// fails rather than commit on its own outside the transaction.
		noticed bool
	}{
		// Nothing of iot.Tx can do this; the store finds out when it releases the fn's
		// savepoint.
		{"rolled back", func(t *testing.T, tt *tx) {
			if _, err := tt.q.ExecContext(context.Background(), "ROLLBACK"); err != nil {
				t.Fatal(err)
			}
		}, false},
		// An INSERT interrupted inside a transaction rolls the transaction back; this is
		// what a cancelled context would do if statements ran with the caller's context.
		{"interrupted", func(t *testing.T, tt *tx) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
			defer cancel()
			_, err := tt.q.ExecContext(ctx, `INSERT INTO settings (name, value)
				WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT 'n' || i, x'00' FROM n`)
			if err == nil {
				t.Fatal("an endless INSERT ended")
			}
			_ = tt.fail("endless insert", err)
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := openTest(t)
			ctx := t.Context()
			var runs [3]int
			var afterLoss error
			errs, _ := oneBatch(t, s, nil,
				func(t iot.Tx) error { runs[0]++; return t.CreateSetting(ctx, "a", nil) },
				func(it iot.Tx) error {
					runs[1]++
					if runs[1] == 1 {
						tc.lose(t, it.(*tx))
						if tc.noticed {
							// Outside the transaction this write would commit on its own.
							afterLoss = it.CreateSetting(ctx, "b", nil)
						}
						return nil
					}
					return it.CreateSetting(ctx, "b", nil)
				},
				func(t iot.Tx) error { runs[2]++; return t.CreateSetting(ctx, "c", nil) },
			)
			for i, err := range errs {
				if err != nil {
					t.Errorf("Update %d: %v", i, err)
				}
			}
			if tc.noticed && afterLoss == nil {
				t.Errorf("a write after the transaction was lost succeeded")
			}
			for _, name := range []string{"a", "b", "c"} {
				if !hasSetting(t, s, name) {
					t.Errorf("setting %s is not committed", name)
				}
			}
			if runs[0] != 2 || runs[1] != 2 {
				t.Errorf("runs %v: the fn before the loss and the one that lost it must run twice", runs)
			}
		})
	}
}

// TestGroupCommitConcurrent runs many writers at once, some failing, and checks that
// exactly the successful writes are committed.
func TestGroupCommitConcurrent(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	const writers, each = 32, 20
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				name := fmt.Sprintf("w%d-%d", w, i)
				err := s.Update(ctx, func(tx iot.Tx) error {
					if err := tx.CreateSetting(ctx, name, []byte(name)); err != nil {
						return err
					}
					if i%5 == 0 {
						return iot.Errorf(iot.CodeInvalidRequest, "no")
					}
					return nil
				})
				if (err != nil) != (i%5 == 0) {
					t.Errorf("Update %s: %v", name, err)
				}
			}
		})
	}
	wg.Wait()
	for w := range writers {
		for i := range each {
			name := fmt.Sprintf("w%d-%d", w, i)
			if got := hasSetting(t, s, name); got != (i%5 != 0) {
				t.Errorf("setting %s committed: %v", name, got)
			}
		}
	}
	if c := s.commits.Load(); c >= writers*each {
		t.Logf("%d commits for %d writes: no batching happened (possible on a lightly loaded machine)", c, writers*each)
	}
}

// TestCloseWhileWriting closes the store while writers are busy: every write that was
// acknowledged is in the file afterwards, and Update fails once the store is closed.
func TestCloseWhileWriting(t *testing.T) {
	path := t.TempDir() + "/iotcertd.db"
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	const writers, most = 8, 200
	var mu sync.Mutex
	var acked []string
	started := make(chan struct{}, writers*most)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range most {
				name := fmt.Sprintf("w%d-%d", w, i)
				if err := s.Update(t.Context(), setter(name)); err != nil {
					return
				}
				mu.Lock()
				acked = append(acked, name)
				mu.Unlock()
				started <- struct{}{}
			}
		})
	}
	for range writers {
		<-started
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err := s.Update(t.Context(), setter("late")); err == nil {
		t.Errorf("Update after Close succeeded")
	}
	s = openAt(t, path)
	for _, name := range acked {
		if !hasSetting(t, s, name) {
			t.Errorf("acknowledged write %s is not in the file", name)
		}
	}
}

// commitMode is a way the write benchmarks run: the store's SetMaxBatch limit, by name.
type commitMode struct {
	name     string
	maxBatch int
}

// commitModes are the two commit modes: group commit as the server runs it, and one commit
// (one fsync) per Update, the limit that group commit is there to beat, on the same disk
// with the same code.
func commitModes() []commitMode { return []commitMode{{"grouped", DefaultMaxBatch}, {"each", 1}} }

// writeParallel runs write from 16 concurrent callers (8 per GOMAXPROCS on a 2-core machine;
// b.SetParallelism scales), each with its own worker number, and reports commits/op: how
// many writes shared each fsync (1 when each commits alone).
func writeParallel(b *testing.B, s *Store, write func(worker int64, pb *testing.PB) error) {
	var workers atomic.Int64
	before := s.commits.Load()
	b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
	b.RunParallel(func(pb *testing.PB) {
		if err := write(workers.Add(1), pb); err != nil {
			b.Error(err)
		}
	})
	b.ReportMetric(float64(s.commits.Load()-before)/float64(b.N), "commits/op")
}

// BenchmarkUpdateParallel measures durable certificate updates from 16 concurrent callers,
// each on a certificate of its own, as the domain's UpdateCertificate does them: read by
// ID, put.
func BenchmarkUpdateParallel(b *testing.B) {
	ctx := context.Background()
	for _, mode := range commitModes() {
		b.Run("commit="+mode.name, func(b *testing.B) {
			s, certs := benchStore(b, 1_000)
			s.SetMaxBatch(mode.maxBatch)
			writeParallel(b, s, func(w int64, pb *testing.PB) error {
				bump := bumpVersion(ctx, certs[1+w%int64(len(certs)-1)])
				for pb.Next() {
					if err := s.Update(ctx, bump); err != nil {
						return err
					}
				}
				return nil
			})
		})
	}
}

// BenchmarkRegisterParallel measures durable registrations of new certificates from 16
// concurrent callers, as the domain's RegisterCertificateWithoutCA writes them: look the
// ID up, then create the record. IDs are SHA-256 digests, so each insert lands at a random
// place in the ID index, as a real certificate's does.
func BenchmarkRegisterParallel(b *testing.B) {
	ctx := context.Background()
	base := time.UnixMilli(1_700_000_000_000).UTC()
	for _, mode := range commitModes() {
		b.Run("commit="+mode.name, func(b *testing.B) {
			s, _ := benchStore(b, 1_000)
			s.SetMaxBatch(mode.maxBatch)
			var seq atomic.Int64
			writeParallel(b, s, func(_ int64, pb *testing.PB) error {
				for pb.Next() {
					n := seq.Add(1)
					c := cert("us-east-1", "111111111111", int(n), base.Add(time.Duration(n)*time.Millisecond))
					c.RecordID = fmt.Sprintf("bench-%012d", n)
					c.ID = fmt.Sprintf("%x", sha256.Sum256([]byte(c.RecordID)))
					c.Mode = iot.ModeSNIOnly
					err := s.Update(ctx, func(tx iot.Tx) error {
						recs, err := tx.CertificatesByID(ctx, c.Region, c.ID)
						if err != nil {
							return err
						}
						if len(recs) != 0 {
							return fmt.Errorf("%d records", len(recs))
						}
						return tx.CreateCertificate(ctx, c)
					})
					if err != nil {
						return err
					}
				}
				return nil
			})
		})
	}
}

// TestUpdateCertificateStateTouchesNoIndex keeps the columns updateCertificateState sets
// out of every index of the certificates table (key columns and partial-index conditions
// alike): an index added later on one of them would silently make every status change
// maintain it, and its WHERE clause must then name the column instead.
func TestUpdateCertificateStateTouchesNoIndex(t *testing.T) {
	s, _ := openTest(t)
	set, _, ok := strings.Cut(strings.TrimPrefix(updateCertificateState, "UPDATE certificates SET "), "WHERE")
	if !ok {
		t.Fatalf("unexpected statement %q", updateCertificateState)
	}
	rows, err := s.read.QueryContext(t.Context(),
		`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'certificates'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	word := func(col string) *regexp.Regexp { return regexp.MustCompile(`\b` + col + `\b`) }
	indexes := 0
	for rows.Next() {
		var name string
		var def sql.NullString
		if err := rows.Scan(&name, &def); err != nil {
			t.Fatal(err)
		}
		indexes++
		if !def.Valid { // the automatic index of the primary key, record_id
			continue
		}
		for _, assignment := range strings.Split(set, ",") {
			col := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(assignment), "= ?"))
			if word(col).MatchString(def.String) {
				t.Errorf("index %s reads %s, which updateCertificateState sets:\n%s", name, col, def.String)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if indexes < 5 {
		t.Fatalf("found %d indexes on certificates; the query is wrong", indexes)
	}
}
