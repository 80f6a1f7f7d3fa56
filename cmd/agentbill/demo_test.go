package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDemo(t *testing.T) {
	out := t.TempDir()
	stdout, _ := mustRun(t, nil, "demo", "--out", out)
	for _, want := range []string{"20 agents, 3 days", "2026-11-18", "2026-11-19", "2026-11-20", "(3 rows)",
		"occupancy_2026-11-18_2026-11-21.csv", "rest_reasons_2026-11-18_2026-11-21.csv", "logout_causes_2026-11-18_2026-11-21.csv"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, stdout)
		}
	}
	for _, day := range []string{"2026-11-18", "2026-11-19", "2026-11-20"} {
		for _, f := range []string{"bills/date=" + day + "/bills.parquet", "open/date=" + day + "/open.parquet", "runs/" + day + ".json"} {
			if _, err := os.Stat(filepath.Join(out, "lake", f)); err != nil {
				t.Error(err)
			}
		}
	}
	// A second demo starts afresh and gives the same lake.
	first := readFile(t, filepath.Join(out, "lake", "bills", "date=2026-11-19", "bills.parquet"))
	mustRun(t, nil, "demo", "--out", out)
	if string(first) != string(readFile(t, filepath.Join(out, "lake", "bills", "date=2026-11-19", "bills.parquet"))) {
		t.Error("the demo's lake differs between two runs")
	}
}
