package ingest

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// connectString is a string field of a Connect record: ok when present and
// not null.
type connectString struct {
	v  []byte
	ok bool
}

// connectContact is the part of a contact that the mapping reads.
type connectContact struct {
	id, channel, method, state connectString
	stateStart, connected      connectString
}

// connectSnapshot is the part of an agent snapshot that the mapping reads.
type connectSnapshot struct {
	present  bool
	status   connectString // AgentStatus.Name
	username connectString // Configuration.Username
	contacts []connectContact
}

// connectRecord is the part of a Connect record that the mapping reads.
type connectRecord struct {
	eventType, timestamp, arn connectString
	cur, prev                 connectSnapshot
}

// connectParser reads the fields SPEC §1.4 lists from one record and checks
// that the rest is JSON, reading only as much of it as that takes. Its
// strings point into the record, or into its buffer for strings with
// escapes, and are valid until the next record.
type connectParser struct {
	b   []byte
	buf []byte // unescaped strings
	rec connectRecord
}

// maxConnectDepth bounds the nesting of a record.
const maxConnectDepth = 64

// jsonSyntaxError is a record that is not JSON.
type jsonSyntaxError struct {
	at  int
	msg string
}

func (e *jsonSyntaxError) Error() string {
	return fmt.Sprintf("%v: %s at byte %d", ErrInvalidJSON, e.msg, e.at+1)
}

func (e *jsonSyntaxError) Unwrap() error { return ErrInvalidJSON }

func (p *connectParser) syntax(i int, msg string) error {
	if i >= len(p.b) {
		return &jsonSyntaxError{at: len(p.b), msg: "unexpected end"}
	}
	return &jsonSyntaxError{at: i, msg: msg}
}

// parse reads the record b: a JSON object, and nothing after it.
func (p *connectParser) parse(b []byte) (*connectRecord, error) {
	p.b = b
	if cap(p.buf) < len(b) {
		// An unescaped string is never longer than its text, so strings
		// in the buffer never move.
		p.buf = make([]byte, 0, len(b))
	}
	p.buf = p.buf[:0]
	cur, prev := p.rec.cur.contacts[:0], p.rec.prev.contacts[:0]
	p.rec = connectRecord{}
	p.rec.cur.contacts, p.rec.prev.contacts = cur, prev
	i := p.ws(0)
	if i >= len(b) || b[i] != '{' {
		return nil, ErrNotObject
	}
	i, err := p.object(i, 1, p.top)
	if err != nil {
		return nil, err
	}
	if i = p.ws(i); i < len(b) {
		return nil, p.syntax(i, "text after the object")
	}
	return &p.rec, nil
}

func (p *connectParser) top(key []byte, i, depth int) (int, error) {
	r := &p.rec
	switch string(key) {
	case "EventType":
		return p.str(i, "EventType", &r.eventType)
	case "EventTimestamp":
		return p.str(i, "EventTimestamp", &r.timestamp)
	case "AgentARN":
		return p.str(i, "AgentARN", &r.arn)
	case "CurrentAgentSnapshot":
		return p.snapshot(i, depth, "CurrentAgentSnapshot", &r.cur)
	case "PreviousAgentSnapshot":
		return p.snapshot(i, depth, "PreviousAgentSnapshot", &r.prev)
	}
	return p.skip(i, depth)
}

// snapshot reads an agent snapshot, or null.
func (p *connectParser) snapshot(i, depth int, field string, s *connectSnapshot) (int, error) {
	if p.isNull(i) {
		return i + 4, nil
	}
	if i >= len(p.b) || p.b[i] != '{' {
		return 0, p.kindErr(i, field, "an object")
	}
	s.present = true
	return p.object(i, depth+1, func(key []byte, i, depth int) (int, error) {
		switch string(key) {
		case "AgentStatus":
			return p.named(i, depth, "AgentStatus", "Name", "AgentStatus.Name", &s.status)
		case "Configuration":
			return p.named(i, depth, "Configuration", "Username", "Configuration.Username", &s.username)
		case "Contacts":
			return p.contacts(i, depth, s)
		}
		return p.skip(i, depth)
	})
}

// named reads the one string field name (full: field.name) of an object
// (or null) field.
func (p *connectParser) named(i, depth int, field, name, full string, v *connectString) (int, error) {
	if p.isNull(i) {
		return i + 4, nil
	}
	if i >= len(p.b) || p.b[i] != '{' {
		return 0, p.kindErr(i, field, "an object")
	}
	return p.object(i, depth+1, func(key []byte, i, depth int) (int, error) {
		if string(key) == name {
			return p.str(i, full, v)
		}
		return p.skip(i, depth)
	})
}

