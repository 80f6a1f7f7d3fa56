package lake

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/xitongsys/parquet-go-source/buffer"
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

// CarriedStateError says why the open table of a day cannot be carried
// into the next: it is missing, damaged, or not the one its manifest names.
type CarriedStateError struct {
	Day     billing.Date // the day whose open table it is
	File    string
	Problem string
}

func (e *CarriedStateError) Error() string {
	return fmt.Sprintf("the state %s left open, %s, %s: it cannot be carried into %s; repair %s by ingesting it again (agentbill ingest --date %s), then ingest %s",
		e.Day, e.File, e.Problem, e.Day.Next(), e.Day, e.Day, e.Day.Next())
}

// ReadOpen reads the open table of day: the spans still open at the end of
// that day, which the next day's run starts from. It is used only when it
// is the file day's manifest names (size, SHA-256 and rows); anything else
// (a manifest naming a file that is gone or changed, an open table without
// a manifest) is a *CarriedStateError. found is false when the day has no
// run at all: the next day then starts from nothing. carried names the
// table read, for the next day's manifest.
func (l *Lake) ReadOpen(ctx context.Context, day billing.Date) (spans []billing.OpenSpan, carried *CarriedState, err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if _, err := l.RollForward(); err != nil {
		return nil, nil, err
	}
	name := l.Rel(Open.Name, day)
	p := l.Path(Open.Name, day)
	m, found, err := l.ReadManifest(day)
	if err != nil {
		return nil, nil, &CarriedStateError{Day: day, File: l.manifestPath(day), Problem: err.Error()}
	}
	bad := func(format string, args ...any) error {
		return &CarriedStateError{Day: day, File: p, Problem: fmt.Sprintf(format, args...)}
	}
	if !found {
		if _, err := l.storage().size(ctx, name); !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, bad("has no manifest (runs/%s.json): a run of %s did not finish, or its manifest was removed", day, day)
		}
		return nil, nil, nil
	}
	want := m.file(name)
	if want == nil {
		return nil, nil, bad("is not named in the manifest of %s", day)
	}
	data, err := l.storage().readAll(ctx, name)
	sum, size := sha256Hex(data), int64(len(data))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil, bad("is missing, though the manifest of %s names it", day)
	case err != nil:
		return nil, nil, bad("cannot be read: %v", err)
	case size != want.Size:
		return nil, nil, bad("has %d bytes, the manifest of %s says %d", size, day, want.Size)
	case sum != want.SHA256:
		return nil, nil, bad("is not the file the manifest of %s names (sha256 %s, manifest %s): it was changed or damaged", day, sum, want.SHA256)
	}
	rows, err := readOpenRows(data)
	if err != nil {
		return nil, nil, bad("cannot be read as Parquet: %v", err)
	}
	if int64(len(rows)) != want.Rows {
		return nil, nil, bad("has %d rows, the manifest of %s says %d", len(rows), day, want.Rows)
	}
	spans = make([]billing.OpenSpan, len(rows))
	for i := range rows {
		if spans[i], err = rows[i].span(); err != nil {
			return nil, nil, bad("row %d: %v", i, err)
		}
	}
	return spans, &CarriedState{Date: day.String(), SHA256: sum, Rows: len(spans)}, nil
}

func readOpenRows(data []byte) (rows []openRow, err error) {
	f := buffer.NewBufferFileFromBytesNoAlloc(data)
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
