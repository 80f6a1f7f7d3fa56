package lake

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestArrowReads has arrow-go read a day's files (schema, row count and
// every value), through the module in testdata/arrowread, which keeps
// arrow-go out of agentbill's dependencies. The first run compiles
// arrow-go, which takes a while; -short skips it.
func TestArrowReads(t *testing.T) {
	// On UTC, the *_local columns are twins of the instants' (see
	// rowGroup.twins).
	for _, loc := range []*time.Location{kathmandu(t), time.UTC} {
		t.Run(loc.String(), func(t *testing.T) { testArrowReads(t, loc) })
	}
}

func testArrowReads(t *testing.T, loc *time.Location) {
	if testing.Short() {
		t.Skip("compiles arrow-go")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	l := &Lake{Dir: t.TempDir(), Location: loc}
	bills := append(sampleBills(loc), syntheticBills(30_000, loc)...)
	open, rejects := sampleOpen(loc), bigRejects(2000)
	if err := l.WriteDay(t.Context(), testDay, bills, open, rejects, Manifest{}); err != nil {
		t.Fatal(err)
	}

	type wantFile struct {
		Table   string   `json:"table"`
		Path    string   `json:"path"`
		Columns []string `json:"columns"`
		Rows    [][]any  `json:"rows"`
	}
	arrowType := map[Kind]string{KindString: "utf8", KindInt32: "int32", KindInt64: "int64", KindTimestamp: "timestamp[us]"}
	jsonRow := func(vals []any) []any {
		for i, v := range vals {
			if ts, ok := v.(time.Time); ok {
				vals[i] = ts.UnixMicro()
			}
		}
		return vals
	}
	var want []wantFile
	for _, tb := range Tables() {
		f := wantFile{Table: tb.Name, Path: l.Path(tb.Name, testDay), Rows: [][]any{}}
		for _, c := range tb.Columns {
			f.Columns = append(f.Columns, c.Name+" "+arrowType[c.Kind])
		}
		switch tb.Name {
		case Bills.Name:
			for i := range bills {
				f.Rows = append(f.Rows, jsonRow(billRow(&bills[i], loc)))
			}
		case Open.Name:
			for i := range open {
				f.Rows = append(f.Rows, jsonRow(append(billRow(&open[i].Bill, loc), wall(open[i].LastEvent, time.UTC))))
			}
		case Rejects.Name:
			for _, r := range rejects {
				f.Rows = append(f.Rows, []any{r.File, r.Line, r.Raw, r.Reason})
			}
		}
		want = append(want, f)
	}
	data, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	wantPath := filepath.Join(t.TempDir(), "want.json")
	if err := os.WriteFile(wantPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), goTool, "test", "-count=1", ".")
	cmd.Dir = filepath.Join("testdata", "arrowread")
	cmd.Env = append(os.Environ(), "ARROWREAD_WANT="+wantPath)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("arrow-go reading the files: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
