package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// scanPolicyVersion reads a row of policyVersionColumns.
func scanPolicyVersion(row pgx.Row) (*iot.PolicyVersion, error) {
	var (
		v       iot.PolicyVersion
		created int64
	)
	if err := row.Scan(&v.Region, &v.Account, &v.PolicyName, &v.ID, &v.Document, &created); err != nil {
		return nil, err
	}
	v.CreatedAt = fromMS(created)
	return &v, nil
}

// scanPolicyTarget reads a policy attachment.
func scanPolicyTarget(row pgx.Row) (*iot.PolicyTarget, error) {
	var (
		a       iot.PolicyTarget
		created int64
	)
	if err := row.Scan(&a.Region, &a.Account, &a.PolicyName, &a.Target, &created); err != nil {
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
	args := []any{q.Region, q.Account, q.Limit}
	if q.After != nil {
		args = []any{q.Region, q.Account, ms(q.After.CreatedAt), q.After.Name, q.Limit}
	}
	return queryAll(ctx, r, op, listPoliciesSQL(q.Order, q.After != nil), scanPolicy, args...)
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
	return queryOne(ctx, r, "policy version", selectPolicyVersion, scanPolicyVersion, region, account, policyName, id)
}

// PolicyVersions returns the first n versions of a policy by ID.
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
	return t.insert(ctx, "create policy version", insertPolicyVersion,
		v.Region, v.Account, v.PolicyName, v.ID, v.Document, ms(v.CreatedAt))
}

// DeletePolicyVersion removes a version.
func (t *tx) DeletePolicyVersion(ctx context.Context, region, account, policyName string, id int64) error {
	return t.execOne(ctx, "delete policy version", deletePolicyVersion, region, account, policyName, id)
}

// ListThings returns a page of an account's things, by name.
func (r reader) ListThings(ctx context.Context, q iot.NameQuery) ([]*iot.Thing, error) {
	const op = "list things"
	if err := limit(op, q.Limit); err != nil {
		return nil, err
	}
	return queryAll(ctx, r, op, listThings, scanThing, q.Region, q.Account, q.After, q.Limit)
}

// PutThing replaces the thing if it is still at th.Version, then advances th.Version.
func (t *tx) PutThing(ctx context.Context, th *iot.Thing) error {
	const op = "put thing"
	args, err := thingArgs(th, th.Version+1)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	args = append(args[3:], th.Region, th.Account, th.Name, th.Version)
	n, err := t.exec(ctx, op, updateThing, args...)
	if err != nil {
		return err
	}
	if err := t.versioned(ctx, op, n, thingExists, th.Region, th.Account, th.Name); err != nil {
		return err
	}
	th.Version++
	return nil
}

// Tags returns a page of a resource's tags, by key.
func (r reader) Tags(ctx context.Context, resourceARN string, q iot.NameQuery) ([]iot.Tag, error) {
	const op = "tags"
	if err := limit(op, q.Limit); err != nil {
		return nil, err
	}
	return queryAll(ctx, r, op, selectTags, func(row pgx.Row) (iot.Tag, error) {
		var tag iot.Tag
		err := row.Scan(&tag.Key, &tag.Value)
		return tag, err
	}, q.Region, q.Account, resourceARN, q.After, q.Limit)
}

// PutTags sets each tag, replacing the value of a key the resource has.
func (t *tx) PutTags(ctx context.Context, region, account, resourceARN string, tags []iot.Tag) error {
	for _, tag := range tags {
		if _, err := t.exec(ctx, "put tag", upsertTag, region, account, resourceARN, tag.Key, tag.Value); err != nil {
			return err
		}
	}
	return nil
}

// DeleteTags removes the given keys; absent keys are ignored.
func (t *tx) DeleteTags(ctx context.Context, region, account, resourceARN string, keys []string) error {
	for _, k := range keys {
		if _, err := t.exec(ctx, "delete tag", deleteTag, region, account, resourceARN, k); err != nil {
			return err
		}
	}
	return nil
}

// DeleteResourceTags removes every tag of a resource.
func (t *tx) DeleteResourceTags(ctx context.Context, region, account, resourceARN string) error {
	_, err := t.exec(ctx, "delete resource tags", deleteResourceTags, region, account, resourceARN)
	return err
}
