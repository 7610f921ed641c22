package iot

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/iotcertd/iotcertd/internal/pki"
)

// CA certificates (iot-api.md §7 RegisterCACertificate … DeleteCACertificate; semantics.md
// §2.2). Choices where AWS is silent are listed in docs/aws-behaviour.md.

// Limits and constraints of the CA-certificate operations.
const (
	// maxCAsPerSubject is AWS's "up to 10 CA certificates with the same CA subject field
	// per Amazon Web Services account".
	maxCAsPerSubject = 10
	maxTemplateBody  = 10240
	minRoleARN       = 20
	maxRoleARN       = 2048
	maxTemplateName  = 36
)

var templateNamePattern = regexp.MustCompile(`^[0-9A-Za-z_-]+$`)

// subjectKey returns the key under which a distinguished name (DER) is compared: two
// names are "the same subject field" when their encodings are equal, as crypto/x509
// compares an issuer name with a parent's subject when it builds chains.
func subjectKey(rawName []byte) string {
	sum := sha256.Sum256(rawName)
	return hex.EncodeToString(sum[:])
}

// ownCA returns the record of the caller's account among records, or nil.
func ownCA(records []*CACertificate, account string) *CACertificate {
	for _, ca := range records {
		if ca.Account == account {
			return ca
		}
	}
	return nil
}

// getCA returns the caller's CA certificate id, or ResourceNotFound.
func getCA(ctx context.Context, r Reader, c Caller, id string) (*CACertificate, error) {
	records, err := r.CACertificatesByID(ctx, c.Region, id)
	if err != nil {
		return nil, err
	}
	ca := ownCA(records, c.Account)
	if ca == nil {
		return nil, Errorf(CodeResourceNotFound, "The CA certificate %s does not exist.", id)
	}
	return ca, nil
}

func caAlreadyRegistered(ca *CACertificate) *Error {
	return &Error{Code: CodeResourceAlreadyExists, Message: "The CA certificate is already registered",
		ResourceID: ca.ID, ResourceARN: ca.ARN()}
}

// touchCA records a change made to ca at now, as touch does for device certificates.
func touchCA(ca *CACertificate, now time.Time) {
	ca.LastModifiedAt = now
	ca.CustomerVersion++
	ca.GenerationID = newUUID()
}

// RegisterCACertificateInput is the input of RegisterCACertificate.
type RegisterCACertificateInput struct {
	CACertificatePEM           string
	VerificationCertificatePEM string
	// CertificateMode is DEFAULT, SNI_ONLY or empty (DEFAULT).
	CertificateMode       string
	SetAsActive           bool
	AllowAutoRegistration bool
	// RegistrationConfig is nil when the member is absent.
	RegistrationConfig *RegistrationConfig
	Tags               []Tag
}

