package lake

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
)

// Engines are the query engines DDL writes for.
var Engines = []string{"duckdb", "trino", "spark", "athena"}

// DDLOptions say what DDL registers.
type DDLOptions struct {
	// Engine is one of Engines.
	Engine string
	// Location is the lake: a folder or a bucket URL.
	Location string
	// Sites are the site partitions the lake holds; none for a lake of one
	// site without the site level.
	Sites []string
	// Schema qualifies the tables (Trino, Spark, Athena), e.g.
	// hive.agentbill; empty: none.
	Schema string
	// FirstDay is where Athena's partition projection of dates starts.
	FirstDay string
}

// DDL gives the statements that register the lake's tables (bills, open,
// rejects) in a query engine: external tables over the Parquet folders,
// with site (when the lake has sites) and date as partition columns, times
// as TIMESTAMP without zone (the lake's times are zone-less: UTC instants
// in begin_time and end_time, the site clock in the *_local columns), and
// strings as strings.
func DDL(o DDLOptions) (string, error) {
	var b strings.Builder
	root, err := engineRoot(o.Engine, o.Location)
	if err != nil {
		return "", err
	}
	sites := len(o.Sites) > 0
	switch o.Engine {
	case "duckdb":
		fmt.Fprintf(&b, "-- agentbill lake %s, for DuckDB 1.1 or later", Redact(o.Location))
		if IsURL(o.Location) {
			b.WriteString(" with the httpfs extension and an S3 secret (CREATE SECRET)")
		}
		b.WriteString(".\n")
		if u, err := url.Parse(o.Location); err == nil && u.Scheme == "s3" {
			q := u.Query()
			b.WriteString("-- INSTALL httpfs; LOAD httpfs;\n-- CREATE SECRET (TYPE s3, PROVIDER credential_chain")
			if r := q.Get("region"); r != "" {
				fmt.Fprintf(&b, ", REGION %s", sqlString(r))
			}
			if e := q.Get("endpoint"); e != "" {
				host := strings.TrimPrefix(strings.TrimPrefix(e, "https://"), "http://")
				fmt.Fprintf(&b, ", ENDPOINT %s", sqlString(host))
				if strings.HasPrefix(e, "http://") {
					b.WriteString(", USE_SSL false")
				}
			}
			if q.Get("use_path_style") == "true" {
				b.WriteString(", URL_STYLE 'path'")
			}
			b.WriteString(");\n")
		}
	case "trino":
		fmt.Fprintf(&b, "-- agentbill lake %s, for Trino's Hive connector.\n", Redact(o.Location))
	case "spark":
		fmt.Fprintf(&b, "-- agentbill lake %s, for Spark SQL 3.4 or later (TIMESTAMP_NTZ).\n", Redact(o.Location))
	case "athena":
		fmt.Fprintf(&b, "-- agentbill lake %s, for Amazon Athena; partition projection finds the days, no crawler needed.\n", Redact(o.Location))
	default:
		return "", fmt.Errorf("engine %q: want one of %s", o.Engine, strings.Join(Engines, ", "))
	}
	b.WriteString("-- The open table's rows of the newest day are what is still unbilled; older days' open rows were billed later.\n")
	for _, t := range Tables() {
		loc := root + "/" + t.Name
		name := t.Name
		if o.Schema != "" {
			name = o.Schema + "." + t.Name
		}
		b.WriteString("\n")
		switch o.Engine {
		case "duckdb":
			glob := loc + "/*/*.parquet"
			types := "'date': DATE"
			if sites {
				glob = loc + "/*/*/*.parquet"
				types = "'site': VARCHAR, " + types
			}
			fmt.Fprintf(&b, "CREATE OR REPLACE VIEW %s AS\nSELECT * FROM read_parquet(%s, hive_partitioning = true, hive_types = {%s});\n",
				name, sqlString(glob), types)
		case "trino":
			fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s (\n", name)
			writeColumns(&b, t, trinoType)
			parts := "'date'"
			if sites {
				b.WriteString(",\n  site VARCHAR")
				parts = "'site', 'date'"
			}
			b.WriteString(",\n  \"date\" DATE\n)\n")
			fmt.Fprintf(&b, "WITH (format = 'PARQUET', external_location = %s, partitioned_by = ARRAY[%s]);\n", sqlString(loc), parts)
			schema, table := "default", t.Name
			if i := strings.LastIndex(o.Schema, "."); i >= 0 {
				schema = o.Schema[i+1:]
			} else if o.Schema != "" {
				schema = o.Schema
			}
			fmt.Fprintf(&b, "CALL system.sync_partition_metadata(%s, %s, 'FULL');\n", sqlString(schema), sqlString(table))
		case "spark":
			fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s (\n", name)
			writeColumns(&b, t, sparkType)
			parts := "`date`"
			if sites {
				b.WriteString(",\n  site STRING")
				parts = "site, `date`"
			}
			b.WriteString(",\n  `date` DATE\n)\n")
			fmt.Fprintf(&b, "USING PARQUET\nPARTITIONED BY (%s)\nLOCATION %s;\nMSCK REPAIR TABLE %s;\n", parts, sqlString(loc), name)
		case "athena":
			fmt.Fprintf(&b, "CREATE EXTERNAL TABLE IF NOT EXISTS %s (\n", athenaName(name))
			writeColumns(&b, t, athenaType)
			b.WriteString("\n)\nPARTITIONED BY (")
			template := loc + "/"
			if sites {
				b.WriteString("site string, ")
				template += "site=${site}/"
			}
			template += "date=${date}/"
			first := o.FirstDay
			if first == "" {
				first = "2020-01-01"
			}
			fmt.Fprintf(&b, "`date` string)\nSTORED AS PARQUET\nLOCATION %s\nTBLPROPERTIES (\n", athenaString(loc+"/"))
			props := [][2]string{
				{"projection.enabled", "true"},
				{"projection.date.type", "date"},
				{"projection.date.format", "yyyy-MM-dd"},
				{"projection.date.range", first + ",NOW"},
				{"projection.date.interval", "1"},
				{"projection.date.interval.unit", "DAYS"},
			}
			if sites {
				props = append(props, [2]string{"projection.site.type", "enum"}, [2]string{"projection.site.values", strings.Join(o.Sites, ",")})
			}
			props = append(props, [2]string{"storage.location.template", template})
			for i, p := range props {
				sep := ","
				if i == len(props)-1 {
					sep = ""
				}
				fmt.Fprintf(&b, "  %s = %s%s\n", athenaString(p[0]), athenaString(p[1]), sep)
			}
			b.WriteString(");\n")
		}
	}
	return b.String(), nil
}

// engineRoot is the lake's root as the engine names it: a folder as an
// absolute path, a bucket by its URL without the query (Spark's Hadoop
// reads S3 as s3a://).
func engineRoot(engine, location string) (string, error) {
	if !IsURL(location) {
		if engine == "athena" {
			return "", fmt.Errorf("athena reads S3 only, and the lake %s is a folder", location)
		}
		abs, err := filepath.Abs(location)
		if err != nil {
			return "", err
		}
		return filepath.ToSlash(abs), nil
	}
	u, err := url.Parse(location)
	if err != nil {
		return "", err
	}
	if engine == "athena" && u.Scheme != "s3" {
		return "", fmt.Errorf("athena reads S3 only, and the lake is %s", Redact(location))
	}
	root := Redact(location)
	if engine == "spark" && u.Scheme == "s3" {
		root = "s3a" + strings.TrimPrefix(root, "s3")
	}
	return root, nil
}

func writeColumns(b *strings.Builder, t Table, typ func(Kind) string) {
	for i, c := range t.Columns {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(b, "  %s %s", c.Name, typ(c.Kind))
	}
}

func trinoType(k Kind) string {
	if k == KindTimestamp {
		return "TIMESTAMP(6)"
	}
	return k.SQLType()
}

func sparkType(k Kind) string {
	switch k {
	case KindString:
		return "STRING"
	case KindInt32:
		return "INT"
	case KindTimestamp:
		return "TIMESTAMP_NTZ"
	}
	return "BIGINT"
}

func athenaType(k Kind) string {
	switch k {
	case KindString:
		return "string"
	case KindInt32:
		return "int"
	case KindTimestamp:
		return "timestamp"
	}
	return "bigint"
}

func athenaName(name string) string {
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = "`" + p + "`"
	}
	return strings.Join(parts, ".")
}

func sqlString(s string) string    { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
func athenaString(s string) string { return "'" + strings.ReplaceAll(s, "'", "\\'") + "'" }
