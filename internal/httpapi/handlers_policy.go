package httpapi

import (
	"context"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// Handlers of the policy listings, the deprecated principal-policy operations and policy
// versions (iot-api.md §7; the AWS model for the version operations).

// headerIoTPrincipal carries the principal of the deprecated principal-policy operations;
// the thing-principal operations use x-amzn-principal (headerPrincipal) instead.
const headerIoTPrincipal = "X-Amzn-Iot-Principal"

type listPoliciesOutput struct {
	Policies   []policyItem `json:"policies"`
	NextMarker string       `json:"nextMarker,omitempty"`
}

func policyItems(ps []*iot.Policy) []policyItem {
	out := make([]policyItem, len(ps))
	for i, p := range ps {
		out[i] = policyItem{PolicyName: p.Name, PolicyARN: p.ARN()}
	}
	return out
}

func (s *server) listPolicies(ctx context.Context, c *call) (any, error) {
	in, err := listInput(c.req)
	if err != nil {
		return nil, err
	}
	page, err := s.svc.ListPolicies(ctx, c.Caller, in)
	if err != nil {
		return nil, err
	}
	return listPoliciesOutput{Policies: policyItems(page.Policies), NextMarker: page.NextMarker}, nil
}

type listTargetsForPolicyOutput struct {
	Targets    []string `json:"targets"`
	NextMarker string   `json:"nextMarker,omitempty"`
}

func (s *server) listTargetsForPolicy(ctx context.Context, c *call) (any, error) {
	in := iot.ListTargetsForPolicyInput{PolicyName: c.req.label(0)}
	var err error
	if in.Marker, err = c.req.queryString("marker"); err != nil {
		return nil, err
	}
	if in.PageSize, err = c.req.queryInt("pageSize"); err != nil {
		return nil, err
	}
	page, err := s.svc.ListTargetsForPolicy(ctx, c.Caller, in)
	if err != nil {
		return nil, err
	}
	return listTargetsForPolicyOutput{Targets: nonNil(page.Targets), NextMarker: page.NextMarker}, nil
}

func (s *server) attachPrincipalPolicy(ctx context.Context, c *call) (any, error) {
	return nil, s.svc.AttachPrincipalPolicy(ctx, c.Caller, c.req.label(0), c.req.headerValue(headerIoTPrincipal))
}

func (s *server) detachPrincipalPolicy(ctx context.Context, c *call) (any, error) {
	return nil, s.svc.DetachPrincipalPolicy(ctx, c.Caller, c.req.label(0), c.req.headerValue(headerIoTPrincipal))
}

func (s *server) listPrincipalPolicies(ctx context.Context, c *call) (any, error) {
	list, err := listInput(c.req)
	if err != nil {
		return nil, err
	}
	in := iot.ListPrincipalPoliciesInput{Principal: c.req.headerValue(headerIoTPrincipal), ListInput: list}
	page, err := s.svc.ListPrincipalPolicies(ctx, c.Caller, in)
	if err != nil {
		return nil, err
	}
	return listPoliciesOutput{Policies: policyItems(page.Policies), NextMarker: page.NextMarker}, nil
}

type createPolicyVersionOutput struct {
	PolicyARN        string `json:"policyArn"`
	PolicyDocument   string `json:"policyDocument"`
	PolicyVersionID  string `json:"policyVersionId"`
	IsDefaultVersion bool   `json:"isDefaultVersion"`
}

func (s *server) createPolicyVersion(ctx context.Context, c *call) (any, error) {
	in := iot.CreatePolicyVersionInput{PolicyName: c.req.label(0)}
	var err error
	if in.SetAsDefault, err = c.req.queryBool("setAsDefault"); err != nil {
		return nil, err
	}
	body, err := c.req.object()
	if err != nil {
		return nil, err
	}
	if in.PolicyDocument, err = body.stringMember("policyDocument"); err != nil {
		return nil, err
	}
	p, v, err := s.svc.CreatePolicyVersion(ctx, c.Caller, in)
	if err != nil {
		return nil, err
	}
	return createPolicyVersionOutput{PolicyARN: p.ARN(), PolicyDocument: v.Document, PolicyVersionID: v.IDString(),
		IsDefaultVersion: p.IsDefault(v)}, nil
}

// getPolicyVersionOutput describes a version. Its creationDate is the version's; its
// lastModifiedDate and generationId are the policy's, as AWS's example shows the policy's
// generationId (docs/aws-behaviour.md).
type getPolicyVersionOutput struct {
	PolicyARN        string    `json:"policyArn"`
	PolicyName       string    `json:"policyName"`
	PolicyDocument   string    `json:"policyDocument"`
	PolicyVersionID  string    `json:"policyVersionId"`
	IsDefaultVersion bool      `json:"isDefaultVersion"`
	CreationDate     epochTime `json:"creationDate,omitzero"`
	LastModifiedDate epochTime `json:"lastModifiedDate,omitzero"`
	GenerationID     string    `json:"generationId,omitempty"`
}

func (s *server) getPolicyVersion(ctx context.Context, c *call) (any, error) {
	p, v, err := s.svc.GetPolicyVersion(ctx, c.Caller, c.req.label(0), c.req.label(1))
	if err != nil {
		return nil, err
	}
	return getPolicyVersionOutput{
		PolicyARN: p.ARN(), PolicyName: p.Name, PolicyDocument: v.Document, PolicyVersionID: v.IDString(),
		IsDefaultVersion: p.IsDefault(v), CreationDate: epochTime(v.CreatedAt),
		LastModifiedDate: epochTime(p.LastModifiedAt), GenerationID: p.GenerationID,
	}, nil
}

type policyVersionItem struct {
	VersionID        string    `json:"versionId"`
	IsDefaultVersion bool      `json:"isDefaultVersion"`
	CreateDate       epochTime `json:"createDate,omitzero"`
}

type listPolicyVersionsOutput struct {
	PolicyVersions []policyVersionItem `json:"policyVersions"`
}

func (s *server) listPolicyVersions(ctx context.Context, c *call) (any, error) {
	p, vs, err := s.svc.ListPolicyVersions(ctx, c.Caller, c.req.label(0))
	if err != nil {
		return nil, err
	}
	out := listPolicyVersionsOutput{PolicyVersions: make([]policyVersionItem, len(vs))}
	for i, v := range vs {
		out.PolicyVersions[i] = policyVersionItem{VersionID: v.IDString(), IsDefaultVersion: p.IsDefault(v),
			CreateDate: epochTime(v.CreatedAt)}
	}
	return out, nil
}

func (s *server) setDefaultPolicyVersion(ctx context.Context, c *call) (any, error) {
	return nil, s.svc.SetDefaultPolicyVersion(ctx, c.Caller, c.req.label(0), c.req.label(1))
}

func (s *server) deletePolicyVersion(ctx context.Context, c *call) (any, error) {
	return nil, s.svc.DeletePolicyVersion(ctx, c.Caller, c.req.label(0), c.req.label(1))
}
