package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"sync"
)

// keyCacheSize bounds the Verifier's signing-key cache. A key lives for one
// day per access key, region and service, so a few thousand entries cover many
// clients; when full the cache is simply emptied.
const keyCacheSize = 4096

// Verify recomputes the signature with the secret and compares it in constant time.
// body is the full request body. Its SHA-256 is the payload hash, except that a
// signed X-Amz-Content-Sha256 header supplies the hash instead (and, if it is a
// hash, must match the body), and a presigned request uses UNSIGNED-PAYLOAD
// unless that header says otherwise. A mismatch fails with
// InvalidSignatureException and AWS's message. Verify derives the signing key
// every time; a server should use a Verifier, which caches keys.
func Verify(r *http.Request, body []byte, a *Auth, secret string) error {
	if a == nil {
		return missingToken()
	}
	return verify(r, body, a, SigningKey(secret, a.Date, a.Region, a.Service))
}

// Verifier verifies signatures like Verify and caches signing keys, since a
// server verifies every request and each key costs four HMACs. The zero value
// is ready to use and it is safe for concurrent use. A Verifier must not be
// copied after first use.
type Verifier struct {
	mu   sync.Mutex
	keys map[signingKeyID][]byte
}

// signingKeyID identifies a derived key. It is a struct rather than a joined
// string so that no choice of separator can make two inputs collide.
type signingKeyID struct {
	secret, date, region, service string
}

// SigningKey returns SigningKey(secret, date, region, service), from the cache
// when possible. The returned slice must not be modified.
func (v *Verifier) SigningKey(secret, date, region, service string) []byte {
	id := signingKeyID{secret: secret, date: date, region: region, service: service}
	v.mu.Lock()
	key, ok := v.keys[id]
	v.mu.Unlock()
	if ok {
		return key
	}
	// Derive outside the lock; two goroutines may both derive the same key,
	// which is harmless.
	key = SigningKey(secret, date, region, service)
	v.mu.Lock()
	if v.keys == nil || len(v.keys) >= keyCacheSize {
		v.keys = make(map[signingKeyID][]byte)
	}
	v.keys[id] = key
	v.mu.Unlock()
	return key
}

// Verify is Verify with the signing key taken from the cache.
func (v *Verifier) Verify(r *http.Request, body []byte, a *Auth, secret string) error {
	if a == nil {
		return missingToken()
	}
	return verify(r, body, a, v.SigningKey(secret, a.Date, a.Region, a.Service))
}

// verify runs spec steps 1, 2 and 4 with an already derived key and compares.
func verify(r *http.Request, body []byte, a *Auth, key []byte) error {
	want, err := hex.DecodeString(a.Signature)
	if err != nil || len(want) != sha256.Size {
		return incomplete("Signature must be 64 hexadecimal characters.")
	}
	payloadHash, err := payloadHash(r, body, a)
	if err != nil {
		return err
	}
	scope := a.Scope()
	raw := rawPath(r)

	// The spec normalises the path for every service but S3 and the AWS test
	// suite expects it, but the Go SDK signs the path as it is; accept either.
	normalized := canonicalURI(raw, true)
	creq := canonicalRequest(r, normalized, a.Presigned, a.SignedHeaders, payloadHash)
	if hmac.Equal(signature(key, StringToSign(a.Time, scope, creq)), want) {
		return nil
	}
	if asSent := canonicalURI(raw, false); asSent != normalized {
		creq = canonicalRequest(r, asSent, a.Presigned, a.SignedHeaders, payloadHash)
		if hmac.Equal(signature(key, StringToSign(a.Time, scope, creq)), want) {
			return nil
		}
	}
	return mismatch()
}

// payloadHash is the last line of the canonical request (spec step 1,
// "HashedPayload"). IoT clients do not send X-Amz-Content-Sha256, so the body
// is hashed here; when a client did sign that header its value is what it
// signed, and a hash there must really be the body's or the body could be
// swapped under a valid signature.
func payloadHash(r *http.Request, body []byte, a *Auth) (string, error) {
	claimed := r.Header.Get("X-Amz-Content-Sha256")
	if claimed != "" && (a.Presigned || slices.Contains(a.SignedHeaders, "x-amz-content-sha256")) {
		if claimed == UnsignedPayload {
			return claimed, nil
		}
		if len(claimed) != 2*sha256.Size {
			return "", invalid("The X-Amz-Content-Sha256 value %q is not supported; use a hex SHA-256 or %s.", clip(claimed), UnsignedPayload)
		}
		got, err := hex.DecodeString(claimed)
		if err != nil {
			return "", invalid("The X-Amz-Content-Sha256 value %q is not a hex SHA-256.", clip(claimed))
		}
		sum := sha256.Sum256(body)
		if !hmac.Equal(got, sum[:]) {
			return "", invalid("The provided 'x-amz-content-sha256' header does not match what was computed.")
		}
		return claimed, nil
	}
	if a.Presigned {
		return UnsignedPayload, nil
	}
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:]), nil
}
