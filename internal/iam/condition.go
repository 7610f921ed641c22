package iam

import "strings"

// Condition context keys this package supports, lower-cased as they appear in
// Request.Context. Condition key names are case-insensitive (IAM User Guide:
// "IAM JSON policy elements: Condition").
const (
	// KeyRequestedRegion is aws:RequestedRegion, the region the request was sent to.
	KeyRequestedRegion = "aws:requestedregion"
	// KeyUsername is aws:username, the friendly name of the calling IAM user.
	KeyUsername = "aws:username"
	// KeyPrincipalAccount is aws:PrincipalAccount, the caller's account ID.
	KeyPrincipalAccount = "aws:principalaccount"
)

// supportedKey reports whether Parse accepts a condition on key (lower case).
func supportedKey(key string) bool {
	switch key {
	case KeyRequestedRegion, KeyUsername, KeyPrincipalAccount:
		return true
	}
	return false
}

// condition is one key under one operator of a Condition block, for example
// "StringLike": {"aws:RequestedRegion": ["eu-*", "us-east-1"]}.
type condition struct {
	key string // lower case
	// values are OR'ed: the condition matches if any of them matches.
	values []pattern
	// negate marks StringNotEquals and StringNotLike: they hold when no value
	// matches.
	negate bool
	// ifExists marks the ...IfExists variants: they hold when the key is absent.
	ifExists bool
}

// holds evaluates the condition against the request context. It follows the
// IAM User Guide page "IAM JSON policy elements: Condition operators": when the
// key is absent from the request context, a condition is false, except that a
// negated operator (StringNotEquals, StringNotLike) is then true, and so is any
// ...IfExists operator.
func (c *condition) holds(ctx map[string]string) bool {
	v, ok := ctx[c.key]
	if !ok {
		return c.ifExists || c.negate
	}
	// Values within one key are OR'ed (IAM User Guide: "Creating a condition with
	// multiple keys or values"); for a negated operator the result is the negation
	// of that OR, so StringNotEquals {"k": ["a", "b"]} means "neither a nor b".
	return matchAny(c.values, v, false) != c.negate
}

// conditionOperator describes a supported condition operator.
type conditionOperator struct {
	like     bool // StringLike family: values are globs; otherwise literal
	negate   bool
	ifExists bool
}

// lookupOperator returns the meaning of a condition operator name. Only the
// string operators are supported; Parse rejects every other operator by name
// rather than ignoring it, because an ignored condition on an Allow would grant
// more than the author meant, and on a Deny would deny less.
func lookupOperator(name string) (conditionOperator, bool) {
	base, ifExists := strings.CutSuffix(name, "IfExists")
	var op conditionOperator
	switch base {
	case "StringEquals":
	case "StringNotEquals":
		op.negate = true
	case "StringLike":
		op.like = true
	case "StringNotLike":
		op.like, op.negate = true, true
	default:
		return conditionOperator{}, false
	}
	op.ifExists = ifExists
	return op, true
}
