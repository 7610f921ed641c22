// Package postgres is the store of iotcertd on PostgreSQL, for several stateless nodes on
// one database. It uses github.com/jackc/pgx/v5 through a pgxpool connection pool.
//
// Every Update runs at SERIALIZABLE isolation: the domain reads, applies a rule and writes
// in one transaction, and PostgreSQL's serializable snapshot isolation guarantees that the
// outcome is one that some serial order of those transactions would give, whichever nodes
// ran them. Transactions that lose a race fail with a serialization failure (SQLSTATE
// 40001) or a deadlock (40P01); Update runs them again, after a backoff, as it does when a
// record's optimistic version is stale (iot.ErrConflict).
//
// Reads outside transactions run on the pool in autocommit mode and see committed data.
//
// The store holds no business rules: it stores records, enforces uniqueness and optimistic
// concurrency, and translates SQLSTATE codes to the iot sentinels.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// SQLSTATE codes the store acts on (PostgreSQL, Appendix A "Error Codes").
const (
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

// Update retry policy: bounded exponential backoff with jitter. Optimistic serializable
// transactions conflict more often than SQLite's single writer, so the budget is larger.
const (
	maxAttempts = 16
	minBackoff  = time.Millisecond
	maxBackoff  = 200 * time.Millisecond

	// rollbackTimeout bounds a rollback that runs after its context was cancelled.
	rollbackTimeout = 5 * time.Second
)

// Store is the PostgreSQL store. It implements iot.Store.
type Store struct {
	reader // reads outside transactions, on the pool
	pool   *pgxpool.Pool
	schema string
}

var _ iot.Store = (*Store)(nil)

// Open connects to the database named by dsn (a postgres:// URL or a keyword/value string,
// as libpq reads them; libpq's PG* environment variables apply too) and brings the schema
// up to date. The store keeps its tables in the first schema of the DSN's search_path
// parameter, creating that schema when it is missing; without one, in the role's default
// schema. Several processes may open one database at once: migrations take an advisory
// lock, so exactly one applies them.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgconn's parse errors hold the DSN with the password masked.
		return nil, fmt.Errorf("postgres: %w", err)
	}
	params := cfg.ConnConfig.RuntimeParams
	if params["application_name"] == "" {
		params["application_name"] = "iotcertd"
	}
	schema, err := firstSchema(params["search_path"])
	if err != nil {
		return nil, fmt.Errorf("postgres: search_path: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := migrate(ctx, pool, schema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: migrate: %w", err)
	}
	return &Store{reader: reader{q: pool}, pool: pool, schema: schema}, nil
}

// firstSchema returns the first schema of a search_path value, or "" when the path is
// empty or starts with $user. Unquoted names fold to lower case; quoted ones are taken as
// written, as PostgreSQL reads them.
func firstSchema(searchPath string) (string, error) {
	s := strings.TrimSpace(searchPath)
	if s == "" {
		return "", nil
	}
	if s[0] == '"' {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			if s[i] != '"' {
				b.WriteByte(s[i])
				continue
			}
			if i+1 < len(s) && s[i+1] == '"' {
				b.WriteByte('"')
				i++
				continue
			}
			rest := strings.TrimSpace(s[i+1:])
			if rest != "" && rest[0] != ',' || b.Len() == 0 {
				return "", fmt.Errorf("cannot read %q", searchPath)
			}
			return b.String(), nil
		}
		return "", fmt.Errorf("unterminated quote in %q", searchPath)
	}
	name, _, _ := strings.Cut(s, ",")
	name = strings.TrimSpace(name)
	if name == "$user" {
		return "", nil
	}
	if name == "" || strings.ContainsAny(name, " \t\"") {
		return "", fmt.Errorf("cannot read %q", searchPath)
	}
	return strings.ToLower(name), nil
}

// migrationLockKey is the advisory lock key of a schema's migrations, the same in every
// process.
func migrationLockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("iotcertd schema migration\x00" + schema))
	return int64(h.Sum64())
}

