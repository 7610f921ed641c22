package main

import (
	"context"
	"fmt"
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

	t.Run("wrong party", func(t *testing.T) {
		c := s.Account(acctC)
		id := newInactiveCert(t, a)
		must(a.TransferCertificate(ctx, &iot.TransferCertificateInput{CertificateId: aws.String(id), TargetAwsAccount: aws.String(acctB)})).T(t)
		// The source may only cancel; the target may only accept or reject.
		_, err := a.AcceptCertificateTransfer(ctx, &iot.AcceptCertificateTransferInput{CertificateId: aws.String(id)})
		requireCode[*types.InvalidRequestException](t, err, 400)
		_, err = a.RejectCertificateTransfer(ctx, &iot.RejectCertificateTransferInput{CertificateId: aws.String(id)})
		requireCode[*types.InvalidRequestException](t, err, 400)
		_, err = b.CancelCertificateTransfer(ctx, &iot.CancelCertificateTransferInput{CertificateId: aws.String(id)})
		requireCode[*types.InvalidRequestException](t, err, 400)
		// Any other account sees nothing.
		_, err = c.AcceptCertificateTransfer(ctx, &iot.AcceptCertificateTransferInput{CertificateId: aws.String(id)})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		_, err = c.RejectCertificateTransfer(ctx, &iot.RejectCertificateTransferInput{CertificateId: aws.String(id)})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		_, err = c.CancelCertificateTransfer(ctx, &iot.CancelCertificateTransferInput{CertificateId: aws.String(id)})
		requireCode[*types.ResourceNotFoundException](t, err, 404)
		// None of it changed the transfer.
		if d := describe(t, b, id); d.Status != types.CertificateStatusPendingTransfer || aws.ToString(d.OwnedBy) != acctA ||
			d.TransferData.RejectDate != nil || d.TransferData.AcceptDate != nil {
			t.Fatalf("after refused settlements: %s owned by %s, %+v", d.Status, aws.ToString(d.OwnedBy), d.TransferData)
		}
	})
}

