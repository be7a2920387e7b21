package asl_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/asl"
)

func choiceDef(rule string) string {
	return `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[` + rule + `],"Default":"No"},
	"Yes":{"Type":"Pass","Result":"yes","End":true},"No":{"Type":"Pass","Result":"no","End":true}}}`
}

func TestChoiceOperators(t *testing.T) {
	t.Parallel()
	input := `{"s":"abc","n":5,"f":2.5,"b":true,"z":null,"t":"2024-01-02T03:04:05Z","t2":"2025-01-01T00:00:00Z","other":"abd","five":5,"star":"a*b","arr":[1]}`
	cases := []struct {
		rule string
		want string
	}{
		{`"Variable":"$.s","StringEquals":"abc"`, "yes"},
		{`"Variable":"$.s","StringEquals":"abd"`, "no"},
		{`"Variable":"$.s","StringLessThan":"abd"`, "yes"},
		{`"Variable":"$.s","StringGreaterThan":"abd"`, "no"},
		{`"Variable":"$.s","StringLessThanEquals":"abc"`, "yes"},
		{`"Variable":"$.s","StringGreaterThanEquals":"abc"`, "yes"},
		{`"Variable":"$.s","StringEqualsPath":"$.other"`, "no"},
		{`"Variable":"$.s","StringLessThanPath":"$.other"`, "yes"},
		{`"Variable":"$.s","StringMatches":"a*"`, "yes"},
		{`"Variable":"$.s","StringMatches":"*c"`, "yes"},
		{`"Variable":"$.s","StringMatches":"a*d"`, "no"},
		{`"Variable":"$.star","StringMatches":"a\\*b"`, "yes"},
		{`"Variable":"$.s","StringMatches":"a\\*c"`, "no"},
		{`"Variable":"$.n","NumericEquals":5`, "yes"},
		{`"Variable":"$.n","NumericEquals":5.0`, "yes"},
		{`"Variable":"$.f","NumericLessThan":3`, "yes"},
		{`"Variable":"$.f","NumericGreaterThan":3`, "no"},
		{`"Variable":"$.n","NumericLessThanEquals":5`, "yes"},
		{`"Variable":"$.n","NumericGreaterThanEquals":6`, "no"},
		{`"Variable":"$.n","NumericEqualsPath":"$.five"`, "yes"},
		{`"Variable":"$.f","NumericLessThanPath":"$.n"`, "yes"},
		{`"Variable":"$.s","NumericEquals":5`, "no"},
		{`"Variable":"$.b","BooleanEquals":true`, "yes"},
		{`"Variable":"$.b","BooleanEqualsPath":"$.b"`, "yes"},
		{`"Variable":"$.t","TimestampEquals":"2024-01-02T03:04:05Z"`, "yes"},
		{`"Variable":"$.t","TimestampLessThan":"2024-01-02T03:04:06Z"`, "yes"},
		{`"Variable":"$.t","TimestampGreaterThan":"2024-01-02T03:04:06Z"`, "no"},
		{`"Variable":"$.t","TimestampLessThanEqualsPath":"$.t2"`, "yes"},
		{`"Variable":"$.t","TimestampGreaterThanEquals":"2024-01-02T03:04:05+00:00"`, "yes"},
		{`"Variable":"$.z","IsNull":true`, "yes"},
		{`"Variable":"$.s","IsNull":true`, "no"},
		{`"Variable":"$.missing","IsPresent":false`, "yes"},
		{`"Variable":"$.s","IsPresent":true`, "yes"},
		{`"Variable":"$.n","IsNumeric":true`, "yes"},
		{`"Variable":"$.s","IsNumeric":true`, "no"},
		{`"Variable":"$.s","IsString":true`, "yes"},
		{`"Variable":"$.b","IsBoolean":true`, "yes"},
		{`"Variable":"$.t","IsTimestamp":true`, "yes"},
		{`"Variable":"$.s","IsTimestamp":true`, "no"},
		{`"And":[{"Variable":"$.n","NumericEquals":5},{"Variable":"$.b","BooleanEquals":true}]`, "yes"},
		{`"And":[{"Variable":"$.n","NumericEquals":5},{"Variable":"$.b","BooleanEquals":false}]`, "no"},
		{`"Or":[{"Variable":"$.n","NumericEquals":4},{"Variable":"$.b","BooleanEquals":true}]`, "yes"},
		{`"Not":{"Variable":"$.n","NumericEquals":4}`, "yes"},
		{`"Variable":"$$.State.Name","StringEquals":"C"`, "yes"},
		{`"Variable":"$.arr[0]","NumericEquals":1`, "yes"},
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			res := runSync(t, choiceDef("{"+tc.rule+`,"Next":"Yes"}`), input, nil)
			if res.Status != asl.StatusSucceeded || res.Output != `"`+tc.want+`"` {
				t.Fatalf("got %s %s (%s: %s), want %q", res.Status, res.Output, res.Error, res.Cause, tc.want)
			}
		})
	}
}

