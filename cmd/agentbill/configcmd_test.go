package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/config"
)

// configSite writes DIR/etc/agentbill.yaml, whose lake is the relative
// ../lake, an empty lake DIR/lake, and returns the file and the lake.
func configSite(t *testing.T, extraYAML string) (file, lakeDir string) {
	t.Helper()
	dir := t.TempDir()
	file = filepath.Join(dir, "etc", "agentbill.yaml")
	lakeDir = filepath.Join(dir, "lake")
	for _, d := range []string{filepath.Dir(file), lakeDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	yaml := "site:\n  timezone: Asia/Kathmandu\nlake: ../lake\n" + extraYAML
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return file, lakeDir
}

// useDefaultConfig points the default config path at path for the test.
func useDefaultConfig(t *testing.T, path string) {
	t.Helper()
	old := config.DefaultPath
	config.DefaultPath = path
	t.Cleanup(func() { config.DefaultPath = old })
}

// TestConfigLookup: --config, else AGENTBILL_CONFIG, else the default path;
// the lake the file names relative to its folder is found from any
// working folder.
func TestConfigLookup(t *testing.T) {
	file, lakeDir := configSite(t, "")
	broken := filepath.Join(t.TempDir(), "broken.yaml")
	if err := os.WriteFile(broken, []byte("lakes: /nowhere\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	found := "the lake " + lakeDir + " holds no day"
	tests := []struct {
		name     string
		args     []string
		env      []string
		etc      string // the default path
		wantCode int
		want     string // in stdout, or in the error
	}{
		{name: "flag", args: []string{"--config", file}, want: found},
		{name: "environment", env: []string{"AGENTBILL_CONFIG=" + file}, want: found},
		{name: "environment with settings", env: []string{"AGENTBILL_CONFIG=" + file, "AGENTBILL_MAX_REJECT_SHARE=0.1"}, want: found},
		{name: "default path", etc: file, want: found},
		{name: "flag before environment", args: []string{"--config", file}, env: []string{"AGENTBILL_CONFIG=" + broken}, want: found},
		{name: "environment before default path", env: []string{"AGENTBILL_CONFIG=" + file}, etc: broken, want: found},
		{name: "a broken file found by the environment says so", env: []string{"AGENTBILL_CONFIG=" + broken}, wantCode: 1,
			want: "config file " + broken + ": lakes: unknown key (named by AGENTBILL_CONFIG)"},
		{name: "a missing file named by the environment", env: []string{"AGENTBILL_CONFIG=" + broken + ".gone"}, wantCode: 1, want: "no such file"},
		{name: "none: the defaults", wantCode: 1, want: "no lake at ./lake"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			if tt.etc != "" {
				useDefaultConfig(t, tt.etc)
			}
			code, out, errOut := runCLI(t, tt.env, append(tt.args, "status")...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.wantCode, out, errOut)
			}
			if !strings.Contains(out+logText(errOut), tt.want) {
				t.Errorf("output lacks %q:\n%s%s", tt.want, out, errOut)
			}
		})
	}
}

func TestConfigCommand(t *testing.T) {
	file, lakeDir := configSite(t, "mail:\n  host: smtp.example.com\n  from: agentbill@example.com\n  username_env: SMTP_USER\n  password_env: SMTP_PASSWORD\n")
	env := []string{"AGENTBILL_CONFIG=" + file, "AGENTBILL_MAX_REJECT_SHARE=0.1", "SMTP_USER=bill", "SMTP_PASSWORD=pw-4d2e-secret"}
	code, out, errOut := runCLI(t, env, "config")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if first := strings.SplitN(out, "\n", 2)[0]; !strings.Contains(first, file) || !strings.Contains(first, "AGENTBILL_CONFIG") {
		t.Errorf("first line %q does not name the file and how it was found", first)
	}
	for _, want := range []string{
		`site.timezone +file +Asia/Kathmandu`,
		`lake +file +` + regexp.QuoteMeta(lakeDir),
		`max_reject_share +env AGENTBILL_MAX_REJECT_SHARE +0\.1`,
		`mail\.port +default +587`,
		`mail\.password_env +file +SMTP_PASSWORD`,
		`ingest_memory_mb +default +64`,
	} {
		if !regexp.MustCompile(`(?m)^` + want + `$`).MatchString(out) {
			t.Errorf("no line %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "pw-4d2e-secret") || strings.Contains(out, "bill\n") {
		t.Errorf("the mail login is in the output:\n%s", out)
	}
	// It shows a config that only the environment sets, and works where
	// the others would fail for want of a lake.
	code, out, _ = runCLI(t, []string{"AGENTBILL_LAKE=/srv/lake"}, "config")
	if code != 0 || !strings.Contains(out, "# no config file") || !regexp.MustCompile(`(?m)^lake +env AGENTBILL_LAKE +/srv/lake$`).MatchString(out) {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func TestConfigValidate(t *testing.T) {
	good, _ := configSite(t, "jobs:\n  - name: nightly\n    ingest: true\n    reports: [day]\n    report_names: [occupancy]\n")
	write := func(yaml string) string {
		path := filepath.Join(t.TempDir(), "agentbill.yaml")
		if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		name     string
		args     []string
		env      []string
		etc      string
		wantCode int
		want     []string // in the output or the error
	}{
		{name: "valid", args: []string{good}, want: []string{good + ": valid (1 job(s), lake " + filepath.Join(filepath.Dir(filepath.Dir(good)), "lake") + ")"}},
		{name: "the file AGENTBILL_CONFIG names", env: []string{"AGENTBILL_CONFIG=" + good}, want: []string{good + ": valid"}},
		{name: "the default path", etc: good, want: []string{good + ": valid"}},
		{name: "the environment is not applied", args: []string{good}, env: []string{"AGENTBILL_SITE_TIMEZONE=Mars/Base", "AGENTBILL_NO_SUCH=1"}, want: []string{"valid"}},
		{name: "misspelt key", args: []string{write("site:\n  timezon: UTC\n")}, wantCode: 1, want: []string{"is not valid", "site.timezon: unknown key"}},
		{name: "bad value", args: []string{write("site:\n  timezone: Mars/Base\nmax_reject_share: 2\n")}, wantCode: 1,
			want: []string{`site.timezone: unknown time zone "Mars/Base"`, "max_reject_share: 2"}},
		{name: "bad schedule", args: []string{write("jobs:\n  - name: n\n    ingest: true\n    schedule: \"61 2 * * *\"\n")}, wantCode: 1, want: []string{"jobs[0] (n).schedule"}},
		{name: "unknown report", args: []string{write("jobs:\n  - name: n\n    reports: [day]\n    report_names: [occupation]\n")}, wantCode: 1,
			want: []string{`jobs[0] (n).report_names: no report "occupation"`}},
		{name: "missing reports folder", args: []string{write("reports:\n  dir: no-such-folder\n")}, wantCode: 1, want: []string{"reports.dir", "no-such-folder"}},
		{name: "missing file", args: []string{good + ".gone"}, wantCode: 1, want: []string{"no such file"}},
		{name: "two files", args: []string{good, good}, wantCode: 2, want: []string{"accepts at most 1 arg"}},
		{name: "no file at all", wantCode: 2, want: []string{"no config file to validate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.etc != "" {
				useDefaultConfig(t, tt.etc)
			}
			code, out, errOut := runAt(t, time.Now(), tt.env, append([]string{"config", "validate"}, tt.args...)...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.wantCode, out, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out+logText(errOut), w) {
					t.Errorf("output lacks %q:\n%s%s", w, out, errOut)
				}
			}
		})
	}
}
