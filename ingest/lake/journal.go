package lake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"

	"github.com/agentbill/agentbill/billing"
)

// A day's new files go into place by one rename each, and a kill can fall
// between two of them. So before the first rename, Commit writes a journal,
// runs/D.commit, naming every rename; it removes the journal after the
// last. A journal still there means a run stopped half way through putting
// its files in place: RollForward finishes the renames, and the day is the
// new one whole. Without a journal, the day is the old one whole (the
// temporary files are left for the next write to remove).
type journal struct {
	Date    string   `json:"date"`
	Renames []rename `json:"renames"` // paths relative to the lake
}

type rename struct {
	From string `json:"from"`
	To   string `json:"to"`
}

const journalSuffix = ".commit"

func (l *Lake) journalName(day billing.Date) string {
	return path.Join(l.runsDir(), day.String()+journalSuffix)
}

func (l *Lake) journalPath(day billing.Date) string {
	return l.storage().where(l.journalName(day))
}

// writeJournal records the renames of day's commit, durably.
func (l *Lake) writeJournal(ctx context.Context, day billing.Date, files []*atomicFile) error {
	j := journal{Date: day.String()}
	for _, f := range files {
		j.Renames = append(j.Renames, rename{From: f.temp.name(), To: f.final})
	}
	data, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	return l.putObject(ctx, l.journalName(day), append(data, '\n'))
}

// removeJournal ends day's commit: every file is in place.
func (l *Lake) removeJournal(ctx context.Context, day billing.Date) error {
	return l.storage().remove(ctx, l.journalName(day))
}

// RollForward finishes every commit a stopped run left half done (see
// journal) and returns the days it finished. Only the lock's holder may:
// when l does not hold the lake's lock, RollForward takes it for the time
// it needs, and when another process holds it (that process may be the
// one committing), it leaves the journals alone and returns ErrBusy (a
// *BusyError): the lake then reads as its last commit left it, except for
// the day being committed.
func (l *Lake) RollForward() ([]billing.Date, error) {
	days, err := l.runFiles(journalSuffix)
	if err != nil || len(days) == 0 {
		return nil, err
	}
	if l.held == nil {
		lk, err := l.tryLock(Holder{Command: "finish a commit"})
		if err != nil {
			return nil, err
		}
		if lk == nil {
			return nil, l.busy()
		}
		l.held = lk
		defer lk.Unlock()
		// The journals may have gone while the lock was taken.
		if days, err = l.runFiles(journalSuffix); err != nil {
			return nil, err
		}
	}
	for i, day := range days {
		if err := l.rollForward(day); err != nil {
			return days[:i], fmt.Errorf("finish the interrupted commit of %s: %w", day, err)
		}
	}
	return days, nil
}

func (l *Lake) rollForward(day billing.Date) error {
	ctx := context.Background()
	s := l.storage()
	data, err := s.readAll(ctx, l.journalName(day))
	if err != nil {
		return err
	}
	var j journal
	if err := json.Unmarshal(data, &j); err != nil {
		return fmt.Errorf("journal %s: %w", l.journalPath(day), err)
	}
	for _, r := range j.Renames {
		if !cleanName(r.From) || !cleanName(r.To) {
			return fmt.Errorf("journal %s names a path outside the lake", l.journalPath(day))
		}
		// A temporary object that is gone was put in place before the stop.
		if err := s.rename(ctx, r.From, r.To); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return l.removeJournal(ctx, day)
}
