package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/iotcertd/iotcertd/internal/iot"
	"github.com/iotcertd/iotcertd/internal/store/postgres/pgtest"
	"github.com/iotcertd/iotcertd/internal/store/storetest"
)

// openTest opens a store on a fresh schema and closes it after the test; the schema is
// dropped after that.
func openTest(t testing.TB) (*Store, string) {
	t.Helper()
	dsn := pgtest.NewSchema(t)
	return openAt(t, dsn), dsn
}

// openAt opens a store on dsn and closes it after the test.
func openAt(t testing.TB, dsn string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn)
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
	pgtest.DSN(t) // skip once, not in every subtest
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

func TestFirstSchema(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{in: "", want: ""},
		{in: "  ", want: ""},
		{in: "iotcertd", want: "iotcertd"},
		{in: "IotCertd, public", want: "iotcertd"},
		{in: ` tenant_1 ,public`, want: "tenant_1"},
		{in: `"Mixed Case", public`, want: "Mixed Case"},
		{in: `"with""quote"`, want: `with"quote`},
		{in: `"$user", public`, want: "$user"},
		{in: "$user, public", want: ""},
		{in: `"unterminated`, bad: true},
		{in: `"a"b`, bad: true},
		{in: `""`, bad: true},
		{in: `, public`, bad: true},
		{in: `two words`, bad: true},
	} {
		got, err := firstSchema(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("firstSchema(%q) = %q, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("firstSchema(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// TestConcurrentOpen opens several stores on one new schema at once, as nodes starting
// together do: each succeeds and the migrations are applied once.
func TestConcurrentOpen(t *testing.T) {
	dsn := pgtest.NewSchema(t)
	const nodes = 6
	stores := make([]*Store, nodes)
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range nodes {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = Open(context.Background(), dsn)
		})
	}
	close(start)
	wg.Wait()
	for i, s := range stores {
		if errs[i] != nil {
			t.Errorf("Open %d: %v", i, errs[i])
			continue
		}
		t.Cleanup(func() { s.Close() })
	}
	if t.Failed() {
		return
	}
	ctx := context.Background()
	var rows, version int
	if err := stores[0].pool.QueryRow(ctx, `SELECT COUNT(*), MAX(version) FROM schema_version`).Scan(&rows, &version); err != nil {
		t.Fatal(err)
	}
	if rows != len(migrations()) || version != len(migrations()) {
		t.Errorf("schema_version has %d rows up to %d, want %d", rows, version, len(migrations()))
	}
	// Every store works on the same tables.
	if err := stores[1].Update(ctx, func(tx iot.Tx) error { return tx.CreateSetting(ctx, "shared", []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	if v, err := stores[nodes-1].Setting(ctx, "shared"); err != nil || string(v) != "v" {
		t.Errorf("another store reads %q, %v", v, err)
	}
	if got := stores[0].Schema(); !strings.HasPrefix(got, "iotcertd_test_") {
		t.Errorf("Schema() = %q", got)
	}
}

// TestReopen checks that data survives closing, that migrations run once and are
// idempotent, and that a schema newer than the code is refused.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewSchema(t)
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx iot.Tx) error { return tx.CreateSetting(ctx, "kept", []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openAt(t, dsn)
	if v, err := s.Setting(ctx, "kept"); err != nil || string(v) != "v" {
		t.Errorf("after reopening: %q, %v", v, err)
	}
	var rows int
	if err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM schema_version`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != len(migrations()) {
		t.Errorf("schema_version has %d rows, want %d", rows, len(migrations()))
	}
	if _, err := s.pool.Exec(ctx, migrations()[0], pgx.QueryExecModeSimpleProtocol); err != nil {
		t.Errorf("migration 1 again: %v", err)
	}
	if _, err := s.pool.Exec(ctx, insertSchemaVersion, 999, 0); err != nil {
		t.Fatal(err)
	}
	if s2, err := Open(ctx, dsn); err == nil {
		s2.Close()
		t.Fatal("Open accepted a schema newer than it knows")
	}
}

// TestTimeColumns checks that times are stored as BIGINT Unix milliseconds, the
// representation the SQLite store uses, so that both keep the same precision.
func TestTimeColumns(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	rows, err := s.pool.Query(ctx, `SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND column_name LIKE '%\_ms'`)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for rows.Next() {
		var table, column, typ string
		if err := rows.Scan(&table, &column, &typ); err != nil {
			t.Fatal(err)
		}
		n++
		if typ != "bigint" {
			t.Errorf("%s.%s is %s, want bigint", table, column, typ)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Errorf("found %d time columns", n)
	}
	created := time.UnixMilli(1_700_000_000_123).UTC()
	c := cert("us-east-1", "111111111111", 1, created)
	if err := s.Update(ctx, func(tx iot.Tx) error { return tx.CreateCertificate(ctx, c) }); err != nil {
		t.Fatal(err)
	}
	var stored int64
	if err := s.pool.QueryRow(ctx, `SELECT created_ms FROM certificates WHERE record_id = $1`, c.RecordID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != 1_700_000_000_123 {
		t.Errorf("created_ms = %d", stored)
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

func TestIsolationLevel(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	err := s.Update(ctx, func(t2 iot.Tx) error {
		var level string
		if err := t2.(*tx).q.QueryRow(ctx, `SHOW transaction_isolation`).Scan(&level); err != nil {
			return err
		}
		if level != "serializable" {
			t.Errorf("Update runs at %s, want serializable", level)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
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

// TestErrorClassification checks, with errors PostgreSQL really returns, that unique and
// foreign key violations translate by SQLSTATE and that serialization failures and
// deadlocks are retryable; and that nothing is decided by message text.
func TestErrorClassification(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	if _, err := s.pool.Exec(ctx, `INSERT INTO settings (name, value) VALUES ('a', '\x01')`); err != nil {
		t.Fatal(err)
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO settings (name, value) VALUES ('a', '\x02')`)
	if sqlState(err) != codeUniqueViolation || !errors.Is(translate("op", err), iot.ErrAlreadyExists) || transient(err) {
		t.Errorf("unique violation %v: translated to %v", err, translate("op", err))
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO access_keys (id, account_id, sealed_secret, created_ms) VALUES ('k', 'absent', '\x00', 0)`)
	if sqlState(err) != codeForeignKeyViolation || !errors.Is(translate("op", err), iot.ErrNotFound) {
		t.Errorf("foreign key violation %v: translated to %v", err, translate("op", err))
	}

	// A serialization failure: a transaction updates a row that another changed and
	// committed after the first took its snapshot.
	c := cert("us-east-1", "111111111111", 1, time.UnixMilli(1000).UTC())
	if err := s.Update(ctx, func(tx iot.Tx) error { return tx.CreateCertificate(ctx, c) }); err != nil {
		t.Fatal(err)
	}
	first, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Rollback(ctx)
	var v int64
	if err := first.QueryRow(ctx, `SELECT version FROM certificates WHERE record_id = $1`, c.RecordID).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `UPDATE certificates SET version = version + 1 WHERE record_id = $1`, c.RecordID); err != nil {
		t.Fatal(err)
	}
	_, err = first.Exec(ctx, `UPDATE certificates SET version = version + 1 WHERE record_id = $1`, c.RecordID)
	if sqlState(err) != codeSerializationFailure || !transient(err) || !transient(translate("op", err)) {
		t.Errorf("serialization failure %v (SQLSTATE %s) is not transient", err, sqlState(err))
	}
	first.Rollback(ctx)

	// A deadlock: two transactions lock two rows in opposite orders.
	if err := s.Update(ctx, func(tx iot.Tx) error {
		return errors.Join(tx.CreateSetting(ctx, "x", nil), tx.CreateSetting(ctx, "y", nil))
	}); err != nil {
		t.Fatal(err)
	}
	lock := `SELECT 1 FROM settings WHERE name = $1 FOR UPDATE`
	t1, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer t1.Rollback(ctx)
	t2, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer t2.Rollback(ctx)
	if _, err := t1.Exec(ctx, lock, "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := t2.Exec(ctx, lock, "y"); err != nil {
		t.Fatal(err)
	}
	type result struct {
		tx  pgx.Tx
		err error
	}
	results := make(chan result, 2)
	go func() { _, err := t1.Exec(ctx, lock, "y"); results <- result{t1, err} }()
	go func() { _, err := t2.Exec(ctx, lock, "x"); results <- result{t2, err} }()
	// PostgreSQL breaks the deadlock after deadlock_timeout (1 s by default) by failing
	// one of the two; once that one ends, the other gets its lock.
	one := <-results
	if one.err != nil {
		one.tx.Rollback(ctx)
	}
	other := <-results
	deadlocked := errors.Join(one.err, other.err)
	if one.err != nil && other.err != nil {
		t.Errorf("both transactions failed: %v", deadlocked)
	}
	if sqlState(deadlocked) != codeDeadlockDetected || !transient(deadlocked) {
		t.Errorf("deadlock %v (SQLSTATE %s) is not transient", deadlocked, sqlState(deadlocked))
	}

	// Codes decide; messages do not.
	for _, tc := range []struct {
		err        error
		exists     bool
		retryable  bool
		notFound   bool
		explaining string
	}{
		{err: &pgconn.PgError{Code: "XX000", Message: "duplicate key value violates unique constraint"}, explaining: "message of a unique violation"},
		{err: &pgconn.PgError{Code: "XX000", Message: "could not serialize access due to concurrent update"}, explaining: "message of a serialization failure"},
		{err: fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: codeUniqueViolation}), exists: true, explaining: "wrapped unique violation"},
		{err: fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: codeDeadlockDetected}), retryable: true, explaining: "wrapped deadlock"},
		{err: fmt.Errorf("wrapped: %w", pgx.ErrNoRows), notFound: true, explaining: "no rows"},
	} {
		got := translate("op", tc.err)
		if errors.Is(got, iot.ErrAlreadyExists) != tc.exists || transient(tc.err) != tc.retryable || errors.Is(got, iot.ErrNotFound) != tc.notFound {
			t.Errorf("%s: translated to %v, transient %v", tc.explaining, got, transient(tc.err))
		}
	}
}

// TestUpdateRetriesHiddenSerializationFailure checks that Update retries a transaction
// that lost a serialization race even when fn returned another error in its place.
func TestUpdateRetriesHiddenSerializationFailure(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	c := cert("us-east-1", "111111111111", 1, time.UnixMilli(1000).UTC())
	if err := s.Update(ctx, func(tx iot.Tx) error { return tx.CreateCertificate(ctx, c) }); err != nil {
		t.Fatal(err)
	}
	calls := 0
	err := s.Update(ctx, func(tx iot.Tx) error {
		calls++
		recs, err := tx.CertificatesByID(ctx, c.Region, c.ID)
		if err != nil {
			return err
		}
		if calls == 1 {
			// Another node changes the record after this transaction's snapshot.
			if _, err := s.pool.Exec(ctx, `UPDATE certificates SET customer_version = 50 WHERE record_id = $1`, c.RecordID); err != nil {
				return fmt.Errorf("concurrent update: %v", err)
			}
		}
		recs[0].CustomerVersion++
		if err := tx.PutCertificate(ctx, recs[0]); err != nil {
			if calls == 1 && transient(err) {
				return errors.New("fn reports the failure in its own words")
			}
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if calls != 2 {
		t.Errorf("fn ran %d times, want 2", calls)
	}
	got, err := s.CertificatesByID(ctx, c.Region, c.ID)
	if err != nil || len(got) != 1 || got[0].CustomerVersion != 51 {
		t.Errorf("after the retry: %+v, %v; want CustomerVersion 51", got, err)
	}
}

// planNode is the part of EXPLAIN (FORMAT JSON) output the plan checks read.
type planNode struct {
	NodeType  string     `json:"Node Type"`
	Relation  string     `json:"Relation Name"`
	Index     string     `json:"Index Name"`
	IndexCond string     `json:"Index Cond"`
	Plans     []planNode `json:"Plans"`
}

// walk calls fn for n and every node below it.
func (n planNode) walk(fn func(planNode)) {
	fn(n)
	for _, c := range n.Plans {
		c.walk(fn)
	}
}

// explain returns the plan of query with args bound as literals (a custom plan, as
// PostgreSQL makes for the first executions of a prepared statement) and, with
// plan_cache_mode forced, the generic plan a prepared statement may switch to later.
func explain(t *testing.T, conn *pgx.Conn, query string, args []any) (custom, generic planNode) {
	t.Helper()
	ctx := context.Background()
	read := func(rows pgx.Rows, err error) planNode {
		t.Helper()
		if err != nil {
			t.Fatalf("EXPLAIN: %v", err)
		}
		var out []byte
		for rows.Next() {
			if err := rows.Scan(&out); err != nil {
				t.Fatal(err)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("EXPLAIN: %v", err)
		}
		var plans []struct{ Plan planNode }
		if err := json.Unmarshal(out, &plans); err != nil || len(plans) != 1 {
			t.Fatalf("EXPLAIN output %s: %v", out, err)
		}
		return plans[0].Plan
	}
	custom = read(conn.Query(ctx, "EXPLAIN (FORMAT JSON) "+query, append([]any{pgx.QueryExecModeSimpleProtocol}, args...)...))

	if _, err := conn.Exec(ctx, `SET plan_cache_mode = force_generic_plan`); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(ctx, `RESET plan_cache_mode`)
	if _, err := conn.Exec(ctx, `DEALLOCATE ALL`); err != nil {
		t.Fatal(err)
	}
	types := make([]string, len(args))
	literals := make([]string, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			types[i], literals[i] = "text", "'"+strings.ReplaceAll(v, "'", "''")+"'"
		case int:
			types[i], literals[i] = "bigint", fmt.Sprint(v)
		case int64:
			types[i], literals[i] = "bigint", fmt.Sprint(v)
		default:
			t.Fatalf("argument %T", a)
		}
	}
	if _, err := conn.Exec(ctx, "PREPARE listing ("+strings.Join(types, ", ")+") AS "+query); err != nil {
		t.Fatalf("PREPARE: %v", err)
	}
	generic = read(conn.Query(ctx, "EXPLAIN (FORMAT JSON) EXECUTE listing ("+strings.Join(literals, ", ")+")",
		pgx.QueryExecModeSimpleProtocol))
	return custom, generic
}

// TestQueryPlans shows with EXPLAIN that listing a page of certificates reads index ranges
// that start at the page's position, never the whole account: the database is filled so
// that one account holds most certificates, analysed, and each listing query must read the
// certificates table by index scans only (no sequential scan, no bitmap scan of every row
// of the account followed by a sort), in both orders, with and without a position, in the
// custom plan and in the generic plan a cached prepared statement may use.
func TestQueryPlans(t *testing.T) {
	ctx := context.Background()
	s, dsn := openTest(t)
	base := time.UnixMilli(1_700_000_000_000).UTC()
	const rows = 20000
	err := s.Update(ctx, func(tx iot.Tx) error {
		for i := range rows {
			owner := "111111111111"
			if i%10 == 0 {
				owner = fmt.Sprintf("%012d", i)
			}
			c := cert("us-east-1", owner, i, base.Add(time.Duration(i/3)*time.Millisecond))
			if i%50 == 0 {
				c.Transfer.Target = "222222222222"
			}
			if i%70 == 0 {
				c.Transfer.Target = "111111111111"
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
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `ANALYZE certificates`); err != nil {
		t.Fatal(err)
	}

	mid := cert("us-east-1", "111111111111", rows/2, base.Add(time.Duration(rows/6)*time.Millisecond))
	for _, order := range []iot.Order{iot.Descending, iot.Ascending} {
		for _, after := range []bool{false, true} {
			q := iot.CertificateQuery{Region: "us-east-1", Account: "111111111111", Order: order, Limit: 26}
			if after {
				q.After = &iot.CertificateCursor{CreatedAt: mid.CreatedAt, ID: mid.ID}
			}
			for _, tc := range []struct {
				name    string
				query   string
				indexes []string
			}{
				{"ListCertificates", listCertificatesSQL(order, after), []string{"certificates_owner_list", "certificates_target_list"}},
				{"ListOutgoingCertificates", listOutgoingCertificatesSQL(order, after), []string{"certificates_outgoing_list"}},
			} {
				custom, generic := explain(t, conn, tc.query, listCertificatesArgs(q))
				for kind, plan := range map[string]planNode{"custom": custom, "generic": generic} {
					what := fmt.Sprintf("%s (order %d, after %v), %s plan", tc.name, order, after, kind)
					if plan.NodeType != "Limit" {
						t.Errorf("%s: top node %s, want Limit", what, plan.NodeType)
					}
					var used []string
					plan.walk(func(n planNode) {
						if n.Relation != "certificates" {
							return
						}
						if n.NodeType != "Index Scan" && n.NodeType != "Index Only Scan" {
							t.Errorf("%s: %s on certificates, want index scans only", what, n.NodeType)
							return
						}
						used = append(used, n.Index)
						if after && !strings.Contains(n.IndexCond, "created_ms") {
							t.Errorf("%s: %s does not start at the position: Index Cond %s", what, n.Index, n.IndexCond)
						}
					})
					slices.Sort(used)
					if !slices.Equal(used, tc.indexes) {
						t.Errorf("%s: scans %v, want %v", what, used, tc.indexes)
					}
				}
			}
		}
	}

	// CertificatesByID (the lookup that starts every certificate operation) is a scan of
	// the unique index in ID order.
	custom, generic := explain(t, conn, selectCertificatesByID, []any{mid.Region, mid.ID})
	for kind, plan := range map[string]planNode{"custom": custom, "generic": generic} {
		var used []string
		plan.walk(func(n planNode) {
			if n.Relation == "certificates" {
				used = append(used, n.NodeType+" "+n.Index)
			}
		})
		if want := []string{"Index Scan certificates_id_owner"}; !slices.Equal(used, want) {
			t.Errorf("CertificatesByID, %s plan: %v, want %v", kind, used, want)
		}
	}

	// The listing still returns the right page.
	page, err := s.ListCertificates(ctx, iot.CertificateQuery{Region: "us-east-1", Account: "111111111111", Limit: 5,
		After: &iot.CertificateCursor{CreatedAt: mid.CreatedAt, ID: mid.ID}})
	if err != nil || len(page) != 5 {
		t.Fatalf("page: %d, %v", len(page), err)
	}
	for _, c := range page {
		if !c.CreatedAt.Before(mid.CreatedAt) && !(c.CreatedAt.Equal(mid.CreatedAt) && c.ID < mid.ID) {
			t.Errorf("page holds %s at %v, not after the position", c.ID, c.CreatedAt)
		}
	}
}

// TestMigrateCertificateIDIndex opens a store on a schema as version 3 left it, holding a
// certificate: the migration replaces the two indexes on region, owner and certificate ID
// by one unique index in ID order, which still finds the record and still refuses a second
// record of the certificate in the same account.
func TestMigrateCertificateIDIndex(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewSchema(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	var path string
	if err := conn.QueryRow(ctx, `SHOW search_path`).Scan(&path); err != nil {
		t.Fatal(err)
	}
	schema, err := firstSchema(path)
	if err != nil {
		t.Fatal(err)
	}
	created := time.UnixMilli(1_700_000_000_000).UTC()
	old := cert("us-east-1", "111111111111", 7, created)
	old.Mode = iot.ModeSNIOnly
	steps := []string{`CREATE SCHEMA ` + pgx.Identifier{schema}.Sanitize(), createSchemaVersion}
	steps = append(steps, migrations()[:3]...)
	for i, q := range steps {
		if _, err := conn.Exec(ctx, q, pgx.QueryExecModeSimpleProtocol); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	for v := 1; v <= 3; v++ {
		if _, err := conn.Exec(ctx, insertSchemaVersion, v, 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, insertCertificate, certificateArgs(old, 1)...); err != nil {
		t.Fatal(err)
	}
	indexes := func(q querier) []string {
		t.Helper()
		rows, err := q.Query(ctx, `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'certificates'
			AND indexname LIKE 'certificates\_%id%' ORDER BY indexname`, schema)
		if err != nil {
			t.Fatal(err)
		}
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	if got, want := indexes(conn), []string{"certificates_default_id", "certificates_id", "certificates_owner_id"}; !slices.Equal(got, want) {
		t.Fatalf("indexes before the migration: %v, want %v", got, want)
	}
	conn.Close(ctx)

	s := openAt(t, dsn)
	if got, want := indexes(s.pool), []string{"certificates_default_id", "certificates_id_owner"}; !slices.Equal(got, want) {
		t.Errorf("indexes after the migration: %v, want %v", got, want)
	}
	storetest.CheckCertificateAfterMigration(t, s, old)
}
