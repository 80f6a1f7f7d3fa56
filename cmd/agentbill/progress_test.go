package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vbauerster/mpb/v8"
)

func TestProgressOnlyOnATerminal(t *testing.T) {
	for _, format := range []string{"", "text", "json"} {
		a := &app{stderr: &bytes.Buffer{}, logFormat: format, logLevel: "info"}
		a.setUpLog(time.UTC)
		if pr := a.startProgress(); pr != nil {
			pr.finish(false)
			t.Errorf("--log-format %q: progress drawn off a terminal", format)
		}
	}
	// Without bars, the counting costs nothing and fails nowhere.
	var pr *progress
	m := pr.add("read", 10, unitBytes)
	m.Add(5)
	m.Set(7, 10)
	pr.finish(true)
}

func TestProgressBars(t *testing.T) {
	var screen syncBuffer
	a := &app{stderr: &screen, logFormat: "text", logLevel: "info"}
	a.setUpLog(time.UTC)
	pr := newProgress(&screen, a.logOut, mpb.WithAutoRefresh(), mpb.WithWidth(120))
	read := pr.add("read", 3<<20, unitBytes)
	days := pr.add("days billed", 0, unitCount)
	read.Add(1 << 20)
	read.Add(2 << 20)
	a.log.Info("ingested", "day", "2026-11-20")
	days.Set(2, 2)
	pr.finish(true)
	out := screen.String()
	for _, want := range []string{"read", "3.0 MiB / 3.0 MiB", "days billed", "2 / 2", "100 %", "msg=ingested day=2026-11-20"} {
		if !strings.Contains(out, want) {
			t.Errorf("the screen lacks %q:\n%s", want, out)
		}
	}
	// After the bars, the log goes to standard error again.
	a.log.Info("after")
	if !strings.HasSuffix(screen.String(), "msg=after\n") {
		t.Errorf("the log after the bars:\n%s", screen.String())
	}
}

// syncBuffer is a bytes.Buffer that the bars and the log may write to from
// their goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
