package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// Account returns an account.
func (r reader) Account(ctx context.Context, id string) (*iot.Account, error) {
	return queryOne(ctx, r, "account", selectAccount, func(row pgx.Row) (*iot.Account, error) {
		var a iot.Account
		var created int64
		if err := row.Scan(&a.ID, &created); err != nil {
			return nil, err
		}
		a.CreatedAt = fromMS(created)
		return &a, nil
	}, id)
}

// AccessKey returns an access key.
func (r reader) AccessKey(ctx context.Context, id string) (*iot.AccessKey, error) {
	return queryOne(ctx, r, "access key", selectAccessKey, scanAccessKey, id)
}

// CountAccounts counts the accounts.
func (r reader) CountAccounts(ctx context.Context) (int, error) {
	return r.count(ctx, "count accounts", countAccounts)
}

// Setting returns a server-wide setting.
func (r reader) Setting(ctx context.Context, name string) ([]byte, error) {
	return queryOne(ctx, r, "setting", selectSetting, func(row pgx.Row) ([]byte, error) {
		var v []byte
		if err := row.Scan(&v); err != nil {
			return nil, err
		}
		return nonNil(v), nil
	}, name)
}

// CreateAccount inserts an account.
func (t *tx) CreateAccount(ctx context.Context, a *iot.Account) error {
	return t.insert(ctx, "create account", insertAccount, a.ID, ms(a.CreatedAt))
}

// CreateAccessKey inserts an access key; iot.ErrNotFound when its account does not exist.
func (t *tx) CreateAccessKey(ctx context.Context, k *iot.AccessKey) error {
	const op = "create access key"
	n, err := t.exec(ctx, op, insertAccessKey, k.ID, k.Account, k.UserName, nonNil(k.SealedSecret), ms(k.CreatedAt))
	if err != nil || n > 0 {
		return err
	}
	ok, err := t.exists(ctx, op, accountExists, k.Account)
	switch {
	case err != nil:
		return err
	case !ok:
		return fmt.Errorf("postgres: %s: account %s: %w", op, k.Account, iot.ErrNotFound)
	default:
		return fmt.Errorf("postgres: %s: %w", op, iot.ErrAlreadyExists)
	}
}

// CreateSetting stores a setting once.
func (t *tx) CreateSetting(ctx context.Context, name string, value []byte) error {
	return t.insert(ctx, "create setting", insertSetting, name, nonNil(value))
}

// DeleteRegistryData removes all registry records, keeping accounts, keys and settings.
func (t *tx) DeleteRegistryData(ctx context.Context) error {
	for _, q := range deleteRegistryData() {
		if _, err := t.exec(ctx, "delete registry data", q); err != nil {
			return err
		}
	}
	return nil
}
