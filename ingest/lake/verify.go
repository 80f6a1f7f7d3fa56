package lake

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/xitongsys/parquet-go/parquet"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
)

// State is what the lake says of a day. It is derived from the day's
// manifest, its files and the day before it; nothing else records it.
type State string

// The states of a day.
const (
	// StateOK: the files are those the manifest names, the counts balance,
	// and the day was built on the open table the day before holds now (or
	// is the first day of the lake).
	StateOK State = "ok"
	// StateStale: the day was built on an open state of the day before
	// that the lake no longer holds (the day before was ingested again
	// since), or on a day that is stale itself. Ingest it again.
	StateStale State = "stale"
	// StateBroken: the day has no manifest, or its files are missing,
	// unreadable or not those its manifest names (a run stopped while it
	// put them in place), or its counts do not balance.
	StateBroken State = "broken"
	// StateGap: the day before has no run in the lake, so the day started
	// from nothing, or from an open state that is gone.
	StateGap State = "gap"
	// StateMissing: the lake holds nothing of the day.
	StateMissing State = "missing"
)

// DayReport is what Verify found out about one day.
type DayReport struct {
	Day   billing.Date
	State State
	// Reason says why State is not ok.
	Reason string
	// Manifest is the day's manifest; nil when it has none or it cannot be
	// read.
	Manifest *Manifest
	// Problems are failures, one line each: files, counts or inputs that
	// are not what the manifest says.
	Problems []string
	// Notes are worth knowing but are no failures: an input that is gone,
	// temporary files a stopped run left behind.
	Notes []string
}

// VerifyOptions choose what Verify looks at.
type VerifyOptions struct {
	// Days are the days to verify; nil means every day in the lake.
	Days []billing.Date
	// Inputs makes Verify hash the input files the manifests name and
	// compare them with the manifest.
	Inputs bool
	// Quick compares each file's size and row count with its manifest and
	// hashes nothing: a file whose bytes changed but not its size passes.
	// It derives the days' states from the manifests' checksums, for
	// readers such as reports that check a long period before they read
	// it.
	Quick bool
}

// Verify checks days of the lake against their manifests: each table's
// file is there, with the size, SHA-256 and row count the manifest gives;
// the counts balance (Counts.Unaccounted) and agree with the files; and,
// with opts.Inputs, the inputs still have the SHA-256 they had when they
// were read (an input that is gone is a note, not a failure). It derives
// each day's State, which depends on the days before it. Reports come in
// day order; a day asked for that the lake does not hold is reported as
// missing.
func (l *Lake) Verify(ctx context.Context, opts VerifyOptions) ([]DayReport, error) {
	days, err := l.allDays()
	if err != nil {
		return nil, err
	}
	temps, err := l.leftovers(ctx)
	if err != nil {
		return nil, err
	}
	want := map[billing.Date]bool{}
	for _, d := range opts.Days {
		want[d] = true
	}
	var reports []DayReport
	var prev *dayLink
	for i, d := range days {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		cur, err := l.readLink(d, opts.Quick)
		if err != nil {
			return nil, err
		}
		if prev != nil && prev.day != d.AddDays(-1) {
			prev = nil
		}
		cur.state, cur.reason = linkState(cur, prev, i > 0)
		if opts.Days != nil && !want[d] {
			prev = cur
			continue
		}
		delete(want, d)
		r := DayReport{Day: d, State: cur.state, Reason: cur.reason, Manifest: cur.manifest}
		l.verifyFiles(&r, cur, prev, opts.Quick, temps)
		if len(r.Problems) > 0 {
			r.State, r.Reason = StateBroken, r.Problems[0]
		}
		if opts.Inputs && cur.manifest != nil {
			verifyInputs(&r, cur.manifest)
		}
		reports = append(reports, r)
		prev = cur
	}
	for d := range want {
		reports = append(reports, DayReport{Day: d, State: StateMissing, Reason: "no run of " + d.String() + " in the lake",
			Problems: []string{"no run of " + d.String() + " in the lake"}})
	}
	slices.SortFunc(reports, func(a, b DayReport) int { return a.Day.Compare(b.Day) })
	return reports, nil
}

// Link says whether day was built on the open table the day before holds
// now: StateOK, StateStale or StateGap, with the reason when not ok, or
// StateMissing when day has no manifest. Unlike Verify it looks at the day
// before only, so a day built on a stale day is ok here.
func (l *Lake) Link(ctx context.Context, day billing.Date) (State, string, error) {
	if err := ctx.Err(); err != nil {
		return "", "", err
	}
	cur, err := l.readLink(day, false)
	if err != nil {
		return "", "", err
	}
	if cur.manifest == nil {
		return StateMissing, "no manifest of " + day.String(), nil
	}
	days, err := l.allDays()
	if err != nil {
		return "", "", err
	}
	prevDay := day.AddDays(-1)
	var prev *dayLink
	if slices.Contains(days, prevDay) {
		if prev, err = l.readLink(prevDay, false); err != nil {
			return "", "", err
		}
	}
	earlier := len(days) > 0 && days[0].Before(day)
	state, reason := linkState(cur, prev, earlier)
	return state, reason, nil
}

