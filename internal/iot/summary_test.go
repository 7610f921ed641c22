package iot

import (
	"testing"
	"time"
)

// TestSummary checks that a listing shows what the record holds: the same ARN (the
// owner's, or the target's while a transfer is pending) and the listed fields.
func TestSummary(t *testing.T) {
	created := time.UnixMilli(1_700_000_000_000).UTC()
	c := &Certificate{
		RecordID: "r1", Region: "eu-west-1", ID: "abc", Owner: "111111111111", PreviousOwner: "333333333333",
		Status: StatusActive, Mode: ModeSNIOnly, PEM: "pem", CACertificateID: "ca", CreatedAt: created,
		LastModifiedAt: created.Add(time.Hour), CustomerVersion: 3, GenerationID: "g", Version: 7,
	}
	s := c.Summary()
	if got, want := s.ARN(), "arn:aws:iot:eu-west-1:111111111111:cert/abc"; got != want || c.ARN() != want {
		t.Errorf("ARN: summary %q, record %q, want %q", got, c.ARN(), want)
	}
	want := CertificateSummary{RecordID: "r1", Region: "eu-west-1", ID: "abc", Owner: "111111111111",
		Status: StatusActive, Mode: ModeSNIOnly, CreatedAt: created}
	if *s != want {
		t.Errorf("summary %+v, want %+v", *s, want)
	}

	c.Status = StatusPendingTransfer
	c.Transfer = TransferData{Target: "222222222222", Message: "yours", TransferDate: created.Add(2 * time.Hour),
		AcceptDate: created.Add(3 * time.Hour)}
	s = c.Summary()
	if got, want := s.ARN(), "arn:aws:iot:eu-west-1:222222222222:cert/abc"; got != want || c.ARN() != want {
		t.Errorf("pending ARN: summary %q, record %q, want %q", got, c.ARN(), want)
	}
	if s.TransferTarget != "222222222222" || s.TransferMessage != "yours" || !s.TransferDate.Equal(c.Transfer.TransferDate) ||
		s.Status != StatusPendingTransfer {
		t.Errorf("pending summary %+v", *s)
	}
}
