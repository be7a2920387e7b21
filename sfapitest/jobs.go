package sfapitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/sfapi/sfapi/internal/project"
)

// Job statuses of a storage-first job.
const (
	StatusPending    = "Pending"
	StatusInProgress = "In Progress"
	StatusSucceeded  = "Succeeded"
	StatusFailed     = "Failed"
)

// DefaultWaitTimeout bounds WaitForJob when its context has no deadline.
const DefaultWaitTimeout = 30 * time.Second

// Job is a job item of the project's job table, with DynamoDB types
// removed (numbers are json.Number).
type Job struct {
	ID        string
	Operation string // the sort key after "job#"
	Status    string
	// Input, Result and Error are the item's attributes as plain JSON
	// (nil when absent); Error is {"Error": ..., "Cause": ...} in the
	// gophers template.
	Input, Result, Error json.RawMessage
	// Item is the whole item.
	Item map[string]any
}

// jobRouting is what the manifest says about jobs: the table the job pipe
// reads and its key names.
type jobRouting struct{ table, pk, sk string }

func routing(p *project.Project) (jobRouting, error) {
	for _, pipe := range p.Pipes() {
		if pipe.Target.StateMachine == "" {
			continue
		}
		t, ok := p.Manifest.Tables[pipe.Source.Table]
		if !ok || t.SortKey == nil {
			continue
		}
		return jobRouting{table: t.Name, pk: t.PartitionKey.Name, sk: t.SortKey.Name}, nil
	}
	return jobRouting{}, errNoJobs
}

// SubmitJob POSTs body to the project's job route (the POST route answering
// 202, e.g. /gophers) and returns the job id of the answer: its "id", else
// the last segment of its Location header. body is sent as is when it is
// []byte, json.RawMessage or string, and as JSON otherwise. An answer other
// than 202 is an error carrying the status and body.
func (s *Stack) SubmitJob(ctx context.Context, body any) (string, error) {
	if s.create == "" {
		_, err := s.proj.JobCreatePath()
		return "", fmt.Errorf("submit job: %w", err)
	}
	return s.PostJob(ctx, s.create, body)
}

// PostJob is SubmitJob on a route of your choosing.
func (s *Stack) PostJob(ctx context.Context, path string, body any) (string, error) {
	var data []byte
	switch b := body.(type) {
	case []byte:
		data = b
	case json.RawMessage:
		data = b
	case string:
		data = []byte(b)
	default:
		var err error
		if data, err = json.Marshal(body); err != nil {
			return "", fmt.Errorf("submit job: encode body: %w", err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.ep.API+path, bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("submit job: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("submit job: %w", err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("submit job: read answer: %w", err)
	}
	if resp.StatusCode != http.StatusAccepted {
		return "", fmt.Errorf("submit job: POST %s answered %d: %s", path, resp.StatusCode, bytes.TrimSpace(answer))
	}
	var v struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(answer, &v) == nil && v.ID != "" {
		return v.ID, nil
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		return loc[strings.LastIndexByte(loc, '/')+1:], nil
	}
	return "", fmt.Errorf("submit job: the 202 answer has no id and no Location: %s", answer)
}

// ErrNoJob is returned (wrapped) by Job for an id with no job item.
var ErrNoJob = errors.New("no such job")

// Job reads the job item with that id (a strongly consistent read).
func (s *Stack) Job(ctx context.Context, id string) (Job, error) {
	if s.routeOK != nil {
		return Job{}, s.routeOK
	}
	req, _ := json.Marshal(map[string]any{
		"TableName":                 s.jobs.table,
		"ConsistentRead":            true,
		"KeyConditionExpression":    "#pk = :id AND begins_with(#sk, :job)",
		"ExpressionAttributeNames":  map[string]string{"#pk": s.jobs.pk, "#sk": s.jobs.sk},
		"ExpressionAttributeValues": map[string]any{":id": map[string]string{"S": id}, ":job": map[string]string{"S": "job#"}},
	})
	// In process: no network, and never subject to injected throttles.
	resp := s.em.Mux().Invoke(ctx, "DynamoDB_20120810.Query", req)
	if resp.Status != http.StatusOK {
		return Job{}, fmt.Errorf("read job %s: %s", id, resp.Body)
	}
	var out struct {
		Items []map[string]any `json:"Items"`
	}
	dec := json.NewDecoder(bytes.NewReader(resp.Body))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return Job{}, fmt.Errorf("read job %s: %w", id, err)
	}
	if len(out.Items) == 0 {
		return Job{}, fmt.Errorf("job %s: %w", id, ErrNoJob)
	}
	item := plainItem(out.Items[0])
	j := Job{ID: id, Item: item}
	sk, _ := item[s.jobs.sk].(string)
	j.Operation = strings.TrimPrefix(sk, "job#")
	j.Status, _ = item["status"].(string)
	j.Input, j.Result, j.Error = rawOf(item, "input"), rawOf(item, "result"), rawOf(item, "error")
	return j, nil
}

// WaitForJob waits until job id has the given status and returns it. It
// returns an error at once when the job ends (Succeeded or Failed) in
// another status, and when ctx ends (DefaultWaitTimeout when ctx has no
// deadline); the error then tells the job's last status and error.
func (s *Stack) WaitForJob(ctx context.Context, id, status string) (Job, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultWaitTimeout)
		defer cancel()
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	var last Job
	var lastErr error
	for {
		j, err := s.Job(ctx, id)
		switch {
		case err == nil && j.Status == status:
			return j, nil
		case err == nil && (j.Status == StatusSucceeded || j.Status == StatusFailed):
			return j, fmt.Errorf("job %s ended %s, not %s%s", id, j.Status, status, errorSuffix(j))
		case err == nil:
			last, lastErr = j, nil
		case !errors.Is(err, ErrNoJob) && ctx.Err() == nil:
			return Job{}, err
		default:
			lastErr = err
		}
		select {
		case <-ctx.Done():
			if lastErr != nil {
				return Job{}, fmt.Errorf("wait for job %s to be %s: %w (%v)", id, status, ctx.Err(), lastErr)
			}
			return last, fmt.Errorf("wait for job %s to be %s: %w (still %s)", id, status, ctx.Err(), last.Status)
		case <-tick.C:
		}
	}
}

func errorSuffix(j Job) string {
	if len(j.Error) == 0 {
		return ""
	}
	return ": " + string(j.Error)
}

func rawOf(item map[string]any, name string) json.RawMessage {
	v, ok := item[name]
	if !ok {
		return nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return data
}

// plainItem turns a DynamoDB JSON item into plain values.
func plainItem(item map[string]any) map[string]any {
	out := make(map[string]any, len(item))
	for k, v := range item {
		out[k] = plain(v)
	}
	return out
}

// plain turns one DynamoDB JSON attribute value ({"S": "x"}, {"M": {...}},
// ...) into a plain value: strings, json.Number, bools, nil, maps, slices
// (sets become slices; binaries stay base64 strings).
func plain(v any) any {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return v
	}
	for t, x := range m {
		switch t {
		case "S", "N", "B", "BOOL":
			return x
		case "NULL":
			return nil
		case "M":
			if mm, ok := x.(map[string]any); ok {
				return plainItem(mm)
			}
		case "L":
			if l, ok := x.([]any); ok {
				out := make([]any, len(l))
				for i, e := range l {
					out[i] = plain(e)
				}
				return out
			}
		case "SS", "NS", "BS":
			return x
		}
	}
	return v
}
