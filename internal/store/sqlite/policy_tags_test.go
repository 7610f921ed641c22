package sqlite

import (
	"context"
	"strings"
	"testing"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// TestMigratePolicyVersionsTags opens a database written at schema version 1, whose
// policies kept their tags in a JSON column, and checks what the migration made of it.
func TestMigratePolicyVersionsTags(t *testing.T) {
	ctx := context.Background()
	db, path := databaseBefore(t, schemaPolicyVersionsTags)
	_, err := db.ExecContext(ctx, `INSERT INTO policies (region, account, name, document, default_version_id,
			created_ms, last_modified_ms, generation_id, tags) VALUES
			('us-east-1', '111111111111', 'tagged', '{"doc":1}', '1', 1000, 2000, 'g1', '[{"Key":"team","Value":"a"},{"Key":"empty","Value":""}]'),
			('eu-west-1', '222222222222', 'bare', '{"doc":2}', '1', 3000, NULL, 'g2', '[]')`)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := openAt(t, path)
	p, err := s.Policy(ctx, "us-east-1", "111111111111", "tagged")
	if err != nil {
		t.Fatal(err)
	}
	if p.Document != `{"doc":1}` || p.DefaultVersionID != "1" || p.LastVersionID != 1 || p.GenerationID != "g1" ||
		p.CreatedAt.UnixMilli() != 1000 || p.LastModifiedAt.UnixMilli() != 2000 {
		t.Errorf("migrated policy %+v", p)
	}
	vs, err := s.PolicyVersions(ctx, "us-east-1", "111111111111", "tagged", 10)
	if err != nil || len(vs) != 1 || vs[0].ID != 1 || vs[0].Document != `{"doc":1}` || vs[0].CreatedAt.UnixMilli() != 1000 {
		t.Errorf("migrated versions %+v, %v", vs, err)
	}
	arn := iot.PolicyARN("us-east-1", "111111111111", "tagged")
	tags, err := s.Tags(ctx, arn, iot.NameQuery{Region: "us-east-1", Account: "111111111111", Limit: 10})
	if err != nil || len(tags) != 2 || tags[0] != (iot.Tag{Key: "empty"}) || tags[1] != (iot.Tag{Key: "team", Value: "a"}) {
		t.Errorf("migrated tags %+v, %v", tags, err)
	}
	vs, err = s.PolicyVersions(ctx, "eu-west-1", "222222222222", "bare", 10)
	if err != nil || len(vs) != 1 || vs[0].Document != `{"doc":2}` {
		t.Errorf("migrated versions of the untagged policy %+v, %v", vs, err)
	}
	tags, err = s.Tags(ctx, iot.PolicyARN("eu-west-1", "222222222222", "bare"), iot.NameQuery{Region: "eu-west-1", Account: "222222222222", Limit: 10})
	if err != nil || len(tags) != 0 {
		t.Errorf("tags of the untagged policy %+v, %v", tags, err)
	}
}

// TestPolicyTagQueryPlans checks that the listings and lookups of policy versions, policy
// targets, policies, things and tags are index searches.
func TestPolicyTagQueryPlans(t *testing.T) {
	s, _ := openTest(t)
	for _, tc := range []struct {
		query string
		args  []any
		want  string
	}{
		{listPoliciesSQL(iot.Descending, false), []any{"r", "a", 0, "", 10}, "SEARCH policies USING INDEX policies_created (region=? AND account=?)"},
		{listPoliciesSQL(iot.Ascending, true), []any{"r", "a", 5, "n", 10}, "SEARCH policies USING INDEX policies_created (region=? AND account=? AND (created_ms,name)>(?,?))"},
		{listPoliciesSQL(iot.Descending, true), []any{"r", "a", 5, "n", 10}, "SEARCH policies USING INDEX policies_created (region=? AND account=? AND (created_ms,name)<(?,?))"},
		{selectPolicyTargets, []any{"r", "a", "p", "t", 10}, "SEARCH policy_targets USING PRIMARY KEY (region=? AND account=? AND policy_name=? AND target>?)"},
		{selectPolicyVersions, []any{"r", "a", "p", 10}, "SEARCH policy_versions USING INDEX sqlite_autoindex_policy_versions_1 (region=? AND account=? AND policy_name=?)"},
		{selectPolicyVersion, []any{"r", "a", "p", 1}, "SEARCH policy_versions USING INDEX sqlite_autoindex_policy_versions_1 (region=? AND account=? AND policy_name=? AND version_id=?)"},
		{listThings, []any{"r", "a", "n", 10}, "SEARCH things USING INDEX sqlite_autoindex_things_1 (region=? AND account=? AND name>?)"},
		{selectTags, []any{"r", "a", "arn", "k", 10}, "SEARCH tags USING PRIMARY KEY (region=? AND account=? AND resource_arn=? AND tag_key>?)"},
	} {
		plan := queryPlan(t, s.read, tc.query, tc.args...)
		found := false
		for _, line := range plan {
			found = found || line == tc.want
			if strings.HasPrefix(line, "SCAN ") || strings.Contains(line, "TEMP B-TREE") {
				t.Errorf("plan of\n%s\nscans or sorts:\n%s", tc.query, strings.Join(plan, "\n"))
			}
		}
		if !found {
			t.Errorf("plan of\n%s\nlacks %q:\n%s", tc.query, tc.want, strings.Join(plan, "\n"))
		}
	}
}
