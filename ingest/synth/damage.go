package synth

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/agentbill/agentbill/billing"
)

// Fault is a way to spoil a rendered input line.
type Fault uint8

// The faults Damage makes. Each leaves a line a reader must reject.
const (
	FaultNone    Fault = iota
	FaultTime          // the time's month becomes 13
	FaultOpType        // op_type becomes 48, which the seed table lacks
	FaultAgent         // agent_id becomes empty
	FaultUTF8          // a byte that is not UTF-8 (0xFF) after the agent id
	FaultInteger       // op_type gets a trailing letter: not an integer
)

var faultNames = [...]string{"none", "time", "op_type", "agent_id", "utf8", "integer"}

// String names the fault.
func (f Fault) String() string {
	if int(f) < len(faultNames) {
		return faultNames[f]
	}
	return "fault(" + strconv.Itoa(int(f)) + ")"
}

// unknownOpType is an operation type the seed table does not have.
const unknownOpType = "48"

// Damage returns line, the rendering of ev in a line-based format, spoiled
// by f; FaultNone returns it as it is. It finds the fields by their values,
// not by format: the time as the first YYYY-MM-DD in the line, the agent id
// as the first token equal to ev.AgentID, and op_type as the value of a JSON
// "op_type" key or else as the first delimited field after the agent id
// (or from the start) equal to ev.OpType. When a field cannot be found the
// line gets an invalid byte instead, so every fault changes the line.
func Damage(line string, ev billing.Event, f Fault) string {
	switch f {
	case FaultNone:
		return line
	case FaultTime:
		if i := findDate(line); i >= 0 {
			return line[:i+5] + "13" + line[i+7:]
		}
	case FaultOpType, FaultInteger:
		if lo, hi, ok := findOpType(line, ev); ok {
			v := unknownOpType
			if f == FaultInteger {
				v = line[lo:hi] + "x"
			}
			return line[:lo] + v + line[hi:]
		}
	case FaultAgent:
		if lo, hi, ok := findToken(line, ev.AgentID, 0); ok {
			return line[:lo] + line[hi:]
		}
	}
	return breakUTF8(line, ev)
}

// breakUTF8 puts 0xFF after the agent id, or in the middle of the line.
func breakUTF8(line string, ev billing.Event) string {
	i := len(line) / 2
	if _, hi, ok := findToken(line, ev.AgentID, 0); ok {
		i = hi
	}
	for i > 0 && i < len(line) && !utf8.RuneStart(line[i]) {
		i--
	}
	return line[:i] + "\xff" + line[i:]
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// findDate returns the index of the first YYYY-MM-DD in s, or -1.
func findDate(s string) int {
	for i := 0; i+10 <= len(s); i++ {
		d := s[i : i+10]
		if d[4] == '-' && d[7] == '-' &&
			isDigit(d[0]) && isDigit(d[1]) && isDigit(d[2]) && isDigit(d[3]) &&
			isDigit(d[5]) && isDigit(d[6]) && isDigit(d[8]) && isDigit(d[9]) &&
			(i == 0 || !isDigit(s[i-1])) {
			return i
		}
	}
	return -1
}

func isWord(c byte) bool {
	return isDigit(c) || c == '_' || c == '-' || c == '.' || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

// findToken finds tok in s from index from, standing alone: not inside a
// longer word.
func findToken(s, tok string, from int) (lo, hi int, ok bool) {
	if tok == "" {
		return 0, 0, false
	}
	for from <= len(s) {
		i := strings.Index(s[from:], tok)
		if i < 0 {
			return 0, 0, false
		}
		lo, hi = from+i, from+i+len(tok)
		if (lo == 0 || !isWord(s[lo-1])) && (hi == len(s) || !isWord(s[hi])) {
			return lo, hi, true
		}
		from = lo + 1
	}
	return 0, 0, false
}

// findOpType locates the op_type value of line.
func findOpType(line string, ev billing.Event) (lo, hi int, ok bool) {
	if k := strings.Index(line, `"op_type"`); k >= 0 {
		i := k + len(`"op_type"`)
		for i < len(line) && (line[i] == ' ' || line[i] == ':' || line[i] == '"') {
			i++
		}
		j := i
		for j < len(line) && (isDigit(line[j]) || line[j] == '-') {
			j++
		}
		return i, j, j > i
	}
	want := strconv.Itoa(ev.OpType)
	from := 0
	if _, hi, ok := findToken(line, ev.AgentID, 0); ok {
		from = hi
	}
	return findToken(line, want, from)
}
