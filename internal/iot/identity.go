package iot

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/iotcertd/iotcertd/internal/iam"
)

// Identities: every account has a root identity and any number of named users; an access
// key belongs to one of them; a user's inline identity policies decide what its keys may do
// (authorize.go). The rules and limits are IAM's (IAM User Guide, "IAM identifiers" and
// "IAM and AWS STS quotas"); docs/iam.md lists them with the choices where AWS is silent.

// IAM name shapes (IAM API reference: CreateUser UserName, PutUserPolicy PolicyName).
var (
	userNamePattern       = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	userPolicyNamePattern = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)
)

// IAM quotas.
const (
	// MaxAccessKeysPerIdentity is IAM's "access keys assigned to an IAM user" quota, which
	// applies to the root user too.
	MaxAccessKeysPerIdentity = 2
	// MaxUserInlinePolicySize is IAM's limit on the aggregate size of a user's inline
	// policies, in characters not counting white space.
	MaxUserInlinePolicySize = 2048
)

// UserARN returns arn:aws:iam::ACCOUNT:user/NAME.
func UserARN(account, name string) string {
	return "arn:" + Partition + ":iam::" + account + ":user/" + name
}

// RootARN returns arn:aws:iam::ACCOUNT:root, the ARN of an account's root identity.
func RootARN(account string) string {
	return "arn:" + Partition + ":iam::" + account + ":root"
}

// PrincipalARN returns the ARN of the identity of a user, or of the root for "".
func PrincipalARN(account, userName string) string {
	if userName == "" {
		return RootARN(account)
	}
	return UserARN(account, userName)
}

// NewAccessKey is a freshly created access key. The secret is shown once, to whoever
// created the key; at rest it is sealed.
type NewAccessKey struct {
	AccountID string
	// UserName is the key's user, "" for the account's root.
	UserName        string
	AccessKeyID     string
	SecretAccessKey string
}

// ARN returns the ARN of the key's identity.
func (k *NewAccessKey) ARN() string { return PrincipalARN(k.AccountID, k.UserName) }

func checkUserName(name string) error {
	if !userNamePattern.MatchString(name) {
		return invalid("The user name %q must be 1 to 64 characters of letters, digits and +=,.@_-.", clip(name))
	}
	return nil
}

func checkUserPolicyName(name string) error {
	if !userPolicyNamePattern.MatchString(name) {
		return invalid("The policy name %q must be 1 to 128 characters of letters, digits and +=,.@_-.", clip(name))
	}
	return nil
}

// account returns an account or ResourceNotFound.
func account(ctx context.Context, r Reader, id string) (*Account, error) {
	a, err := r.Account(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, Errorf(CodeResourceNotFound, "The account %s does not exist.", id)
	}
	return a, err
}

// user returns a user or ResourceNotFound (after checking the account exists, so that the
// message says which is missing).
func user(ctx context.Context, r Reader, accountID, name string) (*User, error) {
	if _, err := account(ctx, r, accountID); err != nil {
		return nil, err
	}
	u, err := r.User(ctx, accountID, name)
	if errors.Is(err, ErrNotFound) {
		return nil, Errorf(CodeResourceNotFound, "The user with name %s cannot be found in account %s.", name, accountID)
	}
	return u, err
}

// ListAccounts returns every account, ordered by ID.
func (s *Service) ListAccounts(ctx context.Context) ([]*Account, error) {
	return s.store.ListAccounts(ctx)
}

// DeleteAccount removes an account with its users, access keys and policies, so that
// nothing can sign as it any more. The registry data it owns (certificates, policies,
// things, ...) stays in the store, unreachable; docs/iam.md says why.
func (s *Service) DeleteAccount(ctx context.Context, id string) error {
	if err := checkAccountID("id", id); err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		if _, err := account(ctx, tx, id); err != nil {
			return err
		}
		keys, err := tx.ListAccessKeys(ctx, id)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := tx.DeleteAccessKey(ctx, k.ID); err != nil {
				return err
			}
		}
		users, err := tx.ListUsers(ctx, id)
		if err != nil {
			return err
		}
		for _, u := range users {
			if err := deleteUserPolicies(ctx, tx, u); err != nil {
				return err
			}
			if err := tx.DeleteUser(ctx, id, u.Name); err != nil {
				return err
			}
		}
		return tx.DeleteAccount(ctx, id)
	})
}

