package mail

import (
	"archive/zip"
	"bytes"
	"fmt"
	"time"
)

// zipTime is the modified time of every file in a zip the mail carries,
// so that the same files give the same zip.
var zipTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// ZipName is the name of the zip that carries the reports of the days
// [from, to): reports_FROM_TO.zip, as the CSVs name their days.
func ZipName(from, to string) string { return fmt.Sprintf("reports_%s_%s.zip", from, to) }

// Zip writes parts into one zip, in their order, each compressed and
// with a fixed modified time.
func Zip(parts []Part) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.Name, Method: zip.Deflate, Modified: zipTime})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(p.Data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Packing is how the report files travel with a message.
type Packing int

// The ways report files travel.
const (
	Attached Packing = iota // each file attached as it is
	Zipped                  // one zip attached, holding every file
	Omitted                 // none attached; the message names their paths
)

// pack fits files under limit bytes (0: no limit): as they are when they
// fit together, else as one zip named name when it fits, else not at all.
func pack(files []Part, limit int64, name string) ([]Part, Packing, error) {
	var size int64
	for _, f := range files {
		size += int64(len(f.Data))
	}
	if limit <= 0 || size <= limit {
		return files, Attached, nil
	}
	z, err := Zip(files)
	if err != nil {
		return nil, Omitted, fmt.Errorf("zip the reports: %w", err)
	}
	if int64(len(z)) <= limit {
		return []Part{{Name: name, ContentType: "application/zip", Data: z}}, Zipped, nil
	}
	return nil, Omitted, nil
}
