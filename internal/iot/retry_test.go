package iot_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/iotcertd/iotcertd/internal/iot"
	"github.com/iotcertd/iotcertd/internal/secrets"
	"github.com/iotcertd/iotcertd/internal/store/sqlite"
)

// errLost stands for the serialization failure of a transaction that lost a race.
var errLost = errors.New("lost the race")

// losingStore makes the next Update lose a race the way a PostgreSQL node can: fn runs once
// and its writes are thrown away, rival commits, and then fn runs again and commits.
type losingStore struct {
	iot.Store
	rival func(ctx context.Context, tx iot.Tx) error
	runs  int
}

func (s *losingStore) Update(ctx context.Context, fn func(tx iot.Tx) error) error {
	if s.rival != nil {
		rival := s.rival
		s.rival = nil
		err := s.Store.Update(ctx, func(tx iot.Tx) error {
			s.runs++
			if err := fn(tx); err != nil {
				return err
			}
			return errLost
		})
		if !errors.Is(err, errLost) {
			return err
		}
		if err := s.Store.Update(ctx, func(tx iot.Tx) error { return rival(ctx, tx) }); err != nil {
			return err
		}
	}
	s.runs++
	return s.Store.Update(ctx, fn)
}

// newLosingService returns a service on a real SQLite store behind a losingStore.
func newLosingService(t *testing.T) (*iot.Service, *losingStore) {
	t.Helper()
	st, sealer := openStore(t)
	ls := &losingStore{Store: st}
	svc, err := iot.NewService(context.Background(), iot.Config{Store: ls, Sealer: sealer})
	if err != nil {
		t.Fatal(err)
	}
	ls.runs = 0
	return svc, ls
}

// TestBootstrapAfterLostRace checks that a server whose first-account transaction lost to
// another server's reports that it created nothing: the account it made in the lost run
// was rolled back, and the store holds only the winner's.
func TestBootstrapAfterLostRace(t *testing.T) {
	ctx := context.Background()
	svc, ls := newLosingService(t)
	ls.rival = func(ctx context.Context, tx iot.Tx) error {
		return tx.CreateAccount(ctx, &iot.Account{ID: "111122223333"})
	}
	acct, err := svc.BootstrapAccount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ls.runs != 2 {
		t.Fatalf("the transaction ran %d times, want 2", ls.runs)
	}
	if acct != nil {
		t.Errorf("BootstrapAccount reported account %s, which the lost run made and which was rolled back", acct.AccountID)
	}
	n, err := svc.CountAccounts(ctx)
	if err != nil || n != 1 {
		t.Errorf("%d accounts (%v), want only the rival's", n, err)
	}
	if _, err := ls.Store.Account(ctx, "111122223333"); err != nil {
		t.Errorf("the rival's account: %v", err)
	}
}

// TestCreateThingAfterLostRace checks that CreateThing, whose first run found an equal
// thing that a rival then deleted, creates and returns a new thing rather than the deleted
// one.
func TestCreateThingAfterLostRace(t *testing.T) {
	ctx := context.Background()
	svc, ls := newLosingService(t)
	c := iot.Caller{Account: "111122223333", Region: "us-east-1"}
	in := iot.CreateThingInput{ThingName: "sensor", Attributes: map[string]string{"k": "v"}}
	old, err := svc.CreateThing(ctx, c, in)
	if err != nil {
		t.Fatal(err)
	}
	ls.runs = 0
	ls.rival = func(ctx context.Context, tx iot.Tx) error { return tx.DeleteThing(ctx, old) }
	got, err := svc.CreateThing(ctx, c, in)
	if err != nil {
		t.Fatal(err)
	}
	if ls.runs != 2 {
		t.Fatalf("the transaction ran %d times, want 2", ls.runs)
	}
	stored, err := svc.DescribeThing(ctx, c, "sensor")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID == old.ID || got.ID != stored.ID {
		t.Errorf("CreateThing returned thing ID %s; the deleted thing had %s and the stored one has %s", got.ID, old.ID, stored.ID)
	}
	if got.Attributes["k"] != "v" || got.Version != 1 {
		t.Errorf("CreateThing returned %+v", got)
	}
}

// openStore opens a real SQLite store in a temporary directory, closed when the test ends,
// and a sealer with an all-zero key.
func openStore(t *testing.T) (iot.Store, *secrets.Sealer) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	sealer, err := secrets.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	return st, sealer
}
