package iot

import (
	"context"
)

// Tags (TagResource, UntagResource, ListTagsForResource, and the tags member of the
// create operations). Every resource's tags live in one tag store keyed by the resource's
// ARN, so that ListTagsForResource sees tags however they were set.
//
// Taggable resources are those the model gives tags: policies (CreatePolicy has tags) and
// CA certificates (RegisterCACertificate has tags); their delete operations remove their
// tags. Device certificates and things are
// not taggable in AWS IoT (iot-api.md §2; the Developer Guide's "Tagging your AWS IoT
// resources" lists neither), and their ARNs are refused with InvalidRequest.

const (
	// maxTagsPerResource is AWS's limit of tags on one resource.
	maxTagsPerResource = 50
	// tagsPageSize is the page size of ListTagsForResource, which has no limit member.
	tagsPageSize = 25
)

// TagPage is one page of a resource's tags.
type TagPage struct {
	Tags      []Tag
	NextToken string
}

// taggableResource checks that arn names a taggable resource of the caller that exists,
// and returns the resource's own ARN, under which its tags are kept (a CA certificate ID
// may be given in upper case, as certificate IDs may).
func taggableResource(ctx context.Context, r Reader, c Caller, arn string) (string, error) {
	if arn == "" {
		return "", invalid("resourceArn is required.")
	}
	if runeLen(arn) > maxPrincipal {
		return "", invalid("resourceArn must be at most %d characters.", maxPrincipal)
	}
	a, ok := ParseARN(arn)
	if !ok {
		return "", invalid("resourceArn '%s' is not an AWS IoT resource ARN (arn:aws:iot:REGION:ACCOUNT:TYPE/NAME).", clip(arn))
	}
	notFound := Errorf(CodeResourceNotFound, "The resource %s does not exist.", clip(arn))
	switch a.ResourceType {
	case "cert":
		return "", invalid("Device certificates cannot be tagged; AWS IoT documents tags for policies and CA certificates.")
	case "thing":
		return "", invalid("Things cannot be tagged; use thing attributes instead.")
	case "policy":
		if arn != PolicyARN(c.Region, c.Account, a.Resource) || checkPolicyName(a.Resource) != nil {
			return "", notFound
		}
		p, err := getPolicy(ctx, r, c, a.Resource)
		if err != nil {
			return "", err
		}
		return p.ARN(), nil
	case "cacert":
		id, err := checkCertificateID("resourceArn", a.Resource)
		if err != nil || arn != CACertificateARN(c.Region, c.Account, a.Resource) {
			return "", notFound
		}
		ca, err := getCA(ctx, r, c, id)
		if err != nil {
			return "", err
		}
		return ca.ARN(), nil
	default:
		// Thing groups, thing types, billing groups, rules, jobs...: resources iotcertd
		// does not hold, so none exists.
		return "", notFound
	}
}

// TagResource adds tags to a resource or changes the values of keys it has. A resource
// has at most 50 tags (LimitExceeded).
func (s *Service) TagResource(ctx context.Context, c Caller, arn string, tags []Tag) error {
	if tags == nil {
		return invalid("tags is required.")
	}
	if err := checkTagEntries(tags); err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		arn, err := taggableResource(ctx, tx, c, arn)
		if err != nil {
			return err
		}
		have, err := tx.Tags(ctx, arn, NameQuery{Region: c.Region, Account: c.Account, Limit: maxTagsPerResource + 1})
		if err != nil {
			return err
		}
		keys := make(map[string]bool, len(have)+len(tags))
		for _, t := range have {
			keys[t.Key] = true
		}
		for _, t := range tags {
			keys[t.Key] = true
		}
		if len(keys) > maxTagsPerResource {
			return Errorf(CodeLimitExceeded, "A resource can have at most %d tags; %s would have %d.", maxTagsPerResource, clip(arn), len(keys))
		}
		if len(tags) == 0 {
			return nil
		}
		return tx.PutTags(ctx, c.Region, c.Account, arn, tags)
	})
}

// UntagResource removes tags from a resource by key; keys it lacks are ignored.
func (s *Service) UntagResource(ctx context.Context, c Caller, arn string, keys []string) error {
	if keys == nil {
		return invalid("tagKeys is required.")
	}
	for _, k := range keys {
		if err := checkTagKey(k); err != nil {
			return err
		}
	}
	return s.update(ctx, func(tx Tx) error {
		arn, err := taggableResource(ctx, tx, c, arn)
		if err != nil {
			return err
		}
		if len(keys) == 0 {
			return nil
		}
		return tx.DeleteTags(ctx, c.Region, c.Account, arn, keys)
	})
}

// ListTagsForResource lists a resource's tags by key, tagsPageSize at a time.
func (s *Service) ListTagsForResource(ctx context.Context, c Caller, arn, nextToken string) (*TagPage, error) {
	after, err := decodeNameMarker("nextToken", nextToken)
	if err != nil {
		return nil, err
	}
	arn, err = taggableResource(ctx, s.store, c, arn)
	if err != nil {
		return nil, wrapRead(err)
	}
	tags, err := s.store.Tags(ctx, arn, NameQuery{Region: c.Region, Account: c.Account, After: after, Limit: tagsPageSize + 1})
	if err != nil {
		return nil, wrapRead(err)
	}
	page := &TagPage{Tags: tags}
	if len(tags) > tagsPageSize {
		page.Tags = tags[:tagsPageSize]
		page.NextToken = encodeNameMarker(tags[tagsPageSize-1].Key)
	}
	return page, nil
}
