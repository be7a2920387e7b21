package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/asl"
	"github.com/sfapi/sfapi/internal/emulator/ddb"
	"github.com/sfapi/sfapi/internal/emulator/pipes"
	"github.com/sfapi/sfapi/internal/emulator/push"
	"github.com/sfapi/sfapi/internal/emulator/streams"
	"github.com/sfapi/sfapi/internal/project"
)

// provision creates what the manifest declares: tables (kept across
// restarts; an existing table must match), state machines (updated in
// place when the definition changed; running executions keep the version
// they started with) and event rules (in memory, rebuilt every start).
func (e *Emulator) provision(ctx context.Context) error {
	p := e.opts.Project
	if e.opts.Backend != nil {
		if err := e.opts.Backend.Provision(ctx, p); err != nil {
			return err
		}
	}
	for _, t := range p.Tables() {
		if e.opts.Backend != nil {
			break
		}
		if err := e.ddb.EnsureTable(ctx, tableSpec(t)); err != nil {
			return t.Pos.Errorf("table %s: %v", t.LogicalID, err)
		}
		if err := e.ensureTTL(ctx, t); err != nil {
			return t.Pos.Errorf("table %s: time to live: %v", t.LogicalID, err)
		}
	}
	for _, sm := range p.StateMachines() {
		if e.opts.Backend != nil {
			break
		}
		if err := e.ensureStateMachine(ctx, sm); err != nil {
			return sm.Pos.Errorf("state machine %s (%s): %v", sm.LogicalID, sm.DefinitionFile, err)
		}
		for _, f := range asl.UnrunnableTasks(sm.Definition) {
			e.warnings = append(e.warnings, fmt.Sprintf("state machine %s: state %q: resource %s cannot run locally (%s); the task fails at run time unless a mock answers it",
				sm.Name, f.State, f.Resource, f.Reason))
		}
	}
	for _, r := range p.Rules() {
		if err := e.putRule(r); err != nil {
			return r.Pos.Errorf("rule %s: %v", r.LogicalID, err)
		}
	}
	return e.provisionQueues()
}

// ensureTTL turns the manifest's ttlAttribute on (the sweeper then deletes
// expired items); a TTL already on with that attribute is left alone.
func (e *Emulator) ensureTTL(ctx context.Context, t project.Table) error {
	if t.TTLAttribute == "" {
		return nil
	}
	cur, err := e.ddb.DescribeTimeToLive(ctx, t.Name)
	if err != nil {
		return err
	}
	if cur.Enabled && cur.AttributeName == t.TTLAttribute {
		return nil
	}
	_, err = e.ddb.UpdateTimeToLive(ctx, t.Name, ddb.TTLSpec{Enabled: true, AttributeName: t.TTLAttribute})
	return err
}

func tableSpec(t project.Table) ddb.TableSpec {
	spec := ddb.TableSpec{
		TableName:   t.Name,
		BillingMode: t.BillingMode,
	}
	defs := map[string]string{}
	addKey := func(schema *[]ddb.KeySchemaElement, k project.KeyAttr, keyType string) {
		*schema = append(*schema, ddb.KeySchemaElement{AttributeName: k.Name, KeyType: keyType})
		defs[k.Name] = k.Type
	}
	addKey(&spec.KeySchema, t.PartitionKey, "HASH")
	if t.SortKey != nil {
		addKey(&spec.KeySchema, *t.SortKey, "RANGE")
	}
	index := func(ix project.Index) ddb.IndexSpec {
		is := ddb.IndexSpec{IndexName: ix.Name, Projection: ddb.Projection{ProjectionType: ix.Projection, NonKeyAttributes: ix.NonKeyAttributes}}
		addKey(&is.KeySchema, ix.PartitionKey, "HASH")
		if ix.SortKey != nil {
			addKey(&is.KeySchema, *ix.SortKey, "RANGE")
		}
		return is
	}
	for _, ix := range t.GSIs {
		spec.GlobalSecondaryIndexes = append(spec.GlobalSecondaryIndexes, index(ix))
	}
	for _, ix := range t.LSIs {
		spec.LocalSecondaryIndexes = append(spec.LocalSecondaryIndexes, index(ix))
	}
	// Attribute definitions in key-schema order, each once.
	seen := map[string]bool{}
	appendDef := func(schema []ddb.KeySchemaElement) {
		for _, k := range schema {
			if !seen[k.AttributeName] {
				seen[k.AttributeName] = true
				spec.AttributeDefinitions = append(spec.AttributeDefinitions, ddb.AttributeDefinition{AttributeName: k.AttributeName, AttributeType: defs[k.AttributeName]})
			}
		}
	}
	appendDef(spec.KeySchema)
	for _, ix := range append(append([]ddb.IndexSpec{}, spec.GlobalSecondaryIndexes...), spec.LocalSecondaryIndexes...) {
		appendDef(ix.KeySchema)
	}
	if t.StreamViewType != "" {
		spec.StreamSpecification = &ddb.StreamSpec{StreamEnabled: true, StreamViewType: streams.ViewType(t.StreamViewType)}
	}
	return spec
}

