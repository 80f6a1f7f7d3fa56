package nightly

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/reports/mail"
)

// clock is a settable clock for a Runner.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// syncBuffer is a log buffer safe for several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// lines are the JSON log lines with message msg.
func (s *syncBuffer) lines(t *testing.T, msg string) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(s.b.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// testRunner is a Runner over a fresh lake with fake tasks, a clock and a
// JSON log.
func testRunner(t *testing.T, loc *time.Location, now time.Time) (*Runner, *fakeTasks, *clock, *syncBuffer) {
	t.Helper()
	f := &fakeTasks{t: t}
	c := &clock{t: now}
	logs := &syncBuffer{}
	r := &Runner{
		Tasks:    f.tasks(),
		Records:  RecordsIn(t.TempDir()),
		Location: loc,
		Now:      c.Now,
		Log:      slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	return r, f, c, logs
}

func TestDue(t *testing.T) {
	shanghai := zone(t, "Asia/Shanghai")
	daily, _ := ParseSchedule("30 2 * * *", shanghai)
	mondays, _ := ParseSchedule("0 6 * * 1", shanghai)
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name      string
		sched     cron.Schedule
		now       time.Time
		completed []string
		current   bool
		max       int
		want      string
		dropped   string
	}{
		{name: "no record, started by the schedule", sched: daily, now: at("2026-03-11 02:30"), current: true, want: "2026-03-10"},
		{name: "no record, at start: nothing to catch up", sched: daily, now: at("2026-03-11 09:00"), want: ""},
		{name: "done: a second start does nothing", sched: daily, now: at("2026-03-11 02:30"), completed: []string{"2026-03-10"}, current: true, want: ""},
		{name: "machine down two nights, back before today's start",
			sched: daily, now: at("2026-03-11 01:00"), completed: []string{"2026-03-07"}, want: "2026-03-08,2026-03-09"},
		{name: "machine down two nights, back after today's start",
			sched: daily, now: at("2026-03-11 03:00"), completed: []string{"2026-03-07"}, want: "2026-03-08,2026-03-09,2026-03-10"},
		{name: "started by the schedule after a missed night",
			sched: daily, now: at("2026-03-11 02:30"), completed: []string{"2026-03-08"}, current: true, want: "2026-03-09,2026-03-10"},
		{name: "a gap before the last completed day stays",
			sched: daily, now: at("2026-03-11 03:00"), completed: []string{"2026-03-05", "2026-03-09"}, want: "2026-03-10"},
		{name: "weekly: the Sundays of missed Mondays",
			sched: mondays, now: at("2026-03-24 12:00"), completed: []string{"2026-03-08"}, want: "2026-03-15,2026-03-22"},
		{name: "no schedule: every day",
			now: at("2026-03-11 12:00"), completed: []string{"2026-03-07"}, current: true, want: "2026-03-08,2026-03-09,2026-03-10"},
		{name: "too far back",
			sched: daily, now: at("2026-03-11 03:00"), completed: []string{"2026-02-01"}, max: 3,
			want: "2026-03-08,2026-03-09,2026-03-10", dropped: "2026-02-02..2026-03-07"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var completed []billing.Date
			for _, s := range tt.completed {
				completed = append(completed, date(t, s))
			}
			max := tt.max
			if max == 0 {
				max = DefaultMaxCatchUp
			}
			days, dropped := Due(tt.sched, shanghai, tt.now, completed, tt.current, max)
			var got []string
			for _, d := range days {
				got = append(got, d.String())
			}
			if strings.Join(got, ",") != tt.want {
				t.Errorf("due %v; want %s", got, tt.want)
			}
			gotDropped := ""
			if dropped != (Dropped{}) {
				gotDropped = dropped.Since.String() + ".." + dropped.Until.String()
			}
			if gotDropped != tt.dropped {
				t.Errorf("dropped %s; want %s", gotDropped, tt.dropped)
			}
		})
	}
}

