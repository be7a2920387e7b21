package push

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// Defaults for RouterOptions.
const (
	DefaultRegion        = "us-east-1"
	DefaultAccount       = "000000000000"
	DefaultBusName       = "default"
	DefaultRetryAttempts = 3
	DefaultRetryBackoff  = 50 * time.Millisecond
	// MaxTargetsPerRule is EventBridge's limit of targets on one rule.
	MaxTargetsPerRule = 5
	// MaxTargetsPerCall bounds PutTargets/RemoveTargets entries.
	MaxTargetsPerCall = 10
)

// Rule states.
const (
	StateEnabled  = "ENABLED"
	StateDisabled = "DISABLED"
)

// RetryPolicy says how failed deliveries are retried: Attempts tries in
// all, sleeping Backoff, 2×Backoff, ... between them.
type RetryPolicy struct {
	Attempts int
	Backoff  time.Duration
}

// RouterOptions configures a Router.
type RouterOptions struct {
	Region    string
	AccountID string
	// Hub receives payloads of push targets (arn:sfapi:push:::CHANNEL).
	Hub    *Hub
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// NewID makes event ids; nil means random UUIDs.
	NewID func() string
	// Synchronous delivers to targets inside PutEvents (including retries)
	// instead of in background goroutines; for deterministic tests.
	Synchronous bool
	// Retry is the delivery retry policy; zero fields take the defaults.
	// A negative Backoff means no sleeping between attempts.
	Retry RetryPolicy
	// Resolve binds target ARNs this package does not know (state
	// machines, ...); return false for an ARN that cannot be delivered.
	Resolve func(arn string) (Target, bool)
}

// TargetSpec is a rule target as PutTargets describes it.
type TargetSpec struct {
	ID               string
	ARN              string
	Input            string
	InputPath        string
	InputTransformer *InputTransformer
	// Bound, when set, is the concrete target and ARN is informational:
	// the emulator binds manifest targets this way through the Go API.
	Bound Target
}

// RuleSpec describes a rule for PutRule.
type RuleSpec struct {
	Name         string
	EventBusName string // name or ARN; "" means "default"
	EventPattern string
	State        string // "" means ENABLED
	Description  string
}

// RuleInfo describes an existing rule.
type RuleInfo struct {
	Name         string
	ARN          string
	EventBusName string
	EventPattern string
	State        string
	Description  string
}

// BusInfo describes an event bus.
type BusInfo struct {
	Name         string
	ARN          string
	CreationTime time.Time
}

// TargetFailure reports a target PutTargets or RemoveTargets could not
// handle.
type TargetFailure struct {
	TargetID     string
	ErrorCode    string
	ErrorMessage string
}

