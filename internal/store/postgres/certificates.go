package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// certificateArgs returns c's values in the order of certificateColumns, with version as
// the stored version.
func certificateArgs(c *iot.Certificate, version int64) []any {
	return []any{
		c.RecordID, c.Region, c.ID, c.Owner, c.PreviousOwner, string(c.Status), string(c.Mode), c.PEM,
		c.CACertificateID, ms(c.CreatedAt), nullMS(c.LastModifiedAt), int64(c.CustomerVersion), c.GenerationID,
		nullMS(c.NotBefore), nullMS(c.NotAfter), nullString(c.Transfer.Target), c.Transfer.Message,
		c.Transfer.RejectReason, nullMS(c.Transfer.TransferDate), nullMS(c.Transfer.AcceptDate),
		nullMS(c.Transfer.RejectDate), version,
	}
}

// scanCertificate reads a row of certificateColumns.
func scanCertificate(row pgx.Row) (*iot.Certificate, error) {
	var (
		c                                    iot.Certificate
		status, mode                         string
		created, customerVersion             int64
		modified, notBefore, notAfter        *int64
		target                               *string
		transferDate, acceptDate, rejectDate *int64
	)
	err := row.Scan(&c.RecordID, &c.Region, &c.ID, &c.Owner, &c.PreviousOwner, &status, &mode, &c.PEM,
		&c.CACertificateID, &created, &modified, &customerVersion, &c.GenerationID,
		&notBefore, &notAfter, &target, &c.Transfer.Message, &c.Transfer.RejectReason,
		&transferDate, &acceptDate, &rejectDate, &c.Version)
	if err != nil {
		return nil, err
	}
	c.Status, c.Mode = iot.Status(status), iot.Mode(mode)
	c.CustomerVersion = int(customerVersion)
	c.CreatedAt, c.LastModifiedAt = fromMS(created), fromNullMS(modified)
	c.NotBefore, c.NotAfter = fromNullMS(notBefore), fromNullMS(notAfter)
	if target != nil {
		c.Transfer.Target = *target
	}
	c.Transfer.TransferDate = fromNullMS(transferDate)
	c.Transfer.AcceptDate = fromNullMS(acceptDate)
	c.Transfer.RejectDate = fromNullMS(rejectDate)
	return &c, nil
}

// scanCertificateSummary reads a row of certificateSummaryColumns.
func scanCertificateSummary(row pgx.Row) (*iot.CertificateSummary, error) {
	var (
		c            iot.CertificateSummary
		status, mode string
		created      int64
		target       *string
		transferDate *int64
	)
	err := row.Scan(&c.RecordID, &c.Region, &c.ID, &c.Owner, &status, &mode, &created,
		&target, &c.TransferMessage, &transferDate)
	if err != nil {
		return nil, err
	}
	c.Status, c.Mode = iot.Status(status), iot.Mode(mode)
	c.CreatedAt = fromMS(created)
	if target != nil {
		c.TransferTarget = *target
	}
	c.TransferDate = fromNullMS(transferDate)
	return &c, nil
}

// CertificatesByID returns every record of a certificate in a region.
func (r reader) CertificatesByID(ctx context.Context, region, id string) ([]*iot.Certificate, error) {
	return queryAll(ctx, r, "certificates by id", selectCertificatesByID, scanCertificate, region, id)
}

// ListCertificates returns a keyset page of the certificates an account owns or is being
// offered.
func (r reader) ListCertificates(ctx context.Context, q iot.CertificateQuery) ([]*iot.CertificateSummary, error) {
	return r.listCertificates(ctx, "list certificates", listCertificatesSQL(q.Order, q.After != nil), q)
}

// ListOutgoingCertificates returns a keyset page of the certificates an account owns that
// are pending transfer.
func (r reader) ListOutgoingCertificates(ctx context.Context, q iot.CertificateQuery) ([]*iot.CertificateSummary, error) {
	return r.listCertificates(ctx, "list outgoing certificates", listOutgoingCertificatesSQL(q.Order, q.After != nil), q)
}

func (r reader) listCertificates(ctx context.Context, op, query string, q iot.CertificateQuery) ([]*iot.CertificateSummary, error) {
	if err := limit(op, q.Limit); err != nil {
		return nil, err
	}
	return queryAll(ctx, r, op, query, scanCertificateSummary, listCertificatesArgs(q)...)
}

// listCertificatesArgs returns the arguments of listCertificatesSQL.
func listCertificatesArgs(q iot.CertificateQuery) []any {
	if q.After == nil {
		return []any{q.Account, q.Region, q.Limit}
	}
	return []any{q.Account, q.Region, ms(q.After.CreatedAt), q.After.ID, q.Limit}
}

// CreateCertificate inserts c with version 1.
func (t *tx) CreateCertificate(ctx context.Context, c *iot.Certificate) error {
	if err := t.insert(ctx, "create certificate", insertCertificate, certificateArgs(c, 1)...); err != nil {
		return err
	}
	c.Version = 1
	return nil
}

// PutCertificate replaces the record c.RecordID if it is still at c.Version, and advances
// c.Version.
func (t *tx) PutCertificate(ctx context.Context, c *iot.Certificate) error {
	const op = "put certificate"
	args := append(certificateArgs(c, c.Version+1), c.RecordID, c.Version)
	n, err := t.exec(ctx, op, updateCertificate, args...)
	if err != nil {
		return err
	}
	if err := t.versioned(ctx, op, n, certificateExists, c.RecordID); err != nil {
		return fmt.Errorf("%w (record %s, version %d)", err, c.RecordID, c.Version)
	}
	c.Version++
	return nil
}

// DeleteCertificate removes the record c.RecordID if it is still at c.Version.
func (t *tx) DeleteCertificate(ctx context.Context, c *iot.Certificate) error {
	const op = "delete certificate"
	n, err := t.exec(ctx, op, deleteCertificate, c.RecordID, c.Version)
	if err != nil {
		return err
	}
	if err := t.versioned(ctx, op, n, certificateExists, c.RecordID); err != nil {
		return fmt.Errorf("%w (record %s, version %d)", err, c.RecordID, c.Version)
	}
	return nil
}
