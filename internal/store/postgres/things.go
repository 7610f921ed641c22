package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// thingArgs returns th's values in the order of thingColumns, with version as the stored
// version. Attributes are JSON text, as in the SQLite store.
func thingArgs(th *iot.Thing, version int64) ([]any, error) {
	attrs := th.Attributes
	if attrs == nil {
		attrs = map[string]string{}
	}
	attrsJSON, err := json.Marshal(attrs)
	if err != nil {
		return nil, err
	}
	return []any{th.Region, th.Account, th.Name, th.ID, th.TypeName, th.BillingGroupName, string(attrsJSON),
		version, ms(th.CreatedAt)}, nil
}

// scanThing reads a row of thingColumns. Attributes is never nil.
func scanThing(row pgx.Row) (*iot.Thing, error) {
	var (
		t       iot.Thing
		attrs   string
		created int64
	)
	err := row.Scan(&t.Region, &t.Account, &t.Name, &t.ID, &t.TypeName, &t.BillingGroupName, &attrs,
		&t.Version, &created)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(attrs), &t.Attributes); err != nil {
		return nil, fmt.Errorf("thing %s attributes: %w", t.Name, err)
	}
	if t.Attributes == nil {
		t.Attributes = map[string]string{}
	}
	t.CreatedAt = fromMS(created)
	return &t, nil
}

// scanThingPrincipal reads a row of thingPrincipalColumns.
func scanThingPrincipal(row pgx.Row) (*iot.ThingPrincipal, error) {
	var (
		p       iot.ThingPrincipal
		typ     string
		created int64
	)
	if err := row.Scan(&p.Region, &p.Account, &p.ThingName, &p.Principal, &typ, &created); err != nil {
		return nil, err
	}
	p.Type, p.CreatedAt = iot.ThingPrincipalType(typ), fromMS(created)
	return &p, nil
}

// Thing returns one thing.
func (r reader) Thing(ctx context.Context, region, account, name string) (*iot.Thing, error) {
	return queryOne(ctx, r, "thing", selectThing, scanThing, region, account, name)
}

// ThingPrincipals returns a page of the principals of a thing, by principal.
func (r reader) ThingPrincipals(ctx context.Context, thingName string, q iot.NameQuery) ([]*iot.ThingPrincipal, error) {
	const op = "thing principals"
	if err := limit(op, q.Limit); err != nil {
		return nil, err
	}
	return queryAll(ctx, r, op, selectThingPrincipals, scanThingPrincipal, q.Region, q.Account, thingName, q.After, q.Limit)
}

// PrincipalThings returns a page of the things of a principal, by thing name.
func (r reader) PrincipalThings(ctx context.Context, principal string, q iot.NameQuery) ([]*iot.ThingPrincipal, error) {
	const op = "principal things"
	if err := limit(op, q.Limit); err != nil {
		return nil, err
	}
	return queryAll(ctx, r, op, selectPrincipalThings, scanThingPrincipal, q.Region, q.Account, principal, q.After, q.Limit)
}

// CreateThing inserts th with version 1.
func (t *tx) CreateThing(ctx context.Context, th *iot.Thing) error {
	args, err := thingArgs(th, 1)
	if err != nil {
		return fmt.Errorf("postgres: create thing: %w", err)
	}
	if err := t.insert(ctx, "create thing", insertThing, args...); err != nil {
		return err
	}
	th.Version = 1
	return nil
}

// DeleteThing removes the thing if it is still at th.Version.
func (t *tx) DeleteThing(ctx context.Context, th *iot.Thing) error {
	const op = "delete thing"
	n, err := t.exec(ctx, op, deleteThing, th.Region, th.Account, th.Name, th.Version)
	if err != nil {
		return err
	}
	return t.versioned(ctx, op, n, thingExists, th.Region, th.Account, th.Name)
}

// AttachThingPrincipal records an attachment.
func (t *tx) AttachThingPrincipal(ctx context.Context, a *iot.ThingPrincipal) error {
	return t.insert(ctx, "attach thing principal", insertThingPrincipal,
		a.Region, a.Account, a.ThingName, a.Principal, string(a.Type), ms(a.CreatedAt))
}

// DetachThingPrincipal removes an attachment.
func (t *tx) DetachThingPrincipal(ctx context.Context, region, account, thingName, principal string) error {
	return t.execOne(ctx, "detach thing principal", deleteThingPrincipal, region, account, thingName, principal)
}
