package httpapi

import (
	"context"
	"net"
	"net/http"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// Handlers of CA certificates, registration codes and DescribeEndpoint (iot-api.md §7),
// with their response shapes (iot-api.md §6 CACertificateDescription, CACertificate,
// RegistrationConfig).

// requestHost returns the address a request was sent to as the client named it: the Host
// header (HTTP/1.1 requires one, and SigV4 signs it), or else the local address of the
// connection it came in on.
func requestHost(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		return a.String()
	}
	return ""
}

// registrationConfigMember decodes a RegistrationConfig structure member; nil when it is
// absent or null.
func registrationConfigMember(o jsonObject, name string) (*iot.RegistrationConfig, error) {
	var raw jsonObject
	if err := member(o, name, &raw, name, "an object"); err != nil || raw == nil {
		return nil, err
	}
	var rc iot.RegistrationConfig
	for _, m := range []struct {
		name string
		dst  *string
	}{{"templateBody", &rc.TemplateBody}, {"roleArn", &rc.RoleARN}, {"templateName", &rc.TemplateName}} {
		if err := member(raw, m.name, m.dst, name+"."+m.name, "a string"); err != nil {
			return nil, err
		}
	}
	return &rc, nil
}

func (s *server) getRegistrationCode(ctx context.Context, c *call) (any, error) {
	code, err := s.svc.GetRegistrationCode(ctx, c.Caller)
	if err != nil {
		return nil, err
	}
	return getRegistrationCodeOutput{RegistrationCode: code}, nil
}

func (s *server) deleteRegistrationCode(ctx context.Context, c *call) (any, error) {
	if err := s.svc.DeleteRegistrationCode(ctx, c.Caller); err != nil {
		return nil, err
	}
	return emptyOutput{}, nil
}

func (s *server) registerCACertificate(ctx context.Context, c *call) (any, error) {
	var in iot.RegisterCACertificateInput
	var err error
	if in.SetAsActive, err = c.req.queryBool("setAsActive"); err != nil {
		return nil, err
	}
	if in.AllowAutoRegistration, err = c.req.queryBool("allowAutoRegistration"); err != nil {
		return nil, err
	}
	body, err := c.req.object()
	if err != nil {
		return nil, err
	}
	if in.CACertificatePEM, err = body.stringMember("caCertificate"); err != nil {
		return nil, err
	}
	if in.VerificationCertificatePEM, err = body.stringMember("verificationCertificate"); err != nil {
		return nil, err
	}
	if in.CertificateMode, err = body.stringMember("certificateMode"); err != nil {
		return nil, err
	}
	if in.RegistrationConfig, err = registrationConfigMember(body, "registrationConfig"); err != nil {
		return nil, err
	}
	if in.Tags, err = body.tagsMember("tags"); err != nil {
		return nil, err
	}
	rc, err := s.svc.RegisterCACertificate(ctx, c.Caller, in)
	if err != nil {
		return nil, err
	}
	return registerCertificateOutput{CertificateARN: rc.CertificateARN, CertificateID: rc.CertificateID}, nil
}

func (s *server) describeCACertificate(ctx context.Context, c *call) (any, error) {
	ca, err := s.svc.DescribeCACertificate(ctx, c.Caller, c.req.label(0))
	if err != nil {
		return nil, err
	}
	out := describeCACertificateOutput{CertificateDescription: caCertificateDescription{
		CertificateARN:         ca.ARN(),
		CertificateID:          ca.ID,
		Status:                 ca.Status,
		CertificatePEM:         ca.PEM,
		OwnedBy:                ca.Account,
		CreationDate:           epochTime(ca.CreatedAt),
		AutoRegistrationStatus: ca.AutoRegistration,
		LastModifiedDate:       epochTime(ca.LastModifiedAt),
		CustomerVersion:        ca.CustomerVersion,
		GenerationID:           ca.GenerationID,
		Validity:               certificateValidity{NotBefore: epochTime(ca.NotBefore), NotAfter: epochTime(ca.NotAfter)},
		CertificateMode:        ca.Mode,
	}}
	if rc := ca.RegistrationConfig; !rc.IsZero() {
		out.RegistrationConfig = &registrationConfig{TemplateBody: rc.TemplateBody, RoleARN: rc.RoleARN, TemplateName: rc.TemplateName}
	}
	return out, nil
}

