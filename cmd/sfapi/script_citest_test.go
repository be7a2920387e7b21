package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() {
	scriptCommands["npminstall"] = cmdNPMInstall
}

// npmCacheRoot is where npminstall keeps packages between runs: the
// user's cache directory of this process (scripts run with HOME=$WORK, so
// it is read before they start).
var npmCacheRoot = func() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "sfapi-test", "npm")
}()

// npminstall PKG@VERSION installs an npm package (and its dependencies)
// once into a cache directory shared by every run, and points NODE_PATH at
// it so node scripts can require it. Without node or npm it fails under
// CI=true and otherwise does nothing, for the script's next line
// ([!exec:npm] skip) to skip loudly. Installs are serialised with a lock
// file; a finished install is marked by a stamp.
func cmdNPMInstall(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 || !strings.Contains(args[0][1:], "@") {
		ts.Fatalf("usage: npminstall PKG@VERSION")
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				ts.Fatalf("%s is required in CI (Node.js 20 with npm)", tool)
			}
			return
		}
	}
	dir := filepath.Join(npmCacheRoot, strings.NewReplacer("/", "_", "@", "_").Replace(args[0]))
	ts.Check(os.MkdirAll(dir, 0o755))
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	ts.Check(err)
	defer lock.Close()
	ts.Check(syscall.Flock(int(lock.Fd()), syscall.LOCK_EX))
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	stamp := filepath.Join(dir, ".installed")
	if _, err := os.Stat(stamp); err != nil {
		cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--no-save", "--prefix", dir, args[0])
		// npm's own cache stays in the real home, not in $WORK.
		cmd.Env = append(os.Environ(), "npm_config_update_notifier=false")
		if out, err := cmd.CombinedOutput(); err != nil {
			ts.Fatalf("npm install %s: %v\n%s", args[0], err, out)
		}
		ts.Check(os.WriteFile(stamp, []byte(args[0]+"\n"), 0o644))
	}
	ts.Setenv("NODE_PATH", filepath.Join(dir, "node_modules"))
}
