package iot

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"time"
)

// Policy versions (AWS model: CreatePolicyVersion, GetPolicyVersion, ListPolicyVersions,
// SetDefaultPolicyVersion, DeletePolicyVersion). CreatePolicy makes version 1 the default;
// every version after it takes the next integer, and IDs are never reused. The default
// version is the policy's operative document, copied to Policy.Document whenever it
// changes. Choices where AWS is silent are listed in docs/aws-behaviour.md.

const (
	// firstPolicyVersion is the version CreatePolicy makes ("a version identifier of 1").
	firstPolicyVersion int64 = 1
	// maxPolicyVersions is AWS's limit: "A managed policy can have up to five versions."
	maxPolicyVersions = 5
)

// PolicyVersion is one version of a policy's document.
type PolicyVersion struct {
	Region     string
	Account    string
	PolicyName string
	ID         int64
	Document   string
	CreatedAt  time.Time
}

// IDString returns the version ID as the API spells it.
func (v *PolicyVersion) IDString() string { return versionIDString(v.ID) }

// IsDefault reports whether v is p's default version.
func (p *Policy) IsDefault(v *PolicyVersion) bool { return p.DefaultVersionID == v.IDString() }

func versionIDString(id int64) string { return strconv.FormatInt(id, 10) }

// parseVersionID validates a PolicyVersionId ([0-9]+). A well-formed ID too large to be
// one iotcertd issues is returned as 0, which names no version.
func parseVersionID(field, s string) (int64, error) {
	if s == "" {
		return 0, invalid("%s is required.", field)
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, invalid("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]+", clip(s), field)
		}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, nil
	}
	return id, nil
}

// touchPolicy records a change of a policy: a new last-modified date and generation ID.
func touchPolicy(p *Policy, now time.Time) {
	p.LastModifiedAt = now
	p.GenerationID = newHexID(32)
}

func policyVersionNotFound(name, id string) *Error {
	return Errorf(CodeResourceNotFound, "The policy %s has no version %s.", name, id)
}

// getPolicyVersion reads a version of a policy, ResourceNotFound when absent.
func getPolicyVersion(ctx context.Context, r Reader, c Caller, name, versionID string) (*PolicyVersion, error) {
	id, err := parseVersionID("policyVersionId", versionID)
	if err != nil {
		return nil, err
	}
	if id <= 0 {
		return nil, policyVersionNotFound(name, versionID)
	}
	v, err := r.PolicyVersion(ctx, c.Region, c.Account, name, id)
	if errors.Is(err, ErrNotFound) {
		return nil, policyVersionNotFound(name, versionID)
	}
	return v, err
}

// CreatePolicyVersionInput is the input of CreatePolicyVersion.
type CreatePolicyVersionInput struct {
	PolicyName     string
	PolicyDocument string
	SetAsDefault   bool
}

// CreatePolicyVersion adds a version to a policy, making it the default when asked. A
// policy holds at most five versions (VersionsLimitExceeded).
func (s *Service) CreatePolicyVersion(ctx context.Context, c Caller, in CreatePolicyVersionInput) (*Policy, *PolicyVersion, error) {
	if err := checkPolicyName(in.PolicyName); err != nil {
		return nil, nil, err
	}
	if err := checkPolicyDocument(in.PolicyDocument); err != nil {
		return nil, nil, err
	}
	var p *Policy
	var v *PolicyVersion
	err := s.update(ctx, func(tx Tx) error {
		var err error
		if p, err = getPolicy(ctx, tx, c, in.PolicyName); err != nil {
			return err
		}
		versions, err := tx.PolicyVersions(ctx, c.Region, c.Account, in.PolicyName, maxPolicyVersions+1)
		if err != nil {
			return err
		}
		if len(versions) >= maxPolicyVersions {
			return Errorf(CodeVersionsLimitExceeded, "The policy %s already has %d versions, the most a policy can have; delete one with DeletePolicyVersion first.", in.PolicyName, len(versions))
		}
		now := s.now()
		p.LastVersionID++
		v = &PolicyVersion{Region: c.Region, Account: c.Account, PolicyName: in.PolicyName, ID: p.LastVersionID,
			Document: in.PolicyDocument, CreatedAt: now}
		if err := tx.CreatePolicyVersion(ctx, v); err != nil {
			if errors.Is(err, ErrAlreadyExists) {
				return ErrConflict // a concurrent CreatePolicyVersion took the ID; start again
			}
			return err
		}
		if in.SetAsDefault {
			p.DefaultVersionID, p.Document = v.IDString(), v.Document
		}
		touchPolicy(p, now)
		return putPolicy(ctx, tx, p)
	})
	if err != nil {
		return nil, nil, err
	}
	return p, v, nil
}

