// Package sqlite is the embedded default store of iotcertd: one SQLite database file, in
// WAL mode with synchronous=FULL, so that every acknowledged write is on disk.
//
// A Store holds two connection pools on the file: a single connection for writes, whose
// transactions begin IMMEDIATE (they take the write lock up front, so writers serialise
// and a transaction's reads and writes cannot be interleaved with another writer's), and a
// pool of query-only connections for reads outside transactions, which WAL lets run
// alongside the writer. Concurrent Update calls share a write transaction and its fsync,
// each in a savepoint of its own (group commit, see groupcommit.go). Another process (the admin command) may open the same file at the
// same time; SQLite's locking and the busy timeout arbitrate between them.
//
// The store holds no business rules: it stores records, enforces uniqueness and optimistic
// concurrency, and translates SQLite result codes to the iot sentinels.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// Connection settings.
const (
	// busyTimeoutMS is how long a connection waits for a lock another connection (or
	// process) holds before failing with SQLITE_BUSY.
	busyTimeoutMS = 10000

	// writeParams configure the write connection: WAL, every commit synced before it is
	// acknowledged, foreign keys enforced, and transactions that begin with BEGIN IMMEDIATE.
	writeParams = "_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(ON)&_txlock=immediate"
	// readParams configure the read connections, which may not write.
	readParams = "_pragma=foreign_keys(ON)&_pragma=query_only(1)"
)

// dsn returns the driver's data source name for the file at path (which the driver cuts
// at the first '?') with params and the busy timeout, which the driver applies first.
func dsn(path, params string) string {
	return fmt.Sprintf("%s?_pragma=busy_timeout(%d)&%s", path, busyTimeoutMS, params)
}

// Store is the SQLite store. It implements iot.Store.
type Store struct {
	reader // reads outside transactions, on the read pool
	write  *sql.DB
	read   *sql.DB
	// The prepared statements of each pool, by query text; read-only after Open.
	writeStmts, readStmts map[string]*sql.Stmt
	// savepoint holds the statements that bracket each fn of a batch, on the write pool.
	savepoint savepointStmts

	// Group commit (see groupcommit.go). turn is a one-token semaphore: the goroutine
	// holding it alone uses the write connection. waiting counts the callers of Update
	// that want the turn and do not have it yet. open is the batch transaction that later
	// callers join; it is read and written only by the holder of the turn.
	turn    chan struct{}
	waiting atomic.Int64
	open    *batch
	// maxBatch bounds the callers of one batch (SetMaxBatch).
	maxBatch int
	// closed is set by Close, under the turn.
	closed bool
	// commits counts batches committed, for tests.
	commits atomic.Uint64
	// testHookWaiting, when set by a test, runs when a caller of Update starts waiting for
	// the turn (after it is counted in waiting).
	testHookWaiting func()
}

var _ iot.Store = (*Store)(nil)

// Open opens (creating it if needed, readable by its owner only) the database file at path
// and brings its schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || path == ":memory:" || strings.Contains(path, "?") {
		return nil, fmt.Errorf("sqlite: %q is not a database file path", path)
	}
	if strings.HasPrefix(path, "file:") {
		path = "./" + path // a file name, not a URI
	}
	if err := createFile(path); err != nil {
		return nil, err
	}
	write, err := sql.Open("sqlite", dsn(path, writeParams))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	// The write connection opens first and sets WAL mode, which is persistent in the file,
	// before any read connection opens.
	if err := migrate(ctx, write); err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: migrate %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", dsn(path, readParams))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	s := &Store{write: write, read: read, turn: make(chan struct{}, 1), maxBatch: DefaultMaxBatch}
	if s.writeStmts, err = prepare(ctx, write); err == nil {
		s.readStmts, err = prepare(ctx, read)
	}
	if err == nil {
		s.savepoint, err = prepareSavepoint(ctx, write)
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s.reader = reader{q: read, stmts: s.readStmts}
	return s, nil
}

// prepare prepares every statement of the store on db. database/sql prepares each again on
// any other connection of the pool that runs it, once.
func prepare(ctx context.Context, db *sql.DB) (map[string]*sql.Stmt, error) {
	stmts := map[string]*sql.Stmt{}
	for _, q := range statements() {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			closeStmts(stmts)
			return nil, fmt.Errorf("prepare %q: %w", q, err)
		}
		stmts[q] = st
	}
	return stmts, nil
}

