package ingest

import (
	"fmt"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
)

func TestUTCHours(t *testing.T) {
	day := billing.Date{Year: 2026, Month: time.March, Day: 8}
	for _, tt := range []struct {
		zone        string
		day         billing.Date
		n           int
		first, last string
	}{
		{"UTC", day, 25, "2026/03/08/00", "2026/03/09/00"},
		{"Asia/Kathmandu", day, 26, "2026/03/07/18", "2026/03/08/19"},
		{"America/New_York", day, 24, "2026/03/08/05", "2026/03/09/04"}, // spring forward: 23 hours
		{"America/New_York", billing.Date{Year: 2026, Month: time.November, Day: 1}, 26, "2026/11/01/04", "2026/11/02/05"},
	} {
		t.Run(tt.zone, func(t *testing.T) {
			loc, err := time.LoadLocation(tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			h := UTCHours(tt.day, loc)
			if len(h) != tt.n || h[0] != tt.first || h[len(h)-1] != tt.last {
				t.Errorf("%d hours %s..%s, want %d %s..%s", len(h), h[0], h[len(h)-1], tt.n, tt.first, tt.last)
			}
		})
	}
}

func TestExpandAndSelectHours(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Kathmandu")
	day := billing.Date{Year: 2026, Month: time.November, Day: 20}
	got := ExpandHours("/data/connect/{utc_hour}/*", day, loc)
	if len(got) != 26 || got[0] != "/data/connect/2026/11/19/18/*" {
		t.Errorf("ExpandHours: %d, %v", len(got), got[:1])
	}
	if got := ExpandHours("/data/{date}.jsonl", day, loc); fmt.Sprint(got) != "[/data/{date}.jsonl]" {
		t.Errorf("no placeholder: %v", got)
	}
	names := []string{
		"s3-prefix/2026/11/19/17/stream-1",
		"s3-prefix/2026/11/19/18/stream-1",
		"s3-prefix/2026/11/20/12/stream-2.gz",
		"s3-prefix/2026/11/20/19/stream-3",
		"s3-prefix/2026/11/20/20/stream-4",
		"other/2026-11-20.jsonl",
	}
	want := "[s3-prefix/2026/11/19/18/stream-1 s3-prefix/2026/11/20/12/stream-2.gz s3-prefix/2026/11/20/19/stream-3]"
	if got := SelectHours(names, day, loc); fmt.Sprint(got) != want {
		t.Errorf("SelectHours: %v, want %s", got, want)
	}
}
