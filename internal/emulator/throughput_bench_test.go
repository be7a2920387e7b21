package emulator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/sfapi/sfapi/internal/emulator"
	"github.com/sfapi/sfapi/internal/emulator/asl"
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
	heapStart := liveHeap()
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
	reportMemory(b)
	reportStores(b, em, stores)
	// What a job leaves in memory: its items, stream records and execution
	// history, less what kv keeps in its files only.
	b.ReportMetric(float64(int64(liveHeap())-int64(heapStart))/1024/float64(b.N), "heap-KB/job")
}

// liveHeap is the heap in use after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
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

// muxCall returns a client of the emulator's AWS JSON services in process:
// the operations behind its HTTP endpoint, without HTTP.
func muxCall(em *emulator.Emulator) func(string, any) (map[string]any, error) {
	mux := em.Mux()
	return func(target string, in any) (map[string]any, error) {
		body, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		resp := mux.Invoke(context.Background(), target, body)
		var out map[string]any
		if err := json.Unmarshal(resp.Body, &out); err != nil || resp.Status != http.StatusOK {
			return nil, fmt.Errorf("%s: status %d: %s", target, resp.Status, resp.Body)
		}
		return out, nil
	}
}

// gophersResources returns the gophers project's table and the ARN of its
// AddGopher machine.
func gophersResources(b *testing.B, call func(string, any) (map[string]any, error)) (table, smArn string) {
	b.Helper()
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
	return names[0].(string), sms[0].(map[string]any)["stateMachineArn"].(string)
}

// gopherJob is job i of run as the pipe sees it: a Pending item (with a
// sort key the pipe's filter ignores, so the pipe does not start it too)
// and the stream record the pipe would hand StartExecution as input.
func gopherJob(run, i int64) (item map[string]any, name, record string, err error) {
	s := func(v string) map[string]any { return map[string]any{"S": v} }
	pk, sk := fmt.Sprintf("m%d-%d", run, i), "bench#addGopher"
	input := map[string]any{"name": s(fmt.Sprintf("m-%d-%d", run, i)), "location": s(fmt.Sprintf("m%d-l%d", run, i/4))}
	item = map[string]any{"pk": s(pk), "sk": s(sk), "status": s("Pending"), "input": map[string]any{"M": input}}
	recJSON, err := json.Marshal([]any{map[string]any{"eventName": "INSERT", "dynamodb": map[string]any{
		"Keys": map[string]any{"pk": s(pk), "sk": s(sk)}, "NewImage": item}}})
	return item, pk, string(recJSON), err
}

// sfnBenchDef is asl's bench machine: Pass → Choice → Succeed.
const sfnBenchDef = `{"StartAt":"P","States":{
 "P":{"Type":"Pass","Parameters":{"n.$":"$.n","kind":"bench"},"Next":"C"},
 "C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":0,"Next":"S"}],"Default":"S"},
 "S":{"Type":"Succeed"}}}`

// BenchmarkStepFunctions measures issue 9's three machines through the Step
// Functions API of a running emulator (the gophers project; every store
// durable, each acknowledged write fsync'd): an EXPRESS Pass→Choice→Succeed
// machine (StartSyncExecution), the same machine as STANDARD
// (StartExecution, every transition persisted), and the gophers AddGopher
// machine with its real DynamoDB tasks (PutItem of a Pending job, then the
// StartExecution the pipe would make, with the stream record as input).
//
// Three ways in, from the inside out: engine calls the asl engine's
// StartSyncExecution / StartExecution (the gophers' PutItem goes through
// the mux); api calls the operations through the emulator's AWS JSON mux
// (the handlers behind its HTTP endpoint, JSON included, without HTTP);
// wire calls the HTTP endpoint with aws-sdk-go-v2's sfn and dynamodb
// clients in the same process, so its cpu-µs/op includes the SDK's side. STANDARD and gophers
// executions are awaited on the engine (Engine.WaitExecution) rather than
// by polling DescribeExecution, so no reader's CPU is in the figures.
// sequential runs one execution at a time end to end, concurrent32 32.
//
// gophers/api/concurrent32 replaces BenchmarkGophersMachine (which polled
// with 4 readers): comparing it with BenchmarkGophersJobs shows what the
// REST API and the pipe cost.
func BenchmarkStepFunctions(b *testing.B) {
	for _, machine := range []string{"express", "standard", "gophers"} {
		for _, via := range []string{"engine", "api", "wire"} {
			for _, workers := range []int{1, gophersClients} {
				name := "sequential"
				if workers > 1 {
					name = fmt.Sprintf("concurrent%d", workers)
				}
				b.Run(machine+"/"+via+"/"+name, func(b *testing.B) {
					ep, em := startBench(b)
					var c sfnBenchClient = muxClient{muxCall(em)}
					switch via {
					case "engine":
						c = engineClient{c.(muxClient), emulator.Engine(em)}
					case "wire":
						c = newWireClient(ep.AWS, workers)
					}
					runExecutions(b, em, workers, benchExecution(b, em, c, machine))
				})
			}
		}
	}
}

