package httpapi

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/iotcertd/iotcertd/internal/iot"
)

func TestEpochTime(t *testing.T) {
	tests := []struct {
		name string
		t    time.Time
		want string
	}{
		{"milliseconds", time.UnixMilli(1541022751983), "1541022751.983"},
		{"whole second", time.Unix(1541022631, 0), "1541022631.0"},
		{"trailing zero dropped", time.UnixMilli(1541022751980), "1541022751.98"},
		{"leading zero kept", time.UnixMilli(1541022751007), "1541022751.007"},
		{"sub-millisecond truncated", time.Unix(1541022751, 983999999), "1541022751.983"},
		{"far future", time.Date(2049, 12, 31, 23, 59, 59, 0, time.UTC), "2524607999.0"},
		{"epoch", time.Unix(0, 0), "0.0"},
		{"before 1970", time.UnixMilli(-1500), "-1.5"},
		{"location does not matter", time.UnixMilli(1541022751983).In(time.FixedZone("X", 3600)), "1541022751.983"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(epochTime(tc.t))
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Errorf("got %s, want %s", b, tc.want)
			}
			var f float64
			if err := json.Unmarshal(b, &f); err != nil {
				t.Errorf("%s is not a JSON number: %v", b, err)
			}
			if ms := int64(math.Round(f * 1000)); ms != tc.t.UnixMilli() {
				t.Errorf("%s reads back as %d ms, want %d", b, ms, tc.t.UnixMilli())
			}
		})
	}
}

// sampleCertificate is a fully populated certificate.
func sampleCertificate() *iot.Certificate {
	created := time.UnixMilli(1541022751983).UTC()
	return &iot.Certificate{
		Region: "us-west-2", ID: testCertID, Owner: "111111111111", PreviousOwner: "222222222222",
		Status: iot.StatusActive, Mode: iot.ModeDefault,
		PEM:             "-----BEGIN CERTIFICATE-----\nMIIB<&>\n-----END CERTIFICATE-----\n",
		CACertificateID: strings.Repeat("c", 64),
		CreatedAt:       created, LastModifiedAt: created.Add(time.Hour), CustomerVersion: 3,
		GenerationID: "6974fbed-2e61-4114-bc5e-4204cc79b045",
		NotBefore:    created.Add(-120 * time.Second), NotAfter: time.Unix(2524607999, 0),
		Transfer: iot.TransferData{
			Message: "here you go", TransferDate: created.Add(time.Minute), AcceptDate: created.Add(2 * time.Minute),
		},
	}
}

