package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// Policy versions, policy and thing listings, thing updates and tags.

func newPolicyVersion(p *iot.Policy, id int64, created time.Time) *iot.PolicyVersion {
	return &iot.PolicyVersion{Region: p.Region, Account: p.Account, PolicyName: p.Name, ID: id,
		Document: fmt.Sprintf(`{"Version":"2012-10-17","Statement":[],"v":%d}`, id), CreatedAt: created}
}

func versionIDs(vs []*iot.PolicyVersion) []int64 {
	out := make([]int64, len(vs))
	for i, v := range vs {
		out[i] = v.ID
	}
	return out
}

func testPolicyVersions(t *testing.T, s iot.Store) {
	ctx := t.Context()
	p := newPolicy(regionA, acctA, "versioned")
	other := newPolicy(regionA, acctB, "versioned") // same name, another account
	createPolicies(t, s, p, other)
	var versions []*iot.PolicyVersion
	for id := int64(1); id <= 4; id++ {
		versions = append(versions, newPolicyVersion(p, id, at(int(id))))
	}
	// Created out of ID order; a long document round-trips whole.
	versions[2].Document = strings.Repeat("x", 300_000)
	update(t, s, func(tx iot.Tx) error {
		for _, i := range []int{2, 0, 3, 1} {
			if err := tx.CreatePolicyVersion(ctx, versions[i]); err != nil {
				return err
			}
		}
		return tx.CreatePolicyVersion(ctx, newPolicyVersion(other, 1, at(9)))
	})
	err := s.Update(ctx, func(tx iot.Tx) error { return tx.CreatePolicyVersion(ctx, newPolicyVersion(p, 2, at(9))) })
	expectErr(t, err, iot.ErrAlreadyExists, "create a version ID twice")

	for _, v := range versions {
		got, err := s.PolicyVersion(ctx, regionA, acctA, "versioned", v.ID)
		expectOK(t, err, "PolicyVersion")
		expectEqual(t, got, v, fmt.Sprintf("version %d", v.ID))
	}
	_, err = s.PolicyVersion(ctx, regionA, acctA, "versioned", 5)
	expectErr(t, err, iot.ErrNotFound, "PolicyVersion of an absent ID")
	_, err = s.PolicyVersion(ctx, regionB, acctA, "versioned", 1)
	expectErr(t, err, iot.ErrNotFound, "PolicyVersion in another region")

	all, err := s.PolicyVersions(ctx, regionA, acctA, "versioned", 10)
	expectOK(t, err, "PolicyVersions")
	expectEqual(t, all, versions, "PolicyVersions by ascending ID")
	some, err := s.PolicyVersions(ctx, regionA, acctA, "versioned", 2)
	expectOK(t, err, "PolicyVersions")
	expectEqual(t, versionIDs(some), []int64{1, 2}, "PolicyVersions with a limit")
	none, err := s.PolicyVersions(ctx, regionA, acctA, "absent", 10)
	expectOK(t, err, "PolicyVersions of an absent policy")
	if len(none) != 0 {
		t.Errorf("PolicyVersions of an absent policy returned %d", len(none))
	}

	update(t, s, func(tx iot.Tx) error { return tx.DeletePolicyVersion(ctx, regionA, acctA, "versioned", 2) })
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.DeletePolicyVersion(ctx, regionA, acctA, "versioned", 2) })
	expectErr(t, err, iot.ErrNotFound, "delete a version twice")
	all, err = s.PolicyVersions(ctx, regionA, acctA, "versioned", 10)
	expectOK(t, err, "PolicyVersions")
	expectEqual(t, versionIDs(all), []int64{1, 3, 4}, "PolicyVersions after delete")
	all, err = s.PolicyVersions(ctx, regionA, acctB, "versioned", 10)
	expectOK(t, err, "PolicyVersions")
	expectEqual(t, versionIDs(all), []int64{1}, "the other account's versions")

	// PutPolicy replaces every field but the key.
	changed := *p
	changed.Document, changed.DefaultVersionID, changed.LastVersionID = versions[3].Document, "4", 7
	changed.LastModifiedAt, changed.GenerationID = at(50), hexID("changed", 32)
	update(t, s, func(tx iot.Tx) error { return tx.PutPolicy(ctx, &changed) })
	expectPolicy(t, s, &changed)
	expectPolicy(t, s, other)
	absent := newPolicy(regionB, acctA, "versioned")
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.PutPolicy(ctx, absent) })
	expectErr(t, err, iot.ErrNotFound, "PutPolicy of an absent policy")
	_, err = s.Policy(ctx, regionB, acctA, "versioned")
	expectErr(t, err, iot.ErrNotFound, "Policy after a refused PutPolicy")
}

