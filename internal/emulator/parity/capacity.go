package parity

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// units is a ConsumedCapacity's CapacityUnits, or -1 when it is absent.
func units(c *types.ConsumedCapacity) float64 {
	if c == nil || c.CapacityUnits == nil {
		return -1
	}
	return *c.CapacityUnits
}

var _ = register("items/return-consumed-capacity", func(t *testing.T, env *Env) {
	ctx := context.Background()
	name := createTable(t, env, "Cap", false, func(in *dynamodb.CreateTableInput) {
		in.AttributeDefinitions = append(in.AttributeDefinitions, defs("g", "S")...)
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{IndexName: aws.String("byG"), KeySchema: ks("g"),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}
	})
	tbl := aws.String(name)
	// NONE (and no parameter): no ConsumedCapacity at all.
	p := must[*dynamodb.PutItemOutput](t, "put NONE")(env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": s("a"), "g": s("x")},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityNone}))
	if p.ConsumedCapacity != nil {
		t.Fatalf("NONE returned %+v", p.ConsumedCapacity)
	}
	// TOTAL: the table's name and the total only. A put of a small item
	// that is also indexed costs one unit for the table and one for the GSI.
	p = must[*dynamodb.PutItemOutput](t, "put TOTAL")(env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": s("b"), "g": s("x")},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal}))
	if c := p.ConsumedCapacity; aws.ToString(c.TableName) != name || units(c) != 2 || c.Table != nil || c.GlobalSecondaryIndexes != nil {
		t.Fatalf("TOTAL = %+v", c)
	}
	// INDEXES: the total plus the table's and each index's share.
	p = must[*dynamodb.PutItemOutput](t, "put INDEXES")(env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": s("c"), "g": s("x")},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes}))
	c := p.ConsumedCapacity
	if units(c) != 2 || c.Table == nil || aws.ToFloat64(c.Table.CapacityUnits) != 1 || aws.ToFloat64(c.GlobalSecondaryIndexes["byG"].CapacityUnits) != 1 {
		t.Fatalf("INDEXES = %+v table %+v gsi %+v", c, c.Table, c.GlobalSecondaryIndexes)
	}
	// An unindexed item costs the table only.
	p = must[*dynamodb.PutItemOutput](t, "put unindexed")(env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": s("d")},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes}))
	if units(p.ConsumedCapacity) != 1 || len(p.ConsumedCapacity.GlobalSecondaryIndexes) != 0 {
		t.Fatalf("unindexed put = %+v", p.ConsumedCapacity)
	}
	// Reads: half a unit eventually consistent, one unit strongly consistent
	// (items up to 4 KB).
	for _, tt := range []struct {
		consistent bool
		want       float64
	}{{false, 0.5}, {true, 1}} {
		g := must[*dynamodb.GetItemOutput](t, "get")(env.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: item{"pk": s("a")},
			ConsistentRead: aws.Bool(tt.consistent), ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal}))
		if units(g.ConsumedCapacity) != tt.want {
			t.Fatalf("get consistent=%v = %v units, want %v", tt.consistent, units(g.ConsumedCapacity), tt.want)
		}
	}
	// A query on the index reports the index under INDEXES.
	q := must[*dynamodb.QueryOutput](t, "query gsi")(env.DB.Query(ctx, &dynamodb.QueryInput{TableName: tbl, IndexName: aws.String("byG"),
		KeyConditionExpression: aws.String("g = :g"), ExpressionAttributeValues: item{":g": s("x")}, ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes}))
	if q.Count != 3 || units(q.ConsumedCapacity) != 0.5 || aws.ToFloat64(q.ConsumedCapacity.GlobalSecondaryIndexes["byG"].CapacityUnits) != 0.5 {
		t.Fatalf("query gsi = %d items, %+v", q.Count, q.ConsumedCapacity)
	}
	// Transactional writes cost two units per KB.
	tw := must[*dynamodb.TransactWriteItemsOutput](t, "transact")(env.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		TransactItems:          []types.TransactWriteItem{{Put: &types.Put{TableName: tbl, Item: item{"pk": s("t")}}}}}))
	if len(tw.ConsumedCapacity) != 1 || units(&tw.ConsumedCapacity[0]) != 2 {
		t.Fatalf("transact capacity = %+v", tw.ConsumedCapacity)
	}
	// Local secondary indexes are reported apart.
	lname := createTable(t, env, "CapL", true, func(in *dynamodb.CreateTableInput) {
		in.AttributeDefinitions = append(in.AttributeDefinitions, defs("r", "N")...)
		in.LocalSecondaryIndexes = []types.LocalSecondaryIndex{{IndexName: aws.String("byR"), KeySchema: ks("pk", "r"),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}
	})
	lp := must[*dynamodb.PutItemOutput](t, "put lsi")(env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(lname),
		Item: item{"pk": s("a"), "sk": n("1"), "r": n("5")}, ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes}))
	if lc := lp.ConsumedCapacity; units(lc) != 2 || aws.ToFloat64(lc.Table.CapacityUnits) != 1 ||
		aws.ToFloat64(lc.LocalSecondaryIndexes["byR"].CapacityUnits) != 1 || len(lc.GlobalSecondaryIndexes) != 0 {
		t.Fatalf("lsi put = %+v", lc)
	}
	lq := must[*dynamodb.QueryOutput](t, "query lsi")(env.DB.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(lname), IndexName: aws.String("byR"),
		KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: item{":p": s("a")}, ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes}))
	if lc := lq.ConsumedCapacity; units(lc) != 0.5 || aws.ToFloat64(lc.LocalSecondaryIndexes["byR"].CapacityUnits) != 0.5 {
		t.Fatalf("lsi query = %+v", lc)
	}
	_, err := env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": s("e")}, ReturnConsumedCapacity: "SOME"})
	env.wantErr(t, "bad ReturnConsumedCapacity", err, "ValidationException", "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]")
})

