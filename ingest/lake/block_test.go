package lake

import (
	"bytes"
	"context"
	"errors"
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
)

// dayFiles writes a day of bills into a new lake through write, commits it
// with open spans and rejects, and returns the bytes of each table's file.
func dayFiles(t *testing.T, l *Lake, open []billing.OpenSpan, write func(*DayWriter) error) map[string][]byte {
	t.Helper()
	dw, err := l.CreateDay(context.Background(), testDay)
	if err != nil {
		t.Fatal(err)
	}
	defer dw.Abort()
	if err := write(dw); err != nil {
		t.Fatal(err)
	}
	if err := dw.Commit(open, bigRejects(300), Manifest{}); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, tb := range Tables() {
		data, err := os.ReadFile(l.Path(tb.Name, testDay))
		if err != nil {
			t.Fatal(err)
		}
		files[tb.Name] = data
	}
	return files
}

// split cuts bills into blocks starting at each of cuts.
func split(bills []billing.Bill, cuts []int) [][]billing.Bill {
	var parts [][]billing.Bill
	from := 0
	for _, c := range cuts {
		parts = append(parts, bills[from:c])
		from = c
	}
	return append(parts, bills[from:])
}

// encodeAtOnce encodes each part as a block, all on their own goroutines.
func encodeAtOnce(t *testing.T, loc *time.Location, parts [][]billing.Bill) []*EncodedBlock {
	t.Helper()
	blocks := make([]*EncodedBlock, len(parts))
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, part := range parts {
		wg.Go(func() {
			b := NewBillBlock(loc)
			for j := range part {
				b.Add(&part[j])
			}
			blocks[i], errs[i] = b.Encode()
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return blocks
}

func TestWriteBlockSameBytes(t *testing.T) {
	// On UTC, the *_local columns are twins of the instants' (see
	// rowGroup.twins).
	for _, loc := range []*time.Location{kathmandu(t), time.UTC} {
		t.Run(loc.String(), func(t *testing.T) { testWriteBlockSameBytes(t, loc) })
	}
}

func testWriteBlockSameBytes(t *testing.T, loc *time.Location) {
	// 300,000 bills fill three row groups by the size rule.
	many := syntheticBills(300_000, loc)
	few := sampleBills(loc)
	tests := []struct {
		name  string
		bills []billing.Bill
		cuts  []int // where blocks start, after the first
	}{
		{"one block of several row groups", many, nil},
		{"blocks cut anywhere", many, []int{1, 1000, 1024, 140_000, 299_999}},
		{"empty blocks", many, []int{0, 5000, 5000, 300_000}},
		{"blocks of one bill", few, []int{1, 2, 3, 4, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			open := sampleOpen(loc)
			// Through WriteBill, with row groups cut where the blocks end.
			want := dayFiles(t, &Lake{Dir: t.TempDir(), Location: loc}, open, func(dw *DayWriter) error {
				for i := range tt.bills {
					if slices.Contains(tt.cuts, i) {
						if err := dw.bw.t.flush(); err != nil {
							return err
						}
					}
					if err := dw.WriteBill(&tt.bills[i]); err != nil {
						return err
					}
				}
				return nil
			})
			parts := split(tt.bills, tt.cuts)
			t.Run("blocks encoded at once", func(t *testing.T) {
				l := &Lake{Dir: t.TempDir(), Location: loc}
				got := dayFiles(t, l, open, func(dw *DayWriter) error {
					rows := int64(0)
					for _, e := range encodeAtOnce(t, loc, parts) {
						rows += e.Rows()
						if err := dw.WriteBlock(e); err != nil {
							return err
						}
					}
					if rows != int64(len(tt.bills)) {
						t.Errorf("blocks hold %d rows, want %d", rows, len(tt.bills))
					}
					return nil
				})
				sameFiles(t, got, want)
				m, _, err := l.ReadManifest(testDay)
				if err != nil || m.Files[0].Rows != int64(len(tt.bills)) {
					t.Errorf("manifest: %v rows, %v", m.Files, err)
				}
			})
			t.Run("one block reused", func(t *testing.T) {
				got := dayFiles(t, &Lake{Dir: t.TempDir(), Location: loc}, open, func(dw *DayWriter) error {
					b := NewBillBlock(loc)
					for _, part := range parts {
						// Rows dropped by Reset leave no trace.
						for j := range min(len(part), 3000) {
							b.Add(&many[len(many)-1-j])
						}
						b.Reset()
						for j := range part {
							b.Add(&part[j])
						}
						e, err := b.Encode()
						if err != nil {
							return err
						}
						if err := dw.WriteBlock(e); err != nil {
							return err
						}
					}
					return nil
				})
				sameFiles(t, got, want)
			})
			t.Run("bills and blocks mixed", func(t *testing.T) {
				got := dayFiles(t, &Lake{Dir: t.TempDir(), Location: loc}, open, func(dw *DayWriter) error {
					for i, part := range parts {
						if i%2 == 0 {
							for j := range part {
								if err := dw.WriteBill(&part[j]); err != nil {
									return err
								}
							}
							continue
						}
						for _, e := range encodeAtOnce(t, loc, parts[i:i+1]) {
							if err := dw.WriteBlock(e); err != nil {
								return err
							}
						}
					}
					return nil
				})
				sameFiles(t, got, want)
			})
		})
	}
}

func sameFiles(t *testing.T, got, want map[string][]byte) {
	t.Helper()
	for name, w := range want {
		if g := got[name]; !bytes.Equal(g, w) {
			t.Errorf("%s: %d bytes, want the %d bytes of the other write", name, len(g), len(w))
		}
	}
}

func TestWriteBlockRefused(t *testing.T) {
	loc := kathmandu(t)
	bills := sampleBills(loc)
	tests := []struct {
		name  string
		write func(dw *DayWriter) error
		want  string
	}{
		{"another zone", func(dw *DayWriter) error {
			return dw.WriteBlock(encodeAtOnce(t, time.UTC, [][]billing.Bill{bills})[0])
		}, "a block of local times in UTC, the lake's zone is Asia/Kathmandu"},
		{"written twice", func(dw *DayWriter) error {
			e := encodeAtOnce(t, loc, [][]billing.Bill{bills})[0]
			if err := dw.WriteBlock(e); err != nil {
				return err
			}
			return dw.WriteBlock(e)
		}, errBlockWritten.Error()},
		{"after commit", func(dw *DayWriter) error {
			if err := dw.Commit(nil, nil, Manifest{}); err != nil {
				return err
			}
			return dw.WriteBlock(encodeAtOnce(t, loc, [][]billing.Bill{bills})[0])
		}, errWriterClosed.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &Lake{Dir: t.TempDir(), Location: loc}
			dw, err := l.CreateDay(context.Background(), testDay)
			if err != nil {
				t.Fatal(err)
			}
			defer dw.Abort()
			err = tt.write(dw)
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.want)) {
				t.Errorf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}

// TestDeterministic writes the same day again and again, with as many
// cores as the machine has and with one, through WriteBill and through
// blocks encoded at once: every write gives the same bytes.
func TestDeterministic(t *testing.T) {
	loc := kathmandu(t)
	bills := syntheticBills(300_000, loc)
	open := sampleOpen(loc)
	viaBills := func(dw *DayWriter) error {
		for i := range bills {
			if err := dw.WriteBill(&bills[i]); err != nil {
				return err
			}
		}
		return nil
	}
	want := dayFiles(t, &Lake{Dir: t.TempDir(), Location: loc}, open, viaBills)
	for _, procs := range []int{1, 2, 5} {
		prev := runtime.GOMAXPROCS(procs)
		got := dayFiles(t, &Lake{Dir: t.TempDir(), Location: loc}, open, viaBills)
		runtime.GOMAXPROCS(prev)
		sameFiles(t, got, want)
	}
	got := dayFiles(t, &Lake{Dir: t.TempDir(), Location: loc}, open, func(dw *DayWriter) error {
		for _, e := range encodeAtOnce(t, loc, [][]billing.Bill{bills}) {
			if err := dw.WriteBlock(e); err != nil {
				return err
			}
		}
		return nil
	})
	sameFiles(t, got, want)
}
