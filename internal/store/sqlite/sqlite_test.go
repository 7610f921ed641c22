package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iotcertd/iotcertd/internal/iot"
	"github.com/iotcertd/iotcertd/internal/store/storetest"
)

// openTest opens a store on a new file in a test directory and closes it after the test.
func openTest(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "iotcertd.db")
	return openAt(t, path), path
}

// openAt opens a store on path and closes it after the test.
func openAt(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) iot.Store {
		s, _ := openTest(t)
		return s
	})
}

// cert returns a minimal certificate record.
func cert(region, owner string, n int, created time.Time) *iot.Certificate {
	id := fmt.Sprintf("%064x", n)
	return &iot.Certificate{RecordID: fmt.Sprintf("%s-%s-%d", region, owner, n), Region: region, ID: id, Owner: owner,
		Status: iot.StatusActive, Mode: iot.ModeDefault, PEM: strings.Repeat("P", 1200), CreatedAt: created,
		LastModifiedAt: created, CustomerVersion: 1, GenerationID: "g", NotBefore: created, NotAfter: created.AddDate(1, 0, 0)}
}

// bumpVersion returns a fn that reads the one record of certificate c and writes it back
// with its customer version advanced, as the domain's UpdateCertificate does.
func bumpVersion(ctx context.Context, c *iot.Certificate) func(tx iot.Tx) error {
	return func(tx iot.Tx) error {
		recs, err := tx.CertificatesByID(ctx, c.Region, c.ID)
		if err != nil {
			return err
		}
		if len(recs) != 1 {
			return fmt.Errorf("%d records", len(recs))
		}
		recs[0].CustomerVersion++
		return tx.PutCertificate(ctx, recs[0])
	}
}

