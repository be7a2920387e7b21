// Command ddbbench drives DynamoDB endpoints through aws-sdk-go-v2 clients
// and reports throughput, latency and, given a server's PID, the server's
// CPU time per operation and its memory.
//
// Every case runs against every target in turn, in the same run, so peers
// are compared on the same machine under the same conditions:
//
//	go run ./scripts/ddbbench -target sfapi=http://127.0.0.1:8000@4242 \
//	    -target dynalite=http://127.0.0.1:4567@4343
//
// A case is an operation (PutItem, GetItem, Query), an item size (about
// 200 bytes or 4 KB, counted as DynamoDB counts item size) and a number of
// concurrent clients (goroutines sharing one SDK client, as an application
// would). Query reads one partition of 5 items. The server's CPU is read
// from /proc/PID/stat (10 ms ticks) over the measured window; RSS is the
// server's VmRSS at the end of the case, and VmHWM its peak so far.
//
// Every row also gives this process's own CPU per call (the SDK client's
// cost, the same for every target) and the server's context switches per
// call, summed over its threads from /proc/PID/task/*/status: on two cores
// shared by client and server, throughput is bounded by
// cores / (client µs + server µs) per call, so a server's advantage over
// another shows in the throughput only as far as the client leaves room.
//
// It is a benchmark tool, not a test: CI does not run it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

type target struct {
	name   string
	url    string
	pid    int
	client *dynamodb.Client
	table  string
}

type targets []*target

func (t *targets) String() string { return fmt.Sprint(len(*t)) }

// Set parses NAME=URL[@PID].
func (t *targets) Set(s string) error {
	name, rest, ok := strings.Cut(s, "=")
	if !ok || name == "" || rest == "" {
		return fmt.Errorf("want NAME=URL[@PID], got %q", s)
	}
	tg := &target{name: name, url: rest}
	if url, pid, ok := strings.Cut(rest, "@"); ok {
		n, err := strconv.Atoi(pid)
		if err != nil {
			return fmt.Errorf("bad pid in %q: %w", s, err)
		}
		tg.url, tg.pid = url, n
	}
	*t = append(*t, tg)
	return nil
}

type config struct {
	ops      []string
	sizes    []int
	clients  []int
	duration time.Duration
	warmup   time.Duration
	stream   bool
}

type result struct {
	target, op       string
	size, clients    int
	ops, errs        int64
	opsPerSec        float64
	p50, p99         time.Duration
	cpuPerOp         float64 // server µs per op, -1 when unknown
	clientCPUPerOp   float64 // this process, µs per op
	csPerOp          float64 // server context switches per op, -1 when unknown
	rssMB, peakRSSMB float64
	firstErr         error
}

func main() {
	var tgs targets
	flag.Var(&tgs, "target", "NAME=URL[@PID] of a DynamoDB endpoint (repeatable); PID enables server CPU and RSS")
	ops := flag.String("ops", "PutItem,GetItem,Query", "operations to run")
	sizes := flag.String("sizes", "200,4096", "item sizes in bytes")
	clients := flag.String("clients", "1,8,32", "concurrent clients")
	duration := flag.Duration("duration", 3*time.Second, "measured time per case and target")
	warmup := flag.Duration("warmup", 500*time.Millisecond, "unmeasured time before each case")
	stream := flag.Bool("stream", false, "create the table with a NEW_AND_OLD_IMAGES stream")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of this client (the SDK's cost) to `file`")
	flag.Parse()
	if len(tgs) == 0 {
		fmt.Fprintln(os.Stderr, "ddbbench: at least one -target is required")
		flag.Usage()
		os.Exit(2)
	}
	cfg := config{ops: split(*ops), duration: *duration, warmup: *warmup, stream: *stream}
	var err error
	if cfg.sizes, err = ints(*sizes); err == nil {
		cfg.clients, err = ints(*clients)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ddbbench:", err)
		os.Exit(2)
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "ddbbench: cpuprofile:", err)
			os.Exit(1)
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	if err := run(context.Background(), tgs, cfg); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "ddbbench:", err)
		os.Exit(1)
	}
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range split(s) {
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("bad number %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func run(ctx context.Context, tgs targets, cfg config) error {
	maxClients := slices.Max(cfg.clients)
	for _, tg := range tgs {
		hc := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
			tr.MaxIdleConns = 4 * maxClients
			tr.MaxIdleConnsPerHost = 4 * maxClients
		})
		tg.client = dynamodb.New(dynamodb.Options{
			Region: "us-east-1", BaseEndpoint: aws.String(tg.url), HTTPClient: hc,
			Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
			Retryer:     aws.NopRetryer{},
		})
		tg.table = fmt.Sprintf("ddbbench_%d", time.Now().UnixNano())
		if err := createTable(ctx, tg, cfg.stream); err != nil {
			return fmt.Errorf("%s: %w", tg.name, err)
		}
		for _, size := range cfg.sizes {
			if err := preload(ctx, tg, size); err != nil {
				return fmt.Errorf("%s: preload: %w", tg.name, err)
			}
		}
	}
	fmt.Printf("# ddbbench: %d s per case, %s warm-up, GOMAXPROCS of the client: all cores; stream=%v\n",
		int(cfg.duration.Seconds()), cfg.warmup, cfg.stream)
	var results []result
	for _, op := range cfg.ops {
		for _, size := range cfg.sizes {
			for _, c := range cfg.clients {
				for _, tg := range tgs {
					r, err := runCase(ctx, tg, op, size, c, cfg)
					if err != nil {
						return err
					}
					results = append(results, r)
					printRow(r)
				}
			}
		}
	}
	if len(tgs) > 1 {
		printComparison(results, tgs)
	}
	return nil
}

