package iot

import (
	"context"
	"maps"
)

// AttributePayload is the AttributePayload shape: attributes and whether they merge into
// the thing's attributes or replace them.
type AttributePayload struct {
	Attributes map[string]string
	Merge      bool
}

// UpdateThingInput is the input of UpdateThing.
type UpdateThingInput struct {
	ThingName       string
	ThingTypeName   string
	RemoveThingType bool
	// AttributePayload is nil when the request has none: the attributes stay as they are.
	AttributePayload *AttributePayload
	ExpectedVersion  *int64
}

// UpdateThing changes a thing's type and attributes and advances its version.
//
// With merge, each given attribute is set, and one given with an empty value is removed
// (AttributePayload doc: "To remove an attribute, call UpdateThing with an empty attribute
// value"). Without merge, the given attributes replace all the thing's attributes, those
// with an empty value again meaning absent. A thing without a type keeps at most three
// attributes. An expectedVersion other than the thing's version is VersionConflict.
func (s *Service) UpdateThing(ctx context.Context, c Caller, in UpdateThingInput) (*Thing, error) {
	if err := checkThingName("thingName", in.ThingName); err != nil {
		return nil, err
	}
	if in.ThingTypeName != "" {
		if err := checkThingName("thingTypeName", in.ThingTypeName); err != nil {
			return nil, err
		}
		if in.RemoveThingType {
			return nil, invalid("thingTypeName and removeThingType cannot be given together.")
		}
	}
	if in.AttributePayload != nil {
		if err := checkAttributeEntries(in.AttributePayload.Attributes); err != nil {
			return nil, err
		}
	}
	var t *Thing
	err := s.update(ctx, func(tx Tx) error {
		var err error
		if t, err = getThing(ctx, tx, c, in.ThingName); err != nil {
			return err
		}
		if in.ExpectedVersion != nil && *in.ExpectedVersion != t.Version {
			return Errorf(CodeVersionConflict, "The version of thing %s is %d, not the expected %d.", in.ThingName, t.Version, *in.ExpectedVersion)
		}
		if in.ThingTypeName != "" {
			// Thing types cannot be created yet, so none exists to associate.
			return Errorf(CodeResourceNotFound, "The thing type %s does not exist.", in.ThingTypeName)
		}
		if in.RemoveThingType {
			t.TypeName = ""
		}
		if p := in.AttributePayload; p != nil {
			attrs := map[string]string{}
			if p.Merge {
				maps.Copy(attrs, t.Attributes)
			}
			for k, v := range p.Attributes {
				if v == "" {
					delete(attrs, k)
				} else {
					attrs[k] = v
				}
			}
			if t.TypeName == "" && len(attrs) > maxThingAttributes {
				return tooManyAttributes()
			}
			t.Attributes = attrs
		}
		return tx.PutThing(ctx, t)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}