// contacts reads the array Contacts (or null).
func (p *connectParser) contacts(i, depth int, s *connectSnapshot) (int, error) {
	if p.isNull(i) {
		return i + 4, nil
	}
	if i >= len(p.b) || p.b[i] != '[' {
		return 0, p.kindErr(i, "Contacts", "an array")
	}
	return p.array(i, depth+1, func(i, depth int) (int, error) {
		if p.isNull(i) {
			return i + 4, nil
		}
		if i >= len(p.b) || p.b[i] != '{' {
			return 0, p.kindErr(i, "Contacts", "objects")
		}
		s.contacts = append(s.contacts, connectContact{})
		k := &s.contacts[len(s.contacts)-1]
		return p.object(i, depth+1, func(key []byte, i, depth int) (int, error) {
			switch string(key) {
			case "ContactId":
				return p.str(i, "ContactId", &k.id)
			case "Channel":
				return p.str(i, "Channel", &k.channel)
			case "InitiationMethod":
				return p.str(i, "InitiationMethod", &k.method)
			case "State":
				return p.str(i, "State", &k.state)
			case "StateStartTimestamp":
				return p.str(i, "StateStartTimestamp", &k.stateStart)
			case "ConnectedToAgentTimestamp":
				return p.str(i, "ConnectedToAgentTimestamp", &k.connected)
			}
			return p.skip(i, depth)
		})
	})
}

// array reads the array that opens at b[i], calling elem with the index
// of each element; elem returns the index after it.
func (p *connectParser) array(i, depth int, elem func(i, depth int) (int, error)) (int, error) {
	if depth > maxConnectDepth {
		return 0, p.syntax(i, "nested too deep")
	}
	i = p.ws(i + 1)
	if i < len(p.b) && p.b[i] == ']' {
		return i + 1, nil
	}
	for {
		var err error
		if i, err = elem(i, depth); err != nil {
			return 0, err
		}
		done := false
		if i, done, err = p.next(i, ']'); err != nil || done {
			return i, err
		}
	}
}

// next reads what follows a member or an element: a comma (then it
// returns the index of the next one) or the closing bracket (then done,
// and the index after it).
func (p *connectParser) next(i int, closing byte) (int, bool, error) {
	i = p.ws(i)
	if i >= len(p.b) {
		return 0, false, p.syntax(i, "")
	}
	switch p.b[i] {
	case ',':
		return p.ws(i + 1), false, nil
	case closing:
		return i + 1, true, nil
	}
	return 0, false, p.syntax(i, "want , or "+string(closing))
}

// kindErr is the error of a field whose value is of the wrong kind, or a
// syntax error when the value is not JSON at all.
func (p *connectParser) kindErr(i int, field, want string) error {
	if _, err := p.skip(i, 1); err != nil {
		return err
	}
	return fieldErr(field, "want %s", want)
}

// object reads the object that opens at b[i], calling member with each key
// and the index of its value; member returns the index after the value.
func (p *connectParser) object(i, depth int, member func(key []byte, i, depth int) (int, error)) (int, error) {
	if depth > maxConnectDepth {
		return 0, p.syntax(i, "nested too deep")
	}
	b := p.b
	i = p.ws(i + 1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return 0, p.syntax(i, "want a key")
		}
		key, next, err := p.scanString(i)
		if err != nil {
			return 0, err
		}
		i = p.ws(next)
		if i >= len(b) || b[i] != ':' {
			return 0, p.syntax(i, "want :")
		}
		i = p.ws(i + 1)
		if i, err = member(key, i, depth); err != nil {
			return 0, err
		}
		done := false
		if i, done, err = p.next(i, '}'); err != nil || done {
			return i, err
		}
	}
}

// str reads a string field, or null.
func (p *connectParser) str(i int, field string, v *connectString) (int, error) {
	if i < len(p.b) && p.b[i] == '"' {
		s, next, err := p.scanString(i)
		if err != nil {
			return 0, err
		}
		*v = connectString{v: s, ok: true}
		return next, nil
	}
	if p.isNull(i) {
		*v = connectString{}
		return i + 4, nil
	}
	return 0, p.kindErr(i, field, "a string")
}

func (p *connectParser) isNull(i int) bool {
	return i+4 <= len(p.b) && string(p.b[i:i+4]) == "null"
}

func (p *connectParser) ws(i int) int { return skipJSONSpace(p.b, i) }

