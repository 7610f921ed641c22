package pki

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// generatedKeyBits is the RSA modulus size of CreateKeysAndCertificate keys.
const generatedKeyBits = 2048

// refillQuiet is how long the pool must go without a Get before a filler generates a key.
// Generating takes tens of milliseconds of a core; during a burst of
// CreateKeysAndCertificate calls those cores are better spent answering the burst from the
// keys already made, and under sustained load the callers generate keys themselves (Get
// on an empty pool), so holding back the fillers costs no throughput.
const refillQuiet = 100 * time.Millisecond

// Certificates signed ahead. Once the pool has an issuer (SetIssuer), a filler signs a
// certificate for each key it makes, so that CreateKeysAndCertificate costs neither a key
// generation nor a signature. A certificate's notBefore is 120 s before it was signed, so a
// certificate signed ahead is a little older than the call that hands it out; the pool
// keeps that gap small by signing again every certificate older than resignAfter, checking
// every resignEvery while no Get has come for refillQuiet. Callers decide how old a
// certificate they accept (Credentials.SignedAt).
const (
	resignAfter = 20 * time.Second
	resignEvery = 5 * time.Second
)

// fillerRetryDelay is how long a pool filler waits after a failed key
// generation before trying again, so a broken entropy source does not turn
// into a busy loop.
const fillerRetryDelay = time.Second

// GenerateKey makes a fresh RSA-2048 key, as CreateKeysAndCertificate does.
// It costs tens of milliseconds of CPU; see KeyPool for keeping keys ready.
func GenerateKey() (*rsa.PrivateKey, error) {
	k, err := rsa.GenerateKey(rand.Reader, generatedKeyBits)
	if err != nil {
		return nil, fmt.Errorf("pki: generate RSA key: %w", err)
	}
	return k, nil
}

// EncodeKeyPair returns the public key of k as a PKIX ("PUBLIC KEY") PEM and
// the private key as a PKCS#1 ("RSA PRIVATE KEY") PEM, the encodings AWS IoT
// returns from CreateKeysAndCertificate.
func EncodeKeyPair(k *rsa.PrivateKey) (publicPEM, privatePEM string, err error) {
	if k == nil {
		return "", "", fmt.Errorf("pki: encode key pair: nil key")
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return "", "", fmt.Errorf("pki: encode public key: %w", err)
	}
	publicPEM = string(pem.EncodeToMemory(&pem.Block{Type: pemTypePublicKey, Bytes: pubDER}))
	privatePEM = string(pem.EncodeToMemory(&pem.Block{Type: pemTypeRSAPrivateKey, Bytes: x509.MarshalPKCS1PrivateKey(k)}))
	return publicPEM, privatePEM, nil
}

// Credentials are a device key pair ready to hand out, with its PEM encodings, and a
// certificate for it when one was signed ahead.
type Credentials struct {
	Key                         *rsa.PrivateKey
	PublicKeyPEM, PrivateKeyPEM string
	// Certificate was signed for Key by Issuer at SignedAt; nil when none was.
	Certificate *x509.Certificate
	Issuer      *Issuer
	SignedAt    time.Time
}

// issuerClock is an issuer and the clock it signs by.
type issuerClock struct {
	iss *Issuer
	now func() time.Time
}