func TestRunnerLogs(t *testing.T) {
	r, _, _, logs := testRunner(t, time.UTC, time.Date(2026, 3, 11, 2, 30, 0, 0, time.UTC))
	job := Job{Name: "nightly", Ingest: true, Periods: []Period{Day}, Out: t.TempDir()}
	if _, err := r.RunDue(context.Background(), job, nil, true, TriggerCommand); err != nil {
		t.Fatal(err)
	}
	starts, ends := logs.lines(t, "job start"), logs.lines(t, "job end")
	if len(starts) != 1 || len(ends) != 1 {
		t.Fatalf("%d start and %d end lines; want one each", len(starts), len(ends))
	}
	end := ends[0]
	for key, want := range map[string]any{"job": "nightly", "day": "2026-03-10", "trigger": "command", "status": "ok",
		"bills": 80.0, "records": 100.0, "rejects": 2.0, "reject_pct": 2.0, "duplicates": 1.0, "open_rows": 3.0, "files": 1.0,
		"agents": 2.0, "occupancy": 0.4545} {
		if end[key] != want {
			t.Errorf("end line %s = %v; want %v", key, end[key], want)
		}
	}
	// Done: a second run does nothing and says so.
	if res, err := r.RunDue(context.Background(), job, nil, true, TriggerCommand); err != nil || len(res) != 0 {
		t.Errorf("second run: %v %v", res, err)
	}
	if _, err := r.RunDay(context.Background(), job, date(t, "2026-03-10"), TriggerCommand, false); !errors.Is(err, ErrAlreadyDone) {
		t.Errorf("RunDay of a done day: %v", err)
	}
	if _, err := r.RunDay(context.Background(), job, date(t, "2026-03-10"), TriggerCommand, true); err != nil {
		t.Errorf("forced RunDay: %v", err)
	}
	if n := len(logs.lines(t, "job end")); n != 2 {
		t.Errorf("%d end lines; want 2", n)
	}
}

func TestRunnerLogsIncomplete(t *testing.T) {
	r, f, _, logs := testRunner(t, time.UTC, time.Date(2026, 3, 11, 2, 30, 0, 0, time.UTC))
	f.holes = map[string]mail.Hole{"2026-03-10": {Day: "2026-03-10", State: "broken", Reason: "bills file changed", Repair: "agentbill ingest --date 2026-03-10"}}
	job := Job{Name: "nightly", Periods: []Period{Day}, Out: t.TempDir(), AllowIncomplete: true}
	if _, err := r.RunDay(context.Background(), job, date(t, "2026-03-10"), TriggerCommand, false); err != nil {
		t.Fatal(err)
	}
	warns := logs.lines(t, "reports written over days the lake does not hold whole")
	if len(warns) != 1 || warns[0]["level"] != "WARN" || warns[0]["incomplete"] != "2026-03-10 broken" || warns[0]["period"] != "2026-03-10" {
		t.Errorf("warning lines %v", warns)
	}
	ends := logs.lines(t, "job end")
	if len(ends) != 1 || ends[0]["level"] != "WARN" || ends[0]["status"] != "ok" || ends[0]["incomplete"] != "2026-03-10: 2026-03-10 broken" {
		t.Errorf("end lines %v", ends)
	}
}

func TestRunnerTimeout(t *testing.T) {
	r, f, _, logs := testRunner(t, time.UTC, time.Date(2026, 3, 11, 2, 30, 0, 0, time.UTC))
	f.onIngest = func(ctx context.Context, _ billing.Date) error {
		<-ctx.Done()
		return ctx.Err()
	}
	job := Job{Name: "slow", Ingest: true, Timeout: 50 * time.Millisecond}
	_, err := r.RunDay(context.Background(), job, date(t, "2026-03-10"), TriggerCommand, false)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "timed out after 50ms") {
		t.Errorf("err %v", err)
	}
	if done, _ := r.Records.Done("slow", date(t, "2026-03-10")); done {
		t.Error("a timed-out day is recorded as done")
	}
	if ends := logs.lines(t, "job end"); len(ends) != 1 || ends[0]["status"] != "failed" {
		t.Errorf("end lines %v", ends)
	}
}

func TestRunnerStopsAtFailedDay(t *testing.T) {
	r, f, _, _ := testRunner(t, time.UTC, time.Date(2026, 3, 11, 3, 0, 0, 0, time.UTC))
	f.onIngest = func(_ context.Context, d billing.Date) error {
		if d.String() == "2026-03-09" {
			return errors.New("input matches no file")
		}
		return nil
	}
	job := Job{Name: "nightly", Ingest: true}
	if err := r.Records.Mark("nightly", date(t, "2026-03-07"), time.Now()); err != nil {
		t.Fatal(err)
	}
	res, err := r.RunDue(context.Background(), job, nil, true, TriggerCommand)
	if err == nil || len(res) != 2 {
		t.Fatalf("%d results, err %v; want 2 and the failure", len(res), err)
	}
	if got := strings.Join(f.days(), ","); got != "2026-03-08" {
		t.Errorf("ingested %s; want 2026-03-08 and a stop at the failed day", got)
	}
}
