package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"sync/atomic"

	"github.com/sfapi/sfapi/internal/emulator/asl"
	"github.com/sfapi/sfapi/internal/project"
)

// swapHandler serves through a handler that Reload replaces atomically: a
// request runs wholly on the routes it started with, the next one sees the
// new routes, and none waits for the swap.
type swapHandler struct{ h atomic.Pointer[http.Handler] }

func newSwapHandler(h http.Handler) *swapHandler {
	s := &swapHandler{}
	s.h.Store(&h)
	return s
}

func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.h.Load()).ServeHTTP(w, r)
}

func (s *swapHandler) swap(h http.Handler) { s.h.Store(&h) }

// Reloaded says what a Reload changed.
type Reloaded struct {
	// Swapped lists what now runs in its new version ("routes and mapping
	// templates (openapi.yaml)", "state machine AddGopher").
	Swapped []string
	// Restart lists changes that only take effect after a restart of
	// `sfapi dev` (tables, pipes, rules, the WebSocket API, new or removed
	// state machines' wiring).
	Restart []string
	// Warnings are the new API's warnings (routes that cannot run locally).
	Warnings []string
}

// Changed reports whether the reload found any difference at all.
func (r Reloaded) Changed() bool { return len(r.Swapped)+len(r.Restart) > 0 }

// String is the one line `sfapi dev` prints.
func (r Reloaded) String() string {
	if !r.Changed() {
		return "reload: no change"
	}
	var parts []string
	if len(r.Swapped) > 0 {
		parts = append(parts, "reloaded "+strings.Join(r.Swapped, ", "))
	}
	if len(r.Restart) > 0 {
		parts = append(parts, "restart sfapi dev to apply "+strings.Join(r.Restart, ", "))
	}
	return strings.Join(parts, "; ")
}

