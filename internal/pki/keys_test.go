package pki

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// waitFor polls cond until it holds or the deadline passes. The polling
// interval is not an assertion; only the deadline can fail the test.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// countingGenerator returns a cheap fake key generator and a counter of its
// calls. The fake key is never used for cryptography.
func countingGenerator() (func() (*rsa.PrivateKey, error), *atomic.Int64) {
	var n atomic.Int64
	return func() (*rsa.PrivateKey, error) {
		n.Add(1)
		return &rsa.PrivateKey{}, nil
	}, &n
}

func TestGenerateKeyAndEncodeKeyPair(t *testing.T) {
	t.Parallel()
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if bits := k.N.BitLen(); bits != 2048 {
		t.Fatalf("key has %d bits, want 2048", bits)
	}
	pubPEM, privPEM, err := EncodeKeyPair(k)
	if err != nil {
		t.Fatal(err)
	}

	pubBlock, rest := pem.Decode([]byte(pubPEM))
	if pubBlock == nil || pubBlock.Type != "PUBLIC KEY" || len(rest) != 0 {
		t.Fatalf("public PEM is not a single PUBLIC KEY block: %q", pubPEM)
	}
	pub, err := x509.ParsePKIXPublicKey(pubBlock.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !k.PublicKey.Equal(pub) {
		t.Errorf("public PEM holds a different key")
	}

	privBlock, rest := pem.Decode([]byte(privPEM))
	if privBlock == nil || privBlock.Type != "RSA PRIVATE KEY" || len(rest) != 0 {
		t.Fatalf("private PEM is not a single RSA PRIVATE KEY block")
	}
	priv, err := x509.ParsePKCS1PrivateKey(privBlock.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !k.Equal(priv) {
		t.Errorf("private PEM holds a different key")
	}

	if _, _, err := EncodeKeyPair(nil); err == nil {
		t.Errorf("EncodeKeyPair(nil) succeeded")
	}
}

func TestKeyPoolGetReturnsValidDistinctKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		size, workers int
		gets          int
	}{
		{"pooled", 2, 2, 4},
		{"pooling disabled", 0, 4, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := NewKeyPool(tc.size, tc.workers)
			defer p.Close()
			if p.Cap() != tc.size {
				t.Errorf("Cap = %d, want %d", p.Cap(), tc.size)
			}
			seen := make(map[string]bool)
			for range tc.gets {
				c, err := p.Get(t.Context())
				if err != nil {
					t.Fatalf("Get: %v", err)
				}
				k := c.Key
				// A key made in Get comes without encodings; a pooled one with its own.
				if pub, priv, err := EncodeKeyPair(k); c.PublicKeyPEM != "" && (err != nil || pub != c.PublicKeyPEM || priv != c.PrivateKeyPEM) {
					t.Errorf("the credentials' PEMs are not the key's (%v)", err)
				}
				if c.Certificate != nil {
					t.Errorf("a pool with no issuer handed out a certificate")
				}
				if err := k.Validate(); err != nil {
					t.Errorf("Validate: %v", err)
				}
				if bits := k.N.BitLen(); bits != 2048 {
					t.Errorf("key has %d bits, want 2048", bits)
				}
				n := k.N.String()
				if seen[n] {
					t.Errorf("Get returned the same key twice")
				}
				seen[n] = true
			}
		})
	}
}

func TestKeyPoolServesFilledKeysWithoutGenerating(t *testing.T) {
	t.Parallel()
	const size = 3
	p := NewKeyPool(size, 2)
	defer p.Close()
	waitFor(t, "the pool to fill", func() bool { return p.Len() == size })

	for i := range size {
		if _, err := p.Get(t.Context()); err != nil {
			t.Fatalf("Get %d: %v", i, err)
		}
	}
	if m := p.Misses(); m != 0 {
		t.Errorf("%d of %d Gets on a full pool generated a key in the caller", m, size)
	}
}

func TestKeyPoolGeneratesOnlyBelowCapacity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		size, workers int
	}{
		{"one worker", 2, 1},
		{"more workers than slots", 2, 8},
		{"several workers", 4, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			gen, calls := countingGenerator()
			p := newKeyPool(tc.size, tc.workers, gen, time.Millisecond)
			defer p.Close()
			waitFor(t, "the pool to fill", func() bool { return p.Len() == tc.size })
			// With every slot holding a key, fillers have no token to
			// generate with, so the count is exact, not a lower bound.
			if got := calls.Load(); got != int64(tc.size) {
				t.Errorf("generator called %d times to fill a pool of %d", got, tc.size)
			}
			if _, err := p.Get(t.Context()); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the pool to refill", func() bool { return p.Len() == tc.size })
			if got := calls.Load(); got != int64(tc.size)+1 {
				t.Errorf("generator called %d times after one Get, want %d", got, tc.size+1)
			}
			if p.Misses() != 0 {
				t.Errorf("Misses = %d, want 0", p.Misses())
			}
		})
	}
}