// CreateUser creates a user of an account, with a first access key.
func (s *Service) CreateUser(ctx context.Context, accountID, name string) (*User, *NewAccessKey, error) {
	if err := checkAccountID("account", accountID); err != nil {
		return nil, nil, err
	}
	if err := checkUserName(name); err != nil {
		return nil, nil, err
	}
	var (
		u   *User
		key *NewAccessKey
	)
	err := s.update(ctx, func(tx Tx) error {
		if _, err := account(ctx, tx, accountID); err != nil {
			return err
		}
		u = &User{Account: accountID, Name: name, CreatedAt: s.now()}
		if err := tx.CreateUser(ctx, u); err != nil {
			if errors.Is(err, ErrAlreadyExists) {
				return Errorf(CodeResourceAlreadyExists, "User with name %s already exists in account %s.", name, accountID)
			}
			return err
		}
		var err error
		key, err = s.addAccessKey(ctx, tx, accountID, u.Name)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return u, key, nil
}

// ListUsers returns the users of an account, ordered by name.
func (s *Service) ListUsers(ctx context.Context, accountID string) ([]*User, error) {
	if err := checkAccountID("account", accountID); err != nil {
		return nil, err
	}
	if _, err := account(ctx, s.store, accountID); err != nil {
		return nil, err
	}
	return s.store.ListUsers(ctx, accountID)
}

// DeleteUser removes a user with its access keys and inline policies. (IAM refuses to
// delete a user that still has them; an administrator of iotcertd deletes the user's keys
// and policies with it, in one transaction, so that no key outlives its user.)
func (s *Service) DeleteUser(ctx context.Context, accountID, name string) error {
	if err := checkAccountID("account", accountID); err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		u, err := user(ctx, tx, accountID, name)
		if err != nil {
			return err
		}
		keys, err := tx.ListAccessKeys(ctx, accountID)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if k.UserName == u.Name {
				if err := tx.DeleteAccessKey(ctx, k.ID); err != nil {
					return err
				}
			}
		}
		if err := deleteUserPolicies(ctx, tx, u); err != nil {
			return err
		}
		return tx.DeleteUser(ctx, accountID, u.Name)
	})
}

func deleteUserPolicies(ctx context.Context, tx Tx, u *User) error {
	ps, err := tx.UserPolicies(ctx, u.Account, u.Name)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if err := tx.DeleteUserPolicy(ctx, u.Account, u.Name, p.PolicyName); err != nil {
			return err
		}
	}
	return nil
}

// CreateAccessKey creates an access key for a user of an account, or for its root when
// userName is "". An identity has at most MaxAccessKeysPerIdentity keys.
func (s *Service) CreateAccessKey(ctx context.Context, accountID, userName string) (*NewAccessKey, error) {
	if err := checkAccountID("account", accountID); err != nil {
		return nil, err
	}
	var key *NewAccessKey
	err := s.update(ctx, func(tx Tx) error {
		if _, err := account(ctx, tx, accountID); err != nil {
			return err
		}
		if userName != "" {
			u, err := user(ctx, tx, accountID, userName)
			if err != nil {
				return err
			}
			userName = u.Name
		}
		var err error
		key, err = s.addAccessKey(ctx, tx, accountID, userName)
		return err
	})
	return key, err
}

