package storetest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// testWriteAfterRefusedWrite checks that a write the store refuses with a sentinel does
// not end the transaction: fn may go on, and what it writes before and after commits. The
// domain relies on it (attaching a policy that is attached already succeeds).
func testWriteAfterRefusedWrite(t *testing.T, s iot.Store) {
	ctx := t.Context()
	c := newCert(regionA, acctA, "refused", iot.ModeDefault, at(0))
	p := newPolicy(regionA, acctA, "refused")
	update(t, s, func(tx iot.Tx) error {
		return errors.Join(tx.CreateCertificate(ctx, c), tx.CreatePolicy(ctx, p), tx.CreateSetting(ctx, "taken", []byte("1")),
			tx.CreateAccount(ctx, &iot.Account{ID: acctA, CreatedAt: at(0)}),
			tx.AttachPolicy(ctx, &iot.PolicyTarget{Region: regionA, Account: acctA, PolicyName: p.Name, Target: "t", CreatedAt: at(0)}))
	})
	calls := 0
	update(t, s, func(tx iot.Tx) error {
		calls++
		if err := tx.CreateSetting(ctx, "before", []byte("b")); err != nil {
			return err
		}
		for what, err := range map[string]error{
			"CreateSetting":   tx.CreateSetting(ctx, "taken", []byte("2")),
			"CreateAccount":   tx.CreateAccount(ctx, &iot.Account{ID: acctA, CreatedAt: at(1)}),
			"CreatePolicy":    tx.CreatePolicy(ctx, newPolicy(regionA, acctA, "refused")),
			"AttachPolicy":    tx.AttachPolicy(ctx, &iot.PolicyTarget{Region: regionA, Account: acctA, PolicyName: p.Name, Target: "t", CreatedAt: at(1)}),
			"DetachPolicy":    tx.DetachPolicy(ctx, regionA, acctA, p.Name, "absent"),
			"CreateAccessKey": tx.CreateAccessKey(ctx, &iot.AccessKey{ID: "AKIAREFUSED", Account: acctD, SealedSecret: []byte{1}, CreatedAt: at(1)}),
		} {
			want := iot.ErrAlreadyExists
			if what == "DetachPolicy" || what == "CreateAccessKey" {
				want = iot.ErrNotFound
			}
			expectErr(t, err, want, what+" refused inside a transaction")
		}
		dup := newCert(regionA, acctB, "refused", iot.ModeDefault, at(1))
		expectErr(t, tx.CreateCertificate(ctx, dup), iot.ErrAlreadyExists, "CreateCertificate refused inside a transaction")
		stale := *c
		stale.Version = 7
		expectErr(t, tx.PutCertificate(ctx, &stale), iot.ErrConflict, "PutCertificate refused inside a transaction")
		// The transaction still reads and writes.
		if got := mustRecord(t, tx, regionA, acctA, c.ID); got.Version != 1 {
			t.Errorf("record read after refused writes has Version %d", got.Version)
		}
		return tx.CreateSetting(ctx, "after", []byte("a"))
	})
	if calls != 1 {
		t.Errorf("fn ran %d times", calls)
	}
	for _, name := range []string{"before", "after"} {
		_, err := s.Setting(ctx, name)
		expectOK(t, err, "setting written "+name+" the refused writes")
	}
	v, err := s.Setting(ctx, "taken")
	expectOK(t, err, "Setting")
	expectEqual(t, v, []byte("1"), "setting whose second create was refused")
}

// testConcurrentCheckThenInsert races transactions that each insert a record only when a
// count they read is zero, as the first-start bootstrap does on several nodes at once. The
// count and the insert touch different rows, so only a serialisable store (not snapshot
// isolation, which allows this write skew) lets exactly one of them insert.
func testConcurrentCheckThenInsert(t *testing.T, s iot.Store) {
	ctx := t.Context()
	const workers = 12
	var inserted, sawNone atomic.Int32
	// overlap closes when two transactions have both read a zero count: each waits for it
	// (or, in a store that serialises writers and so never lets two get there, for a short
	// while) before it inserts, so that a store allowing write skew is caught every time.
	overlap := make(chan struct{})
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range workers {
		wg.Go(func() {
			<-start
			wrote := false
			err := s.Update(ctx, func(tx iot.Tx) error {
				wrote = false
				n, err := tx.CountAccounts(ctx)
				if err != nil || n > 0 {
					return err
				}
				if sawNone.Add(1) == 2 {
					close(overlap)
				}
				select {
				case <-overlap:
				case <-time.After(50 * time.Millisecond):
				}
				if err := tx.CreateAccount(ctx, &iot.Account{ID: fmt.Sprintf("9%011d", i), CreatedAt: at(i)}); err != nil {
					return err
				}
				wrote = true
				return nil
			})
			if err != nil {
				t.Errorf("worker %d: %v", i, err)
				return
			}
			if wrote {
				inserted.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	n, err := s.CountAccounts(ctx)
	expectOK(t, err, "CountAccounts")
	if n != 1 || inserted.Load() != 1 {
		t.Errorf("%d transactions inserted, %d accounts exist; want exactly 1", inserted.Load(), n)
	}
}

// testConcurrentCreateSameKey races inserts of one key: exactly one succeeds and every
// other gets ErrAlreadyExists (after whatever retries the store needs), never another
// error.
func testConcurrentCreateSameKey(t *testing.T, s iot.Store) {
	ctx := t.Context()
	const workers = 12
	var created atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range workers {
		wg.Go(func() {
			<-start
			err := s.Update(ctx, func(tx iot.Tx) error {
				return tx.CreatePolicy(ctx, newPolicy(regionA, acctA, "contested"))
			})
			switch {
			case err == nil:
				created.Add(1)
			case !errors.Is(err, iot.ErrAlreadyExists):
				t.Errorf("worker %d: %v, want nil or ErrAlreadyExists", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if n := created.Load(); n != 1 {
		t.Errorf("%d inserts of one key succeeded, want 1", n)
	}
	expectPolicy(t, s, newPolicy(regionA, acctA, "contested"))
}
