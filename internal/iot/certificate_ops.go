package iot

import (
	"context"
	"crypto/x509"
	"errors"
	"time"

	"github.com/iotcertd/iotcertd/internal/pki"
)

// RegisterCertificateInput is the input of RegisterCertificate.
type RegisterCertificateInput struct {
	CertificatePEM   string
	CACertificatePEM string
	// SetAsActive is the deprecated query flag; Status wins when both are given.
	SetAsActive *bool
	Status      string
}

// RegisterCertificateWithoutCAInput is the input of RegisterCertificateWithoutCA.
type RegisterCertificateWithoutCAInput struct {
	CertificatePEM string
	Status         string
}

// RegisteredCertificate identifies a registered certificate.
type RegisteredCertificate struct {
	CertificateARN string
	CertificateID  string
}

// RegisterCertificate registers a device certificate signed by a CA certificate that the
// caller registered: the one given as caCertificatePem, or else the one found by the device
// certificate's issuer (its subject and a key that verifies the signature). The CA must be
// ACTIVE, and the device certificate takes its certificate mode and records its ID.
func (s *Service) RegisterCertificate(ctx context.Context, c Caller, in RegisterCertificateInput) (*RegisteredCertificate, error) {
	active := in.SetAsActive != nil && *in.SetAsActive
	status, err := registrationStatus(in.Status, active)
	if err != nil {
		return nil, err
	}
	now := s.now()
	x, err := parseDeviceCertificate(in.CertificatePEM, now)
	if err != nil {
		return nil, err
	}
	var given *x509.Certificate
	if in.CACertificatePEM != "" {
		if runeLen(in.CACertificatePEM) > maxCertificatePEM {
			return nil, invalid("caCertificatePem must be at most %d characters.", maxCertificatePEM)
		}
		if given, err = pki.ParseCertificatePEM(in.CACertificatePEM); err != nil {
			return nil, clientCertError(CodeCertificateValidation, err)
		}
		if err := pki.VerifySignedBy(x, given); err != nil {
			return nil, Errorf(CodeCertificateValidation, "The certificate is not signed by the given CA certificate.")
		}
	}
	var cert *Certificate
	err = s.update(ctx, func(tx Tx) error {
		ca, err := signingCA(ctx, tx, c, x, given)
		if err != nil {
			return err
		}
		cert = newCertificate(c, x, status, ca.Mode, now)
		cert.CACertificateID = ca.ID
		return registerIn(ctx, tx, c, cert)
	})
	if err != nil {
		return nil, err
	}
	return &RegisteredCertificate{CertificateARN: cert.ARN(), CertificateID: cert.ID}, nil
}

// RegisterCertificateWithoutCA registers a certificate in SNI_ONLY mode, which AWS lets
// several accounts register at once.
func (s *Service) RegisterCertificateWithoutCA(ctx context.Context, c Caller, in RegisterCertificateWithoutCAInput) (*RegisteredCertificate, error) {
	status, err := registrationStatus(in.Status, false)
	if err != nil {
		return nil, err
	}
	x, err := parseDeviceCertificate(in.CertificatePEM, s.now())
	if err != nil {
		return nil, err
	}
	cert := newCertificate(c, x, status, ModeSNIOnly, s.now())
	return s.register(ctx, c, cert)
}

// register stores a registered certificate (see registerIn) in a transaction of its own.
func (s *Service) register(ctx context.Context, c Caller, cert *Certificate) (*RegisteredCertificate, error) {
	err := s.update(ctx, func(tx Tx) error { return registerIn(ctx, tx, c, cert) })
	if err != nil {
		return nil, err
	}
	return &RegisteredCertificate{CertificateARN: cert.ARN(), CertificateID: cert.ID}, nil
}

// registerIn stores a registered certificate unless it is already registered where the
// caller can see it or, for DEFAULT mode, anywhere in the region.
func registerIn(ctx context.Context, tx Tx, c Caller, cert *Certificate) error {
	records, err := tx.CertificatesByID(ctx, c.Region, cert.ID)
	if err != nil {
		return err
	}
	if existing, rel := relate(records, c.Account); rel.visible() {
		return alreadyRegistered(existing)
	}
	for _, r := range records {
		if cert.Mode == ModeDefault || r.Mode == ModeDefault {
			return alreadyRegistered(r)
		}
	}
	if err := tx.CreateCertificate(ctx, cert); err != nil {
		if errors.Is(err, ErrAlreadyExists) {
			// A concurrent registration won between our read and write.
			return ErrConflict
		}
		return err
	}
	return nil
}

