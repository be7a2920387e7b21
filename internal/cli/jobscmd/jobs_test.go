package jobscmd

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
	"github.com/sfapi/sfapi/internal/tui"
)

func TestNewCmdJobs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    string
		wantErr string
		check   func(*JobsOptions) bool
	}{
		{args: "list", check: func(o *JobsOptions) bool {
			return o.Command == "list" && o.Limit == 50 && o.Output == "table" && o.ProjectDir == "."
		}},
		{args: "list --status Failed --since 10m --limit 5 -o json", check: func(o *JobsOptions) bool {
			return o.Status == "Failed" && o.Since == 10*time.Minute && o.Limit == 5 && o.Output == "json"
		}},
		{args: "list -o xml", wantErr: "invalid output format"},
		{args: "list --status Done", wantErr: "invalid status"},
		{args: "list --limit -1", wantErr: "--limit"},
		{args: "get abc --project p --endpoint http://x --stack s", check: func(o *JobsOptions) bool {
			return o.Command == "get" && o.ID == "abc" && o.ProjectDir == "p" && o.Endpoint == "http://x" && o.Stack == "s"
		}},
		{args: "get", wantErr: "accepts 1 arg"},
		{args: "submit --file b.json --wait --timeout 3s", check: func(o *JobsOptions) bool {
			return o.Command == "submit" && o.File == "b.json" && o.Wait && o.WaitTimeout == 3*time.Second
		}},
		{args: "watch --mouse --log-file w.log --api http://a --ws ws://w", check: func(o *JobsOptions) bool {
			return o.Command == "watch" && o.Mouse && o.LogFile == "w.log" && o.API == "http://a" && o.WS == "ws://w"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			t.Parallel()
			io, _, _, _ := iostreams.Test()
			var got *JobsOptions
			cmd := NewCmdJobs(&cmdutil.Factory{IOStreams: io, Now: time.Now}, func(o *JobsOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(&strings.Builder{})
			cmd.SetErr(&strings.Builder{})
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got == nil || !tt.check(got) {
				t.Fatalf("err %v, options %+v", err, got)
			}
		})
	}
}

func TestLocateWithoutDev(t *testing.T) {
	t.Parallel()
	l := Locator{ProjectDir: gophersDir, DataDir: t.TempDir()}
	_, err := l.Locate(t.Context())
	if err == nil || !strings.Contains(err.Error(), "no running sfapi dev") || !strings.Contains(cmdutil.HintOf(err), "sfapi dev") {
		t.Fatalf("err = %v (hint %q)", err, cmdutil.HintOf(err))
	}
}

type fakeCFN struct {
	outputs map[string]string
	err     error
	asked   string
}

func (f *fakeCFN) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	f.asked = aws.ToString(in.StackName)
	if f.err != nil {
		return nil, f.err
	}
	st := cfntypes.Stack{StackName: in.StackName}
	for k, v := range f.outputs {
		st.Outputs = append(st.Outputs, cfntypes.Output{OutputKey: aws.String(k), OutputValue: aws.String(v)})
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []cfntypes.Stack{st}}, nil
}

