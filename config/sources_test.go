package config

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// pathsYAML gives every path setting, relative and absolute.
const pathsYAML = `
lake: ./lake
spill_dir: ../spill
inputs: ["in/{date}/*.log", "/abs/{date}.csv", "-"]
reports:
  dir: sql
  out: /srv/reports
jobs:
  - name: nightly
    ingest: true
    out: nightly-out
  - name: weekly
    reports: [week]
  - name: monthly
    reports: [month]
    out: /srv/monthly
`

func TestRelativePaths(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "etc", "agentbill.yaml")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(pathsYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	etc := filepath.Dir(path)
	// The working folder must not matter.
	t.Chdir(t.TempDir())

	t.Run("from the file's folder", func(t *testing.T) {
		c, err := Load(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		checks := []struct{ key, got, want string }{
			{"lake", c.Lake, filepath.Join(etc, "lake")},
			{"spill_dir", c.SpillDir, filepath.Join(dir, "spill")},
			{"reports.dir", c.Reports.Dir, filepath.Join(etc, "sql")},
			{"reports.out", c.Reports.Out, "/srv/reports"},
			{"jobs[0].out", c.Jobs[0].Out, filepath.Join(etc, "nightly-out")},
			{"jobs[1].out", c.Jobs[1].Out, ""},
			{"jobs[2].out", c.Jobs[2].Out, "/srv/monthly"},
		}
		for _, ck := range checks {
			if ck.got != ck.want {
				t.Errorf("%s = %q, want %q", ck.key, ck.got, ck.want)
			}
		}
		wantInputs := []string{filepath.Join(etc, "in", "{date}", "*.log"), "/abs/{date}.csv", "-"}
		if !slices.Equal(c.Inputs, wantInputs) {
			t.Errorf("inputs = %q, want %q", c.Inputs, wantInputs)
		}
	})
	t.Run("a relative file name", func(t *testing.T) {
		t.Chdir(dir)
		c, err := Load(filepath.Join("etc", "agentbill.yaml"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(etc, "lake"); c.Lake != want {
			t.Errorf("lake = %q, want %q", c.Lake, want)
		}
	})
	t.Run("the environment and the defaults stay as given", func(t *testing.T) {
		c, err := Load(path, []string{"AGENTBILL_LAKE=rel/lake", "AGENTBILL_SPILL_DIR=tmp"})
		if err != nil {
			t.Fatal(err)
		}
		if c.Lake != "rel/lake" || c.SpillDir != "tmp" {
			t.Errorf("lake %q, spill_dir %q: want them as the environment gave them", c.Lake, c.SpillDir)
		}
		d, err := Load(writeFile(t, "site:\n  timezone: UTC\n"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if d.Lake != Default().Lake || d.Reports.Out != Default().Reports.Out {
			t.Errorf("defaults changed: lake %q, reports.out %q", d.Lake, d.Reports.Out)
		}
	})
}

func TestSettings(t *testing.T) {
	path := writeFile(t, `
site:
  timezone: Asia/Kathmandu
lake: /srv/lake
labels:
  rest: {1: Lunch, 2: Training}
mail:
  host: smtp.example.com
  from: agentbill@example.com
  username_env: SMTP_USER
  password_env: SMTP_PASSWORD
jobs:
  - name: nightly
    ingest: true
    reports: [day]
    mail_to: [ops@example.com]
`)
	l, err := LoadSources(path, []string{"AGENTBILL_BILLING_SESSION_TIMEOUT=36h", "AGENTBILL_REPORTS_OUT=/srv/out"})
	if err != nil {
		t.Fatal(err)
	}
	if l.File != path {
		t.Errorf("File %q, want %q", l.File, path)
	}
	got := map[string]Setting{}
	var keys []string
	for _, s := range l.Settings() {
		got[s.Key] = s
		keys = append(keys, s.Key)
	}
	if !slices.IsSortedFunc(keys, compareKeys) {
		t.Errorf("settings not in key order: %q", keys)
	}
	tests := []struct {
		key, value string
		source     Source
	}{
		{"site.timezone", "Asia/Kathmandu", Source{FromFile, path}},
		{"lake", "/srv/lake", Source{FromFile, path}},
		{"billing.session_timeout", "36h0m0s", Source{FromEnv, "AGENTBILL_BILLING_SESSION_TIMEOUT"}},
		{"reports.out", "/srv/out", Source{FromEnv, "AGENTBILL_REPORTS_OUT"}},
		{"max_reject_share", "0.05", Source{Kind: FromDefault}},
		{"input_format", `""`, Source{Kind: FromDefault}},
		{"labels.rest", "{1: Lunch, 2: Training}", Source{FromFile, path}},
		{"mail.password_env", "SMTP_PASSWORD", Source{FromFile, path}},
		{"mail.port", "587", Source{Kind: FromDefault}},
		{"jobs[0].name", "nightly", Source{FromFile, path}},
		{"jobs[0].reports", "[day]", Source{FromFile, path}},
		{"jobs[0].mail_to", "[ops@example.com]", Source{FromFile, path}},
		{"billing.extra_types", "[]", Source{Kind: FromDefault}},
	}
	for _, tt := range tests {
		s, ok := got[tt.key]
		if !ok {
			t.Errorf("no setting %s", tt.key)
			continue
		}
		if s.Value != tt.value || s.Source != tt.source {
			t.Errorf("%s = %s (%v), want %s (%v)", tt.key, s.Value, s.Source, tt.value, tt.source)
		}
	}
	// Every key is listed, jobs field by field.
	for key := range defaults() {
		if _, ok := got[key]; !ok && key != "jobs" {
			t.Errorf("key %s not listed", key)
		}
	}
	if got["reports.out"].Source.String() != "env AGENTBILL_REPORTS_OUT" || got["lake"].Source.String() != "file" {
		t.Errorf("sources read %q and %q", got["reports.out"].Source, got["lake"].Source)
	}
}

func TestSecretsRedacted(t *testing.T) {
	type settings struct {
		Host        string `mapstructure:"host"`
		Password    string `mapstructure:"password"`
		APIToken    string `mapstructure:"api_token"`
		PasswordEnv string `mapstructure:"password_env"`
		Empty       string `mapstructure:"smtp_secret"`
		URL         string `mapstructure:"url"`
	}
	v := reflect.ValueOf(settings{
		Host: "smtp.example.com", Password: "hunter2", APIToken: "tok-123", PasswordEnv: "SMTP_PASSWORD",
		URL: "smtp://bill:pw-8c1f@mail.example.com:587",
	})
	leaves := map[string]reflect.Value{}
	flattenValue("mail", v, leaves)
	want := map[string]string{
		"mail.host":         "smtp.example.com",
		"mail.password":     Redacted,
		"mail.api_token":    Redacted,
		"mail.password_env": "SMTP_PASSWORD",
		"mail.smtp_secret":  `""`,
		"mail.url":          "smtp://bill:" + Redacted + "@mail.example.com:587",
	}
	for key, w := range want {
		if got := show(key, leaves[key]); got != w {
			t.Errorf("%s shows %s, want %s", key, got, w)
		}
	}
	for key, leaf := range leaves {
		if s := show(key, leaf); strings.Contains(s, "hunter2") || strings.Contains(s, "tok-123") || strings.Contains(s, "pw-8c1f") {
			t.Errorf("%s shows a secret: %s", key, s)
		}
	}
}
