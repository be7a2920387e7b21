package asl_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/asl"
	"github.com/sfapi/sfapi/internal/emulator/kv"
)

const distributedDef = `{"StartAt":"M","States":{"M":{"Type":"Map","Label":"fanout","ItemsPath":"$.items",
 "ItemSelector":{"v.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index"},
 "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"%s"},"StartAt":"P","States":{
  "P":{"Type":"Pass","Parameters":{"double.$":"States.MathAdd($.v, $.v)","exec.$":"$$.Execution.Id"},"End":true}}},
 "End":true}}}`

func TestDistributedMap(t *testing.T) {
	t.Parallel()
	for _, typ := range []string{asl.TypeStandard, asl.TypeExpress} {
		t.Run(typ, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEngine(t, engineOpts{})
			ex, events := runStandard(t, e, strings.Replace(distributedDef, "%s", typ, 1), "parent", `{"items":[1,2,3,4,5]}`)
			if ex.Status != asl.StatusSucceeded {
				t.Fatalf("status %s %s %s", ex.Status, ex.Error, ex.Cause)
			}
			var out []struct {
				Double int
				Exec   string
			}
			if err := json.Unmarshal([]byte(ex.Output), &out); err != nil || len(out) != 5 {
				t.Fatalf("output %s: %v", ex.Output, err)
			}
			for i, o := range out {
				if o.Double != 2*(i+1) || !strings.Contains(o.Exec, ":execution:m/fanout:") {
					t.Fatalf("item %d: %+v", i, o)
				}
			}
			types := eventTypes(events)
			want := []string{"ExecutionStarted", "MapStateEntered", "MapRunStarted", "MapRunSucceeded", "MapStateExited", "ExecutionSucceeded"}
			if !slices.Equal(types, want) {
				t.Fatalf("events %v; want %v", types, want)
			}
			runs, _, err := e.ListMapRuns(ctx, ex.Arn, 0, "")
			if err != nil || len(runs) != 1 {
				t.Fatalf("ListMapRuns: %v %v", runs, err)
			}
			if events[2].MapRunStarted == nil || events[2].MapRunStarted.MapRunArn != runs[0].MapRunArn {
				t.Fatalf("MapRunStarted %+v; map run %s", events[2].MapRunStarted, runs[0].MapRunArn)
			}
			mr, err := e.DescribeMapRun(ctx, runs[0].MapRunArn)
			if err != nil {
				t.Fatal(err)
			}
			if mr.Status != asl.MapRunSucceeded || mr.ItemCounts.Total != 5 || mr.ItemCounts.Succeeded != 5 || mr.ExecutionCounts.Succeeded != 5 ||
				mr.ItemCounts.Pending != 0 || mr.ItemCounts.Running != 0 || mr.StopDate.IsZero() || mr.ExecutionArn != ex.Arn {
				t.Fatalf("map run %+v", mr)
			}
			if !strings.HasPrefix(mr.MapRunArn, "arn:aws:states:us-east-1:123456789012:mapRun:m/fanout:") {
				t.Fatalf("map run ARN %s", mr.MapRunArn)
			}
			children, _, err := e.ListMapRunExecutions(ctx, mr.MapRunArn, "", 0, "")
			if err != nil || len(children) != 5 {
				t.Fatalf("children %v %v", children, err)
			}
			for _, c := range children {
				if c.MapRunArn != mr.MapRunArn || c.Type != typ || c.Status != asl.StatusSucceeded || !strings.HasSuffix(c.StateMachineArn, ":stateMachine:m/fanout") {
					t.Fatalf("child %+v", c)
				}
			}
			// Children are not the parent machine's executions.
			list, _, err := e.ListExecutions(ctx, ex.StateMachineArn, "", 0, "")
			if err != nil || len(list) != 1 {
				t.Fatalf("ListExecutions %v %v", list, err)
			}
			hist, _, err := e.GetExecutionHistory(ctx, children[0].Arn, false, 0, "")
			if err != nil {
				t.Fatal(err)
			}
			wantChild := []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"}
			if typ == asl.TypeExpress {
				wantChild = []string{} // EXPRESS children keep no history, as on AWS
			}
			if got := eventTypes(hist); !slices.Equal(got, wantChild) {
				t.Fatalf("child history %v; want %v", got, wantChild)
			}
		})
	}
}

