package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/ingest/lake"
	"github.com/agentbill/agentbill/reports/mail/mailtest"
	"github.com/agentbill/agentbill/reports/nightly"
)

// jobSite is a site with generated events of 2026-11-19 and 2026-11-20 and
// a config whose job "nightly" ingests the day, writes its reports and
// mails them to srv (nil: no mail).
type jobSite struct {
	config, lake, out string
	env               []string
}

func newJobSite(t *testing.T, srv *mailtest.Server, extraYAML string) jobSite {
	t.Helper()
	events, _, _ := sampleEvents(t)
	dir := t.TempDir()
	s := jobSite{lake: filepath.Join(dir, "lake"), out: filepath.Join(dir, "out"), config: filepath.Join(dir, "agentbill.yaml")}
	yaml := fmt.Sprintf(`site:
  timezone: UTC
lake: %q
inputs: [%q]
reports:
  out: %q
jobs:
  - name: nightly
    schedule: "30 2 * * *"
    ingest: true
    reports: [day]
`, s.lake, events, s.out)
	if srv != nil {
		yaml += fmt.Sprintf(`    mail_to: [floor@example.com]
mail:
  host: %s
  port: %d
  from: agentbill@example.com
  starttls: none
  auth: plain
  username_env: SMTP_USER
  password_env: SMTP_PASSWORD
  retries: 1
  retry_wait: 10ms
`, srv.Host, srv.Port)
		s.env = []string{"SMTP_USER=bill", "SMTP_PASSWORD=pw-8c1f-secret"}
	}
	yaml += extraYAML
	if err := os.WriteFile(s.config, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return s
}

// logLines are the JSON log lines of stderr with message msg.
func logLines(t *testing.T, stderr, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(stderr))
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), "{") {
			continue
		}
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

func TestRunJobMails(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{Username: "bill", Password: "pw-8c1f-secret"})
	site := newJobSite(t, srv, "")
	now := time.Date(2026, time.November, 21, 3, 0, 0, 0, time.UTC)
	code, stdout, stderr := runAt(t, now, site.env, "--config", site.config, "run", "nightly", "--date", "2026-11-19")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.HasPrefix(stdout, "nightly 2026-11-19: done (") || !strings.Contains(stdout, "mailed to 1") {
		t.Errorf("stdout %q", stdout)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages arrived; want 1", len(msgs))
	}
	m, err := mailtest.Parse(msgs[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.Subject, "agentbill nightly, 2026-11-19: occupancy ") || !strings.HasSuffix(m.Subject, " over 12 agents") {
		t.Errorf("subject %q", m.Subject)
	}
	for _, name := range []string{"occupancy", "rest_reasons", "logout_causes"} {
		file := name + "_2026-11-19_2026-11-20.csv"
		p := m.Part(file)
		if p == nil || p.Disposition != "attachment" {
			t.Errorf("attachment %s: %+v", file, p)
			continue
		}
		if want := readFile(t, filepath.Join(site.out, file)); string(p.Data) != string(want) {
			t.Errorf("attachment %s differs from the report file", file)
		}
		// reports.csv_bom is jobs by default: the attachments are for
		// spreadsheets.
		if !strings.HasPrefix(string(p.Data), "\ufeffagent_id,date,") {
			t.Errorf("attachment %s starts %q, want a byte-order mark then the header", file, p.Data[:min(len(p.Data), 20)])
		}
	}
	chart := m.Part("occupancy-1.png")
	if chart == nil || chart.ContentType != "image/png" || !strings.Contains(m.HTML, `src="cid:`+chart.ContentID+`"`) {
		t.Fatalf("no inline chart the HTML shows: %+v", chart)
	}
	for _, want := range []string{`alt="Lowest occupancy, 2026-11-19: All agents `, "Needs attention</h3>",
		"Occupancy over all 12 agents</h3>", "Top rest and busy reasons</h3>", "Logout causes</h3>", "A0012",
		"No change shown: 2026-11-18 is not in the lake."} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if !strings.Contains(m.Text, "Lowest occupancy:") || !strings.Contains(m.Text, "Rejected input records: 0") {
		t.Errorf("text body %q", m.Text)
	}
	mailtest.SavePreview(t, "run-nightly.html", []byte(strings.ReplaceAll(m.HTML, "cid:"+chart.ContentID, "run-nightly-"+chart.ContentID)))
	mailtest.SavePreview(t, "run-nightly-"+chart.ContentID, chart.Data)

	ends := logLines(t, stderr, "job end")
	if len(ends) != 1 || ends[0]["status"] != "ok" || ends[0]["bills"].(float64) < 100 || ends[0]["mailed_to"] != 1.0 {
		t.Errorf("end lines %v", ends)
	}
	if len(logLines(t, stderr, "job start")) != 1 {
		t.Error("no job start line")
	}
	if strings.Contains(stderr, "pw-8c1f-secret") || strings.Contains(stdout, "pw-8c1f-secret") {
		t.Error("the password is in the output")
	}
	if done, _ := nightly.RecordsIn(site.lake).Done("nightly", mustDate(t, "2026-11-19")); !done {
		t.Error("the day is not recorded")
	}

	// Again: done, nothing sent.
	code, stdout, _ = runAt(t, now, site.env, "--config", site.config, "run", "nightly", "--date", "2026-11-19")
	if code != 0 || !strings.Contains(stdout, "already done") || len(srv.Messages()) != 1 {
		t.Errorf("second run: exit %d, %q, %d messages", code, stdout, len(srv.Messages()))
	}
	// Without --date: the days after the last done, up to yesterday.
	code, stdout, stderr = runAt(t, now, site.env, "--config", site.config, "run", "nightly")
	if code != 0 || !strings.HasPrefix(stdout, "nightly 2026-11-20: done") || len(srv.Messages()) != 2 {
		t.Errorf("run without --date: exit %d, %q, %d messages\n%s", code, stdout, len(srv.Messages()), stderr)
	}
	code, stdout, _ = runAt(t, now, site.env, "--config", site.config, "run", "nightly")
	if code != 0 || !strings.Contains(stdout, "nothing to do") {
		t.Errorf("run with nothing due: exit %d, %q", code, stdout)
	}
}

