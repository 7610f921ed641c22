package storetest

import (
	"errors"
	"testing"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// Conformance of the identity registry: accounts listing and deletion, users, access keys
// of users, and inline user policies.

// createAccounts creates accounts with increasing creation times.
func createAccounts(t *testing.T, s iot.Store, ids ...string) {
	t.Helper()
	ctx := t.Context()
	update(t, s, func(tx iot.Tx) error {
		var errs []error
		for i, id := range ids {
			errs = append(errs, tx.CreateAccount(ctx, &iot.Account{ID: id, CreatedAt: at(i)}))
		}
		return errors.Join(errs...)
	})
}

func userNames(us []*iot.User) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Name
	}
	return out
}

func testListAndDeleteAccounts(t *testing.T, s iot.Store) {
	ctx := t.Context()
	got, err := s.ListAccounts(ctx)
	expectOK(t, err, "ListAccounts of a new store")
	if len(got) != 0 {
		t.Fatalf("a new store lists %d accounts", len(got))
	}
	createAccounts(t, s, acctC, acctA, acctB)
	got, err = s.ListAccounts(ctx)
	expectOK(t, err, "ListAccounts")
	expectEqual(t, got, []*iot.Account{{ID: acctA, CreatedAt: at(1)}, {ID: acctB, CreatedAt: at(2)}, {ID: acctC, CreatedAt: at(0)}},
		"accounts, by ID")

	update(t, s, func(tx iot.Tx) error { return tx.DeleteAccount(ctx, acctB) })
	_, err = s.Account(ctx, acctB)
	expectErr(t, err, iot.ErrNotFound, "Account after DeleteAccount")
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.DeleteAccount(ctx, acctB) })
	expectErr(t, err, iot.ErrNotFound, "DeleteAccount of an absent account")
	got, err = s.ListAccounts(ctx)
	expectOK(t, err, "ListAccounts")
	if len(got) != 2 || got[0].ID != acctA || got[1].ID != acctC {
		t.Errorf("accounts after a delete: %v", got)
	}
	// The ID is free again.
	update(t, s, func(tx iot.Tx) error { return tx.CreateAccount(ctx, &iot.Account{ID: acctB, CreatedAt: at(9)}) })
}

func testUsers(t *testing.T, s iot.Store) {
	ctx := t.Context()
	createAccounts(t, s, acctA, acctB)
	alice := &iot.User{Account: acctA, Name: "Alice", CreatedAt: at(10)}
	update(t, s, func(tx iot.Tx) error {
		return errors.Join(
			tx.CreateUser(ctx, alice),
			tx.CreateUser(ctx, &iot.User{Account: acctA, Name: "bob+ci@example.com", CreatedAt: at(11)}),
			tx.CreateUser(ctx, &iot.User{Account: acctA, Name: "Carol", CreatedAt: at(12)}),
			// The same name in another account is another user.
			tx.CreateUser(ctx, &iot.User{Account: acctB, Name: "Alice", CreatedAt: at(13)}),
		)
	})

	t.Run("get in any case", func(t *testing.T) {
		for _, name := range []string{"Alice", "alice", "ALICE"} {
			got, err := s.User(ctx, acctA, name)
			expectOK(t, err, "User "+name)
			expectEqual(t, got, alice, "user "+name)
		}
		_, err := s.User(ctx, acctA, "Dave")
		expectErr(t, err, iot.ErrNotFound, "User of an absent name")
		_, err = s.User(ctx, acctC, "Alice")
		expectErr(t, err, iot.ErrNotFound, "User of an absent account")
	})
	t.Run("unique in any case", func(t *testing.T) {
		err := s.Update(ctx, func(tx iot.Tx) error {
			return tx.CreateUser(ctx, &iot.User{Account: acctA, Name: "ALICE", CreatedAt: at(20)})
		})
		expectErr(t, err, iot.ErrAlreadyExists, "create ALICE beside Alice")
		got, err := s.User(ctx, acctA, "alice")
		expectOK(t, err, "User")
		expectEqual(t, got, alice, "user after a refused create")
	})
	t.Run("account must exist", func(t *testing.T) {
		err := s.Update(ctx, func(tx iot.Tx) error {
			return tx.CreateUser(ctx, &iot.User{Account: acctD, Name: "Alice", CreatedAt: at(20)})
		})
		expectErr(t, err, iot.ErrNotFound, "create a user of an absent account")
	})
	t.Run("list by name without regard to case", func(t *testing.T) {
		got, err := s.ListUsers(ctx, acctA)
		expectOK(t, err, "ListUsers")
		expectEqual(t, userNames(got), []string{"Alice", "bob+ci@example.com", "Carol"}, "users of A")
		got, err = s.ListUsers(ctx, acctC)
		expectOK(t, err, "ListUsers of an account without users")
		if len(got) != 0 {
			t.Errorf("an account without users lists %v", userNames(got))
		}
	})
	t.Run("delete in any case", func(t *testing.T) {
		update(t, s, func(tx iot.Tx) error { return tx.DeleteUser(ctx, acctA, "CAROL") })
		_, err := s.User(ctx, acctA, "Carol")
		expectErr(t, err, iot.ErrNotFound, "User after DeleteUser")
		err = s.Update(ctx, func(tx iot.Tx) error { return tx.DeleteUser(ctx, acctA, "Carol") })
		expectErr(t, err, iot.ErrNotFound, "DeleteUser of an absent user")
		got, err := s.ListUsers(ctx, acctB)
		expectOK(t, err, "ListUsers")
		expectEqual(t, userNames(got), []string{"Alice"}, "users of B after a delete in A")
	})
}

