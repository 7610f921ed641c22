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

// newCA returns a CA certificate record with every field set. Its subject key is derived
// from subject, so that CAs made with one subject share it.
func newCA(region, account, seed, subject string, mode iot.Mode, created time.Time) *iot.CACertificate {
	return &iot.CACertificate{
		Region:           region,
		Account:          account,
		ID:               hexID("ca/"+seed, 32),
		Status:           iot.CAStatusActive,
		Mode:             mode,
		PEM:              "-----BEGIN CERTIFICATE-----\n" + seed + "\n-----END CERTIFICATE-----\n",
		SubjectKey:       hexID("subject/"+subject, 32),
		AutoRegistration: iot.AutoRegistrationEnable,
		RegistrationConfig: iot.RegistrationConfig{
			TemplateBody: `{"Resources":{}}`, RoleARN: "arn:aws:iam::" + account + ":role/jitp", TemplateName: "tmpl-" + seed,
		},
		CreatedAt:       created,
		LastModifiedAt:  created.Add(time.Millisecond),
		CustomerVersion: 1,
		GenerationID:    hexID("generation/ca/"+seed, 16),
		NotBefore:       created.Add(-time.Hour),
		NotAfter:        created.Add(10 * 365 * 24 * time.Hour),
	}
}

// createCAs inserts CA certificates in one transaction.
func createCAs(t *testing.T, s iot.Store, cas ...*iot.CACertificate) {
	t.Helper()
	update(t, s, func(tx iot.Tx) error {
		for _, ca := range cas {
			if err := tx.CreateCACertificate(t.Context(), ca); err != nil {
				return fmt.Errorf("create CA %s/%s/%s: %w", ca.Region, ca.Account, ca.ID, err)
			}
		}
		return nil
	})
}

// caRecord returns the record of CA certificate id that account holds in region, or nil.
func caRecord(t *testing.T, r iot.Reader, region, account, id string) *iot.CACertificate {
	t.Helper()
	recs, err := r.CACertificatesByID(t.Context(), region, id)
	expectOK(t, err, "CACertificatesByID")
	for _, ca := range recs {
		if ca.Account == account {
			return ca
		}
	}
	return nil
}

func testCACertificateRoundTrip(t *testing.T, s iot.Store) {
	ctx := t.Context()
	full := newCA(regionA, acctA, "full", "subject", iot.ModeDefault, at(0))
	// bare has every optional string empty and every optional time zero.
	bare := &iot.CACertificate{Region: regionA, Account: acctA, ID: hexID("ca/bare", 32), Status: iot.CAStatusInactive,
		Mode: iot.ModeSNIOnly, PEM: "pem", SubjectKey: hexID("subject/bare", 32),
		AutoRegistration: iot.AutoRegistrationDisable, CreatedAt: at(1), CustomerVersion: 1}
	update(t, s, func(tx iot.Tx) error {
		for _, ca := range []*iot.CACertificate{full, bare} {
			ca.Version = 42 // the store sets the first version
			if err := tx.CreateCACertificate(ctx, ca); err != nil {
				return err
			}
			if ca.Version != 1 {
				t.Errorf("CreateCACertificate left Version %d, want 1", ca.Version)
			}
		}
		expectEqual(t, caRecord(t, tx, regionA, acctA, full.ID), full, "CA read in its transaction")
		return nil
	})
	expectEqual(t, caRecord(t, s, regionA, acctA, full.ID), full, "full CA")
	expectEqual(t, caRecord(t, s, regionA, acctA, bare.ID), bare, "bare CA")

	// Put every field the other way round.
	changed := *full
	changed.Status = iot.CAStatusInactive
	changed.AutoRegistration = iot.AutoRegistrationDisable
	changed.RegistrationConfig = iot.RegistrationConfig{}
	changed.LastModifiedAt = time.Time{}
	changed.NotBefore, changed.NotAfter = time.Time{}, time.Time{}
	changed.CustomerVersion = 2
	changed.GenerationID = "g2"
	update(t, s, func(tx iot.Tx) error { return tx.PutCACertificate(ctx, &changed) })
	if changed.Version != 2 {
		t.Errorf("PutCACertificate left Version %d, want 2", changed.Version)
	}
	expectEqual(t, caRecord(t, s, regionA, acctA, full.ID), &changed, "CA after put emptying fields")

	filled := *bare
	filled.RegistrationConfig = iot.RegistrationConfig{TemplateBody: "{}", RoleARN: "arn:aws:iam::1:role/r", TemplateName: "t"}
	filled.LastModifiedAt, filled.NotBefore, filled.NotAfter = at(10), at(11), at(12)
	filled.GenerationID = "g"
	update(t, s, func(tx iot.Tx) error { return tx.PutCACertificate(ctx, &filled) })
	expectEqual(t, caRecord(t, s, regionA, acctA, bare.ID), &filled, "CA after put setting fields")

	update(t, s, func(tx iot.Tx) error { return tx.DeleteCACertificate(ctx, &filled) })
	if caRecord(t, s, regionA, acctA, bare.ID) != nil {
		t.Errorf("CA still there after delete")
	}
	if caRecord(t, s, regionA, acctA, full.ID) == nil {
		t.Errorf("deleting one CA removed another")
	}
}

