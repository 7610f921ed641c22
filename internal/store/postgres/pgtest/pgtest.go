// Package pgtest gives tests a PostgreSQL database to run against: the one named by the
// IOTCERTD_TEST_POSTGRES environment variable, with a fresh schema for each store.
//
// Without the variable, or when the database does not answer, the tests that need it skip
// with a message saying how to run them; with IOTCERTD_REQUIRE_POSTGRES=1 (as CI sets) they
// fail instead, so that a run that was meant to cover PostgreSQL cannot pass without it.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables.
const (
	// EnvDSN names the database the PostgreSQL tests use.
	EnvDSN = "IOTCERTD_TEST_POSTGRES"
	// EnvRequire, set to 1, turns a skip for want of a database into a failure.
	EnvRequire = "IOTCERTD_REQUIRE_POSTGRES"
)

// howToRun tells a developer how to run the tests against the local PostgreSQL.
const howToRun = "run them with: " + EnvDSN + "=postgres://postgres@127.0.0.1:5432/test?sslmode=disable go test ./..."

// connectTimeout bounds the check that the database answers.
const connectTimeout = 10 * time.Second

// DSN returns the DSN of the test database once it has answered; it skips the test (fails
// it, with IOTCERTD_REQUIRE_POSTGRES=1) when there is none.
func DSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		unavailable(tb, "PostgreSQL tests need "+EnvDSN+"; "+howToRun)
	}
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err == nil {
		err = conn.Ping(ctx)
		conn.Close(ctx)
	}
	if err != nil {
		unavailable(tb, "PostgreSQL at "+EnvDSN+" does not answer ("+err.Error()+"); "+howToRun)
	}
	return dsn
}

func unavailable(tb testing.TB, msg string) {
	tb.Helper()
	if os.Getenv(EnvRequire) == "1" {
		tb.Fatal(msg + " (" + EnvRequire + "=1: failing rather than skipping)")
	}
	tb.Skip(msg)
}

// NewSchema returns the test DSN with search_path set to a new, unique schema name, and
// drops that schema (with everything in it) when the test ends. It does not create the
// schema: postgres.Open creates the schema its DSN names, as it does for users.
//
// Register NewSchema before anything that uses the schema (open stores, server processes),
// so that the drop runs after they are closed.
func NewSchema(tb testing.TB) string {
	tb.Helper()
	base := DSN(tb)
	var b [8]byte
	_, _ = rand.Read(b[:])
	schema := "iotcertd_test_" + hex.EncodeToString(b[:])
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	dsn, err := WithSearchPath(base, schema)
	if err != nil {
		tb.Fatal(err)
	}
	return dsn
}

// WithSearchPath returns dsn with its search_path parameter set to schema, in either form
// of DSN libpq reads: a postgres:// URL or keyword=value pairs.
func WithSearchPath(dsn, schema string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", err
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	quoted := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(schema)
	return strings.TrimSpace(dsn) + " search_path='" + quoted + "'", nil
}
