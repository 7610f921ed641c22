package iam

import (
	"slices"
	"strings"
)

// partition is the ARN partition of every ARN ResourceFor builds.
const partition = "aws"

// resourceKind says which resource AWS evaluates for an operation.
type resourceKind uint8

const (
	// anyResource: the operation has no resource type in the Service
	// Authorization Reference, so policies must grant it on "*". List
	// operations, creations (the resource does not exist yet and its ID is chosen
	// by AWS) and account-level settings are of this kind.
	anyResource resourceKind = iota
	// certResource: arn:aws:iot:REGION:ACCOUNT:cert/ID, ID the certificate ID.
	certResource
	// caCertResource: arn:aws:iot:REGION:ACCOUNT:cacert/ID, ID the CA certificate ID.
	caCertResource
	// policyResource: arn:aws:iot:REGION:ACCOUNT:policy/NAME, NAME the IoT policy name.
	policyResource
	// thingResource: arn:aws:iot:REGION:ACCOUNT:thing/NAME, NAME the thing name.
	thingResource
	// requestARN: the resource is an ARN the request itself carries (a policy
	// target, a thing principal, a tagged resource), evaluated as given.
	requestARN
)

// operation is one row of the authorisation table.
type operation struct {
	action string // "iot:" + the operation name
	kind   resourceKind
}

// operations maps each AWS IoT operation to its IAM action and resource. It is
// read-only data, sorted by action (a test checks the order, that every name is
// an operation of the AWS model, and that the model's "Requires permission to
// access the X action" names the same action).
//
// Source: the Service Authorization Reference, "Actions, resources, and
// condition keys for AWS IoT" (list_awsiot), resource-type column, which
// supersedes the older table in the developer guide page "How AWS IoT works
// with IAM" where the two differ (CreatePolicy: policy, not "*"; AttachThingPrincipal:
// cert; ListAttachedPolicies: none, so "*").
var operations = [...]operation{
	// Accept: "The AWS account specified in the ARN must be the account to which
	// the certificate is being transferred" (semantics.md §3.1).
	{"iot:AcceptCertificateTransfer", certResource},
	// AttachPolicy and DetachPolicy act on the target (a cert or thinggroup ARN),
	// not on the IoT policy: the reference lists cert and thinggroup as their
	// resource types and no policy type. The server passes the request's target.
	{"iot:AttachPolicy", requestARN},
	// The deprecated AttachPrincipalPolicy and DetachPrincipalPolicy act on the
	// principal of their x-amzn-iot-principal header, as their successors AttachPolicy
	// and DetachPolicy act on the target (the reference lists cert for both).
	{"iot:AttachPrincipalPolicy", requestARN},
	// AttachThingPrincipal and DetachThingPrincipal act on the principal (the
	// reference lists cert, with iot:thingArn as a condition key, and not thing).
	{"iot:AttachThingPrincipal", requestARN},
	// Cancel: the same note as Accept in semantics.md §3.1; the ARN names the
	// account the certificate is being transferred to.
	{"iot:CancelCertificateTransfer", certResource},
	{"iot:CreateCertificateFromCsr", anyResource},
	{"iot:CreateKeysAndCertificate", anyResource},
	{"iot:CreatePolicy", policyResource},
	{"iot:CreatePolicyVersion", policyResource},
	{"iot:CreateThing", thingResource},
	{"iot:DeleteCACertificate", caCertResource},
	{"iot:DeleteCertificate", certResource},
	{"iot:DeletePolicy", policyResource},
	{"iot:DeletePolicyVersion", policyResource},
	{"iot:DeleteRegistrationCode", anyResource},
	{"iot:DeleteThing", thingResource},
	{"iot:DescribeCACertificate", caCertResource},
	{"iot:DescribeCertificate", certResource},
	{"iot:DescribeEncryptionConfiguration", anyResource},
	{"iot:DescribeEndpoint", anyResource},
	{"iot:DescribeThing", thingResource},
	{"iot:DetachPolicy", requestARN},
	{"iot:DetachPrincipalPolicy", requestARN},
	{"iot:DetachThingPrincipal", requestARN},
	{"iot:GetPolicy", policyResource},
	{"iot:GetPolicyVersion", policyResource},
	{"iot:GetRegistrationCode", anyResource},
	{"iot:ListAttachedPolicies", anyResource},
	{"iot:ListCACertificates", anyResource},
	{"iot:ListCertificates", anyResource},
	{"iot:ListCertificatesByCA", anyResource},
	{"iot:ListOutgoingCertificates", anyResource},
	{"iot:ListPolicies", anyResource},
	{"iot:ListPolicyVersions", policyResource},
	// ListPrincipalPolicies, the deprecated ListAttachedPolicies, acts on "*" as its
	// successor does.
	{"iot:ListPrincipalPolicies", anyResource},
	// ListPrincipalThings acts on the principal, like AttachThingPrincipal.
	{"iot:ListPrincipalThings", requestARN},
	{"iot:ListTagsForResource", requestARN},
	{"iot:ListTargetsForPolicy", policyResource},
	{"iot:ListThingPrincipals", thingResource},
	{"iot:ListThings", anyResource},
	{"iot:RegisterCACertificate", anyResource},
	{"iot:RegisterCertificate", anyResource},
	{"iot:RegisterCertificateWithoutCA", anyResource},
	{"iot:RejectCertificateTransfer", certResource},
	{"iot:SetDefaultPolicyVersion", policyResource},
	{"iot:TagResource", requestARN},
	{"iot:TransferCertificate", certResource},
	{"iot:UntagResource", requestARN},
	{"iot:UpdateCACertificate", caCertResource},
	{"iot:UpdateCertificate", certResource},
	{"iot:UpdateEncryptionConfiguration", anyResource},
	{"iot:UpdateThing", thingResource},
}

