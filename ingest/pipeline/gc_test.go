package pipeline

import (
	"runtime/debug"
	"testing"
	"time"
)

// gcPercent reads the collector's setting.
func gcPercent() int {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p
}

// The collector is off while any reading is under way and set as it was
// once the last ends; a heap past the bound sets it back at once.
func TestPauseGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(150))
	resumeA := pauseGC(1 << 40)
	if got := gcPercent(); got != -1 {
		t.Fatalf("paused: GC percent %d", got)
	}
	resumeB := pauseGC(1 << 40)
	resumeA()
	resumeA() // a second call changes nothing
	if got := gcPercent(); got != -1 {
		t.Fatalf("one reading of two ended: GC percent %d", got)
	}
	resumeB()
	if got := gcPercent(); got != 150 {
		t.Fatalf("every reading ended: GC percent %d, want 150", got)
	}

	resume := pauseGC(1 << 20)
	defer resume()
	held := make([][]byte, 0, 64)
	deadline := time.Now().Add(5 * time.Second)
	for gcPercent() == -1 {
		if time.Now().After(deadline) {
			t.Fatal("the heap passed the bound, and the collector stayed off")
		}
		held = append(held, make([]byte, 1<<20))
		time.Sleep(gcWatchEvery)
	}
	if got := gcPercent(); got != 150 {
		t.Fatalf("past the bound: GC percent %d, want 150", got)
	}
	resume()
	if got := gcPercent(); got != 150 {
		t.Fatalf("after the pause: GC percent %d, want 150", got)
	}
	_ = held
}
