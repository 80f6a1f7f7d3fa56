package mail

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func open(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// The golden outputs of the reports' own tests are what the SQL writes.
func TestReadOccupancy(t *testing.T) {
	agents, total, err := ReadOccupancy(open(t, "../testdata/midnight/occupancy.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range agents {
		got = append(got, a.Agent+" "+percent(a))
	}
	// A02 works all its time; A01 over two days is (1500+600)/(1500+600+10800).
	want := "A02 100.0%,A01 16.3%,A04 14.3%,A05 0.2%,A03 0.0%"
	if strings.Join(got, ",") != want {
		t.Errorf("agents %s; want %s", strings.Join(got, ","), want)
	}
	if total.LoggedIn != 219600 || percent(total) != "3.3%" {
		t.Errorf("total %+v", total)
	}
}

func TestReadOccupancyNoTime(t *testing.T) {
	agents, total, err := ReadOccupancy(strings.NewReader(
		"agent_id,date,logged_in_s,talk_s,hold_s,work_s,busy_s,rest_s,study_s,suspended_s,available_s,occupancy\n" +
			"B,2026-05-04,3600,0,0,0,0,3600,0,0,0,\nA,2026-05-04,3600,0,0,0,0,0,0,0,3600,0\nTOTAL,,0,0,0,0,0,0,0,0,0,\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(agents) != 2 || agents[0].Agent != "A" || agents[1].Known || total.Known {
		t.Errorf("agents %+v total %+v: an agent with no time comes last, unknown", agents, total)
	}
}

func TestReadRestReasons(t *testing.T) {
	got, err := ReadRestReasons(strings.NewReader("agent_id,date,kind,op_cause,label,count,total_s,avg_s,max_s,share\n" +
		"L8,2026-05-04,rest,0,,1,3600,3600,3600,1\n" +
		"TOTAL,2026-05-04,rest,0,,1,3600,3600,3600,0.0667\n" +
		"TOTAL,,busy,3,Busy,2,600,300,300,0.0011\n" +
		"TOTAL,,rest,0,,1,3600,3600,3600,0.0274\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Code != 0 || got[0].Seconds != 3600 || got[0].Share != 0.0274 || got[1].Kind != "busy" {
		t.Errorf("got %+v; want the two whole-period rows, longest first", got)
	}
}

func TestReadLogoutCauses(t *testing.T) {
	got, err := ReadLogoutCauses(open(t, "../testdata/logouts/logout_causes.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 12 || got[0].Code != 258 || got[0].Count != 3 || got[0].Category != "agent" {
		t.Errorf("got %d causes, first %+v; want 12, 258 first", len(got), got[0])
	}
}

func TestReadMissingColumn(t *testing.T) {
	if _, _, err := ReadOccupancy(strings.NewReader("agent_id,date\n")); err == nil || !strings.Contains(err.Error(), "logged_in_s") {
		t.Errorf("err %v; want one naming logged_in_s", err)
	}
	if _, err := ReadLogoutCauses(strings.NewReader("")); err == nil {
		t.Error("an empty file read")
	}
}

// An agent's whole-period row repeats the sum of its days: read once, the
// agent's seconds are those of its days, and the agents are not listed twice.
func TestReadOccupancyPeriodRows(t *testing.T) {
	agents, total, err := ReadOccupancy(open(t, "../testdata/midnight/occupancy.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(agents) != 5 {
		t.Fatalf("%d agents, want 5: %+v", len(agents), agents)
	}
	for _, a := range agents {
		if a.Agent == "A01" && (a.LoggedIn != 21600 || a.Available != 10800) {
			t.Errorf("A01 %+v; want 21600 s logged in, 10800 s available (its two days once)", a)
		}
	}
	if total.LoggedIn != 219600 {
		t.Errorf("total %+v", total)
	}
}

// The period rows of agents are not whole-period totals.
func TestReadFiguresPeriodRows(t *testing.T) {
	fig, err := ReadFigures("2026-03-09 to 2026-03-11", []File{
		{Report: ReportOccupancy, Path: "../testdata/midnight/occupancy.csv"},
		{Report: ReportRestReasons, Path: "../testdata/midnight/rest_reasons.csv"},
		{Report: ReportLogoutCauses, Path: "../testdata/logouts/logout_causes.csv"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(fig.Agents) != 5 || fig.Total.LoggedIn != 219600 {
		t.Errorf("agents %d, total %+v", len(fig.Agents), fig.Total)
	}
	lunch := 0
	for _, r := range fig.Rest {
		if r.Kind == "rest" && r.Code == 1 {
			lunch++
			if r.Seconds != 4500 || r.Share != 0.0205 {
				t.Errorf("rest 1: %+v; want the TOTAL row's 4500 s, share 0.0205", r)
			}
		}
	}
	if lunch != 1 {
		t.Errorf("rest 1 read %d times, want once", lunch)
	}
	if len(fig.Logouts) != 12 || fig.Logouts[0].Count != 3 {
		t.Errorf("logouts %+v", fig.Logouts)
	}
}

// A CSV written for spreadsheets opens with a byte-order mark.
func TestReadWithByteOrderMark(t *testing.T) {
	agents, total, err := ReadOccupancy(strings.NewReader("\ufeffagent_id,date,logged_in_s,talk_s,hold_s,work_s,busy_s,rest_s,study_s,suspended_s,available_s,occupancy\n" +
		"A,2026-05-04,3600,1800,0,0,0,0,0,0,1800,0.5\nA,,3600,1800,0,0,0,0,0,0,1800,0.5\nTOTAL,2026-05-04,3600,1800,0,0,0,0,0,0,1800,0.5\nTOTAL,,3600,1800,0,0,0,0,0,0,1800,0.5\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(agents) != 1 || agents[0].LoggedIn != 3600 || total.Value != 0.5 {
		t.Errorf("agents %+v total %+v", agents, total)
	}
	got, err := ReadLogoutCauses(strings.NewReader("\ufeffagent_id,date,op_cause,label,category,count,avg_session_s,max_session_s,agents\n" +
		"TOTAL,,258,'=cmd,agent,2,60,90,1\n"))
	if err != nil || len(got) != 1 || got[0].Count != 2 || got[0].Label != "=cmd" {
		t.Errorf("got %+v, %v; want count 2, the label without the quote the CSV puts first", got, err)
	}
}

// The agents with forced and system logouts, summed over their days (the
// period rows repeat them).
func TestReadAgentLogouts(t *testing.T) {
	_, agents, err := readLogouts(open(t, "../testdata/logouts/logout_causes.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want := []AgentLogouts{{Agent: "L3", System: 5}, {Agent: "L2", Forced: 2}, {Agent: "L7", System: 1}}
	if !slices.Equal(agents, want) {
		t.Errorf("agents %+v; want %+v", agents, want)
	}
}
