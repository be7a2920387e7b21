package main

import (
	"os"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() { scriptCommands["jsonfile"] = cmdJSONFile }

// jsonfile VAR FILE JSONPATH sets VAR to the value at JSONPATH in the JSON
// document FILE (strings unquoted), so a script can compare a command's
// JSON report with what the server says.
func cmdJSONFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: jsonfile VAR FILE JSONPATH")
	}
	data, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	v, err := jsonAt(data, args[2])
	if err != nil {
		ts.Fatalf("jsonfile: %v in %s", err, data)
	}
	ts.Setenv(args[0], v)
}