// KeyPool keeps up to a fixed number of RSA-2048 keys ready so that bursts of
// CreateKeysAndCertificate calls do not each wait for a key to be generated, and, once
// it has an issuer, a certificate signed for each. Background fillers generate keys only
// while the pool is below capacity; an idle, full pool only signs its certificates again
// as they age (about one signature per key every resignAfter). It is safe for concurrent
// use.
type KeyPool struct {
	// keys holds the ready credentials; it is nil when pooling is disabled.
	keys chan *Credentials
	// slots holds one token per key the pool may still produce. A filler
	// takes a token before generating and Get returns one after taking a
	// key, so ready keys plus keys being generated never exceed capacity
	// and a filler never generates a key it cannot store.
	slots chan struct{}
	// generate makes a key; it is GenerateKey except in tests.
	generate func() (*rsa.PrivateKey, error)
	// retryDelay is how long a filler pauses after generate fails.
	retryDelay time.Duration
	// misses counts Get calls that found the pool empty and generated the
	// key in the caller's goroutine.
	misses atomic.Uint64
	// quiet is how long after the last Get fillers wait before generating
	// (refillQuiet; 0 in tests that do not test it). lastGet is the time of the
	// last Get, in Unix nanoseconds of now.
	quiet   time.Duration
	lastGet atomic.Int64
	// now and wait are time.Now and a stop-aware sleep, replaced in tests.
	now  func() time.Time
	wait func(p *KeyPool, d time.Duration) bool
	// issuer signs certificates ahead once SetIssuer has set it; issuerSet is closed then.
	issuer       atomic.Pointer[issuerClock]
	issuerSet    chan struct{}
	setIssuerOne sync.Once

	stop      chan struct{}
	stopOnce  sync.Once
	fillersWG sync.WaitGroup
	done      chan struct{}
}

// NewKeyPool starts a pool that keeps up to size keys ready, filled by
// min(workers, GOMAXPROCS) background goroutines (at least one). A size of 0
// or less disables pooling: Get then always generates a key itself.
// Fillers generate only once no Get has come for refillQuiet. Call Close to
// stop the fillers.
func NewKeyPool(size, workers int) *KeyPool {
	p := newPool(GenerateKey, fillerRetryDelay)
	p.quiet = refillQuiet
	return p.start(size, workers)
}

// newKeyPool is NewKeyPool with a replaceable key generator and filler retry
// delay, and no wait for a quiet period, so tests can observe and control
// generation.
func newKeyPool(size, workers int, generate func() (*rsa.PrivateKey, error), retryDelay time.Duration) *KeyPool {
	return newPool(generate, retryDelay).start(size, workers)
}

// newPool returns a pool that is not started.
func newPool(generate func() (*rsa.PrivateKey, error), retryDelay time.Duration) *KeyPool {
	return &KeyPool{
		generate:   generate,
		retryDelay: retryDelay,
		now:        time.Now,
		wait:       (*KeyPool).sleep,
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
		issuerSet:  make(chan struct{}),
	}
}

// start makes room for size keys and starts the fillers; its settings must be final.
func (p *KeyPool) start(size, workers int) *KeyPool {
	if size <= 0 {
		close(p.done)
		return p
	}
	workers = max(1, min(workers, runtime.GOMAXPROCS(0), size))
	p.keys = make(chan *Credentials, size)
	p.slots = make(chan struct{}, size)
	for range size {
		p.slots <- struct{}{}
	}
	p.fillersWG.Add(workers + 1)
	for range workers {
		go p.fill()
	}
	go p.resign()
	go func() {
		p.fillersWG.Wait()
		close(p.done)
	}()
	return p
}

// fill generates keys whenever the pool has room, until the pool is closed.
func (p *KeyPool) fill() {
	defer p.fillersWG.Done()
	for {
		// Checking stop on its own first means a closed pool stops even
		// when a slot is also free; select alone would pick at random.
		select {
		case <-p.stop:
			return
		default:
		}
		select {
		case <-p.stop:
			return
		case <-p.slots:
		}
		if !p.awaitQuiet() {
			return
		}
		k, err := p.generate()
		if err != nil {
			p.slots <- struct{}{}
			t := time.NewTimer(p.retryDelay)
			select {
			case <-p.stop:
				t.Stop()
				return
			case <-t.C:
			}
			continue
		}
		// Never blocks: the slot taken above reserved room for this key.
		p.keys <- p.prepare(k)
	}
}

// SetIssuer makes the pool sign a certificate with iss, at the time now gives, for every
// key it makes from now on and for those it holds (when they are next checked).
func (p *KeyPool) SetIssuer(iss *Issuer, now func() time.Time) {
	p.issuer.Store(&issuerClock{iss: iss, now: now})
	p.setIssuerOne.Do(func() { close(p.issuerSet) })
}