// TestSharedFile opens two stores on one file, as the server and the admin command do, and
// checks that each sees what the other commits, also when they write at the same time.
func TestSharedFile(t *testing.T) {
	ctx := context.Background()
	first, path := openTest(t)
	second := openAt(t, path)

	err := first.Update(ctx, func(tx iot.Tx) error {
		return tx.CreateAccount(ctx, &iot.Account{ID: "111111111111", CreatedAt: time.UnixMilli(1).UTC()})
	})
	if err != nil {
		t.Fatal(err)
	}
	if a, err := second.Account(ctx, "111111111111"); err != nil || a.ID != "111111111111" {
		t.Fatalf("second store reads %v, %v", a, err)
	}
	c := cert("us-east-1", "111111111111", 1, time.UnixMilli(1000).UTC())
	c.CustomerVersion = 0
	if err := second.Update(ctx, func(tx iot.Tx) error { return tx.CreateCertificate(ctx, c) }); err != nil {
		t.Fatal(err)
	}
	if n, err := first.CountAccounts(ctx); err != nil || n != 1 {
		t.Fatalf("CountAccounts = %d, %v", n, err)
	}

	// Both stores increment one counter at once: their writers contend for the file's lock.
	const workers, each = 4, 10
	var wg sync.WaitGroup
	for w := range workers {
		s := first
		if w%2 == 1 {
			s = second
		}
		wg.Go(func() {
			for range each {
				if err := s.Update(ctx, bumpVersion(ctx, c)); err != nil {
					t.Errorf("worker %d: %v", w, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, s := range []*Store{first, second} {
		recs, err := s.CertificatesByID(ctx, c.Region, c.ID)
		if err != nil || len(recs) != 1 || recs[0].CustomerVersion != workers*each {
			t.Errorf("after concurrent increments from two stores: %v, %v", recs, err)
		}
	}
}

// TestReopen checks that data survives closing and that migrations run once.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "iotcertd.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx iot.Tx) error { return tx.CreateSetting(ctx, "kept", []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("database file mode %v, %v; want 0600", info.Mode(), err)
	}
	s = openAt(t, path)
	if v, err := s.Setting(ctx, "kept"); err != nil || string(v) != "v" {
		t.Errorf("after reopening: %q, %v", v, err)
	}
	var rows, version int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*), MAX(version) FROM schema_version`).Scan(&rows, &version); err != nil {
		t.Fatal(err)
	}
	if rows != len(migrations()) || version != len(migrations()) {
		t.Errorf("schema_version has %d rows up to %d, want %d", rows, version, len(migrations()))
	}
	// Migrations are idempotent: running one again changes nothing.
	if _, err := s.write.ExecContext(ctx, migrations()[0]); err != nil {
		t.Errorf("migration 1 again: %v", err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	if _, err := s.write.ExecContext(ctx, insertSchemaVersion, 999, 0); err != nil {
		t.Fatal(err)
	}
	if s2, err := Open(ctx, path); err == nil {
		s2.Close()
		t.Fatal("Open accepted a schema newer than it knows")
	}
}

func TestOpenRefusesNonFiles(t *testing.T) {
	for _, p := range []string{"", ":memory:", filepath.Join(t.TempDir(), "a?mode=memory")} {
		if s, err := Open(context.Background(), p); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", p)
		}
	}
}

// TestPragmas checks the connection settings durability and concurrency rely on.
func TestPragmas(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	pragma := func(db *sql.DB, name string) string {
		t.Helper()
		var v string
		if err := db.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
			t.Fatalf("PRAGMA %s: %v", name, err)
		}
		return v
	}
	for db, want := range map[*sql.DB]map[string]string{
		s.write: {"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "busy_timeout": fmt.Sprint(busyTimeoutMS), "query_only": "0"},
		s.read:  {"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": fmt.Sprint(busyTimeoutMS), "query_only": "1"},
	} {
		for name, v := range want {
			if got := pragma(db, name); got != v {
				t.Errorf("PRAGMA %s = %s, want %s", name, got, v)
			}
		}
	}
	if _, err := s.read.ExecContext(ctx, insertSetting, "x", []byte("y")); err == nil {
		t.Errorf("the read pool accepted a write")
	}
}

// TestReadsSeeCommittedData checks that reads outside a transaction do not see its
// uncommitted writes.
func TestReadsSeeCommittedData(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	err := s.Update(ctx, func(tx iot.Tx) error {
		if err := tx.CreateSetting(ctx, "pending", []byte("v")); err != nil {
			return err
		}
		if _, err := tx.Setting(ctx, "pending"); err != nil {
			t.Errorf("the transaction does not read its own write: %v", err)
		}
		if _, err := s.Setting(ctx, "pending"); !errors.Is(err, iot.ErrNotFound) {
			t.Errorf("a read outside the transaction saw its write: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Setting(ctx, "pending"); err != nil {
		t.Errorf("committed write not seen: %v", err)
	}
}

func TestAccessKeyOfAbsentAccount(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	err := s.Update(ctx, func(tx iot.Tx) error {
		return tx.CreateAccessKey(ctx, &iot.AccessKey{ID: "AKIA", Account: "999999999999", SealedSecret: []byte{1}})
	})
	if !errors.Is(err, iot.ErrNotFound) {
		t.Errorf("access key of an absent account: %v, want ErrNotFound", err)
	}
}

// TestErrorClassification checks, with errors the driver really returns, that lock
// failures are retryable and constraint failures translate by code.
func TestErrorClassification(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	if err := s.Update(ctx, func(tx iot.Tx) error { return tx.CreateSetting(ctx, "a", []byte("1")) }); err != nil {
		t.Fatal(err)
	}
	_, err := s.write.ExecContext(ctx, insertSetting, "a", []byte("2"))
	if !errors.Is(translate("op", err), iot.ErrAlreadyExists) || transient(err) {
		t.Errorf("unique violation %v: translated to %v", err, translate("op", err))
	}

	// A second connection without a busy timeout fails at once on the held write lock.
	other, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(0)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	holder, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.BeginTx(ctx, nil)
	if err == nil {
		t.Fatal("a second writer got the lock")
	}
	if !transient(err) {
		t.Errorf("lock failure %v is not transient", err)
	}
	if errors.Is(translate("op", err), iot.ErrAlreadyExists) || transient(errors.New("database is locked")) {
		t.Errorf("classification by message")
	}
	if err := holder.Rollback(); err != nil {
		t.Fatal(err)
	}
}

// queryPlan returns the EXPLAIN QUERY PLAN lines of query.
func queryPlan(t testing.TB, db *sql.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("EXPLAIN QUERY PLAN: %v", err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestQueryPlans checks that the listings are index range scans, on an empty database and
// on one with statistics.
func TestQueryPlans(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	check := func(stage string) {
		t.Helper()
		args := []any{"111111111111", "us-east-1", int64(1000), strings.Repeat("a", 64), 26}
		for _, order := range []iot.Order{iot.Descending, iot.Ascending} {
			for _, after := range []bool{false, true} {
				for _, tc := range []struct {
					name    string
					query   string
					indexes []string
				}{
					{"ListCertificates", listCertificatesSQL(order, after), []string{"certificates_owner_list", "certificates_target_list"}},
					{"ListOutgoingCertificates", listOutgoingCertificatesSQL(order, after), []string{"certificates_outgoing_list"}},
				} {
					plan := queryPlan(t, s.read, tc.query, args...)
					text := strings.Join(plan, "\n")
					for _, index := range tc.indexes {
						found := false
						for _, line := range plan {
							if strings.HasPrefix(line, "SEARCH certificates USING ") && strings.Contains(line, "INDEX "+index+" ") &&
								strings.Contains(line, "region=?") && (!after || strings.Contains(line, "(created_ms,cert_id)")) {
								found = true
							}
						}
						if !found {
							t.Errorf("%s: %s (order %d, after %v) does not search %s:\n%s", stage, tc.name, order, after, index, text)
						}
					}
					for _, line := range plan {
						if strings.HasPrefix(line, "SCAN certificates") {
							t.Errorf("%s: %s scans the table:\n%s", stage, tc.name, text)
						}
					}
				}
			}
		}
		for _, tc := range []struct{ query, want string }{
			{selectCertificatesByID, "SEARCH certificates USING INDEX certificates_id_owner (region=? AND cert_id=?)"},
			{selectThingPrincipals, "SEARCH thing_principals USING PRIMARY KEY (region=? AND account=? AND thing_name=? AND principal>?)"},
			{selectPrincipalThings, "SEARCH thing_principals USING COVERING INDEX thing_principals_principal (region=? AND account=? AND principal=? AND thing_name>?)"},
			{selectPoliciesForTarget, "SEARCH policy_targets USING COVERING INDEX policy_targets_target (region=? AND account=? AND target=? AND policy_name>?)"},
		} {
			args := []any{"r", "a", "x", "y", 10}[:strings.Count(tc.query, "?")]
			plan := queryPlan(t, s.read, tc.query, args...)
			found := false
			for _, line := range plan {
				found = found || line == tc.want
			}
			if !found {
				t.Errorf("%s: plan of\n%s\nlacks %q:\n%s", stage, tc.query, tc.want, strings.Join(plan, "\n"))
			}
		}
	}
	check("empty database")

	// Fill the database so that one account holds most certificates, then let SQLite
	// gather statistics: the plans must not change to scans.
	base := time.UnixMilli(1_700_000_000_000).UTC()
	err := s.Update(ctx, func(tx iot.Tx) error {
		for i := range 3000 {
			owner := "111111111111"
			if i%10 == 0 {
				owner = fmt.Sprintf("%012d", i)
			}
			c := cert("us-east-1", owner, i, base.Add(time.Duration(i/3)*time.Millisecond))
			if i%50 == 0 {
				c.Transfer.Target = "222222222222"
			}
			if err := tx.CreateCertificate(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.write.ExecContext(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	// Read connections load statistics when they prepare against a changed schema.
	check("analyzed database")
}

// benchStore returns a store holding n certificates of one account in one region (several
// per millisecond), plus a few in other accounts.
func benchStore(b *testing.B, n int) (*Store, []*iot.Certificate) {
	b.Helper()
	ctx := context.Background()
	s, _ := openTest(b)
	base := time.UnixMilli(1_700_000_000_000).UTC()
	certs := make([]*iot.Certificate, n)
	err := s.Update(ctx, func(tx iot.Tx) error {
		for i := range n {
			certs[i] = cert("us-east-1", "111111111111", i, base.Add(time.Duration(i/4)*time.Millisecond))
			if i%20 == 0 {
				certs[i].Owner = "222222222222"
				certs[i].RecordID += "-b"
			}
			if err := tx.CreateCertificate(ctx, certs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return s, certs
}

// BenchmarkCertificatesByID reads one certificate, with a context that cannot be
// cancelled and with one that can, as an HTTP request's.
func BenchmarkCertificatesByID(b *testing.B) {
	s, certs := benchStore(b, 10_000)
	cancellable, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
	}{{"background", context.Background()}, {"cancellable", cancellable}} {
		b.Run("ctx="+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				c := certs[(i*7919)%len(certs)]
				i++
				recs, err := s.CertificatesByID(tc.ctx, c.Region, c.ID)
				if err != nil || len(recs) != 1 {
					b.Fatalf("%d records, %v", len(recs), err)
				}
			}
		})
	}
}

func BenchmarkListCertificates(b *testing.B) {
	ctx := context.Background()
	s, certs := benchStore(b, 10_000)
	mid := certs[len(certs)/2]
	for _, order := range []iot.Order{iot.Descending, iot.Ascending} {
		b.Run(fmt.Sprintf("order=%d", order), func(b *testing.B) {
			q := iot.CertificateQuery{Region: "us-east-1", Account: "111111111111", Order: order, Limit: 50,
				After: &iot.CertificateCursor{CreatedAt: mid.CreatedAt, ID: mid.ID}}
			for b.Loop() {
				page, err := s.ListCertificates(ctx, q)
				if err != nil || len(page) != 50 {
					b.Fatalf("%d certificates, %v", len(page), err)
				}
			}
		})
	}
}

func BenchmarkPutCertificate(b *testing.B) {
	ctx := context.Background()
	s, certs := benchStore(b, 1_000)
	c := certs[1]
	for b.Loop() {
		err := s.Update(ctx, func(tx iot.Tx) error {
			c.CustomerVersion++
			return tx.PutCertificate(ctx, c)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// TestMigrateCertificateIDIndex opens a database written before the two indexes on a
// certificate's region, ID and owner became one, holding certificate records, and checks
// that the old indexes are gone, the records are found by ID, and the one unique index still
// refuses a second record of a certificate in an account while allowing one in another.
func TestMigrateCertificateIDIndex(t *testing.T) {
	ctx := context.Background()
	db, path := databaseBefore(t, schemaCertificateIDIndex)
	created := time.UnixMilli(1_700_000_000_000).UTC()
	old := cert("us-east-1", "111111111111", 7, created)
	old.Mode = iot.ModeSNIOnly
	if _, err := db.ExecContext(ctx, insertCertificate, certificateArgs(old, 1)...); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := openAt(t, path)
	rows, err := s.read.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'certificates' AND name LIKE 'certificates_%id%'`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	if want := []string{"certificates_default_id", "certificates_id_owner"}; !slices.Equal(names, want) {
		t.Errorf("indexes after the migration: %v, want %v", names, want)
	}
	storetest.CheckCertificateAfterMigration(t, s, old)
}

// databaseBefore creates a database file holding the schema as it was before migration (one
// of migrations()), with those versions recorded, as an older build left it; the caller
// adds rows, closes the returned connection and opens the store on path.
func databaseBefore(t *testing.T, migration string) (db *sql.DB, path string) {
	t.Helper()
	ctx := context.Background()
	path = filepath.Join(t.TempDir(), "iotcertd.db")
	db, err := sql.Open("sqlite", dsn(path, writeParams))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, createSchemaVersion); err != nil {
		t.Fatal(err)
	}
	for i, q := range migrations()[:slices.Index(migrations(), migration)] {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("migration %d: %v", i+1, err)
		}
		if _, err := db.ExecContext(ctx, insertSchemaVersion, i+1, 0); err != nil {
			t.Fatal(err)
		}
	}
	return db, path
}
