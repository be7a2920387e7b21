package asl

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/asl/jsonpath"
)

// historyEventCases cover every detail the fast encoder writes itself,
// the fallback, and strings that need escaping.
func historyEventCases() []HistoryEvent {
	ts := time.Date(2026, 11, 26, 19, 14, 50, 123456789, time.UTC)
	odd := "q\"b\\s\n\r\t\x01\x1f<>&é\u2028 end"
	return []HistoryEvent{
		{ID: 1, Type: "ExecutionStarted", Timestamp: ts, ExecutionStarted: &ExecutionStartedDetails{Input: `{"n":1}`, RoleArn: "arn:aws:iam::1:role/r"}},
		{ID: 1, Type: "ExecutionStarted", Timestamp: ts, ExecutionStarted: &ExecutionStartedDetails{Input: odd}},
		{ID: 2, PreviousEventID: 1, Type: "PassStateEntered", Timestamp: ts, StateEntered: &StateEnteredDetails{Name: "P", Input: odd}},
		{ID: 3, PreviousEventID: 2, Type: "PassStateExited", Timestamp: ts, StateExited: &StateExitedDetails{Name: "P\x00", Output: `{}`}},
		{ID: 4, PreviousEventID: 3, Type: "TaskScheduled", Timestamp: ts, TaskScheduled: &TaskScheduledDetails{ResourceType: "dynamodb", Resource: "putItem", Region: "us-east-1", Parameters: `{"a":"b"}`, TimeoutInSeconds: 5, HeartbeatInSeconds: 2}},
		{ID: 4, PreviousEventID: 3, Type: "TaskScheduled", Timestamp: ts, TaskScheduled: &TaskScheduledDetails{Resource: "putItem"}},
		{ID: 5, PreviousEventID: 4, Type: "TaskStarted", Timestamp: ts, TaskStarted: &TaskResourceDetails{ResourceType: "dynamodb", Resource: "putItem"}},
		{ID: 6, PreviousEventID: 5, Type: "TaskSucceeded", Timestamp: ts, TaskSucceeded: &TaskSucceededDetails{ResourceType: "dynamodb", Resource: "putItem", Output: odd}},
		{ID: 7, PreviousEventID: 6, Type: "ExecutionSucceeded", Timestamp: ts, ExecutionSucceeded: &OutputDetails{Output: "null"}},
		{ID: 8, PreviousEventID: 7, Type: "ExecutionFailed", Timestamp: ts, ExecutionFailed: &ErrorDetails{Error: "E", Cause: odd}},
		{ID: 9, PreviousEventID: 8, Type: "MapIterationStarted", Timestamp: ts.In(time.FixedZone("x", 3600)), MapIterationStarted: &MapIterationDetails{Name: "M", Index: 3}},
		{ID: 10, PreviousEventID: 9, Type: "ParallelStateStarted", Timestamp: ts},
		{ID: 11, Type: "Invalid\xff\xfeUTF8", Timestamp: ts, StateEntered: &StateEnteredDetails{Name: "\xff", Input: "x"}},
		{ID: 12, Type: "Both", Timestamp: ts, StateEntered: &StateEnteredDetails{Name: "a"}, StateExited: &StateExitedDetails{Name: "b"}},
		{ID: 13, Type: "FarFuture", Timestamp: time.Date(10001, 1, 1, 0, 0, 0, 0, time.UTC)},
		{ID: -1, PreviousEventID: -2, Type: "", Timestamp: time.Time{}},
	}
}

// TestAppendEvent checks that the fast history encoder stores exactly what
// encoding/json stores: both decode to the same event.
func TestAppendEvent(t *testing.T) {
	t.Parallel()
	for _, ev := range historyEventCases() {
		checkAppendEvent(t, ev)
	}
}