func (e *Emulator) ensureStateMachine(ctx context.Context, sm project.StateMachine) error {
	p := e.opts.Project
	arn := p.StateMachineARN(sm.Name)
	role := fmt.Sprintf("arn:aws:iam::%s:role/%s-%s", p.AccountID(), p.Manifest.Name, sm.LogicalID)
	cur, err := e.sfn.DescribeStateMachine(ctx, arn)
	if err != nil {
		if !errors.Is(err, asl.ErrStateMachineDoesNotExist) {
			return err
		}
		_, err = e.sfn.CreateStateMachine(ctx, sm.Name, sm.Definition, sm.Type, role)
		return err
	}
	if cur.Type != sm.Type {
		return fmt.Errorf("the saved state machine is %s but the manifest says %s; run sfapi dev --reset to recreate it", cur.Type, sm.Type)
	}
	if cur.Definition == sm.Definition {
		return nil
	}
	_, err = e.sfn.UpdateStateMachine(ctx, arn, sm.Definition, role)
	return err
}

func (e *Emulator) putRule(r project.Rule) error {
	if _, err := e.router.PutRule(push.RuleSpec{Name: r.Name, EventBusName: r.EventBus, EventPattern: r.EventPattern, State: r.State}); err != nil {
		return err
	}
	var targets []push.TargetSpec
	for i, t := range r.Targets {
		spec := push.TargetSpec{ID: fmt.Sprintf("%s-%d", r.LogicalID, i+1), Input: t.Input, InputPath: t.InputPath}
		if t.InputTransformer != nil {
			spec.InputTransformer = &push.InputTransformer{InputPathsMap: t.InputTransformer.InputPathsMap, InputTemplate: t.InputTransformer.InputTemplate}
		}
		switch {
		case t.Push != "":
			spec.ARN = "arn:sfapi:push:::" + t.Push
		case t.Log:
			spec.ARN = "arn:sfapi:log:::" + r.Name
		case t.EventBus != "":
			spec.ARN = e.opts.Project.EventBusARN(t.EventBus)
		case t.StateMachine != "":
			sm, ok := e.stateMachine(t.StateMachine)
			if !ok {
				return fmt.Errorf("target state machine %s is not in the manifest", t.StateMachine)
			}
			spec.ARN = e.opts.Project.StateMachineARN(sm.Name)
			spec.Bound = startExecutionTarget{sfn: e.sfn, arn: spec.ARN}
			if e.opts.Backend != nil {
				spec.Bound = e.opts.Backend.ExecutionStarter(spec.ARN)
			}
		}
		targets = append(targets, spec)
	}
	failed, err := e.router.PutTargets(r.EventBus, r.Name, targets)
	if err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("target %s: %s", failed[0].TargetID, failed[0].ErrorMessage)
	}
	return nil
}

func (e *Emulator) stateMachine(logicalID string) (project.StateMachine, bool) {
	for _, sm := range e.opts.Project.StateMachines() {
		if sm.LogicalID == logicalID {
			return sm, true
		}
	}
	return project.StateMachine{}, false
}

// startExecutionTarget starts an execution per delivered event, as an
// EventBridge rule target does.
type startExecutionTarget struct {
	sfn *asl.Engine
	arn string
}

func (t startExecutionTarget) Deliver(ctx context.Context, ev []byte) error {
	_, err := t.sfn.StartExecution(ctx, t.arn, "", string(ev))
	return err
}

// TTLSweepInterval is how often expired items are deleted. DynamoDB
// deletes within days; a short interval makes TTL visible while developing.
const TTLSweepInterval = 30 * time.Second

// startPipes runs one poller per manifest pipe, and the TTL sweeper, until
// Shutdown.
func (e *Emulator) startPipes() error {
	p := e.opts.Project
	store := pipes.NewStore(e.stores[2])
	ctx, cancel := context.WithCancel(context.Background())
	e.stopPipes = cancel
	e.pipes.Go(func() { e.ddb.RunTTL(ctx, TTLSweepInterval) })
	for _, pc := range p.Pipes() {
		pipe, err := e.newPipe(pc, store)
		if err != nil {
			cancel()
			return pc.Pos.Errorf("pipe %s: %v", pc.LogicalID, err)
		}
		e.pipeSet.Add(pipe)
		e.pipes.Go(func() {
			if err := pipe.Run(ctx); err != nil {
				e.log.Error("pipe stopped", "pipe", pc.LogicalID, "err", err)
			}
		})
	}
	return nil
}

