// Package storetest is the conformance suite that every iot.Store implementation must pass.
//
// A store's own test calls Run with a function that opens a fresh, empty store for each
// subtest (and closes it with t.Cleanup). The suite checks what the domain relies on: every
// field round-trips, uniqueness and optimistic concurrency surface as the iot sentinels,
// listings are keyset pages in a stable order, Update retries conflicts and returns other
// errors as they are, and concurrent transactions are serialisable.
package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// Run runs the suite as subtests of t. open must return a fresh, empty store each time it
// is called, and close it when that subtest ends (with t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) iot.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s iot.Store)
	}{
		{"CertificateRoundTrip", testCertificateRoundTrip},
		{"CertificatesByID", testCertificatesByID},
		{"CertificateUniqueness", testCertificateUniqueness},
		{"CertificateVersions", testCertificateVersions},
		{"CertificateOwnershipChange", testOwnershipChange},
		{"ListCertificatesPagination", testListPagination},
		{"ListCertificatesOwnedAndPending", testListOwnedAndPending},
		{"TimestampPrecision", testTimestampPrecision},
		{"UpdateRetriesConflicts", testUpdateRetriesConflicts},
		{"UpdateGivesUpOnConflicts", testUpdateGivesUp},
		{"UpdateHonoursContext", testUpdateHonoursContext},
		{"UpdateReturnsDomainErrors", testUpdateReturnsDomainErrors},
		{"UpdateReturnsStoreErrors", testUpdateReturnsStoreErrors},
		{"UpdateSurvivesPanic", testUpdateSurvivesPanic},
		{"ConcurrentTransferSettlement", testConcurrentSettlement},
		{"ConcurrentIncrements", testConcurrentIncrements},
		{"ConcurrentCheckThenInsert", testConcurrentCheckThenInsert},
		{"ConcurrentCreateSameKey", testConcurrentCreateSameKey},
		{"WriteAfterRefusedWrite", testWriteAfterRefusedWrite},
		{"Policies", testPolicies},
		{"PolicyAttachments", testPolicyAttachments},
		{"Things", testThings},
		{"ThingPrincipals", testThingPrincipals},
		{"Accounts", testAccounts},
		{"AccessKeys", testAccessKeys},
		{"ListAndDeleteAccounts", testListAndDeleteAccounts},
		{"Users", testUsers},
		{"UserAccessKeys", testUserAccessKeys},
		{"UserPolicies", testUserPolicies},
		{"DeleteRegistryDataKeepsIdentities", testDeleteRegistryDataKeepsIdentities},
		{"Settings", testSettings},
		{"Isolation", testIsolation},
		{"DeleteRegistryData", testDeleteRegistryData},
		{"CACertificateRoundTrip", testCACertificateRoundTrip},
		{"CACertificateUniqueness", testCACertificateUniqueness},
		{"CACertificateVersions", testCACertificateVersions},
		{"CACertificatesBySubject", testCACertificatesBySubject},
		{"ListCACertificates", testListCACertificates},
		{"ListCertificatesByCA", testListCertificatesByCA},
		{"RegistrationCodes", testRegistrationCodes},
		{"DeleteRegistryDataCA", testDeleteRegistryDataCA},
		{"PolicyVersions", testPolicyVersions},
		{"ListPolicies", testListPolicies},
		{"PolicyTargets", testPolicyTargets},
		{"PutThing", testPutThing},
		{"ListThings", testListThings},
		{"Tags", testTags},
		{"DeleteRegistryDataVersionsTags", testDeleteRegistryDataVersionsTags},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			if s == nil {
				t.Fatal("open returned a nil store")
			}
			tc.run(t, s)
		})
	}
}

// Accounts and regions the tests use.
const (
	regionA = "us-east-1"
	regionB = "eu-west-1"

	acctA = "111111111111"
	acctB = "222222222222"
	acctC = "333333333333"
	acctD = "444444444444"
)

// t0 is a millisecond-precise instant the tests build times from.
var t0 = time.Date(2025, time.March, 14, 15, 9, 26, 535_000_000, time.UTC)

// at returns t0 plus n milliseconds.
func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }

// hexID returns a stable pseudo-random hex string of n bytes derived from seed.
func hexID(seed string, n int) string {
	h := sha256.Sum256([]byte(seed))
	return hex.EncodeToString(h[:n])
}

// newCert returns a certificate record with every ordinary field set.
func newCert(region, owner, seed string, mode iot.Mode, created time.Time) *iot.Certificate {
	return &iot.Certificate{
		RecordID:        hexID("record/"+region+"/"+owner+"/"+seed, 16),
		Region:          region,
		ID:              hexID("cert/"+seed, 32),
		Owner:           owner,
		Status:          iot.StatusActive,
		Mode:            mode,
		PEM:             "-----BEGIN CERTIFICATE-----\n" + seed + "\n-----END CERTIFICATE-----\n",
		CreatedAt:       created,
		LastModifiedAt:  created,
		CustomerVersion: 1,
		GenerationID:    hexID("generation/"+seed, 16),
		NotBefore:       created.Add(-time.Hour),
		NotAfter:        created.Add(365 * 24 * time.Hour),
	}
}

