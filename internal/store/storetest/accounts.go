package storetest

import (
	"bytes"
	"errors"
	"testing"

	"github.com/iotcertd/iotcertd/internal/iot"
)

func testAccounts(t *testing.T, s iot.Store) {
	ctx := t.Context()
	n, err := s.CountAccounts(ctx)
	expectOK(t, err, "CountAccounts")
	if n != 0 {
		t.Errorf("a new store counts %d accounts", n)
	}
	a := &iot.Account{ID: acctA, CreatedAt: at(0)}
	b := &iot.Account{ID: acctB, CreatedAt: at(1)}
	update(t, s, func(tx iot.Tx) error { return errors.Join(tx.CreateAccount(ctx, a), tx.CreateAccount(ctx, b)) })
	got, err := s.Account(ctx, acctA)
	expectOK(t, err, "Account")
	expectEqual(t, got, a, "account")
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.CreateAccount(ctx, &iot.Account{ID: acctA, CreatedAt: at(5)}) })
	expectErr(t, err, iot.ErrAlreadyExists, "create a taken account ID")
	got, err = s.Account(ctx, acctA)
	expectOK(t, err, "Account")
	expectEqual(t, got, a, "account after a refused create")
	_, err = s.Account(ctx, acctC)
	expectErr(t, err, iot.ErrNotFound, "Account of an absent ID")
	n, err = s.CountAccounts(ctx)
	expectOK(t, err, "CountAccounts")
	if n != 2 {
		t.Errorf("CountAccounts = %d, want 2", n)
	}
}

func testAccessKeys(t *testing.T, s iot.Store) {
	ctx := t.Context()
	secret := []byte{0, 1, 2, 0xfe, 0xff, 0, 'a', 0}
	k := &iot.AccessKey{ID: "AKIAAAAAAAAAAAAAAAAA", Account: acctA, SealedSecret: secret, CreatedAt: at(3)}
	update(t, s, func(tx iot.Tx) error {
		return errors.Join(tx.CreateAccount(ctx, &iot.Account{ID: acctA, CreatedAt: at(0)}), tx.CreateAccessKey(ctx, k))
	})
	got, err := s.AccessKey(ctx, k.ID)
	expectOK(t, err, "AccessKey")
	expectEqual(t, got, &iot.AccessKey{ID: k.ID, Account: acctA, SealedSecret: []byte{0, 1, 2, 0xfe, 0xff, 0, 'a', 0},
		CreatedAt: at(3)}, "access key")
	if !bytes.Equal(got.SealedSecret, secret) {
		t.Errorf("sealed secret %x, want %x", got.SealedSecret, secret)
	}
	err = s.Update(ctx, func(tx iot.Tx) error {
		return tx.CreateAccessKey(ctx, &iot.AccessKey{ID: k.ID, Account: acctA, SealedSecret: []byte("other"), CreatedAt: at(4)})
	})
	expectErr(t, err, iot.ErrAlreadyExists, "create a taken access key ID")
	got, err = s.AccessKey(ctx, k.ID)
	expectOK(t, err, "AccessKey")
	if !bytes.Equal(got.SealedSecret, secret) {
		t.Errorf("a refused create changed the secret to %x", got.SealedSecret)
	}
	_, err = s.AccessKey(ctx, "AKIAABSENTABSENTABSE")
	expectErr(t, err, iot.ErrNotFound, "AccessKey of an absent ID")
}

func testSettings(t *testing.T, s iot.Store) {
	ctx := t.Context()
	value := []byte("-----BEGIN SEALED-----\x00\xff")
	update(t, s, func(tx iot.Tx) error {
		return errors.Join(tx.CreateSetting(ctx, "issuer.cert.pem", value), tx.CreateSetting(ctx, "empty", []byte{}))
	})
	got, err := s.Setting(ctx, "issuer.cert.pem")
	expectOK(t, err, "Setting")
	if !bytes.Equal(got, value) {
		t.Errorf("Setting = %q, want %q", got, value)
	}
	got, err = s.Setting(ctx, "empty")
	expectOK(t, err, "Setting of an empty value")
	if len(got) != 0 {
		t.Errorf("empty setting = %q", got)
	}
	err = s.Update(ctx, func(tx iot.Tx) error { return tx.CreateSetting(ctx, "issuer.cert.pem", []byte("other")) })
	expectErr(t, err, iot.ErrAlreadyExists, "CreateSetting twice")
	got, err = s.Setting(ctx, "issuer.cert.pem")
	expectOK(t, err, "Setting")
	if !bytes.Equal(got, value) {
		t.Errorf("a refused CreateSetting changed the value to %q", got)
	}
	_, err = s.Setting(ctx, "absent")
	expectErr(t, err, iot.ErrNotFound, "Setting of an absent name")
}