func TestChoiceErrors(t *testing.T) {
	t.Parallel()
	res := runSync(t, `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","StringEquals":"x","Next":"S"}]},"S":{"Type":"Succeed"}}}`, `{"a":"y"}`, nil)
	if res.Error != asl.StatesNoChoiceMatched {
		t.Errorf("no match: %s %s", res.Error, res.Cause)
	}
	res = runSync(t, choiceDef(`{"Variable":"$.missing","StringEquals":"x","Next":"Yes"}`), `{}`, nil)
	if res.Error != asl.StatesRuntime || !strings.Contains(res.Cause, "Invalid path '$.missing'") {
		t.Errorf("missing variable: %s %s", res.Error, res.Cause)
	}
}

func TestDataFlow(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, def, input, want string
	}{
		{"result path merges", `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"x":1},"ResultPath":"$.r.deep","End":true}}}`, `{"a":1}`, `{"a":1,"r":{"deep":{"x":1}}}`},
		{"result path null", `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"x":1},"ResultPath":null,"End":true}}}`, `{"a":1}`, `{"a":1}`},
		{"input and output path", `{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.in","OutputPath":"$.in2","ResultPath":"$.in2","End":true}}}`, `{"in":{"v":2}}`, `{"v":2}`},
		{"input path null", `{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":null,"End":true}}}`, `{"a":1}`, `{}`},
		{"output path null", `{"StartAt":"P","States":{"P":{"Type":"Pass","OutputPath":null,"End":true}}}`, `{"a":1}`, `{}`},
		{"parameters with context and intrinsic", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"name.$":"$$.State.Name","sm.$":"$$.StateMachine.Name","msg.$":"States.Format('{} has {} items', $.who, States.ArrayLength($.items))","nested":{"first.$":"$.items[0]"},"list":[{"k.$":"$.who"}],"static":[1,"two"]},"End":true}}}`, `{"who":"bob","items":[3,4]}`, `{"list":[{"k":"bob"}],"msg":"bob has 2 items","name":"P","nested":{"first":3},"sm":"m","static":[1,"two"]}`},
		{"wildcard path yields array", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"ids.$":"$.items[*].id"},"End":true}}}`, `{"items":[{"id":1},{"id":2}]}`, `{"ids":[1,2]}`},
		{"filter path", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"big.$":"$.items[?(@.n > 1)].n"},"End":true}}}`, `{"items":[{"n":1},{"n":2},{"n":3}]}`, `{"big":[2,3]}`},
		{"negative index", `{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.a[-1]","End":true}}}`, `{"a":[1,2,3]}`, `3`},
		{"bracket key with space", `{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$['a b']","End":true}}}`, `{"a b":"v"}`, `"v"`},
		{"succeed output path", `{"StartAt":"S","States":{"S":{"Type":"Succeed","OutputPath":"$.k"}}}`, `{"k":[true]}`, `[true]`},
		{"parallel", `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
			{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"a","End":true}}},
			{"StartAt":"B","States":{"B":{"Type":"Pass","InputPath":"$.v","End":true}}}],"ResultSelector":{"both.$":"$"},"ResultPath":"$.out","End":true}}}`, `{"v":9}`, `{"out":{"both":["a",9]},"v":9}`},
		{"map with context", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","Parameters":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value","k.$":"$.k"},"Iterator":{"StartAt":"X","States":{"X":{"Type":"Pass","End":true}}},"End":true}}}`, `{"xs":["a","b"],"k":1}`, `[{"i":0,"k":1,"v":"a"},{"i":1,"k":1,"v":"b"}]`},
		{"map empty", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Pass","End":true}}},"End":true}}}`, `[]`, `[]`},
		{"wait seconds path", `{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","Next":"T"},"T":{"Type":"Wait","Timestamp":"2020-01-01T00:00:00Z","End":true}}}`, `{"s":3}`, `{"s":3}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := runSync(t, tc.def, tc.input, nil)
			if res.Status != asl.StatusSucceeded || res.Output != tc.want {
				t.Fatalf("got %s %s (%s: %s)\nwant %s", res.Status, res.Output, res.Error, res.Cause, tc.want)
			}
		})
	}
}

func TestRuntimeFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, def, input, wantErr, wantCause string
	}{
		{"parameters path missing", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"x.$":"$.nope"},"End":true}}}`, `{"a":1}`, "States.Runtime", `The JSONPath '$.nope' specified for the field 'x.$' could not be found in the input '{"a":1}'`},
		{"input path missing", `{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.nope","End":true}}}`, `{}`, "States.Runtime", "Invalid path '$.nope'"},
		{"result path through scalar", `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":1,"ResultPath":"$.a.b","End":true}}}`, `{"a":"str"}`, "States.ResultPathMatchFailure", "Unable to apply"},
		{"intrinsic failure", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"x.$":"States.ArrayGetItem($.a, 5)"},"End":true}}}`, `{"a":[1]}`, "States.IntrinsicFailure", "out of bounds"},
		{"fail paths", `{"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"$.e","CausePath":"$$.Execution.Input.c"}}}`, `{"e":"Custom.Error","c":"why"}`, "Custom.Error", "why"},
		{"map items not array", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.x","ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Pass","End":true}}},"End":true}}}`, `{"x":1}`, "States.Runtime", "not a JSON array"},
		{"map iteration fails", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Fail","Error":"Item.Bad"}}},"End":true}}}`, `[1,2]`, "Item.Bad", ""},
		{"map tolerated exceeded", `{"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCount":1,"ItemProcessor":{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$","NumericGreaterThan":1,"Next":"F"}],"Default":"S"},"S":{"Type":"Succeed"},"F":{"Type":"Fail","Error":"Big"}}},"End":true}}}`, `[1,2,3]`, "States.ExceedToleratedFailureThreshold", ""},
		{"parallel branch fails", `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Fail","Error":"Branch.Bad","Cause":"c"}}}],"End":true}}}`, `{}`, "Branch.Bad", "c"},
		{"wait bad timestamp path", `{"StartAt":"W","States":{"W":{"Type":"Wait","TimestampPath":"$.t","End":true}}}`, `{"t":"yesterday"}`, "States.Runtime", "TimestampPath"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := runSync(t, tc.def, tc.input, nil)
			if res.Status != asl.StatusFailed || res.Error != tc.wantErr || !strings.Contains(res.Cause, tc.wantCause) {
				t.Fatalf("got %s %s / %s\nwant %s containing %q", res.Status, res.Error, res.Cause, tc.wantErr, tc.wantCause)
			}
		})
	}
}

