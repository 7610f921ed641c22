// Package iam parses and evaluates IAM identity-based policies, the way AWS
// authorises a call to an AWS IoT control-plane operation (semantics.md §3).
//
// It is pure: no HTTP, no storage and no IoT domain types. A server parses each
// stored policy once, then authorises every request before running it:
//
//	p, err := iam.Parse(doc) // a *ParseError explains a refusal to the client
//	...
//	action, ok1 := iam.ActionFor(op)
//	resource, ok2 := iam.ResourceFor(op, region, account, id)
//	if !ok1 || !ok2 { /* unknown operation: deny */ }
//	r := iam.Request{Action: action, Resource: resource, Context: ctx}
//	if d := iam.Evaluate(policies, r); d != iam.Allow {
//		// 403 AccessDeniedException with iam.DenyMessage(userARN, r, d)
//	}
//
// Evaluation follows the IAM User Guide page "Policy evaluation logic" for a
// single account with identity-based policies only (IoT has no resource-based
// policies; semantics.md §3.1): an explicit Deny in any policy wins, otherwise an
// Allow is needed, otherwise the request is implicitly denied.
//
// A parsed Policy is immutable, so one value may be evaluated by any number of
// goroutines at once. Evaluate does not allocate.
package iam

// Policy is a parsed and validated identity-based policy document (IAM JSON
// policy language). Its patterns are compiled once, by Parse.
type Policy struct {
	statements []statement
}

// statement is one compiled Statement element.
type statement struct {
	deny bool
	// notAction and notResource invert the match of actions and resources (IAM
	// User Guide: "IAM JSON policy elements: NotAction" and "...: NotResource").
	notAction   bool
	notResource bool
	// actions are lower-cased, because action names are case-insensitive.
	actions    []pattern
	resources  []pattern
	conditions []condition
}

// Request is what is being authorised.
type Request struct {
	// Action is the IAM action, for example "iot:TransferCertificate" (see ActionFor).
	Action string
	// Resource is the ARN the action acts on, or "*" (see ResourceFor).
	Resource string
	// Context holds the request's condition keys, with lower-case names:
	// "aws:requestedregion", "aws:username", "aws:principalaccount". A key that is
	// absent is absent from the request context, which matters to conditions.
	Context map[string]string
}

// Decision is the outcome of Evaluate. Its zero value is ImplicitDeny, so an
// unset Decision never grants access.
type Decision int

const (
	// ImplicitDeny means no statement allowed the request (the default).
	ImplicitDeny Decision = iota
	// Allow means some statement allowed the request and none denied it.
	Allow
	// ExplicitDeny means a Deny statement matched the request.
	ExplicitDeny
)

// String returns the decision's name.
func (d Decision) String() string {
	switch d {
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	default:
		return "ImplicitDeny"
	}
}

// Evaluate decides r against the union of policies, following the IAM User
// Guide page "Policy evaluation logic": if any statement of any policy with
// Effect Deny applies, the result is ExplicitDeny; otherwise, if any Allow
// statement applies, Allow; otherwise ImplicitDeny. A statement applies when its
// action, its resource and all of its conditions match. Nil policies are skipped;
// no policies at all means ImplicitDeny.
func Evaluate(policies []*Policy, r Request) Decision {
	allowed := false
	for _, p := range policies {
		if p == nil {
			continue
		}
		for i := range p.statements {
			st := &p.statements[i]
			if !st.applies(&r) {
				continue
			}
			if st.deny {
				// Explicit deny wins over any Allow, so there is nothing left to learn.
				return ExplicitDeny
			}
			allowed = true
		}
	}
	if allowed {
		return Allow
	}
	return ImplicitDeny
}

// applies reports whether the statement's action, resource and conditions all
// match r.
func (st *statement) applies(r *Request) bool {
	if matchAny(st.actions, r.Action, true) == st.notAction {
		return false
	}
	if matchAny(st.resources, r.Resource, false) == st.notResource {
		return false
	}
	for i := range st.conditions {
		if !st.conditions[i].holds(r.Context) {
			return false
		}
	}
	return true
}

// matchAny reports whether any of patterns matches s.
func matchAny(patterns []pattern, s string, fold bool) bool {
	for i := range patterns {
		if patterns[i].match(s, fold) {
			return true
		}
	}
	return false
}

// DenyMessage returns the message AWS sends with a 403 AccessDeniedException
// (IAM User Guide: "Troubleshoot access denied error messages"; semantics.md
// §3.2), for example:
//
//	User: arn:aws:iam::111122223333:user/alice is not authorized to perform: iot:DescribeCertificate on resource: arn:aws:iot:us-east-1:111122223333:cert/abc because no identity-based policy allows the iot:DescribeCertificate action
//
// The implicit-deny form ends "because no identity-based policy allows the
// <action> action"; the explicit-deny form ends "with an explicit deny in an
// identity-based policy". For Allow there is nothing to report and it returns "".
func DenyMessage(principalARN string, r Request, d Decision) string {
	head := "User: " + principalARN + " is not authorized to perform: " + r.Action + " on resource: " + r.Resource
	switch d {
	case ImplicitDeny:
		return head + " because no identity-based policy allows the " + r.Action + " action"
	case ExplicitDeny:
		return head + " with an explicit deny in an identity-based policy"
	default:
		return ""
	}
}
