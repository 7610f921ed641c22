package sqlite

import "github.com/iotcertd/iotcertd/internal/iot"

// Every statement the store runs is in this file or in a sql_*.go file beside it.
//
// Times are INTEGER Unix milliseconds. Optional times are NULL when zero; transfer_target is
// NULL when no transfer is pending, so that the partial indexes on it hold pending records
// only. Every other text column is NOT NULL, with '' for an empty value.

// migrations returns the schema changes in order; migration i brings the schema to version
// i+1. Each runs once, in the transaction that records it in schema_version, and is written
// with IF NOT EXISTS so that it is harmless to run again. A function rather than a variable,
// so that the package holds no mutable state.
func migrations() []string {
	return []string{schemaV1, schemaCA, schemaPolicyVersionsTags, schemaIdentity, schemaCertificateIDIndex}
}

// schemaCertificateIDIndex replaces the two indexes of schemaV1 on a certificate's region,
// ID and owner (one unique, in owner order, one for CertificatesByID, in ID order) with one
// unique index in ID order, which does both: every inserted certificate record cost a write
// to each, at a random place, so each insert dirtied one page fewer after the change.
// On an existing file the migration builds the new index once: about 5.5 s for a million
// certificates on the benchmark machine (BENCHMARKS.md).
const schemaCertificateIDIndex = `
DROP INDEX IF EXISTS certificates_owner_id;
DROP INDEX IF EXISTS certificates_id;
-- One record of a certificate per account of a region; CertificatesByID, in owner order.
CREATE UNIQUE INDEX IF NOT EXISTS certificates_id_owner ON certificates (region, cert_id, owner);
`

const createSchemaVersion = `CREATE TABLE IF NOT EXISTS schema_version (
	version    INTEGER PRIMARY KEY,
	applied_ms INTEGER NOT NULL
) STRICT`

const (
	selectSchemaVersion = `SELECT COALESCE(MAX(version), 0) FROM schema_version`
	insertSchemaVersion = `INSERT INTO schema_version (version, applied_ms) VALUES (?, ?)`
)

