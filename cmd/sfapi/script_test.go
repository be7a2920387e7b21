package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/ohler55/ojg/jp"
	"github.com/ohler55/ojg/oj"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sfapi/sfapi/internal/cli"
	"github.com/sfapi/sfapi/internal/deploy/cfntest"
)

// TestMain lets the scripts run `sfapi` as a real process: the test binary
// re-executes itself as the sfapi command (cli.Main), so `exec sfapi dev &`
// is a separate process that `kill -KILL` really kills.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"sfapi": func() { os.Exit(cli.Main()) },
	})
}

// scriptCommands are the custom testscript commands. Files that add
// commands for their own scripts register them from an init function, so
// no two features edit the same map literal.
var scriptCommands = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"waitready":  cmdWaitReady,
	"http":       cmdHTTP,
	"jsonget":    cmdJSONGet,
	"poll":       cmdPoll,
	"awsjson":    cmdAWSJSON,
	"awspoll":    cmdAWSPoll,
	"postjobs":   cmdPostJobs,
	"waitjobs":   cmdWaitJobs,
	"jsoncount":  cmdJSONCount,
	"wslisten":   cmdWSListen,
	"waitfile":   cmdWaitFile,
	"cfnstandin": cmdCFNStandIn,
}

// TestScripts runs testdata/script/*.txtar: end-to-end journeys through the
// sfapi binary, its listeners and the aws CLI.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup:               setupScript,
		Condition:           scriptCondition,
		Cmds:                scriptCommands,
	})
}

// awsCLI is the aws CLI the scripts use: $SFAPI_TEST_AWS_CLI, else
// /usr/bin/aws (Debian's awscli, v2), else the first aws on PATH.
func awsCLI() string {
	if p := os.Getenv("SFAPI_TEST_AWS_CLI"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/aws"); err == nil {
		return "/usr/bin/aws"
	}
	p, _ := exec.LookPath("aws")
	return p
}

func setupScript(env *testscript.Env) error {
	env.Setenv("HOME", env.WorkDir)
	env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, ".config"))
	env.Setenv("NO_COLOR", "1")
	// Dummy credentials: sfapi dev accepts any, and nothing may reach AWS.
	env.Setenv("AWS_ACCESS_KEY_ID", "test")
	env.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	env.Setenv("AWS_REGION", "us-east-1")
	env.Setenv("AWS_DEFAULT_REGION", "us-east-1")
	env.Setenv("AWS_PAGER", "")
	env.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	cli := awsCLI()
	if cli == "" && os.Getenv("CI") == "true" {
		return fmt.Errorf("the aws CLI is required in CI (apt-get install awscli)")
	}
	env.Setenv("AWSCLI", cli)
	return nil
}

func scriptCondition(cond string) (bool, error) {
	switch cond {
	case "awscli":
		return awsCLI() != "", nil
	case "docker":
		return dockerCondition()
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}

// waitready DATADIR waits (up to 60 s) until a live sfapi dev has published
// its endpoints in DATADIR/endpoints.json and answers on them, then sets
// API_URL, AWS_URL and WS_URL.
func cmdWaitReady(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitready DATADIR")
	}
	path := filepath.Join(ts.MkAbs(args[0]), "endpoints.json")
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var ep struct {
			API, AWS, WS string
			PID          int
		}
		data, err := os.ReadFile(path)
		if err == nil && json.Unmarshal(data, &ep) == nil && alive(ep.PID) {
			if resp, err := http.Get(ep.API + "/"); err == nil {
				resp.Body.Close()
				ts.Setenv("API_URL", ep.API)
				ts.Setenv("AWS_URL", ep.AWS)
				ts.Setenv("WS_URL", ep.WS)
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.Fatalf("sfapi dev did not become ready (no live %s)", path)
}

func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	return syscall.Kill(pid, 0) == nil
}

var lastBody = struct {
	sync.Mutex
	m map[*testscript.TestScript][]byte
}{m: map[*testscript.TestScript][]byte{}}

// http METHOD URL [BODY] sends a request (JSON content type when there is
// a body) and prints "HTTP <status>", the response headers (lower-case
// names, sorted) and the body to stdout.
func cmdHTTP(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: http METHOD URL [BODY]")
	}
	var body io.Reader
	if len(args) == 3 {
		body = strings.NewReader(args[2])
	}
	req, err := http.NewRequest(args[0], args[1], body)
	ts.Check(err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	ts.Check(err)
	lastBody.Lock()
	lastBody.m[ts] = data
	lastBody.Unlock()
	var out bytes.Buffer
	fmt.Fprintf(&out, "HTTP %d\n", resp.StatusCode)
	var names []string
	for k := range resp.Header {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		fmt.Fprintf(&out, "%s: %s\n", strings.ToLower(k), strings.Join(resp.Header[k], ", "))
	}
	out.WriteString("\n")
	out.Write(data)
	ts.Stdout().Write(out.Bytes())
	if neg {
		ts.Fatalf("http does not support !")
	}
}

// jsonget VAR JSONPATH sets VAR to the value at JSONPATH in the body of the
// last http response (strings unquoted).
func cmdJSONGet(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: jsonget VAR JSONPATH")
	}
	lastBody.Lock()
	data := lastBody.m[ts]
	lastBody.Unlock()
	v, err := jsonAt(data, args[1])
	if err != nil {
		ts.Fatalf("jsonget: %v in %s", err, data)
	}
	ts.Setenv(args[0], v)
}

