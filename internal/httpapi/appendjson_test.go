package httpapi

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// stringSamples are strings that take every path of appendJSONString.
func stringSamples() []string {
	return []string{
		"", "plain", `quote " and \ backslash`, "-----BEGIN CERTIFICATE-----\nMIIB\r\n\t-----END CERTIFICATE-----\n",
		"<&>", "\x00", "\x01\x1f", "\b\f", "\x7f", "é", "日本", "\u2028\u2029", "\xff", "a\xc3", "\"\\\n",
		strings.Repeat("x", 300),
	}
}

// checkSameJSON fails unless encodeJSON (through the shape's own appender) and
// reflectJSON (encoding/json) write the same bytes for v.
func checkSameJSON(t *testing.T, v jsonAppender) {
	t.Helper()
	want, err := reflectJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	got, err := encodeJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("own encoding differs from encoding/json:\n got %s\nwant %s", got, want)
	}
}

func TestAppendJSONMatchesReflection(t *testing.T) {
	full := sampleCertificate()
	full.Transfer.RejectReason, full.Transfer.RejectDate = "no thanks", full.CreatedAt.Add(3*time.Minute)
	cases := map[string]*iot.Certificate{"full": full, "empty": {}}
	bare := sampleCertificate()
	bare.Transfer, bare.PreviousOwner, bare.CACertificateID, bare.LastModifiedAt = iot.TransferData{}, "", "", time.Time{}
	bare.NotBefore, bare.NotAfter, bare.CustomerVersion = time.Time{}, time.Time{}, 0
	cases["never transferred, no validity"] = bare
	negative := sampleCertificate()
	negative.CustomerVersion, negative.CreatedAt = -7, time.UnixMilli(-1500)
	cases["negative"] = negative
	for i, s := range stringSamples() {
		c := sampleCertificate()
		c.PEM, c.Transfer.Message, c.Transfer.RejectReason, c.GenerationID = s, s, s+"!", s
		cases["string "+string(rune('a'+i))] = c
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			checkSameJSON(t, describeCertificateOutput{CertificateDescription: describeCertificate(c)})
			checkSameJSON(t, describeCertificate(c))
		})
	}
}

func TestAppendJSONMatchesReflectionForListings(t *testing.T) {
	created := time.UnixMilli(1541022751983)
	var full []*iot.CertificateSummary
	for i, s := range stringSamples() {
		full = append(full, &iot.CertificateSummary{
			Region: "us-east-1", ID: s, Owner: "111111111111", Status: iot.StatusActive,
			Mode: iot.ModeDefault, CreatedAt: created.Add(time.Duration(i) * time.Second),
		})
	}
	full = append(full, &iot.CertificateSummary{}, &iot.CertificateSummary{ID: testCertID, Mode: iot.ModeSNIOnly, Status: iot.StatusPendingTransfer})
	pages := map[string]*iot.CertificatePage{
		"empty":          {},
		"empty, marker":  {NextMarker: "AQ=="},
		"full":           {Certificates: full},
		"full, marker":   {Certificates: full, NextMarker: "a/b+c=="},
		"one, no marker": {Certificates: full[:1]},
	}
	for name, p := range pages {
		t.Run(name, func(t *testing.T) {
			checkSameJSON(t, listCertificatesResult(p))
		})
	}
	t.Run("nil list", func(t *testing.T) {
		checkSameJSON(t, listCertificatesOutput{NextMarker: "x"})
	})
}

// fillAll sets every field of the struct v points to, nested structs and slices included, to
// a value that no omitempty or omitzero leaves out.
func fillAll(t *testing.T, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[epochTime]() {
			v.Set(reflect.ValueOf(epochTime(time.UnixMilli(1541022751983))))
			return
		}
		for i := range v.NumField() {
			fillAll(t, v.Field(i))
		}
	case reflect.String:
		v.SetString("x\n" + v.Type().Name())
	case reflect.Int:
		v.SetInt(42)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fillAll(t, v.Index(i))
		}
	default:
		t.Fatalf("fillAll: no value for a %s", v.Type())
	}
}

// TestAppendJSONCoversEveryField fills every field of each shape that writes its own JSON, so
// that a field added to a shape but not to its appendJSON makes the two encodings differ.
func TestAppendJSONCoversEveryField(t *testing.T) {
	for _, shape := range []jsonAppender{
		&describeCertificateOutput{}, &certificateDescription{}, &listCertificatesOutput{}, &certificateItem{},
	} {
		v := reflect.ValueOf(shape).Elem()
		t.Run(v.Type().Name(), func(t *testing.T) {
			fillAll(t, v)
			checkSameJSON(t, v.Interface().(jsonAppender))
		})
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range stringSamples() {
		want, err := reflectJSON(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString([]byte("prefix"), s); string(got) != "prefix"+string(want) {
			t.Errorf("appendJSONString(%q) = %s, want prefix%s", s, got, want)
		}
	}
}

// FuzzAppendJSON looks for a certificate whose own encoding differs from encoding/json's.
func FuzzAppendJSON(f *testing.F) {
	for _, s := range stringSamples() {
		f.Add(s, s, int64(1541022751983), 3)
	}
	f.Fuzz(func(t *testing.T, pem, message string, ms int64, version int) {
		c := sampleCertificate()
		c.PEM, c.Transfer.Message, c.CustomerVersion = pem, message, version
		c.Transfer.AcceptDate = time.UnixMilli(ms)
		checkSameJSON(t, describeCertificateOutput{CertificateDescription: describeCertificate(c)})
		checkSameJSON(t, listCertificatesResult(&iot.CertificatePage{
			Certificates: []*iot.CertificateSummary{{Region: "r", ID: pem, Owner: message, CreatedAt: time.UnixMilli(ms)}},
			NextMarker:   message,
		}))
	})
}

// BenchmarkEncodeDescribeReflect is BenchmarkEncodeDescribe through encoding/json, for
// comparison with the shape's own encoding.
func BenchmarkEncodeDescribeReflect(b *testing.B) {
	c := sampleCertificate()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reflectJSON(describeCertificateOutput{CertificateDescription: describeCertificate(c)}); err != nil {
			b.Fatal(err)
		}
	}
}

// listPage is a page of 50 certificates, as ListCertificates returns by default.
func listPage() *iot.CertificatePage {
	p := &iot.CertificatePage{NextMarker: "AQIDBAUGBwgJCgsMDQ4PEA=="}
	for i := range 50 {
		p.Certificates = append(p.Certificates, &iot.CertificateSummary{
			Region: "us-east-1", ID: testCertID, Owner: "111111111111", Status: iot.StatusActive,
			Mode: iot.ModeDefault, CreatedAt: time.UnixMilli(1541022751983 + int64(i)),
		})
	}
	return p
}

// BenchmarkEncodeList encodes a page of 50 certificates with the shape's own encoding,
// BenchmarkEncodeListReflect with encoding/json.
func BenchmarkEncodeList(b *testing.B) {
	p := listPage()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := encodeJSON(listCertificatesResult(p)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeListReflect(b *testing.B) {
	p := listPage()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reflectJSON(listCertificatesResult(p)); err != nil {
			b.Fatal(err)
		}
	}
}
