package eventsapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/push"
)

// Wire constants of the EventBridge service.
const (
	TargetPrefix = "AWSEvents"
	ContentType  = "application/x-amz-json-1.1"
	// maxPageSize is ListRules/ListTargetsByRule/ListEventBuses' Limit cap.
	maxPageSize = 100
)

// Register adds the EventBridge service backed by r to mux.
func Register(mux *awsjson.Mux, r *push.Router) {
	a := &api{r: r}
	mux.Register(&awsjson.Service{
		TargetPrefix: TargetPrefix,
		ContentType:  ContentType,
		Operations: map[string]awsjson.Operation{
			"PutEvents":         a.putEvents,
			"PutRule":           a.putRule,
			"DescribeRule":      a.describeRule,
			"ListRules":         a.listRules,
			"DeleteRule":        a.deleteRule,
			"PutTargets":        a.putTargets,
			"ListTargetsByRule": a.listTargets,
			"RemoveTargets":     a.removeTargets,
			"CreateEventBus":    a.createBus,
			"DescribeEventBus":  a.describeBus,
			"ListEventBuses":    a.listBuses,
			"DeleteEventBus":    a.deleteBus,
			"TestEventPattern":  a.testEventPattern,
			"CreateArchive":     a.createArchive,
			"DescribeArchive":   a.describeArchive,
			"ListArchives":      a.listArchives,
			"DeleteArchive":     a.deleteArchive,
			"UpdateArchive":     a.updateArchive,
			"StartReplay":       a.startReplay,
			"DescribeReplay":    a.describeReplay,
			"ListReplays":       a.listReplays,
			"CancelReplay":      a.cancelReplay,
		},
	})
}

type api struct{ r *push.Router }

// wireErr maps core errors to AWS envelopes; anything else stays an
// internal failure.
func wireErr(err error) error {
	var pe *push.Error
	if errors.As(err, &pe) {
		return &awsjson.Error{Status: http.StatusBadRequest, Code: pe.Code, Message: pe.Message}
	}
	return err
}

func (a *api) putEvents(ctx context.Context, body []byte) (any, error) {
	var in putEventsInput
	if err := awsjson.Decode(body, &in); err != nil {
		return nil, err
	}
	entries := make([]push.Entry, len(in.Entries))
	for i, e := range in.Entries {
		entries[i] = toEntry(e)
	}
	out, err := a.r.PutEvents(ctx, entries)
	if err != nil {
		return nil, wireErr(err)
	}
	return toPutEventsOutput(out), nil
}

func toPutEventsOutput(out push.PutEventsOutput) putEventsOutput {
	res := putEventsOutput{FailedEntryCount: out.FailedEntryCount, Entries: make([]putEventsResultEntry, len(out.Entries))}
	for i, e := range out.Entries {
		res.Entries[i] = putEventsResultEntry{EventId: e.EventID, ErrorCode: e.ErrorCode, ErrorMessage: e.ErrorMessage}
	}
	return res
}

// PutEvents is the PutEvents operation for an in-process caller that holds
// the entries already (the optimized events:putEvents task of Step
// Functions): the same routing and the same response document as the wire
// operation, without encoding the request to JSON and decoding it again.
// A *push.Error is push's request validation, which fails the request as
// a whole before any entry was put: a caller may then take the wire path
// to get AWS's error envelope for it.
func PutEvents(ctx context.Context, r *push.Router, entries []push.Entry) ([]byte, push.PutEventsOutput, error) {
	out, err := r.PutEvents(ctx, entries)
	if err != nil {
		return nil, out, err
	}
	body, err := json.Marshal(toPutEventsOutput(out))
	return body, out, err
}

func (a *api) putRule(_ context.Context, body []byte) (any, error) {
	var in putRuleInput
	if err := awsjson.Decode(body, &in); err != nil {
		return nil, err
	}
	if in.ScheduleExpression != "" {
		return nil, awsjson.Errorf(awsjson.CodeValidation, "ScheduleExpression is not supported by sfapi; use EventPattern.")
	}
	arn, err := a.r.PutRule(push.RuleSpec{Name: in.Name, EventBusName: in.EventBusName, EventPattern: in.EventPattern, State: in.State, Description: in.Description})
	if err != nil {
		return nil, wireErr(err)
	}
	return map[string]string{"RuleArn": arn}, nil
}

func (a *api) describeRule(_ context.Context, body []byte) (any, error) {
	var in ruleRef
	if err := awsjson.Decode(body, &in); err != nil {
		return nil, err
	}
	info, err := a.r.DescribeRule(in.EventBusName, in.Name)
	if err != nil {
		return nil, wireErr(err)
	}
	return toRuleOut(info), nil
}

// page slices a sorted list with an offset token, as opaque to clients as
// AWS's tokens are.
func page[T any](all []T, limit int, token string) ([]T, string, error) {
	start := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 || n > len(all) {
			return nil, "", awsjson.Errorf(awsjson.CodeValidation, "The NextToken provided is not valid.")
		}
		start = n
	}
	if limit <= 0 || limit > maxPageSize {
		limit = maxPageSize
	}
	end := min(start+limit, len(all))
	next := ""
	if end < len(all) {
		next = strconv.Itoa(end)
	}
	return all[start:end], next, nil
}

