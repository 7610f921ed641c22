package postgres

import "github.com/iotcertd/iotcertd/internal/iot"

// Every statement the store runs is in this file or in a sql_*.go file beside it.
//
// The schema mirrors the SQLite store's so that both keep the same values: times are BIGINT
// Unix milliseconds (optional times NULL when zero), transfer_target is NULL when no
// transfer is pending (so that the partial indexes on it hold pending records only), and
// every other text column is NOT NULL with '' for an empty value.
//
// Every text column that is compared or ordered uses the "C" collation: listings order by
// byte value, as SQLite's BINARY collation and Go's strings.Compare do, whatever the
// database's default collation is (a locale collation would, for one, ignore punctuation).
//
// Inserts use ON CONFLICT DO NOTHING and report a refused row by the count of rows they
// wrote: a statement that fails aborts a PostgreSQL transaction, and the domain may go on
// after a refused insert (AttachPolicy of an attachment that exists succeeds), as it may
// with SQLite, where a failed statement undoes only itself.

// migrations returns the schema changes in order; migration i brings the schema to version
// i+1. Each runs once, in the transaction that records it in schema_version, under an
// advisory lock, and is written with IF NOT EXISTS so that it is harmless to run again.
func migrations() []string {
	return []string{schemaV1, schemaIdentity, schemaCA, schemaCertificateIDIndex}
}

// schemaCertificateIDIndex replaces the two indexes of schemaV1 on a certificate's region,
// ID and owner (one unique, in owner order, one for CertificatesByID, in ID order) with one
// unique index in ID order, which does both, so that each inserted record writes one index
// entry fewer. The new index is built before the old ones go, in the migration's
// transaction: uniqueness holds throughout, and writers wait for the build.
const schemaCertificateIDIndex = `
-- One record of a certificate per account of a region; CertificatesByID, in owner order.
CREATE UNIQUE INDEX IF NOT EXISTS certificates_id_owner ON certificates (region, cert_id, owner);
DROP INDEX IF EXISTS certificates_owner_id;
DROP INDEX IF EXISTS certificates_id;
`

const createSchemaVersion = `CREATE TABLE IF NOT EXISTS schema_version (
	version    INTEGER PRIMARY KEY,
	applied_ms BIGINT  NOT NULL
)`

const (
	// lockMigrations serialises the migrations of one schema across every node and admin
	// command; the lock is released when the migration transaction ends.
	lockMigrations      = `SELECT pg_advisory_xact_lock($1)`
	selectSchemaVersion = `SELECT COALESCE(MAX(version), 0) FROM schema_version`
	insertSchemaVersion = `INSERT INTO schema_version (version, applied_ms) VALUES ($1, $2)`
)

