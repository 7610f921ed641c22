package iam

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxPolicySize is the largest policy document Parse accepts, in characters not
// counting white space. It is AWS's limit for one managed policy (IAM User
// Guide: "IAM and AWS STS quotas", 6,144 characters; "IAM doesn't count white
// space when calculating the size of a policy"). AWS's inline-policy limits are
// aggregates per user (2,048), group (5,120) or role (10,240) over all of that
// identity's inline policies, so they belong to whatever stores policies, not to
// the parser of one document.
const MaxPolicySize = 6144

// maxDocumentLength bounds the raw document, white space included, in bytes.
// It is the length limit of the PolicyDocument parameter of IAM's CreatePolicy
// and PutUserPolicy (131,072 characters); without it a document of a few
// thousand characters padded with megabytes of spaces would pass MaxPolicySize.
const maxDocumentLength = 131072

// Policy language versions (IAM User Guide: "IAM JSON policy elements: Version").
const (
	version2012 = "2012-10-17"
	version2008 = "2008-10-17"
)

// ParseError is the error Parse returns for a document it refuses. Msg is a
// client-facing explanation, safe to return to the caller (for example as IAM's
// MalformedPolicyDocument message); it names the offending element.
type ParseError struct {
	Msg string
}

// Error returns the message.
func (e *ParseError) Error() string { return e.Msg }

// parseErr builds a *ParseError from a format-free message.
func parseErr(parts ...string) error {
	return &ParseError{Msg: strings.Join(parts, "")}
}

// Parse validates an identity-based policy document and compiles it.
//
// The document must be a JSON object with the elements of the IAM JSON policy
// grammar (IAM User Guide: "Grammar of the IAM JSON policy language"):
//
//   - Version: "2012-10-17" or "2008-10-17"; optional, defaulting to
//     "2008-10-17" as in AWS.
//   - Id: optional string.
//   - Statement: one statement object or a non-empty list of them. Each has
//     Effect ("Allow" or "Deny"), exactly one of Action and NotAction, exactly one
//     of Resource and NotResource (a string or a non-empty list of strings), an
//     optional Sid (letters and digits, unique in the policy) and an optional
//     Condition.
//
// Conditions may use StringEquals, StringNotEquals, StringLike and StringNotLike,
// each also with the IfExists suffix, on the keys aws:RequestedRegion,
// aws:username and aws:PrincipalAccount (key names are case-insensitive). Any
// other operator or key is refused by name: a condition is never ignored.
//
// Parse also refuses Principal and NotPrincipal (identity-based policies have
// none), unknown elements, duplicate keys, empty lists, values of the wrong JSON
// type, malformed JSON, characters AWS does not allow in a policy, documents
// longer than MaxPolicySize non-white-space characters, and, in version
// 2012-10-17 documents, policy variables such as ${aws:username}, which this
// package does not substitute. Every error is a *ParseError.
func Parse(doc string) (*Policy, error) {
	if err := checkSize(doc); err != nil {
		return nil, err
	}
	root, err := decodeJSON(doc)
	if err != nil {
		var pe *ParseError
		if errors.As(err, &pe) {
			return nil, pe
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, parseErr("the policy document is not valid JSON: it ends too early")
		}
		return nil, parseErr("the policy document is not valid JSON: ", err.Error())
	}
	if root.kind != jsonObject {
		return nil, parseErr("the policy document must be a JSON object, not ", root.kind.String())
	}
	version := version2008
	var stmts *jsonValue
	for i := range root.obj {
		m := &root.obj[i]
		switch m.key {
		case "Version":
			if m.val.kind != jsonString || (m.val.str != version2012 && m.val.str != version2008) {
				return nil, parseErr(`Version must be "2012-10-17" or "2008-10-17"`)
			}
			version = m.val.str
		case "Id":
			if m.val.kind != jsonString {
				return nil, parseErr("Id must be a string, not ", m.val.kind.String())
			}
		case "Statement":
			stmts = &m.val
		default:
			return nil, parseErr("unknown policy element ", quote(m.key))
		}
	}
	if stmts == nil {
		return nil, parseErr("the policy has no Statement")
	}

	var list []jsonValue
	switch stmts.kind {
	case jsonObject:
		list = []jsonValue{*stmts}
	case jsonArray:
		if len(stmts.arr) == 0 {
			return nil, parseErr("Statement must not be an empty list")
		}
		list = stmts.arr
	default:
		return nil, parseErr("Statement must be an object or a list of objects, not ", stmts.kind.String())
	}

	p := &Policy{statements: make([]statement, 0, len(list))}
	sids := map[string]bool{}
	for i := range list {
		where := "Statement"
		if stmts.kind == jsonArray {
			where = "Statement[" + strconv.Itoa(i) + "]"
		}
		st, err := parseStatement(&list[i], where, version, sids)
		if err != nil {
			return nil, err
		}
		p.statements = append(p.statements, st)
	}
	return p, nil
}

