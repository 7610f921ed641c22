package httpapi

import (
	"context"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// Handlers: decode the wire members of iot-api.md §7, call the service, encode. Each
// returns nil for operations without an output shape (empty 200 body) and emptyOutput{}
// for those with an empty output structure (iot-api.md §1.3).

func (s *server) createKeysAndCertificate(ctx context.Context, c *call) (any, error) {
	active, err := c.req.queryBool("setAsActive")
	if err != nil {
		return nil, err
	}
	kc, err := s.svc.CreateKeysAndCertificate(ctx, c.Caller, iot.CreateKeysAndCertificateInput{SetAsActive: active})
	if err != nil {
		return nil, err
	}
	return createKeysAndCertificateOutput{
		CertificateARN: kc.CertificateARN, CertificateID: kc.CertificateID, CertificatePEM: kc.CertificatePEM,
		KeyPair: keyPair{PublicKey: kc.PublicKeyPEM, PrivateKey: kc.PrivateKeyPEM},
	}, nil
}

func (s *server) createCertificateFromCsr(ctx context.Context, c *call) (any, error) {
	active, err := c.req.queryBool("setAsActive")
	if err != nil {
		return nil, err
	}
	body, err := c.req.object()
	if err != nil {
		return nil, err
	}
	csr, err := body.stringMember("certificateSigningRequest")
	if err != nil {
		return nil, err
	}
	ic, err := s.svc.CreateCertificateFromCSR(ctx, c.Caller, iot.CreateCertificateFromCSRInput{CSR: csr, SetAsActive: active})
	if err != nil {
		return nil, err
	}
	return createCertificateFromCsrOutput{
		CertificateARN: ic.CertificateARN, CertificateID: ic.CertificateID, CertificatePEM: ic.CertificatePEM,
	}, nil
}

func (s *server) registerCertificate(ctx context.Context, c *call) (any, error) {
	var in iot.RegisterCertificateInput
	var err error
	// setAsActive is SetAsActiveFlag without a default: absent and false differ.
	if in.SetAsActive, err = c.req.queryOptionalBool("setAsActive"); err != nil {
		return nil, err
	}
	body, err := c.req.object()
	if err != nil {
		return nil, err
	}
	if in.CertificatePEM, err = body.stringMember("certificatePem"); err != nil {
		return nil, err
	}
	if in.CACertificatePEM, err = body.stringMember("caCertificatePem"); err != nil {
		return nil, err
	}
	if in.Status, err = body.stringMember("status"); err != nil {
		return nil, err
	}
	rc, err := s.svc.RegisterCertificate(ctx, c.Caller, in)
	if err != nil {
		return nil, err
	}
	return registerCertificateOutput{CertificateARN: rc.CertificateARN, CertificateID: rc.CertificateID}, nil
}

func (s *server) registerCertificateWithoutCA(ctx context.Context, c *call) (any, error) {
	var in iot.RegisterCertificateWithoutCAInput
	body, err := c.req.object()
	if err != nil {
		return nil, err
	}
	if in.CertificatePEM, err = body.stringMember("certificatePem"); err != nil {
		return nil, err
	}
	if in.Status, err = body.stringMember("status"); err != nil {
		return nil, err
	}
	rc, err := s.svc.RegisterCertificateWithoutCA(ctx, c.Caller, in)
	if err != nil {
		return nil, err
	}
	return registerCertificateOutput{CertificateARN: rc.CertificateARN, CertificateID: rc.CertificateID}, nil
}

func (s *server) describeCertificate(ctx context.Context, c *call) (any, error) {
	cert, err := s.svc.DescribeCertificate(ctx, c.Caller, c.req.label(0))
	if err != nil {
		return nil, err
	}
	return describeCertificateOutput{CertificateDescription: describeCertificate(cert)}, nil
}

// listInput decodes the query members of the marker-paginated certificate listings.
func listInput(r *request) (iot.ListInput, error) {
	var in iot.ListInput
	var err error
	if in.PageSize, err = r.queryInt("pageSize"); err != nil {
		return in, err
	}
	if in.Marker, err = r.queryString("marker"); err != nil {
		return in, err
	}
	// The model member ascendingOrder is isAscendingOrder on the wire (iot-api.md §1.2).
	in.Ascending, err = r.queryBool("isAscendingOrder")
	return in, err
}

func (s *server) listCertificates(ctx context.Context, c *call) (any, error) {
	in, err := listInput(c.req)
	if err != nil {
		return nil, err
	}
	page, err := s.svc.ListCertificates(ctx, c.Caller, in)
	if err != nil {
		return nil, err
	}
	return listCertificatesResult(page), nil
}

func (s *server) listOutgoingCertificates(ctx context.Context, c *call) (any, error) {
	in, err := listInput(c.req)
	if err != nil {
		return nil, err
	}
	page, err := s.svc.ListOutgoingCertificates(ctx, c.Caller, in)
	if err != nil {
		return nil, err
	}
	return listOutgoingResult(page), nil
}

func (s *server) updateCertificate(ctx context.Context, c *call) (any, error) {
	status, err := c.req.queryString("newStatus")
	if err != nil {
		return nil, err
	}
	return nil, s.svc.UpdateCertificate(ctx, c.Caller, iot.UpdateCertificateInput{CertificateID: c.req.label(0), NewStatus: status})
}

func (s *server) deleteCertificate(ctx context.Context, c *call) (any, error) {
	force, err := c.req.queryBool("forceDelete")
	if err != nil {
		return nil, err
	}
	return nil, s.svc.DeleteCertificate(ctx, c.Caller, iot.DeleteCertificateInput{CertificateID: c.req.label(0), ForceDelete: force})
}

func (s *server) transferCertificate(ctx context.Context, c *call) (any, error) {
	in := iot.TransferCertificateInput{CertificateID: c.req.label(0)}
	var err error
	if in.TargetAwsAccount, err = c.req.queryString("targetAwsAccount"); err != nil {
		return nil, err
	}
	body, err := c.req.object()
	if err != nil {
		return nil, err
	}
	if in.TransferMessage, err = body.stringMember("transferMessage"); err != nil {
		return nil, err
	}
	arn, err := s.svc.TransferCertificate(ctx, c.Caller, in)
	if err != nil {
		return nil, err
	}
	return transferCertificateOutput{TransferredCertificateARN: arn}, nil
}

func (s *server) acceptCertificateTransfer(ctx context.Context, c *call) (any, error) {
	active, err := c.req.queryBool("setAsActive")
	if err != nil {
		return nil, err
	}
	return nil, s.svc.AcceptCertificateTransfer(ctx, c.Caller,
		iot.AcceptCertificateTransferInput{CertificateID: c.req.label(0), SetAsActive: active})
}

func (s *server) rejectCertificateTransfer(ctx context.Context, c *call) (any, error) {
	body, err := c.req.object()
	if err != nil {
		return nil, err
	}
	reason, err := body.stringMember("rejectReason")
	if err != nil {
		return nil, err
	}
	return nil, s.svc.RejectCertificateTransfer(ctx, c.Caller,
		iot.RejectCertificateTransferInput{CertificateID: c.req.label(0), RejectReason: reason})
}

func (s *server) cancelCertificateTransfer(ctx context.Context, c *call) (any, error) {
	return nil, s.svc.CancelCertificateTransfer(ctx, c.Caller, iot.CancelCertificateTransferInput{CertificateID: c.req.label(0)})
}

func (s *server) createPolicy(ctx context.Context, c *call) (any, error) {
	in := iot.CreatePolicyInput{PolicyName: c.req.label(0)}
	body, err := c.req.object()
	if err != nil {
		return nil, err
	}
	if in.PolicyDocument, err = body.stringMember("policyDocument"); err != nil {
		return nil, err
	}
	if in.Tags, err = body.tagsMember("tags"); err != nil {
		return nil, err
	}
	p, err := s.svc.CreatePolicy(ctx, c.Caller, in)
	if err != nil {
		return nil, err
	}
	return createPolicyOutput{
		PolicyName: p.Name, PolicyARN: p.ARN(), PolicyDocument: p.Document, PolicyVersionID: p.DefaultVersionID,
	}, nil
}

func (s *server) getPolicy(ctx context.Context, c *call) (any, error) {
	p, err := s.svc.GetPolicy(ctx, c.Caller, c.req.label(0))
	if err != nil {
		return nil, err
	}
	return getPolicyOutput{
		PolicyName: p.Name, PolicyARN: p.ARN(), PolicyDocument: p.Document, DefaultVersionID: p.DefaultVersionID,
		CreationDate: epochTime(p.CreatedAt), LastModifiedDate: epochTime(p.LastModifiedAt), GenerationID: p.GenerationID,
	}, nil
}

func (s *server) deletePolicy(ctx context.Context, c *call) (any, error) {
	return nil, s.svc.DeletePolicy(ctx, c.Caller, c.req.label(0))
}

// policyTarget decodes the target body member of AttachPolicy and DetachPolicy.
func policyTarget(c *call) (string, error) {
	body, err := c.req.object()
	if err != nil {
		return "", err
	}
	return body.stringMember("target")
}

func (s *server) attachPolicy(ctx context.Context, c *call) (any, error) {
	target, err := policyTarget(c)
	if err != nil {
		return nil, err
	}
	return nil, s.svc.AttachPolicy(ctx, c.Caller, c.req.label(0), target)
}

func (s *server) detachPolicy(ctx context.Context, c *call) (any, error) {
	target, err := policyTarget(c)
	if err != nil {
		return nil, err
	}
	return nil, s.svc.DetachPolicy(ctx, c.Caller, c.req.label(0), target)
}

func (s *server) listAttachedPolicies(ctx context.Context, c *call) (any, error) {
	in := iot.ListAttachedPoliciesInput{Target: c.req.label(0)}
	var err error
	if in.Recursive, err = c.req.queryBool("recursive"); err != nil {
		return nil, err
	}
	if in.Marker, err = c.req.queryString("marker"); err != nil {
		return nil, err
	}
	if in.PageSize, err = c.req.queryInt("pageSize"); err != nil {
		return nil, err
	}
	page, err := s.svc.ListAttachedPolicies(ctx, c.Caller, in)
	if err != nil {
		return nil, err
	}
	out := listAttachedPoliciesOutput{Policies: make([]policyItem, len(page.Policies)), NextMarker: page.NextMarker}
	for i, p := range page.Policies {
		out.Policies[i] = policyItem{PolicyName: p.Name, PolicyARN: p.ARN()}
	}
	return out, nil
}

func (s *server) createThing(ctx context.Context, c *call) (any, error) {
	in := iot.CreateThingInput{ThingName: c.req.label(0)}
	body, err := c.req.object()
	if err != nil {
		return nil, err
	}
	if in.ThingTypeName, err = body.stringMember("thingTypeName"); err != nil {
		return nil, err
	}
	if in.BillingGroupName, err = body.stringMember("billingGroupName"); err != nil {
		return nil, err
	}
	var payload jsonObject
	if err := member(body, "attributePayload", &payload, "attributePayload", "an object"); err != nil {
		return nil, err
	}
	if err := member(payload, "attributes", &in.Attributes, "attributePayload.attributes", "a map of strings"); err != nil {
		return nil, err
	}
	// merge only means something to UpdateThing (iot-api.md §6 AttributePayload); its
	// type is still checked.
	var merge bool
	if err := member(payload, "merge", &merge, "attributePayload.merge", "a boolean"); err != nil {
		return nil, err
	}
	t, err := s.svc.CreateThing(ctx, c.Caller, in)
	if err != nil {
		return nil, err
	}
	return createThingOutput{ThingName: t.Name, ThingARN: t.ARN(), ThingID: t.ID}, nil
}

func (s *server) describeThing(ctx context.Context, c *call) (any, error) {
	t, err := s.svc.DescribeThing(ctx, c.Caller, c.req.label(0))
	if err != nil {
		return nil, err
	}
	return describeThingResult(t), nil
}

func (s *server) deleteThing(ctx context.Context, c *call) (any, error) {
	in := iot.DeleteThingInput{ThingName: c.req.label(0)}
	var err error
	if in.ExpectedVersion, err = c.req.queryInt64("expectedVersion", 64); err != nil {
		return nil, err
	}
	if err := s.svc.DeleteThing(ctx, c.Caller, in); err != nil {
		return nil, err
	}
	return emptyOutput{}, nil
}

func (s *server) attachThingPrincipal(ctx context.Context, c *call) (any, error) {
	in := iot.AttachThingPrincipalInput{ThingName: c.req.label(0), Principal: c.req.headerValue(headerPrincipal)}
	var err error
	if in.Type, err = c.req.queryString("thingPrincipalType"); err != nil {
		return nil, err
	}
	if err := s.svc.AttachThingPrincipal(ctx, c.Caller, in); err != nil {
		return nil, err
	}
	return emptyOutput{}, nil
}

func (s *server) detachThingPrincipal(ctx context.Context, c *call) (any, error) {
	if err := s.svc.DetachThingPrincipal(ctx, c.Caller, c.req.label(0), c.req.headerValue(headerPrincipal)); err != nil {
		return nil, err
	}
	return emptyOutput{}, nil
}

// tokenListInput decodes the query members of the nextToken-paginated listings.
func tokenListInput(r *request) (iot.TokenListInput, error) {
	var in iot.TokenListInput
	var err error
	if in.NextToken, err = r.queryString("nextToken"); err != nil {
		return in, err
	}
	in.MaxResults, err = r.queryInt("maxResults")
	return in, err
}

func (s *server) listThingPrincipals(ctx context.Context, c *call) (any, error) {
	in, err := tokenListInput(c.req)
	if err != nil {
		return nil, err
	}
	page, err := s.svc.ListThingPrincipals(ctx, c.Caller, c.req.label(0), in)
	if err != nil {
		return nil, err
	}
	return listThingPrincipalsOutput{Principals: nonNil(page.Names), NextToken: page.NextToken}, nil
}

func (s *server) listPrincipalThings(ctx context.Context, c *call) (any, error) {
	in, err := tokenListInput(c.req)
	if err != nil {
		return nil, err
	}
	page, err := s.svc.ListPrincipalThings(ctx, c.Caller, c.req.headerValue(headerPrincipal), in)
	if err != nil {
		return nil, err
	}
	return listPrincipalThingsOutput{Things: nonNil(page.Names), NextToken: page.NextToken}, nil
}
