package jobscmd

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/coder/websocket"

	"github.com/sfapi/sfapi/internal/tui"
)

// DynamoDBAPI is the part of the DynamoDB client the commands use.
type DynamoDBAPI interface {
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

// StepFunctionsAPI is the part of the Step Functions client the commands use.
type StepFunctionsAPI interface {
	GetExecutionHistory(context.Context, *sfn.GetExecutionHistoryInput, ...func(*sfn.Options)) (*sfn.GetExecutionHistoryOutput, error)
}

// jobPrefix starts the sort key of every job item (`job#<operation>`).
const jobPrefix = "job#"

// Source reads jobs of one stack. It implements tui.JobSource.
type Source struct {
	DDB DynamoDBAPI
	SFN StepFunctionsAPI
	// Table is the physical name of the job table; PK and SK its key
	// attribute names.
	Table, PK, SK string
	// Machines are the ARNs of the state machines that run jobs; a job's
	// execution is named after the job id on one of them.
	Machines []string
	// WS is the push WebSocket URL ("" when the stack has none).
	WS string
	// Retry is the pause before reconnecting a dropped push socket.
	Retry time.Duration
}

var _ tui.JobSource = (*Source)(nil)

// List scans the job table for job items and returns at most limit of them,
// newest first. A scan reads the whole table; job tables of a dev stack are
// small, and a deployed one is read the same way (see docs/compat.md).
func (s *Source) List(ctx context.Context, limit int) ([]tui.Job, error) {
	var jobs []tui.Job
	in := &dynamodb.ScanInput{
		TableName:                 aws.String(s.Table),
		FilterExpression:          aws.String("begins_with(#sk, :job)"),
		ExpressionAttributeNames:  map[string]string{"#sk": s.SK},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":job": &ddbtypes.AttributeValueMemberS{Value: jobPrefix}},
	}
	for {
		out, err := s.DDB.Scan(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("scan table %s: %w", s.Table, err)
		}
		for _, item := range out.Items {
			if j, ok := s.jobFromItem(item); ok {
				jobs = append(jobs, j)
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	sortJobs(jobs)
	if limit > 0 && len(jobs) > limit {
		jobs = jobs[:limit]
	}
	return jobs, nil
}

// sortJobs orders newest first (ties by id, so output is stable).
func sortJobs(jobs []tui.Job) {
	slices.SortStableFunc(jobs, func(a, b tui.Job) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
}

// ErrNoJob is returned by Get for an id with no job item.
var ErrNoJob = errors.New("no such job")

// Get reads one job by id (whatever its operation).
func (s *Source) Get(ctx context.Context, id string) (tui.Job, error) {
	out, err := s.DDB.Query(ctx, &dynamodb.QueryInput{
		TableName:                aws.String(s.Table),
		KeyConditionExpression:   aws.String("#pk = :id AND begins_with(#sk, :job)"),
		ExpressionAttributeNames: map[string]string{"#pk": s.PK, "#sk": s.SK},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{
			":id": &ddbtypes.AttributeValueMemberS{Value: id}, ":job": &ddbtypes.AttributeValueMemberS{Value: jobPrefix},
		},
	})
	if err != nil {
		return tui.Job{}, fmt.Errorf("query job %s: %w", id, err)
	}
	for _, item := range out.Items {
		if j, ok := s.jobFromItem(item); ok {
			return j, nil
		}
	}
	return tui.Job{}, fmt.Errorf("job %s: %w", id, ErrNoJob)
}

func (s *Source) jobFromItem(item map[string]ddbtypes.AttributeValue) (tui.Job, bool) {
	id, _ := plain(item[s.PK]).(string)
	sk, _ := plain(item[s.SK]).(string)
	if id == "" || !strings.HasPrefix(sk, jobPrefix) {
		return tui.Job{}, false
	}
	str := func(name string) string { v, _ := plain(item[name]).(string); return v }
	j := tui.Job{ID: id, Operation: strings.TrimPrefix(sk, jobPrefix), Status: str("status"), Progress: -1,
		Input: jsonText(item["input"]), Result: jsonText(item["result"]), Error: jsonText(item["error"])}
	j.CreatedAt = parseTime(str("createdAt"))
	if n, ok := plain(item["createdAtEpoch"]).(json.Number); ok {
		if ms, err := n.Int64(); err == nil {
			j.CreatedAt = time.UnixMilli(ms).UTC()
		}
	}
	j.UpdatedAt = parseTime(str("updatedAt"))
	if arn := str("executionId"); strings.HasPrefix(arn, "arn:") && strings.Contains(arn, ":execution:") {
		j.ExecutionARN = arn
	}
	return j, true
}

// timeLayouts are the forms job items carry: RFC 3339 (Step Functions
// $$.State.EnteredTime) and API Gateway's $context.requestTime.
var timeLayouts = []string{time.RFC3339Nano, "02/Jan/2006:15:04:05 -0700"}

func parseTime(s string) time.Time {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// plain turns an attribute value into the JSON value it stands for.
func plain(av ddbtypes.AttributeValue) any {
	switch v := av.(type) {
	case *ddbtypes.AttributeValueMemberS:
		return v.Value
	case *ddbtypes.AttributeValueMemberN:
		return json.Number(v.Value)
	case *ddbtypes.AttributeValueMemberBOOL:
		return v.Value
	case *ddbtypes.AttributeValueMemberNULL:
		return nil
	case *ddbtypes.AttributeValueMemberB:
		return base64.StdEncoding.EncodeToString(v.Value)
	case *ddbtypes.AttributeValueMemberM:
		m := make(map[string]any, len(v.Value))
		for k, e := range v.Value {
			m[k] = plain(e)
		}
		return m
	case *ddbtypes.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			l[i] = plain(e)
		}
		return l
	case *ddbtypes.AttributeValueMemberSS:
		return v.Value
	case *ddbtypes.AttributeValueMemberNS:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			l[i] = json.Number(e)
		}
		return l
	case *ddbtypes.AttributeValueMemberBS:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			l[i] = base64.StdEncoding.EncodeToString(e)
		}
		return l
	}
	return nil
}

// jsonText renders an attribute as compact JSON ("" when absent).
func jsonText(av ddbtypes.AttributeValue) string {
	if av == nil {
		return ""
	}
	data, err := json.Marshal(plain(av))
	if err != nil {
		return ""
	}
	return string(data)
}

// executionARN is the ARN of the execution named id on machine.
func executionARN(machine, id string) string {
	return strings.Replace(machine, ":stateMachine:", ":execution:", 1) + ":" + id
}

// Journey reads the job's execution and returns the states it went
// through.
func (s *Source) Journey(ctx context.Context, id string) ([]tui.Step, error) {
	var known string
	if j, err := s.Get(ctx, id); err == nil {
		known = j.ExecutionARN
	}
	h, err := s.history(ctx, id, known)
	if err != nil {
		return nil, err
	}
	return journey(h.events), nil
}

// execution is one job's execution history.
type execution struct {
	arn    string
	events []sfntypes.HistoryEvent
}

// history reads the execution of job id: the one the job item names
// (known, when it records one: the only way on AWS, where Pipes cannot name
// executions), else the execution named after the job on each job machine
// in turn (sfapi dev's pipes name them so).
func (s *Source) history(ctx context.Context, id, known string) (*execution, error) {
	var lastErr error = fmt.Errorf("job %s: no state machine runs jobs", id)
	arns := make([]string, 0, len(s.Machines)+1)
	if known != "" {
		arns = append(arns, known)
	}
	for _, m := range s.Machines {
		if arn := executionARN(m, id); arn != known {
			arns = append(arns, arn)
		}
	}
	for _, arn := range arns {
		var events []sfntypes.HistoryEvent
		in := &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), MaxResults: 1000}
		for {
			out, err := s.SFN.GetExecutionHistory(ctx, in)
			if err != nil {
				var nf *sfntypes.ExecutionDoesNotExist
				if errors.As(err, &nf) {
					lastErr = fmt.Errorf("job %s has no execution yet", id)
					break
				}
				return nil, fmt.Errorf("get execution history %s: %w", arn, err)
			}
			events = append(events, out.Events...)
			if out.NextToken == nil {
				return &execution{arn: arn, events: events}, nil
			}
			in.NextToken = out.NextToken
		}
	}
	return nil, lastErr
}

