package ddbapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/sfapi/sfapi/internal/emulator/ddb"
	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
	"github.com/sfapi/sfapi/internal/emulator/streams"
)

// UpdateTable, tagging, TransactGetItems and the ClientRequestToken
// fingerprint.

type tag struct {
	Key   string
	Value string
}

type gsiUpdate struct {
	Create *indexSpec
	Delete *struct{ IndexName string }
	Update *struct {
		IndexName             string
		ProvisionedThroughput *provisionedThroughput
	}
}

type updateTableInput struct {
	TableName                   string
	AttributeDefinitions        []ddb.AttributeDefinition
	BillingMode                 string
	ProvisionedThroughput       *provisionedThroughput
	GlobalSecondaryIndexUpdates []gsiUpdate
	StreamSpecification         *streamSpecification
}

func (h *handler) updateTable(ctx context.Context, in *updateTableInput) (*tableOutput, error) {
	if err := requireTable(in.TableName); err != nil {
		return nil, err
	}
	req := ddb.UpdateTableInput{TableName: in.TableName, AttributeDefinitions: in.AttributeDefinitions,
		BillingMode: in.BillingMode, ProvisionedThroughput: in.ProvisionedThroughput}
	for _, u := range in.GlobalSecondaryIndexUpdates {
		var eu ddb.IndexUpdate
		if u.Create != nil {
			specs := toIndexSpecs([]indexSpec{*u.Create})
			eu.Create = &specs[0]
		}
		if u.Delete != nil {
			if u.Delete.IndexName == "" {
				return nil, validation("1 validation error detected: Value null at 'globalSecondaryIndexUpdates.1.member.delete.indexName' failed to satisfy constraint: Member must not be null")
			}
			eu.Delete = u.Delete.IndexName
		}
		if u.Update != nil {
			eu.Update = &ddb.IndexSpec{IndexName: u.Update.IndexName, ProvisionedThroughput: u.Update.ProvisionedThroughput}
		}
		req.GlobalSecondaryIndexUpdates = append(req.GlobalSecondaryIndexUpdates, eu)
	}
	if ss := in.StreamSpecification; ss != nil {
		req.StreamSpecification = &ddb.StreamSpec{StreamEnabled: ss.StreamEnabled, StreamViewType: streams.ViewType(ss.StreamViewType)}
	}
	d, err := h.e.UpdateTable(ctx, req)
	if err != nil {
		return nil, err
	}
	return &tableOutput{TableDescription: toTableDescription(d)}, nil
}

type tagResourceInput struct {
	ResourceArn string
	Tags        []tag
}

type untagResourceInput struct {
	ResourceArn string
	TagKeys     []string
}

type listTagsInput struct {
	ResourceArn string
	NextToken   string
}

type listTagsOutput struct {
	Tags      []tag
	NextToken string `json:",omitempty"`
}

func requireArn(arn string) error {
	if arn == "" {
		return validation("1 validation error detected: Value null at 'resourceArn' failed to satisfy constraint: Member must not be null")
	}
	return nil
}

func (h *handler) tagResource(ctx context.Context, in *tagResourceInput) (*struct{}, error) {
	if err := requireArn(in.ResourceArn); err != nil {
		return nil, err
	}
	tags := map[string]string{}
	for _, t := range in.Tags {
		tags[t.Key] = t.Value
	}
	if in.Tags == nil {
		tags = nil
	}
	return &struct{}{}, h.e.TagResource(ctx, in.ResourceArn, tags)
}

func (h *handler) untagResource(ctx context.Context, in *untagResourceInput) (*struct{}, error) {
	if err := requireArn(in.ResourceArn); err != nil {
		return nil, err
	}
	return &struct{}{}, h.e.UntagResource(ctx, in.ResourceArn, in.TagKeys)
}

func (h *handler) listTags(ctx context.Context, in *listTagsInput) (*listTagsOutput, error) {
	if err := requireArn(in.ResourceArn); err != nil {
		return nil, err
	}
	tags, err := h.e.ListTagsOfResource(ctx, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	out := &listTagsOutput{Tags: make([]tag, len(tags))}
	for i, t := range tags {
		out.Tags[i] = tag{Key: t.Key, Value: t.Value}
	}
	return out, nil
}

type transactGetItem struct {
	Get *struct {
		TableName                string
		Key                      attr.Item
		ProjectionExpression     string
		ExpressionAttributeNames map[string]string
	}
}

type transactGetInput struct {
	TransactItems          []transactGetItem
	ReturnConsumedCapacity string
}

type itemResponse struct {
	Item attr.Item `json:",omitempty"`
}

type transactGetOutput struct {
	Responses        []itemResponse
	ConsumedCapacity []consumedCapacity `json:",omitempty"`
}

func (h *handler) transactGet(ctx context.Context, in *transactGetInput) (*transactGetOutput, error) {
	if err := checkReturnCapacity(in.ReturnConsumedCapacity); err != nil {
		return nil, err
	}
	gets := make([]ddb.TransactGet, len(in.TransactItems))
	for i, ti := range in.TransactItems {
		if ti.Get == nil {
			return nil, validation("1 validation error detected: Value null at 'transactItems.%d.member.get' failed to satisfy constraint: Member must not be null", i+1)
		}
		if err := requireTable(ti.Get.TableName); err != nil {
			return nil, err
		}
		gets[i] = ddb.TransactGet{TableName: ti.Get.TableName, Key: ti.Get.Key, ProjectionExpression: ti.Get.ProjectionExpression,
			ExpressionAttributeNames: ti.Get.ExpressionAttributeNames}
	}
	items, caps, err := h.e.TransactGetItems(ctx, gets)
	if err != nil {
		return nil, err
	}
	out := &transactGetOutput{Responses: make([]itemResponse, len(items)), ConsumedCapacity: capacities(in.ReturnConsumedCapacity, caps)}
	for i, it := range items {
		out.Responses[i] = itemResponse{Item: it}
	}
	return out, nil
}

// fingerprint hashes the canonical JSON of a transaction's items (map keys
// sorted by encoding/json), so a retry with the same ClientRequestToken can
// be told apart from a different request.
func fingerprint(items []transactWriteItem) (string, error) {
	b, err := json.Marshal(items)
	if err != nil {
		return "", fmt.Errorf("fingerprint transaction: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