// testIsolation gives the same names to records of different accounts and regions and
// checks that no read crosses from one (account, region) into another.
func testIsolation(t *testing.T, s iot.Store) {
	ctx := t.Context()
	type scope struct{ region, account string }
	scopes := []scope{{regionA, acctA}, {regionA, acctB}, {regionB, acctA}, {regionB, acctB}}
	const principal = "us-east-1:5e1f0a8c-1a2b-4c3d-8e9f-0123456789ab"
	certs := map[scope][]*iot.Certificate{}
	for i, sc := range scopes {
		// The same SNI_ONLY certificate everywhere, plus one of each scope's own.
		shared := newCert(sc.region, sc.account, "shared", iot.ModeSNIOnly, at(i))
		own := newCert(sc.region, sc.account, "own-"+sc.region+sc.account, iot.ModeDefault, at(i))
		certs[sc] = []*iot.Certificate{shared, own}
		createCerts(t, s, shared, own)
		p := newPolicy(sc.region, sc.account, "same")
		p.Document = "doc of " + sc.region + sc.account
		createPolicies(t, s, p)
		createThings(t, s, newThing(sc.region, sc.account, "same", map[string]string{"scope": sc.region + sc.account}))
		update(t, s, func(tx iot.Tx) error {
			return errors.Join(
				tx.AttachPolicy(ctx, &iot.PolicyTarget{Region: sc.region, Account: sc.account, PolicyName: "same", Target: principal, CreatedAt: at(0)}),
				tx.AttachThingPrincipal(ctx, &iot.ThingPrincipal{Region: sc.region, Account: sc.account, ThingName: "same",
					Principal: principal, Type: iot.ThingPrincipalNonExclusive, CreatedAt: at(0)}))
		})
	}
	// A certificate pending transfer is seen by its target in its own region only.
	crossing := newCert(regionB, acctB, "crossing", iot.ModeDefault, at(10))
	crossing.Transfer = iot.TransferData{Target: acctA, TransferDate: at(11)}
	createCerts(t, s, crossing)
	certs[scope{regionB, acctA}] = append(certs[scope{regionB, acctA}], crossing)
	certs[scope{regionB, acctB}] = append(certs[scope{regionB, acctB}], crossing)
	for _, sc := range scopes {
		expectListing(t, "ListCertificates", s.ListCertificates, sc.region, sc.account, certs[sc])
		p, err := s.Policy(ctx, sc.region, sc.account, "same")
		expectOK(t, err, "Policy")
		if p.Document != "doc of "+sc.region+sc.account || p.Region != sc.region || p.Account != sc.account {
			t.Errorf("Policy in %v returned %+v", sc, p)
		}
		th, err := s.Thing(ctx, sc.region, sc.account, "same")
		expectOK(t, err, "Thing")
		if th.Attributes["scope"] != sc.region+sc.account || th.Region != sc.region || th.Account != sc.account {
			t.Errorf("Thing in %v returned %+v", sc, th)
		}
		q := iot.NameQuery{Region: sc.region, Account: sc.account, Limit: 10}
		ps, err := s.PoliciesForTarget(ctx, principal, q)
		expectOK(t, err, "PoliciesForTarget")
		if len(ps) != 1 || ps[0].Document != "doc of "+sc.region+sc.account {
			t.Errorf("PoliciesForTarget in %v returned %d policies", sc, len(ps))
		}
		tps, err := s.ThingPrincipals(ctx, "same", q)
		expectOK(t, err, "ThingPrincipals")
		pts, err2 := s.PrincipalThings(ctx, principal, q)
		expectOK(t, err2, "PrincipalThings")
		if len(tps) != 1 || len(pts) != 1 || tps[0].Region != sc.region || tps[0].Account != sc.account {
			t.Errorf("attachments in %v: %d and %d", sc, len(tps), len(pts))
		}
		for what, count := range map[string]func() (int, error){
			"CountPolicyTargets":  func() (int, error) { return s.CountPolicyTargets(ctx, sc.region, sc.account, "same") },
			"CountTargetPolicies": func() (int, error) { return s.CountTargetPolicies(ctx, sc.region, sc.account, principal) },
		} {
			n, err := count()
			expectOK(t, err, what)
			if n != 1 {
				t.Errorf("%s in %v = %d, want 1", what, sc, n)
			}
		}
	}

	// Writes in one scope leave the others alone.
	update(t, s, func(tx iot.Tx) error {
		return errors.Join(
			tx.DetachAllPolicies(ctx, regionA, acctA, principal),
			tx.DetachThingPrincipal(ctx, regionA, acctA, "same", principal),
			tx.DeletePolicy(ctx, regionA, acctA, "same"),
			tx.DeleteThing(ctx, &iot.Thing{Region: regionA, Account: acctA, Name: "same", Version: 1}),
			tx.DeleteCertificate(ctx, certs[scopes[0]][0]))
	})
	for _, sc := range scopes[1:] {
		if _, err := s.Policy(ctx, sc.region, sc.account, "same"); err != nil {
			t.Errorf("Policy in %v after deleting another scope's: %v", sc, err)
		}
		if _, err := s.Thing(ctx, sc.region, sc.account, "same"); err != nil {
			t.Errorf("Thing in %v after deleting another scope's: %v", sc, err)
		}
		n, err := s.CountTargetPolicies(ctx, sc.region, sc.account, principal)
		if err != nil || n != 1 {
			t.Errorf("CountTargetPolicies in %v after detaching another scope's: %d, %v", sc, n, err)
		}
		expectListing(t, "ListCertificates", s.ListCertificates, sc.region, sc.account, certs[sc])
	}
}

