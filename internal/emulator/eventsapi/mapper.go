package eventsapi

import (
	"time"

	"github.com/sfapi/sfapi/internal/emulator/push"
)

// Wire shapes of the EventBridge API (member names as in the service
// model).

type putEventsInput struct {
	Entries []putEventsEntry `json:"Entries"`
}

type putEventsEntry struct {
	Source       string   `json:"Source"`
	DetailType   string   `json:"DetailType"`
	Detail       string   `json:"Detail"`
	Resources    []string `json:"Resources"`
	EventBusName string   `json:"EventBusName"`
	Time         *float64 `json:"Time"` // epoch seconds, as awsJson sends timestamps
	TraceHeader  string   `json:"TraceHeader"`
}

type putEventsResultEntry struct {
	EventId      string `json:"EventId,omitempty"`
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

type putEventsOutput struct {
	FailedEntryCount int                    `json:"FailedEntryCount"`
	Entries          []putEventsResultEntry `json:"Entries"`
}

type putRuleInput struct {
	Name               string `json:"Name"`
	EventBusName       string `json:"EventBusName"`
	EventPattern       string `json:"EventPattern"`
	ScheduleExpression string `json:"ScheduleExpression"`
	State              string `json:"State"`
	Description        string `json:"Description"`
	RoleArn            string `json:"RoleArn"`
}

type ruleRef struct {
	Name         string `json:"Name"`
	EventBusName string `json:"EventBusName"`
	Force        bool   `json:"Force"`
}

type ruleOut struct {
	Name         string `json:"Name"`
	Arn          string `json:"Arn"`
	EventBusName string `json:"EventBusName"`
	EventPattern string `json:"EventPattern,omitempty"`
	State        string `json:"State"`
	Description  string `json:"Description,omitempty"`
}

type listRulesInput struct {
	NamePrefix   string `json:"NamePrefix"`
	EventBusName string `json:"EventBusName"`
	Limit        int    `json:"Limit"`
	NextToken    string `json:"NextToken"`
}

type wireTarget struct {
	Id               string                `json:"Id"`
	Arn              string                `json:"Arn"`
	Input            string                `json:"Input,omitempty"`
	InputPath        string                `json:"InputPath,omitempty"`
	InputTransformer *wireInputTransformer `json:"InputTransformer,omitempty"`
}

type wireInputTransformer struct {
	InputPathsMap map[string]string `json:"InputPathsMap,omitempty"`
	InputTemplate string            `json:"InputTemplate"`
}

type putTargetsInput struct {
	Rule         string       `json:"Rule"`
	EventBusName string       `json:"EventBusName"`
	Targets      []wireTarget `json:"Targets"`
}

type targetFailure struct {
	TargetId     string `json:"TargetId"`
	ErrorCode    string `json:"ErrorCode"`
	ErrorMessage string `json:"ErrorMessage"`
}

type targetsOutput struct {
	FailedEntryCount int             `json:"FailedEntryCount"`
	FailedEntries    []targetFailure `json:"FailedEntries"`
}

type listTargetsInput struct {
	Rule         string `json:"Rule"`
	EventBusName string `json:"EventBusName"`
	Limit        int    `json:"Limit"`
	NextToken    string `json:"NextToken"`
}

type removeTargetsInput struct {
	Rule         string   `json:"Rule"`
	EventBusName string   `json:"EventBusName"`
	Ids          []string `json:"Ids"`
	Force        bool     `json:"Force"`
}

type busRef struct {
	Name string `json:"Name"`
}

type busOut struct {
	Name             string   `json:"Name"`
	Arn              string   `json:"Arn"`
	CreationTime     *float64 `json:"CreationTime,omitempty"`
	LastModifiedTime *float64 `json:"LastModifiedTime,omitempty"`
}

type listBusesInput struct {
	NamePrefix string `json:"NamePrefix"`
	Limit      int    `json:"Limit"`
	NextToken  string `json:"NextToken"`
}

type testEventPatternInput struct {
	Event        string `json:"Event"`
	EventPattern string `json:"EventPattern"`
}

func toEntry(e putEventsEntry) push.Entry {
	out := push.Entry{Source: e.Source, DetailType: e.DetailType, Detail: e.Detail, Resources: e.Resources,
		EventBusName: e.EventBusName, TraceHeader: e.TraceHeader}
	if e.Time != nil {
		sec := int64(*e.Time)
		out.Time = time.Unix(sec, int64((*e.Time-float64(sec))*1e9)).UTC()
	}
	return out
}

func toRuleOut(r push.RuleInfo) ruleOut {
	return ruleOut{Name: r.Name, Arn: r.ARN, EventBusName: r.EventBusName, EventPattern: r.EventPattern, State: r.State, Description: r.Description}
}

func toTargetSpec(t wireTarget) push.TargetSpec {
	s := push.TargetSpec{ID: t.Id, ARN: t.Arn, Input: t.Input, InputPath: t.InputPath}
	if t.InputTransformer != nil {
		s.InputTransformer = &push.InputTransformer{InputPathsMap: t.InputTransformer.InputPathsMap, InputTemplate: t.InputTransformer.InputTemplate}
	}
	return s
}

func toWireTarget(s push.TargetSpec) wireTarget {
	t := wireTarget{Id: s.ID, Arn: s.ARN, Input: s.Input, InputPath: s.InputPath}
	if s.InputTransformer != nil {
		t.InputTransformer = &wireInputTransformer{InputPathsMap: s.InputTransformer.InputPathsMap, InputTemplate: s.InputTransformer.InputTemplate}
	}
	return t
}

func toBusOut(b push.BusInfo) busOut {
	out := busOut{Name: b.Name, Arn: b.ARN}
	if !b.CreationTime.IsZero() {
		t := float64(b.CreationTime.UnixMilli()) / 1000
		out.CreationTime, out.LastModifiedTime = &t, &t
	}
	return out
}

func toFailures(fs []push.TargetFailure) targetsOutput {
	out := targetsOutput{FailedEntryCount: len(fs), FailedEntries: []targetFailure{}}
	for _, f := range fs {
		out.FailedEntries = append(out.FailedEntries, targetFailure{TargetId: f.TargetID, ErrorCode: f.ErrorCode, ErrorMessage: f.ErrorMessage})
	}
	return out
}
