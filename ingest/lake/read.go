package lake

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/xitongsys/parquet-go-source/local"
	"github.com/xitongsys/parquet-go/reader"

	"github.com/agentbill/agentbill/billing"
)

// openRow is a row of the open table as parquet-go reads it.
type openRow struct {
	BillID      string  `parquet:"name=bill_id, type=BYTE_ARRAY, convertedtype=UTF8"`
	AgentID     string  `parquet:"name=agent_id, type=BYTE_ARRAY, convertedtype=UTF8"`
	OpType      int32   `parquet:"name=op_type, type=INT32"`
	OpObject    int32   `parquet:"name=op_object, type=INT32"`
	OpCause     int32   `parquet:"name=op_cause, type=INT32"`
	BeginTime   int64   `parquet:"name=begin_time, type=INT64, logicaltype=TIMESTAMP, logicaltype.isadjustedtoutc=false, logicaltype.unit=MICROS"`
	EndTime     int64   `parquet:"name=end_time, type=INT64, logicaltype=TIMESTAMP, logicaltype.isadjustedtoutc=false, logicaltype.unit=MICROS"`
	BeginLocal  int64   `parquet:"name=begin_local, type=INT64, logicaltype=TIMESTAMP, logicaltype.isadjustedtoutc=false, logicaltype.unit=MICROS"`
	EndLocal    int64   `parquet:"name=end_local, type=INT64, logicaltype=TIMESTAMP, logicaltype.isadjustedtoutc=false, logicaltype.unit=MICROS"`
	DurationMS  int64   `parquet:"name=duration_ms, type=INT64"`
	CallID      *string `parquet:"name=call_id, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	MediaType   *string `parquet:"name=media_type, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	SkillID     *string `parquet:"name=skill_id, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	VDNID       *string `parquet:"name=vdn_id, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	CCID        *string `parquet:"name=cc_id, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	AgentType   *string `parquet:"name=agent_type, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	PhoneNo     *string `parquet:"name=phone_no, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	CallInOut   *string `parquet:"name=call_in_out, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	LocationID  *string `parquet:"name=location_id, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	LogonSN     int64   `parquet:"name=logon_sn, type=INT64"`
	SourceCause *int32  `parquet:"name=source_cause, type=INT32, repetitiontype=OPTIONAL"`
	Flags       string  `parquet:"name=flags, type=BYTE_ARRAY, convertedtype=UTF8"`
	SourceFile  string  `parquet:"name=source_file, type=BYTE_ARRAY, convertedtype=UTF8"`
	SourceLine  int64   `parquet:"name=source_line, type=INT64"`
	OriginID    *string `parquet:"name=origin_id, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	DeveloperID *string `parquet:"name=developer_id, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	AccountID   *string `parquet:"name=account_id, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	ServiceNo   *string `parquet:"name=service_no, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	SkillInfoSN *string `parquet:"name=skill_info_sn, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	LastEvent   int64   `parquet:"name=last_event_time, type=INT64, logicaltype=TIMESTAMP, logicaltype.isadjustedtoutc=false, logicaltype.unit=MICROS"`
}

// ReadOpen reads the open table of day: the spans still open at the end of
// that day, which the next day's run starts from. found is false when the
// day has no open table.
func (l *Lake) ReadOpen(ctx context.Context, day billing.Date) (spans []billing.OpenSpan, found bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if _, err := l.RollForward(); err != nil {
		return nil, false, err
	}
	p := l.Path(Open.Name, day)
	if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	rows, err := readOpenRows(p)
	if err != nil {
		return nil, false, fmt.Errorf("read open spans of %s: %w", day, err)
	}
	spans = make([]billing.OpenSpan, len(rows))
	for i := range rows {
		if spans[i], err = rows[i].span(); err != nil {
			return nil, false, fmt.Errorf("read open spans of %s: row %d: %w", day, i, err)
		}
	}
	return spans, true, nil
}

func readOpenRows(p string) (rows []openRow, err error) {
	f, err := local.NewLocalFileReader(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pr, err := reader.NewParquetReader(f, new(openRow), 1)
	if err != nil {
		return nil, err
	}
	defer pr.ReadStop()
	rows = make([]openRow, pr.GetNumRows())
	if len(rows) == 0 {
		return nil, nil
	}
	if err := pr.Read(&rows); err != nil {
		return nil, err
	}
	return rows, nil
}

func (r *openRow) span() (billing.OpenSpan, error) {
	flags, ok := billing.ParseFlags(r.Flags)
	if !ok {
		return billing.OpenSpan{}, fmt.Errorf("unknown flags %q", r.Flags)
	}
	s := billing.OpenSpan{
		Bill: billing.Bill{
			ID:       r.BillID,
			AgentID:  r.AgentID,
			OpType:   r.OpType,
			OpObject: r.OpObject,
			OpCause:  r.OpCause,
			Begin:    time.UnixMicro(r.BeginTime).UTC(),
			End:      time.UnixMicro(r.EndTime).UTC(),
			Attrs: billing.Attrs{
				CallID:     deref(r.CallID),
				MediaType:  deref(r.MediaType),
				SkillID:    deref(r.SkillID),
				VDNID:      deref(r.VDNID),
				CCID:       deref(r.CCID),
				AgentType:  deref(r.AgentType),
				PhoneNo:    deref(r.PhoneNo),
				CallInOut:  deref(r.CallInOut),
				LocationID: deref(r.LocationID),
			},
			LogonSN: r.LogonSN,
			Flags:   flags,
			Source:  billing.Source{File: r.SourceFile, Line: r.SourceLine},
			Origin: billing.Origin{
				RecordID:    deref(r.OriginID),
				DeveloperID: deref(r.DeveloperID),
				AccountID:   deref(r.AccountID),
				ServiceNo:   deref(r.ServiceNo),
				SkillInfoSN: deref(r.SkillInfoSN),
			},
		},
		LastEvent: time.UnixMicro(r.LastEvent).UTC(),
	}
	if r.SourceCause != nil {
		s.SourceCause, s.HasSourceCause = *r.SourceCause, true
	}
	return s, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
