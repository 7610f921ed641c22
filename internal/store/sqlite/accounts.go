package sqlite

import (
	"context"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// Account returns an account.
func (r reader) Account(ctx context.Context, id string) (*iot.Account, error) {
	var a iot.Account
	var created int64
	if err := r.queryRow(ctx, selectAccount, id).Scan(&a.ID, &created); err != nil {
		return nil, r.fail("account", err)
	}
	a.CreatedAt = fromMS(created)
	return &a, nil
}

// AccessKey returns an access key.
func (r reader) AccessKey(ctx context.Context, id string) (*iot.AccessKey, error) {
	k, err := scanAccessKey(r.queryRow(ctx, selectAccessKey, id))
	if err != nil {
		return nil, r.fail("access key", err)
	}
	return k, nil
}

// CountAccounts counts the accounts.
func (r reader) CountAccounts(ctx context.Context) (int, error) {
	return r.count(ctx, "count accounts", countAccounts)
}

// Setting returns a server-wide setting.
func (r reader) Setting(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	if err := r.queryRow(ctx, selectSetting, name).Scan(&v); err != nil {
		return nil, r.fail("setting", err)
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

// CreateAccount inserts an account.
func (t *tx) CreateAccount(ctx context.Context, a *iot.Account) error {
	_, err := t.exec(ctx, "create account", insertAccount, a.ID, ms(a.CreatedAt))
	return err
}

// CreateAccessKey inserts an access key; iot.ErrNotFound when its account does not exist.
func (t *tx) CreateAccessKey(ctx context.Context, k *iot.AccessKey) error {
	_, err := t.exec(ctx, "create access key", insertAccessKey, k.ID, k.Account, k.UserName, nonNil(k.SealedSecret), ms(k.CreatedAt))
	return err
}

// CreateSetting stores a setting once.
func (t *tx) CreateSetting(ctx context.Context, name string, value []byte) error {
	_, err := t.exec(ctx, "create setting", insertSetting, name, nonNil(value))
	return err
}

// DeleteRegistryData removes all registry records, keeping accounts, keys and settings.
func (t *tx) DeleteRegistryData(ctx context.Context) error {
	_, err := t.exec(ctx, "delete registry data", deleteRegistryData)
	return err
}

// nonNil returns b, or an empty slice for nil, which the driver would bind as NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
