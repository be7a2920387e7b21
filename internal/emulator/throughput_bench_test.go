package emulator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator"
	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// gophersClients is the number of concurrent clients submitting jobs;
// gophersWaiters the number reading them back: few, so that polling does
// not take the CPU the jobs need.
const (
	gophersClients = 32
	gophersWaiters = 4
)

// BenchmarkGophersJobs measures gophers jobs completed end to end (goal
// ≥ 1,000 jobs/s): 32 clients POST b.N jobs to /gophers through the REST
// API, then 4 clients read every job back through GET /jobs/{id} until
// it is Succeeded. Each job runs the whole storage-first path on durable
// stores: API Gateway → DynamoDB (job item) → stream → pipe →
// StartExecution → the AddGopher machine (claim, putEvents, save gopher,
// query holes, Map link, dig hole, mark Succeeded, putEvents) → event bus.
//
// Four gophers share each location, so a job links 0 to 3 holes (the
// Map state runs) without the per-location hole count growing with b.N.
// jobs/s counts from the first POST to the last job read as Succeeded.
func BenchmarkGophersJobs(b *testing.B) {
	ep, em := startBench(b)
	run := benchRun.Add(1)
	var next atomic.Int64
	ids := make([]string, b.N)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: gophersClients * 2}}
	b.ReportAllocs()
	b.ResetTimer()
	jobPolls.Store(0)
	start, cpuStart, stores := time.Now(), processCPU(), storeStats(em)
	var wg sync.WaitGroup
	errs := make(chan error, gophersClients)
	for range gophersClients {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				id, err := postJob(client, ep.API, fmt.Sprintf(`{"name": "tp-%d-%d", "location": "r%d-l%d"}`, run, i, run, i/4))
				if err != nil {
					errs <- err
					return
				}
				ids[i] = id
			}
		})
	}
	wg.Wait()
	acked := time.Since(start)
	next.Store(0)
	for range gophersWaiters {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				if err := awaitJob(client, ep.API, ids[i]); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "jobs/s")
	b.ReportMetric(float64(b.N)/acked.Seconds(), "acks/s")
	// The readers' GETs are part of the CPU figure: say how many there were.
	b.ReportMetric(float64(jobPolls.Swap(0))/float64(b.N), "polls/job")
	if cpu := processCPU() - cpuStart; cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/job")
	}
	reportStores(b, em, stores)
}

var benchRun atomic.Int64

// storeStats snapshots the stores' group-commit counters.
func storeStats(em *emulator.Emulator) map[string]kv.Stats { return emulator.StoreStats(em) }

// reportStores reports, per store, durable commits and writes per job and
// the mean time of one commit (fsync included) since before.
func reportStores(b *testing.B, em *emulator.Emulator, before map[string]kv.Stats) {
	for name, st := range storeStats(em) {
		short := strings.TrimSuffix(name, ".db")
		d := kv.Stats{Commits: st.Commits - before[name].Commits, Writes: st.Writes - before[name].Writes, CommitTime: st.CommitTime - before[name].CommitTime}
		b.ReportMetric(float64(d.Writes)/float64(b.N), short+"-writes/job")
		b.ReportMetric(float64(d.Commits)/float64(b.N), short+"-commits/job")
		if d.Commits > 0 {
			b.ReportMetric(float64(d.CommitTime.Microseconds())/float64(d.Commits), short+"-µs/commit")
		}
	}
}

func postJob(client *http.Client, api, body string) (string, error) {
	resp, err := client.Post(api+"/gophers", "application/json", strings.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("post job: %w", err)
	}
	defer resp.Body.Close()
	var acc struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&acc); err != nil || resp.StatusCode != http.StatusAccepted || acc.ID == "" {
		return "", fmt.Errorf("post job: status %d, id %q, %v", resp.StatusCode, acc.ID, err)
	}
	return acc.ID, nil
}

// jobPolls counts awaitJob's GETs.
var jobPolls atomic.Int64

