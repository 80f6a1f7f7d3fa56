package lake

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentbill/agentbill/billing"
)

// Quick derives the same states as a full check from sizes, row counts and
// manifests, without hashing; a file changed in place at the same size is
// the one thing it does not see.
func TestVerifyQuick(t *testing.T) {
	d1, d2, d3 := testDay, testDay.Next(), testDay.AddDays(2)
	tests := []struct {
		name   string
		damage func(t *testing.T, l *Lake)
		full   string // states with hashing
		quick  string // states without
	}{
		{name: "whole chain", full: "2024-03-10 ok, 2024-03-11 ok, 2024-03-12 ok"},
		{name: "first day ingested again with another outcome",
			damage: func(t *testing.T, l *Lake) { writeChainDay(t, l, d1, "", 7) },
			full:   "2024-03-10 ok, 2024-03-11 stale, 2024-03-12 stale"},
		{name: "first day ingested again with the same outcome",
			damage: func(t *testing.T, l *Lake) { writeChainDay(t, l, d1, "", 0) },
			full:   "2024-03-10 ok, 2024-03-11 ok, 2024-03-12 ok"},
		{name: "a bills file of another size",
			damage: func(t *testing.T, l *Lake) { copyFile(t, l.Path(Bills.Name, d2), l.Path(Rejects.Name, d2)) },
			full:   "2024-03-10 ok, 2024-03-11 broken, 2024-03-12 ok"},
		{name: "an open table of another size",
			damage: func(t *testing.T, l *Lake) { copyFile(t, l.Path(Open.Name, d1), l.Path(Rejects.Name, d1)) },
			// The next day carried in what the run of 03-10 wrote:
			// ingesting 03-10 again writes that file back.
			full: "2024-03-10 broken, 2024-03-11 ok, 2024-03-12 ok"},
		{name: "an open table gone",
			damage: func(t *testing.T, l *Lake) { remove(t, l.Path(Open.Name, d2)) },
			full:   "2024-03-10 ok, 2024-03-11 broken, 2024-03-12 gap"},
		{name: "a bills file changed in place",
			damage: func(t *testing.T, l *Lake) {
				p := l.Path(Bills.Name, d2)
				data, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				data[len(data)/3] ^= 0xff
				if err := os.WriteFile(p, data, 0o644); err != nil {
					t.Fatal(err)
				}
			},
			full:  "2024-03-10 ok, 2024-03-11 broken, 2024-03-12 ok",
			quick: "2024-03-10 ok, 2024-03-11 ok, 2024-03-12 ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &Lake{Dir: filepath.Join(t.TempDir(), "lake"), Location: kathmandu(t)}
			for _, d := range []billing.Date{d1, d2, d3} {
				writeChainDay(t, l, d, "", 0)
			}
			if tt.damage != nil {
				tt.damage(t, l)
			}
			_, full := states(t, l, VerifyOptions{})
			byDay, quick := states(t, l, VerifyOptions{Quick: true})
			want := tt.quick
			if want == "" {
				want = tt.full
			}
			if got := strings.Join(full, ", "); got != tt.full {
				t.Errorf("full: %s, want %s", got, tt.full)
			}
			if got := strings.Join(quick, ", "); got != want {
				t.Errorf("quick: %s, want %s", got, want)
			}
			for d, r := range byDay {
				if (r.State == StateBroken) != (len(r.Problems) > 0) {
					t.Errorf("%s: state %s with problems %q", d, r.State, r.Problems)
				}
			}
		})
	}
}
