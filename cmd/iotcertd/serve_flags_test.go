package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/iotcertd/iotcertd/internal/store/sqlite"
)

// TestServeCommitGroupFlag: --commit-group below 1 is a usage error, reported before
// anything is opened.
func TestServeCommitGroupFlag(t *testing.T) {
	for _, v := range []string{"0", "-3"} {
		var stderr bytes.Buffer
		dir := t.TempDir()
		err := runServe(context.Background(), []string{"--addr", "127.0.0.1:0", "--data", dir, "--commit-group", v}, io.Discard, &stderr)
		if !errors.Is(err, errUsage) {
			t.Errorf("--commit-group %s: %v, want a usage error", v, err)
		}
		if !strings.Contains(stderr.String(), "--commit-group must be at least 1") {
			t.Errorf("--commit-group %s: stderr %q does not say why", v, stderr.String())
		}
	}
}

// TestOpenStorageCommitGroup: the SQLite store gets the commit group that Storage names,
// and the default when it names none.
func TestOpenStorageCommitGroup(t *testing.T) {
	for _, tc := range []struct{ group, want int }{{0, sqlite.DefaultMaxBatch}, {1, 1}, {8, 8}} {
		store, _, err := openStorage(context.Background(), Storage{DataDir: t.TempDir(), CommitGroup: tc.group})
		if err != nil {
			t.Fatal(err)
		}
		s, ok := store.(*sqlite.Store)
		if !ok {
			t.Fatalf("openStorage gave a %T, want *sqlite.Store", store)
		}
		if got := s.MaxBatch(); got != tc.want {
			t.Errorf("CommitGroup %d: the store commits up to %d writes together, want %d", tc.group, got, tc.want)
		}
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}
}
