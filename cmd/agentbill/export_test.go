package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// agentOprInfo records of two days, not in the lake's order, with quoting,
// empty optional columns and Huawei's own id, developer, account, service
// and skill-info columns.
const agentOprInfoDays = `1009,700,acc01,zoe,svc9,12,C77,2026-11-20 23:55:00,2026-11-21 00:00:00,60,65535,1,5,1,1,4,88880009,1,0,1763677500000,7
1001,700,acc01,chli4020,svc9,12,16800096,2026-11-20 09:00:14,2026-11-20 09:05:00,60,65535,1,5,1,1,4,88880001,1,0,1763629200000,7
1003,700,acc01,chli4020,svc9,,,2026-11-20 09:06:41,2026-11-20 09:08:00,27,65535,0,,1,1,4,88880001,,0,1763629200000,
1005,701,acc02,"ann,x",svc9,12,,2026-11-20 10:00:00,2026-11-20 10:15:00,26,101,210,,1,1,4,"say ""hi""",,0,1763629200000,7
1006,700,acc01,bob,svc9,12,,2026-11-20 10:00:00,2026-11-20 18:00:00,0,65535,258,,1,1,4,,,0,1763629200000,7
1010,700,acc01,zoe,svc9,12,C77,2026-11-21 00:00:00,2026-11-21 00:03:10,60,65535,0,5,1,1,4,88880009,1,0,1763677500000,7
`

func TestAgentOprInfoRoundTrip(t *testing.T) {
	for _, noUse := range []string{"65535", "-1"} {
		t.Run("US_NO_USE as "+noUse, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "oprinfo.csv")
			text := agentOprInfoDays
			if noUse == "-1" {
				text = strings.ReplaceAll(text, ",65535,", ",-1,")
			}
			if err := os.WriteFile(in, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			lakeDir := filepath.Join(dir, "lake")
			mustRun(t, nil, "ingest", "--lake", lakeDir, "--format", "agentoprinfo", in)
			// Bills land on the day they ended: the records of 11-20, then
			// the two that ended on 11-21, each in the order read.
			var got strings.Builder
			for _, day := range []string{"2026-11-20", "2026-11-21"} {
				out, _ := mustRun(t, nil, "export", "--lake", lakeDir, "--date", day, "--no-use", noUse)
				got.WriteString(out)
			}
			lines := strings.Split(strings.TrimSpace(text), "\n")
			want := strings.Join(append(lines[1:5], lines[0], lines[5]), "\n") + "\n"
			if got.String() != want {
				t.Errorf("export differs from what was read:\n got:\n%s\nwant:\n%s", got.String(), want)
			}
		})
	}
}

// An export of a day the lake lacks fails, naming the day and the ingest
// that repairs it, rather than writing an empty file; --allow-incomplete
// writes what there is (nothing) with a warning.
func TestExportMissingDay(t *testing.T) {
	lakeDir := reportLake(t) // 2026-03-09 and 2026-03-10
	out := filepath.Join(t.TempDir(), "export.csv")
	code, stdout, stderr := runCLI(t, nil, "export", "--lake", lakeDir, "--date", "2026-03-11", "--out", out)
	if code != 1 || stdout != "" {
		t.Fatalf("exit %d, output %q; want 1 and nothing:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"2026-03-11 missing", "agentbill ingest --date 2026-03-11", "--allow-incomplete"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("error lacks %q:\n%s", want, stderr)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused export wrote %s: %v", out, err)
	}
	code, _, stderr = runCLI(t, nil, "export", "--lake", lakeDir, "--date", "2026-03-11", "--out", out, "--allow-incomplete")
	if code != 0 || !strings.Contains(stderr, `"level":"WARN"`) || !strings.Contains(logText(stderr), "2026-03-11 missing") {
		t.Errorf("--allow-incomplete: exit %d:\n%s", code, stderr)
	}
	if data, err := os.ReadFile(out); err != nil || len(data) != 0 {
		t.Errorf("export of a missing day: %q, %v", data, err)
	}
	// A day the lake holds exports as before.
	if code, stdout, stderr := runCLI(t, nil, "export", "--lake", lakeDir, "--date", "2026-03-10"); code != 0 || strings.Count(stdout, "\n") != 2 {
		t.Errorf("export of a whole day: exit %d, %q\n%s", code, stdout, stderr)
	}
}