func TestKeyPoolConcurrentGets(t *testing.T) {
	t.Parallel()
	gen, calls := countingGenerator()
	p := newKeyPool(4, 2, gen, time.Millisecond)
	defer p.Close()
	const goroutines, perGoroutine = 8, 50
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range perGoroutine {
				if _, err := p.Get(context.Background()); err != nil {
					t.Errorf("Get: %v", err)
					return
				}
				if n := p.Len(); n > p.Cap() {
					t.Errorf("Len %d exceeds Cap %d", n, p.Cap())
				}
			}
		})
	}
	wg.Wait()
	p.Close()
	// Every key was either handed out or is still in the pool; the
	// fillers made no keys beyond capacity.
	if got, limit := calls.Load(), int64(goroutines*perGoroutine+p.Cap()); got > limit {
		t.Errorf("generator called %d times, at most %d expected", got, limit)
	}
}

func TestKeyPoolGetHonoursContext(t *testing.T) {
	t.Parallel()
	gen, _ := countingGenerator()
	tests := []struct {
		name string
		size int
	}{
		{"pooled", 2},
		{"pooling disabled", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newKeyPool(tc.size, 1, gen, time.Millisecond)
			defer p.Close()
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			k, err := p.Get(ctx)
			if !errors.Is(err, context.Canceled) || k != nil {
				t.Errorf("Get(canceled) = %v, %v; want nil, context.Canceled", k, err)
			}
		})
	}
}

func TestKeyPoolFillerRetriesAfterError(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	gen := func() (*rsa.PrivateKey, error) {
		if calls.Add(1) <= 3 {
			return nil, errors.New("entropy exhausted")
		}
		return &rsa.PrivateKey{}, nil
	}
	p := newKeyPool(2, 1, gen, time.Millisecond)
	defer p.Close()
	waitFor(t, "the pool to fill despite errors", func() bool { return p.Len() == 2 })
	if got := calls.Load(); got != 5 {
		t.Errorf("generator called %d times, want 3 failures + 2 keys", got)
	}
}

func TestKeyPoolCloseWaitsForFillers(t *testing.T) {
	t.Parallel()
	started := make(chan struct{}, 1)
	release := make(chan struct{})
	gen := func() (*rsa.PrivateKey, error) {
		select {
		case started <- struct{}{}:
		default:
		}
		<-release
		return &rsa.PrivateKey{}, nil
	}
	p := newKeyPool(2, 1, gen, time.Millisecond)
	<-started // the filler is now inside generate

	closed := make(chan struct{})
	go func() {
		p.Close()
		close(closed)
	}()
	// Release the filler only once Close has signalled stop, so that it
	// stores its key and exits instead of generating another one.
	waitFor(t, "Close to signal stop", func() bool {
		select {
		case <-p.stop:
			return true
		default:
			return false
		}
	})
	select {
	case <-closed:
		t.Fatal("Close returned while a filler was still generating")
	case <-p.done:
		t.Fatal("fillers reported done while one was still generating")
	default:
	}
	close(release)
	select {
	case <-closed:
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not return after the filler finished")
	}
	select {
	case <-p.done:
	default:
		t.Fatal("done is not closed after Close returned")
	}

	// Close is idempotent, and Get still works on a closed pool: it drains
	// the key the filler finished, then generates in the caller.
	p.Close()
	for i := range 2 {
		if _, err := p.Get(t.Context()); err != nil {
			t.Fatalf("Get %d after Close: %v", i, err)
		}
	}
	if p.Misses() != 1 {
		t.Errorf("Misses = %d, want 1 (one pooled key, then one generated)", p.Misses())
	}
}

// TestKeyPoolCloseStopsGoroutines is not parallel so that the goroutine
// count is not disturbed by other tests.
func TestKeyPoolCloseStopsGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	p := NewKeyPool(2, 2)
	waitFor(t, "the pool to fill", func() bool { return p.Len() == 2 })
	if runtime.NumGoroutine() <= before {
		t.Fatalf("no filler goroutines seem to be running")
	}
	p.Close()
	waitFor(t, "filler goroutines to exit", func() bool { return runtime.NumGoroutine() <= before })
}

