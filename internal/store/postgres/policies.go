package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// policyArgs returns p's values in the order of policyColumns.
func policyArgs(p *iot.Policy) []any {
	return []any{p.Region, p.Account, p.Name, p.Document, p.DefaultVersionID, ms(p.CreatedAt),
		nullMS(p.LastModifiedAt), p.GenerationID, p.LastVersionID}
}

// scanPolicy reads a row of policyColumns.
func scanPolicy(row pgx.Row) (*iot.Policy, error) {
	var (
		p        iot.Policy
		created  int64
		modified *int64
	)
	err := row.Scan(&p.Region, &p.Account, &p.Name, &p.Document, &p.DefaultVersionID, &created,
		&modified, &p.GenerationID, &p.LastVersionID)
	if err != nil {
		return nil, err
	}
	p.CreatedAt, p.LastModifiedAt = fromMS(created), fromNullMS(modified)
	return &p, nil
}

// Policy returns one policy.
func (r reader) Policy(ctx context.Context, region, account, name string) (*iot.Policy, error) {
	return queryOne(ctx, r, "policy", selectPolicy, scanPolicy, region, account, name)
}

// PoliciesForTarget returns a page of the policies attached to target, by name.
func (r reader) PoliciesForTarget(ctx context.Context, target string, q iot.NameQuery) ([]*iot.Policy, error) {
	const op = "policies for target"
	if err := limit(op, q.Limit); err != nil {
		return nil, err
	}
	return queryAll(ctx, r, op, selectPoliciesForTarget, scanPolicy, q.Region, q.Account, target, q.After, q.Limit)
}

// CountPolicyTargets counts the targets of a policy.
func (r reader) CountPolicyTargets(ctx context.Context, region, account, policyName string) (int, error) {
	return r.count(ctx, "count policy targets", countPolicyTargets, region, account, policyName)
}

// CountTargetPolicies counts the policies of a target.
func (r reader) CountTargetPolicies(ctx context.Context, region, account, target string) (int, error) {
	return r.count(ctx, "count target policies", countTargetPolicies, region, account, target)
}

// CreatePolicy inserts p.
func (t *tx) CreatePolicy(ctx context.Context, p *iot.Policy) error {
	return t.insert(ctx, "create policy", insertPolicy, policyArgs(p)...)
}

// DeletePolicy removes a policy.
func (t *tx) DeletePolicy(ctx context.Context, region, account, name string) error {
	return t.execOne(ctx, "delete policy", deletePolicy, region, account, name)
}

// AttachPolicy records an attachment.
func (t *tx) AttachPolicy(ctx context.Context, a *iot.PolicyTarget) error {
	return t.insert(ctx, "attach policy", insertPolicyTarget, a.Region, a.Account, a.PolicyName, a.Target, ms(a.CreatedAt))
}

// DetachPolicy removes an attachment.
func (t *tx) DetachPolicy(ctx context.Context, region, account, policyName, target string) error {
	return t.execOne(ctx, "detach policy", deletePolicyTarget, region, account, policyName, target)
}

// DetachAllPolicies removes every attachment of target.
func (t *tx) DetachAllPolicies(ctx context.Context, region, account, target string) error {
	_, err := t.exec(ctx, "detach all policies", deleteTargetPolicies, region, account, target)
	return err
}