func (e *Emulator) newPipe(pc project.Pipe, store *pipes.Store) (*pipes.Pipe, error) {
	p := e.opts.Project
	var table project.Table
	for _, t := range p.Tables() {
		if t.LogicalID == pc.Source.Table {
			table = t
		}
	}
	var src pipes.Source
	streamARN, ok := e.ddb.StreamARN(table.Name)
	if e.opts.Backend != nil {
		var err error
		if src, streamARN, err = e.opts.Backend.StreamSource(context.Background(), table.Name); err != nil {
			return nil, err
		}
		ok = true
	}
	if !ok {
		return nil, fmt.Errorf("table %s has no stream", table.Name)
	}
	if src == nil {
		src = streamSource{engine: e.ddb, arn: streamARN}
	}
	cfg := pipes.Config{
		Name:             pc.LogicalID,
		SourceARN:        streamARN,
		StartingPosition: pc.Source.StartingPosition,
		BatchSize:        pc.Source.BatchSize,
		BatchingWindow:   time.Duration(pc.Source.MaximumBatchingWindowInSeconds) * time.Second,
		MaxRetryAttempts: pc.Source.MaximumRetryAttempts,
		Bisect:           pc.Source.BisectBatchOnFunctionError,
		// AUTOMATIC_BISECT is the only value AWS defines.
		BisectPartialFailures: pc.Source.OnPartialBatchItemFailure == "AUTOMATIC_BISECT",
		InputTemplate:         pc.Target.InputTemplate,
		NameTemplate:          pc.Target.ExecutionName,
		// Order is kept per partition key, as Lambda and Pipes do.
		ParallelizationFactor: pc.Source.ParallelizationFactor,
		PartitionKey:          partitionKeyOf(table.PartitionKey.Name),
	}
	if pc.Source.MaximumRecordAgeInSeconds > 0 {
		cfg.MaxRecordAge = time.Duration(pc.Source.MaximumRecordAgeInSeconds) * time.Second
	}
	var patterns []*push.Pattern
	for _, f := range pc.Source.Filters {
		pat, err := push.CompilePattern([]byte(f))
		if err != nil {
			return nil, fmt.Errorf("filter %s: %w", f, err)
		}
		cfg.Filters = append(cfg.Filters, patternFilter{pat})
		patterns = append(patterns, pat)
	}
	// The filters read a few members of each record (most records of a
	// busy table are filtered out): decode only those.
	cfg.Decode = push.NewProjection(patterns, "eventSourceARN").Decode
	var target pipes.Target
	switch {
	case pc.Target.StateMachine != "":
		sm, ok := e.stateMachine(pc.Target.StateMachine)
		if !ok {
			return nil, fmt.Errorf("target state machine %s is not in the manifest", pc.Target.StateMachine)
		}
		target = stateMachineTarget{sfn: e.sfn, arn: p.StateMachineARN(sm.Name), sync: pc.Target.InvocationType == project.InvocationRequestResponse}
		if e.opts.Backend != nil {
			target = e.opts.Backend.StateMachineTarget(p.StateMachineARN(sm.Name), pc.Target.InvocationType == project.InvocationRequestResponse)
		}
	case pc.Target.EventBus != "":
		target = eventBusTarget{router: e.router, bus: pc.Target.EventBus, source: "Pipe " + pc.LogicalID}
	case pc.Target.Push != "":
		target = pushTarget{hub: e.hub, channel: pc.Target.Push}
	default:
		return nil, errors.New("pipe has no target")
	}
	return pipes.New(cfg, src, e.opts.Faults.wrapPipeTarget(target), store, e.log.With("component", "pipes"))
}

// partitionKeyOf returns a function reading the partition key attribute
// of a stream record's dynamodb.Keys (as JSON text: equal keys give equal
// strings, which is all lane assignment needs). It decodes only that
// member of the record.
func partitionKeyOf(attr string) func([]byte) string {
	name, _ := json.Marshal(attr)
	if pat, err := push.CompilePattern([]byte(`{"dynamodb": {"Keys": {` + string(name) + `: [{"exists": true}]}}}`)); err == nil {
		proj := push.NewProjection([]*push.Pattern{pat})
		return func(doc []byte) string {
			v, err := proj.Decode(doc)
			if err != nil {
				return ""
			}
			r, _ := v.(map[string]any)
			d, _ := r["dynamodb"].(map[string]any)
			keys, _ := d["Keys"].(map[string]any)
			k, ok := keys[attr]
			if !ok {
				return ""
			}
			b, _ := json.Marshal(k)
			return string(b)
		}
	}
	// An attribute name the pattern language reads as an operator.
	return func(doc []byte) string {
		var r struct {
			DynamoDB struct {
				Keys map[string]json.RawMessage `json:"Keys"`
			} `json:"dynamodb"`
		}
		_ = json.Unmarshal(doc, &r)
		return string(r.DynamoDB.Keys[attr])
	}
}

