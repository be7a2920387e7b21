package ws

import (
	"encoding/json"
	"net/url"
)

// filter keeps the messages a connection asked for: ?jobId= matches
// detail.jobId, ?userId= detail.userId, ?detailType= the event's
// detail-type. Several parameters must all match; none keeps everything.
type filter struct {
	jobID, userID, detailType string
}

func newFilter(q url.Values) filter {
	return filter{jobID: q.Get("jobId"), userID: q.Get("userId"), detailType: q.Get("detailType")}
}

func (f filter) all() bool { return f.jobID == "" && f.userID == "" && f.detailType == "" }

// match reports whether msg (an EventBridge event as the push target
// delivers it) passes the filter. A message that is not a JSON object only
// passes the empty filter.
func (f filter) match(msg []byte) bool {
	if f.all() {
		return true
	}
	var ev struct {
		DetailType *string `json:"detail-type"`
		Detail     struct {
			JobID  json.RawMessage `json:"jobId"`
			UserID json.RawMessage `json:"userId"`
		} `json:"detail"`
	}
	if json.Unmarshal(msg, &ev) != nil {
		return false
	}
	if f.detailType != "" && (ev.DetailType == nil || *ev.DetailType != f.detailType) {
		return false
	}
	return matchID(ev.Detail.JobID, f.jobID) && matchID(ev.Detail.UserID, f.userID)
}

// matchID compares a JSON value with a query parameter: strings exactly,
// anything else by its JSON text. An empty want matches anything.
func matchID(raw json.RawMessage, want string) bool {
	if want == "" {
		return true
	}
	if len(raw) == 0 {
		return false
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s == want
	}
	return string(raw) == want
}
