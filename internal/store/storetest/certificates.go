package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iotcertd/iotcertd/internal/iot"
)

func testCertificateRoundTrip(t *testing.T, s iot.Store) {
	ctx := t.Context()
	// full has every field set, times included.
	full := newCert(regionA, acctA, "full", iot.ModeDefault, at(0))
	full.PreviousOwner = acctC
	full.Status = iot.StatusPendingTransfer
	full.CACertificateID = hexID("ca", 32)
	full.LastModifiedAt = at(5)
	full.CustomerVersion = 7
	full.Transfer = iot.TransferData{
		Target: acctB, Message: "please take it", RejectReason: "earlier: no thanks",
		TransferDate: at(4), AcceptDate: at(2), RejectDate: at(3),
	}
	// bare has every optional string empty and every optional time zero.
	bare := &iot.Certificate{
		RecordID: hexID("record/bare", 16), Region: regionA, ID: hexID("cert/bare", 32), Owner: acctA,
		Status: iot.StatusInactive, Mode: iot.ModeSNIOnly, PEM: "pem", CreatedAt: at(1),
	}
	update(t, s, func(tx iot.Tx) error {
		for _, c := range []*iot.Certificate{full, bare} {
			c.Version = 42 // the store sets the first version
			if err := tx.CreateCertificate(ctx, c); err != nil {
				return err
			}
			if c.Version != 1 {
				t.Errorf("CreateCertificate left Version %d, want 1", c.Version)
			}
		}
		// A transaction reads its own writes.
		expectEqual(t, mustRecord(t, tx, regionA, acctA, full.ID), full, "full record read in its transaction")
		return nil
	})
	expectEqual(t, mustRecord(t, s, regionA, acctA, full.ID), full, "full record")
	expectEqual(t, mustRecord(t, s, regionA, acctA, bare.ID), bare, "bare record")

	// Put every field the other way round: set what was empty, empty what was set.
	changed := *full
	changed.Owner, changed.PreviousOwner = acctB, ""
	changed.Status = iot.StatusActive
	changed.PEM = "other pem"
	changed.CACertificateID = ""
	changed.CreatedAt = at(-1000)
	changed.LastModifiedAt = time.Time{}
	changed.CustomerVersion = 8
	changed.GenerationID = "g2"
	changed.NotBefore, changed.NotAfter = time.Time{}, time.Time{}
	changed.Transfer = iot.TransferData{}
	putCert(t, s, &changed)
	if changed.Version != 2 {
		t.Errorf("PutCertificate left Version %d, want 2", changed.Version)
	}
	if record(t, s, regionA, acctA, full.ID) != nil {
		t.Errorf("the record is still held by its former owner")
	}
	expectEqual(t, mustRecord(t, s, regionA, acctB, full.ID), &changed, "record after put emptying fields")

	filled := *bare
	filled.PreviousOwner = acctD
	filled.CACertificateID = "ca"
	filled.LastModifiedAt, filled.NotBefore, filled.NotAfter = at(10), at(11), at(12)
	filled.GenerationID = "g"
	filled.CustomerVersion = 3
	filled.Transfer = iot.TransferData{Target: acctC, Message: "m", RejectReason: "r",
		TransferDate: at(13), AcceptDate: at(14), RejectDate: at(15)}
	putCert(t, s, &filled)
	expectEqual(t, mustRecord(t, s, regionA, acctA, bare.ID), &filled, "record after put setting fields")

	update(t, s, func(tx iot.Tx) error { return tx.DeleteCertificate(ctx, &filled) })
	recs, err := s.CertificatesByID(ctx, regionA, bare.ID)
	expectOK(t, err, "CertificatesByID")
	if len(recs) != 0 {
		t.Errorf("CertificatesByID after delete returned %d records", len(recs))
	}
	if record(t, s, regionA, acctB, full.ID) == nil {
		t.Errorf("deleting one certificate removed another")
	}
}