// journey pairs StateEntered and StateExited events into steps. A state
// whose task or whose execution failed while it ran is marked failed.
func journey(events []sfntypes.HistoryEvent) []tui.Step {
	var steps []tui.Step
	open := map[string]int{} // state name → index of its running step
	var last = -1
	for _, ev := range events {
		ts := aws.ToTime(ev.Timestamp).UTC()
		switch {
		case ev.StateEnteredEventDetails != nil:
			name := aws.ToString(ev.StateEnteredEventDetails.Name)
			open[name] = len(steps)
			last = len(steps)
			steps = append(steps, tui.Step{Name: name, Entered: ts, Running: true})
		case ev.StateExitedEventDetails != nil:
			name := aws.ToString(ev.StateExitedEventDetails.Name)
			if i, ok := open[name]; ok {
				steps[i].Running = false
				steps[i].Duration = ts.Sub(steps[i].Entered)
				delete(open, name)
			}
		case strings.HasSuffix(string(ev.Type), "Failed") || strings.HasSuffix(string(ev.Type), "TimedOut"):
			if last >= 0 {
				steps[last].Failed = true
				if steps[last].Running && ev.Type == sfntypes.HistoryEventTypeExecutionFailed {
					steps[last].Running = false
					steps[last].Duration = ts.Sub(steps[last].Entered)
				}
			}
		}
	}
	return steps
}

