//go:build unix

// Package datadir holds what the programs that open an SQLite data directory share: the
// lock that lets one process at a time write its certificates.
package datadir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// LockFile is the file in a data directory that a process holds locked while it writes
// certificates to that directory's SQLite database: a server, which keeps certificates
// cached in memory (internal/store/readcache) and would not see another process's writes,
// or the load generator's seed command. Admin commands, which write no certificates, do not
// take it.
const LockFile = "serve.lock"

// ErrBusy is the error of Lock when another process holds the lock.
var ErrBusy = errors.New("another process holds the data directory")

// Lock takes dir's lock without waiting. The lock goes with the process, so a crashed
// process leaves none behind; release gives it up earlier.
func Lock(dir string) (release func() error, err error) {
	f, err := os.OpenFile(filepath.Join(dir, LockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data directory lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w %s", ErrBusy, dir)
		}
		return nil, fmt.Errorf("data directory lock: %w", err)
	}
	return f.Close, nil
}
