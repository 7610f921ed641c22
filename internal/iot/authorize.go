package iot

import (
	"context"
	"strings"

	"github.com/iotcertd/iotcertd/internal/iam"
)

// Authorisation of an AWS IoT operation by the identity policies of the caller
// (semantics.md §3; docs/iam.md). The HTTP binding calls Authorize once per request,
// before the operation reads or changes anything; the evaluation itself is internal/iam's.

// Operations whose resource ARN names the account the certificate is being transferred to
// (semantics.md §3.1), rather than the caller's account.
const (
	opAcceptCertificateTransfer = "AcceptCertificateTransfer"
	opCancelCertificateTransfer = "CancelCertificateTransfer"
)

// Authorize decides whether the caller may run an AWS IoT operation, and returns nil or an
// AccessDenied error whose message is AWS's (iam.DenyMessage). resourceID is what the
// operation acts on, as iam.ResourceFor takes it: the certificate ID, CA certificate ID,
// policy name or thing name of its path, or the ARN the request carries (the target of
// AttachPolicy and DetachPolicy, the principal of the thing-principal operations, the
// resourceArn of the tag operations); "" for operations on "*".
//
// The rules, in order:
//
//   - An Unrestricted caller (emulator mode without IAM enforcement) may do anything.
//   - An operation the action table does not know is denied: nothing says what it would
//     allow.
//   - For AcceptCertificateTransfer and CancelCertificateTransfer the resource ARN names
//     the transfer's target account (TransferTarget); for every other operation the
//     caller's.
//   - A resource ARN carried by the request that names another account is denied to every
//     identity: AWS IoT has no resource-based policies, so nothing in the other account can
//     grant access to it (semantics.md §3.1).
//   - The root identity may do everything else in its account, as AWS's root user may.
//   - A user is decided by iam.Evaluate over its inline policies: an explicit Deny wins,
//     otherwise an Allow is needed, otherwise the request is implicitly denied.
//
// Authorize reads the store only for Accept and Cancel, and then only to find the target,
// which it reveals to no one but the transfer's parties; it never says whether a resource
// exists, so a denied caller cannot probe.
func (s *Service) Authorize(ctx context.Context, c Caller, operation, resourceID string) error {
	if c.Unrestricted {
		return nil
	}
	principal := PrincipalARN(c.Account, c.UserName)
	action, ok := iam.ActionFor(operation)
	if !ok {
		r := iam.Request{Action: "iot:" + operation, Resource: "*"}
		return &Error{Code: CodeAccessDenied, Message: iam.DenyMessage(principal, r, iam.ImplicitDeny)}
	}
	resourceAccount := c.Account
	transfer := operation == opAcceptCertificateTransfer || operation == opCancelCertificateTransfer
	if transfer {
		target, err := s.TransferTarget(ctx, c, resourceID)
		if err != nil {
			return err
		}
		resourceAccount = target
	}
	resource, ok := iam.ResourceFor(operation, c.Region, resourceAccount, resourceID)
	if !ok {
		r := iam.Request{Action: action, Resource: "*"}
		return &Error{Code: CodeAccessDenied, Message: iam.DenyMessage(principal, r, iam.ImplicitDeny)}
	}
	// A certificate ID in upper case names the same certificate as in lower case; the
	// policies are evaluated on the form the operation acts on.
	r := iam.Request{Action: action, Resource: canonicalARN(resource)}
	d := iam.Allow
	if c.UserName != "" {
		r.Context = map[string]string{
			iam.KeyRequestedRegion:  c.Region,
			iam.KeyPrincipalAccount: c.Account,
			iam.KeyUsername:         c.UserName,
		}
		d = iam.Evaluate(c.Policies, r)
	}
	if d == iam.Allow && !transfer {
		if acct, isARN := arnAccount(r.Resource); isARN && acct != c.Account {
			d = iam.ImplicitDeny
		}
	}
	if d != iam.Allow {
		return &Error{Code: CodeAccessDenied, Message: iam.DenyMessage(principal, r, d)}
	}
	return nil
}

// arnAccount returns the account field of an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:...)
// and whether s is one.
func arnAccount(s string) (string, bool) {
	rest, ok := strings.CutPrefix(s, "arn:")
	if !ok {
		return "", false
	}
	// PARTITION, SERVICE, REGION, then ACCOUNT.
	for range 3 {
		i := strings.IndexByte(rest, ':')
		if i < 0 {
			return "", false
		}
		rest = rest[i+1:]
	}
	acct, _, ok := strings.Cut(rest, ":")
	return acct, ok
}

// TransferTarget returns the account whose ARN AWS evaluates when the caller accepts or
// cancels the transfer of a certificate: "the AWS account specified in the ARN must be the
// account to which the certificate is being transferred" (semantics.md §3.1). For the
// source of a pending transfer that is the target account; for its target, the caller
// itself; for the former owner of a certificate whose transfer completed, the account it
// went to. For anyone else, and for a certificate that does not exist or an ID that is
// malformed, it is the caller's own account, so that an outsider learns nothing.
func (s *Service) TransferTarget(ctx context.Context, c Caller, certificateID string) (string, error) {
	id, err := checkCertificateID("certificateId", certificateID)
	if err != nil {
		return c.Account, nil
	}
	cert, rel, err := lookup(ctx, s.store, c, id)
	if err != nil {
		return "", internal(err)
	}
	switch rel {
	case relSource:
		return cert.Transfer.Target, nil
	case relFormerOwner:
		return cert.Owner, nil
	}
	return c.Account, nil
}
