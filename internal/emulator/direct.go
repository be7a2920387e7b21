package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"unicode/utf8"

	"github.com/sfapi/sfapi/internal/emulator/asl"
	"github.com/sfapi/sfapi/internal/emulator/asl/jsonpath"
	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/ddbapi"
	"github.com/sfapi/sfapi/internal/emulator/eventsapi"
	"github.com/sfapi/sfapi/internal/emulator/push"
)

// dynamoDBDirect runs a dynamodb:* / aws-sdk:dynamodb:* task's operation
// (PutItem, GetItem, UpdateItem, DeleteItem, Query) through ddbapi.Direct:
// the engine's decoded parameters go into the operation's input without
// the JSON round trip of the mux. handled is false for anything the
// direct path does not take (ddbapi.Direct says which): the caller then
// takes the wire path. Output and errors are the wire path's: the same
// response bytes, and errors named from the same envelope.
func (t *tasks) dynamoDBDirect(ctx context.Context, op, errPrefix string, params any) (json.RawMessage, bool, error) {
	if t.ddb == nil {
		return nil, false, nil
	}
	body, handled, err := t.ddb.Invoke(ctx, op, params)
	if !handled {
		return nil, false, nil
	}
	if err != nil {
		var ae *awsjson.Error
		if !errors.As(err, &ae) {
			// What awsjson.Mux answers for an error of no AWS kind.
			ae = &awsjson.Error{Code: awsjson.CodeInternalFailure, Message: "The request processing has failed because of an unknown error, exception or failure."}
		}
		env, _ := json.Marshal(map[string]string{"__type": ddbapi.ErrorTypePrefix + ae.Code, "message": ae.Message})
		return nil, true, taskError(errPrefix, env)
	}
	return body, true, nil
}

// putEventsDirect runs the optimized events:putEvents task on the router
// without the JSON round trip of the wire path (parameters encoded,
// decoded into a map, Details re-encoded, the request encoded and decoded
// again, the response decoded for failed entries). handled is false when
// the parameters hold anything the wire path might treat differently (an
// unknown or differently cased member, a Time, a non-string field, a
// number or string the JSON round trip would change) or when the request
// fails as a whole: the caller then takes the wire path, which answers
// exactly as before. The response bytes are the wire operation's.
func (t *tasks) putEventsDirect(ctx context.Context, params any) (out json.RawMessage, handled bool, err error) {
	if t.router == nil {
		return nil, false, nil
	}
	entries, ok := putEventsEntries(params)
	if !ok {
		return nil, false, nil
	}
	body, res, perr := eventsapi.PutEvents(ctx, t.router, entries)
	if perr != nil {
		var pe *push.Error
		if errors.As(perr, &pe) {
			// Request-level validation: nothing was put, and the wire
			// path fails the same way, with AWS's envelope.
			return nil, false, nil
		}
		return nil, true, perr
	}
	if err := failedEntry(res.FailedEntryCount, len(res.Entries), func(i int) (string, string) {
		return res.Entries[i].ErrorCode, res.Entries[i].ErrorMessage
	}); err != nil {
		return nil, true, err
	}
	return body, true, nil
}

// putEventsEntries reads PutEvents entries from task parameters as the
// engine holds them; ok is false for anything but the plain shape.
func putEventsEntries(params any) ([]push.Entry, bool) {
	m, ok := params.(map[string]any)
	if !ok || len(m) != 1 {
		return nil, false
	}
	list, ok := m["Entries"].([]any)
	if !ok {
		return nil, false
	}
	entries := make([]push.Entry, len(list))
	for i, x := range list {
		em, ok := x.(map[string]any)
		if !ok {
			return nil, false
		}
		e := &entries[i]
		for k, v := range em {
			switch k {
			case "Source":
				e.Source, ok = v.(string)
			case "DetailType":
				e.DetailType, ok = v.(string)
			case "EventBusName":
				e.EventBusName, ok = v.(string)
			case "TraceHeader":
				e.TraceHeader, ok = v.(string)
			case "Resources":
				e.Resources, ok = stringList(v)
			case "Detail":
				e.Detail, ok = detailString(v)
			default:
				// Time, a member spelled in another case (encoding/json
				// matches names case-insensitively), an unknown member.
				ok = false
			}
			if !ok {
				return nil, false
			}
		}
	}
	return entries, true
}

func stringList(v any) ([]string, bool) {
	l, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, len(l))
	for i, x := range l {
		if out[i], ok = x.(string); !ok {
			return nil, false
		}
	}
	return out, true
}

// detailString is what detailsToStrings makes of a Detail: a string stays
// as it is, anything else becomes json.Marshal of its encoding/json
// decoding. That is the engine's own encoding of the value when every
// integer survives a float64 and every string is valid UTF-8; ok is false
// otherwise.
func detailString(v any) (string, bool) {
	if s, ok := v.(string); ok {
		return s, true
	}
	if !roundTrips(v, 0) {
		return "", false
	}
	b, err := jsonpath.Marshal(v)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// maxExactInt is 2^53: integers up to it are exact in a float64.
const maxExactInt = 1 << 53

func roundTrips(v any, depth int) bool {
	if depth > 100 {
		return false
	}
	switch x := v.(type) {
	case nil, bool, float64:
		return true
	case string:
		return utf8.ValidString(x)
	case int64:
		return x >= -maxExactInt && x <= maxExactInt
	case int:
		return x >= -maxExactInt && x <= maxExactInt
	case map[string]any:
		for k, e := range x {
			if !utf8.ValidString(k) || !roundTrips(e, depth+1) {
				return false
			}
		}
		return true
	case []any:
		for _, e := range x {
			if !roundTrips(e, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

// failedEntry fails an optimized events:putEvents task whose entries were
// not all accepted, as Step Functions does: with the first failed entry's
// code and message.
func failedEntry(failed, n int, entry func(i int) (code, message string)) error {
	if failed == 0 {
		return nil
	}
	for i := range n {
		if code, msg := entry(i); code != "" {
			return asl.NewTaskError("EventBridge.FailedEntry", code+": "+msg)
		}
	}
	return asl.NewTaskError("EventBridge.FailedEntry", "PutEvents rejected an entry")
}
