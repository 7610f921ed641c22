package iot

// DescribeEndpoint (iot-api.md §7). AWS answers with an account-specific host name of its
// data plane; iotcertd has no data plane of its own, so it answers with the address the
// client reached this server at, which is where a client configured with the answer will
// find iotcertd again (docs/aws-behaviour.md).

// maxEndpointType is the EndpointType length limit.
const maxEndpointType = 128

// endpointTypes are the documented endpoint types; absent is accepted too.
var endpointTypes = map[string]bool{
	"iot:Data": true, "iot:Data-ATS": true, "iot:CredentialProvider": true, "iot:Jobs": true,
}

// DescribeEndpointInput is the input of DescribeEndpoint.
type DescribeEndpointInput struct {
	EndpointType string
	// Host is the address (host or host:port) the request was sent to, as the client
	// named it.
	Host string
}

// DescribeEndpoint validates the endpoint type and returns the endpoint address: the
// address the request was sent to, whatever the type.
func (s *Service) DescribeEndpoint(in DescribeEndpointInput) (string, error) {
	if runeLen(in.EndpointType) > maxEndpointType {
		return "", invalid("1 validation error detected: Value at 'endpointType' failed to satisfy constraint: Member must have length less than or equal to %d", maxEndpointType)
	}
	if in.EndpointType != "" && !endpointTypes[in.EndpointType] {
		return "", invalid("Endpoint type %s is not valid; use iot:Data, iot:Data-ATS, iot:CredentialProvider or iot:Jobs.", clip(in.EndpointType))
	}
	if in.Host == "" {
		return "", invalid("The request names no host, so there is no endpoint address to return.")
	}
	return in.Host, nil
}