func jsonAt(data []byte, path string) (string, error) {
	doc, err := oj.Parse(data)
	if err != nil {
		return "", err
	}
	x, err := jp.ParseString(path)
	if err != nil {
		return "", err
	}
	res := x.Get(doc)
	if len(res) == 0 {
		return "", fmt.Errorf("%s matches nothing", path)
	}
	if s, ok := res[0].(string); ok {
		return s, nil
	}
	return oj.JSON(res[0]), nil
}

// poll URL JSONPATH VALUE [TIMEOUT] GETs URL until the value at JSONPATH
// equals VALUE (default timeout 60 s), then prints the last body.
func cmdPoll(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 || len(args) > 4 {
		ts.Fatalf("usage: poll URL JSONPATH VALUE [TIMEOUT]")
	}
	timeout := 60 * time.Second
	if len(args) == 4 {
		d, err := time.ParseDuration(args[3])
		ts.Check(err)
		timeout = d
	}
	var last []byte
	if pollUntil(timeout, 20*time.Millisecond, func() bool {
		resp, err := http.Get(args[0])
		if err != nil {
			return false
		}
		last, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		v, err := jsonAt(last, args[1])
		return err == nil && v == args[2]
	}) {
		ts.Stdout().Write(last)
		return
	}
	ts.Fatalf("poll %s: %s never became %q; last body: %s", args[0], args[1], args[2], last)
}

// awsjson TARGET JSON calls the AWS endpoint ($AWS_URL) with the AWS JSON
// protocol and prints "HTTP <status>" and the response body.
func cmdAWSJSON(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: awsjson TARGET JSON")
	}
	data, status := awsCall(ts, args[0], args[1])
	lastBody.Lock()
	lastBody.m[ts] = data
	lastBody.Unlock()
	fmt.Fprintf(ts.Stdout(), "HTTP %d\n%s\n", status, data)
}

// awspoll TARGET JSON REGEXP repeats an AWS JSON call until its response
// matches REGEXP (30 s at most), for state that settles after the event a
// script waited for (an execution ends a little after its job's status).
func cmdAWSPoll(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: awspoll TARGET JSON REGEXP")
	}
	re, err := regexp.Compile(args[2])
	ts.Check(err)
	var data []byte
	var status int
	if pollUntil(30*time.Second, 20*time.Millisecond, func() bool {
		data, status = awsCall(ts, args[0], args[1])
		return status == http.StatusOK && re.Match(data)
	}) {
		fmt.Fprintf(ts.Stdout(), "HTTP %d\n%s\n", status, data)
		return
	}
	ts.Fatalf("awspoll %s: no response matched %q; last: HTTP %d %s", args[0], args[2], status, data)
}

// pollUntil calls try every interval until it reports true, for at most
// timeout, and reports whether it did.
func pollUntil(timeout, interval time.Duration, try func() bool) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if try() {
			return true
		}
		time.Sleep(interval)
	}
	return false
}

func awsCall(ts *testscript.TestScript, target, body string) ([]byte, int) {
	req, err := http.NewRequest(http.MethodPost, ts.Getenv("AWS_URL"), strings.NewReader(body))
	ts.Check(err)
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := http.DefaultClient.Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	ts.Check(err)
	return data, resp.StatusCode
}

