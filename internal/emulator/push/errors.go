package push

import (
	"errors"
	"fmt"
)

// AWS error codes used by the core. The wire layer turns an *Error into
// {"__type": Code, "message": Message}.
const (
	CodeResourceNotFound      = "ResourceNotFoundException"
	CodeResourceAlreadyExists = "ResourceAlreadyExistsException"
	CodeValidation            = "ValidationException"
	CodeInvalidEventPattern   = "InvalidEventPatternException"
	CodeLimitExceeded         = "LimitExceededException"
)

// Error is a core error named after the EventBridge error code it stands
// for.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the AWS error code carried by err, or "" when err is
// not (and does not wrap) an *Error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
