package storage

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync/atomic"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// slogCore lets etcd, which logs through zap, write into Wharf's one slog
// logger. Only warnings and errors pass: etcd reports every step of start-up
// and shut-down at info level, which would drown Wharf's own logs.
type slogCore struct {
	log    *slog.Logger
	min    zapcore.Level
	fields []zapcore.Field
	// closing is set while etcd shuts down: it then reports every
	// listener it closes as a failure, which is noise.
	closing *atomic.Bool
}

// newZapLogger returns a zap logger that forwards entries at min or above to
// log, tagged component=etcd, except while closing is set.
func newZapLogger(log *slog.Logger, min zapcore.Level, closing *atomic.Bool) *zap.Logger {
	return zap.New(&slogCore{log: log.With("component", "etcd"), min: min, closing: closing})
}

func (c *slogCore) Enabled(l zapcore.Level) bool { return l >= c.min && !c.closing.Load() }

func (c *slogCore) With(fields []zapcore.Field) zapcore.Core {
	return &slogCore{log: c.log, min: c.min, fields: append(slices.Clip(c.fields), fields...), closing: c.closing}
}

func (c *slogCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c *slogCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range c.fields {
		f.AddTo(enc)
	}
	for _, f := range fields {
		f.AddTo(enc)
	}
	if expectedWarning(e.Message, enc.Fields) {
		return nil
	}
	attrs := make([]slog.Attr, 0, len(enc.Fields)+1)
	for _, k := range slices.Sorted(maps.Keys(enc.Fields)) {
		attrs = append(attrs, slog.Any(k, enc.Fields[k]))
	}
	if e.LoggerName != "" {
		attrs = append(attrs, slog.String("logger", e.LoggerName))
	}
	c.log.LogAttrs(context.Background(), slogLevel(e.Level), e.Message, attrs...)
	return nil
}

func (c *slogCore) Sync() error { return nil }

// expectedWarning tells the warnings that embedding etcd the way Wharf does
// routinely produces, and that nobody can act on.
func expectedWarning(msg string, fields map[string]any) bool {
	switch msg {
	case "Running http and grpc server on single port. This is not recommended for production.":
		// The client listener is a private socket; Wharf uses the
		// in-process client.
		return true
	case "Failed to detect schema version", "failed to update storage version":
		// A new member checks its storage version as soon as it sets
		// the cluster version, often before its first commit has stored
		// a raft term; the check is repeated a few seconds later.
		errText, _ := fields["error"].(string)
		return strings.Contains(errText, "missing term information")
	}
	// A new member ticks fast enough to try an election before it has
	// applied its own membership; it wins a tick later.
	return strings.HasSuffix(msg, "cannot campaign at term 1 since there are still pending configuration changes to apply")
}

func slogLevel(l zapcore.Level) slog.Level {
	switch {
	case l >= zapcore.ErrorLevel:
		return slog.LevelError
	case l == zapcore.WarnLevel:
		return slog.LevelWarn
	case l == zapcore.InfoLevel:
		return slog.LevelInfo
	default:
		return slog.LevelDebug
	}
}