// dayLink is what the state of a day and of the day after it depend on.
type dayLink struct {
	day      billing.Date
	manifest *Manifest
	readErr  error  // the manifest could not be read
	openSum  string // SHA-256 of the open file now; "" when there is none
	openSize int64
	// wroteOpenSum is the SHA-256 of the open file its manifest names:
	// what the day's run wrote.
	wroteOpenSum string
	state        State // the link state: ok, stale or gap
	reason       string
}

// readLink reads the manifest of day and hashes its open file; with quick,
// an open file of the size the manifest gives takes the manifest's
// SHA-256 unhashed.
func (l *Lake) readLink(day billing.Date, quick bool) (*dayLink, error) {
	d := &dayLink{day: day}
	m, found, err := l.ReadManifest(day)
	switch {
	case err != nil:
		d.readErr = err
	case found:
		d.manifest = &m
	}
	ctx := context.Background()
	name := l.Rel(Open.Name, day)
	var written *FileInfo
	if d.manifest != nil {
		written = d.manifest.file(name)
	}
	if written != nil {
		d.wroteOpenSum = written.SHA256
		if quick {
			size, err := l.storage().size(ctx, name)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				return d, nil
			case err == nil && size == written.Size:
				d.openSum, d.openSize = written.SHA256, written.Size
				return d, nil
			}
		}
	}
	sum, size, err := l.objectSHA256(ctx, name)
	switch {
	case err == nil:
		d.openSum, d.openSize = sum, size
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	return d, nil
}

// linkState is the state of cur as the day after prev (nil when the day
// before has nothing in the lake); earlier is whether the lake has days
// before cur.
func linkState(cur, prev *dayLink, earlier bool) (State, string) {
	prevDay := cur.day.AddDays(-1)
	if cur.manifest == nil {
		return StateOK, "" // broken anyway: no manifest to say what it carried
	}
	prevRun := prev != nil && prev.manifest != nil
	if c := cur.manifest.CarriedIn; c != nil {
		switch {
		case c.Date != prevDay.String():
			return StateStale, fmt.Sprintf("carried in the state of %s, not of the day before", c.Date)
		case prev == nil || prev.openSum == "":
			return StateGap, fmt.Sprintf("carried in the open table of %s, which the lake no longer holds", prevDay)
		case prev.openSum != c.SHA256 && prev.wroteOpenSum != c.SHA256:
			// Carrying in what the day before's run wrote is no staleness
			// even when that file has changed since: the day before is
			// broken and says so, and ingesting it again from the same
			// inputs writes the same file back.
			return StateStale, fmt.Sprintf("%s was ingested again after this day: its open table is not the one this day carried in", prevDay)
		}
	} else {
		switch {
		case prevRun || prev != nil && prev.openSum != "":
			return StateStale, fmt.Sprintf("started from nothing, but %s is in the lake now", prevDay)
		case earlier:
			return StateGap, fmt.Sprintf("no run of %s: started from nothing", prevDay)
		}
	}
	if prev != nil && prev.state == StateStale {
		return StateStale, fmt.Sprintf("built on %s, which is stale", prevDay)
	}
	return StateOK, ""
}

