package reports

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest/lake"
)

// Labels are the site's names for reason codes, laid over the seed's. It
// has the shape of config.LabelsConfig, so reports.Labels(cfg.Labels)
// converts one.
type Labels struct {
	Rest   map[int]string // type-26 rest reasons
	Busy   map[int]string // type-3 busy reasons (the site's are 200..250)
	Logout map[int]string // type-0 client logout causes 1..255
}

// The kinds of the labels table.
const (
	LabelRest   = "rest"
	LabelBusy   = "busy"
	LabelLogout = "logout"
)

// Label is one row of the labels table a report reads.
type Label struct {
	Kind  string // LabelRest, LabelBusy or LabelLogout
	Code  int
	Label string
}

// Table returns the labels the reports see, by kind and code: the seed's
// (busy 1..7, logout 256..264) with the site's laid over them.
func (l Labels) Table() []Label {
	type key struct {
		kind string
		code int
	}
	labels := map[key]string{}
	for code := 0; code <= billing.USNoUse; code++ {
		if s := billing.BusyCauseLabel(code); s != "" {
			labels[key{LabelBusy, code}] = s
		}
		if s := billing.LogoutCauseLabel(code); s != "" {
			labels[key{LabelLogout, code}] = s
		}
	}
	for _, site := range []struct {
		kind   string
		labels map[int]string
	}{{LabelRest, l.Rest}, {LabelBusy, l.Busy}, {LabelLogout, l.Logout}} {
		for code, s := range site.labels {
			labels[key{site.kind, code}] = s
		}
	}
	table := make([]Label, 0, len(labels))
	for k, s := range labels {
		table = append(table, Label{Kind: k.kind, Code: k.code, Label: s})
	}
	slices.SortFunc(table, func(a, b Label) int {
		return cmp.Or(strings.Compare(a.Kind, b.Kind), cmp.Compare(a.Code, b.Code))
	})
	return table
}

// Day is one site-zone day of a report with its bounds as UTC instants.
type Day struct {
	Day        billing.Date
	Start, End time.Time // [Start, End): local 00:00 and the next day's
}

// Days lists the site-zone days of [from, to) with their bounds: 23 or 25
// hours long on the days the clock changes.
func Days(from, to billing.Date, loc *time.Location) []Day {
	var days []Day
	for d := from; d.Before(to); d = d.Next() {
		start, end := d.Bounds(loc)
		days = append(days, Day{Day: d, Start: start, End: end})
	}
	return days
}

// Statements that set up what a report reads, on one connection. Values
// are always bound, never written into the text.
const (
	createDays   = `CREATE OR REPLACE TEMP TABLE report_days (day DATE, day_start TIMESTAMP, day_end TIMESTAMP)`
	insertDay    = `INSERT INTO report_days VALUES (CAST(? AS DATE), ?, ?)`
	createLabels = `CREATE OR REPLACE TEMP TABLE labels (kind VARCHAR, code INTEGER, label VARCHAR)`
	insertLabel  = `INSERT INTO labels VALUES (?, ?, ?)`
	setOpenDate  = `SET VARIABLE open_date = CAST(? AS DATE)`
)

// windowVariables are set from report_days: constants, unlike a subquery,
// let DuckDB skip the partitions and row groups a report cannot need.
var windowVariables = []string{
	`SET VARIABLE report_from = (SELECT min(day) FROM report_days)`,
	`SET VARIABLE report_start = (SELECT min(day_start) FROM report_days)`,
	`SET VARIABLE report_end = (SELECT max(day_end) FROM report_days)`,
}

// setUp creates report_days and labels and sets the variables on conn.
// openDate is the lake's most recent day; nil when the lake has none.
func setUp(ctx context.Context, conn *sql.Conn, days []Day, labels []Label, openDate *billing.Date) error {
	if _, err := conn.ExecContext(ctx, createDays); err != nil {
		return err
	}
	if err := insertRows(ctx, conn, insertDay, len(days), func(i int) []any {
		return []any{days[i].Day.String(), days[i].Start.UTC(), days[i].End.UTC()}
	}); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, createLabels); err != nil {
		return err
	}
	if err := insertRows(ctx, conn, insertLabel, len(labels), func(i int) []any {
		return []any{labels[i].Kind, labels[i].Code, labels[i].Label}
	}); err != nil {
		return err
	}
	var open any
	if openDate != nil {
		open = openDate.String()
	}
	if _, err := conn.ExecContext(ctx, setOpenDate, open); err != nil {
		return err
	}
	for _, q := range windowVariables {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// insertRows runs the prepared statement q once for each of n rows.
func insertRows(ctx context.Context, conn *sql.Conn, q string, n int, row func(int) []any) error {
	stmt, err := conn.PrepareContext(ctx, q)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for i := range n {
		if _, err := stmt.ExecContext(ctx, row(i)...); err != nil {
			return err
		}
	}
	return nil
}

// LastDay returns the most recent day of the lake in dir: the latest day
// with an open table, whose open rows are what no run has billed yet. ok
// is false for a lake with none.
func LastDay(dir string) (day billing.Date, ok bool, err error) {
	files, err := (&lake.Lake{Dir: dir}).Files(lake.Open.Name)
	if err != nil {
		return day, false, err
	}
	for _, f := range files {
		d, found := strings.CutPrefix(filepath.Base(filepath.Dir(f)), "date=")
		if !found {
			continue
		}
		parsed, err := billing.ParseDate(d)
		if err != nil {
			return day, false, fmt.Errorf("open table %s: %w", f, err)
		}
		if !ok || day.Before(parsed) {
			day, ok = parsed, true
		}
	}
	return day, ok, nil
}