func testUserAccessKeys(t *testing.T, s iot.Store) {
	ctx := t.Context()
	createAccounts(t, s, acctA, acctB)
	keys := []*iot.AccessKey{
		{ID: "AKIAROOTROOTROOTROOT", Account: acctA, SealedSecret: []byte("r"), CreatedAt: at(30)},
		{ID: "AKIAALICEALICEALICE2", Account: acctA, UserName: "Alice", SealedSecret: []byte("a2"), CreatedAt: at(32)},
		{ID: "AKIAALICEALICEALICE1", Account: acctA, UserName: "Alice", SealedSecret: []byte("a1"), CreatedAt: at(31)},
		{ID: "AKIABBBBBBBBBBBBBBBB", Account: acctB, SealedSecret: []byte("b"), CreatedAt: at(29)},
		// Same creation time as the root key: the ID breaks the tie.
		{ID: "AKIAAAAAAAAAAAAAAAAA", Account: acctA, UserName: "Bob", SealedSecret: []byte("b"), CreatedAt: at(30)},
	}
	update(t, s, func(tx iot.Tx) error {
		errs := []error{
			tx.CreateUser(ctx, &iot.User{Account: acctA, Name: "Alice", CreatedAt: at(1)}),
			tx.CreateUser(ctx, &iot.User{Account: acctA, Name: "Bob", CreatedAt: at(1)}),
		}
		for _, k := range keys {
			errs = append(errs, tx.CreateAccessKey(ctx, k))
		}
		return errors.Join(errs...)
	})

	got, err := s.AccessKey(ctx, "AKIAALICEALICEALICE1")
	expectOK(t, err, "AccessKey of a user")
	expectEqual(t, got, keys[2], "user's access key")
	got, err = s.AccessKey(ctx, "AKIAROOTROOTROOTROOT")
	expectOK(t, err, "AccessKey of a root")
	expectEqual(t, got, keys[0], "root's access key")

	list, err := s.ListAccessKeys(ctx, acctA)
	expectOK(t, err, "ListAccessKeys")
	expectEqual(t, list, []*iot.AccessKey{keys[4], keys[0], keys[2], keys[1]}, "keys of A by (CreatedAt, ID)")
	list, err = s.ListAccessKeys(ctx, acctC)
	expectOK(t, err, "ListAccessKeys of an account without keys")
	if len(list) != 0 {
		t.Errorf("an account without keys lists %d", len(list))
	}

	update(t, s, func(tx iot.Tx) error { return tx.DeleteAccessKey(ctx, "AKIAALICEALICEALICE1") })
	_, err = s.AccessKey(ctx, "AKIAALICEALICEALICE1")
	expectErr(t, err, iot.ErrNotFound, "AccessKey after DeleteAccessKey")
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.DeleteAccessKey(ctx, "AKIAALICEALICEALICE1") })
	expectErr(t, err, iot.ErrNotFound, "DeleteAccessKey of an absent key")
	list, err = s.ListAccessKeys(ctx, acctA)
	expectOK(t, err, "ListAccessKeys")
	if len(list) != 3 {
		t.Errorf("%d keys after a delete, want 3", len(list))
	}
}

