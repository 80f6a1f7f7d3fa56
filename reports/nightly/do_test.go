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
	if got := strings.Join(f.reported, ","); got != "2026-03-10..2026-03-11,2026-03-02..2026-03-09" {
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
	if res.Ingest == nil || res.Ingest.Bills != 80 || len(res.Files) != 2 || !res.HasOccupancy || res.Agents != 2 || res.MailedTo != 1 {
		t.Errorf("result %+v", res)
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
	_, err := Do(context.Background(), job, date(t, "2026-03-10"), f.tasks())
	if err == nil || !strings.Contains(err.Error(), "ingest 2026-03-10: input matches no file") {
		t.Errorf("err %v", err)
	}
	if len(f.reported) != 0 || len(f.sent) != 0 {
		t.Error("reports or mail after a failed ingest")
	}
	if _, err := Do(context.Background(), Job{Name: "x", Ingest: true}, date(t, "2026-03-10"), Tasks{}); !errors.Is(err, ErrNoTask) {
		t.Errorf("err %v; want ErrNoTask", err)
	}
}
