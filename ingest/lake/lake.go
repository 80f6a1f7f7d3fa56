package lake

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
)

// Lake is a folder of Parquet tables partitioned by site-zone day:
//
//	Dir/bills/date=D/bills.parquet
//	Dir/open/date=D/open.parquet
//	Dir/rejects/date=D/rejects.parquet
//	Dir/runs/D.json
//
// Location is the site zone, for the *_local columns and the manifest.
// Version and Build name the program in the created_by field of every
// Parquet file it writes: "agentbill version 1.4.0 (build 3f2c1d9)"; an
// empty Version is "dev", an empty Build is left out.
//
// With Site set, every table gains a site level above the day, so that the
// sites of one operator share one lake root, each touching only its own
// partitions:
//
//	Dir/bills/site=S/date=D/bills.parquet
//	Dir/runs/site=S/D.json
//
// A Lake made with Open may live in a bucket instead of a folder; Dir is
// then empty and String names the bucket.
type Lake struct {
	Dir      string
	Location *time.Location
	Version  string
	Build    string
	Site     string
	store    storage // nil: the folder Dir
	held     *Lock   // the writer lock this Lake value holds, if any
}

var errWriterClosed = errors.New("lake: writer closed")

const runsFolder = "runs"

// storage is where the lake's objects live.
func (l *Lake) storage() storage {
	if l.store == nil {
		return dirStorage{dir: l.Dir}
	}
	return l.store
}

// String names the lake: its folder, or its bucket URL.
func (l *Lake) String() string { return l.storage().String() }

// Local reports whether the lake is a folder on the local disk, whose
// files readers such as DuckDB can open by path.
func (l *Lake) Local() bool { return l.storage().localPath("") != "" }

// Close releases the connections of a lake in a bucket.
func (l *Lake) Close() error { return l.storage().Close() }

// sitePart is the site level of the partitions, "" without a site.
func (l *Lake) sitePart() string {
	if l.Site == "" {
		return ""
	}
	return "site=" + l.Site
}

// tableDir is the folder of a table's day partitions.
func (l *Lake) tableDir(table string) string {
	return path.Join(table, l.sitePart())
}

// Rel is the name of a table's file for day, relative to the lake root,
// as the manifest records it.
func (l *Lake) Rel(table string, day billing.Date) string {
	return path.Join(l.tableDir(table), "date="+day.String(), table+".parquet")
}

// Path is the file of table for day: a local path, or for a lake in a
// bucket the object's URL.
func (l *Lake) Path(table string, day billing.Date) string {
	return l.storage().where(l.Rel(table, day))
}

// runsDir is the folder of the manifests and journals.
func (l *Lake) runsDir() string { return path.Join(runsFolder, l.sitePart()) }

func (l *Lake) manifestName(day billing.Date) string {
	return path.Join(l.runsDir(), day.String()+".json")
}

func (l *Lake) manifestPath(day billing.Date) string {
	return l.storage().where(l.manifestName(day))
}

func (l *Lake) location() *time.Location {
	if l.Location == nil {
		return time.UTC
	}
	return l.Location
}

// Files lists the files of table that exist, by day (see Path).
func (l *Lake) Files(table string) ([]string, error) {
	days, err := l.FileDays(table)
	if err != nil {
		return nil, err
	}
	files := make([]string, len(days))
	for i, d := range days {
		files[i] = l.Path(table, d)
	}
	return files, nil
}

// FileDays lists the days that have a file of table, in order.
func (l *Lake) FileDays(table string) ([]billing.Date, error) {
	names, err := l.storage().walk(context.Background(), l.tableDir(table))
	if err != nil {
		return nil, err
	}
	var days []billing.Date
	for _, n := range names { // sorted, so by day
		d, ok := strings.CutPrefix(n, "date=")
		if !ok {
			continue
		}
		d, ok = strings.CutSuffix(d, "/"+table+".parquet")
		if !ok {
			continue
		}
		if day, err := billing.ParseDate(d); err == nil && day.String() == d {
			days = append(days, day)
		}
	}
	return days, nil
}

// Days lists the days that have a manifest, in order.
func (l *Lake) Days() ([]billing.Date, error) { return l.runFiles(".json") }

// runFiles lists the days that have a file D+suffix in the runs folder,
// in order.
func (l *Lake) runFiles(suffix string) ([]billing.Date, error) {
	entries, err := l.storage().list(context.Background(), l.runsDir())
	if err != nil {
		return nil, err
	}
	var days []billing.Date
	for _, e := range entries {
		d, ok := strings.CutSuffix(e.Name, suffix)
		if !ok || e.Dir {
			continue
		}
		day, err := billing.ParseDate(d)
		if err != nil || day.String() != d {
			continue
		}
		days = append(days, day)
	}
	slices.SortFunc(days, billing.Date.Compare)
	return days, nil
}

