package ddb

import (
	"errors"
	"fmt"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// Code names a DynamoDB error kind by its AWS error code.
type Code string

// Error kinds the engine reports.
const (
	ConditionalCheckFailed Code = "ConditionalCheckFailedException"
	ResourceNotFound       Code = "ResourceNotFoundException"
	ResourceInUse          Code = "ResourceInUseException"
	Validation             Code = "ValidationException"
	TransactionCanceled    Code = "TransactionCanceledException"
)

// Error is an engine error in DynamoDB's vocabulary.
type Error struct {
	Code    Code
	Message string
	// Item is the existing item of a failed conditional write when the
	// caller asked for it (ReturnValuesOnConditionCheckFailure=ALL_OLD).
	Item attr.Item
	// Reasons holds one entry per transaction item for TransactionCanceled.
	Reasons []CancellationReason
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// CancellationReason explains the outcome of one item of a cancelled
// transaction; Code is "None" for items that did not cause the failure.
type CancellationReason struct {
	Code    string
	Message string
	Item    attr.Item
}

// ErrorCode returns the Code of err if it is (or wraps) an *Error.
func ErrorCode(err error) (Code, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.Code, true
	}
	return "", false
}

func validationf(format string, args ...any) *Error {
	return &Error{Code: Validation, Message: fmt.Sprintf(format, args...)}
}

func errTableNotFound() *Error {
	return &Error{Code: ResourceNotFound, Message: "Requested resource not found"}
}

func errTableNotFoundNamed(name string) *Error {
	return &Error{Code: ResourceNotFound, Message: fmt.Sprintf("Requested resource not found: Table: %s not found", name)}
}

func errConditionFailed(old attr.Item, wantOld bool) *Error {
	e := &Error{Code: ConditionalCheckFailed, Message: "The conditional request failed"}
	if wantOld && old != nil {
		e.Item = old
	}
	return e
}
