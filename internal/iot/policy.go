package iot

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"unicode"
)

// Limits AWS documents for IoT policies.
const (
	// maxPoliciesPerTarget is AWS's "maximum number of policies attached to a certificate
	// or Amazon Cognito identity" (10).
	maxPoliciesPerTarget = 10
	// maxPolicyDocument is the documented 2048 characters of a policy document, not
	// counting white space.
	maxPolicyDocument = 2048
)

// CreatePolicyInput is the input of CreatePolicy.
type CreatePolicyInput struct {
	PolicyName     string
	PolicyDocument string
	Tags           []Tag
}

// CreatePolicy creates an IoT policy whose first version, 1, is its default version.
func (s *Service) CreatePolicy(ctx context.Context, c Caller, in CreatePolicyInput) (*Policy, error) {
	if err := checkPolicyName(in.PolicyName); err != nil {
		return nil, err
	}
	if err := checkPolicyDocument(in.PolicyDocument); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	now := s.now()
	p := &Policy{Region: c.Region, Account: c.Account, Name: in.PolicyName, Document: in.PolicyDocument,
		DefaultVersionID: versionIDString(firstPolicyVersion), LastVersionID: firstPolicyVersion,
		CreatedAt: now, LastModifiedAt: now, GenerationID: newHexID(32)}
	err := s.update(ctx, func(tx Tx) error {
		err := tx.CreatePolicy(ctx, p)
		if errors.Is(err, ErrAlreadyExists) {
			return &Error{Code: CodeResourceAlreadyExists,
				Message:    "Policy cannot be created - name already exists (name=" + in.PolicyName + ")",
				ResourceID: in.PolicyName, ResourceARN: p.ARN()}
		}
		if err != nil {
			return err
		}
		err = tx.CreatePolicyVersion(ctx, &PolicyVersion{Region: c.Region, Account: c.Account, PolicyName: p.Name,
			ID: firstPolicyVersion, Document: p.Document, CreatedAt: now})
		if err != nil {
			return err
		}
		if len(in.Tags) == 0 {
			return nil
		}
		return tx.PutTags(ctx, c.Region, c.Account, p.ARN(), in.Tags)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// GetPolicy returns a policy with the document of its default version.
func (s *Service) GetPolicy(ctx context.Context, c Caller, name string) (*Policy, error) {
	if err := checkPolicyName(name); err != nil {
		return nil, err
	}
	p, err := getPolicy(ctx, s.store, c, name)
	if err != nil {
		return nil, wrapRead(err)
	}
	return p, nil
}

func getPolicy(ctx context.Context, r Reader, c Caller, name string) (*Policy, error) {
	p, err := r.Policy(ctx, c.Region, c.Account, name)
	if errors.Is(err, ErrNotFound) {
		return nil, Errorf(CodeResourceNotFound, "The policy %s does not exist.", name)
	}
	return p, err
}

// DeletePolicy deletes a policy that is attached to nothing and has no versions but its
// default one (AWS: "A policy cannot be deleted if it has non-default versions or it is
// attached to any certificate"). The default version and the policy's tags go with it.
func (s *Service) DeletePolicy(ctx context.Context, c Caller, name string) error {
	if err := checkPolicyName(name); err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		p, err := getPolicy(ctx, tx, c, name)
		if err != nil {
			return err
		}
		n, err := tx.CountPolicyTargets(ctx, c.Region, c.Account, name)
		if err != nil {
			return err
		}
		if n > 0 {
			return Errorf(CodeDeleteConflict, "The policy %s is attached to %d target(s); detach it before deleting it.", name, n)
		}
		versions, err := tx.PolicyVersions(ctx, c.Region, c.Account, name, maxPolicyVersions+1)
		if err != nil {
			return err
		}
		for _, v := range versions {
			if !p.IsDefault(v) {
				return Errorf(CodeDeleteConflict, "The policy %s has non-default versions; delete them with DeletePolicyVersion before deleting the policy.", name)
			}
		}
		for _, v := range versions {
			if err := tx.DeletePolicyVersion(ctx, c.Region, c.Account, name, v.ID); err != nil {
				return err
			}
		}
		if err := tx.DeleteResourceTags(ctx, c.Region, c.Account, p.ARN()); err != nil {
			return err
		}
		return tx.DeletePolicy(ctx, c.Region, c.Account, name)
	})
}

// AttachPolicy attaches a policy to a target: a certificate of the caller (by ARN) or an
// Amazon Cognito identity (REGION:ID). Attaching again changes nothing.
func (s *Service) AttachPolicy(ctx context.Context, c Caller, policyName, target string) error {
	return s.attachPolicy(ctx, c, policyName, "target", target)
}

// attachPolicy is AttachPolicy and the deprecated AttachPrincipalPolicy; field names the
// member that carries the target, for messages.
func (s *Service) attachPolicy(ctx context.Context, c Caller, policyName, field, target string) error {
	if err := checkPolicyName(policyName); err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		if _, err := getPolicy(ctx, tx, c, policyName); err != nil {
			return err
		}
		target, err := attachablePrincipal(ctx, tx, c, field, target)
		if err != nil {
			return err
		}
		err = tx.AttachPolicy(ctx, &PolicyTarget{Region: c.Region, Account: c.Account, PolicyName: policyName,
			Target: target, CreatedAt: s.now()})
		if errors.Is(err, ErrAlreadyExists) {
			// Attaching again changes nothing, also when the target is at the limit.
			return nil
		}
		if err != nil {
			return err
		}
		n, err := tx.CountTargetPolicies(ctx, c.Region, c.Account, target)
		if err != nil {
			return err
		}
		if n > maxPoliciesPerTarget {
			// Returning the error undoes the attachment with the rest of the transaction.
			return Errorf(CodeLimitExceeded, "A target can have at most %d policies attached.", maxPoliciesPerTarget)
		}
		return nil
	})
}

