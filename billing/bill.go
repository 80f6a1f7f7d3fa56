package billing

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"time"
	"unsafe"
)

// Flags mark bills that a rule wrote rather than an event.
type Flags uint8

// The bill flags (SPEC §3), in the order they are written.
const (
	FlagImplicitLogin Flags = 1 << iota
	FlagImplicitLogout
	FlagTimeout
	FlagOpen
)

var flagNames = []struct {
	flag Flags
	name string
}{
	{FlagImplicitLogin, "implicit_login"},
	{FlagImplicitLogout, "implicit_logout"},
	{FlagTimeout, "timeout"},
	{FlagOpen, "open"},
}

// flagStrings holds the comma-separated form of every combination of flags.
var flagStrings = func() (names [FlagOpen << 1]string) {
	for f := range names {
		var parts []string
		for _, fn := range flagNames {
			if Flags(f)&fn.flag != 0 {
				parts = append(parts, fn.name)
			}
		}
		names[f] = strings.Join(parts, ",")
	}
	return names
}()

// String returns the flags comma-separated, in a fixed order.
func (f Flags) String() string {
	if int(f) < len(flagStrings) {
		return flagStrings[f]
	}
	var names []string
	for _, fn := range flagNames {
		if f&fn.flag != 0 {
			names = append(names, fn.name)
		}
	}
	return strings.Join(names, ",")
}

// ParseFlags reads the comma-separated form written by String; unknown
// names are reported with ok false.
func ParseFlags(s string) (f Flags, ok bool) {
	if s == "" {
		return 0, true
	}
	for _, part := range strings.Split(s, ",") {
		found := false
		for _, fn := range flagNames {
			if part == fn.name {
				f |= fn.flag
				found = true
			}
		}
		if !found {
			return f, false
		}
	}
	return f, true
}

// Bill is one agent operation bill, or, flagged open, one span still open at
// the end of a run.
type Bill struct {
	ID string
	// idDigits holds the digits of ID packed two to a byte, when an
	// IDAssigner named the bill; they stand for ID while ID is the
	// string it named the bill with (idText). The lake writes them as
	// they are: reading ID's text, written on another core, cost a cache
	// miss a bill.
	idDigits [16]byte
	idText   *byte
	AgentID  string
	OpType   int32
	OpObject int32
	OpCause  int32
	Begin    time.Time // UTC instant
	End      time.Time // UTC instant
	Attrs
	LogonSN        int64 // the session's login time in Unix milliseconds
	SourceCause    int32
	HasSourceCause bool
	Flags          Flags
	Source         Source
	// Origin is set only on bills imported from agentOprInfo.
	Origin Origin
}

// Origin holds the columns of a Huawei agentOprInfo record that have no
// place among a bill's own, so that an imported bill exports unchanged.
type Origin struct {
	RecordID    string // the record's id column
	DeveloperID string
	AccountID   string
	ServiceNo   string
	SkillInfoSN string
}

// OriginFields is the number of string fields of Origin.
const OriginFields = 5

// Strings is o's fields as an array, in the order they are declared (see
// Attrs.Strings).
func (o *Origin) Strings() *[OriginFields]string { return (*[OriginFields]string)(unsafe.Pointer(o)) }

// Origin is OriginFields strings and nothing else.
const (
	_ = uint(unsafe.Sizeof(Origin{}) - OriginFields*unsafe.Sizeof(""))
	_ = uint(OriginFields*unsafe.Sizeof("") - unsafe.Sizeof(Origin{}))
)

// Duration is End − Begin.
func (b *Bill) Duration() time.Duration { return b.End.Sub(b.Begin) }

// AssignID sets ID from the bill's content (see Identity).
func (b *Bill) AssignID() { b.ID = b.Identity() }

// PackedID returns the digits of b's ID packed two to a byte (as
// hex.Decode gives them), when an IDAssigner named b and its ID is still
// that name, or nil.
func (b *Bill) PackedID() *[16]byte {
	if b.idText == nil || len(b.ID) != 32 || unsafe.StringData(b.ID) != b.idText {
		return nil
	}
	return &b.idDigits
}

// Identity derives a bill's identity from what makes it that bill: agent,
// type, object, cause, span, flags and the record that opened it (by the
// file's base name, so moving the input folder keeps the ids).
func (b *Bill) Identity() string { return identity(b, baseName(b.Source.File)) }

