package cmdutil

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// newFlags builds a flag set shaped like a real command: the globals plus
// command flags of several types.
func newFlags() *pflag.FlagSet {
	fset := pflag.NewFlagSet("test", pflag.ContinueOnError)
	AddGlobalFlags(fset)
	fset.String("api-addr", "127.0.0.1:4000", "")
	fset.Int("port", 8080, "")
	fset.StringSlice("tags", []string{"a"}, "")
	return fset
}

func writeFile(t *testing.T, path, body string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestEnvName(t *testing.T) {
	t.Parallel()
	for key, want := range map[string]string{
		"log-level": "SFAPI_LOG_LEVEL",
		"api-addr":  "SFAPI_API_ADDR",
		"dev.port":  "SFAPI_DEV_PORT",
	} {
		if got := EnvName(key); got != want {
			t.Fatalf("EnvName(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestSettingsPrecedence(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfgFile := writeFile(t, filepath.Join(dir, "cfg.yaml"),
		"log-level: warn\napi-addr: 0.0.0.0:5000\nport: 9000\ntags: [x, y]\nsomething-else: 1\n")

	type want struct {
		logLevel, apiAddr string
		port              int
		tags              []string
		src               map[string]Source
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want want
	}{
		{
			name: "defaults",
			want: want{"info", "127.0.0.1:4000", 8080, []string{"a"},
				map[string]Source{"log-level": SourceDefault, "api-addr": SourceDefault}},
		},
		{
			name: "config file beats default",
			args: []string{"--config", cfgFile},
			want: want{"warn", "0.0.0.0:5000", 9000, []string{"x", "y"},
				map[string]Source{"log-level": SourceConfig, "port": SourceConfig, "tags": SourceConfig}},
		},
		{
			name: "env beats config file",
			args: []string{"--config", cfgFile},
			env:  map[string]string{"SFAPI_LOG_LEVEL": "error", "SFAPI_API_ADDR": "127.0.0.1:1", "SFAPI_TAGS": "p,q"},
			want: want{"error", "127.0.0.1:1", 9000, []string{"p", "q"},
				map[string]Source{"log-level": SourceEnv, "api-addr": SourceEnv, "port": SourceConfig, "tags": SourceEnv}},
		},
		{
			name: "flag beats env",
			args: []string{"--config", cfgFile, "--log-level", "debug", "--port", "1234"},
			env:  map[string]string{"SFAPI_LOG_LEVEL": "error", "SFAPI_PORT": "4321"},
			want: want{"debug", "0.0.0.0:5000", 1234, []string{"x", "y"},
				map[string]Source{"log-level": SourceFlag, "port": SourceFlag, "api-addr": SourceConfig}},
		},
		{
			name: "SFAPI_CONFIG names the file",
			env:  map[string]string{"SFAPI_CONFIG": cfgFile},
			want: want{"warn", "0.0.0.0:5000", 9000, []string{"x", "y"},
				map[string]Source{"log-level": SourceConfig}},
		},
		{
			name: "XDG default file is read when present",
			env:  map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "xdg")},
			want: want{"error", "127.0.0.1:4000", 8080, []string{"a"},
				map[string]Source{"log-level": SourceConfig}},
		},
		{
			name: "HOME default file is read when XDG is unset",
			env:  map[string]string{"HOME": filepath.Join(dir, "home")},
			want: want{"debug", "127.0.0.1:4000", 8080, []string{"a"},
				map[string]Source{"log-level": SourceConfig}},
		},
		{
			name: "missing default file is fine",
			env:  map[string]string{"HOME": filepath.Join(dir, "nobody")},
			want: want{"info", "127.0.0.1:4000", 8080, []string{"a"}, nil},
		},
	}
	writeFile(t, filepath.Join(dir, "xdg", "sfapi", "config.yaml"), "log-level: error\n")
	writeFile(t, filepath.Join(dir, "home", ".config", "sfapi", "config.yaml"), "log-level: debug\n")

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fset := newFlags()
			if err := fset.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			s, err := LoadSettings(fset, func(k string) string { return tt.env[k] })
			if err != nil {
				t.Fatalf("LoadSettings: %v", err)
			}
			cfg, err := s.Config()
			if err != nil {
				t.Fatalf("Config: %v", err)
			}
			if cfg.LogLevel != tt.want.logLevel {
				t.Fatalf("log level = %q, want %q", cfg.LogLevel, tt.want.logLevel)
			}
			// Values are written back into the flags the command reads.
			if got, _ := fset.GetString("api-addr"); got != tt.want.apiAddr {
				t.Fatalf("api-addr = %q, want %q", got, tt.want.apiAddr)
			}
			if got, _ := fset.GetInt("port"); got != tt.want.port {
				t.Fatalf("port = %d, want %d", got, tt.want.port)
			}
			if got, _ := fset.GetStringSlice("tags"); !reflect.DeepEqual(got, tt.want.tags) {
				t.Fatalf("tags = %q, want %q", got, tt.want.tags)
			}
			// Unmarshal sees the same resolved values.
			var typed struct {
				APIAddr string `mapstructure:"api-addr"`
				Port    int    `mapstructure:"port"`
			}
			if err := s.Unmarshal(&typed); err != nil {
				t.Fatal(err)
			}
			if typed.APIAddr != tt.want.apiAddr || typed.Port != tt.want.port {
				t.Fatalf("Unmarshal = %+v, want %s/%d", typed, tt.want.apiAddr, tt.want.port)
			}
			for key, src := range tt.want.src {
				if got := s.Source(key); got != src {
					t.Fatalf("Source(%q) = %v, want %v", key, got, src)
				}
			}
			// Changed keeps meaning "typed on the command line".
			if fset.Changed("api-addr") && s.Source("api-addr") != SourceFlag {
				t.Fatal("api-addr marked changed without a flag")
			}
		})
	}
}

func TestSettingsErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := writeFile(t, filepath.Join(dir, "bad.yaml"), "log-level: [unclosed\n")
	mapVal := writeFile(t, filepath.Join(dir, "map.yaml"), "api-addr: {a: 1}\n")
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantText string
		wantHint bool
	}{
		{"explicit config missing", []string{"--config", filepath.Join(dir, "nope.yaml")}, nil, "read config file", true},
		{"SFAPI_CONFIG missing", nil, map[string]string{"SFAPI_CONFIG": filepath.Join(dir, "nope.yaml")}, "read config file", true},
		{"config file does not parse", []string{"--config", bad}, nil, "read config file " + bad, true},
		{"bad int from env", nil, map[string]string{"SFAPI_PORT": "eighty"}, `invalid value "eighty" for --port from SFAPI_PORT`, false},
		{"map where a value is expected", []string{"--config", mapVal}, nil, "invalid value for --api-addr from config file", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fset := newFlags()
			if err := fset.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			_, err := LoadSettings(fset, func(k string) string { return tt.env[k] })
			if err == nil {
				t.Fatal("LoadSettings succeeded, want error")
			}
			var fe *FlagError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a FlagError", err)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("error %q does not contain %q", err, tt.wantText)
			}
			if (HintOf(err) != "") != tt.wantHint {
				t.Fatalf("hint = %q, want hint: %v", HintOf(err), tt.wantHint)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cfg     Config
		wantErr string
	}{
		{Config{LogLevel: "debug", LogFormat: "json"}, ""},
		{Config{LogLevel: "error", LogFormat: "text"}, ""},
		{Config{LogLevel: "verbose", LogFormat: "text"}, `invalid log level "verbose"`},
		{Config{LogLevel: "info", LogFormat: "xml"}, `invalid log format "xml"`},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if tt.wantErr == "" {
			if err != nil {
				t.Fatalf("Validate(%+v) = %v", tt.cfg, err)
			}
			continue
		}
		var fe *FlagError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.wantErr) {
			t.Fatalf("Validate(%+v) = %v, want FlagError containing %q", tt.cfg, err, tt.wantErr)
		}
	}
}

func TestBadLogLevelFromEnvIsFlagError(t *testing.T) {
	t.Parallel()
	fset := newFlags()
	s, err := LoadSettings(fset, func(k string) string {
		return map[string]string{"SFAPI_LOG_LEVEL": "loud"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Config()
	var fe *FlagError
	if !errors.As(err, &fe) {
		t.Fatalf("Config() = %v, want FlagError", err)
	}
}
