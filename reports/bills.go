package reports

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest/lake"
)

// billColumns are the bills view's columns ReadBills scans, in order.
var billColumns = []string{
	"bill_id", "agent_id", "op_type", "op_object", "op_cause", "begin_time", "end_time",
	"call_id", "media_type", "skill_id", "vdn_id", "cc_id", "agent_type", "phone_no", "call_in_out", "location_id",
	"logon_sn", "source_cause", "flags", "source_file", "source_line",
	"origin_id", "developer_id", "account_id", "service_no", "skill_info_sn",
}

// ReadBills returns the bills the run for day wrote, in the order they were
// written (the lake's order: DuckDB keeps a plain scan's order, as its
// preserve_insertion_order setting is on by default). db is the lake in dir
// as OpenLake opened it; when the day's bills file cannot be read, the
// error is a *FileError naming it.
func ReadBills(ctx context.Context, db *sql.DB, dir string, day billing.Date) ([]billing.Bill, error) {
	bills, err := readBills(ctx, db, day)
	if err != nil {
		abs, absErr := filepath.Abs(dir)
		if absErr != nil {
			abs = dir
		}
		file := (&lake.Lake{Dir: abs}).Path(lake.Bills.Name, day)
		if _, statErr := os.Stat(file); statErr == nil {
			err = unreadable(ctx, db, []string{file}, err)
		}
		return nil, fmt.Errorf("read bills of %s: %w", day, err)
	}
	return bills, nil
}

func readBills(ctx context.Context, db *sql.DB, day billing.Date) ([]billing.Bill, error) {
	q := "SELECT " + strings.Join(billColumns, ", ") + " FROM bills WHERE date = CAST(? AS DATE)"
	rows, err := db.QueryContext(ctx, q, day.String())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var bills []billing.Bill
	for rows.Next() {
		var b billing.Bill
		var begin, end time.Time
		var opt [14]sql.NullString
		var sourceCause sql.NullInt32
		var flags string
		err := rows.Scan(&b.ID, &b.AgentID, &b.OpType, &b.OpObject, &b.OpCause, &begin, &end,
			&opt[0], &opt[1], &opt[2], &opt[3], &opt[4], &opt[5], &opt[6], &opt[7], &opt[8],
			&b.LogonSN, &sourceCause, &flags, &b.Source.File, &b.Source.Line,
			&opt[9], &opt[10], &opt[11], &opt[12], &opt[13])
		if err != nil {
			return nil, err
		}
		b.Begin, b.End = begin.UTC(), end.UTC()
		b.Attrs = billing.Attrs{
			CallID: opt[0].String, MediaType: opt[1].String, SkillID: opt[2].String, VDNID: opt[3].String,
			CCID: opt[4].String, AgentType: opt[5].String, PhoneNo: opt[6].String, CallInOut: opt[7].String,
			LocationID: opt[8].String,
		}
		b.Origin = billing.Origin{
			RecordID: opt[9].String, DeveloperID: opt[10].String, AccountID: opt[11].String,
			ServiceNo: opt[12].String, SkillInfoSN: opt[13].String,
		}
		b.SourceCause, b.HasSourceCause = sourceCause.Int32, sourceCause.Valid
		var ok bool
		if b.Flags, ok = billing.ParseFlags(flags); !ok {
			return nil, fmt.Errorf("bill %s: unknown flags %q", b.ID, flags)
		}
		bills = append(bills, b)
	}
	return bills, rows.Err()
}
