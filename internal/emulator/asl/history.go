package asl

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// HistoryEvent is one execution history event, shaped like Step Functions'
// HistoryEvent (JSON names follow the AWS API). At most one of the detail
// fields is set, according to Type.
type HistoryEvent struct {
	ID              int64     `json:"id"`
	PreviousEventID int64     `json:"previousEventId"`
	Timestamp       time.Time `json:"timestamp"`
	Type            string    `json:"type"`

	ExecutionStarted      *ExecutionStartedDetails `json:"executionStartedEventDetails,omitempty"`
	ExecutionSucceeded    *OutputDetails           `json:"executionSucceededEventDetails,omitempty"`
	ExecutionFailed       *ErrorDetails            `json:"executionFailedEventDetails,omitempty"`
	ExecutionAborted      *ErrorDetails            `json:"executionAbortedEventDetails,omitempty"`
	ExecutionTimedOut     *ErrorDetails            `json:"executionTimedOutEventDetails,omitempty"`
	StateEntered          *StateEnteredDetails     `json:"stateEnteredEventDetails,omitempty"`
	StateExited           *StateExitedDetails      `json:"stateExitedEventDetails,omitempty"`
	TaskScheduled         *TaskScheduledDetails    `json:"taskScheduledEventDetails,omitempty"`
	TaskStarted           *TaskResourceDetails     `json:"taskStartedEventDetails,omitempty"`
	TaskSucceeded         *TaskSucceededDetails    `json:"taskSucceededEventDetails,omitempty"`
	TaskFailed            *TaskFailedDetails       `json:"taskFailedEventDetails,omitempty"`
	TaskTimedOut          *TaskFailedDetails       `json:"taskTimedOutEventDetails,omitempty"`
	TaskSubmitted         *TaskSucceededDetails    `json:"taskSubmittedEventDetails,omitempty"`
	ExecutionRedriven     *RedrivenDetails         `json:"executionRedrivenEventDetails,omitempty"`
	MapStateStarted       *MapStateStartedDetails  `json:"mapStateStartedEventDetails,omitempty"`
	MapIterationStarted   *MapIterationDetails     `json:"mapIterationStartedEventDetails,omitempty"`
	MapIterationSucceeded *MapIterationDetails     `json:"mapIterationSucceededEventDetails,omitempty"`
	MapIterationFailed    *MapIterationDetails     `json:"mapIterationFailedEventDetails,omitempty"`
	MapIterationAborted   *MapIterationDetails     `json:"mapIterationAbortedEventDetails,omitempty"`
	EvaluationFailed      *EvaluationFailedDetails `json:"evaluationFailedEventDetails,omitempty"`
	MapRunStarted         *MapRunStartedDetails    `json:"mapRunStartedEventDetails,omitempty"`
	MapRunFailed          *ErrorDetails            `json:"mapRunFailedEventDetails,omitempty"`
}

// EvaluationFailedDetails describes EvaluationFailed: a JSONata expression
// of a JSONata state failed (AWS writes it before the state's failure).
type EvaluationFailedDetails struct {
	Error    string `json:"error,omitempty"`
	Cause    string `json:"cause,omitempty"`
	Location string `json:"location,omitempty"`
	State    string `json:"state"`
}

// MapRunStartedDetails describes MapRunStarted (a distributed Map state).
type MapRunStartedDetails struct {
	MapRunArn string `json:"mapRunArn"`
}

// ExecutionStartedDetails describes ExecutionStarted.
type ExecutionStartedDetails struct {
	Input   string `json:"input"`
	RoleArn string `json:"roleArn,omitempty"`
}

// RedrivenDetails describes ExecutionRedriven.
type RedrivenDetails struct {
	RedriveCount int `json:"redriveCount"`
}

// OutputDetails carries an output document.
type OutputDetails struct {
	Output string `json:"output"`
}

// ErrorDetails carries an error name and cause.
type ErrorDetails struct {
	Error string `json:"error,omitempty"`
	Cause string `json:"cause,omitempty"`
}

// StateEnteredDetails describes *StateEntered.
type StateEnteredDetails struct {
	Name  string `json:"name"`
	Input string `json:"input"`
}

