package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/ingest"
)

// runCLI runs the command line with a hermetic environment and returns
// its exit code, standard output and standard error.
func runCLI(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	return runAt(t, time.Now(), env, args...)
}

func readCSV(t *testing.T, s string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatalf("output is not CSV: %v\n%s", err, s)
	}
	return rows
}

func TestBillsCommand(t *testing.T) {
	events := filepath.Join("..", "..", "billing", "testdata", "midnight_carry", "events.csv")
	tests := []struct {
		name        string
		args        []string
		env         []string
		wantRows    int // bills and open rows
		wantRejects int
		wantInErr   string
	}{
		{name: "all days", args: []string{"bills", events}, wantRows: 17, wantInErr: "days 2026-11-20..2026-11-21"},
		// Day one: 5 bills (4 logins, A11's first conversation piece) and
		// 9 open rows; the 8 events of day two are outside the run day.
		{name: "one day", args: []string{"bills", "--date", "2026-11-20", events}, wantRows: 5 + 9, wantRejects: 8, wantInErr: "outside run day 8"},
		// Local times now read in Shanghai: the 8 events dated 11-21 make
		// that day's 8 bills (four of them implicit logins) and A13's 2 open
		// rows; the 8 dated 11-20 are outside it.
		{name: "zone from the environment", args: []string{"bills", "--date", "2026-11-21", events},
			env: []string{"AGENTBILL_SITE_TIMEZONE=Asia/Shanghai"}, wantRows: 10, wantRejects: 8, wantInErr: "(Asia/Shanghai)"},
		{name: "zone flag wins", args: []string{"bills", "--timezone", "UTC", events},
			env: []string{"AGENTBILL_SITE_TIMEZONE=Asia/Shanghai"}, wantRows: 17, wantInErr: "(UTC)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rejects := filepath.Join(t.TempDir(), "rejects.csv")
			args := append([]string{"--log-format", "text", tt.args[0], "--rejects", rejects}, tt.args[1:]...)
			code, out, errOut := runCLI(t, tt.env, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			rows := readCSV(t, out)
			if got := strings.Join(rows[0], ","); got != strings.Join(ingest.BillColumns, ",") {
				t.Errorf("header %q", got)
			}
			if len(rows)-1 != tt.wantRows {
				t.Errorf("%d rows, want %d\n%s", len(rows)-1, tt.wantRows, out)
			}
			if !strings.Contains(errOut, tt.wantInErr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantInErr, errOut)
			}
			data, err := os.ReadFile(rejects)
			if err != nil {
				t.Fatal(err)
			}
			rej := readCSV(t, string(data))
			if len(rej)-1 != tt.wantRejects {
				t.Errorf("%d rejects, want %d", len(rej)-1, tt.wantRejects)
			}
			for _, r := range rej[1:] {
				if r[3] == "" {
					t.Errorf("reject without raw text: %v", r)
				}
			}
		})
	}
}

func TestBillsIsDeterministic(t *testing.T) {
	events := filepath.Join("..", "..", "billing", "testdata", "overlays", "events.csv")
	_, first, _ := runCLI(t, nil, "bills", events)
	_, second, _ := runCLI(t, nil, "bills", events)
	if first != second || first == "" {
		t.Error("two runs over the same input differ")
	}
}

func TestBadInvocations(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"no files", nil, []string{"bills"}, "requires at least 1 arg"},
		{"bad date", nil, []string{"bills", "--date", "20-11-2026", "x.csv"}, "--date"},
		{"bad zone", nil, []string{"bills", "--timezone", "Mars/Base", "x.csv"}, "Mars/Base"},
		{"missing file", nil, []string{"bills", "no-such-file.csv"}, "no-such-file.csv"},
		{"bad env", []string{"AGENTBILL_SITE_TIMEZONE=Nowhere/Else"}, []string{"bills", "x.csv"}, "site.timezone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tt.env, tt.args...)
			if code == 0 || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want failure mentioning %q", code, errOut, tt.want)
			}
		})
	}
}
