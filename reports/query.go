package reports

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/duckdb/duckdb-go/v2"
	"golang.org/x/text/width"
)

// The output formats of Query.
const (
	FormatCSV   = "csv"   // a header row, then RFC 4180 records; NULL is empty
	FormatJSON  = "json"  // JSON Lines: one object a row, keys in column order
	FormatTable = "table" // aligned text columns for a terminal
)

// Querier runs a query: a *sql.DB, *sql.Conn or *sql.Tx.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Query runs one SQL statement on db and writes its result to w in format
// (FormatCSV, FormatJSON or FormatTable). Times are written as DuckDB shows
// them: DATE as YYYY-MM-DD, TIMESTAMP as YYYY-MM-DD hh:mm:ss.ffffff. Given
// several statements, DuckDB runs them all and the last one's result is
// written.
func Query(ctx context.Context, db Querier, query string, format string, w io.Writer) error {
	return runQuery(ctx, db, query, format, w, csvPlain)
}

// runQuery is Query with the CSV written for spreadsheets or not.
func runQuery(ctx context.Context, db Querier, query string, format string, w io.Writer, sheet csvStyle) error {
	var out resultWriter
	switch format {
	case FormatCSV:
		out = &csvResult{w: csv.NewWriter(w), raw: w, style: sheet}
	case FormatJSON:
		out = &jsonResult{w: w}
	case FormatTable:
		out = &tableResult{w: w}
	default:
		return fmt.Errorf("unknown output format %q (want csv, json or table)", format)
	}
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return err
	}
	cols := make([]column, len(types))
	for i, t := range types {
		cols[i] = column{name: t.Name(), typ: t.DatabaseTypeName()}
	}
	if err := out.header(cols); err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if err := out.row(vals); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return out.finish()
}

// column is a result column: its name and DuckDB type name.
type column struct {
	name, typ string
}

// numeric reports whether the column holds numbers, which the table format
// aligns right.
func (c column) numeric() bool {
	switch c.typ {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "VARINT", "BIGNUM",
		"UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE":
		return true
	}
	return strings.HasPrefix(c.typ, "DECIMAL")
}

type resultWriter interface {
	header(cols []column) error
	row(vals []any) error
	finish() error
}

// text formats a non-NULL value of column c as DuckDB shows it.
func text(c column, v any) string {
	switch v := v.(type) {
	case string:
		return v
	case time.Time:
		return formatTime(c.typ, v)
	case bool:
		return strconv.FormatBool(v)
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, uint:
		return fmt.Sprint(v)
	case float32:
		return formatFloat(float64(v), 32)
	case float64:
		return formatFloat(v, 64)
	case *big.Int:
		return v.String()
	case duckdb.Decimal:
		return v.String()
	case duckdb.Interval:
		return formatInterval(v)
	case duckdb.Bit:
		return v.String()
	case duckdb.Union:
		if v.Value == nil {
			return ""
		}
		return text(column{}, v.Value)
	case []byte:
		if c.typ == "UUID" && len(v) == 16 {
			u := duckdb.UUID(v)
			return u.String()
		}
		return formatBlob(v)
	}
	// Lists, structs and maps.
	b, err := json.Marshal(jsonValue(c, v))
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func formatTime(typ string, t time.Time) string {
	switch typ {
	case "DATE":
		return t.Format(time.DateOnly)
	case "TIME":
		return t.Format("15:04:05.000000")
	case "TIMETZ":
		return t.Format("15:04:05.000000-07:00")
	case "TIMESTAMP_NS":
		return t.Format("2006-01-02 15:04:05.000000000")
	case "TIMESTAMPTZ":
		return t.UTC().Format("2006-01-02 15:04:05.000000") + "+00"
	}
	return t.Format("2006-01-02 15:04:05.000000")
}

func formatFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'f', -1, bits)
}

// formatInterval writes an interval as DuckDB does: "1 year 2 months 3
// days 04:05:06.000007", leaving out the parts that are zero.
func formatInterval(iv duckdb.Interval) string {
	var parts []string
	unit := func(n int64, name string) {
		if n == 0 {
			return
		}
		if n != 1 && n != -1 {
			name += "s"
		}
		parts = append(parts, fmt.Sprintf("%d %s", n, name))
	}
	unit(int64(iv.Months/12), "year")
	unit(int64(iv.Months%12), "month")
	unit(int64(iv.Days), "day")
	if us := iv.Micros; us != 0 || len(parts) == 0 {
		sign := ""
		if us < 0 {
			sign, us = "-", -us
		}
		s := fmt.Sprintf("%s%02d:%02d:%02d", sign, us/3_600_000_000, us/60_000_000%60, us/1_000_000%60)
		if frac := us % 1_000_000; frac != 0 {
			s += fmt.Sprintf(".%06d", frac)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// formatBlob shows printable ASCII as it is and other bytes as \xHH.
func formatBlob(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		if c >= 0x20 && c < 0x7f && c != '\\' {
			s.WriteByte(c)
		} else {
			fmt.Fprintf(&s, `\x%02X`, c)
		}
	}
	return s.String()
}

// jsonValue turns a value into one encoding/json writes as it should
// appear in JSON: numbers stay numbers, times and the like become text.
func jsonValue(c column, v any) any {
	switch v := v.(type) {
	case nil, string, bool, int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, uint:
		return v
	case float32:
		return jsonFloat(float64(v), 32)
	case float64:
		return jsonFloat(v, 64)
	case *big.Int:
		return json.Number(v.String())
	case duckdb.Decimal:
		return json.Number(v.String())
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = jsonValue(column{}, x)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = jsonValue(column{}, x)
		}
		return out
	case duckdb.OrderedMap:
		out := make(map[string]any, v.Len())
		values := v.Values()
		for i, k := range v.Keys() {
			out[text(column{}, k)] = jsonValue(column{}, values[i])
		}
		return out
	case duckdb.Union:
		return jsonValue(column{}, v.Value)
	}
	return text(c, v)
}

// jsonFloat keeps NaN and the infinities, which JSON has no number for, as
// text.
func jsonFloat(f float64, bits int) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return formatFloat(f, bits)
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, bits))
}

