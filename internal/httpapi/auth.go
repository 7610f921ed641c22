package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/iotcertd/iotcertd/internal/iot"
	"github.com/iotcertd/iotcertd/internal/sigv4"
)

// Authenticator turns a request into the caller it runs as. body is the whole request
// body, which SigV4 hashes. A failure is a *sigv4.Error (answered 403 with its AWS code)
// or, for a server-side problem, any other error (answered 500 without detail).
type Authenticator interface {
	Authenticate(r *http.Request, body []byte) (iot.Caller, error)
}

// EmulatorAccount is the account EmulatorAuth uses when the access key ID is not itself
// an account ID.
const EmulatorAccount = "123456789012"

// EmulatorAuth authenticates like a local AWS emulator: the request must carry a
// well-formed SigV4 Authorization header, so that clients are configured as they would be
// for AWS, but the signature is not checked. The account is the access key ID when that
// is exactly 12 digits, so tests can act as several accounts, and EmulatorAccount
// otherwise; the region is the credential scope's (iot-api.md §1.5).
//
// Without Lookup every caller is unrestricted: test suites need no IAM policies.
type EmulatorAuth struct {
	// Lookup, when set, enforces IAM (serve --emulator --enforce-iam): a key it finds signs
	// as its identity, with that identity's policies, and any other key as the root of the
	// account derived as above (auth_iam.go).
	Lookup func(ctx context.Context, accessKeyID string) (*iot.Credential, error)
}

// Authenticate implements Authenticator.
func (e EmulatorAuth) Authenticate(r *http.Request, _ []byte) (iot.Caller, error) {
	a, err := sigv4.Parse(r)
	if err != nil {
		return iot.Caller{}, err
	}
	if err := checkRegion(a.Region); err != nil {
		return iot.Caller{}, err
	}
	account := EmulatorAccount
	if isAccountID(a.AccessKeyID) {
		account = a.AccessKeyID
	}
	if e.Lookup != nil {
		return e.enforcing(r.Context(), a.AccessKeyID, account, a.Region)
	}
	return iot.Caller{Account: account, Region: a.Region, Unrestricted: true}, nil
}

// isRegionName reports whether s has the shape of AWS region names (us-east-1,
// us-gov-west-1, cn-north-1, eusc-de-east-1): the pattern [a-z]{2,}(-[a-z]+)+-[0-9]{1,3},
// matched by hand since every request is checked (a regular expression cost about 1.5 µs;
// TestIsRegionName holds the two equal). The region of the credential scope becomes part of
// every ARN, so it must be one that ARNs can carry and parse back.
func isRegionName(s string) bool {
	last := strings.LastIndexByte(s, '-')
	if last < 0 {
		return false
	}
	number := s[last+1:]
	if len(number) < 1 || len(number) > 3 {
		return false
	}
	for i := 0; i < len(number); i++ {
		if number[i] < '0' || number[i] > '9' {
			return false
		}
	}
	// The words before the number: the first of at least two letters, then one or more of
	// at least one letter each.
	words := s[:last]
	first := strings.IndexByte(words, '-')
	if first < 2 {
		return false
	}
	segment := 0 // letters in the current word
	for i := 0; i < len(words); i++ {
		switch c := words[i]; {
		case c == '-':
			if segment == 0 {
				return false
			}
			segment = 0
		case 'a' <= c && c <= 'z':
			segment++
		default:
			return false
		}
	}
	return segment > 0
}

// checkRegion refuses a credential scope whose region is not a region name, as AWS's
// front end does.
func checkRegion(region string) error {
	if len(region) <= 50 && isRegionName(region) {
		return nil
	}
	return &sigv4.Error{Code: sigv4.CodeInvalidSignature,
		Message: "Credential should be scoped to a valid region.", Status: http.StatusForbidden}
}

// isAccountID reports whether s is 12 decimal digits.
func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// credentialCacheTTL bounds how long SigV4Auth trusts a looked-up access key without
// asking again, so that a deleted key stops working within a second. The cached credential
// holds the identity's policies too, so a changed policy takes effect within a second.
const credentialCacheTTL = time.Second

