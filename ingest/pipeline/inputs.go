package pipeline

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
)

// inputStat is an input file as it was before it was read.
type inputStat struct {
	size int64
	mod  time.Time
}

// statInputs notes the size and modification time of the regular files
// among paths before they are read.
func statInputs(paths []string) map[string]inputStat {
	m := map[string]inputStat{}
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			m[p] = inputStat{fi.Size(), fi.ModTime()}
		}
	}
	return m
}

// unchangedInputs fails when a file changed while it was read: its size
// before, the bytes read and its size now differ, or it was modified. A
// log still being written must not be billed half-read.
func unchangedInputs(before map[string]inputStat, read []ingest.FileStat) error {
	for _, f := range read {
		b, ok := before[f.Path]
		if !ok {
			continue
		}
		fi, err := os.Stat(f.Path)
		if err != nil {
			return fmt.Errorf("input %s changed while it was read: %w", f.Path, err)
		}
		if b.size != f.Size || fi.Size() != f.Size || !fi.ModTime().Equal(b.mod) {
			return fmt.Errorf("input %s changed while it was read (%d bytes before, %d read, %d now): ingest it again when it is complete",
				f.Path, b.size, f.Size, fi.Size())
		}
	}
	return nil
}

// QuoteRejects quotes the input line of rejects that have none yet (those
// found after reading, such as the rules' refusals).
func QuoteRejects(rejects []ingest.Reject) error {
	byFile := map[string][]int64{}
	for _, r := range rejects {
		if r.Raw == "" && r.File != "" {
			byFile[r.File] = append(byFile[r.File], r.Line)
		}
	}
	for file, lines := range byFile {
		raw, err := ingest.FetchLines(file, lines)
		if err != nil {
			return fmt.Errorf("quote rejected records: %w", err)
		}
		for i := range rejects {
			if rejects[i].Raw == "" && rejects[i].File == file {
				rejects[i].Raw = raw[rejects[i].Line]
			}
		}
	}
	return nil
}

func sumCounts(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// RefusalRejects turns the rules' refusals into rejects; QuoteRejects
// quotes their lines.
func RefusalRejects(refusals []billing.Refusal) []ingest.Reject {
	out := make([]ingest.Reject, 0, len(refusals))
	for _, r := range refusals {
		out = append(out, ingest.Reject{File: r.Source.File, Line: r.Source.Line, Reason: r.Err.Error()})
	}
	return out
}

// RejectsByReason counts rejects by the part of the reason before the
// first colon (the field, for field errors).
func RejectsByReason(rejects []ingest.Reject) map[string]int64 {
	m := map[string]int64{}
	for _, r := range rejects {
		key, _, _ := strings.Cut(r.Reason, ":")
		m[key]++
	}
	return m
}