func createTable(ctx context.Context, tg *target, stream bool) error {
	in := &dynamodb.CreateTableInput{
		TableName: aws.String(tg.table),
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN},
		},
		BillingMode: types.BillingModePayPerRequest,
	}
	if stream {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages}
	}
	if _, err := tg.client.CreateTable(ctx, in); err != nil {
		return fmt.Errorf("create table: %w", err)
	}
	// dynalite creates tables asynchronously.
	for range 200 {
		out, err := tg.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(tg.table)})
		if err == nil && out.Table.TableStatus == types.TableStatusActive {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("table never became ACTIVE")
}

// item builds an item of about size bytes: DynamoDB counts the UTF-8
// length of attribute names plus values.
func item(pk string, sk int, size int) map[string]types.AttributeValue {
	fixed := len("pk") + len(pk) + len("sk") + len(strconv.Itoa(sk)) + len("data")
	n := max(size-fixed, 1)
	return map[string]types.AttributeValue{
		"pk":   &types.AttributeValueMemberS{Value: pk},
		"sk":   &types.AttributeValueMemberN{Value: strconv.Itoa(sk)},
		"data": &types.AttributeValueMemberS{Value: strings.Repeat("x", n)},
	}
}

const (
	getKeys         = 1000 // items GetItem reads from
	queryParts      = 200  // partitions Query reads from
	itemsPerPartion = 5
)

func preload(ctx context.Context, tg *target, size int) error {
	type job struct {
		pk string
		sk int
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	var firstErr error
	var mu sync.Mutex
	for range 16 {
		wg.Go(func() {
			for j := range jobs {
				_, err := tg.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tg.table), Item: item(j.pk, j.sk, size)})
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := range getKeys {
		jobs <- job{fmt.Sprintf("g%d-%d", size, i), 0}
	}
	for i := range queryParts {
		for s := range itemsPerPartion {
			jobs <- job{fmt.Sprintf("q%d-%d", size, i), s}
		}
	}
	close(jobs)
	wg.Wait()
	return firstErr
}

// op returns the call one client makes for its n-th operation.
func opFunc(tg *target, op string, size, client int) (func(ctx context.Context, n int) error, error) {
	payload := item("", 0, size)["data"]
	switch op {
	case "PutItem":
		return func(ctx context.Context, n int) error {
			pk := fmt.Sprintf("p%d-%d-%d", size, client, n)
			it := item(pk, 0, size)
			it["data"] = payload
			_, err := tg.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tg.table), Item: it})
			return err
		}, nil
	case "GetItem":
		return func(ctx context.Context, n int) error {
			key := map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("g%d-%d", size, (client*7919+n)%getKeys)},
				"sk": &types.AttributeValueMemberN{Value: "0"},
			}
			out, err := tg.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(tg.table), Key: key})
			if err == nil && out.Item == nil {
				err = errors.New("GetItem found no item")
			}
			return err
		}, nil
	case "Query":
		return func(ctx context.Context, n int) error {
			out, err := tg.client.Query(ctx, &dynamodb.QueryInput{
				TableName:                 aws.String(tg.table),
				KeyConditionExpression:    aws.String("pk = :p"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: fmt.Sprintf("q%d-%d", size, (client*7919+n)%queryParts)}},
			})
			if err == nil && out.Count != itemsPerPartion {
				err = fmt.Errorf("Query returned %d items, want %d", out.Count, itemsPerPartion)
			}
			return err
		}, nil
	}
	return nil, fmt.Errorf("unknown operation %q (want PutItem, GetItem or Query)", op)
}