var _ = register("items/return-values-on-condition-check-failure", func(t *testing.T, env *Env) {
	ctx := context.Background()
	name := createTable(t, env, "Rvcf", false, nil)
	tbl := aws.String(name)
	put(t, env, name, item{"pk": s("a"), "v": n("1")})
	var ccf *types.ConditionalCheckFailedException
	// ALL_OLD on UpdateItem and DeleteItem returns the item as it is.
	_, err := env.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: item{"pk": s("a")}, UpdateExpression: aws.String("SET v = :two"),
		ConditionExpression: aws.String("v = :two"), ExpressionAttributeValues: item{":two": n("2")},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	if !asErr(err, &ccf) || show(ccf.Item) != `{pk:"a",v:1}` {
		t.Fatalf("update ALL_OLD failure = %v", err)
	}
	ccf = nil
	_, err = env.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: tbl, Key: item{"pk": s("a")}, ConditionExpression: aws.String("attribute_not_exists(v)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	if !asErr(err, &ccf) || show(ccf.Item) != `{pk:"a",v:1}` {
		t.Fatalf("delete ALL_OLD failure = %v", err)
	}
	// NONE (the default) returns no item.
	ccf = nil
	_, err = env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": s("a")}, ConditionExpression: aws.String("attribute_not_exists(pk)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureNone})
	if !asErr(err, &ccf) || ccf.Item != nil {
		t.Fatalf("NONE failure = %v", err)
	}
	// A condition on a missing item fails with no item to return.
	ccf = nil
	_, err = env.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: item{"pk": s("zz")}, UpdateExpression: aws.String("SET v = :two"),
		ConditionExpression: aws.String("attribute_exists(pk)"), ExpressionAttributeValues: item{":two": n("2")},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	if !asErr(err, &ccf) || ccf.Item != nil {
		t.Fatalf("missing item failure = %v", err)
	}
	wantItem(t, "unchanged", get(t, env, name, item{"pk": s("a")}), `{pk:"a",v:1}`)
	_, err = env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": s("a")}, ReturnValuesOnConditionCheckFailure: "ALL_NEW"})
	env.wantErr(t, "bad ReturnValuesOnConditionCheckFailure", err, "ValidationException", "Member must satisfy enum value set: [ALL_OLD, NONE]")
})