// RegisterCACertificate registers a CA certificate in the caller's account. In DEFAULT
// mode the caller proves possession of the CA's private key with a verification
// certificate that the CA signed and whose subject common name is the account's
// registration code; an SNI_ONLY registration proves nothing and must not carry one.
func (s *Service) RegisterCACertificate(ctx context.Context, c Caller, in RegisterCACertificateInput) (*RegisteredCertificate, error) {
	mode, err := checkCertificateMode(in.CertificateMode)
	if err != nil {
		return nil, err
	}
	if err := checkPEMLength("caCertificate", in.CACertificatePEM, true); err != nil {
		return nil, err
	}
	if err := checkPEMLength("verificationCertificate", in.VerificationCertificatePEM, false); err != nil {
		return nil, err
	}
	switch {
	case mode == ModeSNIOnly && in.VerificationCertificatePEM != "":
		return nil, invalid("A CA certificate registered in SNI_ONLY mode takes no verificationCertificate.")
	case mode == ModeDefault && in.VerificationCertificatePEM == "":
		return nil, invalid("A CA certificate registered in DEFAULT mode requires a verificationCertificate signed by the CA whose subject common name is the registration code (GetRegistrationCode).")
	}
	var config RegistrationConfig
	if in.RegistrationConfig != nil {
		if err := checkRegistrationConfig(*in.RegistrationConfig); err != nil {
			return nil, err
		}
		config = *in.RegistrationConfig
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}

	now := s.now()
	x, err := parseCACertificate(in.CACertificatePEM, now)
	if err != nil {
		return nil, err
	}
	var verification *x509.Certificate
	if mode == ModeDefault {
		if verification, err = parseVerificationCertificate(in.VerificationCertificatePEM, x, now); err != nil {
			return nil, err
		}
	}

	status, auto := CAStatusInactive, AutoRegistrationDisable
	if in.SetAsActive {
		status = CAStatusActive
	}
	if in.AllowAutoRegistration {
		auto = AutoRegistrationEnable
	}
	ca := &CACertificate{
		Region: c.Region, Account: c.Account, ID: pki.CertificateID(x.Raw), Status: status, Mode: mode,
		PEM: pki.EncodeCertificatePEM(x.Raw), SubjectKey: subjectKey(x.RawSubject), AutoRegistration: auto,
		RegistrationConfig: config, CreatedAt: now, LastModifiedAt: now, CustomerVersion: 1,
		GenerationID: newUUID(), NotBefore: x.NotBefore.UTC(), NotAfter: x.NotAfter.UTC(),
	}
	err = s.update(ctx, func(tx Tx) error {
		if verification != nil {
			if err := checkRegistrationCode(ctx, tx, c, verification); err != nil {
				return err
			}
		}
		records, err := tx.CACertificatesByID(ctx, c.Region, ca.ID)
		if err != nil {
			return err
		}
		if own := ownCA(records, c.Account); own != nil {
			return caAlreadyRegistered(own)
		}
		// "A CA certificate can be registered in DEFAULT mode by only one account in a
		// Region. A CA certificate can be registered in SNI_ONLY mode by multiple accounts."
		for _, r := range records {
			if mode == ModeDefault || r.Mode == ModeDefault {
				return caAlreadyRegistered(r)
			}
		}
		same, err := tx.CACertificatesBySubject(ctx, c.Region, c.Account, ca.SubjectKey)
		if err != nil {
			return err
		}
		if len(same) >= maxCAsPerSubject {
			return Errorf(CodeLimitExceeded, "An account can register at most %d CA certificates with the same subject.", maxCAsPerSubject)
		}
		if err := tx.CreateCACertificate(ctx, ca); err != nil {
			if errors.Is(err, ErrAlreadyExists) {
				return ErrConflict // a concurrent registration won between our read and write
			}
			return err
		}
		if len(in.Tags) == 0 {
			return nil
		}
		return tx.PutTags(ctx, c.Region, c.Account, ca.ARN(), in.Tags)
	})
	if err != nil {
		return nil, err
	}
	return &RegisteredCertificate{CertificateARN: ca.ARN(), CertificateID: ca.ID}, nil
}

// parseCACertificate validates a submitted CA certificate: a certificate AWS IoT accepts,
// not expired, whose basic constraints say it is a CA.
func parseCACertificate(pemText string, now time.Time) (*x509.Certificate, error) {
	x, err := pki.ParseCertificatePEM(pemText)
	if err != nil {
		return nil, clientCertError(CodeCertificateValidation, err)
	}
	if !x.BasicConstraintsValid || !x.IsCA {
		return nil, Errorf(CodeCertificateValidation, "The certificate is not a CA certificate: its basic constraints must say CA:TRUE.")
	}
	if x.NotAfter.Before(now) {
		return nil, Errorf(CodeCertificateValidation, "The CA certificate has expired.")
	}
	return x, nil
}