// checkSize enforces the raw length bound, the character set and MaxPolicySize.
// IAM User Guide, "IAM and AWS STS quotas": policy documents may contain only
// tab, line feed, carriage return and the characters U+0020 to U+00FF.
func checkSize(doc string) error {
	if len(doc) > maxDocumentLength {
		return parseErr("the policy document is longer than ", strconv.Itoa(maxDocumentLength), " characters")
	}
	if doc == "" {
		return parseErr("the policy document is empty")
	}
	if !utf8.ValidString(doc) {
		return parseErr("the policy document is not valid UTF-8")
	}
	n := 0
	for _, r := range doc {
		switch {
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			continue
		case r < 0x20 || r > 0xFF:
			return parseErr("the policy document contains the character ", strconv.QuoteRune(r),
				"; only tab, line feed, carriage return and U+0020 to U+00FF are allowed")
		}
		n++
	}
	if n > MaxPolicySize {
		return parseErr("the policy document has ", strconv.Itoa(n), " characters excluding white space; the limit is ",
			strconv.Itoa(MaxPolicySize))
	}
	return nil
}

// parseStatement validates and compiles one statement. where names it in errors.
func parseStatement(v *jsonValue, where, version string, sids map[string]bool) (statement, error) {
	if v.kind != jsonObject {
		return statement{}, parseErr(where, " must be an object, not ", v.kind.String())
	}
	var (
		st                                     statement
		effect, action, notAction, res, notRes *jsonValue
		cond                                   *jsonValue
	)
	for i := range v.obj {
		m := &v.obj[i]
		switch m.key {
		case "Sid":
			if err := checkSid(&m.val, where, sids); err != nil {
				return statement{}, err
			}
		case "Effect":
			effect = &m.val
		case "Action":
			action = &m.val
		case "NotAction":
			notAction = &m.val
		case "Resource":
			res = &m.val
		case "NotResource":
			notRes = &m.val
		case "Condition":
			cond = &m.val
		case "Principal", "NotPrincipal":
			return statement{}, parseErr(where, ": ", m.key, " is not allowed in an identity-based policy")
		default:
			return statement{}, parseErr(where, ": unknown element ", quote(m.key))
		}
	}

	switch {
	case effect == nil:
		return statement{}, parseErr(where, ": Effect is missing")
	case effect.kind == jsonString && effect.str == "Allow":
	case effect.kind == jsonString && effect.str == "Deny":
		st.deny = true
	default:
		return statement{}, parseErr(where, `: Effect must be "Allow" or "Deny"`)
	}

	switch {
	case action != nil && notAction != nil:
		return statement{}, parseErr(where, ": use either Action or NotAction, not both")
	case action == nil && notAction == nil:
		return statement{}, parseErr(where, ": Action or NotAction is required")
	case notAction != nil:
		st.notAction = true
		action = notAction
	}
	actions, err := stringList(action, where, elementName("Action", st.notAction))
	if err != nil {
		return statement{}, err
	}
	for _, a := range actions {
		if err := checkAction(a, where); err != nil {
			return statement{}, err
		}
		st.actions = append(st.actions, compileGlob(toLowerASCII(a)))
	}

	switch {
	case res != nil && notRes != nil:
		return statement{}, parseErr(where, ": use either Resource or NotResource, not both")
	case res == nil && notRes == nil:
		return statement{}, parseErr(where, ": Resource or NotResource is required")
	case notRes != nil:
		st.notResource = true
		res = notRes
	}
	resources, err := stringList(res, where, elementName("Resource", st.notResource))
	if err != nil {
		return statement{}, err
	}
	for _, r := range resources {
		if err := checkResource(r, where, version); err != nil {
			return statement{}, err
		}
		st.resources = append(st.resources, compileGlob(r))
	}

	if cond != nil {
		if st.conditions, err = parseCondition(cond, where, version); err != nil {
			return statement{}, err
		}
	}
	return st, nil
}

// elementName returns name or its Not form.
func elementName(name string, not bool) string {
	if not {
		return "Not" + name
	}
	return name
}

// checkSid enforces IAM's Sid rules (IAM User Guide: "IAM JSON policy elements:
// Sid"): ASCII letters and digits only, and unique within the policy.
func checkSid(v *jsonValue, where string, sids map[string]bool) error {
	if v.kind != jsonString {
		return parseErr(where, ": Sid must be a string, not ", v.kind.String())
	}
	for i := 0; i < len(v.str); i++ {
		c := v.str[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return parseErr(where, ": Sid ", quote(v.str), " may contain only letters A-Z, a-z and digits 0-9")
		}
	}
	if v.str != "" {
		if sids[v.str] {
			return parseErr(where, ": Sid ", quote(v.str), " is used by more than one statement")
		}
		sids[v.str] = true
	}
	return nil
}

