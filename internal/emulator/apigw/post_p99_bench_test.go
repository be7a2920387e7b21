package apigw_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator"
	"github.com/sfapi/sfapi/internal/emulator/apigw"
	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/project"
)

// BenchmarkPostP99Split runs issue 4's POST /gophers p99 benchmark (32
// concurrent HTTP clients, the real emulator on the gophers project) twice:
// with durable stores (fsync'd group commit) and in memory (no fsync). The
// difference between the two p99s is the durable write's commit wait; the
// in-memory p99 is everything else (HTTP, the gateway, the engine, and the
// stream → Step Functions work the jobs start).
func BenchmarkPostP99Split(b *testing.B) {
	for _, mode := range []struct {
		name     string
		inMemory bool
	}{{"durable", false}, {"memory", true}} {
		b.Run(mode.name, func(b *testing.B) {
			p, err := project.Load("../../../examples/gophers")
			if err != nil {
				b.Fatal(err)
			}
			em, err := emulator.New(emulator.Options{Project: p, DataDir: b.TempDir(), InMemory: mode.inMemory})
			if err != nil {
				b.Fatal(err)
			}
			ep, err := em.Start(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = em.Shutdown(context.Background()) })
			postP99(b, ep.API+"/gophers")
		})
	}
}

var seq atomic.Int64

func postP99(b *testing.B, url string) {
	const clients = 32
	transport := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	b.Cleanup(transport.CloseIdleConnections)
	client := &http.Client{Transport: transport}
	var next atomic.Int64
	lat := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	b.ResetTimer()
	for c := range clients {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				n := seq.Add(1)
				start := time.Now()
				resp, err := client.Post(url, "application/json", strings.NewReader(fmt.Sprintf(`{"name": "split-%d", "location": "l%d"}`, n, n%8)))
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat[c] = append(lat[c], time.Since(start))
				if resp.StatusCode != http.StatusAccepted {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	pct := func(p float64) float64 { return float64(all[int(float64(len(all)-1)*p)].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkPostP99Attribution serves POST /gophers with an apigw.API bound
// to a running emulator's AWS endpoint (durable stores, pipes and state
// machines running), timing on the server side each request's whole
// handler and its integration call (the durable PutItem: engine work plus
// the group commit's fsync wait). It reports p50/p99 of the handler, of the
// integration call, and of the handler minus the call: the API layer's own
// time (routing, validation, both templates, response mapping, logging).
func BenchmarkPostP99Attribution(b *testing.B) {
	p, err := project.Load("../../../examples/gophers")
	if err != nil {
		b.Fatal(err)
	}
	em, err := emulator.New(emulator.Options{Project: p, DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := em.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = em.Shutdown(context.Background()) })
	doc, lines, err := p.OpenAPI()
	if err != nil {
		b.Fatal(err)
	}
	integ := &timedIntegrations{mux: em.Mux()}
	api, err := apigw.New(apigw.Options{Doc: doc, File: p.OpenAPIFile(), Lines: lines, Stage: p.Stage(), Integrations: integ,
		APIKeys: p.Manifest.API.APIKeys, Region: p.Region(), AccountID: p.AccountID()})
	if err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	var total, call, layer []time.Duration
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tr := &trace{}
		start := time.Now()
		api.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), traceKey{}, tr)))
		d := time.Since(start)
		mu.Lock()
		total, call, layer = append(total, d), append(call, tr.call), append(layer, d-tr.call)
		mu.Unlock()
	}))
	b.Cleanup(srv.Close)
	postP99(b, srv.URL+"/gophers")
	report := func(name string, ds []time.Duration) {
		if len(ds) == 0 {
			return
		}
		slices.Sort(ds)
		b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, name+"-p50-ms")
		b.ReportMetric(float64(ds[int(float64(len(ds)-1)*0.99)].Microseconds())/1000, name+"-p99-ms")
	}
	report("handler", total)
	report("putitem", call)
	report("layer", layer)
}

// trace carries one request's integration time from the Integrations
// wrapper back to the handler (test-only plumbing).
type trace struct{ call time.Duration }

type traceKey struct{}

type timedIntegrations struct{ mux *awsjson.Mux }

func (t *timedIntegrations) Invoke(ctx context.Context, service, action string, body []byte) (int, []byte, error) {
	prefix := map[string]string{"dynamodb": "DynamoDB_20120810", "states": "AWSStepFunctions", "events": "AWSEvents"}[service]
	start := time.Now()
	resp := t.mux.Invoke(ctx, prefix+"."+action, body)
	if tr, ok := ctx.Value(traceKey{}).(*trace); ok {
		tr.call += time.Since(start)
	}
	return resp.Status, resp.Body, nil
}
