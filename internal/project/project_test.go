package project

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeProject creates a project directory from file contents.
func writeProject(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func mustLoad(t *testing.T, dir string) *Project {
	t.Helper()
	p, err := Load(dir)
	if err != nil {
		t.Fatalf("Load(%s): %v", dir, err)
	}
	return p
}

func TestLoadFull(t *testing.T) {
	t.Parallel()
	p := mustLoad(t, "testdata/full")
	if p.Manifest.Name != "shop" || p.Region() != "eu-west-1" || p.AccountID() != "123456789012" || p.Stage() != "prod" {
		t.Fatalf("top level = %q %q %q %q", p.Manifest.Name, p.Region(), p.AccountID(), p.Stage())
	}
	if p.WebSocketPath() != "/live" || p.StackName() != "shop-prod" || p.OpenAPIFile() != "api/openapi.yaml" {
		t.Fatalf("ws %q stack %q openapi %q", p.WebSocketPath(), p.StackName(), p.OpenAPIFile())
	}

	tables := p.Tables()
	if len(tables) != 2 || tables[0].LogicalID != "Audit" || tables[1].LogicalID != "Orders" {
		t.Fatalf("tables not sorted by logical ID: %+v", tables)
	}
	audit := tables[0]
	wantAudit := Table{LogicalID: "Audit", Name: "Audit", PartitionKey: KeyAttr{"id", "B"}, BillingMode: BillingPayPerRequest,
		Pos: Pos{File: "sfapi.yaml", Line: 26, Col: 3}}
	if !reflect.DeepEqual(audit, wantAudit) {
		t.Fatalf("Audit =\n%+v\nwant\n%+v", audit, wantAudit)
	}
	orders := tables[1]
	wantOrders := Table{
		LogicalID: "Orders", Name: "shop-orders",
		PartitionKey: KeyAttr{"pk", "S"}, SortKey: &KeyAttr{"sk", "S"},
		GSIs: []Index{{Name: "byCustomer", PartitionKey: KeyAttr{"customer", "S"}, SortKey: &KeyAttr{"createdAt", "N"},
			Projection: ProjectionInclude, NonKeyAttributes: []string{"total", "status"}}},
		LSIs: []Index{{Name: "byStatus", PartitionKey: KeyAttr{"pk", "S"}, SortKey: &KeyAttr{"status", "S"},
			Projection: ProjectionKeysOnly}},
		StreamViewType: StreamNewImage, TTLAttribute: "expiresAt", BillingMode: BillingProvisioned,
		Pos: Pos{File: "sfapi.yaml", Line: 8, Col: 3},
	}
	if !reflect.DeepEqual(orders, wantOrders) {
		t.Fatalf("Orders =\n%+v\nwant\n%+v", orders, wantOrders)
	}

	sms := p.StateMachines()
	if len(sms) != 2 {
		t.Fatalf("state machines: %+v", sms)
	}
	fulfil, notify := sms[0], sms[1]
	if fulfil.Name != "Fulfil" || fulfil.Type != StateMachineExpress || fulfil.DefinitionFile != "statemachines/fulfil.asl.json" {
		t.Fatalf("Fulfil = %+v", fulfil)
	}
	if fulfil.Substitutions["OrdersTable"] != "${Orders}" {
		t.Fatalf("raw substitutions changed: %v", fulfil.Substitutions)
	}
	for _, want := range []string{
		`"TableName": "shop-orders"`,
		`"Arn": "arn:aws:dynamodb:eu-west-1:123456789012:table/shop-orders"`,
		`"MaxAttempts": 3}`,
		`"Comment": "plain and ${not a reference} and $.path"`,
	} {
		if !strings.Contains(fulfil.Definition, want) {
			t.Errorf("Fulfil definition lacks %s:\n%s", want, fulfil.Definition)
		}
	}
	if !strings.Contains(fulfil.RawDefinition, `"MaxAttempts": ${Retries}`) {
		t.Errorf("RawDefinition was substituted: %s", fulfil.RawDefinition)
	}
	if notify.Name != "shop-notify" || notify.Type != StateMachineStandard {
		t.Fatalf("Notify = %+v", notify)
	}

	pipes := p.Pipes()
	if len(pipes) != 2 {
		t.Fatalf("pipes: %+v", pipes)
	}
	wantBus := Pipe{LogicalID: "OrdersToBus",
		Source: PipeSource{Table: "Orders", StartingPosition: "TRIM_HORIZON", BatchSize: 10, MaximumRetryAttempts: -1,
			MaximumRecordAgeInSeconds: -1, ParallelizationFactor: 1, OnFailure: "arn:aws:sqs:eu-west-1:123456789012:dlq"},
		Target: PipeTarget{EventBus: "shop-bus", InvocationType: InvocationFireAndForget},
		Pos:    Pos{File: "sfapi.yaml", Line: 63, Col: 3},
	}
	if !reflect.DeepEqual(pipes[0], wantBus) {
		t.Fatalf("OrdersToBus =\n%+v\nwant\n%+v", pipes[0], wantBus)
	}
	wantFulfil := Pipe{LogicalID: "OrdersToFulfil",
		Source: PipeSource{Table: "Orders", StartingPosition: "LATEST", BatchSize: 10, MaximumBatchingWindowInSeconds: 5,
			MaximumRetryAttempts: 3, MaximumRecordAgeInSeconds: 60, BisectBatchOnFunctionError: true,
			OnPartialBatchItemFailure: "AUTOMATIC_BISECT", ParallelizationFactor: 2,
			Filters: []string{`{"eventName": ["INSERT"]}`}, OnFailure: "orders-dlq"},
		Target: PipeTarget{StateMachine: "Fulfil", InvocationType: InvocationRequestResponse,
			InputTemplate: `{"id": <$.dynamodb.Keys.pk.S>}`, ExecutionName: "order-<$.dynamodb.Keys.pk.S>"},
		Pos: Pos{File: "sfapi.yaml", Line: 42, Col: 3},
	}
	if !reflect.DeepEqual(pipes[1], wantFulfil) {
		t.Fatalf("OrdersToFulfil =\n%+v\nwant\n%+v", pipes[1], wantFulfil)
	}

	rules := p.Rules()
	wantRule := Rule{LogicalID: "OrderEvents", Name: "OrderEvents", EventBus: "shop-bus",
		EventPattern: `{"source":["shop.orders"],"detail-type":["OrderPlaced"]}`, State: RuleDisabled,
		Targets: []RuleTarget{
			{Push: "orders", InputPath: "$.detail"},
			{StateMachine: "Notify", InputTransformer: &InputTransformer{
				InputPathsMap: map[string]string{"id": "$.detail.id"}, InputTemplate: `{"order": <id>}`}},
			{Log: true, Input: `{"fixed": true}`},
			{EventBus: "default"},
		},
		Pos: Pos{File: "sfapi.yaml", Line: 71, Col: 3},
	}
	if len(rules) != 1 || !reflect.DeepEqual(rules[0], wantRule) {
		t.Fatalf("rules =\n%+v\nwant\n%+v", rules, wantRule)
	}
}

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	dir := writeProject(t, map[string]string{
		"sfapi.yaml": `name: tiny
tables:
  Items:
    keySchema: {partitionKey: {name: id, type: S}}
    stream: KEYS_ONLY
    globalSecondaryIndexes:
      - {indexName: byX, partitionKey: {name: x, type: N}}
stateMachines:
  Std: {definition: std.json}
  Exp: {definition: std.json, type: EXPRESS}
pipes:
  P1: {source: {table: Items, startingPosition: LATEST}, target: {stateMachine: Std}}
  P2: {source: {table: Items, startingPosition: LATEST}, target: {stateMachine: Exp}}
  P3: {source: {table: Items, startingPosition: LATEST}, target: {push: ch}}
rules:
  R: {eventPattern: '{"source": ["x"]}', targets: [{push: ch}]}
`,
		"std.json": `{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}`,
	})
	p := mustLoad(t, dir)
	m := p.Manifest
	if m.Region != "us-east-1" || m.AccountID != "000000000000" || m.API.Stage != "dev" || m.WebSocket.Path != "/jobs" {
		t.Fatalf("defaults: %+v", m)
	}
	if _, _, err := p.OpenAPI(); !errors.Is(err, ErrNoAPI) {
		t.Fatalf("OpenAPI without api: %v", err)
	}
	tb := m.Tables["Items"]
	if tb.Name != "Items" || tb.BillingMode != BillingPayPerRequest || tb.SortKey != nil || tb.GSIs[0].Projection != ProjectionAll {
		t.Fatalf("table defaults: %+v", tb)
	}
	if got := m.StateMachines["Std"]; got.Type != StateMachineStandard || got.Name != "Std" || got.Definition != got.RawDefinition {
		t.Fatalf("state machine defaults: %+v", got)
	}
	if got := m.Pipes["P1"].Target.InvocationType; got != InvocationFireAndForget {
		t.Fatalf("STANDARD target invocation = %s", got)
	}
	if got := m.Pipes["P2"].Target.InvocationType; got != InvocationRequestResponse {
		t.Fatalf("EXPRESS target invocation = %s", got)
	}
	src := m.Pipes["P3"].Source
	if src.BatchSize != 10 || src.MaximumRetryAttempts != -1 || src.MaximumRecordAgeInSeconds != -1 || src.ParallelizationFactor != 1 {
		t.Fatalf("pipe source defaults: %+v", src)
	}
	if r := m.Rules["R"]; r.EventBus != "default" || r.State != RuleEnabled || r.Name != "R" {
		t.Fatalf("rule defaults: %+v", r)
	}
}