// parseVerificationCertificate validates a verification certificate and checks that the
// CA signed it, which proves that the caller holds the CA's private key.
func parseVerificationCertificate(pemText string, ca *x509.Certificate, now time.Time) (*x509.Certificate, error) {
	v, err := pki.ParseCertificatePEM(pemText)
	if err != nil {
		var ve *pki.ValidationError
		if errors.As(err, &ve) {
			return nil, Errorf(CodeCertificateValidation, "The verification certificate is not valid: %s", ve.Msg)
		}
		return nil, internal(err)
	}
	if v.NotAfter.Before(now) {
		return nil, Errorf(CodeCertificateValidation, "The verification certificate has expired.")
	}
	if err := pki.VerifySignedBy(v, ca); err != nil {
		return nil, Errorf(CodeCertificateValidation, "The verification certificate is not signed by the CA certificate's private key.")
	}
	return v, nil
}

// checkRegistrationCode checks that the verification certificate's subject common name is
// the caller's registration code. Codes are hex, so case does not matter.
func checkRegistrationCode(ctx context.Context, r Reader, c Caller, v *x509.Certificate) error {
	rc, err := r.RegistrationCode(ctx, c.Region, c.Account)
	if errors.Is(err, ErrNotFound) {
		return Errorf(CodeRegistrationCodeValidation, "The account has no registration code; call GetRegistrationCode and put the code in the verification certificate's subject common name.")
	}
	if err != nil {
		return err
	}
	if !strings.EqualFold(strings.TrimSpace(v.Subject.CommonName), rc.Code) {
		return Errorf(CodeRegistrationCodeValidation, "The verification certificate's subject common name is not the account's registration code.")
	}
	return nil
}

// checkCertificateMode validates a CertificateMode; empty means DEFAULT.
func checkCertificateMode(v string) (Mode, error) {
	switch Mode(v) {
	case "", ModeDefault:
		return ModeDefault, nil
	case ModeSNIOnly:
		return ModeSNIOnly, nil
	}
	return "", invalid("1 validation error detected: Value '%s' at 'certificateMode' failed to satisfy constraint: Member must satisfy enum value set: [DEFAULT, SNI_ONLY]", clip(v))
}

// checkPEMLength applies the CertificatePem constraints (1..65536 characters).
func checkPEMLength(field, v string, required bool) error {
	if v == "" {
		if required {
			return invalid("%s is required.", field)
		}
		return nil
	}
	if runeLen(v) > maxCertificatePEM {
		return invalid("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", field, maxCertificatePEM)
	}
	return nil
}

// checkRegistrationConfig validates a RegistrationConfig against the model's constraints.
// iotcertd has no provisioning templates, so a templateName is stored as given.
func checkRegistrationConfig(r RegistrationConfig) error {
	if runeLen(r.TemplateBody) > maxTemplateBody {
		return invalid("1 validation error detected: Value at 'registrationConfig.templateBody' failed to satisfy constraint: Member must have length less than or equal to %d", maxTemplateBody)
	}
	if r.RoleARN != "" && (runeLen(r.RoleARN) < minRoleARN || runeLen(r.RoleARN) > maxRoleARN) {
		return invalid("1 validation error detected: Value '%s' at 'registrationConfig.roleArn' failed to satisfy constraint: Member must have length between %d and %d", clip(r.RoleARN), minRoleARN, maxRoleARN)
	}
	if r.TemplateName != "" {
		if err := checkTemplateName("registrationConfig.templateName", r.TemplateName); err != nil {
			return err
		}
	}
	return nil
}

// checkTemplateName validates a TemplateName.
func checkTemplateName(field, v string) error {
	if runeLen(v) > maxTemplateName || !templateNamePattern.MatchString(v) {
		return invalid("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d and satisfy regular expression pattern: ^[0-9A-Za-z_-]+$", clip(v), field, maxTemplateName)
	}
	return nil
}

// DescribeCACertificate returns one of the caller's CA certificates.
func (s *Service) DescribeCACertificate(ctx context.Context, c Caller, certificateID string) (*CACertificate, error) {
	id, err := checkCertificateID("certificateId", certificateID)
	if err != nil {
		return nil, err
	}
	ca, err := getCA(ctx, s.store, c, id)
	if err != nil {
		return nil, wrapRead(err)
	}
	return ca, nil
}