// TestOutgoingList pages ListOutgoingCertificates to the end in both orders and checks
// its page-size bounds and what each entry says.
func TestOutgoingList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := &testClock{}
	s := mustServeIAM(t, Config{DataDir: t.TempDir(), Emulator: true, Clock: clock.Now})
	a := s.Account(acctA)
	// Transfer i goes to B or C by its parity.
	targetOf := func(i int) string {
		if i%2 == 1 {
			return acctC
		}
		return acctB
	}
	var want []string // in order of creation
	for i := range 7 {
		id := newInactiveCert(t, a)
		clock.Advance(2 * time.Millisecond) // distinct creation dates, without waiting
		must(a.TransferCertificate(ctx, &iot.TransferCertificateInput{CertificateId: aws.String(id), TargetAwsAccount: aws.String(targetOf(i)),
			TransferMessage: aws.String(fmt.Sprintf("batch %d", i))})).T(t)
		want = append(want, id)
	}
	newInactiveCert(t, a) // not transferred: not listed
	page := func(ascending bool, size int32) []types.OutgoingCertificate {
		var all []types.OutgoingCertificate
		p := iot.NewListOutgoingCertificatesPaginator(a, &iot.ListOutgoingCertificatesInput{AscendingOrder: ascending, PageSize: aws.Int32(size)})
		for pages := 0; p.HasMorePages(); pages++ {
			if pages > 20 {
				t.Fatal("ListOutgoingCertificates paginator does not end")
			}
			out := must(p.NextPage(ctx)).T(t)
			if len(out.OutgoingCertificates) > int(size) {
				t.Fatalf("page of %d with pageSize %d", len(out.OutgoingCertificates), size)
			}
			all = append(all, out.OutgoingCertificates...)
		}
		return all
	}
	for _, ascending := range []bool{true, false} {
		for _, size := range []int32{1, 3, 250} {
			got := page(ascending, size)
			var gotIDs []string
			for _, o := range got {
				gotIDs = append(gotIDs, aws.ToString(o.CertificateId))
			}
			expect := slices.Clone(want)
			if !ascending {
				slices.Reverse(expect)
			}
			if !slices.Equal(gotIDs, expect) {
				t.Fatalf("ascending %v, pageSize %d: %v, want %v", ascending, size, gotIDs, expect)
			}
			for _, o := range got {
				i := slices.Index(want, aws.ToString(o.CertificateId))
				target := targetOf(i)
				if aws.ToString(o.TransferredTo) != target || aws.ToString(o.TransferMessage) != fmt.Sprintf("batch %d", i) ||
					aws.ToString(o.CertificateArn) != "arn:aws:iot:us-east-1:"+target+":cert/"+want[i] || o.TransferDate == nil || o.CreationDate == nil {
					t.Fatalf("entry %+v", o)
				}
			}
		}
	}
	for _, size := range []int32{0, 251} {
		_, err := a.ListOutgoingCertificates(ctx, &iot.ListOutgoingCertificatesInput{PageSize: aws.Int32(size)})
		requireCode[*types.InvalidRequestException](t, err, 400)
	}
	_, err := a.ListOutgoingCertificates(ctx, &iot.ListOutgoingCertificatesInput{Marker: aws.String("not a marker")})
	requireCode[*types.InvalidRequestException](t, err, 400)
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
		type failure struct {
			op  int // 0 accept, 1 reject (both by the target), 2 cancel (by the source)
			err error
		}
		errs := make(chan failure, 48)
		for g := range 48 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				switch g % 3 {
				case 0:
					_, err = b.AcceptCertificateTransfer(ctx, &iot.AcceptCertificateTransferInput{CertificateId: aws.String(id)})
				case 1:
					_, err = b.RejectCertificateTransfer(ctx, &iot.RejectCertificateTransferInput{CertificateId: aws.String(id), RejectReason: aws.String("race")})
				case 2:
					_, err = a.CancelCertificateTransfer(ctx, &iot.CancelCertificateTransferInput{CertificateId: aws.String(id)})
				}
				if err == nil {
					wins[g%3].Add(1)
					return
				}
				errs <- failure{g % 3, err}
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
		for f := range errs {
			switch {
			case accepted:
				// Both parties: the transfer is complete.
				requireCode[*types.TransferAlreadyCompletedException](t, f.err, 410)
			case f.op == 2:
				// The source still owns the certificate and finds nothing pending.
				requireCode[*types.InvalidRequestException](t, f.err, 400)
			default:
				// After reject or cancel the target no longer sees the certificate.
				requireCode[*types.ResourceNotFoundException](t, f.err, 404)
			}
		}
		switch {
		case accepted:
			d := describe(t, b, id)
			if aws.ToString(d.OwnedBy) != acctB || aws.ToString(d.PreviousOwnedBy) != acctA || d.Status != types.CertificateStatusInactive ||
				d.TransferData.AcceptDate == nil || d.TransferData.RejectDate != nil {
				t.Fatalf("round %d: accepted but owner %s (previously %s), status %s, transferData %+v", round,
					aws.ToString(d.OwnedBy), aws.ToString(d.PreviousOwnedBy), d.Status, d.TransferData)
			}
		default:
			d := describe(t, a, id)
			if aws.ToString(d.OwnedBy) != acctA || d.Status != types.CertificateStatusInactive || d.TransferData.AcceptDate != nil {
				t.Fatalf("round %d: returned but owner %s status %s, transferData %+v", round, aws.ToString(d.OwnedBy), d.Status, d.TransferData)
			}
			// Only a rejection records a reason and a date.
			rejected := wins[1].Load() == 1
			if got := d.TransferData.RejectDate != nil && aws.ToString(d.TransferData.RejectReason) == "race"; got != rejected {
				t.Fatalf("round %d: rejected %v, but transferData %+v", round, rejected, d.TransferData)
			}
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