func (a *api) listRules(_ context.Context, body []byte) (any, error) {
	var in listRulesInput
	if err := awsjson.Decode(body, &in); err != nil {
		return nil, err
	}
	rules, err := a.r.ListRules(in.EventBusName, in.NamePrefix)
	if err != nil {
		return nil, wireErr(err)
	}
	pg, next, err := page(rules, in.Limit, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := struct {
		Rules     []ruleOut `json:"Rules"`
		NextToken string    `json:"NextToken,omitempty"`
	}{Rules: []ruleOut{}, NextToken: next}
	for _, r := range pg {
		out.Rules = append(out.Rules, toRuleOut(r))
	}
	return out, nil
}

func (a *api) deleteRule(_ context.Context, body []byte) (any, error) {
	var in ruleRef
	if err := awsjson.Decode(body, &in); err != nil {
		return nil, err
	}
	if err := a.r.DeleteRule(in.EventBusName, in.Name, in.Force); err != nil {
		return nil, wireErr(err)
	}
	return struct{}{}, nil
}

func (a *api) putTargets(_ context.Context, body []byte) (any, error) {
	var in putTargetsInput
	if err := awsjson.Decode(body, &in); err != nil {
		return nil, err
	}
	specs := make([]push.TargetSpec, len(in.Targets))
	for i, t := range in.Targets {
		specs[i] = toTargetSpec(t)
	}
	failed, err := a.r.PutTargets(in.EventBusName, in.Rule, specs)
	if err != nil {
		return nil, wireErr(err)
	}
	return toFailures(failed), nil
}

func (a *api) listTargets(_ context.Context, body []byte) (any, error) {
	var in listTargetsInput
	if err := awsjson.Decode(body, &in); err != nil {
		return nil, err
	}
	specs, err := a.r.ListTargets(in.EventBusName, in.Rule)
	if err != nil {
		return nil, wireErr(err)
	}
	pg, next, err := page(specs, in.Limit, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := struct {
		Targets   []wireTarget `json:"Targets"`
		NextToken string       `json:"NextToken,omitempty"`
	}{Targets: []wireTarget{}, NextToken: next}
	for _, s := range pg {
		out.Targets = append(out.Targets, toWireTarget(s))
	}
	return out, nil
}

func (a *api) removeTargets(_ context.Context, body []byte) (any, error) {
	var in removeTargetsInput
	if err := awsjson.Decode(body, &in); err != nil {
		return nil, err
	}
	failed, err := a.r.RemoveTargets(in.EventBusName, in.Rule, in.Ids, in.Force)
	if err != nil {
		return nil, wireErr(err)
	}
	return toFailures(failed), nil
}

func (a *api) createBus(_ context.Context, body []byte) (any, error) {
	var in busRef
	if err := awsjson.Decode(body, &in); err != nil {
		return nil, err
	}
	info, err := a.r.CreateBus(in.Name)
	if err != nil {
		return nil, wireErr(err)
	}
	return map[string]string{"EventBusArn": info.ARN}, nil
}

func (a *api) describeBus(_ context.Context, body []byte) (any, error) {
	var in busRef
	if err := awsjson.Decode(body, &in); err != nil {
		return nil, err
	}
	info, err := a.r.DescribeBus(in.Name)
	if err != nil {
		return nil, wireErr(err)
	}
	return toBusOut(info), nil
}

func (a *api) listBuses(_ context.Context, body []byte) (any, error) {
	var in listBusesInput
	if err := awsjson.Decode(body, &in); err != nil {
		return nil, err
	}
	pg, next, err := page(a.r.ListBuses(in.NamePrefix), in.Limit, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := struct {
		EventBuses []busOut `json:"EventBuses"`
		NextToken  string   `json:"NextToken,omitempty"`
	}{EventBuses: []busOut{}, NextToken: next}
	for _, b := range pg {
		out.EventBuses = append(out.EventBuses, toBusOut(b))
	}
	return out, nil
}

func (a *api) deleteBus(_ context.Context, body []byte) (any, error) {
	var in busRef
	if err := awsjson.Decode(body, &in); err != nil {
		return nil, err
	}
	if err := a.r.DeleteBus(in.Name); err != nil {
		return nil, wireErr(err)
	}
	return struct{}{}, nil
}

func (a *api) testEventPattern(_ context.Context, body []byte) (any, error) {
	var in testEventPatternInput
	if err := awsjson.Decode(body, &in); err != nil {
		return nil, err
	}
	p, err := push.CompilePattern([]byte(in.EventPattern))
	if err != nil {
		return nil, awsjson.Errorf(push.CodeInvalidEventPattern, "%s", err.Error())
	}
	var ev map[string]any
	if json.Unmarshal([]byte(in.Event), &ev) != nil || ev == nil {
		return nil, awsjson.Errorf(awsjson.CodeValidation, "Parameter Event is not valid.")
	}
	return map[string]bool{"Result": p.MatchValue(ev)}, nil
}
