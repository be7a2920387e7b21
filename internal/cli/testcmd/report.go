package testcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/project"
)

// jobReport is one line of the failure report.
type jobReport struct {
	ID, Status, CreatedAt string
	// State, Error and Cause locate the first failure of the job's
	// execution ("" when it has none).
	State, Error, Cause string
}

// jobTables finds the tables whose stream a pipe takes to a state machine
// (the job tables) with their key names and those machines' ARNs.
type jobTable struct {
	name, pk, sk string
	machines     []string
}

func jobTables(p *project.Project) []jobTable {
	var out []jobTable
	byName := map[string]int{}
	for _, pipe := range p.Pipes() {
		t, ok := p.Manifest.Tables[pipe.Source.Table]
		sm, smOK := p.Manifest.StateMachines[pipe.Target.StateMachine]
		if !ok || !smOK || t.SortKey == nil {
			continue
		}
		i, seen := byName[t.Name]
		if !seen {
			i = len(out)
			byName[t.Name] = i
			out = append(out, jobTable{name: t.Name, pk: t.PartitionKey.Name, sk: t.SortKey.Name})
		}
		out[i].machines = append(out[i].machines, p.StateMachineARN(sm.Name))
	}
	return out
}

// lastJobs reads the newest jobs (items with sort key job#...) of every job
// table, newest first, and where each one failed.
func lastJobs(ctx context.Context, mux *awsjson.Mux, p *project.Project, limit int) ([]jobReport, error) {
	var jobs []jobReport
	for _, t := range jobTables(p) {
		var start json.RawMessage
		for {
			req := map[string]any{
				"TableName":                 t.name,
				"FilterExpression":          "begins_with(#sk, :job)",
				"ExpressionAttributeNames":  map[string]string{"#sk": t.sk},
				"ExpressionAttributeValues": map[string]any{":job": map[string]string{"S": "job#"}},
			}
			if start != nil {
				req["ExclusiveStartKey"] = start
			}
			var out struct {
				Items            []map[string]map[string]json.RawMessage
				LastEvaluatedKey json.RawMessage
			}
			if err := invoke(ctx, mux, "DynamoDB_20120810.Scan", req, &out); err != nil {
				return nil, fmt.Errorf("scan %s: %w", t.name, err)
			}
			for _, it := range out.Items {
				j := jobReport{ID: str(it[t.pk]), Status: str(it["status"]), CreatedAt: str(it["createdAt"])}
				if j.Status != "Succeeded" {
					j.State, j.Error, j.Cause = firstFailure(ctx, mux, t.machines, j.ID)
				}
				jobs = append(jobs, j)
			}
			if len(out.LastEvaluatedKey) == 0 || string(out.LastEvaluatedKey) == "null" {
				break
			}
			start = out.LastEvaluatedKey
		}
	}
	// createdAt is an RFC 3339 or API Gateway request time; both sort well
	// enough to find the newest, and ids break ties so output is stable.
	slices.SortStableFunc(jobs, func(a, b jobReport) int {
		if c := strings.Compare(b.CreatedAt, a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if len(jobs) > limit {
		jobs = jobs[:limit]
	}
	return jobs, nil
}

// firstFailure reads the execution named after the job and returns the
// state that failed first, with its error and cause.
func firstFailure(ctx context.Context, mux *awsjson.Mux, machines []string, id string) (state, errName, cause string) {
	for _, m := range machines {
		arn := strings.Replace(m, ":stateMachine:", ":execution:", 1) + ":" + id
		var out struct {
			Events []map[string]json.RawMessage `json:"events"`
		}
		if invoke(ctx, mux, "AWSStepFunctions.GetExecutionHistory", map[string]any{"executionArn": arn, "maxResults": 1000}, &out) != nil {
			continue
		}
		current := ""
		for _, ev := range out.Events {
			var typ string
			_ = json.Unmarshal(ev["type"], &typ)
			if d, ok := ev["stateEnteredEventDetails"]; ok {
				var v struct{ Name string }
				_ = json.Unmarshal(d, &v)
				current = v.Name
			}
			if !strings.HasSuffix(typ, "Failed") && !strings.HasSuffix(typ, "TimedOut") {
				continue
			}
			for k, d := range ev {
				if !strings.HasSuffix(k, "EventDetails") {
					continue
				}
				var v struct{ Error, Cause string }
				if json.Unmarshal(d, &v) == nil && v.Error != "" {
					return current, v.Error, v.Cause
				}
			}
		}
	}
	return "", "", ""
}

func invoke(ctx context.Context, mux *awsjson.Mux, target string, req, out any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	resp := mux.Invoke(ctx, target, body)
	if resp.Status != http.StatusOK {
		return fmt.Errorf("%s", bytes.TrimSpace(resp.Body))
	}
	return json.Unmarshal(resp.Body, out)
}

// str reads a DynamoDB JSON string or number attribute.
func str(av map[string]json.RawMessage) string {
	for _, t := range []string{"S", "N"} {
		if raw, ok := av[t]; ok {
			var s string
			_ = json.Unmarshal(raw, &s)
			return s
		}
	}
	return ""
}

// printReport writes the jobs as "sfapi test: job ID STATUS [at STATE:
// ERROR: CAUSE]" lines.
func printReport(w io.Writer, jobs []jobReport) {
	if len(jobs) == 0 {
		fmt.Fprintln(w, "sfapi test: no jobs were submitted")
		return
	}
	fmt.Fprintf(w, "sfapi test: last %d job(s), newest first:\n", len(jobs))
	for _, j := range jobs {
		line := fmt.Sprintf("  %s  %s", j.ID, j.Status)
		if j.State != "" || j.Error != "" {
			line += fmt.Sprintf("  failed in %s: %s", orDash(j.State), j.Error)
			if j.Cause != "" {
				line += ": " + oneLine(j.Cause, 200)
			}
		}
		fmt.Fprintln(w, line)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}
