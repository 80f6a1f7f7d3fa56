package config_test

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/viper"

	"github.com/agentbill/agentbill/config"
)

// stateDir is the units' StateDirectory=, where the lake and reports live.
const stateDir = "/var/lib/agentbill"

// readYAML reads a YAML file of the repository (path from its root).
func readYAML(t *testing.T, path string) *viper.Viper {
	t.Helper()
	v := viper.New()
	v.SetConfigFile(filepath.Join("..", path))
	if err := v.ReadInConfig(); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return v
}

// nfpmContents is the contents list of packaging/nfpm.yaml.
func nfpmContents(t *testing.T) []any {
	t.Helper()
	return readYAML(t, "packaging/nfpm.yaml").Get("contents").([]any)
}

// goreleaserPackage is the one entry of nfpms in .goreleaser.yaml.
func goreleaserPackage(t *testing.T) map[string]any {
	t.Helper()
	nfpms := readYAML(t, ".goreleaser.yaml").Get("nfpms").([]any)
	if len(nfpms) != 1 {
		t.Fatalf(".goreleaser.yaml: %d nfpms, want 1", len(nfpms))
	}
	return nfpms[0].(map[string]any)
}

// installs reports where the package puts src, "" when it does not.
func installs(contents []any, src string) string {
	for _, c := range contents {
		if m := c.(map[string]any); m["src"] == src {
			s, _ := m["dst"].(string)
			return s
		}
	}
	return ""
}

func TestConfigIsValid(t *testing.T) {
	cfg, err := config.Load(filepath.Join("..", "packaging", "agentbill.yaml"), nil)
	if err != nil {
		t.Fatalf("packaging/agentbill.yaml: %v", err)
	}
	for key, dir := range map[string]string{"lake": cfg.Lake, "reports.out": cfg.Reports.Out} {
		if !strings.HasPrefix(dir, stateDir+"/") {
			t.Errorf("%s = %q: want a folder in %s, the only one the units may write", key, dir, stateDir)
		}
	}
	for _, j := range cfg.Jobs {
		if j.Out != "" && !strings.HasPrefix(j.Out, stateDir+"/") {
			t.Errorf("job %s: out = %q: want a folder in %s", j.Name, j.Out, stateDir)
		}
	}
}

func TestUnits(t *testing.T) {
	cfg, err := config.Load(filepath.Join("..", "packaging", "agentbill.yaml"), nil)
	if err != nil {
		t.Fatalf("packaging/agentbill.yaml: %v", err)
	}
	contents := nfpmContents(t)
	units, err := filepath.Glob(filepath.Join("..", "packaging", "systemd", "*"))
	if err != nil || len(units) == 0 {
		t.Fatalf("no units in packaging/systemd: %v", err)
	}
	timerJob := regexp.MustCompile(`^agentbill-run@(.+)\.timer$`)
	for _, path := range units {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			if got, want := installs(contents, "packaging/systemd/"+name), "/usr/lib/systemd/system/"+name; got != want {
				t.Errorf("nfpm.yaml installs it at %q, want %q", got, want)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			text := string(b)
			if m := timerJob.FindStringSubmatch(name); m != nil {
				if !slices.ContainsFunc(cfg.Jobs, func(j config.JobConfig) bool { return j.Name == m[1] }) {
					t.Errorf("the timer runs job %q, which packaging/agentbill.yaml does not have", m[1])
				}
				return
			}
			for _, line := range []string{
				"ExecStart=" + installs(contents, "dist/agentbill") + " ",
				"User=agentbill\n",
				"StateDirectory=" + filepath.Base(stateDir) + "\n",
				"WorkingDirectory=" + stateDir + "\n",
				"ReadWritePaths=" + stateDir + "\n",
				"Environment=AGENTBILL_CONFIG=" + installs(contents, "packaging/agentbill.yaml") + "\n",
				"EnvironmentFile=-/etc/agentbill/mail.env\n",
			} {
				if !strings.Contains(text, "\n"+line) {
					t.Errorf("no line %q", strings.TrimSpace(line))
				}
			}
		})
	}
}

// TestReleaseMatchesNfpm checks that .goreleaser.yaml builds the package
// that packaging/nfpm.yaml does: the same files (the binary apart, which
// goreleaser adds itself), scripts and dependencies.
func TestReleaseMatchesNfpm(t *testing.T) {
	nfpm := readYAML(t, "packaging/nfpm.yaml")
	release := goreleaserPackage(t)

	var files []any
	for _, c := range nfpm.Get("contents").([]any) {
		if c.(map[string]any)["src"] != "dist/agentbill" {
			files = append(files, c)
		}
	}
	tests := []struct {
		name          string
		nfpm, release any
	}{
		{"contents", files, release["contents"]},
		{"scripts", nfpm.Get("scripts"), release["scripts"]},
		{"deb dependencies", nfpm.Get("overrides.deb.depends"), dig(release, "overrides", "deb", "dependencies")},
		{"rpm dependencies", nfpm.Get("overrides.rpm.depends"), dig(release, "overrides", "rpm", "dependencies")},
		{"bindir", "/usr/bin", release["bindir"]},
		{"binary", "/usr/bin/agentbill", installs(nfpm.Get("contents").([]any), "dist/agentbill")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.nfpm == nil || !reflect.DeepEqual(tt.nfpm, tt.release) {
				t.Errorf("packaging/nfpm.yaml has\n%v\n.goreleaser.yaml has\n%v", tt.nfpm, tt.release)
			}
		})
	}
}

// dig walks nested maps by keys; nil when one is missing.
func dig(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

// TestScriptsExist checks that the maintainer scripts the packages name are
// there and start as shell scripts.
func TestScriptsExist(t *testing.T) {
	scripts := readYAML(t, "packaging/nfpm.yaml").GetStringMapString("scripts")
	if len(scripts) == 0 {
		t.Fatal("packaging/nfpm.yaml names no scripts")
	}
	for hook, path := range scripts {
		t.Run(hook, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", path))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(b), "#!/bin/sh\n") {
				t.Errorf("%s does not start with #!/bin/sh", path)
			}
		})
	}
}
