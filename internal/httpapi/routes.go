package httpapi

import (
	"net/url"
	"strings"
)

// Operation describes one route of the API: the AWS operation name and its HTTP binding.
// Path is the URI template as in the model, with labels in braces.
type Operation struct {
	Name   string
	Method string
	Path   string
}

// route is an Operation with its parsed template and handler.
type route struct {
	op     Operation
	segs   []segment
	handle handlerFunc
}

// segment is one '/'-separated piece of a template: a literal, or a label.
type segment struct {
	literal string
	label   bool
}

// maxSegments bounds the segments a template may have; a longer request path matches
// nothing, so matching can split into a fixed array without allocating.
const maxSegments = 8

// operations is the route table: every operation, its binding from the model (iot-api.md
// §0, §7) and its handler. Several templates share a path and differ by method
// (iot-api.md §1.2): /certificates, /certificates/{certificateId},
// /target-policies/{policyName} (PUT attaches, POST detaches), /things/{thingName},
// /things/{thingName}/principals, /policies/{policyName}/version,
// /policies/{policyName}/version/{policyVersionId}, /principal-policies/{policyName} and
// /tags.
var operations = []struct {
	name, method, path string
	handle             handlerFunc
}{
	{"CreateKeysAndCertificate", "POST", "/keys-and-certificate", (*server).createKeysAndCertificate},
	{"CreateCertificateFromCsr", "POST", "/certificates", (*server).createCertificateFromCsr},
	{"RegisterCertificate", "POST", "/certificate/register", (*server).registerCertificate},
	{"RegisterCertificateWithoutCA", "POST", "/certificate/register-no-ca", (*server).registerCertificateWithoutCA},
	{"DescribeCertificate", "GET", "/certificates/{certificateId}", (*server).describeCertificate},
	{"ListCertificates", "GET", "/certificates", (*server).listCertificates},
	{"UpdateCertificate", "PUT", "/certificates/{certificateId}", (*server).updateCertificate},
	{"DeleteCertificate", "DELETE", "/certificates/{certificateId}", (*server).deleteCertificate},
	{"TransferCertificate", "PATCH", "/transfer-certificate/{certificateId}", (*server).transferCertificate},
	{"AcceptCertificateTransfer", "PATCH", "/accept-certificate-transfer/{certificateId}", (*server).acceptCertificateTransfer},
	{"RejectCertificateTransfer", "PATCH", "/reject-certificate-transfer/{certificateId}", (*server).rejectCertificateTransfer},
	{"CancelCertificateTransfer", "PATCH", "/cancel-certificate-transfer/{certificateId}", (*server).cancelCertificateTransfer},
	{"ListOutgoingCertificates", "GET", "/certificates-out-going", (*server).listOutgoingCertificates},
	{"CreatePolicy", "POST", "/policies/{policyName}", (*server).createPolicy},
	{"GetPolicy", "GET", "/policies/{policyName}", (*server).getPolicy},
	{"DeletePolicy", "DELETE", "/policies/{policyName}", (*server).deletePolicy},
	{"AttachPolicy", "PUT", "/target-policies/{policyName}", (*server).attachPolicy},
	{"DetachPolicy", "POST", "/target-policies/{policyName}", (*server).detachPolicy},
	{"ListAttachedPolicies", "POST", "/attached-policies/{target}", (*server).listAttachedPolicies},
	{"ListPolicies", "GET", "/policies", (*server).listPolicies},
	{"ListTargetsForPolicy", "POST", "/policy-targets/{policyName}", (*server).listTargetsForPolicy},
	{"AttachPrincipalPolicy", "PUT", "/principal-policies/{policyName}", (*server).attachPrincipalPolicy},
	{"DetachPrincipalPolicy", "DELETE", "/principal-policies/{policyName}", (*server).detachPrincipalPolicy},
	{"ListPrincipalPolicies", "GET", "/principal-policies", (*server).listPrincipalPolicies},
	{"CreatePolicyVersion", "POST", "/policies/{policyName}/version", (*server).createPolicyVersion},
	{"GetPolicyVersion", "GET", "/policies/{policyName}/version/{policyVersionId}", (*server).getPolicyVersion},
	{"ListPolicyVersions", "GET", "/policies/{policyName}/version", (*server).listPolicyVersions},
	{"SetDefaultPolicyVersion", "PATCH", "/policies/{policyName}/version/{policyVersionId}", (*server).setDefaultPolicyVersion},
	{"DeletePolicyVersion", "DELETE", "/policies/{policyName}/version/{policyVersionId}", (*server).deletePolicyVersion},
	{"CreateThing", "POST", "/things/{thingName}", (*server).createThing},
	{"DescribeThing", "GET", "/things/{thingName}", (*server).describeThing},
	{"DeleteThing", "DELETE", "/things/{thingName}", (*server).deleteThing},
	{"UpdateThing", "PATCH", "/things/{thingName}", (*server).updateThing},
	{"ListThings", "GET", "/things", (*server).listThings},
	{"AttachThingPrincipal", "PUT", "/things/{thingName}/principals", (*server).attachThingPrincipal},
	{"DetachThingPrincipal", "DELETE", "/things/{thingName}/principals", (*server).detachThingPrincipal},
	{"ListThingPrincipals", "GET", "/things/{thingName}/principals", (*server).listThingPrincipals},
	{"ListPrincipalThings", "GET", "/principals/things", (*server).listPrincipalThings},
	{"TagResource", "POST", "/tags", (*server).tagResource},
	{"UntagResource", "POST", "/untag", (*server).untagResource},
	{"ListTagsForResource", "GET", "/tags", (*server).listTagsForResource},
	{"GetRegistrationCode", "GET", "/registrationcode", (*server).getRegistrationCode},
	{"DeleteRegistrationCode", "DELETE", "/registrationcode", (*server).deleteRegistrationCode},
	{"RegisterCACertificate", "POST", "/cacertificate", (*server).registerCACertificate},
	{"DescribeCACertificate", "GET", "/cacertificate/{caCertificateId}", (*server).describeCACertificate},
	{"ListCACertificates", "GET", "/cacertificates", (*server).listCACertificates},
	{"UpdateCACertificate", "PUT", "/cacertificate/{caCertificateId}", (*server).updateCACertificate},
	{"DeleteCACertificate", "DELETE", "/cacertificate/{caCertificateId}", (*server).deleteCACertificate},
	{"ListCertificatesByCA", "GET", "/certificates-by-ca/{caCertificateId}", (*server).listCertificatesByCA},
	{"DescribeEndpoint", "GET", "/endpoint", (*server).describeEndpoint},
}

