package ingest

import (
	"slices"
	"strings"
	"time"

	"github.com/agentbill/agentbill/billing"
)

// HourPlaceholder stands, in an input pattern, for the UTC hour folders
// YYYY/MM/DD/HH that Amazon Kinesis Data Firehose writes an Amazon Connect
// stream into (by the hour a record arrived, in UTC).
const HourPlaceholder = "{utc_hour}"

// hourLayout is how an hour folder is named.
const hourLayout = "2006/01/02/15"

// LateHours is how many UTC hours after the end of a site-zone day its
// records may still arrive in: Firehose files a record by its arrival, up
// to its buffer interval (at most 15 minutes) after the event.
const LateHours = 1

// UTCHours are the UTC hour folders (YYYY/MM/DD/HH) that may hold records
// of site-zone day d: every hour that overlaps [d 00:00, d+1 00:00) on the
// site clock, and the LateHours after it. A site zone with a quarter-hour
// offset (Asia/Kathmandu) touches 25 of them, a DST day 24 or 26 more or
// less; the records of other days they hold belong to those days' runs.
func UTCHours(d billing.Date, loc *time.Location) []string {
	start, end := d.Bounds(loc)
	var hours []string
	for h := start.UTC().Truncate(time.Hour); h.Before(end.Add(LateHours * time.Hour)); h = h.Add(time.Hour) {
		hours = append(hours, h.Format(hourLayout))
	}
	return hours
}

// ExpandHours returns pattern once for each of d's UTC hours (UTCHours),
// with HourPlaceholder replaced by the hour's folder; a pattern without it
// is returned as it is.
func ExpandHours(pattern string, d billing.Date, loc *time.Location) []string {
	if !strings.Contains(pattern, HourPlaceholder) {
		return []string{pattern}
	}
	hours := UTCHours(d, loc)
	out := make([]string, len(hours))
	for i, h := range hours {
		out[i] = strings.ReplaceAll(pattern, HourPlaceholder, h)
	}
	return out
}

// SelectHours returns, in order, the names (paths or object keys, with '/'
// between folders) that lie in one of d's UTC hour folders: those with a
// YYYY/MM/DD/HH/ part that UTCHours names. It is how a listing of a whole
// stream (a folder walk, or a bucket's keys under a prefix) is cut down to
// what a day's run reads.
func SelectHours(names []string, d billing.Date, loc *time.Location) []string {
	hours := UTCHours(d, loc)
	var out []string
	for _, name := range names {
		parts := strings.Split(name, "/")
		for i := 0; i+4 < len(parts); i++ {
			if len(parts[i]) == 4 && len(parts[i+1]) == 2 && len(parts[i+2]) == 2 && len(parts[i+3]) == 2 &&
				slices.Contains(hours, parts[i]+"/"+parts[i+1]+"/"+parts[i+2]+"/"+parts[i+3]) {
				out = append(out, name)
				break
			}
		}
	}
	return out
}
