//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockFile is the file in a data directory that a server holds locked while it keeps its
// data in that directory's SQLite database.
const lockFile = "serve.lock"

// lockDataDir takes the data directory's server lock, without waiting: one server at a time
// may serve an SQLite data directory, because it keeps certificates cached in memory
// (internal/store/readcache) and would not see another server's writes. Admin commands do
// not take it. The lock goes with the process, so a crashed server leaves none behind.
func lockDataDir(dir string) (release func() error, err error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data directory lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another iotcertd server is serving the data directory %s: one server per SQLite data directory (several nodes share PostgreSQL, see docs/multi-node.md)", dir)
		}
		return nil, fmt.Errorf("data directory lock: %w", err)
	}
	return f.Close, nil
}
