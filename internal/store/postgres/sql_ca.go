package postgres

import (
	"strconv"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// The statements of CA certificates and registration codes, kept apart from sql.go so that
// the record types of different features can change without touching one file; the
// conventions of sql.go apply.

// schemaCA adds CA certificates, registration codes, and the index that lists device
// certificates by the CA that signed them.
const schemaCA = `
CREATE TABLE IF NOT EXISTS ca_certificates (
	region            TEXT COLLATE "C" NOT NULL,
	account           TEXT COLLATE "C" NOT NULL,
	cert_id           TEXT COLLATE "C" NOT NULL,
	status            TEXT   NOT NULL,
	mode              TEXT   NOT NULL,
	pem               TEXT   NOT NULL,
	subject_key       TEXT COLLATE "C" NOT NULL,
	auto_registration TEXT   NOT NULL,
	template_body     TEXT   NOT NULL,
	role_arn          TEXT   NOT NULL,
	template_name     TEXT COLLATE "C" NOT NULL,
	created_ms        BIGINT NOT NULL,
	last_modified_ms  BIGINT,
	customer_version  BIGINT NOT NULL,
	generation_id     TEXT   NOT NULL,
	not_before_ms     BIGINT,
	not_after_ms      BIGINT,
	version           BIGINT NOT NULL,
	PRIMARY KEY (region, account, cert_id)
);
-- A DEFAULT-mode CA certificate exists once per region.
CREATE UNIQUE INDEX IF NOT EXISTS ca_certificates_default_id ON ca_certificates (region, cert_id) WHERE mode = 'DEFAULT';
-- CACertificatesByID, across accounts.
CREATE INDEX IF NOT EXISTS ca_certificates_id ON ca_certificates (region, cert_id, account);
-- CACertificatesBySubject: the per-subject limit and the search for a device certificate's issuer.
CREATE INDEX IF NOT EXISTS ca_certificates_subject ON ca_certificates (region, account, subject_key);
-- ListCACertificates, without and with a template name.
CREATE INDEX IF NOT EXISTS ca_certificates_list ON ca_certificates (region, account, created_ms, cert_id);
CREATE INDEX IF NOT EXISTS ca_certificates_template_list ON ca_certificates (region, account, template_name, created_ms, cert_id)
	WHERE template_name <> '';

CREATE TABLE IF NOT EXISTS registration_codes (
	region     TEXT COLLATE "C" NOT NULL,
	account    TEXT COLLATE "C" NOT NULL,
	code       TEXT   NOT NULL,
	created_ms BIGINT NOT NULL,
	PRIMARY KEY (region, account)
);

-- ListCertificatesByCA. Certificates without a CA (issued ones, SNI_ONLY ones) stay out.
CREATE INDEX IF NOT EXISTS certificates_ca_list ON certificates (owner, region, ca_certificate_id, created_ms, cert_id)
	WHERE ca_certificate_id <> '';
`

// CA certificates. caCertificateArgs and scanCACertificate follow caCertificateColumns.
const (
	caCertificateColumns = `region, account, cert_id, status, mode, pem, subject_key, auto_registration,
	template_body, role_arn, template_name, created_ms, last_modified_ms, customer_version,
	generation_id, not_before_ms, not_after_ms, version`
	caCertificateValues = `$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18`

	insertCACertificate = `INSERT INTO ca_certificates (` + caCertificateColumns + `) VALUES (` + caCertificateValues + `)
	ON CONFLICT DO NOTHING`
	// updateCACertificate replaces every column when the stored version is the one the
	// caller read: caCertificateArgs with the next version, then the key and the expected
	// version.
	updateCACertificate = `UPDATE ca_certificates SET (` + caCertificateColumns + `) = (` + caCertificateValues + `)
	WHERE region = $19 AND account = $20 AND cert_id = $21 AND version = $22`
	deleteCACertificate = `DELETE FROM ca_certificates WHERE region = $1 AND account = $2 AND cert_id = $3 AND version = $4`
	caCertificateExists = `SELECT 1 FROM ca_certificates WHERE region = $1 AND account = $2 AND cert_id = $3`

	selectCACertificatesByID = `SELECT ` + caCertificateColumns + ` FROM ca_certificates
	WHERE region = $1 AND cert_id = $2 ORDER BY account`
	selectCACertificatesBySubject = `SELECT ` + caCertificateColumns + ` FROM ca_certificates
	WHERE region = $1 AND account = $2 AND subject_key = $3`
)

// listCACertificatesSQL returns the ListCACertificates query for an order, with or without
// a keyset position and a template name. Arguments, numbered in this order: the region,
// the account, the template name when there is one, the position's created_ms and cert_id
// when there is one, then the limit. With a template name it reads
// ca_certificates_template_list, whose partial condition the query repeats.
func listCACertificatesSQL(order iot.Order, after, template bool) string {
	cmp, dir := keyset(order)
	q := `SELECT ` + caCertificateColumns + ` FROM ca_certificates WHERE region = $1 AND account = $2`
	n := 2
	if template {
		n++
		q += ` AND template_name = $` + strconv.Itoa(n) + ` AND template_name <> ''`
	}
	if after {
		q += ` AND (created_ms, cert_id) ` + cmp + ` ($` + strconv.Itoa(n+1) + `, $` + strconv.Itoa(n+2) + `)`
		n += 2
	}
	return q + ` ORDER BY created_ms ` + dir + `, cert_id ` + dir + ` LIMIT $` + strconv.Itoa(n+1)
}

// listCertificatesByCASQL returns the ListCertificatesByCA query. Arguments, numbered in
// this order: the account, the region, the CA certificate ID, the position's created_ms
// and cert_id when there is one, then the limit. It reads certificates_ca_list, whose
// partial condition it repeats.
func listCertificatesByCASQL(order iot.Order, after bool) string {
	cmp, dir := keyset(order)
	q := `SELECT ` + certificateSummaryColumns + ` FROM certificates
	WHERE owner = $1 AND region = $2 AND ca_certificate_id = $3 AND ca_certificate_id <> ''`
	lim := ` LIMIT $4`
	if after {
		q += ` AND (created_ms, cert_id) ` + cmp + ` ($4, $5)`
		lim = ` LIMIT $6`
	}
	return q + ` ORDER BY created_ms ` + dir + `, cert_id ` + dir + lim
}

// Registration codes.
const (
	selectRegistrationCode = `SELECT region, account, code, created_ms FROM registration_codes
	WHERE region = $1 AND account = $2`
	insertRegistrationCode = `INSERT INTO registration_codes (region, account, code, created_ms) VALUES ($1, $2, $3, $4)
	ON CONFLICT DO NOTHING`
	deleteRegistrationCode = `DELETE FROM registration_codes WHERE region = $1 AND account = $2`
)
