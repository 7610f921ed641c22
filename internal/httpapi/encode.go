package httpapi

import (
	"strconv"
	"time"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// Response shapes. Keys are the exact wire names of iot-api.md §6 and §7: lowerCamelCase
// except KeyPair and Tag members. Absent members are omitted rather than sent as null
// (iot-api.md §1.3), via omitempty for strings and numbers and omitzero for timestamps.

// epochTime is a timestamp on the wire: a JSON number of epoch seconds with a millisecond
// fraction, e.g. 1541022751.983. No IoT shape sets timestampFormat, so restJson1's
// default applies, and the Go SDK refuses anything but a number (iot-api.md §1.3).
type epochTime time.Time

// IsZero reports an unset time, which omitzero leaves out.
func (t epochTime) IsZero() bool { return time.Time(t).IsZero() }

// MarshalJSON writes the epoch seconds as a number.
func (t epochTime) MarshalJSON() ([]byte, error) {
	return appendEpoch(make([]byte, 0, 24), time.Time(t)), nil
}

// appendEpoch appends t as epoch seconds with up to three decimals, trailing zeros
// dropped but one kept, as AWS prints them (1541022631.0; iot-api.md §1.3).
func appendEpoch(b []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	if ms < 0 { // before 1970: the sign applies to the whole decimal
		b = append(b, '-')
		ms = -ms
	}
	sec, frac := ms/1000, ms%1000
	b = strconv.AppendInt(b, sec, 10)
	b = append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
	for b[len(b)-1] == '0' && b[len(b)-2] != '.' {
		b = b[:len(b)-1]
	}
	return b
}

type certificateDescription struct {
	CertificateARN   string              `json:"certificateArn,omitempty"`
	CertificateID    string              `json:"certificateId,omitempty"`
	CACertificateID  string              `json:"caCertificateId,omitempty"`
	Status           iot.Status          `json:"status,omitempty"`
	CertificatePEM   string              `json:"certificatePem,omitempty"`
	OwnedBy          string              `json:"ownedBy,omitempty"`
	PreviousOwnedBy  string              `json:"previousOwnedBy,omitempty"`
	CreationDate     epochTime           `json:"creationDate,omitzero"`
	LastModifiedDate epochTime           `json:"lastModifiedDate,omitzero"`
	CustomerVersion  int                 `json:"customerVersion,omitempty"`
	TransferData     transferData        `json:"transferData"` // always present: {} when never transferred (iot-api.md §2)
	GenerationID     string              `json:"generationId,omitempty"`
	Validity         certificateValidity `json:"validity"`
	CertificateMode  iot.Mode            `json:"certificateMode,omitempty"`
}

type transferData struct {
	TransferMessage string    `json:"transferMessage,omitempty"`
	RejectReason    string    `json:"rejectReason,omitempty"`
	TransferDate    epochTime `json:"transferDate,omitzero"`
	AcceptDate      epochTime `json:"acceptDate,omitzero"`
	RejectDate      epochTime `json:"rejectDate,omitzero"`
}

type certificateValidity struct {
	NotBefore epochTime `json:"notBefore,omitzero"`
	NotAfter  epochTime `json:"notAfter,omitzero"`
}

// describeCertificate converts a certificate to the CertificateDescription shape.
func describeCertificate(c *iot.Certificate) certificateDescription {
	return certificateDescription{
		CertificateARN:   c.ARN(),
		CertificateID:    c.ID,
		CACertificateID:  c.CACertificateID,
		Status:           c.Status,
		CertificatePEM:   c.PEM,
		OwnedBy:          c.Owner,
		PreviousOwnedBy:  c.PreviousOwner,
		CreationDate:     epochTime(c.CreatedAt),
		LastModifiedDate: epochTime(c.LastModifiedAt),
		CustomerVersion:  c.CustomerVersion,
		TransferData: transferData{
			TransferMessage: c.Transfer.Message,
			RejectReason:    c.Transfer.RejectReason,
			TransferDate:    epochTime(c.Transfer.TransferDate),
			AcceptDate:      epochTime(c.Transfer.AcceptDate),
			RejectDate:      epochTime(c.Transfer.RejectDate),
		},
		GenerationID:    c.GenerationID,
		Validity:        certificateValidity{NotBefore: epochTime(c.NotBefore), NotAfter: epochTime(c.NotAfter)},
		CertificateMode: c.Mode,
	}
}

type describeCertificateOutput struct {
	CertificateDescription certificateDescription `json:"certificateDescription"`
}

// certificateItem is the Certificate shape of ListCertificates (no lastModifiedDate).
type certificateItem struct {
	CertificateARN  string     `json:"certificateArn,omitempty"`
	CertificateID   string     `json:"certificateId,omitempty"`
	Status          iot.Status `json:"status,omitempty"`
	CertificateMode iot.Mode   `json:"certificateMode,omitempty"`
	CreationDate    epochTime  `json:"creationDate,omitzero"`
}

type listCertificatesOutput struct {
	Certificates []certificateItem `json:"certificates"`
	NextMarker   string            `json:"nextMarker,omitempty"`
}

func listCertificatesResult(p *iot.CertificatePage) listCertificatesOutput {
	out := listCertificatesOutput{Certificates: make([]certificateItem, len(p.Certificates)), NextMarker: p.NextMarker}
	for i, c := range p.Certificates {
		out.Certificates[i] = certificateItem{
			CertificateARN: c.ARN(), CertificateID: c.ID, Status: c.Status,
			CertificateMode: c.Mode, CreationDate: epochTime(c.CreatedAt),
		}
	}
	return out
}

// outgoingCertificate is the OutgoingCertificate shape of ListOutgoingCertificates.
type outgoingCertificate struct {
	CertificateARN  string    `json:"certificateArn,omitempty"`
	CertificateID   string    `json:"certificateId,omitempty"`
	TransferredTo   string    `json:"transferredTo,omitempty"`
	TransferDate    epochTime `json:"transferDate,omitzero"`
	TransferMessage string    `json:"transferMessage,omitempty"`
	CreationDate    epochTime `json:"creationDate,omitzero"`
}

type listOutgoingCertificatesOutput struct {
	OutgoingCertificates []outgoingCertificate `json:"outgoingCertificates"`
	NextMarker           string                `json:"nextMarker,omitempty"`
}

func listOutgoingResult(p *iot.CertificatePage) listOutgoingCertificatesOutput {
	out := listOutgoingCertificatesOutput{
		OutgoingCertificates: make([]outgoingCertificate, len(p.Certificates)), NextMarker: p.NextMarker,
	}
	for i, c := range p.Certificates {
		out.OutgoingCertificates[i] = outgoingCertificate{
			CertificateARN: c.ARN(), CertificateID: c.ID, TransferredTo: c.TransferTarget,
			TransferDate: epochTime(c.TransferDate), TransferMessage: c.TransferMessage,
			CreationDate: epochTime(c.CreatedAt),
		}
	}
	return out
}

// keyPair is the KeyPair shape, whose members are capitalised on the wire.
type keyPair struct {
	PublicKey  string `json:"PublicKey"`
	PrivateKey string `json:"PrivateKey"`
}

type createKeysAndCertificateOutput struct {
	CertificateARN string  `json:"certificateArn"`
	CertificateID  string  `json:"certificateId"`
	CertificatePEM string  `json:"certificatePem"`
	KeyPair        keyPair `json:"keyPair"`
}

type createCertificateFromCsrOutput struct {
	CertificateARN string `json:"certificateArn"`
	CertificateID  string `json:"certificateId"`
	CertificatePEM string `json:"certificatePem"`
}

type registerCertificateOutput struct {
	CertificateARN string `json:"certificateArn"`
	CertificateID  string `json:"certificateId"`
}

type transferCertificateOutput struct {
	TransferredCertificateARN string `json:"transferredCertificateArn"`
}

type createPolicyOutput struct {
	PolicyName      string `json:"policyName"`
	PolicyARN       string `json:"policyArn"`
	PolicyDocument  string `json:"policyDocument"`
	PolicyVersionID string `json:"policyVersionId,omitempty"`
}

type getPolicyOutput struct {
	PolicyName       string    `json:"policyName"`
	PolicyARN        string    `json:"policyArn"`
	PolicyDocument   string    `json:"policyDocument"`
	DefaultVersionID string    `json:"defaultVersionId,omitempty"`
	CreationDate     epochTime `json:"creationDate,omitzero"`
	LastModifiedDate epochTime `json:"lastModifiedDate,omitzero"`
	GenerationID     string    `json:"generationId,omitempty"`
}

// policyItem is the Policy shape of policy listings.
type policyItem struct {
	PolicyName string `json:"policyName"`
	PolicyARN  string `json:"policyArn"`
}

type listAttachedPoliciesOutput struct {
	Policies   []policyItem `json:"policies"`
	NextMarker string       `json:"nextMarker,omitempty"`
}

type createThingOutput struct {
	ThingName string `json:"thingName"`
	ThingARN  string `json:"thingArn"`
	ThingID   string `json:"thingId"`
}

type describeThingOutput struct {
	DefaultClientID  string            `json:"defaultClientId"`
	ThingName        string            `json:"thingName"`
	ThingID          string            `json:"thingId"`
	ThingARN         string            `json:"thingArn"`
	ThingTypeName    string            `json:"thingTypeName,omitempty"`
	Attributes       map[string]string `json:"attributes"`
	Version          int64             `json:"version"`
	BillingGroupName string            `json:"billingGroupName,omitempty"`
}

func describeThingResult(t *iot.Thing) describeThingOutput {
	attrs := t.Attributes
	if attrs == nil {
		attrs = map[string]string{}
	}
	return describeThingOutput{
		// The thing name is the default MQTT client ID (iot-api.md §7 DescribeThing).
		DefaultClientID: t.Name, ThingName: t.Name, ThingID: t.ID, ThingARN: t.ARN(),
		ThingTypeName: t.TypeName, Attributes: attrs, Version: t.Version, BillingGroupName: t.BillingGroupName,
	}
}

type listThingPrincipalsOutput struct {
	Principals []string `json:"principals"`
	NextToken  string   `json:"nextToken,omitempty"`
}

type listPrincipalThingsOutput struct {
	Things    []string `json:"things"`
	NextToken string   `json:"nextToken,omitempty"`
}

// nonNil makes an empty listing encode as [] rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// emptyOutput is the output of operations whose output structure has no members:
// DeleteThing, AttachThingPrincipal, DetachThingPrincipal answer {} (iot-api.md §1.3).
type emptyOutput struct{}
