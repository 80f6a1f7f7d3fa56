package synth

import "testing"

// TestObjectOf checks the op_object of every agent a Config may ask for:
// within 1..65534, the work id itself while it fits.
func TestObjectOf(t *testing.T) {
	for idx := range MaxAgents {
		id := workID(idx)
		obj := objectOf(id)
		switch {
		case obj < 1 || obj >= usNoUse:
			t.Fatalf("agent %d (work id %d): object %d outside 1..65534", idx, id, obj)
		case id < usNoUse && obj != id:
			t.Fatalf("agent %d: object %d, want its work id %d", idx, obj, id)
		}
	}
	for _, tt := range []struct{ id, want int32 }{{65534, 65534}, {65536, 2}, {65537, 3}, {131068, 65534}, {131069, 1}} {
		if got := objectOf(tt.id); got != tt.want {
			t.Errorf("objectOf(%d) = %d, want %d", tt.id, got, tt.want)
		}
	}
}