const schemaV1 = `
CREATE TABLE IF NOT EXISTS certificates (
	record_id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
	region            TEXT COLLATE "C" NOT NULL,
	cert_id           TEXT COLLATE "C" NOT NULL,
	owner             TEXT COLLATE "C" NOT NULL,
	previous_owner    TEXT   NOT NULL,
	status            TEXT   NOT NULL,
	mode              TEXT   NOT NULL,
	pem               TEXT   NOT NULL,
	ca_certificate_id TEXT   NOT NULL,
	created_ms        BIGINT NOT NULL,
	last_modified_ms  BIGINT,
	customer_version  BIGINT NOT NULL,
	generation_id     TEXT   NOT NULL,
	not_before_ms     BIGINT,
	not_after_ms      BIGINT,
	transfer_target   TEXT COLLATE "C",
	transfer_message  TEXT   NOT NULL,
	reject_reason     TEXT   NOT NULL,
	transfer_date_ms  BIGINT,
	accept_date_ms    BIGINT,
	reject_date_ms    BIGINT,
	version           BIGINT NOT NULL
);
-- One record of a certificate per account of a region.
CREATE UNIQUE INDEX IF NOT EXISTS certificates_owner_id ON certificates (region, owner, cert_id);
-- A DEFAULT-mode certificate exists once per region.
CREATE UNIQUE INDEX IF NOT EXISTS certificates_default_id ON certificates (region, cert_id) WHERE mode = 'DEFAULT';
-- CertificatesByID, in owner order (the partial index above serves DEFAULT records only).
CREATE INDEX IF NOT EXISTS certificates_id ON certificates (region, cert_id, owner);
-- ListCertificates, owned branch.
CREATE INDEX IF NOT EXISTS certificates_owner_list ON certificates (owner, region, created_ms, cert_id);
-- ListCertificates, pending-to-me branch.
CREATE INDEX IF NOT EXISTS certificates_target_list ON certificates (transfer_target, region, created_ms, cert_id)
	WHERE transfer_target IS NOT NULL;
-- ListOutgoingCertificates.
CREATE INDEX IF NOT EXISTS certificates_outgoing_list ON certificates (owner, region, created_ms, cert_id)
	WHERE transfer_target IS NOT NULL;

CREATE TABLE IF NOT EXISTS policies (
	region             TEXT COLLATE "C" NOT NULL,
	account            TEXT COLLATE "C" NOT NULL,
	name               TEXT COLLATE "C" NOT NULL,
	document           TEXT   NOT NULL,
	default_version_id TEXT   NOT NULL,
	created_ms         BIGINT NOT NULL,
	last_modified_ms   BIGINT,
	generation_id      TEXT   NOT NULL,
	last_version_id    BIGINT NOT NULL,
	PRIMARY KEY (region, account, name)
);
-- ListPolicies.
CREATE INDEX IF NOT EXISTS policies_created ON policies (region, account, created_ms, name);

CREATE TABLE IF NOT EXISTS policy_versions (
	region      TEXT COLLATE "C" NOT NULL,
	account     TEXT COLLATE "C" NOT NULL,
	policy_name TEXT COLLATE "C" NOT NULL,
	version_id  BIGINT NOT NULL,
	document    TEXT   NOT NULL,
	created_ms  BIGINT NOT NULL,
	PRIMARY KEY (region, account, policy_name, version_id)
);

CREATE TABLE IF NOT EXISTS policy_targets (
	region      TEXT COLLATE "C" NOT NULL,
	account     TEXT COLLATE "C" NOT NULL,
	policy_name TEXT COLLATE "C" NOT NULL,
	target      TEXT COLLATE "C" NOT NULL,
	created_ms  BIGINT NOT NULL,
	PRIMARY KEY (region, account, policy_name, target)
);
CREATE INDEX IF NOT EXISTS policy_targets_target ON policy_targets (region, account, target, policy_name);

CREATE TABLE IF NOT EXISTS things (
	region             TEXT COLLATE "C" NOT NULL,
	account            TEXT COLLATE "C" NOT NULL,
	name               TEXT COLLATE "C" NOT NULL,
	thing_id           TEXT   NOT NULL,
	type_name          TEXT   NOT NULL,
	billing_group_name TEXT   NOT NULL,
	attributes         TEXT   NOT NULL,
	version            BIGINT NOT NULL,
	created_ms         BIGINT NOT NULL,
	PRIMARY KEY (region, account, name)
);

CREATE TABLE IF NOT EXISTS thing_principals (
	region     TEXT COLLATE "C" NOT NULL,
	account    TEXT COLLATE "C" NOT NULL,
	thing_name TEXT COLLATE "C" NOT NULL,
	principal  TEXT COLLATE "C" NOT NULL,
	type       TEXT   NOT NULL,
	created_ms BIGINT NOT NULL,
	PRIMARY KEY (region, account, thing_name, principal)
);
-- PrincipalThings.
CREATE INDEX IF NOT EXISTS thing_principals_principal ON thing_principals (region, account, principal, thing_name);

CREATE TABLE IF NOT EXISTS accounts (
	id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
	created_ms BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS access_keys (
	id            TEXT COLLATE "C" NOT NULL PRIMARY KEY,
	account_id    TEXT COLLATE "C" NOT NULL REFERENCES accounts (id),
	sealed_secret BYTEA  NOT NULL,
	created_ms    BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS access_keys_account ON access_keys (account_id);

CREATE TABLE IF NOT EXISTS tags (
	region       TEXT COLLATE "C" NOT NULL,
	account      TEXT COLLATE "C" NOT NULL,
	resource_arn TEXT COLLATE "C" NOT NULL,
	tag_key      TEXT COLLATE "C" NOT NULL,
	tag_value    TEXT NOT NULL,
	PRIMARY KEY (region, account, resource_arn, tag_key)
);

CREATE TABLE IF NOT EXISTS settings (
	name  TEXT COLLATE "C" NOT NULL PRIMARY KEY,
	value BYTEA NOT NULL
);
`

