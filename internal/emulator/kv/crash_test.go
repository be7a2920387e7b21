package kv

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// crashChildEnv makes the test binary a writer that prints every
// acknowledged write, to be killed by TestKill9LosesNothingAcknowledged.
const crashChildEnv = "SFAPI_KV_CRASH_CHILD"

// TestCrashChild is the child's body; it does nothing in a normal run.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		return
	}
	round := os.Getenv("SFAPI_KV_CRASH_ROUND")
	// A small checkpoint threshold, so kills land in rotations and
	// snapshot writes too.
	// Values of 100 bytes or more live in the files only.
	db, err := Open(dir, Options{CheckpointBytes: 32 << 10, InlineMax: 100})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := 0; ; i++ {
				key := fmt.Sprintf("%s-%d-%d", round, w, i)
				err := db.Update(func(tx *Tx) error {
					a, err := tx.CreateBucketIfNotExists([]byte("a"))
					if err != nil {
						return err
					}
					b, err := tx.CreateBucketIfNotExists([]byte("b"))
					if err != nil {
						return err
					}
					if err := a.Put([]byte(key), []byte(strings.Repeat("v", i%300))); err != nil {
						return err
					}
					return b.Put([]byte(key), []byte("twin"))
				})
				if err != nil {
					fmt.Println("write:", err)
					os.Exit(1)
				}
				mu.Lock()
				fmt.Fprintln(out, key)
				out.Flush()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// kill -9 in the middle of concurrent writes, again and again on the same
// store: every write acknowledged before the kill is there after the
// restart, whole (both halves of each transaction), and nothing half
// written is.
func TestKill9LosesNothingAcknowledged(t *testing.T) {
	if os.Getenv(crashChildEnv) != "" {
		return
	}
	dir := filepath.Join(t.TempDir(), "kv")
	acked := map[string]int{}
	for round, after := range []int{300, 1500, 50, 3000} {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir, fmt.Sprint("SFAPI_KV_CRASH_ROUND=", round))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		n := 0
		for sc.Scan() {
			line := sc.Text()
			var w, i int
			if _, err := fmt.Sscanf(strings.TrimPrefix(line, fmt.Sprint(round, "-")), "%d-%d", &w, &i); err != nil {
				t.Fatalf("child: %s", line)
			}
			acked[line] = i
			if n++; n == after {
				_ = cmd.Process.Signal(syscall.SIGKILL)
				break
			}
		}
		// Lines printed after the kill decision may still be in the pipe:
		// those writes were acknowledged too.
		for sc.Scan() {
			line := sc.Text()
			var w, i int
			if _, err := fmt.Sscanf(strings.TrimPrefix(line, fmt.Sprint(round, "-")), "%d-%d", &w, &i); err == nil {
				acked[line] = i
			}
		}
		_ = cmd.Wait()
		if n < after {
			t.Fatalf("round %d: the child stopped after %d writes", round, n)
		}
		db, err := Open(dir, Options{InlineMax: 100})
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		err = db.View(func(tx *Tx) error {
			a, b := tx.Bucket([]byte("a")), tx.Bucket([]byte("b"))
			for key, i := range acked {
				if v := a.Get([]byte(key)); string(v) != strings.Repeat("v", i%300) {
					return fmt.Errorf("acknowledged %s = %q after the kill", key, v)
				}
			}
			// Whole transactions only: a and b hold the same keys.
			if na, nb := a.Stats().KeyN, b.Stats().KeyN; na != nb {
				return fmt.Errorf("half-applied transactions: %d keys in a, %d in b", na, nb)
			}
			return nil
		})
		if cerr := db.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	if len(acked) < 4850 {
		t.Fatalf("only %d writes acknowledged", len(acked))
	}
}