type csvResult struct {
	w     *csv.Writer
	raw   io.Writer // under w, for the byte-order mark
	style csvStyle
	cols  []column
	rec   []string
}

func (r *csvResult) header(cols []column) error {
	if r.style.byteOrderMark {
		if _, err := io.WriteString(r.raw, byteOrderMark); err != nil {
			return err
		}
	}
	r.cols = cols
	r.rec = make([]string, len(cols))
	for i, c := range cols {
		r.rec[i] = c.name
	}
	return r.w.Write(r.rec)
}

func (r *csvResult) row(vals []any) error {
	for i, v := range vals {
		r.rec[i] = ""
		if v != nil {
			r.rec[i] = text(r.cols[i], v)
		}
		if t, ok := v.(string); ok && r.style.neutralise {
			r.rec[i] = Neutralise(t)
		}
	}
	return r.w.Write(r.rec)
}

func (r *csvResult) finish() error {
	r.w.Flush()
	return r.w.Error()
}

type jsonResult struct {
	w    io.Writer
	keys [][]byte // each column's key, encoded
	cols []column
	buf  bytes.Buffer
	enc  *json.Encoder
}

func (r *jsonResult) header(cols []column) error {
	r.cols = cols
	r.enc = json.NewEncoder(&r.buf)
	r.enc.SetEscapeHTML(false)
	for _, c := range cols {
		r.buf.Reset()
		if err := r.enc.Encode(c.name); err != nil {
			return err
		}
		r.keys = append(r.keys, bytes.Clone(bytes.TrimSuffix(r.buf.Bytes(), []byte("\n"))))
	}
	return nil
}

func (r *jsonResult) row(vals []any) error {
	var line []byte
	line = append(line, '{')
	for i, v := range vals {
		if i > 0 {
			line = append(line, ',')
		}
		line = append(line, r.keys[i]...)
		line = append(line, ':')
		r.buf.Reset()
		if err := r.enc.Encode(jsonValue(r.cols[i], v)); err != nil {
			return fmt.Errorf("column %s: %w", r.cols[i].name, err)
		}
		line = append(line, bytes.TrimSuffix(r.buf.Bytes(), []byte("\n"))...)
	}
	line = append(line, '}', '\n')
	_, err := r.w.Write(line)
	return err
}

func (r *jsonResult) finish() error { return nil }

// tableResult holds the whole result to size its columns.
type tableResult struct {
	w     io.Writer
	cols  []column
	cells [][]string
}

func (r *tableResult) header(cols []column) error {
	r.cols = cols
	return nil
}

func (r *tableResult) row(vals []any) error {
	cells := make([]string, len(vals))
	for i, v := range vals {
		if v == nil {
			cells[i] = "NULL"
		} else {
			cells[i] = oneLine(text(r.cols[i], v))
		}
	}
	r.cells = append(r.cells, cells)
	return nil
}

func (r *tableResult) finish() error {
	widths := make([]int, len(r.cols))
	names := make([]string, len(r.cols))
	for i, c := range r.cols {
		names[i] = oneLine(c.name)
		widths[i] = displayWidth(names[i])
	}
	for _, cells := range r.cells {
		for i, s := range cells {
			widths[i] = max(widths[i], displayWidth(s))
		}
	}
	var b strings.Builder
	line := func(cells []string, right func(int) bool) {
		for i, s := range cells {
			pad := strings.Repeat(" ", widths[i]-displayWidth(s))
			if i > 0 {
				b.WriteString("  ")
			}
			if right(i) {
				b.WriteString(pad + s)
			} else if i < len(cells)-1 {
				b.WriteString(s + pad)
			} else {
				b.WriteString(s)
			}
		}
		b.WriteString("\n")
	}
	numeric := func(i int) bool { return r.cols[i].numeric() }
	line(names, numeric)
	rules := make([]string, len(widths))
	for i, n := range widths {
		rules[i] = strings.Repeat("-", n)
	}
	line(rules, func(int) bool { return false })
	for _, cells := range r.cells {
		line(cells, numeric)
	}
	noun := "rows"
	if len(r.cells) == 1 {
		noun = "row"
	}
	fmt.Fprintf(&b, "(%d %s)\n", len(r.cells), noun)
	_, err := io.WriteString(r.w, b.String())
	return err
}

// oneLine escapes line breaks and tabs, which would break the table.
var oneLine = strings.NewReplacer("\r", `\r`, "\n", `\n`, "\t", `\t`).Replace

// displayWidth is the number of terminal cells s takes: two for wide East
// Asian characters, one for others.
func displayWidth(s string) int {
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}
