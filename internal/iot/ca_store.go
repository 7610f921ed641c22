package iot

import (
	"context"
	"time"
)

// CAStatus is the status of a CA certificate (AWS CACertificateStatus).
type CAStatus string

// CA certificate statuses.
const (
	CAStatusActive   CAStatus = "ACTIVE"
	CAStatusInactive CAStatus = "INACTIVE"
)

// AutoRegistrationStatus says whether a CA certificate may be used for just-in-time
// registration of the device certificates it signed (AWS AutoRegistrationStatus).
type AutoRegistrationStatus string

// Auto-registration statuses.
const (
	AutoRegistrationEnable  AutoRegistrationStatus = "ENABLE"
	AutoRegistrationDisable AutoRegistrationStatus = "DISABLE"
)

// RegistrationConfig is the registration configuration of a CA certificate (AWS
// RegistrationConfig). An empty string is an absent member.
type RegistrationConfig struct {
	TemplateBody string
	RoleARN      string
	TemplateName string
}

// IsZero reports whether no member is set.
func (r RegistrationConfig) IsZero() bool { return r == RegistrationConfig{} }

// CACertificate is one CA certificate as registered in one account of one region. Its
// tags live in the tag store, by ARN.
//
// A DEFAULT-mode CA certificate exists at most once per region; an SNI_ONLY one may be
// registered in several accounts, one CACertificate each, as device certificates may.
type CACertificate struct {
	Region  string
	Account string
	// ID is the lowercase hex SHA-256 of the DER certificate, as for device certificates.
	ID     string
	Status CAStatus
	Mode   Mode
	PEM    string
	// SubjectKey is the lowercase hex SHA-256 of the DER subject name: "the same CA
	// subject field" of AWS's per-subject limit, and what a device certificate's issuer
	// name is matched against.
	SubjectKey         string
	AutoRegistration   AutoRegistrationStatus
	RegistrationConfig RegistrationConfig
	CreatedAt          time.Time
	LastModifiedAt     time.Time
	CustomerVersion    int
	GenerationID       string
	NotBefore          time.Time
	NotAfter           time.Time
	// Version is the record version for optimistic concurrency, as Certificate.Version.
	Version int64
}

// ARN returns arn:aws:iot:REGION:ACCOUNT:cacert/ID.
func (ca *CACertificate) ARN() string { return CACertificateARN(ca.Region, ca.Account, ca.ID) }

// CACertificateARN returns arn:aws:iot:REGION:ACCOUNT:cacert/ID (iot-api.md §2).
func CACertificateARN(region, account, id string) string {
	return "arn:" + Partition + ":iot:" + region + ":" + account + ":cacert/" + id
}

// RegistrationCode is the code an account puts in the subject common name of a
// verification certificate to prove that it holds a CA's private key.
type RegistrationCode struct {
	Region    string
	Account   string
	Code      string
	CreatedAt time.Time
}

// CACertificateQuery selects a keyset page of the CA certificates of one account in one
// region, ordered by (CreatedAt, ID) in Order.
type CACertificateQuery struct {
	Region  string
	Account string
	// TemplateName, when not empty, keeps only CA certificates whose registration
	// configuration names this provisioning template.
	TemplateName string
	Order        Order
	// After is the position of the last item of the previous page; nil starts at the top.
	After *CertificateCursor
	Limit int
}

// CAReader is the read side of the CA-certificate registry. Reader embeds it.
type CAReader interface {
	// CACertificatesByID returns every record of CA certificate id in region (one per
	// account for SNI_ONLY, at most one for DEFAULT). Empty when none.
	CACertificatesByID(ctx context.Context, region, id string) ([]*CACertificate, error)
	// CACertificatesBySubject returns the account's CA certificates whose SubjectKey is
	// subjectKey, in any order. Empty when none.
	CACertificatesBySubject(ctx context.Context, region, account, subjectKey string) ([]*CACertificate, error)
	// ListCACertificates returns a keyset page of an account's CA certificates.
	ListCACertificates(ctx context.Context, q CACertificateQuery) ([]*CACertificate, error)
	// ListCertificatesByCA returns the summaries of the device certificates that q.Account
	// owns in q.Region whose CACertificateID is caCertificateID (never empty), ordered as
	// ListCertificates.
	ListCertificatesByCA(ctx context.Context, caCertificateID string, q CertificateQuery) ([]*CertificateSummary, error)
	// RegistrationCode returns the registration code of an account in a region, or
	// ErrNotFound.
	RegistrationCode(ctx context.Context, region, account string) (*RegistrationCode, error)
}

// CAWriter is the write side of the CA-certificate registry. Tx embeds it.
type CAWriter interface {
	// CreateCACertificate inserts ca with Version 1. ErrAlreadyExists when the account
	// already holds the CA certificate, or when ca is DEFAULT mode and the region already
	// holds a DEFAULT record of it.
	CreateCACertificate(ctx context.Context, ca *CACertificate) error
	// PutCACertificate replaces the record (Region, Account, ID) if its stored Version
	// equals ca.Version, then advances ca.Version.
	PutCACertificate(ctx context.Context, ca *CACertificate) error
	// DeleteCACertificate removes the record if its stored Version equals ca.Version.
	DeleteCACertificate(ctx context.Context, ca *CACertificate) error
	// CreateRegistrationCode stores an account's registration code; ErrAlreadyExists when
	// the account has one in the region.
	CreateRegistrationCode(ctx context.Context, rc *RegistrationCode) error
	// DeleteRegistrationCode removes an account's registration code; ErrNotFound if absent.
	DeleteRegistrationCode(ctx context.Context, region, account string) error
}
