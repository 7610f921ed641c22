package sqlite

import "github.com/iotcertd/iotcertd/internal/iot"

// Statements of policy versions, policy and thing listings, thing updates and tags, kept
// beside sql.go, with the conventions written there.

// schemaPolicyVersionsTags adds policy versions and the tag store.
//
// Every existing policy gets its default version as a version record, and
// last_version_id, the highest version ID the policy has given. The tags that CreatePolicy
// kept in a JSON column of policies move to the tags table, under the policy's ARN (whose
// partition is iot.Partition, "aws"), and the column goes. ALTER TABLE cannot say IF NOT
// EXISTS; like every migration, this one runs once, in the transaction that records it.
const schemaPolicyVersionsTags = `
CREATE TABLE IF NOT EXISTS policy_versions (
	region      TEXT    NOT NULL,
	account     TEXT    NOT NULL,
	policy_name TEXT    NOT NULL,
	version_id  INTEGER NOT NULL,
	document    TEXT    NOT NULL,
	created_ms  INTEGER NOT NULL,
	PRIMARY KEY (region, account, policy_name, version_id)
) STRICT;
INSERT OR IGNORE INTO policy_versions (region, account, policy_name, version_id, document, created_ms)
	SELECT region, account, name, CAST(default_version_id AS INTEGER), document, created_ms FROM policies;
ALTER TABLE policies ADD COLUMN last_version_id INTEGER NOT NULL DEFAULT 1;
UPDATE policies SET last_version_id = CAST(default_version_id AS INTEGER);
-- ListPolicies.
CREATE INDEX IF NOT EXISTS policies_created ON policies (region, account, created_ms, name);

CREATE TABLE IF NOT EXISTS tags (
	region       TEXT NOT NULL,
	account      TEXT NOT NULL,
	resource_arn TEXT NOT NULL,
	tag_key      TEXT NOT NULL,
	tag_value    TEXT NOT NULL,
	PRIMARY KEY (region, account, resource_arn, tag_key)
) STRICT, WITHOUT ROWID;
INSERT OR IGNORE INTO tags (region, account, resource_arn, tag_key, tag_value)
	SELECT p.region, p.account, 'arn:aws:iot:' || p.region || ':' || p.account || ':policy/' || p.name,
		json_extract(t.value, '$.Key'), COALESCE(json_extract(t.value, '$.Value'), '')
	FROM policies AS p, json_each(p.tags) AS t;
ALTER TABLE policies DROP COLUMN tags;
`

// policyTagStatements returns the statements of this file that the store prepares.
func policyTagStatements() []string {
	qs := []string{
		updatePolicy, selectPolicyTargets, insertPolicyVersion, selectPolicyVersion, selectPolicyVersions,
		deletePolicyVersion, updateThing, listThings, selectTags, upsertTag, deleteTag, deleteResourceTags,
	}
	for _, order := range []iot.Order{iot.Descending, iot.Ascending} {
		for _, after := range []bool{false, true} {
			qs = append(qs, listPoliciesSQL(order, after))
		}
	}
	return qs
}

// Policies, their versions and their targets.
const (
	// updatePolicy replaces every column but the key: the arguments are policyArgs without
	// the first three (region, account, name), then region, account and name.
	updatePolicy = `UPDATE policies SET (document, default_version_id, created_ms, last_modified_ms,
	generation_id, last_version_id) = (?, ?, ?, ?, ?, ?)
	WHERE region = ? AND account = ? AND name = ?`

	selectPolicyTargets = `SELECT region, account, policy_name, target, created_ms FROM policy_targets
	WHERE region = ? AND account = ? AND policy_name = ? AND target > ?
	ORDER BY target LIMIT ?`

	policyVersionColumns = `region, account, policy_name, version_id, document, created_ms`
	insertPolicyVersion  = `INSERT INTO policy_versions (` + policyVersionColumns + `) VALUES (?, ?, ?, ?, ?, ?)`
	selectPolicyVersion  = `SELECT ` + policyVersionColumns + ` FROM policy_versions
	WHERE region = ? AND account = ? AND policy_name = ? AND version_id = ?`
	selectPolicyVersions = `SELECT ` + policyVersionColumns + ` FROM policy_versions
	WHERE region = ? AND account = ? AND policy_name = ?
	ORDER BY version_id LIMIT ?`
	deletePolicyVersion = `DELETE FROM policy_versions
	WHERE region = ? AND account = ? AND policy_name = ? AND version_id = ?`
)

// listPoliciesSQL returns the ListPolicies query for an order, with or without a keyset
// position, on policies_created. Arguments: ?1 region, ?2 account, ?3 after created_ms,
// ?4 after name, ?5 limit (without a position, ?3 and ?4 are bound but unused).
func listPoliciesSQL(order iot.Order, after bool) string {
	cmp, dir := keyset(order)
	position := ""
	if after {
		position = ` AND (created_ms, name) ` + cmp + ` (?3, ?4)`
	}
	return `SELECT ` + policyColumns + ` FROM policies WHERE region = ?1 AND account = ?2` + position +
		` ORDER BY created_ms ` + dir + `, name ` + dir + ` LIMIT ?5`
}

// Things.
const (
	// updateThing replaces every column but the key when the stored version is the one
	// the caller read: the arguments are thingArgs without the first three (region,
	// account, name) and with the next version, then region, account, name and the
	// expected version.
	updateThing = `UPDATE things SET (thing_id, type_name, billing_group_name, attributes, version,
	created_ms) = (?, ?, ?, ?, ?, ?)
	WHERE region = ? AND account = ? AND name = ? AND version = ?`
	listThings = `SELECT ` + thingColumns + ` FROM things
	WHERE region = ? AND account = ? AND name > ?
	ORDER BY name LIMIT ?`
)

// Tags.
const (
	selectTags = `SELECT tag_key, tag_value FROM tags
	WHERE region = ? AND account = ? AND resource_arn = ? AND tag_key > ?
	ORDER BY tag_key LIMIT ?`
	upsertTag = `INSERT INTO tags (region, account, resource_arn, tag_key, tag_value) VALUES (?, ?, ?, ?, ?)
	ON CONFLICT (region, account, resource_arn, tag_key) DO UPDATE SET tag_value = excluded.tag_value`
	deleteTag = `DELETE FROM tags
	WHERE region = ? AND account = ? AND resource_arn = ? AND tag_key = ?`
	deleteResourceTags = `DELETE FROM tags WHERE region = ? AND account = ? AND resource_arn = ?`
)
