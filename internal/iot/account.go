package iot

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"

	"github.com/iotcertd/iotcertd/internal/iam"
)

// NewAccount is a freshly created account with its first access key. The secret is shown
// once, to whoever created the account; at rest it is sealed.
type NewAccount struct {
	AccountID       string
	AccessKeyID     string
	SecretAccessKey string
}

// CreateAccount creates an account (with the given 12-digit ID, or a random one) and an
// access key bound to it.
func (s *Service) CreateAccount(ctx context.Context, id string) (*NewAccount, error) {
	if id != "" {
		if err := checkAccountID("id", id); err != nil {
			return nil, err
		}
	}
	var out *NewAccount
	err := s.update(ctx, func(tx Tx) error {
		var err error
		out, err = s.createAccount(ctx, tx, id)
		return err
	})
	return out, err
}

// BootstrapAccount creates the first account of an empty store and reports whether it did;
// the check and the creation are one transaction, so two servers starting at once on one
// store create one account between them.
func (s *Service) BootstrapAccount(ctx context.Context) (*NewAccount, error) {
	var out *NewAccount
	err := s.update(ctx, func(tx Tx) error {
		// A run that lost the race to another server is run again and must not report
		// the account it had made.
		out = nil
		n, err := tx.CountAccounts(ctx)
		if err != nil || n > 0 {
			return err
		}
		out, err = s.createAccount(ctx, tx, "")
		return err
	})
	return out, err
}

func (s *Service) createAccount(ctx context.Context, tx Tx, id string) (*NewAccount, error) {
	accountID := id
	if accountID == "" {
		accountID = randomDigits(12)
	}
	now := s.now()
	if err := tx.CreateAccount(ctx, &Account{ID: accountID, CreatedAt: now}); err != nil {
		if errors.Is(err, ErrAlreadyExists) && id != "" {
			return nil, Errorf(CodeResourceAlreadyExists, "The account %s already exists.", id)
		}
		if errors.Is(err, ErrAlreadyExists) {
			return nil, ErrConflict // a random ID collided: draw again
		}
		return nil, err
	}
	key, secret, err := s.newAccessKey(accountID)
	if err != nil {
		return nil, err
	}
	key.CreatedAt = now
	if err := tx.CreateAccessKey(ctx, key); err != nil {
		if errors.Is(err, ErrAlreadyExists) {
			return nil, ErrConflict
		}
		return nil, err
	}
	return &NewAccount{AccountID: accountID, AccessKeyID: key.ID, SecretAccessKey: secret}, nil
}

// newAccessKey makes an AWS-shaped access key (20 characters starting AKIA) and a 40
// character secret, sealed with the key ID as associated data.
func (s *Service) newAccessKey(account string) (*AccessKey, string, error) {
	id := "AKIA" + randomUpperAlnum(16)
	raw := make([]byte, 30)
	if _, err := rand.Read(raw); err != nil {
		return nil, "", err
	}
	secret := base64.StdEncoding.EncodeToString(raw)
	sealed, err := s.sealer.Seal([]byte(secret), []byte(id))
	if err != nil {
		return nil, "", err
	}
	return &AccessKey{ID: id, Account: account, SealedSecret: sealed}, secret, nil
}

// Credential is an access key resolved for signature verification and authorisation: its
// secret and the identity it signs as, with that identity's policies.
type Credential struct {
	AccessKeyID string
	Account     string
	Secret      string
	// UserName is the key's user; "" is the account's root identity.
	UserName string
	// Policies are the user's inline identity policies, parsed (nil for root).
	Policies []*iam.Policy
}

// LookupAccessKey returns the secret and identity of an access key, with the identity's
// policies as they are now, or ErrNotFound.
func (s *Service) LookupAccessKey(ctx context.Context, id string) (*Credential, error) {
	k, err := s.store.AccessKey(ctx, id)
	if err != nil {
		return nil, err
	}
	secret, err := s.sealer.Open(k.SealedSecret, []byte(k.ID))
	if err != nil {
		return nil, fmt.Errorf("iot: unseal access key %s: %w", id, err)
	}
	policies, err := s.identityPolicies(ctx, k)
	if err != nil {
		return nil, err
	}
	return &Credential{AccessKeyID: k.ID, Account: k.Account, Secret: string(secret), UserName: k.UserName, Policies: policies}, nil
}

// CountAccounts counts the accounts in the store.
func (s *Service) CountAccounts(ctx context.Context) (int, error) {
	return s.store.CountAccounts(ctx)
}

func randomDigits(n int) string {
	b := make([]byte, n)
	for i := range b {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		b[i] = byte('0' + d.Int64())
	}
	if b[0] == '0' {
		b[0] = '1'
	}
	return string(b)
}

func randomUpperAlnum(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, n)
	for i := range b {
		d, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[d.Int64()]
	}
	return string(b)
}

// Reset deletes every certificate, policy and thing of every account and region, as moto's
// reset does for test suites. Accounts, access keys and the issuing CA stay.
func (s *Service) Reset(ctx context.Context) error {
	return s.update(ctx, func(tx Tx) error { return tx.DeleteRegistryData(ctx) })
}
