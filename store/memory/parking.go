package memory

import (
	"context"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
)

// Park implements store.Parking.
func (s *Sessions) Park(_ context.Context, f domain.Filing) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.parked == nil {
		s.parked = map[string]domain.Filing{}
	}
	s.parked[f.IntakeID] = f
	return nil
}

// Parked implements store.Parking.
func (s *Sessions) Parked(_ context.Context, limit int) ([]domain.Filing, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]domain.Filing, 0, min(limit, len(s.parked)))
	for _, f := range s.parked {
		if len(out) == limit {
			break
		}
		out = append(out, f)
	}
	return out, nil
}

// Unpark implements store.Parking.
func (s *Sessions) Unpark(_ context.Context, intakeID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.parked, intakeID)
	return nil
}
