package httpapi

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// awsModel is the part of the botocore service model the tests read.
type awsModel struct {
	Operations map[string]struct {
		HTTP struct {
			Method     string `json:"method"`
			RequestURI string `json:"requestUri"`
		} `json:"http"`
		Errors []struct {
			Shape string `json:"shape"`
		} `json:"errors"`
	} `json:"operations"`
	Shapes map[string]struct {
		Exception bool `json:"exception"`
		Error     struct {
			HTTPStatusCode int `json:"httpStatusCode"`
		} `json:"error"`
	} `json:"shapes"`
}

// loadModel finds shared/reference/aws-model beside the repository by walking up from the
// working directory (layout: /work/main is the repository, /work/shared the reference).
func loadModel(t *testing.T) *awsModel {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, "shared", "reference", "aws-model", "iot-2015-05-28.service-2.json")
		if b, err := os.ReadFile(p); err == nil {
			var m awsModel
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatalf("parse %s: %v", p, err)
			}
			if len(m.Operations) == 0 || len(m.Shapes) == 0 {
				t.Fatalf("%s has no operations or shapes", p)
			}
			return &m
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("shared/reference/aws-model/iot-2015-05-28.service-2.json not found above the working directory")
		}
		dir = parent
	}
}

// templateSegments splits a URI template into segments, each label reduced to "{}" so
// that label names (and the greedy '+') do not matter; any ?query part is dropped.
func templateSegments(uri string) []string {
	path, _, _ := strings.Cut(uri, "?")
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for i, p := range parts {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			parts[i] = "{}"
		}
	}
	return parts
}

func TestOperationsMatchModel(t *testing.T) {
	m := loadModel(t)
	byType := map[string]errorType{}
	for _, et := range errorTypes {
		byType[et.Type] = et
	}
	for _, op := range Operations() {
		t.Run(op.Name, func(t *testing.T) {
			mo, ok := m.Operations[op.Name]
			if !ok {
				t.Fatalf("the model has no operation %s", op.Name)
			}
			if mo.HTTP.Method != op.Method {
				t.Errorf("method %s, model says %s", op.Method, mo.HTTP.Method)
			}
			ours, theirs := templateSegments(op.Path), templateSegments(mo.HTTP.RequestURI)
			if strings.Join(ours, "/") != strings.Join(theirs, "/") {
				t.Errorf("path %s does not match the model's %s", op.Path, mo.HTTP.RequestURI)
			}
			for _, e := range mo.Errors {
				et, ok := byType[e.Shape]
				if !ok {
					continue
				}
				if want := m.Shapes[e.Shape].Error.HTTPStatusCode; et.Status != want {
					t.Errorf("%s: status %d, model says %d", e.Shape, et.Status, want)
				}
			}
		})
	}
}

func TestOperationsAreUnique(t *testing.T) {
	seen := map[string]bool{}
	binding := map[string]string{}
	for _, op := range Operations() {
		if seen[op.Name] {
			t.Errorf("operation %s listed twice", op.Name)
		}
		seen[op.Name] = true
		key := op.Method + " " + strings.Join(templateSegments(op.Path), "/")
		if other, ok := binding[key]; ok {
			t.Errorf("%s and %s share the binding %s", op.Name, other, key)
		}
		binding[key] = op.Name
	}
	if len(seen) != 50 {
		t.Errorf("%d operations, want the 50 of the certificate registry", len(seen))
	}
}

func TestErrorTableMatchesModel(t *testing.T) {
	m := loadModel(t)
	for code, et := range errorTypes {
		t.Run(string(code), func(t *testing.T) {
			shape, ok := m.Shapes[et.Type]
			if !ok && outsideModel[et.Type] {
				t.Skipf("%s is answered by AWS's front end, outside the IoT model", et.Type)
			}
			if !ok {
				t.Fatalf("the model has no shape %s", et.Type)
			}
			if !shape.Exception {
				t.Fatalf("model shape %s is not an exception", et.Type)
			}
			if shape.Error.HTTPStatusCode != et.Status {
				t.Errorf("%s: status %d, model says %d", et.Type, et.Status, shape.Error.HTTPStatusCode)
			}
		})
	}
}

func TestErrorTableCoversEveryCode(t *testing.T) {
	for _, code := range iot.Codes {
		t.Run(string(code), func(t *testing.T) {
			et, ok := errorTypes[code]
			if !ok {
				t.Fatalf("no wire mapping for domain code %s", code)
			}
			if want := string(code) + "Exception"; et.Type != want && !(code == iot.CodeInternal && et.Type == "InternalFailureException") {
				t.Errorf("%s maps to %s, want %s", code, et.Type, want)
			}
		})
	}
	if len(errorTypes) != len(iot.Codes) {
		t.Errorf("the table has %d entries for %d domain codes", len(errorTypes), len(iot.Codes))
	}
}
