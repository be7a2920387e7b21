package devcmd

import (
	"strings"
	"testing"

	"github.com/sfapi/sfapi/internal/cli/cmdtest"
	"github.com/sfapi/sfapi/internal/emulator/containers"
)

func TestBackendFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		check   func(*DevOptions) bool
		wantErr string
	}{
		{"embedded by default", nil, func(o *DevOptions) bool {
			return o.Backend == BackendEmbedded && o.DynamoDBImage == containers.DefaultDynamoDBImage && o.StepFunctionsImage == containers.DefaultStepFunctionsImage
		}, ""},
		{"containers with its flags", []string{"--backend", "containers", "--reuse", "--force", "--dynamodb-image", "d:1", "--stepfunctions-image", "s:1"},
			func(o *DevOptions) bool {
				return o.Backend == BackendContainers && o.Reuse && o.Force && o.DynamoDBImage == "d:1" && o.StepFunctionsImage == "s:1"
			}, ""},
		{"clean on any backend", []string{"--clean"}, func(o *DevOptions) bool { return o.Clean }, ""},
		{"unknown backend", []string{"--backend", "docker"}, nil, `--backend "docker": want embedded or containers`},
		{"reuse needs containers", []string{"--reuse"}, nil, "--reuse needs --backend containers"},
		{"force needs containers", []string{"--force"}, nil, "--force needs --backend containers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := cmdtest.Parse(NewCmdDev, tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(got) {
				t.Fatalf("options = %+v", *got)
			}
		})
	}
}
