package iot

import (
	"context"
	"time"
)

// User is a named IAM-style user of one account (docs/iam.md). Its access keys are
// AccessKey records with its name; its inline identity policies are UserPolicy records.
type User struct {
	Account   string
	Name      string
	CreatedAt time.Time
}

// ARN returns arn:aws:iam::ACCOUNT:user/NAME.
func (u *User) ARN() string { return UserARN(u.Account, u.Name) }

// UserPolicy is one inline identity policy of a user, stored as the document it was put
// with (already validated by iam.Parse).
type UserPolicy struct {
	Account    string
	UserName   string
	PolicyName string
	Document   string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// IdentityReader is the read side of the identity registry: accounts, users, their access
// keys and inline policies. Reader embeds it.
//
// User names are unique in an account regardless of ASCII case, as IAM user names are
// ("you can't create users named both ADMIN and admin"), and every method that takes a user
// name matches it that way; records carry the name as it was created. Policy names and
// access key IDs match exactly.
type IdentityReader interface {
	// ListAccounts returns every account, ordered by ID.
	ListAccounts(ctx context.Context) ([]*Account, error)
	// User returns a user of an account, or ErrNotFound.
	User(ctx context.Context, account, name string) (*User, error)
	// ListUsers returns the users of an account, ordered by name without regard to ASCII
	// case.
	ListUsers(ctx context.Context, account string) ([]*User, error)
	// ListAccessKeys returns the access keys of an account (of its root and of every user),
	// ordered by (CreatedAt, ID).
	ListAccessKeys(ctx context.Context, account string) ([]*AccessKey, error)
	// UserPolicy returns one inline policy of a user, or ErrNotFound.
	UserPolicy(ctx context.Context, account, userName, policyName string) (*UserPolicy, error)
	// UserPolicies returns the inline policies of a user, ordered by policy name.
	UserPolicies(ctx context.Context, account, userName string) ([]*UserPolicy, error)
}

// IdentityWriter is the write side of the identity registry. Tx embeds it.
type IdentityWriter interface {
	// DeleteAccount removes an account; ErrNotFound if absent. The domain removes its
	// users, access keys and policies first.
	DeleteAccount(ctx context.Context, id string) error
	// CreateUser inserts a user; ErrAlreadyExists when the account has a user of that name
	// in any ASCII case, ErrNotFound when the account does not exist.
	CreateUser(ctx context.Context, u *User) error
	// DeleteUser removes a user; ErrNotFound if absent. The domain removes its access keys
	// and policies first.
	DeleteUser(ctx context.Context, account, name string) error
	// DeleteAccessKey removes an access key; ErrNotFound if absent.
	DeleteAccessKey(ctx context.Context, id string) error
	// PutUserPolicy inserts the inline policy, or replaces the document and UpdatedAt of
	// the one of that name (keeping its CreatedAt); ErrNotFound when the user does not
	// exist.
	PutUserPolicy(ctx context.Context, p *UserPolicy) error
	// DeleteUserPolicy removes an inline policy; ErrNotFound if absent.
	DeleteUserPolicy(ctx context.Context, account, userName, policyName string) error
}