func testCertificatesByID(t *testing.T, s iot.Store) {
	ctx := t.Context()
	a := newCert(regionA, acctA, "shared", iot.ModeSNIOnly, at(0))
	b := newCert(regionA, acctB, "shared", iot.ModeSNIOnly, at(1))
	c := newCert(regionA, acctC, "shared", iot.ModeSNIOnly, at(2))
	elsewhere := newCert(regionB, acctA, "shared", iot.ModeSNIOnly, at(3))
	other := newCert(regionA, acctA, "other", iot.ModeSNIOnly, at(4))
	createCerts(t, s, a, b, c, elsewhere, other)

	recs, err := s.CertificatesByID(ctx, regionA, a.ID)
	expectOK(t, err, "CertificatesByID")
	slices.SortFunc(recs, func(x, y *iot.Certificate) int { return strings.Compare(x.Owner, y.Owner) })
	expectEqual(t, recs, []*iot.Certificate{a, b, c}, "records in "+regionA)

	recs, err = s.CertificatesByID(ctx, regionB, a.ID)
	expectOK(t, err, "CertificatesByID")
	expectEqual(t, recs, []*iot.Certificate{elsewhere}, "records in "+regionB)

	recs, err = s.CertificatesByID(ctx, regionA, hexID("cert/absent", 32))
	expectOK(t, err, "CertificatesByID of an absent certificate")
	if len(recs) != 0 {
		t.Errorf("CertificatesByID of an absent certificate returned %d records", len(recs))
	}
}

func testCertificateUniqueness(t *testing.T, s iot.Store) {
	ctx := t.Context()
	create := func(c *iot.Certificate) error {
		return s.Update(ctx, func(tx iot.Tx) error { return tx.CreateCertificate(ctx, c) })
	}
	sni := newCert(regionA, acctA, "sni", iot.ModeSNIOnly, at(0))
	expectOK(t, create(sni), "create SNI_ONLY certificate")

	again := newCert(regionA, acctA, "sni", iot.ModeSNIOnly, at(1))
	again.RecordID = hexID("record/another", 16)
	expectErr(t, create(again), iot.ErrAlreadyExists, "same certificate twice in one account")

	sameRecord := newCert(regionA, acctB, "unrelated", iot.ModeSNIOnly, at(1))
	sameRecord.RecordID = sni.RecordID
	expectErr(t, create(sameRecord), iot.ErrAlreadyExists, "a RecordID already in use")

	expectOK(t, create(newCert(regionA, acctB, "sni", iot.ModeSNIOnly, at(2))),
		"the same SNI_ONLY certificate in another account")
	expectOK(t, create(newCert(regionB, acctA, "sni", iot.ModeSNIOnly, at(3))),
		"the same SNI_ONLY certificate in another region")

	def := newCert(regionA, acctA, "default", iot.ModeDefault, at(4))
	expectOK(t, create(def), "create DEFAULT certificate")
	expectErr(t, create(newCert(regionA, acctB, "default", iot.ModeDefault, at(5))), iot.ErrAlreadyExists,
		"the same DEFAULT certificate in another account of the region")
	expectOK(t, create(newCert(regionB, acctB, "default", iot.ModeDefault, at(6))),
		"the same DEFAULT certificate in another region")

	// A refused create changes nothing.
	recs, err := s.CertificatesByID(ctx, regionA, def.ID)
	expectOK(t, err, "CertificatesByID")
	expectEqual(t, recs, []*iot.Certificate{def}, "records after refused creates")

	// A put that would make an account hold the certificate twice is refused too.
	other := newCert(regionA, acctC, "sni", iot.ModeSNIOnly, at(7))
	expectOK(t, create(other), "create")
	moved := *other
	moved.Owner = acctA
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.PutCertificate(ctx, &moved) })
	expectErr(t, err, iot.ErrAlreadyExists, "put giving an account the certificate twice")
	expectEqual(t, mustRecord(t, s, regionA, acctC, other.ID), other, "record after refused put")
}

