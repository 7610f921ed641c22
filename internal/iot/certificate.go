package iot

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"time"

	"github.com/iotcertd/iotcertd/internal/pki"
)

// relation is how an account relates to a certificate record.
type relation int

const (
	relNone relation = iota
	// relOwner: the account owns the certificate and no transfer is pending.
	relOwner
	// relSource: the account owns the certificate and is transferring it away.
	relSource
	// relTarget: a transfer of the certificate to the account is pending.
	relTarget
	// relFormerOwner: the account transferred the certificate away and the target accepted.
	relFormerOwner
)

// visible reports whether the relation lets the account see the certificate.
func (r relation) visible() bool { return r == relOwner || r == relSource || r == relTarget }

// relate picks the record of certificate id that concerns account, and how.
func relate(records []*Certificate, account string) (*Certificate, relation) {
	var target, former *Certificate
	for _, c := range records {
		switch {
		case c.Owner == account && c.Pending():
			return c, relSource
		case c.Owner == account:
			return c, relOwner
		case c.Pending() && c.Transfer.Target == account:
			target = c
		case c.PreviousOwner == account && !c.Transfer.AcceptDate.IsZero():
			former = c
		}
	}
	if target != nil {
		return target, relTarget
	}
	if former != nil {
		return former, relFormerOwner
	}
	return nil, relNone
}

// lookup finds the record of a certificate that concerns the caller.
func lookup(ctx context.Context, r Reader, c Caller, id string) (*Certificate, relation, error) {
	records, err := r.CertificatesByID(ctx, c.Region, id)
	if err != nil {
		return nil, relNone, err
	}
	cert, rel := relate(records, c.Account)
	return cert, rel, nil
}

// visibleCertificate returns the certificate the caller can see, or ResourceNotFound.
func visibleCertificate(ctx context.Context, r Reader, c Caller, id string) (*Certificate, relation, error) {
	cert, rel, err := lookup(ctx, r, c, id)
	if err != nil {
		return nil, relNone, err
	}
	if !rel.visible() {
		return nil, relNone, certificateNotFound(id)
	}
	return cert, rel, nil
}

func certificateNotFound(id string) *Error {
	return Errorf(CodeResourceNotFound, "The certificate %s does not exist.", id)
}

// touch records a change made to c at now: AWS advances lastModifiedDate, the customer
// version and the generation ID whenever a certificate changes (docs/aws-behaviour.md).
func touch(c *Certificate, now time.Time) {
	c.LastModifiedAt = now
	c.CustomerVersion++
	c.GenerationID = newUUID()
}

// CreateKeysAndCertificateInput is the input of CreateKeysAndCertificate.
type CreateKeysAndCertificateInput struct {
	SetAsActive bool
}

// KeysAndCertificate is what CreateKeysAndCertificate returns: the only time the private
// key leaves the server (it is never stored).
type KeysAndCertificate struct {
	CertificateARN string
	CertificateID  string
	CertificatePEM string
	PublicKeyPEM   string
	PrivateKeyPEM  string
}

// presignedMaxAge is how long before a CreateKeysAndCertificate call its certificate may
// have been signed, when the key source signed it ahead: its notBefore (120 s before the
// signature, as in AWS's example) is then at most this much earlier than AWS's. Older
// certificates are signed again during the call.
const presignedMaxAge = time.Minute

// CreateKeysAndCertificate makes a fresh RSA-2048 key pair and a certificate for it signed
// by the server's issuing CA. With a key source, both usually come ready-made: the key
// generated ahead, and the certificate signed ahead (see presignedMaxAge).
func (s *Service) CreateKeysAndCertificate(ctx context.Context, c Caller, in CreateKeysAndCertificateInput) (*KeysAndCertificate, error) {
	var cred *pki.Credentials
	var err error
	if s.keys != nil {
		cred, err = s.keys.Get(ctx)
	} else {
		var k *rsa.PrivateKey
		if k, err = pki.GenerateKey(); err == nil {
			cred = &pki.Credentials{Key: k}
		}
	}
	if err != nil {
		return nil, internal(err)
	}
	if cred.PublicKeyPEM == "" || cred.PrivateKeyPEM == "" {
		if cred.PublicKeyPEM, cred.PrivateKeyPEM, err = pki.EncodeKeyPair(cred.Key); err != nil {
			return nil, internal(err)
		}
	}
	now := s.now()
	x := cred.Certificate
	if x == nil || cred.Issuer != s.issuer || cred.SignedAt.After(now) || now.Sub(cred.SignedAt) > presignedMaxAge {
		if x, err = s.sign(&cred.Key.PublicKey, now); err != nil {
			return nil, err
		}
	}
	cert, err := s.record(ctx, c, x, in.SetAsActive, now)
	if err != nil {
		return nil, err
	}
	return &KeysAndCertificate{
		CertificateARN: cert.ARN(), CertificateID: cert.ID, CertificatePEM: cert.PEM,
		PublicKeyPEM: cred.PublicKeyPEM, PrivateKeyPEM: cred.PrivateKeyPEM,
	}, nil
}