func testCACertificateUniqueness(t *testing.T, s iot.Store) {
	ctx := t.Context()
	create := func(ca *iot.CACertificate) error {
		return s.Update(ctx, func(tx iot.Tx) error { return tx.CreateCACertificate(ctx, ca) })
	}
	sni := newCA(regionA, acctA, "sni", "s", iot.ModeSNIOnly, at(0))
	expectOK(t, create(sni), "create SNI_ONLY CA")
	expectErr(t, create(newCA(regionA, acctA, "sni", "s", iot.ModeSNIOnly, at(1))), iot.ErrAlreadyExists,
		"same CA twice in one account")
	expectOK(t, create(newCA(regionA, acctB, "sni", "s", iot.ModeSNIOnly, at(2))), "the same SNI_ONLY CA in another account")
	expectOK(t, create(newCA(regionB, acctA, "sni", "s", iot.ModeSNIOnly, at(3))), "the same SNI_ONLY CA in another region")

	def := newCA(regionA, acctA, "default", "s", iot.ModeDefault, at(4))
	expectOK(t, create(def), "create DEFAULT CA")
	expectErr(t, create(newCA(regionA, acctB, "default", "s", iot.ModeDefault, at(5))), iot.ErrAlreadyExists,
		"a DEFAULT CA twice in a region")
	expectOK(t, create(newCA(regionB, acctB, "default", "s", iot.ModeDefault, at(6))), "a DEFAULT CA in another region")
	// Whether a DEFAULT and an SNI_ONLY record may coexist is the domain's rule.
	expectOK(t, create(newCA(regionA, acctB, "default", "s", iot.ModeSNIOnly, at(7))), "an SNI_ONLY record beside a DEFAULT one")

	recs, err := s.CACertificatesByID(ctx, regionA, sni.ID)
	expectOK(t, err, "CACertificatesByID")
	slices.SortFunc(recs, func(x, y *iot.CACertificate) int { return strings.Compare(x.Account, y.Account) })
	if len(recs) != 2 || recs[0].Account != acctA || recs[1].Account != acctB {
		t.Errorf("CACertificatesByID returned %d records", len(recs))
	}
	recs, err = s.CACertificatesByID(ctx, regionA, hexID("ca/absent", 32))
	expectOK(t, err, "CACertificatesByID of an absent CA")
	if len(recs) != 0 {
		t.Errorf("CACertificatesByID of an absent CA returned %d records", len(recs))
	}
}

