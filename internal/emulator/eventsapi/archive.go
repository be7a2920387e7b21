package eventsapi

import (
	"context"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/push"
)

// Wire shapes of archive and replay operations (member names as in the
// service model; timestamps are epoch seconds).

type archiveInput struct {
	ArchiveName    string `json:"ArchiveName"`
	EventSourceArn string `json:"EventSourceArn"`
	Description    string `json:"Description"`
	EventPattern   string `json:"EventPattern"`
	RetentionDays  int    `json:"RetentionDays"`
	NamePrefix     string `json:"NamePrefix"`
	State          string `json:"State"`
	Limit          int    `json:"Limit"`
}

type archiveOut struct {
	ArchiveArn     string   `json:"ArchiveArn,omitempty"`
	ArchiveName    string   `json:"ArchiveName,omitempty"`
	EventSourceArn string   `json:"EventSourceArn,omitempty"`
	Description    string   `json:"Description,omitempty"`
	EventPattern   string   `json:"EventPattern,omitempty"`
	State          string   `json:"State"`
	RetentionDays  *int     `json:"RetentionDays,omitempty"`
	SizeBytes      *int64   `json:"SizeBytes,omitempty"`
	EventCount     *int64   `json:"EventCount,omitempty"`
	CreationTime   *float64 `json:"CreationTime,omitempty"`
}

type destination struct {
	Arn        string   `json:"Arn"`
	FilterArns []string `json:"FilterArns,omitempty"`
}

type replayInput struct {
	ReplayName     string      `json:"ReplayName"`
	Description    string      `json:"Description"`
	EventSourceArn string      `json:"EventSourceArn"`
	EventStartTime *float64    `json:"EventStartTime"`
	EventEndTime   *float64    `json:"EventEndTime"`
	Destination    destination `json:"Destination"`
	NamePrefix     string      `json:"NamePrefix"`
	State          string      `json:"State"`
	Limit          int         `json:"Limit"`
}

type replayOut struct {
	ReplayName            string       `json:"ReplayName,omitempty"`
	ReplayArn             string       `json:"ReplayArn,omitempty"`
	Description           string       `json:"Description,omitempty"`
	State                 string       `json:"State"`
	StateReason           string       `json:"StateReason,omitempty"`
	EventSourceArn        string       `json:"EventSourceArn,omitempty"`
	Destination           *destination `json:"Destination,omitempty"`
	EventStartTime        *float64     `json:"EventStartTime,omitempty"`
	EventEndTime          *float64     `json:"EventEndTime,omitempty"`
	EventLastReplayedTime *float64     `json:"EventLastReplayedTime,omitempty"`
	ReplayStartTime       *float64     `json:"ReplayStartTime,omitempty"`
	ReplayEndTime         *float64     `json:"ReplayEndTime,omitempty"`
}

func epoch(t time.Time) *float64 {
	if t.IsZero() {
		return nil
	}
	v := float64(t.UnixMilli()) / 1000
	return &v
}

func fromEpoch(v *float64) time.Time {
	if v == nil {
		return time.Time{}
	}
	sec := int64(*v)
	return time.Unix(sec, int64((*v-float64(sec))*1e9)).UTC()
}

func archiveView(a push.ArchiveInfo) archiveOut {
	return archiveOut{ArchiveArn: a.ARN, ArchiveName: a.Name, EventSourceArn: a.EventSourceARN, Description: a.Description,
		EventPattern: a.EventPattern, State: a.State, RetentionDays: &a.RetentionDays, SizeBytes: &a.SizeBytes,
		EventCount: &a.EventCount, CreationTime: epoch(a.CreationTime)}
}

func replayView(r push.ReplayInfo) replayOut {
	return replayOut{ReplayName: r.Name, ReplayArn: r.ARN, Description: r.Description, State: r.State, StateReason: r.StateReason,
		EventSourceArn: r.EventSourceARN, Destination: &destination{Arn: r.DestinationARN, FilterArns: r.FilterARNs},
		EventStartTime: epoch(r.StartTime), EventEndTime: epoch(r.EndTime), EventLastReplayedTime: epoch(r.LastReplayedTime),
		ReplayStartTime: epoch(r.ReplayStartTime), ReplayEndTime: epoch(r.ReplayEndTime)}
}

func required(name, v string) error {
	if v == "" {
		return awsjson.Errorf(awsjson.CodeValidation, "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", name)
	}
	return nil
}

func (a *api) createArchive(_ context.Context, body []byte) (any, error) {
	var in archiveInput
	if err := awsjson.Decode(body, &in); err != nil {
		return nil, err
	}
	if err := required("archiveName", in.ArchiveName); err != nil {
		return nil, err
	}
	if err := required("eventSourceArn", in.EventSourceArn); err != nil {
		return nil, err
	}
	info, err := a.r.CreateArchive(push.ArchiveSpec{Name: in.ArchiveName, EventSourceARN: in.EventSourceArn, Description: in.Description,
		EventPattern: in.EventPattern, RetentionDays: in.RetentionDays})
	if err != nil {
		return nil, wireErr(err)
	}
	return archiveOut{ArchiveArn: info.ARN, State: info.State, CreationTime: epoch(info.CreationTime)}, nil
}

