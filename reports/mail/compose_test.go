package mail

import (
	"bytes"
	"fmt"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/reports/mail/mailtest"
)

// writeReports writes the three built-in reports of one day for n agents,
// shaped as the SQL writes them, and returns the files.
func writeReports(t *testing.T, dir, day string, n int) []File {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	var occ strings.Builder
	occ.WriteString("agent_id,date,logged_in_s,talk_s,hold_s,work_s,busy_s,rest_s,study_s,suspended_s,available_s,occupancy\n")
	var sumIn, sumTalk, sumWork, sumAvail, sumRest int
	for i := range n {
		in := 6*3600 + rng.IntN(3*3600)
		talk := rng.IntN(in / 2)
		work := rng.IntN(in / 6)
		rest := rng.IntN(in / 8)
		avail := in - talk - work - rest
		if i == n-1 { // an agent who only rested
			talk, work, rest, avail = 0, 0, in, 0
		}
		o := ""
		if talk+work+avail > 0 {
			o = fmt.Sprintf("%.4f", float64(talk+work)/float64(talk+work+avail))
		}
		fmt.Fprintf(&occ, "A%04d,%s,%d,%d,0,%d,0,%d,0,0,%d,%s\n", i+1, day, in, talk, work, rest, avail, o)
		sumIn, sumTalk, sumWork, sumAvail, sumRest = sumIn+in, sumTalk+talk, sumWork+work, sumAvail+avail, sumRest+rest
	}
	tot := fmt.Sprintf("%d,%d,0,%d,0,%d,0,0,%d,%.4f", sumIn, sumTalk, sumWork, sumRest, sumAvail, float64(sumTalk+sumWork)/float64(sumTalk+sumWork+sumAvail))
	fmt.Fprintf(&occ, "TOTAL,%s,%s\nTOTAL,,%s\n", day, tot, tot)

	rest := "agent_id,date,kind,op_cause,label,count,total_s,avg_s,max_s,share\n" +
		"A0001," + day + ",rest,1,Lunch,1,1800,1800,1800,0.0625\n" +
		"TOTAL," + day + ",rest,1,Lunch,14,25200,1800,2400,0.0581\n" +
		"TOTAL," + day + ",busy,2,Meeting,3,2700,900,1200,0.0062\n" +
		"TOTAL," + day + ",rest,2,Training,5,9000,1800,3600,0.0208\n" +
		"TOTAL,,rest,1,Lunch,14,25200,1800,2400,0.0581\n" +
		"TOTAL,,busy,2,Meeting,3,2700,900,1200,0.0062\n" +
		"TOTAL,,rest,2,Training,5,9000,1800,3600,0.0208\n" +
		"TOTAL,,rest,7,,2,600,300,300,0.0014\n"
	logout := "agent_id,date,op_cause,label,category,count,avg_session_s,max_session_s,agents\n" +
		"TOTAL,,258,An agent proactively logs out of the call center platform.,agent,17,28000,32000,17\n" +
		"TOTAL,,256,An agent console is disconnected from the call center platform.,system,2,3600,5400,2\n" +
		"TOTAL,,5,Shift end,client,4,30000,31000,4\n"
	next := "2026-03-11"
	files := []File{
		{ReportOccupancy, filepath.Join(dir, "occupancy_"+day+"_"+next+".csv")},
		{ReportRestReasons, filepath.Join(dir, "rest_reasons_"+day+"_"+next+".csv")},
		{ReportLogoutCauses, filepath.Join(dir, "logout_causes_"+day+"_"+next+".csv")},
	}
	for i, body := range []string{occ.String(), rest, logout} {
		if err := os.WriteFile(files[i].Path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return files
}

func TestCompose(t *testing.T) {
	dir := t.TempDir()
	files := writeReports(t, dir, "2026-03-10", 24)
	m, err := Compose(Digest{Job: "nightly", Day: "2026-03-10", To: []string{"floor@example.com"},
		Sections: []Section{{Title: "2026-03-10", Files: files}},
		Date:     time.Date(2026, 3, 11, 2, 30, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.Subject, "agentbill nightly, 2026-03-10: occupancy ") || !strings.HasSuffix(m.Subject, " over 24 agents") {
		t.Errorf("subject %q", m.Subject)
	}
	if len(m.Inline) != 1 || m.Inline[0].ContentType != "image/png" {
		t.Fatalf("inline parts %+v; want one PNG", m.Inline)
	}
	chart := m.Inline[0]
	img, err := png.Decode(bytes.NewReader(chart.Data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != ChartWidth*chartScale || b.Dy() < chartScale*rowHeight*11 {
		t.Errorf("chart is %v; want %d wide with room for 11 bars", b, ChartWidth*chartScale)
	}
	for _, want := range []string{
		`<img src="cid:` + chart.ContentID + `"`,
		`width="` + fmt.Sprint(ChartWidth) + `"`,
		`alt="Lowest occupancy, 2026-03-10: All agents `,
		"A0024 no time",
		"Needs attention</h3>", "Lowest occupancy</strong>", "Longest rest</strong>",
		"Occupancy over all 24 agents</h3>", "10th percentile", "median",
		"Top rest and busy reasons</h3>", ">Lunch <span", ">Meeting <span", ">cause 7 <span", "Training", "5.8%",
		"Logout causes</h3>", ">agent logout <span", ">disconnected <span", "Shift end",
		"occupancy_2026-03-10_2026-03-11.csv",
	} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	for _, unwanted := range []string{"Changes are against", "No change shown", "target", "Rejected input records"} {
		if strings.Contains(m.HTML, unwanted) {
			t.Errorf("HTML has %q, with no previous period, target or rejects", unwanted)
		}
	}
	if i, j := strings.Index(m.HTML, "Lunch"), strings.Index(m.HTML, "Training"); i > j {
		t.Error("rest reasons are not longest first")
	}
	for _, want := range []string{"Occupancy: ", "Agents: 24", "Logged in: 178 h 14 m", "NEEDS ATTENTION", "Lowest occupancy:", "A0024: no time",
		"Top rest and busy reasons", "Lunch (rest): 14 times, 7 h 0 m", "Logout causes:", "10th percentile"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
	if len(m.Attachments) != 3 {
		t.Errorf("%d attachments; want 3", len(m.Attachments))
	}
	mailtest.SavePreview(t, "nightly.html", []byte(strings.ReplaceAll(m.HTML, "cid:"+chart.ContentID, chart.ContentID)))
	mailtest.SavePreview(t, chart.ContentID, chart.Data)
	var eml bytes.Buffer
	if _, err := m.WriteTo(&eml); err != nil {
		t.Fatal(err)
	}
	mailtest.SavePreview(t, "nightly.eml", eml.Bytes())
}

// TestComposeChangeAndTarget: the headline figures against the day
// before and the target; who needs attention, in both bodies.
func TestComposeChangeAndTarget(t *testing.T) {
	dir := t.TempDir()
	cur := centre{agents: agentNames(20), days: []string{"2026-03-10"}, end: "2026-03-11", seed: 1, mean: 0.7}.write(t, filepath.Join(dir, "cur"))
	prev := centre{agents: agentNames(18), days: []string{"2026-03-09"}, end: "2026-03-10", seed: 2, mean: 0.75}.write(t, filepath.Join(dir, "prev"))
	curFig, err := ReadFigures("2026-03-10", cur)
	if err != nil {
		t.Fatal(err)
	}
	prevFig, err := ReadFigures("2026-03-09", prev)
	if err != nil {
		t.Fatal(err)
	}
	d := 100 * (curFig.Total.Value - prevFig.Total.Value)
	wantChange := fmt.Sprintf("up %.1f pts from %.1f%%", d, 100*prevFig.Total.Value)
	if d < 0 {
		wantChange = fmt.Sprintf("down %.1f pts from %.1f%%", -d, 100*prevFig.Total.Value)
	}
	below := 0
	for _, a := range curFig.Agents {
		if a.Known && a.Value < 0.8 {
			below++
		}
	}
	m, err := Compose(Digest{Job: "nightly", Day: "2026-03-10", To: []string{"floor@example.com"},
		Sections: []Section{{Title: "2026-03-10", Files: cur, Previous: &Previous{Title: "2026-03-09", Files: prev},
			Rejects: &Rejects{Total: 5, ByAgent: []AgentRejects{{"Zoë Ångström", 1}, {"张三", 3}}}}},
		Target: 0.8})
	if err != nil {
		t.Fatal(err)
	}
	p := sendAndParse(t, m)
	for _, body := range []struct{ name, text string }{{"HTML", p.HTML}, {"text", p.Text}} {
		for _, want := range []string{
			wantChange, "up 2 from 18", "pts below the 80% target", "Changes are against 2026-03-09",
			fmt.Sprintf("%d of 20 agents below the 80%% target", below),
			"王五", "12.0%", // the agent who hardly takes calls, lowest
			"Łukasz Żółć", "31.0%", // the one who rests most
			"Søren Kierkegaard", "1 forced", "Zoë Ångström", "1 system",
			"张三", "3 rejected", "1 of them naming no agent",
			"forced login", "disconnected",
		} {
			if !strings.Contains(body.text, want) {
				t.Errorf("%s lacks %q", body.name, want)
			}
		}
	}
	if i, j := strings.Index(p.Text, "张三: 3 rejected"), strings.Index(p.Text, "Zoë Ångström: 1 rejected"); i < 0 || j < 0 || i > j {
		t.Errorf("rejects are not most first:\n%s", p.Text)
	}
}

// TestComposeNoPreviousPeriod: when the period before is not in the lake,
// the mail says so instead of a change.
func TestComposeNoPreviousPeriod(t *testing.T) {
	dir := t.TempDir()
	files := writeReports(t, dir, "2026-03-10", 5)
	why := "2026-03-09 is not in the lake"
	m, err := Compose(Digest{Job: "nightly", Day: "2026-03-10", To: []string{"floor@example.com"},
		Sections: []Section{{Title: "2026-03-10", Files: files, Previous: &Previous{Title: "2026-03-09", Missing: why}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{m.HTML, m.Text} {
		if !strings.Contains(body, "No change shown: "+why) {
			t.Errorf("body does not say why there is no change:\n%s", body)
		}
		if strings.Contains(body, " from ") {
			t.Errorf("body shows a change with no period before:\n%s", body)
		}
	}
}

func TestComposeIncomplete(t *testing.T) {
	dir := t.TempDir()
	files := writeReports(t, dir, "2026-03-10", 3)
	m, err := Compose(Digest{Job: "weekly", Day: "2026-03-10", To: []string{"floor@example.com"},
		Sections: []Section{{Title: "2026-03-10", Files: files}},
		Ingest:   "12,345 records read, 37 rejected (0.3 %)",
		Holes: []Hole{
			{Day: "2026-03-08", State: "missing", Reason: "no run of 2026-03-08 in the lake", Repair: "agentbill ingest --date 2026-03-08"},
			{Day: "2026-03-09", State: "stale", Reason: "built on 2026-03-08, which is stale", Repair: "agentbill ingest --date 2026-03-09 --cascade"},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(m.Subject, " [INCOMPLETE: 2 days missing or not whole]") {
		t.Errorf("subject %q", m.Subject)
	}
	for _, tt := range []struct{ name, body, first string }{{"HTML", m.HTML, "<h2"}, {"text", m.Text, "== 2026-03-10 =="}} {
		top, _, ok := strings.Cut(tt.body, tt.first)
		if !ok {
			t.Fatalf("%s body has no section", tt.name)
		}
		for _, want := range []string{"2026-03-08 missing", "no run of 2026-03-08 in the lake", "agentbill ingest --date 2026-03-08",
			"2026-03-09 stale", "agentbill ingest --date 2026-03-09 --cascade", "12,345 records read, 37 rejected (0.3 %)"} {
			if !strings.Contains(top, want) {
				t.Errorf("%s body lacks %q before the first section:\n%s", tt.name, want, top)
			}
		}
	}
}

func TestComposeSiteReportOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "agents_2026-03-10_2026-03-11.csv")
	if err := os.WriteFile(path, []byte("date,agents\n2026-03-10,3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Compose(Digest{Job: "site", Day: "2026-03-10", To: []string{"a@example.com"},
		Sections: []Section{{Title: "2026-03-10", Files: []File{{"agents", path}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "agentbill site, 2026-03-10" || len(m.Inline) != 0 || len(m.Attachments) != 1 {
		t.Errorf("subject %q, %d inline, %d attached", m.Subject, len(m.Inline), len(m.Attachments))
	}
}
