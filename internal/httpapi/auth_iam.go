package httpapi

import (
	"context"
	"errors"
	"fmt"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// enforcing authenticates an emulator-mode request under IAM enforcement: a key the store
// knows signs as its identity (its signature still unchecked, as in emulator mode); any
// other key is the root of the derived account. Keys are looked up on every request, so
// deleted keys and changed policies take effect at once.
func (e EmulatorAuth) enforcing(ctx context.Context, accessKeyID, derivedAccount, region string) (iot.Caller, error) {
	cred, err := e.Lookup(ctx, accessKeyID)
	switch {
	case errors.Is(err, iot.ErrNotFound):
		return iot.Caller{Account: derivedAccount, Region: region}, nil
	case err != nil:
		return iot.Caller{}, fmt.Errorf("httpapi: look up access key: %w", err)
	case cred == nil:
		return iot.Caller{}, errors.New("httpapi: look up access key: no credential and no error")
	}
	return cred.Caller(region), nil
}
