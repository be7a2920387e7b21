package pipes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

// Record is one stream record as a JSON document (the shape DynamoDB
// Streams' GetRecords returns), with its sequence number.
type Record struct {
	SequenceNumber string
	Body           json.RawMessage
}

// Source is a stream shard the pipe reads.
type Source interface {
	// Read returns up to limit records after the given sequence number
	// ("" = the oldest retained record), in order.
	Read(ctx context.Context, after string, limit int) ([]Record, error)
	// Wait blocks until a record after the given sequence number exists or
	// ctx is done.
	Wait(ctx context.Context, after string) error
	// Latest returns the sequence number of the newest record ("" if none);
	// a LATEST pipe starts after it.
	Latest(ctx context.Context) (string, error)
}

// Batch is what a target receives: the input document (a JSON array of
// the batch's records, each shaped by the input template if any), the
// derived invocation name ("" when the pipe has none) and the records.
type Batch struct {
	Input   json.RawMessage
	Name    string
	Records []Record
}

// Target is where batches go (a state machine, an event bus, a push channel).
type Target interface {
	Invoke(ctx context.Context, b Batch) error
}

// Filter accepts or rejects one record document (an EventBridge pattern).
type Filter interface {
	MatchJSON(doc []byte) bool
}

// ValueFilter is a Filter that can also match a document the pipe already
// decoded (encoding/json into any), so a record is parsed once, not once
// per filter.
type ValueFilter interface {
	Filter
	MatchValue(doc any) bool
}

// Config is one pipe's settings, named after AWS::Pipes::Pipe's
// DynamoDBStreamParameters.
type Config struct {
	Name string
	// SourceARN is added to each record as eventSourceARN, as Pipes does.
	SourceARN        string
	StartingPosition string // TRIM_HORIZON or LATEST
	BatchSize        int
	BatchingWindow   time.Duration
	Filters          []Filter
	// MaxRetryAttempts is -1 for "retry until the record expires" (AWS's
	// default; the zero value means no retries).
	MaxRetryAttempts int
	// MaxRecordAge is 0 for "no limit" (AWS's -1).
	MaxRecordAge time.Duration
	Bisect       bool
	// BisectPartialFailures is OnPartialBatchItemFailure AUTOMATIC_BISECT:
	// after a partial batch response, the records from the first failed
	// one on are halved and each half retried, down to the failing record.
	// Without it they are retried as one batch.
	BisectPartialFailures bool
	// InputTemplate shapes each record: "<$.json.path>" placeholders are
	// replaced by the value at that path. Empty means the record itself.
	InputTemplate string
	// NameTemplate derives the invocation name from the first record of the
	// batch, with the same placeholders (e.g. "<$.dynamodb.Keys.pk.S>").
	NameTemplate string
	// ParallelizationFactor (1-10; <= 1 means 1) is how many batches of
	// the shard may be in flight at once. Records are spread over that
	// many lanes by partition key, so records of one key keep their order.
	ParallelizationFactor int
	// PartitionKey returns a record's partition key; nil means the
	// record's dynamodb.Keys document (the item's whole key).
	PartitionKey func(doc []byte) string
	// Decode decodes a record for the filters (ValueFilter.MatchValue);
	// nil means encoding/json into an any. A decoder may leave out the
	// members no filter reads, but must keep eventSourceARN and must fail
	// exactly when encoding/json fails, with its error (a failing record
	// is parked with that text).
	Decode func(doc []byte) (any, error)
}

// MaxParallelizationFactor is AWS's upper bound.
const MaxParallelizationFactor = 10

// Defaults from AWS for DynamoDB stream sources.
const (
	DefaultBatchSize = 10
	maxBackoff       = 30 * time.Second
)

