package asl

import "time"

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