func TestDistributedMapBatchesAndFailures(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var inputs []string
	tasks := &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
		mu.Lock()
		inputs = append(inputs, string(req.Parameters))
		mu.Unlock()
		var p struct{ Items []int }
		if err := json.Unmarshal(req.Parameters, &p); err != nil {
			return nil, err
		}
		for _, it := range p.Items {
			if it < 0 {
				return nil, asl.NewTaskError("Item.Negative", "negative item")
			}
		}
		return req.Parameters, nil
	}}
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ToleratedFailureCountPath":"$.tolerate",
	 "ItemBatcher":{"MaxItemsPerBatch":2,"BatchInput":{"job.$":"$.job"}},
	 "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"T","States":{
	  "T":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents","End":true}}},"End":true}}}`
	for _, tc := range []struct {
		name, input, err string
		failed           int64
	}{
		{"all good", `{"job":"j","items":[1,2,3,4,5],"tolerate":0}`, "", 0},
		{"tolerated", `{"job":"j","items":[1,-2,3,4,5],"tolerate":2}`, "", 2},
		{"exceeded", `{"job":"j","items":[1,-2,3,4,5],"tolerate":1}`, asl.StatesExceedToleratedFailure, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			inputs = nil
			mu.Unlock()
			e := newEngine(t, engineOpts{tasks: tasks})
			ex, events := runStandard(t, e, def, "p", tc.input)
			if ex.Error != tc.err {
				t.Fatalf("error %q %s; want %q", ex.Error, ex.Cause, tc.err)
			}
			runs, _, err := e.ListMapRuns(context.Background(), ex.Arn, 0, "")
			if err != nil || len(runs) != 1 {
				t.Fatalf("%v %v", runs, err)
			}
			mr := runs[0]
			if mr.ItemCounts.Total != 5 || mr.ExecutionCounts.Total != 3 || mr.ItemCounts.Failed != tc.failed {
				t.Fatalf("counts %+v / %+v", mr.ItemCounts, mr.ExecutionCounts)
			}
			if tc.err != "" {
				if mr.Status != asl.MapRunFailed || findEvent(events, "MapRunFailed") == nil {
					t.Fatalf("map run %s, events %v", mr.Status, eventTypes(events))
				}
				return
			}
			mu.Lock()
			defer mu.Unlock()
			slices.Sort(inputs)
			want := []string{`{"Items":[1,-2],"job":"j"}`, `{"Items":[1,2],"job":"j"}`, `{"Items":[3,4],"job":"j"}`, `{"Items":[5],"job":"j"}`}
			for _, in := range inputs {
				if !slices.Contains(want, in) {
					t.Fatalf("batch input %s", in)
				}
			}
		})
	}
}

func TestDistributedMapUnrunnable(t *testing.T) {
	t.Parallel()
	proc := `"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	for _, tc := range []struct{ name, def, typ, want string }{
		{"item reader", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"b","Key":"k"}},` + proc + `,"End":true}}}`,
			asl.TypeStandard, "reads items from Amazon S3"},
		{"result writer", `{"StartAt":"M","States":{"M":{"Type":"Map","ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"b","Prefix":"p"}},` + proc + `,"End":true}}}`,
			asl.TypeStandard, "writes results to Amazon S3"},
		{"express parent", `{"StartAt":"M","States":{"M":{"Type":"Map",` + proc + `,"End":true}}}`,
			asl.TypeExpress, "runs in STANDARD state machines only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var ex *asl.Execution
			if tc.typ == asl.TypeExpress {
				res := runSync(t, tc.def, `[1]`, nil)
				ex = &res.Execution
			} else {
				e := newEngine(t, engineOpts{})
				ex, _ = runStandard(t, e, tc.def, "x", `[1]`)
			}
			if ex.Error != asl.StatesRuntime || !strings.Contains(ex.Cause, tc.want) {
				t.Fatalf("got %s %q; want States.Runtime with %q", ex.Error, ex.Cause, tc.want)
			}
		})
	}
}