func testListPolicies(t *testing.T, s iot.Store) {
	ctx := t.Context()
	// Several share a creation time, so that the name breaks ties.
	var ps []*iot.Policy
	for i, n := range []string{"k", "b", "z", "a", "P", "m", "c", "y"} {
		p := newPolicy(regionA, acctA, n)
		p.CreatedAt = at(i / 3)
		ps = append(ps, p)
	}
	createPolicies(t, s, ps...)
	createPolicies(t, s, newPolicy(regionA, acctB, "other-account"), newPolicy(regionB, acctA, "other-region"))

	asc := slices.Clone(ps)
	slices.SortFunc(asc, func(a, b *iot.Policy) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	desc := slices.Clone(asc)
	slices.Reverse(desc)
	for _, tc := range []struct {
		order iot.Order
		want  []*iot.Policy
	}{{iot.Ascending, asc}, {iot.Descending, desc}} {
		for _, limit := range []int{1, 2, 3, len(ps), 250} {
			var got []*iot.Policy
			q := iot.PolicyQuery{Region: regionA, Account: acctA, Order: tc.order, Limit: limit}
			for page := 0; ; page++ {
				if page > len(ps)+1 {
					t.Fatalf("ListPolicies order %d limit %d does not end", tc.order, limit)
				}
				items, err := s.ListPolicies(ctx, q)
				expectOK(t, err, "ListPolicies")
				if len(items) > limit {
					t.Fatalf("ListPolicies: page of %d with limit %d", len(items), limit)
				}
				got = append(got, items...)
				if len(items) < limit {
					break
				}
				last := items[len(items)-1]
				q.After = &iot.PolicyCursor{CreatedAt: last.CreatedAt, Name: last.Name}
			}
			expectEqual(t, got, tc.want, fmt.Sprintf("ListPolicies order %d limit %d", tc.order, limit))
		}
	}
}

func testPolicyTargets(t *testing.T, s iot.Store) {
	ctx := t.Context()
	createPolicies(t, s, newPolicy(regionA, acctA, "p"), newPolicy(regionA, acctA, "q"), newPolicy(regionA, acctB, "p"))
	var targets []string
	var attachments []*iot.PolicyTarget
	for i := range 7 {
		target := iot.CertificateARN(regionA, acctA, hexID(fmt.Sprint("target", i), 32))
		if i == 3 {
			target = "us-east-1:5e1f0a8c-1a2b-4c3d-8e9f-0123456789ab"
		}
		targets = append(targets, target)
		attachments = append(attachments, &iot.PolicyTarget{Region: regionA, Account: acctA, PolicyName: "p", Target: target, CreatedAt: at(i)})
	}
	update(t, s, func(tx iot.Tx) error {
		for _, a := range attachments {
			if err := tx.AttachPolicy(ctx, a); err != nil {
				return err
			}
		}
		return errors.Join(
			tx.AttachPolicy(ctx, &iot.PolicyTarget{Region: regionA, Account: acctA, PolicyName: "q", Target: targets[0], CreatedAt: at(0)}),
			tx.AttachPolicy(ctx, &iot.PolicyTarget{Region: regionA, Account: acctB, PolicyName: "p", Target: "elsewhere", CreatedAt: at(0)}))
	})
	slices.Sort(targets)
	q := iot.NameQuery{Region: regionA, Account: acctA}
	pageNames(t, "PolicyTargets(p)", targets, func(after string, limit int) ([]string, error) {
		q.After, q.Limit = after, limit
		ts, err := s.PolicyTargets(ctx, "p", q)
		out := make([]string, len(ts))
		for i, a := range ts {
			out[i] = a.Target
		}
		return out, err
	})
	got, err := s.PolicyTargets(ctx, "q", iot.NameQuery{Region: regionA, Account: acctA, Limit: 5})
	expectOK(t, err, "PolicyTargets(q)")
	expectEqual(t, got, []*iot.PolicyTarget{{Region: regionA, Account: acctA, PolicyName: "q", Target: attachments[0].Target, CreatedAt: at(0)}},
		"PolicyTargets returns whole attachments")
	got, err = s.PolicyTargets(ctx, "absent", iot.NameQuery{Region: regionA, Account: acctA, Limit: 5})
	expectOK(t, err, "PolicyTargets(absent)")
	if len(got) != 0 {
		t.Errorf("PolicyTargets of an absent policy returned %d", len(got))
	}
}

func testPutThing(t *testing.T, s iot.Store) {
	ctx := t.Context()
	th := newThing(regionA, acctA, "updated", map[string]string{"a": "1"})
	twin := newThing(regionA, acctB, "updated", map[string]string{"a": "1"})
	createThings(t, s, th, twin)

	read := *th
	read.Attributes = map[string]string{"b": "2", "c": "v=[3]"}
	read.TypeName = "type"
	update(t, s, func(tx iot.Tx) error { return tx.PutThing(ctx, &read) })
	if read.Version != 2 {
		t.Errorf("PutThing left Version %d, want 2", read.Version)
	}
	got, err := s.Thing(ctx, regionA, acctA, "updated")
	expectOK(t, err, "Thing")
	expectEqual(t, got, &read, "thing after PutThing")
	got, err = s.Thing(ctx, regionA, acctB, "updated")
	expectOK(t, err, "Thing")
	expectEqual(t, got, twin, "the other account's thing")

	stale := *th // still at version 1
	stale.Attributes = map[string]string{}
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.PutThing(ctx, &stale) })
	expectErr(t, err, iot.ErrConflict, "PutThing at a stale version")
	if stale.Version != 1 {
		t.Errorf("a refused PutThing changed Version to %d", stale.Version)
	}
	got, err = s.Thing(ctx, regionA, acctA, "updated")
	expectOK(t, err, "Thing")
	expectEqual(t, got, &read, "thing after a refused PutThing")

	absent := newThing(regionB, acctA, "updated", nil)
	absent.Version = 1
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.PutThing(ctx, absent) })
	expectErr(t, err, iot.ErrNotFound, "PutThing of an absent thing")

	// Versions keep advancing, and the new version guards the next write.
	read.Attributes = map[string]string{}
	update(t, s, func(tx iot.Tx) error { return tx.PutThing(ctx, &read) })
	if read.Version != 3 {
		t.Errorf("PutThing left Version %d, want 3", read.Version)
	}
	update(t, s, func(tx iot.Tx) error { return tx.DeleteThing(ctx, &read) })
}

