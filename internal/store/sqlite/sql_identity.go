package sqlite

// The statements of users, access keys and inline user policies (identity), kept apart from
// sql.go like the other features; the conventions of sql.go apply.

// schemaIdentity adds users and their inline policies, and gives every access key the user
// it belongs to (” for the account's root, which every existing key belongs to).
//
// User names are unique per account without regard to ASCII case, as IAM's are: the name
// column has the NOCASE collation (which folds ASCII letters only; user names are ASCII), so
// the primary key, lookups and the foreign key of user_policies all fold case, and listings
// order by the folded name. The name is stored as created. ALTER TABLE cannot say IF NOT
// EXISTS; like every migration, this one runs once, in the transaction that records it.
const schemaIdentity = `
CREATE TABLE IF NOT EXISTS users (
	account_id TEXT    NOT NULL REFERENCES accounts (id),
	name       TEXT    NOT NULL COLLATE NOCASE,
	created_ms INTEGER NOT NULL,
	PRIMARY KEY (account_id, name)
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS user_policies (
	account_id  TEXT    NOT NULL,
	user_name   TEXT    NOT NULL COLLATE NOCASE,
	policy_name TEXT    NOT NULL,
	document    TEXT    NOT NULL,
	created_ms  INTEGER NOT NULL,
	updated_ms  INTEGER NOT NULL,
	PRIMARY KEY (account_id, user_name, policy_name),
	FOREIGN KEY (account_id, user_name) REFERENCES users (account_id, name)
) STRICT, WITHOUT ROWID;

ALTER TABLE access_keys ADD COLUMN user_name TEXT NOT NULL DEFAULT '';
-- ListAccessKeys.
CREATE INDEX IF NOT EXISTS access_keys_account_created ON access_keys (account_id, created_ms, id);
`

// identityStatements returns the statements of this file that the store prepares.
func identityStatements() []string {
	return []string{
		selectAccounts, deleteAccount, insertUser, selectUser, selectUsers, deleteUser,
		selectAccessKeys, deleteAccessKey, upsertUserPolicy, selectUserPolicy, selectUserPolicies,
		deleteUserPolicy,
	}
}

const (
	selectAccounts = `SELECT id, created_ms FROM accounts ORDER BY id`
	deleteAccount  = `DELETE FROM accounts WHERE id = ?`

	insertUser  = `INSERT INTO users (account_id, name, created_ms) VALUES (?, ?, ?)`
	selectUser  = `SELECT account_id, name, created_ms FROM users WHERE account_id = ? AND name = ?`
	selectUsers = `SELECT account_id, name, created_ms FROM users WHERE account_id = ? ORDER BY name`
	deleteUser  = `DELETE FROM users WHERE account_id = ? AND name = ?`

	accessKeyColumns = `id, account_id, user_name, sealed_secret, created_ms`
	selectAccessKeys = `SELECT ` + accessKeyColumns + ` FROM access_keys WHERE account_id = ? ORDER BY created_ms, id`
	deleteAccessKey  = `DELETE FROM access_keys WHERE id = ?`

	userPolicyColumns = `account_id, user_name, policy_name, document, created_ms, updated_ms`
	upsertUserPolicy  = `INSERT INTO user_policies (` + userPolicyColumns + `) VALUES (?, ?, ?, ?, ?, ?)
	ON CONFLICT (account_id, user_name, policy_name) DO UPDATE SET document = excluded.document, updated_ms = excluded.updated_ms`
	selectUserPolicy = `SELECT ` + userPolicyColumns + ` FROM user_policies
	WHERE account_id = ? AND user_name = ? AND policy_name = ?`
	selectUserPolicies = `SELECT ` + userPolicyColumns + ` FROM user_policies
	WHERE account_id = ? AND user_name = ? ORDER BY policy_name`
	deleteUserPolicy = `DELETE FROM user_policies WHERE account_id = ? AND user_name = ? AND policy_name = ?`
)
