package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// BenchmarkDecodeRequest measures what the server does to a request between authentication
// and the domain call: match the route, check that labels, headers and query members are
// text, and decode the members the handler reads, for the hot write operations.
func BenchmarkDecodeRequest(b *testing.B) {
	// A body of the size an SDK sends: a 2048-bit RSA certificate is about 1,200 bytes of PEM.
	pem := "-----BEGIN CERTIFICATE-----\n" + strings.Repeat(strings.Repeat("A", 64)+"\n", 17) + "-----END CERTIFICATE-----\n"
	register, err := json.Marshal(map[string]string{"certificatePem": pem, "status": "ACTIVE"})
	if err != nil {
		b.Fatal(err)
	}
	transfer, err := json.Marshal(map[string]string{"transferMessage": "to the customer"})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name, method, path, query string
		body                      []byte
		decode                    func(*request) error
	}{
		{"UpdateCertificate", "PUT", "/certificates/" + testCertID, "newStatus=INACTIVE", nil, func(r *request) error {
			_, err := r.queryString("newStatus")
			return err
		}},
		{"RegisterCertificateWithoutCA", "POST", "/certificate/register-no-ca", "", register, func(r *request) error {
			o, err := r.object()
			if err == nil {
				_, err = o.stringMember("certificatePem")
			}
			if err == nil {
				_, err = o.stringMember("status")
			}
			return err
		}},
		{"TransferCertificate", "PATCH", "/transfer-certificate/" + testCertID, "targetAwsAccount=" + accountB, transfer, func(r *request) error {
			_, err := r.queryString("targetAwsAccount")
			if err != nil {
				return err
			}
			o, err := r.object()
			if err == nil {
				_, err = o.stringMember("transferMessage")
			}
			return err
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			header := http.Header{"Content-Type": {"application/json"}}
			b.ReportAllocs()
			for b.Loop() {
				rt, labels := defaultRouter.match(bc.method, bc.path)
				if rt == nil {
					b.Fatal("no route")
				}
				req := &request{labels: labels, header: header, rawQuery: bc.query, body: bc.body}
				if err := req.checkText(); err != nil {
					b.Fatal(err)
				}
				if err := bc.decode(req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
