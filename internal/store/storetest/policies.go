package storetest

import (
	"fmt"
	"testing"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// newPolicy returns a policy with every field set.
func newPolicy(region, account, name string) *iot.Policy {
	return &iot.Policy{
		Region: region, Account: account, Name: name,
		Document:         `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:*","Resource":"*"}],"Name":"` + name + `"}`,
		DefaultVersionID: "1",
		CreatedAt:        at(0),
		LastModifiedAt:   at(1),
		GenerationID:     hexID("policy/"+region+account+name, 32),
		LastVersionID:    3,
	}
}

func createPolicies(t *testing.T, s iot.Store, ps ...*iot.Policy) {
	t.Helper()
	update(t, s, func(tx iot.Tx) error {
		for _, p := range ps {
			if err := tx.CreatePolicy(t.Context(), p); err != nil {
				return fmt.Errorf("create policy %s: %w", p.Name, err)
			}
		}
		return nil
	})
}

// expectPolicy checks that the store holds want.
func expectPolicy(t *testing.T, r iot.Reader, want *iot.Policy) {
	t.Helper()
	got, err := r.Policy(t.Context(), want.Region, want.Account, want.Name)
	expectOK(t, err, "Policy "+want.Name)
	expectEqual(t, got, want, "policy "+want.Name)
}

func testPolicies(t *testing.T, s iot.Store) {
	ctx := t.Context()
	p := newPolicy(regionA, acctA, "p1")
	bare := &iot.Policy{Region: regionA, Account: acctA, Name: "bare", Document: "{}", CreatedAt: at(2)}
	createPolicies(t, s, p, bare)
	expectPolicy(t, s, p)
	expectPolicy(t, s, bare)

	err := s.Update(ctx, func(tx iot.Tx) error { return tx.CreatePolicy(ctx, newPolicy(regionA, acctA, "p1")) })
	expectErr(t, err, iot.ErrAlreadyExists, "create a taken policy name")
	expectPolicy(t, s, p)
	createPolicies(t, s, newPolicy(regionA, acctB, "p1"), newPolicy(regionB, acctA, "p1"))

	_, err = s.Policy(ctx, regionA, acctA, "absent")
	expectErr(t, err, iot.ErrNotFound, "Policy of an absent name")

	update(t, s, func(tx iot.Tx) error { return tx.DeletePolicy(ctx, regionA, acctA, "p1") })
	_, err = s.Policy(ctx, regionA, acctA, "p1")
	expectErr(t, err, iot.ErrNotFound, "Policy after delete")
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.DeletePolicy(ctx, regionA, acctA, "p1") })
	expectErr(t, err, iot.ErrNotFound, "delete an absent policy")
	expectPolicy(t, s, newPolicy(regionA, acctB, "p1"))
	expectPolicy(t, s, newPolicy(regionB, acctA, "p1"))
	expectPolicy(t, s, bare)

	// The name is free again.
	createPolicies(t, s, newPolicy(regionA, acctA, "p1"))
}

