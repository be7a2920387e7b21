package push

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// Archive and replay states, as EventBridge names them.
const (
	ArchiveEnabled = "ENABLED"

	ReplayStarting   = "STARTING"
	ReplayRunning    = "RUNNING"
	ReplayCancelling = "CANCELLING"
	ReplayCancelled  = "CANCELLED"
	ReplayCompleted  = "COMPLETED"
	ReplayFailed     = "FAILED"
)

// CodeIllegalStatus is EventBridge's error for an operation the resource's
// state does not allow (cancelling a finished replay).
const CodeIllegalStatus = "IllegalStatusException"

// ReplayNameField is the member EventBridge adds to a replayed event.
const ReplayNameField = "replay-name"

var (
	bucketArchives      = []byte("events.archives")
	bucketReplays       = []byte("events.replays")
	archiveEventsPrefix = "events.archive/"
	archiveNameRE       = regexp.MustCompile(`^[.\-_A-Za-z0-9]{1,48}$`)
	replayNameRE        = regexp.MustCompile(`^[.\-_A-Za-z0-9]{1,64}$`)
)

// ArchiveSpec is CreateArchive's input.
type ArchiveSpec struct {
	Name           string
	EventSourceARN string // the bus ARN
	Description    string
	EventPattern   string // "" archives every event of the bus
	RetentionDays  int    // 0 keeps events forever
}

// ArchiveInfo describes an archive.
type ArchiveInfo struct {
	Name           string    `json:"name"`
	ARN            string    `json:"arn"`
	EventSourceARN string    `json:"eventSourceArn"`
	Description    string    `json:"description,omitempty"`
	EventPattern   string    `json:"eventPattern,omitempty"`
	RetentionDays  int       `json:"retentionDays"`
	State          string    `json:"state"`
	CreationTime   time.Time `json:"creationTime"`
	EventCount     int64     `json:"eventCount"`
	SizeBytes      int64     `json:"sizeBytes"`
}

// ReplaySpec is StartReplay's input.
type ReplaySpec struct {
	Name           string
	Description    string
	EventSourceARN string // the archive ARN
	StartTime      time.Time
	EndTime        time.Time
	DestinationARN string   // the bus ARN; must be the archive's bus
	FilterARNs     []string // rule ARNs; empty means every rule of the bus
}

// ReplayInfo describes a replay.
type ReplayInfo struct {
	Name                 string    `json:"name"`
	ARN                  string    `json:"arn"`
	Description          string    `json:"description,omitempty"`
	State                string    `json:"state"`
	StateReason          string    `json:"stateReason,omitempty"`
	EventSourceARN       string    `json:"eventSourceArn"`
	DestinationARN       string    `json:"destinationArn"`
	FilterARNs           []string  `json:"filterArns,omitempty"`
	StartTime            time.Time `json:"eventStartTime"`
	EndTime              time.Time `json:"eventEndTime"`
	LastReplayedTime     time.Time `json:"eventLastReplayedTime"`
	ReplayStartTime      time.Time `json:"replayStartTime"`
	ReplayEndTime        time.Time `json:"replayEndTime"`
	EventsReplayed       int       `json:"eventsReplayed"`
	archiveName, busName string
}

type archive struct {
	info    ArchiveInfo
	bus     string
	pattern *Pattern // nil: every event
}