// Certificates. The column list is written once; certificateArgs and scanCertificate follow
// its order.
const (
	certificateColumns = `record_id, region, cert_id, owner, previous_owner, status, mode, pem,
	ca_certificate_id, created_ms, last_modified_ms, customer_version, generation_id,
	not_before_ms, not_after_ms, transfer_target, transfer_message, reject_reason,
	transfer_date_ms, accept_date_ms, reject_date_ms, version`
	certificateValues = `$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22`

	insertCertificate = `INSERT INTO certificates (` + certificateColumns + `) VALUES (` + certificateValues + `)
	ON CONFLICT DO NOTHING`
	// updateCertificate replaces every column (record_id with itself) when the stored
	// version is the one the caller read: the arguments are certificateArgs with the next
	// version, then record_id and the expected version. It may still fail with a unique
	// violation (a change of owner to an account that holds the certificate): ON CONFLICT
	// is for inserts only.
	updateCertificate = `UPDATE certificates SET (` + certificateColumns + `) = (` + certificateValues + `)
	WHERE record_id = $23 AND version = $24`
	deleteCertificate      = `DELETE FROM certificates WHERE record_id = $1 AND version = $2`
	certificateExists      = `SELECT 1 FROM certificates WHERE record_id = $1`
	selectCertificatesByID = `SELECT ` + certificateColumns + ` FROM certificates WHERE region = $1 AND cert_id = $2 ORDER BY owner`

	// certificateSummaryColumns are the columns a listing shows (iot.CertificateSummary),
	// in the order scanCertificateSummary reads them.
	certificateSummaryColumns = `record_id, region, cert_id, owner, status, mode, created_ms,
	transfer_target, transfer_message, transfer_date_ms`
)

// listCertificatesSQL returns the ListCertificates query for an order, with or without a
// keyset position. Arguments ($1, $2, ... in listCertificatesArgs's order): the account,
// the region, the position's created_ms and cert_id when there is one, then the limit.
//
// The page is the union of two index range scans, each cut at the limit: the certificates
// the account owns (certificates_owner_list) and those pending transfer to it
// (certificates_target_list). The row comparison on (created_ms, cert_id) is a condition
// of both indexes, so each scan starts at the position and reads at most the limit; at
// most twice the limit rows are merged. A record both owned by and pending to the account
// would be the same record twice, so the second branch leaves out what the first returns.
func listCertificatesSQL(order iot.Order, after bool) string {
	position, orderBy, lim := listClauses(order, after)
	return `SELECT ` + certificateSummaryColumns + ` FROM (
	(SELECT ` + certificateSummaryColumns + ` FROM certificates
		WHERE owner = $1 AND region = $2` + position + orderBy + lim + `)
	UNION ALL
	(SELECT ` + certificateSummaryColumns + ` FROM certificates
		WHERE transfer_target = $1 AND region = $2 AND owner <> $1` + position + orderBy + lim + `)
) AS page` + orderBy + lim
}

// listOutgoingCertificatesSQL returns the ListOutgoingCertificates query, with the
// arguments of listCertificatesSQL; it reads certificates_outgoing_list.
func listOutgoingCertificatesSQL(order iot.Order, after bool) string {
	position, orderBy, lim := listClauses(order, after)
	return `SELECT ` + certificateSummaryColumns + ` FROM certificates
	WHERE owner = $1 AND region = $2 AND transfer_target IS NOT NULL` + position + orderBy + lim
}

// listClauses returns the keyset condition, the ORDER BY and the LIMIT of a certificate
// listing. PostgreSQL must infer the type of every parameter up to the highest, so the
// limit is $3 without a position and $5 with one.
func listClauses(order iot.Order, after bool) (position, orderBy, lim string) {
	cmp, dir := keyset(order)
	lim = ` LIMIT $3`
	if after {
		position = ` AND (created_ms, cert_id) ` + cmp + ` ($3, $4)`
		lim = ` LIMIT $5`
	}
	return position, ` ORDER BY created_ms ` + dir + `, cert_id ` + dir, lim
}

// keyset returns the comparison that selects rows after a position, and the sort direction.
func keyset(order iot.Order) (cmp, dir string) {
	if order == iot.Ascending {
		return ">", "ASC"
	}
	return "<", "DESC"
}