func TestOpenAPIResolved(t *testing.T) {
	t.Parallel()
	p := mustLoad(t, "testdata/full")
	doc, lines, err := p.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatalf("OpenAPI is not JSON: %v\n%s", err, doc)
	}
	get := func(ptr string) any {
		t.Helper()
		var cur any = v
		for _, part := range strings.Split(ptr, "/")[1:] {
			part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
			switch c := cur.(type) {
			case map[string]any:
				cur = c[part]
			case []any:
				cur = c[0]
			default:
				t.Fatalf("%s: no %s", ptr, part)
			}
		}
		return cur
	}
	post := "/paths/~1orders/post/x-amazon-apigateway-integration"
	getOp := "/paths/~1orders~1{id}/get/x-amazon-apigateway-integration"
	wantVTL := "#set($id = $context.requestId)\n" +
		`{"TableName": "shop-orders", "Item": {"pk": {"S": "$id"}, "note": {"S": "${literal} $input.path('$.note')"}}}` + "\n"
	tests := []struct {
		ptr  string
		want any
		line int
	}{
		{"/info/title", "shop API", 3},
		{"/info/version", float64(1), 4},
		{post + "/uri", "arn:aws:apigateway:eu-west-1:dynamodb:action/PutItem", 11},
		{post + "/credentials", "arn:aws:dynamodb:eu-west-1:123456789012:table/shop-orders", 13},
		{post + "/requestTemplates/application~1json", wantVTL, 15},
		{post + "/responses/default/statusCode", float64(202), 23},
		{"/paths/~1orders/post/responses/202/description", "accepted", 26},
		{getOp + "/uri", "arn:aws:Fulfil", 30},
		{getOp + "/stack", "shop-prod.123456789012.amazonaws.com", 31},
		{getOp + "/machine", "${Fulfil}", 32},
		{getOp + "/nested", "arn:aws:dynamodb:eu-west-1:123456789012:table/shop-orders/stream/" + StreamLabel + "/shop-notify", 33},
		{"/paths/~1orders~1{id}/get/parameters/0/schema/maxLength", float64(15), 42},
		{"/x-flags/on", true, 43},
		{"/x-flags/off", nil, 43},
		{"/x-flags/date", "2024-01-02", 43},
	}
	for _, tt := range tests {
		if got := get(tt.ptr); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s = %#v, want %#v", tt.ptr, got, tt.want)
		}
		if got := lines[tt.ptr]; got != tt.line {
			t.Errorf("line of %s = %d, want %d", tt.ptr, got, tt.line)
		}
	}
	if lines["/paths/~1orders/post"] != 7 || lines[""] != 1 {
		t.Errorf("lines of operation/root = %d/%d", lines["/paths/~1orders/post"], lines[""])
	}
	// Document order is kept, so the output is deterministic.
	if !strings.HasPrefix(string(doc), `{"openapi":"3.0.1","info":{"title":"shop API"`) {
		t.Errorf("document order lost: %.80s", doc)
	}
}

func TestLoadBackend(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ yaml, want string }{
		{"name: x\n", ""},
		{"name: x\nbackend: containers\n", BackendContainers},
		{"name: x\nbackend: embedded\n", BackendEmbedded},
	} {
		p, err := Load(writeProject(t, map[string]string{"sfapi.yaml": tt.yaml}))
		if err != nil || p.Manifest.Backend != tt.want {
			t.Errorf("%q: backend %q, %v; want %q", tt.yaml, p.Manifest.Backend, err, tt.want)
		}
	}
}