func testCACertificateVersions(t *testing.T, s iot.Store) {
	ctx := t.Context()
	ca := newCA(regionA, acctA, "versioned", "v", iot.ModeDefault, at(0))
	createCAs(t, s, ca)
	stale := *ca
	update(t, s, func(tx iot.Tx) error { return tx.PutCACertificate(ctx, ca) })
	err := s.Update(ctx, func(tx iot.Tx) error {
		err := tx.PutCACertificate(ctx, &stale)
		if errors.Is(err, iot.ErrConflict) {
			return errStop // do not let Update retry: the test wants to see the sentinel
		}
		return err
	})
	expectErr(t, err, errStop, "put of a stale version")
	err = s.Update(ctx, func(tx iot.Tx) error {
		if err := tx.DeleteCACertificate(ctx, &stale); errors.Is(err, iot.ErrConflict) {
			return errStop
		} else if err != nil {
			return err
		}
		return nil
	})
	expectErr(t, err, errStop, "delete of a stale version")

	missing := newCA(regionA, acctA, "missing", "v", iot.ModeDefault, at(1))
	missing.Version = 1
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.PutCACertificate(ctx, missing) })
	expectErr(t, err, iot.ErrNotFound, "put of a missing CA")
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.DeleteCACertificate(ctx, missing) })
	expectErr(t, err, iot.ErrNotFound, "delete of a missing CA")

	update(t, s, func(tx iot.Tx) error { return tx.DeleteCACertificate(ctx, ca) })
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.DeleteCACertificate(ctx, ca) })
	expectErr(t, err, iot.ErrNotFound, "second delete")
}

// errStop ends an Update whose fn met the sentinel the test expects.
var errStop = errors.New("storetest: stop")

func testCACertificatesBySubject(t *testing.T, s iot.Store) {
	ctx := t.Context()
	one := newCA(regionA, acctA, "one", "shared", iot.ModeDefault, at(0))
	two := newCA(regionA, acctA, "two", "shared", iot.ModeSNIOnly, at(1))
	other := newCA(regionA, acctA, "other", "different", iot.ModeDefault, at(2))
	theirs := newCA(regionA, acctB, "theirs", "shared", iot.ModeDefault, at(3))
	elsewhere := newCA(regionB, acctA, "elsewhere", "shared", iot.ModeDefault, at(4))
	createCAs(t, s, one, two, other, theirs, elsewhere)

	got, err := s.CACertificatesBySubject(ctx, regionA, acctA, one.SubjectKey)
	expectOK(t, err, "CACertificatesBySubject")
	slices.SortFunc(got, func(x, y *iot.CACertificate) int { return x.CreatedAt.Compare(y.CreatedAt) })
	expectEqual(t, got, []*iot.CACertificate{one, two}, "CAs with one subject")
	got, err = s.CACertificatesBySubject(ctx, regionA, acctC, one.SubjectKey)
	expectOK(t, err, "CACertificatesBySubject of another account")
	if len(got) != 0 {
		t.Errorf("CACertificatesBySubject of an account without CAs returned %d", len(got))
	}
}

