package lake

import (
	"slices"

	"github.com/xitongsys/parquet-go/parquet"
)

// Kind is the type of a lake column.
type Kind uint8

// The column kinds. Strings are UTF-8 (BYTE_ARRAY, STRING); timestamps are
// INT64 microseconds with isAdjustedToUTC = false, so that readers show the
// stored wall clock as it is.
const (
	KindString Kind = iota
	KindInt32
	KindInt64
	KindTimestamp
)

// SQLType is the DuckDB type a reader sees for the kind.
func (k Kind) SQLType() string {
	switch k {
	case KindInt32:
		return "INTEGER"
	case KindInt64:
		return "BIGINT"
	case KindTimestamp:
		return "TIMESTAMP"
	}
	return "VARCHAR"
}

// Column is one column of a lake table.
type Column struct {
	Name     string
	Kind     Kind
	Optional bool // null allowed (written for empty strings and unset values)
	dict     bool // dictionary-encoded: a column with few distinct values
	// random marks values that look random (hex digits of a hash): their
	// pages are compressed without a search for matches (see
	// appendRandomFrame).
	random bool
}

// Table is one table of the lake: its name, which is also the name of its
// folder and of its file in every date folder, and its columns in file order.
type Table struct {
	Name    string
	Columns []Column
	// sortedBy names the columns the rows are sorted by, ascending; every
	// row group says so in its sorting_columns.
	sortedBy []string
}

// sortingColumns is the sorting_columns of the table's row groups.
func (t Table) sortingColumns() []*parquet.SortingColumn {
	var sc []*parquet.SortingColumn
	for _, name := range t.sortedBy {
		i := slices.IndexFunc(t.Columns, func(c Column) bool { return c.Name == name })
		sc = append(sc, &parquet.SortingColumn{ColumnIdx: int32(i), Descending: false, NullsFirst: true})
	}
	return sc
}

func str(name string) Column     { return Column{Name: name, Kind: KindString} }
func dictStr(name string) Column { return Column{Name: name, Kind: KindString, dict: true} }
func optStr(name string) Column  { return Column{Name: name, Kind: KindString, Optional: true} }
func optDict(name string) Column {
	return Column{Name: name, Kind: KindString, Optional: true, dict: true}
}
func i32(name string) Column { return Column{Name: name, Kind: KindInt32, dict: true} }
func i64(name string) Column { return Column{Name: name, Kind: KindInt64} }
func ts(name string) Column  { return Column{Name: name, Kind: KindTimestamp} }

// billColumns are the columns of a bill (SPEC §3), followed by the
// agentOprInfo columns that have no place among them (billing.Origin).
var billColumns = []Column{
	{Name: "bill_id", Kind: KindString, random: true},
	dictStr("agent_id"),
	i32("op_type"),
	i32("op_object"),
	i32("op_cause"),
	ts("begin_time"),
	ts("end_time"),
	ts("begin_local"),
	ts("end_local"),
	i64("duration_ms"),
	optStr("call_id"),
	optDict("media_type"),
	optDict("skill_id"),
	optDict("vdn_id"),
	optDict("cc_id"),
	optDict("agent_type"),
	optStr("phone_no"),
	optDict("call_in_out"),
	optDict("location_id"),
	i64("logon_sn"),
	{Name: "source_cause", Kind: KindInt32, Optional: true, dict: true},
	dictStr("flags"),
	dictStr("source_file"),
	i64("source_line"),
	optStr("origin_id"),
	optDict("developer_id"),
	optDict("account_id"),
	optDict("service_no"),
	optStr("skill_info_sn"),
}

// billOrder is the order of bills in the lake (SPEC §3).
var billOrder = []string{"agent_id", "begin_time", "op_type", "end_time"}

// The lake's tables.
var (
	// Bills holds the bills a run wrote.
	Bills = Table{Name: "bills", Columns: billColumns, sortedBy: billOrder}
	// Open holds the spans still open at the end of a run's day: a bill's
	// columns and the time of the agent's last event.
	Open = Table{Name: "open", Columns: append(billColumns[:len(billColumns):len(billColumns)], ts("last_event_time")), sortedBy: billOrder}
	// Rejects holds the input records a run refused, with the reason.
	Rejects = Table{Name: "rejects", Columns: []Column{
		dictStr("file"),
		i64("line"),
		str("raw"),
		dictStr("reason"),
	}}
)

// Tables lists the lake's Parquet tables.
func Tables() []Table { return []Table{Bills, Open, Rejects} }