func alreadyRegistered(c *Certificate) *Error {
	return &Error{Code: CodeResourceAlreadyExists, Message: "The certificate is already provisioned or registered",
		ResourceID: c.ID, ResourceARN: c.ARN()}
}

// registrationStatus resolves the status of a certificate being registered. AWS documents
// ACTIVE, INACTIVE and REVOKED as the values one can use; the internal statuses are refused.
func registrationStatus(status string, setAsActive bool) (Status, error) {
	if status == "" {
		if setAsActive {
			return StatusActive, nil
		}
		return StatusInactive, nil
	}
	st, err := parseStatus("status", status)
	if err != nil {
		return "", err
	}
	switch st {
	case StatusActive, StatusInactive, StatusRevoked:
		return st, nil
	}
	return "", Errorf(CodeCertificateState, "A certificate cannot be registered with status %s; use ACTIVE, INACTIVE or REVOKED.", st)
}

// parseStatus validates a CertificateStatus enum value.
func parseStatus(field, v string) (Status, error) {
	for _, st := range statuses {
		if string(st) == v {
			return st, nil
		}
	}
	return "", invalid("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [ACTIVE, INACTIVE, REVOKED, PENDING_TRANSFER, REGISTER_INACTIVE, PENDING_ACTIVATION]", clip(v), field)
}

// parseDeviceCertificate validates a submitted device certificate PEM.
func parseDeviceCertificate(pemText string, now time.Time) (*x509.Certificate, error) {
	if pemText == "" {
		return nil, invalid("certificatePem is required.")
	}
	if runeLen(pemText) > maxCertificatePEM {
		return nil, invalid("1 validation error detected: Value at 'certificatePem' failed to satisfy constraint: Member must have length less than or equal to %d", maxCertificatePEM)
	}
	x, err := pki.ParseCertificatePEM(pemText)
	if err != nil {
		return nil, clientCertError(CodeCertificateValidation, err)
	}
	if x.NotAfter.Before(now) {
		return nil, Errorf(CodeCertificateValidation, "The certificate has expired.")
	}
	return x, nil
}

// DescribeCertificate returns a certificate the caller owns or that is pending transfer to
// the caller.
func (s *Service) DescribeCertificate(ctx context.Context, c Caller, certificateID string) (*Certificate, error) {
	id, err := checkCertificateID("certificateId", certificateID)
	if err != nil {
		return nil, err
	}
	cert, _, err := visibleCertificate(ctx, s.store, c, id)
	if err != nil {
		return nil, wrapRead(err)
	}
	return cert, nil
}

// ListInput is the paging input of the marker-paginated list operations.
type ListInput struct {
	PageSize  *int
	Marker    string
	Ascending bool
}

// CertificatePage is one page of certificates.
type CertificatePage struct {
	Certificates []*CertificateSummary
	NextMarker   string
}

// ListCertificates lists the certificates the caller owns or is being offered, newest
// first unless ascending order is asked for.
func (s *Service) ListCertificates(ctx context.Context, c Caller, in ListInput) (*CertificatePage, error) {
	return s.listCertificates(ctx, c, in, s.store.ListCertificates)
}

// ListOutgoingCertificates lists the caller's certificates that are pending transfer to
// another account.
func (s *Service) ListOutgoingCertificates(ctx context.Context, c Caller, in ListInput) (*CertificatePage, error) {
	return s.listCertificates(ctx, c, in, s.store.ListOutgoingCertificates)
}

