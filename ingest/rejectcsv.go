package ingest

import (
	"encoding/csv"
	"io"
	"strconv"
)

// WriteRejectsCSV writes rejects as CSV with a header: file, line, reason,
// raw.
func WriteRejectsCSV(w io.Writer, rejects []Reject) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"file", "line", "reason", "raw"})
	for _, r := range rejects {
		cw.Write([]string{r.File, strconv.FormatInt(r.Line, 10), r.Reason, r.Raw})
	}
	cw.Flush()
	return cw.Error()
}
