package sqs

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// Error is an SQS service error. Code is the error's name in AWS's JSON
// protocol (the SDK's exception type), QueryCode its name in the query
// protocol (the aws CLI's), which differ for some errors.
type Error struct {
	Code      string
	QueryCode string
	Message   string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func newErr(code, queryCode, format string, args ...any) *Error {
	if queryCode == "" {
		queryCode = code
	}
	return &Error{Code: code, QueryCode: queryCode, Message: fmt.Sprintf(format, args...)}
}

// Error constructors, by the names AWS uses.
func errNoQueue() *Error {
	return newErr("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.")
}

// InvalidParameter is AWS's InvalidParameterValue error.
func InvalidParameter(format string, args ...any) *Error {
	return newErr("InvalidParameterValue", "", format, args...)
}

// MissingParameter is AWS's MissingParameter error.
func MissingParameter(name string) *Error {
	return newErr("MissingParameter", "", "The request must contain the parameter %s.", name)
}

func errReceipt(h string) *Error {
	return newErr("ReceiptHandleIsInvalid", "", "The input receipt handle %q is not a valid receipt handle.", h)
}

// IsNotFound reports whether err is QueueDoesNotExist.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == "QueueDoesNotExist"
}

// Attribute defaults and bounds, as AWS documents them.
const (
	defaultVisibility = 30
	defaultRetention  = 345600
	defaultMaxSize    = 262144
	maxBatch          = 10
	// MaxWaitSeconds bounds ReceiveMessage's WaitTimeSeconds.
	MaxWaitSeconds = 20
)

// Settable queue attributes and their bounds.
var attrBounds = map[string][2]int{
	"VisibilityTimeout":             {0, 43200},
	"MessageRetentionPeriod":        {60, 1209600},
	"DelaySeconds":                  {0, 900},
	"ReceiveMessageWaitTimeSeconds": {0, 20},
	"MaximumMessageSize":            {1024, 262144},
}

// Attributes sfapi accepts but does not act on: a queue that sets them
// still works as a standard queue (policy, encryption, redrive are AWS-side
// concerns locally).
var acceptedAttrs = map[string]bool{
	"Policy": true, "KmsMasterKeyId": true, "KmsDataKeyReusePeriodSeconds": true,
	"SqsManagedSseEnabled": true, "RedrivePolicy": true, "RedriveAllowPolicy": true,
}

var queueNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

// Queue is a queue's configuration.
type Queue struct {
	Name     string            `json:"name"`
	Attrs    map[string]int    `json:"attrs"`
	Extra    map[string]string `json:"extra,omitempty"`
	Created  time.Time         `json:"created"`
	Modified time.Time         `json:"modified"`
	Tags     map[string]string `json:"tags,omitempty"`
}

// MessageAttribute is a message attribute value: DataType is String,
// Number or Binary, optionally with a custom ".suffix".
type MessageAttribute struct {
	DataType    string `json:"t"`
	StringValue string `json:"s,omitempty"`
	BinaryValue []byte `json:"b,omitempty"`
}

// Message is a stored message.
type Message struct {
	Seq          uint64                      `json:"seq"`
	ID           string                      `json:"id"`
	Body         string                      `json:"body"`
	Attributes   map[string]MessageAttribute `json:"attrs,omitempty"`
	Sent         time.Time                   `json:"sent"`
	VisibleAt    time.Time                   `json:"visibleAt"`
	ReceiveCount int                         `json:"receives,omitempty"`
	FirstReceive time.Time                   `json:"firstReceive,omitzero"`
	// Receipt is the nonce of the latest receipt handle.
	Receipt string `json:"receipt,omitempty"`
}

// MD5OfBody is the hex MD5 of the body, as SQS returns it.
func (m *Message) MD5OfBody() string { return md5Hex([]byte(m.Body)) }

// Options configure Open.
type Options struct {
	Store     *kv.DB
	Region    string
	AccountID string
	Now       func() time.Time
	Logger    *slog.Logger
}

// Engine holds the queues.
type Engine struct {
	db     *kv.DB
	region string
	acct   string
	now    func() time.Time
	log    *slog.Logger

	mu     sync.Mutex
	queues map[string]*queue
}

type queue struct {
	mu   sync.Mutex
	conf Queue
	msgs []*Message // by Seq
	// wake is closed (and replaced) when a message is sent, to end long
	// polls early.
	wake chan struct{}
	gone bool
}

