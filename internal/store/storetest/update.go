package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/iotcertd/iotcertd/internal/iot"
)

func testUpdateRetriesConflicts(t *testing.T, s iot.Store) {
	ctx := t.Context()
	calls := 0
	err := s.Update(ctx, func(tx iot.Tx) error {
		calls++
		// Every attempt writes the same key: an attempt that was not rolled back would make
		// the next one fail with ErrAlreadyExists.
		if err := tx.CreateSetting(ctx, "retried", []byte{byte(calls)}); err != nil {
			return err
		}
		if err := tx.CreateSetting(ctx, fmt.Sprintf("attempt-%d", calls), []byte{1}); err != nil {
			return err
		}
		if calls < 3 {
			return fmt.Errorf("lost a race: %w", iot.ErrConflict)
		}
		return nil
	})
	expectOK(t, err, "Update")
	if calls != 3 {
		t.Errorf("fn ran %d times, want 3", calls)
	}
	v, err := s.Setting(ctx, "retried")
	expectOK(t, err, "Setting")
	if !bytes.Equal(v, []byte{3}) {
		t.Errorf("committed value %v, want the third attempt's [3]", v)
	}
	for i, want := range []error{iot.ErrNotFound, iot.ErrNotFound, nil} {
		_, err := s.Setting(ctx, fmt.Sprintf("attempt-%d", i+1))
		if !errors.Is(err, want) {
			t.Errorf("write of attempt %d: got %v, want %v", i+1, err, want)
		}
	}

	// A real stale write (not a returned sentinel) is retried the same way.
	c := newCert(regionA, acctA, "retry", iot.ModeDefault, at(0))
	createCerts(t, s, c)
	stale := *c
	putCert(t, s, c)
	calls = 0
	update(t, s, func(tx iot.Tx) error {
		calls++
		target := &stale
		if calls > 1 { // read again, as the domain does
			target = mustRecord(t, tx, regionA, acctA, c.ID)
		}
		target.CustomerVersion = 99
		return tx.PutCertificate(ctx, target)
	})
	if calls != 2 {
		t.Errorf("fn with a stale put ran %d times, want 2", calls)
	}
	if got := mustRecord(t, s, regionA, acctA, c.ID); got.CustomerVersion != 99 || got.Version != 3 {
		t.Errorf("after the retried put: CustomerVersion %d Version %d, want 99 and 3", got.CustomerVersion, got.Version)
	}
}

func testUpdateGivesUp(t *testing.T, s iot.Store) {
	calls := 0
	err := s.Update(t.Context(), func(tx iot.Tx) error {
		calls++
		return iot.ErrConflict
	})
	expectErr(t, err, iot.ErrConflict, "Update whose fn always conflicts")
	if calls < 2 || calls > 100 {
		t.Errorf("fn ran %d times; want a bounded number of retries", calls)
	}
}

func testUpdateHonoursContext(t *testing.T, s iot.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	calls := 0
	err := s.Update(ctx, func(tx iot.Tx) error {
		calls++
		cancel()
		return iot.ErrConflict
	})
	expectErr(t, err, context.Canceled, "Update cancelled during a retry")
	if calls != 1 {
		t.Errorf("fn ran %d times after its context was cancelled", calls)
	}
	// The store still works.
	update(t, s, func(tx iot.Tx) error { return tx.CreateSetting(t.Context(), "after", nil) })
}

func testUpdateReturnsDomainErrors(t *testing.T, s iot.Store) {
	ctx := t.Context()
	domainErr := iot.Errorf(iot.CodeInvalidRequest, "the rule says no")
	c := newCert(regionA, acctA, "rolled-back", iot.ModeDefault, at(0))
	calls := 0
	err := s.Update(ctx, func(tx iot.Tx) error {
		calls++
		if err := tx.CreateCertificate(ctx, c); err != nil {
			return err
		}
		if err := tx.CreateSetting(ctx, "rolled-back", []byte("x")); err != nil {
			return err
		}
		return domainErr
	})
	var de *iot.Error
	if !errors.As(err, &de) || de.Code != iot.CodeInvalidRequest || de.Message != domainErr.Message {
		t.Fatalf("Update returned %v, want the domain error", err)
	}
	if de != domainErr {
		t.Errorf("Update returned a different *iot.Error than fn's")
	}
	if calls != 1 {
		t.Errorf("fn returning a domain error ran %d times", calls)
	}
	if record(t, s, regionA, acctA, c.ID) != nil {
		t.Errorf("the certificate written before the domain error was committed")
	}
	_, err = s.Setting(ctx, "rolled-back")
	expectErr(t, err, iot.ErrNotFound, "setting written before the domain error")
}

