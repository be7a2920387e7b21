package ddbapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/ddb"
	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
	"github.com/sfapi/sfapi/internal/emulator/streams"
)

// mapErr turns an engine error into an AWS error envelope; anything that is
// not an engine or AWS error stays as it is and becomes a 500.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var ae *awsjson.Error
	if errors.As(err, &ae) {
		return ae
	}
	var de *ddb.Error
	if errors.As(err, &de) {
		ae := &awsjson.Error{Status: http.StatusBadRequest, Code: string(de.Code), Message: de.Message}
		// The old item of a failed condition (ReturnValuesOnConditionCheckFailure
		// = ALL_OLD) and a transaction's CancellationReasons travel in the
		// error body, as DynamoDB sends them.
		if de.Item != nil {
			ae.Fields = map[string]any{"Item": de.Item}
		}
		if len(de.Reasons) > 0 {
			reasons := make([]wireCancellationReason, len(de.Reasons))
			for i, r := range de.Reasons {
				reasons[i] = wireCancellationReason(r)
			}
			ae.Fields = map[string]any{"CancellationReasons": reasons}
		}
		return ae
	}
	switch {
	case errors.Is(err, streams.ErrExpiredIterator):
		return awsjson.Errorf("ExpiredIteratorException", "%s", err.Error())
	case errors.Is(err, streams.ErrInvalidIterator):
		return awsjson.Errorf(awsjson.CodeValidation, "%s", err.Error())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &awsjson.Error{Status: http.StatusBadRequest, Code: "RequestCanceled", Message: err.Error()}
	}
	return err
}

func validation(format string, args ...any) error {
	return awsjson.Errorf(awsjson.CodeValidation, format, args...)
}

func returnOld(v string) (bool, error) {
	switch v {
	case "", "NONE":
		return false, nil
	case "ALL_OLD":
		return true, nil
	}
	return false, validation("1 validation error detected: Value '%s' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]", v)
}

func checkReturnCapacity(v string) error {
	switch v {
	case "", "NONE", "TOTAL", "INDEXES":
		return nil
	}
	return validation("1 validation error detected: Value '%s' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]", v)
}

// capacity renders consumed capacity as ReturnConsumedCapacity asks.
func capacity(mode string, c ddb.Capacity) *consumedCapacity {
	if mode != "TOTAL" && mode != "INDEXES" {
		return nil
	}
	out := &consumedCapacity{TableName: c.TableName, CapacityUnits: c.Total()}
	if mode == "INDEXES" {
		out.Table = &capacityUnits{CapacityUnits: c.Read + c.Write}
		for n, u := range c.Indexes {
			if out.GlobalSecondaryIndexes == nil {
				out.GlobalSecondaryIndexes = map[string]capacityUnits{}
			}
			out.GlobalSecondaryIndexes[n] = capacityUnits{CapacityUnits: u}
		}
		for n, u := range c.LocalIndexes {
			if out.LocalSecondaryIndexes == nil {
				out.LocalSecondaryIndexes = map[string]capacityUnits{}
			}
			out.LocalSecondaryIndexes[n] = capacityUnits{CapacityUnits: u}
		}
	}
	return out
}

func capacities(mode string, cs []ddb.Capacity) []consumedCapacity {
	var out []consumedCapacity
	for _, c := range cs {
		if cc := capacity(mode, c); cc != nil {
			out = append(out, *cc)
		}
	}
	return out
}

func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func toIndexSpecs(in []indexSpec) []ddb.IndexSpec {
	var out []ddb.IndexSpec
	for _, i := range in {
		out = append(out, ddb.IndexSpec{IndexName: i.IndexName, KeySchema: i.KeySchema, Projection: i.Projection, ProvisionedThroughput: i.ProvisionedThroughput})
	}
	return out
}

