// Package pki holds the X.509 work of iotcertd: parsing and checking
// submitted certificates and certificate signing requests, computing
// certificate IDs, issuing device certificates from the server's own CA, and
// generating RSA key pairs. It knows nothing about HTTP, SQL or the IoT
// domain types; callers map a *ValidationError to the API error they need.
package pki

import (
	"bytes"
	//lint:ignore SA1019 DSA keys must be recognised to be refused by name.
	"crypto/dsa"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"slices"
	"strings"
)

// PEM block types used by this package.
const (
	pemTypeCertificate   = "CERTIFICATE"
	pemTypeCSR           = "CERTIFICATE REQUEST"
	pemTypeCSRLegacy     = "NEW CERTIFICATE REQUEST"
	pemTypePublicKey     = "PUBLIC KEY"
	pemTypeRSAPrivateKey = "RSA PRIVATE KEY"
	pemTypePKCS8Key      = "PRIVATE KEY"
	pemTypeECPrivateKey  = "EC PRIVATE KEY"
)

const (
	// minRSABits is the smallest RSA modulus AWS IoT accepts.
	minRSABits = 2048
	// pemBeginMarker starts every PEM block.
	pemBeginMarker = "-----BEGIN "
	// maxReportedBlockType bounds how much of a client-supplied PEM type is
	// echoed back in an error message.
	maxReportedBlockType = 64
	// certificateIDHexChars is the length of a certificate ID.
	certificateIDHexChars = 2 * sha256.Size
)

// ValidationError is a client-caused problem with submitted certificate data.
// Error returns a message that is safe and meaningful to show to the client.
type ValidationError struct {
	Msg string
}

// Error returns the client-facing message.
func (e *ValidationError) Error() string { return e.Msg }

// invalidf builds a *ValidationError with a formatted message.
func invalidf(format string, args ...any) *ValidationError {
	return &ValidationError{Msg: fmt.Sprintf(format, args...)}
}

// CertificateID returns the lowercase hex SHA-256 of der, which is how AWS IoT
// derives a certificate's ID (the same value as the certificate's SHA-256
// fingerprint).
func CertificateID(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// IsCertificateID reports whether s has the shape of a certificate ID: 64
// lowercase hex characters.
func IsCertificateID(s string) bool {
	if len(s) != certificateIDHexChars {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// EncodeCertificatePEM returns the PEM text for the DER certificate der.
func EncodeCertificatePEM(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: pemTypeCertificate, Bytes: der}))
}

// supportedCertSignatureAlgorithm reports whether alg is one of the signature
// algorithms AWS IoT documents for client certificates. Notably SHA-1, MD5,
// RSA-PSS and Ed25519 are not among them.
func supportedCertSignatureAlgorithm(alg x509.SignatureAlgorithm) bool {
	switch alg {
	case x509.SHA256WithRSA, x509.SHA384WithRSA, x509.SHA512WithRSA,
		x509.DSAWithSHA256,
		x509.ECDSAWithSHA256, x509.ECDSAWithSHA384, x509.ECDSAWithSHA512:
		return true
	default:
		return false
	}
}

// ParseCertificatePEM parses s, which must hold exactly one PEM block of type
// CERTIFICATE and nothing else apart from surrounding whitespace, and returns
// the certificate. The certificate must be signed with an algorithm AWS IoT
// supports (SHA-256/384/512 with RSA, DSA with SHA-256, ECDSA with
// SHA-256/384/512) and carry an RSA key of at least 2048 bits or an ECDSA key
// on NIST P-256, P-384 or P-521. Errors are *ValidationError.
func ParseCertificatePEM(s string) (*x509.Certificate, error) {
	block, err := decodeSinglePEM(s, "certificate", pemTypeCertificate)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, invalidf("certificate could not be parsed: %v", err)
	}
	if !supportedCertSignatureAlgorithm(cert.SignatureAlgorithm) {
		return nil, invalidf("certificate signature algorithm %v is not supported; use SHA256/384/512 with RSA, DSA with SHA256 or ECDSA with SHA256/384/512", cert.SignatureAlgorithm)
	}
	if err := checkPublicKey(cert.PublicKey); err != nil {
		return nil, invalidf("the key in the certificate is not valid: %v", err)
	}
	return cert, nil
}

