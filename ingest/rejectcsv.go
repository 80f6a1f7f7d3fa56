package ingest

import (
	"encoding/csv"
	"io"
	"os"
	"strconv"
)

// WriteRejectsFile writes rejects as CSV (see WriteRejectsCSV) to a new file
// at path, replacing what it held.
func WriteRejectsFile(path string, rejects []Reject) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := WriteRejectsCSV(f, rejects); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

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