const schemaV1 = `
CREATE TABLE IF NOT EXISTS certificates (
	record_id         TEXT    NOT NULL PRIMARY KEY,
	region            TEXT    NOT NULL,
	cert_id           TEXT    NOT NULL,
	owner             TEXT    NOT NULL,
	previous_owner    TEXT    NOT NULL,
	status            TEXT    NOT NULL,
	mode              TEXT    NOT NULL,
	pem               TEXT    NOT NULL,
	ca_certificate_id TEXT    NOT NULL,
	created_ms        INTEGER NOT NULL,
	last_modified_ms  INTEGER,
	customer_version  INTEGER NOT NULL,
	generation_id     TEXT    NOT NULL,
	not_before_ms     INTEGER,
	not_after_ms      INTEGER,
	transfer_target   TEXT,
	transfer_message  TEXT    NOT NULL,
	reject_reason     TEXT    NOT NULL,
	transfer_date_ms  INTEGER,
	accept_date_ms    INTEGER,
	reject_date_ms    INTEGER,
	version           INTEGER NOT NULL
) STRICT;
-- One record of a certificate per account of a region.
CREATE UNIQUE INDEX IF NOT EXISTS certificates_owner_id ON certificates (region, owner, cert_id);
-- A DEFAULT-mode certificate exists once per region.
CREATE UNIQUE INDEX IF NOT EXISTS certificates_default_id ON certificates (region, cert_id) WHERE mode = 'DEFAULT';
-- CertificatesByID, in owner order (the partial index above serves DEFAULT records only).
CREATE INDEX IF NOT EXISTS certificates_id ON certificates (region, cert_id, owner);
-- ListCertificates, owned branch.
CREATE INDEX IF NOT EXISTS certificates_owner_list ON certificates (owner, region, created_ms, cert_id);
-- ListCertificates, pending-to-me branch.
CREATE INDEX IF NOT EXISTS certificates_target_list ON certificates (transfer_target, region, created_ms, cert_id, owner)
	WHERE transfer_target IS NOT NULL;
-- ListOutgoingCertificates.
CREATE INDEX IF NOT EXISTS certificates_outgoing_list ON certificates (owner, region, created_ms, cert_id)
	WHERE transfer_target IS NOT NULL;

CREATE TABLE IF NOT EXISTS policies (
	region             TEXT    NOT NULL,
	account            TEXT    NOT NULL,
	name               TEXT    NOT NULL,
	document           TEXT    NOT NULL,
	default_version_id TEXT    NOT NULL,
	created_ms         INTEGER NOT NULL,
	last_modified_ms   INTEGER,
	generation_id      TEXT    NOT NULL,
	tags               TEXT    NOT NULL,
	PRIMARY KEY (region, account, name)
) STRICT;

CREATE TABLE IF NOT EXISTS policy_targets (
	region      TEXT    NOT NULL,
	account     TEXT    NOT NULL,
	policy_name TEXT    NOT NULL,
	target      TEXT    NOT NULL,
	created_ms  INTEGER NOT NULL,
	PRIMARY KEY (region, account, policy_name, target)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS policy_targets_target ON policy_targets (region, account, target, policy_name);

CREATE TABLE IF NOT EXISTS things (
	region             TEXT    NOT NULL,
	account            TEXT    NOT NULL,
	name               TEXT    NOT NULL,
	thing_id           TEXT    NOT NULL,
	type_name          TEXT    NOT NULL,
	billing_group_name TEXT    NOT NULL,
	attributes         TEXT    NOT NULL,
	version            INTEGER NOT NULL,
	created_ms         INTEGER NOT NULL,
	PRIMARY KEY (region, account, name)
) STRICT;

CREATE TABLE IF NOT EXISTS thing_principals (
	region     TEXT    NOT NULL,
	account    TEXT    NOT NULL,
	thing_name TEXT    NOT NULL,
	principal  TEXT    NOT NULL,
	type       TEXT    NOT NULL,
	created_ms INTEGER NOT NULL,
	PRIMARY KEY (region, account, thing_name, principal)
) STRICT, WITHOUT ROWID;
-- PrincipalThings. Covering: without it the planner prefers a range of the primary key.
CREATE INDEX IF NOT EXISTS thing_principals_principal ON thing_principals (region, account, principal, thing_name, type, created_ms);

CREATE TABLE IF NOT EXISTS accounts (
	id         TEXT    NOT NULL PRIMARY KEY,
	created_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS access_keys (
	id            TEXT    NOT NULL PRIMARY KEY,
	account_id    TEXT    NOT NULL REFERENCES accounts (id),
	sealed_secret BLOB    NOT NULL,
	created_ms    INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS access_keys_account ON access_keys (account_id);

CREATE TABLE IF NOT EXISTS settings (
	name  TEXT NOT NULL PRIMARY KEY,
	value BLOB NOT NULL
) STRICT;
`

// statements returns every statement the store prepares when it opens.
func statements() []string {
	qs := []string{
		insertCertificate, updateCertificate, updateCertificateState, deleteCertificate, certificateExists, selectCertificatesByID,
		insertPolicy, selectPolicy, deletePolicy, selectPoliciesForTarget, countPolicyTargets,
		countTargetPolicies, insertPolicyTarget, deletePolicyTarget, deleteTargetPolicies,
		insertThing, selectThing, deleteThing, thingExists, insertThingPrincipal, deleteThingPrincipal,
		selectThingPrincipals, selectPrincipalThings,
		insertAccount, selectAccount, countAccounts, insertAccessKey, selectAccessKey, insertSetting, selectSetting,
	}
	qs = append(qs, caStatements()...)
	qs = append(qs, policyTagStatements()...)
	qs = append(qs, identityStatements()...)
	for _, order := range []iot.Order{iot.Descending, iot.Ascending} {
		for _, after := range []bool{false, true} {
			qs = append(qs, listCertificatesSQL(order, after), listOutgoingCertificatesSQL(order, after))
		}
	}
	return qs
}

