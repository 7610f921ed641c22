package iot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/iotcertd/iotcertd/internal/iam"
	"github.com/iotcertd/iotcertd/internal/pki"
)

// Caller is the authenticated identity a request runs as: an account, in the region named
// by the request's SigV4 credential scope. Each (account, region) is its own registry.
//
// Within the account, the request is signed by its root identity (UserName "") or by one of
// its users, whose inline identity policies Authorize evaluates (authorize.go).
type Caller struct {
	Account string
	Region  string
	// UserName is the user that signed the request; "" is the account's root identity.
	UserName string
	// Policies are the user's inline identity policies, parsed; root has none and needs none.
	Policies []*iam.Policy
	// Unrestricted skips authorisation: only emulator mode without IAM enforcement sets it,
	// so that test suites need no policies. The zero value is restricted.
	Unrestricted bool
}

// Sealer encrypts secrets at rest. The associated data binds a sealed value to its record.
type Sealer interface {
	Seal(plaintext, associatedData []byte) ([]byte, error)
	Open(sealed, associatedData []byte) ([]byte, error)
}

// KeySource hands out fresh RSA-2048 device keys (a pool filled ahead of demand), each
// with a certificate signed ahead when it has one.
type KeySource interface {
	Get(ctx context.Context) (*pki.Credentials, error)
	// SetIssuer gives the source the issuing CA and the clock to sign certificates ahead
	// with.
	SetIssuer(iss *pki.Issuer, now func() time.Time)
}

// Config holds what a Service needs.
type Config struct {
	Store  Store
	Sealer Sealer
	// Keys supplies device keys for CreateKeysAndCertificate; nil generates on demand.
	Keys KeySource
	// Clock is the time source; nil means time.Now.
	Clock Clock
}

// Service holds every rule of the certificate registry. Adapters call it; it knows nothing
// of HTTP or SQL.
type Service struct {
	store  Store
	sealer Sealer
	keys   KeySource
	clock  Clock
	issuer *pki.Issuer
}

// NewService builds a Service and loads (or, on first start, creates and persists) the
// issuing CA that signs certificates made by CreateKeysAndCertificate and
// CreateCertificateFromCsr.
func NewService(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Sealer == nil {
		return nil, errors.New("iot: store and sealer are required")
	}
	s := &Service{store: cfg.Store, sealer: cfg.Sealer, keys: cfg.Keys, clock: cfg.Clock}
	if s.clock == nil {
		s.clock = time.Now
	}
	iss, err := s.loadIssuer(ctx)
	if err != nil {
		return nil, err
	}
	s.issuer = iss
	if s.keys != nil {
		s.keys.SetIssuer(iss, s.now)
	}
	return s, nil
}

// Issuer returns the issuing CA.
func (s *Service) Issuer() *pki.Issuer { return s.issuer }

// now returns the current time at the millisecond precision AWS reports and stores keep.
func (s *Service) now() time.Time { return s.clock().UTC().Truncate(time.Millisecond) }

const (
	settingIssuerCert = "issuer.cert.pem"
	settingIssuerKey  = "issuer.key.sealed"
)

// loadIssuer reads the issuing CA from the store, creating it once. When several nodes
// start together, one insert wins and the others read the winner's CA.
func (s *Service) loadIssuer(ctx context.Context) (*pki.Issuer, error) {
	for attempt := 0; attempt < 2; attempt++ {
		certPEM, err := s.store.Setting(ctx, settingIssuerCert)
		if err == nil {
			sealed, err := s.store.Setting(ctx, settingIssuerKey)
			if err != nil {
				return nil, fmt.Errorf("iot: issuer key: %w", err)
			}
			keyPEM, err := s.sealer.Open(sealed, []byte(settingIssuerKey))
			if err != nil {
				return nil, fmt.Errorf("iot: unseal issuer key (is this the master key the data was written with?): %w", err)
			}
			return pki.LoadIssuer(certPEM, keyPEM)
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("iot: issuer: %w", err)
		}
		_, certPEM, keyPEM, err := pki.NewIssuer(s.clock())
		if err != nil {
			return nil, err
		}
		sealed, err := s.sealer.Seal(keyPEM, []byte(settingIssuerKey))
		if err != nil {
			return nil, err
		}
		err = s.store.Update(ctx, func(tx Tx) error {
			if err := tx.CreateSetting(ctx, settingIssuerKey, sealed); err != nil {
				return err
			}
			return tx.CreateSetting(ctx, settingIssuerCert, certPEM)
		})
		if err != nil && !errors.Is(err, ErrAlreadyExists) {
			return nil, fmt.Errorf("iot: save issuer: %w", err)
		}
		// Read back what was committed, ours or a concurrent node's.
	}
	return nil, errors.New("iot: issuer could not be loaded")
}

// update runs fn in a store transaction and turns store sentinels that escape fn into
// internal errors: a rule that can meet one must translate it itself.
func (s *Service) update(ctx context.Context, fn func(tx Tx) error) error {
	err := s.store.Update(ctx, fn)
	if err == nil {
		return nil
	}
	var de *Error
	if errors.As(err, &de) {
		return de
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &Error{Code: CodeServiceUnavailable, Message: "The service is temporarily unavailable.", Err: err}
	}
	return internal(err)
}

// newUUID returns a random RFC 4122 version 4 UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// newHexID returns n random bytes as hex.
func newHexID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newRecordID returns the ID of a new certificate record: the creation time in Unix
// milliseconds (6 bytes, big-endian) and 10 random bytes, as 32 hex digits. Record IDs never
// leave the service; ordered by creation, they keep a store's index on them growing at one
// end, where a registration's insert touches the page the previous one did instead of a
// random page (BENCHMARKS.md, register). 80 random bits keep IDs made in the same
// millisecond, on any node, apart.
func newRecordID(now time.Time) string {
	var b [16]byte
	ms := uint64(now.UnixMilli())
	for i := range 6 {
		b[i] = byte(ms >> (8 * (5 - i)))
	}
	_, _ = rand.Read(b[6:])
	return hex.EncodeToString(b[:])
}
