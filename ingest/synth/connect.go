package synth

import (
	"container/heap"
	"encoding/binary"
	"encoding/hex"
	"hash/fnv"
	"time"

	"github.com/agentbill/agentbill/billing"
)

// ConnectWriter renders canonical events as the records of an Amazon
// Connect agent event stream (SPEC §1.4), as Connect itself would write
// them: LOGIN and LOGOUT, a STATE_CHANGE with the agent's current and
// previous snapshots for each change of status or contact (ringing, talk,
// hold, after-contact work, missed and rejected contacts), and a HEART_BEAT
// every 120 seconds of silence, for up to an hour after logout. Snapshots
// carry what real ones do (first and last names, hierarchy, routing
// profile, queues) so that readers are tested against them. Some text
// conversations get a second chat at once, which may outlast the first. A
// record written twice (an event repeated, as DupShare makes them) is the
// same bytes twice, as at-least-once delivery repeats it.
//
// Events Connect cannot express (transfers, conferences, mute, three-party,
// media logouts) are not written. Busy spells become the status Offline,
// rest the site's own statuses (Lunch, Break, Training, Away) and study
// Coaching.
type ConnectWriter struct {
	agents map[string]*connectAgent
	queue  connectQueue
	buf    []byte
	n      int64
}

// ConnectHeartbeat is how often Connect writes a HEART_BEAT while nothing
// else happens, and ConnectHeartbeatAfterLogout for how long after logout.
const (
	ConnectHeartbeat            = 120 * time.Second
	ConnectHeartbeatAfterLogout = time.Hour
)

// connectInstance is the Connect instance of the synthetic centre.
const connectInstance = "arn:aws:connect:eu-west-2:111122223333:instance/6a3c0f6e-5d8b-4c5e-9a41-2f0b7d9e1c55"

type connectAgent struct {
	id       string
	arn      string
	given    string
	surname  string
	status   string
	contacts []connectContact
	snap     []byte // the current snapshot, rendered; nil before the first
	loggedIn bool
	until    time.Time // heartbeats stop after it, once logged out
	last     billing.Event
	lastRec  []byte
	lastAt   time.Time
	// pending are timed records of the agent's own (heartbeats, a second
	// chat), earliest first.
	nextBeat time.Time
	chat2    []connectStep
	index    int // in the queue
}

type connectContact struct {
	id, channel, method, state string
	start, connected           time.Time
}

// connectStep is a change of the second chat at a time.
type connectStep struct {
	at    time.Time
	state string
}

// NewConnectWriter returns a writer; each record goes to the out function
// given to Write.
func NewConnectWriter() *ConnectWriter {
	return &ConnectWriter{agents: map[string]*connectAgent{}}
}

// Records is the number of records written.
func (cw *ConnectWriter) Records() int64 { return cw.n }

// ConnectOut receives one record (valid until it returns) with its time.
type ConnectOut func(at time.Time, record []byte) error

// Write renders e, after the heartbeats and second-chat records due
// before it, handing each record to out in time order.
func (cw *ConnectWriter) Write(e *billing.Event, out ConnectOut) error {
	if err := cw.Until(e.Time, out); err != nil {
		return err
	}
	a := cw.agent(e.AgentID)
	if a.lastRec != nil && sameEvent(&a.last, e) {
		cw.n++
		return out(e.Time, a.lastRec)
	}
	a.last = *e
	rec, ok := cw.render(a, e)
	if !ok {
		return nil
	}
	return cw.emit(a, e.Time, rec, out)
}

// Until writes the heartbeats and second-chat records due before t.
func (cw *ConnectWriter) Until(t time.Time, out ConnectOut) error {
	for cw.queue.Len() > 0 {
		a := cw.queue[0]
		at, ok := a.next()
		if !ok {
			heap.Pop(&cw.queue)
			a.index = -1
			continue
		}
		if !at.Before(t) {
			return nil
		}
		var rec []byte
		if len(a.chat2) > 0 && !a.chat2[0].at.After(at) {
			step := a.chat2[0]
			a.chat2 = a.chat2[1:]
			rec = cw.secondChat(a, step)
		} else {
			a.nextBeat = at.Add(ConnectHeartbeat)
			rec = cw.record(a, "HEART_BEAT", at, a.snap, a.snap)
		}
		a.lastAt = at
		if a.nextBeat.Before(at.Add(ConnectHeartbeat)) {
			a.nextBeat = at.Add(ConnectHeartbeat)
		}
		heap.Fix(&cw.queue, a.index)
		cw.n++
		if err := out(at, rec); err != nil {
			return err
		}
	}
	return nil
}