func (s *Service) listCertificates(ctx context.Context, c Caller, in ListInput,
	list func(context.Context, CertificateQuery) ([]*CertificateSummary, error)) (*CertificatePage, error) {
	size, err := checkPageSize("pageSize", in.PageSize)
	if err != nil {
		return nil, err
	}
	after, err := decodeCertificateMarker("marker", in.Marker)
	if err != nil {
		return nil, err
	}
	q := CertificateQuery{Region: c.Region, Account: c.Account, After: after, Limit: size + 1}
	if in.Ascending {
		q.Order = Ascending
	}
	certs, err := list(ctx, q)
	if err != nil {
		return nil, wrapRead(err)
	}
	page := &CertificatePage{Certificates: certs}
	if len(certs) > size {
		page.Certificates = certs[:size]
		last := certs[size-1]
		page.NextMarker = encodeCertificateMarker(CertificateCursor{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	return page, nil
}

// UpdateCertificateInput is the input of UpdateCertificate.
type UpdateCertificateInput struct {
	CertificateID string
	NewStatus     string
}

// UpdateCertificate changes a certificate's status. The rules (iot-api.md §4.2): the
// internal statuses PENDING_TRANSFER and PENDING_ACTIVATION and the deprecated
// REGISTER_INACTIVE cannot be set; REVOKED is final; nothing changes while a transfer is
// pending. Setting the current status again changes nothing (the operation is idempotent).
func (s *Service) UpdateCertificate(ctx context.Context, c Caller, in UpdateCertificateInput) error {
	id, err := checkCertificateID("certificateId", in.CertificateID)
	if err != nil {
		return err
	}
	if in.NewStatus == "" {
		return invalid("newStatus is required.")
	}
	target, err := parseStatus("newStatus", in.NewStatus)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		cert, rel, err := visibleCertificate(ctx, tx, c, id)
		if err != nil {
			return err
		}
		switch target {
		case StatusPendingTransfer, StatusPendingActivation:
			return Errorf(CodeCertificateState, "The status %s is used internally by AWS IoT and cannot be set.", target)
		case StatusRegisterInactive:
			return Errorf(CodeCertificateState, "The status REGISTER_INACTIVE is deprecated and cannot be set.")
		}
		if rel != relOwner {
			return Errorf(CodeCertificateState, "The certificate %s is pending transfer; its status cannot change until the transfer is accepted, rejected or cancelled.", id)
		}
		if cert.Status == target {
			return nil
		}
		if cert.Status == StatusRevoked {
			return Errorf(CodeCertificateState, "The certificate %s is revoked; a revoked certificate's status cannot be changed.", id)
		}
		cert.Status = target
		touch(cert, s.now())
		return tx.PutCertificate(ctx, cert)
	})
}

// DeleteCertificateInput is the input of DeleteCertificate.
type DeleteCertificateInput struct {
	CertificateID string
	ForceDelete   bool
}

// DeleteCertificate deletes a certificate that is not ACTIVE, not pending transfer and not
// attached to a thing. Attached policies block deletion unless ForceDelete is set, in which
// case they are detached with it.
func (s *Service) DeleteCertificate(ctx context.Context, c Caller, in DeleteCertificateInput) error {
	id, err := checkCertificateID("certificateId", in.CertificateID)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		cert, rel, err := visibleCertificate(ctx, tx, c, id)
		if err != nil {
			return err
		}
		if rel != relOwner || cert.Status == StatusPendingTransfer {
			return Errorf(CodeCertificateState, "The certificate %s is pending transfer and cannot be deleted.", id)
		}
		if cert.Status == StatusActive {
			return Errorf(CodeCertificateState, "Certificate must be deactivated (not ACTIVE) before deletion. Id: %s", id)
		}
		arn := cert.ARN()
		things, err := tx.PrincipalThings(ctx, arn, NameQuery{Region: c.Region, Account: c.Account, Limit: 1})
		if err != nil {
			return err
		}
		if len(things) > 0 {
			return Errorf(CodeDeleteConflict, "Things must be detached before deletion (arn: %s)", arn)
		}
		n, err := tx.CountTargetPolicies(ctx, c.Region, c.Account, arn)
		if err != nil {
			return err
		}
		if n > 0 {
			if !in.ForceDelete {
				return Errorf(CodeDeleteConflict, "Certificate policies must be detached before deletion (arn: %s)", arn)
			}
			if err := tx.DetachAllPolicies(ctx, c.Region, c.Account, arn); err != nil {
				return err
			}
		}
		return tx.DeleteCertificate(ctx, cert)
	})
}

// wrapRead turns a store failure on a read path into a domain error.
func wrapRead(err error) error {
	var de *Error
	if errors.As(err, &de) {
		return de
	}
	return internal(err)
}
