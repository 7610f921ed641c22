package main

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"
)

func TestTransferAccept(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a, b, c := s.Account(acctA), s.Account(acctB), s.Account(acctC)
	id := newInactiveCert(t, a)

	before := time.Now().Add(-time.Second)
	out := must(a.TransferCertificate(ctx, &iot.TransferCertificateInput{
		CertificateId: aws.String(id), TargetAwsAccount: aws.String(acctB), TransferMessage: aws.String("for you"),
	})).T(t)
	wantArn := "arn:aws:iot:us-east-1:" + acctB + ":cert/" + id
	if got := aws.ToString(out.TransferredCertificateArn); got != wantArn {
		t.Fatalf("transferredCertificateArn = %s, want %s", got, wantArn)
	}

	// While pending: both parties see it, the target in its list, the source in its
	// outgoing list; any other account does not.
	for name, cl := range map[string]*iot.Client{"source": a, "target": b} {
		d := describe(t, cl, id)
		if d.Status != types.CertificateStatusPendingTransfer || aws.ToString(d.OwnedBy) != acctA || aws.ToString(d.CertificateArn) != wantArn {
			t.Fatalf("%s sees status %s owner %s arn %s", name, d.Status, aws.ToString(d.OwnedBy), aws.ToString(d.CertificateArn))
		}
		td := d.TransferData
		if td == nil || aws.ToString(td.TransferMessage) != "for you" || td.TransferDate == nil || td.TransferDate.Before(before) {
			t.Fatalf("%s sees transferData %+v", name, td)
		}
		if !slices.Contains(ids(listAll(t, cl, false, 25)), id) {
			t.Fatalf("%s does not list the pending certificate", name)
		}
	}
	outgoing := must(a.ListOutgoingCertificates(ctx, &iot.ListOutgoingCertificatesInput{})).T(t)
	if len(outgoing.OutgoingCertificates) != 1 {
		t.Fatalf("outgoing = %d certificates, want 1", len(outgoing.OutgoingCertificates))
	}
	og := outgoing.OutgoingCertificates[0]
	if aws.ToString(og.CertificateId) != id || aws.ToString(og.TransferredTo) != acctB || aws.ToString(og.CertificateArn) != wantArn ||
		aws.ToString(og.TransferMessage) != "for you" || og.TransferDate == nil || og.CreationDate == nil {
		t.Fatalf("outgoing certificate = %+v", og)
	}
	if n := len(must(b.ListOutgoingCertificates(ctx, &iot.ListOutgoingCertificatesInput{})).T(t).OutgoingCertificates); n != 0 {
		t.Fatalf("target's outgoing list has %d entries", n)
	}
	_, err := c.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(id)})
	requireCode[*types.ResourceNotFoundException](t, err, 404)
	_, err = c.AcceptCertificateTransfer(ctx, &iot.AcceptCertificateTransferInput{CertificateId: aws.String(id)})
	requireCode[*types.ResourceNotFoundException](t, err, 404)

	// Wrong parties.
	_, err = a.AcceptCertificateTransfer(ctx, &iot.AcceptCertificateTransferInput{CertificateId: aws.String(id)})
	requireCode[*types.InvalidRequestException](t, err, 400)
	_, err = b.CancelCertificateTransfer(ctx, &iot.CancelCertificateTransferInput{CertificateId: aws.String(id)})
	requireCode[*types.InvalidRequestException](t, err, 400)
	// Nothing changes while pending.
	_, err = a.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(id), NewStatus: types.CertificateStatusActive})
	requireCode[*types.CertificateStateException](t, err, 406)
	_, err = a.DeleteCertificate(ctx, &iot.DeleteCertificateInput{CertificateId: aws.String(id)})
	requireCode[*types.CertificateStateException](t, err, 406)

	must(b.AcceptCertificateTransfer(ctx, &iot.AcceptCertificateTransferInput{CertificateId: aws.String(id), SetAsActive: true})).T(t)
	d := describe(t, b, id)
	if d.Status != types.CertificateStatusActive || aws.ToString(d.OwnedBy) != acctB || aws.ToString(d.PreviousOwnedBy) != acctA ||
		aws.ToString(d.CertificateArn) != wantArn || d.TransferData.AcceptDate == nil || d.TransferData.RejectDate != nil {
		t.Fatalf("after accept: %+v transferData %+v", d, d.TransferData)
	}
	if aws.ToInt32(d.CustomerVersion) < 2 {
		t.Fatalf("customerVersion = %d after transfer and accept", aws.ToInt32(d.CustomerVersion))
	}
	_, err = a.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(id)})
	requireCode[*types.ResourceNotFoundException](t, err, 404)
	if slices.Contains(ids(listAll(t, a, false, 25)), id) {
		t.Fatal("source still lists the certificate after accept")
	}
	if n := len(must(a.ListOutgoingCertificates(ctx, &iot.ListOutgoingCertificatesInput{})).T(t).OutgoingCertificates); n != 0 {
		t.Fatalf("outgoing list has %d entries after accept", n)
	}

	// After acceptance every settlement is TransferAlreadyCompleted, for both parties.
	for name, call := range map[string]func() error{
		"source cancels": func() error {
			_, err := a.CancelCertificateTransfer(ctx, &iot.CancelCertificateTransferInput{CertificateId: aws.String(id)})
			return err
		},
		"target rejects": func() error {
			_, err := b.RejectCertificateTransfer(ctx, &iot.RejectCertificateTransferInput{CertificateId: aws.String(id)})
			return err
		},
		"target accepts again": func() error {
			_, err := b.AcceptCertificateTransfer(ctx, &iot.AcceptCertificateTransferInput{CertificateId: aws.String(id)})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			requireCode[*types.TransferAlreadyCompletedException](t, call(), 410)
		})
	}
	_, err = c.CancelCertificateTransfer(ctx, &iot.CancelCertificateTransferInput{CertificateId: aws.String(id)})
	requireCode[*types.ResourceNotFoundException](t, err, 404)
}

