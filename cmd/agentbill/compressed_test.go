package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/agentbill/agentbill/billing"
)

// ctiDay is a CTI log of one agent's day on extension ext, then a logout of
// an agent who never logged in (a reject whose line the run quotes after
// reading).
func ctiDay(agent, ext string) string {
	msg := func(at, state, code string) string {
		return "2026-11-20 " + at + " MsgType: AGENT_STATE_EVENT AgentState: " + state + " EventReasonCode: " + code + " AgentID: " + agent + " AgentExtension: " + ext + "\n"
	}
	return "CTI log of " + agent + "\n" +
		msg("08:00:00", "LOGIN", "0") +
		msg("08:00:05", "READY", "0") +
		msg("12:00:00", "NOT_READY", "33") +
		msg("12:30:00", "READY", "0") +
		msg("17:00:00", "LOGOUT", "0") +
		"2026-11-20 17:30:00 MsgType: AGENT_STATE_EVENT AgentState: LOGOUT EventReasonCode: 0 AgentID: ghost-" + agent + " AgentExtension: 9" + ext + "\n"
}

func compressGzip(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func compressZstd(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := zstd.NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestIngestRotatedLogs ingests what logrotate leaves, through a config
// input pattern: the live log, a gzip-compressed and a zstd-compressed
// rotation. Each is read as CTI, the rejects found after reading quote the
// decompressed line, and the manifest names each file with its size and
// checksum on disk.
func TestIngestRotatedLogs(t *testing.T) {
	dir := t.TempDir()
	day := filepath.Join(dir, "cti", "2026-11-20")
	if err := os.MkdirAll(day, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"x.log":       []byte(ctiDay("ann", "6001")),
		"x.log.1.gz":  compressGzip(t, ctiDay("bob", "6002")),
		"x.log.2.zst": compressZstd(t, ctiDay("cat", "6003")),
		"other.txt":   []byte("not an input\n"),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(day, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lakeDir := filepath.Join(dir, "lake")
	env := []string{
		"AGENTBILL_INPUTS=" + filepath.Join(dir, "cti", "{date}", "*.log*"),
		"AGENTBILL_LAKE=" + lakeDir,
	}
	// --force: a ghost's logout in each of so few records is more than
	// the share of rejects a run may have.
	mustRun(t, env, "ingest", "--force", "--date", "2026-11-20")

	out, _ := mustRun(t, env, "query", "--format", "csv",
		"SELECT agent_id, count(*) AS bills FROM bills GROUP BY agent_id ORDER BY agent_id")
	if want := "agent_id,bills\nann,3\nbob,3\ncat,3"; strings.TrimSpace(out) != want {
		t.Errorf("bills by agent:\n%s\nwant\n%s", out, want)
	}
	out, _ = mustRun(t, env, "query", "--format", "csv",
		"SELECT regexp_extract(file, '[^/]*$') AS file, line, reason, raw FROM rejects ORDER BY file")
	want := "file,line,reason,raw\n"
	for _, f := range []struct{ name, agent, ext string }{{"x.log", "ann", "6001"}, {"x.log.1.gz", "bob", "6002"}, {"x.log.2.zst", "cat", "6003"}} {
		want += f.name + ",7," + billing.ErrLogoutWithoutSession.Error() + "," +
			"2026-11-20 17:30:00 MsgType: AGENT_STATE_EVENT AgentState: LOGOUT EventReasonCode: 0 AgentID: ghost-" + f.agent + " AgentExtension: 9" + f.ext + "\n"
	}
	if strings.TrimSpace(out) != strings.TrimSpace(want) {
		t.Errorf("rejects:\n%s\nwant\n%s", out, want)
	}

	ms := verifyLake(t, lakeDir)
	m := ms[billing.Date{Year: 2026, Month: 11, Day: 20}]
	if len(m.Inputs) != 3 {
		t.Fatalf("inputs %+v, want the three logs", m.Inputs)
	}
	for _, in := range m.Inputs {
		data := files[filepath.Base(in.Path)]
		sum := sha256.Sum256(data)
		if in.Format != "cti" || in.Size != int64(len(data)) || in.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("input %+v: want cti, the size %d and checksum of the file on disk", in, len(data))
		}
	}
	if n := m.Counts.Unaccounted(); n != 0 {
		t.Errorf("%d records unaccounted: %+v", n, m.Counts)
	}
	mustRun(t, env, "check", "--date", "2026-11-20")
}

// TestIngestUTF16 ingests a CSV saved as UTF-16: one reject says what the
// file is and what to do, and the counts balance.
func TestIngestUTF16(t *testing.T) {
	dir := t.TempDir()
	text := "time,agent_id,op_type\r\n2026-11-20 08:00:00,A1,1\r\n2026-11-20 17:00:00,A1,0\r\n"
	data := []byte{0xff, 0xfe}
	for _, r := range text {
		data = append(data, byte(r), 0)
	}
	path := filepath.Join(dir, "events.csv")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	lakeDir := filepath.Join(dir, "lake")
	if code, _, errOut := runCLI(t, nil, "ingest", "--lake", lakeDir, "--date", "2026-11-20", path); code == 0 {
		t.Errorf("a run of nothing but a UTF-16 file passed:\n%s", errOut)
	}
	mustRun(t, nil, "ingest", "--force", "--lake", lakeDir, "--date", "2026-11-20", path)
	out, _ := mustRun(t, nil, "query", "--lake", lakeDir, "--format", "csv", "SELECT line, reason, raw FROM rejects")
	want := "line,reason,raw\n1,file looks like UTF-16 text (byte-order mark FF FE); convert it to UTF-8,\"time,agent_id,op_type\""
	if strings.TrimSpace(out) != want {
		t.Errorf("rejects:\n%s\nwant\n%s", out, want)
	}
	m := verifyLake(t, lakeDir)[billing.Date{Year: 2026, Month: 11, Day: 20}]
	if c := m.Counts; c.Records != 1 || c.Rejects != 1 || c.Unaccounted() != 0 {
		t.Errorf("counts %+v, want one record, one reject", c)
	}
}