func (s *server) listCACertificates(ctx context.Context, c *call) (any, error) {
	var in iot.ListCACertificatesInput
	var err error
	if in.ListInput, err = listInput(c.req); err != nil {
		return nil, err
	}
	if in.TemplateName, err = c.req.queryString("templateName"); err != nil {
		return nil, err
	}
	page, err := s.svc.ListCACertificates(ctx, c.Caller, in)
	if err != nil {
		return nil, err
	}
	out := listCACertificatesOutput{Certificates: make([]caCertificateItem, len(page.Certificates)), NextMarker: page.NextMarker}
	for i, ca := range page.Certificates {
		out.Certificates[i] = caCertificateItem{CertificateARN: ca.ARN(), CertificateID: ca.ID, Status: ca.Status,
			CreationDate: epochTime(ca.CreatedAt)}
	}
	return out, nil
}

func (s *server) updateCACertificate(ctx context.Context, c *call) (any, error) {
	in := iot.UpdateCACertificateInput{CertificateID: c.req.label(0)}
	var err error
	if in.NewStatus, err = c.req.queryString("newStatus"); err != nil {
		return nil, err
	}
	if in.NewAutoRegistrationStatus, err = c.req.queryString("newAutoRegistrationStatus"); err != nil {
		return nil, err
	}
	body, err := c.req.object()
	if err != nil {
		return nil, err
	}
	if in.RegistrationConfig, err = registrationConfigMember(body, "registrationConfig"); err != nil {
		return nil, err
	}
	if err := member(body, "removeAutoRegistration", &in.RemoveAutoRegistration, "removeAutoRegistration", "a boolean"); err != nil {
		return nil, err
	}
	return nil, s.svc.UpdateCACertificate(ctx, c.Caller, in)
}

func (s *server) deleteCACertificate(ctx context.Context, c *call) (any, error) {
	if err := s.svc.DeleteCACertificate(ctx, c.Caller, c.req.label(0)); err != nil {
		return nil, err
	}
	return emptyOutput{}, nil
}

func (s *server) listCertificatesByCA(ctx context.Context, c *call) (any, error) {
	in, err := listInput(c.req)
	if err != nil {
		return nil, err
	}
	page, err := s.svc.ListCertificatesByCA(ctx, c.Caller, c.req.label(0), in)
	if err != nil {
		return nil, err
	}
	return listCertificatesResult(page), nil
}

func (s *server) describeEndpoint(_ context.Context, c *call) (any, error) {
	endpointType, err := c.req.queryString("endpointType")
	if err != nil {
		return nil, err
	}
	addr, err := s.svc.DescribeEndpoint(iot.DescribeEndpointInput{EndpointType: endpointType, Host: c.req.host})
	if err != nil {
		return nil, err
	}
	return describeEndpointOutput{EndpointAddress: addr}, nil
}

// Response shapes.

type getRegistrationCodeOutput struct {
	RegistrationCode string `json:"registrationCode"`
}

// caCertificateDescription is the CACertificateDescription shape.
type caCertificateDescription struct {
	CertificateARN         string                     `json:"certificateArn,omitempty"`
	CertificateID          string                     `json:"certificateId,omitempty"`
	Status                 iot.CAStatus               `json:"status,omitempty"`
	CertificatePEM         string                     `json:"certificatePem,omitempty"`
	OwnedBy                string                     `json:"ownedBy,omitempty"`
	CreationDate           epochTime                  `json:"creationDate,omitzero"`
	AutoRegistrationStatus iot.AutoRegistrationStatus `json:"autoRegistrationStatus,omitempty"`
	LastModifiedDate       epochTime                  `json:"lastModifiedDate,omitzero"`
	CustomerVersion        int                        `json:"customerVersion,omitempty"`
	GenerationID           string                     `json:"generationId,omitempty"`
	Validity               certificateValidity        `json:"validity"`
	CertificateMode        iot.Mode                   `json:"certificateMode,omitempty"`
}

// registrationConfig is the RegistrationConfig shape.
type registrationConfig struct {
	TemplateBody string `json:"templateBody,omitempty"`
	RoleARN      string `json:"roleArn,omitempty"`
	TemplateName string `json:"templateName,omitempty"`
}

type describeCACertificateOutput struct {
	CertificateDescription caCertificateDescription `json:"certificateDescription"`
	// RegistrationConfig is left out when the CA certificate has none.
	RegistrationConfig *registrationConfig `json:"registrationConfig,omitempty"`
}

// caCertificateItem is the CACertificate shape of ListCACertificates.
type caCertificateItem struct {
	CertificateARN string       `json:"certificateArn,omitempty"`
	CertificateID  string       `json:"certificateId,omitempty"`
	Status         iot.CAStatus `json:"status,omitempty"`
	CreationDate   epochTime    `json:"creationDate,omitzero"`
}

type listCACertificatesOutput struct {
	Certificates []caCertificateItem `json:"certificates"`
	NextMarker   string              `json:"nextMarker,omitempty"`
}

type describeEndpointOutput struct {
	EndpointAddress string `json:"endpointAddress"`
}