// scanString reads the string that opens at b[i] and returns its text
// (unescaped) and the index after it.
func (p *connectParser) scanString(i int) ([]byte, int, error) {
	b := p.b
	j := i + 1
	for j < len(b) {
		c := b[j]
		if c == '"' {
			return b[i+1 : j], j + 1, nil
		}
		if c == '\\' {
			return p.unescape(i, j)
		}
		if c < 0x20 {
			return nil, 0, p.syntax(j, "control character in a string")
		}
		j++
	}
	return nil, 0, p.syntax(j, "")
}

// unescape reads the string that opens at b[i], whose first escape is at
// b[j], into the buffer.
func (p *connectParser) unescape(i, j int) ([]byte, int, error) {
	b := p.b
	start := len(p.buf)
	p.buf = append(p.buf, b[i+1:j]...)
	for j < len(b) {
		c := b[j]
		switch {
		case c == '"':
			return p.buf[start:len(p.buf):len(p.buf)], j + 1, nil
		case c < 0x20:
			return nil, 0, p.syntax(j, "control character in a string")
		case c != '\\':
			p.buf = append(p.buf, c)
			j++
			continue
		}
		if j+1 >= len(b) {
			return nil, 0, p.syntax(j+1, "")
		}
		switch e := b[j+1]; e {
		case '"', '\\', '/':
			p.buf = append(p.buf, e)
		case 'b':
			p.buf = append(p.buf, '\b')
		case 'f':
			p.buf = append(p.buf, '\f')
		case 'n':
			p.buf = append(p.buf, '\n')
		case 'r':
			p.buf = append(p.buf, '\r')
		case 't':
			p.buf = append(p.buf, '\t')
		case 'u':
			r, ok := hex4(b, j+2)
			if !ok {
				return nil, 0, p.syntax(j, "bad \\u escape")
			}
			j += 6
			if utf16.IsSurrogate(r) {
				r2, ok := rune(-1), false
				if j+1 < len(b) && b[j] == '\\' && b[j+1] == 'u' {
					r2, ok = hex4(b, j+2)
				}
				if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
					r = dec
					j += 6
				} else {
					r = utf8.RuneError
				}
			}
			p.buf = utf8.AppendRune(p.buf, r)
			continue
		default:
			return nil, 0, p.syntax(j, "bad escape")
		}
		j += 2
	}
	return nil, 0, p.syntax(j, "")
}

// hex4 reads four hexadecimal digits at b[i].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// skip checks the value at b[i] and returns the index after it.
func (p *connectParser) skip(i, depth int) (int, error) {
	b := p.b
	if i >= len(b) {
		return 0, p.syntax(i, "")
	}
	switch c := b[i]; {
	case c == '"':
		j := i + 1
		for j < len(b) {
			switch c := b[j]; {
			case c == '"':
				return j + 1, nil
			case c == '\\':
				if j+1 >= len(b) {
					return 0, p.syntax(j+1, "")
				}
				switch b[j+1] {
				case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
					j += 2
				case 'u':
					if _, ok := hex4(b, j+2); !ok {
						return 0, p.syntax(j, "bad \\u escape")
					}
					j += 6
				default:
					return 0, p.syntax(j, "bad escape")
				}
				continue
			case c < 0x20:
				return 0, p.syntax(j, "control character in a string")
			}
			j++
		}
		return 0, p.syntax(j, "")
	case c == '{':
		return p.object(i, depth+1, p.skipMember)
	case c == '[':
		return p.array(i, depth+1, p.skip)
	case c == 't':
		return p.literal(i, "true")
	case c == 'f':
		return p.literal(i, "false")
	case c == 'n':
		return p.literal(i, "null")
	case c == '-' || '0' <= c && c <= '9':
		return p.number(i)
	}
	return 0, p.syntax(i, "want a value")
}

func (p *connectParser) skipMember(_ []byte, i, depth int) (int, error) { return p.skip(i, depth) }

func (p *connectParser) literal(i int, word string) (int, error) {
	if i+len(word) <= len(p.b) && string(p.b[i:i+len(word)]) == word {
		return i + len(word), nil
	}
	return 0, p.syntax(i, "want a value")
}

// number checks the JSON number at b[i].
func (p *connectParser) number(i int) (int, error) {
	b := p.b
	digits := func(j int) int {
		for j < len(b) && '0' <= b[j] && b[j] <= '9' {
			j++
		}
		return j
	}
	j := i
	if b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case j < len(b) && '1' <= b[j] && b[j] <= '9':
		j = digits(j)
	default:
		return 0, p.syntax(j, "bad number")
	}
	if j < len(b) && b[j] == '.' {
		k := digits(j + 1)
		if k == j+1 {
			return 0, p.syntax(k, "bad number")
		}
		j = k
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		k := digits(j)
		if k == j {
			return 0, p.syntax(k, "bad number")
		}
		j = k
	}
	return j, nil
}