// listAllCAs pages through ListCACertificates with q's limit.
func listAllCAs(t *testing.T, s iot.Reader, q iot.CACertificateQuery, total int) []*iot.CACertificate {
	t.Helper()
	var all []*iot.CACertificate
	for page := 0; ; page++ {
		if page > total+1 {
			t.Fatalf("listing %+v does not end", q)
		}
		cas, err := s.ListCACertificates(t.Context(), q)
		expectOK(t, err, "ListCACertificates")
		if len(cas) > q.Limit {
			t.Fatalf("page of %d with limit %d", len(cas), q.Limit)
		}
		all = append(all, cas...)
		if len(cas) < q.Limit {
			return all
		}
		last := cas[len(cas)-1]
		q.After = &iot.CertificateCursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
}

func caIDs(cas []*iot.CACertificate) []string {
	return idsOf(cas, func(ca *iot.CACertificate) string { return ca.ID })
}

func testListCACertificates(t *testing.T, s iot.Store) {
	var mine, templated []*iot.CACertificate
	for i := range 23 {
		// Groups of three share a creation millisecond, so that the ID breaks ties.
		ca := newCA(regionA, acctA, fmt.Sprintf("list-%02d", i), "s", iot.ModeSNIOnly, at(i/3))
		if i%4 == 0 {
			ca.RegistrationConfig.TemplateName = "chosen"
			templated = append(templated, ca)
		}
		if i%5 == 0 {
			ca.RegistrationConfig = iot.RegistrationConfig{}
		}
		mine = append(mine, ca)
	}
	// Others' CAs, another region's, and a template name that differs by case.
	odd := newCA(regionA, acctA, "odd", "s", iot.ModeSNIOnly, at(3))
	odd.RegistrationConfig.TemplateName = "Chosen"
	mine = append(mine, odd)
	createCAs(t, s, mine...)
	createCAs(t, s, newCA(regionA, acctB, "list-b", "s", iot.ModeSNIOnly, at(1)),
		newCA(regionB, acctA, "list-eu", "s", iot.ModeSNIOnly, at(1)))
	templated = slices.DeleteFunc(templated, func(ca *iot.CACertificate) bool { return ca.RegistrationConfig.TemplateName != "chosen" })

	for _, order := range []iot.Order{iot.Descending, iot.Ascending} {
		for _, tc := range []struct {
			template string
			want     []*iot.CACertificate
		}{{"", mine}, {"chosen", templated}, {"absent", nil}} {
			want := slices.Clone(tc.want)
			slices.SortFunc(want, func(a, b *iot.CACertificate) int {
				c := cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
				if order == iot.Descending {
					return -c
				}
				return c
			})
			for _, limit := range []int{1, 4, 25, 250} {
				q := iot.CACertificateQuery{Region: regionA, Account: acctA, TemplateName: tc.template, Order: order, Limit: limit}
				got := listAllCAs(t, s, q, len(want))
				if !slices.Equal(caIDs(got), caIDs(want)) {
					t.Errorf("template %q order %d limit %d:\n got %v\nwant %v", tc.template, order, limit, caIDs(got), caIDs(want))
					continue
				}
				if limit == 250 {
					expectEqual(t, got, want, fmt.Sprintf("CA listing, template %q", tc.template))
				}
			}
		}
	}
}

func testListCertificatesByCA(t *testing.T, s iot.Store) {
	ca := hexID("ca/signer", 32)
	other := hexID("ca/other", 32)
	var mine []*iot.Certificate
	for i := range 17 {
		c := newCert(regionA, acctA, fmt.Sprintf("by-ca-%02d", i), iot.ModeDefault, at(i/2))
		c.CACertificateID = ca
		mine = append(mine, c)
	}
	// The account is transferring one away: it still owns it.
	mine[3].Status, mine[3].Transfer = iot.StatusPendingTransfer, iot.TransferData{Target: acctB, TransferDate: at(20)}
	noCA := newCert(regionA, acctA, "no-ca", iot.ModeDefault, at(1))
	otherCA := newCert(regionA, acctA, "other-ca", iot.ModeDefault, at(1))
	otherCA.CACertificateID = other
	theirs := newCert(regionA, acctB, "theirs", iot.ModeSNIOnly, at(1))
	theirs.CACertificateID = ca
	pendingToMe := newCert(regionA, acctC, "pending-to-me", iot.ModeDefault, at(1))
	pendingToMe.CACertificateID = ca
	pendingToMe.Transfer = iot.TransferData{Target: acctA, TransferDate: at(2)}
	elsewhere := newCert(regionB, acctA, "elsewhere", iot.ModeDefault, at(1))
	elsewhere.CACertificateID = ca
	createCerts(t, s, append(slices.Clone(mine), noCA, otherCA, theirs, pendingToMe, elsewhere)...)

	list := func(id string) lister {
		return func(ctx context.Context, q iot.CertificateQuery) ([]*iot.CertificateSummary, error) {
			return s.ListCertificatesByCA(ctx, id, q)
		}
	}
	expectListing(t, "ListCertificatesByCA", list(ca), regionA, acctA, mine)
	expectListing(t, "ListCertificatesByCA of another CA", list(other), regionA, acctA, []*iot.Certificate{otherCA})
	expectListing(t, "ListCertificatesByCA of another account", list(ca), regionA, acctB, []*iot.Certificate{theirs})
	expectListing(t, "ListCertificatesByCA in another region", list(ca), regionB, acctA, []*iot.Certificate{elsewhere})
	expectListing(t, "ListCertificatesByCA of an unknown CA", list(hexID("ca/unknown", 32)), regionA, acctA, nil)
}

func testRegistrationCodes(t *testing.T, s iot.Store) {
	ctx := t.Context()
	rc := &iot.RegistrationCode{Region: regionA, Account: acctA, Code: hexID("code/a", 32), CreatedAt: at(0)}
	_, err := s.RegistrationCode(ctx, regionA, acctA)
	expectErr(t, err, iot.ErrNotFound, "RegistrationCode before one is made")
	update(t, s, func(tx iot.Tx) error { return tx.CreateRegistrationCode(ctx, rc) })
	got, err := s.RegistrationCode(ctx, regionA, acctA)
	expectOK(t, err, "RegistrationCode")
	expectEqual(t, got, rc, "registration code")

	again := &iot.RegistrationCode{Region: regionA, Account: acctA, Code: hexID("code/again", 32), CreatedAt: at(1)}
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.CreateRegistrationCode(ctx, again) })
	expectErr(t, err, iot.ErrAlreadyExists, "a second code for one account")
	for _, other := range []*iot.RegistrationCode{
		{Region: regionA, Account: acctB, Code: hexID("code/b", 32), CreatedAt: at(2)},
		{Region: regionB, Account: acctA, Code: hexID("code/eu", 32), CreatedAt: at(3)},
	} {
		update(t, s, func(tx iot.Tx) error { return tx.CreateRegistrationCode(ctx, other) })
	}

	update(t, s, func(tx iot.Tx) error { return tx.DeleteRegistrationCode(ctx, regionA, acctA) })
	_, err = s.RegistrationCode(ctx, regionA, acctA)
	expectErr(t, err, iot.ErrNotFound, "RegistrationCode after delete")
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.DeleteRegistrationCode(ctx, regionA, acctA) })
	expectErr(t, err, iot.ErrNotFound, "delete of an absent code")
	for _, sc := range []struct{ region, account string }{{regionA, acctB}, {regionB, acctA}} {
		if _, err := s.RegistrationCode(ctx, sc.region, sc.account); err != nil {
			t.Errorf("RegistrationCode of %v after deleting another's: %v", sc, err)
		}
	}
	update(t, s, func(tx iot.Tx) error { return tx.CreateRegistrationCode(ctx, again) })
	got, err = s.RegistrationCode(ctx, regionA, acctA)
	expectOK(t, err, "RegistrationCode after a new one")
	expectEqual(t, got, again, "new registration code")
}

func testDeleteRegistryDataCA(t *testing.T, s iot.Store) {
	ctx := t.Context()
	ca := newCA(regionA, acctA, "reset", "s", iot.ModeDefault, at(0))
	createCAs(t, s, ca)
	update(t, s, func(tx iot.Tx) error {
		return tx.CreateRegistrationCode(ctx, &iot.RegistrationCode{Region: regionA, Account: acctA, Code: "c", CreatedAt: at(0)})
	})
	update(t, s, func(tx iot.Tx) error { return tx.DeleteRegistryData(ctx) })
	if caRecord(t, s, regionA, acctA, ca.ID) != nil {
		t.Errorf("CA certificate after reset")
	}
	_, err := s.RegistrationCode(ctx, regionA, acctA)
	expectErr(t, err, iot.ErrNotFound, "registration code after reset")
	createCAs(t, s, newCA(regionA, acctA, "reset", "s", iot.ModeDefault, at(1)))
}