func checkAppendEvent(t *testing.T, ev HistoryEvent) {
	t.Helper()
	want, wantErr := json.Marshal(&ev)
	got, err := appendEvent([]byte("prefix"), &ev)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("event %d: error %v, encoding/json error %v", ev.ID, err, wantErr)
	}
	if err != nil {
		return
	}
	if string(got[:6]) != "prefix" {
		t.Fatalf("event %d: prefix clobbered: %q", ev.ID, got)
	}
	var a, b HistoryEvent
	if err := json.Unmarshal(got[6:], &a); err != nil {
		t.Fatalf("event %d: decode %s: %v", ev.ID, got[6:], err)
	}
	if err := json.Unmarshal(want, &b); err != nil {
		t.Fatalf("event %d: decode reference: %v", ev.ID, err)
	}
	if !a.Timestamp.Equal(b.Timestamp) {
		t.Fatalf("event %d: timestamp %v, want %v", ev.ID, a.Timestamp, b.Timestamp)
	}
	a.Timestamp, b.Timestamp = time.Time{}, time.Time{}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("event %d:\n got %s\nwant %s", ev.ID, got[6:], want)
	}
}

func FuzzAppendEvent(f *testing.F) {
	for _, ev := range historyEventCases() {
		in := ""
		if ev.StateEntered != nil {
			in = ev.StateEntered.Input
		}
		f.Add(ev.ID, ev.Type, in, ev.Timestamp.UnixNano())
	}
	f.Fuzz(func(t *testing.T, id int64, typ, s string, nanos int64) {
		ts := time.Unix(0, nanos).UTC()
		for _, ev := range []HistoryEvent{
			{ID: id, Type: typ, Timestamp: ts, StateEntered: &StateEnteredDetails{Name: typ, Input: s}},
			{ID: id, Type: typ, Timestamp: ts, TaskScheduled: &TaskScheduledDetails{Parameters: s, TimeoutInSeconds: id}},
			{ID: id, Type: typ, Timestamp: ts, ExecutionFailed: &ErrorDetails{Cause: s}},
		} {
			checkAppendEvent(t, ev)
		}
	})
}

// TestEncodeRecord checks that the fast record and checkpoint encoders
// store what encoding/json stores.
func TestEncodeRecord(t *testing.T) {
	t.Parallel()
	ts := time.Date(2026, 11, 26, 19, 14, 50, 5, time.UTC)
	cp := &checkpoint{State: "S\"x", Input: json.RawMessage(` { "a" : [1, 2] } `), LastEventID: 7, PrevEventID: 6, Vars: json.RawMessage(`{"v":"<&>"}`)}
	for i, rec := range []execRecord{
		{Execution: Execution{Arn: "arn:a", StateMachineArn: "arn:sm", Name: "n", Type: TypeStandard, Status: StatusRunning, Input: "{}", StartDate: ts}, DefHash: "h"},
		{Execution: Execution{Arn: "arn:a", Name: "n\n", Status: StatusFailed, Input: `{"q":"\u0001"}`, Output: "o", Error: "E", Cause: "c\xff",
			RoleArn: "r", StartDate: ts, StopDate: ts.Add(time.Second), RedriveCount: 2, RedriveDate: ts, TestCase: "tc"}, DefHash: "h", HistoryID: 1<<64 - 1, RedriveFrom: cp},
		{Execution: Execution{}, RedriveFrom: &checkpoint{}},
	} {
		got, err := encodeRecord(&rec)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		want, err := json.Marshal(&rec)
		if err != nil {
			t.Fatalf("record %d: reference: %v", i, err)
		}
		var a, b execRecord
		if err := json.Unmarshal(got, &a); err != nil {
			t.Fatalf("record %d: decode %s: %v", i, got, err)
		}
		if err := json.Unmarshal(want, &b); err != nil {
			t.Fatal(err)
		}
		// Raw documents may differ in escaping only (encoding/json
		// HTML-escapes them): compare them re-encoded.
		ja, _ := json.Marshal(&a)
		jb, _ := json.Marshal(&b)
		if string(ja) != string(jb) {
			t.Fatalf("record %d:\n got %s\nwant %s", i, got, want)
		}
	}
	if _, err := encodeCheckpoint(&checkpoint{Input: json.RawMessage(`{bad`)}); err == nil {
		t.Fatal("invalid checkpoint input encoded without error")
	}
	if _, err := encodeRecord(&execRecord{Execution: Execution{StartDate: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}); err == nil {
		t.Fatal("out-of-range start date encoded without error")
	}
}

// TestEncodersKnowEveryField fails when a stored struct gains a field the
// hand-written encoders do not write: extend appendEvent, encodeRecord or
// appendCheckpoint (and their tests) with it.
func TestEncodersKnowEveryField(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v    any
		want int
	}{
		{Execution{}, 16},
		{execRecord{}, 4},
		{checkpoint{}, 6}, // compact is an encoding hint, not stored
		{HistoryEvent{}, 26},
		{StateEnteredDetails{}, 2},
		{StateExitedDetails{}, 2},
		{ExecutionStartedDetails{}, 2},
		{OutputDetails{}, 1},
		{TaskScheduledDetails{}, 6},
		{TaskResourceDetails{}, 2},
		{TaskSucceededDetails{}, 3},
	} {
		typ := reflect.TypeOf(tc.v)
		if got := typ.NumField(); got != tc.want {
			t.Errorf("%s has %d fields, the encoders know %d", typ.Name(), got, tc.want)
		}
	}
}