// stringList returns the strings of an element that is a string or a non-empty
// list of non-empty strings.
func stringList(v *jsonValue, where, name string) ([]string, error) {
	switch v.kind {
	case jsonString:
		if v.str == "" {
			return nil, parseErr(where, ": ", name, " must not be empty")
		}
		return []string{v.str}, nil
	case jsonArray:
		if len(v.arr) == 0 {
			return nil, parseErr(where, ": ", name, " must not be an empty list")
		}
		out := make([]string, 0, len(v.arr))
		for _, e := range v.arr {
			if e.kind != jsonString {
				return nil, parseErr(where, ": ", name, " must list strings, not ", e.kind.String())
			}
			if e.str == "" {
				return nil, parseErr(where, ": ", name, " must not contain an empty string")
			}
			out = append(out, e.str)
		}
		return out, nil
	default:
		return nil, parseErr(where, ": ", name, " must be a string or a list of strings, not ", v.kind.String())
	}
}

// checkAction accepts "*" or "service:action", where either part may hold
// wildcards (IAM User Guide: "IAM JSON policy elements: Action").
func checkAction(a, where string) error {
	if a == "*" {
		return nil
	}
	service, name, ok := strings.Cut(a, ":")
	if !ok || service == "" || name == "" || strings.ContainsAny(a, " \t\r\n") {
		return parseErr(where, ": action ", quote(a), ` must be "*" or of the form service:action, such as "iot:DescribeCertificate"`)
	}
	return nil
}

// checkResource accepts "*" or an ARN pattern: "arn:" followed by at least the
// partition, service, region, account and resource parts, as IAM requires
// ("Resource ... must be in ARN format or \"*\"").
func checkResource(r, where, version string) error {
	if r != "*" && (!strings.HasPrefix(r, "arn:") || strings.Count(r, ":") < 5) {
		return parseErr(where, ": resource ", quote(r), ` must be "*" or an ARN such as "arn:aws:iot:us-east-1:111122223333:cert/*"`)
	}
	return checkNoVariables(r, where, version)
}

// checkNoVariables refuses ${...} policy variables in version 2012-10-17, where
// AWS would substitute them (IAM User Guide: "IAM policy elements: Variables and
// tags"). This package does not substitute them, and matching one literally
// would make a Deny on arn:...:thing/${aws:username} deny nothing. In version
// 2008-10-17 AWS treats "${" literally, and so does Parse.
func checkNoVariables(s, where, version string) error {
	if version == version2012 && strings.Contains(s, "${") {
		return parseErr(where, ": policy variables such as ", quote(s), " are not supported")
	}
	return nil
}

// parseCondition validates and compiles a Condition element: an object of
// operators, each an object of keys, each a string or a non-empty list of
// strings. Every key under every operator must hold (IAM User Guide:
// "Creating a condition with multiple keys or values").
func parseCondition(v *jsonValue, where, version string) ([]condition, error) {
	if v.kind != jsonObject {
		return nil, parseErr(where, ": Condition must be an object, not ", v.kind.String())
	}
	if len(v.obj) == 0 {
		return nil, parseErr(where, ": Condition must not be empty")
	}
	var out []condition
	for _, opm := range v.obj {
		op, ok := lookupOperator(opm.key)
		if !ok {
			return nil, parseErr(where, ": condition operator ", quote(opm.key),
				" is not supported; use StringEquals, StringNotEquals, StringLike or StringNotLike, optionally with IfExists")
		}
		if opm.val.kind != jsonObject {
			return nil, parseErr(where, ": condition ", quote(opm.key), " must be an object, not ", opm.val.kind.String())
		}
		if len(opm.val.obj) == 0 {
			return nil, parseErr(where, ": condition ", quote(opm.key), " must not be empty")
		}
		for _, km := range opm.val.obj {
			key := toLowerASCII(km.key)
			if !supportedKey(key) {
				return nil, parseErr(where, ": condition key ", quote(km.key),
					" is not supported; use aws:RequestedRegion, aws:username or aws:PrincipalAccount")
			}
			values, err := conditionValues(&km.val, where, opm.key, km.key)
			if err != nil {
				return nil, err
			}
			c := condition{key: key, negate: op.negate, ifExists: op.ifExists}
			for _, s := range values {
				if err := checkNoVariables(s, where, version); err != nil {
					return nil, err
				}
				if op.like {
					c.values = append(c.values, compileGlob(s))
				} else {
					c.values = append(c.values, compileLiteral(s))
				}
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// conditionValues returns the values of one condition key: a string or a
// non-empty list of strings. Numbers and booleans are refused rather than
// converted, because an account ID written as a JSON number loses its leading
// zeros.
func conditionValues(v *jsonValue, where, op, key string) ([]string, error) {
	name := "the values of " + quote(op) + " " + quote(key)
	switch v.kind {
	case jsonString:
		return []string{v.str}, nil
	case jsonArray:
		if len(v.arr) == 0 {
			return nil, parseErr(where, ": ", name, " must not be an empty list")
		}
		out := make([]string, 0, len(v.arr))
		for _, e := range v.arr {
			if e.kind != jsonString {
				return nil, parseErr(where, ": ", name, " must be strings, not ", e.kind.String())
			}
			out = append(out, e.str)
		}
		return out, nil
	default:
		return nil, parseErr(where, ": ", name, " must be a string or a list of strings, not ", v.kind.String())
	}
}
