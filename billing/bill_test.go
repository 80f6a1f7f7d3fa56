package billing

import (
	"testing"
	"time"
)

// An Identifier gives each bill the identity Identity gives it, whatever
// files its bills come from, in any order.
func TestIdentifierIsIdentity(t *testing.T) {
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	var id Identifier
	for i, file := range []string{"in/a.csv", "in/a.csv", `c:\in\b.csv`, "b.csv", "in/a.csv", ""} {
		b := Bill{AgentID: "A1", OpType: 60, Begin: at, End: at.Add(time.Minute), Source: Source{File: file, Line: int64(i + 2)}}
		if got, want := string(id.Append(nil, &b)), b.Identity(); got != want {
			t.Errorf("bill %d of %q: %s, Identity gives %s", i, file, got, want)
		}
	}
}

// Strings views Attrs and Origin as arrays of their fields in the order
// they are declared, which the encodings of both number the fields by.
func TestStringsAreTheFields(t *testing.T) {
	var a Attrs
	as := a.Strings()
	for i, p := range []*string{&a.CallID, &a.MediaType, &a.SkillID, &a.VDNID, &a.CCID, &a.AgentType, &a.PhoneNo, &a.CallInOut, &a.LocationID} {
		if p != &as[i] {
			t.Errorf("Attrs field %d is not Strings()[%d]", i, i)
		}
	}
	var o Origin
	strs := o.Strings()
	for i, p := range []*string{&o.RecordID, &o.DeveloperID, &o.AccountID, &o.ServiceNo, &o.SkillInfoSN} {
		if p != &strs[i] {
			t.Errorf("Origin field %d is not Strings()[%d]", i, i)
		}
	}
}