func TestRunJobDelivery(t *testing.T) {
	now := time.Date(2026, time.November, 21, 3, 0, 0, 0, time.UTC)
	t.Run("refused, then taken", func(t *testing.T) {
		srv := mailtest.Start(t, mailtest.Options{Username: "bill", Password: "pw-8c1f-secret", Refuse: 1})
		site := newJobSite(t, srv, "")
		code, stdout, stderr := runAt(t, now, site.env, "--config", site.config, "run", "nightly", "--date", "2026-11-19")
		if code != 0 || len(srv.Messages()) != 1 || srv.Attempts() != 2 {
			t.Errorf("exit %d, %d messages, %d attempts\n%s%s", code, len(srv.Messages()), srv.Attempts(), stdout, stderr)
		}
		if len(logLines(t, stderr, "mail not sent; trying again")) != 1 {
			t.Error("the retry is not logged")
		}
	})
	t.Run("never taken: the run fails and keeps the files", func(t *testing.T) {
		srv := mailtest.Start(t, mailtest.Options{Username: "bill", Password: "pw-8c1f-secret", Refuse: -1})
		site := newJobSite(t, srv, "")
		code, stdout, stderr := runAt(t, now, site.env, "--config", site.config, "run", "nightly", "--date", "2026-11-19")
		if code != 1 || !strings.Contains(stdout, "FAILED") || !strings.Contains(stderr, "mail not delivered") {
			t.Errorf("exit %d\n%s\n%s", code, stdout, stderr)
		}
		if srv.Attempts() != 2 || len(srv.Messages()) != 0 {
			t.Errorf("%d attempts, %d messages; want 2 (retries: 1), 0", srv.Attempts(), len(srv.Messages()))
		}
		for _, f := range []string{"occupancy_2026-11-19_2026-11-20.csv", "rest_reasons_2026-11-19_2026-11-20.csv",
			"logout_causes_2026-11-19_2026-11-20.csv", "nightly_2026-11-19.eml"} {
			if _, err := os.Stat(filepath.Join(site.out, f)); err != nil {
				t.Error(err)
			}
		}
		if done, _ := nightly.RecordsIn(site.lake).Done("nightly", mustDate(t, "2026-11-19")); done {
			t.Error("a day whose mail failed is recorded as done")
		}
		if e := logLines(t, stderr, "job end"); len(e) != 1 || e[0]["status"] != "failed" {
			t.Errorf("end lines %v", e)
		}
	})
	t.Run("password variable not set", func(t *testing.T) {
		srv := mailtest.Start(t, mailtest.Options{})
		site := newJobSite(t, srv, "")
		code, _, stderr := runAt(t, now, []string{"SMTP_USER=bill"}, "--config", site.config, "run", "nightly", "--date", "2026-11-19")
		if code != 1 || !strings.Contains(stderr, "mail.password_env: the environment variable SMTP_PASSWORD is not set") {
			t.Errorf("exit %d\n%s", code, stderr)
		}
	})
}