func TestTransferRejectAndCancel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a, b := s.Account(acctA), s.Account(acctB)

	t.Run("reject", func(t *testing.T) {
		id := newInactiveCert(t, a)
		must(a.TransferCertificate(ctx, &iot.TransferCertificateInput{CertificateId: aws.String(id), TargetAwsAccount: aws.String(acctB)})).T(t)
		must(b.RejectCertificateTransfer(ctx, &iot.RejectCertificateTransferInput{CertificateId: aws.String(id), RejectReason: aws.String("not ours")})).T(t)
		d := describe(t, a, id)
		if d.Status != types.CertificateStatusInactive || aws.ToString(d.OwnedBy) != acctA || d.PreviousOwnedBy != nil ||
			aws.ToString(d.CertificateArn) != "arn:aws:iot:us-east-1:"+acctA+":cert/"+id {
			t.Fatalf("after reject: %+v", d)
		}
		if aws.ToString(d.TransferData.RejectReason) != "not ours" || d.TransferData.RejectDate == nil || d.TransferData.AcceptDate != nil {
			t.Fatalf("after reject transferData = %+v", d.TransferData)
		}
		_, err := b.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(id)})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		_, err = b.RejectCertificateTransfer(ctx, &iot.RejectCertificateTransferInput{CertificateId: aws.String(id)})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		_, err = a.CancelCertificateTransfer(ctx, &iot.CancelCertificateTransferInput{CertificateId: aws.String(id)})
		requireCode[*types.InvalidRequestException](t, err, 400)
		// The source can use it again.
		must(a.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(id), NewStatus: types.CertificateStatusActive})).T(t)
	})

	t.Run("cancel", func(t *testing.T) {
		id := newInactiveCert(t, a)
		must(a.TransferCertificate(ctx, &iot.TransferCertificateInput{CertificateId: aws.String(id), TargetAwsAccount: aws.String(acctB), TransferMessage: aws.String("m")})).T(t)
		must(a.CancelCertificateTransfer(ctx, &iot.CancelCertificateTransferInput{CertificateId: aws.String(id)})).T(t)
		d := describe(t, a, id)
		if d.Status != types.CertificateStatusInactive || aws.ToString(d.OwnedBy) != acctA {
			t.Fatalf("after cancel: %+v", d)
		}
		if aws.ToString(d.TransferData.TransferMessage) != "m" || d.TransferData.TransferDate == nil {
			t.Fatalf("cancel dropped the transfer history: %+v", d.TransferData)
		}
		_, err := b.AcceptCertificateTransfer(ctx, &iot.AcceptCertificateTransferInput{CertificateId: aws.String(id)})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		if n := len(must(a.ListOutgoingCertificates(ctx, &iot.ListOutgoingCertificatesInput{})).T(t).OutgoingCertificates); n != 0 {
			t.Fatalf("outgoing list has %d entries after cancel", n)
		}
	})
}

