package iot

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"regexp"
	"time"
)

// Markers are opaque to clients. Inside, they hold the keyset position of the last item of
// the page (never an offset), so a page costs the same however deep into the list it is.
// They are standard base64, which satisfies the model's Marker pattern.

var markerPattern = regexp.MustCompile(`^[A-Za-z0-9+/]+={0,2}$`)

const (
	markerKindCertificate byte = 1
	markerKindName        byte = 2
	markerKindPolicy      byte = 3
)

// CertificateCursor is a keyset position in a certificate listing ordered by creation time,
// then certificate ID.
type CertificateCursor struct {
	CreatedAt time.Time
	ID        string
}

func encodeCertificateMarker(c CertificateCursor) string {
	id, _ := hex.DecodeString(c.ID)
	b := make([]byte, 0, 1+8+len(id))
	b = append(b, markerKindCertificate)
	b = binary.BigEndian.AppendUint64(b, uint64(c.CreatedAt.UnixMilli()))
	b = append(b, id...)
	return base64.StdEncoding.EncodeToString(b)
}

func decodeCertificateMarker(field, m string) (*CertificateCursor, error) {
	if m == "" {
		return nil, nil
	}
	b, err := decodeMarker(field, m, markerKindCertificate)
	if err != nil {
		return nil, err
	}
	if len(b) != 8+32 {
		return nil, badMarker(field)
	}
	ms := int64(binary.BigEndian.Uint64(b[:8]))
	return &CertificateCursor{CreatedAt: time.UnixMilli(ms).UTC(), ID: hex.EncodeToString(b[8:])}, nil
}

func encodeNameMarker(name string) string {
	return base64.StdEncoding.EncodeToString(append([]byte{markerKindName}, name...))
}

func decodeNameMarker(field, m string) (string, error) {
	if m == "" {
		return "", nil
	}
	b, err := decodeMarker(field, m, markerKindName)
	if err != nil {
		return "", err
	}
	if len(b) == 0 || !IsText(string(b)) {
		return "", badMarker(field)
	}
	return string(b), nil
}

func decodeMarker(field, m string, kind byte) ([]byte, error) {
	if len(m) > 1024 || !markerPattern.MatchString(m) {
		return nil, badMarker(field)
	}
	b, err := base64.StdEncoding.DecodeString(m)
	if err != nil || len(b) < 1 || b[0] != kind {
		return nil, badMarker(field)
	}
	return b[1:], nil
}

func badMarker(field string) *Error {
	return invalid("The %s is not valid: use the value returned by the previous page.", field)
}

// PolicyCursor is a keyset position in a policy listing ordered by creation time, then
// name.
type PolicyCursor struct {
	CreatedAt time.Time
	Name      string
}

func encodePolicyMarker(c PolicyCursor) string {
	b := make([]byte, 0, 1+8+len(c.Name))
	b = append(b, markerKindPolicy)
	b = binary.BigEndian.AppendUint64(b, uint64(c.CreatedAt.UnixMilli()))
	b = append(b, c.Name...)
	return base64.StdEncoding.EncodeToString(b)
}

func decodePolicyMarker(field, m string) (*PolicyCursor, error) {
	if m == "" {
		return nil, nil
	}
	b, err := decodeMarker(field, m, markerKindPolicy)
	if err != nil {
		return nil, err
	}
	if len(b) < 8+1 || !IsText(string(b[8:])) {
		return nil, badMarker(field)
	}
	ms := int64(binary.BigEndian.Uint64(b[:8]))
	return &PolicyCursor{CreatedAt: time.UnixMilli(ms).UTC(), Name: string(b[8:])}, nil
}