// Router owns event buses, their rules and the delivery of matched events
// to rule targets.
type Router struct {
	opts RouterOptions
	log  *slog.Logger

	mu     sync.RWMutex
	buses  map[string]*bus
	closed bool
	// archiveDB is nil until OpenArchives; archives by name.
	archiveDB *kv.DB
	archives  map[string]*archive
	// replays in progress by name, so CancelReplay can stop them.
	replays map[string]*liveReplay

	ctx    context.Context // canceled by Close; background deliveries use it
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type bus struct {
	info  BusInfo
	rules map[string]*rule
}

// rule values are immutable once published in a bus: updates replace the
// pointer, so delivery can use a snapshot without holding the lock.
type rule struct {
	info    RuleInfo
	pattern *Pattern
	targets []*boundTarget
}

type boundTarget struct {
	spec      TargetSpec
	target    Target
	tr        *Transformer
	inputPath *JSONPath
}

// NewRouter returns a Router holding the "default" bus.
func NewRouter(opts RouterOptions) *Router {
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if opts.AccountID == "" {
		opts.AccountID = DefaultAccount
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.NewID == nil {
		opts.NewID = uuid.NewString
	}
	if opts.Retry.Attempts <= 0 {
		opts.Retry.Attempts = DefaultRetryAttempts
	}
	if opts.Retry.Backoff == 0 {
		opts.Retry.Backoff = DefaultRetryBackoff
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Router{opts: opts, log: opts.Logger.With("component", "events"), buses: map[string]*bus{}, ctx: ctx, cancel: cancel}
	r.buses[DefaultBusName] = &bus{info: BusInfo{Name: DefaultBusName, ARN: r.busARN(DefaultBusName), CreationTime: opts.Now()}, rules: map[string]*rule{}}
	return r
}

// Region is the region stamped on events and ARNs.
func (r *Router) Region() string { return r.opts.Region }

// AccountID is the account id stamped on events and ARNs.
func (r *Router) AccountID() string { return r.opts.AccountID }

func (r *Router) busARN(name string) string {
	return fmt.Sprintf("arn:aws:events:%s:%s:event-bus/%s", r.opts.Region, r.opts.AccountID, name)
}

func (r *Router) ruleARN(busName, name string) string {
	if busName == DefaultBusName {
		return fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", r.opts.Region, r.opts.AccountID, name)
	}
	return fmt.Sprintf("arn:aws:events:%s:%s:rule/%s/%s", r.opts.Region, r.opts.AccountID, busName, name)
}

// BusName normalises a bus name or ARN ("" is the default bus).
func BusName(nameOrARN string) string {
	if nameOrARN == "" {
		return DefaultBusName
	}
	if n, ok := busNameFromARN(nameOrARN); ok {
		return n
	}
	return nameOrARN
}

var (
	busNameRE  = regexp.MustCompile(`^[/\.\-_A-Za-z0-9]{1,256}$`)
	ruleNameRE = regexp.MustCompile(`^[\.\-_A-Za-z0-9]{1,64}$`)
	targetIDRE = regexp.MustCompile(`^[\.\-_A-Za-z0-9]{1,64}$`)
)

// CreateBus creates a custom event bus.
func (r *Router) CreateBus(name string) (BusInfo, error) {
	if !busNameRE.MatchString(name) || name == DefaultBusName || strings.HasPrefix(name, "aws.") {
		return BusInfo{}, errorf(CodeValidation, "Event bus name %q is not valid.", name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.buses[name]; ok {
		return BusInfo{}, errorf(CodeResourceAlreadyExists, "Event bus %s already exists.", name)
	}
	b := &bus{info: BusInfo{Name: name, ARN: r.busARN(name), CreationTime: r.opts.Now()}, rules: map[string]*rule{}}
	r.buses[name] = b
	return b.info, nil
}

// DescribeBus returns a bus by name or ARN.
func (r *Router) DescribeBus(nameOrARN string) (BusInfo, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	b, err := r.busLocked(nameOrARN)
	if err != nil {
		return BusInfo{}, err
	}
	return b.info, nil
}

func (r *Router) busLocked(nameOrARN string) (*bus, error) {
	name := BusName(nameOrARN)
	b := r.buses[name]
	if b == nil {
		return nil, errorf(CodeResourceNotFound, "Event bus %s does not exist.", name)
	}
	return b, nil
}

// ListBuses returns the buses whose name starts with prefix, sorted.
func (r *Router) ListBuses(prefix string) []BusInfo {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []BusInfo
	for name, b := range r.buses {
		if strings.HasPrefix(name, prefix) {
			out = append(out, b.info)
		}
	}
	slices.SortFunc(out, func(a, b BusInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// DeleteBus deletes a custom bus and its rules. Deleting a bus that does
// not exist succeeds, as in AWS; the default bus cannot be deleted.
func (r *Router) DeleteBus(nameOrARN string) error {
	name := BusName(nameOrARN)
	if name == DefaultBusName {
		return errorf(CodeValidation, "Cannot delete event bus default.")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.buses, name)
	return nil
}

// PutRule creates or updates a rule and returns its ARN. Updating keeps
// the rule's targets.
func (r *Router) PutRule(spec RuleSpec) (string, error) {
	if !ruleNameRE.MatchString(spec.Name) {
		return "", errorf(CodeValidation, "1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and length between 1 and 64", spec.Name)
	}
	state := spec.State
	switch state {
	case "":
		state = StateEnabled
	case StateEnabled, StateDisabled:
	default:
		return "", errorf(CodeValidation, "1 validation error detected: Value '%s' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]", state)
	}
	if spec.EventPattern == "" {
		return "", errorf(CodeValidation, "Parameter(s) EventPattern must be specified.")
	}
	p, err := CompilePattern([]byte(spec.EventPattern))
	if err != nil {
		return "", &Error{Code: CodeInvalidEventPattern, Message: err.Error()}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	b, err := r.busLocked(spec.EventBusName)
	if err != nil {
		return "", err
	}
	nr := &rule{
		info: RuleInfo{
			Name: spec.Name, ARN: r.ruleARN(b.info.Name, spec.Name), EventBusName: b.info.Name,
			EventPattern: spec.EventPattern, State: state, Description: spec.Description,
		},
		pattern: p,
	}
	if old := b.rules[spec.Name]; old != nil {
		nr.targets = old.targets
	}
	b.rules[spec.Name] = nr
	return nr.info.ARN, nil
}

func (r *Router) ruleLocked(busName, name string) (*bus, *rule, error) {
	b, err := r.busLocked(busName)
	if err != nil {
		return nil, nil, err
	}
	ru := b.rules[name]
	if ru == nil {
		return nil, nil, errorf(CodeResourceNotFound, "Rule %s does not exist on EventBus %s.", name, b.info.Name)
	}
	return b, ru, nil
}

// DescribeRule returns one rule.
func (r *Router) DescribeRule(busName, name string) (RuleInfo, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ru, err := r.ruleLocked(busName, name)
	if err != nil {
		return RuleInfo{}, err
	}
	return ru.info, nil
}

// ListRules returns the bus's rules whose name starts with prefix, sorted.
func (r *Router) ListRules(busName, prefix string) ([]RuleInfo, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	b, err := r.busLocked(busName)
	if err != nil {
		return nil, err
	}
	var out []RuleInfo
	for name, ru := range b.rules {
		if strings.HasPrefix(name, prefix) {
			out = append(out, ru.info)
		}
	}
	slices.SortFunc(out, func(a, b RuleInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// DeleteRule deletes a rule. A rule that still has targets is only deleted
// with force, as in AWS. Deleting a missing rule succeeds.
func (r *Router) DeleteRule(busName, name string, force bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, err := r.busLocked(busName)
	if err != nil {
		return err
	}
	ru := b.rules[name]
	if ru == nil {
		return nil
	}
	if len(ru.targets) > 0 && !force {
		return errorf(CodeValidation, "Rule can't be deleted since it has targets.")
	}
	delete(b.rules, name)
	return nil
}

// PutTargets adds or replaces (by ID) targets of a rule. Per-target
// problems are returned as failures; call-level problems as an error.
func (r *Router) PutTargets(busName, ruleName string, specs []TargetSpec) ([]TargetFailure, error) {
	if len(specs) == 0 || len(specs) > MaxTargetsPerCall {
		return nil, errorf(CodeValidation, "1 validation error detected: Value at 'targets' failed to satisfy constraint: Member must have length between 1 and %d", MaxTargetsPerCall)
	}
	bound := make([]*boundTarget, 0, len(specs))
	for _, s := range specs {
		bt, err := r.bindTarget(s)
		if err != nil {
			return nil, err
		}
		bound = append(bound, bt)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ru, err := r.ruleLocked(busName, ruleName)
	if err != nil {
		return nil, err
	}
	targets := slices.Clone(ru.targets)
	var failed []TargetFailure
	for _, bt := range bound {
		i := slices.IndexFunc(targets, func(t *boundTarget) bool { return t.spec.ID == bt.spec.ID })
		switch {
		case i >= 0:
			targets[i] = bt
		case len(targets) >= MaxTargetsPerRule:
			failed = append(failed, TargetFailure{TargetID: bt.spec.ID, ErrorCode: CodeLimitExceeded, ErrorMessage: "The requested resource exceeds the maximum number allowed."})
		default:
			targets = append(targets, bt)
		}
	}
	slices.SortFunc(targets, func(a, b *boundTarget) int { return strings.Compare(a.spec.ID, b.spec.ID) })
	nr := *ru
	nr.targets = targets
	b.rules[ruleName] = &nr
	return failed, nil
}

func (r *Router) bindTarget(s TargetSpec) (*boundTarget, error) {
	if !targetIDRE.MatchString(s.ID) {
		return nil, errorf(CodeValidation, "1 validation error detected: Value '%s' at 'targets.id' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+", s.ID)
	}
	n := 0
	for _, set := range []bool{s.Input != "", s.InputPath != "", s.InputTransformer != nil} {
		if set {
			n++
		}
	}
	if n > 1 {
		return nil, errorf(CodeValidation, "Only one of Input, InputPath, or InputTransformer must be provided.")
	}
	bt := &boundTarget{spec: s}
	var err error
	if bt.target, err = r.resolveTarget(s); err != nil {
		return nil, err
	}
	if s.Input != "" && !json.Valid([]byte(s.Input)) {
		return nil, errorf(CodeValidation, "Input for target %s is not valid JSON.", s.ID)
	}
	if s.InputPath != "" {
		if bt.inputPath, err = ParseJSONPath(s.InputPath); err != nil {
			return nil, err
		}
	}
	if s.InputTransformer != nil {
		if bt.tr, err = CompileTransformer(*s.InputTransformer); err != nil {
			return nil, err
		}
	}
	return bt, nil
}

// ListTargets returns a rule's targets sorted by ID.
func (r *Router) ListTargets(busName, ruleName string) ([]TargetSpec, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ru, err := r.ruleLocked(busName, ruleName)
	if err != nil {
		return nil, err
	}
	out := make([]TargetSpec, 0, len(ru.targets))
	for _, t := range ru.targets {
		out = append(out, t.spec)
	}
	return out, nil
}

// RemoveTargets removes targets by ID; unknown IDs are ignored, as in AWS.
func (r *Router) RemoveTargets(busName, ruleName string, ids []string, force bool) ([]TargetFailure, error) {
	if len(ids) == 0 || len(ids) > MaxTargetsPerCall {
		return nil, errorf(CodeValidation, "1 validation error detected: Value at 'ids' failed to satisfy constraint: Member must have length between 1 and %d", MaxTargetsPerCall)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ru, err := r.ruleLocked(busName, ruleName)
	if err != nil {
		return nil, err
	}
	nr := *ru
	nr.targets = slices.DeleteFunc(slices.Clone(ru.targets), func(t *boundTarget) bool { return slices.Contains(ids, t.spec.ID) })
	b.rules[ruleName] = &nr
	return nil, nil
}

// PutEvents validates entries, stamps ids and routes each accepted event
// through the rules of its bus. Call-level violations (more than
// MaxPutEventsEntries entries, total size over MaxPutEventsSize) return a
// ValidationException; per-entry problems are reported in the output as
// AWS does, without failing the other entries.
func (r *Router) PutEvents(ctx context.Context, entries []Entry) (PutEventsOutput, error) {
	if err := validateEntries(entries); err != nil {
		return PutEventsOutput{}, err
	}
	out := PutEventsOutput{Entries: make([]EntryResult, len(entries))}
	now := r.opts.Now()
	for i, e := range entries {
		if res := validateEntry(e); res != nil {
			out.Entries[i] = *res
			out.FailedEntryCount++
			continue
		}
		name := BusName(e.EventBusName)
		r.mu.RLock()
		_, err := r.busLocked(name)
		r.mu.RUnlock()
		if err != nil {
			out.Entries[i] = EntryResult{ErrorCode: CodeResourceNotFound, ErrorMessage: fmt.Sprintf("Event bus %s does not exist.", name)}
			out.FailedEntryCount++
			continue
		}
		id := r.opts.NewID()
		raw, err := buildEvent(id, r.opts.AccountID, r.opts.Region, now, e)
		if err != nil {
			out.Entries[i] = EntryResult{ErrorCode: "InternalException", ErrorMessage: err.Error()}
			out.FailedEntryCount++
			continue
		}
		if r.log.Enabled(ctx, slog.LevelDebug) { // `sfapi logs` is following
			r.log.DebugContext(ctx, "event put", "event_id", id, "bus", name, "source", e.Source, "detail_type", e.DetailType, "detail", logText(e.Detail))
		}
		doc, err := r.route(ctx, name, raw, nil)
		if err != nil {
			r.log.Error("route event", "event_id", id, "bus", name, "err", err)
		}
		if doc != nil {
			if err := r.archiveEvent(name, doc, raw); err != nil {
				// The event was delivered; only its archive copy is lost.
				r.log.Error("archive event", "event_id", id, "bus", name, "err", err)
			}
		}
		out.Entries[i] = EntryResult{EventID: id}
	}
	return out, nil
}

type delivery struct {
	rule    *rule
	target  *boundTarget
	payload []byte
	eventID string
}

// routeReplay routes a replayed event; only, when not nil, names the rule
// ARNs that may receive it.
func (r *Router) routeReplay(ctx context.Context, busName string, raw []byte, only map[string]bool) error {
	_, err := r.route(ctx, busName, raw, only)
	return err
}

// route matches an event against a bus's enabled rules (those in only,
// when not nil) and delivers it to the targets of every matching rule. It
// returns the decoded event.
func (r *Router) route(ctx context.Context, busName string, raw []byte, only map[string]bool) (any, error) {
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("decode event for bus %q: %w", busName, err)
	}
	eventID := ""
	if m, ok := doc.(map[string]any); ok {
		eventID, _ = m["id"].(string)
	}
	ingest := r.opts.Now().UTC().Format(time.RFC3339)
	r.mu.RLock()
	b, err := r.busLocked(busName)
	if err != nil {
		r.mu.RUnlock()
		return nil, err
	}
	names := make([]string, 0, len(b.rules))
	for n := range b.rules {
		names = append(names, n)
	}
	slices.Sort(names)
	var ds []delivery
	for _, n := range names {
		ru := b.rules[n]
		if ru.info.State != StateEnabled || (only != nil && !only[ru.info.ARN]) || !ru.pattern.MatchValue(doc) {
			continue
		}
		for _, t := range ru.targets {
			ds = append(ds, delivery{rule: ru, target: t, eventID: eventID})
		}
	}
	closed := r.closed
	if !closed && !r.opts.Synchronous {
		// Add under the lock: Close takes the write lock before Wait, so
		// no delivery can be added after Close started waiting.
		r.wg.Add(len(ds))
	}
	r.mu.RUnlock()
	if closed {
		return nil, fmt.Errorf("route event on bus %q: router closed", busName)
	}
	for _, d := range ds {
		d.payload = d.target.payload(doc, raw, DeliveryInfo{RuleARN: d.rule.info.ARN, RuleName: d.rule.info.Name, IngestionTime: ingest})
		if r.opts.Synchronous {
			r.deliver(ctx, d)
			continue
		}
		// Background deliveries outlive the request: they use the router's
		// context (canceled by Close) but keep the hop count.
		hops, _ := ctx.Value(hopKey{}).(int)
		go func() {
			defer r.wg.Done()
			r.deliver(context.WithValue(r.ctx, hopKey{}, hops), d)
		}()
	}
	return doc, nil
}

// payload computes what a target receives: the event, the constant Input,
// the InputPath selection, or the transformed template.
func (t *boundTarget) payload(doc any, raw []byte, info DeliveryInfo) []byte {
	switch {
	case t.spec.Input != "":
		return []byte(t.spec.Input)
	case t.inputPath != nil:
		v, ok := t.inputPath.Eval(doc)
		if !ok {
			return []byte("null")
		}
		return marshalJSON(v)
	case t.tr != nil:
		return t.tr.Apply(doc, raw, info)
	}
	return raw
}

func (r *Router) deliver(ctx context.Context, d delivery) {
	backoff := r.opts.Retry.Backoff
	var err error
	for attempt := 1; attempt <= r.opts.Retry.Attempts; attempt++ {
		if err = d.target.target.Deliver(ctx, d.payload); err == nil {
			return
		}
		if attempt == r.opts.Retry.Attempts || ctx.Err() != nil {
			break
		}
		if backoff > 0 {
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
			case <-t.C:
			}
			backoff *= 2
		}
	}
	r.log.Error("drop event after failed delivery", "event_id", d.eventID, "rule", d.rule.info.Name,
		"target", d.target.spec.ID, "attempts", r.opts.Retry.Attempts, "err", err)
}

// Wait blocks until every background delivery started so far (including
// its retries) has finished. Tests call it after PutEvents.
func (r *Router) Wait() { r.wg.Wait() }

// Close stops accepting events, cancels in-flight retries and waits for
// background deliveries, or for ctx.
func (r *Router) Close(ctx context.Context) error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.cancel()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("close event router: %w", ctx.Err())
	}
}

// logText bounds a payload for a debug log line.
func logText(s string) string {
	const max = 2048
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
