package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() {
	scriptCommands["pollpost"] = cmdPollPost
	scriptCommands["sleep"] = cmdSleep
}

// sleep DURATION waits, for effects that have nothing to poll (a reload
// that must change nothing).
func cmdSleep(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sleep DURATION")
	}
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	time.Sleep(d)
}

// pollpost URL BODY REGEXP POSTs BODY (JSON) to URL until the response body
// matches REGEXP (up to 30 s: a hot reload lands asynchronously), then
// prints that body and keeps it for jsonget.
func cmdPollPost(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: pollpost URL BODY REGEXP")
	}
	re, err := regexp.Compile(args[2])
	ts.Check(err)
	var last []byte
	if pollUntil(30*time.Second, 50*time.Millisecond, func() bool {
		resp, err := http.Post(args[0], "application/json", strings.NewReader(args[1]))
		if err != nil {
			return false
		}
		last, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		return re.Match(last)
	}) {
		lastBody.Lock()
		lastBody.m[ts] = last
		lastBody.Unlock()
		ts.Stdout().Write(last)
		return
	}
	ts.Fatalf("pollpost %s: no response matched %q; last body: %s", args[0], args[2], last)
}