func testListThings(t *testing.T, s iot.Store) {
	ctx := t.Context()
	names := []string{"m", "b", "Z", "a:1", "a_2", "a-3", "c", "thing-10", "thing-9"}
	var things []*iot.Thing
	for _, n := range names {
		things = append(things, newThing(regionA, acctA, n, map[string]string{"name": n}))
	}
	createThings(t, s, things...)
	createThings(t, s, newThing(regionA, acctB, "other-account", nil), newThing(regionB, acctA, "other-region", nil))
	sorted := slices.Sorted(slices.Values(names))
	q := iot.NameQuery{Region: regionA, Account: acctA}
	pageNames(t, "ListThings", sorted, func(after string, limit int) ([]string, error) {
		q.After, q.Limit = after, limit
		ts, err := s.ListThings(ctx, q)
		out := make([]string, len(ts))
		for i, th := range ts {
			out[i] = th.Name
		}
		return out, err
	})
	got, err := s.ListThings(ctx, iot.NameQuery{Region: regionA, Account: acctA, After: "c", Limit: 1})
	expectOK(t, err, "ListThings")
	expectEqual(t, got, []*iot.Thing{things[0]}, "ListThings returns whole things")
}

func tagKeys(tags []iot.Tag) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t.Key
	}
	return out
}

