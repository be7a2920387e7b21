package asl

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// Options configure an Engine.
type Options struct {
	Store  *kv.DB
	Tasks  TaskInvoker
	Logger *slog.Logger
	// Now is the clock (history timestamps, Wait states); defaults to time.Now.
	Now func() time.Time
	// Sleep waits for d or until ctx is done (Wait states, retry delays);
	// defaults to a real timer. Tests pass a fake that advances Now.
	Sleep     func(ctx context.Context, d time.Duration) error
	Region    string
	AccountID string
	// Mocks answers Task states from a Step Functions Local MockConfigFile
	// (see LoadMockConfig); an execution uses the test case named by the
	// "stateMachineArn#TestCase" suffix of StartExecution, else
	// DefaultTestCase when its state machine has one.
	Mocks           *MockConfig
	DefaultTestCase string
}

// Engine runs state machines and keeps them durable in Options.Store.
type Engine struct {
	opts Options
	db   *kv.DB
	log  *slog.Logger

	// smArnPrefix is "arn:aws:states:REGION:ACCOUNT:stateMachine:", built
	// once: every StartExecution checks an ARN against it.
	smArnPrefix string

	// historyIDs hands out the numbers that prefix new executions' history
	// keys (execRecord.HistoryID); the history bucket's sequence keeps the
	// highest one stored.
	historyIDs atomic.Uint64

	mu       sync.RWMutex
	machines map[string]*machineEntry // by ARN; a cache of the store
	defs     map[string]*machine      // parsed definitions by hash
	live     map[string]*run          // RUNNING executions with a goroutine
	mapRuns  map[string]*liveMapRun   // running Map Runs of distributed Map states

	tokenMu sync.Mutex
	waiters map[string]chan struct{} // task token → wake-up of the waiting task

	baseCtx    context.Context
	baseCancel context.CancelCauseFunc
	wg         sync.WaitGroup
	express    sync.WaitGroup // asynchronous EXPRESS executions, for Wait
	closed     bool
}

type machineEntry struct {
	sm   StateMachine
	def  *machine
	hash string // defHash(sm.Definition), kept: every execution start records it
}

// NewEngine opens the engine's buckets in opts.Store.
func NewEngine(opts Options) (*Engine, error) {
	if opts.Store == nil {
		return nil, errors.New("asl: Options.Store is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = realSleep
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "123456789012"
	}
	if err := ensureBuckets(opts.Store); err != nil {
		return nil, fmt.Errorf("open step functions store: %w", err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	e := &Engine{
		opts: opts, db: opts.Store, log: opts.Logger.With("component", "asl"),
		smArnPrefix: "arn:aws:states:" + opts.Region + ":" + opts.AccountID + ":stateMachine:",
		machines:    map[string]*machineEntry{}, defs: map[string]*machine{}, live: map[string]*run{}, mapRuns: map[string]*liveMapRun{},
		waiters: map[string]chan struct{}{},
		baseCtx: ctx, baseCancel: cancel,
	}
	_ = e.db.View(func(tx *kv.Tx) error {
		e.historyIDs.Store(tx.Bucket(bucketHistory).Sequence())
		return nil
	})
	return e, nil
}

func realSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (e *Engine) now() time.Time { return e.opts.Now().UTC() }

func (e *Engine) sleep(ctx context.Context, d time.Duration) error { return e.opts.Sleep(ctx, d) }

// Start resumes every RUNNING execution found in the store from its last
// checkpoint.
func (e *Engine) Start(ctx context.Context) error {
	var arns []string
	err := e.db.View(func(tx *kv.Tx) error {
		return tx.Bucket(bucketRunning).ForEach(func(k, _ []byte) error {
			arns = append(arns, string(k))
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("list running executions: %w", err)
	}
	for _, arn := range arns {
		if err := ctx.Err(); err != nil {
			return err
		}
		e.mu.RLock()
		_, isLive := e.live[arn]
		e.mu.RUnlock()
		if isLive {
			continue
		}
		if err := e.resume(arn); err != nil {
			e.log.Error("resume execution", "arn", arn, "err", err)
		}
	}
	return nil
}

func (e *Engine) resume(arn string) error {
	var rec execRecord
	var cp checkpoint
	var defText string
	err := e.db.View(func(tx *kv.Tx) error {
		if ok, err := getJSON(tx, bucketExecutions, arn, &rec); err != nil || !ok {
			return errors.Join(err, fmt.Errorf("execution record missing"))
		}
		if ok, err := getJSON(tx, bucketCheckpoints, arn, &cp); err != nil || !ok {
			return errors.Join(err, fmt.Errorf("checkpoint missing"))
		}
		defText = string(tx.Bucket(bucketDefinitions).Get([]byte(rec.DefHash)))
		return nil
	})
	if err != nil {
		return err
	}
	def, err := e.parsedDef(rec.DefHash, defText)
	if err != nil {
		return fmt.Errorf("parse snapshotted definition: %w", err)
	}
	input, err := parseInput(string(cp.Input))
	if err != nil {
		return fmt.Errorf("decode checkpoint input: %w", err)
	}
	e.log.Info("resuming execution", "arn", arn, "state", cp.State)
	return e.launch(&rec, def, cp, input)
}

// parsedDef returns the parsed definition for a hash, parsing and caching
// it on first use.
func (e *Engine) parsedDef(hash, text string) (*machine, error) {
	e.mu.RLock()
	m := e.defs[hash]
	e.mu.RUnlock()
	if m != nil {
		return m, nil
	}
	m, err := parseDefinition(text)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.defs[hash] = m
	e.mu.Unlock()
	return m, nil
}

func defHash(def string) string {
	h := sha256.Sum256([]byte(def))
	return hex.EncodeToString(h[:])
}

// Shutdown stops every execution goroutine. Running executions stay
// RUNNING on disk and resume at the next Start.
func (e *Engine) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.baseCancel(errShutdown)
	done := make(chan struct{})
	go func() { e.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("shut down step functions engine: %w", ctx.Err())
	}
}

// Wait blocks until every execution that is running now has stopped (or
// ctx is done).
func (e *Engine) Wait(ctx context.Context) error {
	e.mu.RLock()
	runs := make([]*run, 0, len(e.live))
	for _, r := range e.live {
		runs = append(runs, r)
	}
	e.mu.RUnlock()
	for _, r := range runs {
		select {
		case <-r.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	done := make(chan struct{})
	go func() { e.express.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// WaitExecution blocks until the execution is no longer running in this
// engine and returns its description.
func (e *Engine) WaitExecution(ctx context.Context, arn string) (*Execution, error) {
	e.mu.RLock()
	r := e.live[arn]
	e.mu.RUnlock()
	if r != nil {
		select {
		case <-r.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if r.final != nil {
			ex := *r.final
			return &ex, nil
		}
	}
	return e.DescribeExecution(ctx, arn)
}
