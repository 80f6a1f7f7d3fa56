package lake

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
)

// crashChildEnv, when set to a lake folder, makes the test binary a child
// that writes crashDay into that lake, reporting each stage on stdout and
// waiting for a line on stdin before going on.
const crashChildEnv = "AGENTBILL_LAKE_CRASH_CHILD"

// crashLeaseEnv sets the child's lease time in a bucket, so that the test
// need not wait minutes for a killed child's lease to expire.
const crashLeaseEnv = "AGENTBILL_LAKE_CRASH_LEASE"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		os.Exit(crashChild(dir))
	}
	os.Exit(m.Run())
}

// crashDay is the big day the child writes over a small one.
func crashDay(loc *time.Location) ([]billing.Bill, []billing.OpenSpan, []ingest.Reject, Manifest) {
	return syntheticBills(150_000, loc), sampleOpen(loc)[:2], bigRejects(3000), Manifest{Version: "new"}
}

func crashChild(dir string) int {
	loc, err := time.LoadLocation("Asia/Kathmandu")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	in := bufio.NewReader(os.Stdin)
	stageHook = func(stage string) {
		fmt.Printf("stage %s\n", stage)
		if _, err := in.ReadString('\n'); err != nil {
			os.Exit(3)
		}
	}
	bills, open, rejects, m := crashDay(loc)
	stageHook("start")
	l, err := OpenAt(context.Background(), dir, Options{Location: loc})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if ttl, err := time.ParseDuration(os.Getenv(crashLeaseEnv)); err == nil {
		leaseTTL = ttl
	}
	if err := l.WriteDay(context.Background(), testDay, bills, open, rejects, m); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("done")
	return 0
}

// dayVersion is what a complete write of the day leaves: each table's
// bytes and rows, and the manifest's files.
type dayVersion struct {
	name  string
	files map[string][]byte
	rows  map[string]int64
	mf    []FileInfo
}

func readVersion(t *testing.T, l *Lake, name string) dayVersion {
	t.Helper()
	return readVersionAt(t, l, l.Dir, name)
}

// readVersionAt is readVersion of a lake whose objects are files under
// root (a folder lake's own folder, or the folder an S3 server keeps a
// bucket lake's objects in).
func readVersionAt(t *testing.T, l *Lake, root, name string) dayVersion {
	t.Helper()
	v := dayVersion{name: name, files: map[string][]byte{}, rows: map[string]int64{}}
	m, found, err := l.ReadManifest(testDay)
	if err != nil || !found {
		t.Fatalf("%s: manifest: %v %v", name, found, err)
	}
	v.mf = m.Files
	for _, f := range m.Files {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatal(err)
		}
		table := strings.SplitN(f.Path, "/", 2)[0]
		v.files[table], v.rows[table] = data, f.Rows
	}
	return v
}

func TestWriteDayCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	loc := kathmandu(t)
	writeOld := func(t *testing.T, dir string) *Lake {
		t.Helper()
		l := &Lake{Dir: dir, Location: loc}
		m := sampleManifest()
		m.Version = "old"
		if err := l.WriteDay(context.Background(), testDay, sampleBills(loc), sampleOpen(loc), sampleRejects(), m); err != nil {
			t.Fatal(err)
		}
		return l
	}
	oldDir := t.TempDir()
	old := readVersion(t, writeOld(t, oldDir), "old")
	newLake := &Lake{Dir: t.TempDir(), Location: loc}
	bills, open, rejects, m := crashDay(loc)
	if err := newLake.WriteDay(context.Background(), testDay, bills, open, rejects, m); err != nil {
		t.Fatal(err)
	}
	fresh := readVersion(t, newLake, "new")
	db := openDuckDB(t)

	tests := []struct {
		name    string
		stage   string        // kill when the child reports this stage
		delay   time.Duration // or this long after it starts writing
		wantNew []string      // tables that must be new after the kill
		rewrite bool          // write the day again after the kill
	}{
		{name: "before writing", stage: "start"},
		{name: "bills encoded", stage: "bills-encoded"},
		{name: "all synced", stage: "tables-synced"},
		{name: "journal being written", stage: "finished " + testDay.String() + journalSuffix, rewrite: true},
		{name: "journal written", stage: "journal written"},
		{name: "bills renamed", stage: "renamed bills.parquet", wantNew: []string{"bills"}, rewrite: true},
		{name: "open renamed", stage: "renamed open.parquet", wantNew: []string{"bills", "open"}},
		{name: "rejects renamed", stage: "renamed rejects.parquet", wantNew: []string{"bills", "open", "rejects"}},
		{name: "after 20ms", delay: 20 * time.Millisecond, rewrite: true},
		{name: "after 150ms", delay: 150 * time.Millisecond},
		{name: "after 400ms", delay: 400 * time.Millisecond},
		{name: "after 800ms", delay: 800 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &Lake{Dir: filepath.Join(t.TempDir(), "lake"), Location: loc}
			if err := os.CopyFS(l.Dir, os.DirFS(oldDir)); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			finished := runAndKill(t, exe, l.Dir, tt.stage, tt.delay)
			// versions says which version each table's file is, and
			// checks that it is whole.
			versions := func() map[string]string {
				got := map[string]string{}
				for _, table := range Tables() {
					data, err := os.ReadFile(l.Path(table.Name, testDay))
					if err != nil {
						t.Fatalf("%s: %v", table.Name, err)
					}
					var v dayVersion
					switch {
					case bytes.Equal(data, old.files[table.Name]):
						v = old
					case bytes.Equal(data, fresh.files[table.Name]):
						v = fresh
					default:
						t.Fatalf("%s: %d bytes, neither the old file nor the new one", table.Name, len(data))
					}
					got[table.Name] = v.name
					n := queryRows(t, db, "SELECT count(*) FROM read_parquet("+sqlString(l.Path(table.Name, testDay))+")")[0][0]
					if n != v.rows[table.Name] {
						t.Errorf("%s: DuckDB reads %v rows of the %s file, want %d", table.Name, n, v.name, v.rows[table.Name])
					}
				}
				return got
			}
			got := versions()
			for _, table := range tt.wantNew {
				if got[table] != "new" {
					t.Errorf("%s is %s, want new", table, got[table])
				}
			}
			// A kill between the renames leaves the journal; rolling it
			// forward makes the day the new one whole. Without one, the
			// day is whole as it is.
			_, err := os.Stat(l.journalPath(testDay))
			journaled := err == nil
			if mixed := got["bills"] != got["open"] || got["open"] != got["rejects"]; mixed && !journaled {
				t.Errorf("files %v and no journal to finish them", got)
			}
			rolled, err := l.RollForward()
			if err != nil {
				t.Fatal(err)
			}
			if journaled != (len(rolled) == 1) {
				t.Errorf("journal %v, rolled forward %v", journaled, rolled)
			}
			if journaled {
				got = versions()
			}
			m := checkWholeDay(t, l, got, old, fresh)
			if (finished || journaled) && m.Version != "new" {
				t.Errorf("the child finished or journaled, but the manifest is %s", m.Version)
			}
			checkNames(t, l, false)
			t.Logf("after the kill (%v): %v, manifest %s", time.Since(start).Round(time.Millisecond), got, m.Version)

			if !tt.rewrite {
				return
			}
			// The next write of the day finishes the job and clears up.
			if err := l.WriteDay(context.Background(), testDay, bills, open, rejects, Manifest{Version: "new"}); err != nil {
				t.Fatal(err)
			}
			if v := readVersion(t, l, "again"); !reflect.DeepEqual(v.files, fresh.files) {
				t.Error("rewriting after the crash gives other files")
			}
			checkNames(t, l, true)
		})
	}
}

