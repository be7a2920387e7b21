package asl_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/sfapi/sfapi/internal/emulator/asl"
	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// TestPersistencePoints pins down when a STANDARD execution commits: the
// start, before and after every state with effects outside the execution
// (here a Task), and the end; transitions between Pass, Choice, Succeed
// and Fail states share the next commit. When a Task runs, every earlier
// transition is already on disk.
func TestPersistencePoints(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		def        string
		wantWrites int
		// storedAtTask is the number of history events on disk when the
		// task is invoked (0: no task).
		storedAtTask int
		wantStatus   string
	}{
		{name: "internal states only", wantWrites: 2, wantStatus: asl.StatusSucceeded, def: `{"StartAt":"P","States":{
			"P":{"Type":"Pass","Next":"C"},
			"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":0,"Next":"S"}],"Default":"S"},
			"S":{"Type":"Succeed"}}}`},
		{name: "fail after internal states", wantWrites: 2, wantStatus: asl.StatusFailed, def: `{"StartAt":"P","States":{
			"P":{"Type":"Pass","Next":"F"},
			"F":{"Type":"Fail","Error":"E"}}}`},
		{name: "task between internal states", wantWrites: 4, storedAtTask: 5, wantStatus: asl.StatusSucceeded, def: `{"StartAt":"P","States":{
			"P":{"Type":"Pass","Next":"C"},
			"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":0,"Next":"T"}],"Default":"T"},
			"T":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","Parameters":{"a":1},"Next":"Q"},
			"Q":{"Type":"Pass","End":true}}}`},
		{name: "task first", wantWrites: 2, storedAtTask: 1, wantStatus: asl.StatusSucceeded, def: `{"StartAt":"T","States":{
			"T":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","Parameters":{"a":1},"End":true}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := openDB(t, "")
			defer db.Close()
			var arn string
			storedAtTask := -1
			tasks := &fakeTasks{invoke: func(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
				storedAtTask = storedEvents(t, db, arn)
				return json.RawMessage(`{}`), nil
			}}
			e, err := asl.NewEngine(asl.Options{Store: db, Tasks: tasks})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			defer e.Shutdown(ctx)
			sm, err := e.CreateStateMachine(ctx, "persist", tc.def, asl.TypeStandard, "")
			if err != nil {
				t.Fatal(err)
			}
			arn = "arn:aws:states:us-east-1:123456789012:execution:persist:run"
			before := lastTxID(t, db)
			ex, err := e.StartExecution(ctx, sm.Arn, "run", `{"n":1}`)
			if err != nil {
				t.Fatal(err)
			}
			if ex.Arn != arn {
				t.Fatalf("execution arn = %s, want %s", ex.Arn, arn)
			}
			done, err := e.WaitExecution(ctx, ex.Arn)
			if err != nil || done.Status != tc.wantStatus {
				t.Fatalf("execution ended %+v, %v; want %s", done, err, tc.wantStatus)
			}
			// The execution's writes are sequential, so each is its own
			// commit: count them by bbolt transaction id.
			if got := lastTxID(t, db) - before; got != tc.wantWrites {
				t.Errorf("store commits = %d, want %d", got, tc.wantWrites)
			}
			if tc.storedAtTask > 0 && storedAtTask != tc.storedAtTask {
				t.Errorf("history events stored when the task ran = %d, want %d", storedAtTask, tc.storedAtTask)
			}
			events, _, err := e.GetExecutionHistory(ctx, ex.Arn, false, 1000, "")
			if err != nil {
				t.Fatal(err)
			}
			if n := storedEvents(t, db, arn); n != len(events) || n == 0 {
				t.Errorf("stored events = %d, history = %d: every transition must be on disk at the end", n, len(events))
			}
		})
	}
}

// lastTxID returns the id of the store's last committed transaction.
func lastTxID(t *testing.T, db *kv.DB) int {
	t.Helper()
	var id int
	if err := db.View(func(tx *kv.Tx) error { id = tx.ID(); return nil }); err != nil {
		t.Fatal(err)
	}
	return id
}

// storedEvents counts the execution's history events on disk.
func storedEvents(t *testing.T, db *kv.DB, arn string) int {
	t.Helper()
	n := 0
	err := db.View(func(tx *kv.Tx) error {
		prefix, err := asl.HistoryPrefixOf(tx, arn)
		if err != nil || prefix == nil {
			return fmt.Errorf("execution record of %s: %v", arn, err)
		}
		c := tx.Bucket([]byte("sfn.history")).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
