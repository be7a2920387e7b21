package sfnapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/asl"
	"github.com/sfapi/sfapi/internal/emulator/awsjson"
)

// ServiceName is the X-Amz-Target prefix of Step Functions.
const ServiceName = "AWSStepFunctions"

// Register adds the Step Functions service backed by e to mux.
func Register(mux *awsjson.Mux, e *asl.Engine) {
	h := &handler{e: e}
	mux.Register(&awsjson.Service{
		TargetPrefix: ServiceName,
		ContentType:  "application/x-amz-json-1.0",
		Operations: map[string]awsjson.Operation{
			"CreateStateMachine":               op(h.createStateMachine),
			"DescribeStateMachine":             op(h.describeStateMachine),
			"UpdateStateMachine":               op(h.updateStateMachine),
			"DeleteStateMachine":               op(h.deleteStateMachine),
			"ListStateMachines":                op(h.listStateMachines),
			"StartExecution":                   op(h.startExecution),
			"StartSyncExecution":               op(h.startSyncExecution),
			"StopExecution":                    op(h.stopExecution),
			"DescribeExecution":                op(h.describeExecution),
			"DescribeStateMachineForExecution": op(h.describeStateMachineForExecution),
			"ListExecutions":                   op(h.listExecutions),
			"GetExecutionHistory":              op(h.getExecutionHistory),
			"ValidateStateMachineDefinition":   h.validateStateMachineDefinition,
			"TestState":                        op(h.testState),
			"SendTaskSuccess":                  op(h.sendTaskSuccess),
			"SendTaskFailure":                  op(h.sendTaskFailure),
			"SendTaskHeartbeat":                op(h.sendTaskHeartbeat),
			"RedriveExecution":                 op(h.redriveExecution),
			"TagResource":                      op(h.tagResource),
			"UntagResource":                    op(h.untagResource),
			"ListTagsForResource":              op(h.listTagsForResource),
			"DescribeMapRun":                   op(h.describeMapRun),
			"ListMapRuns":                      op(h.listMapRuns),
			"UpdateMapRun":                     op(h.updateMapRun),
		},
	})
}

type handler struct{ e *asl.Engine }

// epoch renders a time as the SDKs expect: seconds since the epoch with a
// millisecond fraction.
type epoch float64

func toEpoch(t time.Time) *epoch {
	if t.IsZero() {
		return nil
	}
	v := epoch(float64(t.UnixMilli()) / 1000)
	return &v
}

// wireErr maps engine errors to AWS error codes; anything else becomes an
// InternalFailure in awsjson.
// op decodes an operation's request into I, runs f, and maps its error to
// the wire: what every Step Functions operation does around its own work.
func op[I any](f func(context.Context, *I) (any, error)) awsjson.Operation {
	return func(ctx context.Context, body []byte) (any, error) {
		in := new(I)
		if err := awsjson.Decode(body, in); err != nil {
			return nil, err
		}
		out, err := f(ctx, in)
		if err != nil {
			return nil, wireErr(err)
		}
		return out, nil
	}
}

func wireErr(err error) error {
	var ae *asl.APIError
	if errors.As(err, &ae) {
		return &awsjson.Error{Status: http.StatusBadRequest, Code: ae.Code, Message: ae.Message}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &awsjson.Error{Status: http.StatusBadRequest, Code: "RequestCanceled", Message: err.Error()}
	}
	return err
}

func required(field, v string) error {
	if v == "" {
		return awsjson.Errorf(awsjson.CodeValidation, "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
	}
	return nil
}

type createStateMachineInput struct {
	Name       string    `json:"name"`
	Definition string    `json:"definition"`
	RoleArn    string    `json:"roleArn"`
	Type       string    `json:"type"`
	Tags       []asl.Tag `json:"tags"`
}

type createStateMachineOutput struct {
	StateMachineArn string `json:"stateMachineArn"`
	CreationDate    *epoch `json:"creationDate"`
}

func (h *handler) createStateMachine(ctx context.Context, in *createStateMachineInput) (any, error) {
	if err := errors.Join(required("name", in.Name), required("definition", in.Definition)); err != nil {
		return nil, firstErr(err)
	}
	sm, err := h.e.CreateStateMachine(ctx, in.Name, in.Definition, in.Type, in.RoleArn)
	if err != nil {
		return nil, err
	}
	if len(in.Tags) > 0 {
		if err := h.e.TagResource(ctx, sm.Arn, in.Tags); err != nil {
			return nil, err
		}
	}
	return createStateMachineOutput{StateMachineArn: sm.Arn, CreationDate: toEpoch(sm.CreationDate)}, nil
}

// firstErr unwraps errors.Join to the first error so one awsjson.Error
// reaches the wire.
func firstErr(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok && len(j.Unwrap()) > 0 {
		return j.Unwrap()[0]
	}
	return err
}

type arnInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	ExecutionArn    string `json:"executionArn"`
}