// CreateCertificateFromCSRInput is the input of CreateCertificateFromCsr.
type CreateCertificateFromCSRInput struct {
	CSR         string
	SetAsActive bool
}

// IssuedCertificate identifies a certificate the server issued.
type IssuedCertificate struct {
	CertificateARN string
	CertificateID  string
	CertificatePEM string
}

// CreateCertificateFromCSR verifies a CSR and issues a certificate for its public key. The
// same CSR twice gives two distinct certificates, as AWS documents.
func (s *Service) CreateCertificateFromCSR(ctx context.Context, c Caller, in CreateCertificateFromCSRInput) (*IssuedCertificate, error) {
	if in.CSR == "" {
		return nil, invalid("certificateSigningRequest is required.")
	}
	if runeLen(in.CSR) > maxCSR {
		return nil, invalid("1 validation error detected: Value at 'certificateSigningRequest' failed to satisfy constraint: Member must have length less than or equal to %d", maxCSR)
	}
	csr, err := pki.ParseCSR(in.CSR)
	if err != nil {
		return nil, clientCertError(CodeInvalidRequest, err)
	}
	cert, err := s.issue(ctx, c, csr.PublicKey, in.SetAsActive)
	if err != nil {
		return nil, err
	}
	return &IssuedCertificate{CertificateARN: cert.ARN(), CertificateID: cert.ID, CertificatePEM: cert.PEM}, nil
}

// issue signs a certificate for pub and records it in the caller's registry.
func (s *Service) issue(ctx context.Context, c Caller, pub any, active bool) (*Certificate, error) {
	now := s.now()
	x, err := s.sign(pub, now)
	if err != nil {
		return nil, err
	}
	return s.record(ctx, c, x, active, now)
}

// sign signs a certificate for pub with the issuing CA at now.
func (s *Service) sign(pub any, now time.Time) (*x509.Certificate, error) {
	der, err := s.issuer.Issue(pub, now)
	if err != nil {
		return nil, internal(err)
	}
	x, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, internal(err)
	}
	return x, nil
}

// record records the issued certificate x in the caller's registry, created at now.
func (s *Service) record(ctx context.Context, c Caller, x *x509.Certificate, active bool, now time.Time) (*Certificate, error) {
	status := StatusInactive
	if active {
		status = StatusActive
	}
	cert := newCertificate(c, x, status, ModeDefault, now)
	err := s.update(ctx, func(tx Tx) error { return tx.CreateCertificate(ctx, cert) })
	if err != nil {
		return nil, err
	}
	return cert, nil
}

// newCertificate builds the record of a parsed certificate for the caller.
func newCertificate(c Caller, x *x509.Certificate, status Status, mode Mode, now time.Time) *Certificate {
	return &Certificate{
		RecordID:        newRecordID(now),
		Region:          c.Region,
		ID:              pki.CertificateID(x.Raw),
		Owner:           c.Account,
		Status:          status,
		Mode:            mode,
		PEM:             pki.EncodeCertificatePEM(x.Raw),
		CreatedAt:       now,
		LastModifiedAt:  now,
		CustomerVersion: 1,
		GenerationID:    newUUID(),
		NotBefore:       x.NotBefore.UTC(),
		NotAfter:        x.NotAfter.UTC(),
	}
}

// clientCertError turns a pki validation failure into a client error of the given code and
// anything else into an internal error.
func clientCertError(code Code, err error) error {
	var ve *pki.ValidationError
	if errors.As(err, &ve) {
		return &Error{Code: code, Message: ve.Error()}
	}
	return internal(err)
}
