package sqlite

import "github.com/iotcertd/iotcertd/internal/iot"

// The statements of CA certificates and registration codes, kept apart from sql.go so that
// the record types of different features can change without touching one file; the
// conventions of sql.go apply.

// schemaCA adds CA certificates, registration codes, and the index that lists device
// certificates by the CA that signed them.
const schemaCA = `
CREATE TABLE IF NOT EXISTS ca_certificates (
	region            TEXT    NOT NULL,
	account           TEXT    NOT NULL,
	cert_id           TEXT    NOT NULL,
	status            TEXT    NOT NULL,
	mode              TEXT    NOT NULL,
	pem               TEXT    NOT NULL,
	subject_key       TEXT    NOT NULL,
	auto_registration TEXT    NOT NULL,
	template_body     TEXT    NOT NULL,
	role_arn          TEXT    NOT NULL,
	template_name     TEXT    NOT NULL,
	created_ms        INTEGER NOT NULL,
	last_modified_ms  INTEGER,
	customer_version  INTEGER NOT NULL,
	generation_id     TEXT    NOT NULL,
	not_before_ms     INTEGER,
	not_after_ms      INTEGER,
	version           INTEGER NOT NULL,
	PRIMARY KEY (region, account, cert_id)
) STRICT;
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
	region     TEXT    NOT NULL,
	account    TEXT    NOT NULL,
	code       TEXT    NOT NULL,
	created_ms INTEGER NOT NULL,
	PRIMARY KEY (region, account)
) STRICT, WITHOUT ROWID;

-- ListCertificatesByCA. Certificates without a CA (issued ones, SNI_ONLY ones) stay out.
CREATE INDEX IF NOT EXISTS certificates_ca_list ON certificates (owner, region, ca_certificate_id, created_ms, cert_id)
	WHERE ca_certificate_id <> '';
`

// caStatements returns the statements of this file that the store prepares.
func caStatements() []string {
	qs := []string{
		insertCACertificate, updateCACertificate, deleteCACertificate, caCertificateExists,
		selectCACertificatesByID, selectCACertificatesBySubject,
		selectRegistrationCode, insertRegistrationCode, deleteRegistrationCode,
	}
	for _, order := range []iot.Order{iot.Descending, iot.Ascending} {
		for _, after := range []bool{false, true} {
			qs = append(qs, listCertificatesByCASQL(order, after))
			for _, template := range []bool{false, true} {
				qs = append(qs, listCACertificatesSQL(order, after, template))
			}
		}
	}
	return qs
}

// CA certificates. caCertificateArgs and scanCACertificate follow caCertificateColumns.
const (
	caCertificateColumns = `region, account, cert_id, status, mode, pem, subject_key, auto_registration,
	template_body, role_arn, template_name, created_ms, last_modified_ms, customer_version,
	generation_id, not_before_ms, not_after_ms, version`
	caCertificateValues = `?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?`

	insertCACertificate = `INSERT INTO ca_certificates (` + caCertificateColumns + `) VALUES (` + caCertificateValues + `)`
	// updateCACertificate replaces every column when the stored version is the one the
	// caller read: caCertificateArgs with the next version, then the key and the expected
	// version.
	updateCACertificate = `UPDATE ca_certificates SET (` + caCertificateColumns + `) = (` + caCertificateValues + `)
	WHERE region = ? AND account = ? AND cert_id = ? AND version = ?`
	deleteCACertificate = `DELETE FROM ca_certificates WHERE region = ? AND account = ? AND cert_id = ? AND version = ?`
	caCertificateExists = `SELECT 1 FROM ca_certificates WHERE region = ? AND account = ? AND cert_id = ?`

	selectCACertificatesByID = `SELECT ` + caCertificateColumns + ` FROM ca_certificates
	WHERE region = ? AND cert_id = ? ORDER BY account`
	selectCACertificatesBySubject = `SELECT ` + caCertificateColumns + ` FROM ca_certificates
	WHERE region = ? AND account = ? AND subject_key = ?`
)

// listCACertificatesSQL returns the ListCACertificates query for an order, with or without
// a keyset position and a template name. Arguments: ?1 region, ?2 account, ?3 after
// created_ms, ?4 after cert_id, ?5 limit, ?6 template name (bound but unused where the
// query has no use for them). With a template name it reads ca_certificates_template_list,
// whose partial condition the query repeats so that the planner may use it.
func listCACertificatesSQL(order iot.Order, after, template bool) string {
	cmp, dir := keyset(order)
	q := `SELECT ` + caCertificateColumns + ` FROM ca_certificates WHERE region = ?1 AND account = ?2`
	if template {
		q += ` AND template_name = ?6 AND template_name <> ''`
	}
	if after {
		q += ` AND (created_ms, cert_id) ` + cmp + ` (?3, ?4)`
	}
	return q + ` ORDER BY created_ms ` + dir + `, cert_id ` + dir + ` LIMIT ?5`
}

// listCertificatesByCASQL returns the ListCertificatesByCA query. Arguments: ?1 account,
// ?2 region, ?3 after created_ms, ?4 after cert_id, ?5 limit, ?6 CA certificate ID. It
// reads certificates_ca_list, whose partial condition it repeats.
func listCertificatesByCASQL(order iot.Order, after bool) string {
	cmp, dir := keyset(order)
	position := ""
	if after {
		position = ` AND (created_ms, cert_id) ` + cmp + ` (?3, ?4)`
	}
	return selectSummariesOwned + ` AND ca_certificate_id = ?6 AND ca_certificate_id <> ''` + position +
		` ORDER BY created_ms ` + dir + `, cert_id ` + dir + ` LIMIT ?5`
}

// Registration codes.
const (
	selectRegistrationCode = `SELECT region, account, code, created_ms FROM registration_codes
	WHERE region = ? AND account = ?`
	insertRegistrationCode = `INSERT INTO registration_codes (region, account, code, created_ms) VALUES (?, ?, ?, ?)`
	deleteRegistrationCode = `DELETE FROM registration_codes WHERE region = ? AND account = ?`
)