func (a *api) describeArchive(_ context.Context, body []byte) (any, error) {
	var in archiveInput
	if err := awsjson.Decode(body, &in); err != nil {
		return nil, err
	}
	if err := required("archiveName", in.ArchiveName); err != nil {
		return nil, err
	}
	info, err := a.r.DescribeArchive(in.ArchiveName)
	if err != nil {
		return nil, wireErr(err)
	}
	return archiveView(info), nil
}

func (a *api) listArchives(_ context.Context, body []byte) (any, error) {
	var in archiveInput
	if err := awsjson.Decode(body, &in); err != nil {
		return nil, err
	}
	list, err := a.r.ListArchives(in.NamePrefix, in.EventSourceArn)
	if err != nil {
		return nil, wireErr(err)
	}
	out := struct {
		Archives []archiveOut `json:"Archives"`
	}{Archives: []archiveOut{}}
	for _, info := range list {
		if in.State != "" && info.State != in.State {
			continue
		}
		v := archiveView(info)
		v.ArchiveArn, v.Description, v.EventPattern = "", "", ""
		out.Archives = append(out.Archives, v)
	}
	return out, nil
}

// updateArchiveInput keeps absent members apart from empty ones: an
// absent member leaves the archive's value as it was.
type updateArchiveInput struct {
	ArchiveName   string  `json:"ArchiveName"`
	Description   *string `json:"Description"`
	EventPattern  *string `json:"EventPattern"`
	RetentionDays *int    `json:"RetentionDays"`
}

func (a *api) updateArchive(_ context.Context, body []byte) (any, error) {
	var in updateArchiveInput
	if err := awsjson.Decode(body, &in); err != nil {
		return nil, err
	}
	if err := required("archiveName", in.ArchiveName); err != nil {
		return nil, err
	}
	info, err := a.r.UpdateArchive(push.ArchiveUpdate{Name: in.ArchiveName, Description: in.Description,
		EventPattern: in.EventPattern, RetentionDays: in.RetentionDays})
	if err != nil {
		return nil, wireErr(err)
	}
	return archiveOut{ArchiveArn: info.ARN, State: info.State, CreationTime: epoch(info.CreationTime)}, nil
}

func (a *api) deleteArchive(_ context.Context, body []byte) (any, error) {
	var in archiveInput
	if err := awsjson.Decode(body, &in); err != nil {
		return nil, err
	}
	if err := required("archiveName", in.ArchiveName); err != nil {
		return nil, err
	}
	if err := a.r.DeleteArchive(in.ArchiveName); err != nil {
		return nil, wireErr(err)
	}
	return struct{}{}, nil
}

func (a *api) startReplay(_ context.Context, body []byte) (any, error) {
	var in replayInput
	if err := awsjson.Decode(body, &in); err != nil {
		return nil, err
	}
	for _, f := range []struct{ name, v string }{{"replayName", in.ReplayName}, {"eventSourceArn", in.EventSourceArn}, {"destination.arn", in.Destination.Arn}} {
		if err := required(f.name, f.v); err != nil {
			return nil, err
		}
	}
	if in.EventStartTime == nil || in.EventEndTime == nil {
		return nil, awsjson.Errorf(awsjson.CodeValidation, "EventStartTime and EventEndTime are required")
	}
	ri, err := a.r.StartReplay(push.ReplaySpec{Name: in.ReplayName, Description: in.Description, EventSourceARN: in.EventSourceArn,
		StartTime: fromEpoch(in.EventStartTime), EndTime: fromEpoch(in.EventEndTime),
		DestinationARN: in.Destination.Arn, FilterARNs: in.Destination.FilterArns})
	if err != nil {
		return nil, wireErr(err)
	}
	return replayOut{ReplayArn: ri.ARN, State: ri.State, ReplayStartTime: epoch(ri.ReplayStartTime)}, nil
}

func (a *api) describeReplay(_ context.Context, body []byte) (any, error) {
	var in replayInput
	if err := awsjson.Decode(body, &in); err != nil {
		return nil, err
	}
	if err := required("replayName", in.ReplayName); err != nil {
		return nil, err
	}
	ri, err := a.r.DescribeReplay(in.ReplayName)
	if err != nil {
		return nil, wireErr(err)
	}
	return replayView(ri), nil
}

func (a *api) listReplays(_ context.Context, body []byte) (any, error) {
	var in replayInput
	if err := awsjson.Decode(body, &in); err != nil {
		return nil, err
	}
	list, err := a.r.ListReplays(in.NamePrefix)
	if err != nil {
		return nil, wireErr(err)
	}
	out := struct {
		Replays []replayOut `json:"Replays"`
	}{Replays: []replayOut{}}
	for _, ri := range list {
		if (in.State != "" && ri.State != in.State) || (in.EventSourceArn != "" && ri.EventSourceARN != in.EventSourceArn) {
			continue
		}
		v := replayView(ri)
		v.ReplayArn, v.Description, v.Destination = "", "", nil
		out.Replays = append(out.Replays, v)
	}
	return out, nil
}

func (a *api) cancelReplay(_ context.Context, body []byte) (any, error) {
	var in replayInput
	if err := awsjson.Decode(body, &in); err != nil {
		return nil, err
	}
	if err := required("replayName", in.ReplayName); err != nil {
		return nil, err
	}
	ri, err := a.r.CancelReplay(in.ReplayName)
	if err != nil {
		return nil, wireErr(err)
	}
	return replayOut{ReplayArn: ri.ARN, State: ri.State, StateReason: ri.StateReason}, nil
}
