package nightly

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/reports/mail"
)

func TestDo(t *testing.T) {
	out := t.TempDir()
	f := &fakeTasks{t: t}
	job := Job{Name: "nightly", Ingest: true, Periods: []Period{Day, Week}, Out: out, MailTo: []string{"floor@example.com"}}
	res, err := Do(context.Background(), job, date(t, "2026-03-10"), f.tasks())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.days(), ","); got != "2026-03-10" {
		t.Errorf("ingested %s", got)
	}
	// The periods', then the periods' before, for the change.
	if got := strings.Join(f.reported, ","); got != "2026-03-10..2026-03-11,2026-03-02..2026-03-09,2026-03-09..2026-03-10,2026-02-23..2026-03-02" {
		t.Errorf("reported %s", got)
	}
	if len(f.sent) != 1 {
		t.Fatalf("%d messages sent", len(f.sent))
	}
	m := f.sent[0]
	if m.Subject != "agentbill nightly, 2026-03-10: occupancy 45.5% over 2 agents" || len(m.Attachments) != 2 || len(m.Inline) != 2 {
		t.Errorf("subject %q, %d attachments, %d pictures", m.Subject, len(m.Attachments), len(m.Inline))
	}
	if !strings.Contains(m.HTML, "week 2026-03-02 to 2026-03-08") {
		t.Error("the week's section is missing")
	}
	for _, body := range []string{m.HTML, m.Text} {
		if !strings.Contains(body, "Ingest of 2026-03-10: 100 records read, 2 rejected (2.0 %).") || strings.Contains(body, "ncomplete") {
			t.Errorf("body lacks the ingest's line, or says incomplete:\n%s", body)
		}
	}
	if res.Ingest == nil || res.Ingest.Bills != 80 || len(res.Files) != 2 || !res.HasOccupancy || res.Agents != 2 || res.MailedTo != 1 {
		t.Errorf("result %+v", res)
	}
}

// countingTasks are fakeTasks whose Reporter also counts rejects.
type countingTasks struct{ *fakeTasks }

func (c countingTasks) CountRejects(_ context.Context, from, to billing.Date) (mail.Rejects, error) {
	return mail.Rejects{Total: 3, ByAgent: []mail.AgentRejects{{Agent: "A02", Count: 2}}}, nil
}

// TestDoComparesWithThePeriodBefore: the mail's figures are held against
// the period before when the lake has it whole, and say why not when it
// does not; the rejects are counted by agent.
func TestDoComparesWithThePeriodBefore(t *testing.T) {
	f := &fakeTasks{t: t, holes: map[string]mail.Hole{
		"2026-02-25": {Day: "2026-02-25", State: "missing", Reason: "no run", Repair: "agentbill ingest --date 2026-02-25"},
	}}
	tasks := f.tasks()
	tasks.Reporter = countingTasks{f}
	job := Job{Name: "nightly", Periods: []Period{Day, Week}, Out: t.TempDir(), MailTo: []string{"floor@example.com"}, Target: 0.5}
	if _, err := Do(context.Background(), job, date(t, "2026-03-10"), tasks); err != nil {
		t.Fatal(err)
	}
	if len(f.sent) != 1 {
		t.Fatalf("%d messages sent", len(f.sent))
	}
	m := f.sent[0]
	for _, want := range []string{
		"Changes are against 2026-03-09.", "no change from 45.5%",
		"No change shown: week 2026-02-23 to 2026-03-01 is not whole in the lake (2026-02-25 missing).",
		"4.5 pts below the 50% target", "A02: 2 rejected", "1 of them naming no agent",
	} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
	if len(m.Attachments) != 2 {
		t.Errorf("%d attachments; want the 2 periods' files, not the periods' before", len(m.Attachments))
	}
}

func TestNotWhole(t *testing.T) {
	from, to := date(t, "2026-03-09"), date(t, "2026-03-10")
	if got := notWhole("2026-03-09", []mail.Hole{{Day: "2026-03-09", State: "missing"}}, from, to); got != "2026-03-09 is not in the lake" {
		t.Errorf("got %q", got)
	}
}

