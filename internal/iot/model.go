package iot

import (
	"time"
)

// Status is a device certificate status (AWS CertificateStatus).
type Status string

// Certificate statuses, as AWS spells them on the wire.
const (
	StatusActive            Status = "ACTIVE"
	StatusInactive          Status = "INACTIVE"
	StatusRevoked           Status = "REVOKED"
	StatusPendingTransfer   Status = "PENDING_TRANSFER"
	StatusRegisterInactive  Status = "REGISTER_INACTIVE"
	StatusPendingActivation Status = "PENDING_ACTIVATION"
)

var statuses = []Status{StatusActive, StatusInactive, StatusRevoked, StatusPendingTransfer,
	StatusRegisterInactive, StatusPendingActivation}

// Mode is a certificate mode (AWS CertificateMode).
type Mode string

// Certificate modes.
const (
	ModeDefault Mode = "DEFAULT"
	ModeSNIOnly Mode = "SNI_ONLY"
)

// Certificate is one device certificate as registered in one account of one region.
//
// A DEFAULT-mode certificate exists at most once per region; an SNI_ONLY certificate may be
// registered in several accounts, one Certificate each. RecordID names the record and never
// changes, even when ownership moves to another account.
type Certificate struct {
	RecordID        string
	Region          string
	ID              string
	Owner           string
	PreviousOwner   string
	Status          Status
	Mode            Mode
	PEM             string
	CACertificateID string
	CreatedAt       time.Time
	LastModifiedAt  time.Time
	CustomerVersion int
	GenerationID    string
	NotBefore       time.Time
	NotAfter        time.Time
	Transfer        TransferData
	// Version is the record version for optimistic concurrency; stores compare it on
	// every write and advance it by one.
	Version int64
}

// TransferData records the latest transfer of a certificate.
type TransferData struct {
	// Target is the account a pending transfer goes to; empty when none is pending.
	Target       string
	Message      string
	RejectReason string
	TransferDate time.Time
	AcceptDate   time.Time
	RejectDate   time.Time
}

// Pending reports whether a transfer of c is waiting for the target.
func (c *Certificate) Pending() bool { return c.Transfer.Target != "" }

// ARN returns the certificate ARN as AWS shows it: while a transfer is pending, the ARN
// already names the target account (AWS re-homes it when the transfer starts).
func (c *Certificate) ARN() string {
	return shownARN(c.Region, c.Owner, c.Transfer.Target, c.ID)
}

// shownARN is the ARN of certificate id as AWS shows it, given its owner and the target of
// its pending transfer (empty when none is pending).
func shownARN(region, owner, target, id string) string {
	if target != "" {
		return CertificateARN(region, target, id)
	}
	return CertificateARN(region, owner, id)
}

// Summary returns what a listing shows of c.
func (c *Certificate) Summary() *CertificateSummary {
	return &CertificateSummary{
		RecordID: c.RecordID, Region: c.Region, ID: c.ID, Owner: c.Owner, Status: c.Status, Mode: c.Mode,
		CreatedAt: c.CreatedAt, TransferTarget: c.Transfer.Target, TransferMessage: c.Transfer.Message,
		TransferDate: c.Transfer.TransferDate,
	}
}

// CertificateSummary is what a listing of certificates (ListCertificates,
// ListOutgoingCertificates, ListCertificatesByCA) shows of one record, and all that a store
// reads of each listed row: a page of 50 reads 10 of a record's 22 columns per row. It is
// a separate type so that a listed record can never be written back as a Certificate with
// the rest of its fields missing. The fields mean what Certificate's of the same name do;
// the Transfer ones are Certificate.Transfer's Target, Message and TransferDate.
type CertificateSummary struct {
	RecordID        string
	Region          string
	ID              string
	Owner           string
	Status          Status
	Mode            Mode
	CreatedAt       time.Time
	TransferTarget  string
	TransferMessage string
	TransferDate    time.Time
}

// ARN returns the certificate ARN as Certificate.ARN does.
func (c *CertificateSummary) ARN() string {
	return shownARN(c.Region, c.Owner, c.TransferTarget, c.ID)
}

// Policy is an IoT policy in one account and region. Its versions are PolicyVersion
// records; Document is always the document of the default version, DefaultVersionID, so
// that reading a policy needs no second lookup. Tags live in the tag store, by ARN.
type Policy struct {
	Region           string
	Account          string
	Name             string
	Document         string
	DefaultVersionID string
	CreatedAt        time.Time
	LastModifiedAt   time.Time
	GenerationID     string
	// LastVersionID is the highest version ID ever given to the policy: version IDs
	// are never reused, even after the version holding one is deleted.
	LastVersionID int64
}

// ARN returns the policy ARN.
func (p *Policy) ARN() string { return PolicyARN(p.Region, p.Account, p.Name) }

// Tag is a resource tag.
type Tag struct {
	Key   string
	Value string
}

// Thing is an IoT thing in one account and region.
type Thing struct {
	Region           string
	Account          string
	Name             string
	ID               string
	TypeName         string
	BillingGroupName string
	Attributes       map[string]string
	Version          int64
	CreatedAt        time.Time
}

// ARN returns the thing ARN.
func (t *Thing) ARN() string { return ThingARN(t.Region, t.Account, t.Name) }

// ThingPrincipalType says whether a principal may be attached to other things as well.
type ThingPrincipalType string

// Thing principal types.
const (
	ThingPrincipalExclusive    ThingPrincipalType = "EXCLUSIVE_THING"
	ThingPrincipalNonExclusive ThingPrincipalType = "NON_EXCLUSIVE_THING"
)

// ThingPrincipal is one attachment of a principal to a thing.
type ThingPrincipal struct {
	Region    string
	Account   string
	ThingName string
	Principal string
	Type      ThingPrincipalType
	CreatedAt time.Time
}

// PolicyTarget is one attachment of a policy to a target (a principal or thing group).
type PolicyTarget struct {
	Region     string
	Account    string
	PolicyName string
	Target     string
	CreatedAt  time.Time
}

// Account is an AWS-style account: a 12-digit ID.
type Account struct {
	ID        string
	CreatedAt time.Time
}

// AccessKey is an access key bound to one identity of one account: the account's root, or
// one of its users. The secret is sealed at rest.
type AccessKey struct {
	ID      string
	Account string
	// UserName is the user the key belongs to; "" is the account's root identity.
	UserName     string
	SealedSecret []byte
	CreatedAt    time.Time
}