// Certificates. The column list is written once; certificateArgs and scanCertificate follow
// its order.
const (
	certificateColumns = `record_id, region, cert_id, owner, previous_owner, status, mode, pem,
	ca_certificate_id, created_ms, last_modified_ms, customer_version, generation_id,
	not_before_ms, not_after_ms, transfer_target, transfer_message, reject_reason,
	transfer_date_ms, accept_date_ms, reject_date_ms, version`
	certificateValues = `?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?`

	insertCertificate = `INSERT INTO certificates (` + certificateColumns + `) VALUES (` + certificateValues + `)`
	// updateCertificate replaces every column (record_id with itself) when the stored
	// version is the one the caller read: the arguments are certificateArgs with the next
	// version, then record_id and the expected version.
	updateCertificate = `UPDATE certificates SET (` + certificateColumns + `) = (` + certificateValues + `)
	WHERE record_id = ? AND version = ?`
	// updateCertificateState is updateCertificate for the common change that leaves every
	// column an index reads (region, cert_id, owner, mode, created_ms, transfer_target,
	// ca_certificate_id) as it is: SQLite then updates no index, only the row
	// (TestUpdateCertificateStateTouchesNoIndex keeps the SET list off every index). The
	// WHERE clause requires those columns to hold c's values already, so that when it
	// changes a row the result is the one updateCertificate gives. Arguments: the SET values
	// in order (with the next version), record_id, the expected version, then region,
	// cert_id, owner, mode, created_ms, transfer_target and ca_certificate_id.
	updateCertificateState = `UPDATE certificates SET previous_owner = ?, status = ?, pem = ?,
	last_modified_ms = ?, customer_version = ?, generation_id = ?,
	not_before_ms = ?, not_after_ms = ?, transfer_message = ?, reject_reason = ?,
	transfer_date_ms = ?, accept_date_ms = ?, reject_date_ms = ?, version = ?
	WHERE record_id = ? AND version = ? AND region = ? AND cert_id = ? AND owner = ? AND mode = ?
	AND created_ms = ? AND transfer_target IS ? AND ca_certificate_id = ?`
	deleteCertificate      = `DELETE FROM certificates WHERE record_id = ? AND version = ?`
	certificateExists      = `SELECT 1 FROM certificates WHERE record_id = ?`
	selectCertificatesByID = `SELECT ` + certificateColumns + ` FROM certificates WHERE region = ? AND cert_id = ? ORDER BY owner`

	// certificateSummaryColumns are the columns a listing shows (iot.CertificateSummary),
	// in the order scanCertificateSummary reads them: a page reads these, not every column.
	certificateSummaryColumns = `record_id, region, cert_id, owner, status, mode, created_ms,
	transfer_target, transfer_message, transfer_date_ms`
	selectSummariesOwned = `SELECT ` + certificateSummaryColumns + ` FROM certificates WHERE owner = ?1 AND region = ?2`
)

// listCertificatesSQL returns the ListCertificates query for an order, with or without a
// keyset position. Arguments: ?1 account, ?2 region, ?3 after created_ms, ?4 after cert_id,
// ?5 limit (without a position, ?3 and ?4 are bound but unused).
//
// The page is taken from the union of two range scans of covering indexes, each cut at the
// limit: the certificates the account owns (certificates_owner_list) and those pending
// transfer to it (certificates_target_list). Only the rowids of at most twice the limit come
// out of them; those rows are read by rowid and sorted once. (Merging the two scans in the
// union instead made SQLite sort each of them again before the merge, which cost about a
// quarter more per page in BenchmarkListCertificates.) A record both owned by and pending to
// the account would be the same record twice, so the second branch leaves out what the
// first already returns.
func listCertificatesSQL(order iot.Order, after bool) string {
	cmp, dir := keyset(order)
	position := ""
	if after {
		position = ` AND (created_ms, cert_id) ` + cmp + ` (?3, ?4)`
	}
	orderBy := ` ORDER BY created_ms ` + dir + `, cert_id ` + dir
	return `SELECT ` + certificateSummaryColumns + ` FROM certificates WHERE rowid IN (
	SELECT rowid FROM (
		SELECT rowid FROM certificates
		WHERE owner = ?1 AND region = ?2` + position + orderBy + ` LIMIT ?5)
	UNION ALL
	SELECT rowid FROM (
		SELECT rowid FROM certificates
		WHERE transfer_target = ?1 AND region = ?2 AND owner <> ?1` + position + orderBy + ` LIMIT ?5))` +
		orderBy + ` LIMIT ?5`
}