func TestRunJobArgs(t *testing.T) {
	site := newJobSite(t, nil, "")
	now := time.Date(2026, time.November, 21, 3, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "weekly"}, `no job "weekly" (have nightly)`},
		{[]string{"run", "nightly", "--force"}, "--force needs --date"},
		{[]string{"run", "nightly", "--date", "19/11/2026"}, "--date"},
	} {
		code, _, stderr := runAt(t, now, nil, append([]string{"--config", site.config}, tt.args...)...)
		if code != exitUsage || !strings.Contains(logText(stderr), tt.want) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tt.args, code, stderr, exitUsage, tt.want)
		}
	}
}

// A job whose ingest fails exits non-zero and still mails its recipients:
// the day was NOT billed, and why, with no report attached.
func TestRunJobIngestFails(t *testing.T) {
	now := time.Date(2026, time.November, 21, 3, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name  string
		input func(t *testing.T, dir string) string // the config's input
		why   string
	}{
		{"input matches no file", func(t *testing.T, dir string) string { return filepath.Join(dir, "none-{date}.csv") },
			"none-2026-11-19.csv"},
		{"run refused: too many rejects", func(t *testing.T, dir string) string {
			path := filepath.Join(dir, "bad.csv")
			body := "time,agent_id,op_type\n2026-11-19 09:00:00,A1,1\n"
			for range 20 {
				body += "2026-11-19 09:01:00,A1,not-a-type\n"
			}
			if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			return path
		}, "was not committed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := mailtest.Start(t, mailtest.Options{Username: "bill", Password: "pw-8c1f-secret"})
			site := newJobSite(t, srv, "")
			cfg := regexp.MustCompile(`(?m)^inputs: .*$`).ReplaceAllLiteralString(string(readFile(t, site.config)),
				fmt.Sprintf("inputs: [%q]", tt.input(t, t.TempDir())))
			if err := os.WriteFile(site.config, []byte(cfg), 0o644); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := runAt(t, now, site.env, "--config", site.config, "run", "nightly", "--date", "2026-11-19")
			if code == 0 || !strings.Contains(stdout, "FAILED") || !strings.Contains(stdout, "failure mailed to 1") {
				t.Errorf("exit %d\n%s\n%s", code, stdout, stderr)
			}
			msgs := srv.Messages()
			if len(msgs) != 1 {
				t.Fatalf("%d messages arrived; want the failure notice\n%s", len(msgs), stderr)
			}
			m, err := mailtest.Parse(msgs[0].Data)
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != "agentbill nightly, 2026-11-19: FAILED, the day was NOT billed" || len(m.Parts) != 0 {
				t.Errorf("subject %q, %d parts; want no attachment", m.Subject, len(m.Parts))
			}
			for name, body := range map[string]string{"HTML": m.HTML, "text": m.Text} {
				for _, want := range []string{"2026-11-19 was NOT billed", "ingest 2026-11-19", tt.why} {
					if !strings.Contains(body, want) {
						t.Errorf("%s body lacks %q:\n%s", name, want, body)
					}
				}
			}
			if done, _ := nightly.RecordsIn(site.lake).Done("nightly", mustDate(t, "2026-11-19")); done {
				t.Error("a day whose ingest failed is recorded as done")
			}
			if ends := logLines(t, stderr, "job end"); len(ends) != 1 || ends[0]["status"] != "failed" || ends[0]["failure_mailed_to"] != 1.0 {
				t.Errorf("end lines %v", ends)
			}
			if entries, _ := os.ReadDir(site.out); len(entries) != 0 {
				t.Errorf("%d files in the report folder after a failed ingest", len(entries))
			}
		})
	}
}

