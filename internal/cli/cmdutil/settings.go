package cmdutil

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cast"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// EnvPrefix is the prefix of every environment variable sfapi reads as a
// setting: --api-addr is SFAPI_API_ADDR.
const EnvPrefix = "SFAPI"

// EnvConfig names the config file when --config is not given.
const EnvConfig = "SFAPI_CONFIG"

// Source says where a setting's value came from.
type Source int

// Sources in increasing precedence.
const (
	SourceDefault Source = iota
	SourceConfig
	SourceEnv
	SourceFlag
)

func (s Source) String() string {
	switch s {
	case SourceConfig:
		return "config"
	case SourceEnv:
		return "env"
	case SourceFlag:
		return "flag"
	default:
		return "default"
	}
}

// envKeyReplacer maps a flag/config key to its environment spelling, the
// same rule viper's SetEnvKeyReplacer would apply.
var envKeyReplacer = strings.NewReplacer("-", "_", ".", "_")

// EnvName returns the environment variable for a flag or config key:
// "api-addr" → "SFAPI_API_ADDR".
func EnvName(key string) string {
	return EnvPrefix + "_" + strings.ToUpper(envKeyReplacer.Replace(key))
}

// flags that never come from env or the config file: --config names the
// file itself (SFAPI_CONFIG is read separately), the others are actions.
var notSettings = map[string]bool{FlagConfig: true, "help": true, "version": true}

// Settings is the resolved view of one command's flags. Precedence, highest
// first: a flag given on the command line, SFAPI_<KEY> in the environment,
// the key in the tool config file, the flag default.
//
// Every flag of the command (its own and the inherited global ones) takes
// part, so a command gets env and config-file support for its flags without
// extra code: after LoadSettings, each flag the user did not type holds the
// env or config value, and the option fields bound to flags (StringVar & co.)
// see the final value. cmd.Flags().Changed still means "typed on the command
// line"; Source tells the rest apart.
//
// Viper (a fresh instance per invocation, never the global) reads the config
// file and unmarshals the typed Config. The environment is read through the
// injected getenv rather than viper's AutomaticEnv, because AutomaticEnv
// calls os.LookupEnv directly and so could not be faked in tests or honour
// the env slice given to cli.MainArgs; the naming rule is the same
// (SetEnvPrefix("SFAPI") with "-" and "." replaced by "_").
type Settings struct {
	v       *viper.Viper
	file    string
	sources map[string]Source
}

// LoadSettings resolves the flags in fset (already parsed) against the
// environment and the config file, writes the winning values back into the
// unset flags, and returns the result. The config file is --config, else
// $SFAPI_CONFIG (both must exist), else $XDG_CONFIG_HOME/sfapi/config.yaml
// or ~/.config/sfapi/config.yaml when present. Its keys are flag names
// ("log-level: debug", "api-addr: 127.0.0.1:4000"); keys for flags this
// command lacks are ignored, since one file serves every command.
func LoadSettings(fset *pflag.FlagSet, getenv func(string) string) (*Settings, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	s := &Settings{v: viper.New(), sources: map[string]Source{}}

	path, explicit := configPath(fset, getenv)
	if path != "" {
		data, err := os.ReadFile(path)
		switch {
		case err == nil:
			s.file = path
			s.v.SetConfigType(configType(path))
			if err := s.v.ReadConfig(bytes.NewReader(data)); err != nil {
				return nil, WithHint(FlagErrorf("read config file %s: %v", path, err),
					"fix the file, or point --config or SFAPI_CONFIG at another one")
			}
		case explicit || !errors.Is(err, fs.ErrNotExist):
			return nil, WithHint(FlagErrorf("read config file: %v", err),
				"check --config or SFAPI_CONFIG")
		}
	}

	// The environment layer goes into viper's config layer on top of the
	// file, so viper's own precedence (changed flag > config > flag
	// default) yields flag > env > file > default.
	env := map[string]any{}
	fset.VisitAll(func(f *pflag.Flag) {
		if notSettings[f.Name] {
			return
		}
		if val := getenv(EnvName(f.Name)); val != "" {
			env[f.Name] = val
		}
	})
	if len(env) > 0 {
		if err := s.v.MergeConfigMap(env); err != nil {
			return nil, fmt.Errorf("merge environment settings: %w", err)
		}
	}
	if err := s.v.BindPFlags(fset); err != nil {
		return nil, fmt.Errorf("bind flags: %w", err)
	}

	var setErr error
	fset.VisitAll(func(f *pflag.Flag) {
		if setErr != nil || notSettings[f.Name] {
			return
		}
		switch {
		case f.Changed:
			s.sources[f.Name] = SourceFlag
		case env[f.Name] != nil:
			s.sources[f.Name] = SourceEnv
			setErr = setFlag(f, s.v.Get(f.Name), EnvName(f.Name))
		case s.v.InConfig(f.Name):
			s.sources[f.Name] = SourceConfig
			setErr = setFlag(f, s.v.Get(f.Name), "config file "+s.file)
		default:
			s.sources[f.Name] = SourceDefault
		}
	})
	if setErr != nil {
		return nil, setErr
	}
	return s, nil
}

