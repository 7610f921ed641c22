package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/iotcertd/iotcertd/internal/iot"
)

func newThing(region, account, name string, attrs map[string]string) *iot.Thing {
	return &iot.Thing{Region: region, Account: account, Name: name, ID: hexID("thing/"+region+account+name, 16),
		Attributes: attrs, CreatedAt: at(len(name))}
}

func createThings(t *testing.T, s iot.Store, things ...*iot.Thing) {
	t.Helper()
	update(t, s, func(tx iot.Tx) error {
		for _, th := range things {
			if err := tx.CreateThing(t.Context(), th); err != nil {
				return fmt.Errorf("create thing %s: %w", th.Name, err)
			}
		}
		return nil
	})
}

func testThings(t *testing.T, s iot.Store) {
	ctx := t.Context()
	th := newThing(regionA, acctA, "sensor-1", map[string]string{"colour": "red", "empty": "", "k:/#": "v=[1]"})
	th.TypeName, th.BillingGroupName = "type", "group"
	bare := newThing(regionA, acctA, "bare", nil)
	createThings(t, s, th, bare)
	if th.Version != 1 || bare.Version != 1 {
		t.Errorf("CreateThing left Versions %d and %d, want 1", th.Version, bare.Version)
	}
	got, err := s.Thing(ctx, regionA, acctA, "sensor-1")
	expectOK(t, err, "Thing")
	expectEqual(t, got, th, "thing")
	got, err = s.Thing(ctx, regionA, acctA, "bare")
	expectOK(t, err, "Thing")
	if got.Attributes == nil {
		t.Errorf("a thing without attributes came back with nil Attributes, want an empty map")
	}
	bare.Attributes = map[string]string{}
	expectEqual(t, got, bare, "thing without attributes")

	err = s.Update(ctx, func(tx iot.Tx) error { return tx.CreateThing(ctx, newThing(regionA, acctA, "sensor-1", nil)) })
	expectErr(t, err, iot.ErrAlreadyExists, "create a taken thing name")
	_, err = s.Thing(ctx, regionA, acctA, "absent")
	expectErr(t, err, iot.ErrNotFound, "Thing of an absent name")

	stale := *th
	stale.Version = 2
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.DeleteThing(ctx, &stale) })
	expectErr(t, err, iot.ErrConflict, "delete a thing at another version")
	update(t, s, func(tx iot.Tx) error { return tx.DeleteThing(ctx, th) })
	_, err = s.Thing(ctx, regionA, acctA, "sensor-1")
	expectErr(t, err, iot.ErrNotFound, "Thing after delete")
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.DeleteThing(ctx, th) })
	expectErr(t, err, iot.ErrNotFound, "delete an absent thing")
	if _, err := s.Thing(ctx, regionA, acctA, "bare"); err != nil {
		t.Errorf("deleting one thing removed another: %v", err)
	}
	createThings(t, s, newThing(regionA, acctA, "sensor-1", nil)) // the name is free again
}

func testThingPrincipals(t *testing.T, s iot.Store) {
	ctx := t.Context()
	createThings(t, s, newThing(regionA, acctA, "t1", nil), newThing(regionA, acctA, "t2", nil),
		newThing(regionA, acctA, "t0", nil), newThing(regionA, acctA, "T9", nil))
	shared := "arn:aws:iot:us-east-1:111111111111:cert/" + hexID("shared", 32)
	var principals []string
	var attachments []*iot.ThingPrincipal
	for i := range 9 {
		p := fmt.Sprintf("arn:aws:iot:us-east-1:111111111111:cert/%s", hexID(fmt.Sprint("p", i), 32))
		principals = append(principals, p)
		attachments = append(attachments, &iot.ThingPrincipal{Region: regionA, Account: acctA, ThingName: "t1",
			Principal: p, Type: iot.ThingPrincipalExclusive, CreatedAt: at(i)})
	}
	principals = append(principals, shared)
	for i, thing := range []string{"t2", "t1", "T9", "t0"} {
		attachments = append(attachments, &iot.ThingPrincipal{Region: regionA, Account: acctA, ThingName: thing,
			Principal: shared, Type: iot.ThingPrincipalNonExclusive, CreatedAt: at(100 + i)})
	}
	update(t, s, func(tx iot.Tx) error {
		for _, a := range attachments {
			if err := tx.AttachThingPrincipal(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	err := s.Update(ctx, func(tx iot.Tx) error {
		again := *attachments[0]
		again.Type = iot.ThingPrincipalNonExclusive
		return tx.AttachThingPrincipal(ctx, &again)
	})
	expectErr(t, err, iot.ErrAlreadyExists, "attach twice")

	q := iot.NameQuery{Region: regionA, Account: acctA}
	slices.Sort(principals)
	pageNames(t, "ThingPrincipals(t1)", principals, func(after string, limit int) ([]string, error) {
		q.After, q.Limit = after, limit
		ps, err := s.ThingPrincipals(ctx, "t1", q)
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = p.Principal
		}
		return out, err
	})
	pageNames(t, "PrincipalThings(shared)", []string{"T9", "t0", "t1", "t2"}, func(after string, limit int) ([]string, error) {
		q.After, q.Limit = after, limit
		ps, err := s.PrincipalThings(ctx, shared, q)
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = p.ThingName
		}
		return out, err
	})
	// Attachments round-trip.
	got, err := s.PrincipalThings(ctx, attachments[3].Principal, iot.NameQuery{Region: regionA, Account: acctA, Limit: 5})
	expectOK(t, err, "PrincipalThings")
	expectEqual(t, got, []*iot.ThingPrincipal{attachments[3]}, "attachment")
	got, err = s.ThingPrincipals(ctx, "t0", iot.NameQuery{Region: regionA, Account: acctA, Limit: 5})
	expectOK(t, err, "ThingPrincipals")
	expectEqual(t, got, []*iot.ThingPrincipal{attachments[len(attachments)-1]}, "attachment")
	got, err = s.ThingPrincipals(ctx, "absent", iot.NameQuery{Region: regionA, Account: acctA, Limit: 5})
	expectOK(t, err, "ThingPrincipals of an absent thing")
	if len(got) != 0 {
		t.Errorf("ThingPrincipals of an absent thing returned %d", len(got))
	}

	update(t, s, func(tx iot.Tx) error { return tx.DetachThingPrincipal(ctx, regionA, acctA, "t1", shared) })
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.DetachThingPrincipal(ctx, regionA, acctA, "t1", shared) })
	expectErr(t, err, iot.ErrNotFound, "detach twice")
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.DetachThingPrincipal(ctx, regionA, acctA, "t2", principals[0]) })
	expectErr(t, err, iot.ErrNotFound, "detach what was never attached")
	pageNames(t, "PrincipalThings(shared) after detach", []string{"T9", "t0", "t2"}, func(after string, limit int) ([]string, error) {
		q.After, q.Limit = after, limit
		ps, err := s.PrincipalThings(ctx, shared, q)
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = p.ThingName
		}
		return out, err
	})
}