// A weekly job over a week the lake lacks days of fails, naming them; with
// allow_incomplete it writes and mails the reports, and the mail and the
// log name the days.
func TestRunJobIncompleteWeek(t *testing.T) {
	now := time.Date(2026, time.November, 23, 6, 0, 0, 0, time.UTC) // Monday
	weekly := func(allow bool) string {
		return fmt.Sprintf("  - name: weekly\n    reports: [week]\n    mail_to: [ops@example.com]\n    allow_incomplete: %v\n", allow)
	}
	missing := []string{"2026-11-16", "2026-11-17", "2026-11-18", "2026-11-21", "2026-11-22"}
	t.Run("refused", func(t *testing.T) {
		srv := mailtest.Start(t, mailtest.Options{Username: "bill", Password: "pw-8c1f-secret"})
		site := newJobSite(t, srv, "")
		addJob(t, site, weekly(false))
		events, _, _ := sampleEvents(t)
		mustRun(t, nil, "--config", site.config, "ingest", events)
		code, stdout, stderr := runAt(t, now, site.env, "--config", site.config, "run", "weekly", "--date", "2026-11-22")
		if code != 1 || !strings.Contains(stdout, "weekly 2026-11-22: FAILED") {
			t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
		}
		for _, d := range missing {
			for _, want := range []string{d + " missing", "agentbill ingest --date " + d} {
				if !strings.Contains(stderr, want) {
					t.Errorf("error lacks %q:\n%s", want, stderr)
				}
			}
		}
		if strings.Contains(stderr, "2026-11-19 missing") || !strings.Contains(stderr, "allow_incomplete") {
			t.Errorf("error names a day the lake holds, or no way on:\n%s", stderr)
		}
		if entries, _ := os.ReadDir(site.out); len(entries) != 0 {
			t.Errorf("%d report files over a week with holes", len(entries))
		}
		// The recipients hear why no reports came.
		if msgs := srv.Messages(); len(msgs) != 1 {
			t.Errorf("%d messages; want the failure notice", len(msgs))
		} else if m, _ := mailtest.Parse(msgs[0].Data); m == nil || m.Subject != "agentbill weekly, 2026-11-22: FAILED, no reports" ||
			!strings.Contains(m.Text, "2026-11-16 missing") {
			t.Errorf("failure notice %+v", m)
		}
	})
	t.Run("allowed", func(t *testing.T) {
		srv := mailtest.Start(t, mailtest.Options{Username: "bill", Password: "pw-8c1f-secret"})
		site := newJobSite(t, srv, "")
		addJob(t, site, weekly(true))
		events, _, _ := sampleEvents(t)
		mustRun(t, nil, "--config", site.config, "ingest", events)
		code, stdout, stderr := runAt(t, now, site.env, "--config", site.config, "run", "weekly", "--date", "2026-11-22")
		if code != 0 || !strings.Contains(stdout, "week 2026-11-16 to 2026-11-22 INCOMPLETE: 2026-11-16 missing") {
			t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
		}
		msgs := srv.Messages()
		if len(msgs) != 1 {
			t.Fatalf("%d messages", len(msgs))
		}
		m, err := mailtest.Parse(msgs[0].Data)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(m.Subject, "[INCOMPLETE: 5 days missing or not whole]") || len(m.Parts) < 3 {
			t.Errorf("subject %q, %d parts", m.Subject, len(m.Parts))
		}
		for _, tt := range []struct{ name, body, first string }{{"HTML", m.HTML, "<h2"}, {"text", m.Text, "== week"}} {
			top, _, _ := strings.Cut(tt.body, tt.first)
			for _, d := range missing {
				if !strings.Contains(top, d+" missing") {
					t.Errorf("%s body lacks %s near its top:\n%s", tt.name, d, top)
				}
			}
		}
		warns := logLines(t, stderr, "reports written over days the lake does not hold whole")
		if len(warns) != 1 || warns[0]["incomplete"] != strings.Join(missing, " missing, ")+" missing" {
			t.Errorf("warning lines %v", warns)
		}
		if ends := logLines(t, stderr, "job end"); len(ends) != 1 || ends[0]["status"] != "ok" || !strings.Contains(fmt.Sprint(ends[0]["incomplete"]), "2026-11-22 missing") {
			t.Errorf("end lines %v", ends)
		}
	})
	t.Run("allowed once from the command line", func(t *testing.T) {
		site := newJobSite(t, nil, "")
		addJob(t, site, "  - name: weekly\n    reports: [week]\n")
		events, _, _ := sampleEvents(t)
		mustRun(t, nil, "--config", site.config, "ingest", events)
		code, stdout, stderr := runAt(t, now, nil, "--config", site.config, "run", "weekly", "--date", "2026-11-22", "--allow-incomplete")
		if code != 0 || !strings.Contains(stdout, "INCOMPLETE") {
			t.Errorf("exit %d\n%s\n%s", code, stdout, stderr)
		}
	})
}

