package asl

import (
	"context"
	"sort"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// Tag is a resource tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// ErrResourceNotFound is the tagging APIs' unknown-resource error.
var ErrResourceNotFound = &APIError{Code: "ResourceNotFound"}

// maxTags is AWS's limit of tags per resource.
const maxTags = 50

// tagRecord is a machine's stored tags. Created binds them to one
// incarnation of the machine: DeleteStateMachine leaves the record behind,
// and a machine created again under the same name starts untagged.
type tagRecord struct {
	Created time.Time         `json:"created"`
	Tags    map[string]string `json:"tags"`
}

// taggable checks that arn is a state machine of this engine that exists
// and returns its creation date.
func (e *Engine) taggable(arn string) (time.Time, error) {
	if _, err := e.machineName(arn); err != nil {
		return time.Time{}, err
	}
	me, err := e.machine(arn)
	if err != nil {
		return time.Time{}, apiErr(ErrResourceNotFound, "Resource not found: '%s'", arn)
	}
	return me.sm.CreationDate, nil
}

func readTags(tx *kv.Tx, arn string, created time.Time) (map[string]string, error) {
	var rec tagRecord
	found, err := getJSON(tx, bucketTags, arn, &rec)
	if err != nil || !found || !rec.Created.Equal(created) || rec.Tags == nil {
		return map[string]string{}, err
	}
	return rec.Tags, nil
}

// TagResource adds or replaces tags of a state machine.
func (e *Engine) TagResource(ctx context.Context, arn string, tags []Tag) error {
	created, err := e.taggable(arn)
	if err != nil {
		return err
	}
	for _, t := range tags {
		if t.Key == "" || len(t.Key) > 128 || len(t.Value) > 256 {
			return apiErr(ErrValidation, "1 validation error detected: tag keys must be 1-128 and values 0-256 characters")
		}
	}
	return e.db.Update(func(tx *kv.Tx) error {
		cur, err := readTags(tx, arn, created)
		if err != nil {
			return err
		}
		for _, t := range tags {
			cur[t.Key] = t.Value
		}
		if len(cur) > maxTags {
			return apiErr(&APIError{Code: "TooManyTags"}, "Too many tags: a resource can have at most %d tags", maxTags)
		}
		return putJSON(tx, bucketTags, []byte(arn), tagRecord{Created: created, Tags: cur})
	})
}

// UntagResource removes tags of a state machine by key.
func (e *Engine) UntagResource(ctx context.Context, arn string, keys []string) error {
	created, err := e.taggable(arn)
	if err != nil {
		return err
	}
	return e.db.Update(func(tx *kv.Tx) error {
		cur, err := readTags(tx, arn, created)
		if err != nil {
			return err
		}
		for _, k := range keys {
			delete(cur, k)
		}
		return putJSON(tx, bucketTags, []byte(arn), tagRecord{Created: created, Tags: cur})
	})
}

// ListTagsForResource returns a state machine's tags sorted by key.
func (e *Engine) ListTagsForResource(ctx context.Context, arn string) ([]Tag, error) {
	created, err := e.taggable(arn)
	if err != nil {
		return nil, err
	}
	var cur map[string]string
	err = e.db.View(func(tx *kv.Tx) error {
		var err error
		cur, err = readTags(tx, arn, created)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]Tag, 0, len(cur))
	for k, v := range cur {
		out = append(out, Tag{Key: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}
