package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest/lake"
	"github.com/agentbill/agentbill/ingest/synth"
)

// dayFields are the fields of a day in status and check --format json, as
// the README documents them.
var dayFields = []string{"bills", "date", "finished", "notes", "ok", "open_rows", "problems", "reason", "rejects", "repair", "state", "version"}

// decodeDays parses the JSON array of days of status or check, checking
// that every day has exactly the documented fields.
func decodeDays(t *testing.T, out string) []map[string]any {
	t.Helper()
	var days []map[string]any
	if err := json.Unmarshal([]byte(out), &days); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, out)
	}
	for _, d := range days {
		var keys []string
		for k := range d {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, dayFields) {
			t.Errorf("day %v has the fields %q, want %q", d["date"], keys, dayFields)
		}
	}
	return days
}

func TestStatusAndCheckJSON(t *testing.T) {
	dir := t.TempDir()
	start := billing.Date{Year: 2026, Month: time.November, Day: 16}
	files := feedFiles(t, dir, synth.Config{Agents: 5, Start: start, Days: 3, Seed: 7})
	lakeDir := filepath.Join(dir, "lake")
	env := []string{"AGENTBILL_SITE_TIMEZONE=UTC"}
	// The first and the last day: the last is a gap. Then the first's bills
	// are damaged: it is broken.
	for _, i := range []int{0, 2} {
		mustRun(t, env, "ingest", "--lake", lakeDir, "--date", start.AddDays(i).String(), files[i])
	}
	bills := (&lake.Lake{Dir: lakeDir}).Path("bills", start)
	if err := os.WriteFile(bills, []byte("not parquet"), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("status", func(t *testing.T) {
		out, _ := mustRun(t, env, "status", "--lake", lakeDir, "--format", "json")
		days := decodeDays(t, out)
		if len(days) != 2 {
			t.Fatalf("%d days:\n%s", len(days), out)
		}
		first, last := days[0], days[1]
		if first["date"] != start.String() || first["state"] != "broken" || first["ok"] != false ||
			first["repair"] != "agentbill ingest --date "+start.String() || first["reason"] == "" {
			t.Errorf("broken day %v", first)
		}
		if last["state"] != "gap" || last["ok"] != true || last["repair"] != "" || last["bills"].(float64) <= 0 ||
			!strings.HasSuffix(last["finished"].(string), "Z") && !strings.HasSuffix(last["finished"].(string), "+00:00") {
			t.Errorf("gap day %v", last)
		}
	})
	t.Run("check", func(t *testing.T) {
		code, out, errOut := runCLI(t, env, "check", "--lake", lakeDir, "--format", "json")
		if code != exitFailed || !strings.Contains(errOut, "problem(s)") {
			t.Errorf("exit %d, want %d and the problems counted\n%s", code, exitFailed, errOut)
		}
		days := decodeDays(t, out)
		if len(days) != 2 || days[0]["ok"] != false || len(days[0]["problems"].([]any)) == 0 || days[1]["ok"] != true {
			t.Errorf("days %v", days)
		}
		// One day: the gap alone passes.
		code, out, errOut = runCLI(t, env, "check", "--lake", lakeDir, "--format", "json", "--date", start.AddDays(2).String())
		if days := decodeDays(t, out); code != 0 || len(days) != 1 || !reflect.DeepEqual(days[0]["problems"], []any{}) {
			t.Errorf("exit %d, days %v\n%s", code, days, errOut)
		}
	})
	t.Run("empty lake", func(t *testing.T) {
		empty := filepath.Join(dir, "empty")
		if err := os.MkdirAll(empty, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, cmd := range []string{"status", "check"} {
			if out, _ := mustRun(t, env, cmd, "--lake", empty, "--format", "json"); strings.TrimSpace(out) != "[]" {
				t.Errorf("%s of an empty lake: %q", cmd, out)
			}
		}
	})
	t.Run("unknown format", func(t *testing.T) {
		for _, cmd := range []string{"status", "check"} {
			if code, _, errOut := runCLI(t, env, cmd, "--lake", lakeDir, "--format", "xml"); code != exitUsage {
				t.Errorf("%s --format xml: exit %d\n%s", cmd, code, errOut)
			}
		}
	})
}
