package iot

import (
	"context"
	"errors"
)

// Registration codes (iot-api.md §7 GetRegistrationCode, DeleteRegistrationCode). Each
// account has at most one per region: 64 hex characters (the RegistrationCode shape), made
// on the first GetRegistrationCode and returned unchanged until it is deleted.

// registrationCodeBytes is the random length of a code: 32 bytes, 64 hex characters.
const registrationCodeBytes = 32

// GetRegistrationCode returns the caller's registration code, creating it if the account
// has none: "If you already have a registration code, this API call will return the same
// registration code."
func (s *Service) GetRegistrationCode(ctx context.Context, c Caller) (string, error) {
	rc, err := s.store.RegistrationCode(ctx, c.Region, c.Account)
	if err == nil {
		return rc.Code, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return "", wrapRead(err)
	}
	var code string
	err = s.update(ctx, func(tx Tx) error {
		rc, err := tx.RegistrationCode(ctx, c.Region, c.Account)
		if err == nil {
			code = rc.Code // made by a concurrent call since the read above
			return nil
		}
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		rc = &RegistrationCode{Region: c.Region, Account: c.Account, Code: newHexID(registrationCodeBytes), CreatedAt: s.now()}
		if err := tx.CreateRegistrationCode(ctx, rc); err != nil {
			if errors.Is(err, ErrAlreadyExists) {
				return ErrConflict // a concurrent call won; read its code on the retry
			}
			return err
		}
		code = rc.Code
		return nil
	})
	if err != nil {
		return "", err
	}
	return code, nil
}

// DeleteRegistrationCode deletes the caller's registration code. The next
// GetRegistrationCode makes a new one. An account without a code gets ResourceNotFound,
// which the operation models.
func (s *Service) DeleteRegistrationCode(ctx context.Context, c Caller) error {
	return s.update(ctx, func(tx Tx) error {
		err := tx.DeleteRegistrationCode(ctx, c.Region, c.Account)
		if errors.Is(err, ErrNotFound) {
			return Errorf(CodeResourceNotFound, "The account has no registration code.")
		}
		return err
	})
}