func TestTransferPreconditions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a := s.Account(acctA)
	transfer := func(id, target, msg string) error {
		in := &iot.TransferCertificateInput{CertificateId: aws.String(id), TargetAwsAccount: aws.String(target)}
		if msg != "" {
			in.TransferMessage = aws.String(msg)
		}
		_, err := a.TransferCertificate(ctx, in)
		return err
	}

	t.Run("active certificate", func(t *testing.T) {
		out := must(a.CreateKeysAndCertificate(ctx, &iot.CreateKeysAndCertificateInput{SetAsActive: true})).T(t)
		requireCode[*types.CertificateStateException](t, transfer(aws.ToString(out.CertificateId), acctB, ""), 406)
	})
	t.Run("revoked certificate", func(t *testing.T) {
		id := newInactiveCert(t, a)
		must(a.UpdateCertificate(ctx, &iot.UpdateCertificateInput{CertificateId: aws.String(id), NewStatus: types.CertificateStatusRevoked})).T(t)
		requireCode[*types.CertificateStateException](t, transfer(id, acctB, ""), 406)
	})
	t.Run("already pending", func(t *testing.T) {
		id := newInactiveCert(t, a)
		if err := transfer(id, acctB, ""); err != nil {
			t.Fatal(err)
		}
		requireCode[*types.CertificateStateException](t, transfer(id, acctC, ""), 406)
	})
	t.Run("policy attached", func(t *testing.T) {
		id := newInactiveCert(t, a)
		arn := describe(t, a, id).CertificateArn
		must(a.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String("p-transfer"), PolicyDocument: aws.String(testPolicyDoc)})).T(t)
		must(a.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String("p-transfer"), Target: arn})).T(t)
		requireCode[*types.TransferConflictException](t, transfer(id, acctB, ""), 409)
		must(a.DetachPolicy(ctx, &iot.DetachPolicyInput{PolicyName: aws.String("p-transfer"), Target: arn})).T(t)
		if err := transfer(id, acctB, ""); err != nil {
			t.Fatalf("transfer after detaching the policy: %v", err)
		}
	})
	t.Run("thing attached", func(t *testing.T) {
		id := newInactiveCert(t, a)
		arn := describe(t, a, id).CertificateArn
		must(a.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("thing-transfer")})).T(t)
		must(a.AttachThingPrincipal(ctx, &iot.AttachThingPrincipalInput{ThingName: aws.String("thing-transfer"), Principal: arn})).T(t)
		requireCode[*types.TransferConflictException](t, transfer(id, acctB, ""), 409)
		must(a.DetachThingPrincipal(ctx, &iot.DetachThingPrincipalInput{ThingName: aws.String("thing-transfer"), Principal: arn})).T(t)
		if err := transfer(id, acctB, ""); err != nil {
			t.Fatalf("transfer after detaching the thing: %v", err)
		}
	})
	t.Run("validation", func(t *testing.T) {
		id := newInactiveCert(t, a)
		cases := map[string]error{
			"short id":           transfer(id[:63], acctB, ""),
			"non-hex id":         transfer("z"+id[1:], acctB, ""),
			"11-digit account":   transfer(id, "12345678901", ""),
			"letters in account": transfer(id, "12345678901a", ""),
			"129-char message":   transfer(id, acctB, stringOf('x', 129)),
			"own account":        transfer(id, acctA, ""),
		}
		for name, err := range cases {
			t.Run(name, func(t *testing.T) { requireCode[*types.InvalidRequestException](t, err, 400) })
		}
		if err := transfer(id, acctB, stringOf('x', 128)); err != nil {
			t.Fatalf("128-character message refused: %v", err)
		}
		_, err := s.Account(acctB).RejectCertificateTransfer(ctx, &iot.RejectCertificateTransferInput{CertificateId: aws.String(id), RejectReason: aws.String(stringOf('r', 129))})
		requireCode[*types.InvalidRequestException](t, err, 400)
	})
	t.Run("unknown certificate", func(t *testing.T) {
		requireCode[*types.ResourceNotFoundException](t, transfer(stringOf('a', 64), acctB, ""), 404)
	})
}