// sfnBenchClient is the part of the Step Functions and DynamoDB APIs the
// benchmark calls, in process or over the wire.
type sfnBenchClient interface {
	startSync(ctx context.Context, smArn, input string) (status, output string, err error)
	start(ctx context.Context, smArn, name, input string) (string, error)
	putItem(ctx context.Context, table string, item map[string]any) error
}

type muxClient struct {
	call func(string, any) (map[string]any, error)
}

func (c muxClient) startSync(_ context.Context, smArn, input string) (string, string, error) {
	out, err := c.call("AWSStepFunctions.StartSyncExecution", map[string]any{"stateMachineArn": smArn, "input": input})
	if err != nil {
		return "", "", err
	}
	status, _ := out["status"].(string)
	output, _ := out["output"].(string)
	return status, output, nil
}

func (c muxClient) start(_ context.Context, smArn, name, input string) (string, error) {
	out, err := c.call("AWSStepFunctions.StartExecution", map[string]any{"stateMachineArn": smArn, "name": name, "input": input})
	if err != nil {
		return "", err
	}
	arn, _ := out["executionArn"].(string)
	return arn, nil
}

func (c muxClient) putItem(_ context.Context, table string, item map[string]any) error {
	_, err := c.call("DynamoDB_20120810.PutItem", map[string]any{"TableName": table, "Item": item})
	return err
}

// engineClient starts executions on the engine itself.
type engineClient struct {
	muxClient
	eng *asl.Engine
}

func (c engineClient) startSync(ctx context.Context, smArn, input string) (string, string, error) {
	res, err := c.eng.StartSyncExecution(ctx, smArn, "", input)
	if err != nil {
		return "", "", err
	}
	return res.Status, res.Output, nil
}

func (c engineClient) start(ctx context.Context, smArn, name, input string) (string, error) {
	ex, err := c.eng.StartExecution(ctx, smArn, name, input)
	if err != nil {
		return "", err
	}
	return ex.Arn, nil
}

type wireClient struct {
	sf *sfn.Client
	db *dynamodb.Client
}

// newWireClient returns SDK clients of endpoint that keep a connection per
// worker alive (the SDK's default keeps fewer idle connections per host
// than 32 workers use, and would measure TCP set-up instead). Every
// connection goes to endpoint: the SDK sends StartSyncExecution to the
// host "sync-" + host, which does not resolve for 127.0.0.1.
func newWireClient(endpoint string, workers int) wireClient {
	cfg := sdkConfig(endpoint)
	addr := strings.TrimPrefix(endpoint, "http://")
	var dialer net.Dialer
	cfg.HTTPClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * workers,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr)
		}}}
	cfg.RetryMaxAttempts = 1
	return wireClient{sf: sfn.NewFromConfig(cfg), db: dynamodb.NewFromConfig(cfg)}
}

func (c wireClient) startSync(ctx context.Context, smArn, input string) (string, string, error) {
	out, err := c.sf.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: &smArn, Input: &input})
	if err != nil {
		return "", "", err
	}
	return string(out.Status), aws.ToString(out.Output), nil
}

func (c wireClient) start(ctx context.Context, smArn, name, input string) (string, error) {
	out, err := c.sf.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &smArn, Name: &name, Input: &input})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ExecutionArn), nil
}

func (c wireClient) putItem(ctx context.Context, table string, item map[string]any) error {
	av, err := sdkItem(item)
	if err != nil {
		return err
	}
	_, err = c.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: av})
	return err
}