// putPolicy writes back a policy read in the same transaction.
func putPolicy(ctx context.Context, tx Tx, p *Policy) error {
	err := tx.PutPolicy(ctx, p)
	if errors.Is(err, ErrNotFound) {
		return ErrConflict // deleted since it was read: cannot happen inside one transaction
	}
	return err
}

// GetPolicyVersion returns a version of a policy with the policy it belongs to.
func (s *Service) GetPolicyVersion(ctx context.Context, c Caller, policyName, versionID string) (*Policy, *PolicyVersion, error) {
	if err := checkPolicyName(policyName); err != nil {
		return nil, nil, err
	}
	if _, err := parseVersionID("policyVersionId", versionID); err != nil {
		return nil, nil, err
	}
	p, err := getPolicy(ctx, s.store, c, policyName)
	if err != nil {
		return nil, nil, wrapRead(err)
	}
	v, err := getPolicyVersion(ctx, s.store, c, policyName, versionID)
	if err != nil {
		return nil, nil, wrapRead(err)
	}
	return p, v, nil
}

// ListPolicyVersions returns every version of a policy (at most five), newest first, with
// the policy they belong to.
func (s *Service) ListPolicyVersions(ctx context.Context, c Caller, policyName string) (*Policy, []*PolicyVersion, error) {
	if err := checkPolicyName(policyName); err != nil {
		return nil, nil, err
	}
	p, err := getPolicy(ctx, s.store, c, policyName)
	if err != nil {
		return nil, nil, wrapRead(err)
	}
	// The limit of five makes one bounded read the whole list.
	versions, err := s.store.PolicyVersions(ctx, c.Region, c.Account, policyName, maxPageSize)
	if err != nil {
		return nil, nil, wrapRead(err)
	}
	slices.SortFunc(versions, func(a, b *PolicyVersion) int { return cmp.Compare(b.ID, a.ID) })
	return p, versions, nil
}

// SetDefaultPolicyVersion makes a version the policy's default (operative) version.
// Setting the version that is already the default changes nothing.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, c Caller, policyName, versionID string) error {
	if err := checkPolicyName(policyName); err != nil {
		return err
	}
	if _, err := parseVersionID("policyVersionId", versionID); err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		p, err := getPolicy(ctx, tx, c, policyName)
		if err != nil {
			return err
		}
		v, err := getPolicyVersion(ctx, tx, c, policyName, versionID)
		if err != nil {
			return err
		}
		if p.IsDefault(v) {
			return nil
		}
		p.DefaultVersionID, p.Document = v.IDString(), v.Document
		touchPolicy(p, s.now())
		return putPolicy(ctx, tx, p)
	})
}

// DeletePolicyVersion deletes a version that is not the policy's default; the default
// goes only with the policy (DeletePolicy).
func (s *Service) DeletePolicyVersion(ctx context.Context, c Caller, policyName, versionID string) error {
	if err := checkPolicyName(policyName); err != nil {
		return err
	}
	if _, err := parseVersionID("policyVersionId", versionID); err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		p, err := getPolicy(ctx, tx, c, policyName)
		if err != nil {
			return err
		}
		v, err := getPolicyVersion(ctx, tx, c, policyName, versionID)
		if err != nil {
			return err
		}
		if p.IsDefault(v) {
			return Errorf(CodeDeleteConflict, "Version %s is the default version of policy %s and cannot be deleted; make another version the default first, or delete the policy with DeletePolicy.", v.IDString(), policyName)
		}
		if err := tx.DeletePolicyVersion(ctx, c.Region, c.Account, policyName, v.ID); err != nil {
			return err
		}
		touchPolicy(p, s.now())
		return putPolicy(ctx, tx, p)
	})
}
