package push

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits EventBridge applies to PutEvents
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html).
const (
	// MaxPutEventsEntries is the most entries one PutEvents call accepts.
	MaxPutEventsEntries = 10
	// MaxPutEventsSize bounds the summed entry size of one call, computed
	// as AWS does (see EntrySize).
	MaxPutEventsSize = 256 * 1024
)

// Event is an event as EventBridge delivers it to targets and matches it
// against patterns.
type Event struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// Entry is one PutEvents request entry.
type Entry struct {
	Source       string
	DetailType   string
	Detail       string
	Resources    []string
	EventBusName string // name or ARN; "" means "default"
	Time         time.Time
	TraceHeader  string
}

// EntryResult is the per-entry outcome: an EventID, or an ErrorCode and
// ErrorMessage worded as AWS words them.
type EntryResult struct {
	EventID      string
	ErrorCode    string
	ErrorMessage string
}

// PutEventsOutput is the result of PutEvents.
type PutEventsOutput struct {
	Entries          []EntryResult
	FailedEntryCount int
}

// EntrySize computes an entry's size the way AWS documents it: 14 bytes
// for Time when set, plus the UTF-8 bytes of Source, DetailType, Detail and
// every Resources element.
func EntrySize(e Entry) int {
	n := 0
	if !e.Time.IsZero() {
		n += 14
	}
	n += len(e.Source) + len(e.DetailType) + len(e.Detail)
	for _, r := range e.Resources {
		n += len(r)
	}
	return n
}

// validateEntries applies the call-level limits: too many entries or too
// large a request fail the whole call with a ValidationException.
func validateEntries(entries []Entry) error {
	if len(entries) == 0 {
		return errorf(CodeValidation, "1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(entries) > MaxPutEventsEntries {
		return errorf(CodeValidation, "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to %d", MaxPutEventsEntries)
	}
	total := 0
	for _, e := range entries {
		total += EntrySize(e)
	}
	if total > MaxPutEventsSize {
		return errorf(CodeValidation, "Total size of the entries in the request is over the limit.")
	}
	return nil
}

// validateEntry returns the per-entry error AWS reports, or nil. The order
// of checks follows AWS: Source, DetailType, Detail presence, then Detail
// shape.
func validateEntry(e Entry) *EntryResult {
	switch {
	case e.Source == "":
		return &EntryResult{ErrorCode: "InvalidArgument", ErrorMessage: "Parameter Source is not valid. Reason: Source is a required argument."}
	case e.DetailType == "":
		return &EntryResult{ErrorCode: "InvalidArgument", ErrorMessage: "Parameter DetailType is not valid. Reason: DetailType is a required argument."}
	case e.Detail == "":
		return &EntryResult{ErrorCode: "InvalidArgument", ErrorMessage: "Parameter Detail is not valid. Reason: Detail is a required argument."}
	case !utf8.ValidString(e.Detail) || !isJSONObject(e.Detail):
		return &EntryResult{ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed."}
	}
	return nil
}

// isJSONObject reports whether s is one valid JSON object, as decoding it
// into a map[string]json.RawMessage would (values are not decoded, so only
// syntax matters), without building the map: every event passes here.
func isJSONObject(s string) bool {
	t := strings.TrimLeft(s, " \t\n\r")
	return t != "" && t[0] == '{' && json.Valid([]byte(s))
}

// buildEvent renders the delivered event for an accepted entry.
func buildEvent(id, account, region string, now time.Time, e Entry) ([]byte, error) {
	t := e.Time
	if t.IsZero() {
		t = now
	}
	res := e.Resources
	if res == nil {
		res = []string{}
	}
	ev := Event{
		Version:    "0",
		ID:         id,
		DetailType: e.DetailType,
		Source:     e.Source,
		Account:    account,
		Time:       t.UTC().Format(time.RFC3339),
		Region:     region,
		Resources:  res,
		Detail:     json.RawMessage(e.Detail),
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encode event %s: %w", id, err)
	}
	return b, nil
}
