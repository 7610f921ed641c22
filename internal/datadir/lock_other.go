//go:build !unix

// Package datadir holds what the programs that open an SQLite data directory share: the
// lock that lets one process at a time write its certificates.
package datadir

import "errors"

// LockFile is the lock file's name where there is flock(2) (lock_unix.go).
const LockFile = "serve.lock"

// ErrBusy is the error of Lock when another process holds the lock.
var ErrBusy = errors.New("another process holds the data directory")

// Lock does nothing where flock(2) is missing: one writer of certificates per SQLite data
// directory is then the operator's to ensure.
func Lock(string) (func() error, error) { return func() error { return nil }, nil }