func testPolicyAttachments(t *testing.T, s iot.Store) {
	ctx := t.Context()
	const target = "arn:aws:iot:us-east-1:111111111111:cert/abc"
	const other = "us-east-1:5e1f0a8c-1a2b-4c3d-8e9f-0123456789ab"
	// Created out of name order; "P" sorts before "p" byte-wise.
	names := []string{"m", "b", "z", "a-1", "a_2", "P", "c", "y", "x", "k", "d", "e", "a"}
	var policies []*iot.Policy
	for _, n := range names {
		policies = append(policies, newPolicy(regionA, acctA, n))
	}
	createPolicies(t, s, policies...)
	update(t, s, func(tx iot.Tx) error {
		for i, n := range names {
			if err := tx.AttachPolicy(ctx, &iot.PolicyTarget{Region: regionA, Account: acctA, PolicyName: n,
				Target: target, CreatedAt: at(i)}); err != nil {
				return err
			}
		}
		return tx.AttachPolicy(ctx, &iot.PolicyTarget{Region: regionA, Account: acctA, PolicyName: "m", Target: other, CreatedAt: at(0)})
	})
	err := s.Update(ctx, func(tx iot.Tx) error {
		return tx.AttachPolicy(ctx, &iot.PolicyTarget{Region: regionA, Account: acctA, PolicyName: "m", Target: target, CreatedAt: at(9)})
	})
	expectErr(t, err, iot.ErrAlreadyExists, "attach twice")

	expectCount := func(what string, want int, count func() (int, error)) {
		t.Helper()
		n, err := count()
		expectOK(t, err, what)
		if n != want {
			t.Errorf("%s = %d, want %d", what, n, want)
		}
	}
	expectCount("CountPolicyTargets(m)", 2, func() (int, error) { return s.CountPolicyTargets(ctx, regionA, acctA, "m") })
	expectCount("CountPolicyTargets(b)", 1, func() (int, error) { return s.CountPolicyTargets(ctx, regionA, acctA, "b") })
	expectCount("CountPolicyTargets(absent)", 0, func() (int, error) { return s.CountPolicyTargets(ctx, regionA, acctA, "absent") })
	expectCount("CountTargetPolicies(target)", len(names), func() (int, error) { return s.CountTargetPolicies(ctx, regionA, acctA, target) })
	expectCount("CountTargetPolicies(other)", 1, func() (int, error) { return s.CountTargetPolicies(ctx, regionA, acctA, other) })
	expectCount("CountTargetPolicies(absent)", 0, func() (int, error) { return s.CountTargetPolicies(ctx, regionA, acctA, "absent") })

	sorted := []string{"P", "a", "a-1", "a_2", "b", "c", "d", "e", "k", "m", "x", "y", "z"}
	pageNames(t, "PoliciesForTarget", sorted, func(after string, limit int) ([]string, error) {
		ps, err := s.PoliciesForTarget(ctx, target, iot.NameQuery{Region: regionA, Account: acctA, After: after, Limit: limit})
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = p.Name
		}
		return out, err
	})
	ps, err := s.PoliciesForTarget(ctx, other, iot.NameQuery{Region: regionA, Account: acctA, Limit: 10})
	expectOK(t, err, "PoliciesForTarget")
	expectEqual(t, ps, []*iot.Policy{policies[0]}, "PoliciesForTarget returns whole policies")

	update(t, s, func(tx iot.Tx) error { return tx.DetachPolicy(ctx, regionA, acctA, "c", target) })
	expectCount("CountTargetPolicies after detach", len(names)-1, func() (int, error) { return s.CountTargetPolicies(ctx, regionA, acctA, target) })
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.DetachPolicy(ctx, regionA, acctA, "c", target) })
	expectErr(t, err, iot.ErrNotFound, "detach twice")
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.DetachPolicy(ctx, regionA, acctA, "b", other) })
	expectErr(t, err, iot.ErrNotFound, "detach what was never attached")

	update(t, s, func(tx iot.Tx) error { return tx.DetachAllPolicies(ctx, regionA, acctA, target) })
	expectCount("CountTargetPolicies after detach all", 0, func() (int, error) { return s.CountTargetPolicies(ctx, regionA, acctA, target) })
	expectCount("CountTargetPolicies(other) after detach all of target", 1, func() (int, error) { return s.CountTargetPolicies(ctx, regionA, acctA, other) })
	expectCount("CountPolicyTargets(m) after detach all", 1, func() (int, error) { return s.CountPolicyTargets(ctx, regionA, acctA, "m") })
	ps, err = s.PoliciesForTarget(ctx, target, iot.NameQuery{Region: regionA, Account: acctA, Limit: 10})
	expectOK(t, err, "PoliciesForTarget")
	if len(ps) != 0 {
		t.Errorf("PoliciesForTarget after detach all returned %d", len(ps))
	}
	update(t, s, func(tx iot.Tx) error { return tx.DetachAllPolicies(ctx, regionA, acctA, target) })
}
