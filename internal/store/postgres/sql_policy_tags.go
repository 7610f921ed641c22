package postgres

import "github.com/iotcertd/iotcertd/internal/iot"

// Statements of policy versions, policy and thing listings, thing updates and tags, kept
// beside sql.go, with the conventions written there. Their tables are in schemaV1.

// Policies, their versions and their targets.
const (
	// updatePolicy replaces every column but the key: the arguments are policyArgs without
	// the first three (region, account, name), then region, account and name.
	updatePolicy = `UPDATE policies SET (document, default_version_id, created_ms, last_modified_ms,
	generation_id, last_version_id) = ($1, $2, $3, $4, $5, $6)
	WHERE region = $7 AND account = $8 AND name = $9`

	selectPolicyTargets = `SELECT region, account, policy_name, target, created_ms FROM policy_targets
	WHERE region = $1 AND account = $2 AND policy_name = $3 AND target > $4
	ORDER BY target LIMIT $5`

	policyVersionColumns = `region, account, policy_name, version_id, document, created_ms`
	insertPolicyVersion  = `INSERT INTO policy_versions (` + policyVersionColumns + `) VALUES ($1, $2, $3, $4, $5, $6)
	ON CONFLICT DO NOTHING`
	selectPolicyVersion = `SELECT ` + policyVersionColumns + ` FROM policy_versions
	WHERE region = $1 AND account = $2 AND policy_name = $3 AND version_id = $4`
	selectPolicyVersions = `SELECT ` + policyVersionColumns + ` FROM policy_versions
	WHERE region = $1 AND account = $2 AND policy_name = $3
	ORDER BY version_id LIMIT $4`
	deletePolicyVersion = `DELETE FROM policy_versions
	WHERE region = $1 AND account = $2 AND policy_name = $3 AND version_id = $4`
)

// listPoliciesSQL returns the ListPolicies query for an order, with or without a keyset
// position, on policies_created. Arguments: the region, the account, the position's
// created_ms and name when there is one, then the limit ($3 without a position, $5 with
// one, as in listClauses).
func listPoliciesSQL(order iot.Order, after bool) string {
	cmp, dir := keyset(order)
	position, lim := "", ` LIMIT $3`
	if after {
		position, lim = ` AND (created_ms, name) `+cmp+` ($3, $4)`, ` LIMIT $5`
	}
	return `SELECT ` + policyColumns + ` FROM policies WHERE region = $1 AND account = $2` + position +
		` ORDER BY created_ms ` + dir + `, name ` + dir + lim
}

// Things.
const (
	// updateThing replaces every column but the key when the stored version is the one
	// the caller read: the arguments are thingArgs without the first three (region,
	// account, name) and with the next version, then region, account, name and the
	// expected version.
	updateThing = `UPDATE things SET (thing_id, type_name, billing_group_name, attributes, version,
	created_ms) = ($1, $2, $3, $4, $5, $6)
	WHERE region = $7 AND account = $8 AND name = $9 AND version = $10`
	listThings = `SELECT ` + thingColumns + ` FROM things
	WHERE region = $1 AND account = $2 AND name > $3
	ORDER BY name LIMIT $4`
)

// Tags.
const (
	selectTags = `SELECT tag_key, tag_value FROM tags
	WHERE region = $1 AND account = $2 AND resource_arn = $3 AND tag_key > $4
	ORDER BY tag_key LIMIT $5`
	upsertTag = `INSERT INTO tags (region, account, resource_arn, tag_key, tag_value) VALUES ($1, $2, $3, $4, $5)
	ON CONFLICT (region, account, resource_arn, tag_key) DO UPDATE SET tag_value = EXCLUDED.tag_value`
	deleteTag = `DELETE FROM tags
	WHERE region = $1 AND account = $2 AND resource_arn = $3 AND tag_key = $4`
	deleteResourceTags = `DELETE FROM tags WHERE region = $1 AND account = $2 AND resource_arn = $3`
)