// Policies and their attachments.
const (
	policyColumns = `region, account, name, document, default_version_id, created_ms,
	last_modified_ms, generation_id, last_version_id`

	insertPolicy = `INSERT INTO policies (` + policyColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
	ON CONFLICT DO NOTHING`
	selectPolicy = `SELECT ` + policyColumns + ` FROM policies WHERE region = $1 AND account = $2 AND name = $3`
	deletePolicy = `DELETE FROM policies WHERE region = $1 AND account = $2 AND name = $3`
	// selectPoliciesForTarget pages through the attachments of a target by policy name in
	// policy_targets_target, then reads each policy by its key.
	selectPoliciesForTarget = `SELECT ` + policyColumns + ` FROM policies
	WHERE (region, account, name) IN (
		SELECT region, account, policy_name FROM policy_targets
		WHERE region = $1 AND account = $2 AND target = $3 AND policy_name > $4
		ORDER BY policy_name LIMIT $5)
	ORDER BY name`
	countPolicyTargets  = `SELECT COUNT(*) FROM policy_targets WHERE region = $1 AND account = $2 AND policy_name = $3`
	countTargetPolicies = `SELECT COUNT(*) FROM policy_targets WHERE region = $1 AND account = $2 AND target = $3`
	insertPolicyTarget  = `INSERT INTO policy_targets (region, account, policy_name, target, created_ms)
	VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`
	deletePolicyTarget = `DELETE FROM policy_targets
	WHERE region = $1 AND account = $2 AND policy_name = $3 AND target = $4`
	deleteTargetPolicies = `DELETE FROM policy_targets WHERE region = $1 AND account = $2 AND target = $3`
)

// Things and their principals.
const (
	thingColumns = `region, account, name, thing_id, type_name, billing_group_name, attributes,
	version, created_ms`

	insertThing = `INSERT INTO things (` + thingColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
	ON CONFLICT DO NOTHING`
	selectThing = `SELECT ` + thingColumns + ` FROM things WHERE region = $1 AND account = $2 AND name = $3`
	deleteThing = `DELETE FROM things WHERE region = $1 AND account = $2 AND name = $3 AND version = $4`
	thingExists = `SELECT 1 FROM things WHERE region = $1 AND account = $2 AND name = $3`

	thingPrincipalColumns = `region, account, thing_name, principal, type, created_ms`

	insertThingPrincipal = `INSERT INTO thing_principals (` + thingPrincipalColumns + `) VALUES ($1, $2, $3, $4, $5, $6)
	ON CONFLICT DO NOTHING`
	deleteThingPrincipal = `DELETE FROM thing_principals
	WHERE region = $1 AND account = $2 AND thing_name = $3 AND principal = $4`
	selectThingPrincipals = `SELECT ` + thingPrincipalColumns + ` FROM thing_principals
	WHERE region = $1 AND account = $2 AND thing_name = $3 AND principal > $4
	ORDER BY principal LIMIT $5`
	selectPrincipalThings = `SELECT ` + thingPrincipalColumns + ` FROM thing_principals
	WHERE region = $1 AND account = $2 AND principal = $3 AND thing_name > $4
	ORDER BY thing_name LIMIT $5`
)

// Accounts, access keys and settings.
const (
	insertAccount = `INSERT INTO accounts (id, created_ms) VALUES ($1, $2) ON CONFLICT DO NOTHING`
	selectAccount = `SELECT id, created_ms FROM accounts WHERE id = $1`
	countAccounts = `SELECT COUNT(*) FROM accounts`
	// insertAccessKey writes the key only when its account exists, so that neither a taken
	// ID nor an absent account aborts the transaction; accountExists tells them apart.
	insertAccessKey = `INSERT INTO access_keys (` + accessKeyColumns + `)
	SELECT $1::text, $2::text, $3::text, $4::bytea, $5::bigint WHERE EXISTS (SELECT 1 FROM accounts WHERE id = $2)
	ON CONFLICT DO NOTHING`
	accountExists   = `SELECT 1 FROM accounts WHERE id = $1`
	selectAccessKey = `SELECT ` + accessKeyColumns + ` FROM access_keys WHERE id = $1`
	insertSetting   = `INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING`
	selectSetting   = `SELECT value FROM settings WHERE name = $1`
)

// deleteRegistryData lists the registry tables, attachments first. DELETE rather than
// TRUNCATE: TRUNCATE is not MVCC-safe, so a concurrent transaction with an older snapshot
// would see the tables empty.
func deleteRegistryData() []string {
	return []string{
		`DELETE FROM thing_principals`, `DELETE FROM policy_targets`, `DELETE FROM things`,
		`DELETE FROM tags`, `DELETE FROM policy_versions`, `DELETE FROM policies`, `DELETE FROM certificates`,
		`DELETE FROM ca_certificates`, `DELETE FROM registration_codes`,
	}
}