func testCertificateVersions(t *testing.T, s iot.Store) {
	ctx := t.Context()
	c := newCert(regionA, acctA, "versioned", iot.ModeDefault, at(0))
	createCerts(t, s, c)
	stale := *c
	c.Status = iot.StatusInactive
	putCert(t, s, c) // version 2

	stale.Status = iot.StatusRevoked
	err := s.Update(ctx, func(tx iot.Tx) error { return tx.PutCertificate(ctx, &stale) })
	expectErr(t, err, iot.ErrConflict, "put at a stale version")
	if stale.Version != 1 {
		t.Errorf("a refused put changed Version to %d", stale.Version)
	}
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.DeleteCertificate(ctx, &stale) })
	expectErr(t, err, iot.ErrConflict, "delete at a stale version")
	ahead := *c
	ahead.Version++
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.PutCertificate(ctx, &ahead) })
	expectErr(t, err, iot.ErrConflict, "put at a version ahead of the stored one")
	expectEqual(t, mustRecord(t, s, regionA, acctA, c.ID), c, "record after refused writes")

	// Several puts in one transaction advance the version each time.
	update(t, s, func(tx iot.Tx) error {
		for range 3 {
			c.CustomerVersion++
			if err := tx.PutCertificate(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	if c.Version != 5 {
		t.Errorf("Version after three more puts is %d, want 5", c.Version)
	}
	expectEqual(t, mustRecord(t, s, regionA, acctA, c.ID), c, "record after three puts")

	missing := newCert(regionA, acctA, "missing", iot.ModeDefault, at(0))
	missing.Version = 1
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.PutCertificate(ctx, missing) })
	expectErr(t, err, iot.ErrNotFound, "put of a missing record")
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.DeleteCertificate(ctx, missing) })
	expectErr(t, err, iot.ErrNotFound, "delete of a missing record")

	update(t, s, func(tx iot.Tx) error { return tx.DeleteCertificate(ctx, c) })
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.DeleteCertificate(ctx, c) })
	expectErr(t, err, iot.ErrNotFound, "second delete")
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.PutCertificate(ctx, c) })
	expectErr(t, err, iot.ErrNotFound, "put after delete")
}