func TestMapToleratedWithinThreshold(t *testing.T) {
	t.Parallel()
	res := runSync(t, `{"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailurePercentage":50,"ItemProcessor":{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$","NumericGreaterThan":3,"Next":"F"}],"Default":"S"},"S":{"Type":"Succeed"},"F":{"Type":"Fail","Error":"Big","Cause":"too big"}}},"End":true}}}`, `[1,2,3,4]`, nil)
	if res.Status != asl.StatusSucceeded || res.Output != `[1,2,3,{"Cause":"too big","Error":"Big"}]` {
		t.Fatalf("got %+v", res)
	}
}

func TestRetryAndCatch(t *testing.T) {
	t.Parallel()
	const def = `{"StartAt":"T","States":{
	  "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"try.$":"$$.State.RetryCount"},
	       "Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":2,"BackoffRate":3,"MaxAttempts":3,"MaxDelaySeconds":10},
	                {"ErrorEquals":["States.ALL"],"MaxAttempts":1,"IntervalSeconds":1}],
	       "Catch":[{"ErrorEquals":["Fatal"],"ResultPath":"$.err","Next":"Caught"},{"ErrorEquals":["States.ALL"],"Next":"All"}],
	       "End":true},
	  "Caught":{"Type":"Pass","End":true},
	  "All":{"Type":"Pass","Result":"all","End":true}}}`
	cases := []struct {
		name    string
		errs    []string // error per attempt; "" = success
		want    string
		sleeps  []time.Duration
		retries []int64
	}{
		{"succeeds after backoff", []string{"Flaky", "Flaky", "Flaky", ""}, `{"ok":3}`, []time.Duration{2 * time.Second, 6 * time.Second, 10 * time.Second}, []int64{0, 1, 2, 3}},
		{"retries exhausted then caught", []string{"Flaky", "Flaky", "Flaky", "Flaky"}, `"all"`, []time.Duration{2 * time.Second, 6 * time.Second, 10 * time.Second}, []int64{0, 1, 2, 3}},
		{"other error retried once by States.ALL", []string{"Other", ""}, `{"ok":1}`, []time.Duration{time.Second}, []int64{0, 1}},
		{"caught with result path", []string{"Fatal", "Fatal"}, `{"err":{"Cause":"cause of Fatal","Error":"Fatal"},"in":1}`, []time.Duration{time.Second}, []int64{0, 1}},
		{"generic error is States.TaskFailed", []string{"plain", "plain"}, `"all"`, []time.Duration{time.Second}, []int64{0, 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var attempt atomic.Int64
			var seen []int64
			tasks := &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
				n := attempt.Add(1) - 1
				var p struct{ Try int64 }
				_ = json.Unmarshal(req.Parameters, &p)
				seen = append(seen, p.Try)
				switch e := tc.errs[n]; e {
				case "":
					return json.RawMessage(fmt.Sprintf(`{"ok":%d}`, n)), nil
				case "plain":
					return nil, fmt.Errorf("boom")
				default:
					return nil, asl.NewTaskError(e, "cause of "+e)
				}
			}}
			clock := newFakeClock()
			e := newEngine(t, engineOpts{tasks: tasks, clock: clock})
			ex, events := runStandard(t, e, def, "r", `{"in":1}`)
			if ex.Output != tc.want {
				t.Errorf("output = %s (%s %s), want %s", ex.Output, ex.Error, ex.Cause, tc.want)
			}
			if got := clock.Sleeps(); !slices.Equal(got, tc.sleeps) {
				t.Errorf("sleeps = %v, want %v", got, tc.sleeps)
			}
			if !slices.Equal(seen, tc.retries) {
				t.Errorf("$$.State.RetryCount per attempt = %v, want %v", seen, tc.retries)
			}
			failed := 0
			for _, ev := range events {
				if ev.Type == "TaskFailed" {
					failed++
				}
			}
			if want := len(tc.errs) - 1; strings.Contains(tc.want, "ok") && failed != want {
				t.Errorf("TaskFailed events = %d, want %d", failed, want)
			}
		})
	}
}

