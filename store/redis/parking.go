package redis

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/dinsospmd-bateng/silakso/bot/domain"
)

// Parked filings live in one hash, intake id -> filing, shared by every instance.

func (s *Sessions) parkingKey() string { return s.prefix + "parked" }

// Park implements store.Parking.
func (s *Sessions) Park(ctx context.Context, f domain.Filing) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.CallTimeout)
	defer cancel()
	if err := s.rdb.HSet(ctx, s.parkingKey(), f.IntakeID, b).Err(); err != nil {
		return fmt.Errorf("redis: park filing: %w", err)
	}
	return nil
}

// Parked implements store.Parking.
func (s *Sessions) Parked(ctx context.Context, limit int) ([]domain.Filing, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.CallTimeout)
	defer cancel()
	vals, _, err := s.rdb.HScan(ctx, s.parkingKey(), 0, "", int64(limit)).Result()
	if err != nil {
		return nil, fmt.Errorf("redis: parked filings: %w", err)
	}
	var out []domain.Filing
	// HSCAN returns field, value, field, value, ...
	for i := 1; i < len(vals) && len(out) < limit; i += 2 {
		var f domain.Filing
		if err := json.Unmarshal([]byte(vals[i]), &f); err != nil {
			return nil, fmt.Errorf("redis: parked filing %s: %w", vals[i-1], err)
		}
		out = append(out, f)
	}
	return out, nil
}

// Unpark implements store.Parking.
func (s *Sessions) Unpark(ctx context.Context, intakeID string) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.CallTimeout)
	defer cancel()
	if err := s.rdb.HDel(ctx, s.parkingKey(), intakeID).Err(); err != nil {
		return fmt.Errorf("redis: unpark filing: %w", err)
	}
	return nil
}
