package versioncmd

import (
	"errors"
	"testing"

	"github.com/sfapi/sfapi/internal/cli/cmdtest"

	"github.com/sfapi/sfapi/internal/build"
	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/cli/iostreams"
)

func TestNewCmdVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		wantOutput string
		wantErr    string
		wantFlag   bool
	}{
		{name: "default", args: nil, wantOutput: "text"},
		{name: "json", args: []string{"-o", "json"}, wantOutput: "json"},
		{name: "long flag", args: []string{"--output=text"}, wantOutput: "text"},
		{name: "bad format", args: []string{"-o", "yaml"}, wantErr: `invalid output format "yaml": want text or json`, wantFlag: true},
		{name: "extra arg", args: []string{"x"}, wantErr: `version takes no arguments, received ["x"]`, wantFlag: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := cmdtest.Parse(NewCmdVersion, tt.args)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				var fe *cmdutil.FlagError
				if errors.As(err, &fe) != tt.wantFlag {
					t.Fatalf("FlagError = %v, want %v", !tt.wantFlag, tt.wantFlag)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Output != tt.wantOutput {
				t.Fatalf("Output = %q, want %q", got.Output, tt.wantOutput)
			}
		})
	}
}

func TestVersionRun(t *testing.T) {
	t.Parallel()
	info := build.Info{Version: "1.2.3", Commit: "abc123", Date: "2026-11-26T18:00:00Z"}
	tests := []struct {
		output, want string
	}{
		{"text", "sfapi 1.2.3 (commit abc123, built 2026-11-26T18:00:00Z)\n"},
		{"json", "{\n  \"version\": \"1.2.3\",\n  \"commit\": \"abc123\",\n  \"date\": \"2026-11-26T18:00:00Z\"\n}\n"},
	}
	for _, tt := range tests {
		ios, _, out, errOut := iostreams.Test()
		err := versionRun(&VersionOptions{IO: ios, Output: tt.output, Info: func() build.Info { return info }})
		if err != nil {
			t.Fatal(err)
		}
		if out.String() != tt.want || errOut.Len() != 0 {
			t.Fatalf("%s: out = %q, errOut = %q, want %q", tt.output, out, errOut, tt.want)
		}
	}
}
