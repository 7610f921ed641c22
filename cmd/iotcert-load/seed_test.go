package main

import (
	"strings"
	"testing"

	"github.com/iotcertd/iotcertd/internal/datadir"
)

// TestSeedRefusesALockedDataDir: seed writes certificates behind a server's back, so it
// refuses a data directory whose lock a server holds, and works once the lock is free.
func TestSeedRefusesALockedDataDir(t *testing.T) {
	dir := t.TempDir()
	release, err := datadir.Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut strings.Builder
	args := []string{"seed", "--data", dir, "--count", "3"}
	if err := run(t.Context(), args, &out, &errOut); err == nil || !strings.Contains(err.Error(), "stop it first") {
		t.Fatalf("seed while the directory is locked: %v", err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if err := run(t.Context(), args, &out, &errOut); err != nil {
		t.Fatalf("seed once the lock is free: %v (%s)", err, errOut.String())
	}
}
