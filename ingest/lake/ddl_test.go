package lake

import (
	"strings"
	"testing"
)

func TestDDL(t *testing.T) {
	url := "s3://acme-bills/lake?endpoint=http://127.0.0.1:7070&region=eu-west-1&use_path_style=true"
	tests := []struct {
		engine string
		sites  []string
		want   []string
	}{
		{"duckdb", nil, []string{"read_parquet('s3://acme-bills/lake/bills/*/*.parquet', hive_partitioning = true, hive_types = {'date': DATE})",
			"ENDPOINT '127.0.0.1:7070', USE_SSL false", "REGION 'eu-west-1'"}},
		{"duckdb", []string{"ktm", "nyc"}, []string{"'s3://acme-bills/lake/open/*/*/*.parquet'", "{'site': VARCHAR, 'date': DATE}"}},
		{"trino", []string{"ktm"}, []string{"begin_time TIMESTAMP(6)", "agent_id VARCHAR", "op_type INTEGER", "site VARCHAR",
			"external_location = 's3://acme-bills/lake/bills', partitioned_by = ARRAY['site', 'date']", "sync_partition_metadata('default', 'rejects', 'FULL')"}},
		{"spark", nil, []string{"begin_local TIMESTAMP_NTZ", "agent_id STRING", "LOCATION 's3a://acme-bills/lake/bills'", "PARTITIONED BY (`date`)", "MSCK REPAIR TABLE open"}},
		{"athena", []string{"ktm", "nyc"}, []string{"CREATE EXTERNAL TABLE IF NOT EXISTS `bills`", "end_time timestamp", "PARTITIONED BY (site string, `date` string)",
			"'projection.site.values' = 'ktm,nyc'", "'storage.location.template' = 's3://acme-bills/lake/bills/site=${site}/date=${date}/'",
			"'projection.date.range' = '2020-01-01,NOW'"}},
	}
	for _, tt := range tests {
		out, err := DDL(DDLOptions{Engine: tt.engine, Location: url, Sites: tt.sites})
		if err != nil {
			t.Fatalf("%s: %v", tt.engine, err)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s %v: no %q in\n%s", tt.engine, tt.sites, w, out)
			}
		}
		if strings.Contains(out, "127.0.0.1:7070&") || strings.Contains(out, "region=") {
			t.Errorf("%s: the URL's query leaked into table locations", tt.engine)
		}
	}
	if _, err := DDL(DDLOptions{Engine: "athena", Location: "/srv/lake"}); err == nil {
		t.Error("athena over a folder")
	}
	if _, err := DDL(DDLOptions{Engine: "hive", Location: url}); err == nil {
		t.Error("unknown engine")
	}
}