// checkWholeDay checks that the day's manifest is the old one or the new
// one, and that every table (got: its version) is of the manifest's
// version; it returns the manifest.
func checkWholeDay(t *testing.T, l *Lake, got map[string]string, old, fresh dayVersion) Manifest {
	t.Helper()
	m, found, err := l.ReadManifest(testDay)
	if err != nil || !found {
		t.Fatalf("manifest: %v %v", found, err)
	}
	switch {
	case m.Version == "old" && reflect.DeepEqual(m.Files, old.mf):
	case m.Version == "new" && reflect.DeepEqual(m.Files, fresh.mf):
	default:
		t.Errorf("manifest is neither the old one nor the new one: %+v", m)
	}
	for table, v := range got {
		if v != m.Version {
			t.Errorf("%s is the %s file under the %s manifest", table, v, m.Version)
		}
	}
	return m
}

// runAndKill runs the child on dir and kills it at stage, or after delay
// once it starts writing. It reports whether the child finished first.
func runAndKill(t *testing.T, exe, dir, stage string, delay time.Duration) (finished bool) {
	t.Helper()
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var timer <-chan time.Time
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	kill := func() {
		cmd.Process.Kill()
		for range lines { // let the reader finish
		}
	}
loop:
	for {
		select {
		case line, ok := <-lines:
			switch {
			case !ok:
				break loop
			case line == "done":
				finished = true
			case line == "stage "+stage:
				kill()
				break loop
			case strings.HasPrefix(line, "stage "):
				if line == "stage start" && stage == "" {
					timer = time.After(delay)
				}
				io.WriteString(stdin, "\n")
			}
		case <-timer:
			kill()
			break loop
		}
	}
	err = cmd.Wait()
	if finished && err != nil || !finished && !strings.Contains(fmt.Sprint(err), "killed") {
		t.Fatalf("child: %v (finished %v)\n%s", err, finished, stderr.String())
	}
	return finished
}

// checkNames fails if a day folder holds anything but the final files and,
// unless clean, temporary files.
func checkNames(t *testing.T, l *Lake, clean bool) {
	t.Helper()
	// A kill while the journal or the manifest is being written leaves
	// its temporary file beside the runs folder's final names.
	dirs := map[string][]string{filepath.Join(l.Dir, runsFolder): {testDay.String() + ".json", testDay.String() + journalSuffix}}
	for _, table := range Tables() {
		dir := filepath.Dir(l.Path(table.Name, testDay))
		dirs[dir] = append(dirs[dir], table.Name+".parquet")
	}
	for dir, finals := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !expectedName(e.Name(), finals, clean) {
				t.Errorf("unexpected file %s in %s", e.Name(), dir)
			}
		}
	}
}

// expectedName says whether name may be in a folder whose final names are
// finals. Before the next write has cleared up, a temporary file of one of
// them may be there too, and in the runs folder one of the journal, whose
// final name RollForward has already removed.
func expectedName(name string, finals []string, clean bool) bool {
	for _, final := range finals {
		if name == final && !strings.HasSuffix(final, journalSuffix) {
			return true
		}
		if !clean && strings.HasPrefix(name, "."+final+tempMark) {
			return true
		}
	}
	return false
}
