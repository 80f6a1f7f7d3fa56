package lake

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
)

// Manifest records one run: what it read, what it carried in, what it
// counted and which files it wrote. It is written last, as runs/D.json.
type Manifest struct {
	Date      string        `json:"date"`
	Site      string        `json:"site,omitempty"`
	Version   string        `json:"version"`
	Timezone  string        `json:"timezone"`
	Started   time.Time     `json:"started"`
	Finished  time.Time     `json:"finished"`
	Inputs    []InputFile   `json:"inputs"`
	CarriedIn *CarriedState `json:"carried_in"`
	Counts    Counts        `json:"counts"`
	Files     []FileInfo    `json:"files"`
}

// InputFile is one input of a run.
type InputFile struct {
	Path   string `json:"path"`
	Format string `json:"format"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// CarriedState names the open table a run started from: the previous
// day's, by date, hash and row count.
type CarriedState struct {
	Date   string `json:"date"`
	SHA256 string `json:"sha256"`
	Rows   int    `json:"rows"`
}

// Counts are the numbers of a run. Every input record the run read is
// counted once, as an event the rules used, a duplicate, a reject, a
// skipped record or an imported bill (see Unaccounted); an event used ends
// in a bill, in the open state, or in a counter (zero-length spans,
// continued states and the like in Other).
type Counts struct {
	// Records is the number of input records the readers read for this run.
	Records int64 `json:"records"`
	// Events is the number of events the rules used.
	Events     int64 `json:"events"`
	Bills      int64 `json:"bills"`
	Duplicates int64 `json:"duplicates"`
	ZeroLength int64 `json:"zero_length"`
	// Rejects counts the records refused, by the readers or by the rules.
	Rejects int64 `json:"rejects"`
	// Skipped counts the records that carry no billing information (CTI
	// prose, context-only call messages); Other holds them by kind as
	// skipped_KIND.
	Skipped int64 `json:"skipped"`
	// Imported counts the existing bills (agentOprInfo) written as they are;
	// they are among Bills.
	Imported int64 `json:"imported"`
	OpenRows int64 `json:"open_rows"`
	// BillsByType counts bills by op_type, keyed by the decimal type.
	BillsByType     map[string]int64 `json:"bills_by_type"`
	RejectsByReason map[string]int64 `json:"rejects_by_reason"`
	// Other holds counters with no field of their own, such as records
	// skipped by kind.
	Other map[string]int64 `json:"other"`
	// CustomStatuses counts, by name, the agent statuses of Amazon Connect
	// streams that the config does not map: a site's own statuses, billed
	// as rest with cause 0. They are events, not records of their own.
	CustomStatuses map[string]int64 `json:"custom_statuses,omitempty"`
	// OtherDays counts, by date, the records the run read that belong to
	// other days (a run of one day over inputs of several): they are not
	// among Records, and are counted by the run of their own day.
	OtherDays map[string]int64 `json:"other_days,omitempty"`
}

// Unaccounted is the number of records read that the counts do not place:
// Records − (Events + Duplicates + Rejects + Skipped + Imported). It is 0
// for a run that accounted for every record once.
func (c Counts) Unaccounted() int64 {
	return c.Records - (c.Events + c.Duplicates + c.Rejects + c.Skipped + c.Imported)
}

// normalize makes empty maps {} rather than null in the JSON.
func (c *Counts) normalize() {
	for _, m := range []*map[string]int64{&c.BillsByType, &c.RejectsByReason, &c.Other} {
		if *m == nil {
			*m = map[string]int64{}
		}
	}
}

// FileInfo describes one file a run wrote; Path is relative to the lake,
// with forward slashes.
type FileInfo struct {
	Path   string `json:"path"`
	Rows   int64  `json:"rows"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// encodeManifest gives the manifest as indented JSON; maps come out with
// sorted keys.
func encodeManifest(m *Manifest) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ReadManifest reads the manifest of day; found is false when the day has
// none.
func (l *Lake) ReadManifest(day billing.Date) (m Manifest, found bool, err error) {
	p := l.manifestPath(day)
	data, err := l.storage().readAll(context.Background(), l.manifestName(day))
	if errors.Is(err, fs.ErrNotExist) {
		return Manifest{}, false, nil
	}
	if err != nil {
		return Manifest{}, false, fmt.Errorf("read manifest: %w", err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return Manifest{}, false, fmt.Errorf("read manifest %s: %w", p, err)
	}
	return m, true, nil
}

// FileSHA256 returns the hex SHA-256 and the size of the file at path.
func FileSHA256(path string) (sum string, size int64, err error) {
	return ingest.InputSHA256(context.Background(), path)
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// objectSHA256 returns the hex SHA-256 and the size of the lake's object
// name.
func (l *Lake) objectSHA256(ctx context.Context, name string) (sum string, size int64, err error) {
	o, err := l.storage().open(ctx, name)
	if err != nil {
		return "", 0, err
	}
	defer o.Close()
	h := sha256.New()
	size, err = io.Copy(h, o)
	if err != nil {
		return "", 0, fmt.Errorf("hash %s: %w", l.storage().where(name), err)
	}
	return hex.EncodeToString(h.Sum(nil)), size, nil
}
