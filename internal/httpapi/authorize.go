package httpapi

import (
	"context"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// IAM authorisation of each call (docs/iam.md). identify calls authorize for every request
// once the caller and the operation are known and before the handler runs, so a denied
// call changes nothing and learns nothing about the resources it names. The rules are the
// domain's (iot.Service.Authorize); this file only finds, on the wire, what the operation
// acts on.

// resourceIDs says where an operation's resource identifier is on the wire, for the
// operations whose resource is not named by their first path label: the ARN that the
// request carries, as the action table of internal/iam evaluates it (iam.ResourceFor).
// Every other operation's identifier is its first path label (the certificate ID, CA
// certificate ID, policy name or thing name), or "" when it has none; operations whose
// resource is "*" ignore it.
var resourceIDs = map[string]func(r *request) (string, error){
	// AttachPolicy and DetachPolicy act on their target, a body member.
	"AttachPolicy": bodyMember("target"),
	"DetachPolicy": bodyMember("target"),
	// The thing-principal operations act on the principal, in x-amzn-principal.
	"AttachThingPrincipal": headerMember(headerPrincipal),
	"DetachThingPrincipal": headerMember(headerPrincipal),
	"ListPrincipalThings":  headerMember(headerPrincipal),
	// The deprecated AttachPrincipalPolicy and DetachPrincipalPolicy act on the principal,
	// in x-amzn-iot-principal, as their successors act on the target.
	"AttachPrincipalPolicy": headerMember(headerIoTPrincipal),
	"DetachPrincipalPolicy": headerMember(headerIoTPrincipal),
	// The tag operations act on the tagged resource.
	"TagResource":         bodyMember("resourceArn"),
	"UntagResource":       bodyMember("resourceArn"),
	"ListTagsForResource": func(r *request) (string, error) { return r.queryString("resourceArn") },
}

func bodyMember(name string) func(r *request) (string, error) {
	return func(r *request) (string, error) {
		body, err := r.object()
		if err != nil {
			return "", err
		}
		return body.stringMember(name)
	}
}

func headerMember(name string) func(r *request) (string, error) {
	return func(r *request) (string, error) { return r.headerValue(name), nil }
}

// resourceID returns the resource identifier of a call. A member that cannot be decoded
// fails the call as the handler would, with InvalidRequest: it says nothing about any
// resource. An absent member is "", which only a policy granting "*" matches; the
// handler then refuses the request for the missing member.
func resourceID(operation string, r *request) (string, error) {
	if f, ok := resourceIDs[operation]; ok {
		return f(r)
	}
	if len(r.labels) > 0 {
		return r.labels[0], nil
	}
	return "", nil
}

// authorize decides whether the caller of c may run its operation; the error is the
// domain's AccessDenied, answered 403 AccessDeniedException.
func (s *server) authorize(ctx context.Context, c *call) error {
	if c.Caller.Unrestricted {
		return nil
	}
	id, err := resourceID(c.Operation, c.req)
	if err != nil {
		return err
	}
	err = s.svc.Authorize(ctx, c.Caller, c.Operation, id)
	if err != nil && iot.ErrorCode(err) == iot.CodeAccessDenied {
		// Which permission was missing, for whoever runs the server; the message names the
		// principal, action and resource, and never a secret.
		s.log.Info("httpapi: access denied", "operation", c.Operation, "message", iot.AsError(err).Message)
	}
	return err
}
