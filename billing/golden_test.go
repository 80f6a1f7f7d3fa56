package billing_test

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// A golden case is a folder under testdata/ with events.csv (canonical
// events), an optional `options` file (key=value lines: zone, days
// FIRST..LAST, conversation_all_types, extra_types, session_timeout), and
// the expected output in want.txt: bills then open rows as the bills
// command writes them, then the rejects and the counts.
func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/*/events.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no golden cases")
	}
	for _, path := range dirs {
		dir := filepath.Dir(path)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			got := runCase(t, dir)
			want := filepath.Join(dir, "want.txt")
			if *update {
				if err := os.WriteFile(want, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			exp, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, exp) {
				t.Errorf("output differs from %s:\n%s", want, lineDiff(string(exp), string(got)))
			}
		})
	}
}

type caseOptions struct {
	cfg         billing.Config
	first, last billing.Date
}

func readOptions(t *testing.T, dir string) caseOptions {
	t.Helper()
	o := caseOptions{cfg: billing.DefaultConfig()}
	data, err := os.ReadFile(filepath.Join(dir, "options"))
	if os.IsNotExist(err) {
		return o
	}
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "zone":
			o.cfg.Location = mustLocation(t, v)
		case "days":
			a, b, _ := strings.Cut(v, "..")
			o.first, o.last = mustDate(t, a), mustDate(t, b)
		case "conversation_all_types":
			o.cfg.ConversationAllTypes = v == "true"
		case "extra_types":
			for _, s := range strings.Split(v, ",") {
				n, err := strconv.Atoi(strings.TrimSpace(s))
				if err != nil {
					t.Fatal(err)
				}
				o.cfg.ExtraTypes = append(o.cfg.ExtraTypes, n)
			}
		case "session_timeout":
			d, err := time.ParseDuration(v)
			if err != nil {
				t.Fatal(err)
			}
			o.cfg.SessionTimeout = d
		default:
			t.Fatalf("options: unknown key %q", k)
		}
	}
	return o
}

func runCase(t *testing.T, dir string) []byte {
	t.Helper()
	o := readOptions(t, dir)
	f, err := os.Open(filepath.Join(dir, "events.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var events []billing.Event
	var out bytes.Buffer
	var rejects []string
	h := ingest.Handler{
		Event: func(e *billing.Event) error { events = append(events, *e); return nil },
		Reject: func(r ingest.Reject) error {
			rejects = append(rejects, fmt.Sprintf("line %d: %s", r.Line, r.Reason))
			return nil
		},
	}
	if _, err := ingest.ReadCSV(context.Background(), f, "events.csv", ingest.Options{Location: o.cfg.Location}, h); err != nil {
		t.Fatal(err)
	}
	billing.SortEvents(events)
	if o.first.IsZero() {
		var ok bool
		times := func(yield func(time.Time) bool) {
			for _, e := range events {
				if !yield(e.Time) {
					return
				}
			}
		}
		if o.first, o.last, ok = billing.DayRange(times, o.cfg.Location); !ok {
			t.Fatal("no events and no days option")
		}
	}
	res, err := billing.RunBatch(o.cfg, events, o.first, o.last, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := ingest.NewBillCSVWriter(&out, o.cfg.Location)
	for i := range res.Bills {
		if err := w.Write(&res.Bills[i]); err != nil {
			t.Fatal(err)
		}
	}
	for i := range res.Open {
		if err := w.Write(&res.Open[i].Bill); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Refusals {
		rejects = append(rejects, fmt.Sprintf("line %d: %v", r.Source.Line, r.Err))
	}
	out.WriteString("\n# rejects\n")
	for _, r := range rejects {
		out.WriteString(r + "\n")
	}
	c := res.Counts
	fmt.Fprintf(&out, "\n# counts\nevents=%d bills=%d duplicates=%d zero_length=%d continued=%d overlay_already_open=%d stop_without_overlay=%d refused=%d timed_out=%d open_rows=%d\n",
		c.Events, c.Bills, c.Duplicates, c.ZeroLength, c.Continued, c.OverlayAlreadyOpen, c.StopWithoutOverlay, c.Refused, c.TimedOut, c.OpenRows)
	checkInvariants(t, res)
	return out.Bytes()
}

// checkInvariants holds for every case: ids unique, spans not reversed,
// conversation pieces no longer than five minutes and ending on marks.
func checkInvariants(t *testing.T, res billing.BatchResult) {
	t.Helper()
	seen := map[string]bool{}
	for _, b := range res.Bills {
		if seen[b.ID] {
			t.Errorf("bill id %s appears twice", b.ID)
		}
		seen[b.ID] = true
		if b.End.Before(b.Begin) {
			t.Errorf("bill %s ends before it begins", b.ID)
		}
		if b.OpType != 0 && b.OpType != 1 && b.End.Equal(b.Begin) {
			if info, _ := billing.Lookup(int(b.OpType)); info.Class != billing.ClassInstant && info.Class != billing.ClassStop {
				t.Errorf("bill %s of span type %d has no length", b.ID, b.OpType)
			}
		}
		if billing.IsConversation(int(b.OpType)) && b.Duration() > 5*time.Minute {
			t.Errorf("conversation piece %s lasts %s", b.ID, b.Duration())
		}
	}
}

func mustLocation(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustDate(t *testing.T, s string) billing.Date {
	t.Helper()
	d, err := billing.ParseDate(strings.TrimSpace(s))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// lineDiff shows the lines that differ, with their numbers.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var sb strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			fmt.Fprintf(&sb, "line %d:\n- %s\n+ %s\n", i+1, a, b)
		}
	}
	return sb.String()
}