func TestLocateStack(t *testing.T) {
	t.Parallel()
	outputs := map[string]string{
		"ApiUrl":                   "https://abc.execute-api.eu-west-1.amazonaws.com/dev",
		"WebSocketUrl":             "wss://ws.execute-api.eu-west-1.amazonaws.com/dev",
		"JobsTableName":            "gophers-Jobs-XYZ",
		"AddGopherStateMachineArn": "arn:aws:states:eu-west-1:123456789012:stateMachine:AddGopher-XYZ",
	}
	cfg := func(context.Context) (aws.Config, error) { return aws.Config{Region: "eu-west-1"}, nil }
	for _, dir := range []string{gophersDir, t.TempDir()} { // with and without the project
		fake := &fakeCFN{outputs: outputs}
		l := Locator{ProjectDir: dir, Stack: "gophers-dev", AWSConfig: cfg, CloudFormation: func(aws.Config) CloudFormationAPI { return fake }}
		tgt, err := l.Locate(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		s := tgt.Source
		if fake.asked != "gophers-dev" || tgt.API != outputs["ApiUrl"] || s.WS != outputs["WebSocketUrl"] || s.Table != "gophers-Jobs-XYZ" ||
			len(s.Machines) != 1 || s.Machines[0] != outputs["AddGopherStateMachineArn"] || s.PK != "pk" || s.SK != "sk" {
			t.Fatalf("%s: target %+v source %+v", dir, tgt, s)
		}
		if dir == gophersDir && tgt.CreatePath != "/gophers" {
			t.Fatalf("create path = %q", tgt.CreatePath)
		}
	}
	fake := &fakeCFN{err: errors.New("Stack with id nope does not exist")}
	l := Locator{ProjectDir: gophersDir, Stack: "nope", AWSConfig: cfg, CloudFormation: func(aws.Config) CloudFormationAPI { return fake }}
	if _, err := l.Locate(t.Context()); err == nil || !strings.Contains(err.Error(), "describe stack nope") {
		t.Fatalf("err = %v", err)
	}
	fake = &fakeCFN{outputs: map[string]string{"ApiUrl": "x"}}
	l.CloudFormation = func(aws.Config) CloudFormationAPI { return fake }
	if _, err := l.Locate(t.Context()); err == nil || !strings.Contains(err.Error(), "no job table output") {
		t.Fatalf("err = %v", err)
	}
}

func TestExecutionARN(t *testing.T) {
	t.Parallel()
	got := executionARN("arn:aws:states:us-east-1:000000000000:stateMachine:AddGopher", "j1")
	if got != "arn:aws:states:us-east-1:000000000000:execution:AddGopher:j1" {
		t.Fatal(got)
	}
}

func TestJourney(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) *time.Time { v := t0.Add(time.Duration(ms) * time.Millisecond); return &v }
	entered := func(name string, ms int) sfntypes.HistoryEvent {
		return sfntypes.HistoryEvent{Type: sfntypes.HistoryEventTypeTaskStateEntered, Timestamp: at(ms), StateEnteredEventDetails: &sfntypes.StateEnteredEventDetails{Name: aws.String(name)}}
	}
	exited := func(name string, ms int) sfntypes.HistoryEvent {
		return sfntypes.HistoryEvent{Type: sfntypes.HistoryEventTypeTaskStateExited, Timestamp: at(ms), StateExitedEventDetails: &sfntypes.StateExitedEventDetails{Name: aws.String(name)}}
	}
	steps := journey([]sfntypes.HistoryEvent{
		{Type: sfntypes.HistoryEventTypeExecutionStarted, Timestamp: at(0)},
		entered("A", 1), exited("A", 4),
		entered("B", 4), {Type: sfntypes.HistoryEventTypeTaskFailed, Timestamp: at(9)}, exited("B", 10),
		entered("C", 10), {Type: sfntypes.HistoryEventTypeExecutionFailed, Timestamp: at(12)},
		entered("D", 12),
	})
	want := []tui.Step{
		{Name: "A", Entered: *at(1), Duration: 3 * time.Millisecond},
		{Name: "B", Entered: *at(4), Duration: 6 * time.Millisecond, Failed: true},
		{Name: "C", Entered: *at(10), Duration: 2 * time.Millisecond, Failed: true},
		{Name: "D", Entered: *at(12), Running: true},
	}
	if len(steps) != len(want) {
		t.Fatalf("steps = %+v", steps)
	}
	for i := range want {
		if steps[i] != want[i] {
			t.Errorf("step %d = %+v, want %+v", i, steps[i], want[i])
		}
	}
}

