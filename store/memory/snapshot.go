package memory

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
)

// snapshot is the on-disk form of the store, used by `silakso chat` so that a
// conversation in the terminal can continue in the next run, as it would on a phone.
type snapshot struct {
	Sessions map[string]snapshotEntry `json:"sessions"`
	Seen     map[string]time.Time     `json:"seen"`
	Parked   map[string]domain.Filing `json:"parked,omitempty"`
}

type snapshotEntry struct {
	Data    []byte    `json:"data"`
	Expires time.Time `json:"expires"`
}

// Snapshot writes the live sessions and remembered message ids to w.
func (s *Sessions) Snapshot(w io.Writer) error {
	s.mu.Lock()
	now := s.now()
	snap := snapshot{Sessions: map[string]snapshotEntry{}, Seen: map[string]time.Time{}, Parked: s.parked}
	for k, e := range s.sessions {
		if now.Before(e.expires) {
			snap.Sessions[k] = snapshotEntry{Data: e.data, Expires: e.expires}
		}
	}
	for k, exp := range s.seen {
		if now.Before(exp) {
			snap.Seen[k] = exp
		}
	}
	s.mu.Unlock()
	return json.NewEncoder(w).Encode(snap)
}

// Restore adds the sessions of a snapshot written by Snapshot.
func (s *Sessions) Restore(r io.Reader) error {
	var snap snapshot
	if err := json.NewDecoder(r).Decode(&snap); err != nil {
		return fmt.Errorf("memory: restore sessions: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, e := range snap.Sessions {
		s.sessions[k] = entry{data: e.Data, expires: e.Expires}
	}
	for k, exp := range snap.Seen {
		s.seen[k] = exp
	}
	for k, f := range snap.Parked {
		if s.parked == nil {
			s.parked = map[string]domain.Filing{}
		}
		s.parked[k] = f
	}
	return nil
}