// StaleSuccessors lists the days after day that have a manifest: they were
// built on a carried state that a new run of day changes.
func (l *Lake) StaleSuccessors(day billing.Date) ([]billing.Date, error) {
	days, err := l.Days()
	if err != nil {
		return nil, err
	}
	var after []billing.Date
	for _, d := range days {
		if day.Before(d) {
			after = append(after, d)
		}
	}
	return after, nil
}

// WriteDay writes the bills, open spans and rejects of day and then its
// manifest, replacing what the day had and nothing else. Each file is
// written under a temporary name in its folder, synced and renamed into
// place; the manifest goes last. If ctx is cancelled or anything fails
// before the files are renamed, the temporary files are removed and the
// day's previous files stay as they were. Rows are written in the order
// given. WriteDay fills in m.Files (and m.Date and m.Timezone when empty).
func (l *Lake) WriteDay(ctx context.Context, day billing.Date, bills []billing.Bill, open []billing.OpenSpan, rejects []ingest.Reject, m Manifest) error {
	dw, err := l.CreateDay(ctx, day)
	if err != nil {
		return err
	}
	defer dw.Abort()
	for i := range bills {
		if err := dw.WriteBill(&bills[i]); err != nil {
			return err
		}
	}
	return dw.Commit(open, rejects, m)
}

// DayWriter writes one day into the lake: bills stream in through
// WriteBill, or come encoded in blocks through WriteBlock, and Commit
// writes the rest and puts everything in place. Abort (deferred) removes
// what a failed or abandoned write left. A DayWriter is not safe for use by
// several goroutines; one day has one writer at a time.
type DayWriter struct {
	lake  *Lake
	ctx   context.Context
	day   billing.Date
	bills *atomicFile
	bw    *BillWriter
	temps []*atomicFile
	done  bool
	own   *Lock // the lock CreateDay took for this write; nil when the caller holds one
	// journaled is set once the commit journal names the temporary files.
	journaled bool
}

// ctxCheckRows is how often WriteBill looks at the context.
const ctxCheckRows = 4096

// CreateDay starts writing day. It needs the lake's writer lock: when l
// does not hold it (see Lock), CreateDay takes it until Commit or Abort,
// and fails with ErrBusy when another process holds it. Taking the lock
// finishes a half-done commit and removes what stopped writers left.
func (l *Lake) CreateDay(ctx context.Context, day billing.Date) (*DayWriter, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var own *Lock
	if l.held == nil {
		var err error
		if own, err = l.Lock(Holder{Command: "write day", Day: day.String()}); err != nil {
			return nil, err
		}
	}
	f, err := createAtomic(ctx, l.storage(), l.Rel(Bills.Name, day))
	if err != nil {
		own.Unlock()
		return nil, err
	}
	dw := &DayWriter{lake: l, ctx: ctx, day: day, bills: f, temps: []*atomicFile{f}, own: own}
	dw.bw = newBillWriter(f, l.location(), createdBy(l.Version, l.Build))
	return dw, nil
}

// WriteBill adds one bill to the day's bills.
func (d *DayWriter) WriteBill(b *billing.Bill) error {
	if d.done {
		return errWriterClosed
	}
	if d.bw.Rows()%ctxCheckRows == 0 {
		if err := d.ctx.Err(); err != nil {
			return err
		}
	}
	if err := d.bw.Write(b); err != nil {
		return fmt.Errorf("write bills of %s: %w", d.day, err)
	}
	return nil
}

