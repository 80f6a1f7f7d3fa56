package reports

import (
	"bytes"
	"context"
	"database/sql"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

func memDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", duckDBOptions)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// sampleQuery has NULLs, text that needs quoting, a TIMESTAMP with
// microseconds, a DATE, and numbers.
const sampleQuery = `SELECT * FROM (VALUES
	(1, 'agent-001', TIMESTAMP '2024-03-10 09:58:12.345678', DATE '2024-03-10', 2.5::DOUBLE, true),
	(22, 'エージェント7, "x"', TIMESTAMP '2024-03-10 10:00:00', NULL, NULL, false),
	(NULL, NULL, NULL, DATE '2024-03-11', -0.125::DOUBLE, NULL),
	(4, 'two
lines', TIMESTAMP '1999-12-31 23:59:59.000001', DATE '1999-12-31', 1e20::DOUBLE, true)
) AS t(n, agent, ts, day, x, ok) ORDER BY n NULLS LAST`

func TestQuery(t *testing.T) {
	db := memDB(t)
	tests := []struct {
		format string
		want   string
	}{
		{FormatCSV, `n,agent,ts,day,x,ok
1,agent-001,2024-03-10 09:58:12.345678,2024-03-10,2.5,true
4,"two
lines",1999-12-31 23:59:59.000001,1999-12-31,100000000000000000000,true
22,"エージェント7, ""x""",2024-03-10 10:00:00.000000,,,false
,,,2024-03-11,-0.125,
`},
		{FormatJSON, `{"n":1,"agent":"agent-001","ts":"2024-03-10 09:58:12.345678","day":"2024-03-10","x":2.5,"ok":true}
{"n":4,"agent":"two\nlines","ts":"1999-12-31 23:59:59.000001","day":"1999-12-31","x":1e+20,"ok":true}
{"n":22,"agent":"エージェント7, \"x\"","ts":"2024-03-10 10:00:00.000000","day":null,"x":null,"ok":false}
{"n":null,"agent":null,"ts":null,"day":"2024-03-11","x":-0.125,"ok":null}
`},
		{FormatTable, `   n  agent               ts                          day                             x  ok
----  ------------------  --------------------------  ----------  ---------------------  -----
   1  agent-001           2024-03-10 09:58:12.345678  2024-03-10                    2.5  true
   4  two\nlines          1999-12-31 23:59:59.000001  1999-12-31  100000000000000000000  true
  22  エージェント7, "x"  2024-03-10 10:00:00.000000  NULL                         NULL  false
NULL  NULL                NULL                        2024-03-11                 -0.125  NULL
(4 rows)
`},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			var out bytes.Buffer
			if err := Query(context.Background(), db, sampleQuery, tt.format, &out); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestQueryOtherTypes(t *testing.T) {
	db := memDB(t)
	const q = `SELECT 12.50::DECIMAL(6,2) AS dec, INTERVAL '1 day 2 hours' AS iv,
		[1, 2] AS list, {'a': 1, 'b': 'x'} AS rec, '\x00ab'::BLOB AS blob,
		'7e1b9a35-0f3c-4d62-9f77-0123456789ab'::UUID AS id, 170141183460469231731687303715884105727::HUGEINT AS big`
	tests := []struct {
		format string
		want   string
	}{
		{FormatCSV, `dec,iv,list,rec,blob,id,big
12.5,1 day 02:00:00,"[1,2]","{""a"":1,""b"":""x""}",\x00ab,7e1b9a35-0f3c-4d62-9f77-0123456789ab,170141183460469231731687303715884105727
`},
		{FormatJSON, `{"dec":12.5,"iv":"1 day 02:00:00","list":[1,2],"rec":{"a":1,"b":"x"},"blob":"\\x00ab","id":"7e1b9a35-0f3c-4d62-9f77-0123456789ab","big":170141183460469231731687303715884105727}
`},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			var out bytes.Buffer
			if err := Query(context.Background(), db, q, tt.format, &out); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestQueryErrors(t *testing.T) {
	db := memDB(t)
	tests := []struct {
		name, query, format, want string
	}{
		{"unknown format", "SELECT 1", "xml", `unknown output format "xml"`},
		{"bad SQL", "SELEC 1", FormatCSV, "syntax error"},
		{"cancelled", "SELECT 1", FormatCSV, "context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.name == "cancelled" {
				cancel()
			}
			var out bytes.Buffer
			err := Query(ctx, db, tt.query, tt.format, &out)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}