// listOutgoingCertificatesSQL returns the ListOutgoingCertificates query, with the
// arguments of listCertificatesSQL; it reads certificates_outgoing_list.
func listOutgoingCertificatesSQL(order iot.Order, after bool) string {
	cmp, dir := keyset(order)
	position := ""
	if after {
		position = ` AND (created_ms, cert_id) ` + cmp + ` (?3, ?4)`
	}
	return selectSummariesOwned + ` AND transfer_target IS NOT NULL` + position +
		` ORDER BY created_ms ` + dir + `, cert_id ` + dir + ` LIMIT ?5`
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
	policyValues = `?, ?, ?, ?, ?, ?, ?, ?, ?`

	insertPolicy = `INSERT INTO policies (` + policyColumns + `) VALUES (` + policyValues + `)`
	selectPolicy = `SELECT ` + policyColumns + ` FROM policies WHERE region = ? AND account = ? AND name = ?`
	deletePolicy = `DELETE FROM policies WHERE region = ? AND account = ? AND name = ?`
	// selectPoliciesForTarget pages through the attachments of a target by policy name in
	// policy_targets_target, then reads each policy by its key.
	selectPoliciesForTarget = `SELECT ` + policyColumns + ` FROM policies
	WHERE (region, account, name) IN (
		SELECT region, account, policy_name FROM policy_targets
		WHERE region = ? AND account = ? AND target = ? AND policy_name > ?
		ORDER BY policy_name LIMIT ?)
	ORDER BY name`
	countPolicyTargets  = `SELECT COUNT(*) FROM policy_targets WHERE region = ? AND account = ? AND policy_name = ?`
	countTargetPolicies = `SELECT COUNT(*) FROM policy_targets WHERE region = ? AND account = ? AND target = ?`
	insertPolicyTarget  = `INSERT INTO policy_targets (region, account, policy_name, target, created_ms)
	VALUES (?, ?, ?, ?, ?)`
	deletePolicyTarget = `DELETE FROM policy_targets
	WHERE region = ? AND account = ? AND policy_name = ? AND target = ?`
	deleteTargetPolicies = `DELETE FROM policy_targets WHERE region = ? AND account = ? AND target = ?`
)

// Things and their principals.
const (
	thingColumns = `region, account, name, thing_id, type_name, billing_group_name, attributes,
	version, created_ms`
	thingValues = `?, ?, ?, ?, ?, ?, ?, ?, ?`

	insertThing = `INSERT INTO things (` + thingColumns + `) VALUES (` + thingValues + `)`
	selectThing = `SELECT ` + thingColumns + ` FROM things WHERE region = ? AND account = ? AND name = ?`
	deleteThing = `DELETE FROM things WHERE region = ? AND account = ? AND name = ? AND version = ?`
	thingExists = `SELECT 1 FROM things WHERE region = ? AND account = ? AND name = ?`

	thingPrincipalColumns = `region, account, thing_name, principal, type, created_ms`
	thingPrincipalValues  = `?, ?, ?, ?, ?, ?`

	insertThingPrincipal = `INSERT INTO thing_principals (` + thingPrincipalColumns + `) VALUES (` + thingPrincipalValues + `)`
	deleteThingPrincipal = `DELETE FROM thing_principals
	WHERE region = ? AND account = ? AND thing_name = ? AND principal = ?`
	selectThingPrincipals = `SELECT ` + thingPrincipalColumns + ` FROM thing_principals
	WHERE region = ? AND account = ? AND thing_name = ? AND principal > ?
	ORDER BY principal LIMIT ?`
	selectPrincipalThings = `SELECT ` + thingPrincipalColumns + ` FROM thing_principals
	WHERE region = ? AND account = ? AND principal = ? AND thing_name > ?
	ORDER BY thing_name LIMIT ?`
)

// Accounts, access keys and settings.
const (
	insertAccount   = `INSERT INTO accounts (id, created_ms) VALUES (?, ?)`
	selectAccount   = `SELECT id, created_ms FROM accounts WHERE id = ?`
	countAccounts   = `SELECT COUNT(*) FROM accounts`
	insertAccessKey = `INSERT INTO access_keys (` + accessKeyColumns + `) VALUES (?, ?, ?, ?, ?)`
	selectAccessKey = `SELECT ` + accessKeyColumns + ` FROM access_keys WHERE id = ?`
	insertSetting   = `INSERT INTO settings (name, value) VALUES (?, ?)`
	// deleteRegistryData lists the registry tables, attachments first.
	deleteRegistryData = `DELETE FROM thing_principals; DELETE FROM policy_targets; DELETE FROM things;
DELETE FROM tags; DELETE FROM policy_versions; DELETE FROM policies; DELETE FROM certificates; DELETE FROM ca_certificates; DELETE FROM registration_codes;`
	selectSetting = `SELECT value FROM settings WHERE name = ?`
)
