package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/reports/nightly"
)

func TestScheduleCatchesUpAndStops(t *testing.T) {
	site := newJobSite(t, nil, "")
	records := nightly.RecordsIn(site.lake)
	if err := records.Mark("nightly", mustDate(t, "2026-11-18"), time.Now()); err != nil {
		t.Fatal(err)
	}
	// Back at 03:00 on the 20th: the start of 02:30 (for the 19th) was
	// missed; the one of the 21st has not come.
	now := time.Date(2026, time.November, 20, 3, 0, 0, 0, time.UTC)
	var stdout, stderr bytes.Buffer
	a := &app{stdout: &stdout, stderr: &stderr, now: func() time.Time { return now }}
	root := a.rootCmd()
	root.SetArgs([]string{"--config", site.config, "schedule", "--grace", "10s"})
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	deadline := time.Now().Add(30 * time.Second)
	for {
		if ok, _ := records.Done("nightly", mustDate(t, "2026-11-19")); ok {
			break
		}
		if time.Now().After(deadline) {
			cancel()
			<-done
			t.Fatalf("the missed day was not caught up:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel() // as SIGTERM does, through main's context
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("schedule: %v\n%s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("schedule did not stop")
	}
	log := stderr.String()
	if s := logLines(t, log, "job scheduled"); len(s) != 1 || s[0]["next"] != "2026-11-21T02:30:00Z" {
		t.Errorf("scheduled lines %v", s)
	}
	if e := logLines(t, log, "job end"); len(e) != 1 || e[0]["day"] != "2026-11-19" || e[0]["trigger"] != "catch-up" || e[0]["status"] != "ok" {
		t.Errorf("end lines %v", e)
	}
	if len(logLines(t, log, "stopped")) != 1 {
		t.Errorf("no clean stop:\n%s", log)
	}
	if strings.Contains(log, `"day":"2026-11-20"`) {
		t.Error("the day whose start has not come was run")
	}
}