type describeStateMachineOutput struct {
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name"`
	Status          string `json:"status"`
	Definition      string `json:"definition"`
	RoleArn         string `json:"roleArn"`
	Type            string `json:"type"`
	CreationDate    *epoch `json:"creationDate"`
	RevisionID      string `json:"revisionId,omitempty"`
	LoggingConfig   struct {
		Level                string `json:"level"`
		IncludeExecutionData bool   `json:"includeExecutionData"`
	} `json:"loggingConfiguration"`
}

func describeSM(sm *asl.StateMachine) describeStateMachineOutput {
	out := describeStateMachineOutput{StateMachineArn: sm.Arn, Name: sm.Name, Status: sm.Status, Definition: sm.Definition,
		RoleArn: sm.RoleArn, Type: sm.Type, CreationDate: toEpoch(sm.CreationDate), RevisionID: sm.RevisionID}
	out.LoggingConfig.Level = "OFF"
	return out
}

func (h *handler) describeStateMachine(ctx context.Context, in *arnInput) (any, error) {
	if err := required("stateMachineArn", in.StateMachineArn); err != nil {
		return nil, err
	}
	sm, err := h.e.DescribeStateMachine(ctx, in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	return describeSM(sm), nil
}

func (h *handler) describeStateMachineForExecution(ctx context.Context, in *arnInput) (any, error) {
	if err := required("executionArn", in.ExecutionArn); err != nil {
		return nil, err
	}
	sm, err := h.e.DescribeStateMachineForExecution(ctx, in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	out := describeSM(&sm.StateMachine)
	return struct {
		StateMachineArn string `json:"stateMachineArn"`
		Name            string `json:"name"`
		Definition      string `json:"definition"`
		RoleArn         string `json:"roleArn"`
		UpdateDate      *epoch `json:"updateDate"`
		RevisionID      string `json:"revisionId,omitempty"`
		MapRunArn       string `json:"mapRunArn,omitempty"`
		Label           string `json:"label,omitempty"`
	}{out.StateMachineArn, out.Name, out.Definition, out.RoleArn, toEpoch(firstNonZero(sm.UpdateDate, sm.CreationDate)), out.RevisionID, sm.MapRunArn, sm.Label}, nil
}

func firstNonZero(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

type updateStateMachineInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	Definition      string `json:"definition"`
	RoleArn         string `json:"roleArn"`
}

func (h *handler) updateStateMachine(ctx context.Context, in *updateStateMachineInput) (any, error) {
	if err := required("stateMachineArn", in.StateMachineArn); err != nil {
		return nil, err
	}
	sm, err := h.e.UpdateStateMachine(ctx, in.StateMachineArn, in.Definition, in.RoleArn)
	if err != nil {
		return nil, err
	}
	return struct {
		UpdateDate *epoch `json:"updateDate"`
		RevisionID string `json:"revisionId"`
	}{toEpoch(sm.UpdateDate), sm.RevisionID}, nil
}

func (h *handler) deleteStateMachine(ctx context.Context, in *arnInput) (any, error) {
	if err := required("stateMachineArn", in.StateMachineArn); err != nil {
		return nil, err
	}
	if err := h.e.DeleteStateMachine(ctx, in.StateMachineArn); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

type listInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	StatusFilter    string `json:"statusFilter"`
	MaxResults      int    `json:"maxResults"`
	NextToken       string `json:"nextToken"`
	ExecutionArn    string `json:"executionArn"`
	ReverseOrder    bool   `json:"reverseOrder"`
	MapRunArn       string `json:"mapRunArn"`
}

type stateMachineListItem struct {
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name"`
	Type            string `json:"type"`
	CreationDate    *epoch `json:"creationDate"`
}

func (h *handler) listStateMachines(ctx context.Context, in *listInput) (any, error) {
	list, next, err := h.e.ListStateMachines(ctx, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	items := make([]stateMachineListItem, len(list))
	for i, sm := range list {
		items[i] = stateMachineListItem{sm.Arn, sm.Name, sm.Type, toEpoch(sm.CreationDate)}
	}
	return struct {
		StateMachines []stateMachineListItem `json:"stateMachines"`
		NextToken     string                 `json:"nextToken,omitempty"`
	}{items, next}, nil
}

type startExecutionInput struct {
	StateMachineArn string  `json:"stateMachineArn"`
	Name            string  `json:"name"`
	Input           *string `json:"input"`
}

func (h *handler) startExecution(ctx context.Context, in *startExecutionInput) (any, error) {
	if err := required("stateMachineArn", in.StateMachineArn); err != nil {
		return nil, err
	}
	input := ""
	if in.Input != nil {
		input = *in.Input
	}
	// Executions outlive the request: detach from its cancellation.
	ex, err := h.e.StartExecution(context.WithoutCancel(ctx), in.StateMachineArn, in.Name, input)
	if err != nil {
		return nil, err
	}
	return struct {
		ExecutionArn string `json:"executionArn"`
		StartDate    *epoch `json:"startDate"`
	}{ex.Arn, toEpoch(ex.StartDate)}, nil
}

type dataDetails struct {
	Included bool `json:"included"`
}

type executionOutput struct {
	ExecutionArn    string       `json:"executionArn"`
	StateMachineArn string       `json:"stateMachineArn"`
	Name            string       `json:"name"`
	Status          string       `json:"status"`
	StartDate       *epoch       `json:"startDate"`
	StopDate        *epoch       `json:"stopDate,omitempty"`
	Input           string       `json:"input"`
	InputDetails    dataDetails  `json:"inputDetails"`
	Output          *string      `json:"output,omitempty"`
	OutputDetails   *dataDetails `json:"outputDetails,omitempty"`
	Error           string       `json:"error,omitempty"`
	Cause           string       `json:"cause,omitempty"`
	RedriveCount    *int         `json:"redriveCount,omitempty"`
	RedriveDate     *epoch       `json:"redriveDate,omitempty"`
	RedriveStatus   string       `json:"redriveStatus,omitempty"`
	RedriveReason   string       `json:"redriveStatusReason,omitempty"`
	MapRunArn       string       `json:"mapRunArn,omitempty"`
}

func describeEx(ex *asl.Execution) executionOutput {
	out := executionOutput{ExecutionArn: ex.Arn, StateMachineArn: ex.StateMachineArn, Name: ex.Name, Status: ex.Status,
		StartDate: toEpoch(ex.StartDate), StopDate: toEpoch(ex.StopDate), Input: ex.Input, InputDetails: dataDetails{true},
		Error: ex.Error, Cause: ex.Cause, MapRunArn: ex.MapRunArn}
	if ex.Status == asl.StatusSucceeded {
		o := ex.Output
		out.Output, out.OutputDetails = &o, &dataDetails{true}
	}
	return out
}

func (h *handler) startSyncExecution(ctx context.Context, in *startExecutionInput) (any, error) {
	if err := required("stateMachineArn", in.StateMachineArn); err != nil {
		return nil, err
	}
	input := ""
	if in.Input != nil {
		input = *in.Input
	}
	res, err := h.e.StartSyncExecution(ctx, in.StateMachineArn, in.Name, input)
	if err != nil {
		return nil, err
	}
	out := describeEx(&res.Execution)
	return struct {
		executionOutput
		BillingDetails struct {
			BilledMemoryUsedInMB int64 `json:"billedMemoryUsedInMB"`
			BilledDurationInMs   int64 `json:"billedDurationInMilliseconds"`
		} `json:"billingDetails"`
	}{executionOutput: out}, nil
}

type stopExecutionInput struct {
	ExecutionArn string `json:"executionArn"`
	Error        string `json:"error"`
	Cause        string `json:"cause"`
}

func (h *handler) stopExecution(ctx context.Context, in *stopExecutionInput) (any, error) {
	if err := required("executionArn", in.ExecutionArn); err != nil {
		return nil, err
	}
	stop, err := h.e.StopExecution(ctx, in.ExecutionArn, in.Error, in.Cause)
	if err != nil {
		return nil, err
	}
	return struct {
		StopDate *epoch `json:"stopDate"`
	}{toEpoch(stop)}, nil
}

func (h *handler) describeExecution(ctx context.Context, in *arnInput) (any, error) {
	if err := required("executionArn", in.ExecutionArn); err != nil {
		return nil, err
	}
	ex, err := h.e.DescribeExecution(ctx, in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	out := describeEx(ex)
	n := ex.RedriveCount
	out.RedriveCount, out.RedriveDate = &n, toEpoch(ex.RedriveDate)
	out.RedriveStatus, out.RedriveReason = h.e.RedriveStatus(ex)
	return out, nil
}

type executionListItem struct {
	ExecutionArn    string `json:"executionArn"`
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name"`
	Status          string `json:"status"`
	StartDate       *epoch `json:"startDate"`
	StopDate        *epoch `json:"stopDate,omitempty"`
	MapRunArn       string `json:"mapRunArn,omitempty"`
}

var validStatus = map[string]bool{"": true, asl.StatusRunning: true, asl.StatusSucceeded: true, asl.StatusFailed: true,
	asl.StatusTimedOut: true, asl.StatusAborted: true, "PENDING_REDRIVE": true}

func (h *handler) listExecutions(ctx context.Context, in *listInput) (any, error) {
	switch {
	case in.StateMachineArn != "" && in.MapRunArn != "":
		return nil, awsjson.Errorf(awsjson.CodeValidation, "Only one of stateMachineArn or mapRunArn may be specified")
	case in.MapRunArn == "":
		if err := required("stateMachineArn", in.StateMachineArn); err != nil {
			return nil, err
		}
	}
	if !validStatus[in.StatusFilter] {
		return nil, awsjson.Errorf(awsjson.CodeValidation, "1 validation error detected: Value '%s' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]", in.StatusFilter)
	}
	var list []asl.Execution
	var next string
	var err error
	if in.MapRunArn != "" {
		list, next, err = h.e.ListMapRunExecutions(ctx, in.MapRunArn, in.StatusFilter, in.MaxResults, in.NextToken)
	} else {
		list, next, err = h.e.ListExecutions(ctx, in.StateMachineArn, in.StatusFilter, in.MaxResults, in.NextToken)
	}
	if err != nil {
		return nil, err
	}
	items := make([]executionListItem, len(list))
	for i, ex := range list {
		items[i] = executionListItem{ex.Arn, ex.StateMachineArn, ex.Name, ex.Status, toEpoch(ex.StartDate), toEpoch(ex.StopDate), ex.MapRunArn}
	}
	return struct {
		Executions []executionListItem `json:"executions"`
		NextToken  string              `json:"nextToken,omitempty"`
	}{items, next}, nil
}

// wireEvent is a history event with its timestamp in epoch seconds (the
// shallower field shadows the embedded one in encoding/json).
type wireEvent struct {
	*asl.HistoryEvent
	Timestamp *epoch `json:"timestamp"`
}

func (h *handler) getExecutionHistory(ctx context.Context, in *listInput) (any, error) {
	if err := required("executionArn", in.ExecutionArn); err != nil {
		return nil, err
	}
	events, next, err := h.e.GetExecutionHistory(ctx, in.ExecutionArn, in.ReverseOrder, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := make([]wireEvent, len(events))
	for i := range events {
		out[i] = wireEvent{HistoryEvent: &events[i], Timestamp: toEpoch(events[i].Timestamp)}
	}
	return struct {
		Events    []wireEvent `json:"events"`
		NextToken string      `json:"nextToken,omitempty"`
	}{out, next}, nil
}

type diagnostic struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	Location string `json:"location,omitempty"`
}

func (h *handler) validateStateMachineDefinition(ctx context.Context, body []byte) (any, error) {
	var in struct {
		Definition string `json:"definition"`
		Type       string `json:"type"`
	}
	if err := awsjson.Decode(body, &in); err != nil {
		return nil, err
	}
	if err := required("definition", in.Definition); err != nil {
		return nil, err
	}
	diags := []diagnostic{}
	if err := asl.ValidateDefinition(in.Definition); err != nil {
		var ae *asl.APIError
		if !errors.As(err, &ae) {
			return nil, err
		}
		diags = append(diags, parseDiagnostics(ae.Message)...)
	}
	result := "OK"
	if len(diags) > 0 {
		result = "FAIL"
	}
	return struct {
		Result      string       `json:"result"`
		Diagnostics []diagnostic `json:"diagnostics"`
		Truncated   bool         `json:"truncated"`
	}{result, diags, false}, nil
}

// parseDiagnostics splits "Invalid State Machine Definition: 'CODE: msg at
// /loc, CODE: msg at /loc'" into diagnostics.
func parseDiagnostics(msg string) []diagnostic {
	body := strings.TrimPrefix(msg, "Invalid State Machine Definition: ")
	body = strings.TrimSuffix(strings.TrimPrefix(body, "'"), "'")
	var out []diagnostic
	for _, part := range splitDiagnostics(body) {
		code, text, ok := strings.Cut(part, ": ")
		if !ok {
			code, text = "SCHEMA_VALIDATION_FAILED", part
		}
		d := diagnostic{Severity: "ERROR", Code: code, Message: text}
		if i := strings.LastIndex(text, " at /"); i >= 0 {
			d.Location = text[i+4:]
		}
		out = append(out, d)
	}
	return out
}

// splitDiagnostics splits on ", " only where an upper-case code follows.
func splitDiagnostics(s string) []string {
	var parts []string
	start := 0
	for i := 0; i+2 < len(s); i++ {
		if s[i] == ',' && s[i+1] == ' ' && isCodeStart(s[i+2:]) {
			parts = append(parts, s[start:i])
			start = i + 2
		}
	}
	return append(parts, s[start:])
}

func isCodeStart(s string) bool {
	code, _, ok := strings.Cut(s, ": ")
	if !ok || code == "" {
		return false
	}
	for _, r := range code {
		if !(r >= 'A' && r <= 'Z' || r == '_') {
			return false
		}
	}
	return true
}