var parseEventTests = []struct {
	in   string
	ok   bool
	want tui.Event
}{
	{`{"time":"2026-01-01T00:00:00Z","detail-type":"JobProgress","detail":{"jobId":"j1","status":"In Progress","progress":10}}`, true,
		tui.Event{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), JobID: "j1", DetailType: "JobProgress", Status: "In Progress", Progress: 10}},
	{`{"time":"2026-01-01T00:00:00Z","detail":{"jobId":"j1","at":"2026-01-01T00:00:00.437Z","progress":10}}`, true,
		tui.Event{Time: time.Date(2026, 1, 1, 0, 0, 0, 437e6, time.UTC), JobID: "j1", Progress: 10}},
	{`{"time":"2026-01-01T00:00:00Z","detail":{"jobId":"j1","at":"yesterday"}}`, true,
		tui.Event{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), JobID: "j1", Progress: -1}},
	{`{"detail":{"jobId":"j2","progress":"55.5"}}`, true, tui.Event{JobID: "j2", Progress: 55}},
	{`{"detail":{"jobId":"j3","progress":250}}`, true, tui.Event{JobID: "j3", Progress: 100}},
	{`{"detail":{"jobId":"j4"}}`, true, tui.Event{JobID: "j4", Progress: -1}},
	{`{"detail":{"status":"x"}}`, false, tui.Event{}},
	{`not json`, false, tui.Event{}},
	{`{"detail":{"jobId":5}}`, false, tui.Event{}},
}

func TestParseEvent(t *testing.T) {
	t.Parallel()
	for _, tt := range parseEventTests {
		got, ok := parseEvent([]byte(tt.in))
		if ok != tt.ok || got != tt.want {
			t.Errorf("parseEvent(%s) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzParseEvent(f *testing.F) {
	for _, tt := range parseEventTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		ev, ok := parseEvent([]byte(in))
		if ok && (ev.JobID == "" || ev.Progress < -1 || ev.Progress > 100) {
			t.Fatalf("parseEvent(%q) = %+v", in, ev)
		}
		parseTime(in) // must not panic on any text
	})
}

func TestParseTimeAndPlain(t *testing.T) {
	t.Parallel()
	want := time.Date(2026, 11, 26, 18, 34, 20, 0, time.UTC)
	for _, s := range []string{"2026-11-26T18:34:20Z", "26/Nov/2026:18:34:20 +0000", "2026-11-26T19:34:20+01:00"} {
		if got := parseTime(s); !got.Equal(want) {
			t.Errorf("parseTime(%q) = %v", s, got)
		}
	}
	if !parseTime("yesterday").IsZero() {
		t.Error("parseTime accepted garbage")
	}
	av := &ddbtypes.AttributeValueMemberM{Value: map[string]ddbtypes.AttributeValue{
		"s": &ddbtypes.AttributeValueMemberS{Value: "x"}, "n": &ddbtypes.AttributeValueMemberN{Value: "1.5"},
		"b": &ddbtypes.AttributeValueMemberBOOL{Value: true}, "z": &ddbtypes.AttributeValueMemberNULL{Value: true},
		"l":  &ddbtypes.AttributeValueMemberL{Value: []ddbtypes.AttributeValue{&ddbtypes.AttributeValueMemberB{Value: []byte("hi")}}},
		"ss": &ddbtypes.AttributeValueMemberSS{Value: []string{"a"}}, "ns": &ddbtypes.AttributeValueMemberNS{Value: []string{"2"}},
	}}
	if got := jsonText(av); got != `{"b":true,"l":["aGk="],"n":1.5,"ns":[2],"s":"x","ss":["a"],"z":null}` {
		t.Fatalf("jsonText = %s", got)
	}
	if jsonText(nil) != "" {
		t.Fatal("jsonText(nil) is not empty")
	}
}

func TestJobID(t *testing.T) {
	t.Parallel()
	if got := jobID([]byte(`{"id":"a"}`), "/jobs/b"); got != "a" {
		t.Fatal(got)
	}
	if got := jobID([]byte(`{}`), "/jobs/b"); got != "b" {
		t.Fatal(got)
	}
	if got := jobID([]byte(`x`), ""); got != "" {
		t.Fatal(got)
	}
}