// ParseCSR parses s, a single PEM block of type CERTIFICATE REQUEST (or the
// legacy NEW CERTIFICATE REQUEST), verifies the request's self-signature and
// checks that its public key is RSA with at least 2048 bits or ECDSA on NIST
// P-256, P-384 or P-521. Errors are *ValidationError.
func ParseCSR(s string) (*x509.CertificateRequest, error) {
	block, err := decodeSinglePEM(s, "certificate signing request", pemTypeCSR, pemTypeCSRLegacy)
	if err != nil {
		return nil, err
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, invalidf("certificate signing request could not be parsed: %v", err)
	}
	// The key check comes before the signature check so that a request with
	// an unsupported key gets the more useful "key not supported" message.
	if err := checkPublicKey(csr.PublicKey); err != nil {
		return nil, invalidf("the public key in the certificate signing request is not valid: %v", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, invalidf("the signature of the certificate signing request is not valid: %v", err)
	}
	return csr, nil
}

// decodeSinglePEM decodes s, which must be exactly one PEM block of one of the
// given types, optionally surrounded by whitespace. what names the expected
// content in error messages.
func decodeSinglePEM(s, what string, types ...string) (*pem.Block, error) {
	trimmed := strings.TrimSpace(s)
	if trimmed == "" {
		return nil, invalidf("the %s is empty", what)
	}
	// pem.Decode silently skips text before a block and skips malformed
	// blocks to reach a later one; requiring the input to start with the
	// only BEGIN line rules both out.
	if !strings.HasPrefix(trimmed, pemBeginMarker) {
		return nil, invalidf("the %s is not PEM encoded", what)
	}
	if strings.Count(trimmed, pemBeginMarker) != 1 {
		return nil, invalidf("the %s must contain exactly one PEM block", what)
	}
	block, rest := pem.Decode([]byte(trimmed))
	if block == nil {
		return nil, invalidf("the %s is not valid PEM", what)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, invalidf("the %s has unexpected data after the PEM block", what)
	}
	if !slices.Contains(types, block.Type) {
		typ := block.Type
		if len(typ) > maxReportedBlockType {
			typ = typ[:maxReportedBlockType] + "..."
		}
		return nil, invalidf("the %s has PEM type %q, expected %s", what, typ, types[0])
	}
	if len(block.Headers) != 0 {
		return nil, invalidf("the %s PEM block must not have headers", what)
	}
	return block, nil
}

// checkPublicKey enforces the AWS IoT key rule: RSA with at least 2048 bits,
// or ECDSA on NIST P-256, P-384 or P-521.
func checkPublicKey(pub any) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if bits := k.N.BitLen(); bits < minRSABits {
			return fmt.Errorf("RSA key has %d bits, at least %d are required", bits, minRSABits)
		}
		return nil
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return nil
		}
		return fmt.Errorf("elliptic curve %s is not supported; use NIST P-256, P-384 or P-521", k.Curve.Params().Name)
	default:
		return fmt.Errorf("%s keys are not supported; use RSA (at least 2048 bits) or ECDSA (NIST P-256, P-384 or P-521)", keyTypeName(pub))
	}
}

// keyTypeName names the algorithm of pub for client-facing messages, which
// should not mention Go types.
func keyTypeName(pub any) string {
	switch pub.(type) {
	case *rsa.PublicKey:
		return "RSA"
	case *ecdsa.PublicKey:
		return "ECDSA"
	case ed25519.PublicKey:
		return "Ed25519"
	case *dsa.PublicKey:
		return "DSA"
	case *ecdh.PublicKey:
		return "ECDH"
	default:
		return "unknown"
	}
}
