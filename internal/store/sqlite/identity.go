package sqlite

import (
	"context"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// The identity registry: accounts listing and deletion, users, access keys by account, and
// inline user policies (iot.IdentityReader, iot.IdentityWriter).

// scanAccessKey reads a row of accessKeyColumns.
func scanAccessKey(row scanner) (*iot.AccessKey, error) {
	var k iot.AccessKey
	var created int64
	if err := row.Scan(&k.ID, &k.Account, &k.UserName, &k.SealedSecret, &created); err != nil {
		return nil, err
	}
	k.SealedSecret = nonNil(k.SealedSecret)
	k.CreatedAt = fromMS(created)
	return &k, nil
}

func scanAccount(row scanner) (*iot.Account, error) {
	var a iot.Account
	var created int64
	if err := row.Scan(&a.ID, &created); err != nil {
		return nil, err
	}
	a.CreatedAt = fromMS(created)
	return &a, nil
}

func scanUser(row scanner) (*iot.User, error) {
	var u iot.User
	var created int64
	if err := row.Scan(&u.Account, &u.Name, &created); err != nil {
		return nil, err
	}
	u.CreatedAt = fromMS(created)
	return &u, nil
}

func scanUserPolicy(row scanner) (*iot.UserPolicy, error) {
	var p iot.UserPolicy
	var created, updated int64
	if err := row.Scan(&p.Account, &p.UserName, &p.PolicyName, &p.Document, &created, &updated); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
	return &p, nil
}

// ListAccounts returns every account, ordered by ID.
func (r reader) ListAccounts(ctx context.Context) ([]*iot.Account, error) {
	return queryAll(ctx, r, "list accounts", selectAccounts, scanAccount)
}

// User returns a user; the name matches without regard to ASCII case.
func (r reader) User(ctx context.Context, account, name string) (*iot.User, error) {
	u, err := scanUser(r.queryRow(ctx, selectUser, account, name))
	if err != nil {
		return nil, r.fail("user", err)
	}
	return u, nil
}

// ListUsers returns the users of an account, ordered by name without regard to ASCII case.
func (r reader) ListUsers(ctx context.Context, account string) ([]*iot.User, error) {
	return queryAll(ctx, r, "list users", selectUsers, scanUser, account)
}

// ListAccessKeys returns the access keys of an account, ordered by (CreatedAt, ID).
func (r reader) ListAccessKeys(ctx context.Context, account string) ([]*iot.AccessKey, error) {
	return queryAll(ctx, r, "list access keys", selectAccessKeys, scanAccessKey, account)
}

// UserPolicy returns one inline policy of a user.
func (r reader) UserPolicy(ctx context.Context, account, userName, policyName string) (*iot.UserPolicy, error) {
	p, err := scanUserPolicy(r.queryRow(ctx, selectUserPolicy, account, userName, policyName))
	if err != nil {
		return nil, r.fail("user policy", err)
	}
	return p, nil
}

// UserPolicies returns the inline policies of a user, ordered by policy name.
func (r reader) UserPolicies(ctx context.Context, account, userName string) ([]*iot.UserPolicy, error) {
	return queryAll(ctx, r, "user policies", selectUserPolicies, scanUserPolicy, account, userName)
}

// DeleteAccount removes an account.
func (t *tx) DeleteAccount(ctx context.Context, id string) error {
	return t.execOne(ctx, "delete account", deleteAccount, id)
}

// CreateUser inserts a user; iot.ErrNotFound when its account does not exist.
func (t *tx) CreateUser(ctx context.Context, u *iot.User) error {
	_, err := t.exec(ctx, "create user", insertUser, u.Account, u.Name, ms(u.CreatedAt))
	return err
}

// DeleteUser removes a user.
func (t *tx) DeleteUser(ctx context.Context, account, name string) error {
	return t.execOne(ctx, "delete user", deleteUser, account, name)
}

// DeleteAccessKey removes an access key.
func (t *tx) DeleteAccessKey(ctx context.Context, id string) error {
	return t.execOne(ctx, "delete access key", deleteAccessKey, id)
}

// PutUserPolicy inserts or replaces an inline policy; iot.ErrNotFound when the user does
// not exist.
func (t *tx) PutUserPolicy(ctx context.Context, p *iot.UserPolicy) error {
	_, err := t.exec(ctx, "put user policy", upsertUserPolicy, p.Account, p.UserName, p.PolicyName, p.Document,
		ms(p.CreatedAt), ms(p.UpdatedAt))
	return err
}

// DeleteUserPolicy removes an inline policy.
func (t *tx) DeleteUserPolicy(ctx context.Context, account, userName, policyName string) error {
	return t.execOne(ctx, "delete user policy", deleteUserPolicy, account, userName, policyName)
}