// awaitJob polls a job until it is Succeeded, 2 ms apart.
func awaitJob(client *http.Client, api, id string) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		jobPolls.Add(1)
		resp, err := client.Get(api + "/jobs/" + id)
		if err != nil {
			return fmt.Errorf("get job: %w", err)
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("get job: %w", err)
		}
		var job struct{ Status string }
		if err := json.Unmarshal(data, &job); err != nil {
			return fmt.Errorf("get job %s: %w: %s", id, err, data)
		}
		switch job.Status {
		case "Succeeded":
			return nil
		case "Failed":
			return fmt.Errorf("job %s failed: %s", id, data)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("job %s still %q after 2 minutes", id, job.Status)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkGophersMachine isolates the AddGopher state machine and the
// DynamoDB engine from the REST API and the pipe: 32 in-process clients
// put b.N Pending job items (with a sort key the pipe's filter ignores)
// and start the executions the pipe would start, with the stream records
// it would deliver; 4 clients then wait for every execution to succeed. Comparing it with
// BenchmarkGophersJobs shows what the API and the pipe cost.
func BenchmarkGophersMachine(b *testing.B) {
	_, em := startBench(b)
	ctx := context.Background()
	mux := em.Mux()
	call := func(target string, in any) (map[string]any, error) {
		body, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		resp := mux.Invoke(ctx, target, body)
		var out map[string]any
		if err := json.Unmarshal(resp.Body, &out); err != nil || resp.Status != http.StatusOK {
			return nil, fmt.Errorf("%s: status %d: %s", target, resp.Status, resp.Body)
		}
		return out, nil
	}
	tables, err := call("DynamoDB_20120810.ListTables", map[string]any{})
	if err != nil {
		b.Fatal(err)
	}
	names, _ := tables["TableNames"].([]any)
	machines, err := call("AWSStepFunctions.ListStateMachines", map[string]any{})
	if err != nil {
		b.Fatal(err)
	}
	sms, _ := machines["stateMachines"].([]any)
	if len(names) != 1 || len(sms) != 1 {
		b.Fatalf("want the gophers table and machine, got %v and %v", names, sms)
	}
	table := names[0].(string)
	smArn := sms[0].(map[string]any)["stateMachineArn"].(string)
	run := benchRun.Add(1)
	var next atomic.Int64
	arns := make([]any, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	start, cpuStart, stores := time.Now(), processCPU(), storeStats(em)
	var wg sync.WaitGroup
	errs := make(chan error, gophersClients+gophersWaiters)
	for range gophersClients {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				arn, err := startGopherMachine(call, table, smArn, run, i)
				if err != nil {
					errs <- err
					return
				}
				arns[i] = arn
			}
		})
	}
	wg.Wait()
	next.Store(0)
	for range gophersWaiters {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				if err := awaitExecution(call, arns[i]); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "jobs/s")
	if cpu := processCPU() - cpuStart; cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/job")
	}
	reportStores(b, em, stores)
}

func startGopherMachine(call func(string, any) (map[string]any, error), table, smArn string, run, i int64) (any, error) {
	s := func(v string) map[string]any { return map[string]any{"S": v} }
	pk, sk := fmt.Sprintf("m%d-%d", run, i), "bench#addGopher"
	input := map[string]any{"name": s(fmt.Sprintf("m-%d-%d", run, i)), "location": s(fmt.Sprintf("m%d-l%d", run, i/4))}
	if _, err := call("DynamoDB_20120810.PutItem", map[string]any{"TableName": table,
		"Item": map[string]any{"pk": s(pk), "sk": s(sk), "status": s("Pending"), "input": map[string]any{"M": input}}}); err != nil {
		return nil, err
	}
	record := []any{map[string]any{"eventName": "INSERT", "dynamodb": map[string]any{
		"Keys":     map[string]any{"pk": s(pk), "sk": s(sk)},
		"NewImage": map[string]any{"pk": s(pk), "sk": s(sk), "status": s("Pending"), "input": map[string]any{"M": input}}}}}
	recJSON, err := json.Marshal(record)
	if err != nil {
		return nil, err
	}
	started, err := call("AWSStepFunctions.StartExecution", map[string]any{"stateMachineArn": smArn, "name": pk, "input": string(recJSON)})
	if err != nil {
		return nil, err
	}
	return started["executionArn"], nil
}

// awaitExecution polls an execution until it succeeds, 2 ms apart.
func awaitExecution(call func(string, any) (map[string]any, error), arn any) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ex, err := call("AWSStepFunctions.DescribeExecution", map[string]any{"executionArn": arn})
		if err != nil {
			return err
		}
		switch ex["status"] {
		case "SUCCEEDED":
			return nil
		case "RUNNING":
			if time.Now().After(deadline) {
				return fmt.Errorf("execution %v still RUNNING after 2 minutes", arn)
			}
			time.Sleep(2 * time.Millisecond)
		default:
			return fmt.Errorf("execution %v: %v", arn, ex)
		}
	}
}