// StateExitedDetails describes *StateExited.
type StateExitedDetails struct {
	Name   string `json:"name"`
	Output string `json:"output"`
}

// TaskScheduledDetails describes TaskScheduled.
type TaskScheduledDetails struct {
	ResourceType       string `json:"resourceType"`
	Resource           string `json:"resource"`
	Region             string `json:"region"`
	Parameters         string `json:"parameters"`
	TimeoutInSeconds   int64  `json:"timeoutInSeconds,omitempty"`
	HeartbeatInSeconds int64  `json:"heartbeatInSeconds,omitempty"`
}

// TaskResourceDetails names a task's resource.
type TaskResourceDetails struct {
	ResourceType string `json:"resourceType"`
	Resource     string `json:"resource"`
}

// TaskSucceededDetails describes TaskSucceeded.
type TaskSucceededDetails struct {
	ResourceType string `json:"resourceType"`
	Resource     string `json:"resource"`
	Output       string `json:"output"`
}

// TaskFailedDetails describes TaskFailed and TaskTimedOut.
type TaskFailedDetails struct {
	ResourceType string `json:"resourceType"`
	Resource     string `json:"resource"`
	Error        string `json:"error,omitempty"`
	Cause        string `json:"cause,omitempty"`
}

// MapStateStartedDetails describes MapStateStarted.
type MapStateStartedDetails struct {
	Length int `json:"length"`
}

// MapIterationDetails describes MapIteration* events.
type MapIterationDetails struct {
	Name  string `json:"name"`
	Index int    `json:"index"`
}

// appendEvent appends ev encoded as JSON, exactly as encoding/json decodes
// it back into a HistoryEvent. The events every execution writes (started,
// state entered/exited, task scheduled/started/succeeded, succeeded) are
// written without reflection: history is the engine's most written record.
// Any other detail falls back to encoding/json.
func appendEvent(buf []byte, ev *HistoryEvent) ([]byte, error) {
	start := len(buf)
	buf = append(buf, `{"id":`...)
	buf = strconv.AppendInt(buf, ev.ID, 10)
	buf = append(buf, `,"previousEventId":`...)
	buf = strconv.AppendInt(buf, ev.PreviousEventID, 10)
	if y := ev.Timestamp.Year(); y < 0 || y > 9999 {
		return slowEvent(buf[:start], ev)
	}
	buf = append(buf, `,"timestamp":"`...)
	buf = ev.Timestamp.AppendFormat(buf, time.RFC3339Nano)
	buf = append(buf, `","type":`...)
	buf = appendJSONString(buf, ev.Type)
	switch {
	case ev.StateEntered != nil && onlyDetail(ev, 1):
		buf = append(buf, `,"stateEnteredEventDetails":{"name":`...)
		buf = appendJSONString(buf, ev.StateEntered.Name)
		buf = append(buf, `,"input":`...)
		buf = appendJSONString(buf, ev.StateEntered.Input)
		buf = append(buf, '}')
	case ev.StateExited != nil && onlyDetail(ev, 1):
		buf = append(buf, `,"stateExitedEventDetails":{"name":`...)
		buf = appendJSONString(buf, ev.StateExited.Name)
		buf = append(buf, `,"output":`...)
		buf = appendJSONString(buf, ev.StateExited.Output)
		buf = append(buf, '}')
	case ev.ExecutionStarted != nil && onlyDetail(ev, 1):
		buf = append(buf, `,"executionStartedEventDetails":{"input":`...)
		buf = appendJSONString(buf, ev.ExecutionStarted.Input)
		if ev.ExecutionStarted.RoleArn != "" {
			buf = append(buf, `,"roleArn":`...)
			buf = appendJSONString(buf, ev.ExecutionStarted.RoleArn)
		}
		buf = append(buf, '}')
	case ev.ExecutionSucceeded != nil && onlyDetail(ev, 1):
		buf = append(buf, `,"executionSucceededEventDetails":{"output":`...)
		buf = appendJSONString(buf, ev.ExecutionSucceeded.Output)
		buf = append(buf, '}')
	case ev.TaskStarted != nil && onlyDetail(ev, 1):
		buf = append(buf, `,"taskStartedEventDetails":{"resourceType":`...)
		buf = appendJSONString(buf, ev.TaskStarted.ResourceType)
		buf = append(buf, `,"resource":`...)
		buf = appendJSONString(buf, ev.TaskStarted.Resource)
		buf = append(buf, '}')
	case ev.TaskSucceeded != nil && onlyDetail(ev, 1):
		buf = append(buf, `,"taskSucceededEventDetails":{"resourceType":`...)
		buf = appendJSONString(buf, ev.TaskSucceeded.ResourceType)
		buf = append(buf, `,"resource":`...)
		buf = appendJSONString(buf, ev.TaskSucceeded.Resource)
		buf = append(buf, `,"output":`...)
		buf = appendJSONString(buf, ev.TaskSucceeded.Output)
		buf = append(buf, '}')
	case ev.TaskScheduled != nil && onlyDetail(ev, 1):
		d := ev.TaskScheduled
		buf = append(buf, `,"taskScheduledEventDetails":{"resourceType":`...)
		buf = appendJSONString(buf, d.ResourceType)
		buf = append(buf, `,"resource":`...)
		buf = appendJSONString(buf, d.Resource)
		buf = append(buf, `,"region":`...)
		buf = appendJSONString(buf, d.Region)
		buf = append(buf, `,"parameters":`...)
		buf = appendJSONString(buf, d.Parameters)
		if d.TimeoutInSeconds != 0 {
			buf = append(buf, `,"timeoutInSeconds":`...)
			buf = strconv.AppendInt(buf, d.TimeoutInSeconds, 10)
		}
		if d.HeartbeatInSeconds != 0 {
			buf = append(buf, `,"heartbeatInSeconds":`...)
			buf = strconv.AppendInt(buf, d.HeartbeatInSeconds, 10)
		}
		buf = append(buf, '}')
	case onlyDetail(ev, 0):
	default:
		return slowEvent(buf[:start], ev)
	}
	return append(buf, '}'), nil
}