func TestDoDeliveryFails(t *testing.T) {
	out := t.TempDir()
	f := &fakeTasks{t: t, sendErr: mail.ErrNotDelivered}
	job := Job{Name: "nightly", Periods: []Period{Day}, Out: out, MailTo: []string{"floor@example.com"}}
	day := date(t, "2026-03-10")
	res, err := Do(context.Background(), job, day, f.tasks())
	if !errors.Is(err, mail.ErrNotDelivered) {
		t.Fatalf("err %v; want the delivery's", err)
	}
	kept := filepath.Join(out, "nightly_2026-03-10.eml")
	if res.Undelivered != kept || !strings.Contains(err.Error(), kept) {
		t.Errorf("undelivered %q, err %v; want %s", res.Undelivered, err, kept)
	}
	for _, p := range append(res.Files, kept) {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("a failed delivery must keep the files: %v", err)
		}
	}
	eml, _ := os.ReadFile(kept)
	if !strings.Contains(string(eml), "occupancy_2026-03-10_2026-03-11.csv") {
		t.Error("the kept message lacks its attachment")
	}
	// Delivered later, the kept copy goes.
	f.sendErr = nil
	if _, err := Do(context.Background(), job, day, f.tasks()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(kept); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("kept message still there after delivery: %v", err)
	}
}

func TestDoStopsAtFailure(t *testing.T) {
	f := &fakeTasks{t: t, onIngest: func(context.Context, billing.Date) error { return errors.New("input matches no file") }}
	job := Job{Name: "nightly", Ingest: true, Periods: []Period{Day}, Out: t.TempDir(), MailTo: []string{"a@example.com"}}
	res, err := Do(context.Background(), job, date(t, "2026-03-10"), f.tasks())
	if err == nil || !strings.Contains(err.Error(), "ingest 2026-03-10: input matches no file") {
		t.Errorf("err %v", err)
	}
	if len(f.reported) != 0 {
		t.Error("reports after a failed ingest")
	}
	// The people who wait for the reports hear that the day was not
	// billed, and why; no report goes with it.
	if len(f.sent) != 1 {
		t.Fatalf("%d messages; want the failure notice", len(f.sent))
	}
	m := f.sent[0]
	if m.Subject != "agentbill nightly, 2026-03-10: FAILED, the day was NOT billed" || len(m.Attachments)+len(m.Inline) != 0 {
		t.Errorf("subject %q, %d attachments, %d pictures", m.Subject, len(m.Attachments), len(m.Inline))
	}
	for name, body := range map[string]string{"HTML": m.HTML, "text": m.Text} {
		for _, want := range []string{"2026-03-10 was NOT billed", "ingest 2026-03-10: input matches no file", "agentbill run nightly --date 2026-03-10"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s body lacks %q:\n%s", name, want, body)
			}
		}
	}
	if res.Notified != 1 || res.MailedTo != 0 || res.Ingest != nil {
		t.Errorf("result %+v", res)
	}
	if _, err := Do(context.Background(), Job{Name: "x", Ingest: true}, date(t, "2026-03-10"), Tasks{}); !errors.Is(err, ErrNoTask) {
		t.Errorf("err %v; want ErrNoTask", err)
	}
}

func TestDoFailureNoticeNotDelivered(t *testing.T) {
	out := t.TempDir()
	f := &fakeTasks{t: t, sendErr: mail.ErrNotDelivered,
		onIngest: func(context.Context, billing.Date) error { return errors.New("too many rejects") }}
	job := Job{Name: "nightly", Ingest: true, Periods: []Period{Day}, Out: out, MailTo: []string{"a@example.com"}}
	res, err := Do(context.Background(), job, date(t, "2026-03-10"), f.tasks())
	if err == nil || !strings.Contains(err.Error(), "too many rejects") || !errors.Is(err, mail.ErrNotDelivered) {
		t.Fatalf("err %v; want the ingest's and the delivery's", err)
	}
	kept := filepath.Join(out, "nightly_2026-03-10.eml")
	eml, readErr := os.ReadFile(kept)
	if res.Undelivered != kept || readErr != nil || !strings.Contains(string(eml), "NOT billed") {
		t.Errorf("undelivered %q, %v", res.Undelivered, readErr)
	}
}

func TestDoStoppedSendsNothing(t *testing.T) {
	f := &fakeTasks{t: t, onIngest: func(context.Context, billing.Date) error { return context.Canceled }}
	job := Job{Name: "nightly", Ingest: true, Periods: []Period{Day}, Out: t.TempDir(), MailTo: []string{"a@example.com"}}
	if _, err := Do(context.Background(), job, date(t, "2026-03-10"), f.tasks()); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v", err)
	}
	if len(f.sent) != 0 {
		t.Error("a stopped run mailed")
	}
}

