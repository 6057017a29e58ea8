package redis

import (
	"context"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// gatewayTTL is how long what is known about a gateway phone's messages is kept: its
// delivery reports come within minutes, or within the two days the app retries.
const gatewayTTL = 7 * 24 * time.Hour

// heardTTL keeps the last-heard time through any silence worth alerting of.
const heardTTL = 30 * 24 * time.Hour

// Gateway is what every instance shares about an SMS gateway phone: when it was last
// heard, which silence was alerted of, and how many parts of each message were
// delivered. It implements channels/smsgate.State.
type Gateway struct {
	rdb    goredis.UniversalClient
	prefix string
}

// NewGateway uses rdb with keys under prefix.
func NewGateway(rdb goredis.UniversalClient, prefix string) *Gateway {
	return &Gateway{rdb: rdb, prefix: prefix + "smsgate:"}
}

// Gateway returns the gateway phone's state on the same Redis and prefix.
func (s *Sessions) Gateway() *Gateway { return NewGateway(s.rdb, s.prefix) }

// keepLatest sets KEYS[1] to ARGV[1] unless it holds a larger number: events reach
// instances in any order, and the last heard time never goes back.
var keepLatest = goredis.NewScript(`
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > cur then
	redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 0`)

// Heard implements smsgate.State.
func (g *Gateway) Heard(ctx context.Context, at time.Time) error {
	if err := keepLatest.Run(ctx, g.rdb, []string{g.prefix + "heard"}, at.UnixMilli(), heardTTL.Milliseconds()).Err(); err != nil {
		return fmt.Errorf("redis: gateway heard: %w", err)
	}
	return nil
}

// LastHeard implements smsgate.State.
func (g *Gateway) LastHeard(ctx context.Context) (time.Time, error) {
	ms, err := g.rdb.Get(ctx, g.prefix+"heard").Int64()
	if err == goredis.Nil {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("redis: gateway last heard: %w", err)
	}
	return time.UnixMilli(ms), nil
}

// ClaimAlert implements smsgate.State.
func (g *Gateway) ClaimAlert(ctx context.Context, since time.Time) (bool, error) {
	var ms int64
	if !since.IsZero() {
		ms = since.UnixMilli()
	}
	ok, err := g.rdb.SetNX(ctx, g.prefix+"alerted:"+strconv.FormatInt(ms, 10), 1, gatewayTTL).Result()
	if err != nil {
		return false, fmt.Errorf("redis: gateway alert: %w", err)
	}
	return ok, nil
}

func (g *Gateway) msgKey(id, what string) string { return g.prefix + "{" + id + "}:" + what }

// NoteParts implements smsgate.State.
func (g *Gateway) NoteParts(ctx context.Context, id string, parts int) error {
	if err := g.rdb.Set(ctx, g.msgKey(id, "parts"), parts, gatewayTTL).Err(); err != nil {
		return fmt.Errorf("redis: gateway parts: %w", err)
	}
	return nil
}

// PartDelivered implements smsgate.State.
func (g *Gateway) PartDelivered(ctx context.Context, id, eventID string) (int, int, error) {
	set := g.msgKey(id, "delivered")
	var card *goredis.IntCmd
	var parts *goredis.StringCmd
	_, err := g.rdb.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		p.SAdd(ctx, set, eventID)
		p.Expire(ctx, set, gatewayTTL)
		card = p.SCard(ctx, set)
		parts = p.Get(ctx, g.msgKey(id, "parts"))
		return nil
	})
	if err != nil && err != goredis.Nil {
		return 0, 0, fmt.Errorf("redis: gateway delivered part: %w", err)
	}
	n, _ := parts.Int()
	return int(card.Val()), n, nil
}