// verifyFiles adds to r the problems of the day's files and counts, and
// notes the temporary files a stopped run left. prev is the day before, or
// nil. With quick, files are compared by size, not hashed.
func (l *Lake) verifyFiles(r *DayReport, cur, prev *dayLink, quick bool, temps []string) {
	day := r.Day
	problem := func(format string, args ...any) { r.Problems = append(r.Problems, fmt.Sprintf(format, args...)) }
	for _, dir := range l.dayDirs(day) {
		if n := countTemps(temps, dir.path, dir.name); n > 0 {
			r.Notes = append(r.Notes, fmt.Sprintf("%d temporary %s file(s) left by a stopped run in %s; the next run of %s removes them", n, dir.name, l.storage().where(dir.path), day))
		}
	}
	m := cur.manifest
	if m == nil {
		if cur.readErr != nil {
			problem("%v", cur.readErr)
		} else {
			problem("files but no manifest: a run of %s stopped before it finished, or the manifest was removed; ingest the day again", day)
		}
		return
	}
	if m.Date != day.String() {
		problem("the manifest of %s says date %q", day, m.Date)
	}
	rows := map[string]int64{}
	for _, t := range Tables() {
		rel := l.Rel(t.Name, day)
		fi := m.file(rel)
		if fi == nil {
			problem("%s: the manifest names no such file", rel)
			continue
		}
		rows[t.Name] = fi.Rows
		var sum string
		var size int64
		var err error
		if t.Name == Open.Name {
			sum, size = cur.openSum, cur.openSize
			if sum == "" {
				err = fs.ErrNotExist
			}
		} else if quick {
			if size, err = l.storage().size(context.Background(), rel); err == nil {
				sum = fi.SHA256 // not hashed
			}
		} else {
			sum, size, err = l.objectSHA256(context.Background(), rel)
		}
		switch {
		case errors.Is(err, fs.ErrNotExist):
			problem("%s is missing", rel)
			continue
		case err != nil:
			problem("%s: %v", rel, err)
			continue
		case quick && size != fi.Size:
			problem("%s is not the file the run wrote: %d bytes, the manifest says %d bytes (a run stopped while putting its files in place?)",
				rel, size, fi.Size)
		case size != fi.Size || sum != fi.SHA256:
			problem("%s is not the file the run wrote: %d bytes, sha256 %s, the manifest says %d bytes, sha256 %s (a run stopped while putting its files in place?)",
				rel, size, short(sum), fi.Size, short(fi.SHA256))
		}
		n, err := l.objectRows(rel)
		switch {
		case err != nil:
			problem("%s: not a readable Parquet file: %v", rel, err)
		case n != fi.Rows:
			problem("%s has %d rows, the manifest says %d", rel, n, fi.Rows)
		}
	}
	c := m.Counts
	skipped, imported := c.Skipped, c.Imported
	var skippedByKind int64
	hasKinds := false
	for k, v := range c.Other {
		if strings.HasPrefix(k, "skipped_") {
			skippedByKind += v
			hasKinds = true
		}
	}
	// Manifests written before Skipped and Imported had fields of their
	// own hold them in Other only.
	if skipped == 0 {
		skipped = skippedByKind
	}
	if v, ok := c.Other["imported_bills"]; ok && imported == 0 {
		imported = v
	}
	if hasKinds && skippedByKind != skipped {
		problem("counts: skipped %d, but the skipped_ counters add up to %d", skipped, skippedByKind)
	}
	legacy := c
	legacy.Skipped, legacy.Imported = skipped, imported
	if n := legacy.Unaccounted(); n != 0 {
		problem("counts do not balance: %d records read, but %d events + %d duplicates + %d rejects + %d skipped + %d imported = %d",
			c.Records, c.Events, c.Duplicates, c.Rejects, skipped, imported, c.Records-n)
	}
	for _, f := range []struct {
		name  string
		count int64
		table string
	}{{"bills", c.Bills, Bills.Name}, {"open_rows", c.OpenRows, Open.Name}, {"rejects", c.Rejects, Rejects.Name}} {
		if n, ok := rows[f.table]; ok && n != f.count {
			problem("counts: %s %d, but %s has %d rows", f.name, f.count, l.Rel(f.table, day), n)
		}
	}
	if n := sumValues(c.BillsByType); n != c.Bills {
		problem("counts: bills %d, but bills_by_type adds up to %d", c.Bills, n)
	}
	if n := sumValues(c.RejectsByReason); n != c.Rejects {
		problem("counts: rejects %d, but rejects_by_reason adds up to %d", c.Rejects, n)
	}
	if imported > c.Bills {
		problem("counts: %d imported bills, more than the %d bills", imported, c.Bills)
	}
	// The open table carried in is the one of the day before (same
	// SHA-256): then their row counts agree too.
	if ci := m.CarriedIn; ci != nil && prev != nil && prev.manifest != nil && prev.openSum == ci.SHA256 {
		if fi := prev.manifest.file(l.Rel(Open.Name, prev.day)); fi != nil && int64(ci.Rows) != fi.Rows {
			problem("carried in %d open rows of %s, whose open table has %d", ci.Rows, prev.day, fi.Rows)
		}
	}
}

// verifyInputs adds to r the inputs that changed since the run, and notes
// those that are gone.
func verifyInputs(r *DayReport, m *Manifest) {
	for _, in := range m.Inputs {
		sum, size, err := ingest.InputSHA256(context.Background(), in.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			r.Notes = append(r.Notes, fmt.Sprintf("input %s is gone: its sha256 cannot be checked", in.Path))
		case err != nil:
			r.Problems = append(r.Problems, fmt.Sprintf("input %s: %v", in.Path, err))
		case size != in.Size || sum != in.SHA256:
			r.Problems = append(r.Problems, fmt.Sprintf("input %s changed since the run: %d bytes, sha256 %s, the manifest says %d bytes, sha256 %s; ingest %s again",
				in.Path, size, short(sum), in.Size, short(in.SHA256), r.Day))
		}
	}
}

