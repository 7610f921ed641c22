package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// TestCAQueryPlans checks that the CA listings and lookups are index searches in the
// listing order (no table scan, no sort), on an empty database and on one with statistics.
func TestCAQueryPlans(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	check := func(stage string) {
		t.Helper()
		for _, order := range []iot.Order{iot.Descending, iot.Ascending} {
			for _, after := range []bool{false, true} {
				for _, tc := range []struct {
					name, query, table, index string
					args                      []any
				}{
					{"ListCACertificates", listCACertificatesSQL(order, after, false), "ca_certificates", "ca_certificates_list",
						[]any{"us-east-1", "111111111111", int64(1000), strings.Repeat("a", 64), 26}},
					{"ListCACertificates by template", listCACertificatesSQL(order, after, true), "ca_certificates", "ca_certificates_template_list",
						[]any{"us-east-1", "111111111111", int64(1000), strings.Repeat("a", 64), 26, "tmpl"}},
					{"ListCertificatesByCA", listCertificatesByCASQL(order, after), "certificates", "certificates_ca_list",
						[]any{"111111111111", "us-east-1", int64(1000), strings.Repeat("a", 64), 26, strings.Repeat("c", 64)}},
				} {
					plan := queryPlan(t, s.read, tc.query, tc.args...)
					text := strings.Join(plan, "\n")
					found := false
					for _, line := range plan {
						found = found || strings.HasPrefix(line, "SEARCH "+tc.table+" USING INDEX "+tc.index+" ") &&
							(!after || strings.Contains(line, "(created_ms,cert_id)"))
						if strings.HasPrefix(line, "SCAN") || strings.Contains(line, "TEMP B-TREE") {
							t.Errorf("%s: %s (order %d, after %v) scans or sorts:\n%s", stage, tc.name, order, after, text)
						}
					}
					if !found {
						t.Errorf("%s: %s (order %d, after %v) does not search %s:\n%s", stage, tc.name, order, after, tc.index, text)
					}
				}
			}
		}
		for _, tc := range []struct {
			query, want string
			args        []any
		}{
			{selectCACertificatesByID, "SEARCH ca_certificates USING INDEX ca_certificates_id (region=? AND cert_id=?)", []any{"r", "i"}},
			{selectCACertificatesBySubject, "SEARCH ca_certificates USING INDEX ca_certificates_subject (region=? AND account=? AND subject_key=?)", []any{"r", "a", "s"}},
			{selectRegistrationCode, "SEARCH registration_codes USING PRIMARY KEY (region=? AND account=?)", []any{"r", "a"}},
		} {
			plan := queryPlan(t, s.read, tc.query, tc.args...)
			found := false
			for _, line := range plan {
				found = found || line == tc.want
			}
			if !found {
				t.Errorf("%s: plan of\n%s\nlacks %q:\n%s", stage, tc.query, tc.want, strings.Join(plan, "\n"))
			}
		}
	}
	check("empty database")

	// One account holds most CA certificates and most device certificates of one CA.
	base := time.UnixMilli(1_700_000_000_000).UTC()
	caID := strings.Repeat("c", 64)
	err := s.Update(ctx, func(tx iot.Tx) error {
		for i := range 2000 {
			owner := "111111111111"
			if i%10 == 0 {
				owner = fmt.Sprintf("%012d", i)
			}
			created := base.Add(time.Duration(i/3) * time.Millisecond)
			ca := &iot.CACertificate{Region: "us-east-1", Account: owner, ID: fmt.Sprintf("%064x", i), Status: iot.CAStatusActive,
				Mode: iot.ModeSNIOnly, PEM: strings.Repeat("P", 800), SubjectKey: fmt.Sprintf("%064x", i%7),
				AutoRegistration: iot.AutoRegistrationDisable, CreatedAt: created, CustomerVersion: 1}
			if i%3 == 0 {
				ca.RegistrationConfig.TemplateName = "tmpl"
			}
			if err := tx.CreateCACertificate(ctx, ca); err != nil {
				return err
			}
			c := cert("us-east-1", owner, i, created)
			if i%4 != 0 {
				c.CACertificateID = caID
			}
			if err := tx.CreateCertificate(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.write.ExecContext(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	check("with statistics")
}
