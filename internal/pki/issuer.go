package pki

import (
	"crypto"
	//lint:ignore SA1019 DSA_WITH_SHA256 is a certificate signature algorithm AWS IoT supports.
	"crypto/dsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"
)

const (
	// deviceCertSubjectCN is the subject common name AWS IoT puts in the
	// certificates it issues.
	deviceCertSubjectCN = "AWS IoT Certificate"
	// backdate is how far AWS IoT sets notBefore before the issue time, so
	// that devices with slightly slow clocks accept a fresh certificate.
	backdate = 120 * time.Second
	// serialBytes is the length of the serial numbers AWS IoT issues.
	serialBytes = 20
)

// deviceCertNotAfter returns the fixed expiry AWS IoT gives every certificate
// it issues: 2049-12-31T23:59:59Z, the last instant UTCTime can express.
func deviceCertNotAfter() time.Time { return time.Date(2049, 12, 31, 23, 59, 59, 0, time.UTC) }

// issuerNotAfter returns the expiry of a CA made by NewIssuer; it lies well
// beyond deviceCertNotAfter so that no issued certificate outlives its CA.
func issuerNotAfter() time.Time { return time.Date(2099, 12, 31, 23, 59, 59, 0, time.UTC) }

// issuerSubject returns the distinguished name of a CA made by NewIssuer. It
// names this server honestly rather than imitating Amazon.
func issuerSubject() pkix.Name {
	return pkix.Name{
		Organization:       []string{"iotcertd"},
		OrganizationalUnit: []string{"iotcertd issuing CA"},
		CommonName:         "iotcertd Device Issuing CA",
	}
}

// Issuer signs device certificates with the server's CA. It is safe for
// concurrent use; its fields are never modified after construction.
type Issuer struct {
	cert    *x509.Certificate
	key     crypto.Signer
	certPEM string
}

// NewIssuer generates a fresh self-signed CA with an RSA-2048 key (so that
// issued certificates are signed with sha256WithRSA, as AWS IoT's are), valid
// from now−120s until 2099-12-31T23:59:59Z. It returns the issuer together
// with the CA certificate PEM and the PKCS#8 private key PEM, which the caller
// persists and later passes to LoadIssuer.
func NewIssuer(now time.Time) (iss *Issuer, certPEM, keyPEM []byte, err error) {
	key, err := GenerateKey()
	if err != nil {
		return nil, nil, nil, err
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               issuerSubject(),
		NotBefore:             now.Add(-backdate).UTC().Truncate(time.Second),
		NotAfter:              issuerNotAfter(),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		// The CA only ever signs leaf certificates.
		MaxPathLen:         0,
		MaxPathLenZero:     true,
		SignatureAlgorithm: x509.SHA256WithRSA,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("pki: create CA certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("pki: encode CA key: %w", err)
	}
	certPEM = []byte(EncodeCertificatePEM(der))
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: pemTypePKCS8Key, Bytes: keyDER})
	// Going through LoadIssuer keeps a single construction path, so a freshly
	// made issuer is exactly what a restarted server will load.
	iss, err = LoadIssuer(certPEM, keyPEM)
	if err != nil {
		return nil, nil, nil, err
	}
	return iss, certPEM, keyPEM, nil
}

// LoadIssuer rebuilds an Issuer from a CA certificate PEM and its private key
// PEM, as returned by NewIssuer. The key may be PKCS#8 ("PRIVATE KEY"), PKCS#1
// ("RSA PRIVATE KEY") or SEC 1 ("EC PRIVATE KEY"). It checks that the
// certificate is a CA allowed to sign certificates and that the key belongs
// to it.
func LoadIssuer(certPEM, keyPEM []byte) (*Issuer, error) {
	block, err := decodeSinglePEM(string(certPEM), "issuer certificate", pemTypeCertificate)
	if err != nil {
		return nil, fmt.Errorf("pki: load issuer: %w", err)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("pki: load issuer: parse certificate: %w", err)
	}
	if !cert.BasicConstraintsValid || !cert.IsCA {
		return nil, errors.New("pki: load issuer: certificate is not a CA certificate")
	}
	if cert.KeyUsage != 0 && cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return nil, errors.New("pki: load issuer: certificate's key usage does not allow signing certificates")
	}
	key, err := parsePrivateKeyPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("pki: load issuer: %w", err)
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return nil, errors.New("pki: load issuer: private key does not match the certificate")
	}
	return &Issuer{
		cert:    cert,
		key:     key,
		certPEM: EncodeCertificatePEM(cert.Raw),
	}, nil
}

