package nightly

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/agentbill/agentbill/billing"
)

// DefaultTimeout is how long one run of a job may take when the job does
// not say.
const DefaultTimeout = 2 * time.Hour

// Job is one thing agentbill does by itself: ingest a day, write reports,
// mail them.
type Job struct {
	// Name names the job on the command line, in logs and in the lake's
	// record (LAKE/jobs/NAME.json).
	Name string
	// Schedule is a cron spec of five fields or a descriptor such as
	// @daily, optionally after CRON_TZ=Zone; without a zone it is read on
	// the site clock. Empty means the job only runs when asked
	// (agentbill run).
	Schedule string
	// Ingest bills the logical day into the lake.
	Ingest bool
	// Periods are the spans the reports cover, each ending with the
	// logical day (see Period.Range).
	Periods []Period
	// Reports names the reports to write; empty means all of them.
	Reports []string
	// Out is the folder the report files are written to.
	Out string
	// MailTo are the addresses the reports are mailed to; empty sends none.
	MailTo []string
	// MaxAttachment caps, in bytes, the report files the mail carries
	// (see mail.Digest.MaxAttachment); 0 means no cap.
	MaxAttachment int64
	// Target is the occupancy the mail holds the figures against, 0..1;
	// 0 means none.
	Target float64
	// ChartFont is a font file (TTF, OTF or a collection) that draws the
	// characters of the mail's charts that the Go fonts lack; empty means
	// none.
	ChartFont string
	// Timeout bounds one run (one logical day); 0 means DefaultTimeout.
	Timeout time.Duration
	// AllowIncomplete writes and mails the reports of a period that has
	// days the lake does not hold whole (missing, broken or stale), naming
	// them; without it such a period fails the run.
	AllowIncomplete bool
}

// timeout is the job's time limit for one run.
func (j Job) timeout() time.Duration {
	if j.Timeout > 0 {
		return j.Timeout
	}
	return DefaultTimeout
}

// Does describes in a few words what the job does: "ingest, reports day
// week, mail 2".
func (j Job) Does() string {
	var parts []string
	if j.Ingest {
		parts = append(parts, "ingest")
	}
	if len(j.Periods) > 0 {
		p := "reports"
		for _, period := range j.Periods {
			p += " " + string(period)
		}
		if len(j.Reports) > 0 {
			p += " (" + strings.Join(j.Reports, ",") + ")"
		}
		if j.AllowIncomplete {
			p += " incomplete allowed"
		}
		parts = append(parts, p)
	}
	if len(j.MailTo) > 0 {
		parts = append(parts, fmt.Sprintf("mail %d", len(j.MailTo)))
	}
	return strings.Join(parts, ", ")
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// CheckName refuses a job name that cannot name a file of the lake.
func CheckName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("job name %q: use letters, digits, '_', '.' and '-', beginning with a letter or digit", name)
	}
	return nil
}

// Period is a span of days a job's reports cover.
type Period string

// The periods, each the last one complete on the logical day.
const (
	Day   Period = "day"   // the logical day
	Week  Period = "week"  // Monday to Sunday
	Month Period = "month" // a calendar month
)

// Periods are the periods a job may name, in order.
var Periods = []Period{Day, Week, Month}

// ParsePeriod reads day, week or month.
func ParsePeriod(s string) (Period, error) {
	for _, p := range Periods {
		if string(p) == s {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w %q: want day, week or month", ErrPeriod, s)
}

// Range returns the days [from, to) the period covers for logical day d:
// for Day, d itself; for Week, the last Monday-to-Sunday week that has
// ended by the end of d (the week of d when d is a Sunday, else the week
// before); for Month, the last calendar month that has ended by the end
// of d (d's month when d is its last day, else the month before).
// Schedule a weekly job on Mondays and a monthly one on the 1st, and they
// report the week or month just ended.
func (p Period) Range(d billing.Date) (from, to billing.Date) {
	switch p {
	case Week:
		noon := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
		sunday := d.AddDays(-int(noon.Weekday())) // Sunday is 0
		return sunday.AddDays(-6), sunday.Next()
	case Month:
		end := billing.Date{Year: d.Year, Month: d.Month, Day: 1}
		if d.Next().Day == 1 {
			end = d.Next()
		}
		first := billing.DateOf(time.Date(end.Year, end.Month-1, 1, 12, 0, 0, 0, time.UTC))
		return first, end
	}
	return d, d.Next()
}

// Title names the span of the period for logical day d for people:
// "2026-03-10", "week 2026-03-02 to 2026-03-08", "February 2026".
func (p Period) Title(d billing.Date) string {
	from, to := p.Range(d)
	switch p {
	case Week:
		return fmt.Sprintf("week %s to %s", from, to.AddDays(-1))
	case Month:
		return fmt.Sprintf("%s %04d", from.Month, from.Year)
	}
	return from.String()
}

// LogicalDay is the day a job started at t works on: the site-zone day
// before t's.
func LogicalDay(t time.Time, loc *time.Location) billing.Date {
	return billing.DateIn(t, loc).AddDays(-1)
}

// ParseSchedule reads a cron spec: five fields (minute, hour, day of
// month, month, day of week) or a descriptor (@daily, @weekly, @every 6h),
// optionally after CRON_TZ=Zone (or TZ=Zone). A spec without a zone is
// read on loc's clock, never the host's.
func ParseSchedule(spec string, loc *time.Location) (cron.Schedule, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, errors.New("empty schedule")
	}
	if !strings.HasPrefix(spec, "CRON_TZ=") && !strings.HasPrefix(spec, "TZ=") {
		if loc == nil {
			loc = time.UTC
		}
		spec = "CRON_TZ=" + loc.String() + " " + spec
	}
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", spec, err)
	}
	return s, nil
}

// NextRuns returns the next n times schedule s starts a job after t.
func NextRuns(s cron.Schedule, t time.Time, n int) []time.Time {
	var out []time.Time
	for range n {
		t = s.Next(t)
		if t.IsZero() {
			break
		}
		out = append(out, t)
	}
	return out
}