// migrate creates the schema if needed and applies the migrations it lacks, in one
// transaction that first takes the schema's advisory lock: nodes starting at once wait for
// each other, and each later one finds the work done. The transaction runs at READ
// COMMITTED, so that each statement after the lock sees what the previous holder committed
// (a serializable snapshot would be taken before the wait). DDL that is not needed is not
// run, so that a role without CREATE privilege can open a database already up to date.
func migrate(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, lockMigrations, migrationLockKey(schema)); err != nil {
		return err
	}
	if schema != "" {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, schema).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			if _, err := tx.Exec(ctx, `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize()); err != nil {
				return fmt.Errorf("create schema %s: %w", schema, err)
			}
		}
	}
	var hasVersions bool
	if err := tx.QueryRow(ctx, `SELECT to_regclass('schema_version') IS NOT NULL`).Scan(&hasVersions); err != nil {
		return err
	}
	if !hasVersions {
		if _, err := tx.Exec(ctx, createSchemaVersion); err != nil {
			return err
		}
	}
	var current int
	if err := tx.QueryRow(ctx, selectSchemaVersion).Scan(&current); err != nil {
		return err
	}
	ms := migrations()
	if current > len(ms) {
		return fmt.Errorf("the database schema is version %d; this iotcertd knows versions up to %d", current, len(ms))
	}
	for v := current + 1; v <= len(ms); v++ {
		// The simple protocol runs a script of several statements in one Exec.
		if _, err := tx.Exec(ctx, ms[v-1], pgx.QueryExecModeSimpleProtocol); err != nil {
			return fmt.Errorf("version %d: %w", v, err)
		}
		if _, err := tx.Exec(ctx, insertSchemaVersion, v, time.Now().UnixMilli()); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// Schema returns the schema the store keeps its tables in ("" for the role's default).
func (s *Store) Schema() string { return s.schema }

// Close closes the connection pool, waiting for connections in use to be released.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Update runs fn in a SERIALIZABLE transaction and commits it. It retries the whole
// transaction, after a backoff, when fn or the commit fails with iot.ErrConflict, a
// serialization failure or a deadlock, also when fn turned the driver's error into
// another; any other error rolls back and comes back unchanged.
func (s *Store) Update(ctx context.Context, fn func(tx iot.Tx) error) error {
	backoff := minBackoff
	for attempt := 1; ; attempt++ {
		retry, err := s.attempt(ctx, fn)
		if err == nil || !retry || attempt == maxAttempts {
			return err
		}
		if cerr := ctx.Err(); cerr != nil {
			return errors.Join(cerr, err)
		}
		// Full jitter over the upper half of the interval.
		d := backoff/2 + rand.N(backoff/2+1)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(ctx.Err(), err)
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// attempt runs fn once and reports whether its failure is worth a retry.
func (s *Store) attempt(ctx context.Context, fn func(tx iot.Tx) error) (retry bool, err error) {
	pgTx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		return transient(err), fmt.Errorf("postgres: begin: %w", err)
	}
	// Roll back even when ctx is cancelled, so that the connection goes back to the pool
	// clean; pgx closes it instead when the rollback does not finish in time.
	rollback := func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
		defer cancel()
		_ = pgTx.Rollback(rctx)
	}
	var lost bool
	t := &tx{reader{q: pgTx, lost: &lost}}
	done := false
	defer func() {
		if !done { // fn panicked: end the transaction, then let the panic go on
			rollback()
		}
	}()
	err = fn(t)
	done = true
	if err != nil {
		rollback()
		return lost || errors.Is(err, iot.ErrConflict) || transient(err), err
	}
	if err := pgTx.Commit(ctx); err != nil {
		// A transaction that a statement failed in commits as a rollback; when that
		// statement lost a race, the whole transaction is worth another try.
		return lost || transient(err), fmt.Errorf("postgres: commit: %w", err)
	}
	return false, nil
}

// sqlState returns the SQLSTATE of a PostgreSQL error in err's chain, or "".
func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// transient reports whether err is a serialization failure or a deadlock, which a later
// attempt of the same transaction may not meet.
func transient(err error) bool {
	switch sqlState(err) {
	case codeSerializationFailure, codeDeadlockDetected:
		return true
	}
	return false
}

// translate turns a driver error into the store's: a uniqueness violation is
// iot.ErrAlreadyExists, a foreign key violation (a record that names an absent one) is
// iot.ErrNotFound, and pgx.ErrNoRows is iot.ErrNotFound. The driver error stays in the
// chain. It decides by SQLSTATE, never by message.
func translate(op string, err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: %s: %w", op, iot.ErrNotFound)
	}
	switch sqlState(err) {
	case codeUniqueViolation:
		return fmt.Errorf("postgres: %s: %w (%w)", op, iot.ErrAlreadyExists, err)
	case codeForeignKeyViolation:
		return fmt.Errorf("postgres: %s: %w (%w)", op, iot.ErrNotFound, err)
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// querier is what reads and writes run on: the pool or a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// reader implements iot.Reader on a querier.
type reader struct {
	q querier
	// lost, in a transaction, is set when a statement lost a serialization race, so that
	// Update retries even if fn turned the error into another. (The transaction is
	// aborted then: every later statement fails.)
	lost *bool
}

// fail translates err and, in a transaction, notes a lost race.
func (r reader) fail(op string, err error) error {
	if r.lost != nil && transient(err) {
		*r.lost = true
	}
	return translate(op, err)
}

// tx implements iot.Tx on one transaction.
type tx struct {
	reader
}

var _ iot.Tx = (*tx)(nil)

// queryAll runs a query and scans every row with scan.
func queryAll[T any](ctx context.Context, r reader, op, query string, scan func(pgx.Row) (T, error), args ...any) ([]T, error) {
	rows, err := r.q.Query(ctx, query, args...)
	if err != nil {
		return nil, r.fail(op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, r.fail(op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, r.fail(op, err)
	}
	return out, nil
}

// queryOne runs a query for one row and scans it; no row is iot.ErrNotFound.
func queryOne[T any](ctx context.Context, r reader, op, query string, scan func(pgx.Row) (T, error), args ...any) (T, error) {
	v, err := scan(r.q.QueryRow(ctx, query, args...))
	if err != nil {
		var zero T
		return zero, r.fail(op, err)
	}
	return v, nil
}

// count runs a COUNT query.
func (r reader) count(ctx context.Context, op, query string, args ...any) (int, error) {
	var n int
	if err := r.q.QueryRow(ctx, query, args...).Scan(&n); err != nil {
		return 0, r.fail(op, err)
	}
	return n, nil
}

// exists runs a query that returns a row when a record exists.
func (r reader) exists(ctx context.Context, op, query string, args ...any) (bool, error) {
	var one int
	err := r.q.QueryRow(ctx, query, args...).Scan(&one)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, pgx.ErrNoRows):
		return false, nil
	default:
		return false, r.fail(op, err)
	}
}

// exec runs a statement and returns the number of rows it changed.
func (r reader) exec(ctx context.Context, op, query string, args ...any) (int64, error) {
	tag, err := r.q.Exec(ctx, query, args...)
	if err != nil {
		return 0, r.fail(op, err)
	}
	return tag.RowsAffected(), nil
}

// insert runs an INSERT ... ON CONFLICT DO NOTHING; no row written is
// iot.ErrAlreadyExists.
func (r reader) insert(ctx context.Context, op, query string, args ...any) error {
	n, err := r.exec(ctx, op, query, args...)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("postgres: %s: %w", op, iot.ErrAlreadyExists)
	}
	return nil
}

// execOne runs a statement that must change exactly one row; none is iot.ErrNotFound.
func (r reader) execOne(ctx context.Context, op, query string, args ...any) error {
	n, err := r.exec(ctx, op, query, args...)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("postgres: %s: %w", op, iot.ErrNotFound)
	}
	return nil
}

// versioned turns a versioned write that changed no row into iot.ErrConflict when the
// record exists (with another version) and iot.ErrNotFound when it does not.
func (r reader) versioned(ctx context.Context, op string, n int64, existsQuery string, key ...any) error {
	if n > 0 {
		return nil
	}
	ok, err := r.exists(ctx, op, existsQuery, key...)
	switch {
	case err != nil:
		return err
	case ok:
		return fmt.Errorf("postgres: %s: %w", op, iot.ErrConflict)
	default:
		return fmt.Errorf("postgres: %s: %w", op, iot.ErrNotFound)
	}
}

// limit checks a page size: every listing is bounded.
func limit(op string, n int) error {
	if n <= 0 {
		return fmt.Errorf("postgres: %s: limit %d is not positive", op, n)
	}
	return nil
}

// Times are BIGINT Unix milliseconds, read back in UTC, as in the SQLite store.

// ms returns t in Unix milliseconds (the zero time included: it reads back as zero).
func ms(t time.Time) int64 { return t.UnixMilli() }

// nullMS returns t in Unix milliseconds, or NULL for the zero time.
func nullMS(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	v := t.UnixMilli()
	return &v
}

// fromMS reads a time stored by ms.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// fromNullMS reads a time stored by nullMS.
func fromNullMS(v *int64) time.Time {
	if v == nil {
		return time.Time{}
	}
	return fromMS(*v)
}

// nullString returns s, or NULL when it is empty.
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// nonNil returns b, or an empty slice for nil, which the driver would bind as NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