func testTags(t *testing.T, s iot.Store) {
	ctx := t.Context()
	arn := iot.PolicyARN(regionA, acctA, "tagged")
	otherARN := iot.PolicyARN(regionA, acctA, "other")
	tags := []iot.Tag{{Key: "team", Value: "a"}, {Key: "empty", Value: ""}, {Key: "Zone", Value: "z"},
		{Key: "ключ", Value: "значение"}, {Key: "k:/=+-@.", Value: strings.Repeat("v", 256)}}
	update(t, s, func(tx iot.Tx) error {
		return errors.Join(tx.PutTags(ctx, regionA, acctA, arn, tags),
			tx.PutTags(ctx, regionA, acctA, otherARN, []iot.Tag{{Key: "team", Value: "other"}}),
			tx.PutTags(ctx, regionA, acctB, arn, []iot.Tag{{Key: "account", Value: "b"}}))
	})
	byKey := func(tags []iot.Tag) []iot.Tag {
		return slices.SortedFunc(slices.Values(tags), func(a, b iot.Tag) int { return strings.Compare(a.Key, b.Key) })
	}
	list := func(region, account, arn string) []iot.Tag {
		t.Helper()
		got, err := s.Tags(ctx, arn, iot.NameQuery{Region: region, Account: account, Limit: 100})
		expectOK(t, err, "Tags")
		return got
	}
	expectEqual(t, list(regionA, acctA, arn), byKey(tags), "tags by key")
	pageNames(t, "Tags", tagKeys(byKey(tags)), func(after string, limit int) ([]string, error) {
		got, err := s.Tags(ctx, arn, iot.NameQuery{Region: regionA, Account: acctA, After: after, Limit: limit})
		return tagKeys(got), err
	})
	expectEqual(t, list(regionA, acctA, otherARN), []iot.Tag{{Key: "team", Value: "other"}}, "another resource's tags")
	expectEqual(t, list(regionA, acctB, arn), []iot.Tag{{Key: "account", Value: "b"}}, "another account's tags")
	if got := list(regionB, acctA, arn); len(got) != 0 {
		t.Errorf("tags in another region: %v", got)
	}

	// Putting a key the resource has replaces its value.
	update(t, s, func(tx iot.Tx) error {
		return tx.PutTags(ctx, regionA, acctA, arn, []iot.Tag{{Key: "team", Value: "b"}, {Key: "new", Value: "n"}})
	})
	want := byKey(append(slices.Clone(tags[1:]), iot.Tag{Key: "team", Value: "b"}, iot.Tag{Key: "new", Value: "n"}))
	expectEqual(t, list(regionA, acctA, arn), want, "tags after a second put")

	// Deleting keys ignores keys the resource lacks.
	update(t, s, func(tx iot.Tx) error {
		return tx.DeleteTags(ctx, regionA, acctA, arn, []string{"team", "absent", "ключ"})
	})
	want = slices.DeleteFunc(want, func(t iot.Tag) bool { return t.Key == "team" || t.Key == "ключ" })
	expectEqual(t, list(regionA, acctA, arn), want, "tags after delete")
	expectEqual(t, list(regionA, acctA, otherARN), []iot.Tag{{Key: "team", Value: "other"}}, "another resource's tags after delete")

	update(t, s, func(tx iot.Tx) error { return tx.DeleteResourceTags(ctx, regionA, acctA, arn) })
	if got := list(regionA, acctA, arn); len(got) != 0 {
		t.Errorf("tags after DeleteResourceTags: %v", got)
	}
	expectEqual(t, list(regionA, acctB, arn), []iot.Tag{{Key: "account", Value: "b"}}, "another account's tags after DeleteResourceTags")
	update(t, s, func(tx iot.Tx) error { return tx.DeleteResourceTags(ctx, regionA, acctA, arn) })
}

func testDeleteRegistryDataVersionsTags(t *testing.T, s iot.Store) {
	ctx := t.Context()
	p := newPolicy(regionA, acctA, "reset-policy")
	createPolicies(t, s, p)
	update(t, s, func(tx iot.Tx) error {
		return errors.Join(tx.CreatePolicyVersion(ctx, newPolicyVersion(p, 1, at(0))),
			tx.PutTags(ctx, regionA, acctA, p.ARN(), []iot.Tag{{Key: "k", Value: "v"}}))
	})
	update(t, s, func(tx iot.Tx) error { return tx.DeleteRegistryData(ctx) })
	vs, err := s.PolicyVersions(ctx, regionA, acctA, p.Name, 10)
	expectOK(t, err, "PolicyVersions after reset")
	tags, err := s.Tags(ctx, p.ARN(), iot.NameQuery{Region: regionA, Account: acctA, Limit: 10})
	expectOK(t, err, "Tags after reset")
	if len(vs) != 0 || len(tags) != 0 {
		t.Errorf("after reset: %d policy versions, %d tags", len(vs), len(tags))
	}
	// The policy can be made again, with its first version.
	createPolicies(t, s, p)
	update(t, s, func(tx iot.Tx) error { return tx.CreatePolicyVersion(ctx, newPolicyVersion(p, 1, at(0))) })
}
