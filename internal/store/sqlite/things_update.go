package sqlite

import (
	"context"
	"fmt"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// ListThings returns a page of an account's things, by name.
func (r reader) ListThings(ctx context.Context, q iot.NameQuery) ([]*iot.Thing, error) {
	const op = "list things"
	if err := limit(op, q.Limit); err != nil {
		return nil, err
	}
	return queryAll(ctx, r, op, listThings, scanThing, q.Region, q.Account, q.After, q.Limit)
}

// PutThing replaces the thing if it is still at th.Version, then advances th.Version.
func (t *tx) PutThing(ctx context.Context, th *iot.Thing) error {
	const op = "put thing"
	args, err := thingArgs(th, th.Version+1)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	args = append(args[3:], th.Region, th.Account, th.Name, th.Version)
	n, err := t.exec(ctx, op, updateThing, args...)
	if err != nil {
		return err
	}
	if err := t.versioned(ctx, op, n, thingExists, th.Region, th.Account, th.Name); err != nil {
		return err
	}
	th.Version++
	return nil
}
