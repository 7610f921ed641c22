package iot

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors every Store returns, translated from driver error codes (never from
// message text). The domain turns them into AWS errors; stores hold no business rules.
var (
	// ErrNotFound means the record does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrAlreadyExists means a uniqueness constraint refused the write.
	ErrAlreadyExists = errors.New("store: already exists")
	// ErrConflict means the record changed since it was read (optimistic concurrency) or the
	// transaction lost a serialization race. Update retries the whole transaction on it.
	ErrConflict = errors.New("store: conflict")
)

// Store keeps the registry. Reads outside a transaction see committed data; every change
// runs inside Update so that a domain rule and the writes it allows are atomic.
type Store interface {
	Reader
	// Update runs fn in one transaction and commits it. When fn or the commit fails with
	// ErrConflict (or the engine's serialization failure), Update retries fn from the start
	// with bounded backoff, so fn must have no effects outside tx, and a result it hands
	// out through a captured variable must be set afresh by every run. Inside fn, every read
	// goes through tx (the Store itself sees only committed data) and fn never calls Update.
	Update(ctx context.Context, fn func(tx Tx) error) error
	Close() error
}

// Order is a listing direction by creation time.
type Order int

// Listing directions.
const (
	Descending Order = iota
	Ascending
)

// CertificateQuery selects a keyset page of certificates in one account of one region.
type CertificateQuery struct {
	Region  string
	Account string
	Order   Order
	// After is the position of the last item of the previous page; nil starts at the top.
	After *CertificateCursor
	Limit int
}

// NameQuery selects a keyset page ordered by a name, ascending.
type NameQuery struct {
	Region  string
	Account string
	After   string
	Limit   int
}

// PolicyQuery selects a keyset page of the policies of one account in one region, ordered
// by (CreatedAt, Name) in Order.
type PolicyQuery struct {
	Region  string
	Account string
	Order   Order
	// After is the position of the last policy of the previous page; nil starts at the top.
	After *PolicyCursor
	Limit int
}

// Reader is the read side of a Store.
type Reader interface {
	// IdentityReader reads accounts' users, access keys and policies (identity_store.go).
	IdentityReader
	// CAReader reads CA certificates and registration codes (ca_store.go).
	CAReader

	// CertificatesByID returns every record of certificate id in region (one per account
	// for SNI_ONLY certificates, at most one for DEFAULT). Empty when none.
	CertificatesByID(ctx context.Context, region, id string) ([]*Certificate, error)
	// ListCertificates returns the summaries of the certificates that the account owns or
	// that are pending transfer to it, ordered by (CreatedAt, ID) in q.Order, after q.After.
	ListCertificates(ctx context.Context, q CertificateQuery) ([]*CertificateSummary, error)
	// ListOutgoingCertificates returns the summaries of the certificates the account owns
	// that are pending transfer to another account, ordered as ListCertificates.
	ListOutgoingCertificates(ctx context.Context, q CertificateQuery) ([]*CertificateSummary, error)

	// Policy returns one policy or ErrNotFound.
	Policy(ctx context.Context, region, account, name string) (*Policy, error)
	// PoliciesForTarget returns the policies attached to target, ordered by name.
	PoliciesForTarget(ctx context.Context, target string, q NameQuery) ([]*Policy, error)
	// CountPolicyTargets counts the targets a policy is attached to.
	CountPolicyTargets(ctx context.Context, region, account, policyName string) (int, error)
	// CountTargetPolicies counts the policies attached to target.
	CountTargetPolicies(ctx context.Context, region, account, target string) (int, error)
	// ListPolicies returns a page of the policies of q.Account in q.Region.
	ListPolicies(ctx context.Context, q PolicyQuery) ([]*Policy, error)
	// PolicyTargets returns the attachments of a policy, ordered by target.
	PolicyTargets(ctx context.Context, policyName string, q NameQuery) ([]*PolicyTarget, error)
	// PolicyVersion returns one version of a policy or ErrNotFound.
	PolicyVersion(ctx context.Context, region, account, policyName string, id int64) (*PolicyVersion, error)
	// PolicyVersions returns at most limit versions of a policy, by ascending ID.
	PolicyVersions(ctx context.Context, region, account, policyName string, limit int) ([]*PolicyVersion, error)

	// Thing returns one thing or ErrNotFound.
	Thing(ctx context.Context, region, account, name string) (*Thing, error)
	// ThingPrincipals returns the principals attached to a thing, ordered by principal.
	ThingPrincipals(ctx context.Context, thingName string, q NameQuery) ([]*ThingPrincipal, error)
	// PrincipalThings returns the things a principal is attached to, ordered by thing name.
	PrincipalThings(ctx context.Context, principal string, q NameQuery) ([]*ThingPrincipal, error)
	// ListThings returns a page of the things of q.Account in q.Region, ordered by name.
	ListThings(ctx context.Context, q NameQuery) ([]*Thing, error)

	// Tags returns the tags of the resource with that ARN, ordered by key after q.After.
	Tags(ctx context.Context, resourceARN string, q NameQuery) ([]Tag, error)

	// Account returns an account or ErrNotFound.
	Account(ctx context.Context, id string) (*Account, error)
	// AccessKey returns an access key or ErrNotFound.
	AccessKey(ctx context.Context, id string) (*AccessKey, error)
	// CountAccounts counts the accounts.
	CountAccounts(ctx context.Context) (int, error)
	// Setting returns a server-wide setting or ErrNotFound.
	Setting(ctx context.Context, name string) ([]byte, error)
}

// Tx is one transaction. Writes that name a record by its key return ErrNotFound when it
// is absent; writes of records carrying a Version return ErrConflict when it is stale.
type Tx interface {
	Reader
	// IdentityWriter writes users, access keys and policies (identity_store.go).
	IdentityWriter
	// CAWriter writes CA certificates and registration codes (ca_store.go).
	CAWriter

	// CreateCertificate inserts c with Version 1. ErrAlreadyExists when the account already
	// holds the certificate, or when c is DEFAULT mode and the region already holds a
	// DEFAULT record of it. (Whether DEFAULT and SNI_ONLY records may coexist is a rule, and
	// the domain decides it.)
	CreateCertificate(ctx context.Context, c *Certificate) error
	// PutCertificate replaces the record c.RecordID if its stored Version equals c.Version,
	// then advances c.Version.
	PutCertificate(ctx context.Context, c *Certificate) error
	// DeleteCertificate removes the record if its stored Version equals c.Version.
	DeleteCertificate(ctx context.Context, c *Certificate) error

	// CreatePolicy inserts p; ErrAlreadyExists if the name is taken.
	CreatePolicy(ctx context.Context, p *Policy) error
	// DeletePolicy removes a policy.
	DeletePolicy(ctx context.Context, region, account, name string) error
	// AttachPolicy records an attachment; ErrAlreadyExists if present.
	AttachPolicy(ctx context.Context, a *PolicyTarget) error
	// DetachPolicy removes an attachment; ErrNotFound if absent.
	DetachPolicy(ctx context.Context, region, account, policyName, target string) error
	// DetachAllPolicies removes every policy attachment of target.
	DetachAllPolicies(ctx context.Context, region, account, target string) error
	// PutPolicy replaces the record of p (found by region, account and name).
	PutPolicy(ctx context.Context, p *Policy) error
	// CreatePolicyVersion inserts v; ErrAlreadyExists if the policy has a version v.ID.
	CreatePolicyVersion(ctx context.Context, v *PolicyVersion) error
	// DeletePolicyVersion removes one version of a policy.
	DeletePolicyVersion(ctx context.Context, region, account, policyName string, id int64) error

	// CreateThing inserts t; ErrAlreadyExists if the name is taken.
	CreateThing(ctx context.Context, t *Thing) error
	// DeleteThing removes the thing if its stored Version equals t.Version.
	DeleteThing(ctx context.Context, t *Thing) error
	// PutThing replaces the thing if its stored Version equals t.Version, then advances
	// t.Version.
	PutThing(ctx context.Context, t *Thing) error
	// AttachThingPrincipal records an attachment; ErrAlreadyExists if present.
	AttachThingPrincipal(ctx context.Context, a *ThingPrincipal) error
	// DetachThingPrincipal removes an attachment; ErrNotFound if absent.
	DetachThingPrincipal(ctx context.Context, region, account, thingName, principal string) error

	// PutTags sets tags on the resource with that ARN, replacing the value of a key it
	// already has. Whether the resource exists is the domain's concern.
	PutTags(ctx context.Context, region, account, resourceARN string, tags []Tag) error
	// DeleteTags removes the given keys from a resource; keys it lacks are ignored.
	DeleteTags(ctx context.Context, region, account, resourceARN string, keys []string) error
	// DeleteResourceTags removes every tag of a resource.
	DeleteResourceTags(ctx context.Context, region, account, resourceARN string) error

	// CreateAccount inserts an account; ErrAlreadyExists if the ID is taken.
	CreateAccount(ctx context.Context, a *Account) error
	// CreateAccessKey inserts an access key; ErrAlreadyExists if the ID is taken.
	CreateAccessKey(ctx context.Context, k *AccessKey) error
	// CreateSetting stores a server-wide setting once; ErrAlreadyExists if it is set.
	CreateSetting(ctx context.Context, name string, value []byte) error

	// DeleteRegistryData removes every certificate, policy, policy version, policy
	// attachment, thing, thing attachment, tag, CA certificate and registration code of
	// every account and region. Accounts, access keys and settings (the issuing CA) stay.
	DeleteRegistryData(ctx context.Context) error
}

// Clock returns the current time; tests inject their own.
type Clock func() time.Time
