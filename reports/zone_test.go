package reports

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
)

// TestDayBoundsMatchDuckDB compares the day bounds Go works out (Days) with
// those DuckDB's own time zones give, over a year of days in zones with a
// fractional offset, summer time, a half-hour change and a change at
// midnight. The reports take Go's, from the zone data the ingest used; a
// report run by hand may take DuckDB's (see the package documentation).
func TestDayBoundsMatchDuckDB(t *testing.T) {
	db, err := sql.Open("duckdb", duckDBOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	from := billing.Date{Year: 2026, Month: time.January, Day: 1}
	to := from.AddDays(365)
	const q = `SELECT (d AT TIME ZONE $1) AT TIME ZONE 'UTC', ((d + INTERVAL 1 DAY) AT TIME ZONE $1) AT TIME ZONE 'UTC'
		FROM range(CAST($2 AS DATE), CAST($3 AS DATE), INTERVAL 1 DAY) t(d) ORDER BY d`
	for _, zone := range []string{"Asia/Kathmandu", "America/New_York", "Europe/London", "Australia/Lord_Howe", "America/Santiago", "Asia/Shanghai"} {
		t.Run(zone, func(t *testing.T) {
			loc, err := time.LoadLocation(zone)
			if err != nil {
				t.Skip(err)
			}
			rows, err := db.QueryContext(context.Background(), q, zone, from.String(), to.String())
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			days := Days(from, to, loc)
			i := 0
			for ; rows.Next(); i++ {
				var start, end time.Time
				if err := rows.Scan(&start, &end); err != nil {
					t.Fatal(err)
				}
				if i >= len(days) {
					t.Fatalf("DuckDB gives more than %d days", len(days))
				}
				if d := days[i]; !d.Start.Equal(start) || !d.End.Equal(end) {
					t.Errorf("%s: Go [%s, %s), DuckDB [%s, %s)", d.Day, d.Start.UTC(), d.End.UTC(), start, end)
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if i != len(days) {
				t.Errorf("DuckDB gives %d days, Go %d", i, len(days))
			}
		})
	}
}