// sdkItem converts the DynamoDB JSON of gopherJob's items (strings and
// maps) to the SDK's attribute values.
func sdkItem(item map[string]any) (map[string]ddbtypes.AttributeValue, error) {
	out := make(map[string]ddbtypes.AttributeValue, len(item))
	for name, v := range item {
		typed, _ := v.(map[string]any)
		switch {
		case typed["S"] != nil:
			s, _ := typed["S"].(string)
			out[name] = &ddbtypes.AttributeValueMemberS{Value: s}
		case typed["M"] != nil:
			m, _ := typed["M"].(map[string]any)
			inner, err := sdkItem(m)
			if err != nil {
				return nil, err
			}
			out[name] = &ddbtypes.AttributeValueMemberM{Value: inner}
		default:
			return nil, fmt.Errorf("attribute %s: unsupported value %v", name, v)
		}
	}
	return out, nil
}

// benchExecution prepares machine in em and returns one execution of it
// through c, checked: execution i of b.N.
func benchExecution(b *testing.B, em *emulator.Emulator, c sfnBenchClient, machine string) func(context.Context, int64) error {
	b.Helper()
	eng := emulator.Engine(em)
	await := func(ctx context.Context, arn string) error {
		ex, err := eng.WaitExecution(ctx, arn)
		if err != nil {
			return fmt.Errorf("wait %s: %w", arn, err)
		}
		if ex.Status != asl.StatusSucceeded {
			return fmt.Errorf("execution %s: %s %s %s", arn, ex.Status, ex.Error, ex.Cause)
		}
		return nil
	}
	if machine == "gophers" {
		table, smArn := gophersResources(b, muxCall(em))
		run := benchRun.Add(1)
		return func(ctx context.Context, i int64) error {
			item, name, record, err := gopherJob(run, i)
			if err != nil {
				return err
			}
			if err := c.putItem(ctx, table, item); err != nil {
				return fmt.Errorf("put job %d: %w", i, err)
			}
			arn, err := c.start(ctx, smArn, name, record)
			if err != nil {
				return fmt.Errorf("start job %d: %w", i, err)
			}
			return await(ctx, arn)
		}
	}
	typ := map[string]string{"express": "EXPRESS", "standard": "STANDARD"}[machine]
	created, err := muxCall(em)("AWSStepFunctions.CreateStateMachine", map[string]any{"name": "bench-" + machine,
		"definition": sfnBenchDef, "type": typ, "roleArn": "arn:aws:iam::000000000000:role/bench"})
	if err != nil {
		b.Fatal(err)
	}
	smArn, _ := created["stateMachineArn"].(string)
	if machine == "express" {
		return func(ctx context.Context, _ int64) error {
			status, output, err := c.startSync(ctx, smArn, `{"n":1}`)
			if err != nil || status != "SUCCEEDED" || output != `{"kind":"bench","n":1}` {
				return fmt.Errorf("sync execution: %s %s %v", status, output, err)
			}
			return nil
		}
	}
	return func(ctx context.Context, i int64) error {
		arn, err := c.start(ctx, smArn, fmt.Sprintf("e%d", i), `{"n":1}`)
		if err != nil {
			return fmt.Errorf("start %d: %w", i, err)
		}
		return await(ctx, arn)
	}
}

// runExecutions runs exec for i in [0, b.N) on workers goroutines and
// reports executions per second, CPU per execution, memory and the
// stores' commits.
func runExecutions(b *testing.B, em *emulator.Emulator, workers int, exec func(context.Context, int64) error) {
	ctx := context.Background()
	var next atomic.Int64
	errs := make(chan error, workers)
	resetPeakRSS()
	b.ReportAllocs()
	b.ResetTimer()
	start, cpuStart, stores := time.Now(), processCPU(), storeStats(em)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(b.N); i = next.Add(1) - 1 {
				if err := exec(ctx, i); err != nil {
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
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "execs/s")
	if cpu := processCPU() - cpuStart; cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
	}
	reportMemory(b)
	reportStores(b, em, stores)
}

// resetPeakRSS returns the memory earlier benchmarks freed to the OS and
// resets VmHWM (Linux ≥ 4.0), so that each benchmark reports its own
// resident set and peak rather than the process's. Best effort: elsewhere
// the peak is the process's.
func resetPeakRSS() {
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// reportMemory reports the resident set now (rss-MB) and its peak since
// resetPeakRSS (peak-rss-MB) from /proc/self/status; nothing where that
// file does not exist.
func reportMemory(b *testing.B) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return
	}
	for line := range strings.Lines(string(status)) {
		field, value, _ := strings.Cut(line, ":")
		unit := map[string]string{"VmRSS": "rss-MB", "VmHWM": "peak-rss-MB"}[field]
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 64)
		if unit != "" && err == nil {
			b.ReportMetric(kb/1024, unit)
		}
	}
}