// defaultRouter is built once from operations and never changed.
var defaultRouter = newRouter()

// Operations returns a copy of the route table, for tests and documentation.
func Operations() []Operation {
	out := make([]Operation, len(defaultRouter.routes))
	for i, rt := range defaultRouter.routes {
		out[i] = rt.op
	}
	return out
}

// router matches requests against the route table.
type router struct {
	routes []*route
}

func newRouter() *router {
	rr := &router{}
	for _, o := range operations {
		rt := &route{op: Operation{Name: o.name, Method: o.method, Path: o.path}, handle: o.handle}
		for s := range strings.SplitSeq(strings.TrimPrefix(o.path, "/"), "/") {
			if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
				rt.segs = append(rt.segs, segment{label: true})
			} else {
				rt.segs = append(rt.segs, segment{literal: s})
			}
		}
		if len(rt.segs) > maxSegments {
			panic("httpapi: template has too many segments: " + o.path)
		}
		rr.routes = append(rr.routes, rt)
	}
	return rr
}

// match finds the route for method and escapedPath (r.URL.EscapedPath()) and returns it
// with its label values, unescaped. It splits the path while it is still escaped and only
// then unescapes each label, because labels are percent-encoded including '/' and ':'
// (iot-api.md §1.2): an ARN target arrives as arn%3Aaws%3Aiot%3A...%3Acert%2F<id>. It
// returns nil when no route has this path and method, or a label is empty or not validly
// escaped.
func (rr *router) match(method, escapedPath string) (*route, []string) {
	if !strings.HasPrefix(escapedPath, "/") {
		return nil, nil
	}
	var buf [maxSegments]string
	n := 0
	rest := escapedPath[1:]
	for {
		if n == maxSegments {
			return nil, nil
		}
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			buf[n] = rest
			n++
			break
		}
		buf[n] = rest[:i]
		n++
		rest = rest[i+1:]
	}
	parts := buf[:n]

	for _, rt := range rr.routes {
		if rt.op.Method != method || !rt.matches(parts) {
			continue
		}
		var labels []string
		for i, sg := range rt.segs {
			if !sg.label {
				continue
			}
			v, err := url.PathUnescape(parts[i])
			if err != nil || v == "" {
				return nil, nil
			}
			labels = append(labels, v)
		}
		return rt, labels
	}
	return nil, nil
}

// matches reports whether the escaped path segments fit the template: literals equal,
// labels non-empty.
func (rt *route) matches(parts []string) bool {
	if len(parts) != len(rt.segs) {
		return false
	}
	for i, sg := range rt.segs {
		if sg.label {
			if parts[i] == "" {
				return false
			}
		} else if parts[i] != sg.literal {
			return false
		}
	}
	return true
}
