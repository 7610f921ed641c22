package sqlite

import (
	"context"
	"strings"
	"testing"
)

// TestMigrateIdentity opens a database written before users existed, holding an account
// and its access key, and checks that the key became the account root's.
func TestMigrateIdentity(t *testing.T) {
	ctx := context.Background()
	db, path := databaseBefore(t, schemaIdentity)
	_, err := db.ExecContext(ctx, `INSERT INTO accounts (id, created_ms) VALUES ('111111111111', 1000)`)
	if err == nil {
		_, err = db.ExecContext(ctx, `INSERT INTO access_keys (id, account_id, sealed_secret, created_ms)
			VALUES ('AKIAOLDOLDOLDOLDOLD1', '111111111111', x'00ff', 2000)`)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := openAt(t, path)
	k, err := s.AccessKey(ctx, "AKIAOLDOLDOLDOLDOLD1")
	if err != nil {
		t.Fatal(err)
	}
	if k.Account != "111111111111" || k.UserName != "" || string(k.SealedSecret) != "\x00\xff" || k.CreatedAt.UnixMilli() != 2000 {
		t.Errorf("migrated access key %+v", k)
	}
	users, err := s.ListUsers(ctx, "111111111111")
	if err != nil || len(users) != 0 {
		t.Errorf("users after the migration: %v, %v", users, err)
	}
}

// TestIdentityQueryPlans checks that the identity lookups and listings are index searches
// without sorting.
func TestIdentityQueryPlans(t *testing.T) {
	s, _ := openTest(t)
	for _, tc := range []struct {
		query string
		args  []any
		want  string
	}{
		{selectUser, []any{"a", "n"}, "SEARCH users USING PRIMARY KEY (account_id=? AND name=?)"},
		{selectUsers, []any{"a"}, "SEARCH users USING PRIMARY KEY (account_id=?)"},
		{selectAccessKeys, []any{"a"}, "SEARCH access_keys USING INDEX access_keys_account_created (account_id=?)"},
		{selectUserPolicy, []any{"a", "u", "p"}, "SEARCH user_policies USING PRIMARY KEY (account_id=? AND user_name=? AND policy_name=?)"},
		{selectUserPolicies, []any{"a", "u"}, "SEARCH user_policies USING PRIMARY KEY (account_id=? AND user_name=?)"},
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