// update runs fn in s.Update and fails the test on error.
func update(t *testing.T, s iot.Store, fn func(tx iot.Tx) error) {
	t.Helper()
	if err := s.Update(t.Context(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// createCerts inserts certificates in one transaction.
func createCerts(t *testing.T, s iot.Store, certs ...*iot.Certificate) {
	t.Helper()
	update(t, s, func(tx iot.Tx) error {
		for _, c := range certs {
			if err := tx.CreateCertificate(t.Context(), c); err != nil {
				return fmt.Errorf("create %s/%s/%s: %w", c.Region, c.Owner, c.ID, err)
			}
		}
		return nil
	})
}

// putCert replaces a certificate in its own transaction.
func putCert(t *testing.T, s iot.Store, c *iot.Certificate) {
	t.Helper()
	update(t, s, func(tx iot.Tx) error { return tx.PutCertificate(t.Context(), c) })
}

// record returns the record of certificate id that owner holds in region, or nil.
func record(t *testing.T, r iot.Reader, region, owner, id string) *iot.Certificate {
	t.Helper()
	recs, err := r.CertificatesByID(t.Context(), region, id)
	if err != nil {
		t.Fatalf("CertificatesByID(%s, %s): %v", region, id, err)
	}
	for _, c := range recs {
		if c.Owner == owner {
			return c
		}
	}
	return nil
}

// mustRecord is record that fails the test when the record is absent.
func mustRecord(t *testing.T, r iot.Reader, region, owner, id string) *iot.Certificate {
	t.Helper()
	c := record(t, r, region, owner, id)
	if c == nil {
		t.Fatalf("no record of certificate %s held by %s in %s", id, owner, region)
	}
	return c
}

// expectErr fails the test unless err wraps want.
func expectErr(t *testing.T, err, want error, what string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: got error %v, want %v", what, err, want)
	}
}

// expectOK fails the test on err.
func expectOK(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// expectEqual fails the test unless got and want are equal, comparing times as instants
// (a zero time only equals a zero time).
func expectEqual(t *testing.T, got, want any, what string) {
	t.Helper()
	var diffs []string
	diff(&diffs, "", reflect.ValueOf(got), reflect.ValueOf(want))
	if len(diffs) > 0 {
		t.Errorf("%s differs:\n\t%s", what, strings.Join(diffs, "\n\t"))
	}
}

var timeType = reflect.TypeFor[time.Time]()

// diff appends the differences between got and want, named from path.
func diff(out *[]string, path string, got, want reflect.Value) {
	if got.IsValid() != want.IsValid() {
		*out = append(*out, fmt.Sprintf("%s: got %v, want %v", path, got, want))
		return
	}
	if !got.IsValid() {
		return
	}
	if got.Type() == timeType {
		g, w := got.Interface().(time.Time), want.Interface().(time.Time)
		if g.IsZero() != w.IsZero() || !g.Equal(w) {
			*out = append(*out, fmt.Sprintf("%s: got %v, want %v", path, g, w))
		}
		return
	}
	switch got.Kind() {
	case reflect.Pointer, reflect.Interface:
		if got.IsNil() || want.IsNil() {
			if got.IsNil() != want.IsNil() {
				*out = append(*out, fmt.Sprintf("%s: got %v, want %v", path, got, want))
			}
			return
		}
		diff(out, path, got.Elem(), want.Elem())
	case reflect.Struct:
		for i := range got.NumField() {
			diff(out, path+"."+got.Type().Field(i).Name, got.Field(i), want.Field(i))
		}
	case reflect.Slice:
		if got.Len() != want.Len() {
			*out = append(*out, fmt.Sprintf("%s: got %d elements %v, want %d %v", path, got.Len(), got, want.Len(), want))
			return
		}
		for i := range got.Len() {
			diff(out, fmt.Sprintf("%s[%d]", path, i), got.Index(i), want.Index(i))
		}
	case reflect.Map:
		if got.Len() != want.Len() {
			*out = append(*out, fmt.Sprintf("%s: got %v, want %v", path, got, want))
			return
		}
		for _, k := range want.MapKeys() {
			diff(out, fmt.Sprintf("%s[%v]", path, k), got.MapIndex(k), want.MapIndex(k))
		}
	default:
		if !reflect.DeepEqual(got.Interface(), want.Interface()) {
			*out = append(*out, fmt.Sprintf("%s: got %#v, want %#v", path, got, want))
		}
	}
}

// pageNames collects a name listing page by page with each limit, checks that every page
// respects the limit, and that every limit gives want.
func pageNames(t *testing.T, what string, want []string, list func(after string, limit int) ([]string, error)) {
	t.Helper()
	for _, limit := range []int{1, 2, 5, len(want) + 1, 250} {
		var got []string
		after := ""
		for page := 0; ; page++ {
			if page > len(want)+1 {
				t.Fatalf("%s limit %d: the listing does not end", what, limit)
			}
			names, err := list(after, limit)
			expectOK(t, err, what)
			if len(names) > limit {
				t.Fatalf("%s limit %d: page of %d", what, limit, len(names))
			}
			got = append(got, names...)
			if len(names) < limit {
				break
			}
			after = names[len(names)-1]
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s limit %d:\n got %v\nwant %v", what, limit, got, want)
		}
	}
}
