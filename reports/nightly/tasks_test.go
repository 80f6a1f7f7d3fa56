package nightly

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/reports/mail"
)

// fakeTasks stands in for the lake, the reports and the mail server, and
// notes what was asked of it.
type fakeTasks struct {
	t *testing.T

	mu       sync.Mutex
	ingested []billing.Date
	reported []string // from..to
	calls    []string // "ingest D" and "reports FROM..TO", in order
	sent     []*mail.Message

	// onIngest, when set, runs in Ingest; it may block, panic or fail.
	onIngest func(ctx context.Context, day billing.Date) error
	// sendErr, when set, fails every delivery.
	sendErr error
	// holes are the days the lake lacks, by day.
	holes map[string]mail.Hole
}

func (f *fakeTasks) tasks() Tasks {
	return Tasks{Ingester: f, Reporter: f, Mailer: f}
}

func (f *fakeTasks) Ingest(ctx context.Context, day billing.Date) (IngestFigures, error) {
	if f.onIngest != nil {
		if err := f.onIngest(ctx, day); err != nil {
			return IngestFigures{}, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ingested = append(f.ingested, day)
	f.calls = append(f.calls, "ingest "+day.String())
	return IngestFigures{Records: 100, Bills: 80, OpenRows: 3, Rejects: 2, Duplicates: 1}, nil
}

// Holes are the days of f.holes in [from, to).
func (f *fakeTasks) Holes(_ context.Context, from, to billing.Date) ([]mail.Hole, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []mail.Hole
	for d := from; d.Before(to); d = d.Next() {
		if h, ok := f.holes[d.String()]; ok {
			out = append(out, h)
		}
	}
	return out, nil
}

// WriteReports writes an occupancy report of two agents.
func (f *fakeTasks) WriteReports(_ context.Context, names []string, from, to billing.Date, dir string) ([]mail.File, error) {
	f.mu.Lock()
	f.reported = append(f.reported, from.String()+".."+to.String())
	f.calls = append(f.calls, "reports "+from.String()+".."+to.String())
	f.mu.Unlock()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, fmt.Sprintf("occupancy_%s_%s.csv", from, to))
	body := "agent_id,date,logged_in_s,talk_s,hold_s,work_s,busy_s,rest_s,study_s,suspended_s,available_s,occupancy\n" +
		"A01," + from.String() + ",28800,10800,0,3600,0,3600,0,0,10800,0.5714\n" +
		"A02," + from.String() + ",14400,3600,0,0,0,0,0,0,10800,0.25\n" +
		"TOTAL,,43200,14400,0,3600,0,3600,0,0,21600,0.4545\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		return nil, err
	}
	return []mail.File{{Report: mail.ReportOccupancy, Path: path}}, nil
}

func (f *fakeTasks) Send(_ context.Context, m *mail.Message) error {
	if f.sendErr != nil {
		return f.sendErr
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, m)
	return nil
}

func (f *fakeTasks) days() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, d := range f.ingested {
		out = append(out, d.String())
	}
	return out
}

func (f *fakeTasks) callList() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.calls, ", ")
}
