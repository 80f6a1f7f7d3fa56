package main

import (
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// The values of --log-format and --log-level.
var (
	logFormats = []string{"text", "json"}
	logLevels  = []string{"debug", "info", "warn", "error"}
)

// checkLogFlags refuses --log-format and --log-level values it does not
// know, as usage errors.
func (a *app) checkLogFlags() error {
	if a.logFormat != "" && !slices.Contains(logFormats, a.logFormat) {
		return usageErrorf("--log-format %q: want %s", a.logFormat, strings.Join(logFormats, " or "))
	}
	if !slices.Contains(logLevels, a.logLevel) {
		return usageErrorf("--log-level %q: want %s", a.logLevel, strings.Join(logLevels, ", "))
	}
	return nil
}

// setUpLog makes the log of the command: on standard error, as --log-format
// says (text when it is a terminal, JSON lines otherwise), from
// --log-level up, with its times on the clock of loc.
func (a *app) setUpLog(loc *time.Location) {
	switch a.logFormat {
	case "json":
		a.logJSON = true
	case "text":
		a.logJSON = false
	default: // unset, or refused by checkLogFlags
		a.logJSON = !isTerminal(a.stderr)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(a.logLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, at slog.Attr) slog.Attr {
			if len(groups) == 0 && at.Key == slog.TimeKey && at.Value.Kind() == slog.KindTime {
				at.Value = slog.TimeValue(at.Value.Time().In(loc))
			}
			return at
		},
	}
	if a.logOut == nil {
		a.logOut = &logWriter{stderr: a.stderr}
	}
	if a.logJSON {
		a.log = slog.New(slog.NewJSONHandler(a.logOut, opts))
	} else {
		a.log = slog.New(slog.NewTextHandler(a.logOut, opts))
	}
}

// logWriter is where the log goes: standard error, or, while progress bars
// are drawn there, the space above them.
type logWriter struct {
	mu     sync.Mutex
	stderr io.Writer
	above  io.Writer // the bars; nil when none are drawn
}

func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.above != nil {
		if n, err := l.above.Write(p); err == nil {
			return n, nil
		}
		// The bars stopped (the terminal would not give its size): the
		// line goes to standard error as it is.
	}
	return l.stderr.Write(p)
}

// set sends the log above the bars of w; nil sends it to standard error.
func (l *logWriter) set(w io.Writer) {
	l.mu.Lock()
	l.above = w
	l.mu.Unlock()
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
