package mail

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/reports/mail/mailtest"
)

// writeWeek writes the three built-in reports of the week 2026-03-09 to
// 2026-03-15 for n agents, a row per agent and day, and returns the files.
func writeWeek(t *testing.T, dir string, n int) []File {
	t.Helper()
	rng := rand.New(rand.NewPCG(15, uint64(n)))
	const from, to = "2026-03-09", "2026-03-16"
	var occ, rest, logout strings.Builder
	occ.WriteString("agent_id,date,logged_in_s,talk_s,hold_s,work_s,busy_s,rest_s,study_s,suspended_s,available_s,occupancy\n")
	rest.WriteString("agent_id,date,kind,op_cause,label,count,total_s,avg_s,max_s,share\n")
	logout.WriteString("agent_id,date,op_cause,label,category,count,avg_session_s,max_session_s,agents\n")
	for d := range 7 {
		day := fmt.Sprintf("2026-03-%02d", 9+d)
		for i := range n {
			in := 6*3600 + rng.IntN(3*3600)
			talk, work, r := rng.IntN(in/2), rng.IntN(in/6), rng.IntN(in/8)
			avail := in - talk - work - r
			fmt.Fprintf(&occ, "A%04d,%s,%d,%d,0,%d,0,%d,0,0,%d,%.4f\n", i+1, day, in, talk, work, r, avail, float64(talk+work)/float64(talk+work+avail))
			fmt.Fprintf(&rest, "A%04d,%s,busy,4,The agent has a rest.,1,%d,%d,%d,%.4f\n", i+1, day, r, r, r, float64(r)/float64(in))
			fmt.Fprintf(&logout, "A%04d,%s,258,An agent proactively logs out of the call center platform.,agent,1,%d,%d,1\n", i+1, day, in, in)
		}
	}
	occ.WriteString("TOTAL,,1000,500,0,100,0,0,0,0,400,0.6000\n")
	rest.WriteString("TOTAL,,busy,4,The agent has a rest.,7000,1000000,142,900,0.0300\n")
	logout.WriteString("TOTAL,,258,An agent proactively logs out of the call center platform.,agent,7000,30000,32000,1000\n")
	files := []File{
		{ReportOccupancy, filepath.Join(dir, "occupancy_"+from+"_"+to+".csv")},
		{ReportRestReasons, filepath.Join(dir, "rest_reasons_"+from+"_"+to+".csv")},
		{ReportLogoutCauses, filepath.Join(dir, "logout_causes_"+from+"_"+to+".csv")},
	}
	for i, b := range []*strings.Builder{&occ, &rest, &logout} {
		if err := os.WriteFile(files[i].Path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return files
}

// sendAndParse sends m through the suite's SMTP server and returns it as
// it arrived.
func sendAndParse(t *testing.T, m *Message) *mailtest.Message {
	t.Helper()
	srv := mailtest.Start(t, mailtest.Options{})
	s := sender(srv, nil)
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("%d messages arrived; want 1", len(got))
	}
	p, err := mailtest.Parse(got[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// attachments are the parts of p that are attachments.
func attachments(p *mailtest.Message) []mailtest.Part {
	var out []mailtest.Part
	for _, part := range p.Parts {
		if part.Disposition == "attachment" {
			out = append(out, part)
		}
	}
	return out
}

func TestComposeCapsAttachments(t *testing.T) {
	dir := t.TempDir()
	files := writeWeek(t, dir, 1000)
	var raw int64
	for _, f := range files {
		st, err := os.Stat(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		raw += st.Size()
	}
	const zipName = "reports_2026-03-09_2026-03-16.zip"
	digest := func(limit int64) Digest {
		return Digest{Job: "weekly", Day: "2026-03-15", To: []string{"floor@example.com"},
			Sections:      []Section{{Title: "week 2026-03-09 to 2026-03-15", Files: files}},
			Date:          time.Date(2026, 3, 16, 2, 30, 0, 0, time.UTC),
			MaxAttachment: limit, FirstDay: "2026-03-09", EndDay: "2026-03-16"}
	}

	t.Run("under the cap: the CSVs as they are", func(t *testing.T) {
		m, err := Compose(digest(raw))
		if err != nil {
			t.Fatal(err)
		}
		p := sendAndParse(t, m)
		if got := attachments(p); len(got) != 3 || got[0].ContentType != "text/csv" {
			t.Fatalf("attachments %d; want the 3 CSVs", len(got))
		}
		if !strings.Contains(p.Text, "Attached: occupancy_2026-03-09_2026-03-16.csv") {
			t.Errorf("text does not name the attachments:\n%s", p.Text)
		}
	})

	t.Run("over the cap: one zip, every file byte-equal", func(t *testing.T) {
		m, err := Compose(digest(raw / 2))
		if err != nil {
			t.Fatal(err)
		}
		again, err := Compose(digest(raw / 2))
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Attachments) != 1 || !bytes.Equal(m.Attachments[0].Data, again.Attachments[0].Data) {
			t.Fatal("the zip is not the same for the same files")
		}
		p := sendAndParse(t, m)
		got := attachments(p)
		if len(got) != 1 || got[0].Filename != zipName || got[0].ContentType != "application/zip" {
			t.Fatalf("attachments %+v; want one %s", got, zipName)
		}
		if int64(len(got[0].Data)) > raw/2 {
			t.Errorf("zip is %d bytes, over the cap of %d", len(got[0].Data), raw/2)
		}
		zr, err := zip.NewReader(bytes.NewReader(got[0].Data), int64(len(got[0].Data)))
		if err != nil {
			t.Fatal(err)
		}
		if len(zr.File) != len(files) {
			t.Fatalf("zip holds %d files; want %d", len(zr.File), len(files))
		}
		for i, zf := range zr.File {
			want, err := os.ReadFile(files[i].Path)
			if err != nil {
				t.Fatal(err)
			}
			if zf.Name != filepath.Base(files[i].Path) || !zf.Modified.Equal(zipTime) {
				t.Errorf("zip entry %s modified %v; want %s at %v", zf.Name, zf.Modified, filepath.Base(files[i].Path), zipTime)
			}
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, want) {
				t.Errorf("%s in the zip differs from the file", zf.Name)
			}
		}
		for _, body := range []string{p.Text, p.HTML} {
			if !strings.Contains(body, zipName) {
				t.Errorf("body does not name %s:\n%s", zipName, body)
			}
		}
	})

	t.Run("even the zip over the cap: none attached, paths named", func(t *testing.T) {
		m, err := Compose(digest(1000))
		if err != nil {
			t.Fatal(err)
		}
		p := sendAndParse(t, m)
		if got := attachments(p); len(got) != 0 {
			t.Fatalf("%d attachments; want none", len(got))
		}
		for _, f := range files {
			if !strings.Contains(p.Text, f.Path) || !strings.Contains(p.HTML, f.Path) {
				t.Errorf("the bodies do not name %s:\n%s", f.Path, p.Text)
			}
		}
	})
}

func TestSubjectNamesThePeriod(t *testing.T) {
	dir := t.TempDir()
	files := writeReports(t, dir, "2026-03-10", 3)
	tests := []struct {
		title, want string
	}{
		{"2026-03-10", "agentbill job, 2026-03-10: occupancy "},
		{"week 2026-03-09 to 2026-03-15", "agentbill job, week 2026-03-09 to 2026-03-15: occupancy "},
		{"March 2026", "agentbill job, March 2026: occupancy "},
	}
	for _, tt := range tests {
		t.Run(tt.title, func(t *testing.T) {
			m, err := Compose(Digest{Job: "job", Day: "2026-03-31", To: []string{"floor@example.com"},
				Sections: []Section{{Title: tt.title, Files: files}}})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(m.Subject, tt.want) || strings.Contains(m.Subject, "2026-03-31") {
				t.Errorf("subject %q; want it to start %q", m.Subject, tt.want)
			}
			if p := sendAndParse(t, m); p.Subject != m.Subject {
				t.Errorf("arrived as %q; sent %q", p.Subject, m.Subject)
			}
		})
	}
}
