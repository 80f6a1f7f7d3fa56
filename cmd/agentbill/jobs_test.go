package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/config"
	"github.com/agentbill/agentbill/reports/nightly"
)

func mustDate(t *testing.T, s string) billing.Date {
	t.Helper()
	d, err := billing.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "agentbill.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestJobsCommand(t *testing.T) {
	lake := filepath.Join(t.TempDir(), "lake")
	cfg := writeConfig(t, `site:
  timezone: Asia/Shanghai
lake: `+lake+`
jobs:
  - name: nightly
    schedule: "30 2 * * *"
    ingest: true
    reports: [day]
  - name: weekly
    schedule: "CRON_TZ=UTC 0 22 * * 0"
    reports: [week]
    report_names: [occupancy]
  - name: by-hand
    reports: [month]
`)
	if err := nightly.RecordsIn(lake).Mark("nightly", mustDate(t, "2026-03-10"), time.Now()); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 11, 1, 0, 0, 0, time.UTC) // 09:00 in Shanghai
	code, stdout, stderr := runAt(t, now, nil, "--config", cfg, "jobs", "--next", "2")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
	want := [][]string{
		{"NAME", "SCHEDULE", "DOES", "LAST DONE", "NEXT START", "FOR DAY"},
		{"nightly", "30 2 * * *", "ingest, reports day", "2026-03-10", "2026-03-12 02:30 +08:00", "2026-03-11"},
		{"2026-03-13 02:30 +08:00", "2026-03-12"},
		// Sunday 22:00 UTC is Monday 06:00 in Shanghai: the week just ended.
		{"weekly", "CRON_TZ=UTC 0 22 * * 0", "reports week (occupancy)", "-", "2026-03-16 06:00 +08:00", "2026-03-15"},
		{"2026-03-23 06:00 +08:00", "2026-03-22"},
		{"by-hand", "(agentbill run only)", "reports month", "-", "-", "-"},
	}
	if len(lines) != len(want) {
		t.Fatalf("output:\n%s", stdout)
	}
	for i, cells := range want {
		rest := lines[i]
		for _, c := range cells {
			j := strings.Index(rest, c)
			if j < 0 {
				t.Errorf("line %d %q lacks %q (in order)", i, lines[i], c)
				break
			}
			rest = rest[j+len(c):]
		}
	}
}

func TestJobsNone(t *testing.T) {
	code, stdout, _ := runAt(t, time.Now(), nil, "jobs")
	if code != 0 || !strings.HasPrefix(stdout, "no jobs") {
		t.Errorf("exit %d %q", code, stdout)
	}
	code, _, stderr := runAt(t, time.Now(), nil, "schedule")
	if code != 1 || !strings.Contains(stderr, "no job has a schedule") {
		t.Errorf("schedule without jobs: exit %d %q", code, stderr)
	}
}

func TestJobsConfigErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"names", `
jobs:
  - {name: "", reports: [day]}
  - {name: "a/b", reports: [day]}
  - {name: x, reports: [day]}
  - {name: x, reports: [day]}
`, []string{"jobs[0].name:", `jobs[1] (a/b).name: job name "a/b"`, "jobs[3] (x).name: another job has this name"}},
		{"what and when", `
jobs:
  - {name: a, schedule: "61 2 * * *", reports: [day]}
  - {name: b}
  - {name: c, reports: [day, fortnight, day]}
  - {name: d, ingest: true, timeout: -1h}
`, []string{"jobs[0] (a).schedule:", "jobs[1] (b).reports: empty, and the job does not ingest",
			`jobs[2] (c).reports: unknown report period "fortnight"`, "jobs[2] (c).reports: day is listed twice",
			"jobs[3] (d).timeout: -1h0m0s is negative"}},
		{"mail", `
jobs:
  - {name: a, ingest: true, mail_to: [floor@example.com]}
  - {name: b, reports: [day], mail_to: [not an address]}
mail:
  starttls: maybe
  auth: magic
  username_env: AGENTBILL_SMTP_USER
  retries: 99
  port: 0
`, []string{"jobs[0] (a).mail_to: the job writes no reports", "jobs[0] (a).mail_to: mail.host is empty",
			`jobs[1] (b).mail_to: "not an address"`, `mail.starttls "maybe"`, `mail.auth "magic"`,
			"mail.username_env: AGENTBILL_SMTP_USER begins with AGENTBILL_", "mail.username_env, mail.password_env: give both or neither",
			"mail.retries: 99", "mail.port: 0"}},
		{"misspelt key in a job", `
jobs:
  - {name: a, schedul: "0 3 * * *", ingest: true}
`, []string{"schedul"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runAt(t, time.Now(), nil, "--config", writeConfig(t, tt.yaml), "jobs")
			if code != 1 {
				t.Fatalf("exit %d", code)
			}
			for _, w := range tt.want {
				if !strings.Contains(logText(stderr), w) {
					t.Errorf("error lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}

// The example config's commented jobs load, with the mail server set.
func TestExampleJobs(t *testing.T) {
	data, err := os.ReadFile("../../config/agentbill.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("mail:\n  host: smtp.example.com\n  from: agentbill@example.com\njobs:\n")
	in := false
	for line := range strings.Lines(string(data)) {
		if strings.HasPrefix(line, "  # - name:") {
			in = true
		}
		if !in {
			continue
		}
		if !strings.HasPrefix(line, "  #") {
			break
		}
		b.WriteString("  " + strings.TrimPrefix(strings.TrimPrefix(line, "  #"), " "))
	}
	cfg, err := config.Load(writeConfig(t, b.String()), nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	var names []string
	for _, j := range cfg.Jobs {
		names = append(names, j.Name)
	}
	if strings.Join(names, ",") != "nightly,weekly,monthly" || cfg.Jobs[0].Timeout != time.Hour || !cfg.Jobs[0].Ingest {
		t.Errorf("jobs %+v", cfg.Jobs)
	}
	// They document allow_incomplete with its default.
	if !strings.Contains(b.String(), "    allow_incomplete: false") || cfg.Jobs[0].AllowIncomplete {
		t.Errorf("the example's jobs do not show allow_incomplete with its default:\n%s", b.String())
	}
}