func runCase(ctx context.Context, tg *target, op string, size, clients int, cfg config) (result, error) {
	r := result{target: tg.name, op: op, size: size, clients: clients, cpuPerOp: -1, csPerOp: -1}
	fns := make([]func(context.Context, int) error, clients)
	for i := range fns {
		f, err := opFunc(tg, op, size, i)
		if err != nil {
			return r, err
		}
		fns[i] = f
	}
	var (
		measuring atomic.Bool
		stop      atomic.Bool
		count     atomic.Int64
		errs      atomic.Int64
		firstErr  atomic.Value
		wg        sync.WaitGroup
	)
	lat := make([][]time.Duration, clients)
	for i := range clients {
		lat[i] = make([]time.Duration, 0, 1<<14)
		wg.Go(func() {
			for n := 0; !stop.Load(); n++ {
				t0 := time.Now()
				err := fns[i](ctx, n)
				d := time.Since(t0)
				if !measuring.Load() {
					continue
				}
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				count.Add(1)
				lat[i] = append(lat[i], d)
			}
		})
	}
	time.Sleep(cfg.warmup)
	cpu0, okCPU := procCPU(tg.pid)
	cs0, okCS := procSwitches(tg.pid)
	self0 := selfCPU()
	t0 := time.Now()
	measuring.Store(true)
	time.Sleep(cfg.duration)
	measuring.Store(false)
	elapsed := time.Since(t0)
	cpu1, okCPU1 := procCPU(tg.pid)
	cs1, okCS1 := procSwitches(tg.pid)
	self1 := selfCPU()
	stop.Store(true)
	wg.Wait()

	r.ops, r.errs = count.Load(), errs.Load()
	if e, ok := firstErr.Load().(error); ok {
		r.firstErr = e
	}
	r.opsPerSec = float64(r.ops) / elapsed.Seconds()
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) > 0 {
		r.p50 = all[len(all)*50/100]
		r.p99 = all[min(len(all)*99/100, len(all)-1)]
	}
	if r.ops > 0 {
		if okCPU && okCPU1 {
			r.cpuPerOp = float64((cpu1 - cpu0).Microseconds()) / float64(r.ops)
		}
		if okCS && okCS1 {
			r.csPerOp = float64(cs1-cs0) / float64(r.ops)
		}
		r.clientCPUPerOp = float64((self1 - self0).Microseconds()) / float64(r.ops)
	}
	r.rssMB, r.peakRSSMB = procRSS(tg.pid)
	return r, nil
}

// procCPU returns a process's user+system CPU time from /proc/PID/stat.
func procCPU(pid int) (time.Duration, bool) {
	if pid <= 0 {
		return 0, false
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// Fields after the command name, which is in parentheses and may hold
	// spaces: state is field 3, utime 14, stime 15.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, false
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	const ticksPerSecond = 100 // USER_HZ on Linux
	return time.Duration(ut+st) * time.Second / ticksPerSecond, true
}

// procSwitches returns the voluntary plus involuntary context switches of
// every thread of a process. Threads that exited in between are missed
// (Go keeps its threads, so it hardly matters for a server).
func procSwitches(pid int) (int64, bool) {
	if pid <= 0 {
		return 0, false
	}
	files, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	if err != nil || len(files) == 0 {
		return 0, false
	}
	var n int64
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue // the thread exited
		}
		for _, line := range strings.Split(string(data), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if !ok || (k != "voluntary_ctxt_switches" && k != "nonvoluntary_ctxt_switches") {
				continue
			}
			if c, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				n += c
			}
		}
	}
	return n, true
}

// procRSS returns VmRSS and VmHWM of a process in MB, or -1.
func procRSS(pid int) (rss, peak float64) {
	rss, peak = -1, -1
	if pid <= 0 {
		return
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return
	}
	defer f.Close()
	data, _ := io.ReadAll(f)
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) == 0 {
			continue
		}
		kb, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			continue
		}
		switch k {
		case "VmRSS":
			rss = kb / 1024
		case "VmHWM":
			peak = kb / 1024
		}
	}
	return
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var headerPrinted bool