// listAll pages through a certificate listing with a limit and returns every row, checking
// that no page exceeds the limit.
func listAll(t *testing.T, list lister, q iot.CertificateQuery, total int) []*iot.CertificateSummary {
	t.Helper()
	var all []*iot.CertificateSummary
	for page := 0; ; page++ {
		if page > total+1 {
			t.Fatalf("listing %+v does not end", q)
		}
		certs, err := list(t.Context(), q)
		expectOK(t, err, "list certificates")
		if len(certs) > q.Limit {
			t.Fatalf("page of %d with limit %d", len(certs), q.Limit)
		}
		all = append(all, certs...)
		if len(certs) < q.Limit {
			return all
		}
		last := certs[len(certs)-1]
		q.After = &iot.CertificateCursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
}

// sortCerts sorts certificates as a listing in order returns them.
func sortCerts(certs []*iot.Certificate, order iot.Order) {
	slices.SortFunc(certs, func(a, b *iot.Certificate) int {
		c := cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
		if order == iot.Descending {
			return -c
		}
		return c
	})
}

// recordIDs returns the record IDs of certs, for compact comparison.
func recordIDs(certs []*iot.Certificate) []string {
	return idsOf(certs, func(c *iot.Certificate) string { return c.RecordID })
}

// summaryIDs returns the record IDs of a listing, for comparison with recordIDs.
func summaryIDs(listed []*iot.CertificateSummary) []string {
	return idsOf(listed, func(c *iot.CertificateSummary) string { return c.RecordID })
}

func idsOf[T any](xs []T, id func(T) string) []string {
	ids := make([]string, len(xs))
	for i, x := range xs {
		ids[i] = id(x)
	}
	return ids
}

// lister is a listing of certificate summaries (ListCertificates and its kin).
type lister = func(context.Context, iot.CertificateQuery) ([]*iot.CertificateSummary, error)

// expectListing pages through a listing of region and account with several limits in both
// orders and checks that it returns want, each once, in order.
func expectListing(t *testing.T, what string, list lister, region, account string, want []*iot.Certificate) {
	t.Helper()
	for _, order := range []iot.Order{iot.Descending, iot.Ascending} {
		want := slices.Clone(want)
		sortCerts(want, order)
		for _, limit := range []int{1, 7, 25, 250} {
			got := listAll(t, list, iot.CertificateQuery{Region: region, Account: account, Order: order, Limit: limit}, len(want))
			if !slices.Equal(summaryIDs(got), recordIDs(want)) {
				t.Errorf("%s of %s in %s, order %d, limit %d:\n got %d %v\nwant %d %v", what, account, region, order,
					limit, len(got), summaryIDs(got), len(want), recordIDs(want))
				continue
			}
			if limit == 250 {
				wantShown := make([]*iot.CertificateSummary, len(want))
				for i, c := range want {
					wantShown[i] = c.Summary()
				}
				expectEqual(t, got, wantShown, fmt.Sprintf("%s of %s in %s, order %d", what, account, region, order))
			}
		}
	}
}

func testOwnershipChange(t *testing.T, s iot.Store) {
	ctx := t.Context()
	c := newCert(regionA, acctA, "moving", iot.ModeDefault, at(0))
	stays := newCert(regionA, acctA, "staying", iot.ModeDefault, at(1))
	theirs := newCert(regionA, acctB, "theirs", iot.ModeDefault, at(2))
	unrelated := newCert(regionA, acctC, "unrelated", iot.ModeDefault, at(3))
	unrelated.Transfer = iot.TransferData{Target: acctD, TransferDate: at(3)}
	createCerts(t, s, c, stays, theirs, unrelated)

	// A starts transferring c to B.
	c.Status = iot.StatusPendingTransfer
	c.Transfer = iot.TransferData{Target: acctB, Message: "yours", TransferDate: at(10)}
	putCert(t, s, c)
	expectListing(t, "ListCertificates", s.ListCertificates, regionA, acctA, []*iot.Certificate{c, stays})
	expectListing(t, "ListCertificates", s.ListCertificates, regionA, acctB, []*iot.Certificate{c, theirs})
	expectListing(t, "ListOutgoingCertificates", s.ListOutgoingCertificates, regionA, acctA, []*iot.Certificate{c})
	expectListing(t, "ListOutgoingCertificates", s.ListOutgoingCertificates, regionA, acctB, nil)
	expectListing(t, "ListCertificates", s.ListCertificates, regionB, acctB, nil)
	expectListing(t, "ListOutgoingCertificates", s.ListOutgoingCertificates, regionA, acctC, []*iot.Certificate{unrelated})

	// B accepts: B owns c, A is its previous owner and no longer sees it.
	c.PreviousOwner, c.Owner = c.Owner, acctB
	c.Status = iot.StatusInactive
	c.Transfer.Target = ""
	c.Transfer.AcceptDate = at(20)
	putCert(t, s, c)
	expectEqual(t, mustRecord(t, s, regionA, acctB, c.ID), c, "record after accept")
	expectListing(t, "ListCertificates", s.ListCertificates, regionA, acctA, []*iot.Certificate{stays})
	expectListing(t, "ListCertificates", s.ListCertificates, regionA, acctB, []*iot.Certificate{c, theirs})
	expectListing(t, "ListOutgoingCertificates", s.ListOutgoingCertificates, regionA, acctA, nil)
	expectListing(t, "ListOutgoingCertificates", s.ListOutgoingCertificates, regionA, acctB, nil)

	// B offers it back to A, and A rejects: B keeps it.
	c.Transfer = iot.TransferData{Target: acctA, TransferDate: at(30), AcceptDate: at(20)}
	putCert(t, s, c)
	expectListing(t, "ListCertificates", s.ListCertificates, regionA, acctA, []*iot.Certificate{c, stays})
	expectListing(t, "ListOutgoingCertificates", s.ListOutgoingCertificates, regionA, acctB, []*iot.Certificate{c})
	c.Transfer.Target, c.Transfer.RejectReason, c.Transfer.RejectDate = "", "no", at(40)
	update(t, s, func(tx iot.Tx) error { return tx.PutCertificate(ctx, c) })
	expectListing(t, "ListCertificates", s.ListCertificates, regionA, acctA, []*iot.Certificate{stays})
	expectListing(t, "ListCertificates", s.ListCertificates, regionA, acctB, []*iot.Certificate{c, theirs})
	expectListing(t, "ListOutgoingCertificates", s.ListOutgoingCertificates, regionA, acctB, nil)
}

func testListPagination(t *testing.T, s iot.Store) {
	var mine, noise []*iot.Certificate
	for i := range 57 {
		// Four certificates per millisecond, so that pages break inside a millisecond.
		mine = append(mine, newCert(regionA, acctA, fmt.Sprintf("mine-%d", i), iot.ModeDefault, at(i/4)))
	}
	for i := range 12 {
		noise = append(noise,
			newCert(regionA, acctB, fmt.Sprintf("b-%d", i), iot.ModeDefault, at(i/3)),
			newCert(regionB, acctA, fmt.Sprintf("a-elsewhere-%d", i), iot.ModeDefault, at(i/3)),
			// The same SNI_ONLY certificates as some of mine, in another account.
			newCert(regionA, acctC, fmt.Sprintf("mine-%d", i), iot.ModeSNIOnly, at(i/4)))
	}
	pending := newCert(regionB, acctC, "pending-elsewhere", iot.ModeDefault, at(3))
	pending.Transfer.Target = acctA
	noise = append(noise, pending)
	for _, c := range mine[:12] {
		c.Mode = iot.ModeSNIOnly // they share IDs with acctC's
	}
	createCerts(t, s, append(slices.Clone(mine), noise...)...)

	expectListing(t, "ListCertificates", s.ListCertificates, regionA, acctA, mine)
	expectListing(t, "ListOutgoingCertificates", s.ListOutgoingCertificates, regionA, acctA, nil)

	// A cursor from a page that no longer holds its row still positions the next page.
	q := iot.CertificateQuery{Region: regionA, Account: acctA, Limit: 3,
		After: &iot.CertificateCursor{CreatedAt: at(5), ID: strings.Repeat("8", 64)}}
	got, err := s.ListCertificates(t.Context(), q)
	expectOK(t, err, "ListCertificates")
	want := slices.Clone(mine)
	sortCerts(want, iot.Descending)
	want = slices.DeleteFunc(want, func(c *iot.Certificate) bool {
		return c.CreatedAt.After(at(5)) || (c.CreatedAt.Equal(at(5)) && c.ID >= q.After.ID)
	})[:3]
	if !slices.Equal(summaryIDs(got), recordIDs(want)) {
		t.Errorf("page after a synthetic cursor:\n got %v\nwant %v", summaryIDs(got), recordIDs(want))
	}
}

func testListOwnedAndPending(t *testing.T, s iot.Store) {
	var all []*iot.Certificate
	var wantA, wantOutA, wantD []*iot.Certificate
	for i := range 30 {
		c := newCert(regionA, acctA, fmt.Sprintf("owned-%d", i), iot.ModeDefault, at(i/3))
		if i%7 == 3 { // A is transferring some away: they stay A's, and are D's to accept
			c.Status = iot.StatusPendingTransfer
			c.Transfer = iot.TransferData{Target: acctD, TransferDate: at(100)}
			wantOutA = append(wantOutA, c)
			wantD = append(wantD, c)
		}
		all = append(all, c)
		wantA = append(wantA, c)
	}
	for i := range 20 {
		c := newCert(regionA, acctB, fmt.Sprintf("offered-%d", i), iot.ModeDefault, at(i/2))
		c.Status = iot.StatusPendingTransfer
		c.Transfer = iot.TransferData{Target: acctA, TransferDate: at(100)}
		all = append(all, c)
		wantA = append(wantA, c)
	}
	for i := range 8 {
		notOffered := newCert(regionA, acctB, fmt.Sprintf("b-own-%d", i), iot.ModeDefault, at(i))
		offeredElsewhere := newCert(regionB, acctC, fmt.Sprintf("c-offered-%d", i), iot.ModeDefault, at(i))
		offeredElsewhere.Transfer.Target = acctA
		offeredToOther := newCert(regionA, acctC, fmt.Sprintf("c-to-b-%d", i), iot.ModeDefault, at(i))
		offeredToOther.Transfer.Target = acctB
		all = append(all, notOffered, offeredElsewhere, offeredToOther)
	}
	createCerts(t, s, all...)

	expectListing(t, "ListCertificates", s.ListCertificates, regionA, acctA, wantA)
	expectListing(t, "ListOutgoingCertificates", s.ListOutgoingCertificates, regionA, acctA, wantOutA)
	expectListing(t, "ListCertificates", s.ListCertificates, regionA, acctD, wantD)
	expectListing(t, "ListOutgoingCertificates", s.ListOutgoingCertificates, regionA, acctD, nil)
}

func testTimestampPrecision(t *testing.T, s iot.Store) {
	ctx := t.Context()
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	times := []time.Time{
		time.Date(2025, 1, 2, 3, 4, 5, 6_000_000, zone),
		time.Date(1969, 12, 31, 23, 59, 59, 999_000_000, time.UTC), // before the epoch
		time.Date(2099, 12, 31, 23, 59, 59, 1_000_000, time.UTC),
		time.UnixMilli(1).In(zone),
	}
	var certs []*iot.Certificate
	for i, tm := range times {
		c := newCert(regionA, acctA, fmt.Sprintf("time-%d", i), iot.ModeDefault, tm)
		c.LastModifiedAt, c.NotBefore, c.NotAfter = tm, tm, tm
		c.Transfer = iot.TransferData{Target: acctB, TransferDate: tm, AcceptDate: tm, RejectDate: tm}
		certs = append(certs, c)
	}
	createCerts(t, s, certs...)
	for i, want := range certs {
		got := mustRecord(t, s, regionA, acctA, want.ID)
		for j, tm := range []time.Time{got.CreatedAt, got.LastModifiedAt, got.NotBefore, got.NotAfter,
			got.Transfer.TransferDate, got.Transfer.AcceptDate, got.Transfer.RejectDate} {
			if !tm.Equal(times[i]) || tm.Location() != time.UTC {
				t.Errorf("time %d field %d: got %v (%v), want %v in UTC", i, j, tm, tm.Location(), times[i].UTC())
			}
		}
	}
	// A cursor at a millisecond-precise time from another zone still positions the page.
	got, err := s.ListCertificates(ctx, iot.CertificateQuery{Region: regionA, Account: acctA, Order: iot.Ascending,
		Limit: 10, After: &iot.CertificateCursor{CreatedAt: times[3], ID: certs[3].ID}})
	expectOK(t, err, "ListCertificates")
	wantOrder := []*iot.Certificate{certs[0], certs[2]}
	if !slices.Equal(summaryIDs(got), recordIDs(wantOrder)) {
		t.Errorf("page after a cursor in another zone: got %v, want %v", summaryIDs(got), recordIDs(wantOrder))
	}

	p := &iot.Policy{Region: regionA, Account: acctA, Name: "p", Document: "{}", DefaultVersionID: "1",
		CreatedAt: times[0], LastModifiedAt: times[1], GenerationID: "g"}
	th := &iot.Thing{Region: regionA, Account: acctA, Name: "t", ID: "id", Attributes: map[string]string{}, CreatedAt: times[0]}
	tp := &iot.ThingPrincipal{Region: regionA, Account: acctA, ThingName: "t", Principal: "p",
		Type: iot.ThingPrincipalExclusive, CreatedAt: times[1]}
	acct := &iot.Account{ID: acctA, CreatedAt: times[0]}
	key := &iot.AccessKey{ID: "AKIATIME", Account: acctA, SealedSecret: []byte{1}, CreatedAt: times[1]}
	update(t, s, func(tx iot.Tx) error {
		return errors.Join(tx.CreatePolicy(ctx, p), tx.CreateThing(ctx, th), tx.AttachThingPrincipal(ctx, tp),
			tx.CreateAccount(ctx, acct), tx.CreateAccessKey(ctx, key))
	})
	gotP, err := s.Policy(ctx, regionA, acctA, "p")
	expectOK(t, err, "Policy")
	gotT, err := s.Thing(ctx, regionA, acctA, "t")
	expectOK(t, err, "Thing")
	gotTP, err := s.ThingPrincipals(ctx, "t", iot.NameQuery{Region: regionA, Account: acctA, Limit: 1})
	expectOK(t, err, "ThingPrincipals")
	gotA, err := s.Account(ctx, acctA)
	expectOK(t, err, "Account")
	gotK, err := s.AccessKey(ctx, "AKIATIME")
	expectOK(t, err, "AccessKey")
	if len(gotTP) != 1 {
		t.Fatalf("ThingPrincipals returned %d", len(gotTP))
	}
	for name, pair := range map[string][2]time.Time{
		"policy created":  {gotP.CreatedAt, times[0]},
		"policy modified": {gotP.LastModifiedAt, times[1]},
		"thing created":   {gotT.CreatedAt, times[0]},
		"attachment":      {gotTP[0].CreatedAt, times[1]},
		"account":         {gotA.CreatedAt, times[0]},
		"access key":      {gotK.CreatedAt, times[1]},
	} {
		if !pair[0].Equal(pair[1]) || pair[0].Location() != time.UTC {
			t.Errorf("%s: got %v (%v), want %v in UTC", name, pair[0], pair[0].Location(), pair[1].UTC())
		}
	}
}

// CheckCertificateAfterMigration checks, for a store's migration tests, that a store opened
// on a database an older build left holding old (an SNI_ONLY record) still finds it by
// certificate ID, still refuses a second record of the certificate in old's account, and
// takes one in another account.
func CheckCertificateAfterMigration(t *testing.T, s iot.Store, old *iot.Certificate) {
	t.Helper()
	ctx := context.Background()
	got, err := s.CertificatesByID(ctx, old.Region, old.ID)
	if err != nil || len(got) != 1 || got[0].RecordID != old.RecordID {
		t.Fatalf("CertificatesByID after the migration: %v, %v", got, err)
	}
	again := *old
	again.RecordID = "another record"
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.CreateCertificate(ctx, &again) })
	if !errors.Is(err, iot.ErrAlreadyExists) {
		t.Errorf("a second record of the certificate in the account: %v, want ErrAlreadyExists", err)
	}
	other := *old
	other.Owner, other.RecordID = "222222222222", "record in another account"
	if other.Owner == old.Owner {
		other.Owner = "333333333333"
	}
	if err := s.Update(ctx, func(tx iot.Tx) error { return tx.CreateCertificate(ctx, &other) }); err != nil {
		t.Errorf("the certificate in another account: %v", err)
	}
}
