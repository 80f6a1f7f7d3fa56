package synth

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
)

func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestZZSpeed(t *testing.T) {
	for _, agents := range []int{30000} {
		cfg := Config{Agents: agents, Start: day0, Days: 1, Location: time.UTC, Seed: 1}
		n := 0
		start, c0 := time.Now(), cpu()
		Generate(context.Background(), cfg, func(billing.Event) error { n++; return nil })
		el, c := time.Since(start), cpu()-c0
		t.Logf("agents %d: %d events wall %v (%.2fM/s) cpu %v (%.2fM/s)", agents, n, el, float64(n)/el.Seconds()/1e6, c, float64(n)/c.Seconds()/1e6)
	}
}