// Pipe moves records from a Source to a Target.
type Pipe struct {
	cfg   Config
	src   Source
	tgt   Target
	store *Store
	log   *slog.Logger
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

// New returns a pipe; store keeps its checkpoint and on-failure queue.
func New(cfg Config, src Source, tgt Target, store *Store, log *slog.Logger) (*Pipe, error) {
	if cfg.Name == "" {
		return nil, errors.New("pipe: name is required")
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	cfg.ParallelizationFactor = min(max(cfg.ParallelizationFactor, 1), MaxParallelizationFactor)
	if cfg.PartitionKey == nil {
		cfg.PartitionKey = itemKey
	}
	if cfg.StartingPosition == "" {
		cfg.StartingPosition = "TRIM_HORIZON"
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Pipe{cfg: cfg, src: src, tgt: tgt, store: store, log: log.With("pipe", cfg.Name), now: time.Now, sleep: sleepCtx}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Run polls until ctx is done. It returns nil on cancellation and an error
// only when the checkpoint store fails. The checkpoint is committed off the
// delivery path (see checkpointer) and flushed before Run returns.
func (p *Pipe) Run(ctx context.Context) (err error) {
	pos, ok, err := p.store.Checkpoint(p.cfg.Name)
	if err != nil {
		return err
	}
	if !ok && p.cfg.StartingPosition == "LATEST" {
		if pos, err = p.src.Latest(ctx); err != nil {
			return fmt.Errorf("pipe %s: read latest position: %w", p.cfg.Name, err)
		}
		if err := p.store.SaveCheckpoint(p.cfg.Name, pos); err != nil {
			return err
		}
	}
	ck := newCheckpointer(p.store, p.cfg.Name)
	defer func() {
		if cerr := ck.close(); err == nil {
			err = cerr
		}
	}()
	for ctx.Err() == nil {
		recs, err := p.next(ctx, pos)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			p.log.Error("read stream", "err", err)
			if p.sleep(ctx, time.Second) != nil {
				return nil
			}
			continue
		}
		if len(recs) == 0 {
			continue
		}
		if err := p.process(ctx, recs, ck); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		pos = recs[len(recs)-1].SequenceNumber
		if err := ck.advance(pos); err != nil {
			return err
		}
	}
	return nil
}

// readAhead is how many records one poll reads at least: most records of
// a busy table are usually filtered out (a job's own updates), and reading
// them in bigger slices lets one delivery round and one checkpoint commit
// cover many of them. 1,000 is GetRecords' maximum.
const readAhead = 1000

// next waits for records after pos and gathers a batch, waiting up to the
// batching window for it to fill.
func (p *Pipe) next(ctx context.Context, pos string) ([]Record, error) {
	if err := p.src.Wait(ctx, pos); err != nil {
		return nil, err
	}
	// With parallel lanes one read feeds a batch to each lane; the
	// batching window waits for that many records at most.
	limit := p.cfg.BatchSize * p.cfg.ParallelizationFactor
	recs, err := p.src.Read(ctx, pos, max(limit, readAhead))
	if err != nil || len(recs) >= limit || p.cfg.BatchingWindow <= 0 {
		return recs, err
	}
	deadline := p.now().Add(p.cfg.BatchingWindow)
	for len(recs) < limit {
		wctx, cancel := context.WithDeadline(ctx, deadline)
		err := p.src.Wait(wctx, recs[len(recs)-1].SequenceNumber)
		cancel()
		if err != nil {
			break // window closed (or ctx done): ship what we have
		}
		more, err := p.src.Read(ctx, recs[len(recs)-1].SequenceNumber, limit-len(recs))
		if err != nil {
			return nil, err
		}
		recs = append(recs, more...)
	}
	return recs, ctx.Err()
}

// process filters and delivers one read batch; it returns once every
// record was accepted by the target or parked in the on-failure queue.
// On the in-order path (one lane) it moves the checkpoint after each
// accepted batch; with parallel lanes Run moves it once every lane is done.
func (p *Pipe) process(ctx context.Context, recs []Record, ck *checkpointer) error {
	kept := make([]Record, 0, len(recs))
	for _, r := range recs {
		body, doc, err := p.prepare(r.Body)
		if err != nil {
			// A record that is not a JSON object cannot be filtered or
			// delivered; park it rather than drop it.
			if err := p.store.Park(p.cfg.Name, []Record{r}, "InvalidRecord", err.Error(), 0); err != nil {
				return err
			}
			continue
		}
		r.Body = body
		if p.accepts(body, doc) {
			kept = append(kept, r)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	if p.cfg.ParallelizationFactor == 1 {
		return p.deliverChunks(ctx, kept, ck)
	}
	return p.deliverParallel(ctx, kept)
}

// deliverChunks delivers records in order, BatchSize at a time. With a
// checkpointer (in-order delivery of a whole shard) the checkpoint follows
// each batch once it was accepted or parked.
func (p *Pipe) deliverChunks(ctx context.Context, recs []Record, ck *checkpointer) error {
	for len(recs) > 0 {
		n := min(len(recs), p.cfg.BatchSize)
		if err := p.deliver(ctx, recs[:n], ck); err != nil {
			return err
		}
		if ck != nil {
			if err := ck.advance(recs[n-1].SequenceNumber); err != nil {
				return err
			}
		}
		recs = recs[n:]
	}
	return nil
}

// deliverParallel spreads records over ParallelizationFactor lanes by
// partition key (a key always maps to the same lane, so its records stay
// in order) and delivers the lanes concurrently. It returns once every
// lane is done, so the checkpoint still moves only past accepted records.
func (p *Pipe) deliverParallel(ctx context.Context, recs []Record) error {
	lanes := make([][]Record, p.cfg.ParallelizationFactor)
	for _, r := range recs {
		h := fnv.New32a()
		h.Write([]byte(p.cfg.PartitionKey(r.Body)))
		i := h.Sum32() % uint32(len(lanes))
		lanes[i] = append(lanes[i], r)
	}
	var g errgroup.Group
	for _, lane := range lanes {
		if len(lane) > 0 {
			// A lane's progress is not the shard's: no checkpointer.
			g.Go(func() error { return p.deliverChunks(ctx, lane, nil) })
		}
	}
	return g.Wait()
}

// itemKey is the default partition key: the record's dynamodb.Keys.
func itemKey(doc []byte) string {
	var r struct {
		DynamoDB struct {
			Keys json.RawMessage `json:"Keys"`
		} `json:"dynamodb"`
	}
	_ = json.Unmarshal(doc, &r)
	return string(r.DynamoDB.Keys)
}

func (p *Pipe) accepts(body []byte, doc map[string]any) bool {
	if len(p.cfg.Filters) == 0 {
		return true
	}
	for _, f := range p.cfg.Filters {
		if vf, ok := f.(ValueFilter); ok {
			if vf.MatchValue(doc) {
				return true
			}
		} else if f.MatchJSON(body) {
			return true
		}
	}
	return false
}

// prepare decodes a record once, for the filters, and adds the pipe's
// source ARN as eventSourceARN (re-encoding only when the source did not
// set it already).
func (p *Pipe) prepare(body json.RawMessage) (json.RawMessage, map[string]any, error) {
	var v any
	var err error
	if p.cfg.Decode != nil {
		v, err = p.cfg.Decode(body)
	} else {
		err = json.Unmarshal(body, &v)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("record is not a JSON object: %w", err)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, nil, errors.New("record is not a JSON object")
	}
	if arn := p.cfg.SourceARN; arn != "" && doc["eventSourceARN"] != arn {
		var err error
		if body, err = withSourceARN(body, arn); err != nil {
			return nil, nil, err
		}
		doc["eventSourceARN"] = arn
	}
	return body, doc, nil
}

// PartialFailure is the error a target returns when it processed a batch
// but reports some records as failed, as Lambda and Step Functions targets
// do with a partial batch response ({"batchItemFailures":
// [{"itemIdentifier": "<sequence number>"}]}). The records before the
// first failed one count as accepted; the pipe retries from that one.
type PartialFailure struct {
	// ItemIdentifiers are the failed records' sequence numbers.
	ItemIdentifiers []string
}

func (e *PartialFailure) Error() string {
	return fmt.Sprintf("target reported %d failed batch items (first %q)", len(e.ItemIdentifiers), firstOr(e.ItemIdentifiers))
}

func firstOr(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// firstFailed returns the index in recs of the earliest record a partial
// batch response names, or -1 when the response names none of them or an
// empty identifier: AWS then treats the whole batch as failed.
func firstFailed(recs []Record, ids []string) int {
	if len(ids) == 0 {
		return -1
	}
	pos := make(map[string]int, len(recs))
	for i, r := range recs {
		pos[r.SequenceNumber] = i
	}
	first := len(recs)
	for _, id := range ids {
		i, ok := pos[id]
		if !ok {
			return -1
		}
		first = min(first, i)
	}
	return first
}

// deliver invokes the target with retries; on exhaustion it bisects (when
// enabled) or parks the batch. A partial batch response accepts the
// records before the first failed one: the checkpoint (ck, on the
// in-order path) moves to just before it, and the retry starts from it —
// halving the rest first when OnPartialBatchItemFailure is AUTOMATIC_BISECT.
func (p *Pipe) deliver(ctx context.Context, recs []Record, ck *checkpointer) error {
	batch, err := p.batch(recs)
	if err != nil {
		return p.store.Park(p.cfg.Name, recs, "InputTransformationFailed", err.Error(), 0)
	}
	attempts := 0
	backoff := 100 * time.Millisecond
	for {
		err := p.tgt.Invoke(ctx, batch)
		if err == nil {
			if p.log.Enabled(ctx, slog.LevelDebug) {
				p.log.DebugContext(ctx, "batch delivered", "records", len(recs), "first", recs[0].SequenceNumber,
					"last", recs[len(recs)-1].SequenceNumber, "keys", recordKeys(recs), "attempts", attempts+1)
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		attempts++
		p.log.Warn("target failed", "records", len(recs), "attempt", attempts, "err", err)
		bisect := p.cfg.Bisect
		var pf *PartialFailure
		if errors.As(err, &pf) {
			bisect = p.cfg.BisectPartialFailures
			if i := firstFailed(recs, pf.ItemIdentifiers); i > 0 {
				if ck != nil {
					if err := ck.advance(recs[i-1].SequenceNumber); err != nil {
						return err
					}
				}
				recs = recs[i:]
				if batch, err = p.batch(recs); err != nil {
					return p.store.Park(p.cfg.Name, recs, "InputTransformationFailed", err.Error(), 0)
				}
			}
		}
		if bisect && len(recs) > 1 {
			half := len(recs) / 2
			if err := p.deliver(ctx, recs[:half], ck); err != nil {
				return err
			}
			if ck != nil {
				if err := ck.advance(recs[half-1].SequenceNumber); err != nil {
					return err
				}
			}
			return p.deliver(ctx, recs[half:], ck)
		}
		if p.exhausted(attempts, recs) {
			return p.store.Park(p.cfg.Name, recs, "TargetInvocationFailed", err.Error(), attempts)
		}
		if err := p.sleep(ctx, backoff); err != nil {
			return err
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

func (p *Pipe) exhausted(attempts int, recs []Record) bool {
	if p.cfg.MaxRetryAttempts >= 0 && attempts > p.cfg.MaxRetryAttempts {
		return true
	}
	if p.cfg.MaxRecordAge > 0 {
		if created, ok := recordTime(recs[0].Body); ok && p.now().Sub(created) > p.cfg.MaxRecordAge {
			return true
		}
	}
	return false
}

// recordTime reads dynamodb.ApproximateCreationDateTime (epoch seconds).
func recordTime(doc []byte) (time.Time, bool) {
	var r struct {
		DynamoDB struct {
			ApproximateCreationDateTime float64 `json:"ApproximateCreationDateTime"`
		} `json:"dynamodb"`
	}
	if json.Unmarshal(doc, &r) != nil || r.DynamoDB.ApproximateCreationDateTime == 0 {
		return time.Time{}, false
	}
	sec := r.DynamoDB.ApproximateCreationDateTime
	return time.Unix(int64(sec), int64((sec-float64(int64(sec)))*1e9)), true
}

func (p *Pipe) batch(recs []Record) (Batch, error) {
	items := make([]json.RawMessage, len(recs))
	for i, r := range recs {
		if p.cfg.InputTemplate == "" {
			items[i] = r.Body
			continue
		}
		out, err := Render(p.cfg.InputTemplate, r.Body, true)
		if err != nil {
			return Batch{}, err
		}
		items[i] = json.RawMessage(out)
	}
	input, err := json.Marshal(items)
	if err != nil {
		return Batch{}, err
	}
	b := Batch{Input: input, Records: recs}
	if p.cfg.NameTemplate != "" {
		name, err := Render(p.cfg.NameTemplate, recs[0].Body, false)
		if err != nil {
			return Batch{}, err
		}
		b.Name = SanitizeName(name)
	}
	return b, nil
}

// withSourceARN sets eventSourceARN on a record, keeping every other
// member's encoding as it was.
func withSourceARN(doc json.RawMessage, arn string) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(doc, &m); err != nil {
		return nil, fmt.Errorf("record is not a JSON object: %w", err)
	}
	a, _ := json.Marshal(arn)
	m["eventSourceARN"] = a
	return json.Marshal(m)
}

var invalidName = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// SanitizeName turns a derived name into a valid execution name: at most 80
// characters of letters, digits, '-' and '_'.
func SanitizeName(s string) string {
	s = invalidName.ReplaceAllString(strings.TrimSpace(s), "-")
	if len(s) > 80 {
		s = s[:80]
	}
	return s
}

// recordKeys lists the stream records' keys as JSON text, for the debug
// log (`sfapi logs --job` finds a job's batches by its key).
func recordKeys(recs []Record) []string {
	keys := make([]string, 0, len(recs))
	for _, r := range recs {
		var rec struct {
			Dynamodb struct {
				Keys json.RawMessage
			}
		}
		if json.Unmarshal(r.Body, &rec) == nil && len(rec.Dynamodb.Keys) > 0 {
			keys = append(keys, string(rec.Dynamodb.Keys))
		}
	}
	return keys
}