// parsePrivateKeyPEM decodes a single PEM private key in PKCS#8, PKCS#1 or
// SEC 1 form and returns it as a signer.
func parsePrivateKeyPEM(keyPEM []byte) (crypto.Signer, error) {
	block, err := decodeSinglePEM(string(keyPEM), "issuer private key", pemTypePKCS8Key, pemTypeRSAPrivateKey, pemTypeECPrivateKey)
	if err != nil {
		return nil, err
	}
	var key any
	switch block.Type {
	case pemTypePKCS8Key:
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case pemTypeRSAPrivateKey:
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		key, err = x509.ParseECPrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("parse private key: %w", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("private key of type %T cannot sign", key)
	}
	return signer, nil
}

// CertificatePEM returns the PEM encoding of the issuer's CA certificate.
func (i *Issuer) CertificatePEM() string { return i.certPEM }

// Certificate returns the issuer's CA certificate. Callers must not modify it.
func (i *Issuer) Certificate() *x509.Certificate { return i.cert }

// Issue issues a device certificate for pub at time now, shaped like the
// certificates AWS IoT issues: subject CN=AWS IoT Certificate, a random
// positive 20-byte serial, notBefore now−120s, notAfter
// 2049-12-31T23:59:59Z, a non-CA leaf for TLS client authentication. pub must
// satisfy the same key rule as ParseCSR. It returns the certificate's DER.
// Every call uses a fresh serial, so issuing twice for the same key yields
// two distinct certificates.
func (i *Issuer) Issue(pub crypto.PublicKey, now time.Time) ([]byte, error) {
	if err := checkPublicKey(pub); err != nil {
		return nil, fmt.Errorf("pki: issue: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	ski, err := subjectKeyID(pub)
	if err != nil {
		return nil, err
	}
	usage := x509.KeyUsageDigitalSignature
	if _, isRSA := pub.(*rsa.PublicKey); isRSA {
		// RSA keys can also be used for RSA key transport in TLS 1.2.
		usage |= x509.KeyUsageKeyEncipherment
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: deviceCertSubjectCN},
		NotBefore:             now.Add(-backdate).UTC().Truncate(time.Second),
		NotAfter:              deviceCertNotAfter(),
		KeyUsage:              usage,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  false,
		SubjectKeyId:          ski,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, i.cert, pub, i.key)
	if err != nil {
		return nil, fmt.Errorf("pki: issue: %w", err)
	}
	return der, nil
}

// randomSerial returns a random positive serial number whose DER encoding is
// exactly 20 bytes, the length AWS IoT uses and the maximum RFC 5280 allows.
// The top bit is cleared so the value is positive without a padding byte, and
// a zero first byte is redrawn so the encoding is not shorter.
func randomSerial() (*big.Int, error) {
	b := make([]byte, serialBytes)
	for {
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("pki: serial number: %w", err)
		}
		b[0] &= 0x7f
		if b[0] != 0 {
			return new(big.Int).SetBytes(b), nil
		}
	}
}

// subjectKeyID computes the subject key identifier for pub per RFC 7093
// method 1 (leftmost 160 bits of the SHA-256 of the subjectPublicKey bits),
// the same method crypto/x509 uses for the CA, since Go only fills it in for
// CA certificates.
func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	spkiDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("pki: encode public key: %w", err)
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(spkiDER, &spki); err != nil {
		return nil, fmt.Errorf("pki: decode public key: %w", err)
	}
	sum := sha256.Sum256(spki.PublicKey.Bytes)
	return sum[:20], nil
}

// VerifySignedBy reports whether cert's signature verifies with parent's
// public key. It only checks the signature: it builds no chain and checks
// neither validity periods, names, nor the parent's CA flags. Unlike
// crypto/x509 it also verifies DSA-with-SHA256 signatures, which AWS IoT
// accepts. A failure is a *ValidationError.
func VerifySignedBy(cert, parent *x509.Certificate) error {
	if cert == nil || parent == nil {
		return invalidf("certificate and issuer certificate are required")
	}
	var err error
	if cert.SignatureAlgorithm == x509.DSAWithSHA256 {
		err = verifyDSAWithSHA256(cert, parent)
	} else {
		err = parent.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature)
	}
	if err != nil {
		return invalidf("the certificate's signature does not verify with the issuer certificate's public key: %v", err)
	}
	return nil
}

// verifyDSAWithSHA256 checks a DSA-with-SHA256 certificate signature, which
// crypto/x509 refuses to verify.
func verifyDSAWithSHA256(cert, parent *x509.Certificate) error {
	pub, ok := parent.PublicKey.(*dsa.PublicKey)
	if !ok {
		return errors.New("signature algorithm DSA-SHA256 does not match the issuer's " + keyTypeName(parent.PublicKey) + " key")
	}
	var sig struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(cert.Signature, &sig)
	if err != nil || len(rest) != 0 {
		return errors.New("malformed DSA signature")
	}
	if sig.R == nil || sig.S == nil || sig.R.Sign() <= 0 || sig.S.Sign() <= 0 {
		return errors.New("malformed DSA signature")
	}
	digest := sha256.Sum256(cert.RawTBSCertificate)
	// FIPS 186-4 section 4.6: use the leftmost min(N, outlen) bits of the
	// hash; dsa.Verify leaves that truncation to the caller.
	h := digest[:]
	if n := (pub.Q.BitLen() + 7) / 8; n < len(h) {
		h = h[:n]
	}
	if !dsa.Verify(pub, h, sig.R, sig.S) {
		return errors.New("DSA verification failure")
	}
	return nil
}