// configPath picks the config file and whether the user named it.
func configPath(fset *pflag.FlagSet, getenv func(string) string) (string, bool) {
	if f := fset.Lookup(FlagConfig); f != nil && f.Changed {
		return f.Value.String(), true
	}
	if p := getenv(EnvConfig); p != "" {
		return p, true
	}
	if dir := getenv("XDG_CONFIG_HOME"); dir != "" {
		return filepath.Join(dir, "sfapi", "config.yaml"), false
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, ".config", "sfapi", "config.yaml"), false
	}
	return "", false
}

// configType maps a file extension to a viper codec; anything else is YAML.
func configType(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		return "json"
	case ".toml":
		return "toml"
	default:
		return "yaml"
	}
}

// setFlag writes a value from env or the config file into an unchanged
// flag. pflag's Value.Set leaves Flag.Changed false, which is what we want.
func setFlag(f *pflag.Flag, val any, from string) error {
	if list, ok := val.([]any); ok {
		strs, err := cast.ToStringSliceE(list)
		if err != nil {
			return FlagErrorf("invalid value for --%s from %s: %v", f.Name, from, err)
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			if err := sv.Replace(strs); err != nil {
				return FlagErrorf("invalid value %q for --%s from %s: %v", strs, f.Name, from, err)
			}
			return nil
		}
		val = strings.Join(strs, ",")
	}
	str, err := cast.ToStringE(val)
	if err != nil {
		return FlagErrorf("invalid value for --%s from %s: want a single value, got %T", f.Name, from, val)
	}
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		// A comma-separated env value for a list flag.
		if err := sv.Replace(strings.Split(str, ",")); err != nil {
			return FlagErrorf("invalid value %q for --%s from %s: %v", str, f.Name, from, err)
		}
		return nil
	}
	if err := f.Value.Set(str); err != nil {
		return FlagErrorf("invalid value %q for --%s from %s: %v", str, f.Name, from, err)
	}
	return nil
}

// Source reports where the flag named key got its value. Unknown keys
// report SourceDefault.
func (s *Settings) Source(key string) Source { return s.sources[key] }

// ConfigFile is the config file that was read, "" when none was.
func (s *Settings) ConfigFile() string { return s.file }

// Unmarshal decodes the resolved settings into out, a pointer to a struct
// with `mapstructure:"flag-name"` tags; commands use it to read their own
// typed options in one step.
func (s *Settings) Unmarshal(out any) error {
	if err := s.v.Unmarshal(out); err != nil {
		return FlagErrorf("decode settings: %v", err)
	}
	return nil
}

// Config returns the validated global configuration.
func (s *Settings) Config() (*Config, error) {
	cfg := &Config{}
	if err := s.Unmarshal(cfg); err != nil {
		return nil, err
	}
	// Flags missing from this command's set (a bare test command) keep the
	// defaults rather than failing validation.
	if cfg.LogLevel == "" {
		cfg.LogLevel = DefaultLogLevel
	}
	if cfg.LogFormat == "" {
		cfg.LogFormat = DefaultLogFormat
	}
	cfg.File = s.file
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// AddGlobalFlags declares the global flags on a root command's persistent
// flag set.
func AddGlobalFlags(fset *pflag.FlagSet) {
	fset.String(FlagLogLevel, DefaultLogLevel, "diagnostics level: debug, info, warn or error (env SFAPI_LOG_LEVEL)")
	fset.String(FlagLogFormat, DefaultLogFormat, "diagnostics format: text or json (env SFAPI_LOG_FORMAT)")
	fset.String(FlagConfig, "", "tool config `file` (env SFAPI_CONFIG; default $XDG_CONFIG_HOME/sfapi/config.yaml)")
}