// prepare encodes k and, when the pool has an issuer, signs a certificate for it. Neither
// can fail for a key GenerateKey made; should they, the credentials go without the
// encodings or the certificate, and the caller makes them.
func (p *KeyPool) prepare(k *rsa.PrivateKey) *Credentials {
	c := &Credentials{Key: k}
	if pub, priv, err := EncodeKeyPair(k); err == nil {
		c.PublicKeyPEM, c.PrivateKeyPEM = pub, priv
	}
	p.sign(c)
	return c
}

// sign signs a certificate for c's key with the pool's issuer, if it has one.
func (p *KeyPool) sign(c *Credentials) {
	ic := p.issuer.Load()
	if ic == nil {
		return
	}
	now := ic.now()
	der, err := ic.iss.Issue(&c.Key.PublicKey, now)
	if err != nil {
		return
	}
	x, err := x509.ParseCertificate(der)
	if err != nil {
		return
	}
	c.Certificate, c.Issuer, c.SignedAt = x, ic.iss, now
}

// resign signs again, every resignEvery while the pool is quiet, the certificates of the
// credentials it holds that are older than resignAfter or were signed by another issuer
// (or not at all). It takes one credential at a time out of the pool, so a Get meanwhile
// finds all the others.
func (p *KeyPool) resign() {
	defer p.fillersWG.Done()
	select {
	case <-p.stop:
		return
	case <-p.issuerSet:
	}
	for p.wait(p, resignEvery) {
		ic := p.issuer.Load()
		if ic == nil || !p.awaitQuiet() {
			continue
		}
		for range len(p.keys) {
			var c *Credentials
			select {
			case c = <-p.keys:
			default:
			}
			if c == nil {
				break
			}
			if c.Certificate == nil || c.Issuer != ic.iss || ic.now().Sub(c.SignedAt) >= resignAfter {
				p.sign(c)
			}
			// Never blocks: the credentials taken out above left their room.
			p.keys <- c
		}
	}
}

// awaitQuiet waits until no Get has come for p.quiet, and reports false if the pool was
// closed meanwhile.
func (p *KeyPool) awaitQuiet() bool {
	for p.quiet > 0 {
		idle := p.now().Sub(time.Unix(0, p.lastGet.Load()))
		if idle >= p.quiet {
			return true
		}
		if !p.wait(p, p.quiet-idle) {
			return false
		}
	}
	return true
}

// sleep waits for d, and reports false if the pool was closed first.
func (p *KeyPool) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.stop:
		return false
	case <-t.C:
		return true
	}
}

// Get returns ready credentials from the pool at once if there are some; otherwise it
// generates a key in the caller's goroutine, holding no lock, so callers are never queued
// behind each other, and returns it alone, without encodings or certificate. It returns
// ctx's error if ctx is already done. Get keeps working after Close; it then only drains
// the remaining keys before generating.
func (p *KeyPool) Get(ctx context.Context) (*Credentials, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if p.quiet > 0 {
		p.lastGet.Store(p.now().UnixNano())
	}
	if p.keys != nil {
		select {
		case c := <-p.keys:
			// Never blocks: this key held a slot that is now free again.
			p.slots <- struct{}{}
			return c, nil
		default:
		}
	}
	p.misses.Add(1)
	k, err := p.generate()
	if err != nil {
		return nil, err
	}
	return &Credentials{Key: k}, nil
}

// Len returns the number of keys ready in the pool.
func (p *KeyPool) Len() int { return len(p.keys) }

// Cap returns the number of keys the pool keeps ready when full; 0 means
// pooling is disabled.
func (p *KeyPool) Cap() int { return cap(p.keys) }

// Misses returns how many Get calls found the pool empty and had to generate
// a key while the caller waited; a steadily growing count suggests a larger
// pool or more workers.
func (p *KeyPool) Misses() uint64 { return p.misses.Load() }

// Close stops the background fillers and waits for them to exit, which may
// take as long as generating one key. It is safe to call more than once.
func (p *KeyPool) Close() {
	p.stopOnce.Do(func() { close(p.stop) })
	<-p.done
}