func BenchmarkGenerateKey(b *testing.B) {
	for b.Loop() {
		if _, err := GenerateKey(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGenerateKeyParallel generates keys on every core at once: 1e9 / (ns/op) is the
// machine's rate of CreateKeysAndCertificate keys, the ceiling of sustained calls
// (bench/run.sh records it).
func BenchmarkGenerateKeyParallel(b *testing.B) {
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := GenerateKey(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// TestKeyPoolWaitsForQuiet checks that a filler generates a key only once no Get has come
// for the quiet period, so that refilling does not take cores from a burst: after a Get,
// the filler first waits out the rest of the period. Time is a fake clock that the
// filler's wait advances.
func TestKeyPoolWaitsForQuiet(t *testing.T) {
	var mu sync.Mutex
	clock := time.Unix(1_000_000, 0)
	var waits []time.Duration
	generated := make(chan time.Time, 1)
	p := newPool(func() (*rsa.PrivateKey, error) {
		mu.Lock()
		generated <- clock
		mu.Unlock()
		return &rsa.PrivateKey{}, nil
	}, time.Millisecond)
	p.quiet = 100 * time.Millisecond
	p.now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return clock
	}
	p.wait = func(_ *KeyPool, d time.Duration) bool {
		mu.Lock()
		defer mu.Unlock()
		waits = append(waits, d)
		clock = clock.Add(d)
		return true
	}
	// A Get came 30 ms ago.
	p.lastGet.Store(clock.Add(-30 * time.Millisecond).UnixNano())
	p.start(1, 1)
	t.Cleanup(p.Close)
	at := <-generated
	mu.Lock()
	defer mu.Unlock()
	if len(waits) != 1 || waits[0] != 70*time.Millisecond {
		t.Fatalf("filler waited %v before generating, want the remaining 70ms once", waits)
	}
	if since := at.Sub(time.Unix(0, p.lastGet.Load())); since < p.quiet {
		t.Fatalf("generated %v after the last Get, want at least %v", since, p.quiet)
	}
}

// TestKeyPoolSignsAhead checks that a pool with an issuer hands out each key with its
// encodings and a certificate for it, signed by the issuer at the issuer clock's time.
func TestKeyPoolSignsAhead(t *testing.T) {
	t.Parallel()
	iss, _, _ := newTestIssuer(t)
	key := newTestRSAKey(t)
	p := newPool(func() (*rsa.PrivateKey, error) { return key, nil }, time.Millisecond)
	p.SetIssuer(iss, func() time.Time { return testNow })
	p.start(2, 1)
	t.Cleanup(p.Close)
	waitFor(t, "the pool to fill", func() bool { return p.Len() == 2 })
	c, err := p.Get(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if c.Certificate == nil || c.Issuer != iss || !c.SignedAt.Equal(testNow) {
		t.Fatalf("credentials: certificate %v, issuer %p (want %p), signed at %v (want %v)", c.Certificate != nil, c.Issuer, iss, c.SignedAt, testNow)
	}
	if err := c.Certificate.CheckSignatureFrom(iss.Certificate()); err != nil {
		t.Fatalf("the certificate is not signed by the issuer: %v", err)
	}
	if !c.Certificate.PublicKey.(*rsa.PublicKey).Equal(&key.PublicKey) {
		t.Fatal("the certificate is not for the key")
	}
	if want := testNow.Add(-backdate).Truncate(time.Second); !c.Certificate.NotBefore.Equal(want) {
		t.Fatalf("notBefore %v, want %v", c.Certificate.NotBefore, want)
	}
	if pub, priv, err := EncodeKeyPair(key); err != nil || pub != c.PublicKeyPEM || priv != c.PrivateKeyPEM {
		t.Fatalf("the credentials' PEMs are not the key's (%v)", err)
	}
}

// TestKeyPoolResigns checks that the pool signs again the certificates it holds once they
// are resignAfter old, or were signed by an issuer it no longer has, and leaves younger
// ones alone. Each round of the re-signer is started by the test.
func TestKeyPoolResigns(t *testing.T) {
	t.Parallel()
	iss, _, _ := newTestIssuer(t)
	key := newTestRSAKey(t)
	var mu sync.Mutex
	clock := testNow
	now := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return clock
	}
	advance := func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(d)
	}
	tick := make(chan struct{})
	p := newPool(func() (*rsa.PrivateKey, error) { return key, nil }, time.Millisecond)
	p.wait = func(p *KeyPool, _ time.Duration) bool {
		select {
		case <-tick:
			return true
		case <-p.stop:
			return false
		}
	}
	p.SetIssuer(iss, now)
	p.start(2, 1)
	t.Cleanup(p.Close)
	waitFor(t, "the pool to fill", func() bool { return p.Len() == 2 })
	// round runs one round of the re-signer: the second tick is taken only once the
	// round the first one started is over.
	round := func() {
		tick <- struct{}{}
		tick <- struct{}{}
	}
	signedAt := func() []time.Time {
		var out []time.Time
		var held []*Credentials
		for range p.Len() {
			c := <-p.keys
			held = append(held, c)
			out = append(out, c.SignedAt)
		}
		for _, c := range held {
			p.keys <- c
		}
		return out
	}
	start := now()

	advance(resignAfter - time.Second)
	round()
	for _, at := range signedAt() {
		if !at.Equal(start) {
			t.Fatalf("a certificate %v old was signed again at %v", resignAfter-time.Second, at)
		}
	}

	advance(time.Second)
	round()
	for _, at := range signedAt() {
		if !at.Equal(start.Add(resignAfter)) {
			t.Fatalf("a certificate %v old was not signed again (signed at %v)", resignAfter, at)
		}
	}

	other, _, _ := newTestIssuer(t)
	p.SetIssuer(other, now)
	round()
	c, err := p.Get(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != other || c.Certificate.CheckSignatureFrom(other.Certificate()) != nil {
		t.Fatal("after the issuer changed, the pool still holds a certificate of the old one")
	}
}

// newTestRSAKey makes a real RSA-2048 key for tests that sign with it.
func newTestRSAKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return key
}