func closeStmts(stmts map[string]*sql.Stmt) error {
	var errs []error
	for _, st := range stmts {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}

// createFile creates an absent database file with mode 0600, since it holds sealed secrets;
// SQLite gives its -wal and -shm files the same mode.
func createFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	return f.Close()
}

// migrate applies the migrations the database lacks, in one IMMEDIATE transaction, so that
// two processes opening a new file at once do not both apply them.
func migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, createSchemaVersion); err != nil {
		return err
	}
	var current int
	if err := tx.QueryRowContext(ctx, selectSchemaVersion).Scan(&current); err != nil {
		return err
	}
	ms := migrations()
	if current > len(ms) {
		return fmt.Errorf("the database schema is version %d; this iotcertd knows versions up to %d", current, len(ms))
	}
	for v := current + 1; v <= len(ms); v++ {
		if _, err := tx.ExecContext(ctx, ms[v-1]); err != nil {
			return fmt.Errorf("version %d: %w", v, err)
		}
		if _, err := tx.ExecContext(ctx, insertSchemaVersion, v, time.Now().UnixMilli()); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Close finishes the batch in progress, if any, and closes both connection pools. Update
// fails once the store is closed.
func (s *Store) Close() error {
	s.turn <- struct{}{}
	if s.open != nil {
		// Its members wait for the commit; whoever held the turn last left it to a waiter,
		// and Close took the turn before that waiter.
		s.finish(s.open)
	}
	s.closed = true
	<-s.turn
	return errors.Join(closeStmts(s.writeStmts), closeStmts(s.readStmts), s.savepoint.close(), s.write.Close(), s.read.Close())
}

// transient reports whether err is SQLite's failure to get a lock (SQLITE_BUSY or
// SQLITE_LOCKED, with any extended code), which a later attempt may not meet.
func transient(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return true
	}
	return false
}

// mayEndTransaction reports whether err is one of the failures after which SQLite may
// roll back the whole transaction rather than only the statement
// (https://sqlite.org/lang_transaction.html, "Response To Errors Within A Transaction",
// and sqlite3_interrupt), or database/sql's report that the transaction is over. The driver
// reports an interrupted statement with the error of the context that interrupted it.
func mayEndTransaction(err error) bool {
	if errors.Is(err, sql.ErrTxDone) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_NOMEM,
		sqlite3.SQLITE_INTERRUPT, sqlite3.SQLITE_ABORT, sqlite3.SQLITE_CORRUPT:
		return true
	}
	return false
}

// translate turns a driver error into the store's: a uniqueness violation is
// iot.ErrAlreadyExists, a foreign key violation (a record that names an absent one) is
// iot.ErrNotFound, and sql.ErrNoRows is iot.ErrNotFound. The driver error stays in the
// chain. It decides by result code, never by message.
func translate(op string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: %s: %w", op, iot.ErrNotFound)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("sqlite: %s: %w (%w)", op, iot.ErrAlreadyExists, err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("sqlite: %s: %w (%w)", op, iot.ErrNotFound, err)
		}
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// querier is what reads and writes run on: the read pool or a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// reader implements iot.Reader on a querier.
type reader struct {
	q querier
	// stmts are the statements prepared on the pool q belongs to.
	stmts map[string]*sql.Stmt
	// busy, in a transaction, is set when a statement failed to get a lock, so that Update
	// retries even if fn turned the error into another.
	busy *bool
	// batch, in a transaction, is the batch it belongs to (group commit).
	batch *batch
}

// context returns the context a statement runs with.
//
// Outside a transaction, a read runs without ctx's cancellation once ctx is checked: with
// a cancellable context, database/sql and the driver each start a goroutine per query to
// watch it (and the driver installs a progress handler), which doubles the cost of a point
// read. Every read of this store is an index lookup or a keyset page of bounded size, so
// finishing one after a cancellation costs less than watching for it; a context already
// done still fails the read at once.
//
// In a transaction, the caller's cancellation is left out as well, for another reason: the
// transaction is shared by a batch of callers, and the driver answers a cancelled context
// by interrupting the connection, which can roll back the whole transaction and so the work
// of every other caller in it; Update honours a caller's cancellation before and after its
// fn instead. Once the batch is lost, the context is a cancelled one, so that no further
// statement reaches SQLite: outside the lost transaction it would run, and commit, on its
// own.
func (r reader) context(ctx context.Context) context.Context {
	switch {
	case r.batch == nil:
		if ctx.Err() != nil {
			return ctx
		}
		return context.WithoutCancel(ctx)
	case r.batch.lost:
		lost, cancel := context.WithCancelCause(context.Background())
		cancel(errBatchLost)
		return lost
	}
	return context.Background()
}