// pushMessage is an EventBridge event as the push API delivers it.
type pushMessage struct {
	Time       time.Time `json:"time"`
	DetailType string    `json:"detail-type"`
	Detail     struct {
		JobID string `json:"jobId"`
		// At is when the state that sent the event started, to the
		// millisecond ($$.State.EnteredTime); EventBridge's time has
		// whole seconds only.
		At       string          `json:"at"`
		Status   string          `json:"status"`
		Progress json.RawMessage `json:"progress"`
	} `json:"detail"`
}

// parseEvent decodes one push message; ok is false for non-job messages.
func parseEvent(data []byte) (tui.Event, bool) {
	var m pushMessage
	if err := json.Unmarshal(data, &m); err != nil || m.Detail.JobID == "" {
		return tui.Event{}, false
	}
	at := m.Time.UTC()
	if t, err := time.Parse(time.RFC3339Nano, m.Detail.At); err == nil {
		at = t.UTC()
	}
	ev := tui.Event{Time: at, JobID: m.Detail.JobID, DetailType: m.DetailType, Status: m.Detail.Status, Progress: -1}
	if p := strings.Trim(string(m.Detail.Progress), `"`); p != "" {
		if f, err := strconv.ParseFloat(p, 64); err == nil {
			ev.Progress = min(max(int(f), 0), 100)
		}
	}
	return ev, true
}

// Events connects to the push WebSocket and delivers job events until ctx
// ends, reconnecting after a dropped connection.
func (s *Source) Events(ctx context.Context) (<-chan tui.Event, error) {
	if s.WS == "" {
		return nil, errors.New("the stack has no WebSocket push API")
	}
	conn, _, err := websocket.Dial(ctx, s.WS, nil)
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", s.WS, err)
	}
	ch := make(chan tui.Event, 1024)
	retry := s.Retry
	if retry <= 0 {
		retry = time.Second
	}
	go func() {
		defer close(ch)
		for {
			s.read(ctx, conn, ch)
			conn.CloseNow()
			for {
				select {
				case <-ctx.Done():
					return
				case <-time.After(retry):
				}
				if conn, _, err = websocket.Dial(ctx, s.WS, nil); err == nil {
					break
				}
			}
		}
	}()
	return ch, nil
}

func (s *Source) read(ctx context.Context, conn *websocket.Conn, ch chan<- tui.Event) {
	conn.SetReadLimit(1 << 20)
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			return
		}
		if ev, ok := parseEvent(data); ok {
			if ev.Time.IsZero() {
				ev.Time = time.Now().UTC()
			}
			select {
			case ch <- ev:
			case <-ctx.Done():
				return
			}
		}
	}
}