type patternFilter struct{ p *push.Pattern }

func (f patternFilter) MatchJSON(doc []byte) bool { return f.p.Match(doc) }

func (f patternFilter) MatchValue(doc any) bool { return f.p.MatchValue(doc) }

// streamSource reads a table's stream in process.
type streamSource struct {
	engine *ddb.Engine
	arn    string
}

func (s streamSource) Read(ctx context.Context, after string, limit int) ([]pipes.Record, error) {
	recs, err := s.engine.ReadStream(ctx, s.arn, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]pipes.Record, len(recs))
	for i, r := range recs {
		// Set here, the pipe need not re-encode each record to add it.
		r.EventSourceARN = s.arn
		// AppendJSON: json.Marshal's bytes without its reflection and
		// re-scan of the item encodings.
		body, err := r.AppendJSON(nil)
		if err != nil {
			return nil, err
		}
		out[i] = pipes.Record{SequenceNumber: r.DynamoDB.SequenceNumber, Body: body}
	}
	return out, nil
}

func (s streamSource) Wait(ctx context.Context, after string) error {
	return s.engine.WaitStream(ctx, s.arn, after)
}

func (s streamSource) Latest(ctx context.Context) (string, error) {
	d, err := s.engine.DescribeStream(ctx, s.arn)
	if err != nil {
		return "", err
	}
	return d.Last, nil
}

// stateMachineTarget starts one execution per batch. FIRE_AND_FORGET
// (STANDARD) returns once the execution is durably started; a redelivered
// batch with the same name and input is the same execution, which is how a
// job can never run twice.
type stateMachineTarget struct {
	sfn  *asl.Engine
	arn  string
	sync bool
}

func (t stateMachineTarget) Invoke(ctx context.Context, b pipes.Batch) error {
	if t.sync {
		res, err := t.sfn.StartSyncExecution(ctx, t.arn, b.Name, string(b.Input))
		if err != nil {
			return err
		}
		if res.Status != "SUCCEEDED" {
			return fmt.Errorf("execution %s: %s: %s", res.Status, res.Error, res.Cause)
		}
		return partialBatchResponse(res.Output)
	}
	_, err := t.sfn.StartExecution(ctx, t.arn, b.Name, string(b.Input))
	if b.Name != "" && errors.Is(err, asl.ErrExecutionAlreadyExists) {
		// The execution is named after the record (the job), so an
		// execution that already exists — finished, or started with this
		// batch before a crash — means the batch was accepted before.
		return nil
	}
	return err
}

// partialBatchResponse reads a REQUEST_RESPONSE target's output as Pipes
// does: an object with a non-empty batchItemFailures list reports those
// records (by itemIdentifier, their sequence number) as failed; any other
// output accepts the whole batch. An entry without a string identifier
// fails the whole batch, as AWS treats it.
func partialBatchResponse(output string) error {
	var out struct {
		BatchItemFailures []struct {
			ItemIdentifier any `json:"itemIdentifier"`
		} `json:"batchItemFailures"`
	}
	if json.Unmarshal([]byte(output), &out) != nil || len(out.BatchItemFailures) == 0 {
		return nil
	}
	pf := &pipes.PartialFailure{}
	for _, f := range out.BatchItemFailures {
		id, _ := f.ItemIdentifier.(string)
		// "" matches no record, so the whole batch is retried.
		pf.ItemIdentifiers = append(pf.ItemIdentifiers, id)
	}
	return pf
}

// eventBusTarget puts each record on a bus as Pipes does.
type eventBusTarget struct {
	router *push.Router
	bus    string
	source string
}

func (t eventBusTarget) Invoke(ctx context.Context, b pipes.Batch) error {
	var entries []push.Entry
	for _, r := range b.Records {
		entries = append(entries, push.Entry{EventBusName: t.bus, Source: t.source, DetailType: "Event from aws:dynamodb", Detail: string(r.Body)})
	}
	out, err := t.router.PutEvents(ctx, entries)
	if err != nil {
		return err
	}
	if out.FailedEntryCount > 0 {
		return fmt.Errorf("event bus %s rejected %d of %d events", t.bus, out.FailedEntryCount, len(entries))
	}
	return nil
}

// pushTarget publishes each record to WebSocket subscribers.
type pushTarget struct {
	hub     *push.Hub
	channel string
}

func (t pushTarget) Invoke(_ context.Context, b pipes.Batch) error {
	for _, r := range b.Records {
		t.hub.Publish(t.channel, r.Body)
	}
	return nil
}