// addAccessKey creates a key for an identity known to exist, within its quota.
func (s *Service) addAccessKey(ctx context.Context, tx Tx, accountID, userName string) (*NewAccessKey, error) {
	keys, err := tx.ListAccessKeys(ctx, accountID)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, k := range keys {
		if k.UserName == userName {
			n++
		}
	}
	if n >= MaxAccessKeysPerIdentity {
		return nil, Errorf(CodeLimitExceeded, "Cannot exceed quota for AccessKeysPerUser: %d (%s).",
			MaxAccessKeysPerIdentity, PrincipalARN(accountID, userName))
	}
	k, secret, err := s.newAccessKey(accountID)
	if err != nil {
		return nil, err
	}
	k.UserName = userName
	k.CreatedAt = s.now()
	if err := tx.CreateAccessKey(ctx, k); err != nil {
		if errors.Is(err, ErrAlreadyExists) {
			return nil, ErrConflict // a random key ID collided: draw again
		}
		return nil, err
	}
	return &NewAccessKey{AccountID: accountID, UserName: userName, AccessKeyID: k.ID, SecretAccessKey: secret}, nil
}

// ListAccessKeys returns the access keys of an account, of its root and every user, or
// only those of one user when userName is not "". The records carry sealed secrets only.
func (s *Service) ListAccessKeys(ctx context.Context, accountID, userName string) ([]*AccessKey, error) {
	if err := checkAccountID("account", accountID); err != nil {
		return nil, err
	}
	if _, err := account(ctx, s.store, accountID); err != nil {
		return nil, err
	}
	if userName == "" {
		return s.store.ListAccessKeys(ctx, accountID)
	}
	u, err := user(ctx, s.store, accountID, userName)
	if err != nil {
		return nil, err
	}
	keys, err := s.store.ListAccessKeys(ctx, accountID)
	if err != nil {
		return nil, err
	}
	out := keys[:0]
	for _, k := range keys {
		if k.UserName == u.Name {
			out = append(out, k)
		}
	}
	return out, nil
}

// DeleteAccessKey deletes an access key. Servers stop honouring it within a second (their
// credential cache's lifetime).
func (s *Service) DeleteAccessKey(ctx context.Context, id string) error {
	return s.update(ctx, func(tx Tx) error {
		err := tx.DeleteAccessKey(ctx, id)
		if errors.Is(err, ErrNotFound) {
			return accessKeyNotFound(id)
		}
		return err
	})
}

// RotateAccessKey replaces an access key by a new one of the same identity, in one
// transaction: the old key is deleted and the new one returned.
func (s *Service) RotateAccessKey(ctx context.Context, id string) (*NewAccessKey, error) {
	var key *NewAccessKey
	err := s.update(ctx, func(tx Tx) error {
		old, err := tx.AccessKey(ctx, id)
		if errors.Is(err, ErrNotFound) {
			return accessKeyNotFound(id)
		}
		if err != nil {
			return err
		}
		if err := tx.DeleteAccessKey(ctx, id); err != nil {
			return err
		}
		key, err = s.addAccessKey(ctx, tx, old.Account, old.UserName)
		return err
	})
	return key, err
}

func accessKeyNotFound(id string) *Error {
	return Errorf(CodeResourceNotFound, "The access key with ID %s cannot be found.", clip(id))
}

// PutUserPolicy attaches an inline identity policy to a user, or replaces the document of
// the one of that name. The document must parse with iam.Parse (MalformedPolicy otherwise,
// with the parser's explanation: an unsupported condition is refused here, never ignored
// later), and the user's inline policies together must stay within
// MaxUserInlinePolicySize characters not counting white space (LimitExceeded).
func (s *Service) PutUserPolicy(ctx context.Context, accountID, userName, policyName, document string) error {
	if err := checkAccountID("account", accountID); err != nil {
		return err
	}
	if err := checkUserPolicyName(policyName); err != nil {
		return err
	}
	if _, err := iam.Parse(document); err != nil {
		var pe *iam.ParseError
		if errors.As(err, &pe) {
			return Errorf(CodeMalformedPolicy, "The policy document is malformed: %s.", pe.Msg)
		}
		return internal(err)
	}
	return s.update(ctx, func(tx Tx) error {
		u, err := user(ctx, tx, accountID, userName)
		if err != nil {
			return err
		}
		existing, err := tx.UserPolicies(ctx, accountID, u.Name)
		if err != nil {
			return err
		}
		total := policySize(document)
		for _, p := range existing {
			if p.PolicyName != policyName {
				total += policySize(p.Document)
			}
		}
		if total > MaxUserInlinePolicySize {
			return Errorf(CodeLimitExceeded, "Maximum policy size of %d bytes exceeded for user %s: its inline policies would have %d characters, not counting white space.",
				MaxUserInlinePolicySize, u.Name, total)
		}
		now := s.now()
		return tx.PutUserPolicy(ctx, &UserPolicy{Account: accountID, UserName: u.Name, PolicyName: policyName,
			Document: document, CreatedAt: now, UpdatedAt: now})
	})
}