// postjobs N FILE posts N gophers (named gopher-<i>, two locations) to
// $API_URL/gophers from 8 clients and appends the id of every job that was
// acknowledged with 202 to FILE, one per line, as soon as it is.
func cmdPostJobs(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: postjobs N FILE")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	f, err := os.OpenFile(ts.MkAbs(args[1]), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	ts.Check(err)
	defer f.Close()
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := make(chan int)
	failures := 0
	for range 8 {
		wg.Go(func() {
			for i := range next {
				body := fmt.Sprintf(`{"name": "gopher-%d", "location": "field-%d"}`, i, i%2)
				resp, err := http.Post(ts.Getenv("API_URL")+"/gophers", "application/json", strings.NewReader(body))
				if err != nil {
					mu.Lock()
					failures++
					mu.Unlock()
					continue
				}
				data, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				id, _ := jsonAt(data, "$.id")
				mu.Lock()
				if resp.StatusCode == http.StatusAccepted && id != "" {
					fmt.Fprintln(f, id)
				} else {
					failures++
				}
				mu.Unlock()
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if failures > 0 {
		ts.Fatalf("postjobs: %d of %d requests were not acknowledged", failures, n)
	}
	fmt.Fprintf(ts.Stdout(), "acknowledged %d jobs\n", n)
}

// waitjobs FILE STATUS [TIMEOUT] waits until GET $API_URL/jobs/<id> shows
// STATUS for every id in FILE, and prints how many.
func cmdWaitJobs(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: waitjobs FILE STATUS [TIMEOUT]")
	}
	timeout := 120 * time.Second
	if len(args) == 3 {
		d, err := time.ParseDuration(args[2])
		ts.Check(err)
		timeout = d
	}
	data, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	ids := strings.Fields(string(data))
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for _, id := range ids {
		var last []byte
		for {
			resp, err := http.Get(ts.Getenv("API_URL") + "/jobs/" + id)
			if err == nil {
				last, _ = io.ReadAll(resp.Body)
				resp.Body.Close()
				if v, _ := jsonAt(last, "$.status"); v == args[1] {
					break
				}
			}
			select {
			case <-ctx.Done():
				ts.Fatalf("job %s never reached %s; last: %s", id, args[1], last)
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	fmt.Fprintf(ts.Stdout(), "%d jobs %s\n", len(ids), args[1])
}

// jsoncount JSONPATH N checks that JSONPATH matches exactly N values in the
// body of the last http or awsjson response.
func cmdJSONCount(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: jsoncount JSONPATH N")
	}
	lastBody.Lock()
	data := lastBody.m[ts]
	lastBody.Unlock()
	doc, err := oj.Parse(data)
	ts.Check(err)
	x, err := jp.ParseString(args[0])
	ts.Check(err)
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	got := len(x.Get(doc))
	if (got == want) == neg {
		ts.Fatalf("jsoncount %s: got %d, want %s%d", args[0], got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// wslisten URL FILE connects a WebSocket client to URL and appends every
// message it receives to FILE, one per line, until the script ends.
func cmdWSListen(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: wslisten URL FILE")
	}
	ctx, cancel := context.WithCancel(context.Background())
	conn, _, err := websocket.Dial(ctx, args[0], nil)
	if err != nil {
		cancel()
		ts.Fatalf("wslisten: %v", err)
	}
	conn.SetReadLimit(1 << 20)
	f, err := os.OpenFile(ts.MkAbs(args[1]), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	ts.Check(err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			_, msg, err := conn.Read(ctx)
			if err != nil {
				return
			}
			f.Write(append(bytes.TrimSpace(msg), '\n'))
		}
	}()
	ts.Defer(func() {
		cancel()
		conn.CloseNow()
		<-done
		f.Close()
	})
}

// waitfile FILE REGEXP waits (up to 60 s) until FILE has a line matching
// REGEXP.
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitfile FILE REGEXP")
	}
	re, err := regexp.Compile(args[1])
	ts.Check(err)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		data, _ := os.ReadFile(ts.MkAbs(args[0]))
		for _, line := range strings.Split(string(data), "\n") {
			if re.MatchString(line) {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	data, _ := os.ReadFile(ts.MkAbs(args[0]))
	ts.Fatalf("waitfile: no line of %s matches %s; it holds:\n%s", args[0], args[1], data)
}

var cfnStandIns = struct {
	sync.Mutex
	m map[*testscript.TestScript]*cfntest.Server
}{m: map[*testscript.TestScript]*cfntest.Server{}}

// cfnstandin starts a local CloudFormation stand-in (internal/deploy/cfntest)
// for this script and sets CFN_URL; `cfnstandin fail RESOURCE REASON` makes
// its next change set execution fail on RESOURCE and roll back.
func cmdCFNStandIn(ts *testscript.TestScript, neg bool, args []string) {
	cfnStandIns.Lock()
	defer cfnStandIns.Unlock()
	switch {
	case neg:
		ts.Fatalf("usage: cfnstandin [fail RESOURCE REASON]")
	case len(args) == 0:
		fake := cfntest.New()
		srv := httptest.NewServer(fake)
		cfnStandIns.m[ts] = fake
		ts.Defer(func() {
			srv.Close()
			cfnStandIns.Lock()
			delete(cfnStandIns.m, ts)
			cfnStandIns.Unlock()
		})
		ts.Setenv("CFN_URL", srv.URL)
	case len(args) == 3 && args[0] == "fail":
		fake := cfnStandIns.m[ts]
		if fake == nil {
			ts.Fatalf("cfnstandin fail: no stand-in started")
		}
		fake.FailNext(args[1], args[2])
	default:
		ts.Fatalf("usage: cfnstandin [fail RESOURCE REASON]")
	}
}
