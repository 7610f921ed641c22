package httpapi

import (
	"slices"
	"strconv"
	"time"
)

// jsonAppender is an output shape that writes its own JSON: the same bytes encoding/json
// writes for it through reflectJSON, without the reflection. Only the shapes of the hottest
// answers implement it (encoding/json cost 9 % of the server's CPU per DescribeCertificate
// and 12 % per page of ListCertificates); TestAppendJSONMatchesReflection and FuzzAppendJSON
// hold the two encodings equal.
type jsonAppender interface {
	appendJSON(b []byte) []byte
}

// outObject appends the members of one JSON object to a buffer, leaving out empty ones as
// omitempty and omitzero do. Begin with openOutObject and end with close.
type outObject struct {
	b       *[]byte
	members int
}

func openOutObject(b *[]byte) outObject {
	*b = append(*b, '{')
	return outObject{b: b}
}

func (o *outObject) close() { *o.b = append(*o.b, '}') }

// key appends the separator and the member name, which must need no escaping.
func (o *outObject) key(name string) {
	if o.members > 0 {
		*o.b = append(*o.b, ',')
	}
	o.members++
	*o.b = append(*o.b, '"')
	*o.b = append(*o.b, name...)
	*o.b = append(*o.b, '"', ':')
}

// str appends a string member unless it is empty (omitempty).
func (o *outObject) str(name, v string) {
	if v == "" {
		return
	}
	o.key(name)
	*o.b = appendJSONString(*o.b, v)
}

// epoch appends a timestamp member unless it is zero (omitzero), as epochTime encodes it.
func (o *outObject) epoch(name string, t time.Time) {
	if t.IsZero() {
		return
	}
	o.key(name)
	*o.b = appendEpoch(*o.b, t)
}

// int appends an integer member unless it is zero (omitempty).
func (o *outObject) int(name string, v int) {
	if v == 0 {
		return
	}
	o.key(name)
	*o.b = strconv.AppendInt(*o.b, int64(v), 10)
}

// object opens a member holding an object, always present.
func (o *outObject) object(name string) outObject {
	o.key(name)
	return openOutObject(o.b)
}

// appendJSONString appends s as a JSON string, as encodeJSON writes it (no HTML escaping).
// Printable ASCII with the escapes a PEM or a message needs is written here, in one pass;
// anything else (other control characters, non-ASCII text, invalid UTF-8) is left to
// encoding/json.
func appendJSONString(b []byte, s string) []byte {
	mark := len(b)
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c < 0x80 && c != '"' && c != '\\' {
			continue
		}
		var esc byte
		switch c {
		case '"', '\\':
			esc = c
		case '\n':
			esc = 'n'
		case '\r':
			esc = 'r'
		case '\t':
			esc = 't'
		default:
			enc, err := reflectJSON(s)
			if err != nil {
				// A Go string always encodes; failing to is a bug.
				panic("httpapi: encode string: " + err.Error())
			}
			return append(b[:mark], enc...)
		}
		b = append(b, s[start:i]...)
		b = append(b, '\\', esc)
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func (d certificateDescription) appendJSON(b []byte) []byte {
	// The PEM and the transfer's texts, and about 700 bytes for the rest.
	b = slices.Grow(b, len(d.CertificatePEM)+len(d.TransferData.TransferMessage)+len(d.TransferData.RejectReason)+768)
	o := openOutObject(&b)
	o.str("certificateArn", d.CertificateARN)
	o.str("certificateId", d.CertificateID)
	o.str("caCertificateId", d.CACertificateID)
	o.str("status", string(d.Status))
	o.str("certificatePem", d.CertificatePEM)
	o.str("ownedBy", d.OwnedBy)
	o.str("previousOwnedBy", d.PreviousOwnedBy)
	o.epoch("creationDate", time.Time(d.CreationDate))
	o.epoch("lastModifiedDate", time.Time(d.LastModifiedDate))
	o.int("customerVersion", d.CustomerVersion)
	td := o.object("transferData")
	td.str("transferMessage", d.TransferData.TransferMessage)
	td.str("rejectReason", d.TransferData.RejectReason)
	td.epoch("transferDate", time.Time(d.TransferData.TransferDate))
	td.epoch("acceptDate", time.Time(d.TransferData.AcceptDate))
	td.epoch("rejectDate", time.Time(d.TransferData.RejectDate))
	td.close()
	o.str("generationId", d.GenerationID)
	v := o.object("validity")
	v.epoch("notBefore", time.Time(d.Validity.NotBefore))
	v.epoch("notAfter", time.Time(d.Validity.NotAfter))
	v.close()
	o.str("certificateMode", string(d.CertificateMode))
	o.close()
	return b
}

func (out describeCertificateOutput) appendJSON(b []byte) []byte {
	o := openOutObject(&b)
	o.key("certificateDescription")
	b = out.CertificateDescription.appendJSON(b)
	o.close()
	return b
}

func (c certificateItem) appendJSON(b []byte) []byte {
	o := openOutObject(&b)
	o.str("certificateArn", c.CertificateARN)
	o.str("certificateId", c.CertificateID)
	o.str("status", string(c.Status))
	o.str("certificateMode", string(c.CertificateMode))
	o.epoch("creationDate", time.Time(c.CreationDate))
	o.close()
	return b
}

func (out listCertificatesOutput) appendJSON(b []byte) []byte {
	// About 290 bytes a certificate.
	b = slices.Grow(b, 64+320*len(out.Certificates))
	o := openOutObject(&b)
	o.key("certificates")
	if out.Certificates == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, c := range out.Certificates {
			if i > 0 {
				b = append(b, ',')
			}
			b = c.appendJSON(b)
		}
		b = append(b, ']')
	}
	o.str("nextMarker", out.NextMarker)
	o.close()
	return b
}