// TestDistributedMapResumes: children that ended before a restart keep
// their results; the resumed parent re-enters the same Map Run and runs
// only the child that was in flight.
func TestDistributedMapResumes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := kv.Open(filepath.Join(t.TempDir(), "sfn.db"), kv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",
	 "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"T","States":{
	  "T":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents","End":true}}},"End":true}}}`
	blocked := make(chan struct{})
	var mu sync.Mutex
	calls := map[string]int{}
	invoker := func(block bool) *fakeTasks {
		return &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
			mu.Lock()
			calls[string(req.Parameters)]++
			mu.Unlock()
			if block && string(req.Parameters) == "4" {
				close(blocked)
				<-ctx.Done()
				return nil, ctx.Err()
			}
			return json.RawMessage(`{"item":` + string(req.Parameters) + `}`), nil
		}}
	}
	e1, err := asl.NewEngine(asl.Options{Store: db, Tasks: invoker(true)})
	if err != nil {
		t.Fatal(err)
	}
	sm, err := e1.CreateStateMachine(ctx, "m", def, asl.TypeStandard, "")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := e1.StartExecution(ctx, sm.Arn, "p", `{"items":[1,2,3,4]}`)
	if err != nil {
		t.Fatal(err)
	}
	<-blocked
	var mapRunArn string
	deadline := time.Now().Add(5 * time.Second)
	for {
		runs, _, err := e1.ListMapRuns(ctx, ex.Arn, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) == 1 {
			mapRunArn = runs[0].MapRunArn
			if mr, err := e1.DescribeMapRun(ctx, mapRunArn); err == nil && mr.ExecutionCounts.Succeeded == 3 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("children did not finish")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := e1.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	e2, err := asl.NewEngine(asl.Options{Store: db, Tasks: invoker(false)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e2.Shutdown(context.Background()) })
	if err := e2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	done := waitDone(t, e2, ex.Arn)
	if done.Status != asl.StatusSucceeded || done.Output != `[{"item":1},{"item":2},{"item":3},{"item":4}]` {
		t.Fatalf("resumed: %+v", done)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls["1"] != 1 || calls["2"] != 1 || calls["3"] != 1 || calls["4"] != 2 {
		t.Fatalf("task calls %v: ended children must not run again", calls)
	}
	runs, _, err := e2.ListMapRuns(ctx, ex.Arn, 0, "")
	if err != nil || len(runs) != 1 || runs[0].MapRunArn != mapRunArn || runs[0].Status != asl.MapRunSucceeded || runs[0].ItemCounts.Succeeded != 4 {
		t.Fatalf("map runs after resume %+v %v", runs, err)
	}
}

func TestUpdateMapRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	release := make(chan struct{})
	started := make(chan string, 10)
	tasks := &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
		started <- string(req.Parameters)
		select {
		case <-release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return json.RawMessage(`{}`), nil
	}}
	e := newEngine(t, engineOpts{tasks: tasks})
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,
	 "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"T","States":{
	  "T":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents","End":true}}},"End":true}}}`
	sm, err := e.CreateStateMachine(ctx, "m", def, asl.TypeStandard, "")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := e.StartExecution(ctx, sm.Arn, "p", `[1,2,3]`)
	if err != nil {
		t.Fatal(err)
	}
	<-started
	runs, _, err := e.ListMapRuns(ctx, ex.Arn, 0, "")
	if err != nil || len(runs) != 1 {
		t.Fatalf("%v %v", runs, err)
	}
	arn := runs[0].MapRunArn
	if mr, _ := e.DescribeMapRun(ctx, arn); mr.MaxConcurrency != 1 || mr.ExecutionCounts.Running != 1 || mr.ExecutionCounts.Pending != 2 {
		t.Fatalf("before update %+v", mr)
	}
	select {
	case p := <-started:
		t.Fatalf("item %s started beyond MaxConcurrency 1", p)
	case <-time.After(20 * time.Millisecond):
	}
	three := int64(3)
	if err := e.UpdateMapRun(ctx, arn, asl.MapRunUpdate{MaxConcurrency: &three}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		select {
		case <-started:
		case <-time.After(5 * time.Second):
			t.Fatal("raising MaxConcurrency did not start the pending children")
		}
	}
	close(release)
	if done := waitDone(t, e, ex.Arn); done.Status != asl.StatusSucceeded {
		t.Fatalf("%+v", done)
	}
	if err := e.UpdateMapRun(ctx, arn, asl.MapRunUpdate{MaxConcurrency: &three}); err == nil || !strings.Contains(err.Error(), "only a RUNNING Map Run") {
		t.Fatalf("update of a finished map run: %v", err)
	}
	bad := 101.0
	if err := e.UpdateMapRun(ctx, arn, asl.MapRunUpdate{ToleratedFailurePercentage: &bad}); err == nil {
		t.Fatal("percentage 101 accepted")
	}
	if _, err := e.DescribeMapRun(ctx, arn+"x"); err == nil {
		t.Fatal("unknown map run described")
	}
}