func TestDoIncompletePeriod(t *testing.T) {
	holes := map[string]mail.Hole{
		"2026-03-04": {Day: "2026-03-04", State: "missing", Reason: "no run of 2026-03-04 in the lake", Repair: "agentbill ingest --date 2026-03-04"},
		"2026-03-06": {Day: "2026-03-06", State: "stale", Reason: "2026-03-05 was ingested again", Repair: "agentbill ingest --date 2026-03-06 --cascade"},
	}
	day := date(t, "2026-03-08") // a Sunday: the week is 03-02..03-08
	t.Run("refused", func(t *testing.T) {
		f := &fakeTasks{t: t, holes: holes}
		job := Job{Name: "weekly", Periods: []Period{Day, Week}, Out: t.TempDir(), MailTo: []string{"a@example.com"}}
		res, err := Do(context.Background(), job, day, f.tasks())
		var inc *IncompleteError
		if !errors.As(err, &inc) {
			t.Fatalf("err %v; want an IncompleteError", err)
		}
		for _, want := range []string{
			"week 2026-03-02 to 2026-03-08: 2026-03-04 missing: no run of 2026-03-04 in the lake; repair: agentbill ingest --date 2026-03-04",
			"2026-03-06 stale: 2026-03-05 was ingested again; repair: agentbill ingest --date 2026-03-06 --cascade",
			"--allow-incomplete", "allow_incomplete: true",
		} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error lacks %q:\n%v", want, err)
			}
		}
		if len(f.reported) != 0 || len(res.Files) != 0 {
			t.Errorf("reports written over a period with holes: %v", f.reported)
		}
		if len(f.sent) != 1 || f.sent[0].Subject != "agentbill weekly, 2026-03-08: FAILED, no reports" ||
			!strings.Contains(f.sent[0].Text, "2026-03-04 missing") {
			t.Errorf("messages %d; want the failure notice naming the days", len(f.sent))
		}
	})
	t.Run("allowed", func(t *testing.T) {
		f := &fakeTasks{t: t, holes: holes}
		job := Job{Name: "weekly", Ingest: true, Periods: []Period{Day, Week}, Out: t.TempDir(), MailTo: []string{"a@example.com"}, AllowIncomplete: true}
		res, err := Do(context.Background(), job, day, f.tasks())
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Incomplete) != 1 || res.Incomplete[0].Period != "week 2026-03-02 to 2026-03-08" ||
			res.Incomplete[0].Days() != "2026-03-04 missing, 2026-03-06 stale" {
			t.Errorf("incomplete %+v", res.Incomplete)
		}
		if len(f.sent) != 1 {
			t.Fatalf("%d messages", len(f.sent))
		}
		m := f.sent[0]
		if !strings.HasSuffix(m.Subject, "[INCOMPLETE: 2 days missing or not whole]") || len(m.Attachments) != 2 {
			t.Errorf("subject %q, %d attachments", m.Subject, len(m.Attachments))
		}
		// Near the top, before the first period's figures.
		for _, tt := range []struct{ name, body, first, banner string }{
			{"HTML", m.HTML, "2026-03-08</h2>", "<strong>Incomplete:"},
			{"text", m.Text, "== 2026-03-08 ==", "INCOMPLETE:"},
		} {
			i := strings.Index(tt.body, tt.first)
			if i < 0 {
				t.Fatalf("%s body lacks the first section:\n%s", tt.name, tt.body)
			}
			top := tt.body[:i]
			for _, want := range []string{tt.banner, "2026-03-04 missing", "2026-03-06 stale", "agentbill ingest --date 2026-03-06 --cascade",
				"100 records read, 2 rejected (2.0 %)"} {
				if !strings.Contains(top, want) {
					t.Errorf("%s body lacks %q before the first section:\n%s", tt.name, want, top)
				}
			}
		}
	})
}

func TestIngestFigures(t *testing.T) {
	for _, tt := range []struct {
		f    IngestFigures
		want string
		pct  float64
	}{
		{IngestFigures{Records: 12345, Rejects: 37}, "12,345 records read, 37 rejected (0.3 %)", 0.3},
		{IngestFigures{Records: 1234567, Rejects: 1234567}, "1,234,567 records read, 1,234,567 rejected (100.0 %)", 100},
		{IngestFigures{Records: 999, Rejects: 0}, "999 records read, 0 rejected (0.0 %)", 0},
		{IngestFigures{}, "0 records read, 0 rejected", 0},
	} {
		if got := tt.f.Intake(); got != tt.want || tt.f.RejectPercent() != tt.pct {
			t.Errorf("%+v: %q, %v; want %q, %v", tt.f, got, tt.f.RejectPercent(), tt.want, tt.pct)
		}
	}
}