func slowEvent(buf []byte, ev *HistoryEvent) ([]byte, error) {
	data, err := json.Marshal(ev)
	if err != nil {
		return buf, fmt.Errorf("encode history event %d: %w", ev.ID, err)
	}
	return append(buf, data...), nil
}

// onlyDetail reports whether ev has exactly n detail fields set.
func onlyDetail(ev *HistoryEvent, n int) bool {
	set := 0
	for _, p := range []bool{
		ev.ExecutionStarted != nil, ev.ExecutionSucceeded != nil, ev.ExecutionFailed != nil, ev.ExecutionAborted != nil,
		ev.ExecutionTimedOut != nil, ev.StateEntered != nil, ev.StateExited != nil, ev.TaskScheduled != nil,
		ev.TaskStarted != nil, ev.TaskSucceeded != nil, ev.TaskFailed != nil, ev.TaskTimedOut != nil,
		ev.TaskSubmitted != nil, ev.ExecutionRedriven != nil, ev.MapStateStarted != nil, ev.MapIterationStarted != nil,
		ev.MapIterationSucceeded != nil, ev.MapIterationFailed != nil, ev.MapIterationAborted != nil,
		ev.EvaluationFailed != nil, ev.MapRunStarted != nil, ev.MapRunFailed != nil,
	} {
		if p {
			set++
		}
	}
	return set == n
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 goes through
// encoding/json, which replaces it as it always has.
func appendJSONString(buf []byte, s string) []byte {
	if !utf8.ValidString(s) {
		data, _ := json.Marshal(s) // a string always encodes
		return append(buf, data...)
	}
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		buf = append(buf, s[last:i]...)
		switch c {
		case '"', '\\':
			buf = append(buf, '\\', c)
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\r':
			buf = append(buf, '\\', 'r')
		case '\t':
			buf = append(buf, '\\', 't')
		default:
			buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		last = i + 1
	}
	buf = append(buf, s[last:]...)
	return append(buf, '"')
}
