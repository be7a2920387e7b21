package expr

import (
	"sync"
	"sync/atomic"
)

// Parsed expressions are immutable (what Validate remembers is atomic), so
// one parse serves every request that sends the same text: an API sends
// the same few expressions again and again (a job API's PutItem carries
// "attribute_not_exists(pk)" on every call), and parsing one costs
// allocations and a microsecond or more each time.
var (
	conditions  parseCache[*Condition]
	filters     parseCache[*Condition]
	updates     parseCache[*Update]
	projections parseCache[*Projection]
)

// maxCached bounds each cache: a client that builds a new expression text
// per request gets no cache once it is full, not unbounded memory.
const maxCached = 4096

// parseCache maps expression text to its parse. Texts that fail to parse
// are not kept.
type parseCache[T any] struct {
	m sync.Map // string → T
	n atomic.Int32
}

func (c *parseCache[T]) get(src string, parse func(string) (T, error)) (T, error) {
	if v, ok := c.m.Load(src); ok {
		return v.(T), nil
	}
	t, err := parse(src)
	if err == nil && c.n.Load() < maxCached {
		if _, loaded := c.m.LoadOrStore(src, t); !loaded {
			c.n.Add(1)
		}
	}
	return t, err
}