func TestRuntimeErrorNotCaughtByStatesALL(t *testing.T) {
	t.Parallel()
	res := runSync(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"x.$":"$.missing"},"Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}],"End":true},"C":{"Type":"Succeed"}}}`, `{}`, &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
		return json.RawMessage(`{}`), nil
	}})
	if res.Status != asl.StatusFailed || res.Error != asl.StatesRuntime {
		t.Fatalf("got %+v", res)
	}
}

func TestTaskTimeout(t *testing.T) {
	t.Parallel()
	tasks := &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	e := newEngine(t, engineOpts{tasks: tasks})
	ex, events := runStandard(t, e, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":1,"End":true}}}`, "t", "")
	if ex.Error != asl.StatesTimeout {
		t.Fatalf("got %+v", ex)
	}
	if !slices.Contains(eventTypes(events), "TaskTimedOut") {
		t.Errorf("events = %v", eventTypes(events))
	}
}

func TestMapConcurrencyKeepsOrderAndHistory(t *testing.T) {
	t.Parallel()
	var inFlight, peak atomic.Int64
	tasks := &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond)
		return req.Parameters, nil
	}}
	e := newEngine(t, engineOpts{tasks: tasks})
	items := make([]string, 20)
	for i := range items {
		items[i] = fmt.Sprint(i)
	}
	input := `{"xs":[` + strings.Join(items, ",") + `]}`
	ex, events := runStandard(t, e, `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","MaxConcurrency":3,
	  "ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"v.$":"$"},"OutputPath":"$.v","End":true}}},"End":true}}}`, "m", input)
	if ex.Status != asl.StatusSucceeded || ex.Output != `[`+strings.Join(items, ",")+`]` {
		t.Fatalf("got %s %s %s", ex.Status, ex.Output, ex.Cause)
	}
	if p := peak.Load(); p > 3 || p < 2 {
		t.Errorf("peak concurrency = %d, want 2..3 (MaxConcurrency 3)", p)
	}
	counts := map[string]int{}
	ids := map[int64]bool{}
	for _, ev := range events {
		counts[ev.Type]++
		if ids[ev.ID] {
			t.Fatalf("duplicate event id %d", ev.ID)
		}
		ids[ev.ID] = true
		if ev.PreviousEventID >= ev.ID {
			t.Errorf("event %d points forward to %d", ev.ID, ev.PreviousEventID)
		}
	}
	if counts["MapIterationStarted"] != 20 || counts["MapIterationSucceeded"] != 20 || counts["TaskSucceeded"] != 20 {
		t.Errorf("event counts = %v", counts)
	}
}