// stmt returns the prepared statement of query (bound to the batch's transaction, in one),
// or nil.
func (r reader) stmt(query string) *sql.Stmt {
	st := r.stmts[query]
	if st != nil && r.batch != nil {
		return r.batch.stmt(st)
	}
	return st
}

// query runs a query, prepared when it can be.
func (r reader) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = r.context(ctx)
	if st := r.stmt(query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return r.q.QueryContext(ctx, query, args...)
}

// queryRow runs a query for one row, prepared when it can be.
func (r reader) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = r.context(ctx)
	if st := r.stmt(query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return r.q.QueryRowContext(ctx, query, args...)
}

// execute runs a statement, prepared when it can be.
func (r reader) execute(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = r.context(ctx)
	if st := r.stmt(query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return r.q.ExecContext(ctx, query, args...)
}

// fail translates err and, in a transaction, notes a lock failure, and a failure after
// which SQLite may have rolled back the transaction on its own.
func (r reader) fail(op string, err error) error {
	if r.busy != nil && transient(err) {
		*r.busy = true
	}
	if r.batch != nil && mayEndTransaction(err) {
		r.batch.lost = true
	}
	return translate(op, err)
}

// tx implements iot.Tx on one transaction of the write connection.
type tx struct {
	reader
}

var _ iot.Tx = (*tx)(nil)

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// queryAll runs a query and scans every row with scan.
func queryAll[T any](ctx context.Context, r reader, op, query string, scan func(scanner) (T, error), args ...any) ([]T, error) {
	rows, err := r.query(ctx, query, args...)
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

// count runs a COUNT query.
func (r reader) count(ctx context.Context, op, query string, args ...any) (int, error) {
	var n int
	if err := r.queryRow(ctx, query, args...).Scan(&n); err != nil {
		return 0, r.fail(op, err)
	}
	return n, nil
}

// exec runs a statement and returns the number of rows it changed.
func (r reader) exec(ctx context.Context, op, query string, args ...any) (int64, error) {
	res, err := r.execute(ctx, query, args...)
	if err != nil {
		return 0, r.fail(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, r.fail(op, err)
	}
	return n, nil
}

// execOne runs a statement that must change exactly one row; none is iot.ErrNotFound.
func (r reader) execOne(ctx context.Context, op, query string, args ...any) error {
	n, err := r.exec(ctx, op, query, args...)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("sqlite: %s: %w", op, iot.ErrNotFound)
	}
	return nil
}

// versioned turns a versioned write that changed no row into iot.ErrConflict when the
// record exists (with another version) and iot.ErrNotFound when it does not.
func (r reader) versioned(ctx context.Context, op string, n int64, existsQuery string, key ...any) error {
	if n > 0 {
		return nil
	}
	var one int
	err := r.queryRow(ctx, existsQuery, key...).Scan(&one)
	switch {
	case err == nil:
		return fmt.Errorf("sqlite: %s: %w", op, iot.ErrConflict)
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("sqlite: %s: %w", op, iot.ErrNotFound)
	default:
		return r.fail(op, err)
	}
}

// limit checks a page size: every listing is bounded.
func limit(op string, n int) error {
	if n <= 0 {
		return fmt.Errorf("sqlite: %s: limit %d is not positive", op, n)
	}
	return nil
}

// Times are Unix milliseconds, read back in UTC.

// ms returns t in Unix milliseconds (the zero time included: it reads back as zero).
func ms(t time.Time) int64 { return t.UnixMilli() }

// nullMS returns t in Unix milliseconds, or NULL for the zero time.
func nullMS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// fromMS reads a time stored by ms.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// fromNullMS reads a time stored by nullMS.
func fromNullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}

// nullString returns s, or NULL when it is empty.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
