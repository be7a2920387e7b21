package cmdutil

import (
	"fmt"
	"io"
	"log/slog"
)

// Names of the global flags (also their config-file keys; SFAPI_LOG_LEVEL
// and SFAPI_LOG_FORMAT are the matching environment variables).
const (
	FlagLogLevel  = "log-level"
	FlagLogFormat = "log-format"
	FlagConfig    = "config"
)

// Defaults of the global settings.
const (
	DefaultLogLevel  = "info"
	DefaultLogFormat = "text"
)

// Config is the typed tool configuration shared by all commands. It is
// built from flags, SFAPI_* env and the config file by Settings.Config;
// project files (sfapi.yaml) are not part of it.
type Config struct {
	LogLevel  string `mapstructure:"log-level"`
	LogFormat string `mapstructure:"log-format"`
	// File is the config file that was read, "" when none was.
	File string `mapstructure:"-"`
}

var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug,
	"info":  slog.LevelInfo,
	"warn":  slog.LevelWarn,
	"error": slog.LevelError,
}

// Validate reports the first invalid setting as a FlagError (exit 2).
func (c *Config) Validate() error {
	if _, ok := logLevels[c.LogLevel]; !ok {
		return FlagErrorf("invalid log level %q: want debug, info, warn or error", c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return FlagErrorf("invalid log format %q: want text or json", c.LogFormat)
	}
	return nil
}

// NewLogger builds the diagnostics logger described by cfg, writing to w
// (ErrOut: stdout is reserved for data). A nil cfg means the defaults.
func NewLogger(w io.Writer, cfg *Config) *slog.Logger {
	if cfg == nil {
		cfg = &Config{LogLevel: DefaultLogLevel, LogFormat: DefaultLogFormat}
	}
	level, ok := logLevels[cfg.LogLevel]
	if !ok {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// String is a one-line summary for debug logs.
func (c *Config) String() string {
	file := c.File
	if file == "" {
		file = "(none)"
	}
	return fmt.Sprintf("log-level=%s log-format=%s config=%s", c.LogLevel, c.LogFormat, file)
}