// Identifier appends bills' identities (see Identity) to a buffer of the
// caller's, remembering the base name of the last source file: the bills
// of one reader come from one file.
type Identifier struct{ file, base string }

// Append appends b's identity to dst.
func (id *Identifier) Append(dst []byte, b *Bill) []byte {
	sum := id.sum(b)
	return hex.AppendEncode(dst, sum[:16])
}

// sum is identitySum of b.
func (id *Identifier) sum(b *Bill) [sha256.Size]byte {
	return identitySum(b, id.baseOf(b))
}

// baseOf is the base name of b's source file.
func (id *Identifier) baseOf(b *Bill) string {
	if b.Source.File != id.file || id.base == "" {
		id.file, id.base = b.Source.File, baseName(b.Source.File)
	}
	return id.base
}

// identity is Identity with the base name of the bill's source file given.
func identity(b *Bill, base string) string {
	sum := identitySum(b, base)
	var digits [32]byte
	hex.Encode(digits[:], sum[:16])
	return string(digits[:])
}

// identitySum is the hash whose first half, in hex, is the bill's identity.
func identitySum(b *Bill, base string) [sha256.Size]byte {
	// The fields are laid out in one buffer and hashed at once: a hash
	// fed field by field costs twice as much, and there is one per bill.
	var stack [256]byte
	return sha256.Sum256(appendIdentity(stack[:0], b, base))
}

// appendIdentity appends the message whose hash names b (see Identity) to
// buf.
func appendIdentity(buf []byte, b *Bill, base string) []byte {
	buf = appendString(buf, b.AgentID)
	buf = binary.BigEndian.AppendUint64(buf, uint64(int64(b.OpType)))
	buf = binary.BigEndian.AppendUint64(buf, uint64(int64(b.OpObject)))
	buf = binary.BigEndian.AppendUint64(buf, uint64(int64(b.OpCause)))
	buf = binary.BigEndian.AppendUint64(buf, uint64(b.Begin.UnixMicro()))
	buf = binary.BigEndian.AppendUint64(buf, uint64(b.End.UnixMicro()))
	buf = binary.BigEndian.AppendUint64(buf, uint64(b.Flags))
	buf = appendString(buf, b.CallID)
	buf = appendString(buf, base)
	buf = binary.BigEndian.AppendUint64(buf, uint64(b.Source.Line))
	return appendString(buf, b.Origin.RecordID)
}

// identityLen is the length of the message appendIdentity appends.
func identityLen(b *Bill, base string) int {
	return 11*8 + len(b.AgentID) + len(b.CallID) + len(base) + len(b.Origin.RecordID)
}

// idArena hands out bill ids from chunks of memory shared by many ids: one
// allocation for idsPerChunk ids rather than one each. The bytes of an id
// handed out are never written again.
type idArena struct{ buf []byte }

const idsPerChunk = 512

// id is the identity whose hash begins with half (see identity).
func (a *idArena) id(half []byte) string {
	if len(a.buf)+32 > cap(a.buf) {
		a.buf = make([]byte, 0, 32*idsPerChunk)
	}
	n := len(a.buf)
	a.buf = a.buf[:n+32]
	hex.Encode(a.buf[n:], half[:16])
	return unsafe.String(&a.buf[n], 32)
}

// appendString appends s to buf preceded by its length.
func appendString(buf []byte, s string) []byte {
	buf = binary.BigEndian.AppendUint64(buf, uint64(len(s)))
	return append(buf, s...)
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// CompareBills orders bills as the lake stores them: by agent, begin time,
// operation type and end time.
func CompareBills(a, b *Bill) int {
	if c := strings.Compare(a.AgentID, b.AgentID); c != 0 {
		return c
	}
	return compareAgentBills(a, b)
}

// compareAgentBills is CompareBills for two bills of one agent.
func compareAgentBills(a, b *Bill) int {
	if c := a.Begin.Compare(b.Begin); c != 0 {
		return c
	}
	if c := cmp.Compare(a.OpType, b.OpType); c != 0 {
		return c
	}
	return a.End.Compare(b.End)
}

// SortBills sorts bills in the lake's order; bills equal in the sort key
// keep the order they were written in, so the result is deterministic.
func SortBills(bills []Bill) { sortStable(bills, CompareBills) }

// SortAgentBills sorts the bills of one agent as SortBills does, without
// comparing their agent ids, which are all the same.
func SortAgentBills(bills []Bill) { sortStable(bills, compareAgentBills) }