// Reload swaps in what changed between the running project and p, which
// the caller has loaded (and so validated) from the same directory: the
// REST API's routes and mapping templates, and state machine definitions.
// Running executions finish on the definition they started with (each
// execution keeps its definition's hash); data stays. Everything is checked
// before anything is swapped, so an edit that fails (a definition Step
// Functions rejects, an OpenAPI file the gateway cannot run) leaves the last
// good version running and returns the error, with its file:line.
func (e *Emulator) Reload(ctx context.Context, p *project.Project) (Reloaded, error) {
	e.reloadMu.Lock()
	defer e.reloadMu.Unlock()
	var res Reloaded
	if !e.started || e.apiSwap == nil {
		return res, errors.New("emulator: reload before start")
	}
	// Swappable parts compare with the last reload; the wiring compares
	// with what Start built, so a change that needs a restart is reported
	// until the restart.
	old, started := e.current, e.opts.Project
	if p.Dir != old.Dir {
		return res, fmt.Errorf("reload: project %s is not the running one (%s)", p.Dir, old.Dir)
	}
	if p.Region() != started.Region() || p.AccountID() != started.AccountID() || p.Manifest.Name != started.Manifest.Name {
		res.Restart = append(res.Restart, "name/region/account")
	}

	// The API: rebuilt when its file or its manifest section changed.
	var newAPI http.Handler
	oldDoc, _, _ := old.OpenAPI()
	newDoc, _, _ := p.OpenAPI()
	if string(oldDoc) != string(newDoc) || !sameParts(old.Manifest.API, p.Manifest.API) {
		h, warnings, err := e.buildAPI(p)
		if err != nil {
			return Reloaded{}, err
		}
		newAPI, res.Warnings = h, warnings
		what := "routes and mapping templates"
		if f := p.OpenAPIFile(); f != "" {
			what += " (" + f + ")"
		}
		res.Swapped = append(res.Swapped, what)
	}

	// State machines: definitions are checked first, then updated.
	startedMachines := map[string]project.StateMachine{}
	for _, sm := range started.StateMachines() {
		startedMachines[sm.LogicalID] = sm
	}
	var update []project.StateMachine
	for _, sm := range p.StateMachines() {
		was, ok := startedMachines[sm.LogicalID]
		delete(startedMachines, sm.LogicalID)
		last, running := old.Manifest.StateMachines[sm.LogicalID]
		switch {
		case !ok:
			res.Restart = append(res.Restart, "new state machine "+sm.LogicalID)
		case was.Name != sm.Name || was.Type != sm.Type:
			res.Restart = append(res.Restart, "state machine "+sm.LogicalID+"'s name or type")
		case !running || last.Definition != sm.Definition:
			if err := asl.ValidateDefinition(sm.Definition); err != nil {
				return Reloaded{}, definitionError(sm, err)
			}
			update = append(update, sm)
		}
	}
	for id := range startedMachines {
		res.Restart = append(res.Restart, "removed state machine "+id)
	}
	if !sameParts(tableParts(started), tableParts(p)) {
		res.Restart = append(res.Restart, "tables")
	}
	if !sameParts(started.Pipes(), p.Pipes()) {
		res.Restart = append(res.Restart, "pipes")
	}
	if !sameParts(started.Rules(), p.Rules()) {
		res.Restart = append(res.Restart, "rules")
	}
	if !sameParts(started.Queues(), p.Queues()) {
		res.Restart = append(res.Restart, "queues")
	}
	if !sameParts(started.Manifest.WebSocket, p.Manifest.WebSocket) {
		res.Restart = append(res.Restart, "websocket")
	}

	if e.opts.Backend != nil && len(update) > 0 {
		// The containers backend updates the definitions that changed.
		if err := e.opts.Backend.Provision(ctx, p); err != nil {
			return res, fmt.Errorf("update state machines: %w", err)
		}
	}
	for _, sm := range update {
		if e.opts.Backend != nil {
			res.Swapped = append(res.Swapped, "state machine "+sm.LogicalID+" ("+sm.DefinitionFile+")")
			continue
		}
		if err := e.ensureStateMachine(ctx, sm); err != nil {
			// Earlier machines of this reload are already updated: say so.
			return res, fmt.Errorf("%s: update state machine %s: %w", sm.DefinitionFile, sm.LogicalID, err)
		}
		res.Swapped = append(res.Swapped, "state machine "+sm.LogicalID+" ("+sm.DefinitionFile+")")
	}
	if newAPI != nil {
		e.apiSwap.swap(newAPI)
	}
	e.current = p
	return res, nil
}

// locationRe finds the JSON pointer Step Functions' diagnostics end with
// ("... at /States/Claim/Next").
var locationRe = regexp.MustCompile(` at (/[^' ]*)`)

// definitionError places a definition error at its file:line:col when the
// message locates it.
func definitionError(sm project.StateMachine, err error) error {
	pos := project.Pos{File: sm.DefinitionFile}
	if m := locationRe.FindStringSubmatch(err.Error()); m != nil {
		if p, ok := sm.DefinitionPos(m[1]); ok {
			pos = p
		}
	}
	return pos.Errorf("%v", err)
}

// tableParts are the tables as the engine sees them (positions and
// logical IDs aside).
func tableParts(p *project.Project) []any {
	var specs []any
	for _, t := range p.Tables() {
		specs = append(specs, tableSpec(t), t.TTLAttribute)
	}
	return specs
}

// sameParts compares two manifest parts, ignoring where they were written
// (every Pos field): moving a table down the file changes nothing.
func sameParts(a, b any) bool {
	return reflect.DeepEqual(withoutPos(a), withoutPos(b))
}

func withoutPos(v any) any {
	data, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		return v
	}
	var strip func(any)
	strip = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			delete(x, "Pos")
			for _, c := range x {
				strip(c)
			}
		case []any:
			for _, c := range x {
				strip(c)
			}
		}
	}
	strip(doc)
	return doc
}