// OpenArchives enables archives and replays, persisted in db, and loads
// the archives created before. Replays a restart interrupted are marked
// FAILED (their events may have been partly re-delivered).
func (r *Router) OpenArchives(db *kv.DB) error {
	archives := map[string]*archive{}
	err := db.Update(func(tx *kv.Tx) error {
		ab, err := tx.CreateBucketIfNotExists(bucketArchives)
		if err != nil {
			return err
		}
		if err := ab.ForEach(func(_, v []byte) error {
			a, err := r.decodeArchive(v)
			if err != nil {
				return err
			}
			a.info.EventCount, a.info.SizeBytes = 0, 0
			if eb := tx.Bucket([]byte(archiveEventsPrefix + a.info.Name)); eb != nil {
				_ = eb.ForEach(func(_, ev []byte) error {
					a.info.EventCount++
					a.info.SizeBytes += int64(len(ev))
					return nil
				})
			}
			archives[a.info.Name] = a
			return nil
		}); err != nil {
			return err
		}
		rb, err := tx.CreateBucketIfNotExists(bucketReplays)
		if err != nil {
			return err
		}
		var stale []ReplayInfo
		if err := rb.ForEach(func(_, v []byte) error {
			var ri ReplayInfo
			if err := json.Unmarshal(v, &ri); err != nil {
				return err
			}
			if ri.State == ReplayStarting || ri.State == ReplayRunning || ri.State == ReplayCancelling {
				stale = append(stale, ri)
			}
			return nil
		}); err != nil {
			return err
		}
		for _, ri := range stale {
			if ri.State == ReplayCancelling {
				// The cancel was accepted; the restart completes it.
				ri.State, ri.ReplayEndTime = ReplayCancelled, r.opts.Now().UTC()
			} else {
				ri.State, ri.StateReason, ri.ReplayEndTime = ReplayFailed, "interrupted: sfapi stopped during the replay", r.opts.Now().UTC()
			}
			data, _ := json.Marshal(ri)
			if err := rb.Put([]byte(ri.Name), data); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("open event archives: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.archiveDB, r.archives = db, archives
	return nil
}

func (r *Router) decodeArchive(v []byte) (*archive, error) {
	var info ArchiveInfo
	if err := json.Unmarshal(v, &info); err != nil {
		return nil, fmt.Errorf("decode archive: %w", err)
	}
	a := &archive{info: info, bus: BusName(info.EventSourceARN)}
	if info.EventPattern != "" {
		p, err := CompilePattern([]byte(info.EventPattern))
		if err != nil {
			return nil, fmt.Errorf("archive %s: %w", info.Name, err)
		}
		a.pattern = p
	}
	return a, nil
}

func (r *Router) archiveARN(name string) string {
	return fmt.Sprintf("arn:aws:events:%s:%s:archive/%s", r.opts.Region, r.opts.AccountID, name)
}

func (r *Router) replayARN(name string) string {
	return fmt.Sprintf("arn:aws:events:%s:%s:replay/%s", r.opts.Region, r.opts.AccountID, name)
}

func (r *Router) archivesDB() (*kv.DB, error) {
	if r.archiveDB == nil {
		return nil, errorf(CodeValidation, "archives are not enabled on this event bus router")
	}
	return r.archiveDB, nil
}

// CreateArchive creates an archive of a bus's events from now on.
func (r *Router) CreateArchive(spec ArchiveSpec) (ArchiveInfo, error) {
	if !archiveNameRE.MatchString(spec.Name) {
		return ArchiveInfo{}, errorf(CodeValidation, "ArchiveName must match [\\.\\-_A-Za-z0-9]+ and be 1 to 48 characters")
	}
	if spec.RetentionDays < 0 {
		return ArchiveInfo{}, errorf(CodeValidation, "RetentionDays must not be negative")
	}
	a := &archive{bus: BusName(spec.EventSourceARN)}
	if spec.EventPattern != "" {
		p, err := CompilePattern([]byte(spec.EventPattern))
		if err != nil {
			return ArchiveInfo{}, errorf(CodeInvalidEventPattern, "%v", err)
		}
		a.pattern = p
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	db, err := r.archivesDB()
	if err != nil {
		return ArchiveInfo{}, err
	}
	b, err := r.busLocked(spec.EventSourceARN)
	if err != nil || spec.EventSourceARN == "" {
		return ArchiveInfo{}, errorf(CodeResourceNotFound, "Event bus %s does not exist.", spec.EventSourceARN)
	}
	if _, ok := r.archives[spec.Name]; ok {
		return ArchiveInfo{}, errorf(CodeResourceAlreadyExists, "Archive %s already exists.", spec.Name)
	}
	a.bus = b.info.Name
	a.info = ArchiveInfo{Name: spec.Name, ARN: r.archiveARN(spec.Name), EventSourceARN: b.info.ARN, Description: spec.Description,
		EventPattern: spec.EventPattern, RetentionDays: spec.RetentionDays, State: ArchiveEnabled, CreationTime: r.opts.Now().UTC()}
	if err := db.Update(func(tx *kv.Tx) error { return putArchive(tx, a.info) }); err != nil {
		return ArchiveInfo{}, fmt.Errorf("create archive %s: %w", spec.Name, err)
	}
	r.archives[spec.Name] = a
	return a.info, nil
}

func putArchive(tx *kv.Tx, info ArchiveInfo) error {
	b, err := tx.CreateBucketIfNotExists(bucketArchives)
	if err != nil {
		return err
	}
	data, err := json.Marshal(info)
	if err != nil {
		return err
	}
	return b.Put([]byte(info.Name), data)
}

// DescribeArchive returns an archive with its current event count and size.
func (r *Router) DescribeArchive(name string) (ArchiveInfo, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if _, err := r.archivesDB(); err != nil {
		return ArchiveInfo{}, err
	}
	a, ok := r.archives[name]
	if !ok {
		return ArchiveInfo{}, errorf(CodeResourceNotFound, "Archive %s does not exist.", name)
	}
	return a.info, nil
}

// ArchiveUpdate is UpdateArchive's input: nil members keep their value.
type ArchiveUpdate struct {
	Name          string
	Description   *string
	EventPattern  *string // "" archives every event of the bus
	RetentionDays *int
}

// UpdateArchive changes an archive's description, event pattern or
// retention; events archived before keep being archived (a narrower
// pattern only affects new events, as in EventBridge). A shorter retention
// applies from the next archived event on.
func (r *Router) UpdateArchive(u ArchiveUpdate) (ArchiveInfo, error) {
	var pat *Pattern
	if u.EventPattern != nil && *u.EventPattern != "" {
		p, err := CompilePattern([]byte(*u.EventPattern))
		if err != nil {
			return ArchiveInfo{}, errorf(CodeInvalidEventPattern, "%v", err)
		}
		pat = p
	}
	if u.RetentionDays != nil && *u.RetentionDays < 0 {
		return ArchiveInfo{}, errorf(CodeValidation, "RetentionDays must not be negative")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	db, err := r.archivesDB()
	if err != nil {
		return ArchiveInfo{}, err
	}
	a, ok := r.archives[u.Name]
	if !ok {
		return ArchiveInfo{}, errorf(CodeResourceNotFound, "Archive %s does not exist.", u.Name)
	}
	info := a.info
	if u.Description != nil {
		info.Description = *u.Description
	}
	if u.EventPattern != nil {
		info.EventPattern = *u.EventPattern
	}
	if u.RetentionDays != nil {
		info.RetentionDays = *u.RetentionDays
	}
	if err := db.Update(func(tx *kv.Tx) error { return putArchive(tx, info) }); err != nil {
		return ArchiveInfo{}, fmt.Errorf("update archive %s: %w", u.Name, err)
	}
	// Counts may have moved while the update committed: keep them.
	info.EventCount, info.SizeBytes = a.info.EventCount, a.info.SizeBytes
	a.info = info
	if u.EventPattern != nil {
		a.pattern = pat
	}
	return a.info, nil
}

// ListArchives lists archives, sorted by name, filtered by name prefix and
// source bus ARN.
func (r *Router) ListArchives(prefix, sourceARN string) ([]ArchiveInfo, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if _, err := r.archivesDB(); err != nil {
		return nil, err
	}
	var out []ArchiveInfo
	for _, a := range r.archives {
		if strings.HasPrefix(a.info.Name, prefix) && (sourceARN == "" || a.info.EventSourceARN == sourceARN) {
			out = append(out, a.info)
		}
	}
	slices.SortFunc(out, func(a, b ArchiveInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// DeleteArchive deletes an archive and its events.
func (r *Router) DeleteArchive(name string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	db, err := r.archivesDB()
	if err != nil {
		return err
	}
	if _, ok := r.archives[name]; !ok {
		return errorf(CodeResourceNotFound, "Archive %s does not exist.", name)
	}
	err = db.Update(func(tx *kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketArchives)
		if err != nil {
			return err
		}
		if err := b.Delete([]byte(name)); err != nil {
			return err
		}
		if tx.Bucket([]byte(archiveEventsPrefix+name)) != nil {
			return tx.DeleteBucket([]byte(archiveEventsPrefix + name))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete archive %s: %w", name, err)
	}
	delete(r.archives, name)
	return nil
}

// archiveEvent stores an event (never a replayed one) in every archive of
// its bus whose pattern matches, drops events past the archives'
// retention, and returns once the event is durable.
func (r *Router) archiveEvent(busName string, doc any, raw []byte) error {
	r.mu.RLock()
	db := r.archiveDB
	var targets []*archive
	var retention []int // UpdateArchive may change it: read under the lock
	for _, a := range r.archives {
		if a.bus == busName && (a.pattern == nil || a.pattern.MatchValue(doc)) {
			targets = append(targets, a)
			retention = append(retention, a.info.RetentionDays)
		}
	}
	r.mu.RUnlock()
	if len(targets) == 0 {
		return nil
	}
	now := r.opts.Now().UTC()
	dropped := make([][2]int64, len(targets)) // events, bytes
	err := db.Update(func(tx *kv.Tx) error {
		for i, a := range targets {
			dropped[i] = [2]int64{}
			b, err := tx.CreateBucketIfNotExists([]byte(archiveEventsPrefix + a.info.Name))
			if err != nil {
				return err
			}
			seq, _ := b.NextSequence()
			key := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, uint64(now.UnixNano())), seq)
			if err := b.Put(key, raw); err != nil {
				return err
			}
			if retention[i] <= 0 {
				continue
			}
			cutoff := binary.BigEndian.AppendUint64(nil, uint64(now.Add(-time.Duration(retention[i])*24*time.Hour).UnixNano()))
			var old [][]byte
			c := b.Cursor()
			for k, v := c.First(); k != nil && string(k[:8]) < string(cutoff); k, v = c.Next() {
				old = append(old, append([]byte(nil), k...))
				dropped[i][1] += int64(len(v))
			}
			for _, k := range old {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			dropped[i][0] = int64(len(old))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("archive event: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, a := range targets {
		a.info.EventCount += 1 - dropped[i][0]
		a.info.SizeBytes += int64(len(raw)) - dropped[i][1]
	}
	return nil
}

// StartReplay re-delivers the archived events of [StartTime, EndTime) to
// the rules of the archive's bus (FilterARNs narrows them), each with
// "replay-name" set, in the background. DescribeReplay follows it.
func (r *Router) StartReplay(spec ReplaySpec) (ReplayInfo, error) {
	if !replayNameRE.MatchString(spec.Name) {
		return ReplayInfo{}, errorf(CodeValidation, "ReplayName must match [\\.\\-_A-Za-z0-9]+ and be 1 to 64 characters")
	}
	if !spec.EndTime.After(spec.StartTime) {
		return ReplayInfo{}, errorf(CodeValidation, "EventEndTime must be after EventStartTime")
	}
	if spec.EndTime.After(r.opts.Now()) {
		return ReplayInfo{}, errorf(CodeValidation, "EventEndTime must not be in the future")
	}
	r.mu.RLock()
	db, err := r.archivesDB()
	var a *archive
	for _, x := range r.archives {
		if x.info.ARN == spec.EventSourceARN {
			a = x
		}
	}
	r.mu.RUnlock()
	if err != nil {
		return ReplayInfo{}, err
	}
	if a == nil {
		return ReplayInfo{}, errorf(CodeResourceNotFound, "Archive %s does not exist.", spec.EventSourceARN)
	}
	if BusName(spec.DestinationARN) != a.bus || !strings.Contains(spec.DestinationARN, ":event-bus/") {
		return ReplayInfo{}, errorf(CodeValidation, "Destination must be the archive's event bus %s", a.info.EventSourceARN)
	}
	for _, f := range spec.FilterARNs {
		if !strings.HasPrefix(f, "arn:") || !strings.Contains(f, ":rule/") {
			return ReplayInfo{}, errorf(CodeValidation, "FilterArns must be rule ARNs: %s", f)
		}
	}
	ri := ReplayInfo{Name: spec.Name, ARN: r.replayARN(spec.Name), Description: spec.Description, State: ReplayStarting,
		EventSourceARN: a.info.ARN, DestinationARN: spec.DestinationARN, FilterARNs: spec.FilterARNs,
		StartTime: spec.StartTime.UTC(), EndTime: spec.EndTime.UTC(), ReplayStartTime: r.opts.Now().UTC()}
	exists := false
	err = db.Update(func(tx *kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketReplays)
		if err != nil {
			return err
		}
		if b.Get([]byte(spec.Name)) != nil {
			exists = true
			return nil
		}
		data, _ := json.Marshal(ri)
		return b.Put([]byte(spec.Name), data)
	})
	if err != nil {
		return ReplayInfo{}, fmt.Errorf("start replay %s: %w", spec.Name, err)
	}
	if exists {
		return ReplayInfo{}, errorf(CodeResourceAlreadyExists, "Replay %s already exists.", spec.Name)
	}
	r.mu.Lock()
	closed := r.closed
	ctx, cancel := context.WithCancel(r.ctx)
	lr := &liveReplay{cancel: cancel}
	if !closed {
		r.wg.Add(1)
		if r.replays == nil {
			r.replays = map[string]*liveReplay{}
		}
		r.replays[spec.Name] = lr
	}
	r.mu.Unlock()
	if closed {
		cancel()
		return ReplayInfo{}, errorf(CodeValidation, "the event bus router is closed")
	}
	go func() {
		defer r.wg.Done()
		defer cancel()
		r.runReplay(ctx, db, a.info.Name, a.bus, ri, lr)
		r.mu.Lock()
		delete(r.replays, ri.Name)
		r.mu.Unlock()
	}()
	return ri, nil
}

// liveReplay is a replay in progress. mu orders its state writes: the
// replay's own saves and CancelReplay's, so a CANCELLING state is never
// overwritten by RUNNING and a finished replay is never marked CANCELLING.
type liveReplay struct {
	cancel context.CancelFunc

	mu        sync.Mutex
	cancelled bool // CancelReplay accepted
	done      bool // the final state is stored
}

// CancelReplay stops a STARTING or RUNNING replay: it is CANCELLING at
// once (the returned state) and CANCELLED when the replay loop has
// stopped, before its next event. Events already replayed stay delivered.
// A replay in any other state fails with IllegalStatusException.
func (r *Router) CancelReplay(name string) (ReplayInfo, error) {
	r.mu.RLock()
	db, err := r.archivesDB()
	lr := r.replays[name]
	r.mu.RUnlock()
	if err != nil {
		return ReplayInfo{}, err
	}
	if lr != nil {
		lr.mu.Lock()
		if !lr.done && !lr.cancelled {
			ri, err := r.setReplayState(db, name, ReplayCancelling)
			if err != nil {
				lr.mu.Unlock()
				return ReplayInfo{}, err
			}
			lr.cancelled = true
			lr.mu.Unlock()
			lr.cancel()
			return ri, nil
		}
		lr.mu.Unlock()
	}
	ri, err := r.DescribeReplay(name)
	if err != nil {
		return ReplayInfo{}, err
	}
	return ReplayInfo{}, errorf(CodeIllegalStatus, "Replay %s is %s and cannot be cancelled.", name, ri.State)
}

// setReplayState durably changes a stored replay's state.
func (r *Router) setReplayState(db *kv.DB, name, state string) (ReplayInfo, error) {
	var ri ReplayInfo
	err := db.Update(func(tx *kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketReplays)
		if err != nil {
			return err
		}
		v := b.Get([]byte(name))
		if v == nil {
			return errorf(CodeResourceNotFound, "Replay %s does not exist.", name)
		}
		if err := json.Unmarshal(v, &ri); err != nil {
			return err
		}
		ri.State = state
		data, err := json.Marshal(ri)
		if err != nil {
			return err
		}
		return b.Put([]byte(name), data)
	})
	if err != nil {
		return ReplayInfo{}, fmt.Errorf("replay %s: %w", name, err)
	}
	return ri, nil
}

func (r *Router) runReplay(ctx context.Context, db *kv.DB, archiveName, busName string, ri ReplayInfo, lr *liveReplay) {
	save := func(final bool) {
		lr.mu.Lock()
		defer lr.mu.Unlock()
		if lr.cancelled {
			if final {
				ri.State, ri.StateReason = ReplayCancelled, ""
			} else {
				ri.State = ReplayCancelling
			}
		}
		lr.done = final
		if err := db.Update(func(tx *kv.Tx) error {
			b, err := tx.CreateBucketIfNotExists(bucketReplays)
			if err != nil {
				return err
			}
			data, _ := json.Marshal(ri)
			return b.Put([]byte(ri.Name), data)
		}); err != nil {
			r.log.Error("save replay state", "replay", ri.Name, "err", err)
		}
	}
	ri.State = ReplayRunning
	save(false)
	type stored struct {
		at  time.Time
		raw []byte
	}
	var events []stored
	err := db.View(func(tx *kv.Tx) error {
		b := tx.Bucket([]byte(archiveEventsPrefix + archiveName))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		start := binary.BigEndian.AppendUint64(nil, uint64(ri.StartTime.UnixNano()))
		for k, v := c.Seek(start); k != nil && len(k) == 16; k, v = c.Next() {
			at := time.Unix(0, int64(binary.BigEndian.Uint64(k)))
			if !at.Before(ri.EndTime) {
				break
			}
			events = append(events, stored{at: at, raw: append([]byte(nil), v...)})
		}
		return nil
	})
	if err != nil {
		ri.State, ri.StateReason = ReplayFailed, err.Error()
		ri.ReplayEndTime = r.opts.Now().UTC()
		save(true)
		return
	}
	var only map[string]bool
	if len(ri.FilterARNs) > 0 {
		only = map[string]bool{}
		for _, f := range ri.FilterARNs {
			only[f] = true
		}
	}
	for _, ev := range events {
		if ctx.Err() != nil {
			ri.State, ri.StateReason = ReplayFailed, "interrupted: sfapi stopped during the replay"
			break
		}
		if err := r.routeReplay(ctx, busName, withReplayName(ev.raw, ri.Name), only); err != nil {
			r.log.Error("replay event", "replay", ri.Name, "err", err)
		}
		ri.EventsReplayed++
		ri.LastReplayedTime = ev.at.UTC()
	}
	if ri.State == ReplayRunning {
		ri.State = ReplayCompleted
	}
	ri.ReplayEndTime = r.opts.Now().UTC()
	save(true)
}

// withReplayName adds "replay-name" as the event's last member.
func withReplayName(raw []byte, name string) []byte {
	i := len(raw) - 1
	for i >= 0 && raw[i] != '}' {
		i--
	}
	if i < 0 {
		return raw
	}
	v, _ := json.Marshal(name)
	out := append([]byte(nil), raw[:i]...)
	if t := strings.TrimRight(string(out), " \t\r\n"); !strings.HasSuffix(t, "{") {
		out = append(out, ',')
	}
	out = append(out, `"`+ReplayNameField+`":`...)
	out = append(out, v...)
	return append(out, raw[i:]...)
}

// DescribeReplay returns a replay's state.
func (r *Router) DescribeReplay(name string) (ReplayInfo, error) {
	r.mu.RLock()
	db, err := r.archivesDB()
	r.mu.RUnlock()
	if err != nil {
		return ReplayInfo{}, err
	}
	var ri ReplayInfo
	found := false
	err = db.View(func(tx *kv.Tx) error {
		b := tx.Bucket(bucketReplays)
		if b == nil {
			return nil
		}
		v := b.Get([]byte(name))
		if v == nil {
			return nil
		}
		found = true
		return json.Unmarshal(v, &ri)
	})
	if err != nil {
		return ReplayInfo{}, fmt.Errorf("describe replay %s: %w", name, err)
	}
	if !found {
		return ReplayInfo{}, errorf(CodeResourceNotFound, "Replay %s does not exist.", name)
	}
	return ri, nil
}

// ListReplays lists replays by name prefix, sorted by name.
func (r *Router) ListReplays(prefix string) ([]ReplayInfo, error) {
	r.mu.RLock()
	db, err := r.archivesDB()
	r.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	var out []ReplayInfo
	err = db.View(func(tx *kv.Tx) error {
		b := tx.Bucket(bucketReplays)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if !strings.HasPrefix(string(k), prefix) {
				return nil
			}
			var ri ReplayInfo
			if err := json.Unmarshal(v, &ri); err != nil {
				return err
			}
			out = append(out, ri)
			return nil
		})
	})
	return out, err
}