func printRow(r result) {
	if !headerPrinted {
		headerPrinted = true
		fmt.Println("| target | op | item | clients | ops/s | p50 | p99 | server CPU µs/op | client CPU µs/op | server switches/op | RSS MB (peak) | errors |")
		fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|")
	}
	cpu, cs, rss := "n/a", "n/a", "n/a"
	if r.cpuPerOp >= 0 {
		cpu = fmt.Sprintf("%.1f", r.cpuPerOp)
	}
	if r.csPerOp >= 0 {
		cs = fmt.Sprintf("%.2f", r.csPerOp)
	}
	if r.rssMB >= 0 {
		rss = fmt.Sprintf("%.0f (%.0f)", r.rssMB, r.peakRSSMB)
	}
	errs := strconv.FormatInt(r.errs, 10)
	if r.firstErr != nil {
		errs += " (" + r.firstErr.Error() + ")"
	}
	fmt.Printf("| %s | %s | %d B | %d | %.0f | %s | %s | %s | %.1f | %s | %s | %s |\n",
		r.target, r.op, r.size, r.clients, r.opsPerSec, ms(r.p50), ms(r.p99), cpu, r.clientCPUPerOp, cs, rss, errs)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// printComparison prints, per case, each target's throughput, server CPU
// and client CPU per call, and the first target's throughput against each
// other target's: measured, and as the CPU per call predicts when client
// and servers share the cores and the cores are the limit, which is
// (client + other server) / (client + first server). When the measured
// ratio follows the model, the client's cost is what caps the lead; when
// the client runs on cores of its own (CLIENT_CPUS), the slower of client
// and server sets each rate instead.
func printComparison(results []result, tgs targets) {
	base := tgs[0].name
	fmt.Printf("\n## %s compared with ", base)
	for i, tg := range tgs[1:] {
		if i > 0 {
			fmt.Print(", ")
		}
		fmt.Print(tg.name)
	}
	fmt.Println()
	fmt.Println()
	fmt.Print("| op | item | clients |")
	for _, tg := range tgs {
		fmt.Printf(" %s ops/s | %s server µs/op | %s client µs/op |", tg.name, tg.name, tg.name)
	}
	for _, tg := range tgs[1:] {
		fmt.Printf(" throughput ×%s | CPU model ×%s |", tg.name, tg.name)
	}
	fmt.Println()
	fmt.Print("|---|---|---|")
	for range len(tgs)*3 + 2*(len(tgs)-1) {
		fmt.Print("---|")
	}
	fmt.Println()
	type key struct {
		op            string
		size, clients int
	}
	by := map[key]map[string]result{}
	var order []key
	for _, r := range results {
		k := key{r.op, r.size, r.clients}
		if by[k] == nil {
			by[k] = map[string]result{}
			order = append(order, k)
		}
		by[k][r.target] = r
	}
	for _, k := range order {
		fmt.Printf("| %s | %d B | %d |", k.op, k.size, k.clients)
		for _, tg := range tgs {
			r := by[k][tg.name]
			cpu := "n/a"
			if r.cpuPerOp >= 0 {
				cpu = fmt.Sprintf("%.1f", r.cpuPerOp)
			}
			fmt.Printf(" %.0f | %s | %.1f |", r.opsPerSec, cpu, r.clientCPUPerOp)
		}
		b := by[k][base]
		for _, tg := range tgs[1:] {
			o := by[k][tg.name]
			ratio, model := "n/a", "n/a"
			if o.opsPerSec > 0 {
				ratio = fmt.Sprintf("%.2f", b.opsPerSec/o.opsPerSec)
			}
			// Client and server CPU-bound on the same cores: each call
			// costs client + server µs, so the throughputs would stand in
			// the inverse ratio of those sums.
			if b.cpuPerOp >= 0 && o.cpuPerOp >= 0 && b.clientCPUPerOp+b.cpuPerOp > 0 {
				model = fmt.Sprintf("%.2f", (o.clientCPUPerOp+o.cpuPerOp)/(b.clientCPUPerOp+b.cpuPerOp))
			}
			fmt.Printf(" %s | %s |", ratio, model)
		}
		fmt.Println()
	}
}