// TableSpec converts a CreateTable request body to the engine's spec.
func (in *createTableInput) spec() ddb.TableSpec {
	s := ddb.TableSpec{
		TableName: in.TableName, KeySchema: in.KeySchema, AttributeDefinitions: in.AttributeDefinitions,
		GlobalSecondaryIndexes: toIndexSpecs(in.GlobalSecondaryIndexes), LocalSecondaryIndexes: toIndexSpecs(in.LocalSecondaryIndexes),
		BillingMode: in.BillingMode, ProvisionedThroughput: in.ProvisionedThroughput,
	}
	if len(in.Tags) > 0 {
		s.Tags = map[string]string{}
		for _, t := range in.Tags {
			s.Tags[t.Key] = t.Value
		}
	}
	if ss := in.StreamSpecification; ss != nil {
		s.StreamSpecification = &ddb.StreamSpec{StreamEnabled: ss.StreamEnabled, StreamViewType: streams.ViewType(ss.StreamViewType)}
	}
	return s
}

func toIndexDescriptions(in []ddb.IndexDescription, billing string) []indexDescription {
	var out []indexDescription
	for _, i := range in {
		d := indexDescription{IndexName: i.IndexName, IndexArn: i.IndexArn, IndexStatus: i.IndexStatus, KeySchema: i.KeySchema,
			Projection: i.Projection, ItemCount: i.ItemCount, IndexSizeBytes: i.IndexSizeBytes}
		if i.IndexStatus != "" { // global index
			d.ProvisionedThroughput = &throughputDescription{}
			if i.ProvisionedThroughput != nil && billing == ddb.BillingProvisioned {
				d.ProvisionedThroughput.ReadCapacityUnits = i.ProvisionedThroughput.ReadCapacityUnits
				d.ProvisionedThroughput.WriteCapacityUnits = i.ProvisionedThroughput.WriteCapacityUnits
			}
		}
		out = append(out, d)
	}
	return out
}

func toTableDescription(d *ddb.TableDescription) *tableDescription {
	out := &tableDescription{
		TableName: d.TableName, TableArn: d.TableArn, TableId: d.TableId, TableStatus: d.TableStatus,
		CreationDateTime: epoch(d.CreationDateTime), KeySchema: d.KeySchema, AttributeDefinitions: d.AttributeDefinitions,
		ProvisionedThroughput: throughputDescription{ReadCapacityUnits: d.ProvisionedThroughput.ReadCapacityUnits, WriteCapacityUnits: d.ProvisionedThroughput.WriteCapacityUnits},
		ItemCount:             d.ItemCount, TableSizeBytes: d.TableSizeBytes,
		GlobalSecondaryIndexes: toIndexDescriptions(d.GlobalSecondaryIndexes, d.BillingMode),
		LocalSecondaryIndexes:  toIndexDescriptions(d.LocalSecondaryIndexes, d.BillingMode),
		LatestStreamArn:        d.LatestStreamArn, LatestStreamLabel: d.LatestStreamLabel,
	}
	if d.BillingMode == ddb.BillingPayPerRequest {
		out.BillingModeSummary = &billingModeSummary{BillingMode: d.BillingMode}
	}
	if ss := d.StreamSpecification; ss != nil {
		out.StreamSpecification = &streamSpecification{StreamEnabled: ss.StreamEnabled, StreamViewType: string(ss.StreamViewType)}
	}
	return out
}

func limitOf(p *int, what string, max int) (int, error) {
	if p == nil {
		return 0, nil
	}
	if *p < 1 {
		return 0, validation("1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to 1", *p, what)
	}
	if max > 0 && *p > max {
		return 0, validation("1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", *p, what, max)
	}
	return *p, nil
}

func requireTable(name string) error {
	if name == "" {
		return validation("1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null")
	}
	return nil
}

// wireCancellationReason is a CancellationReason as DynamoDB writes it:
// members without a value are left out.
type wireCancellationReason struct {
	Code    string    `json:",omitempty"`
	Message string    `json:",omitempty"`
	Item    attr.Item `json:",omitempty"`
}
