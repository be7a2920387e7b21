package asl

import (
	"errors"
	"fmt"
)

// APIError is an engine error named after a Step Functions error code
// (Code is the wire "__type", e.g. "ExecutionDoesNotExist").
type APIError struct {
	Code    string
	Message string
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// Is makes errors.Is(err, ErrExecutionDoesNotExist) match any error with
// the same code.
func (e *APIError) Is(target error) bool {
	t, ok := target.(*APIError)
	return ok && t.Code == e.Code
}

// Sentinels for errors.Is; returned errors carry their own message.
var (
	ErrStateMachineDoesNotExist     = &APIError{Code: "StateMachineDoesNotExist"}
	ErrStateMachineAlreadyExists    = &APIError{Code: "StateMachineAlreadyExists"}
	ErrStateMachineDeleting         = &APIError{Code: "StateMachineDeleting"}
	ErrExecutionDoesNotExist        = &APIError{Code: "ExecutionDoesNotExist"}
	ErrExecutionAlreadyExists       = &APIError{Code: "ExecutionAlreadyExists"}
	ErrInvalidDefinition            = &APIError{Code: "InvalidDefinition"}
	ErrInvalidName                  = &APIError{Code: "InvalidName"}
	ErrInvalidArn                   = &APIError{Code: "InvalidArn"}
	ErrInvalidExecutionInput        = &APIError{Code: "InvalidExecutionInput"}
	ErrStateMachineTypeNotSupported = &APIError{Code: "StateMachineTypeNotSupported"}
	ErrValidation                   = &APIError{Code: "ValidationException"}
	ErrInvalidToken                 = &APIError{Code: "InvalidToken"}
)

func apiErr(sentinel *APIError, format string, args ...any) error {
	return &APIError{Code: sentinel.Code, Message: fmt.Sprintf(format, args...)}
}

// TaskError is a task failure with an ASL error name and cause (e.g.
// "DynamoDB.ConditionalCheckFailedException"). Any other error returned by
// a TaskInvoker becomes States.TaskFailed.
type TaskError struct{ Error, Cause string }

// Failure is how a state fails: an ASL error name and a cause.
type Failure struct {
	Error string
	Cause string
	// location names the JSONata field whose evaluation failed (JSONata
	// states only); the state that fails with it records an
	// EvaluationFailed history event.
	location string
}

func (f *Failure) String() string { return f.Error + ": " + f.Cause }

// ASL predefined error names.
const (
	StatesALL                    = "States.ALL"
	StatesTaskFailed             = "States.TaskFailed"
	StatesRuntime                = "States.Runtime"
	StatesTimeout                = "States.Timeout"
	StatesHeartbeatTimeout       = "States.HeartbeatTimeout"
	StatesNoChoiceMatched        = "States.NoChoiceMatched"
	StatesResultPathMatchFailure = "States.ResultPathMatchFailure"
	StatesParameterPathFailure   = "States.ParameterPathFailure"
	StatesBranchFailed           = "States.BranchFailed"
	StatesIntrinsicFailure       = "States.IntrinsicFailure"
	StatesExceedToleratedFailure = "States.ExceedToleratedFailureThreshold"
	StatesDataLimitExceeded      = "States.DataLimitExceeded"
)

// taskErr lets a *TaskError travel as an error value: the struct's Error
// field (named as the brief and AWS name it) rules out an Error method.
type taskErr struct{ *TaskError }

func (t taskErr) Error() string { return t.TaskError.Error + ": " + t.Cause }

// AsError wraps a TaskError as an error value for TaskInvoker results.
func (t *TaskError) AsError() error { return taskErr{t} }

// NewTaskError returns an error that fails a task with the given ASL error
// name and cause; TaskInvoker implementations return it.
func NewTaskError(name, cause string) error { return taskErr{&TaskError{Error: name, Cause: cause}} }

// failureFromTaskError classifies an invoker error.
func failureFromTaskError(err error) *Failure {
	var te taskErr
	if errors.As(err, &te) {
		return &Failure{Error: te.TaskError.Error, Cause: te.Cause}
	}
	return &Failure{Error: StatesTaskFailed, Cause: err.Error()}
}