// credentialCacheSize bounds the cache; when full it is emptied, which costs one lookup
// per active key.
const credentialCacheSize = 4096

// SigV4Auth authenticates requests by their AWS Signature Version 4 against access keys
// looked up with Lookup. Use it by pointer: it holds a signing-key cache and a short-lived
// credential cache, and it is safe for concurrent use. The zero value of the unexported
// state is ready.
type SigV4Auth struct {
	// Lookup resolves an access key ID; it returns an error wrapping iot.ErrNotFound for an
	// unknown key. iot.Service.LookupAccessKey fits.
	Lookup func(ctx context.Context, accessKeyID string) (*iot.Credential, error)
	// Clock is the time requests are checked against; nil means time.Now.
	Clock func() time.Time

	verifier sigv4.Verifier

	mu    sync.Mutex
	cache map[string]cachedCredential
}

type cachedCredential struct {
	cred    *iot.Credential
	expires time.Time
}

// acceptedServices are the credential-scope services a request may be signed for: the
// SDKs sign with "iot", and the service documentation names "execute-api", which old
// SDKs used (iot-api.md §1.1).
var acceptedServices = map[string]bool{"iot": true, "execute-api": true}

// Authenticate implements Authenticator. The checks run cheapest first: the header's form,
// the signing time (before any lookup or HMAC, so replays of stale requests cost
// nothing), the scope's service, the key lookup, and finally the signature.
func (v *SigV4Auth) Authenticate(r *http.Request, body []byte) (iot.Caller, error) {
	a, err := sigv4.Parse(r)
	if err != nil {
		return iot.Caller{}, err
	}
	if err := sigv4.CheckTime(a, v.now()); err != nil {
		return iot.Caller{}, err
	}
	if !acceptedServices[a.Service] {
		return iot.Caller{}, &sigv4.Error{Code: sigv4.CodeInvalidSignature,
			Message: "Credential should be scoped to correct service: 'iot'.", Status: http.StatusForbidden}
	}
	if err := checkRegion(a.Region); err != nil {
		return iot.Caller{}, err
	}
	cred, err := v.credential(r.Context(), a.AccessKeyID)
	if err != nil {
		return iot.Caller{}, err
	}
	if err := v.verifier.Verify(r, body, a, cred.Secret); err != nil {
		return iot.Caller{}, err
	}
	return cred.Caller(a.Region), nil
}

func (v *SigV4Auth) now() time.Time {
	if v.Clock != nil {
		return v.Clock()
	}
	return time.Now()
}

// credential returns the credential of an access key, from the cache when it was looked
// up less than credentialCacheTTL ago. Only found keys are cached: a key created a moment
// ago must work at once.
func (v *SigV4Auth) credential(ctx context.Context, id string) (*iot.Credential, error) {
	now := v.now()
	v.mu.Lock()
	e, ok := v.cache[id]
	v.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.cred, nil
	}

	if v.Lookup == nil {
		return nil, errors.New("httpapi: SigV4Auth.Lookup is not set")
	}
	cred, err := v.Lookup(ctx, id)
	switch {
	case errors.Is(err, iot.ErrNotFound):
		return nil, &sigv4.Error{Code: "UnrecognizedClientException",
			Message: "The security token included in the request is invalid.", Status: http.StatusForbidden}
	case err != nil:
		return nil, fmt.Errorf("httpapi: look up access key: %w", err)
	case cred == nil:
		return nil, errors.New("httpapi: look up access key: no credential and no error")
	}

	v.mu.Lock()
	if v.cache == nil || len(v.cache) >= credentialCacheSize {
		v.cache = make(map[string]cachedCredential)
	}
	v.cache[id] = cachedCredential{cred: cred, expires: now.Add(credentialCacheTTL)}
	v.mu.Unlock()
	return cred, nil
}
