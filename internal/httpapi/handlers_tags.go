package httpapi

import (
	"context"
)

// Handlers of TagResource, UntagResource and ListTagsForResource (iot-api.md §7).

func (s *server) tagResource(ctx context.Context, c *call) (any, error) {
	body, err := c.req.object()
	if err != nil {
		return nil, err
	}
	arn, err := body.stringMember("resourceArn")
	if err != nil {
		return nil, err
	}
	tags, err := body.tagsMember("tags")
	if err != nil {
		return nil, err
	}
	if err := s.svc.TagResource(ctx, c.Caller, arn, tags); err != nil {
		return nil, err
	}
	return emptyOutput{}, nil
}

func (s *server) untagResource(ctx context.Context, c *call) (any, error) {
	body, err := c.req.object()
	if err != nil {
		return nil, err
	}
	arn, err := body.stringMember("resourceArn")
	if err != nil {
		return nil, err
	}
	var keys []string
	if err := member(body, "tagKeys", &keys, "tagKeys", "a list of strings"); err != nil {
		return nil, err
	}
	if err := s.svc.UntagResource(ctx, c.Caller, arn, keys); err != nil {
		return nil, err
	}
	return emptyOutput{}, nil
}

// tag is the Tag shape, whose members are capitalised on the wire.
type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type listTagsForResourceOutput struct {
	Tags      []tag  `json:"tags"`
	NextToken string `json:"nextToken,omitempty"`
}

func (s *server) listTagsForResource(ctx context.Context, c *call) (any, error) {
	arn, err := c.req.queryString("resourceArn")
	if err != nil {
		return nil, err
	}
	token, err := c.req.queryString("nextToken")
	if err != nil {
		return nil, err
	}
	page, err := s.svc.ListTagsForResource(ctx, c.Caller, arn, token)
	if err != nil {
		return nil, err
	}
	out := listTagsForResourceOutput{Tags: make([]tag, len(page.Tags)), NextToken: page.NextToken}
	for i, t := range page.Tags {
		out.Tags[i] = tag{Key: t.Key, Value: t.Value}
	}
	return out, nil
}