func testUpdateReturnsStoreErrors(t *testing.T, s iot.Store) {
	ctx := t.Context()
	for _, want := range []error{iot.ErrNotFound, iot.ErrAlreadyExists, errors.New("plain failure")} {
		calls := 0
		err := s.Update(ctx, func(tx iot.Tx) error {
			calls++
			if err := tx.CreateSetting(ctx, "never", []byte("x")); err != nil {
				return err
			}
			return fmt.Errorf("wrapped: %w", want)
		})
		expectErr(t, err, want, "Update")
		if calls != 1 {
			t.Errorf("fn returning %v ran %d times", want, calls)
		}
	}
	_, err := s.Setting(ctx, "never")
	expectErr(t, err, iot.ErrNotFound, "setting written before a failure")

	// A failed write inside fn, returned as is, fails the transaction.
	update(t, s, func(tx iot.Tx) error { return tx.CreateSetting(ctx, "taken", []byte("1")) })
	err = s.Update(ctx, func(tx iot.Tx) error {
		if err := tx.CreateSetting(ctx, "written-first", []byte("2")); err != nil {
			return err
		}
		return tx.CreateSetting(ctx, "taken", []byte("2"))
	})
	expectErr(t, err, iot.ErrAlreadyExists, "Update whose write is refused")
	_, err = s.Setting(ctx, "written-first")
	expectErr(t, err, iot.ErrNotFound, "write before the refused one")
}

func testUpdateSurvivesPanic(t *testing.T, s iot.Store) {
	ctx := t.Context()
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the panic of fn", r)
			}
		}()
		_ = s.Update(ctx, func(tx iot.Tx) error {
			if err := tx.CreateSetting(ctx, "panicked", []byte("x")); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	_, err := s.Setting(ctx, "panicked")
	expectErr(t, err, iot.ErrNotFound, "setting written before a panic")
	update(t, s, func(tx iot.Tx) error { return tx.CreateSetting(ctx, "after", []byte("y")) })
}

func testConcurrentSettlement(t *testing.T, s iot.Store) {
	ctx := t.Context()
	c := newCert(regionA, acctA, "contested", iot.ModeDefault, at(0))
	c.Status = iot.StatusPendingTransfer
	c.Transfer = iot.TransferData{Target: acctB, TransferDate: at(1)}
	createCerts(t, s, c)

	const workers = 32
	var settled atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range workers {
		wg.Go(func() {
			<-start
			wrote := false
			err := s.Update(ctx, func(tx iot.Tx) error {
				wrote = false
				recs, err := tx.CertificatesByID(ctx, regionA, c.ID)
				if err != nil {
					return err
				}
				if len(recs) != 1 {
					return fmt.Errorf("%d records", len(recs))
				}
				cert := recs[0]
				if cert.Transfer.Target == "" {
					return nil // someone else settled it
				}
				switch i % 3 {
				case 0: // accept
					cert.PreviousOwner, cert.Owner = cert.Owner, cert.Transfer.Target
					cert.Transfer.AcceptDate = at(2)
				case 1: // reject
					cert.Transfer.RejectDate = at(2)
				}
				cert.Status = iot.StatusInactive
				cert.Transfer.Target = ""
				if err := tx.PutCertificate(ctx, cert); err != nil {
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
				settled.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if n := settled.Load(); n != 1 {
		t.Errorf("%d transactions settled the transfer, want exactly 1", n)
	}
	recs, err := s.CertificatesByID(ctx, regionA, c.ID)
	expectOK(t, err, "CertificatesByID")
	if len(recs) != 1 || recs[0].Transfer.Target != "" || recs[0].Version != 2 {
		t.Errorf("after the race: %+v, want one settled record at version 2", recs)
	}
}

func testConcurrentIncrements(t *testing.T, s iot.Store) {
	ctx := t.Context()
	c := newCert(regionA, acctA, "counter", iot.ModeDefault, at(0))
	c.CustomerVersion = 0
	createCerts(t, s, c)

	const workers, each = 8, 16
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range workers {
		wg.Go(func() {
			<-start
			for range each {
				err := s.Update(ctx, func(tx iot.Tx) error {
					recs, err := tx.CertificatesByID(ctx, regionA, c.ID)
					if err != nil {
						return err
					}
					if len(recs) != 1 {
						return fmt.Errorf("%d records", len(recs))
					}
					cert := recs[0]
					cert.CustomerVersion++
					return tx.PutCertificate(ctx, cert)
				})
				if err != nil {
					t.Errorf("worker %d: %v", w, err)
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()
	got := mustRecord(t, s, regionA, acctA, c.ID)
	if got.CustomerVersion != workers*each || got.Version != 1+workers*each {
		t.Errorf("after %d increments: CustomerVersion %d, Version %d; want %d and %d", workers*each,
			got.CustomerVersion, got.Version, workers*each, 1+workers*each)
	}
}
