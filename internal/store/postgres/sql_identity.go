package postgres

// The statements of users, access keys and inline user policies (identity), kept apart from
// sql.go like the other features; the conventions of sql.go apply.

// schemaIdentity adds users and their inline policies, and gives every access key the user
// it belongs to (” for the account's root, which every existing key belongs to).
//
// User names are unique per account without regard to ASCII case, as IAM's are: a unique
// index on lower(name) enforces it (lower of a "C"-collated text folds ASCII letters only;
// user names are ASCII), and every lookup by user name compares lower() of both sides, on
// that index or on user_policies_user. Names are stored as created, and user_policies
// refers to its user by that stored name.
const schemaIdentity = `
CREATE TABLE IF NOT EXISTS users (
	account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts (id),
	name       TEXT COLLATE "C" NOT NULL,
	created_ms BIGINT NOT NULL,
	PRIMARY KEY (account_id, name)
);
CREATE UNIQUE INDEX IF NOT EXISTS users_name_folded ON users (account_id, lower(name));

CREATE TABLE IF NOT EXISTS user_policies (
	account_id  TEXT COLLATE "C" NOT NULL,
	user_name   TEXT COLLATE "C" NOT NULL,
	policy_name TEXT COLLATE "C" NOT NULL,
	document    TEXT   NOT NULL,
	created_ms  BIGINT NOT NULL,
	updated_ms  BIGINT NOT NULL,
	PRIMARY KEY (account_id, user_name, policy_name),
	FOREIGN KEY (account_id, user_name) REFERENCES users (account_id, name)
);
CREATE INDEX IF NOT EXISTS user_policies_user ON user_policies (account_id, lower(user_name), policy_name);

ALTER TABLE access_keys ADD COLUMN IF NOT EXISTS user_name TEXT COLLATE "C" NOT NULL DEFAULT '';
-- ListAccessKeys.
CREATE INDEX IF NOT EXISTS access_keys_account_created ON access_keys (account_id, created_ms, id);
`

const (
	selectAccounts = `SELECT id, created_ms FROM accounts ORDER BY id`
	deleteAccount  = `DELETE FROM accounts WHERE id = $1`

	// insertUser writes the user only when its account exists, so that neither a taken
	// name nor an absent account aborts the transaction; accountExists tells them apart.
	insertUser = `INSERT INTO users (account_id, name, created_ms)
	SELECT $1::text, $2::text, $3::bigint WHERE EXISTS (SELECT 1 FROM accounts WHERE id = $1)
	ON CONFLICT DO NOTHING`
	selectUser  = `SELECT account_id, name, created_ms FROM users WHERE account_id = $1 AND lower(name) = lower($2)`
	selectUsers = `SELECT account_id, name, created_ms FROM users WHERE account_id = $1 ORDER BY lower(name)`
	deleteUser  = `DELETE FROM users WHERE account_id = $1 AND lower(name) = lower($2)`

	accessKeyColumns = `id, account_id, user_name, sealed_secret, created_ms`
	selectAccessKeys = `SELECT ` + accessKeyColumns + ` FROM access_keys WHERE account_id = $1 ORDER BY created_ms, id`
	deleteAccessKey  = `DELETE FROM access_keys WHERE id = $1`

	userPolicyColumns = `account_id, user_name, policy_name, document, created_ms, updated_ms`
	// upsertUserPolicy writes under the user's stored name, and nothing when there is no
	// such user, which would otherwise abort the transaction on the foreign key.
	upsertUserPolicy = `INSERT INTO user_policies (` + userPolicyColumns + `)
	SELECT u.account_id, u.name, $3::text, $4::text, $5::bigint, $6::bigint FROM users AS u
	WHERE u.account_id = $1 AND lower(u.name) = lower($2)
	ON CONFLICT (account_id, user_name, policy_name) DO UPDATE SET document = EXCLUDED.document, updated_ms = EXCLUDED.updated_ms`
	selectUserPolicy = `SELECT ` + userPolicyColumns + ` FROM user_policies
	WHERE account_id = $1 AND lower(user_name) = lower($2) AND policy_name = $3`
	selectUserPolicies = `SELECT ` + userPolicyColumns + ` FROM user_policies
	WHERE account_id = $1 AND lower(user_name) = lower($2) ORDER BY policy_name`
	deleteUserPolicy = `DELETE FROM user_policies WHERE account_id = $1 AND lower(user_name) = lower($2) AND policy_name = $3`
)
