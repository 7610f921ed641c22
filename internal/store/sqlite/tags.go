package sqlite

import (
	"context"

	"github.com/iotcertd/iotcertd/internal/iot"
)

func scanTag(sc scanner) (iot.Tag, error) {
	var t iot.Tag
	err := sc.Scan(&t.Key, &t.Value)
	return t, err
}

// Tags returns a page of a resource's tags, by key.
func (r reader) Tags(ctx context.Context, resourceARN string, q iot.NameQuery) ([]iot.Tag, error) {
	const op = "tags"
	if err := limit(op, q.Limit); err != nil {
		return nil, err
	}
	return queryAll(ctx, r, op, selectTags, scanTag, q.Region, q.Account, resourceARN, q.After, q.Limit)
}

// PutTags sets each tag, replacing the value of a key the resource has.
func (t *tx) PutTags(ctx context.Context, region, account, resourceARN string, tags []iot.Tag) error {
	for _, tag := range tags {
		if _, err := t.exec(ctx, "put tag", upsertTag, region, account, resourceARN, tag.Key, tag.Value); err != nil {
			return err
		}
	}
	return nil
}

// DeleteTags removes the given keys; absent keys are ignored.
func (t *tx) DeleteTags(ctx context.Context, region, account, resourceARN string, keys []string) error {
	for _, k := range keys {
		if _, err := t.exec(ctx, "delete tag", deleteTag, region, account, resourceARN, k); err != nil {
			return err
		}
	}
	return nil
}

// DeleteResourceTags removes every tag of a resource.
func (t *tx) DeleteResourceTags(ctx context.Context, region, account, resourceARN string) error {
	_, err := t.exec(ctx, "delete resource tags", deleteResourceTags, region, account, resourceARN)
	return err
}
