package iot_test

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"sync"
	"testing"
	"time"

	"github.com/iotcertd/iotcertd/internal/iot"
	"github.com/iotcertd/iotcertd/internal/pki"
)

// handOut is a key source that hands out the credentials a test prepared.
type handOut struct {
	mu   sync.Mutex
	next *pki.Credentials
	iss  *pki.Issuer
}

func (h *handOut) Get(context.Context) (*pki.Credentials, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := *h.next
	return &c, nil
}

func (h *handOut) SetIssuer(iss *pki.Issuer, _ func() time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.iss = iss
}

func (h *handOut) set(c *pki.Credentials) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.next = c
}

// TestCreateKeysAndCertificateSignedAhead checks when CreateKeysAndCertificate hands out
// the certificate its key source signed ahead, and when it signs one itself: the one
// signed ahead only when this service's issuer signed it at most a minute before the call
// and not after it.
func TestCreateKeysAndCertificateSignedAhead(t *testing.T) {
	ctx := context.Background()
	st, sealer := openStore(t)
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	src := &handOut{}
	svc, err := iot.NewService(ctx, iot.Config{Store: st, Sealer: sealer, Keys: src, Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if src.iss != svc.Issuer() {
		t.Fatal("NewService did not give the key source its issuer")
	}
	otherIssuer, _, _, err := pki.NewIssuer(now)
	if err != nil {
		t.Fatal(err)
	}
	key, err := pki.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, err := pki.EncodeKeyPair(key)
	if err != nil {
		t.Fatal(err)
	}
	signed := func(iss *pki.Issuer, at time.Time) *pki.Credentials {
		der, err := iss.Issue(&key.PublicKey, at)
		if err != nil {
			t.Fatal(err)
		}
		x, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return &pki.Credentials{Key: key, PublicKeyPEM: pub, PrivateKeyPEM: priv, Certificate: x, Issuer: iss, SignedAt: at}
	}
	caller := iot.Caller{Account: "111122223333", Region: "us-east-1", Unrestricted: true}
	for _, tc := range []struct {
		name      string
		cred      *pki.Credentials
		handedOut bool
	}{
		{"signed 10 s ahead", signed(svc.Issuer(), now.Add(-10*time.Second)), true},
		{"signed a minute ahead", signed(svc.Issuer(), now.Add(-time.Minute)), true},
		{"signed more than a minute ahead", signed(svc.Issuer(), now.Add(-time.Minute-time.Millisecond)), false},
		{"signed after the call", signed(svc.Issuer(), now.Add(time.Second)), false},
		{"signed by another issuer", signed(otherIssuer, now.Add(-time.Second)), false},
		{"no certificate", &pki.Credentials{Key: key, PublicKeyPEM: pub, PrivateKeyPEM: priv}, false},
		{"no certificate and no encodings", &pki.Credentials{Key: key}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src.set(tc.cred)
			out, err := svc.CreateKeysAndCertificate(ctx, caller, iot.CreateKeysAndCertificateInput{})
			if err != nil {
				t.Fatal(err)
			}
			if out.PublicKeyPEM != pub || out.PrivateKeyPEM != priv {
				t.Fatal("the key pair returned is not the key source's")
			}
			block, _ := pem.Decode([]byte(out.CertificatePEM))
			if block == nil {
				t.Fatal("no certificate PEM")
			}
			x, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			if err := x.CheckSignatureFrom(svc.Issuer().Certificate()); err != nil {
				t.Fatalf("the certificate is not signed by the service's issuer: %v", err)
			}
			if !x.PublicKey.(*rsa.PublicKey).Equal(&key.PublicKey) {
				t.Fatal("the certificate is not for the key handed out")
			}
			if got := tc.cred.Certificate != nil && x.Equal(tc.cred.Certificate); got != tc.handedOut {
				t.Fatalf("certificate signed ahead handed out: %v, want %v", got, tc.handedOut)
			}
			if !tc.handedOut {
				if want := now.Add(-120 * time.Second); !x.NotBefore.Equal(want) {
					t.Fatalf("certificate signed in the call has notBefore %v, want %v", x.NotBefore, want)
				}
			}
			recs, err := st.CertificatesByID(ctx, caller.Region, out.CertificateID)
			if err != nil || len(recs) != 1 {
				t.Fatalf("the certificate was not recorded: %v, %d records", err, len(recs))
			}
			if r := recs[0]; !r.CreatedAt.Equal(now) || !r.NotBefore.Equal(x.NotBefore) || r.PEM != out.CertificatePEM {
				t.Fatalf("record: created %v, notBefore %v; want %v, %v and the PEM returned", r.CreatedAt, r.NotBefore, now, x.NotBefore)
			}
		})
	}
}
