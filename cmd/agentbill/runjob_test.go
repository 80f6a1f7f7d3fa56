package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	}
	chart := m.Part("occupancy-1.png")
	if chart == nil || chart.ContentType != "image/png" || !strings.Contains(m.HTML, `src="cid:`+chart.ContentID+`"`) {
		t.Fatalf("no inline chart the HTML shows: %+v", chart)
	}
	for _, want := range []string{`alt="Occupancy by agent, 2026-11-19: All agents `, "Occupancy by agent</h3>",
		"Top rest reasons</h3>", "Logout causes</h3>", "A0001"} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if !strings.Contains(m.Text, "Occupancy by agent:") {
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
		if code != 1 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, %q; want %q", tt.args, code, stderr, tt.want)
		}
	}
}