func testUserPolicies(t *testing.T, s iot.Store) {
	ctx := t.Context()
	createAccounts(t, s, acctA, acctB)
	update(t, s, func(tx iot.Tx) error {
		return errors.Join(
			tx.CreateUser(ctx, &iot.User{Account: acctA, Name: "Alice", CreatedAt: at(1)}),
			tx.CreateUser(ctx, &iot.User{Account: acctB, Name: "Alice", CreatedAt: at(1)}),
		)
	})
	const doc = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iot:*","Resource":"*"}}`
	read := &iot.UserPolicy{Account: acctA, UserName: "Alice", PolicyName: "read", Document: doc, CreatedAt: at(40), UpdatedAt: at(40)}
	admin := &iot.UserPolicy{Account: acctA, UserName: "Alice", PolicyName: "Admin", Document: "{}", CreatedAt: at(41), UpdatedAt: at(41)}
	update(t, s, func(tx iot.Tx) error {
		return errors.Join(tx.PutUserPolicy(ctx, read), tx.PutUserPolicy(ctx, admin),
			tx.PutUserPolicy(ctx, &iot.UserPolicy{Account: acctB, UserName: "Alice", PolicyName: "read", Document: "b", CreatedAt: at(42), UpdatedAt: at(42)}))
	})

	got, err := s.UserPolicy(ctx, acctA, "Alice", "read")
	expectOK(t, err, "UserPolicy")
	expectEqual(t, got, read, "user policy")
	got, err = s.UserPolicy(ctx, acctA, "alice", "read")
	expectOK(t, err, "UserPolicy by the user name in another case")
	expectEqual(t, got, read, "user policy")
	_, err = s.UserPolicy(ctx, acctA, "Alice", "READ")
	expectErr(t, err, iot.ErrNotFound, "UserPolicy: policy names match exactly")

	list, err := s.UserPolicies(ctx, acctA, "ALICE")
	expectOK(t, err, "UserPolicies")
	expectEqual(t, list, []*iot.UserPolicy{admin, read}, "policies by name")

	t.Run("replace keeps the creation time", func(t *testing.T) {
		update(t, s, func(tx iot.Tx) error {
			return tx.PutUserPolicy(ctx, &iot.UserPolicy{Account: acctA, UserName: "Alice", PolicyName: "read", Document: "{ }",
				CreatedAt: at(50), UpdatedAt: at(50)})
		})
		got, err := s.UserPolicy(ctx, acctA, "Alice", "read")
		expectOK(t, err, "UserPolicy")
		expectEqual(t, got, &iot.UserPolicy{Account: acctA, UserName: "Alice", PolicyName: "read", Document: "{ }",
			CreatedAt: at(40), UpdatedAt: at(50)}, "replaced policy")
	})
	t.Run("user must exist", func(t *testing.T) {
		err := s.Update(ctx, func(tx iot.Tx) error {
			return tx.PutUserPolicy(ctx, &iot.UserPolicy{Account: acctA, UserName: "Zed", PolicyName: "p", Document: "{}",
				CreatedAt: at(60), UpdatedAt: at(60)})
		})
		expectErr(t, err, iot.ErrNotFound, "PutUserPolicy for an absent user")
	})
	t.Run("delete", func(t *testing.T) {
		update(t, s, func(tx iot.Tx) error { return tx.DeleteUserPolicy(ctx, acctA, "Alice", "Admin") })
		_, err := s.UserPolicy(ctx, acctA, "Alice", "Admin")
		expectErr(t, err, iot.ErrNotFound, "UserPolicy after DeleteUserPolicy")
		err = s.Update(ctx, func(tx iot.Tx) error { return tx.DeleteUserPolicy(ctx, acctA, "Alice", "Admin") })
		expectErr(t, err, iot.ErrNotFound, "DeleteUserPolicy of an absent policy")
		list, err := s.UserPolicies(ctx, acctB, "Alice")
		expectOK(t, err, "UserPolicies")
		if len(list) != 1 || list[0].Document != "b" {
			t.Errorf("policies of B's Alice after deletes in A: %v", list)
		}
	})
}

// testDeleteRegistryDataKeepsIdentities checks that the emulator reset leaves identities.
func testDeleteRegistryDataKeepsIdentities(t *testing.T, s iot.Store) {
	ctx := t.Context()
	createAccounts(t, s, acctA)
	update(t, s, func(tx iot.Tx) error {
		return errors.Join(
			tx.CreateUser(ctx, &iot.User{Account: acctA, Name: "Alice", CreatedAt: at(1)}),
			tx.CreateAccessKey(ctx, &iot.AccessKey{ID: "AKIAALICEALICEALICE1", Account: acctA, UserName: "Alice", SealedSecret: []byte("s"), CreatedAt: at(2)}),
			tx.PutUserPolicy(ctx, &iot.UserPolicy{Account: acctA, UserName: "Alice", PolicyName: "p", Document: "{}", CreatedAt: at(3), UpdatedAt: at(3)}),
		)
	})
	update(t, s, func(tx iot.Tx) error { return tx.DeleteRegistryData(ctx) })
	_, err := s.User(ctx, acctA, "Alice")
	expectOK(t, err, "User after DeleteRegistryData")
	_, err = s.AccessKey(ctx, "AKIAALICEALICEALICE1")
	expectOK(t, err, "AccessKey after DeleteRegistryData")
	_, err = s.UserPolicy(ctx, acctA, "Alice", "p")
	expectOK(t, err, "UserPolicy after DeleteRegistryData")
}
