package apigw

import (
	"sync/atomic"
	"time"
)

// integrationCalls runs the integration calls of every API in the process.
//
// withTimeout must run each call on a goroutine other than the request's (a
// call that ignores its context still answers 504 at the timeout), and a
// fresh goroutine starts on a small stack: the in-process DynamoDB
// integration's JSON decoders recurse deep enough to grow it two or three
// times per request, and those stack copies were ~6 % of the CPU of a
// POST /gophers. A pool worker keeps its grown stack from call to call.
var integrationCalls = newCallPool(256, 20*time.Second)

// callPool hands functions to idle long-lived workers, starting a worker
// when none is idle; a worker exits after idle time without work, so an
// idle emulator holds none. Beyond max workers a call gets a goroutine of
// its own: calls never wait for one another.
type callPool struct {
	tasks   chan func() // unbuffered: a send succeeds only into an idle worker
	idle    time.Duration
	max     int32
	workers atomic.Int32
}

func newCallPool(max int, idle time.Duration) *callPool {
	return &callPool{tasks: make(chan func()), idle: idle, max: int32(max)}
}

// run runs f on another goroutine and returns at once. f must not panic
// (withTimeout's call recovers its own panics).
func (p *callPool) run(f func()) {
	select {
	case p.tasks <- f:
		return
	default:
	}
	if p.workers.Add(1) <= p.max {
		go p.work(f)
		return
	}
	p.workers.Add(-1)
	go f()
}

func (p *callPool) work(f func()) {
	defer p.workers.Add(-1)
	idle := time.NewTimer(p.idle)
	defer idle.Stop()
	for {
		f()
		f = nil // let f's captures go while this worker waits
		// Since Go 1.23, Reset needs no drain of a timer that fired.
		idle.Reset(p.idle)
		select {
		case f = <-p.tasks:
		case <-idle.C:
			return
		}
	}
}
