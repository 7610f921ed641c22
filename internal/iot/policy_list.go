package iot

import (
	"cmp"
	"context"
	"slices"
	"strings"
)

// ListPolicies lists the caller's policies by creation date, newest first unless
// ascending order is asked for (iot-api.md §1.6), with a keyset marker.
func (s *Service) ListPolicies(ctx context.Context, c Caller, in ListInput) (*PolicyPage, error) {
	size, err := checkPageSize("pageSize", in.PageSize)
	if err != nil {
		return nil, err
	}
	after, err := decodePolicyMarker("marker", in.Marker)
	if err != nil {
		return nil, err
	}
	q := PolicyQuery{Region: c.Region, Account: c.Account, After: after, Limit: size + 1}
	if in.Ascending {
		q.Order = Ascending
	}
	ps, err := s.store.ListPolicies(ctx, q)
	if err != nil {
		return nil, wrapRead(err)
	}
	return policyPage(ps, size), nil
}

// policyPage cuts a listing read with one item more than size into a page and its marker.
func policyPage(ps []*Policy, size int) *PolicyPage {
	page := &PolicyPage{Policies: ps}
	if len(ps) > size {
		page.Policies = ps[:size]
		last := ps[size-1]
		page.NextMarker = encodePolicyMarker(PolicyCursor{CreatedAt: last.CreatedAt, Name: last.Name})
	}
	return page
}

// TargetPage is one page of policy targets.
type TargetPage struct {
	Targets    []string
	NextMarker string
}

// ListTargetsForPolicyInput is the input of ListTargetsForPolicy.
type ListTargetsForPolicyInput struct {
	PolicyName string
	Marker     string
	PageSize   *int
}

// ListTargetsForPolicy lists the targets a policy is attached to, ordered by target.
func (s *Service) ListTargetsForPolicy(ctx context.Context, c Caller, in ListTargetsForPolicyInput) (*TargetPage, error) {
	if err := checkPolicyName(in.PolicyName); err != nil {
		return nil, err
	}
	size, err := checkPageSize("pageSize", in.PageSize)
	if err != nil {
		return nil, err
	}
	after, err := decodeNameMarker("marker", in.Marker)
	if err != nil {
		return nil, err
	}
	if _, err := getPolicy(ctx, s.store, c, in.PolicyName); err != nil {
		return nil, wrapRead(err)
	}
	ts, err := s.store.PolicyTargets(ctx, in.PolicyName, NameQuery{Region: c.Region, Account: c.Account, After: after, Limit: size + 1})
	if err != nil {
		return nil, wrapRead(err)
	}
	page := &TargetPage{Targets: make([]string, 0, min(len(ts), size))}
	for _, t := range ts[:min(len(ts), size)] {
		page.Targets = append(page.Targets, t.Target)
	}
	if len(ts) > size {
		page.NextMarker = encodeNameMarker(ts[size-1].Target)
	}
	return page, nil
}

// The deprecated principal-policy operations act on the principal named by the
// x-amzn-iot-principal header exactly as AttachPolicy, DetachPolicy and
// ListAttachedPolicies act on a target: they share the attachments, so that the transfer
// and delete rules see a policy however it was attached.

// AttachPrincipalPolicy is the deprecated form of AttachPolicy.
func (s *Service) AttachPrincipalPolicy(ctx context.Context, c Caller, policyName, principal string) error {
	return s.attachPolicy(ctx, c, policyName, "principal", principal)
}

// DetachPrincipalPolicy is the deprecated form of DetachPolicy.
func (s *Service) DetachPrincipalPolicy(ctx context.Context, c Caller, policyName, principal string) error {
	return s.detachPolicy(ctx, c, policyName, "principal", principal)
}

// ListPrincipalPoliciesInput is the input of ListPrincipalPolicies.
type ListPrincipalPoliciesInput struct {
	Principal string
	ListInput
}

// ListPrincipalPolicies lists the policies attached to a principal in the order of their
// creation dates, newest first unless ascending order is asked for (its model documents
// "ascending creation order"; ListAttachedPolicies, which has no order flag, lists by name).
// A principal holds at most maxPoliciesPerTarget policies, so the domain reads them all and
// pages by a keyset position in that order.
func (s *Service) ListPrincipalPolicies(ctx context.Context, c Caller, in ListPrincipalPoliciesInput) (*PolicyPage, error) {
	size, err := checkPageSize("pageSize", in.PageSize)
	if err != nil {
		return nil, err
	}
	after, err := decodePolicyMarker("marker", in.Marker)
	if err != nil {
		return nil, err
	}
	principal, _, err := resolvePrincipal(ctx, s.store, c, "principal", in.Principal)
	if err != nil {
		return nil, wrapRead(err)
	}
	var all []*Policy
	q := NameQuery{Region: c.Region, Account: c.Account, Limit: maxPageSize}
	for {
		ps, err := s.store.PoliciesForTarget(ctx, principal, q)
		if err != nil {
			return nil, wrapRead(err)
		}
		all = append(all, ps...)
		if len(ps) < q.Limit {
			break
		}
		q.After = ps[len(ps)-1].Name
	}
	order := func(a, b *Policy) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.Name, b.Name))
	}
	if !in.Ascending {
		asc := order
		order = func(a, b *Policy) int { return asc(b, a) }
	}
	slices.SortFunc(all, order)
	if after != nil {
		pos := &Policy{CreatedAt: after.CreatedAt, Name: after.Name}
		all = slices.DeleteFunc(all, func(p *Policy) bool { return order(p, pos) <= 0 })
	}
	return policyPage(all, size), nil
}
