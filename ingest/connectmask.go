package ingest

// maskContext is where a value of a Connect record stands, which says what
// of it may be shown.
type maskContext uint8

const (
	maskTop      maskContext = iota // the record
	maskSnapshot                    // CurrentAgentSnapshot, PreviousAgentSnapshot
	maskStatus                      // AgentStatus
	maskConfig                      // Configuration
	maskContacts                    // Contacts
	maskContact                     // one of the Contacts
	maskKeep                        // a field SPEC §1.4 lists: shown
	maskHide                        // anything else: "***"
)

// maskChild is the context of the value of key in an object of context
// ctx.
func maskChild(ctx maskContext, key []byte) maskContext {
	switch ctx {
	case maskTop:
		switch string(key) {
		case "EventType", "EventTimestamp", "AgentARN":
			return maskKeep
		case "CurrentAgentSnapshot", "PreviousAgentSnapshot":
			return maskSnapshot
		}
	case maskSnapshot:
		switch string(key) {
		case "AgentStatus":
			return maskStatus
		case "Configuration":
			return maskConfig
		case "Contacts":
			return maskContacts
		}
	case maskStatus:
		if string(key) == "Name" {
			return maskKeep
		}
	case maskConfig:
		if string(key) == "Username" {
			return maskKeep
		}
	case maskContact:
		switch string(key) {
		case "ContactId", "Channel", "InitiationMethod", "State", "StateStartTimestamp", "ConnectedToAgentTimestamp":
			return maskKeep
		}
	}
	return maskHide
}

// hidden stands for a value that is not shown.
const hidden = `"***"`

// maskConnect appends to dst the text of a Connect record with the value
// of every field SPEC §1.4 does not list written as "***" (names,
// hierarchy, routing profile, queues ...), blanks between tokens dropped.
// A record that is not JSON is shown as far as it can be read, then "…";
// text that does not open an object is "***".
func maskConnect(dst, b []byte) []byte {
	m := masker{b: b, out: dst}
	i := m.ws(0)
	if i >= len(b) || b[i] != '{' {
		return append(dst, "***"...)
	}
	if _, ok := m.value(i, maskTop); !ok {
		m.out = append(m.out, "…"...)
	}
	return m.out
}

type masker struct {
	b   []byte
	out []byte
}

func (m *masker) ws(i int) int { return skipJSONSpace(m.b, i) }

// next writes what follows a member or an element: a comma (then it
// returns the index of the next one) or closing (then done, and the index
// after it); ok is false for anything else.
func (m *masker) next(i int, closing byte) (next int, done, ok bool) {
	i = m.ws(i)
	if i >= len(m.b) {
		return i, false, false
	}
	switch c := m.b[i]; c {
	case ',', closing:
		m.out = append(m.out, c)
		if c == closing {
			return i + 1, true, true
		}
		return m.ws(i + 1), false, true
	}
	return i, false, false
}

// value writes the value at b[i] as ctx allows and returns the index
// after it; ok is false where the text stops being JSON.
func (m *masker) value(i int, ctx maskContext) (int, bool) {
	b := m.b
	if i >= len(b) {
		return i, false
	}
	c := b[i]
	if c == 'n' && i+4 <= len(b) && string(b[i:i+4]) == "null" && ctx != maskHide {
		m.out = append(m.out, "null"...)
		return i + 4, true
	}
	switch ctx {
	case maskTop, maskSnapshot, maskStatus, maskConfig, maskContact:
		if c == '{' {
			return m.object(i, ctx)
		}
	case maskContacts:
		if c == '[' {
			return m.array(i, maskContact)
		}
	case maskKeep:
		switch {
		case c == '"':
			end, ok := rawStringEnd(b, i)
			m.out = append(m.out, b[i:end]...)
			return end, ok
		case c == 't' || c == 'f' || c == '-' || '0' <= c && c <= '9':
			end := i
			for end < len(b) && isTokenByte(b[end]) {
				end++
			}
			m.out = append(m.out, b[i:end]...)
			return end, end < len(b)
		}
	}
	end, ok := skipRaw(b, i)
	m.out = append(m.out, hidden...)
	return end, ok
}

// object writes the object at b[i] in context ctx.
func (m *masker) object(i int, ctx maskContext) (int, bool) {
	b := m.b
	m.out = append(m.out, '{')
	i = m.ws(i + 1)
	if i < len(b) && b[i] == '}' {
		m.out = append(m.out, '}')
		return i + 1, true
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return i, false
		}
		end, ok := rawStringEnd(b, i)
		m.out = append(m.out, b[i:end]...)
		if !ok {
			return end, false
		}
		child := maskChild(ctx, b[i+1:end-1])
		i = m.ws(end)
		if i >= len(b) || b[i] != ':' {
			return i, false
		}
		m.out = append(m.out, ':')
		if i, ok = m.value(m.ws(i+1), child); !ok {
			return i, false
		}
		done := false
		if i, done, ok = m.next(i, '}'); done || !ok {
			return i, ok
		}
	}
}

// array writes the array at b[i], its elements in context ctx.
func (m *masker) array(i int, ctx maskContext) (int, bool) {
	b := m.b
	m.out = append(m.out, '[')
	i = m.ws(i + 1)
	if i < len(b) && b[i] == ']' {
		m.out = append(m.out, ']')
		return i + 1, true
	}
	for {
		var ok bool
		if i, ok = m.value(i, ctx); !ok {
			return i, false
		}
		done := false
		if i, done, ok = m.next(i, ']'); done || !ok {
			return i, ok
		}
	}
}

// rawStringEnd is the index after the string that opens at b[i]; ok is
// false when b ends inside it (then the index is len(b)).
func rawStringEnd(b []byte, i int) (int, bool) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, true
		}
	}
	return len(b), false
}

func isTokenByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'
}

// skipRaw is the index after the value at b[i], found by its brackets and
// strings; ok is false when b ends inside it or it is no value.
func skipRaw(b []byte, i int) (int, bool) {
	switch c := b[i]; {
	case c == '"':
		return rawStringEnd(b, i)
	case c == '{' || c == '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, ok := rawStringEnd(b, j)
				if !ok {
					return end, false
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
		}
		return len(b), false
	case isTokenByte(c):
		j := i
		for j < len(b) && isTokenByte(b[j]) {
			j++
		}
		return j, j < len(b)
	}
	return i, false
}
