package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// caCertificateArgs returns ca's values in the order of caCertificateColumns, with version
// as the stored version.
func caCertificateArgs(ca *iot.CACertificate, version int64) []any {
	return []any{
		ca.Region, ca.Account, ca.ID, string(ca.Status), string(ca.Mode), ca.PEM, ca.SubjectKey,
		string(ca.AutoRegistration), ca.RegistrationConfig.TemplateBody, ca.RegistrationConfig.RoleARN,
		ca.RegistrationConfig.TemplateName, ms(ca.CreatedAt), nullMS(ca.LastModifiedAt), int64(ca.CustomerVersion),
		ca.GenerationID, nullMS(ca.NotBefore), nullMS(ca.NotAfter), version,
	}
}

// scanCACertificate reads a row of caCertificateColumns.
func scanCACertificate(row pgx.Row) (*iot.CACertificate, error) {
	var (
		ca                            iot.CACertificate
		status, mode, auto            string
		created, customerVersion      int64
		modified, notBefore, notAfter *int64
	)
	err := row.Scan(&ca.Region, &ca.Account, &ca.ID, &status, &mode, &ca.PEM, &ca.SubjectKey, &auto,
		&ca.RegistrationConfig.TemplateBody, &ca.RegistrationConfig.RoleARN, &ca.RegistrationConfig.TemplateName,
		&created, &modified, &customerVersion, &ca.GenerationID, &notBefore, &notAfter, &ca.Version)
	if err != nil {
		return nil, err
	}
	ca.Status, ca.Mode, ca.AutoRegistration = iot.CAStatus(status), iot.Mode(mode), iot.AutoRegistrationStatus(auto)
	ca.CustomerVersion = int(customerVersion)
	ca.CreatedAt, ca.LastModifiedAt = fromMS(created), fromNullMS(modified)
	ca.NotBefore, ca.NotAfter = fromNullMS(notBefore), fromNullMS(notAfter)
	return &ca, nil
}

// scanRegistrationCode reads a registration code row.
func scanRegistrationCode(row pgx.Row) (*iot.RegistrationCode, error) {
	var rc iot.RegistrationCode
	var created int64
	if err := row.Scan(&rc.Region, &rc.Account, &rc.Code, &created); err != nil {
		return nil, err
	}
	rc.CreatedAt = fromMS(created)
	return &rc, nil
}

// CACertificatesByID returns every record of a CA certificate in a region.
func (r reader) CACertificatesByID(ctx context.Context, region, id string) ([]*iot.CACertificate, error) {
	return queryAll(ctx, r, "CA certificates by id", selectCACertificatesByID, scanCACertificate, region, id)
}

// CACertificatesBySubject returns an account's CA certificates with a subject key.
func (r reader) CACertificatesBySubject(ctx context.Context, region, account, subjectKey string) ([]*iot.CACertificate, error) {
	return queryAll(ctx, r, "CA certificates by subject", selectCACertificatesBySubject, scanCACertificate, region, account, subjectKey)
}

// ListCACertificates returns a keyset page of an account's CA certificates.
func (r reader) ListCACertificates(ctx context.Context, q iot.CACertificateQuery) ([]*iot.CACertificate, error) {
	const op = "list CA certificates"
	if err := limit(op, q.Limit); err != nil {
		return nil, err
	}
	template := q.TemplateName != ""
	args := []any{q.Region, q.Account}
	if template {
		args = append(args, q.TemplateName)
	}
	if q.After != nil {
		args = append(args, ms(q.After.CreatedAt), q.After.ID)
	}
	args = append(args, q.Limit)
	return queryAll(ctx, r, op, listCACertificatesSQL(q.Order, q.After != nil, template), scanCACertificate, args...)
}

// ListCertificatesByCA returns a keyset page of the device certificates an account owns
// that a CA certificate signed.
func (r reader) ListCertificatesByCA(ctx context.Context, caCertificateID string, q iot.CertificateQuery) ([]*iot.CertificateSummary, error) {
	const op = "list certificates by CA"
	if err := limit(op, q.Limit); err != nil {
		return nil, err
	}
	args := []any{q.Account, q.Region, caCertificateID}
	if q.After != nil {
		args = append(args, ms(q.After.CreatedAt), q.After.ID)
	}
	args = append(args, q.Limit)
	return queryAll(ctx, r, op, listCertificatesByCASQL(q.Order, q.After != nil), scanCertificateSummary, args...)
}

// RegistrationCode returns an account's registration code in a region.
func (r reader) RegistrationCode(ctx context.Context, region, account string) (*iot.RegistrationCode, error) {
	return queryOne(ctx, r, "registration code", selectRegistrationCode, scanRegistrationCode, region, account)
}

// CreateCACertificate inserts ca with version 1.
func (t *tx) CreateCACertificate(ctx context.Context, ca *iot.CACertificate) error {
	if err := t.insert(ctx, "create CA certificate", insertCACertificate, caCertificateArgs(ca, 1)...); err != nil {
		return err
	}
	ca.Version = 1
	return nil
}

// PutCACertificate replaces a CA certificate if it is still at ca.Version, and advances
// ca.Version.
func (t *tx) PutCACertificate(ctx context.Context, ca *iot.CACertificate) error {
	const op = "put CA certificate"
	args := append(caCertificateArgs(ca, ca.Version+1), ca.Region, ca.Account, ca.ID, ca.Version)
	n, err := t.exec(ctx, op, updateCACertificate, args...)
	if err != nil {
		return err
	}
	if err := t.versioned(ctx, op, n, caCertificateExists, ca.Region, ca.Account, ca.ID); err != nil {
		return fmt.Errorf("%w (CA certificate %s, version %d)", err, ca.ID, ca.Version)
	}
	ca.Version++
	return nil
}

// DeleteCACertificate removes a CA certificate if it is still at ca.Version.
func (t *tx) DeleteCACertificate(ctx context.Context, ca *iot.CACertificate) error {
	const op = "delete CA certificate"
	n, err := t.exec(ctx, op, deleteCACertificate, ca.Region, ca.Account, ca.ID, ca.Version)
	if err != nil {
		return err
	}
	if err := t.versioned(ctx, op, n, caCertificateExists, ca.Region, ca.Account, ca.ID); err != nil {
		return fmt.Errorf("%w (CA certificate %s, version %d)", err, ca.ID, ca.Version)
	}
	return nil
}

// CreateRegistrationCode stores an account's registration code.
func (t *tx) CreateRegistrationCode(ctx context.Context, rc *iot.RegistrationCode) error {
	return t.insert(ctx, "create registration code", insertRegistrationCode, rc.Region, rc.Account, rc.Code, ms(rc.CreatedAt))
}

// DeleteRegistrationCode removes an account's registration code.
func (t *tx) DeleteRegistrationCode(ctx context.Context, region, account string) error {
	return t.execOne(ctx, "delete registration code", deleteRegistrationCode, region, account)
}
