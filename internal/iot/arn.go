package iot

import (
	"strings"
)

// Partition is the ARN partition iotcertd reports.
const Partition = "aws"

// CertificateARN returns arn:aws:iot:REGION:ACCOUNT:cert/ID.
func CertificateARN(region, account, id string) string {
	return "arn:" + Partition + ":iot:" + region + ":" + account + ":cert/" + id
}

// PolicyARN returns arn:aws:iot:REGION:ACCOUNT:policy/NAME.
func PolicyARN(region, account, name string) string {
	return "arn:" + Partition + ":iot:" + region + ":" + account + ":policy/" + name
}

// ThingARN returns arn:aws:iot:REGION:ACCOUNT:thing/NAME.
func ThingARN(region, account, name string) string {
	return "arn:" + Partition + ":iot:" + region + ":" + account + ":thing/" + name
}

// ARN is a parsed IoT resource ARN.
type ARN struct {
	Partition, Region, Account, ResourceType, Resource string
}

// ParseARN splits an IoT ARN of the form arn:PARTITION:iot:REGION:ACCOUNT:TYPE/NAME.
func ParseARN(s string) (ARN, bool) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "iot" {
		return ARN{}, false
	}
	typ, name, ok := strings.Cut(parts[5], "/")
	if !ok || typ == "" || name == "" {
		return ARN{}, false
	}
	return ARN{Partition: parts[1], Region: parts[3], Account: parts[4], ResourceType: typ, Resource: name}, true
}