// TestTransferRace races accept, reject and cancel of one pending transfer from many
// goroutines through the SDK: exactly one settlement wins, every loser gets the exception
// that matches the winner, and the certificate ends in the winner's state.
func TestTransferRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustServe(t, true)
	a, b := s.Account(acctA), s.Account(acctB)
	for round := range 5 {
		id := newInactiveCert(t, a)
		must(a.TransferCertificate(ctx, &iot.TransferCertificateInput{CertificateId: aws.String(id), TargetAwsAccount: aws.String(acctB)})).T(t)
		var wins [3]atomic.Int32
		var wg sync.WaitGroup
		errs := make(chan error, 48)
		for g := range 48 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				switch g % 3 {
				case 0:
					_, err = b.AcceptCertificateTransfer(ctx, &iot.AcceptCertificateTransferInput{CertificateId: aws.String(id)})
				case 1:
					_, err = b.RejectCertificateTransfer(ctx, &iot.RejectCertificateTransferInput{CertificateId: aws.String(id)})
				case 2:
					_, err = a.CancelCertificateTransfer(ctx, &iot.CancelCertificateTransferInput{CertificateId: aws.String(id)})
				}
				if err == nil {
					wins[g%3].Add(1)
					return
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		total := wins[0].Load() + wins[1].Load() + wins[2].Load()
		if total != 1 {
			t.Fatalf("round %d: %d settlements won (accept %d, reject %d, cancel %d), want exactly 1",
				round, total, wins[0].Load(), wins[1].Load(), wins[2].Load())
		}
		accepted := wins[0].Load() == 1
		for err := range errs {
			switch {
			case accepted:
				requireCode[*types.TransferAlreadyCompletedException](t, err, 410)
			case httpStatus(err) == 404:
				// After reject or cancel the target no longer sees the certificate.
				requireCode[*types.ResourceNotFoundException](t, err, 404)
			default:
				// The source finds nothing pending.
				requireCode[*types.InvalidRequestException](t, err, 400)
			}
		}
		if accepted {
			if d := describe(t, b, id); aws.ToString(d.OwnedBy) != acctB || d.Status != types.CertificateStatusInactive {
				t.Fatalf("round %d: accepted but owner %s status %s", round, aws.ToString(d.OwnedBy), d.Status)
			}
		} else if d := describe(t, a, id); aws.ToString(d.OwnedBy) != acctA || d.Status != types.CertificateStatusInactive {
			t.Fatalf("round %d: returned but owner %s status %s", round, aws.ToString(d.OwnedBy), d.Status)
		}
	}
}

func stringOf(c byte, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return string(b)
}

const testPolicyDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}`
