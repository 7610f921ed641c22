package sqlite

import (
	"context"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// scanPolicyVersion reads a row of policyVersionColumns.
func scanPolicyVersion(sc scanner) (*iot.PolicyVersion, error) {
	var (
		v       iot.PolicyVersion
		created int64
	)
	if err := sc.Scan(&v.Region, &v.Account, &v.PolicyName, &v.ID, &v.Document, &created); err != nil {
		return nil, err
	}
	v.CreatedAt = fromMS(created)
	return &v, nil
}

// scanPolicyTarget reads a policy attachment.
func scanPolicyTarget(sc scanner) (*iot.PolicyTarget, error) {
	var (
		a       iot.PolicyTarget
		created int64
	)
	if err := sc.Scan(&a.Region, &a.Account, &a.PolicyName, &a.Target, &created); err != nil {
		return nil, err
	}
	a.CreatedAt = fromMS(created)
	return &a, nil
}

// ListPolicies returns a keyset page of an account's policies by creation time, then name.
func (r reader) ListPolicies(ctx context.Context, q iot.PolicyQuery) ([]*iot.Policy, error) {
	const op = "list policies"
	if err := limit(op, q.Limit); err != nil {
		return nil, err
	}
	var afterMS int64
	var afterName string
	if q.After != nil {
		afterMS, afterName = ms(q.After.CreatedAt), q.After.Name
	}
	return queryAll(ctx, r, op, listPoliciesSQL(q.Order, q.After != nil), scanPolicy,
		q.Region, q.Account, afterMS, afterName, q.Limit)
}

// PolicyTargets returns a page of the attachments of a policy, by target.
func (r reader) PolicyTargets(ctx context.Context, policyName string, q iot.NameQuery) ([]*iot.PolicyTarget, error) {
	const op = "policy targets"
	if err := limit(op, q.Limit); err != nil {
		return nil, err
	}
	return queryAll(ctx, r, op, selectPolicyTargets, scanPolicyTarget, q.Region, q.Account, policyName, q.After, q.Limit)
}

// PolicyVersion returns one version of a policy.
func (r reader) PolicyVersion(ctx context.Context, region, account, policyName string, id int64) (*iot.PolicyVersion, error) {
	v, err := scanPolicyVersion(r.queryRow(ctx, selectPolicyVersion, region, account, policyName, id))
	if err != nil {
		return nil, r.fail("policy version", err)
	}
	return v, nil
}

// PolicyVersions returns the first limit versions of a policy by ID.
func (r reader) PolicyVersions(ctx context.Context, region, account, policyName string, n int) ([]*iot.PolicyVersion, error) {
	const op = "policy versions"
	if err := limit(op, n); err != nil {
		return nil, err
	}
	return queryAll(ctx, r, op, selectPolicyVersions, scanPolicyVersion, region, account, policyName, n)
}

// PutPolicy replaces the record of p.
func (t *tx) PutPolicy(ctx context.Context, p *iot.Policy) error {
	args := append(policyArgs(p)[3:], p.Region, p.Account, p.Name)
	return t.execOne(ctx, "put policy", updatePolicy, args...)
}

// CreatePolicyVersion inserts a version.
func (t *tx) CreatePolicyVersion(ctx context.Context, v *iot.PolicyVersion) error {
	_, err := t.exec(ctx, "create policy version", insertPolicyVersion,
		v.Region, v.Account, v.PolicyName, v.ID, v.Document, ms(v.CreatedAt))
	return err
}

// DeletePolicyVersion removes a version.
func (t *tx) DeletePolicyVersion(ctx context.Context, region, account, policyName string, id int64) error {
	return t.execOne(ctx, "delete policy version", deletePolicyVersion, region, account, policyName, id)
}