// TestCompactCheckpointStoresMarshalOutput: a checkpoint the engine made
// from jsonpath.Marshal output (compact) is stored with the same bytes as
// one whose documents are compacted again.
func TestCompactCheckpointStoresMarshalOutput(t *testing.T) {
	t.Parallel()
	for _, v := range []any{
		map[string]any{"a": []any{int64(1), 2.5, "x<&>\u2028é", nil, true}, "b": map[string]any{}},
		[]any{}, "s", int64(-3), nil,
	} {
		raw, err := jsonpath.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		vars, err := jsonpath.Marshal(map[string]any{"v": v})
		if err != nil {
			t.Fatal(err)
		}
		for _, withVars := range []bool{false, true} {
			cp := checkpoint{State: "S", Input: raw, LastEventID: 3, PrevEventID: 2}
			if withVars {
				cp.Vars = vars
			}
			slow, err := encodeCheckpoint(&cp)
			if err != nil {
				t.Fatal(err)
			}
			cp.compact = true
			fast, err := encodeCheckpoint(&cp)
			if err != nil {
				t.Fatal(err)
			}
			if string(fast) != string(slow) {
				t.Fatalf("compact checkpoint of %s:\n got %s\nwant %s", raw, fast, slow)
			}
		}
	}
	cp := checkpoint{State: "S", compact: true}
	if got, err := encodeCheckpoint(&cp); err != nil || !strings.Contains(string(got), `"input":null`) {
		t.Fatalf("empty compact input: %s, %v", got, err)
	}
}

// TestRecycledPendingEvents: the slice of encoded events holds the next
// ones; the events emitted into it are complete and chained.
func TestRecycledPendingEvents(t *testing.T) {
	t.Parallel()
	ts := time.Date(2026, 11, 26, 23, 0, 0, 0, time.UTC)
	r := &run{e: &Engine{opts: Options{Now: func() time.Time { return ts }}}, history: true}
	sc := &scope{}
	for _, typ := range []string{"PassStateEntered", "PassStateExited"} {
		r.emit(sc, typ, func(ev *HistoryEvent) { ev.StateEntered = &StateEnteredDetails{Name: typ} })
	}
	first := r.takePending()
	if _, err := encodeEvents([]byte("arn:x\x00"), first); err != nil {
		t.Fatal(err)
	}
	backing := &first[:1][0]
	r.recyclePending(first)
	r.emit(sc, "TaskStateEntered", func(ev *HistoryEvent) { ev.StateEntered = &StateEnteredDetails{Name: "T"} })
	next := r.takePending()
	if len(next) != 1 || &next[0] != backing {
		t.Fatalf("next events %d, reusing the slice: %v", len(next), len(next) == 1 && &next[0] == backing)
	}
	if ev := next[0]; ev.ID != 3 || ev.PreviousEventID != 2 || ev.Type != "TaskStateEntered" || ev.StateEntered.Name != "T" || ev.StateExited != nil {
		t.Fatalf("recycled slot holds %+v", ev)
	}
	// Events emitted before the recycle keep their own slice.
	r.emit(sc, "A", nil)
	held := r.takePending()
	r.emit(sc, "B", nil)
	r.recyclePending(held)
	if got := r.takePending(); len(got) != 1 || got[0].Type != "B" {
		t.Fatalf("pending after a late recycle: %+v", got)
	}
}