func testDeleteRegistryData(t *testing.T, s iot.Store) {
	ctx := t.Context()
	update(t, s, func(tx iot.Tx) error {
		return errors.Join(tx.CreateAccount(ctx, &iot.Account{ID: acctA, CreatedAt: at(0)}),
			tx.CreateAccessKey(ctx, &iot.AccessKey{ID: "AKIARESET", Account: acctA, SealedSecret: []byte{1}, CreatedAt: at(0)}),
			tx.CreateSetting(ctx, "kept", []byte("v")))
	})
	c := newCert(regionA, acctA, "reset", iot.ModeDefault, at(1))
	createCerts(t, s, c)
	p := newPolicy(regionA, acctA, "reset-policy")
	createPolicies(t, s, p)
	createThings(t, s, newThing(regionB, acctB, "reset-thing", map[string]string{}))
	arn := iot.CertificateARN(regionA, acctA, c.ID)
	update(t, s, func(tx iot.Tx) error {
		return errors.Join(
			tx.AttachPolicy(ctx, &iot.PolicyTarget{Region: regionA, Account: acctA, PolicyName: p.Name, Target: arn, CreatedAt: at(2)}),
			tx.AttachThingPrincipal(ctx, &iot.ThingPrincipal{Region: regionB, Account: acctB, ThingName: "reset-thing", Principal: arn,
				Type: iot.ThingPrincipalNonExclusive, CreatedAt: at(2)}))
	})

	update(t, s, func(tx iot.Tx) error { return tx.DeleteRegistryData(ctx) })

	if recs, err := s.CertificatesByID(ctx, regionA, c.ID); err != nil || len(recs) != 0 {
		t.Errorf("certificates after reset: %d, %v", len(recs), err)
	}
	_, err := s.Policy(ctx, regionA, acctA, p.Name)
	expectErr(t, err, iot.ErrNotFound, "policy after reset")
	_, err = s.Thing(ctx, regionB, acctB, "reset-thing")
	expectErr(t, err, iot.ErrNotFound, "thing after reset")
	n, err := s.CountTargetPolicies(ctx, regionA, acctA, arn)
	expectOK(t, err, "CountTargetPolicies")
	things, err := s.PrincipalThings(ctx, arn, iot.NameQuery{Region: regionB, Account: acctB, Limit: 10})
	expectOK(t, err, "PrincipalThings")
	if n != 0 || len(things) != 0 {
		t.Errorf("attachments after reset: %d policies, %d things", n, len(things))
	}
	// Accounts, keys and settings stay, and the registry takes new data.
	_, err = s.Account(ctx, acctA)
	expectOK(t, err, "account after reset")
	_, err = s.AccessKey(ctx, "AKIARESET")
	expectOK(t, err, "access key after reset")
	v, err := s.Setting(ctx, "kept")
	expectOK(t, err, "setting after reset")
	expectEqual(t, v, []byte("v"), "setting after reset")
	createCerts(t, s, newCert(regionA, acctA, "reset", iot.ModeDefault, at(3)))
}