// file is the manifest's entry for the file rel (see Lake.Rel), or nil.
func (m *Manifest) file(rel string) *FileInfo {
	for i := range m.Files {
		if m.Files[i].Path == rel {
			return &m.Files[i]
		}
	}
	return nil
}

// allDays lists the days that have a manifest or a file of any table.
func (l *Lake) allDays() ([]billing.Date, error) {
	days, err := l.Days()
	if err != nil {
		return nil, err
	}
	for _, t := range Tables() {
		fileDays, err := l.FileDays(t.Name)
		if err != nil {
			return nil, err
		}
		for _, day := range fileDays {
			if !slices.Contains(days, day) {
				days = append(days, day)
			}
		}
	}
	slices.SortFunc(days, billing.Date.Compare)
	return days, nil
}

// dayDir is a folder that holds a file of a day, and the file's name.
type dayDir struct{ path, name string }

func (l *Lake) dayDirs(day billing.Date) []dayDir {
	dirs := []dayDir{{l.runsDir(), day.String() + ".json"}}
	for _, t := range Tables() {
		p := l.Rel(t.Name, day)
		dirs = append(dirs, dayDir{path.Dir(p), path.Base(p)})
	}
	return dirs
}

// countTemps counts the temporary files of name in the folder dir among
// temps, the lake's leftovers.
func countTemps(temps []string, dir, name string) int {
	n := 0
	for _, t := range temps {
		if strings.HasPrefix(t, dir+"/."+name+tempMark) {
			n++
		}
	}
	return n
}

// maxFooter bounds the Parquet footer parquetRows reads.
const maxFooter = 64 << 20

// parquetRows reads the row count of a Parquet file from its footer, and
// checks that the row groups add up to it.
func parquetRows(path string) (int64, error) {
	o, err := dirStorage{dir: filepath.Dir(path)}.open(context.Background(), filepath.Base(path))
	if err != nil {
		return 0, err
	}
	defer o.Close()
	return footerRows(o)
}

// objectRows is parquetRows of the lake's object name.
func (l *Lake) objectRows(name string) (int64, error) {
	o, err := l.storage().open(context.Background(), name)
	if err != nil {
		return 0, err
	}
	defer o.Close()
	return footerRows(o)
}

func footerRows(o object) (int64, error) {
	meta, err := footerOf(o)
	if err != nil {
		return 0, err
	}
	var sum int64
	for _, g := range meta.RowGroups {
		sum += g.NumRows
	}
	if sum != meta.NumRows {
		return 0, fmt.Errorf("row groups hold %d rows, the footer says %d", sum, meta.NumRows)
	}
	return meta.NumRows, nil
}

// readFooter reads the metadata of a Parquet file.
func readFooter(path string) (*parquet.FileMetaData, error) {
	o, err := dirStorage{dir: filepath.Dir(path)}.open(context.Background(), filepath.Base(path))
	if err != nil {
		return nil, err
	}
	defer o.Close()
	return footerOf(o)
}

// footerOf reads the metadata of the Parquet file o.
func footerOf(f object) (*parquet.FileMetaData, error) {
	size := f.Size()
	if size < int64(2*len(parquetMagic)+4) {
		return nil, fmt.Errorf("%d bytes, too short", size)
	}
	head := make([]byte, len(parquetMagic))
	tail := make([]byte, 4+len(parquetMagic))
	if _, err := f.ReadAt(head, 0); err != nil {
		return nil, err
	}
	if _, err := f.ReadAt(tail, size-int64(len(tail))); err != nil {
		return nil, err
	}
	if !bytes.Equal(head, parquetMagic) || !bytes.Equal(tail[4:], parquetMagic) {
		return nil, errors.New("no PAR1 mark at the start or the end")
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n > maxFooter || n > size-int64(len(head)+len(tail)) {
		return nil, fmt.Errorf("footer of %d bytes in a file of %d", n, size)
	}
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, size-int64(len(tail))-n); err != nil {
		return nil, err
	}
	var meta parquet.FileMetaData
	d := thrift.NewTDeserializer()
	d.Protocol = thrift.NewTCompactProtocolConf(d.Transport, nil)
	if err := d.Read(context.Background(), &meta, buf); err != nil {
		return nil, fmt.Errorf("footer: %w", err)
	}
	return &meta, nil
}

func sumValues(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// short is the first 12 hex digits of a checksum, enough to tell two apart.
func short(sum string) string {
	if len(sum) > 12 {
		return sum[:12] + "…"
	}
	return sum
}