// ListCACertificatesInput is the input of ListCACertificates.
type ListCACertificatesInput struct {
	ListInput
	TemplateName string
}

// CACertificatePage is one page of CA certificates.
type CACertificatePage struct {
	Certificates []*CACertificate
	NextMarker   string
}

// ListCACertificates lists the caller's CA certificates, newest first unless ascending
// order is asked for, optionally only those whose registration configuration names a
// provisioning template.
func (s *Service) ListCACertificates(ctx context.Context, c Caller, in ListCACertificatesInput) (*CACertificatePage, error) {
	size, err := checkPageSize("pageSize", in.PageSize)
	if err != nil {
		return nil, err
	}
	after, err := decodeCertificateMarker("marker", in.Marker)
	if err != nil {
		return nil, err
	}
	if in.TemplateName != "" {
		if err := checkTemplateName("templateName", in.TemplateName); err != nil {
			return nil, err
		}
	}
	q := CACertificateQuery{Region: c.Region, Account: c.Account, TemplateName: in.TemplateName, After: after, Limit: size + 1}
	if in.Ascending {
		q.Order = Ascending
	}
	cas, err := s.store.ListCACertificates(ctx, q)
	if err != nil {
		return nil, wrapRead(err)
	}
	page := &CACertificatePage{Certificates: cas}
	if len(cas) > size {
		page.Certificates = cas[:size]
		last := cas[size-1]
		page.NextMarker = encodeCertificateMarker(CertificateCursor{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	return page, nil
}

// ListCertificatesByCA lists the caller's device certificates that were registered as
// signed by a CA certificate. The CA need not be registered (any longer): the device
// certificates of a deleted CA keep its ID and are still listed.
func (s *Service) ListCertificatesByCA(ctx context.Context, c Caller, caCertificateID string, in ListInput) (*CertificatePage, error) {
	id, err := checkCertificateID("caCertificateId", caCertificateID)
	if err != nil {
		return nil, err
	}
	return s.listCertificates(ctx, c, in, func(ctx context.Context, q CertificateQuery) ([]*CertificateSummary, error) {
		return s.store.ListCertificatesByCA(ctx, id, q)
	})
}

// UpdateCACertificateInput is the input of UpdateCACertificate.
type UpdateCACertificateInput struct {
	CertificateID             string
	NewStatus                 string
	NewAutoRegistrationStatus string
	// RegistrationConfig, when not nil, replaces the registration configuration.
	RegistrationConfig *RegistrationConfig
	// RemoveAutoRegistration removes the registration configuration.
	RemoveAutoRegistration bool
}

// UpdateCACertificate changes the status, the auto-registration status or the
// registration configuration of one of the caller's CA certificates. Setting what is
// already set changes nothing.
func (s *Service) UpdateCACertificate(ctx context.Context, c Caller, in UpdateCACertificateInput) error {
	id, err := checkCertificateID("certificateId", in.CertificateID)
	if err != nil {
		return err
	}
	var status CAStatus
	switch CAStatus(in.NewStatus) {
	case "", CAStatusActive, CAStatusInactive:
		status = CAStatus(in.NewStatus)
	default:
		return invalid("1 validation error detected: Value '%s' at 'newStatus' failed to satisfy constraint: Member must satisfy enum value set: [ACTIVE, INACTIVE]", clip(in.NewStatus))
	}
	var auto AutoRegistrationStatus
	switch AutoRegistrationStatus(in.NewAutoRegistrationStatus) {
	case "", AutoRegistrationEnable, AutoRegistrationDisable:
		auto = AutoRegistrationStatus(in.NewAutoRegistrationStatus)
	default:
		return invalid("1 validation error detected: Value '%s' at 'newAutoRegistrationStatus' failed to satisfy constraint: Member must satisfy enum value set: [ENABLE, DISABLE]", clip(in.NewAutoRegistrationStatus))
	}
	if in.RegistrationConfig != nil {
		if in.RemoveAutoRegistration {
			return invalid("registrationConfig and removeAutoRegistration cannot be given together.")
		}
		if err := checkRegistrationConfig(*in.RegistrationConfig); err != nil {
			return err
		}
	}
	return s.update(ctx, func(tx Tx) error {
		ca, err := getCA(ctx, tx, c, id)
		if err != nil {
			return err
		}
		before := *ca
		if status != "" {
			ca.Status = status
		}
		if auto != "" {
			ca.AutoRegistration = auto
		}
		if in.RegistrationConfig != nil {
			ca.RegistrationConfig = *in.RegistrationConfig
		}
		if in.RemoveAutoRegistration {
			ca.RegistrationConfig = RegistrationConfig{}
		}
		if ca.Status == before.Status && ca.AutoRegistration == before.AutoRegistration &&
			ca.RegistrationConfig == before.RegistrationConfig {
			return nil
		}
		touchCA(ca, s.now())
		return tx.PutCACertificate(ctx, ca)
	})
}

// DeleteCACertificate deletes one of the caller's CA certificates, which must not be
// ACTIVE, with its tags. The device certificates it signed stay registered and keep its ID
// as their caCertificateId.
func (s *Service) DeleteCACertificate(ctx context.Context, c Caller, certificateID string) error {
	id, err := checkCertificateID("certificateId", certificateID)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		ca, err := getCA(ctx, tx, c, id)
		if err != nil {
			return err
		}
		if ca.Status == CAStatusActive {
			return Errorf(CodeCertificateState, "The CA certificate %s is ACTIVE; set it INACTIVE before deleting it.", id)
		}
		if err := tx.DeleteResourceTags(ctx, c.Region, c.Account, ca.ARN()); err != nil {
			return err
		}
		return tx.DeleteCACertificate(ctx, ca)
	})
}

// signingCA finds the caller's registered CA certificate that signed device: the one
// given (which must be registered in the account), or else the account's CA certificates
// whose subject is the device certificate's issuer and whose key verifies its signature.
// The CA must be ACTIVE. Device certificates take the CA's certificate mode.
func signingCA(ctx context.Context, r Reader, c Caller, device, given *x509.Certificate) (*CACertificate, error) {
	if given != nil {
		id := pki.CertificateID(given.Raw)
		records, err := r.CACertificatesByID(ctx, c.Region, id)
		if err != nil {
			return nil, err
		}
		ca := ownCA(records, c.Account)
		if ca == nil {
			return nil, Errorf(CodeCertificateValidation, "The CA certificate %s is not registered in this account; register it with RegisterCACertificate first.", id)
		}
		return ca, activeCA(ca)
	}
	candidates, err := r.CACertificatesBySubject(ctx, c.Region, c.Account, subjectKey(device.RawIssuer))
	if err != nil {
		return nil, err
	}
	var signers []*CACertificate
	for _, ca := range candidates {
		x, err := pki.ParseCertificatePEM(ca.PEM)
		if err != nil {
			return nil, internal(err) // it was validated when it was registered
		}
		if pki.VerifySignedBy(device, x) == nil {
			signers = append(signers, ca)
		}
	}
	switch len(signers) {
	case 0:
		return nil, Errorf(CodeCertificateValidation, "The certificate is not signed by a CA certificate registered in this account. Register its CA with RegisterCACertificate, or register the certificate with RegisterCertificateWithoutCA.")
	case 1:
		return signers[0], activeCA(signers[0])
	}
	return nil, Errorf(CodeCertificateConflict, "%d registered CA certificates have the subject and public key of this certificate's issuer; give the one that signed it as caCertificatePem.", len(signers))
}

// activeCA refuses a CA certificate that is not ACTIVE as the signer of a device
// certificate being registered.
func activeCA(ca *CACertificate) error {
	if ca.Status != CAStatusActive {
		return Errorf(CodeCertificateState, "The CA certificate %s is %s; activate it with UpdateCACertificate before registering certificates it signed.", ca.ID, ca.Status)
	}
	return nil
}