func TestManyConcurrentStandardExecutions(t *testing.T) {
	t.Parallel()
	e := newEngine(t, engineOpts{})
	ctx := context.Background()
	sm, err := e.CreateStateMachine(ctx, "many", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"n.$":"$.n","id.$":"$$.Execution.Name"},"Next":"C"},
	  "C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":50,"Next":"Big"}],"Default":"Small"},
	  "Big":{"Type":"Pass","Result":"big","ResultPath":"$.size","End":true},"Small":{"Type":"Pass","Result":"small","ResultPath":"$.size","End":true}}}`, "", "")
	if err != nil {
		t.Fatal(err)
	}
	arns := make([]string, 100)
	for i := range arns {
		ex, err := e.StartExecution(ctx, sm.Arn, fmt.Sprintf("x%d", i), fmt.Sprintf(`{"n":%d}`, i))
		if err != nil {
			t.Fatal(err)
		}
		arns[i] = ex.Arn
	}
	for i, arn := range arns {
		done, err := e.WaitExecution(ctx, arn)
		if err != nil {
			t.Fatal(err)
		}
		size := "small"
		if i > 50 {
			size = "big"
		}
		if want := fmt.Sprintf(`{"id":"x%d","n":%d,"size":"%s"}`, i, i, size); done.Output != want {
			t.Fatalf("execution %d output = %s, want %s", i, done.Output, want)
		}
	}
	list, _, err := e.ListExecutions(ctx, sm.Arn, asl.StatusSucceeded, 1000, "")
	if err != nil || len(list) != 100 {
		t.Fatalf("listed %d, %v", len(list), err)
	}
}