// policySize counts the characters of a policy document as IAM's size quotas do: white
// space is not counted.
func policySize(doc string) int {
	n := 0
	for _, r := range doc {
		switch r {
		case ' ', '\t', '\n', '\r':
		default:
			n++
		}
	}
	return n
}

// GetUserPolicy returns one inline policy of a user.
func (s *Service) GetUserPolicy(ctx context.Context, accountID, userName, policyName string) (*UserPolicy, error) {
	if err := checkAccountID("account", accountID); err != nil {
		return nil, err
	}
	u, err := user(ctx, s.store, accountID, userName)
	if err != nil {
		return nil, err
	}
	p, err := s.store.UserPolicy(ctx, accountID, u.Name, policyName)
	if errors.Is(err, ErrNotFound) {
		return nil, userPolicyNotFound(u, policyName)
	}
	return p, err
}

// DeleteUserPolicy removes one inline policy of a user.
func (s *Service) DeleteUserPolicy(ctx context.Context, accountID, userName, policyName string) error {
	if err := checkAccountID("account", accountID); err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		u, err := user(ctx, tx, accountID, userName)
		if err != nil {
			return err
		}
		err = tx.DeleteUserPolicy(ctx, accountID, u.Name, policyName)
		if errors.Is(err, ErrNotFound) {
			return userPolicyNotFound(u, policyName)
		}
		return err
	})
}

// ListUserPolicies returns the names of a user's inline policies, in order.
func (s *Service) ListUserPolicies(ctx context.Context, accountID, userName string) ([]string, error) {
	if err := checkAccountID("account", accountID); err != nil {
		return nil, err
	}
	u, err := user(ctx, s.store, accountID, userName)
	if err != nil {
		return nil, err
	}
	ps, err := s.store.UserPolicies(ctx, accountID, u.Name)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.PolicyName
	}
	return names, nil
}

func userPolicyNotFound(u *User, policyName string) *Error {
	return Errorf(CodeResourceNotFound, "The user policy with name %s cannot be found for user %s.", clip(policyName), u.Name)
}

// identityPolicies returns the parsed inline policies of the user of an access key, nil
// for a root key. Every stored document was accepted by iam.Parse when it was put; one that
// no longer parses fails the lookup rather than being skipped, because skipping a policy
// that denies would grant what it denies.
func (s *Service) identityPolicies(ctx context.Context, k *AccessKey) ([]*iam.Policy, error) {
	if k.UserName == "" {
		return nil, nil
	}
	stored, err := s.store.UserPolicies(ctx, k.Account, k.UserName)
	if err != nil {
		return nil, err
	}
	ps := make([]*iam.Policy, 0, len(stored))
	for _, sp := range stored {
		p, err := iam.Parse(sp.Document)
		if err != nil {
			return nil, fmt.Errorf("iot: policy %s of %s no longer parses: %w", sp.PolicyName, UserARN(k.Account, k.UserName), err)
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// Caller returns the caller that a request signed with this credential runs as, in region.
func (c *Credential) Caller(region string) Caller {
	return Caller{Account: c.Account, Region: region, UserName: c.UserName, Policies: c.Policies}
}