// addJob adds a job (YAML list item lines) to the site's config, after
// its jobs: line.
func addJob(t *testing.T, site jobSite, job string) {
	t.Helper()
	cfg := strings.Replace(string(readFile(t, site.config)), "jobs:\n", "jobs:\n"+job, 1)
	if err := os.WriteFile(site.config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The share of records rejected, with the counts, is in the run's summary
// line, its end log line and the mail.
func TestRunJobRejectShare(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{Username: "bill", Password: "pw-8c1f-secret"})
	site := newJobSite(t, srv, "")
	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("time,agent_id,op_type\n2026-11-19 10:00:00,A0001,not-a-type\n2026-11-19 10:00:01,A0001,99\n2026-11-19 10:00:02,,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := string(readFile(t, site.config))
	cfg = regexp.MustCompile(`(?m)^inputs: \[(.*)\]$`).ReplaceAllString(cfg, fmt.Sprintf("inputs: [$1, %q]", bad))
	if err := os.WriteFile(site.config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, time.November, 21, 3, 0, 0, 0, time.UTC)
	code, stdout, stderr := runAt(t, now, site.env, "--config", site.config, "run", "nightly", "--date", "2026-11-19")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	var m struct{ Counts lake.Counts }
	if err := json.Unmarshal(readFile(t, filepath.Join(site.lake, "runs", "2026-11-19.json")), &m); err != nil {
		t.Fatal(err)
	}
	c := m.Counts
	if c.Rejects != 3 || c.Records < 1000 {
		t.Fatalf("counts %+v; want 3 rejects among the records", c)
	}
	pct := float64(int64(1000*float64(c.Rejects)/float64(c.Records)+0.5)) / 10
	line := fmt.Sprintf("%d,%03d records read, 3 rejected (%.1f %%)", c.Records/1000, c.Records%1000, pct)
	if !strings.Contains(stdout, line+fmt.Sprintf(", %d duplicates, ", c.Duplicates)) {
		t.Errorf("summary %q lacks %q and the duplicates", stdout, line)
	}
	ends := logLines(t, stderr, "job end")
	if len(ends) != 1 || ends[0]["reject_pct"] != pct || ends[0]["records"] != float64(c.Records) ||
		ends[0]["rejects"] != 3.0 || ends[0]["duplicates"] != float64(c.Duplicates) {
		t.Errorf("end lines %v; want reject_pct %v", ends, pct)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	msg, err := mailtest.Parse(msgs[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"HTML": msg.HTML, "text": msg.Text} {
		if !strings.Contains(body, "Ingest of 2026-11-19: "+line+".") {
			t.Errorf("%s body lacks %q:\n%s", name, line, body)
		}
	}
}
