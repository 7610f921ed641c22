//go:build !unix

package main

// lockDataDir does nothing where flock(2) is missing: one server per SQLite data directory
// is then the operator's to ensure.
func lockDataDir(string) (func() error, error) { return func() error { return nil }, nil }
