package billing

import (
	"time"
	"unsafe"
)

// Source names the input record an event or bill came from.
type Source struct {
	File string
	Line int64
}

// Attrs are the string fields an event copies onto the bills it opens.
type Attrs struct {
	CallID     string
	MediaType  string
	SkillID    string
	VDNID      string
	CCID       string
	AgentType  string
	PhoneNo    string
	CallInOut  string
	LocationID string
}

// AttrFields is the number of string fields of Attrs.
const AttrFields = 9

// Strings is a's fields as an array, in the order they are declared, which
// encodings of Attrs number them by. The array is a itself: a loop over
// every field reads and writes the fields in place, where an array of
// pointers to them would first be built and copied.
func (a *Attrs) Strings() *[AttrFields]string { return (*[AttrFields]string)(unsafe.Pointer(a)) }

// Attrs is AttrFields strings and nothing else (Strings views it as an
// array): the size is checked here, the order of the fields in the tests.
const (
	_ = uint(unsafe.Sizeof(Attrs{}) - AttrFields*unsafe.Sizeof(""))
	_ = uint(AttrFields*unsafe.Sizeof("") - unsafe.Sizeof(Attrs{}))
)

// IsText reports whether the media type counts as text (text, chat, email,
// social), in any letter case.
func (a Attrs) IsText() bool {
	switch len(a.MediaType) {
	case 4, 5, 6:
	default:
		return false
	}
	switch lower(a.MediaType) {
	case "text", "chat", "email", "social":
		return true
	}
	return false
}

func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// Event is one canonical agent event: the operation an agent enters or
// performs at Time.
type Event struct {
	Time     time.Time // the instant, in UTC, with microsecond precision
	AgentID  string
	OpType   int
	OpObject int // USNoUse when absent
	OpCause  int // USNoUse when absent
	Attrs
	// SourceCause is the source system's own reason code before mapping,
	// when HasSourceCause is set.
	SourceCause    int32
	HasSourceCause bool
	Source         Source
}