// next is the time of the agent's next timed record.
func (a *connectAgent) next() (time.Time, bool) {
	beat, ok := a.nextBeat, a.loggedIn || !a.nextBeat.After(a.until)
	if len(a.chat2) > 0 && (!ok || a.chat2[0].at.Before(beat)) {
		return a.chat2[0].at, true
	}
	return beat, ok
}

func (cw *ConnectWriter) emit(a *connectAgent, at time.Time, rec []byte, out ConnectOut) error {
	a.lastRec = append(a.lastRec[:0], rec...)
	a.lastAt = at
	a.nextBeat = at.Add(ConnectHeartbeat)
	if a.index < 0 {
		heap.Push(&cw.queue, a)
	} else {
		heap.Fix(&cw.queue, a.index)
	}
	cw.n++
	return out(at, rec)
}

func sameEvent(a, b *billing.Event) bool {
	return a.Time.Equal(b.Time) && a.AgentID == b.AgentID && a.OpType == b.OpType &&
		a.OpObject == b.OpObject && a.OpCause == b.OpCause && a.CallID == b.CallID
}

// Names of the synthetic agents, for snapshots: none may reach a bill.
var (
	connectFirstNames = [...]string{"Amelia", "Bruno", "Chiara", "Dmitri", "Elif", "Farid", "Grace", "Hiroshi", "Ines", "Jonas", "Kavya", "Liam", "Mei", "Nadia", "Oscar", "Priya"}
	connectLastNames  = [...]string{"Abara", "Berglund", "Castellanos", "Dubois", "Eriksen", "Fontaine", "Gallagher", "Haddad", "Iwasaki", "Jovanovic", "Kowalczyk", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrovic"}
)

func (cw *ConnectWriter) agent(id string) *connectAgent {
	if a := cw.agents[id]; a != nil {
		return a
	}
	h := fnv.New64a()
	h.Write([]byte(id))
	sum := h.Sum64()
	a := &connectAgent{
		id:      id,
		arn:     connectInstance + "/agent/" + uuidOf("agent", id),
		given:   connectFirstNames[sum%uint64(len(connectFirstNames))],
		surname: connectLastNames[sum/16%uint64(len(connectLastNames))],
		status:  "Offline",
		index:   -1,
	}
	cw.agents[id] = a
	return a
}

// uuidOf makes a UUID-shaped id from its parts.
func uuidOf(parts ...string) string {
	h := fnv.New128a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	var b [16]byte
	copy(b[:], h.Sum(nil))
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	s := hex.EncodeToString(b[:])
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

// connectRest names the statuses of the rest causes of the generator.
var connectRest = map[int]string{1: "Lunch", 2: "Break", 3: "Training"}

// render changes the agent's state for e and renders its record; ok is
// false for an event Connect does not express.
func (cw *ConnectWriter) render(a *connectAgent, e *billing.Event) ([]byte, bool) {
	prev := a.snap
	t := e.Time
	switch e.OpType {
	case billing.OpLogin:
		a.loggedIn = true
		a.status, a.contacts, a.chat2 = "Offline", a.contacts[:0], nil
		a.snap = cw.snapshot(a, t)
		return cw.record(a, "LOGIN", t, a.snap, nil), true
	case billing.OpLogout:
		a.loggedIn = false
		a.until = t.Add(ConnectHeartbeatAfterLogout)
		a.status, a.contacts, a.chat2 = "Offline", a.contacts[:0], nil
		a.snap = cw.snapshot(a, t)
		return cw.record(a, "LOGOUT", t, a.snap, prev), true
	case billing.OpIdle, billing.OpEndWork:
		a.status, a.contacts, a.chat2 = "Available", a.contacts[:0], nil
	case billing.OpBusy:
		switch {
		case e.OpCause == 2 && a.setState(e.CallID, "MISSED", t):
		case e.OpCause == 7 && a.setState(e.CallID, "REJECTED", t):
		default:
			a.status, a.contacts, a.chat2 = "Offline", a.contacts[:0], nil
		}
	case billing.OpRest:
		name, ok := connectRest[e.OpCause]
		if !ok {
			name = "Away"
		}
		a.status, a.contacts, a.chat2 = name, a.contacts[:0], nil
	case 34: // study
		a.status, a.contacts, a.chat2 = "Coaching", a.contacts[:0], nil
	case 5: // ringing
		a.contacts = append(a.contacts[:0], connectContact{id: e.CallID, channel: channelOf(e), method: "INBOUND", state: "INCOMING", start: t})
		if channelOf(e) != "VOICE" {
			a.contacts[0].state = "CONNECTING"
		}
	case 9: // dialling out
		a.contacts = append(a.contacts[:0], connectContact{id: e.CallID, channel: "VOICE", method: "OUTBOUND", state: "CONNECTING", start: t})
	case billing.OpConversation, billing.OpTextTalk:
		if !a.setState(e.CallID, "CONNECTED", t) {
			method := "INBOUND"
			if e.CallInOut == "outbound" {
				method = "OUTBOUND"
			}
			a.contacts = append(a.contacts[:0], connectContact{id: e.CallID, channel: channelOf(e), method: method, state: "CONNECTED", start: t})
		}
		a.contacts[0].connected = t
		a.chat2 = nil
		if a.contacts[0].channel == "CHAT" && mix(uint64(len(e.CallID)), hashString(e.CallID), 2)%3 == 0 {
			// A second chat arrives while the first goes on.
			a.chat2 = []connectStep{{t.Add(40 * time.Second), "CONNECTING"}, {t.Add(44 * time.Second), "CONNECTED"}}
		}
	case billing.OpHold:
		if !a.setState(e.CallID, "CONNECTED_ONHOLD", t) {
			return nil, false
		}
	case 39: // retrieved
		if !a.setState(e.CallID, "CONNECTED", t) {
			return nil, false
		}
	case billing.OpWork:
		if !a.setState(e.CallID, "ENDED", t) {
			return nil, false
		}
		if len(a.contacts) > 1 && a.contacts[1].state == "CONNECTED" {
			// The second chat outlasts the first a little.
			a.chat2 = []connectStep{{t.Add(25 * time.Second), "ENDED"}}
		} else {
			a.chat2 = nil
			a.contacts = a.contacts[:1]
		}
	default:
		return nil, false
	}
	a.snap = cw.snapshot(a, t)
	return cw.record(a, "STATE_CHANGE", t, a.snap, prev), true
}

// setState puts the contact id (the first contact when id is empty) in
// state; false when the agent has no such contact.
func (a *connectAgent) setState(id, state string, t time.Time) bool {
	for i := range a.contacts {
		if k := &a.contacts[i]; k.id == id || id == "" && i == 0 {
			k.state, k.start = state, t
			return true
		}
	}
	return false
}

// secondChat renders a change of the agent's second chat.
func (cw *ConnectWriter) secondChat(a *connectAgent, step connectStep) []byte {
	prev := a.snap
	switch {
	case len(a.contacts) == 1:
		first := a.contacts[0]
		a.contacts = append(a.contacts, connectContact{id: first.id + "-2", channel: "CHAT", method: "INBOUND", state: step.state, start: step.at})
	case len(a.contacts) > 1:
		a.contacts[1].state, a.contacts[1].start = step.state, step.at
	}
	if len(a.contacts) > 1 && step.state == "CONNECTED" {
		a.contacts[1].connected = step.at
	}
	a.snap = cw.snapshot(a, step.at)
	return cw.record(a, "STATE_CHANGE", step.at, a.snap, prev)
}

func channelOf(e *billing.Event) string {
	if e.IsText() {
		return "CHAT"
	}
	return "VOICE"
}

func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// record renders one record; cur and prev are rendered snapshots or nil.
func (cw *ConnectWriter) record(a *connectAgent, kind string, at time.Time, cur, prev []byte) []byte {
	b := cw.buf[:0]
	b = append(b, `{"AWSAccountId":"111122223333","AgentARN":"`...)
	b = append(b, a.arn...)
	b = append(b, `","CurrentAgentSnapshot":`...)
	b = appendSnapshot(b, cur)
	b = append(b, `,"EventId":"`...)
	var seq [8]byte
	binary.BigEndian.PutUint64(seq[:], uint64(at.UnixNano()))
	b = append(b, uuidOf(a.id, kind, string(seq[:]))...)
	b = append(b, `","EventTimestamp":"`...)
	b = appendConnectTime(b, at)
	b = append(b, `","EventType":"`...)
	b = append(b, kind...)
	b = append(b, `","InstanceARN":"`+connectInstance+`","PreviousAgentSnapshot":`...)
	b = appendSnapshot(b, prev)
	b = append(b, `,"Version":"2019-05-25"}`...)
	cw.buf = b
	return b
}

func appendSnapshot(b, snap []byte) []byte {
	if snap == nil {
		return append(b, "null"...)
	}
	return append(b, snap...)
}

func appendConnectTime(b []byte, t time.Time) []byte {
	return t.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
}

// snapshot renders the agent's snapshot as of t.
func (cw *ConnectWriter) snapshot(a *connectAgent, t time.Time) []byte {
	b := make([]byte, 0, 1536)
	b = append(b, `{"AgentStatus":{"ARN":"`+connectInstance+`/agent-state/`...)
	b = append(b, uuidOf("status", a.status)...)
	b = append(b, `","Name":"`...)
	b = append(b, a.status...)
	b = append(b, `","StartTimestamp":"`...)
	b = appendConnectTime(b, t)
	b = append(b, `","Type":"`...)
	if a.status == "Available" {
		b = append(b, "ROUTABLE"...)
	} else if a.status == "Offline" {
		b = append(b, "OFFLINE"...)
	} else {
		b = append(b, "NOT_ROUTABLE"...)
	}
	b = append(b, `"},"Configuration":{"AgentHierarchyGroups":{"Level1":{"ARN":"`+connectInstance+`/agent-group/3b1f","Name":"EMEA Customer Care"},"Level2":{"ARN":"`+connectInstance+`/agent-group/7d2e","Name":"Team `...)
	b = append(b, a.surname...)
	b = append(b, `"},"Level3":null,"Level4":null,"Level5":null},"FirstName":"`...)
	b = append(b, a.given...)
	b = append(b, `","LastName":"`...)
	b = append(b, a.surname...)
	b = append(b, `","RoutingProfile":{"ARN":"`+connectInstance+`/routing-profile/0c6a","Concurrency":[{"AvailableSlots":1,"Channel":"VOICE","MaximumSlots":1},{"AvailableSlots":2,"Channel":"CHAT","MaximumSlots":2}],"DefaultOutboundQueue":{"ARN":"`+connectInstance+`/queue/5e7b","Name":"Outbound Customer Care"},"InboundQueues":[{"ARN":"`+connectInstance+`/queue/1a2b","Name":"Billing Enquiries"},{"ARN":"`+connectInstance+`/queue/9f8e","Name":"Chat Support"}],"Name":"Customer Care Blended"},"Username":"`...)
	b = append(b, a.id...)
	b = append(b, `"},"Contacts":[`...)
	for i, k := range a.contacts {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"Channel":"`...)
		b = append(b, k.channel...)
		b = append(b, `","ConnectedToAgentTimestamp":`...)
		if k.connected.IsZero() {
			b = append(b, "null"...)
		} else {
			b = append(b, '"')
			b = appendConnectTime(b, k.connected)
			b = append(b, '"')
		}
		b = append(b, `,"ContactId":"`...)
		b = append(b, k.id...)
		b = append(b, `","InitialContactId":null,"InitiationMethod":"`...)
		b = append(b, k.method...)
		b = append(b, `","Queue":{"ARN":"`+connectInstance+`/queue/1a2b","Name":"Billing Enquiries"},"QueueTimestamp":"`...)
		b = appendConnectTime(b, k.start.Add(-20*time.Second))
		b = append(b, `","State":"`...)
		b = append(b, k.state...)
		b = append(b, `","StateStartTimestamp":"`...)
		b = appendConnectTime(b, k.start)
		b = append(b, `"}`...)
	}
	b = append(b, `],"NextAgentStatus":null}`...)
	return b
}

// connectQueue orders agents by their next timed record.
type connectQueue []*connectAgent

func (q connectQueue) Len() int { return len(q) }
func (q connectQueue) Less(i, j int) bool {
	ti, oki := q[i].next()
	tj, okj := q[j].next()
	if oki != okj {
		return oki
	}
	if !ti.Equal(tj) {
		return ti.Before(tj)
	}
	return q[i].id < q[j].id
}
func (q connectQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}
func (q *connectQueue) Push(x any) {
	a := x.(*connectAgent)
	a.index = len(*q)
	*q = append(*q, a)
}
func (q *connectQueue) Pop() any {
	old := *q
	a := old[len(old)-1]
	*q = old[:len(old)-1]
	return a
}
