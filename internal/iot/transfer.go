package iot

import (
	"context"
)

// The transfer workflow (semantics.md §1, §6; iot-api.md §4.2). A transfer is pushed by the
// owning (source) account, and the target accepts or rejects it; until then the source may
// cancel. The certificate ID never changes; its ARN names the target from the moment the
// transfer starts. Choices where AWS is silent are listed in docs/aws-behaviour.md.

// TransferCertificateInput is the input of TransferCertificate.
type TransferCertificateInput struct {
	CertificateID    string
	TargetAwsAccount string
	TransferMessage  string
}

// TransferCertificate starts moving a certificate to another account. The certificate must
// not be ACTIVE (CertificateState), must have no policies and no things attached
// (TransferConflict), and becomes PENDING_TRANSFER. It returns the certificate's ARN in the
// target account.
func (s *Service) TransferCertificate(ctx context.Context, c Caller, in TransferCertificateInput) (string, error) {
	id, err := checkCertificateID("certificateId", in.CertificateID)
	if err != nil {
		return "", err
	}
	if err := checkAccountID("targetAwsAccount", in.TargetAwsAccount); err != nil {
		return "", err
	}
	if err := checkMessage("transferMessage", in.TransferMessage); err != nil {
		return "", err
	}
	var arn string
	err = s.update(ctx, func(tx Tx) error {
		records, err := tx.CertificatesByID(ctx, c.Region, id)
		if err != nil {
			return err
		}
		cert, rel := relate(records, c.Account)
		switch rel {
		case relNone, relFormerOwner:
			return certificateNotFound(id)
		case relSource, relTarget:
			return Errorf(CodeCertificateState, "The certificate %s is already pending transfer.", id)
		}
		switch cert.Status {
		case StatusActive:
			return Errorf(CodeCertificateState, "The certificate %s is ACTIVE; deactivate it before transferring it.", id)
		case StatusRevoked:
			return Errorf(CodeCertificateState, "The certificate %s is revoked and cannot be transferred.", id)
		}
		if in.TargetAwsAccount == c.Account {
			return invalid("The certificate cannot be transferred to the account that owns it.")
		}
		// An SNI_ONLY certificate can be registered in several accounts, but an account
		// holds one record of an ID: what it owns, or what is pending transfer to it.
		for _, r := range records {
			if r == cert {
				continue
			}
			if r.Owner == in.TargetAwsAccount {
				return invalid("The account %s already has a certificate with ID %s.", in.TargetAwsAccount, id)
			}
			if r.Pending() && r.Transfer.Target == in.TargetAwsAccount {
				return invalid("The certificate %s is already pending transfer to the account %s from another account.", id, in.TargetAwsAccount)
			}
		}
		ownArn := cert.ARN()
		n, err := tx.CountTargetPolicies(ctx, c.Region, c.Account, ownArn)
		if err != nil {
			return err
		}
		if n > 0 {
			return Errorf(CodeTransferConflict, "You can't transfer the certificate because authorization policies are still attached (arn: %s).", ownArn)
		}
		things, err := tx.PrincipalThings(ctx, ownArn, NameQuery{Region: c.Region, Account: c.Account, Limit: 1})
		if err != nil {
			return err
		}
		if len(things) > 0 {
			return Errorf(CodeTransferConflict, "You can't transfer the certificate because it is still attached to things (arn: %s).", ownArn)
		}
		now := s.now()
		cert.Status = StatusPendingTransfer
		cert.Transfer = TransferData{Target: in.TargetAwsAccount, Message: in.TransferMessage, TransferDate: now}
		touch(cert, now)
		if err := tx.PutCertificate(ctx, cert); err != nil {
			return err
		}
		arn = cert.ARN()
		return nil
	})
	return arn, err
}

// AcceptCertificateTransferInput is the input of AcceptCertificateTransfer.
type AcceptCertificateTransferInput struct {
	CertificateID string
	SetAsActive   bool
}

// AcceptCertificateTransfer completes a pending transfer to the caller: the caller becomes
// the owner and the certificate is INACTIVE, or ACTIVE when SetAsActive is set.
func (s *Service) AcceptCertificateTransfer(ctx context.Context, c Caller, in AcceptCertificateTransferInput) error {
	return s.settleTransfer(ctx, c, in.CertificateID, relTarget, "accept", func(cert *Certificate, now TransferData) {
		cert.PreviousOwner = cert.Owner
		cert.Owner = cert.Transfer.Target
		cert.Status = StatusInactive
		if in.SetAsActive {
			cert.Status = StatusActive
		}
		cert.Transfer.AcceptDate = now.AcceptDate
	})
}

// RejectCertificateTransferInput is the input of RejectCertificateTransfer.
type RejectCertificateTransferInput struct {
	CertificateID string
	RejectReason  string
}

// RejectCertificateTransfer refuses a pending transfer to the caller; the certificate goes
// back to the source as INACTIVE, with the reason and date recorded.
func (s *Service) RejectCertificateTransfer(ctx context.Context, c Caller, in RejectCertificateTransferInput) error {
	if err := checkMessage("rejectReason", in.RejectReason); err != nil {
		return err
	}
	return s.settleTransfer(ctx, c, in.CertificateID, relTarget, "reject", func(cert *Certificate, now TransferData) {
		cert.Status = StatusInactive
		cert.Transfer.RejectReason = in.RejectReason
		cert.Transfer.RejectDate = now.RejectDate
	})
}

// CancelCertificateTransferInput is the input of CancelCertificateTransfer.
type CancelCertificateTransferInput struct {
	CertificateID string
}

// CancelCertificateTransfer withdraws a pending transfer made by the caller; the
// certificate stays with the caller as INACTIVE.
func (s *Service) CancelCertificateTransfer(ctx context.Context, c Caller, in CancelCertificateTransferInput) error {
	return s.settleTransfer(ctx, c, in.CertificateID, relSource, "cancel", func(cert *Certificate, _ TransferData) {
		cert.Status = StatusInactive
	})
}

// settleTransfer ends a pending transfer on behalf of the party allowed to (want). Both
// parties of a transfer the target has accepted get TransferAlreadyCompleted; a party in
// the wrong role, or an owner with nothing pending, gets InvalidRequest; any other account
// gets ResourceNotFound. The read, the rule and the write are one transaction, so when
// accept, reject and cancel race, exactly one finds the transfer pending.
func (s *Service) settleTransfer(ctx context.Context, c Caller, certificateID string, want relation, verb string,
	apply func(cert *Certificate, now TransferData)) error {
	id, err := checkCertificateID("certificateId", certificateID)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		cert, rel, err := lookup(ctx, tx, c, id)
		if err != nil {
			return err
		}
		switch {
		case rel == relNone:
			return certificateNotFound(id)
		case rel == relFormerOwner || (rel == relOwner && cert.PreviousOwner != "" && !cert.Transfer.AcceptDate.IsZero()):
			return Errorf(CodeTransferAlreadyCompleted, "You can't revert the certificate transfer because the transfer is already complete (certificate %s).", id)
		case rel == relOwner:
			return invalid("The certificate %s is not pending transfer.", id)
		case rel != want && want == relTarget:
			return invalid("Only the account the certificate %s is being transferred to can %s the transfer.", id, verb)
		case rel != want:
			return invalid("Only the account that started the transfer of certificate %s can cancel it; the target can reject it.", id)
		}
		now := s.now()
		apply(cert, TransferData{AcceptDate: now, RejectDate: now})
		cert.Transfer.Target = ""
		touch(cert, now)
		return tx.PutCertificate(ctx, cert)
	})
}
