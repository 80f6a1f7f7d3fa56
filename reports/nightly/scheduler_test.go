package nightly

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/agentbill/agentbill/billing"
)

// never is a schedule that does not come round (30 February), for tests
// that run the daemon on the real clock.
const never = "0 0 30 2 *"

func newScheduler(t *testing.T, r *Runner, jobs []Job, grace time.Duration) *Scheduler {
	t.Helper()
	s, err := NewScheduler(r, jobs, grace)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSchedulerDoubleTrigger(t *testing.T) {
	ny := zone(t, "America/New_York")
	// At the end of summer time, cron starts a 01:30 job at 01:30 EDT and
	// again an hour later at 01:30 EST.
	first := time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC)
	r, f, clk, logs := testRunner(t, ny, first)
	s := newScheduler(t, r, []Job{{Name: "nightly", Schedule: "30 1 * * *", Ingest: true}}, 0)
	sched, _ := ParseSchedule("30 1 * * *", ny)
	runs := NextRuns(sched, first.Add(-time.Minute), 2)
	if !runs[0].Equal(first) || runs[1].Sub(runs[0]) != time.Hour {
		t.Fatalf("cron starts %v; want 01:30 twice, an hour apart", runs)
	}
	for _, at := range runs {
		clk.Set(at)
		if err := s.Trigger("nightly"); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Join(f.days(), ","); got != "2026-10-31" {
		t.Errorf("ingested %q; want 2026-10-31 once", got)
	}
	if n := len(logs.lines(t, "job has nothing due")); n != 1 {
		t.Errorf("%d 'nothing due' lines; want 1, for the second start", n)
	}
	// A restart the same night does nothing either.
	s2 := newScheduler(t, r, []Job{{Name: "nightly", Schedule: "30 1 * * *", Ingest: true}}, 0)
	s2.CatchUp()
	if len(f.days()) != 1 {
		t.Errorf("ingested %v after a restart", f.days())
	}
}

func TestSchedulerCatchUp(t *testing.T) {
	shanghai := zone(t, "Asia/Shanghai")
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	// The machine was off from Saturday to Tuesday 01:00.
	r, f, clk, _ := testRunner(t, shanghai, at("2026-03-17 01:00"))
	out := t.TempDir()
	jobs := []Job{
		{Name: "ingest", Schedule: "30 2 * * *", Ingest: true},
		{Name: "weekly", Schedule: "0 6 * * 1", Periods: []Period{Week}, Out: out},
	}
	if err := r.Records.Mark("ingest", date(t, "2026-03-13"), time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := r.Records.Mark("weekly", date(t, "2026-03-08"), time.Now()); err != nil {
		t.Fatal(err)
	}
	s := newScheduler(t, r, jobs, 0)
	s.CatchUp()
	want := "ingest 2026-03-14, ingest 2026-03-15, reports 2026-03-09..2026-03-16"
	if got := f.callList(); got != want {
		t.Errorf("caught up\n %s\nwant\n %s", got, want)
	}
	// Tuesday's own start runs Monday.
	clk.Set(at("2026-03-17 02:30"))
	if err := s.Trigger("ingest"); err != nil {
		t.Fatal(err)
	}
	if got := f.callList(); !strings.HasSuffix(got, "ingest 2026-03-16") {
		t.Errorf("calls %s", got)
	}
	days, _ := r.Records.Completed("ingest")
	if len(days) != 4 || days[3].String() != "2026-03-16" {
		t.Errorf("record %v", days)
	}
}

func TestSchedulerPanic(t *testing.T) {
	r, f, clk, logs := testRunner(t, time.UTC, time.Date(2026, 3, 11, 2, 30, 0, 0, time.UTC))
	f.onIngest = func(_ context.Context, d billing.Date) error {
		if d.String() == "2026-03-10" {
			panic("index out of range")
		}
		return nil
	}
	s := newScheduler(t, r, []Job{{Name: "nightly", Schedule: "30 2 * * *", Ingest: true}}, 0)
	if err := s.Trigger("nightly"); err != nil { // must not crash the test
		t.Fatal(err)
	}
	if p := logs.lines(t, "job panicked"); len(p) != 1 || p[0]["job"] != "nightly" {
		t.Errorf("panic lines %v", p)
	}
	if e := logs.lines(t, "job end"); len(e) != 1 || e[0]["status"] != "panic" {
		t.Errorf("end lines %v", e)
	}
	if done, _ := r.Records.Done("nightly", date(t, "2026-03-10")); done {
		t.Error("a day that panicked is recorded as done")
	}
	clk.Set(time.Date(2026, 3, 12, 2, 30, 0, 0, time.UTC))
	if err := s.Trigger("nightly"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.days(), ","); got != "2026-03-11" {
		t.Errorf("ingested %q after the panic; want the next day run", got)
	}
}

func TestChainOrder(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	l := cronLogger{log}
	runs := 0
	boom := cron.FuncJob(func() { runs++; panic("boom") })

	job := Chain(log).Then(boom)
	job.Run()
	job.Run()
	if runs != 2 {
		t.Errorf("Chain ran a panicking job %d times of 2", runs)
	}
	// The other order gives the turn back never: every later start is
	// skipped as still running.
	runs = 0
	wrong := cron.NewChain(cron.Recover(l), cron.SkipIfStillRunning(l)).Then(boom)
	wrong.Run()
	wrong.Run()
	if runs != 1 {
		t.Errorf("the wrong order ran %d times; cron has changed: check Chain", runs)
	}
}

func TestSchedulerSkipsWhileRunning(t *testing.T) {
	r, f, _, logs := testRunner(t, time.UTC, time.Date(2026, 3, 11, 2, 30, 0, 0, time.UTC))
	started, release := make(chan struct{}), make(chan struct{})
	f.onIngest = func(context.Context, billing.Date) error {
		close(started)
		<-release
		return nil
	}
	s := newScheduler(t, r, []Job{{Name: "nightly", Schedule: "30 2 * * *", Ingest: true}}, 0)
	done := make(chan struct{})
	go func() { s.Trigger("nightly"); close(done) }()
	<-started
	s.Trigger("nightly") // returns at once: skipped
	close(release)
	<-done
	if n := len(logs.lines(t, "job still running: this start is skipped")); n != 1 {
		t.Errorf("%d skip lines; want 1", n)
	}
	if len(f.days()) != 1 {
		t.Errorf("ingested %v", f.days())
	}
}

func TestSchedulerSIGTERMWaits(t *testing.T) {
	r, f, _, logs := testRunner(t, time.UTC, time.Date(2026, 3, 11, 2, 30, 0, 0, time.UTC))
	started, release := make(chan struct{}), make(chan struct{})
	var jobCtx context.Context
	f.onIngest = func(ctx context.Context, _ billing.Date) error {
		jobCtx = ctx
		close(started)
		<-release
		return nil
	}
	s := newScheduler(t, r, []Job{{Name: "nightly", Schedule: never, Ingest: true}}, time.Minute)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	stopped := make(chan error, 1)
	go func() { stopped <- s.Run(ctx) }()
	go s.Trigger("nightly") // as cron would
	<-started

	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-ctx.Done()
	select {
	case err := <-stopped:
		t.Fatalf("Run returned (%v) with a job running", err)
	case <-time.After(200 * time.Millisecond):
	}
	if jobCtx.Err() != nil {
		t.Error("SIGTERM cancelled the running job")
	}
	close(release)
	select {
	case err := <-stopped:
		if err != nil {
			t.Errorf("Run: %v; want a clean stop", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after the job ended")
	}
	if done, _ := r.Records.Done("nightly", date(t, "2026-03-10")); !done {
		t.Error("the job that ran through the stop is not recorded")
	}
	if len(logs.lines(t, "stopped")) != 1 {
		t.Error("no 'stopped' line")
	}
}

func TestSchedulerGraceEnds(t *testing.T) {
	r, f, _, logs := testRunner(t, time.UTC, time.Date(2026, 3, 11, 2, 30, 0, 0, time.UTC))
	started := make(chan struct{})
	f.onIngest = func(ctx context.Context, _ billing.Date) error {
		close(started)
		<-ctx.Done() // a job that only stops when told
		return ctx.Err()
	}
	s := newScheduler(t, r, []Job{{Name: "nightly", Schedule: never, Ingest: true}}, 100*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- s.Run(ctx) }()
	go s.Trigger("nightly")
	<-started
	begin := time.Now()
	cancel()
	select {
	case err := <-stopped:
		if !errors.Is(err, ErrStopTimeout) {
			t.Errorf("Run: %v; want ErrStopTimeout", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after the grace period")
	}
	if d := time.Since(begin); d < 100*time.Millisecond {
		t.Errorf("Run returned after %s, before the grace period", d)
	}
	if e := logs.lines(t, "job end"); len(e) != 1 || e[0]["status"] != "stopped" {
		t.Errorf("end lines %v; want the job stopped", e)
	}
	if done, _ := r.Records.Done("nightly", date(t, "2026-03-10")); done {
		t.Error("a cancelled day is recorded as done")
	}
}

// TestSchedulerLogsNextOnTheSiteClock: the next start a person reads in the
// log is on the site clock, whatever the clock the runner is given.
func TestSchedulerLogsNextOnTheSiteClock(t *testing.T) {
	kathmandu := zone(t, "Asia/Kathmandu")
	r, _, _, logs := testRunner(t, kathmandu, time.Date(2026, 3, 11, 2, 30, 0, 0, time.UTC))
	s := newScheduler(t, r, []Job{{Name: "nightly", Schedule: "30 2 * * *", Ingest: true}}, time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // stop at once: the "job scheduled" lines come first
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	lines := logs.lines(t, "job scheduled")
	if len(lines) != 1 || lines[0]["next"] != "2026-03-12T02:30:00+05:45" {
		t.Errorf("job scheduled: %v; want next 2026-03-12T02:30:00+05:45", lines)
	}
}