// lookupOperation finds the table row of an operation name.
func lookupOperation(name string) (*operation, bool) {
	i, ok := slices.BinarySearchFunc(operations[:], name, func(o operation, name string) int {
		return strings.Compare(o.action[len("iot:"):], name)
	})
	if !ok {
		return nil, false
	}
	return &operations[i], true
}

// ActionFor returns the IAM action that authorises an AWS IoT operation,
// "iot:" followed by the operation name (for example "iot:DescribeCertificate"
// for DescribeCertificate). It returns false for an operation the table does
// not know; the caller should then deny, since it cannot say what it would be
// allowing.
func ActionFor(operation string) (string, bool) {
	o, ok := lookupOperation(operation)
	if !ok {
		return "", false
	}
	return o.action, true
}

// ResourceFor returns the resource ARN AWS evaluates for an AWS IoT operation,
// or false for an operation the table does not know. region is the request's
// region; id is the operation's resource identifier:
//
//   - certificate operations (DescribeCertificate, UpdateCertificate,
//     DeleteCertificate, TransferCertificate, Accept/Reject/CancelCertificateTransfer):
//     the certificate ID, giving arn:aws:iot:REGION:ACCOUNT:cert/ID;
//   - CA certificate operations: the CA certificate ID (...:cacert/ID);
//   - policy operations other than attach and detach: the policy name (...:policy/NAME);
//   - thing operations: the thing name (...:thing/NAME);
//   - AttachPolicy, DetachPolicy: the target ARN from the request;
//     AttachThingPrincipal, DetachThingPrincipal, ListPrincipalThings: the
//     principal ARN; TagResource, UntagResource, ListTagsForResource: the
//     resource ARN. These return id unchanged, and region and account are unused;
//   - list, create and account-level operations: id is unused and the resource is "*".
//
// account is the caller's account for every operation except two: for
// AcceptCertificateTransfer and CancelCertificateTransfer the server must pass
// the account the certificate is being transferred TO, because AWS documents
// that "the AWS account specified in the ARN must be the account to which the
// certificate is being transferred" (semantics.md §3.1). For Accept that is the
// caller; for Cancel, called by the source account, it is the other account.
func ResourceFor(operation, region, account, id string) (string, bool) {
	o, ok := lookupOperation(operation)
	if !ok {
		return "", false
	}
	var typ string
	switch o.kind {
	case anyResource:
		return "*", true
	case requestARN:
		return id, true
	case certResource:
		typ = "cert"
	case caCertResource:
		typ = "cacert"
	case policyResource:
		typ = "policy"
	case thingResource:
		typ = "thing"
	}
	return "arn:" + partition + ":iot:" + region + ":" + account + ":" + typ + "/" + id, true
}