func TestDescribeCertificateEncoding(t *testing.T) {
	t.Run("full", func(t *testing.T) {
		b, err := encodeJSON(describeCertificateOutput{CertificateDescription: describeCertificate(sampleCertificate())})
		if err != nil {
			t.Fatal(err)
		}
		got := response{Body: b}.json(t)
		d, ok := got["certificateDescription"].(map[string]any)
		if !ok {
			t.Fatalf("no certificateDescription in %s", b)
		}
		wantStrings := map[string]string{
			"certificateArn":  "arn:aws:iot:us-west-2:111111111111:cert/" + testCertID,
			"certificateId":   testCertID,
			"caCertificateId": strings.Repeat("c", 64),
			"status":          "ACTIVE",
			"certificatePem":  "-----BEGIN CERTIFICATE-----\nMIIB<&>\n-----END CERTIFICATE-----\n",
			"ownedBy":         "111111111111",
			"previousOwnedBy": "222222222222",
			"generationId":    "6974fbed-2e61-4114-bc5e-4204cc79b045",
			"certificateMode": "DEFAULT",
		}
		for k, want := range wantStrings {
			if d[k] != want {
				t.Errorf("%s = %v, want %q", k, d[k], want)
			}
		}
		if !strings.Contains(string(b), "<&>") {
			t.Errorf("PEM was HTML-escaped: %s", b)
		}
		wantNumbers := map[string]string{"creationDate": "1541022751.983", "lastModifiedDate": "1541026351.983", "customerVersion": "3"}
		for k, want := range wantNumbers {
			if n, ok := d[k].(json.Number); !ok || string(n) != want {
				t.Errorf("%s = %#v, want the number %s", k, d[k], want)
			}
		}
		td := d["transferData"].(map[string]any)
		if td["transferMessage"] != "here you go" {
			t.Errorf("transferMessage = %v", td["transferMessage"])
		}
		for _, k := range []string{"transferDate", "acceptDate"} {
			if _, ok := td[k].(json.Number); !ok {
				t.Errorf("transferData.%s = %#v, want a number", k, td[k])
			}
		}
		for _, k := range []string{"rejectDate", "rejectReason"} {
			if _, ok := td[k]; ok {
				t.Errorf("transferData.%s present though unset", k)
			}
		}
		v := d["validity"].(map[string]any)
		if v["notBefore"] != json.Number("1541022631.983") || v["notAfter"] != json.Number("2524607999.0") {
			t.Errorf("validity = %v", v)
		}
	})
	t.Run("never transferred", func(t *testing.T) {
		c := sampleCertificate()
		c.Transfer, c.PreviousOwner, c.CACertificateID = iot.TransferData{}, "", ""
		b, err := encodeJSON(describeCertificate(c))
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if !strings.Contains(s, `"transferData":{}`) {
			t.Errorf("transferData must be {} when never transferred: %s", s)
		}
		for _, k := range []string{"previousOwnedBy", "caCertificateId", "null"} {
			if strings.Contains(s, k) {
				t.Errorf("%s present: %s", k, s)
			}
		}
	})
	t.Run("no timestamp is a string", func(t *testing.T) {
		b, _ := encodeJSON(describeCertificate(sampleCertificate()))
		for _, k := range []string{"creationDate", "lastModifiedDate", "transferDate", "acceptDate", "notBefore", "notAfter"} {
			if strings.Contains(string(b), `"`+k+`":"`) {
				t.Errorf("%s encoded as a string: %s", k, b)
			}
		}
	})
}

func TestOutputShapesOmitAbsent(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"last page has no nextMarker", listCertificatesResult(&iot.CertificatePage{}), `{"certificates":[]}`},
		{"next page", listCertificatesResult(&iot.CertificatePage{NextMarker: "AQ=="}), `{"certificates":[],"nextMarker":"AQ=="}`},
		{"thing principals last page", listThingPrincipalsOutput{Principals: nonNil(nil)}, `{"principals":[]}`},
		{"outgoing, no message", listOutgoingResult(&iot.CertificatePage{Certificates: []*iot.CertificateSummary{{
			Region: "us-east-1", ID: "ab", Owner: accountA, CreatedAt: time.Unix(10, 0),
			TransferTarget: accountB, TransferDate: time.Unix(20, 0),
		}}}), `{"outgoingCertificates":[{"certificateArn":"arn:aws:iot:us-east-1:222222222222:cert/ab","certificateId":"ab","transferredTo":"222222222222","transferDate":20.0,"creationDate":10.0}]}`},
		{"thing without type or attributes", describeThingResult(&iot.Thing{Region: "r", Account: accountA, Name: "t", ID: "id", Version: 1}),
			`{"defaultClientId":"t","thingName":"t","thingId":"id","thingArn":"arn:aws:iot:r:111111111111:thing/t","attributes":{},"version":1}`},
		{"key pair is capitalised", createKeysAndCertificateOutput{KeyPair: keyPair{PublicKey: "pub", PrivateKey: "priv"}},
			`{"certificateArn":"","certificateId":"","certificatePem":"","keyPair":{"PublicKey":"pub","PrivateKey":"priv"}}`},
		{"empty output structure", emptyOutput{}, `{}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := encodeJSON(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Errorf("got  %s\nwant %s", b, tc.want)
			}
		})
	}
}

func BenchmarkEncodeDescribe(b *testing.B) {
	c := sampleCertificate()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := encodeJSON(describeCertificateOutput{CertificateDescription: describeCertificate(c)}); err != nil {
			b.Fatal(err)
		}
	}
}
