package main

import (
	"errors"
	"fmt"

	"github.com/iotcertd/iotcertd/internal/datadir"
)

// lockDataDir takes the data directory's lock for a server: one server at a time may serve
// an SQLite data directory, because it keeps certificates cached in memory and would not
// see another server's writes of them.
func lockDataDir(dir string) (release func() error, err error) {
	release, err = datadir.Lock(dir)
	if errors.Is(err, datadir.ErrBusy) {
		return nil, fmt.Errorf("another iotcertd server (or iotcert-load seed) is using the data directory %s: one server per SQLite data directory (several nodes share PostgreSQL, see docs/multi-node.md)", dir)
	}
	return release, err
}