var bucketQueues = []byte("sqs.queues")

func msgBucket(name string) []byte { return []byte("sqs.messages/" + name) }

// Open loads the queues and messages kept in opts.Store.
func Open(opts Options) (*Engine, error) {
	if opts.Store == nil {
		return nil, errors.New("sqs: no store")
	}
	e := &Engine{db: opts.Store, region: opts.Region, acct: opts.AccountID, now: opts.Now, log: opts.Logger, queues: map[string]*queue{}}
	if e.now == nil {
		e.now = time.Now
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.region == "" {
		e.region = "us-east-1"
	}
	if e.acct == "" {
		e.acct = "000000000000"
	}
	err := e.db.View(func(tx *kv.Tx) error {
		b := tx.Bucket(bucketQueues)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var q queue
			if err := json.Unmarshal(v, &q.conf); err != nil {
				return fmt.Errorf("sqs: decode queue %s: %w", k, err)
			}
			q.wake = make(chan struct{})
			if mb := tx.Bucket(msgBucket(q.conf.Name)); mb != nil {
				if err := mb.ForEach(func(_, mv []byte) error {
					m := new(Message)
					if err := json.Unmarshal(mv, m); err != nil {
						return fmt.Errorf("sqs: decode message of %s: %w", q.conf.Name, err)
					}
					q.msgs = append(q.msgs, m)
					return nil
				}); err != nil {
					return err
				}
			}
			e.queues[q.conf.Name] = &q
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// Region and AccountID name the queues' ARNs.
func (e *Engine) Region() string    { return e.region }
func (e *Engine) AccountID() string { return e.acct }

// Arn is the ARN of queue name.
func (e *Engine) Arn(name string) string {
	return "arn:aws:sqs:" + e.region + ":" + e.acct + ":" + name
}

// QueueName returns the queue name a queue URL (or ARN, or bare name)
// refers to.
func QueueName(urlOrName string) string {
	s := strings.TrimRight(urlOrName, "/")
	if i := strings.LastIndexAny(s, "/:"); i >= 0 {
		s = s[i+1:]
	}
	return s
}

func (e *Engine) get(name string) (*queue, error) {
	e.mu.Lock()
	q := e.queues[name]
	e.mu.Unlock()
	if q == nil {
		return nil, errNoQueue()
	}
	return q, nil
}

// parseAttrs validates queue attributes into conf.
func parseAttrs(conf *Queue, attrs map[string]string) error {
	for k, v := range attrs {
		if b, ok := attrBounds[k]; ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < b[0] || n > b[1] {
				return newErr("InvalidAttributeValue", "", "Invalid value for the parameter %s.", k)
			}
			conf.Attrs[k] = n
			continue
		}
		switch {
		case k == "FifoQueue" || k == "ContentBasedDeduplication" || k == "DeduplicationScope" || k == "FifoThroughputLimit":
			if strings.EqualFold(v, "false") {
				continue
			}
			return InvalidParameter("sfapi emulates standard queues only: attribute %s=%s (FIFO) is not supported", k, v)
		case acceptedAttrs[k]:
			if conf.Extra == nil {
				conf.Extra = map[string]string{}
			}
			conf.Extra[k] = v
		default:
			return newErr("InvalidAttributeName", "", "Unknown Attribute %s.", k)
		}
	}
	return nil
}

func defaultAttrs() map[string]int {
	return map[string]int{
		"VisibilityTimeout": defaultVisibility, "MessageRetentionPeriod": defaultRetention,
		"DelaySeconds": 0, "ReceiveMessageWaitTimeSeconds": 0, "MaximumMessageSize": defaultMaxSize,
	}
}

// CreateQueue creates queue name, or returns the existing one when its
// attributes are those asked for (AWS's idempotent CreateQueue).
func (e *Engine) CreateQueue(name string, attrs map[string]string, tags map[string]string) (Queue, error) {
	if strings.HasSuffix(name, ".fifo") {
		return Queue{}, InvalidParameter("sfapi emulates standard queues only: %s is a FIFO queue name", name)
	}
	if !queueNameRE.MatchString(name) {
		return Queue{}, InvalidParameter("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
	}
	now := e.now()
	conf := Queue{Name: name, Attrs: defaultAttrs(), Created: now, Modified: now, Tags: tags}
	if err := parseAttrs(&conf, attrs); err != nil {
		return Queue{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if old := e.queues[name]; old != nil {
		old.mu.Lock()
		defer old.mu.Unlock()
		for k, v := range conf.Attrs {
			if _, asked := attrs[k]; asked && old.conf.Attrs[k] != v {
				return Queue{}, newErr("QueueNameExists", "QueueAlreadyExists", "A queue already exists with the same name and a different value for attribute %s", k)
			}
		}
		return old.conf, nil
	}
	data, err := json.Marshal(conf)
	if err != nil {
		return Queue{}, err
	}
	if err := e.db.Update(func(tx *kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketQueues)
		if err != nil {
			return err
		}
		if _, err := tx.CreateBucketIfNotExists(msgBucket(name)); err != nil {
			return err
		}
		return b.Put([]byte(name), data)
	}); err != nil {
		return Queue{}, fmt.Errorf("sqs: create queue %s: %w", name, err)
	}
	e.queues[name] = &queue{conf: conf, wake: make(chan struct{})}
	return conf, nil
}

// GetQueue returns queue name's configuration.
func (e *Engine) GetQueue(name string) (Queue, error) {
	q, err := e.get(name)
	if err != nil {
		return Queue{}, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.conf, nil
}

// ListQueues returns the names of the queues starting with prefix, sorted.
func (e *Engine) ListQueues(prefix string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for n := range e.queues {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// DeleteQueue deletes queue name and its messages.
func (e *Engine) DeleteQueue(name string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	q := e.queues[name]
	if q == nil {
		return errNoQueue()
	}
	if err := e.db.Update(func(tx *kv.Tx) error {
		if b := tx.Bucket(bucketQueues); b != nil {
			if err := b.Delete([]byte(name)); err != nil {
				return err
			}
		}
		if tx.Bucket(msgBucket(name)) != nil {
			return tx.DeleteBucket(msgBucket(name))
		}
		return nil
	}); err != nil {
		return fmt.Errorf("sqs: delete queue %s: %w", name, err)
	}
	delete(e.queues, name)
	q.mu.Lock()
	q.gone = true
	close(q.wake)
	q.wake = make(chan struct{})
	q.mu.Unlock()
	return nil
}

// PurgeQueue deletes every message of queue name.
func (e *Engine) PurgeQueue(name string) error {
	q, err := e.get(name)
	if err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := e.db.Update(func(tx *kv.Tx) error {
		if tx.Bucket(msgBucket(name)) != nil {
			if err := tx.DeleteBucket(msgBucket(name)); err != nil {
				return err
			}
		}
		_, err := tx.CreateBucketIfNotExists(msgBucket(name))
		return err
	}); err != nil {
		return fmt.Errorf("sqs: purge queue %s: %w", name, err)
	}
	q.msgs = nil
	return nil
}

// SetQueueAttributes changes queue name's attributes.
func (e *Engine) SetQueueAttributes(name string, attrs map[string]string) error {
	q, err := e.get(name)
	if err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	conf := q.conf
	conf.Attrs = map[string]int{}
	for k, v := range q.conf.Attrs {
		conf.Attrs[k] = v
	}
	if len(q.conf.Extra) > 0 {
		conf.Extra = map[string]string{}
		for k, v := range q.conf.Extra {
			conf.Extra[k] = v
		}
	}
	if err := parseAttrs(&conf, attrs); err != nil {
		return err
	}
	conf.Modified = e.now()
	if err := e.saveQueue(conf); err != nil {
		return err
	}
	q.conf = conf
	return nil
}

// QueueAttributes returns the attributes names asks for ("All" for all) of
// queue name, the approximate counts included.
func (e *Engine) QueueAttributes(name string, names []string) (map[string]string, error) {
	q, err := e.get(name)
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := e.now()
	visible, inflight, delayed := 0, 0, 0
	for _, m := range q.msgs {
		switch {
		case e.expired(q, m, now):
		case m.ReceiveCount == 0 && m.VisibleAt.After(now):
			delayed++
		case m.VisibleAt.After(now):
			inflight++
		default:
			visible++
		}
	}
	all := map[string]string{
		"ApproximateNumberOfMessages":           strconv.Itoa(visible),
		"ApproximateNumberOfMessagesNotVisible": strconv.Itoa(inflight),
		"ApproximateNumberOfMessagesDelayed":    strconv.Itoa(delayed),
		"CreatedTimestamp":                      strconv.FormatInt(q.conf.Created.Unix(), 10),
		"LastModifiedTimestamp":                 strconv.FormatInt(q.conf.Modified.Unix(), 10),
		"QueueArn":                              e.Arn(name),
	}
	for k, v := range q.conf.Attrs {
		all[k] = strconv.Itoa(v)
	}
	all["SqsManagedSseEnabled"] = "false"
	for k, v := range q.conf.Extra {
		all[k] = v
	}
	out := map[string]string{}
	for _, n := range names {
		if n == "All" {
			return all, nil
		}
		v, ok := all[n]
		if !ok {
			if _, known := attrBounds[n]; !known && !acceptedAttrs[n] {
				return nil, newErr("InvalidAttributeName", "", "Unknown Attribute %s.", n)
			}
			continue
		}
		out[n] = v
	}
	return out, nil
}

// SendInput is one message to send.
type SendInput struct {
	Body       string
	Attributes map[string]MessageAttribute
	// DelaySeconds overrides the queue's delay when set.
	DelaySeconds *int
}

// SendResult is what SendMessage answers.
type SendResult struct {
	MessageID              string
	MD5OfMessageBody       string
	MD5OfMessageAttributes string
}

// ValidateSend checks one message as SendMessage does.
func ValidateSend(in SendInput, maxSize int) error {
	if in.Body == "" {
		return MissingParameter("MessageBody")
	}
	if !validBody(in.Body) {
		return newErr("InvalidMessageContents", "", "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF")
	}
	if in.DelaySeconds != nil && (*in.DelaySeconds < 0 || *in.DelaySeconds > 900) {
		return InvalidParameter("Value %d for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.", *in.DelaySeconds)
	}
	size := len(in.Body)
	if len(in.Attributes) > 10 {
		return InvalidParameter("Number of message attributes [%d] exceeds the allowed maximum [10].", len(in.Attributes))
	}
	for n, a := range in.Attributes {
		if err := validateAttr(n, a); err != nil {
			return err
		}
		size += len(n) + len(a.DataType) + len(a.StringValue) + len(a.BinaryValue)
	}
	if maxSize > 0 && size > maxSize {
		return InvalidParameter("One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", maxSize)
	}
	return nil
}

var attrNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,256}$`)

func validateAttr(name string, a MessageAttribute) error {
	if !attrNameRE.MatchString(name) || strings.HasPrefix(strings.ToLower(name), "aws.") || strings.HasPrefix(strings.ToLower(name), "amazon.") ||
		strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || strings.Contains(name, "..") {
		return InvalidParameter("Message attribute name '%s' is invalid.", name)
	}
	base, _, _ := strings.Cut(a.DataType, ".")
	switch base {
	case "String":
		if a.StringValue == "" {
			return InvalidParameter("Message attribute '%s' must contain a non-empty message attribute value for message attribute type 'String'.", name)
		}
	case "Number":
		if _, err := strconv.ParseFloat(a.StringValue, 64); err != nil {
			return InvalidParameter("Could not cast message attribute '%s' value to number.", name)
		}
	case "Binary":
		if len(a.BinaryValue) == 0 {
			return InvalidParameter("Message attribute '%s' must contain a non-empty message attribute value for message attribute type 'Binary'.", name)
		}
	default:
		return InvalidParameter("The type of message (user) attribute '%s' is invalid. You must use only the following supported type prefixes: Binary, Number, String.", name)
	}
	return nil
}

func validBody(s string) bool {
	for _, r := range s {
		switch {
		case r == 0x9 || r == 0xA || r == 0xD:
		case r >= 0x20 && r <= 0xD7FF:
		case r >= 0xE000 && r <= 0xFFFD && r != utf8.RuneError:
		case r >= 0x10000 && r <= 0x10FFFF:
		default:
			return false
		}
	}
	return true
}

// Send stores messages in queue name; each result is either a SendResult
// or the entry's error (validation errors fail only their entry). Nothing
// is answered before the accepted messages are on disk.
func (e *Engine) Send(name string, ins []SendInput) ([]SendResult, []error, error) {
	q, err := e.get(name)
	if err != nil {
		return nil, nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.gone {
		return nil, nil, errNoQueue()
	}
	now := e.now()
	results := make([]SendResult, len(ins))
	errs := make([]error, len(ins))
	var msgs []*Message
	for i, in := range ins {
		if err := ValidateSend(in, q.conf.Attrs["MaximumMessageSize"]); err != nil {
			errs[i] = err
			continue
		}
		delay := q.conf.Attrs["DelaySeconds"]
		if in.DelaySeconds != nil {
			delay = *in.DelaySeconds
		}
		m := &Message{ID: uuid.NewString(), Body: in.Body, Attributes: in.Attributes, Sent: now, VisibleAt: now.Add(time.Duration(delay) * time.Second)}
		msgs = append(msgs, m)
		results[i] = SendResult{MessageID: m.ID, MD5OfMessageBody: m.MD5OfBody(), MD5OfMessageAttributes: MD5OfAttributes(in.Attributes)}
	}
	if len(msgs) == 0 {
		return results, errs, nil
	}
	if err := e.db.Update(func(tx *kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists(msgBucket(name))
		if err != nil {
			return err
		}
		for _, m := range msgs {
			// kv may rerun fn: a sequence taken in a failed attempt is
			// simply skipped.
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			m.Seq = seq
			if err := putMsg(b, m); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, nil, fmt.Errorf("sqs: send to %s: %w", name, err)
	}
	q.msgs = append(q.msgs, msgs...)
	close(q.wake)
	q.wake = make(chan struct{})
	return results, errs, nil
}

func seqKey(seq uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return k[:]
}

func putMsg(b *kv.Bucket, m *Message) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return b.Put(seqKey(m.Seq), data)
}

// ReceiveOptions are ReceiveMessage's parameters.
type ReceiveOptions struct {
	Max int
	// VisibilityTimeout overrides the queue's when set.
	VisibilityTimeout *int
	// WaitSeconds overrides the queue's ReceiveMessageWaitTimeSeconds when
	// set.
	WaitSeconds *int
}

// Received is a received message with its new receipt handle.
type Received struct {
	Message
	ReceiptHandle string
}

// Receive returns up to opts.Max visible messages of queue name and hides
// them for the visibility timeout; with a wait time it long-polls until a
// message arrives, the wait ends or ctx is done.
func (e *Engine) Receive(ctx context.Context, name string, opts ReceiveOptions) ([]Received, error) {
	if opts.Max == 0 {
		opts.Max = 1
	}
	if opts.Max < 1 || opts.Max > maxBatch {
		return nil, InvalidParameter("Value %d for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.", opts.Max)
	}
	if opts.VisibilityTimeout != nil && (*opts.VisibilityTimeout < 0 || *opts.VisibilityTimeout > 43200) {
		return nil, InvalidParameter("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided.", *opts.VisibilityTimeout)
	}
	if opts.WaitSeconds != nil && (*opts.WaitSeconds < 0 || *opts.WaitSeconds > MaxWaitSeconds) {
		return nil, InvalidParameter("Value %d for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.", *opts.WaitSeconds)
	}
	q, err := e.get(name)
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	wait := q.conf.Attrs["ReceiveMessageWaitTimeSeconds"]
	q.mu.Unlock()
	if opts.WaitSeconds != nil {
		wait = *opts.WaitSeconds
	}
	deadline := time.Now().Add(time.Duration(wait) * time.Second)
	for {
		got, wake, err := e.receiveOnce(q, name, opts)
		if err != nil || len(got) > 0 || wait == 0 {
			return got, err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, nil
		}
		// Delayed and in-flight messages become visible with time, not
		// with a send: look again at least every 100 ms.
		t := time.NewTimer(min(left, 100*time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}

func (e *Engine) expired(q *queue, m *Message, now time.Time) bool {
	return !now.Before(m.Sent.Add(time.Duration(q.conf.Attrs["MessageRetentionPeriod"]) * time.Second))
}

func (e *Engine) receiveOnce(q *queue, name string, opts ReceiveOptions) ([]Received, <-chan struct{}, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.gone {
		return nil, nil, errNoQueue()
	}
	now := e.now()
	vt := q.conf.Attrs["VisibilityTimeout"]
	if opts.VisibilityTimeout != nil {
		vt = *opts.VisibilityTimeout
	}
	var picked, expired []*Message
	for _, m := range q.msgs {
		if e.expired(q, m, now) {
			expired = append(expired, m)
			continue
		}
		if len(picked) < opts.Max && !m.VisibleAt.After(now) {
			picked = append(picked, m)
		}
	}
	if len(picked) == 0 && len(expired) == 0 {
		return nil, q.wake, nil
	}
	updated := make([]Message, len(picked))
	out := make([]Received, len(picked))
	for i, m := range picked {
		u := *m
		u.ReceiveCount++
		if u.FirstReceive.IsZero() {
			u.FirstReceive = now
		}
		u.VisibleAt = now.Add(time.Duration(vt) * time.Second)
		u.Receipt = nonce()
		updated[i] = u
		out[i] = Received{Message: u, ReceiptHandle: receiptHandle(name, u.Seq, u.Receipt)}
	}
	if err := e.db.Update(func(tx *kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists(msgBucket(name))
		if err != nil {
			return err
		}
		for _, m := range expired {
			if err := b.Delete(seqKey(m.Seq)); err != nil {
				return err
			}
		}
		for i := range updated {
			if err := putMsg(b, &updated[i]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, nil, fmt.Errorf("sqs: receive from %s: %w", name, err)
	}
	for i, m := range picked {
		*m = updated[i]
	}
	if len(expired) > 0 {
		q.msgs = removeSeqs(q.msgs, expired)
	}
	return out, q.wake, nil
}

func removeSeqs(msgs []*Message, drop []*Message) []*Message {
	gone := make(map[uint64]bool, len(drop))
	for _, m := range drop {
		gone[m.Seq] = true
	}
	out := msgs[:0]
	for _, m := range msgs {
		if !gone[m.Seq] {
			out = append(out, m)
		}
	}
	for i := len(out); i < len(msgs); i++ {
		msgs[i] = nil
	}
	return out
}

func nonce() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// A receipt handle names the queue, the message and the receive it came
// from; only the latest receive's handle deletes or changes a message.
func receiptHandle(queue string, seq uint64, nonce string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(queue + "\x00" + strconv.FormatUint(seq, 10) + "\x00" + nonce))
}

// ParseReceiptHandle splits a receipt handle; ok is false for anything this
// engine did not hand out.
func ParseReceiptHandle(h string) (queue string, seq uint64, nonce string, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return "", 0, "", false
	}
	parts := strings.Split(string(raw), "\x00")
	if len(parts) != 3 || parts[0] == "" || parts[2] == "" {
		return "", 0, "", false
	}
	seq, err = strconv.ParseUint(parts[1], 10, 64)
	if err != nil {
		return "", 0, "", false
	}
	return parts[0], seq, parts[2], true
}

func (q *queue) find(seq uint64) int {
	i := sort.Search(len(q.msgs), func(i int) bool { return q.msgs[i].Seq >= seq })
	if i < len(q.msgs) && q.msgs[i].Seq == seq {
		return i
	}
	return -1
}

// Delete deletes the messages behind receipt handles of queue name; errs
// has one entry per handle (nil when deleted). A handle of a message
// already deleted, or of an earlier receive, succeeds without effect, as
// on AWS.
func (e *Engine) Delete(name string, handles []string) ([]error, error) {
	q, err := e.get(name)
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	errs := make([]error, len(handles))
	var drop []*Message
	for i, h := range handles {
		qn, seq, n, ok := ParseReceiptHandle(h)
		if !ok || qn != name {
			errs[i] = errReceipt(h)
			continue
		}
		if j := q.find(seq); j >= 0 && q.msgs[j].Receipt == n {
			drop = append(drop, q.msgs[j])
		}
	}
	if len(drop) == 0 {
		return errs, nil
	}
	if err := e.db.Update(func(tx *kv.Tx) error {
		b := tx.Bucket(msgBucket(name))
		if b == nil {
			return nil
		}
		for _, m := range drop {
			if err := b.Delete(seqKey(m.Seq)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("sqs: delete from %s: %w", name, err)
	}
	q.msgs = removeSeqs(q.msgs, drop)
	return errs, nil
}

// VisibilityChange is one ChangeMessageVisibility entry.
type VisibilityChange struct {
	ReceiptHandle string
	Timeout       int
}

// ChangeVisibility sets the visibility timeout of in-flight messages,
// counted from now; errs has one entry per change.
func (e *Engine) ChangeVisibility(name string, changes []VisibilityChange) ([]error, error) {
	q, err := e.get(name)
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := e.now()
	errs := make([]error, len(changes))
	type upd struct {
		i int
		m Message
	}
	var ups []upd
	for k, c := range changes {
		if c.Timeout < 0 || c.Timeout > 43200 {
			errs[k] = InvalidParameter("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided.", c.Timeout)
			continue
		}
		qn, seq, n, ok := ParseReceiptHandle(c.ReceiptHandle)
		if !ok || qn != name {
			errs[k] = errReceipt(c.ReceiptHandle)
			continue
		}
		j := q.find(seq)
		if j < 0 || q.msgs[j].Receipt != n || !q.msgs[j].VisibleAt.After(now) {
			errs[k] = newErr("MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight", "The message referred to is not in flight.")
			continue
		}
		m := *q.msgs[j]
		m.VisibleAt = now.Add(time.Duration(c.Timeout) * time.Second)
		ups = append(ups, upd{j, m})
	}
	if len(ups) == 0 {
		return errs, nil
	}
	if err := e.db.Update(func(tx *kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists(msgBucket(name))
		if err != nil {
			return err
		}
		for i := range ups {
			if err := putMsg(b, &ups[i].m); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("sqs: change visibility in %s: %w", name, err)
	}
	for _, u := range ups {
		*q.msgs[u.i] = u.m
	}
	return errs, nil
}

func md5Hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// MD5OfAttributes is the MD5 digest SQS computes over message attributes
// (the SDKs check it): for each attribute in name order, the name, the data
// type and the value, each preceded by its 4-byte big-endian length, with a
// transport byte (1 string, 2 binary) before the value. "" when there are
// none.
func MD5OfAttributes(attrs map[string]MessageAttribute) string {
	if len(attrs) == 0 {
		return ""
	}
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	h := md5.New()
	put := func(b []byte) {
		var l [4]byte
		binary.BigEndian.PutUint32(l[:], uint32(len(b)))
		h.Write(l[:])
		h.Write(b)
	}
	for _, n := range names {
		a := attrs[n]
		put([]byte(n))
		put([]byte(a.DataType))
		if strings.HasPrefix(a.DataType, "Binary") {
			h.Write([]byte{2})
			put(a.BinaryValue)
		} else {
			h.Write([]byte{1})
			put([]byte(a.StringValue))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TagQueue adds tags to and removes keys from queue name's tags.
func (e *Engine) TagQueue(name string, add map[string]string, remove []string) error {
	q, err := e.get(name)
	if err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	conf := q.conf
	conf.Tags = map[string]string{}
	for k, v := range q.conf.Tags {
		conf.Tags[k] = v
	}
	for k, v := range add {
		conf.Tags[k] = v
	}
	for _, k := range remove {
		delete(conf.Tags, k)
	}
	if err := e.saveQueue(conf); err != nil {
		return err
	}
	q.conf = conf
	return nil
}

func (e *Engine) saveQueue(conf Queue) error {
	data, err := json.Marshal(conf)
	if err != nil {
		return err
	}
	if err := e.db.Update(func(tx *kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketQueues)
		if err != nil {
			return err
		}
		return b.Put([]byte(conf.Name), data)
	}); err != nil {
		return fmt.Errorf("sqs: save queue %s: %w", conf.Name, err)
	}
	return nil
}

// queryCodes are the errors whose query-protocol code differs from the
// JSON one.
var queryCodes = map[string]string{
	"QueueDoesNotExist":            "AWS.SimpleQueueService.NonExistentQueue",
	"QueueNameExists":              "QueueAlreadyExists",
	"EmptyBatchRequest":            "AWS.SimpleQueueService.EmptyBatchRequest",
	"TooManyEntriesInBatchRequest": "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
	"InvalidBatchEntryId":          "AWS.SimpleQueueService.InvalidBatchEntryId",
	"BatchEntryIdsNotDistinct":     "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
	"MessageNotInflight":           "AWS.SimpleQueueService.MessageNotInflight",
}

// QueryCode is the query-protocol name of JSON error code code.
func QueryCode(code string) string {
	if q, ok := queryCodes[code]; ok {
		return q
	}
	return code
}