// DetachPolicy detaches a policy from a target. Detaching what is not attached changes
// nothing; DetachPolicy models no ResourceNotFound error.
func (s *Service) DetachPolicy(ctx context.Context, c Caller, policyName, target string) error {
	return s.detachPolicy(ctx, c, policyName, "target", target)
}

// detachPolicy is DetachPolicy and the deprecated DetachPrincipalPolicy.
func (s *Service) detachPolicy(ctx context.Context, c Caller, policyName, field, target string) error {
	if err := checkPolicyName(policyName); err != nil {
		return err
	}
	if err := checkPrincipal(field, target); err != nil {
		return err
	}
	target = canonicalARN(target)
	return s.update(ctx, func(tx Tx) error {
		err := tx.DetachPolicy(ctx, c.Region, c.Account, policyName, target)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		return err
	})
}

// ListAttachedPoliciesInput is the input of ListAttachedPolicies.
type ListAttachedPoliciesInput struct {
	Target    string
	Recursive bool
	Marker    string
	PageSize  *int
}

// PolicyPage is one page of policies.
type PolicyPage struct {
	Policies   []*Policy
	NextMarker string
}

// ListAttachedPolicies lists the policies attached to a target, by name. Recursive adds
// nothing yet: there are no thing groups whose parents could hold policies.
func (s *Service) ListAttachedPolicies(ctx context.Context, c Caller, in ListAttachedPoliciesInput) (*PolicyPage, error) {
	size, err := checkPageSize("pageSize", in.PageSize)
	if err != nil {
		return nil, err
	}
	after, err := decodeNameMarker("marker", in.Marker)
	if err != nil {
		return nil, err
	}
	target, _, err := resolvePrincipal(ctx, s.store, c, "target", in.Target)
	if err != nil {
		return nil, wrapRead(err)
	}
	ps, err := s.store.PoliciesForTarget(ctx, target, NameQuery{Region: c.Region, Account: c.Account, After: after, Limit: size + 1})
	if err != nil {
		return nil, wrapRead(err)
	}
	page := &PolicyPage{Policies: ps}
	if len(ps) > size {
		page.Policies = ps[:size]
		page.NextMarker = encodeNameMarker(ps[size-1].Name)
	}
	return page, nil
}

// checkPolicyDocument validates an IoT policy document: JSON with Version and a Statement
// whose entries each have Effect, Action (or NotAction) and Resource (or NotResource).
func checkPolicyDocument(doc string) error {
	if doc == "" {
		return invalid("policyDocument is required.")
	}
	compact := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, doc)
	if runeLen(compact) > maxPolicyDocument {
		return Errorf(CodeMalformedPolicy, "The policy document is %d characters long without white space; at most %d are allowed.", runeLen(compact), maxPolicyDocument)
	}
	var d struct {
		Version   *string         `json:"Version"`
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return Errorf(CodeMalformedPolicy, "The policy document is not valid JSON.")
	}
	if d.Version == nil || (*d.Version != "2012-10-17" && *d.Version != "2008-10-17") {
		return Errorf(CodeMalformedPolicy, "The policy document must have Version \"2012-10-17\" or \"2008-10-17\".")
	}
	var stmts []map[string]json.RawMessage
	if len(d.Statement) > 0 && d.Statement[0] == '{' {
		var one map[string]json.RawMessage
		if err := json.Unmarshal(d.Statement, &one); err != nil {
			return Errorf(CodeMalformedPolicy, "The policy Statement is not valid.")
		}
		stmts = append(stmts, one)
	} else if err := json.Unmarshal(d.Statement, &stmts); err != nil || len(stmts) == 0 {
		return Errorf(CodeMalformedPolicy, "The policy document must have a non-empty Statement.")
	}
	for i, st := range stmts {
		var effect string
		if err := json.Unmarshal(st["Effect"], &effect); err != nil || (effect != "Allow" && effect != "Deny") {
			return Errorf(CodeMalformedPolicy, "Statement %d must have Effect \"Allow\" or \"Deny\".", i+1)
		}
		if !stringOrList(st["Action"]) && !stringOrList(st["NotAction"]) {
			return Errorf(CodeMalformedPolicy, "Statement %d must have an Action: a string or a list of strings.", i+1)
		}
		if !stringOrList(st["Resource"]) && !stringOrList(st["NotResource"]) {
			return Errorf(CodeMalformedPolicy, "Statement %d must have a Resource: a string or a list of strings.", i+1)
		}
	}
	return nil
}

// stringOrList reports whether raw is a non-empty string or a non-empty list of them.
func stringOrList(raw json.RawMessage) bool {
	if len(raw) == 0 {
		return false
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s != ""
	}
	var l []string
	if json.Unmarshal(raw, &l) != nil || len(l) == 0 {
		return false
	}
	for _, v := range l {
		if v == "" {
			return false
		}
	}
	return true
}