// Commit writes the open spans, the rejects and the manifest, and renames
// every file into place. It can be called once; after a failure, Abort
// clears up.
func (d *DayWriter) Commit(open []billing.OpenSpan, rejects []ingest.Reject, m Manifest) error {
	if d.done {
		return errWriterClosed
	}
	d.done = true
	l := d.lake
	switch {
	case m.Date == "":
		m.Date = d.day.String()
	case m.Date != d.day.String():
		return fmt.Errorf("manifest of %s says date %s", d.day, m.Date)
	}
	if m.Timezone == "" {
		m.Timezone = l.location().String()
	}
	m.Counts.normalize()
	if m.Inputs == nil {
		m.Inputs = []InputFile{}
	}

	if err := d.bw.Close(); err != nil {
		return fmt.Errorf("write bills of %s: %w", d.day, err)
	}
	stageHook("bills-encoded")
	// The bills' sync, the two small tables and the manifest's file go at
	// once: each waits on its own fsync (or upload), and those waits, not
	// the encoding, are most of a commit's time.
	var (
		wg                   sync.WaitGroup
		billsErr, mfErr      error
		openFile, rejectFile *atomicFile
		openErr, rejectErr   error
		mf                   *atomicFile
	)
	wg.Go(func() { billsErr = d.bills.finish() })
	wg.Go(func() {
		openFile, openErr = d.writeTable(Open, func(t *tableWriter) error {
			clock := newWallClock(l.location())
			for i := range open {
				putOpen(t.cols, clock, &open[i])
				if err := t.endRow(); err != nil {
					return err
				}
			}
			return nil
		})
	})
	wg.Go(func() {
		rejectFile, rejectErr = d.writeTable(Rejects, func(t *tableWriter) error {
			for i := range rejects {
				putReject(t.cols, &rejects[i])
				if err := t.endRow(); err != nil {
					return err
				}
			}
			return nil
		})
	})
	wg.Go(func() { mf, mfErr = createAtomic(d.ctx, l.storage(), l.manifestName(d.day)) })
	wg.Wait()
	for _, f := range []*atomicFile{openFile, rejectFile, mf} {
		if f != nil {
			d.temps = append(d.temps, f)
		}
	}
	if billsErr != nil {
		return fmt.Errorf("write bills of %s: %w", d.day, billsErr)
	}
	if err := cmp.Or(openErr, rejectErr, mfErr); err != nil {
		return err
	}
	stageHook("tables-synced")

	m.Files = nil
	for _, f := range []struct {
		table string
		file  *atomicFile
		rows  int64
	}{
		{Bills.Name, d.bills, d.bw.Rows()},
		{Open.Name, openFile, int64(len(open))},
		{Rejects.Name, rejectFile, int64(len(rejects))},
	} {
		m.Files = append(m.Files, FileInfo{Path: l.Rel(f.table, d.day), Rows: f.rows, Size: f.file.size, SHA256: f.file.sum()})
	}
	data, err := encodeManifest(&m)
	if err != nil {
		return fmt.Errorf("encode manifest of %s: %w", d.day, err)
	}
	if l.Site != "" && m.Site == "" {
		m.Site = l.Site
	}
	if _, err := mf.Write(data); err != nil {
		return fmt.Errorf("write manifest of %s: %w", d.day, err)
	}
	if err := mf.finish(); err != nil {
		return fmt.Errorf("write manifest of %s: %w", d.day, err)
	}

	// The last chance to stop: from here on the files go into place.
	if err := d.ctx.Err(); err != nil {
		return err
	}
	if err := l.checkLock(); err != nil {
		return err
	}
	files := []*atomicFile{d.bills, openFile, rejectFile, mf}
	if err := l.writeJournal(d.ctx, d.day, files); err != nil {
		return fmt.Errorf("write the commit journal of %s: %w", d.day, err)
	}
	// From here the journal names the temporary files: they stay for the
	// next writer to put in place, whatever happens.
	d.journaled = true
	stageHook("journal written")
	// The tables go into place at once, each in a folder of its own; the
	// manifest, which says the day is there, after them.
	errs := make([]error, len(files))
	put := func(i int) error {
		f := files[i]
		if err := f.commit(context.WithoutCancel(d.ctx)); err != nil {
			return fmt.Errorf("put %s in place: %w", l.storage().where(f.final), err)
		}
		return nil
	}
	last := len(files) - 1
	for i := range last {
		wg.Go(func() { errs[i] = put(i) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for _, f := range files[:last] {
		stageHook("renamed " + path.Base(f.final))
	}
	if err := put(last); err != nil {
		return err
	}
	stageHook("renamed " + path.Base(files[last].final))
	if err := l.removeJournal(context.WithoutCancel(d.ctx), d.day); err != nil {
		return fmt.Errorf("end the commit of %s: %w", d.day, err)
	}
	d.own.Unlock()
	d.own = nil
	return nil
}

// writeTable writes one whole table of the day to its temporary file. It
// returns the file whenever it made one, for the caller to keep among the
// day's temporary files, even with an error.
func (d *DayWriter) writeTable(t Table, put func(*tableWriter) error) (*atomicFile, error) {
	if err := d.ctx.Err(); err != nil {
		return nil, err
	}
	f, err := createAtomic(d.ctx, d.lake.storage(), d.lake.Rel(t.Name, d.day))
	if err != nil {
		return nil, fmt.Errorf("write %s of %s: %w", t.Name, d.day, err)
	}
	tw := newTableWriter(f, t, createdBy(d.lake.Version, d.lake.Build))
	if err := put(tw); err != nil {
		tw.wait() // nothing may write to f once it is returned
		return f, fmt.Errorf("write %s of %s: %w", t.Name, d.day, err)
	}
	if err := tw.close(); err != nil {
		return f, fmt.Errorf("write %s of %s: %w", t.Name, d.day, err)
	}
	if err := f.finish(); err != nil {
		return f, fmt.Errorf("write %s of %s: %w", t.Name, d.day, err)
	}
	return f, nil
}

// Abort removes the temporary files of a write that did not commit. After
// Commit succeeded it does nothing.
func (d *DayWriter) Abort() {
	d.bw.t.wait() // the background encoding may still write to the file
	for _, f := range d.temps {
		if d.journaled {
			f.temp.release()
		} else {
			f.abort()
		}
	}
	d.temps = nil
	d.done = true
	d.own.Unlock()
	d.own = nil
}

// stageHook lets the crash test stop a writer at each stage. Every stage
// is reached on the committing goroutine, never from the writes it runs
// at once.
var stageHook = func(stage string) {}
