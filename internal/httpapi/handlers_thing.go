package httpapi

import (
	"context"

	"github.com/iotcertd/iotcertd/internal/iot"
)

// Handlers of UpdateThing and ListThings (iot-api.md §7 ListThings; the AWS model for
// UpdateThing).

func (s *server) updateThing(ctx context.Context, c *call) (any, error) {
	in := iot.UpdateThingInput{ThingName: c.req.label(0)}
	body, err := c.req.object()
	if err != nil {
		return nil, err
	}
	if in.ThingTypeName, err = body.stringMember("thingTypeName"); err != nil {
		return nil, err
	}
	if err := member(body, "removeThingType", &in.RemoveThingType, "removeThingType", "a boolean"); err != nil {
		return nil, err
	}
	// expectedVersion is a long in the body here, not the query member of DeleteThing.
	if err := member(body, "expectedVersion", &in.ExpectedVersion, "expectedVersion", "an integer"); err != nil {
		return nil, err
	}
	var payload jsonObject
	if err := member(body, "attributePayload", &payload, "attributePayload", "an object"); err != nil {
		return nil, err
	}
	if payload != nil {
		in.AttributePayload = &iot.AttributePayload{}
		if err := member(payload, "attributes", &in.AttributePayload.Attributes, "attributePayload.attributes", "a map of strings"); err != nil {
			return nil, err
		}
		if err := member(payload, "merge", &in.AttributePayload.Merge, "attributePayload.merge", "a boolean"); err != nil {
			return nil, err
		}
	}
	if _, err := s.svc.UpdateThing(ctx, c.Caller, in); err != nil {
		return nil, err
	}
	return emptyOutput{}, nil
}

// thingAttribute is the ThingAttribute shape of ListThings.
type thingAttribute struct {
	ThingName     string            `json:"thingName"`
	ThingTypeName string            `json:"thingTypeName,omitempty"`
	ThingARN      string            `json:"thingArn"`
	Attributes    map[string]string `json:"attributes"`
	Version       int64             `json:"version"`
}

type listThingsOutput struct {
	Things    []thingAttribute `json:"things"`
	NextToken string           `json:"nextToken,omitempty"`
}

func (s *server) listThings(ctx context.Context, c *call) (any, error) {
	list, err := tokenListInput(c.req)
	if err != nil {
		return nil, err
	}
	in := iot.ListThingsInput{NextToken: list.NextToken, MaxResults: list.MaxResults}
	if in.AttributeName, err = c.req.queryString("attributeName"); err != nil {
		return nil, err
	}
	if in.AttributeValue, err = c.req.queryString("attributeValue"); err != nil {
		return nil, err
	}
	if in.ThingTypeName, err = c.req.queryString("thingTypeName"); err != nil {
		return nil, err
	}
	if in.UsePrefixAttributeValue, err = c.req.queryBool("usePrefixAttributeValue"); err != nil {
		return nil, err
	}
	page, err := s.svc.ListThings(ctx, c.Caller, in)
	if err != nil {
		return nil, err
	}
	out := listThingsOutput{Things: make([]thingAttribute, len(page.Things)), NextToken: page.NextToken}
	for i, t := range page.Things {
		attrs := t.Attributes
		if attrs == nil {
			attrs = map[string]string{}
		}
		out.Things[i] = thingAttribute{ThingName: t.Name, ThingTypeName: t.TypeName, ThingARN: t.ARN(),
			Attributes: attrs, Version: t.Version}
	}
	return out, nil
}
